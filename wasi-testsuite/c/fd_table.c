// fd_prestat_get, fd_prestat_dir_name, fd_close, fd_renumber: the descriptor table, preopens
// included (closed and renumbered last).
#include "harness.h"

static char buf[64];

int main(void) {
  prestat_t ps;
  fdstat_t st;
  filestat_t fs, fs2;
  u32 n = 0;

  memset(&ps, 0xff, sizeof ps);
  expect("fd_prestat_get/root", w_fd_prestat_get(ROOT, P(&ps)), E_SUCCESS);
  check("fd_prestat_get/root-is-dir-named-1-byte", ps.tag == 0 && ps.name_len == 1, "tag is not DIR or name length is not 1");
  memset(buf, '#', sizeof buf);
  expect("fd_prestat_dir_name/root", w_fd_prestat_dir_name(ROOT, P(buf), 1), E_SUCCESS);
  check("fd_prestat_dir_name/root-is-slash-no-nul", buf[0] == '/' && buf[1] == '#', "name is not \"/\" or a NUL was written");
  memset(buf, '#', sizeof buf);
  expect("fd_prestat_dir_name/larger-buffer", w_fd_prestat_dir_name(ROOT, P(buf), sizeof buf), E_SUCCESS);
  check("fd_prestat_dir_name/larger-buffer-writes-name-only", buf[0] == '/' && buf[1] == '#', "more than the name was written");
  expect("fd_prestat_dir_name/enametoolong-short-buffer", w_fd_prestat_dir_name(ROOT, P(buf), 0), E_NAMETOOLONG);
  expect("fd_prestat_dir_name/efault", w_fd_prestat_dir_name(ROOT, BAD_PTR, 1), E_FAULT);
  expect("fd_prestat_get/efault", w_fd_prestat_get(ROOT, BAD_PTR), E_FAULT);
  expect("fd_prestat_get/ebadf-after-last-preopen", w_fd_prestat_get(ROOT + 1, P(&ps)), E_BADF);
  expect("fd_prestat_get/ebadf-stdin", w_fd_prestat_get(0, P(&ps)), E_BADF);
  expect("fd_prestat_get/ebadf-stdout", w_fd_prestat_get(1, P(&ps)), E_BADF);
  expect("fd_prestat_dir_name/ebadf-closed", w_fd_prestat_dir_name(999, P(buf), 8), E_BADF);
  u32 d = open_dir(ROOT, "dir");
  expect("fd_prestat_get/ebadf-opened-directory", w_fd_prestat_get(d, P(&ps)), E_BADF);
  u32 f;
  open_at(ROOT, 0, "file.txt", 0, R_FD_READ | R_FD_FILESTAT_GET, 0, 0, &f);
  expect("fd_prestat_get/ebadf-file", w_fd_prestat_get(f, P(&ps)), E_BADF);

  // fd_close
  u32 g;
  open_at(ROOT, 0, "file.txt", 0, R_FD_READ, 0, 0, &g);
  expect("fd_close/file", w_fd_close(g), E_SUCCESS);
  expect("fd_close/ebadf-twice", w_fd_close(g), E_BADF);
  expect("fd_close/ebadf-never-opened", w_fd_close(12345), E_BADF);
  expect("fd_close/ebadf-max-fd", w_fd_close(0xffffffffu), E_BADF);
  expect("fd_fdstat_get/ebadf-closed", w_fd_fdstat_get(g, P(&st)), E_BADF);
  u32 d2 = open_dir(ROOT, "dir/sub");
  expect("fd_close/directory", w_fd_close(d2), E_SUCCESS);

  // fd_renumber
  u32 a, b;
  open_at(ROOT, 0, "file.txt", 0, R_FD_READ | R_FD_FILESTAT_GET | R_FD_SEEK, 0, 0, &a);
  open_at(ROOT, 0, "dir/nested.txt", 0, R_FD_READ | R_FD_FILESTAT_GET, 0, 0, &b);
  w_fd_filestat_get(a, P(&fs));
  u64 pos;
  w_fd_seek(a, 4, WH_SET, P(&pos));
  w_fd_fdstat_get(a, P(&st));
  expect("fd_renumber/file-onto-file", w_fd_renumber(a, b), E_SUCCESS);
  w_fd_filestat_get(b, P(&fs2));
  check("fd_renumber/target-now-the-source-file", fs.ino == fs2.ino && fs.dev == fs2.dev, "target does not refer to the source file");
  expect("fd_renumber/source-closed", w_fd_fdstat_get(a, P(&st)), E_BADF);
  memset(buf, 0, sizeof buf);
  read_into(b, buf, 3, &n);
  check("fd_renumber/keeps-position", n == 3 && memcmp(buf, "456", 3) == 0, "position not carried over");
  fdstat_t st2;
  w_fd_fdstat_get(b, P(&st2));
  check("fd_renumber/keeps-rights", st2.base == st.base && st2.inheriting == st.inheriting, "rights not carried over");
  expect("fd_renumber/same-fd", w_fd_renumber(b, b), E_SUCCESS);
  expect("fd_renumber/same-fd-stays-open", w_fd_fdstat_get(b, P(&st)), E_SUCCESS);
  expect("fd_renumber/ebadf-target-not-open", w_fd_renumber(b, 777), E_BADF);
  expect("fd_renumber/ebadf-failed-renumber-keeps-source", w_fd_fdstat_get(b, P(&st)), E_SUCCESS);
  expect("fd_renumber/ebadf-source-not-open", w_fd_renumber(777, b), E_BADF);
  expect("fd_renumber/ebadf-both-closed", w_fd_renumber(777, 778), E_BADF);

  // The preopen is an ordinary descriptor: renumber a directory onto it, then close it.
  w_fd_filestat_get(d, P(&fs));
  expect("fd_renumber/directory-onto-preopen", w_fd_renumber(d, ROOT), E_SUCCESS);
  w_fd_filestat_get(ROOT, P(&fs2));
  check("fd_renumber/preopen-slot-now-the-directory", fs.ino == fs2.ino, "fd 3 is not the renumbered directory");
  expect("fd_prestat_get/ebadf-after-renumber-onto-preopen", w_fd_prestat_get(ROOT, P(&ps)), E_BADF);
  expect("fd_close/preopen-slot", w_fd_close(ROOT), E_SUCCESS);
  expect("fd_prestat_get/ebadf-closed-preopen", w_fd_prestat_get(ROOT, P(&ps)), E_BADF);
  expect("fd_close/opened-file-outlives-preopen", w_fd_fdstat_get(f, P(&st)), E_SUCCESS);
  return finish();
}
