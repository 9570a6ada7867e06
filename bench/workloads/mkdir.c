/* mkdir + rmdir of a fresh name, ITERATIONS times. */
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv) {
  const char *dir = argv[1];
  uint32_t iterations = arg(argc, argv, 2);
  char path[512];
  uint32_t ok = 0;
  for (uint32_t i = 0; i < iterations; i++) {
    snprintf(path, sizeof path, "%s/d%u", dir, i);
    if (mkdir(path, 0755) != 0) die("mkdir", path);
    if (rmdir(path) != 0) die("rmdir", path);
    ok++;
  }
  printf("mkdir pairs=%u\n", ok);
  return 0;
}
