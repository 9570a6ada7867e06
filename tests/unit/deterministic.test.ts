// Deterministic runs: a virtual clock advanced by the guest's own polls and a seeded random_get,
// so that two runs give byte-identical output; without the option, they do not.
import { readFileSync } from "node:fs";
import t from "tap";
import { VIRTUAL_EPOCH_NS, VIRTUAL_TICK_NS, VirtualClock } from "../../src/clock.js";
import { MemoryFs, WASI, type WASIOptions } from "../../src/index.js";
import { seededRandom } from "../../src/random.js";
import { wat } from "../helpers/harness.js";

const stamp = await wat(readFileSync(new URL("../helpers/stamp.wat", import.meta.url), "utf8"));

function runStamp(options: WASIOptions): { out: Buffer; ms: number } {
  const chunks: Uint8Array[] = [];
  const wasi = new WASI({ ...options, stdout: (c) => chunks.push(c.slice()) });
  const started = performance.now();
  wasi.start(new WebAssembly.Instance(stamp, wasi.getImportObject()));
  return { out: Buffer.concat(chunks), ms: performance.now() - started };
}

t.test("two deterministic runs print the same times and random bytes", async (t) => {
  const first = runStamp({ deterministic: true });
  const second = runStamp({ deterministic: true });
  t.equal(first.out.length, 60);
  t.same(first.out, second.out, "byte-identical output");
  t.ok(first.ms < 500, `the 1 s sleep is virtual (${first.ms.toFixed(0)} ms)`);
  const u64 = (at: number) => first.out.readBigUInt64LE(at);
  t.equal(u64(0), VIRTUAL_EPOCH_NS + VIRTUAL_TICK_NS, "REALTIME starts at the virtual epoch");
  t.equal(u64(8), 2n * VIRTUAL_TICK_NS, "MONOTONIC from 0, one tick per reading");
  // 1 s, plus a tick for each reading the poll itself makes (a handful).
  const advanced = u64(24) - u64(8);
  t.ok(advanced > 1_000_000_000n && advanced < 1_000_000_000n + 10n * VIRTUAL_TICK_NS, `the poll advanced the clock by its 1 s (${advanced} ns)`);
  t.equal(u64(16) - u64(0), advanced, "REALTIME moves with it");
  t.equal(first.out.readUInt32LE(56), 1, "the clock subscription fired");

  const seeded = runStamp({ deterministic: { seed: 42 } });
  t.same(seeded.out.subarray(0, 32), first.out.subarray(0, 32), "the seed changes no time");
  t.not(seeded.out.subarray(32, 48).toString("hex"), first.out.subarray(32, 48).toString("hex"), "another seed, other bytes");
  t.same(runStamp({ deterministic: { seed: 42 } }).out, seeded.out, "the same seed, the same bytes");
});

t.test("without the option, the host's clock and random differ from run to run", async (t) => {
  const a = runStamp({});
  const b = runStamp({});
  t.not(a.out.subarray(32, 48).toString("hex"), b.out.subarray(32, 48).toString("hex"));
  t.ok(a.ms >= 990, `the host's poll really sleeps (${a.ms.toFixed(0)} ms)`);
});

t.test("the seeded generator is fixed: these bytes for seed 0 on every host", async (t) => {
  const bytes = new Uint8Array(10);
  seededRandom(0)(bytes);
  t.equal(Buffer.from(bytes).toString("hex"), "58dc08e3e4d09243978f", "xoshiro128** from splitmix32(0)");
  const split = new Uint8Array(10);
  const source = seededRandom(0);
  source(split.subarray(0, 3));
  t.not(Buffer.from(split.subarray(0, 3)).toString("hex"), "000000");
});

t.test("a shared virtual clock stamps a MemoryFs's files as the guest sees time", async (t) => {
  const clock = new VirtualClock();
  const memory = new MemoryFs({ "/a": "x" }, { now: () => clock.realtime() });
  t.equal(memory.lstat("/a").mtimeNs, VIRTUAL_EPOCH_NS);
  clock.wait(5n);
  memory.utimes("/a", 0, 0);
  t.equal(memory.lstat("/a").ctimeNs, VIRTUAL_EPOCH_NS + 5n);
});

t.test("bad values are refused", async (t) => {
  t.throws(() => new WASI({ deterministic: { seed: 1.5 } }), TypeError);
  t.throws(() => new WASI({ deterministic: "yes" as never }), TypeError);
  t.throws(() => new WASI({ deterministic: { clock: {} as never } }), TypeError);
});
