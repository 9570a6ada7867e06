// The sandbox, rule by rule: nothing outside the preopen (fs-tests.dir) is reachable. Fixtures:
// ../outside.txt is a canary next to the root; the root holds committed symlinks that point out
// (out-rel, out-abs, out-abs-file, out-chain, out-dangling, out-dir, out-reenter) and loops.
// Every escape is ENOTCAPABLE; nothing is created outside.
#include "harness.h"

static char buf[64];

static int op(u32 dir, u32 lookup, const char *path) {
  u32 fd;
  int e = open_at(dir, lookup, path, 0, R_FD_READ, 0, 0, &fd);
  if (e == 0) w_fd_close(fd);
  return e;
}

int main(void) {
  filestat_t st;
  u32 used;

  // `..` may never climb above the directory the fd names
  expect("sandbox/dotdot-open", op(ROOT, 0, ".."), E_NOTCAPABLE);
  expect("sandbox/dotdot-file-beside-root", op(ROOT, 0, "../outside.txt"), E_NOTCAPABLE);
  expect("sandbox/dotdot-after-descending", op(ROOT, 0, "dir/../../outside.txt"), E_NOTCAPABLE);
  expect("sandbox/dotdot-then-back-in-by-name", op(ROOT, 0, "../fs-tests.dir/file.txt"), E_NOTCAPABLE);
  expect("sandbox/dot-dotdot", op(ROOT, 0, "./.."), E_NOTCAPABLE);
  expect("sandbox/dotdot-trailing-slash", op(ROOT, 0, "../"), E_NOTCAPABLE);
  expect("sandbox/dotdot-deep", op(ROOT, 0, "dir/sub/../../../../../../etc/passwd"), E_NOTCAPABLE);
  expect("sandbox/dotdot-filestat", stat_at(ROOT, 0, "../outside.txt", &st), E_NOTCAPABLE);
  expect("sandbox/dotdot-create-directory", mkdir_at(ROOT, "../escaped.cleanup"), E_NOTCAPABLE);
  expect("sandbox/dotdot-create-file", open_at(ROOT, 0, "../escaped.cleanup", O_CREAT_, R_FILE, 0, 0, 0), E_NOTCAPABLE);
  expect("sandbox/dotdot-unlink", unlink_at(ROOT, "../outside.txt"), E_NOTCAPABLE);
  expect("sandbox/dotdot-rmdir", rmdir_at(ROOT, "../fs-tests.dir"), E_NOTCAPABLE);
  expect("sandbox/dotdot-rename-source", rename_at(ROOT, "../outside.txt", ROOT, "stolen.cleanup"), E_NOTCAPABLE);
  expect("sandbox/dotdot-rename-target", rename_at(ROOT, "sandbox-x.cleanup", ROOT, "../escaped.cleanup"), E_NOTCAPABLE);
  expect("sandbox/dotdot-link-source", link_at(ROOT, 0, "../outside.txt", ROOT, "stolen.cleanup"), E_NOTCAPABLE);
  expect("sandbox/dotdot-symlink-new-path", symlink_at("file.txt", ROOT, "../escaped.cleanup"), E_NOTCAPABLE);
  expect("sandbox/dotdot-readlink", readlink_at(ROOT, "../fs-tests.dir/out-rel", buf, sizeof buf, &used), E_NOTCAPABLE);
  expect("sandbox/dotdot-set-times", settimes_at(ROOT, 0, "../outside.txt", 1, 1, MTIM), E_NOTCAPABLE);
  // ... and the directory fd is the limit, even inside the preopen (as wasmtime does)
  u32 dir = open_dir(ROOT, "dir");
  expect("sandbox/dotdot-above-subdir-fd", op(dir, 0, "../file.txt"), E_NOTCAPABLE);
  expect("sandbox/dotdot-above-subdir-fd-filestat", stat_at(dir, 0, "..", &st), E_NOTCAPABLE);
  expect("sandbox/dotdot-within-subdir-fd", op(dir, 0, "sub/../nested.txt"), E_SUCCESS);

  // absolute paths are refused, never resolved against the preopen or the host
  expect("sandbox/absolute-root", op(ROOT, 0, "/"), E_NOTCAPABLE);
  expect("sandbox/absolute-file-in-root", op(ROOT, 0, "/file.txt"), E_NOTCAPABLE);
  expect("sandbox/absolute-double-slash", op(ROOT, 0, "//file.txt"), E_NOTCAPABLE);
  expect("sandbox/absolute-host-path", op(ROOT, 0, "/etc/passwd"), E_NOTCAPABLE);
  expect("sandbox/absolute-filestat", stat_at(ROOT, 0, "/file.txt", &st), E_NOTCAPABLE);
  expect("sandbox/absolute-create-directory", mkdir_at(ROOT, "/abs.cleanup"), E_NOTCAPABLE);
  expect("sandbox/absolute-unlink", unlink_at(ROOT, "/file.txt"), E_NOTCAPABLE);
  expect("sandbox/absolute-rename", rename_at(ROOT, "/file.txt", ROOT, "x.cleanup"), E_NOTCAPABLE);
  expect("sandbox/absolute-symlink-new-path", symlink_at("file.txt", ROOT, "/abs.cleanup"), E_NOTCAPABLE);

  // committed symlinks that point out, followed in the last position
  expect("sandbox/link-relative-out", op(ROOT, FOLLOW, "out-rel"), E_NOTCAPABLE);
  expect("sandbox/link-absolute-out", op(ROOT, FOLLOW, "out-abs"), E_NOTCAPABLE);
  expect("sandbox/link-absolute-not-rerooted", op(ROOT, FOLLOW, "out-abs-file"), E_NOTCAPABLE);
  expect("sandbox/link-chained-out", op(ROOT, FOLLOW, "out-chain"), E_NOTCAPABLE);
  expect("sandbox/link-dangling-out", op(ROOT, FOLLOW, "out-dangling"), E_NOTCAPABLE);
  expect("sandbox/link-to-parent-of-root", op(ROOT, FOLLOW, "out-dir"), E_NOTCAPABLE);
  expect("sandbox/link-out-and-back-in", op(ROOT, FOLLOW, "out-reenter"), E_NOTCAPABLE);
  expect("sandbox/link-out-filestat-follow", stat_at(ROOT, FOLLOW, "out-rel", &st), E_NOTCAPABLE);
  expect("sandbox/link-out-set-times-follow", settimes_at(ROOT, FOLLOW, "out-rel", 1, 1, MTIM), E_NOTCAPABLE);
  expect("sandbox/link-out-link-follow", link_at(ROOT, FOLLOW, "out-rel", ROOT, "stolen.cleanup"), E_NOTCAPABLE);
  expect("sandbox/link-out-creat-follow", open_at(ROOT, FOLLOW, "out-dangling", O_CREAT_, R_FILE, 0, 0, 0), E_NOTCAPABLE);
  // ... and in the middle of a path, where they are always followed
  expect("sandbox/link-out-as-directory", op(ROOT, 0, "out-dir/outside.txt"), E_NOTCAPABLE);
  expect("sandbox/link-out-as-directory-reentering", op(ROOT, 0, "out-dir/fs-tests.dir/file.txt"), E_NOTCAPABLE);
  expect("sandbox/link-absolute-as-directory", op(ROOT, 0, "out-abs/etc/passwd"), E_NOTCAPABLE);
  expect("sandbox/link-out-as-directory-mkdir", mkdir_at(ROOT, "out-dir/escaped.cleanup"), E_NOTCAPABLE);
  expect("sandbox/link-out-as-directory-symlink", symlink_at("x", ROOT, "out-dir/escaped.cleanup"), E_NOTCAPABLE);
  expect("sandbox/link-out-as-directory-readdir-open", open_at(ROOT, 0, "out-dir/", O_DIRECTORY_, R_FD_READDIR, 0, 0, 0), E_NOTCAPABLE);
  // links are resolved physically: `..` after a link is the link target's parent
  expect("sandbox/dotdot-after-link-is-physical", op(ROOT, 0, "dir/link-root/../outside.txt"), E_NOTCAPABLE);
  expect("sandbox/link-to-root-inside", op(ROOT, 0, "dir/link-root/file.txt"), E_SUCCESS);
  // not following a link that points out is fine: the link itself is inside
  expect_u64("sandbox/link-out-filestat-nofollow", stat_at(ROOT, NOFOLLOW, "out-rel", &st), st.filetype, FT_SYMLINK);
  expect_u64("sandbox/link-out-readlink", readlink_at(ROOT, "out-rel", buf, sizeof buf, &used), used, 14);
  check("sandbox/link-out-readlink-verbatim", memcmp(buf, "../outside.txt", 14) == 0, "readlink did not return the stored target");
  expect_u64("sandbox/link-absolute-readlink", readlink_at(ROOT, "out-abs", buf, sizeof buf, &used), used, 1);
  expect("sandbox/link-out-open-nofollow-eloop", op(ROOT, NOFOLLOW, "out-rel"), E_LOOP);
  // loops and the hop budget
  expect("sandbox/loop-two-links", op(ROOT, FOLLOW, "loop-b"), E_LOOP);
  expect("sandbox/loop-self", op(ROOT, FOLLOW, "link-self"), E_LOOP);
  expect("sandbox/loop-in-middle", stat_at(ROOT, 0, "loop-a/x", &st), E_LOOP);

  // symlinks the guest makes: creating one that points out is allowed (it is only text), following it is not
  u32 s = scratch("sandbox.cleanup");
  expect("sandbox/guest-link-out-created", symlink_at("../../outside.txt", s, "g-out"), E_SUCCESS);
  expect("sandbox/guest-link-out-followed", op(s, FOLLOW, "g-out"), E_NOTCAPABLE);
  expect("sandbox/guest-link-out-followed-from-root", op(ROOT, FOLLOW, "sandbox.cleanup/g-out"), E_NOTCAPABLE);
  expect("sandbox/guest-link-absolute-refused", symlink_at("/etc/passwd", s, "g-abs"), E_NOTCAPABLE);
  expect("sandbox/guest-link-to-root-refused", symlink_at("/", s, "g-root"), E_NOTCAPABLE);
  expect("sandbox/guest-link-up-one", symlink_at("../file.txt", s, "g-up"), E_SUCCESS);
  expect("sandbox/guest-link-up-one-from-scratch-fd", op(s, FOLLOW, "g-up"), E_NOTCAPABLE);
  expect("sandbox/guest-link-up-one-from-root-fd", op(ROOT, FOLLOW, "sandbox.cleanup/g-up"), E_SUCCESS);
  expect("sandbox/guest-link-dir-out", symlink_at("../..", s, "g-dir-out"), E_SUCCESS);
  expect("sandbox/guest-link-dir-out-mkdir-through", mkdir_at(ROOT, "sandbox.cleanup/g-dir-out/escaped.cleanup"), E_NOTCAPABLE);
  expect("sandbox/guest-link-dir-out-creat-through", open_at(ROOT, 0, "sandbox.cleanup/g-dir-out/escaped.cleanup", O_CREAT_, R_FILE, 0, 0, 0), E_NOTCAPABLE);
  expect("sandbox/guest-dangling-link-out-creat", symlink_at("../../escaped.cleanup", s, "g-creat"), E_SUCCESS);
  expect("sandbox/guest-dangling-link-out-creat-follow", open_at(s, FOLLOW, "g-creat", O_CREAT_, R_FILE, 0, 0, 0), E_NOTCAPABLE);
  expect("sandbox/guest-link-renamed-out", rename_at(s, "g-out", ROOT, "../g-out.cleanup"), E_NOTCAPABLE);
  // 40 expansions are allowed, the 41st is ELOOP (Linux's MAXSYMLINKS, cap-std's limit)
  mkdir_at(s, "hops");
  u32 h = open_dir(s, "hops");
  make_file(h, "end", "end");
  char name[8], target[8];
  for (int i = 1; i <= 41; i++) {
    name[0] = 'h', name[1] = (char)('0' + i / 10), name[2] = (char)('0' + i % 10), name[3] = 0;
    if (i == 1) strcpy(target, "end");
    else target[0] = 'h', target[1] = (char)('0' + (i - 1) / 10), target[2] = (char)('0' + (i - 1) % 10), target[3] = 0;
    symlink_at(target, h, name);
  }
  expect("sandbox/hops-40-links-followed", op(h, FOLLOW, "h40"), E_SUCCESS);
  expect("sandbox/hops-41-links-eloop", op(h, FOLLOW, "h41"), E_LOOP);
  expect("sandbox/hops-41-links-filestat-eloop", stat_at(h, FOLLOW, "h41", &st), E_LOOP);
  return finish();
}
