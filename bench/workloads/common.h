/* Shared by the bench workloads: a position-sensitive checksum over little-endian u32 words
 * (s1 = sum of words, s2 = sum of the running s1, both mod 2^32), the same one bench/run.mjs
 * computes on the host from the fixtures. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { uint32_t s1, s2; } sum_t;

static inline void sum_words(sum_t *s, const void *data, size_t bytes) {
  const unsigned char *p = data;
  uint32_t s1 = s->s1, s2 = s->s2;
  for (size_t i = 0; i + 4 <= bytes; i += 4) {
    uint32_t w;
    memcpy(&w, p + i, 4);
    s1 += w;
    s2 += s1;
  }
  s->s1 = s1;
  s->s2 = s2;
}

static inline uint32_t fnv1a(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static inline void die(const char *what, const char *path) {
  fprintf(stderr, "%s %s failed\n", what, path);
  exit(1);
}

static inline unsigned long arg(int argc, char **argv, int i) {
  if (i >= argc) {
    fprintf(stderr, "missing argument %d\n", i);
    exit(2);
  }
  return strtoul(argv[i], NULL, 10);
}
