/* stat(2) of files at the bottom of a deep directory chain. */
#include <sys/stat.h>
#include "common.h"

int main(int argc, char **argv) {
  const char *dir = argv[1];
  uint32_t nfiles = arg(argc, argv, 2), iterations = arg(argc, argv, 3);
  char path[512];
  unsigned long long total = 0;
  for (uint32_t i = 0; i < iterations; i++) {
    snprintf(path, sizeof path, "%s/file%03u", dir, i % nfiles);
    struct stat st;
    if (stat(path, &st) != 0) die("stat", path);
    if (!S_ISREG(st.st_mode)) die("not a regular file:", path);
    total += st.st_size;
  }
  printf("stat iterations=%u size_sum=%llu\n", iterations, total);
  return 0;
}
