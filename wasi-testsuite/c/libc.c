// The same host through wasi-libc, as real programs use it: preopen discovery, relative paths
// resolved against "/", stdio streams, dirent, stat, and errno values.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "harness.h"

int main(void) {
  char buf[64] = {0};
  FILE *fp = fopen("file.txt", "r");
  check("libc/fopen-relative-to-root", fp != 0, "fopen(\"file.txt\") failed");
  size_t got = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
  check("libc/fread", got == 10 && strcmp(buf, "0123456789") == 0, "file.txt does not read 0123456789");
  if (fp) fclose(fp);
  check("libc/fopen-absolute-path-via-preopen", (fp = fopen("/dir/nested.txt", "r")) != 0, "fopen(\"/dir/nested.txt\") failed");
  if (fp) fclose(fp);
  errno = 0;
  check("libc/fopen-missing-enoent", fopen("missing", "r") == 0 && errno == ENOENT, "not ENOENT");
  check("libc/mkdir", mkdir("libc.cleanup", 0755) == 0, "mkdir failed");
  errno = 0;
  check("libc/mkdir-eexist", mkdir("libc.cleanup", 0755) == -1 && errno == EEXIST, "not EEXIST");
  fp = fopen("libc.cleanup/out.txt", "w");
  check("libc/fopen-write", fp && fputs("written by libc\n", fp) >= 0 && fclose(fp) == 0, "could not write a file");
  struct stat sb;
  check("libc/stat-size", stat("libc.cleanup/out.txt", &sb) == 0 && sb.st_size == 16 && S_ISREG(sb.st_mode), "stat size/type wrong");
  check("libc/lstat-symlink", lstat("link-file", &sb) == 0 && S_ISLNK(sb.st_mode), "link-file is not a symlink to lstat");
  check("libc/stat-follows-symlink", stat("link-file", &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size == 10, "stat did not follow link-file");
  errno = 0;
  check("libc/stat-escape-enotcapable", stat("out-rel", &sb) == -1 && errno == ENOTCAPABLE, "not ENOTCAPABLE");
  errno = 0;
  check("libc/open-dotdot-escape", open("../outside.txt", O_RDONLY) == -1 && errno == ENOTCAPABLE, "escape not refused with ENOTCAPABLE");
  check("libc/symlink-readlink", symlink("out.txt", "libc.cleanup/l") == 0 && readlink("libc.cleanup/l", buf, sizeof buf) == 7, "symlink/readlink failed");
  check("libc/rename", rename("libc.cleanup/out.txt", "libc.cleanup/moved.txt") == 0 && access("libc.cleanup/moved.txt", F_OK) == 0, "rename failed");
  int fd = open("libc.cleanup/moved.txt", O_RDONLY);
  check("libc/lseek-end", fd >= 0 && lseek(fd, 0, SEEK_END) == 16 && lseek(fd, -4, SEEK_CUR) == 12, "lseek results wrong");
  check("libc/read-after-lseek", read(fd, buf, 4) == 4 && memcmp(buf, "ibc\n", 4) == 0, "read after lseek wrong");
  close(fd);
  DIR *d = opendir("dir");
  int seen = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, "nested.txt") == 0 && e->d_type == DT_REG) seen = 1;
  check("libc/opendir-readdir", d && seen, "dir/nested.txt not listed as a regular file");
  if (d) closedir(d);
  errno = 0;
  check("libc/rmdir-enotempty", rmdir("libc.cleanup") == -1 && errno == ENOTEMPTY, "not ENOTEMPTY");
  check("libc/unlink", unlink("libc.cleanup/moved.txt") == 0 && unlink("libc.cleanup/l") == 0, "unlink failed");
  check("libc/rmdir", rmdir("libc.cleanup") == 0, "rmdir failed");
  errno = 0;
  check("libc/isatty-file-0", (fd = open("file.txt", O_RDONLY)) >= 0 && isatty(fd) == 0, "a file looks like a tty");
  return finish();
}
