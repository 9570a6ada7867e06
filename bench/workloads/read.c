/* Bulk read: the whole file through read(2) in CHUNK-byte reads, PASSES times (open to close). */
#include <fcntl.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv) {
  const char *path = argv[1];
  size_t chunk = arg(argc, argv, 2);
  uint32_t passes = arg(argc, argv, 3);
  unsigned char *buf = malloc(chunk);
  sum_t s = {0, 0};
  unsigned long long total = 0;
  for (uint32_t p = 0; p < passes; p++) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) die("open", path);
    for (;;) {
      ssize_t n = read(fd, buf, chunk);
      if (n < 0) die("read", path);
      if (n == 0) break;
      if (n % 4 != 0) die("short read (not a word multiple)", path);
      sum_words(&s, buf, n);
      total += n;
    }
    close(fd);
  }
  printf("read bytes=%llu sum=%08x%08x\n", total, s.s1, s.s2);
  return 0;
}
