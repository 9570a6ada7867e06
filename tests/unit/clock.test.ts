// clock_res_get / clock_time_get: the four clock ids of the witx, EINVAL for any other.
import t from "tap";
import { Clockid, Errno } from "../../src/abi/constants.js";
import { direct } from "../helpers/harness.js";

const IDS = [Clockid.REALTIME, Clockid.MONOTONIC, Clockid.PROCESS_CPUTIME_ID, Clockid.THREAD_CPUTIME_ID];
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

t.test("all four clocks answer, with a sane resolution", async (t) => {
  for (const unstable of [false, true]) {
    const h = direct({ unstable });
    for (const id of IDS) {
      h.setU64(0, 0n);
      t.equal(h.call("clock_res_get", id, 0), Errno.SUCCESS, `clock_res_get(${id})`);
      const res = h.u64(0);
      t.ok(res >= 1n && res <= 1_000_000n, `resolution of clock ${id} is between 1 ns and 1 ms (${res})`);
      t.equal(h.call("clock_time_get", id, 0n, 8), Errno.SUCCESS, `clock_time_get(${id})`);
      t.ok(h.u64(8) > 0n, `clock ${id} reads non-zero`);
      t.equal(h.call("clock_time_get", id, -1n, 8), Errno.SUCCESS, `clock ${id}, precision 2^64-1`);
    }
  }
});

t.test("an unknown clock id is EINVAL for both calls, and nothing is written", async (t) => {
  const h = direct();
  for (const id of [4, 5, 16, 255, 0x10000, 0x7fffffff, -1]) {
    h.setU64(0, 0xdeadbeefn);
    t.equal(h.call("clock_res_get", id, 0), Errno.INVAL, `clock_res_get(${id >>> 0})`);
    t.equal(h.call("clock_time_get", id, 0n, 0), Errno.INVAL, `clock_time_get(${id >>> 0})`);
    t.equal(h.u64(0), 0xdeadbeefn, "output untouched");
  }
});

t.test("monotonic never goes back, and moves with real time", async (t) => {
  const h = direct();
  let last = 0n;
  let backwards = 0;
  for (let i = 0; i < 5000; i++) {
    h.call("clock_time_get", Clockid.MONOTONIC, 0n, 0);
    const now = h.u64(0);
    if (now < last) backwards++;
    last = now;
  }
  t.equal(backwards, 0, "5000 readings, none went backwards");
  h.call("clock_time_get", Clockid.MONOTONIC, 0n, 0);
  const before = h.u64(0);
  const hostBefore = process.hrtime.bigint();
  sleep(30);
  h.call("clock_time_get", Clockid.MONOTONIC, 0n, 0);
  const elapsed = h.u64(0) - before;
  const hostElapsed = process.hrtime.bigint() - hostBefore;
  t.ok(elapsed >= 29_000_000n, `≥ 29 ms passed across a 30 ms sleep (${elapsed} ns)`);
  t.ok(elapsed <= hostElapsed + 5_000_000n, "no more than the host saw");
});

t.test("realtime is within a second of Date.now()", async (t) => {
  const h = direct();
  for (let i = 0; i < 5; i++) {
    t.equal(h.call("clock_time_get", Clockid.REALTIME, 0n, 0), Errno.SUCCESS);
    const hostNs = BigInt(Date.now()) * 1_000_000n;
    const diff = h.u64(0) - hostNs;
    t.ok(diff < 1_000_000_000n && diff > -1_000_000_000n, `realtime - Date.now() = ${diff} ns`);
    sleep(3);
  }
});

t.test("the cpu-time clocks count the process's cpu time", async (t) => {
  const h = direct();
  for (const id of [Clockid.PROCESS_CPUTIME_ID, Clockid.THREAD_CPUTIME_ID]) {
    h.call("clock_time_get", id, 0n, 0);
    const before = h.u64(0);
    const host = process.cpuUsage();
    // Spin until the host says 30 ms of cpu were used (wall time varies with the machine's load).
    let x = 0;
    for (let spent = 0; spent < 30_000; ) {
      for (let i = 0; i < 10_000; i++) x += Math.sqrt(x + i);
      const u = process.cpuUsage(host);
      spent = u.user + u.system;
    }
    t.ok(x > 0);
    h.call("clock_time_get", id, 0n, 0);
    const used = h.u64(0) - before;
    const hostUsed = process.cpuUsage(host);
    const hostNs = BigInt(hostUsed.user + hostUsed.system) * 1000n;
    t.ok(used >= 29_000_000n, `clock ${id}: ≥ 29 ms after 30 ms of cpu (${used} ns)`);
    t.ok(used <= hostNs + 10_000_000n, `clock ${id}: not more than process.cpuUsage says`);
  }
});
