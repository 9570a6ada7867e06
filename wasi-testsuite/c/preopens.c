// Two preopens (the spec's "root" as "/" and "dirs": ["extra.dir"]): numbering, names, and
// moving files between them.
#include "harness.h"

int main(void) {
  prestat_t ps;
  char name[32];
  memset(name, 0, sizeof name);
  expect("fd_prestat_get/second-preopen-is-fd-4", w_fd_prestat_get(4, P(&ps)), E_SUCCESS);
  expect_u64("fd_prestat_get/second-preopen-name-length", 0, ps.name_len, 9);
  expect("fd_prestat_dir_name/second-preopen", w_fd_prestat_dir_name(4, P(name), ps.name_len), E_SUCCESS);
  check("fd_prestat_dir_name/second-preopen-name", strcmp(name, "extra.dir") == 0, "not \"extra.dir\"");
  expect("fd_prestat_dir_name/second-preopen-enametoolong", w_fd_prestat_dir_name(4, P(name), 8), E_NAMETOOLONG);
  expect("fd_prestat_get/ebadf-after-second-preopen", w_fd_prestat_get(5, P(&ps)), E_BADF);
  char buf[16];
  expect("path_open/second-preopen-file", slurp(4, 0, "extra.txt", buf, sizeof buf), E_SUCCESS);
  check("path_open/second-preopen-content", strcmp(buf, "extra\n") == 0, "extra.txt content differs");
  expect("sandbox/second-preopen-dotdot", open_at(4, 0, "../fs-tests.dir/file.txt", 0, R_FD_READ, 0, 0, 0), E_NOTCAPABLE);
  expect("sandbox/root-dotdot-to-second-preopen", open_at(ROOT, 0, "../extra.dir/extra.txt", 0, R_FD_READ, 0, 0, 0), E_NOTCAPABLE);
  make_file(ROOT, "moving.cleanup", "m");
  expect("path_rename/between-preopens", rename_at(ROOT, "moving.cleanup", 4, "moved.cleanup"), E_SUCCESS);
  expect_u64("path_rename/between-preopens-arrives", 0, (u64)type_at(4, "moved.cleanup"), FT_FILE);
  expect("path_link/between-preopens", link_at(4, 0, "moved.cleanup", ROOT, "linked.cleanup"), E_SUCCESS);
  expect("path_unlink_file/in-second-preopen", unlink_at(4, "moved.cleanup"), E_SUCCESS);
  return finish();
}
