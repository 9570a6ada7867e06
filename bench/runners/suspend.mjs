// One import call's cost, in ns, in run-wasi's synchronous host and in its async host (JSPI), in
// one process: a guest loops over one import N times and the loop's time is divided by N.
//   plain      clock_time_get: linked as is in both hosts (the async host must not change its cost)
//   suspending fd_write of 0 bytes to a stdout function: WebAssembly.Suspending, answering at once
//   suspends   sched_yield: the guest's stack really suspends and the event loop turns once
// Run by bench/run.mjs on a Node with JSPI; by hand: node bench/runners/suspend.mjs [N].
import { pathToFileURL } from "node:url";
import wabtInit from "wabt";

const root = process.env.RUN_WASI_ROOT ?? new URL("../..", import.meta.url).pathname;
const { WASI } = await import(pathToFileURL(`${root}/dist/index.js`).href);
const N = Number(process.argv[2] ?? 200_000);
const wabt = await wabtInit();

/** A command calling `call` (a WAT instruction sequence leaving an i32) `count` times. */
function program(imports, call, count) {
  const m = wabt.parseWat("bench.wat", `(module ${imports}
    (memory (export "memory") 1)
    (func (export "_start") (local $i i32)
      (loop $next
        (drop ${call})
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (i32.const ${count}))))))`);
  try {
    return new WebAssembly.Module(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

const P1 = "wasi_snapshot_preview1";
const cases = {
  plain: [`(import "${P1}" "clock_time_get" (func $f (param i32 i64 i32) (result i32)))`, "(call $f (i32.const 1) (i64.const 0) (i32.const 64))"],
  suspending: [`(import "${P1}" "fd_write" (func $f (param i32 i32 i32 i32) (result i32)))`, "(call $f (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 64))"],
  suspends: [`(import "${P1}" "sched_yield" (func $f (result i32)))`, "(call $f)"],
};

async function nsPerCall(isAsync, [imports, call], count) {
  const module = program(imports, call, count);
  const run = async () => {
    const wasi = new WASI({ returnOnExit: true, stdout: () => {}, ...(isAsync ? { async: true } : {}) });
    const instance = new WebAssembly.Instance(module, wasi.getImportObject());
    const t0 = performance.now();
    const code = await wasi.start(instance);
    if (code !== 0) throw new Error(`exit ${code}`);
    return performance.now() - t0;
  };
  await run(); // warm-up
  const times = [];
  for (let i = 0; i < 5; i++) times.push(await run());
  times.sort((a, b) => a - b);
  return (times[2] * 1e6) / count;
}

const rows = [["import", "sync ns/call", "async ns/call", "async−sync"]];
for (const [name, c] of Object.entries(cases)) {
  const count = name === "suspends" ? Math.min(N, 20_000) : N;
  const sync = await nsPerCall(false, c, count);
  const asyncNs = await nsPerCall(true, c, count);
  rows.push([name, sync.toFixed(0), asyncNs.toFixed(0), `${asyncNs >= sync ? "+" : ""}${(asyncNs - sync).toFixed(0)}`]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  "));
console.log(`medians of 5 runs of ${N.toLocaleString("en-US")} calls (sched_yield: ${Math.min(N, 20_000).toLocaleString("en-US")}); plain: clock_time_get, suspending: fd_write of 0 bytes, suspends: sched_yield`);
