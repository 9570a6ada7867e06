// path_rename: files, directories, links, replacing, cross-directory, and its errors.
#include "harness.h"

static char buf[32];

int main(void) {
  u32 s = scratch("path_rename.cleanup");
  filestat_t a, b;
  make_file(s, "f1", "one");
  make_file(s, "f2", "two");
  mkdir_at(s, "d1");
  make_file(s, "d1/inner", "in");
  mkdir_at(s, "empty");
  mkdir_at(s, "full");
  make_file(s, "full/x", "x");

  expect("path_rename/file-to-new-name", rename_at(s, "f1", s, "g1"), E_SUCCESS);
  expect("path_rename/old-name-gone", type_at(s, "f1"), -E_NOENT);
  slurp(s, 0, "g1", buf, sizeof buf);
  check("path_rename/content-moves", strcmp(buf, "one") == 0, "g1 does not hold \"one\"");
  stat_at(s, 0, "f2", &a);
  expect("path_rename/file-replaces-file", rename_at(s, "g1", s, "f2"), E_SUCCESS);
  slurp(s, 0, "f2", buf, sizeof buf);
  check("path_rename/replaced-content", strcmp(buf, "one") == 0, "f2 does not hold \"one\"");
  expect("path_rename/dir-to-new-name", rename_at(s, "d1", s, "d2"), E_SUCCESS);
  expect_u64("path_rename/dir-contents-move", 0, (u64)type_at(s, "d2/inner"), FT_FILE);
  expect("path_rename/dir-replaces-empty-dir", rename_at(s, "d2", s, "empty"), E_SUCCESS);
  expect_u64("path_rename/dir-replaced-holds-contents", 0, (u64)type_at(s, "empty/inner"), FT_FILE);
  expect("path_rename/dir-trailing-slash-source", rename_at(s, "empty/", s, "d3"), E_SUCCESS);
  expect("path_rename/dir-trailing-slash-both", rename_at(s, "d3/", s, "d4/"), E_SUCCESS);
  expect("path_rename/into-subdirectory", rename_at(s, "f2", s, "d4/f2"), E_SUCCESS);
  u32 d4 = open_dir(s, "d4");
  expect("path_rename/across-directory-fds", rename_at(d4, "f2", s, "f3"), E_SUCCESS);
  expect_u64("path_rename/across-directory-fds-lands", 0, (u64)type_at(s, "f3"), FT_FILE);
  expect("path_rename/same-name", rename_at(s, "f3", s, "f3"), E_SUCCESS);
  expect_u64("path_rename/same-name-keeps-file", 0, (u64)type_at(s, "f3"), FT_FILE);
  link_at(s, 0, "f3", s, "f3-hard");
  expect("path_rename/hard-links-to-same-file", rename_at(s, "f3", s, "f3-hard"), E_SUCCESS);
  check("path_rename/hard-links-both-remain", type_at(s, "f3") == FT_FILE && type_at(s, "f3-hard") == FT_FILE, "a name disappeared (POSIX: nothing happens)");
  symlink_at("f3", s, "lnk");
  expect("path_rename/link-renames-link", rename_at(s, "lnk", s, "lnk2"), E_SUCCESS);
  expect_u64("path_rename/link-stays-link", 0, (u64)type_at(s, "lnk2"), FT_SYMLINK);
  symlink_at("nowhere", s, "dangling");
  expect("path_rename/dangling-link", rename_at(s, "dangling", s, "dangling2"), E_SUCCESS);
  stat_at(s, 0, "f3", &a);
  expect("path_rename/file-replaces-link", rename_at(s, "f3-hard", s, "lnk2"), E_SUCCESS);
  stat_at(s, 0, "lnk2", &b);
  check("path_rename/file-replaces-link-result", b.filetype == FT_FILE && b.ino == a.ino, "lnk2 is not the renamed file");

  expect("path_rename/enotempty-dir-over-full-dir", rename_at(s, "d4", s, "full"), E_NOTEMPTY);
  expect("path_rename/enotdir-dir-over-file", rename_at(s, "d4", s, "f3"), E_NOTDIR);
  expect("path_rename/eisdir-file-over-dir", rename_at(s, "f3", s, "d4"), E_ISDIR);
  expect("path_rename/einval-dir-into-itself", rename_at(s, "d4", s, "d4/sub"), E_INVAL);
  expect("path_rename/enoent-source", rename_at(s, "missing", s, "x"), E_NOENT);
  expect("path_rename/enoent-target-parent", rename_at(s, "f3", s, "missing/x"), E_NOENT);
  expect("path_rename/enoent-empty-source", rename_at(s, "", s, "x"), E_NOENT);
  expect("path_rename/enoent-empty-target", rename_at(s, "f3", s, ""), E_NOENT);
  expect("path_rename/enotdir-file-trailing-slash-source", rename_at(s, "f3/", s, "x"), E_NOTDIR);
  expect("path_rename/enotdir-file-trailing-slash-target", rename_at(s, "f3", s, "x/"), E_NOTDIR);
  expect("path_rename/enotdir-source-parent-is-file", rename_at(s, "f3/x", s, "y"), E_NOTDIR);
  expect("path_rename/failed-renames-keep-source", type_at(s, "f3"), FT_FILE);
  expect("path_rename/ebadf-old-fd", rename_at(999, "f3", s, "x"), E_BADF);
  expect("path_rename/ebadf-new-fd", rename_at(s, "f3", 999, "x"), E_BADF);
  u32 f = open_rw(s, "f3", 0);
  expect("path_rename/enotdir-fd-is-a-file", rename_at(f, "x", s, "y"), E_NOTDIR);
  expect("path_rename/efault-old-path", w_path_rename(s, BAD_PTR, 4, s, P("x"), 1), E_FAULT);
  expect("path_rename/efault-new-path", w_path_rename(s, P("f3"), 2, s, BAD_PTR, 4), E_FAULT);
  u32 lim = open_dir(s, "."), lim2 = open_dir(s, ".");
  fdstat_t st;
  w_fd_fdstat_get(lim, P(&st));
  w_fd_fdstat_set_rights(lim, st.base & ~R_PATH_RENAME_SOURCE, st.inheriting);
  w_fd_fdstat_set_rights(lim2, st.base & ~R_PATH_RENAME_TARGET, st.inheriting);
  expect("path_rename/enotcapable-source", rename_at(lim, "f3", s, "x"), E_NOTCAPABLE);
  expect("path_rename/enotcapable-target", rename_at(s, "f3", lim2, "x"), E_NOTCAPABLE);
  expect("path_rename/enotcapable-keeps-source", type_at(s, "f3"), FT_FILE);
  return finish();
}
