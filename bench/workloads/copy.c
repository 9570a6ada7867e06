/* Copy: read(2) CHUNK bytes from SRC, write(2) them to DST, until the end. */
#include <fcntl.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv) {
  const char *src = argv[1], *dst = argv[2];
  size_t chunk = arg(argc, argv, 3);
  unsigned char *buf = malloc(chunk);
  int in = open(src, O_RDONLY);
  if (in < 0) die("open", src);
  int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) die("open", dst);
  sum_t s = {0, 0};
  unsigned long long total = 0;
  for (;;) {
    ssize_t n = read(in, buf, chunk);
    if (n < 0) die("read", src);
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(out, buf + done, n - done);
      if (w <= 0) die("write", dst);
      done += w;
    }
    sum_words(&s, buf, n);
    total += n;
  }
  close(in);
  if (close(out) != 0) die("close", dst);
  printf("copy bytes=%llu sum=%08x%08x\n", total, s.s1, s.s2);
  return 0;
}
