/* COUNT preads of 512 bytes at random 512-aligned offsets (an LCG from SEED). */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv) {
  const char *path = argv[1];
  uint32_t count = arg(argc, argv, 2), x = arg(argc, argv, 3);
  int fd = open(path, O_RDONLY);
  if (fd < 0) die("open", path);
  struct stat st;
  if (fstat(fd, &st) != 0) die("fstat", path);
  uint32_t blocks = st.st_size / 512;
  unsigned char buf[512];
  sum_t s = {0, 0};
  for (uint32_t i = 0; i < count; i++) {
    x = x * 1664525u + 1013904223u;
    off_t at = (off_t)((x >> 8) % blocks) * 512;
    if (pread(fd, buf, 512, at) != 512) die("pread", path);
    sum_words(&s, buf, 512);
  }
  close(fd);
  printf("pread count=%u sum=%08x%08x\n", count, s.s1, s.s2);
  return 0;
}
