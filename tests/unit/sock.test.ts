// sock_*: a bad fd is EBADF and any open fd that is not a socket ENOTSOCK (sockets themselves: sock-tcp.test.ts).
import t from "tap";
import { Errno } from "../../src/abi/constants.js";
import { direct, tempDir } from "../helpers/harness.js";

t.test("sock_* on a bad fd is EBADF, on an open non-socket ENOTSOCK", async (t) => {
  for (const unstable of [false, true]) {
    const h = direct({ unstable, stdin: "", stdout: () => {}, preopens: { "/d": tempDir() } });
    h.iovecs(0, [100, 16]);
    const calls: Record<string, (fd: number) => number> = {
      sock_accept: (fd) => h.call("sock_accept", fd, 0, 200),
      sock_recv: (fd) => h.call("sock_recv", fd, 0, 1, 0, 200, 204),
      sock_send: (fd) => h.call("sock_send", fd, 0, 1, 0, 200),
      sock_shutdown: (fd) => h.call("sock_shutdown", fd, 3),
    };
    for (const [name, call] of Object.entries(calls)) {
      for (const fd of [4, 99, 0x7fffffff, -1]) t.equal(call(fd), Errno.BADF, `${name}(${fd >>> 0}) → EBADF`);
      t.equal(call(0), Errno.NOTSOCK, `${name}(stdin) → ENOTSOCK`);
      t.equal(call(1), Errno.NOTSOCK, `${name}(stdout) → ENOTSOCK`);
      t.equal(call(3), Errno.NOTSOCK, `${name}(preopen) → ENOTSOCK`);
    }
    t.equal(h.u32(200), 0, "no fd or length written");
  }
});
