// sock_accept, sock_recv, sock_send, sock_shutdown (run-wasi hands out no sockets) and
// proc_raise: ignored signals succeed, stop signals are ENOTSUP, SIGTERM ends the guest with
// 128+15 = 143, as a shell reports a process killed by it (the spec expects exit code 143).
#include "harness.h"

int main(void) {
  u32 fd = 0, n = 0, flags = 0;
  char buf[8];
  iov_t iov = {P(buf), sizeof buf};
  u32 f;
  open_at(ROOT, 0, "file.txt", 0, R_FD_READ, 0, 0, &f);

  expect("sock_accept/enotsock-stdin", w_sock_accept(0, 0, P(&fd)), E_NOTSOCK);
  expect("sock_accept/enotsock-preopen", w_sock_accept(ROOT, 0, P(&fd)), E_NOTSOCK);
  expect("sock_accept/enotsock-file", w_sock_accept(f, 0, P(&fd)), E_NOTSOCK);
  expect("sock_accept/ebadf", w_sock_accept(999, 0, P(&fd)), E_BADF);
  expect("sock_recv/enotsock-stdin", w_sock_recv(0, P(&iov), 1, 0, P(&n), P(&flags)), E_NOTSOCK);
  expect("sock_recv/enotsock-file", w_sock_recv(f, P(&iov), 1, 0, P(&n), P(&flags)), E_NOTSOCK);
  expect("sock_recv/ebadf", w_sock_recv(999, P(&iov), 1, 0, P(&n), P(&flags)), E_BADF);
  expect("sock_send/enotsock-stdout", w_sock_send(1, P(&iov), 1, 0, P(&n)), E_NOTSOCK);
  expect("sock_send/enotsock-file", w_sock_send(f, P(&iov), 1, 0, P(&n)), E_NOTSOCK);
  expect("sock_send/ebadf", w_sock_send(999, P(&iov), 1, 0, P(&n)), E_BADF);
  expect("sock_shutdown/enotsock-stdout", w_sock_shutdown(1, 2), E_NOTSOCK);
  expect("sock_shutdown/enotsock-preopen", w_sock_shutdown(ROOT, 1), E_NOTSOCK);
  expect("sock_shutdown/ebadf", w_sock_shutdown(999, 1), E_BADF);
  w_fd_close(f);
  expect("sock_shutdown/ebadf-closed", w_sock_shutdown(f, 1), E_BADF);

  expect("proc_raise/sigchld-ignored", w_proc_raise(16), E_SUCCESS);
  expect("proc_raise/sigurg-ignored", w_proc_raise(22), E_SUCCESS);
  expect("proc_raise/sigwinch-ignored", w_proc_raise(27), E_SUCCESS);
  expect("proc_raise/signal-0", w_proc_raise(0), E_SUCCESS);
  expect("proc_raise/sigstop-enotsup", w_proc_raise(18), E_NOTSUP);
  expect("proc_raise/sigtstp-enotsup", w_proc_raise(19), E_NOTSUP);
  expect("proc_raise/einval-signal-31", w_proc_raise(31), E_INVAL);
  expect("proc_raise/einval-out-of-u8", w_proc_raise(0x100 | 15), E_INVAL);
  pass("proc_raise/sigterm-ends-with-143");
  w_proc_raise(15);
  // not reached: a different exit code makes the spec's exit_code check fail
  l_str("FAIL proc_raise/sigterm-returned"), l_end();
  return 1;
}
