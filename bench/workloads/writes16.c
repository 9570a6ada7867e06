/* Many small writes: COUNT writes of one 16-byte record each, straight through write(2). */
#include <fcntl.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv) {
  const char *path = argv[1];
  uint32_t count = arg(argc, argv, 2);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) die("open", path);
  sum_t s = {0, 0};
  for (uint32_t i = 0; i < count; i++) {
    uint32_t rec[4] = {i, i * 2654435761u, ~i, i ^ 0xA5A5A5A5u};
    if (write(fd, rec, 16) != 16) die("write", path);
    sum_words(&s, rec, 16);
  }
  if (close(fd) != 0) die("close", path);
  printf("writes16 count=%u sum=%08x%08x\n", count, s.s1, s.s2);
  return 0;
}
