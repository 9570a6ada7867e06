// clock_res_get, clock_time_get, random_get, sched_yield.
#include "harness.h"

static u8 big[4096];

int main(void) {
  u64 res = 0, t1 = 0, t2 = 0, rt = 0;
  expect("clock_res_get/realtime", w_clock_res_get(0, P(&res)), E_SUCCESS);
  check("clock_res_get/realtime-nonzero", res > 0 && res <= 1000000000ull, "resolution not in (0, 1 s]");
  res = 0;
  expect("clock_res_get/monotonic", w_clock_res_get(1, P(&res)), E_SUCCESS);
  check("clock_res_get/monotonic-nonzero", res > 0 && res <= 1000000000ull, "resolution not in (0, 1 s]");
  expect("clock_res_get/einval-unknown-clock", w_clock_res_get(4, P(&res)), E_INVAL);
  expect("clock_res_get/einval-huge-clock-id", w_clock_res_get(0xffffffffu, P(&res)), E_INVAL);
  expect("clock_res_get/efault", w_clock_res_get(1, BAD_PTR), E_FAULT);
  expect("clock_res_get/efault-straddles-end", w_clock_res_get(1, memory_end() - 4), E_FAULT);

  expect("clock_time_get/realtime", w_clock_time_get(0, 1, P(&rt)), E_SUCCESS);
  // 2020-01-01T00:00:00Z in ns: the clock is the wall clock, in nanoseconds.
  check("clock_time_get/realtime-is-wall-clock-ns", rt > 1577836800000000000ull, "realtime before 2020 (not ns since the epoch?)");
  expect("clock_time_get/monotonic", w_clock_time_get(1, 0, P(&t1)), E_SUCCESS);
  w_sched_yield();
  expect("clock_time_get/monotonic-max-precision", w_clock_time_get(1, ~0ull, P(&t2)), E_SUCCESS);
  check("clock_time_get/monotonic-never-goes-back", t2 >= t1, "second reading smaller than the first");
  expect("clock_time_get/einval-unknown-clock", w_clock_time_get(4, 1, P(&t1)), E_INVAL);
  expect("clock_time_get/efault", w_clock_time_get(0, 1, BAD_PTR), E_FAULT);
  expect("clock_time_get/efault-straddles-end", w_clock_time_get(1, 1, memory_end() - 7), E_FAULT);

  // A relative poll of 20 ms must take at least 20 ms of the monotonic clock.
  struct { u64 userdata; u8 tag; u8 pad[7]; u32 id; u32 pad2; u64 timeout, precision; u16 flags; u8 pad3[6]; } sub = {0};
  struct { u64 userdata; u16 error; u8 type; u8 pad[5]; u64 nbytes; u16 flags; u8 pad2[6]; } ev;
  u32 nev = 0;
  sub.tag = 0, sub.id = 1, sub.timeout = 20000000ull;
  w_clock_time_get(1, 1, P(&t1));
  w_poll_oneoff(P(&sub), P(&ev), 1, P(&nev));
  w_clock_time_get(1, 1, P(&t2));
  check("clock_time_get/monotonic-measures-a-20ms-sleep", t2 - t1 >= 20000000ull, "less than 20 ms passed");

  expect("random_get/zero-length", w_random_get(P(big), 0), E_SUCCESS);
  expect("random_get/zero-length-at-memory-end", w_random_get(memory_end(), 0), E_SUCCESS);
  memset(big, 0, sizeof big);
  expect("random_get/4096-bytes", w_random_get(P(big), sizeof big), E_SUCCESS);
  u32 zeros = 0;
  for (u32 i = 0; i < sizeof big; i++) zeros += big[i] == 0;
  check("random_get/bytes-look-random", zeros < 100, "too many zero bytes");
  u8 a[16] = {0}, b[16] = {0};
  w_random_get(P(a), 16);
  w_random_get(P(b), 16);
  check("random_get/two-calls-differ", memcmp(a, b, 16) != 0, "two 16-byte draws are equal");
  memset(big, 0, 8);
  expect("random_get/one-byte-fills-one-byte", w_random_get(P(big) + 1, 1), E_SUCCESS);
  check("random_get/leaves-neighbours-alone", big[0] == 0 && big[2] == 0, "bytes around the 1-byte buffer changed");
  expect("random_get/efault", w_random_get(BAD_PTR, 4), E_FAULT);
  expect("random_get/efault-straddles-end", w_random_get(memory_end() - 8, 16), E_FAULT);
  expect("random_get/efault-length-wraps", w_random_get(P(big), 0xfffffff0u), E_FAULT);

  expect("sched_yield/success", w_sched_yield(), E_SUCCESS);
  return finish();
}
