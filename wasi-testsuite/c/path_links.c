// path_symlink, path_readlink, path_link.
#include "harness.h"

static char buf[64];

int main(void) {
  u32 s = scratch("path_links.cleanup"), used = 0;
  make_file(s, "file", "0123");
  mkdir_at(s, "dir");
  filestat_t a, b;
  u32 f = open_rw(s, "file", 0);

  // path_symlink: the target is stored verbatim, never checked
  expect("path_symlink/to-file", symlink_at("file", s, "l-file"), E_SUCCESS);
  expect_u64("path_symlink/is-a-link", 0, (u64)type_at(s, "l-file"), FT_SYMLINK);
  expect("path_symlink/to-dir", symlink_at("dir", s, "l-dir"), E_SUCCESS);
  expect("path_symlink/dangling", symlink_at("not/there", s, "l-dangling"), E_SUCCESS);
  expect("path_symlink/to-itself", symlink_at("l-self", s, "l-self"), E_SUCCESS);
  expect("path_symlink/target-with-dotdot", symlink_at("../x", s, "dir/l-up"), E_SUCCESS);
  expect("path_symlink/target-trailing-slash", symlink_at("dir/", s, "l-dir-slash"), E_SUCCESS);
  expect("path_symlink/eexist-file", symlink_at("x", s, "file"), E_EXIST);
  expect("path_symlink/eexist-dir", symlink_at("x", s, "dir"), E_EXIST);
  expect("path_symlink/eexist-link", symlink_at("x", s, "l-dangling"), E_EXIST);
  expect("path_symlink/eexist-dir-trailing-slash", symlink_at("x", s, "dir/"), E_EXIST);
  expect("path_symlink/enoent-new-trailing-slash", symlink_at("x", s, "newlink/"), E_NOENT);
  expect("path_symlink/enoent-missing-parent", symlink_at("x", s, "missing/l"), E_NOENT);
  expect("path_symlink/enoent-empty-new-path", symlink_at("x", s, ""), E_NOENT);
  expect("path_symlink/enoent-empty-target", symlink_at("", s, "l-empty"), E_NOENT);
  expect("path_symlink/enotdir-parent-is-file", symlink_at("x", s, "file/l"), E_NOTDIR);
  expect("path_symlink/enotcapable-absolute-target", symlink_at("/file", s, "l-abs"), E_NOTCAPABLE);
  expect("path_symlink/enotcapable-absolute-target-creates-nothing", type_at(s, "l-abs"), -E_NOENT);
  expect("path_symlink/ebadf", symlink_at("x", 999, "l"), E_BADF);
  expect("path_symlink/enotdir-fd-is-a-file", symlink_at("x", f, "l"), E_NOTDIR);
  expect("path_symlink/efault-target", w_path_symlink(BAD_PTR, 4, s, P("l"), 1), E_FAULT);
  expect("path_symlink/efault-new-path", w_path_symlink(P("x"), 1, s, BAD_PTR, 4), E_FAULT);

  // path_readlink: the stored bytes, no NUL, silently truncated to the buffer
  memset(buf, '#', sizeof buf);
  expect_u64("path_readlink/length", readlink_at(s, "l-file", buf, sizeof buf, &used), used, 4);
  check("path_readlink/content-no-nul", memcmp(buf, "file#", 5) == 0, "not \"file\" followed by the untouched buffer");
  expect_u64("path_readlink/dangling", readlink_at(s, "l-dangling", buf, sizeof buf, &used), used, 9);
  expect_u64("path_readlink/dotdot-target-verbatim", readlink_at(s, "dir/l-up", buf, sizeof buf, &used), used, 4);
  check("path_readlink/dotdot-target-content", memcmp(buf, "../x", 4) == 0, "not ../x");
  expect_u64("path_readlink/trailing-slash-kept", readlink_at(s, "l-dir-slash", buf, sizeof buf, &used), used, 4);
  memset(buf, '#', sizeof buf);
  expect_u64("path_readlink/truncates-to-buffer", readlink_at(s, "l-dangling", buf, 3, &used), used, 3);
  check("path_readlink/truncated-content", memcmp(buf, "not#", 4) == 0, "not \"not\" followed by the untouched buffer");
  expect_u64("path_readlink/zero-buffer", readlink_at(s, "l-file", buf, 0, &used), used, 0);
  expect_u64("path_readlink/through-linked-dir", readlink_at(s, "l-dir/l-up", buf, sizeof buf, &used), used, 4);
  expect("path_readlink/einval-file", readlink_at(s, "file", buf, sizeof buf, &used), E_INVAL);
  expect("path_readlink/einval-dir", readlink_at(s, "dir", buf, sizeof buf, &used), E_INVAL);
  expect("path_readlink/enoent", readlink_at(s, "missing", buf, sizeof buf, &used), E_NOENT);
  expect("path_readlink/enoent-empty-path", readlink_at(s, "", buf, sizeof buf, &used), E_NOENT);
  expect("path_readlink/ebadf", readlink_at(999, "l-file", buf, sizeof buf, &used), E_BADF);
  expect("path_readlink/enotdir-fd-is-a-file", readlink_at(f, "l-file", buf, sizeof buf, &used), E_NOTDIR);
  expect("path_readlink/efault-buffer", w_path_readlink(s, P("l-file"), 6, BAD_PTR, 8, P(&used)), E_FAULT);
  expect("path_readlink/efault-bufused", w_path_readlink(s, P("l-file"), 6, P(buf), 8, BAD_PTR), E_FAULT);

  // path_link
  expect("path_link/file", link_at(s, 0, "file", s, "hard"), E_SUCCESS);
  stat_at(s, 0, "file", &a);
  stat_at(s, 0, "hard", &b);
  check("path_link/same-inode", a.ino == b.ino && a.dev == b.dev, "the link is another file");
  expect_u64("path_link/nlink-2", 0, a.nlink, 2);
  u32 d = open_dir(s, "dir");
  expect("path_link/into-other-directory-fd", link_at(s, 0, "file", d, "hard2"), E_SUCCESS);
  expect_u64("path_link/nlink-3", stat_at(s, 0, "file", &a), a.nlink, 3);
  expect("path_link/eexist-target-file", link_at(s, 0, "file", s, "hard"), E_EXIST);
  expect("path_link/eexist-same-name", link_at(s, 0, "file", s, "file"), E_EXIST);
  expect("path_link/eexist-target-dir", link_at(s, 0, "file", s, "dir"), E_EXIST);
  expect("path_link/eexist-target-dangling-link", link_at(s, 0, "file", s, "l-dangling"), E_EXIST);
  expect("path_link/eperm-source-dir", link_at(s, 0, "dir", s, "hard-dir"), E_PERM);
  expect("path_link/enoent-source", link_at(s, 0, "missing", s, "x"), E_NOENT);
  expect("path_link/enoent-target-parent", link_at(s, 0, "file", s, "missing/x"), E_NOENT);
  expect("path_link/enoent-target-trailing-slash", link_at(s, 0, "file", s, "newlink/"), E_NOENT);
  expect("path_link/enotdir-source-trailing-slash", link_at(s, 0, "file/", s, "x"), E_NOTDIR);
  expect("path_link/nofollow-links-the-link", link_at(s, 0, "l-file", s, "hard-l"), E_SUCCESS);
  expect_u64("path_link/nofollow-result-is-a-link", 0, (u64)type_at(s, "hard-l"), FT_SYMLINK);
  expect("path_link/nofollow-dangling-link", link_at(s, 0, "l-dangling", s, "hard-dangling"), E_SUCCESS);
  expect("path_link/nofollow-self-loop-link", link_at(s, 0, "l-self", s, "hard-self"), E_SUCCESS);
  expect("path_link/follow-links-the-target", link_at(s, FOLLOW, "l-file", s, "hard-f"), E_SUCCESS);
  stat_at(s, 0, "hard-f", &b);
  check("path_link/follow-result-is-the-file", b.filetype == FT_FILE && b.ino == a.ino, "not a hard link to file");
  expect("path_link/follow-dangling-enoent", link_at(s, FOLLOW, "l-dangling", s, "x"), E_NOENT);
  expect("path_link/follow-loop-eloop", link_at(s, FOLLOW, "l-self", s, "x"), E_LOOP);
  expect("path_link/einval-unknown-lookupflag", link_at(s, 2, "file", s, "x"), E_INVAL);
  expect("path_link/ebadf-old-fd", link_at(999, 0, "file", s, "x"), E_BADF);
  expect("path_link/ebadf-new-fd", link_at(s, 0, "file", 999, "x"), E_BADF);
  expect("path_link/enotdir-fd-is-a-file", link_at(f, 0, "file", s, "x"), E_NOTDIR);
  expect("path_link/efault-old-path", w_path_link(s, 0, BAD_PTR, 4, s, P("x"), 1), E_FAULT);
  expect("path_link/efault-new-path", w_path_link(s, 0, P("file"), 4, s, BAD_PTR, 4), E_FAULT);
  u32 lim = open_dir(s, ".");
  fdstat_t st;
  w_fd_fdstat_get(lim, P(&st));
  w_fd_fdstat_set_rights(lim, st.base & ~(R_PATH_LINK_SOURCE | R_PATH_SYMLINK | R_PATH_READLINK), st.inheriting);
  expect("path_link/enotcapable-source", link_at(lim, 0, "file", s, "x"), E_NOTCAPABLE);
  expect("path_symlink/enotcapable", symlink_at("x", lim, "l"), E_NOTCAPABLE);
  expect("path_readlink/enotcapable", readlink_at(lim, "l-file", buf, sizeof buf, &used), E_NOTCAPABLE);
  u32 lim2 = open_dir(s, ".");
  w_fd_fdstat_set_rights(lim2, st.base & ~R_PATH_LINK_TARGET, st.inheriting);
  expect("path_link/enotcapable-target", link_at(s, 0, "file", lim2, "x"), E_NOTCAPABLE);
  return finish();
}
