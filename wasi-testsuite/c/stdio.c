// Standard input, output and error as the executor gives them: streams, stdin already at EOF.
// stdout carries the "ok" lines; stderr is checked through the spec's "stderr".
#include "harness.h"

static char big[200000];

int main(void) {
  u32 n = 0;
  u64 pos;
  fdstat_t st;
  char buf[16];

  iov_t err[3] = {{P("stderr: "), 8}, {P(""), 0}, {P("two iovecs\n"), 11}};
  expect_u64("fd_write/stderr-gathers", w_fd_write(2, P(err), 3, P(&n)), n, 19);
  expect_u64("fd_read/stdin-at-eof-reads-0", read_into(0, buf, sizeof buf, &n), n, 0);
  expect_u64("fd_read/stdin-at-eof-again", read_into(0, buf, sizeof buf, &n), n, 0);
  // stdin only reads, stdout and stderr only write (as wasmtime's rights say): using the other
  // direction is ENOTCAPABLE, like any descriptor without the right. (The executor's stdio are
  // socket pairs, on which a read of stdout would block: it is only tried when the right is gone.)
  expect("fd_fdstat_get/stdin", w_fd_fdstat_get(0, P(&st)), E_SUCCESS);
  check("fd_fdstat_get/stdin-reads-only", (st.base & R_FD_READ) && !(st.base & R_FD_WRITE), "stdin lacks FD_READ or has FD_WRITE");
  expect("fd_write/enotcapable-stdin", write_all(0, "x", 1), E_NOTCAPABLE);
  expect("fd_fdstat_get/stdout", w_fd_fdstat_get(1, P(&st)), E_SUCCESS);
  int stdout_reads = (st.base & R_FD_READ) != 0;
  check("fd_fdstat_get/stdout-writes-only", (st.base & R_FD_WRITE) && !stdout_reads, "stdout lacks FD_WRITE or has FD_READ");
  // -1 (shown as "errno -1"): not tried, since stdout claims FD_READ
  expect("fd_read/enotcapable-stdout", stdout_reads ? -1 : read_into(1, buf, 4, &n), E_NOTCAPABLE);
  w_fd_fdstat_get(2, P(&st));
  check("fd_fdstat_get/stderr-writes-only", (st.base & R_FD_WRITE) && !(st.base & R_FD_READ), "stderr lacks FD_WRITE or has FD_READ");
  w_fd_fdstat_get(1, P(&st));
  expect_u64("fd_fdstat_get/stdout-flags-0", 0, st.flags, 0);
  expect("fd_seek/espipe-stdout", w_fd_seek(1, 0, WH_SET, P(&pos)), E_SPIPE);
  expect("fd_seek/espipe-stdin", w_fd_seek(0, 0, WH_CUR, P(&pos)), E_SPIPE);
  expect("fd_tell/espipe-stdout", w_fd_tell(1, P(&pos)), E_SPIPE);
  expect("fd_tell/espipe-stderr", w_fd_tell(2, P(&pos)), E_SPIPE);
  expect("fd_pread/espipe-stdin", pread_into(0, buf, 4, 0, &n), E_SPIPE);
  expect("fd_pwrite/espipe-stdout", pwrite_from(1, "x", 1, 0, &n), E_SPIPE);
  expect("fd_readdir/enotdir-stdout", w_fd_readdir(1, P(buf), sizeof buf, 0, P(&n)), E_NOTDIR);
  expect("path_open/enotdir-stdout-as-directory", open_at(1, 0, "x", 0, 0, 0, 0, 0), E_NOTDIR);
  expect("fd_prestat_get/ebadf-stderr", w_fd_prestat_get(2, P(&st)), E_BADF);
  expect("fd_fdstat_set_flags/stdout-nonblock-off", w_fd_fdstat_set_flags(1, 0), E_SUCCESS);

  // stdio fds are ordinary table entries: move stdout, close stdin
  u32 s = scratch("stdio.cleanup"), f = open_rw(s, "f", O_CREAT_);
  int moved = w_fd_renumber(1, f);
  if (moved == 0) out_fd = f;
  expect("fd_renumber/stdout-onto-file-fd", moved, E_SUCCESS);
  expect("fd_renumber/moved-stdout-writes-to-stdout", 0, E_SUCCESS);
  expect("fd_write/ebadf-old-stdout-number", write_all(1, "x", 1), E_BADF);
  expect_u64("fd_renumber/file-replaced-by-stdout-stays-empty", stat_at(s, 0, "f", (filestat_t *)big), ((filestat_t *)big)->size, 0);
  expect("fd_close/stdin", w_fd_close(0), E_SUCCESS);
  expect("fd_read/ebadf-closed-stdin", read_into(0, buf, 4, &n), E_BADF);

  // a write larger than a pipe's buffer is written whole (the executor drains it)
  memset(big, 'z', sizeof big);
  big[sizeof big - 1] = '\n';
  expect_u64("fd_write/stderr-200000-bytes-whole", write_all(2, big, sizeof big), 0, 0);
  return finish();
}
