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
  // No dup2: an unused number, however high, is not a target (wasmtime's p1_renumber asks the same).
  expect("fd_renumber/ebadf-target-127-unused", w_fd_renumber(b, 127), E_BADF);
  expect("fd_renumber/ebadf-target-0x7fffffff", w_fd_renumber(b, 0x7fffffffu), E_BADF);
  expect("fd_renumber/ebadf-target-u32-max", w_fd_renumber(b, 0xffffffffu), E_BADF);
  expect("fd_renumber/ebadf-source-u32-max", w_fd_renumber(0xffffffffu, b), E_BADF);
  expect("fd_renumber/ebadf-high-target-keeps-source", w_fd_fdstat_get(b, P(&st)), E_SUCCESS);
  u32 next;
  open_at(ROOT, 0, "file.txt", 0, R_FD_READ, 0, 0, &next);
  check("fd_renumber/high-targets-leave-lowest-free", next == a, "the next open did not take the lowest free number");
  w_fd_close(next);
  expect("fd_renumber/stdin-onto-itself", w_fd_renumber(0, 0), E_SUCCESS);
  expect("fd_renumber/stdin-onto-itself-stays-open", w_fd_fdstat_get(0, P(&st)), E_SUCCESS);

  // Each renumber closes what the target held: 2000 of them do not run out of host descriptors.
  u32 s = scratch("fd_table.cleanup"), cur = open_rw(s, "loop", O_CREAT_), loop_errors = 0;
  for (int i = 0; i < 2000; i++) {
    u32 fresh;
    if (open_at(s, 0, "loop", 0, R_FD_READ, 0, 0, &fresh) != 0 || w_fd_renumber(cur, fresh) != 0) loop_errors++;
    else cur = fresh;
  }
  check("fd_renumber/2000-in-a-row-close-their-targets", loop_errors == 0, "an open or renumber failed");
  w_fd_close(cur);

  // A redirect as programs do it with dup2, in fd_renumber's terms: park stdout on a number the
  // program holds, let a log file take the freed 1, write to 1, then put stdout back on 1.
  u32 park = open_rw(s, "park", O_CREAT_);
  int parked = w_fd_renumber(1, park);
  if (parked == 0) out_fd = park;
  expect("fd_renumber/park-stdout-on-held-fd", parked, E_SUCCESS);
  u32 log = 0;
  open_at(s, 0, "log", O_CREAT_, R_FD_WRITE, 0, 0, &log);
  check("fd_renumber/log-file-takes-freed-1", log == 1, "the log file did not get fd 1");
  expect("fd_renumber/write-to-1-goes-to-log", write_all(1, "into the log\n", 13), E_SUCCESS);
  int restored = w_fd_renumber(park, 1);
  if (restored == 0) out_fd = 1;
  expect("fd_renumber/restore-stdout-onto-1", restored, E_SUCCESS);
  expect("fd_renumber/parked-number-free-again", w_fd_fdstat_get(park, P(&st)), E_BADF);
  check("fd_renumber/log-holds-what-1-got", slurp(s, 0, "log", buf, sizeof buf) == 0 && memcmp(buf, "into the log\n", 14) == 0,
        "the log file does not hold the line written to fd 1");
  expect_u64("fd_renumber/parked-file-stays-empty", stat_at(s, 0, "park", &fs), fs.size, 0);

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
