// fd_fdstat_get, fd_fdstat_set_flags, fd_fdstat_set_rights, fd_filestat_get,
// fd_filestat_set_size, fd_filestat_set_times, fd_advise, fd_allocate, fd_sync, fd_datasync.
#include "harness.h"

static char buf[64];

int main(void) {
  u32 s = scratch("fd_meta.cleanup");
  u32 fd = open_rw(s, "f", O_CREAT_), n = 0;
  fdstat_t st;
  filestat_t fs, fs2;
  u64 pos = 0;

  // fd_fdstat_get
  memset(&st, 0xff, sizeof st);
  expect("fd_fdstat_get/file", w_fd_fdstat_get(fd, P(&st)), E_SUCCESS);
  expect_u64("fd_fdstat_get/file-filetype", 0, st.filetype, FT_FILE);
  expect_u64("fd_fdstat_get/file-flags-0", 0, st.flags, 0);
  check("fd_fdstat_get/file-rights-read-write", (st.base & (R_FD_READ | R_FD_WRITE)) == (R_FD_READ | R_FD_WRITE), "READ|WRITE missing");
  check("fd_fdstat_get/file-no-directory-rights", (st.base & (R_PATH_OPEN | R_FD_READDIR)) == 0, "a file claims PATH_OPEN or FD_READDIR");
  expect("fd_fdstat_get/directory", w_fd_fdstat_get(s, P(&st)), E_SUCCESS);
  expect_u64("fd_fdstat_get/directory-filetype", 0, st.filetype, FT_DIR);
  check("fd_fdstat_get/directory-path-rights", (st.base & (R_PATH_OPEN | R_FD_READDIR | R_PATH_CREATE_FILE)) == (R_PATH_OPEN | R_FD_READDIR | R_PATH_CREATE_FILE), "PATH_OPEN|FD_READDIR|PATH_CREATE_FILE missing");
  check("fd_fdstat_get/directory-no-seek-or-write", (st.base & (R_FD_SEEK | R_FD_WRITE | R_FD_READ)) == 0, "a directory claims FD_SEEK, FD_READ or FD_WRITE");
  expect("fd_fdstat_get/root-preopen", w_fd_fdstat_get(ROOT, P(&st)), E_SUCCESS);
  expect_u64("fd_fdstat_get/root-preopen-filetype", 0, st.filetype, FT_DIR);
  check("fd_fdstat_get/root-preopen-inherits-file-rights", (st.inheriting & (R_FD_READ | R_FD_WRITE)) == (R_FD_READ | R_FD_WRITE), "READ|WRITE not inheritable");
  expect("fd_fdstat_get/ebadf", w_fd_fdstat_get(999, P(&st)), E_BADF);
  expect("fd_fdstat_get/efault", w_fd_fdstat_get(fd, BAD_PTR), E_FAULT);
  expect("fd_fdstat_get/efault-straddles-end", w_fd_fdstat_get(fd, memory_end() - 16), E_FAULT);

  // fd_fdstat_set_flags: APPEND on and off, as the write position shows
  write_all(fd, "0123456789", 10);
  expect("fd_fdstat_set_flags/append-on", w_fd_fdstat_set_flags(fd, FD_APPEND), E_SUCCESS);
  w_fd_fdstat_get(fd, P(&st));
  expect_u64("fd_fdstat_set_flags/append-reported", 0, st.flags, FD_APPEND);
  w_fd_seek(fd, 2, WH_SET, P(&pos));
  write_all(fd, "A", 1);
  expect_u64("fd_fdstat_set_flags/append-writes-at-end", 0, size_of(fd), 11);
  expect_u64("fd_fdstat_set_flags/append-moves-position-to-end", w_fd_tell(fd, P(&pos)), pos, 11);
  expect("fd_fdstat_set_flags/append-off", w_fd_fdstat_set_flags(fd, 0), E_SUCCESS);
  w_fd_seek(fd, 2, WH_SET, P(&pos));
  write_all(fd, "B", 1);
  pread_into(fd, buf, 11, 0, &n);
  check("fd_fdstat_set_flags/append-off-writes-at-position", n == 11 && memcmp(buf, "01B3456789A", 11) == 0, "content is not 01B3456789A");
  expect("fd_fdstat_set_flags/nonblock-on-file", w_fd_fdstat_set_flags(fd, FD_NONBLOCK), E_SUCCESS);
  expect("fd_fdstat_set_flags/einval-unknown-flag", w_fd_fdstat_set_flags(fd, 0x20), E_INVAL);
  expect("fd_fdstat_set_flags/einval-out-of-u16", w_fd_fdstat_set_flags(fd, 0x10000), E_INVAL);
  expect("fd_fdstat_set_flags/ebadf", w_fd_fdstat_set_flags(999, 0), E_BADF);
  u32 noflags;
  open_at(s, 0, "f", 0, R_FD_READ | R_FD_WRITE, 0, 0, &noflags);
  expect("fd_fdstat_set_flags/enotcapable", w_fd_fdstat_set_flags(noflags, FD_APPEND), E_NOTCAPABLE);
  w_fd_fdstat_set_flags(fd, 0);

  // fd_fdstat_set_rights: rights only shrink, and what is dropped is refused
  u32 r;
  open_at(s, 0, "f", 0, R_FD_READ | R_FD_WRITE | R_FD_SEEK | R_FD_TELL, 0, 0, &r);
  expect("fd_fdstat_set_rights/shrink", w_fd_fdstat_set_rights(r, R_FD_READ | R_FD_SEEK | R_FD_TELL, 0), E_SUCCESS);
  w_fd_fdstat_get(r, P(&st));
  expect_u64("fd_fdstat_set_rights/shrink-reported", 0, st.base, R_FD_READ | R_FD_SEEK | R_FD_TELL);
  expect("fd_fdstat_set_rights/dropped-write-enotcapable", write_all(r, "x", 1), E_NOTCAPABLE);
  expect_u64("fd_fdstat_set_rights/kept-read-works", read_into(r, buf, 4, &n), n, 4);
  expect("fd_fdstat_set_rights/grow-enotcapable", w_fd_fdstat_set_rights(r, R_FD_READ | R_FD_WRITE, 0), E_NOTCAPABLE);
  expect("fd_fdstat_set_rights/same-rights", w_fd_fdstat_set_rights(r, R_FD_READ | R_FD_SEEK | R_FD_TELL, 0), E_SUCCESS);
  expect("fd_fdstat_set_rights/to-none", w_fd_fdstat_set_rights(r, 0, 0), E_SUCCESS);
  expect("fd_fdstat_set_rights/none-then-read-enotcapable", read_into(r, buf, 4, &n), E_NOTCAPABLE);
  expect("fd_fdstat_set_rights/ebadf", w_fd_fdstat_set_rights(999, 0, 0), E_BADF);
  w_fd_close(r);
  u32 d = open_dir(s, "."), child;
  w_fd_fdstat_get(d, P(&st));
  expect("fd_fdstat_set_rights/dir-inheriting-shrink", w_fd_fdstat_set_rights(d, st.base, R_FD_READ | R_FD_SEEK), E_SUCCESS);
  open_at(d, 0, "f", 0, R_FD_READ | R_FD_WRITE | R_FD_SEEK, 0, 0, &child);
  w_fd_fdstat_get(child, P(&st));
  check("fd_fdstat_set_rights/inheriting-limits-path_open", (st.base & R_FD_WRITE) == 0 && (st.base & R_FD_READ) != 0, "a file opened beneath has FD_WRITE, or lacks FD_READ");
  w_fd_close(child);
  w_fd_fdstat_set_rights(d, R_FD_READDIR, 0);
  expect("fd_fdstat_set_rights/dir-without-path_open", open_at(d, 0, "f", 0, 0, 0, 0, &child), E_NOTCAPABLE);
  w_fd_close(d);

  // fd_filestat_get
  memset(&fs, 0xff, sizeof fs);
  expect("fd_filestat_get/file", w_fd_filestat_get(fd, P(&fs)), E_SUCCESS);
  expect_u64("fd_filestat_get/file-filetype", 0, fs.filetype, FT_FILE);
  expect_u64("fd_filestat_get/file-size", 0, fs.size, 11);
  expect_u64("fd_filestat_get/file-nlink", 0, fs.nlink, 1);
  stat_at(s, 0, "f", &fs2);
  check("fd_filestat_get/same-dev-ino-as-path", fs.dev == fs2.dev && fs.ino == fs2.ino, "fd and path filestat name different files");
  expect("fd_filestat_get/directory", w_fd_filestat_get(s, P(&fs)), E_SUCCESS);
  expect_u64("fd_filestat_get/directory-filetype", 0, fs.filetype, FT_DIR);
  expect("fd_filestat_get/ebadf", w_fd_filestat_get(999, P(&fs)), E_BADF);
  expect("fd_filestat_get/efault", w_fd_filestat_get(fd, BAD_PTR), E_FAULT);
  expect("fd_filestat_get/efault-straddles-end", w_fd_filestat_get(fd, memory_end() - 32), E_FAULT);
  u32 nostat;
  open_at(s, 0, "f", 0, R_FD_READ, 0, 0, &nostat);
  expect("fd_filestat_get/enotcapable", w_fd_filestat_get(nostat, P(&fs)), E_NOTCAPABLE);

  // fd_filestat_set_size
  expect_u64("fd_filestat_set_size/grow", w_fd_filestat_set_size(fd, 20), size_of(fd), 20);
  pread_into(fd, buf, 9, 11, &n);
  check("fd_filestat_set_size/grown-part-zero", n == 9 && buf[0] == 0 && buf[8] == 0, "bytes past the old end are not zero");
  expect_u64("fd_filestat_set_size/shrink", w_fd_filestat_set_size(fd, 4), size_of(fd), 4);
  expect_u64("fd_filestat_set_size/to-zero", w_fd_filestat_set_size(fd, 0), size_of(fd), 0);
  expect_u64("fd_filestat_set_size/keeps-position", w_fd_tell(fd, P(&pos)), pos, 3);
  expect("fd_filestat_set_size/einval-above-i64", w_fd_filestat_set_size(fd, 0x8000000000000000ull), E_INVAL);
  expect("fd_filestat_set_size/efbig-2-to-the-62", w_fd_filestat_set_size(fd, 1ull << 62), E_FBIG);
  expect("fd_filestat_set_size/ebadf", w_fd_filestat_set_size(999, 1), E_BADF);
  expect("fd_filestat_set_size/enotcapable-read-only", w_fd_filestat_set_size(nostat, 1), E_NOTCAPABLE);
  expect("fd_filestat_set_size/enotcapable-directory", w_fd_filestat_set_size(s, 1), E_NOTCAPABLE);

  // fd_filestat_set_times: exact nanoseconds, one time at a time, _NOW, invalid flag sets
  const u64 A = 1000000000123456789ull, M = 1100000000987654321ull;
  expect("fd_filestat_set_times/both", w_fd_filestat_set_times(fd, A, M, ATIM | MTIM), E_SUCCESS);
  w_fd_filestat_get(fd, P(&fs));
  check("fd_filestat_set_times/exact-ns-read-back", fs.atim == A && fs.mtim == M, "times read back differ from those set");
  expect("fd_filestat_set_times/mtim-only", w_fd_filestat_set_times(fd, 0, M + 1000, MTIM), E_SUCCESS);
  w_fd_filestat_get(fd, P(&fs));
  check("fd_filestat_set_times/mtim-only-keeps-atim", fs.atim == A && fs.mtim == M + 1000, "atim moved, or mtim not set");
  u64 now = 0;
  w_clock_time_get(0, 1, P(&now));
  expect("fd_filestat_set_times/mtim-now", w_fd_filestat_set_times(fd, 0, 0, MTIM_NOW), E_SUCCESS);
  w_fd_filestat_get(fd, P(&fs));
  check("fd_filestat_set_times/mtim-now-is-now", fs.mtim + 5000000000ull > now && fs.mtim < now + 5000000000ull && fs.atim == A, "mtim not within 5 s of now, or atim moved");
  expect("fd_filestat_set_times/no-flags", w_fd_filestat_set_times(fd, 1, 1, 0), E_SUCCESS);
  expect("fd_filestat_set_times/einval-atim-and-atim_now", w_fd_filestat_set_times(fd, A, M, ATIM | ATIM_NOW), E_INVAL);
  expect("fd_filestat_set_times/einval-mtim-and-mtim_now", w_fd_filestat_set_times(fd, A, 5, MTIM | MTIM_NOW), E_INVAL);
  w_fd_filestat_get(fd, P(&fs2));
  check("fd_filestat_set_times/einval-changes-nothing", fs2.mtim == fs.mtim && fs2.atim == fs.atim, "a refused call changed the times");
  expect("fd_filestat_set_times/einval-unknown-flag", w_fd_filestat_set_times(fd, A, M, 0x10), E_INVAL);
  expect("fd_filestat_set_times/ebadf", w_fd_filestat_set_times(999, A, M, ATIM), E_BADF);
  expect("fd_filestat_set_times/enotcapable", w_fd_filestat_set_times(nostat, A, M, ATIM), E_NOTCAPABLE);
  expect("fd_filestat_set_times/directory", w_fd_filestat_set_times(s, A, M, ATIM | MTIM), E_SUCCESS);
  w_fd_filestat_get(s, P(&fs));
  check("fd_filestat_set_times/directory-read-back", fs.atim == A && fs.mtim == M, "directory times differ from those set");

  // fd_advise, fd_allocate, fd_sync, fd_datasync
  expect("fd_advise/normal", w_fd_advise(fd, 0, 10, 0), E_SUCCESS);
  expect("fd_advise/dontneed", w_fd_advise(fd, 0, 0, 4), E_SUCCESS);
  expect("fd_advise/noreuse", w_fd_advise(fd, 5, 5, 5), E_SUCCESS);
  expect("fd_advise/einval-advice-6", w_fd_advise(fd, 0, 10, 6), E_INVAL);
  expect("fd_advise/ebadf", w_fd_advise(999, 0, 10, 0), E_BADF);
  expect("fd_advise/enotcapable", w_fd_advise(nostat, 0, 10, 0), E_NOTCAPABLE);
  expect_u64("fd_advise/changes-no-size", 0, size_of(fd), 0);
  expect_u64("fd_allocate/extends", w_fd_allocate(fd, 0, 100), size_of(fd), 100);
  expect_u64("fd_allocate/inside-changes-nothing", w_fd_allocate(fd, 10, 10), size_of(fd), 100);
  expect_u64("fd_allocate/overlapping-end", w_fd_allocate(fd, 90, 20), size_of(fd), 110);
  expect("fd_allocate/efbig-past-any-file-size", w_fd_allocate(fd, 1ull << 62, 1ull << 62), E_FBIG);
  expect("fd_allocate/ebadf", w_fd_allocate(999, 0, 1), E_BADF);
  expect("fd_allocate/enotcapable-read-only", w_fd_allocate(nostat, 0, 1), E_NOTCAPABLE);
  expect("fd_allocate/enotcapable-directory", w_fd_allocate(s, 0, 1), E_NOTCAPABLE);
  expect("fd_sync/file", w_fd_sync(fd), E_SUCCESS);
  expect("fd_sync/directory", w_fd_sync(s), E_SUCCESS);
  expect("fd_sync/ebadf", w_fd_sync(999), E_BADF);
  expect("fd_sync/enotcapable", w_fd_sync(nostat), E_NOTCAPABLE);
  expect("fd_datasync/file", w_fd_datasync(fd), E_SUCCESS);
  expect("fd_datasync/ebadf", w_fd_datasync(999), E_BADF);
  expect("fd_datasync/enotcapable", w_fd_datasync(nostat), E_NOTCAPABLE);
  return finish();
}
