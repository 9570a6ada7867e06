// fd_read, fd_write, fd_pread, fd_pwrite, fd_seek, fd_tell on regular files: positions, iovecs,
// holes, end of file, rights, bad descriptors and bad pointers.
#include "harness.h"

static char buf[256];

int main(void) {
  u32 s = scratch("fd_io.cleanup");
  u32 fd = open_rw(s, "data", O_CREAT_), n = 0;
  u64 pos = 0;
  check("fd_io/setup", fd != 0xffffffffu, "cannot create a file in the scratch directory");

  // fd_write / fd_tell / fd_seek
  expect_u64("fd_tell/new-file-at-0", w_fd_tell(fd, P(&pos)), pos, 0);
  iov_t two[2] = {{P("hello "), 6}, {P("world"), 5}};
  expect_u64("fd_write/gathers-iovecs", w_fd_write(fd, P(two), 2, P(&n)), n, 11);
  expect_u64("fd_tell/after-write", w_fd_tell(fd, P(&pos)), pos, 11);
  iov_t empty[2] = {{P(buf), 0}, {P("!"), 1}};
  expect_u64("fd_write/skips-empty-iovec", w_fd_write(fd, P(empty), 2, P(&n)), n, 1);
  expect_u64("fd_write/zero-iovecs", w_fd_write(fd, P(two), 0, P(&n)), n, 0);
  expect_u64("fd_seek/set", w_fd_seek(fd, 6, WH_SET, P(&pos)), pos, 6);
  expect_u64("fd_seek/cur-forward", w_fd_seek(fd, 2, WH_CUR, P(&pos)), pos, 8);
  expect_u64("fd_seek/cur-backward", w_fd_seek(fd, -3, WH_CUR, P(&pos)), pos, 5);
  expect_u64("fd_seek/end", w_fd_seek(fd, 0, WH_END, P(&pos)), pos, 12);
  expect_u64("fd_seek/end-negative", w_fd_seek(fd, -5, WH_END, P(&pos)), pos, 7);
  expect("fd_seek/einval-before-start", w_fd_seek(fd, -8, WH_CUR, P(&pos)), E_INVAL);
  expect_u64("fd_seek/failed-seek-keeps-position", w_fd_tell(fd, P(&pos)), pos, 7);
  expect("fd_seek/einval-whence-3", w_fd_seek(fd, 0, 3, P(&pos)), E_INVAL);
  expect("fd_seek/einval-whence-out-of-u8", w_fd_seek(fd, 0, 0x100 | WH_SET, P(&pos)), E_INVAL);
  expect("fd_seek/efault-out", w_fd_seek(fd, 0, WH_SET, BAD_PTR), E_FAULT);
  expect("fd_tell/efault-out", w_fd_tell(fd, BAD_PTR), E_FAULT);
  expect("fd_seek/ebadf", w_fd_seek(999, 0, WH_SET, P(&pos)), E_BADF);
  expect("fd_tell/ebadf", w_fd_tell(999, P(&pos)), E_BADF);

  // fd_read
  w_fd_seek(fd, 0, WH_SET, P(&pos));
  memset(buf, 0, sizeof buf);
  iov_t rd[2] = {{P(buf), 3}, {P(buf + 10), 4}};
  expect_u64("fd_read/scatters-iovecs", w_fd_read(fd, P(rd), 2, P(&n)), n, 7);
  check("fd_read/scatter-order", memcmp(buf, "hel", 3) == 0 && memcmp(buf + 10, "lo w", 4) == 0, "bytes landed in the wrong place");
  expect_u64("fd_read/advances-position", w_fd_tell(fd, P(&pos)), pos, 7);
  iov_t rd0[2] = {{P(buf), 0}, {P(buf), 100}};
  expect_u64("fd_read/skips-empty-first-iovec", w_fd_read(fd, P(rd0), 2, P(&n)), n, 5);
  expect_u64("fd_read/at-eof-reads-0", read_into(fd, buf, 10, &n), n, 0);
  expect_u64("fd_seek/past-eof-allowed", w_fd_seek(fd, 100, WH_SET, P(&pos)), pos, 100);
  expect_u64("fd_read/past-eof-reads-0", read_into(fd, buf, 10, &n), n, 0);
  expect_u64("fd_write/past-eof-extends", write_all(fd, "X", 1), size_of(fd), 101);
  u32 hole = 0;
  expect_u64("fd_read/hole-reads-zeros", pread_into(fd, buf, 10, 50, &hole), (u64)(buf[0] | buf[9]), 0);

  // fd_pread / fd_pwrite do not move the position
  w_fd_seek(fd, 3, WH_SET, P(&pos));
  memset(buf, 0, sizeof buf);
  expect_u64("fd_pread/reads-at-offset", pread_into(fd, buf, 5, 6, &n), n, 5);
  check("fd_pread/content", memcmp(buf, "world", 5) == 0, "pread returned the wrong bytes");
  expect_u64("fd_pread/keeps-position", w_fd_tell(fd, P(&pos)), pos, 3);
  expect_u64("fd_pwrite/writes-at-offset", pwrite_from(fd, "W", 1, 6, &n), n, 1);
  expect_u64("fd_pwrite/keeps-position", w_fd_tell(fd, P(&pos)), pos, 3);
  pread_into(fd, buf, 5, 6, &n);
  check("fd_pwrite/content", memcmp(buf, "World", 5) == 0, "pwrite did not land at its offset");
  expect_u64("fd_pread/at-eof-reads-0", pread_into(fd, buf, 5, 101, &n), n, 0);
  expect_u64("fd_pread/past-eof-reads-0", pread_into(fd, buf, 5, 5000, &n), n, 0);
  expect_u64("fd_pread/short-at-end", pread_into(fd, buf, 10, 98, &n), n, 3);
  expect_u64("fd_pwrite/past-eof-extends", pwrite_from(fd, "Z", 1, 199, &n), size_of(fd), 200);
  iov_t prd[2] = {{P(buf), 2}, {P(buf + 2), 3}};
  expect_u64("fd_pread/scatters-iovecs", w_fd_pread(fd, P(prd), 2, 0, P(&n)), n, 5);
  expect("fd_pread/einval-offset-above-i64", pread_into(fd, buf, 1, 0x8000000000000000ull, &n), E_INVAL);
  expect("fd_pwrite/einval-offset-above-i64", pwrite_from(fd, "x", 1, 0x8000000000000000ull, &n), E_INVAL);

  // bad pointers: nothing happens, EFAULT
  iov_t badbuf = {BAD_PTR, 4};
  iov_t straddle = {memory_end() - 2, 4};
  expect("fd_read/efault-iovec-array", w_fd_read(fd, BAD_PTR, 1, P(&n)), E_FAULT);
  expect("fd_read/efault-iovec-buffer", w_fd_read(fd, P(&badbuf), 1, P(&n)), E_FAULT);
  expect("fd_read/efault-buffer-straddles-end", w_fd_read(fd, P(&straddle), 1, P(&n)), E_FAULT);
  expect("fd_read/efault-nread", read_into(fd, buf, 4, (u32 *)(uintptr_t)BAD_PTR), E_FAULT);
  w_fd_seek(fd, 0, WH_SET, P(&pos));
  expect("fd_write/efault-iovec-array", w_fd_write(fd, BAD_PTR, 1, P(&n)), E_FAULT);
  expect("fd_write/efault-iovec-buffer", w_fd_write(fd, P(&badbuf), 1, P(&n)), E_FAULT);
  expect("fd_write/efault-nwritten", w_fd_write(fd, P(two), 1, BAD_PTR), E_FAULT);
  expect_u64("fd_write/efault-writes-nothing", w_fd_tell(fd, P(&pos)), pos, 0);
  expect("fd_pread/efault-iovec-buffer", w_fd_pread(fd, P(&badbuf), 1, 0, P(&n)), E_FAULT);
  expect("fd_pread/efault-nread", w_fd_pread(fd, P(rd), 1, 0, BAD_PTR), E_FAULT);
  expect("fd_pwrite/efault-iovec-array", w_fd_pwrite(fd, BAD_PTR, 1, 0, P(&n)), E_FAULT);
  expect("fd_pwrite/efault-nwritten", w_fd_pwrite(fd, P(two), 1, 0, BAD_PTR), E_FAULT);
  expect("fd_read/efault-iovec-count-wraps", w_fd_read(fd, P(rd), 0x20000000u, P(&n)), E_FAULT);

  // bad descriptors
  expect("fd_read/ebadf", read_into(999, buf, 4, &n), E_BADF);
  expect("fd_write/ebadf", write_all(999, "x", 1), E_BADF);
  expect("fd_pread/ebadf", pread_into(999, buf, 4, 0, &n), E_BADF);
  expect("fd_pwrite/ebadf", pwrite_from(999, "x", 1, 0, &n), E_BADF);
  expect("fd_write/ebadf-negative-fd", write_all(0xffff8597u, "x", 1), E_BADF);
  w_fd_close(fd);
  expect("fd_read/ebadf-after-close", read_into(fd, buf, 4, &n), E_BADF);

  // rights: a read-only descriptor does not write, a write-only one does not read
  u32 ro, wo, nos;
  open_at(s, 0, "data", 0, R_FD_READ | R_FD_SEEK | R_FD_TELL, 0, 0, &ro);
  expect("fd_write/enotcapable-read-only-fd", write_all(ro, "x", 1), E_NOTCAPABLE);
  expect("fd_pwrite/enotcapable-read-only-fd", pwrite_from(ro, "x", 1, 0, &n), E_NOTCAPABLE);
  expect_u64("fd_read/read-only-fd-reads", read_into(ro, buf, 5, &n), n, 5);
  open_at(s, 0, "data", 0, R_FD_WRITE | R_FD_SEEK, 0, 0, &wo);
  expect("fd_read/enotcapable-write-only-fd", read_into(wo, buf, 4, &n), E_NOTCAPABLE);
  expect("fd_pread/enotcapable-write-only-fd", pread_into(wo, buf, 4, 0, &n), E_NOTCAPABLE);
  expect("fd_tell/enotcapable-without-fd_tell", w_fd_tell(wo, P(&pos)), E_NOTCAPABLE);
  open_at(s, 0, "data", 0, R_FD_READ | R_FD_WRITE | R_FD_TELL, 0, 0, &nos);
  expect("fd_seek/enotcapable-without-fd_seek", w_fd_seek(nos, 1, WH_SET, P(&pos)), E_NOTCAPABLE);
  expect_u64("fd_seek/cur-0-needs-only-fd_tell", w_fd_seek(nos, 0, WH_CUR, P(&pos)), pos, 0);
  expect("fd_pread/enotcapable-without-fd_seek", pread_into(nos, buf, 4, 0, &n), E_NOTCAPABLE);
  expect("fd_pwrite/enotcapable-without-fd_seek", pwrite_from(nos, "x", 1, 0, &n), E_NOTCAPABLE);

  // directories: reading one is EISDIR (POSIX read); writing, seeking need rights no directory has
  expect("fd_read/eisdir-directory", read_into(s, buf, 4, &n), E_ISDIR);
  expect("fd_write/enotcapable-directory", write_all(s, "x", 1), E_NOTCAPABLE);
  expect("fd_seek/enotcapable-directory", w_fd_seek(s, 0, WH_SET, P(&pos)), E_NOTCAPABLE);
  expect("fd_tell/enotcapable-directory", w_fd_tell(s, P(&pos)), E_NOTCAPABLE);
  expect("fd_pread/eisdir-directory", pread_into(s, buf, 4, 0, &n), E_ISDIR);
  return finish();
}
