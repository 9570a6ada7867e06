/*
 * Shared by the C tests of run-wasi's own suite (not a test itself: it has no .wasm).
 *
 * Every WASI import is declared here by hand, with pointers as plain u32 addresses and
 * lengths passed explicitly, so a test can hand a runtime any pointer, length or enum value
 * (out-of-bounds pointers, invalid UTF-8, embedded NULs, out-of-range flags). wasi-libc is used
 * only for _start/main and <string.h>; results go straight to fd 1 through fd_write.
 *
 * Each checked expectation prints one line, "ok NAME" or "FAIL NAME: ...", and the program
 * exits 1 if anything failed. A test's .json lists the "ok" lines it must print.
 */
#ifndef HARNESS_H
#define HARNESS_H
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define P(x) ((u32)(uintptr_t)(x))
#define IMPORT(n) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#n)))

int32_t w_args_get(u32 argv, u32 buf) IMPORT(args_get);
int32_t w_args_sizes_get(u32 argc, u32 size) IMPORT(args_sizes_get);
int32_t w_environ_get(u32 environ, u32 buf) IMPORT(environ_get);
int32_t w_environ_sizes_get(u32 count, u32 size) IMPORT(environ_sizes_get);
int32_t w_clock_res_get(u32 id, u32 out) IMPORT(clock_res_get);
int32_t w_clock_time_get(u32 id, u64 precision, u32 out) IMPORT(clock_time_get);
int32_t w_fd_advise(u32 fd, u64 offset, u64 len, u32 advice) IMPORT(fd_advise);
int32_t w_fd_allocate(u32 fd, u64 offset, u64 len) IMPORT(fd_allocate);
int32_t w_fd_close(u32 fd) IMPORT(fd_close);
int32_t w_fd_datasync(u32 fd) IMPORT(fd_datasync);
int32_t w_fd_fdstat_get(u32 fd, u32 out) IMPORT(fd_fdstat_get);
int32_t w_fd_fdstat_set_flags(u32 fd, u32 flags) IMPORT(fd_fdstat_set_flags);
int32_t w_fd_fdstat_set_rights(u32 fd, u64 base, u64 inheriting) IMPORT(fd_fdstat_set_rights);
int32_t w_fd_filestat_get(u32 fd, u32 out) IMPORT(fd_filestat_get);
int32_t w_fd_filestat_set_size(u32 fd, u64 size) IMPORT(fd_filestat_set_size);
int32_t w_fd_filestat_set_times(u32 fd, u64 atim, u64 mtim, u32 flags) IMPORT(fd_filestat_set_times);
int32_t w_fd_pread(u32 fd, u32 iovs, u32 iovs_len, u64 offset, u32 out) IMPORT(fd_pread);
int32_t w_fd_prestat_get(u32 fd, u32 out) IMPORT(fd_prestat_get);
int32_t w_fd_prestat_dir_name(u32 fd, u32 path, u32 len) IMPORT(fd_prestat_dir_name);
int32_t w_fd_pwrite(u32 fd, u32 iovs, u32 iovs_len, u64 offset, u32 out) IMPORT(fd_pwrite);
int32_t w_fd_read(u32 fd, u32 iovs, u32 iovs_len, u32 out) IMPORT(fd_read);
int32_t w_fd_readdir(u32 fd, u32 buf, u32 buf_len, u64 cookie, u32 out) IMPORT(fd_readdir);
int32_t w_fd_renumber(u32 fd, u32 to) IMPORT(fd_renumber);
int32_t w_fd_seek(u32 fd, s64 offset, u32 whence, u32 out) IMPORT(fd_seek);
int32_t w_fd_sync(u32 fd) IMPORT(fd_sync);
int32_t w_fd_tell(u32 fd, u32 out) IMPORT(fd_tell);
int32_t w_fd_write(u32 fd, u32 iovs, u32 iovs_len, u32 out) IMPORT(fd_write);
int32_t w_path_create_directory(u32 fd, u32 path, u32 len) IMPORT(path_create_directory);
int32_t w_path_filestat_get(u32 fd, u32 flags, u32 path, u32 len, u32 out) IMPORT(path_filestat_get);
int32_t w_path_filestat_set_times(u32 fd, u32 flags, u32 path, u32 len, u64 atim, u64 mtim, u32 fst) IMPORT(path_filestat_set_times);
int32_t w_path_link(u32 old_fd, u32 old_flags, u32 old_path, u32 old_len, u32 new_fd, u32 new_path, u32 new_len) IMPORT(path_link);
int32_t w_path_open(u32 fd, u32 dirflags, u32 path, u32 len, u32 oflags, u64 base, u64 inheriting, u32 fdflags, u32 out) IMPORT(path_open);
int32_t w_path_readlink(u32 fd, u32 path, u32 len, u32 buf, u32 buf_len, u32 out) IMPORT(path_readlink);
int32_t w_path_remove_directory(u32 fd, u32 path, u32 len) IMPORT(path_remove_directory);
int32_t w_path_rename(u32 fd, u32 old_path, u32 old_len, u32 new_fd, u32 new_path, u32 new_len) IMPORT(path_rename);
int32_t w_path_symlink(u32 old_path, u32 old_len, u32 fd, u32 new_path, u32 new_len) IMPORT(path_symlink);
int32_t w_path_unlink_file(u32 fd, u32 path, u32 len) IMPORT(path_unlink_file);
int32_t w_poll_oneoff(u32 in, u32 out, u32 n, u32 nevents) IMPORT(poll_oneoff);
_Noreturn void w_proc_exit(u32 code) IMPORT(proc_exit);
int32_t w_proc_raise(u32 sig) IMPORT(proc_raise);
int32_t w_sched_yield(void) IMPORT(sched_yield);
int32_t w_random_get(u32 buf, u32 len) IMPORT(random_get);
int32_t w_sock_accept(u32 fd, u32 flags, u32 out) IMPORT(sock_accept);
int32_t w_sock_recv(u32 fd, u32 ri_data, u32 ri_len, u32 ri_flags, u32 ro_datalen, u32 ro_flags) IMPORT(sock_recv);
int32_t w_sock_send(u32 fd, u32 si_data, u32 si_len, u32 si_flags, u32 so_datalen) IMPORT(sock_send);
int32_t w_sock_shutdown(u32 fd, u32 how) IMPORT(sock_shutdown);

/* ---- constants (witx, wasi_snapshot_preview1) ---- */
enum {
  E_SUCCESS = 0, E_2BIG = 1, E_ACCES = 2, E_AGAIN = 6, E_BADF = 8, E_BUSY = 10, E_EXIST = 20,
  E_FAULT = 21, E_FBIG = 22, E_ILSEQ = 25, E_INVAL = 28, E_IO = 29, E_ISDIR = 31, E_LOOP = 32,
  E_NAMETOOLONG = 37, E_NOENT = 44, E_NOSYS = 52, E_NOTDIR = 54, E_NOTEMPTY = 55, E_NOTSOCK = 57,
  E_NOTSUP = 58, E_OVERFLOW = 61, E_PERM = 63, E_SPIPE = 70, E_XDEV = 75, E_NOTCAPABLE = 76,
};
enum { FT_UNKNOWN = 0, FT_BLOCK = 1, FT_CHAR = 2, FT_DIR = 3, FT_FILE = 4, FT_DGRAM = 5, FT_STREAM = 6, FT_SYMLINK = 7 };
enum { O_CREAT_ = 1, O_DIRECTORY_ = 2, O_EXCL_ = 4, O_TRUNC_ = 8 };
enum { FD_APPEND = 1, FD_DSYNC = 2, FD_NONBLOCK = 4, FD_RSYNC = 8, FD_SYNC = 16 };
enum { NOFOLLOW = 0, FOLLOW = 1 };
enum { ATIM = 1, ATIM_NOW = 2, MTIM = 4, MTIM_NOW = 8 };
enum { WH_SET = 0, WH_CUR = 1, WH_END = 2 };

#define R_FD_DATASYNC (1ull << 0)
#define R_FD_READ (1ull << 1)
#define R_FD_SEEK (1ull << 2)
#define R_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define R_FD_SYNC (1ull << 4)
#define R_FD_TELL (1ull << 5)
#define R_FD_WRITE (1ull << 6)
#define R_FD_ADVISE (1ull << 7)
#define R_FD_ALLOCATE (1ull << 8)
#define R_PATH_CREATE_DIRECTORY (1ull << 9)
#define R_PATH_CREATE_FILE (1ull << 10)
#define R_PATH_LINK_SOURCE (1ull << 11)
#define R_PATH_LINK_TARGET (1ull << 12)
#define R_PATH_OPEN (1ull << 13)
#define R_FD_READDIR (1ull << 14)
#define R_PATH_READLINK (1ull << 15)
#define R_PATH_RENAME_SOURCE (1ull << 16)
#define R_PATH_RENAME_TARGET (1ull << 17)
#define R_PATH_FILESTAT_GET (1ull << 18)
#define R_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define R_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define R_FD_FILESTAT_GET (1ull << 21)
#define R_FD_FILESTAT_SET_SIZE (1ull << 22)
#define R_FD_FILESTAT_SET_TIMES (1ull << 23)
#define R_PATH_SYMLINK (1ull << 24)
#define R_PATH_REMOVE_DIRECTORY (1ull << 25)
#define R_PATH_UNLINK_FILE (1ull << 26)
#define R_POLL_FD_READWRITE (1ull << 27)
#define R_SOCK_SHUTDOWN (1ull << 28)
#define R_SOCK_ACCEPT (1ull << 29)
#define R_ALL ((1ull << 30) - 1)
/* What a file descriptor is usually opened with: everything that means something on a file. */
#define R_FILE (R_FD_DATASYNC | R_FD_READ | R_FD_SEEK | R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC | R_FD_TELL | \
                R_FD_WRITE | R_FD_ADVISE | R_FD_ALLOCATE | R_FD_FILESTAT_GET | R_FD_FILESTAT_SET_SIZE | \
                R_FD_FILESTAT_SET_TIMES | R_POLL_FD_READWRITE)

/* What a directory is opened with: every right but those that write file data, which make
 * path_open of a directory fail with EISDIR. */
#define R_DIR (R_ALL & ~(R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE))

/* The preopen given as the spec's "root" (guest name "/") is always fd 3. */
#define ROOT 3u

/* An address no guest memory reaches: 4 bytes below 4 GiB. */
#define BAD_PTR 0xfffffffcu

/* ---- layouts ---- */
typedef struct { u32 buf, len; } iov_t;
typedef struct { u8 filetype; u8 pad0; u16 flags; u32 pad1; u64 base, inheriting; } fdstat_t;
typedef struct { u64 dev, ino; u8 filetype; u8 pad[7]; u64 nlink, size, atim, mtim, ctim; } filestat_t;
typedef struct { u8 tag; u8 pad[3]; u32 name_len; } prestat_t;
typedef struct { u64 next, ino; u32 namlen; u8 type; u8 pad[3]; } dirent_t;
_Static_assert(sizeof(fdstat_t) == 24, "fdstat");
_Static_assert(sizeof(filestat_t) == 64, "filestat");
_Static_assert(sizeof(dirent_t) == 24, "dirent");

/* ---- output ---- */
static u32 out_fd = 1;
static int failures;

static void put_raw(const char *s, u32 n) {
  iov_t iov = {P(s), n};
  u32 written;
  while (iov.len > 0) {
    if (w_fd_write(out_fd, P(&iov), 1, P(&written)) != 0 || written == 0) return;
    iov.buf += written;
    iov.len -= written;
  }
}

static char line[512];
static u32 line_len;
static void l_str(const char *s) {
  while (*s && line_len < sizeof line - 2) line[line_len++] = *s++;
}
static void l_u64(u64 v) {
  char tmp[24];
  int i = 0;
  do tmp[i++] = (char)('0' + v % 10), v /= 10; while (v);
  while (i && line_len < sizeof line - 2) line[line_len++] = tmp[--i];
}
static void l_s64(s64 v) {
  if (v < 0) l_str("-"), v = -v;
  l_u64((u64)v);
}
static void l_end(void) {
  line[line_len++] = '\n';
  put_raw(line, line_len);
  line_len = 0;
}

static const char *errno_name(int e) {
  switch (e) {
    case 0: return "SUCCESS"; case 1: return "E2BIG"; case 2: return "EACCES"; case 6: return "EAGAIN";
    case 8: return "EBADF"; case 10: return "EBUSY"; case 20: return "EEXIST"; case 21: return "EFAULT";
    case 22: return "EFBIG"; case 25: return "EILSEQ"; case 28: return "EINVAL"; case 29: return "EIO";
    case 31: return "EISDIR"; case 32: return "ELOOP"; case 37: return "ENAMETOOLONG"; case 44: return "ENOENT";
    case 52: return "ENOSYS"; case 54: return "ENOTDIR"; case 55: return "ENOTEMPTY"; case 57: return "ENOTSOCK";
    case 58: return "ENOTSUP"; case 61: return "EOVERFLOW"; case 63: return "EPERM"; case 70: return "ESPIPE";
    case 75: return "EXDEV"; case 76: return "ENOTCAPABLE";
    default: return 0;
  }
}
static void l_errno(int e) {
  const char *n = errno_name(e);
  if (n) l_str(n);
  else l_str("errno "), l_s64(e);
}

static void pass(const char *name) {
  l_str("ok "), l_str(name), l_end();
}
static void fail_begin(const char *name) {
  failures++;
  l_str("FAIL "), l_str(name), l_str(": ");
}

/* One case: errno `got` must be `want`. Returns 1 when it was. */
static int expect(const char *name, int got, int want) {
  if (got == want) return pass(name), 1;
  fail_begin(name), l_str("got "), l_errno(got), l_str(", want "), l_errno(want), l_end();
  return 0;
}
/* One case: a condition, with a detail shown when it does not hold. */
static int check(const char *name, int cond, const char *what) {
  if (cond) return pass(name), 1;
  fail_begin(name), l_str(what), l_end();
  return 0;
}
/* One case: an errno of SUCCESS and a number equal to `want`. */
static int expect_u64(const char *name, int err, u64 got, u64 want) {
  if (err == 0 && got == want) return pass(name), 1;
  fail_begin(name);
  if (err != 0) l_str("errno "), l_errno(err);
  else l_str("got "), l_u64(got), l_str(", want "), l_u64(want);
  l_end();
  return 0;
}

static int finish(void) { return failures ? 1 : 0; }

/* ---- helpers over the raw imports (paths are NUL-free C strings here) ---- */
static int open_at(u32 dir, u32 lookup, const char *path, u32 oflags, u64 base, u64 inh, u32 fdflags, u32 *fd) {
  u32 tmp = 0xdeadbeef;
  int e = w_path_open(dir, lookup, P(path), (u32)strlen(path), oflags, base, inh, fdflags, P(&tmp));
  if (fd) *fd = e == 0 ? tmp : 0xffffffffu;
  return e;
}
/* Opens for reading and writing (creating it when `oflags` says so). 0xffffffff when it fails. */
static u32 open_rw(u32 dir, const char *path, u32 oflags) {
  u32 fd;
  open_at(dir, FOLLOW, path, oflags, R_FILE, R_FILE, 0, &fd);
  return fd;
}
static u32 open_dir(u32 dir, const char *path) {
  u32 fd;
  open_at(dir, FOLLOW, path, O_DIRECTORY_, R_DIR, R_ALL, 0, &fd);
  return fd;
}
static int write_all(u32 fd, const void *data, u32 len) {
  iov_t iov = {P(data), len};
  u32 n = 0;
  int e = w_fd_write(fd, P(&iov), 1, P(&n));
  return e ? e : (n == len ? 0 : E_IO);
}
static int read_into(u32 fd, void *buf, u32 len, u32 *n) {
  iov_t iov = {P(buf), len};
  return w_fd_read(fd, P(&iov), 1, P(n));
}
static int pread_into(u32 fd, void *buf, u32 len, u64 off, u32 *n) {
  iov_t iov = {P(buf), len};
  return w_fd_pread(fd, P(&iov), 1, off, P(n));
}
static int pwrite_from(u32 fd, const void *buf, u32 len, u64 off, u32 *n) {
  iov_t iov = {P(buf), len};
  return w_fd_pwrite(fd, P(&iov), 1, off, P(n));
}
/* Creates (or truncates) `path` under `dir` holding `content`. */
static int make_file(u32 dir, const char *path, const char *content) {
  u32 fd;
  int e = open_at(dir, NOFOLLOW, path, O_CREAT_ | O_TRUNC_, R_FILE, 0, 0, &fd);
  if (e) return e;
  e = write_all(fd, content, (u32)strlen(content));
  w_fd_close(fd);
  return e;
}
static int mkdir_at(u32 dir, const char *path) {
  return w_path_create_directory(dir, P(path), (u32)strlen(path));
}
static int rmdir_at(u32 dir, const char *path) {
  return w_path_remove_directory(dir, P(path), (u32)strlen(path));
}
static int unlink_at(u32 dir, const char *path) {
  return w_path_unlink_file(dir, P(path), (u32)strlen(path));
}
static int symlink_at(const char *target, u32 dir, const char *path) {
  return w_path_symlink(P(target), (u32)strlen(target), dir, P(path), (u32)strlen(path));
}
static int link_at(u32 odir, u32 flags, const char *opath, u32 ndir, const char *npath) {
  return w_path_link(odir, flags, P(opath), (u32)strlen(opath), ndir, P(npath), (u32)strlen(npath));
}
static int rename_at(u32 odir, const char *opath, u32 ndir, const char *npath) {
  return w_path_rename(odir, P(opath), (u32)strlen(opath), ndir, P(npath), (u32)strlen(npath));
}
static int stat_at(u32 dir, u32 flags, const char *path, filestat_t *st) {
  return w_path_filestat_get(dir, flags, P(path), (u32)strlen(path), P(st));
}
static int readlink_at(u32 dir, const char *path, char *buf, u32 len, u32 *used) {
  return w_path_readlink(dir, P(path), (u32)strlen(path), P(buf), len, P(used));
}
static int settimes_at(u32 dir, u32 flags, const char *path, u64 atim, u64 mtim, u32 fst) {
  return w_path_filestat_set_times(dir, flags, P(path), (u32)strlen(path), atim, mtim, fst);
}
/* The type of `path` (not following a final link), or -errno. */
static int type_at(u32 dir, const char *path) {
  filestat_t st;
  int e = stat_at(dir, NOFOLLOW, path, &st);
  return e ? -e : st.filetype;
}
static u64 size_of(u32 fd) {
  filestat_t st;
  return w_fd_filestat_get(fd, P(&st)) ? ~0ull : st.size;
}
/* Reads the whole (small) file at `path` into buf, NUL-terminated; returns errno. */
static int slurp(u32 dir, u32 lookup, const char *path, char *buf, u32 cap) {
  u32 fd, n = 0;
  int e = open_at(dir, lookup, path, 0, R_FD_READ, 0, 0, &fd);
  if (e) return e;
  e = read_into(fd, buf, cap - 1, &n);
  buf[e ? 0 : n] = 0;
  w_fd_close(fd);
  return e;
}
/* The bytes of guest memory: pointers at or past this fault. */
static u32 memory_end(void) { return (u32)__builtin_wasm_memory_size(0) * 65536u; }

/* A fresh scratch directory `name` (which must end in .cleanup) in the root, opened. */
static u32 scratch(const char *name) {
  mkdir_at(ROOT, name);
  return open_dir(ROOT, name);
}
#endif
