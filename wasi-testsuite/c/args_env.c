// args_sizes_get, args_get, environ_sizes_get, environ_get: exactly what the spec passes, nothing
// inherited, NUL-terminated strings, pointer arrays, and EFAULT for out-of-bounds pointers.
#include "harness.h"

static const char *want_args[] = {"a", "b c", "\xc3\xbcn\xc3\xaf", "", "x=y"};
static const char *want_env[] = {"A=1", "EMPTY=", "QUOTE=say \"hi\"", "UTF=\xc3\xbcn\xc3\xaf", "EQ=x=y"};
#define N(a) (sizeof a / sizeof a[0])

static u32 ptrs[32];
static char buf[4096];

static int has(char **list, u32 n, const char *s) {
  for (u32 i = 0; i < n; i++)
    if (strcmp(list[i], s) == 0) return 1;
  return 0;
}

int main(void) {
  u32 argc = 0, argsize = 0;
  expect("args_sizes_get/success", w_args_sizes_get(P(&argc), P(&argsize)), E_SUCCESS);
  expect_u64("args_sizes_get/argc-counts-argv0", 0, argc, 1 + N(want_args));
  memset(buf, 0x7f, sizeof buf);
  expect("args_get/success", w_args_get(P(ptrs), P(buf)), E_SUCCESS);
  char **argv = (char **)ptrs;
  int same = argc == 1 + N(want_args);
  for (u32 i = 0; same && i < N(want_args); i++) same = strcmp(argv[i + 1], want_args[i]) == 0;
  check("args_get/values-in-order", same, "argv[1..] differ from the spec's args");
  check("args_get/empty-argument-kept", argc > 4 && argv[4][0] == 0, "argv[4] is not empty");
  check("args_get/utf8-argument", argc > 3 && strcmp(argv[3], "\xc3\xbcn\xc3\xaf") == 0, "argv[3] is not u-umlaut n i-umlaut");
  u32 total = 0;
  for (u32 i = 0; i < argc; i++) total += (u32)strlen(argv[i]) + 1;
  expect_u64("args_sizes_get/size-counts-nuls", 0, argsize, total);
  check("args_get/pointers-into-buffer", argc > 0 && ptrs[0] == P(buf), "argv[0] does not start the buffer");
  check("args_get/strings-contiguous", argc > 1 && ptrs[1] == ptrs[0] + strlen(argv[0]) + 1, "argv[1] does not follow argv[0]'s NUL");
  check("args_get/writes-no-more-than-size", (u8)buf[argsize] == 0x7f, "byte after the last string changed");
  expect("args_sizes_get/efault-argc", w_args_sizes_get(BAD_PTR, P(&argsize)), E_FAULT);
  expect("args_sizes_get/efault-size", w_args_sizes_get(P(&argc), BAD_PTR), E_FAULT);
  expect("args_sizes_get/efault-straddles-end", w_args_sizes_get(memory_end() - 2, P(&argsize)), E_FAULT);
  expect("args_get/efault-argv", w_args_get(BAD_PTR, P(buf)), E_FAULT);
  expect("args_get/efault-buf", w_args_get(P(ptrs), BAD_PTR), E_FAULT);
  expect("args_get/efault-buf-straddles-end", w_args_get(P(ptrs), memory_end() - 4), E_FAULT);

  u32 envc = 0, envsize = 0;
  expect("environ_sizes_get/success", w_environ_sizes_get(P(&envc), P(&envsize)), E_SUCCESS);
  expect_u64("environ_sizes_get/count-exactly-spec-env", 0, envc, N(want_env));
  memset(buf, 0x7f, sizeof buf);
  expect("environ_get/success", w_environ_get(P(ptrs), P(buf)), E_SUCCESS);
  char **env = (char **)ptrs;
  int all = envc == N(want_env);
  for (u32 i = 0; all && i < N(want_env); i++) all = has(env, envc, want_env[i]);
  check("environ_get/every-variable-as-name=value", all, "a spec variable is missing or altered");
  check("environ_get/empty-value", has(env, envc, "EMPTY="), "EMPTY= missing");
  check("environ_get/value-with-equals", has(env, envc, "EQ=x=y"), "EQ=x=y missing");
  check("environ_get/value-with-quotes", has(env, envc, "QUOTE=say \"hi\""), "QUOTE missing");
  check("environ_get/utf8-value", has(env, envc, "UTF=\xc3\xbcn\xc3\xaf"), "UTF missing");
  total = 0;
  for (u32 i = 0; i < envc; i++) total += (u32)strlen(env[i]) + 1;
  expect_u64("environ_sizes_get/size-counts-nuls", 0, envsize, total);
  check("environ_get/writes-no-more-than-size", (u8)buf[envsize] == 0x7f, "byte after the last string changed");
  expect("environ_sizes_get/efault-count", w_environ_sizes_get(BAD_PTR, P(&envsize)), E_FAULT);
  expect("environ_sizes_get/efault-size", w_environ_sizes_get(P(&envc), BAD_PTR), E_FAULT);
  expect("environ_get/efault-environ", w_environ_get(BAD_PTR, P(buf)), E_FAULT);
  expect("environ_get/efault-buf", w_environ_get(P(ptrs), BAD_PTR), E_FAULT);
  return finish();
}
