// path_open: success paths, oflags, fdflags, lookup flags, rights, symlinks in the last position,
// and every error class it returns.
#include "harness.h"

static char buf[64];

static int open_p(u32 dir, u32 lookup, const char *path, u32 oflags, u64 base, u32 fdflags) {
  u32 fd;
  int e = open_at(dir, lookup, path, oflags, base, R_ALL, fdflags, &fd);
  if (e == 0) w_fd_close(fd);
  return e;
}

int main(void) {
  u32 s = scratch("path_open.cleanup"), fd;
  fdstat_t st;
  filestat_t fs;
  u32 n;

  // success paths
  expect("path_open/file-read", open_at(ROOT, 0, "file.txt", 0, R_FD_READ, 0, 0, &fd), E_SUCCESS);
  memset(buf, 0, sizeof buf);
  read_into(fd, buf, sizeof buf, &n);
  check("path_open/file-content", n == 10 && memcmp(buf, "0123456789", 10) == 0, "file.txt does not read 0123456789");
  check("path_open/new-fd-above-stdio-and-preopen", fd > ROOT && fd != 0xffffffffu, "fd not above 3");
  w_fd_close(fd);
  expect("path_open/nested-file", open_p(ROOT, 0, "dir/nested.txt", 0, R_FD_READ, 0), E_SUCCESS);
  expect("path_open/dot-slash-prefix", open_p(ROOT, 0, "./file.txt", 0, R_FD_READ, 0), E_SUCCESS);
  expect("path_open/repeated-slashes", open_p(ROOT, 0, "dir//sub///deep.txt", 0, R_FD_READ, 0), E_SUCCESS);
  expect("path_open/dotdot-inside", open_p(ROOT, 0, "dir/sub/../../file.txt", 0, R_FD_READ, 0), E_SUCCESS);
  expect("path_open/dot", open_p(ROOT, 0, ".", 0, 0, 0), E_SUCCESS);
  expect("path_open/dot-directory-flag", open_p(ROOT, 0, ".", O_DIRECTORY_, R_FD_READDIR, 0), E_SUCCESS);
  expect("path_open/dir-trailing-slash", open_p(ROOT, 0, "dir/", 0, 0, 0), E_SUCCESS);
  expect("path_open/dir-dotdot", open_p(ROOT, 0, "dir/..", O_DIRECTORY_, 0, 0), E_SUCCESS);
  expect("path_open/directory-with-fd_read", open_at(ROOT, 0, "dir", O_DIRECTORY_, R_FD_READ | R_FD_READDIR, R_ALL, 0, &fd), E_SUCCESS);
  w_fd_fdstat_get(fd, P(&st));
  expect_u64("path_open/directory-filetype", 0, st.filetype, FT_DIR);
  check("path_open/directory-never-gets-fd_seek", (st.base & (R_FD_SEEK | R_FD_READ)) == 0, "a directory fd claims FD_SEEK or FD_READ");
  w_fd_close(fd);
  open_at(ROOT, 0, "file.txt", 0, R_FD_READ, R_FD_READ, 0, &fd);
  w_fd_fdstat_get(fd, P(&st));
  expect_u64("path_open/rights-as-requested", 0, st.base & (R_FD_READ | R_FD_WRITE), R_FD_READ);
  w_fd_close(fd);
  open_at(ROOT, 0, "file.txt", 0, 0, 0, 0, &fd);
  expect("path_open/rights-0-opens", w_fd_fdstat_get(fd, P(&st)), E_SUCCESS);
  expect("path_open/rights-0-cannot-read", read_into(fd, buf, 4, &n), E_NOTCAPABLE);
  w_fd_close(fd);

  // O_CREAT, O_EXCL, O_TRUNC on files
  expect("path_open/creat-new", open_at(s, 0, "new", O_CREAT_, R_FILE, 0, 0, &fd), E_SUCCESS);
  expect_u64("path_open/creat-new-is-empty", 0, size_of(fd), 0);
  write_all(fd, "abc", 3);
  w_fd_close(fd);
  expect_u64("path_open/creat-new-is-regular-file", 0, (u64)type_at(s, "new"), FT_FILE);
  expect("path_open/creat-existing", open_at(s, 0, "new", O_CREAT_, R_FILE, 0, 0, &fd), E_SUCCESS);
  expect_u64("path_open/creat-existing-keeps-content", 0, size_of(fd), 3);
  w_fd_close(fd);
  expect("path_open/creat-excl-existing-eexist", open_p(s, 0, "new", O_CREAT_ | O_EXCL_, R_FILE, 0), E_EXIST);
  expect("path_open/creat-excl-directory-eexist", open_p(ROOT, 0, "dir", O_CREAT_ | O_EXCL_, 0, 0), E_EXIST);
  expect("path_open/creat-excl-new", open_p(s, 0, "excl", O_CREAT_ | O_EXCL_, R_FILE, 0), E_SUCCESS);
  expect("path_open/creat-trunc-existing", open_at(s, 0, "new", O_CREAT_ | O_TRUNC_, R_FILE, 0, 0, &fd), E_SUCCESS);
  expect_u64("path_open/creat-trunc-empties", 0, size_of(fd), 0);
  w_fd_close(fd);
  make_file(s, "t", "hello");
  expect("path_open/trunc-file", open_at(s, 0, "t", O_TRUNC_, R_FD_READ | R_FD_WRITE | R_FD_FILESTAT_GET, 0, 0, &fd), E_SUCCESS);
  expect_u64("path_open/trunc-file-empties", 0, size_of(fd), 0);
  expect_u64("path_open/trunc-file-reads-eof", read_into(fd, buf, 4, &n), n, 0);
  w_fd_close(fd);
  expect("path_open/creat-trailing-slash-eisdir", open_p(s, 0, "newdir/", O_CREAT_, R_FILE, 0), E_ISDIR);
  expect("path_open/creat-missing-parent-enoent", open_p(s, 0, "nope/new", O_CREAT_, R_FILE, 0), E_NOENT);
  expect("path_open/creat-parent-is-file-enotdir", open_p(ROOT, 0, "file.txt/new", O_CREAT_, R_FILE, 0), E_NOTDIR);

  // fdflags
  expect("path_open/append", open_at(s, 0, "t", 0, R_FILE, 0, FD_APPEND, &fd), E_SUCCESS);
  w_fd_fdstat_get(fd, P(&st));
  expect_u64("path_open/append-reported", 0, st.flags, FD_APPEND);
  write_all(fd, "ab", 2);
  u64 pos;
  w_fd_seek(fd, 0, WH_SET, P(&pos));
  write_all(fd, "cd", 2);
  pread_into(fd, buf, 4, 0, &n);
  check("path_open/append-writes-at-end", n == 4 && memcmp(buf, "abcd", 4) == 0, "append did not write at the end");
  w_fd_close(fd);
  expect("path_open/nonblock-file", open_p(s, 0, "t", 0, R_FD_READ, FD_NONBLOCK), E_SUCCESS);
  expect("path_open/sync-file", open_at(s, 0, "t", 0, R_FILE, 0, FD_SYNC, &fd), E_SUCCESS);
  w_fd_fdstat_get(fd, P(&st));
  expect_u64("path_open/sync-reported", 0, st.flags, FD_SYNC);
  expect("path_open/sync-write", write_all(fd, "e", 1), E_SUCCESS);
  w_fd_close(fd);
  expect("path_open/dsync-file", open_p(s, 0, "t", 0, R_FILE, FD_DSYNC), E_SUCCESS);

  // directories
  expect("path_open/directory-on-file-enotdir", open_p(ROOT, 0, "file.txt", O_DIRECTORY_, 0, 0), E_NOTDIR);
  expect("path_open/file-trailing-slash-enotdir", open_p(ROOT, 0, "file.txt/", 0, R_FD_READ, 0), E_NOTDIR);
  expect("path_open/file-as-directory-component-enotdir", open_p(ROOT, 0, "file.txt/x", 0, R_FD_READ, 0), E_NOTDIR);
  expect("path_open/directory-with-fd_write-eisdir", open_p(ROOT, 0, "dir", O_DIRECTORY_, R_FD_READ | R_FD_WRITE, 0), E_ISDIR);
  expect("path_open/directory-with-fd_write-no-oflags-eisdir", open_p(ROOT, 0, "dir", 0, R_FD_WRITE, 0), E_ISDIR);
  expect("path_open/directory-append-eisdir", open_p(ROOT, 0, "dir", 0, 0, FD_APPEND), E_ISDIR);
  expect("path_open/directory-creat-eisdir", open_p(ROOT, 0, "dir", O_CREAT_, 0, 0), E_ISDIR);
  expect("path_open/dot-with-fd_write-eisdir", open_p(ROOT, 0, ".", 0, R_FD_WRITE, 0), E_ISDIR);
  expect("path_open/nonblock-directory", open_p(ROOT, 0, ".", 0, 0, FD_NONBLOCK), E_SUCCESS);

  // symlinks in the last position (fixtures: link-file -> file.txt, link-dir -> dir, ...)
  expect("path_open/link-to-file-follow", open_p(ROOT, FOLLOW, "link-file", 0, R_FD_READ, 0), E_SUCCESS);
  expect("path_open/link-to-file-nofollow-eloop", open_p(ROOT, NOFOLLOW, "link-file", 0, R_FD_READ, 0), E_LOOP);
  expect("path_open/link-to-file-nofollow-directory-enotdir", open_p(ROOT, NOFOLLOW, "link-file", O_DIRECTORY_, 0, 0), E_NOTDIR);
  expect("path_open/link-to-file-follow-directory-enotdir", open_p(ROOT, FOLLOW, "link-file", O_DIRECTORY_, 0, 0), E_NOTDIR);
  expect("path_open/link-to-dir-follow-directory", open_p(ROOT, FOLLOW, "link-dir", O_DIRECTORY_, 0, 0), E_SUCCESS);
  expect("path_open/link-to-dir-nofollow-eloop", open_p(ROOT, NOFOLLOW, "link-dir", 0, 0, 0), E_LOOP);
  expect("path_open/link-to-dir-trailing-slash-follows", open_p(ROOT, NOFOLLOW, "link-dir/", O_DIRECTORY_, 0, 0), E_SUCCESS);
  expect("path_open/link-in-middle-always-followed", open_p(ROOT, NOFOLLOW, "link-dir/nested.txt", 0, R_FD_READ, 0), E_SUCCESS);
  expect("path_open/link-chain-inside-root", slurp(ROOT, FOLLOW, "chain-1", buf, sizeof buf), E_SUCCESS);
  check("path_open/link-chain-reaches-file", memcmp(buf, "0123456789", 10) == 0, "chain-1 does not read file.txt");
  expect("path_open/link-with-dotdot-inside", open_p(ROOT, FOLLOW, "dir/up-file", 0, R_FD_READ, 0), E_SUCCESS);
  expect("path_open/dangling-follow-enoent", open_p(ROOT, FOLLOW, "link-dangling", 0, R_FD_READ, 0), E_NOENT);
  expect("path_open/dangling-nofollow-eloop", open_p(ROOT, NOFOLLOW, "link-dangling", 0, R_FD_READ, 0), E_LOOP);
  expect("path_open/dangling-nofollow-directory-enotdir", open_p(ROOT, NOFOLLOW, "link-dangling", O_DIRECTORY_, 0, 0), E_NOTDIR);
  expect("path_open/self-loop-follow-eloop", open_p(ROOT, FOLLOW, "link-self", 0, R_FD_READ, 0), E_LOOP);
  expect("path_open/self-loop-nofollow-eloop", open_p(ROOT, NOFOLLOW, "link-self", 0, R_FD_READ, 0), E_LOOP);
  expect("path_open/two-link-loop-eloop", open_p(ROOT, FOLLOW, "loop-a", 0, R_FD_READ, 0), E_LOOP);
  expect("path_open/loop-in-middle-eloop", open_p(ROOT, NOFOLLOW, "loop-a/x", 0, R_FD_READ, 0), E_LOOP);
  symlink_at("target", s, "dangle");
  expect("path_open/creat-through-dangling-link-creates-target", open_p(s, FOLLOW, "dangle", O_CREAT_, R_FILE, 0), E_SUCCESS);
  expect_u64("path_open/creat-through-dangling-link-target-is-file", 0, (u64)type_at(s, "target"), FT_FILE);
  symlink_at("target2", s, "dangle2");
  expect("path_open/creat-excl-on-dangling-link-eexist", open_p(s, FOLLOW, "dangle2", O_CREAT_ | O_EXCL_, R_FILE, 0), E_EXIST);
  expect("path_open/creat-excl-on-link-creates-nothing", type_at(s, "target2"), -E_NOENT);
  expect("path_open/creat-nofollow-on-link-eloop", open_p(s, NOFOLLOW, "dangle2", O_CREAT_, R_FILE, 0), E_LOOP);

  // errors
  expect("path_open/enoent", open_p(ROOT, 0, "no-such-file", 0, R_FD_READ, 0), E_NOENT);
  expect("path_open/enoent-missing-parent", open_p(ROOT, 0, "no-such-dir/file", 0, R_FD_READ, 0), E_NOENT);
  expect("path_open/enoent-empty-path", open_p(ROOT, 0, "", 0, R_FD_READ, 0), E_NOENT);
  expect("path_open/einval-unknown-oflag", open_p(ROOT, 0, "file.txt", 0x10, R_FD_READ, 0), E_INVAL);
  expect("path_open/einval-unknown-fdflag", open_p(ROOT, 0, "file.txt", 0, R_FD_READ, 0x20), E_INVAL);
  expect("path_open/einval-unknown-lookupflag", open_p(ROOT, 2, "file.txt", 0, R_FD_READ, 0), E_INVAL);
  expect("path_open/einval-oflags-out-of-u16", open_p(ROOT, 0, "file.txt", 0x10000, R_FD_READ, 0), E_INVAL);
  expect("path_open/ebadf", open_p(999, 0, "file.txt", 0, R_FD_READ, 0), E_BADF);
  u32 file;
  open_at(ROOT, 0, "file.txt", 0, R_FD_READ, 0, 0, &file);
  expect("path_open/enotdir-fd-is-a-file", open_p(file, 0, "x", 0, R_FD_READ, 0), E_NOTDIR);
  u32 limited = open_dir(ROOT, "."), lfd;
  w_fd_fdstat_get(limited, P(&st));
  w_fd_fdstat_set_rights(limited, st.base & ~(R_PATH_CREATE_FILE | R_PATH_FILESTAT_SET_SIZE), st.inheriting);
  expect("path_open/enotcapable-creat-without-path_create_file", open_p(limited, 0, "path_open.cleanup/c2", O_CREAT_, R_FILE, 0), E_NOTCAPABLE);
  expect("path_open/enotcapable-trunc-without-path_filestat_set_size", open_p(limited, 0, "path_open.cleanup/t", O_TRUNC_, R_FILE, 0), E_NOTCAPABLE);
  expect("path_open/open-still-allowed", open_p(limited, 0, "file.txt", 0, R_FD_READ, 0), E_SUCCESS);
  w_fd_fdstat_set_rights(limited, R_FD_READDIR, st.inheriting);
  expect("path_open/enotcapable-without-path_open", open_p(limited, 0, "file.txt", 0, R_FD_READ, 0), E_NOTCAPABLE);
  const char *p = "file.txt";
  expect("path_open/efault-path", w_path_open(ROOT, 0, BAD_PTR, 8, 0, R_FD_READ, 0, 0, P(&lfd)), E_FAULT);
  expect("path_open/efault-path-straddles-end", w_path_open(ROOT, 0, memory_end() - 4, 8, 0, R_FD_READ, 0, 0, P(&lfd)), E_FAULT);
  expect("path_open/efault-fd-out", w_path_open(ROOT, 0, P(p), 8, 0, R_FD_READ, 0, 0, BAD_PTR), E_FAULT);
  // the path is (pointer, length), not NUL-terminated: the length decides
  expect("path_open/path-length-not-nul", w_path_open(ROOT, 0, P("file.txtGARBAGE"), 8, 0, R_FD_READ, 0, 0, P(&lfd)), E_SUCCESS);
  expect_u64("path_open/rights-beyond-inheriting-dropped", w_fd_fdstat_get(lfd, P(&st)), st.base & ~R_FILE, 0);
  (void)fs;
  return finish();
}
