// path_create_directory, path_remove_directory, path_unlink_file.
#include "harness.h"

int main(void) {
  u32 s = scratch("path_dirs.cleanup");
  make_file(s, "file", "x");
  symlink_at("nowhere", s, "dangling");

  // path_create_directory
  expect("path_create_directory/new", mkdir_at(s, "a"), E_SUCCESS);
  expect_u64("path_create_directory/is-directory", 0, (u64)type_at(s, "a"), FT_DIR);
  expect("path_create_directory/nested", mkdir_at(s, "a/b"), E_SUCCESS);
  expect("path_create_directory/trailing-slash", mkdir_at(s, "c/"), E_SUCCESS);
  expect("path_create_directory/through-dotdot-inside", mkdir_at(s, "a/b/../d"), E_SUCCESS);
  expect_u64("path_create_directory/through-dotdot-lands-right", 0, (u64)type_at(s, "a/d"), FT_DIR);
  expect("path_create_directory/eexist-directory", mkdir_at(s, "a"), E_EXIST);
  expect("path_create_directory/eexist-file", mkdir_at(s, "file"), E_EXIST);
  expect("path_create_directory/eexist-dangling-link", mkdir_at(s, "dangling"), E_EXIST);
  expect("path_create_directory/eexist-dot", mkdir_at(s, "."), E_EXIST);
  expect("path_create_directory/enoent-missing-parent", mkdir_at(s, "missing/x"), E_NOENT);
  expect("path_create_directory/enoent-empty-path", mkdir_at(s, ""), E_NOENT);
  expect("path_create_directory/enotdir-parent-is-file", mkdir_at(s, "file/x"), E_NOTDIR);
  expect("path_create_directory/ebadf", mkdir_at(999, "x"), E_BADF);
  u32 f = open_rw(s, "file", 0);
  expect("path_create_directory/enotdir-fd-is-a-file", mkdir_at(f, "x"), E_NOTDIR);
  expect("path_create_directory/efault-path", w_path_create_directory(s, BAD_PTR, 4), E_FAULT);
  u32 lim = open_dir(s, ".");
  fdstat_t st;
  w_fd_fdstat_get(lim, P(&st));
  w_fd_fdstat_set_rights(lim, st.base & ~(R_PATH_CREATE_DIRECTORY | R_PATH_REMOVE_DIRECTORY | R_PATH_UNLINK_FILE), st.inheriting);
  expect("path_create_directory/enotcapable", mkdir_at(lim, "y"), E_NOTCAPABLE);

  // path_remove_directory
  mkdir_at(s, "empty");
  expect("path_remove_directory/empty", rmdir_at(s, "empty"), E_SUCCESS);
  expect("path_remove_directory/gone", type_at(s, "empty"), -E_NOENT);
  expect("path_remove_directory/enotempty", rmdir_at(s, "a"), E_NOTEMPTY);
  expect("path_remove_directory/nested", rmdir_at(s, "a/b"), E_SUCCESS);
  expect("path_remove_directory/trailing-slash", rmdir_at(s, "c/"), E_SUCCESS);
  expect("path_remove_directory/enotdir-file", rmdir_at(s, "file"), E_NOTDIR);
  expect("path_remove_directory/enotdir-file-trailing-slash", rmdir_at(s, "file/"), E_NOTDIR);
  mkdir_at(s, "target");
  symlink_at("target", s, "link-to-dir");
  expect("path_remove_directory/enotdir-link-to-dir", rmdir_at(s, "link-to-dir"), E_NOTDIR);
  expect("path_remove_directory/enotdir-dangling-link", rmdir_at(s, "dangling"), E_NOTDIR);
  expect("path_remove_directory/enoent", rmdir_at(s, "missing"), E_NOENT);
  expect("path_remove_directory/enoent-empty-path", rmdir_at(s, ""), E_NOENT);
  u32 sub = open_dir(s, "target");
  expect("path_remove_directory/einval-dot", rmdir_at(sub, "."), E_INVAL);
  expect("path_remove_directory/ebadf", rmdir_at(999, "x"), E_BADF);
  expect("path_remove_directory/enotdir-fd-is-a-file", rmdir_at(f, "x"), E_NOTDIR);
  mkdir_at(s, "e2");
  expect("path_remove_directory/enotcapable", rmdir_at(lim, "e2"), E_NOTCAPABLE);
  expect("path_remove_directory/enotcapable-leaves-it", type_at(s, "e2"), FT_DIR);
  expect("path_remove_directory/while-open", rmdir_at(s, "target"), E_SUCCESS);
  filestat_t fs;
  expect("path_remove_directory/open-fd-survives-stat", w_fd_filestat_get(sub, P(&fs)), E_SUCCESS);

  // path_unlink_file
  make_file(s, "u", "u");
  expect("path_unlink_file/file", unlink_at(s, "u"), E_SUCCESS);
  expect("path_unlink_file/gone", type_at(s, "u"), -E_NOENT);
  expect("path_unlink_file/enoent", unlink_at(s, "u"), E_NOENT);
  expect("path_unlink_file/enoent-empty-path", unlink_at(s, ""), E_NOENT);
  expect("path_unlink_file/eisdir", unlink_at(s, "e2"), E_ISDIR);
  expect("path_unlink_file/eisdir-trailing-slash", unlink_at(s, "e2/"), E_ISDIR);
  expect("path_unlink_file/eisdir-dot", unlink_at(s, "."), E_ISDIR);
  expect("path_unlink_file/enotdir-file-trailing-slash", unlink_at(s, "file/"), E_NOTDIR);
  expect("path_unlink_file/enotdir-parent-is-file", unlink_at(s, "file/x"), E_NOTDIR);
  mkdir_at(s, "t2");
  symlink_at("t2", s, "l2");
  expect("path_unlink_file/link-to-dir-removes-link", unlink_at(s, "l2"), E_SUCCESS);
  expect_u64("path_unlink_file/link-to-dir-keeps-target", 0, (u64)type_at(s, "t2"), FT_DIR);
  symlink_at("t2", s, "l3");
  expect("path_unlink_file/link-to-dir-trailing-slash-eisdir", unlink_at(s, "l3/"), E_ISDIR);
  expect("path_unlink_file/dangling-link", unlink_at(s, "dangling"), E_SUCCESS);
  symlink_at("self", s, "self");
  expect("path_unlink_file/self-loop-link", unlink_at(s, "self"), E_SUCCESS);
  make_file(s, "open", "still here");
  u32 o;
  open_at(s, 0, "open", 0, R_FD_READ, 0, 0, &o);
  expect("path_unlink_file/while-open", unlink_at(s, "open"), E_SUCCESS);
  char buf[16] = {0};
  u32 n = 0;
  read_into(o, buf, sizeof buf - 1, &n);
  check("path_unlink_file/open-fd-still-reads", n == 10 && strcmp(buf, "still here") == 0, "content lost after unlink");
  expect("path_unlink_file/ebadf", unlink_at(999, "x"), E_BADF);
  expect("path_unlink_file/enotdir-fd-is-a-file", unlink_at(f, "x"), E_NOTDIR);
  expect("path_unlink_file/efault-path", w_path_unlink_file(s, BAD_PTR, 4), E_FAULT);
  expect("path_unlink_file/enotcapable", unlink_at(lim, "file"), E_NOTCAPABLE);
  expect_u64("path_unlink_file/enotcapable-leaves-it", 0, (u64)type_at(s, "file"), FT_FILE);
  return finish();
}
