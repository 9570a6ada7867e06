/* Walk a directory tree the way find/du do: list each directory (opendir/readdir), stat every entry
 * relative to the open directory (fstatat, as fts does), and look, by full path, for a .gitignore
 * and a package.json in each directory, as ignore-aware walkers do; most of those do not exist. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "common.h"

static unsigned long dirs, files, found;
static unsigned long long bytes;
static uint32_t names;

static void probe(const char *dir, const char *name) {
  char path[1024];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (stat(path, &st) == 0) found++;
}

static void walk(const char *dir) {
  probe(dir, ".gitignore");
  probe(dir, "package.json");
  DIR *d = opendir(dir);
  if (!d) die("opendir", dir);
  char **subdirs = NULL;
  size_t nsub = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) die("fstatat", e->d_name);
    names += fnv1a(e->d_name);
    if (S_ISDIR(st.st_mode)) {
      dirs++;
      if (nsub == cap) {
        cap = cap ? 2 * cap : 16;
        subdirs = realloc(subdirs, cap * sizeof *subdirs);
        if (!subdirs) die("realloc", dir);
      }
      subdirs[nsub++] = strdup(e->d_name);
    } else if (S_ISREG(st.st_mode)) {
      files++;
      bytes += st.st_size;
    }
  }
  closedir(d);
  for (size_t i = 0; i < nsub; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, subdirs[i]);
    walk(path);
    free(subdirs[i]);
  }
  free(subdirs);
}

int main(int argc, char **argv) {
  if (argc < 2) die("usage:", "treewalk DIR");
  walk(argv[1]);
  printf("treewalk dirs=%lu files=%lu bytes=%llu names=%08x found=%lu\n", dirs, files, bytes, names, found);
  return 0;
}
