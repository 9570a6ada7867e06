#!/usr/bin/env node
// Issue 7 part 3: what it costs to compile and start a large module, and whether anything in
// Node ≥ 20 avoids paying it again on every run. A study, not part of `npm run bench`:
//
//   node bench/compile-cache.mjs [--rounds N] [--module FILE.wasm]
//
// Default module: the ~50 MB bench/.cache/bigmodule.wasm (bench/bigmodule.mjs), copied to tmpfs.
// Each variant runs in a fresh process, interleaved round by round; printed: medians of read,
// compile, instantiate, _start and their total, and of the whole process's wall time.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as v8 from "node:v8";
import { fileURLToPath } from "node:url";
import { bigModule, fixtureBase } from "./run.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i === -1 ? dflt : argv[i + 1];
};
const rounds = Number(opt("--rounds", 7));
const source = opt("--module", undefined) ?? bigModule().wasm;
const expected = opt("--module", undefined) ? undefined : bigModule().expected.trim();

const work = fs.mkdtempSync(path.join(fixtureBase(), "run-wasi-compile-"));
const wasm = path.join(work, "module.wasm");
fs.copyFileSync(source, wasm);
const markerDir = path.join(work, "markers");
const serialized = path.join(work, "module.v8cache");
const child = path.join(here, "runners", "compile-variant.cjs");

function run(flags, variant, cache) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...flags, child, variant, wasm, ...(cache ? [cache] : [])], {
    stdio: ["ignore", "inherit", "pipe", "pipe"],
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const line = String(r.output[3] ?? "").trim();
  if (r.status !== 0 || !line) return { error: `${variant}: exit ${r.status ?? r.signal}: ${String(r.stderr).trim().split("\n").slice(0, 6).join(" | ")}` };
  const m = JSON.parse(line);
  if (m.error) return { error: `${variant}: ${m.error}` };
  if (expected && m.out.trim() !== expected) return { error: `${variant}: printed ${JSON.stringify(m.out)}` };
  return { ...m, wall };
}

const median = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? (v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : NaN;
};

// One-off facts first.
console.log(`module: ${path.relative(process.cwd(), source)}, ${(fs.statSync(wasm).size / 1048576).toFixed(1)} MiB; node ${process.version}, V8 ${process.versions.v8}, ${os.cpus().length} CPUs`);
const small = new WebAssembly.Module(fs.readFileSync(wasm));
const ser = v8.serialize(small);
console.log(`v8.serialize(WebAssembly.Module) → ${ser.byteLength} bytes (${[...ser].map((b) => b.toString(16)).join(" ")}): no payload; v8.deserialize of it: ${(() => {
  try {
    v8.deserialize(ser);
    return "ok";
  } catch (e) {
    return e.message;
  }
})()}`);

// Populate the caches the hit paths read.
const populateMarker = run([], "marker", markerDir);
const populateSer = run(["--allow-natives-syntax", "--no-liftoff"], "serialize", serialized);
if (populateMarker.error) console.log(populateMarker.error);
if (populateSer.error) console.log(populateSer.error);
else console.log(`V8 code cache (--no-liftoff, then %SerializeWasmModule after _start): ${(populateSer.serializedBytes / 1024).toFixed(0)} KiB, populating run ${populateSer.total.toFixed(0)} ms`);
const defaultSerialize = run(["--allow-natives-syntax"], "serialize", `${serialized}.default`);
console.log(`%SerializeWasmModule under default flags (Liftoff + dynamic tiering): ${defaultSerialize.error ? "process aborts (V8 CHECK: no TurboFan code to serialize)" : "ok"}`);

const VARIANTS = [
  ["default", [], "default"],
  ["async compile", [], "async"],
  ["eager (--no-wasm-lazy-compilation)", ["--no-wasm-lazy-compilation"], "default"],
  ["lazy validation (setFlagsFromString)", [], "lazy-validation"],
  ["validation cache hit (sha256 + lazy validation)", [], "marker", markerDir],
  ["V8 code cache hit (%DeserializeWasmModule, --no-liftoff)", ["--allow-natives-syntax", "--no-liftoff"], "deserialize", serialized],
];
const samples = VARIANTS.map(() => []);
for (let r = 0; r < rounds + 1; r++) {
  VARIANTS.forEach(([name, flags, variant, cache], i) => {
    const m = run(flags, variant, cache);
    if (m.error) {
      console.log(m.error);
      return;
    }
    if (r > 0) samples[i].push(m); // round 0 warms the page cache
  });
}
fs.rmSync(work, { recursive: true, force: true });

const cols = ["read", "compile", "instantiate", "start", "total", "wall"];
const width = Math.max(...VARIANTS.map(([n]) => n.length));
console.log(`\nmedians over ${rounds} rounds, ms (total = read + compile + instantiate + _start in-process; wall = whole process)`);
console.log(`${"variant".padEnd(width)}  ${cols.map((c) => c.padStart(12)).join("")}`);
VARIANTS.forEach(([name], i) => {
  const row = cols.map((c) => median(samples[i].map((s) => s[c])).toFixed(1).padStart(12)).join("");
  console.log(`${name.padEnd(width)}  ${row}`);
});
const hash = median(samples[4].map((s) => s.hashMs));
if (Number.isFinite(hash)) console.log(`(sha256 of the module, inside the cache-hit compile column: ${hash.toFixed(1)} ms)`);
