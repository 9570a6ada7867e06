// Path strings: (pointer, length) UTF-8, NAME_MAX 255 bytes a component, PATH_MAX 4096 bytes,
// invalid UTF-8 is EILSEQ, an embedded NUL is EINVAL, non-ASCII names round-trip byte for byte.
#include "harness.h"

static char name[5000];
static u8 buf[4096];

static int openn(u32 dir, const char *p, u32 len, u32 oflags) {
  u32 fd;
  int e = w_path_open(dir, 0, P(p), len, oflags, R_FILE, 0, 0, P(&fd));
  if (e == 0) w_fd_close(fd);
  return e;
}

int main(void) {
  u32 s = scratch("path_names.cleanup");
  filestat_t st;

  // component length
  memset(name, 'a', 255);
  expect("path_open/name-255-bytes-creat", openn(s, name, 255, O_CREAT_), E_SUCCESS);
  expect_u64("path_filestat_get/name-255-bytes", w_path_filestat_get(s, 0, P(name), 255, P(&st)), st.filetype, FT_FILE);
  memset(name, 'b', 256);
  expect("path_open/enametoolong-256-byte-name", openn(s, name, 256, O_CREAT_), E_NAMETOOLONG);
  expect("path_create_directory/enametoolong-256-byte-name", w_path_create_directory(s, P(name), 256), E_NAMETOOLONG);
  expect("path_filestat_get/enametoolong-256-byte-name", w_path_filestat_get(s, 0, P(name), 256, P(&st)), E_NAMETOOLONG);
  expect("path_symlink/enametoolong-256-byte-new-name", w_path_symlink(P("x"), 1, s, P(name), 256), E_NAMETOOLONG);
  expect("path_rename/enametoolong-256-byte-new-name", w_path_rename(ROOT, P("path_names.cleanup/x"), 20, s, P(name), 256), E_NAMETOOLONG);
  // 256 bytes made of 128 two-byte characters: the limit counts bytes, not characters
  for (int i = 0; i < 128; i++) name[2 * i] = (char)0xc3, name[2 * i + 1] = (char)0xa9;
  expect("path_open/enametoolong-counts-bytes", openn(s, name, 256, O_CREAT_), E_NAMETOOLONG);
  // a long path of short components: over 4096 bytes is ENAMETOOLONG before anything is looked up
  for (int i = 0; i < 4200; i += 2) name[i] = 'd', name[i + 1] = '/';
  name[4199] = 'f';
  expect("path_open/enametoolong-path-over-4096", openn(s, name, 4200, 0), E_NAMETOOLONG);
  expect("path_filestat_get/enametoolong-path-over-4096", w_path_filestat_get(s, 0, P(name), 4200, P(&st)), E_NAMETOOLONG);
  expect("path_open/enoent-long-path-under-4096", openn(s, name, 4000, 0), E_NOENT);

  // invalid UTF-8
  expect("path_open/eilseq-lone-continuation-byte", openn(s, "\x80", 1, O_CREAT_), E_ILSEQ);
  expect("path_open/eilseq-byte-ff", openn(s, "a\xff" "b", 3, O_CREAT_), E_ILSEQ);
  expect("path_open/eilseq-overlong-slash", openn(s, "\xc0\xaf", 2, 0), E_ILSEQ);
  expect("path_open/eilseq-surrogate", openn(s, "\xed\xa0\x80", 3, O_CREAT_), E_ILSEQ);
  expect("path_open/eilseq-truncated-sequence", openn(s, "x\xe2\x82", 3, O_CREAT_), E_ILSEQ);
  expect("path_create_directory/eilseq", w_path_create_directory(s, P("\xff"), 1), E_ILSEQ);
  expect("path_filestat_get/eilseq", w_path_filestat_get(s, 0, P("\xff"), 1, P(&st)), E_ILSEQ);
  expect("path_unlink_file/eilseq", w_path_unlink_file(s, P("\xff"), 1), E_ILSEQ);
  expect("path_remove_directory/eilseq", w_path_remove_directory(s, P("\xff"), 1), E_ILSEQ);
  expect("path_rename/eilseq-new-path", w_path_rename(ROOT, P("path_names.cleanup"), 18, s, P("\xff"), 1), E_ILSEQ);
  expect("path_symlink/eilseq-new-path", w_path_symlink(P("x"), 1, s, P("\xff"), 1), E_ILSEQ);
  expect("path_symlink/eilseq-target", w_path_symlink(P("\xff"), 1, s, P("l"), 1), E_ILSEQ);
  expect("path_link/eilseq-new-path", w_path_link(ROOT, 0, P("file.txt"), 8, s, P("\xff"), 1), E_ILSEQ);
  expect("path_readlink/eilseq", w_path_readlink(s, P("\xff"), 1, P(buf), 8, P(&st)), E_ILSEQ);
  expect("path_filestat_set_times/eilseq", w_path_filestat_set_times(s, 0, P("\xff"), 1, 0, 0, MTIM_NOW), E_ILSEQ);
  u32 used = 0, entries = 0;
  w_fd_readdir(s, P(buf), sizeof buf, 2, P(&used));
  for (u32 at = 0; at + sizeof(dirent_t) <= used; entries++) at += sizeof(dirent_t) + ((dirent_t *)(buf + at))->namlen;
  expect_u64("path_open/eilseq-creates-nothing", 0, entries, 1);

  // an embedded NUL is no C-string terminator here: the path is invalid
  expect("path_open/einval-embedded-nul", openn(ROOT, "file.txt\0x", 10, 0), E_INVAL);
  expect("path_open/einval-trailing-nul", openn(ROOT, "file.txt\0", 9, 0), E_INVAL);
  expect("path_create_directory/einval-embedded-nul", w_path_create_directory(s, P("a\0b"), 3), E_INVAL);
  expect("path_filestat_get/einval-embedded-nul", w_path_filestat_get(ROOT, 0, P("file.txt\0"), 9, P(&st)), E_INVAL);

  // non-ASCII names round-trip
  const char *u = "\xc3\xbc\x6e\xc3\xaf\x63\xc3\xb6\x64\xc3\xa9-\xe2\x9c\x93-\xf0\x9f\x99\x82";
  expect("path_open/utf8-name-creat", openn(s, u, (u32)strlen(u), O_CREAT_), E_SUCCESS);
  w_fd_readdir(s, P(buf), sizeof buf, 0, P(&used));
  int found = 0;
  for (u32 at = 0; at + sizeof(dirent_t) <= used;) {
    dirent_t *d = (dirent_t *)(buf + at);
    if (d->namlen == strlen(u) && memcmp(buf + at + sizeof(dirent_t), u, d->namlen) == 0) found = 1;
    at += sizeof(dirent_t) + d->namlen;
  }
  check("fd_readdir/utf8-name-bytes-exact", found, "the UTF-8 name is not listed byte for byte");
  expect("path_symlink/utf8-target", w_path_symlink(P(u), (u32)strlen(u), s, P("lu"), 2), E_SUCCESS);
  expect_u64("path_readlink/utf8-target-bytes", readlink_at(s, "lu", (char *)buf, sizeof buf, &used), used, strlen(u));
  u32 fd;
  expect("path_open/utf8-through-link", w_path_open(s, FOLLOW, P("lu"), 2, 0, R_FD_READ, 0, 0, P(&fd)), E_SUCCESS);
  // names that only look special
  expect("path_open/name-with-spaces-and-dots", openn(s, " a b .. ", 8, O_CREAT_), E_SUCCESS);
  expect("path_open/name-three-dots", openn(s, "...", 3, O_CREAT_), E_SUCCESS);
  expect("path_open/name-starting-with-dash", openn(s, "-rf", 3, O_CREAT_), E_SUCCESS);
  expect("path_open/name-with-backslash-on-posix", openn(s, "a\\b", 3, O_CREAT_), E_SUCCESS);
  expect_u64("path_filestat_get/backslash-is-a-plain-byte", w_path_filestat_get(s, 0, P("a\\b"), 3, P(&st)), st.filetype, FT_FILE);
  return finish();
}
