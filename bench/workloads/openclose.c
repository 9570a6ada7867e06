/* open + fstat + close of NFILES files in turn, ITERATIONS times in all. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv) {
  const char *dir = argv[1];
  uint32_t nfiles = arg(argc, argv, 2), iterations = arg(argc, argv, 3);
  char path[512];
  unsigned long long total = 0;
  for (uint32_t i = 0; i < iterations; i++) {
    snprintf(path, sizeof path, "%s/f%04u", dir, i % nfiles);
    int fd = open(path, O_RDONLY);
    if (fd < 0) die("open", path);
    struct stat st;
    if (fstat(fd, &st) != 0) die("fstat", path);
    if (!S_ISREG(st.st_mode)) die("not a regular file:", path);
    total += st.st_size;
    if (close(fd) != 0) die("close", path);
  }
  printf("openclose iterations=%u size_sum=%llu\n", iterations, total);
  return 0;
}
