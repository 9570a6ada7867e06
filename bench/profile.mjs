#!/usr/bin/env node
// Profiles the run-wasi side of the bench workloads (a dev tool, not part of `npm run bench`):
//
//   node bench/profile.mjs [--only W[,W…]] [--root DIR] [--top N] [--strace] [--keep-profiles DIR]
//
// Runs each workload once under `node --cpu-prof bin/run-wasi.js …` and prints where the time went:
// the guest's own wasm code, run-wasi's JavaScript (self time per function, mapped back to src/*.ts
// through the source maps), Node's fs JavaScript, the native fs bindings (the system calls and
// libuv, which is what node:wasi pays too), GC and the rest. With --strace it also counts the
// system calls each host makes for the workload (strace -f -c), run-wasi and node:wasi alike.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { SourceMap } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { bigModule, buildPrograms, commandFor, fixtureBase, makeFixtures, modesOf, warnIfStale, WORKLOADS } from "./run.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");

const opts = { only: undefined, root: repo, top: 12, strace: false, keep: undefined };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--only") opts.only = argv[++i].split(",");
  else if (a === "--root") opts.root = path.resolve(argv[++i]);
  else if (a === "--top") opts.top = Number(argv[++i]);
  else if (a === "--strace") opts.strace = true;
  else if (a === "--keep-profiles") opts.keep = path.resolve(argv[++i]);
  else {
    console.error("usage: node bench/profile.mjs [--only W[,W…]] [--root DIR] [--top N] [--strace] [--keep-profiles DIR]");
    process.exit(2);
  }
}
const workloads = WORKLOADS.filter((w) => (opts.only ? opts.only.includes(w.name) : !w.informational));
warnIfStale(opts.root);

// --- source maps: dist/*.js line → src/*.ts line -------------------------------------------------
const maps = new Map();
function original(url, line, column) {
  if (!url.startsWith("file://")) return undefined;
  const file = fileURLToPath(url);
  if (!maps.has(file)) {
    let map;
    try {
      map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, "utf8")));
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  const map = maps.get(file);
  const rel = path.relative(opts.root, file);
  if (!map) return { file: rel, line: line + 1 };
  const e = map.findEntry(line, column);
  if (!e || e.originalSource === undefined) return { file: rel, line: line + 1 };
  const src = e.originalSource.startsWith("file://") ? fileURLToPath(e.originalSource) : path.resolve(path.dirname(file), e.originalSource);
  return { file: path.relative(opts.root, src), line: e.originalLine + 1 };
}

// --- analysis ------------------------------------------------------------------------------------
const GROUPS = [
  "guest wasm",
  "run-wasi JS",
  "node:fs JS",
  "node:buffer/encoding JS",
  "native (syscalls, libuv, bindings)",
  "GC",
  "other JS",
  "V8/idle/program",
];

function classify(frame) {
  const { functionName: fn, url } = frame;
  if (fn === "(garbage collector)") return "GC";
  if (fn === "(program)" || fn === "(idle)" || fn === "(root)") return "V8/idle/program";
  if (url.startsWith("wasm://") || /^\$?(func\d+|\$)/.test(fn) || url === "" && /^(js-to-wasm|wasm-to-js)/.test(fn)) {
    return url.startsWith("wasm://") || fn.startsWith("$") ? "guest wasm" : "V8/idle/program";
  }
  if (url.includes("/dist/") && url.startsWith(`file://${opts.root}`)) return "run-wasi JS";
  if (url === "node:fs" || url.startsWith("node:internal/fs") || url === "node:internal/validators" || url.startsWith("node:internal/errors")) return "node:fs JS";
  if (url === "node:buffer" || url.startsWith("node:internal/encoding") || url.startsWith("node:internal/buffer")) return "node:buffer/encoding JS";
  if (url === "") return "native (syscalls, libuv, bindings)";
  return "other JS";
}

function analyze(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i + 1] ?? 0;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const groups = Object.fromEntries(GROUPS.map((g) => [g, 0]));
  const fns = new Map();
  for (const [id, us] of self) {
    const node = byId.get(id);
    const cf = node.callFrame;
    const group = classify(cf);
    groups[group] += us;
    // A native frame is named after its caller, so the syscall it made is visible.
    let label;
    if (group === "run-wasi JS") {
      const o = original(cf.url, cf.lineNumber, cf.columnNumber);
      label = `${cf.functionName || "(anonymous)"}  ${o.file}:${o.line}`;
    } else if (group === "native (syscalls, libuv, bindings)") {
      const parent = profile.nodes.find((n) => n.children?.includes(id));
      label = `${cf.functionName || "(native)"} ← ${parent?.callFrame.functionName || "?"}  [native]`;
    } else if (group === "guest wasm") {
      label = "(guest wasm code)";
    } else {
      label = `${cf.functionName || "(anonymous)"}  ${cf.url.replace(/^file:\/\/.*\/node_modules\//, "node_modules/")}${cf.url ? `:${cf.lineNumber + 1}` : ""}`;
    }
    const e = fns.get(label) ?? { label, group, us: 0 };
    e.us += us;
    fns.set(label, e);
  }
  // Inclusive time of run-wasi's functions (a function counted once per stack it is on).
  const inclusive = new Map();
  const walk = (node, onStack) => {
    let us = self.get(node.id) ?? 0;
    for (const c of node.children ?? []) us += walk(byId.get(c), onStack);
    const cf = node.callFrame;
    if (classify(cf) === "run-wasi JS") {
      const o = original(cf.url, cf.lineNumber, cf.columnNumber);
      const label = `${cf.functionName || "(anonymous)"}  ${o.file}:${o.line}`;
      if (!onStack.has(label)) inclusive.set(label, (inclusive.get(label) ?? 0) + us);
    }
    return us;
  };
  // Recursion through the same label is rare here (the import wrapper is not recursive); the walk
  // above only guards the label itself, which is enough for a ranking.
  walk(profile.nodes[0], new Set());
  return {
    total,
    groups,
    fns: [...fns.values()].sort((a, b) => b.us - a.us),
    inclusive: [...inclusive].map(([label, us]) => ({ label, us })).sort((a, b) => b.us - a.us),
  };
}

// --- strace --------------------------------------------------------------------------------------
function straceCounts(argv, env) {
  const out = path.join(os.tmpdir(), `run-wasi-strace-${process.pid}.txt`);
  const r = spawnSync("strace", ["-f", "-c", "-o", out, process.execPath, ...argv], { env, stdio: ["ignore", "ignore", "pipe", "ignore"] });
  if (r.error) return undefined;
  const text = fs.readFileSync(out, "utf8");
  fs.rmSync(out, { force: true });
  const rows = [];
  for (const line of text.split("\n")) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?(\w+)\s*$/.exec(line);
    if (m && m[3] !== "total") rows.push({ name: m[3], calls: Number(m[1]), errors: Number(m[2] ?? 0) });
  }
  return rows.sort((a, b) => b.calls - a.calls);
}

// --- main ----------------------------------------------------------------------------------------
const programs = buildPrograms([...new Set(workloads.map((w) => w.program))]);
if (workloads.some((w) => w.program === "bigmodule")) programs.bigmodule = bigModule().wasm;
const fixtures = fs.mkdtempSync(path.join(fixtureBase(), "run-wasi-profile-"));
const profDir = opts.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), "run-wasi-cpuprof-"));
fs.mkdirSync(profDir, { recursive: true });
const env = { ...process.env, RUN_WASI_ROOT: opts.root };
try {
  const fx = makeFixtures(fixtures, new Set(workloads.flatMap((w) => w.needs)));
  for (const w of workloads) {
    const expected = w.expected(fx);
    w.reset?.(fixtures);
    // run-wasi's CLI, or its API for a workload driven from JavaScript (no CLI run).
    const [own] = modesOf(w, opts);
    const base = commandFor(own, opts, w, programs[w.program], fixtures);
    const argv = ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-name", `${w.name}.cpuprofile`, "--cpu-prof-interval", "100", ...base];
    const r = spawnSync(process.execPath, argv, { env, stdio: ["ignore", "pipe", "pipe", "ignore"] });
    if (r.status !== 0 || String(r.stdout) !== expected.line) {
      console.log(`${w.name}: FAILED (${r.status}) ${String(r.stderr).trim()}`);
      continue;
    }
    const { total, groups, fns, inclusive } = analyze(JSON.parse(fs.readFileSync(path.join(profDir, `${w.name}.cpuprofile`), "utf8")));
    const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
    console.log(`\n=== ${w.name}: ${w.what} — run-wasi ${own === "cli" ? "CLI" : "API"}, ${(total / 1000).toFixed(0)} ms sampled`);
    console.log(
      GROUPS.filter((g) => groups[g] > 0)
        .map((g) => `  ${pct(groups[g])}  ${g}`)
        .join("\n"),
    );
    console.log(`  top self time:`);
    for (const f of fns.slice(0, opts.top)) console.log(`  ${pct(f.us)} ${(f.us / 1000).toFixed(1).padStart(7)} ms  ${f.label}`);
    console.log(`  top inclusive time in src/:`);
    const interesting = inclusive.filter((f) => !/^(main|start|\(anonymous\))  src\/(cli|wasi)\.ts/.test(f.label));
    for (const f of interesting.slice(0, opts.top)) console.log(`  ${pct(f.us)} ${(f.us / 1000).toFixed(1).padStart(7)} ms  ${f.label}`);
    if (opts.strace) {
      for (const mode of [own, "node"]) {
        w.reset?.(fixtures);
        const counts = straceCounts(commandFor(mode, opts, w, programs[w.program], fixtures), env);
        if (!counts) {
          console.log("  (strace not available)");
          break;
        }
        const top = counts.slice(0, 8).map((c) => `${c.name} ${c.calls}${c.errors ? ` (${c.errors} err)` : ""}`);
        const sum = counts.reduce((a, c) => a + c.calls, 0);
        console.log(`  syscalls ${mode === "node" ? "node:wasi" : "run-wasi "}: ${sum} in all; ${top.join(", ")}`);
      }
    }
  }
} finally {
  fs.rmSync(fixtures, { recursive: true, force: true });
  if (!opts.keep) fs.rmSync(profDir, { recursive: true, force: true });
}
