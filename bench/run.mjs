#!/usr/bin/env node
// `npm run bench`: run-wasi against node:wasi, in one run, round by round.
//
//   node bench/run.mjs [--rounds N] [--warmup N] [--only W[,W…]] [--json FILE] [--root DIR]
//                      [--metric wall|cpu] [--floor] [--syscalls|--no-syscalls] [--keep]
//
// Most workloads are C programs (bench/workloads/*.c, built with clang for wasm32-wasi and cached
// in bench/.cache/) that print a checksum; the resolver workload is a napi-rs package's wasm
// binding driven from JavaScript (runners/resolver.mjs). The harness computes the expected line
// itself from the fixtures it generated, and checks the files a workload leaves behind. Every
// round runs each workload once under each host, in a fresh process each time (ABC ABC …):
//
//   CLI    node bin/run-wasi.js --dir FIXTURES::/fx module.wasm args…     (whole process)
//   API    bench/runners/host.mjs api: run-wasi's WASI class in-process, a fresh WASI per round
//          (resolver: runners/resolver.mjs api, run-wasi's WASI in the package's own loader)
//   async  bench/runners/host.mjs async: the same with `async: true` (JSPI; left out, with a note,
//          on a Node without it): fd_read/fd_write and the polls go through WebAssembly.Suspending,
//          every other import is the synchronous host's own. Then bench/runners/suspend.mjs
//          measures one import call's cost in each host: a plain import, a suspending one that
//          answers at once, and one that really suspends (sched_yield).
//   node   bench/runners/host.mjs node: node:wasi, version "preview1", returnOnExit
//          (resolver: runners/resolver.mjs node, the package's loader as published)
//   floor  (--floor) bench/runners/floor.mjs: the same program under a bare-minimum host (each
//          import straight to one node:fs call: no sandbox, no checks), the floor for node:fs hosts
//
// The system-call mode (--syscalls; on by default for the path-heavy workloads) adds one run per
// host under `strace -f`, cut to the guest's run, and prints system calls per import call.
//
// Measured per run: the wall time of the whole process (spawn to exit), the in-process time of
// wasi.start() (API and node:wasi; the CLI reports none), CPU time of both, and the peak RSS
// (VmHWM at exit, via a -r preload in every process alike). Printed per workload: medians, the
// medians of the paired per-round ratios run-wasi ÷ node:wasi — CLI on whole-process time, API on
// in-process start() time — peak RSS, and the target; then geometric means.
// A benchmark, not a test: nothing here asserts a time. A wrong checksum fails the run.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DEFAULTS as BIG_DEFAULTS, generate as generateBigModule } from "./bigmodule.mjs";
import { fnv1a, sha256, Sum, u32view } from "./checksum.mjs";
import { straceArgs, straceAvailable, windowCounts } from "./syscalls.mjs";
import {
  makeResolverTree,
  makeWalkTree,
  RESOLVER_BINDING,
  RESOLVER_EVERY,
  RESOLVER_MANIFEST,
  RESOLVER_PACKAGES,
  RESOLVER_QUERIES,
  WALK_DIRS,
} from "./trees.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const cacheDir = path.join(here, ".cache");

// --- options -----------------------------------------------------------------------------------
function parseOptions(argv) {
  const o = { rounds: 7, warmup: 1, only: undefined, json: undefined, root: repo, keep: false, metric: "wall", floor: false, syscalls: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) usage(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case "--rounds":
        o.rounds = Number(value());
        if (!Number.isInteger(o.rounds) || o.rounds < 1) usage("--rounds takes a positive integer");
        break;
      case "--warmup":
        o.warmup = Number(value());
        if (!Number.isInteger(o.warmup) || o.warmup < 0) usage("--warmup takes an integer ≥ 0");
        break;
      case "--only":
        o.only = value().split(",").filter(Boolean);
        break;
      case "--json":
        o.json = path.resolve(value());
        break;
      case "--root":
        o.root = path.resolve(value());
        break;
      case "--baseline":
        o.baseline = path.resolve(value());
        break;
      case "--keep":
        o.keep = true;
        break;
      case "--floor":
        o.floor = true;
        break;
      case "--syscalls":
        o.syscalls = true;
        break;
      case "--no-syscalls":
        o.syscalls = false;
        break;
      case "--metric":
        o.metric = value();
        if (o.metric !== "wall" && o.metric !== "cpu") usage("--metric takes wall or cpu");
        break;
      case "-h":
      case "--help":
        usage();
        break;
      default:
        usage(`unknown option ${a}`);
    }
  }
  return o;
}

function usage(error) {
  const text = `Usage: node bench/run.mjs [options]   (npm run bench -- [options])

  --rounds N      measured rounds per workload (default 7; fewer than 7 is not a valid comparison)
  --warmup N      unmeasured rounds first (default 1)
  --only W[,W]    only these workloads: ${WORKLOADS.map((w) => w.name).join(", ")}
  --json FILE     also write every sample and the summary as JSON
  --root DIR      the run-wasi checkout to measure (its bin/ and dist/; default: this one)
  --baseline DIR  also run another checkout's API (its dist/, built) right after this one's in every
                  round, and print this one's start() over the baseline's (API÷base)
  --metric M      wall (default): elapsed time; cpu: user + system CPU time of the process (all
                  threads), steadier when other work shares the machine
  --floor         also run the floor each round (runners/floor.mjs: the same program under a
                  bare-minimum host, each import straight to one node:fs call, no sandbox, no
                  checks) and print its ratio to node:wasi
  --syscalls      after the timed rounds of every workload, one more run of run-wasi's API and of
                  node:wasi under strace -f: the system calls made while the guest runs, per
                  import call, and the most frequent ones (default: only for resolver, treewalk)
  --no-syscalls   not even for those
  --keep          keep the fixture directory`;
  if (error) {
    process.stderr.write(`bench: ${error}\n\n${text}\n`);
    process.exit(2);
  }
  process.stdout.write(`${text}\n`);
  process.exit(0);
}

// --- fixtures ------------------------------------------------------------------------------------
const RSS_TARGET_MIB = 10; // run-wasi's peak RSS over node:wasi's, per workload
const GEOMEAN_TARGET = 1.0; // over the micro-workloads and start-up

const BIG_BYTES = 64 << 20;
const CHUNK = 64 << 10;
const READ_PASSES = 4;
const WRITES = 200_000;
const OPEN_FILES = 256;
const OPEN_ITERATIONS = 20_000;
const DEEP = ["a", "b", "c", "d", "e", "f", "g", "h"];
const STAT_FILES = 64;
const STAT_ITERATIONS = 20_000;
const DIR_ENTRIES = 10_000;
const MKDIR_ITERATIONS = 10_000;
const PREADS = 100_000;
const PREAD_SEED = 12345;

export function makeFixtures(root, needs) {
  const fx = {};
  if (needs.has("big")) {
    const big = Buffer.alloc(BIG_BYTES);
    const words = u32view(big);
    let x = 0x9e3779b9;
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x >>> 0;
    }
    fs.writeFileSync(path.join(root, "big.bin"), big);
    fx.big = big;
    fx.bigSum = new Sum().words(words).hex();
    fx.bigSha = sha256(big);
  }
  if (needs.has("of")) {
    fs.mkdirSync(path.join(root, "of"));
    for (let i = 0; i < OPEN_FILES; i++) fs.writeFileSync(path.join(root, "of", `f${String(i).padStart(4, "0")}`), Buffer.alloc(i * 7, i));
  }
  if (needs.has("deep")) {
    const deep = path.join(root, "deep", ...DEEP);
    fs.mkdirSync(deep, { recursive: true });
    for (let i = 0; i < STAT_FILES; i++) fs.writeFileSync(path.join(deep, `file${String(i).padStart(3, "0")}`), Buffer.alloc(i * 3 + 1, i));
  }
  if (needs.has("many")) {
    fs.mkdirSync(path.join(root, "many"));
    let names = 0;
    for (let i = 0; i < DIR_ENTRIES; i++) {
      const name = `entry-${String(i).padStart(5, "0")}`;
      fs.closeSync(fs.openSync(path.join(root, "many", name), "w"));
      names = (names + fnv1a(name)) >>> 0;
    }
    fx.manyNames = names.toString(16).padStart(8, "0");
  }
  // The resolver reports real paths, so its tree is named by one (os.tmpdir() may be a symlink).
  if (needs.has("resolver")) fx.resolver = makeResolverTree(fs.realpathSync(root));
  if (needs.has("tree")) fx.tree = makeWalkTree(root);
  fs.mkdirSync(path.join(root, "scratch"));
  fs.mkdirSync(path.join(root, "out"));
  return fx;
}

// --- workloads -----------------------------------------------------------------------------------
// name, the fixtures it needs, the program and its guest arguments, the line it must print, and
// what it must leave behind. `target` is the bound on the ratio run-wasi ÷ node:wasi. `pathHeavy`:
// a real program's pattern of path lookups rather than one call repeated; reported on its own,
// outside the geometric mean, and its system calls counted by default. `runner`: driven from
// JavaScript by runners/<runner>.mjs rather than a C program, so no CLI run.
export const G = "/fx"; // the guest's name for the fixture directory
export const WORKLOADS = [
  {
    name: "writes16",
    what: `${WRITES} write()s of 16 bytes`,
    needs: [],
    program: "writes16",
    args: () => [`${G}/out/w16.bin`, String(WRITES)],
    expected: () => {
      const words = new Uint32Array(WRITES * 4);
      for (let i = 0; i < WRITES; i++) {
        words[4 * i] = i;
        words[4 * i + 1] = Math.imul(i, 2654435761);
        words[4 * i + 2] = ~i;
        words[4 * i + 3] = i ^ 0xa5a5a5a5;
      }
      const sum = new Sum().words(words).hex();
      return { line: `writes16 count=${WRITES} sum=${sum}\n`, sha: sha256(Buffer.from(words.buffer)) };
    },
    reset: (root) => fs.rmSync(path.join(root, "out", "w16.bin"), { force: true }),
    check: (root, exp) => {
      const got = fs.readFileSync(path.join(root, "out", "w16.bin"));
      if (sha256(got) !== exp.sha) return `out/w16.bin differs from what was written (${got.byteLength} bytes)`;
    },
    target: 1.3,
  },
  {
    name: "read",
    what: `read() of a 64 MiB file in ${CHUNK >> 10} KiB chunks, ${READ_PASSES}×`,
    needs: ["big"],
    program: "read",
    args: () => [`${G}/big.bin`, String(CHUNK), String(READ_PASSES)],
    expected: (fx) => {
      const sum = new Sum();
      for (let p = 0; p < READ_PASSES; p++) sum.words(u32view(fx.big));
      return { line: `read bytes=${BIG_BYTES * READ_PASSES} sum=${sum.hex()}\n` };
    },
    target: 1.0,
  },
  {
    name: "copy",
    what: `read() + write() of 64 MiB in ${CHUNK >> 10} KiB chunks`,
    needs: ["big"],
    program: "copy",
    args: () => [`${G}/big.bin`, `${G}/out/copy.bin`, String(CHUNK)],
    expected: (fx) => ({ line: `copy bytes=${BIG_BYTES} sum=${fx.bigSum}\n`, sha: fx.bigSha }),
    reset: (root) => fs.rmSync(path.join(root, "out", "copy.bin"), { force: true }),
    check: (root, exp) => {
      const got = fs.readFileSync(path.join(root, "out", "copy.bin"));
      if (sha256(got) !== exp.sha) return `out/copy.bin is not a copy of big.bin (${got.byteLength} bytes)`;
    },
    target: 1.05,
  },
  {
    name: "openclose",
    what: `open + fstat + close, ${OPEN_ITERATIONS}× over ${OPEN_FILES} files`,
    needs: ["of"],
    program: "openclose",
    args: () => [`${G}/of`, String(OPEN_FILES), String(OPEN_ITERATIONS)],
    expected: () => {
      let total = 0;
      for (let i = 0; i < OPEN_ITERATIONS; i++) total += (i % OPEN_FILES) * 7;
      return { line: `openclose iterations=${OPEN_ITERATIONS} size_sum=${total}\n` };
    },
    target: 1.5,
  },
  {
    name: "stat",
    what: `stat() ${STAT_ITERATIONS}× of files ${DEEP.length + 1} directories deep`,
    needs: ["deep"],
    program: "stat",
    args: () => [`${G}/deep/${DEEP.join("/")}`, String(STAT_FILES), String(STAT_ITERATIONS)],
    expected: () => {
      let total = 0;
      for (let i = 0; i < STAT_ITERATIONS; i++) total += (i % STAT_FILES) * 3 + 1;
      return { line: `stat iterations=${STAT_ITERATIONS} size_sum=${total}\n` };
    },
    target: 1.5,
  },
  {
    name: "readdir",
    what: `opendir/readdir of ${DIR_ENTRIES} entries (4 KiB fd_readdir buffer)`,
    needs: ["many"],
    program: "readdir",
    args: () => [`${G}/many`, "1"],
    expected: (fx) => ({ line: `readdir entries=${DIR_ENTRIES} files=${DIR_ENTRIES} names=${fx.manyNames}\n` }),
    target: 0.3,
  },
  {
    name: "mkdir",
    what: `mkdir + rmdir, ${MKDIR_ITERATIONS}×`,
    needs: [],
    program: "mkdir",
    args: () => [`${G}/scratch`, String(MKDIR_ITERATIONS)],
    expected: () => ({ line: `mkdir pairs=${MKDIR_ITERATIONS}\n` }),
    check: (root) => {
      const left = fs.readdirSync(path.join(root, "scratch"));
      if (left.length > 0) return `scratch/ not empty afterwards: ${left.slice(0, 3).join(", ")}…`;
    },
    target: 1.5,
  },
  {
    name: "pread",
    what: `${PREADS} pread()s of 512 bytes at random offsets`,
    needs: ["big"],
    program: "pread",
    args: () => [`${G}/big.bin`, String(PREADS), String(PREAD_SEED)],
    expected: (fx) => {
      const blocks = BIG_BYTES / 512;
      const sum = new Sum();
      let x = PREAD_SEED;
      for (let i = 0; i < PREADS; i++) {
        x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
        const at = ((x >>> 8) % blocks) * 512;
        sum.words(u32view(fx.big.subarray(at, at + 512)));
      }
      return { line: `pread count=${PREADS} sum=${sum.hex()}\n` };
    },
    target: 1.15,
  },
  {
    name: "startup",
    what: "hello world, whole process",
    needs: [],
    program: "hello",
    args: () => [],
    expected: () => ({ line: "hello, world\n" }),
    startup: true,
    targetMs: 10,
  },
  {
    name: "resolver",
    what: `@oxc-resolver's napi-rs wasm binding, / preopened: ${RESOLVER_QUERIES} specifiers, ${RESOLVER_PACKAGES} packages, a fresh resolver each ${RESOLVER_EVERY}`,
    needs: ["resolver"],
    runner: "resolver",
    args: (fixtures) => [path.join(fixtures, RESOLVER_MANIFEST)],
    missing: () => {
      try {
        createRequire(import.meta.url).resolve(RESOLVER_BINDING);
      } catch {
        return `${RESOLVER_BINDING} is not installed (a dev dependency: \`npm ci\` installs it)`;
      }
    },
    expected: (fx) => ({ line: fx.resolver.line }),
    target: 1.5,
    pathHeavy: true,
  },
  {
    name: "treewalk",
    what: `find/du-like walk: readdir + fstatat of each entry, 2 missing-name stats per directory (${WALK_DIRS} directories)`,
    needs: ["tree"],
    program: "treewalk",
    args: () => [`${G}/tree`],
    expected: (fx) => ({ line: fx.tree.line }),
    target: 1.5,
    pathHeavy: true,
  },
  {
    name: "bigmodule",
    what: "compile + start a ~50 MB module (issue 7 part 3; not in the means)",
    needs: [],
    program: "bigmodule",
    args: () => [],
    expected: () => ({ line: bigModule().expected }),
    wholeProcess: true,
    informational: true,
  },
];

// --- building the programs -----------------------------------------------------------------------
const DEBIAN_PACKAGES = "clang lld wasi-libc libclang-rt-dev-wasm32";

function clangVersion() {
  const r = spawnSync("clang", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout.split("\n")[0];
}

export function buildPrograms(programs) {
  const wasmDir = path.join(cacheDir, "wasm");
  fs.mkdirSync(wasmDir, { recursive: true });
  const src = path.join(here, "workloads");
  const common = fs.readFileSync(path.join(src, "common.h"));
  let clang;
  const out = {};
  for (const name of programs) {
    if (name === "bigmodule" || name === undefined) continue;
    const file = path.join(src, `${name}.c`);
    const wasm = path.join(wasmDir, `${name}.wasm`);
    const stampFile = `${wasm}.stamp`;
    const flags = ["--target=wasm32-wasi", "-O2", "-Wall", "-Werror"];
    const stampOf = (version) => sha256(Buffer.concat([fs.readFileSync(file), common, Buffer.from(`${version}\0${flags.join(" ")}`)]));
    const cached = fs.existsSync(wasm) && fs.existsSync(stampFile) ? fs.readFileSync(stampFile, "utf8") : undefined;
    // A cached build is used as is when clang is gone; otherwise it must match the source and compiler.
    clang ??= clangVersion() ?? null;
    if (cached !== undefined && (clang === null || cached === stampOf(clang))) {
      out[name] = wasm;
      continue;
    }
    if (clang === null) {
      process.stderr.write(
        `bench: clang is needed to build the workloads (bench/workloads/*.c → wasm32-wasi).\n` +
          `On Debian/Ubuntu: sudo apt-get install ${DEBIAN_PACKAGES}\n`,
      );
      process.exit(1);
    }
    const r = spawnSync("clang", [...flags, file, "-o", wasm], { encoding: "utf8" });
    if (r.status !== 0) {
      process.stderr.write(
        `bench: clang could not build ${path.relative(repo, file)}:\n${r.stderr}\n` +
          `If the wasm32-wasi target, its libc or its runtime library is missing: sudo apt-get install ${DEBIAN_PACKAGES}\n`,
      );
      process.exit(1);
    }
    fs.writeFileSync(stampFile, stampOf(clang));
    out[name] = wasm;
  }
  return out;
}

let bigModuleCache;
export function bigModule() {
  if (bigModuleCache) return bigModuleCache;
  const wasm = path.join(cacheDir, "bigmodule.wasm");
  const meta = `${wasm}.json`;
  const stamp = sha256(Buffer.concat([fs.readFileSync(path.join(here, "bigmodule.mjs")), Buffer.from(JSON.stringify(BIG_DEFAULTS))]));
  try {
    const m = JSON.parse(fs.readFileSync(meta, "utf8"));
    if (m.stamp === stamp && fs.statSync(wasm).size === m.bytes) return (bigModuleCache = { wasm, ...m });
  } catch {
    // Not built yet.
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  process.stdout.write("generating bench/.cache/bigmodule.wasm … ");
  const { bytes, expected } = generateBigModule(wasm);
  process.stdout.write(`${(bytes / 1048576).toFixed(1)} MiB\n`);
  fs.writeFileSync(meta, JSON.stringify({ stamp, bytes, expected }));
  return (bigModuleCache = { wasm, stamp, bytes, expected });
}

// --- running -------------------------------------------------------------------------------------
const MODES = ["cli", "api", "node"];
const MODE_LABEL = { cli: "run-wasi CLI", api: "run-wasi API", async: "run-wasi async", node: "node:wasi", floor: "floor", base: "baseline API" };
/** The async host runs on JavaScript Promise Integration: Node 24 and later. */
export const hasJspi = typeof WebAssembly.Suspending === "function" && typeof WebAssembly.promising === "function";

/** The hosts a workload runs under each round, in order: a runner-driven one has no CLI. */
export function modesOf(w, opts) {
  const modes = w.runner ? ["api", "node"] : opts.floor && !w.informational ? [...MODES, "floor"] : [...MODES];
  // --baseline: another checkout's API, right after this one's in every round.
  if (opts.baseline && !w.informational) modes.splice(modes.indexOf("api") + 1, 0, "base");
  // The async host, right after the synchronous API in every round, on the same program.
  if (hasJspi && !w.runner) modes.splice(modes.indexOf("api") + 1, 0, "async");
  return modes;
}

/** node's arguments for one run of workload `w` under `mode`. */
export function commandFor(mode, opts, w, wasm, fixtures) {
  const preload = ["--no-warnings", "-r", path.join(here, "runners", "rss.cjs")];
  if (w.runner) return [...preload, path.join(here, "runners", `${w.runner}.mjs`), mode === "base" ? "api" : mode, ...w.args(fixtures)];
  const args = w.args();
  const host = path.join(here, "runners", "host.mjs");
  const noDir = wasm === bigModuleCache?.wasm || args.length === 0;
  switch (mode) {
    case "cli":
      return [...preload, path.join(opts.root, "bin", "run-wasi.js"), ...(noDir ? [] : ["--dir", `${fixtures}::${G}`]), wasm, ...args];
    case "api":
    case "base":
      return [...preload, host, "api", wasm, noDir ? "" : G, fixtures, ...args];
    case "async":
      return [...preload, host, "async", wasm, noDir ? "" : G, fixtures, ...args];
    case "node":
      return [...preload, host, "node", wasm, noDir ? "" : G, fixtures, ...args];
    case "floor":
      return [...preload, path.join(here, "runners", "floor.mjs"), wasm, noDir ? "" : G, fixtures, ...args];
  }
}

/**
 * One run of `workload` under `mode` in a fresh process, checked against `expected`. `under`
 * ({ command, args, env }) runs that command with node's command line appended (strace).
 */
function runOnce(mode, opts, workload, wasm, fixtures, expected, under) {
  workload.reset?.(fixtures);
  const argv = commandFor(mode, opts, workload, wasm, fixtures);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(under?.command ?? process.execPath, under ? [...under.args, process.execPath, ...argv] : argv, {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    env: { ...process.env, RUN_WASI_ROOT: mode === "base" ? opts.baseline : opts.root, ...under?.env },
    maxBuffer: 64 << 20,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const stdout = r.output?.[1]?.toString("utf8") ?? "";
  const stderr = r.output?.[2]?.toString("utf8") ?? "";
  const reports = (r.output?.[3]?.toString("utf8") ?? "")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const info = Object.assign({}, ...reports);
  let error;
  if (r.error) error = String(r.error);
  else if (r.status !== 0) error = `exit status ${r.status ?? r.signal}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`;
  else if (stdout !== expected.line) error = `printed ${JSON.stringify(stdout)}, expected ${JSON.stringify(expected.line)}`;
  else error = workload.check?.(fixtures, expected);
  return {
    wallMs,
    cpuMs: info.cpuMs,
    startMs: info.startMs,
    startCpuMs: info.startCpuMs,
    compileMs: info.compileMs,
    rssKiB: info.maxRssKiB,
    importCalls: info.importCalls,
    error,
  };
}

// --- system calls (--syscalls) -------------------------------------------------------------------
/**
 * One more run of `w` under `mode` (api or node) in strace's syscall window (syscalls.mjs):
 * { importCalls, calls, failed, byName, processCalls }, or { unavailable } when strace cannot run
 * here, or { error } when the run itself went wrong.
 */
function syscallWindow(mode, opts, w, wasm, fixtures, expected) {
  const log = path.join(os.tmpdir(), `run-wasi-bench-strace-${process.pid}.log`);
  try {
    const s = runOnce(mode, opts, w, wasm, fixtures, expected, { command: "strace", args: straceArgs(log), env: { RUN_WASI_BENCH_WINDOW: "1" } });
    const counts = fs.existsSync(log) ? windowCounts(fs.readFileSync(log, "utf8")) : undefined;
    if (s.error) return counts ? { error: s.error } : { unavailable: `strace: ${s.error}` };
    if (!counts) return { unavailable: "strace logged no window" };
    return { importCalls: s.importCalls, ...counts };
  } finally {
    fs.rmSync(log, { force: true });
  }
}

// --- statistics ----------------------------------------------------------------------------------
function median(xs) {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
const geomean = (xs) => (xs.length === 0 ? NaN : Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length));
const paired = (a, b, f) => a.map((x, i) => f(x, b[i]));

function summarize(w, samples, metric) {
  // The metric picks wall or CPU time for both the whole process and start().
  const alias = metric === "cpu" ? { wallMs: "cpuMs", startMs: "startCpuMs" } : {};
  const get = (mode, key) => (samples[mode] ?? []).map((s) => s[alias[key] ?? key]);
  const peakMiB = (mode) => (samples[mode]?.length ? Math.max(...get(mode, "rssKiB")) / 1024 : NaN);
  const s = {
    wallMs: Object.fromEntries(MODES.map((m) => [m, median(get(m, "wallMs"))])),
    startMs: { api: median(get("api", "startMs")), node: median(get("node", "startMs")) },
    compileMs: { api: median(get("api", "compileMs")), node: median(get("node", "compileMs")) },
    rssMiB: Object.fromEntries(MODES.map((m) => [m, peakMiB(m)])),
    ratioCli: median(paired(get("cli", "wallMs"), get("node", "wallMs"), (a, b) => a / b)),
    ratioApi: median(paired(get("api", "startMs"), get("node", "startMs"), (a, b) => a / b)),
    ratioApiWall: median(paired(get("api", "wallMs"), get("node", "wallMs"), (a, b) => a / b)),
    deltaCliMs: median(paired(get("cli", "wallMs"), get("node", "wallMs"), (a, b) => a - b)),
  };
  if (samples.base?.length) {
    s.startMs.base = median(get("base", "startMs"));
    // This checkout's start() over the baseline's, round by round: below 1, this one is faster.
    s.ratioBase = median(paired(get("api", "startMs"), get("base", "startMs"), (a, b) => a / b));
  }
  if (samples.async?.length) {
    s.startMs.async = median(get("async", "startMs"));
    // The async host's start() over the synchronous one's, round by round: its whole cost.
    s.ratioAsync = median(paired(get("async", "startMs"), get("api", "startMs"), (a, b) => a / b));
  }
  if (samples.floor?.length) {
    s.startMs.floor = median(get("floor", "startMs"));
    s.wallMs.floor = median(get("floor", "wallMs"));
    s.ratioFloor = median(paired(get("floor", "startMs"), get("node", "startMs"), (a, b) => a / b));
    s.deltaFloorMs = median(paired(get("floor", "wallMs"), get("node", "wallMs"), (a, b) => a - b));
  }
  // The ratio the target is about: in-process start() for the file-system workloads (what the host
  // adds per call), whole process for start-up and the large module.
  s.primary = w.startup || w.wholeProcess ? s.ratioCli : s.ratioApi;
  // Peak RSS of run-wasi's CLI over node:wasi's; the API's where there is no CLI run.
  s.rssDeltaMiB = (Number.isFinite(s.rssMiB.cli) ? s.rssMiB.cli : s.rssMiB.api) - s.rssMiB.node;
  s.rssMet = s.rssDeltaMiB <= RSS_TARGET_MIB;
  if (w.startup) s.met = s.deltaCliMs <= w.targetMs;
  else if (w.target !== undefined) s.met = s.primary <= w.target;
  return s;
}

// --- output --------------------------------------------------------------------------------------
const fmtMs = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) : "–");
const fmtR = (x) => (Number.isFinite(x) ? x.toFixed(2) : "–");
const fmtMiB = (x) => (Number.isFinite(x) ? x.toFixed(0) : "–");

const fmtN = (x) => (Number.isFinite(x) ? x.toLocaleString("en-US") : "–");

/** Columns aligned: the ones in `left` to the left, the others (numbers) to the right. */
function table(rows, left = new Set([0])) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => (left.has(c) ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join("  ").trimEnd();
      return i === 0 ? `${line}\n${widths.map((w) => "-".repeat(w)).join("  ")}` : line;
    })
    .join("\n");
}

function report(results, opts) {
  const head = [
    "workload",
    "node:wasi ms",
    "CLI ms",
    "CLI÷node",
    "node start()",
    "API start()",
    "API÷node",
    ...(opts.floor ? ["floor÷node"] : []),
    ...(opts.baseline ? ["base start()", "API÷base"] : []),
    ...(hasJspi ? ["async start()", "async÷API"] : []),
    "RSS node/CLI/API MiB",
    `RSS ≤ +${RSS_TARGET_MIB} MiB`,
    "target",
    "met",
  ];
  const rows = [head];
  for (const { w, s, failed } of results) {
    if (failed) {
      rows.push([w.name, "FAILED", ...Array(head.length - 2).fill("")]);
      continue;
    }
    let target = "";
    let met = "";
    if (w.startup) {
      target = `CLI−node ≤ ${w.targetMs} ms (${s.deltaCliMs >= 0 ? "+" : ""}${s.deltaCliMs.toFixed(1)})`;
      met = s.met ? "met" : "NOT MET";
    } else if (w.target !== undefined) {
      target = `API ≤ ${w.target}`;
      met = s.met ? "met" : "NOT MET";
    } else if (w.informational) {
      target = "(info)";
    }
    const rss = Number.isFinite(s.rssDeltaMiB) ? `${s.rssDeltaMiB >= 0 ? "+" : ""}${s.rssDeltaMiB.toFixed(0)} ${s.rssMet ? "met" : "NOT MET"}` : "–";
    rows.push([
      w.name,
      fmtMs(s.wallMs.node),
      fmtMs(s.wallMs.cli),
      fmtR(s.ratioCli),
      fmtMs(s.startMs.node),
      fmtMs(s.startMs.api),
      w.startup ? `(${fmtR(s.ratioApi)})` : fmtR(s.ratioApi),
      ...(opts.baseline ? [fmtMs(s.startMs.base), fmtR(s.ratioBase)] : []),
      ...(hasJspi ? [fmtMs(s.startMs.async), fmtR(s.ratioAsync)] : []),
      ...(opts.floor ? [s.ratioFloor === undefined ? "" : w.startup ? `${s.deltaFloorMs >= 0 ? "+" : ""}${s.deltaFloorMs.toFixed(1)} ms` : fmtR(s.ratioFloor)] : []),
      `${fmtMiB(s.rssMiB.node)}/${fmtMiB(s.rssMiB.cli)}/${fmtMiB(s.rssMiB.api)}`,
      rss,
      target,
      met,
    ]);
  }
  console.log(table(rows, new Set([0, head.length - 2, head.length - 1])));
  const counted = results.filter((r) => !r.failed && !r.w.informational && !r.w.pathHeavy);
  const gPrimary = geomean(counted.map((r) => r.s.primary));
  const gCli = geomean(counted.map((r) => r.s.ratioCli));
  const gApi = geomean(counted.filter((r) => !r.w.startup).map((r) => r.s.ratioApi));
  if (counted.length > 0) {
    console.log(
      `\ngeometric mean over ${counted.length} micro-workloads (API start() ratio; whole process for start-up): ${fmtR(gPrimary)}` +
        `  target ≤ ${GEOMEAN_TARGET}: ${gPrimary <= GEOMEAN_TARGET ? "met" : "NOT MET"}` +
        `\ngeometric mean, CLI whole process: ${fmtR(gCli)}    API start() only (file-system workloads): ${fmtR(gApi)}`,
    );
  }
  if (hasJspi) {
    const asyncRatios = results.filter((r) => !r.failed && r.s.ratioAsync !== undefined && !r.w.startup && !r.w.informational);
    console.log(`run-wasi async ÷ run-wasi API (start()), geometric mean over ${asyncRatios.length} workloads: ${fmtR(geomean(asyncRatios.map((r) => r.s.ratioAsync)))}`);
  }
  if (opts.floor) {
    const floors = counted.filter((r) => !r.w.startup && r.s.ratioFloor !== undefined).map((r) => r.s.ratioFloor);
    console.log(
      `floor (the same program under a bare-minimum node:fs host) ÷ node:wasi, geometric mean over the file-system workloads: ${fmtR(geomean(floors))}` +
        `\n  a target below a workload's floor÷node cannot be met by any host built on node:fs`,
    );
  }
  const big = results.find((r) => r.w.name === "bigmodule" && !r.failed);
  if (big) {
    console.log(
      `bigmodule (${(bigModule().bytes / 1048576).toFixed(1)} MiB): compile ${fmtMs(big.s.compileMs.node)} ms under node:wasi's runner, ` +
        `${fmtMs(big.s.compileMs.api)} ms under run-wasi's API; whole process ${fmtMs(big.s.wallMs.node)} vs ${fmtMs(big.s.wallMs.cli)} ms (CLI)`,
    );
  }
  console.log(
    `\nms: medians over ${opts.rounds} rounds${opts.metric === "cpu" ? " of CPU time (user + system, all threads)" : ""}. "node:wasi ms"/"CLI ms": whole process (spawn to exit); start(): wasi.start() in-process.` +
      `\nratios: medians of the per-round ratios (CLI: whole process; API: start()). RSS: peak over the rounds; the target compares the CLI's (the API's without a CLI run) with node:wasi's.`,
  );
  if (results.some((r) => r.w.pathHeavy)) console.log("path-heavy workloads (resolver, treewalk): their own targets, outside the geometric mean.");
  if (results.some((r) => r.w.runner)) console.log("resolver: a library driven from JavaScript, so no CLI run; its start() columns time the queries, not loading the binding.");
  reportSyscalls(results, opts);
}

function reportSyscalls(results, opts) {
  const measured = results.filter((r) => r.syscalls);
  const wanted = results.some((r) => (opts.syscalls ?? r.w.pathHeavy) && !r.w.informational);
  if (wanted && !straceAvailable()) console.log("\nno system-call counts: strace is not available here (Debian: apt-get install strace)");
  if (measured.length === 0) return;
  const rows = [["workload", "host", "import calls", "system calls", "per import call", "failed", "whole process", "most frequent (failed)"]];
  for (const { w, syscalls } of measured) {
    for (const mode of ["api", "node"]) {
      const c = syscalls[mode];
      const label = [mode === "api" ? w.name : "", mode === "api" ? "run-wasi" : "node:wasi"];
      if (c.unavailable) {
        rows.push([...label, c.unavailable, "", "", "", "", ""]);
        continue;
      }
      const top = c.byName.slice(0, 6).map((e) => `${e.name} ${fmtN(e.calls)}${e.failed ? ` (${fmtN(e.failed)})` : ""}`);
      rows.push([...label, fmtN(c.importCalls), fmtN(c.calls), fmtR(c.calls / c.importCalls), fmtN(c.failed), fmtN(c.processCalls), top.join(", ")]);
    }
  }
  console.log(
    `\nsystem calls while the guest runs: one more run per host (run-wasi's API, node:wasi) under strace -f, counted over the guest's` +
      `\nrun only (start(), or the resolver's queries); "whole process" adds Node's start-up and loading the host.\n`,
  );
  console.log(table(rows, new Set([0, 1, 7])));
}

// --- main ----------------------------------------------------------------------------------------
function main() {
  const opts = parseOptions(process.argv.slice(2));
  let workloads = WORKLOADS;
  if (opts.only) {
    const unknown = opts.only.filter((n) => !WORKLOADS.some((w) => w.name === n));
    if (unknown.length > 0) usage(`unknown workload ${unknown.join(", ")}`);
    workloads = WORKLOADS.filter((w) => opts.only.includes(w.name));
  }
  for (const f of [path.join(opts.root, "dist", "index.js"), path.join(opts.root, "bin", "run-wasi.js")]) {
    if (!fs.existsSync(f)) {
      process.stderr.write(`bench: ${f} is missing: run \`npm run build\` first\n`);
      process.exit(1);
    }
  }
  warnIfStale(opts.root);

  const programs = buildPrograms([...new Set(workloads.map((w) => w.program))]);
  if (workloads.some((w) => w.program === "bigmodule")) programs.bigmodule = bigModule().wasm;

  const base = fixtureBase();
  const fixtures = fs.mkdtempSync(path.join(base, "run-wasi-bench-"));
  const cleanup = () => {
    if (!opts.keep) fs.rmSync(fixtures, { recursive: true, force: true });
  };
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });

  console.log(
    `run-wasi bench: node ${process.version}, ${os.cpus().length}× ${os.cpus()[0]?.model.trim()}, ${os.platform()} ${os.release()}` +
      `\nfixtures in ${fixtures}${base === "/dev/shm" ? " (tmpfs)" : ""}; ${opts.rounds} rounds (+${opts.warmup} warm-up), order CLI, API${hasJspi ? ", async" : ""}, node:wasi each round\n`,
  );
  const load = os.loadavg()[0];
  if (load > os.cpus().length * 0.5) {
    console.log(`note: load average ${load.toFixed(1)} on ${os.cpus().length} CPUs: other work is running, the times will be noisy${opts.metric === "wall" ? " (--metric cpu is steadier)" : ""}\n`);
  }
  const results = [];
  let failures = 0;
  try {
    const fx = makeFixtures(fixtures, new Set(workloads.flatMap((w) => w.needs)));
    for (const w of workloads) {
      const expected = w.expected(fx);
      const modes = modesOf(w, opts);
      const samples = Object.fromEntries(modes.map((m) => [m, []]));
      let failed = w.missing?.();
      process.stdout.write(`${w.name.padEnd(10)} ${w.what} `);
      for (let round = 0; round < opts.warmup + opts.rounds && !failed; round++) {
        for (const mode of modes) {
          const s = runOnce(mode, opts, w, programs[w.program], fixtures, expected);
          if (s.error) {
            failed = `${MODE_LABEL[mode]}: ${s.error}`;
            break;
          }
          if (round >= opts.warmup) samples[mode].push(s);
        }
        process.stdout.write(".");
      }
      let syscalls;
      if (!failed && (opts.syscalls ?? w.pathHeavy) && !w.informational && straceAvailable()) {
        process.stdout.write(" strace");
        syscalls = {};
        for (const mode of ["api", "node"]) {
          syscalls[mode] = syscallWindow(mode, opts, w, programs[w.program], fixtures, expected);
          if (syscalls[mode].error) failed = `${MODE_LABEL[mode]} under strace: ${syscalls[mode].error}`;
        }
      }
      if (failed) {
        failures++;
        process.stdout.write(` FAILED\n  ${failed}\n`);
        results.push({ w, failed, samples });
        continue;
      }
      const s = summarize(w, samples, opts.metric);
      process.stdout.write(` node:wasi ${fmtMs(s.startMs.node)} ms, run-wasi ${fmtMs(s.startMs.api)} ms in ${w.runner ? "the queries" : "start()"}\n`);
      results.push({ w, s, samples, syscalls });
    }
  } finally {
    cleanup();
  }
  console.log("");
  report(results, opts);
  if (hasJspi) {
    const r = spawnSync(process.execPath, [path.join(here, "runners", "suspend.mjs")], { encoding: "utf8", env: { ...process.env, RUN_WASI_ROOT: opts.root } });
    console.log(`\nimport call cost, run-wasi API (sync) and run-wasi async (bench/runners/suspend.mjs):\n${r.status === 0 ? r.stdout.trimEnd() : `FAILED: ${r.stderr}`}`);
  } else {
    console.log(`\nnote: run-wasi async left out: this Node (${process.version}) has no JSPI (WebAssembly.Suspending), which Node 24 and later enable by default`);
  }
  if (opts.json) {
    const git = (...args) => spawnSync("git", ["-C", opts.root, ...args], { encoding: "utf8" }).stdout?.trim() || undefined;
    const out = {
      date: new Date().toISOString(),
      commit: git("rev-parse", "HEAD"),
      dirty: git("status", "--porcelain", "--", "src") ? true : undefined,
      loadavg: os.loadavg(),
      node: process.version,
      cpus: os.cpus().map((c) => c.model)[0],
      ncpu: os.cpus().length,
      platform: `${os.platform()} ${os.release()}`,
      rounds: opts.rounds,
      metric: opts.metric,
      root: opts.root,
      workloads: results.map(({ w, s, failed, samples, syscalls }) => ({
        name: w.name,
        what: w.what,
        target: w.target ?? w.targetMs,
        failed,
        summary: s,
        samples,
        syscalls,
      })),
    };
    fs.writeFileSync(opts.json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`\nwrote ${opts.json}`);
  }
  if (failures > 0) process.exitCode = 1;
}

export function fixtureBase() {
  return fs.existsSync("/dev/shm") && isWritable("/dev/shm") ? "/dev/shm" : os.tmpdir();
}

function isWritable(dir) {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function warnIfStale(root) {
  const newest = (dir) => {
    let t = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (e.isFile()) t = Math.max(t, fs.statSync(path.join(e.parentPath ?? e.path, e.name)).mtimeMs);
    }
    return t;
  };
  try {
    if (newest(path.join(root, "src")) > fs.statSync(path.join(root, "dist", "index.js")).mtimeMs + 1000) {
      // index.js is rewritten by every build, so a newer source file means an unbuilt change.
      process.stderr.write("bench: note: src/ has changes newer than dist/; `npm run build` to measure them\n");
    }
  } catch {
    // No src/ (an installed package): nothing to compare.
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();
