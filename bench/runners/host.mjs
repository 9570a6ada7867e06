// Runs one WASI command in-process, timed, under either host:
//   node host.mjs node|api|async MODULE.wasm GUEST_DIR HOST_DIR [args...]
// "node" is node:wasi (version "preview1"); "api" is run-wasi's WASI class, from the dist/ of the
// checkout named by $RUN_WASI_ROOT (default: this repository); "async" is the same class with
// `async: true` (JSPI, Node 24 and later), start() awaited. A fresh process, and so a fresh WASI
// object, per run. Reports on fd 3 (a pipe bench/run.mjs opens), or on stderr when run by hand:
// {compileMs, instantiateMs, startMs, startCpuMs, exitCode} (startCpuMs: user + system time of the
// whole process during start(), which a busy machine inflates less than wall time). The guest's
// stdout/stderr are the process's own. GUEST_DIR "" means no preopen. With RUN_WASI_BENCH_WINDOW=1
// (run.mjs --syscalls) it also counts the import calls and marks start() for strace (window.mjs).
import * as fs from "node:fs";
import { pathToFileURL } from "node:url";
import { closeWindow, countImportCalls, openWindow, windowed } from "./window.mjs";

const [kind, file, guestDir, hostDir, ...args] = process.argv.slice(2);
if ((kind !== "node" && kind !== "api" && kind !== "async") || !file) {
  process.stderr.write("usage: node host.mjs node|api|async MODULE.wasm GUEST_DIR HOST_DIR [args...]\n");
  process.exit(2);
}
const root = process.env.RUN_WASI_ROOT ?? new URL("../..", import.meta.url).pathname;
const { WASI } = kind === "node" ? await import("node:wasi") : await import(pathToFileURL(`${root}/dist/index.js`).href);

const t0 = performance.now();
const module = new WebAssembly.Module(fs.readFileSync(file));
const t1 = performance.now();
const preopens = guestDir ? { [guestDir]: hostDir } : {};
const wasi = new WASI({ version: "preview1", args: [file, ...args], env: {}, preopens, returnOnExit: true, ...(kind === "async" ? { async: true } : {}) });
const counter = { calls: 0 };
const importObject = windowed ? countImportCalls(wasi.getImportObject(), counter) : wasi.getImportObject();
const instance = new WebAssembly.Instance(module, importObject);
const t2 = performance.now();
const c2 = process.cpuUsage();
if (windowed) openWindow(counter);
const exitCode = kind === "async" ? await wasi.start(instance) : wasi.start(instance);
const importCalls = windowed ? closeWindow(counter) : undefined;
const c3 = process.cpuUsage(c2);
const t3 = performance.now();
const report = { compileMs: t1 - t0, instantiateMs: t2 - t1, startMs: t3 - t2, startCpuMs: (c3.user + c3.system) / 1000, exitCode, importCalls };
try {
  fs.writeSync(3, `${JSON.stringify(report)}\n`);
} catch {
  process.stderr.write(`${JSON.stringify(report)}\n`);
}
process.exitCode = exitCode;
