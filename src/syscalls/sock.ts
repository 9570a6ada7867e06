// sock_*: on the preopened listeners (tcpListen) and the connections accepted from them. Anything
// else open is ENOTSOCK, whatever its rights. Flags and iovecs are read as wasmtime read them:
// sock_recv fills the first non-empty iovec, sock_send takes every iovec in turn.
import { Errno, Rights, Riflags, Sdflags } from "../abi/constants.js";
import { iovec } from "../abi/layouts.js";
import { fail } from "../errors.js";
import type { Handle } from "../handle.js";
import { STREAM_RIGHTS } from "../abi/rights.js";
import type { Context, Syscalls } from "./context.js";
import { afterWaits, WouldWait } from "../async/wait.js";

export function sockSyscalls(ctx: Context) {
  const { fds, memory: mem } = ctx;
  const socketAt = (fd: number, rights: bigint): Handle => {
    if (!fds.get(fd, 0n).handle.isSocket) fail(Errno.NOTSOCK);
    return fds.get(fd, rights).handle;
  };
  /** Checks the iovec array and every range it names, before any I/O. */
  const checkIovecs = (iovs: number, count: number): void => {
    mem.check(iovs, count * iovec.size);
    for (let i = 0; i < count; i++) mem.check(mem.view.getUint32(iovs + i * iovec.size, true), mem.view.getUint32(iovs + i * iovec.size + iovec.fields.buf_len.offset, true));
  };
  return {
    sock_accept(fd: number, flags: number, out: number) {
      mem.check(out, 4);
      const handle = socketAt(fd, Rights.SOCK_ACCEPT).accept(flags);
      try {
        mem.setU32(out, fds.add({ handle, rightsBase: STREAM_RIGHTS, rightsInheriting: 0n }));
      } catch (error) {
        handle.close();
        throw error;
      }
    },

    sock_recv(fd: number, iovs: number, iovsLen: number, riFlags: number, outLen: number, outFlags: number) {
      mem.check(outLen, 4);
      mem.check(outFlags, 2);
      const socket = socketAt(fd, Rights.FD_READ);
      if (riFlags & ~(Riflags.RECV_PEEK | Riflags.RECV_WAITALL)) return Errno.NOTSUP;
      checkIovecs(iovs, iovsLen);
      let n = 0;
      for (let i = 0; i < iovsLen; i++) {
        const len = mem.view.getUint32(iovs + i * iovec.size + iovec.fields.buf_len.offset, true);
        if (len === 0) continue;
        const buffer = mem.slice(mem.view.getUint32(iovs + i * iovec.size, true), len);
        n = socket.recv(buffer, (riFlags & Riflags.RECV_PEEK) !== 0, (riFlags & Riflags.RECV_WAITALL) !== 0);
        break;
      }
      mem.refresh();
      mem.setU32(outLen, n);
      mem.setU16(outFlags, 0);
    },

    sock_send(fd: number, iovs: number, iovsLen: number, _siFlags: number, out: number) {
      mem.check(out, 4);
      const socket = socketAt(fd, Rights.FD_WRITE);
      checkIovecs(iovs, iovsLen);
      /** From iovec i on, `total` bytes sent before; the async host may finish after waits. */
      const sendFrom = (i: number, total: number): number => {
        for (; i < iovsLen; i++) {
          const len = mem.view.getUint32(iovs + i * iovec.size + iovec.fields.buf_len.offset, true);
          if (len === 0) continue;
          let n: number;
          try {
            n = socket.write([mem.slice(mem.view.getUint32(iovs + i * iovec.size, true), len)]);
          } catch (error) {
            if (error instanceof WouldWait && error.resume !== undefined) {
              const next = i + 1;
              throw new WouldWait(error.ready, () => afterWaits(error.resume as () => number, (m) => (m < len ? total + m : sendFrom(next, total + m))));
            }
            if (total > 0) break;
            throw error;
          }
          total += n;
          if (n < len) break;
        }
        return total;
      };
      afterWaits(
        () => sendFrom(0, 0),
        (total) => {
          mem.refresh();
          mem.setU32(out, total);
        },
      );
    },

    sock_shutdown(fd: number, how: number) {
      socketAt(fd, 0n);
      if (how !== Sdflags.RD && how !== Sdflags.WR && how !== (Sdflags.RD | Sdflags.WR)) return Errno.INVAL;
      socketAt(fd, Rights.SOCK_SHUTDOWN).shutdown((how & Sdflags.RD) !== 0, (how & Sdflags.WR) !== 0);
    },
  } satisfies Syscalls;
}
