// sock_*: run-wasi hands a guest no sockets, so any open descriptor is not one.
import { Errno } from "../abi/constants.js";
import type { Context, Syscalls } from "./context.js";

export function sockSyscalls(ctx: Context): Syscalls {
  const notSocket = (fd: number) => {
    ctx.fds.get(fd, 0n);
    return Errno.NOTSOCK;
  };
  return {
    sock_accept: notSocket,
    sock_recv: notSocket,
    sock_send: notSocket,
    sock_shutdown: notSocket,
  };
}
