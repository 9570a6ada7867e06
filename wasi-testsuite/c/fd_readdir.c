// fd_readdir: ".", "..", d_type, d_ino, cookies, buffers too small for an entry, EOF.
#include "harness.h"

static u8 buf[4096];

/* Finds `name` among the entries in buf[0..used); returns its header or 0. */
static dirent_t *find(u32 used, const char *name, u32 *count) {
  dirent_t *hit = 0;
  u32 at = 0, n = 0, len = (u32)strlen(name);
  while (at + sizeof(dirent_t) <= used) {
    dirent_t *d = (dirent_t *)(buf + at);
    if (at + sizeof(dirent_t) + d->namlen > used) break;
    n++;
    if (d->namlen == len && memcmp(buf + at + sizeof(dirent_t), name, len) == 0) hit = d;
    at += sizeof(dirent_t) + d->namlen;
  }
  if (count) *count = n;
  return hit;
}

int main(void) {
  u32 s = scratch("fd_readdir.cleanup"), used = 0, count = 0;
  filestat_t st;
  dirent_t *d;

  expect("fd_readdir/empty-directory", w_fd_readdir(s, P(buf), sizeof buf, 0, P(&used)), E_SUCCESS);
  find(used, "", &count);
  expect_u64("fd_readdir/empty-has-dot-and-dotdot", 0, count, 2);
  d = find(used, ".", 0);
  w_fd_filestat_get(s, P(&st));
  check("fd_readdir/dot-is-directory-with-own-ino", d && d->type == FT_DIR && d->ino == st.ino, "\".\" missing, not a directory, or wrong d_ino");
  d = find(used, "..", 0);
  stat_at(ROOT, 0, ".", &st);
  check("fd_readdir/dotdot-is-parent", d && d->type == FT_DIR && d->ino == st.ino, "\"..\" missing, not a directory, or not the root's ino");

  make_file(s, "file", "x");
  mkdir_at(s, "dir");
  symlink_at("file", s, "link");
  expect("fd_readdir/cookie-0-rereads", w_fd_readdir(s, P(buf), sizeof buf, 0, P(&used)), E_SUCCESS);
  find(used, "", &count);
  expect_u64("fd_readdir/sees-new-entries", 0, count, 5);
  stat_at(s, 0, "file", &st);
  d = find(used, "file", 0);
  check("fd_readdir/file-type-and-ino", d && d->type == FT_FILE && d->ino == st.ino, "file entry missing or wrong");
  d = find(used, "dir", 0);
  check("fd_readdir/dir-type", d && d->type == FT_DIR, "dir entry missing or not a directory");
  d = find(used, "link", 0);
  check("fd_readdir/symlink-type", d && d->type == FT_SYMLINK, "link entry missing or not a symlink");
  int seq = 1;
  u32 at = 0;
  for (u64 i = 1; at + sizeof(dirent_t) <= used; i++) {
    dirent_t *e = (dirent_t *)(buf + at);
    seq &= e->next == i;
    at += sizeof(dirent_t) + e->namlen;
  }
  check("fd_readdir/d_next-counts-entries", seq, "d_next is not 1, 2, 3...");
  // resuming at a cookie gives the rest, in the same order
  u8 all[4096];
  u32 all_used = used;
  memcpy(all, buf, used);
  dirent_t *first = (dirent_t *)all;
  u32 second_at = sizeof(dirent_t) + first->namlen;
  dirent_t *second = (dirent_t *)(all + second_at);
  expect("fd_readdir/resume-at-cookie", w_fd_readdir(s, P(buf), sizeof buf, second->next, P(&used)), E_SUCCESS);
  u32 rest = second_at + sizeof(dirent_t) + second->namlen;
  check("fd_readdir/resume-returns-the-rest", used == all_used - rest && memcmp(buf, all + rest, used) == 0, "entries after the cookie differ");
  expect_u64("fd_readdir/cookie-past-end-empty", w_fd_readdir(s, P(buf), sizeof buf, 1000, P(&used)), used, 0);
  expect_u64("fd_readdir/cookie-at-end-empty", w_fd_readdir(s, P(buf), sizeof buf, 5, P(&used)), used, 0);
  // a buffer that cannot hold everything is filled to the last byte
  expect_u64("fd_readdir/small-buffer-filled", w_fd_readdir(s, P(buf), 30, 0, P(&used)), used, 30);
  check("fd_readdir/small-buffer-starts-like-full", memcmp(buf, all, 30) == 0, "truncated listing differs from the full one");
  expect_u64("fd_readdir/buffer-smaller-than-header", w_fd_readdir(s, P(buf), 10, 0, P(&used)), used, 10);
  expect_u64("fd_readdir/zero-buffer", w_fd_readdir(s, P(buf), 0, 0, P(&used)), used, 0);
  // 100 entries through a 128-byte buffer: resuming from the last complete entry sees each once
  mkdir_at(s, "many");
  u32 m = open_dir(s, "many");
  char nm[8] = "f.00";
  for (int i = 0; i < 100; i++) nm[2] = (char)('0' + i / 10), nm[3] = (char)('0' + i % 10), make_file(m, nm, "");
  u64 cookie = 0;
  u32 total = 0, calls = 0;
  for (;;) {
    if (w_fd_readdir(m, P(buf), 128, cookie, P(&used)) != 0 || ++calls > 1000) break;
    u32 p = 0;
    while (p + sizeof(dirent_t) <= used) {
      dirent_t *e = (dirent_t *)(buf + p);
      if (p + sizeof(dirent_t) + e->namlen > used) break;
      total++, cookie = e->next, p += sizeof(dirent_t) + e->namlen;
    }
    if (used < 128) break;
  }
  expect_u64("fd_readdir/100-files-small-buffer-each-once", 0, total, 102);

  // errors
  u32 f = open_rw(s, "file", 0);
  expect("fd_readdir/enotdir-file", w_fd_readdir(f, P(buf), sizeof buf, 0, P(&used)), E_NOTDIR);
  expect("fd_readdir/ebadf", w_fd_readdir(999, P(buf), sizeof buf, 0, P(&used)), E_BADF);
  u32 nr;
  open_at(s, 0, ".", O_DIRECTORY_, R_PATH_OPEN, 0, 0, &nr);
  expect("fd_readdir/enotcapable", w_fd_readdir(nr, P(buf), sizeof buf, 0, P(&used)), E_NOTCAPABLE);
  expect("fd_readdir/efault-buffer", w_fd_readdir(s, BAD_PTR, 64, 0, P(&used)), E_FAULT);
  expect("fd_readdir/efault-buffer-straddles-end", w_fd_readdir(s, memory_end() - 16, 64, 0, P(&used)), E_FAULT);
  expect("fd_readdir/efault-bufused", w_fd_readdir(s, P(buf), sizeof buf, 0, BAD_PTR), E_FAULT);
  // the fixture root: committed symlinks are listed as links
  w_fd_readdir(ROOT, P(buf), sizeof buf, 0, P(&used));
  d = find(used, "out-rel", 0);
  check("fd_readdir/root-lists-links-as-links", d && d->type == FT_SYMLINK, "out-rel missing or not a symlink");
  check("fd_readdir/root-lists-file", find(used, "file.txt", 0) != 0, "file.txt missing");
  return finish();
}
