// path_filestat_get and path_filestat_set_times.
#include "harness.h"

int main(void) {
  u32 s = scratch("path_filestat.cleanup");
  filestat_t st, t;
  make_file(s, "f", "12345");
  symlink_at("f", s, "lf");
  mkdir_at(s, "d");
  symlink_at("d", s, "ld");

  memset(&st, 0xff, sizeof st);
  expect("path_filestat_get/file", stat_at(s, 0, "f", &st), E_SUCCESS);
  expect_u64("path_filestat_get/file-filetype", 0, st.filetype, FT_FILE);
  expect_u64("path_filestat_get/file-size", 0, st.size, 5);
  expect_u64("path_filestat_get/file-nlink", 0, st.nlink, 1);
  check("path_filestat_get/file-has-times", st.mtim > 1577836800000000000ull && st.atim > 0 && st.ctim > 0, "times missing or not ns since the epoch");
  expect_u64("path_filestat_get/dir-filetype", stat_at(s, 0, "d", &st), st.filetype, FT_DIR);
  expect_u64("path_filestat_get/dot-filetype", stat_at(s, 0, ".", &st), st.filetype, FT_DIR);
  expect_u64("path_filestat_get/fixture-file-size", stat_at(ROOT, 0, "file.txt", &st), st.size, 10);
  expect_u64("path_filestat_get/link-nofollow-is-link", stat_at(s, NOFOLLOW, "lf", &st), st.filetype, FT_SYMLINK);
  expect_u64("path_filestat_get/link-nofollow-size-is-target-length", 0, st.size, 1);
  expect_u64("path_filestat_get/link-follow-is-file", stat_at(s, FOLLOW, "lf", &st), st.filetype, FT_FILE);
  stat_at(s, 0, "f", &t);
  check("path_filestat_get/link-follow-same-inode", st.ino == t.ino && st.dev == t.dev, "follow did not reach f");
  expect_u64("path_filestat_get/link-to-dir-follow", stat_at(s, FOLLOW, "ld", &st), st.filetype, FT_DIR);
  expect_u64("path_filestat_get/link-to-dir-trailing-slash", stat_at(s, NOFOLLOW, "ld/", &st), st.filetype, FT_DIR);
  expect_u64("path_filestat_get/dangling-nofollow", stat_at(ROOT, NOFOLLOW, "link-dangling", &st), st.filetype, FT_SYMLINK);
  expect("path_filestat_get/dangling-follow-enoent", stat_at(ROOT, FOLLOW, "link-dangling", &st), E_NOENT);
  expect("path_filestat_get/loop-follow-eloop", stat_at(ROOT, FOLLOW, "loop-a", &st), E_LOOP);
  expect_u64("path_filestat_get/loop-nofollow", stat_at(ROOT, NOFOLLOW, "loop-a", &st), st.filetype, FT_SYMLINK);
  stat_at(s, 0, "f", &st);
  stat_at(s, 0, "d", &t);
  check("path_filestat_get/same-device-different-inodes", st.dev == t.dev && st.ino != t.ino, "dev differs or ino equal");
  expect("path_filestat_get/enoent", stat_at(s, 0, "missing", &st), E_NOENT);
  expect("path_filestat_get/enoent-empty-path", stat_at(s, 0, "", &st), E_NOENT);
  expect("path_filestat_get/enotdir-file-trailing-slash", stat_at(s, 0, "f/", &st), E_NOTDIR);
  expect("path_filestat_get/enotdir-file-as-directory", stat_at(s, 0, "f/x", &st), E_NOTDIR);
  expect("path_filestat_get/einval-unknown-lookupflag", stat_at(s, 2, "f", &st), E_INVAL);
  expect("path_filestat_get/ebadf", stat_at(999, 0, "f", &st), E_BADF);
  u32 f = open_rw(s, "f", 0);
  expect("path_filestat_get/enotdir-fd-is-a-file", stat_at(f, 0, "x", &st), E_NOTDIR);
  expect("path_filestat_get/efault-path", w_path_filestat_get(s, 0, BAD_PTR, 1, P(&st)), E_FAULT);
  expect("path_filestat_get/efault-out", w_path_filestat_get(s, 0, P("f"), 1, BAD_PTR), E_FAULT);

  // path_filestat_set_times
  const u64 A = 1200000000111111111ull, M = 1300000000222222222ull;
  expect("path_filestat_set_times/file", settimes_at(s, 0, "f", A, M, ATIM | MTIM), E_SUCCESS);
  stat_at(s, 0, "f", &st);
  check("path_filestat_set_times/exact-ns-read-back", st.atim == A && st.mtim == M, "times differ from those set");
  expect("path_filestat_set_times/atim-only", settimes_at(s, 0, "f", A + 5, 0, ATIM), E_SUCCESS);
  stat_at(s, 0, "f", &st);
  check("path_filestat_set_times/atim-only-keeps-mtim", st.atim == A + 5 && st.mtim == M, "mtim moved or atim not set");
  u64 now;
  w_clock_time_get(0, 1, P(&now));
  expect("path_filestat_set_times/atim-now", settimes_at(s, 0, "f", 0, 0, ATIM_NOW), E_SUCCESS);
  stat_at(s, 0, "f", &st);
  check("path_filestat_set_times/atim-now-is-now", st.atim + 5000000000ull > now && st.atim < now + 5000000000ull && st.mtim == M, "atim not within 5 s of now, or mtim moved");
  filestat_t before_link;
  stat_at(s, NOFOLLOW, "lf", &before_link);
  expect("path_filestat_set_times/follow-sets-target", settimes_at(s, FOLLOW, "lf", A, M + 7, ATIM | MTIM), E_SUCCESS);
  stat_at(s, 0, "f", &st);
  stat_at(s, NOFOLLOW, "lf", &t);
  check("path_filestat_set_times/follow-target-changed-link-not", st.mtim == M + 7 && t.mtim == before_link.mtim, "target not set, or the link itself changed");
  expect("path_filestat_set_times/nofollow-sets-link", settimes_at(s, NOFOLLOW, "lf", A, M - 9, MTIM), E_SUCCESS);
  stat_at(s, 0, "f", &st);
  stat_at(s, NOFOLLOW, "lf", &t);
  check("path_filestat_set_times/nofollow-link-changed-target-not", t.mtim == M - 9 && st.mtim == M + 7, "link not set, or target changed");
  expect("path_filestat_set_times/directory", settimes_at(s, 0, "d", A, M, ATIM | MTIM), E_SUCCESS);
  expect_u64("path_filestat_set_times/directory-read-back", stat_at(s, 0, "d", &st), st.mtim, M);
  expect("path_filestat_set_times/einval-mtim-and-mtim_now", settimes_at(s, 0, "f", A, M, MTIM | MTIM_NOW), E_INVAL);
  expect("path_filestat_set_times/einval-atim-and-atim_now", settimes_at(s, 0, "f", A, M, ATIM | ATIM_NOW), E_INVAL);
  expect("path_filestat_set_times/einval-unknown-fstflag", settimes_at(s, 0, "f", A, M, 0x10), E_INVAL);
  expect("path_filestat_set_times/einval-unknown-lookupflag", settimes_at(s, 2, "f", A, M, MTIM), E_INVAL);
  expect_u64("path_filestat_set_times/einval-changes-nothing", stat_at(s, 0, "f", &st), st.mtim, M + 7);
  expect("path_filestat_set_times/enoent", settimes_at(s, 0, "missing", A, M, MTIM), E_NOENT);
  expect("path_filestat_set_times/enoent-dangling-follow", settimes_at(ROOT, FOLLOW, "link-dangling", A, M, MTIM), E_NOENT);
  expect("path_filestat_set_times/ebadf", settimes_at(999, 0, "f", A, M, MTIM), E_BADF);
  expect("path_filestat_set_times/enotdir-fd-is-a-file", settimes_at(f, 0, "x", A, M, MTIM), E_NOTDIR);
  expect("path_filestat_set_times/efault-path", w_path_filestat_set_times(s, 0, BAD_PTR, 1, A, M, MTIM), E_FAULT);
  u32 lim = open_dir(s, ".");
  fdstat_t fst;
  w_fd_fdstat_get(lim, P(&fst));
  w_fd_fdstat_set_rights(lim, fst.base & ~(R_PATH_FILESTAT_GET | R_PATH_FILESTAT_SET_TIMES), fst.inheriting);
  expect("path_filestat_get/enotcapable", stat_at(lim, 0, "f", &st), E_NOTCAPABLE);
  expect("path_filestat_set_times/enotcapable", settimes_at(lim, 0, "f", A, M, MTIM), E_NOTCAPABLE);
  return finish();
}
