// poll_oneoff: clock subscriptions really wait (without spinning), fd subscriptions report at once,
// event fields as the witx lays them out, both snapshots' subscription layouts.
import t from "tap";
import { Clockid, Errno, Eventtype } from "../../src/abi/constants.js";
import { direct } from "../helpers/harness.js";

type H = ReturnType<typeof direct>;

/** Writes a subscription by the witx layout: preview1 48 bytes, wasi_unstable 56 (clock has an identifier). */
function sub(h: H, at: number, unstable: boolean, s: { userdata: bigint; tag: number; clockId?: number; timeout?: bigint; precision?: bigint; flags?: number; fd?: number; identifier?: bigint }) {
  const v = h.view();
  const size = unstable ? 56 : 48;
  new Uint8Array(h.memory.buffer, at, size).fill(0);
  v.setBigUint64(at, s.userdata, true);
  v.setUint8(at + 8, s.tag);
  if (s.tag === Eventtype.CLOCK) {
    const c = unstable ? at + 24 : at + 16;
    if (unstable) v.setBigUint64(at + 16, s.identifier ?? 0n, true);
    v.setUint32(c, s.clockId ?? Clockid.MONOTONIC, true);
    v.setBigUint64(c + 8, s.timeout ?? 0n, true);
    v.setBigUint64(c + 16, s.precision ?? 0n, true);
    v.setUint16(c + 24, s.flags ?? 0, true);
  } else {
    v.setUint32(at + 16, s.fd ?? 0, true);
  }
}

/** Reads event i at `out` (32 bytes each): userdata u64 @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24. */
function ev(h: H, out: number, i: number) {
  const at = out + i * 32;
  return { userdata: h.u64(at), error: h.u16(at + 8), type: h.u8(at + 10), nbytes: h.u64(at + 16), flags: h.u16(at + 24) };
}

const IN = 1024;
const OUT = 4096;
const NEVENTS = 8000;

function timed(f: () => number) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const result = f();
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const c = process.cpuUsage(cpu);
  return { result, wallMs, cpuMs: (c.user + c.system) / 1000 };
}

t.test("a relative clock timeout waits about that long, without spinning", async (t) => {
  const h = direct();
  sub(h, IN, false, { userdata: 0x1122334455667788n, tag: Eventtype.CLOCK, clockId: Clockid.MONOTONIC, timeout: 50_000_000n });
  h.bytes().fill(0xff, OUT, OUT + 32);
  const r = timed(() => h.call("poll_oneoff", IN, OUT, 1, NEVENTS));
  t.equal(r.result, Errno.SUCCESS);
  t.ok(r.wallMs >= 45, `waited ≥ 45 ms for 50 ms (${r.wallMs.toFixed(1)} ms)`);
  t.ok(r.wallMs < 2000, "and less than 2 s");
  t.ok(r.cpuMs < r.wallMs / 2, `cpu ${r.cpuMs.toFixed(1)} ms well under half of wall ${r.wallMs.toFixed(1)} ms`);
  t.equal(h.u32(NEVENTS), 1, "one event");
  t.same(ev(h, OUT, 0), { userdata: 0x1122334455667788n, error: 0, type: Eventtype.CLOCK, nbytes: 0n, flags: 0 }, "event fields");
});

t.test("every clock id works as a relative timeout", async (t) => {
  const h = direct();
  for (const id of [Clockid.REALTIME, Clockid.MONOTONIC]) {
    sub(h, IN, false, { userdata: BigInt(id + 10), tag: Eventtype.CLOCK, clockId: id, timeout: 20_000_000n });
    const r = timed(() => h.call("poll_oneoff", IN, OUT, 1, NEVENTS));
    t.equal(r.result, Errno.SUCCESS);
    t.ok(r.wallMs >= 18, `clock ${id}: waited ${r.wallMs.toFixed(1)} ms for 20 ms`);
    t.same(ev(h, OUT, 0).userdata, BigInt(id + 10));
    t.equal(ev(h, OUT, 0).error, 0);
  }
});

t.test("an absolute timeout in the past fires at once; one in the future waits", async (t) => {
  const h = direct();
  for (const id of [Clockid.REALTIME, Clockid.MONOTONIC]) {
    // 1 s after the clock's origin: long past. Read as relative it would wait a whole second.
    sub(h, IN, false, { userdata: 7n, tag: Eventtype.CLOCK, clockId: id, timeout: 1_000_000_000n, flags: 1 });
    const r = timed(() => h.call("poll_oneoff", IN, OUT, 1, NEVENTS));
    t.equal(r.result, Errno.SUCCESS);
    t.ok(r.wallMs < 500, `clock ${id}, ABSTIME in the past: immediate (${r.wallMs.toFixed(1)} ms)`);
    t.equal(h.u32(NEVENTS), 1);
    t.same(ev(h, OUT, 0), { userdata: 7n, error: 0, type: Eventtype.CLOCK, nbytes: 0n, flags: 0 });
  }
  h.call("clock_time_get", Clockid.MONOTONIC, 0n, 0);
  const deadline = h.u64(0) + 30_000_000n;
  sub(h, IN, false, { userdata: 8n, tag: Eventtype.CLOCK, clockId: Clockid.MONOTONIC, timeout: deadline, flags: 1 });
  const r = timed(() => h.call("poll_oneoff", IN, OUT, 1, NEVENTS));
  t.ok(r.wallMs >= 25 && r.wallMs < 2000, `ABSTIME now+30 ms waited ${r.wallMs.toFixed(1)} ms`);
  h.call("clock_time_get", Clockid.MONOTONIC, 0n, 0);
  t.ok(h.u64(0) >= deadline, "returned no earlier than the deadline");
  t.equal(ev(h, OUT, 0).userdata, 8n);
});

t.test("two clocks: returns at the earlier, reporting only it", async (t) => {
  const h = direct();
  sub(h, IN, false, { userdata: 1n, tag: Eventtype.CLOCK, timeout: 5_000_000_000n });
  sub(h, IN + 48, false, { userdata: 2n, tag: Eventtype.CLOCK, timeout: 20_000_000n });
  const r = timed(() => h.call("poll_oneoff", IN, OUT, 2, NEVENTS));
  t.equal(r.result, Errno.SUCCESS);
  t.ok(r.wallMs >= 18 && r.wallMs < 2000, `returned after ${r.wallMs.toFixed(1)} ms`);
  t.equal(h.u32(NEVENTS), 1);
  t.equal(ev(h, OUT, 0).userdata, 2n);
});

t.test("an invalid clock id gives an event with error EINVAL, at once", async (t) => {
  const h = direct();
  for (const id of [4, 99, 0xffffffff]) {
    sub(h, IN, false, { userdata: 0xabcn, tag: Eventtype.CLOCK, clockId: id, timeout: 10_000_000_000n });
    const r = timed(() => h.call("poll_oneoff", IN, OUT, 1, NEVENTS));
    t.equal(r.result, Errno.SUCCESS, "the call itself succeeds");
    t.ok(r.wallMs < 1000, "no waiting for the 10 s timeout");
    t.equal(h.u32(NEVENTS), 1);
    t.same(ev(h, OUT, 0), { userdata: 0xabcn, error: Errno.INVAL, type: Eventtype.CLOCK, nbytes: 0n, flags: 0 }, `clock ${id}`);
  }
});

t.test("nsubscriptions 0 is EINVAL", async (t) => {
  const h = direct();
  h.setU32(NEVENTS, 0xdead);
  t.equal(h.call("poll_oneoff", IN, OUT, 0, NEVENTS), Errno.INVAL);
  t.equal(h.u32(NEVENTS), 0xdead, "nevents untouched");
});

t.test("fd subscriptions", async (t) => {
  const h = direct({ stdin: Buffer.from("12345"), stdout: () => {} });
  sub(h, IN, false, { userdata: 1n, tag: Eventtype.FD_READ, fd: 99 });
  sub(h, IN + 48, false, { userdata: 2n, tag: Eventtype.FD_WRITE, fd: 77 });
  t.equal(h.call("poll_oneoff", IN, OUT, 2, NEVENTS), Errno.SUCCESS);
  t.equal(h.u32(NEVENTS), 2);
  t.same(ev(h, OUT, 0), { userdata: 1n, error: Errno.BADF, type: Eventtype.FD_READ, nbytes: 0n, flags: 0 }, "fd_read on a bad fd → EBADF");
  t.same(ev(h, OUT, 1), { userdata: 2n, error: Errno.BADF, type: Eventtype.FD_WRITE, nbytes: 0n, flags: 0 }, "fd_write on a bad fd → EBADF");

  // stdin with 5 bytes buffered, stdout writable, and a long clock that must not delay them.
  sub(h, IN, false, { userdata: 10n, tag: Eventtype.FD_READ, fd: 0 });
  sub(h, IN + 48, false, { userdata: 11n, tag: Eventtype.FD_WRITE, fd: 1 });
  sub(h, IN + 96, false, { userdata: 12n, tag: Eventtype.CLOCK, timeout: 10_000_000_000n });
  const r = timed(() => h.call("poll_oneoff", IN, OUT, 3, NEVENTS));
  t.equal(r.result, Errno.SUCCESS);
  t.ok(r.wallMs < 1000, "ready fds mean no wait for the 10 s clock");
  t.equal(h.u32(NEVENTS), 2, "the clock has not fired");
  const events = [ev(h, OUT, 0), ev(h, OUT, 1)].sort((a, b) => Number(a.userdata - b.userdata));
  t.same(events[0], { userdata: 10n, error: 0, type: Eventtype.FD_READ, nbytes: 5n, flags: 0 }, "stdin readable, 5 bytes");
  t.match(events[1], { userdata: 11n, error: 0, type: Eventtype.FD_WRITE }, "stdout writable");
});

t.test("bad pointers", async (t) => {
  const h = direct();
  const L = h.byteLength;
  sub(h, IN, false, { userdata: 1n, tag: Eventtype.CLOCK, timeout: 0n });
  t.equal(h.call("poll_oneoff", IN, OUT, 1, L - 3), Errno.FAULT, "nevents out of bounds");
  t.equal(h.call("poll_oneoff", IN, L - 31, 1, NEVENTS), Errno.FAULT, "events out of bounds");
  t.equal(h.call("poll_oneoff", L - 47, OUT, 1, NEVENTS), Errno.FAULT, "subscriptions out of bounds");
  t.equal(h.call("poll_oneoff", IN, OUT, 0x7fffffff, NEVENTS), Errno.FAULT, "huge nsubscriptions");
  t.equal(h.call("poll_oneoff", IN, L - 32, 1, NEVENTS), Errno.SUCCESS, "event exactly at the end");
});

t.test("wasi_unstable: 56-byte subscriptions with the clock identifier", async (t) => {
  const h = direct({ unstable: true, stdout: () => {} });
  // A relative 30 ms clock at the snapshot-0 offsets (id @24, timeout @32, precision @40, flags @48),
  // with the identifier @16 all ones and precision 1: read with preview1's offsets, the timeout
  // would be 1 ns and the flags ABSTIME, so the call would return at once.
  sub(h, IN, true, {
    userdata: 0x55n, tag: Eventtype.CLOCK, clockId: Clockid.MONOTONIC, timeout: 30_000_000n, precision: 1n, identifier: 0xffffffffffffffffn,
  });
  let r = timed(() => h.call("poll_oneoff", IN, OUT, 1, NEVENTS));
  t.equal(r.result, Errno.SUCCESS);
  t.ok(r.wallMs >= 25 && r.wallMs < 2000, `waited ${r.wallMs.toFixed(1)} ms for 30 ms`);
  t.same(ev(h, OUT, 0), { userdata: 0x55n, error: 0, type: Eventtype.CLOCK, nbytes: 0n, flags: 0 });

  // A 5 s clock, then at +56 an fd_write on a bad fd, which reports at once.
  sub(h, IN, true, { userdata: 0x55n, tag: Eventtype.CLOCK, clockId: Clockid.MONOTONIC, timeout: 5_000_000_000n });
  sub(h, IN + 56, true, { userdata: 0x66n, tag: Eventtype.FD_WRITE, fd: 42 });
  r = timed(() => h.call("poll_oneoff", IN, OUT, 2, NEVENTS));
  t.equal(r.result, Errno.SUCCESS);
  t.ok(r.wallMs < 1000, "the fd event ends the wait");
  t.equal(h.u32(NEVENTS), 1);
  t.same(ev(h, OUT, 0), { userdata: 0x66n, error: Errno.BADF, type: Eventtype.FD_WRITE, nbytes: 0n, flags: 0 }, "second subscription read at +56");

  // ABSTIME at @48 is honoured: 1 s after the origin is long past (relative, it would wait 1 s).
  sub(h, IN, true, { userdata: 0x77n, tag: Eventtype.CLOCK, clockId: Clockid.MONOTONIC, timeout: 1_000_000_000n, flags: 1 });
  r = timed(() => h.call("poll_oneoff", IN, OUT, 1, NEVENTS));
  t.ok(r.wallMs < 500, "ABSTIME at the snapshot-0 offset fires at once");
  t.equal(ev(h, OUT, 0).userdata, 0x77n);
  t.equal(h.call("poll_oneoff", 65536 - 55, OUT, 1, NEVENTS), Errno.FAULT, "56 bytes must fit");
  t.equal(h.call("poll_oneoff", 65536 - 56, OUT, 1, NEVENTS), Errno.SUCCESS, "exactly 56 bytes at the end");
});
