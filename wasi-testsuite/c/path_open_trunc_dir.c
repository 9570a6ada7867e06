// The regression this project was born from: path_open with O_TRUNC on a directory must fail with
// EISDIR in every form (directly, through a link, with and without follow, on ".", with O_CREAT
// and O_DIRECTORY), and must leave the directory and its contents alone.
#include "harness.h"

static int open_p(u32 dir, u32 lookup, const char *path, u32 oflags, u64 base, u32 fdflags) {
  u32 fd;
  int e = open_at(dir, lookup, path, oflags, base, R_ALL, fdflags, &fd);
  if (e == 0) w_fd_close(fd);
  return e;
}

int main(void) {
  u32 s = scratch("path_open_trunc_dir.cleanup");
  mkdir_at(s, "d");
  make_file(s, "d/keep", "precious");
  symlink_at("d", s, "link-d");
  symlink_at("link-d", s, "link-link-d");
  const u64 RW = R_FD_READ | R_FD_WRITE;

  expect("path_open/trunc-dir-eisdir", open_p(s, NOFOLLOW, "d", O_TRUNC_, 0, 0), E_ISDIR);
  expect("path_open/trunc-dir-follow-eisdir", open_p(s, FOLLOW, "d", O_TRUNC_, 0, 0), E_ISDIR);
  expect("path_open/trunc-dir-read-right-eisdir", open_p(s, 0, "d", O_TRUNC_, R_FD_READ, 0), E_ISDIR);
  expect("path_open/trunc-dir-read-write-eisdir", open_p(s, 0, "d", O_TRUNC_, RW, 0), E_ISDIR);
  expect("path_open/trunc-dir-all-rights-eisdir", open_p(s, 0, "d", O_TRUNC_, R_ALL, 0), E_ISDIR);
  expect("path_open/trunc-directory-flag-eisdir", open_p(s, 0, "d", O_TRUNC_ | O_DIRECTORY_, 0, 0), E_ISDIR);
  expect("path_open/trunc-dir-trailing-slash-eisdir", open_p(s, 0, "d/", O_TRUNC_, 0, 0), E_ISDIR);
  expect("path_open/trunc-dir-dotdot-eisdir", open_p(s, 0, "d/..", O_TRUNC_, 0, 0), E_ISDIR);
  expect("path_open/trunc-dot-eisdir", open_p(s, 0, ".", O_TRUNC_, 0, 0), E_ISDIR);
  expect("path_open/trunc-dot-directory-flag-eisdir", open_p(s, 0, ".", O_TRUNC_ | O_DIRECTORY_, RW, 0), E_ISDIR);
  expect("path_open/trunc-root-preopen-dot-eisdir", open_p(ROOT, 0, ".", O_TRUNC_, R_ALL, 0), E_ISDIR);
  expect("path_open/trunc-append-dir-eisdir", open_p(s, 0, "d", O_TRUNC_, RW, FD_APPEND), E_ISDIR);
  expect("path_open/trunc-link-to-dir-follow-eisdir", open_p(s, FOLLOW, "link-d", O_TRUNC_, 0, 0), E_ISDIR);
  expect("path_open/trunc-link-chain-to-dir-follow-eisdir", open_p(s, FOLLOW, "link-link-d", O_TRUNC_, RW, 0), E_ISDIR);
  expect("path_open/trunc-link-to-dir-follow-directory-flag-eisdir", open_p(s, FOLLOW, "link-d", O_TRUNC_ | O_DIRECTORY_, 0, 0), E_ISDIR);
  expect("path_open/trunc-through-link-dot-nofollow-eisdir", open_p(s, NOFOLLOW, "link-d/.", O_TRUNC_, 0, 0), E_ISDIR);
  expect("path_open/trunc-through-link-slash-nofollow-eisdir", open_p(s, NOFOLLOW, "link-d/", O_TRUNC_, 0, 0), E_ISDIR);
  // Without follow a link in the last position is the object opened: O_NOFOLLOW's ELOOP.
  expect("path_open/trunc-link-to-dir-nofollow-eloop", open_p(s, NOFOLLOW, "link-d", O_TRUNC_, 0, 0), E_LOOP);
  expect("path_open/creat-trunc-dir-eisdir", open_p(s, 0, "d", O_CREAT_ | O_TRUNC_, R_FILE, 0), E_ISDIR);
  expect("path_open/creat-trunc-dir-follow-eisdir", open_p(s, FOLLOW, "d", O_CREAT_ | O_TRUNC_, 0, 0), E_ISDIR);
  expect("path_open/creat-trunc-directory-flag-eisdir", open_p(s, 0, "d", O_CREAT_ | O_TRUNC_ | O_DIRECTORY_, 0, 0), E_ISDIR);
  expect("path_open/creat-trunc-link-to-dir-follow-eisdir", open_p(s, FOLLOW, "link-d", O_CREAT_ | O_TRUNC_, RW, 0), E_ISDIR);
  expect("path_open/creat-trunc-dot-eisdir", open_p(s, 0, ".", O_CREAT_ | O_TRUNC_, 0, 0), E_ISDIR);
  expect("path_open/creat-excl-trunc-dir-eexist", open_p(s, 0, "d", O_CREAT_ | O_EXCL_ | O_TRUNC_, 0, 0), E_EXIST);

  // Nothing was harmed.
  expect_u64("path_open/trunc-dir-still-a-directory", 0, (u64)type_at(s, "d"), FT_DIR);
  char buf[16];
  expect("path_open/trunc-dir-contents-intact", slurp(s, 0, "d/keep", buf, sizeof buf), E_SUCCESS);
  check("path_open/trunc-dir-file-content-intact", strcmp(buf, "precious") == 0, "d/keep lost its content");
  expect_u64("path_open/trunc-link-still-a-link", 0, (u64)type_at(s, "link-d"), FT_SYMLINK);
  // And O_TRUNC still works on a file, directly and through a link.
  make_file(s, "f", "data");
  symlink_at("f", s, "link-f");
  u32 fd;
  expect("path_open/trunc-file-through-link-follow", open_at(s, FOLLOW, "link-f", O_TRUNC_, RW | R_FD_FILESTAT_GET, 0, 0, &fd), E_SUCCESS);
  expect_u64("path_open/trunc-file-through-link-empties-target", 0, size_of(fd), 0);
  return finish();
}
