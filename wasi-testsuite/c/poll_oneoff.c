// poll_oneoff: clocks (relative, absolute, which one fires), fd readiness, and its errors.
#include "harness.h"

typedef struct {
  u64 userdata;
  u8 tag;
  u8 pad[7];
  union {
    struct { u32 id; u32 pad; u64 timeout, precision; u16 flags; u8 pad2[6]; } clock;
    struct { u32 fd; u8 pad[28]; } rw;
  } u;
} sub_t;
typedef struct { u64 userdata; u16 error; u8 type; u8 pad[5]; u64 nbytes; u16 flags; u8 pad2[6]; } event_t;
_Static_assert(sizeof(sub_t) == 48, "subscription");
_Static_assert(sizeof(event_t) == 32, "event");

static sub_t subs[4];
static event_t evs[4];

static void clock_sub(sub_t *s, u64 ud, u32 id, u64 timeout, u16 flags) {
  memset(s, 0, sizeof *s);
  s->userdata = ud, s->tag = 0, s->u.clock.id = id, s->u.clock.timeout = timeout, s->u.clock.flags = flags;
}
static void fd_sub(sub_t *s, u64 ud, u8 tag, u32 fd) {
  memset(s, 0, sizeof *s);
  s->userdata = ud, s->tag = tag, s->u.rw.fd = fd;
}
static u64 mono(void) {
  u64 t = 0;
  w_clock_time_get(1, 1, P(&t));
  return t;
}

int main(void) {
  u32 n = 0;
  u64 t0, t1;

  clock_sub(&subs[0], 0x1122334455667788ull, 1, 10000000ull, 0);
  t0 = mono();
  memset(evs, 0xff, sizeof evs);
  expect("poll_oneoff/relative-clock", w_poll_oneoff(P(subs), P(evs), 1, P(&n)), E_SUCCESS);
  t1 = mono();
  expect_u64("poll_oneoff/relative-clock-one-event", 0, n, 1);
  check("poll_oneoff/clock-event-fields", evs[0].userdata == 0x1122334455667788ull && evs[0].type == 0 && evs[0].error == 0, "userdata, type or error wrong");
  check("poll_oneoff/relative-clock-waits", t1 - t0 >= 10000000ull, "returned before 10 ms");
  clock_sub(&subs[0], 7, 1, mono() + 10000000ull, 1);
  t0 = mono();
  expect("poll_oneoff/absolute-clock", w_poll_oneoff(P(subs), P(evs), 1, P(&n)), E_SUCCESS);
  check("poll_oneoff/absolute-clock-waits-until", mono() >= subs[0].u.clock.timeout && n == 1 && evs[0].userdata == 7, "returned early or no event");
  clock_sub(&subs[0], 8, 1, 1, 1);
  t0 = mono();
  expect_u64("poll_oneoff/absolute-clock-in-past-fires-at-once", w_poll_oneoff(P(subs), P(evs), 1, P(&n)), n, 1);
  check("poll_oneoff/past-deadline-no-wait", mono() - t0 < 1000000000ull, "waited a second or more for a past deadline");
  clock_sub(&subs[0], 9, 0, 5000000ull, 0);
  expect_u64("poll_oneoff/realtime-relative-clock", w_poll_oneoff(P(subs), P(evs), 1, P(&n)), evs[0].userdata, 9);
  clock_sub(&subs[0], 1, 1, 2000000000ull, 0);
  clock_sub(&subs[1], 2, 1, 5000000ull, 0);
  t0 = mono();
  expect_u64("poll_oneoff/earliest-of-two-clocks", w_poll_oneoff(P(subs), P(evs), 2, P(&n)), evs[0].userdata, 2);
  check("poll_oneoff/only-the-due-clock-fires", n == 1 && mono() - t0 < 1500000000ull, "the 2 s clock fired too, or the poll waited for it");
  clock_sub(&subs[0], 3, 1, 0, 0);
  expect_u64("poll_oneoff/zero-timeout", w_poll_oneoff(P(subs), P(evs), 1, P(&n)), n, 1);

  // fd readiness: a regular file is always ready; the ready fd is reported, the clock is not
  u32 s = scratch("poll_oneoff.cleanup");
  make_file(s, "f", "0123456789");
  u32 f = open_rw(s, "f", 0);
  fd_sub(&subs[0], 11, 1, f);
  clock_sub(&subs[1], 12, 1, 2000000000ull, 0);
  t0 = mono();
  expect("poll_oneoff/fd-read-file", w_poll_oneoff(P(subs), P(evs), 2, P(&n)), E_SUCCESS);
  check("poll_oneoff/fd-read-file-ready-without-clock", n == 1 && evs[0].userdata == 11 && evs[0].type == 1 && evs[0].error == 0, "not exactly one FD_READ event");
  check("poll_oneoff/fd-read-file-no-wait", mono() - t0 < 1500000000ull, "waited for the clock");
  // As wasmtime answers for a file: nbytes 1 (not the bytes left), HANGUP only from its end on
  check("poll_oneoff/fd-read-file-nbytes-one", evs[0].nbytes == 1 && evs[0].flags == 0, "nbytes not 1, or flags set before the end");
  static u64 at_end;
  w_fd_seek(f, 0, 2, P(&at_end));
  fd_sub(&subs[0], 18, 1, f);
  expect("poll_oneoff/fd-read-file-at-end", w_poll_oneoff(P(subs), P(evs), 1, P(&n)), E_SUCCESS);
  check("poll_oneoff/fd-read-file-at-end-hangup", n == 1 && evs[0].nbytes == 1 && evs[0].flags == 1, "no HANGUP at the end of the file");
  w_fd_seek(f, 0, 0, P(&at_end));
  fd_sub(&subs[0], 13, 2, f);
  expect("poll_oneoff/fd-write-file", w_poll_oneoff(P(subs), P(evs), 1, P(&n)), E_SUCCESS);
  check("poll_oneoff/fd-write-file-ready", n == 1 && evs[0].userdata == 13 && evs[0].type == 2 && evs[0].error == 0, "not one FD_WRITE event");
  fd_sub(&subs[0], 14, 1, f);
  fd_sub(&subs[1], 15, 2, f);
  expect_u64("poll_oneoff/fd-read-and-write-both-ready", w_poll_oneoff(P(subs), P(evs), 2, P(&n)), n, 2);
  fd_sub(&subs[0], 16, 2, 1);
  expect("poll_oneoff/fd-write-stdout", w_poll_oneoff(P(subs), P(evs), 1, P(&n)), E_SUCCESS);
  check("poll_oneoff/fd-write-stdout-ready", n == 1 && evs[0].userdata == 16 && evs[0].error == 0, "stdout not ready");
  fd_sub(&subs[0], 17, 1, 0);
  expect("poll_oneoff/fd-read-stdin-at-eof", w_poll_oneoff(P(subs), P(evs), 1, P(&n)), E_SUCCESS);
  check("poll_oneoff/fd-read-stdin-ready", n == 1 && evs[0].userdata == 17 && evs[0].error == 0, "stdin at end of file not ready");

  // errors
  expect("poll_oneoff/einval-no-subscriptions", w_poll_oneoff(P(subs), P(evs), 0, P(&n)), E_INVAL);
  clock_sub(&subs[0], 1, 1, 0, 0);
  expect("poll_oneoff/efault-subscriptions", w_poll_oneoff(BAD_PTR, P(evs), 1, P(&n)), E_FAULT);
  expect("poll_oneoff/efault-subscriptions-straddle-end", w_poll_oneoff(memory_end() - 24, P(evs), 1, P(&n)), E_FAULT);
  expect("poll_oneoff/efault-events", w_poll_oneoff(P(subs), BAD_PTR, 1, P(&n)), E_FAULT);
  expect("poll_oneoff/efault-nevents", w_poll_oneoff(P(subs), P(evs), 1, BAD_PTR), E_FAULT);
  expect("poll_oneoff/efault-count-wraps", w_poll_oneoff(P(subs), P(evs), 0x10000000u, P(&n)), E_FAULT);
  return finish();
}
