/* List a large directory with opendir/readdir (wasi-libc: fd_readdir into a 4 KiB buffer), REPS times. */
#include <dirent.h>
#include "common.h"

int main(int argc, char **argv) {
  const char *dir = argv[1];
  uint32_t reps = arg(argc, argv, 2);
  uint32_t count = 0, files = 0, hash = 0;
  for (uint32_t r = 0; r < reps; r++) {
    DIR *d = opendir(dir);
    if (!d) die("opendir", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
      count++;
      if (e->d_type == DT_REG) files++;
      hash += fnv1a(e->d_name); /* order-independent: listing order is the host's */
    }
    closedir(d);
  }
  printf("readdir entries=%u files=%u names=%08x\n", count, files, hash);
  return 0;
}
