// The resolver workload: @oxc-resolver/binding-wasm32-wasi (a napi-rs wasm32-wasip1-threads
// package) loaded through its own generated loader, with node:wasi or run-wasi's WASI swapped in
// (napi-binding.mjs), resolving the queries bench/run.mjs generated with its fixture:
//   node resolver.mjs node|api MANIFEST.json
// MANIFEST (trees.mjs writes it): { binding (the package), options (ResolverFactory's), every (a
// fresh resolver each `every` queries), queries: [[directory, specifier], …] }. Prints one line,
// `resolver queries=N resolved=N failed=N sum=H` (H: the sum over the queries i of FNV-1a of
// "i path", or "i !" for a failed one), which the harness computes from the tree it built. Reports
// on fd 3, like host.mjs: {compileMs (loading the binding: compile, instantiate, initialise),
// startMs (the queries), startCpuMs}. With RUN_WASI_BENCH_WINDOW=1 (run.mjs --syscalls) it also
// counts the import calls and marks the queries for strace (window.mjs).
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { fnv1a, hex32 } from "../checksum.mjs";
import { loadNapiBinding } from "./napi-binding.mjs";
import { closeWindow, countImportCalls, openWindow, windowed } from "./window.mjs";

const [kind, manifestFile] = process.argv.slice(2);
if ((kind !== "node" && kind !== "api") || !manifestFile) {
  process.stderr.write("usage: node resolver.mjs node|api MANIFEST.json\n");
  process.exit(2);
}
const root = process.env.RUN_WASI_ROOT ?? new URL("../..", import.meta.url).pathname;
const { WASI } = kind === "node" ? await import("node:wasi") : await import(pathToFileURL(`${root}/dist/index.js`).href);
const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));

const counter = { calls: 0 };
const Host = windowed
  ? class extends WASI {
      getImportObject() {
        return countImportCalls(super.getImportObject(), counter);
      }
    }
  : WASI;

const t0 = performance.now();
const { ResolverFactory } = loadNapiBinding(createRequire(import.meta.url).resolve(manifest.binding), Host);
const t1 = performance.now();
const c1 = process.cpuUsage();
if (windowed) openWindow(counter);
let resolver;
let resolved = 0;
let sum = 0;
manifest.queries.forEach(([directory, specifier], i) => {
  if (i % manifest.every === 0) resolver = new ResolverFactory(manifest.options);
  const { path } = resolver.sync(directory, specifier);
  if (path !== undefined) resolved++;
  sum = (sum + fnv1a(`${i} ${path ?? "!"}`)) >>> 0;
});
const importCalls = windowed ? closeWindow(counter) : undefined;
const c2 = process.cpuUsage(c1);
const t2 = performance.now();
const n = manifest.queries.length;
process.stdout.write(`resolver queries=${n} resolved=${resolved} failed=${n - resolved} sum=${hex32(sum)}\n`);
const report = { compileMs: t1 - t0, startMs: t2 - t1, startCpuMs: (c2.user + c2.system) / 1000, importCalls };
try {
  fs.writeSync(3, `${JSON.stringify(report)}\n`);
} catch {
  process.stderr.write(`${JSON.stringify(report)}\n`);
}
