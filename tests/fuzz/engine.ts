// Runs generated (or recorded) call sequences against a fresh world and WASI instance, checks the
// properties after every call, and shrinks a failing sequence to a minimal replay.
//
// A run is made of epochs: each epoch builds a fresh world (canary, scratch preopen, read-only
// preopen), a fresh WASI and memory, makes `epochCalls` calls, then closes every guest fd through
// fd_close and compares the process's open fds with those before it. An epoch depends only on
// (seed, epoch), so a failure is replayed from its recorded calls alone.
//
// Properties:
//   exception  no exception leaves an import (proc_raise's exit sentinel for a terminating signal excepted)
//   errno      every import returns an integer errno in 0..76
//   canary     nothing outside scratch/ is created, read, changed or deleted (every `checkEvery` calls
//              by lstat, at the end by listing and content too)
//   ino-leak   no filestat or dirent the guest receives carries the inode number of anything outside
//              the preopens (reading metadata outside is reaching outside too)
//   fd-leak    once the guest's fds are closed, the process holds exactly the host fds it held before
//   slow       no call takes more than `slowMs` (a hang is a failure too)
import * as fs from "node:fs";
import * as path from "node:path";
import { ProcExit } from "../../src/errors.js";
import { WASI } from "../../src/index.js";
import type { Call, Model } from "./gen.js";
import { generate, RESERVED } from "./gen.js";
import { Rng } from "./rng.js";
import { buildWorld, checkCanary, checkCanaryFull, hostFds, leakedFds, type World } from "./world.js";

export interface EpochConfig {
  seed: number;
  epoch: number;
  calls: number;
  unstable: boolean;
  windowsPaths: boolean;
  trace: boolean;
  pages: number;
  maxPages: number;
  stdin: "bytes" | "function";
}

export interface RunOptions {
  /** Canary check every N calls (1 = after every call). */
  checkEvery: number;
  /** A call slower than this fails the run. */
  slowMs: number;
  /** Extra property, for testing the fuzzer itself: return a message to fail. */
  extraCheck?: (call: Call, result: number) => string | undefined;
  /** Record a failure and go on with the epoch (to its end-of-epoch checks) instead of stopping. */
  keepGoing?: boolean;
}

export interface Failure {
  kind: "exception" | "errno" | "canary" | "ino-leak" | "fd-leak" | "slow" | "extra";
  /** Index of the call after which it was seen (calls.length for end-of-epoch checks). */
  index: number;
  fn?: string;
  detail: string;
}

export interface EpochOutcome {
  /** The first failure. */
  failure?: Failure;
  /** With keepGoing: every failure seen in the epoch. */
  failures: Failure[];
  calls: Call[];
  results: string[];
  errnos: Map<string, number>;
  canaryChecks: number;
  /** Whether canary reads were detectable (the file system updates atime on read). */
  atimeChecked: boolean;
}

/** The epoch's configuration, drawn from (seed, epoch) alone. */
export function epochConfig(seed: number, epoch: number, calls: number): EpochConfig {
  const r = new Rng(seed, epoch, 0xc0f1);
  const pages = r.pick([1, 1, 2, 3]);
  return {
    seed,
    epoch,
    calls,
    unstable: r.chance(0.2),
    windowsPaths: r.chance(0.25),
    trace: r.chance(0.15),
    pages,
    maxPages: pages + r.pick([1, 3, 7]),
    stdin: r.chance(0.5) ? "bytes" : "function",
  };
}

const TERMINATING = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 23, 24, 25, 26, 28, 29, 30]);

interface Env {
  wasi: WASI;
  memory: WebAssembly.Memory;
  imports: Record<string, (...args: unknown[]) => unknown>;
  model: Model;
  rootBytes: Uint8Array;
}

function makeEnv(world: World, cfg: EpochConfig): Env {
  const memory = new WebAssembly.Memory({ initial: cfg.pages, maximum: cfg.maxPages });
  let stdinLeft = 3;
  const wasi = new WASI({
    version: cfg.unstable ? "unstable" : "preview1",
    args: ["fuzz", "--flag", "\u00e9t\u00e9"],
    env: { HOME: "/sandbox", EMPTY: "" },
    preopens: { "/sandbox": world.scratch, "/ro": { path: world.ro, readonly: true } },
    stdin:
      cfg.stdin === "bytes"
        ? new TextEncoder().encode("line one\nline two\n")
        : (max: number) => (stdinLeft-- > 0 ? "x".repeat(Math.min(max, 5)) : null),
    stdout: () => {},
    stderr: () => {},
    trace: cfg.trace ? () => {} : undefined,
    windowsPaths: cfg.windowsPaths,
  });
  wasi.initialize({ exports: { memory } });
  const module = cfg.unstable ? "wasi_unstable" : "wasi_snapshot_preview1";
  const imports = wasi.getImportObject()[module] as Record<string, (...args: unknown[]) => unknown>;
  const rootBytes = new TextEncoder().encode(world.root);
  return {
    wasi,
    memory,
    imports,
    rootBytes,
    model: {
      memSize: memory.buffer.byteLength,
      pages: cfg.pages,
      maxPages: cfg.maxPages,
      open: new Set([0, 1, 2, 3, 4]),
      closed: [],
      maxFd: 4,
      rootBytes,
      unstable: cfg.unstable,
      windows: cfg.windowsPaths,
      dirs: new Set([3, 4]),
      lastDir: 3,
      queue: [],
    },
  };
}

function applyWrites(env: Env, call: Call): void {
  const bytes = new Uint8Array(env.memory.buffer);
  for (const w of call.writes) {
    const data = Buffer.from(w.hex, "hex");
    const full = w.root ? Buffer.concat([env.rootBytes, data]) : data;
    if (w.at >= 0 && w.at + full.byteLength <= bytes.byteLength) bytes.set(full, w.at);
  }
}

function u32At(env: Env, ptr: number): number | undefined {
  const p = ptr >>> 0;
  const view = new DataView(env.memory.buffer);
  return p + 4 <= view.byteLength ? view.getUint32(p, true) : undefined;
}

/** What a successful call did to the fd table, as far as the generator needs to know. */
function updateModel(env: Env, call: Call, result: number): void {
  const m = env.model;
  m.memSize = env.memory.buffer.byteLength;
  m.pages = m.memSize / 65536;
  if (result !== 0) return;
  const a = call.args;
  if (call.fn === "path_open") {
    const fd = u32At(env, a[8] as number);
    if (fd !== undefined) {
      m.open.add(fd);
      m.maxFd = Math.max(m.maxFd, fd);
      // What kind of fd it is, so that path calls go to directories more often (bytes 0..24 are ours).
      if (env.imports.fd_fdstat_get!(fd, 0) === 0 && new Uint8Array(env.memory.buffer)[0] === 3) {
        m.dirs.add(fd);
        m.lastDir = fd;
      } else m.dirs.delete(fd);
    }
  } else if (call.fn === "fd_close") {
    const fd = (a[0] as number) >>> 0;
    m.open.delete(fd);
    m.dirs.delete(fd);
    m.closed.push(fd);
    if (m.closed.length > 16) m.closed.shift();
  } else if (call.fn === "fd_renumber") {
    const from = (a[0] as number) >>> 0;
    const to = (a[1] as number) >>> 0;
    if (from !== to) {
      if (m.dirs.has(from)) m.dirs.add(to);
      else m.dirs.delete(to);
      m.dirs.delete(from);
      m.open.delete(from);
      m.closed.push(from);
      if (m.closed.length > 16) m.closed.shift();
    }
  }
}

/** Runs one call; returns its errno, or the failure it caused. */
function execute(env: Env, call: Call, slowMs: number): { result: number } | { failure: Omit<Failure, "index"> } {
  if (call.fn === "memory.grow") {
    const pages = Number(call.args[0] ?? 0);
    if (pages > 0 && env.model.pages + pages <= env.model.maxPages) env.memory.grow(pages);
    return { result: 0 };
  }
  applyWrites(env, call);
  const fn = env.imports[call.fn];
  if (typeof fn !== "function") return { failure: { kind: "exception", fn: call.fn, detail: `no import ${call.fn}` } };
  const t0 = performance.now();
  let result: unknown;
  try {
    result = fn(...call.args);
  } catch (error) {
    if (error instanceof ProcExit && call.fn === "proc_raise") {
      const sig = (call.args[0] as number) >>> 0;
      if (TERMINATING.has(sig) && error.code === 128 + sig) return { result: 0 };
    }
    const detail = error instanceof Error ? `${error.constructor.name}: ${error.message}\n${error.stack ?? ""}` : `threw ${String(error)}`;
    return { failure: { kind: "exception", fn: call.fn, detail } };
  }
  const ms = performance.now() - t0;
  if (typeof result !== "number" || !Number.isInteger(result) || result < 0 || result > 76) {
    return { failure: { kind: "errno", fn: call.fn, detail: `returned ${String(result)} (${typeof result})` } };
  }
  if (ms > slowMs) return { failure: { kind: "slow", fn: call.fn, detail: `took ${ms.toFixed(0)} ms` } };
  return { result };
}

/** Inode numbers the guest must never see: everything in the world but the two preopens' trees. */
function forbiddenInodes(world: World): Map<bigint, string> {
  const out = new Map<bigint, string>();
  for (const [r, st] of world.baseline) {
    if (r === "canary/scratch" || r === "canary/ro" || r.startsWith("canary/ro/")) continue;
    out.set(st.ino, r || ".");
  }
  return out;
}

/** The inode numbers a successful call wrote for the guest to see. */
function inodesShown(env: Env, call: Call): bigint[] {
  const a = call.args;
  const view = new DataView(env.memory.buffer);
  const at = (ptr: number, n: number) => (ptr >>> 0) + n <= view.byteLength;
  if (call.fn === "fd_filestat_get" || call.fn === "path_filestat_get") {
    const out = (call.fn === "fd_filestat_get" ? a[1] : a[4]) as number;
    return at(out, 16) ? [view.getBigUint64((out >>> 0) + 8, true)] : [];
  }
  if (call.fn === "fd_readdir") {
    const buf = (a[1] as number) >>> 0;
    const used = u32At(env, a[4] as number) ?? 0;
    const inos: bigint[] = [];
    for (let p = buf; p + 24 <= buf + used && at(p, 24); ) {
      inos.push(view.getBigUint64(p + 8, true));
      p += 24 + view.getUint32(p + 16, true);
    }
    return inos;
  }
  return [];
}

/** Closes every fd the guest holds, through the imports, as a guest exiting would. */
function closeAll(env: Env): void {
  const probeTo = Math.max(env.model.maxFd, ...env.model.open) + 16;
  const fdstat = env.imports.fd_fdstat_get!;
  const close = env.imports.fd_close!;
  for (let fd = 0; fd <= probeTo; fd++) {
    if (fdstat(fd, 0) === 0) close(fd);
  }
  for (const fd of env.model.open) if (fd > probeTo && fdstat(fd, 0) === 0) close(fd);
}

export function runEpoch(root: string, cfg: EpochConfig, options: RunOptions, replay?: readonly Call[]): EpochOutcome {
  options = { ...options };
  const world = buildWorld(root);
  const fdsBefore = hostFds();
  const env = makeEnv(world, cfg);
  const forbidden = forbiddenInodes(world);
  const rng = new Rng(cfg.seed, cfg.epoch);
  const calls: Call[] = [];
  const results: string[] = [];
  const errnos = new Map<string, number>();
  let canaryChecks = 0;
  const total = replay ? replay.length : cfg.calls;
  const failures: Failure[] = [];
  const outcome = (): EpochOutcome => ({ failure: failures[0], failures, calls, results, errnos, canaryChecks, atimeChecked: world.atimeWorks });
  /** Records a failure; true when the epoch must stop here. */
  const fail = (f: Failure): boolean => {
    failures.push(f);
    return !options.keepGoing;
  };
  const stop = (): EpochOutcome => {
    try {
      closeAll(env);
    } catch {
      // The failure is what is reported.
    }
    return outcome();
  };

  for (let i = 0; i < total; i++) {
    const call = replay ? replay[i]! : generate(rng, env.model);
    calls.push(call);
    const result = execute(env, call, options.slowMs);
    if ("failure" in result) {
      results.push(result.failure.kind);
      if (fail({ ...result.failure, index: i })) return stop();
      continue;
    }
    results.push(String(result.result));
    const key = `${call.fn}=${result.result}`;
    errnos.set(key, (errnos.get(key) ?? 0) + 1);
    if (result.result === 0) {
      for (const ino of inodesShown(env, call)) {
        const what = forbidden.get(ino);
        if (what !== undefined && fail({ kind: "ino-leak", index: i, fn: call.fn, detail: `the guest was shown the inode of ${what} (${ino})` })) return stop();
        if (what !== undefined) break;
      }
    }
    updateModel(env, call, result.result);
    const extra = options.extraCheck?.(call, result.result);
    if (extra && fail({ kind: "extra", index: i, fn: call.fn, detail: extra })) return stop();
    if ((i + 1) % options.checkEvery === 0) {
      canaryChecks++;
      const bad = checkCanary(world);
      if (bad) {
        if (fail({ kind: "canary", index: i, fn: call.fn, detail: bad })) return stop();
        // Going on, every later check would report the same change: rebuild nothing, stop checking.
        options = { ...options, checkEvery: Number.MAX_SAFE_INTEGER };
      }
    }
  }

  closeAll(env);
  const leaks = leakedFds(fdsBefore);
  if (leaks.length > 0) failures.push({ kind: "fd-leak", index: total, detail: `host fds left open: ${leaks.join(", ")}` });
  canaryChecks++;
  if (!failures.some((f) => f.kind === "canary")) {
    const bad = checkCanaryFull(world);
    if (bad) failures.push({ kind: "canary", index: total, detail: bad });
  }
  return outcome();
}

// ---- shrinking --------------------------------------------------------------------------------

function sameFailure(a: Failure, b: Failure | undefined): boolean {
  if (!b || a.kind !== b.kind) return false;
  return a.kind === "fd-leak" || a.kind === "canary" || a.fn === b.fn;
}

/**
 * Delta debugging (ddmin) over the call list: the smallest list found that still fails the same
 * way. Canary checks run after every call while shrinking.
 */
export function shrink(
  root: string,
  cfg: EpochConfig,
  options: RunOptions,
  calls: readonly Call[],
  failure: Failure,
  log: (line: string) => void = () => {},
): { calls: Call[]; failure: Failure; trials: number } {
  const strict = { ...options, checkEvery: 1, keepGoing: false };
  let trials = 0;
  const test = (list: readonly Call[]): Failure | undefined => {
    trials++;
    const out = runEpoch(root, cfg, strict, list);
    return sameFailure(failure, out.failure) ? out.failure : undefined;
  };
  let current = calls.slice(0, Math.min(calls.length, failure.index + 1));
  let last = test(current);
  if (!last) {
    current = calls.slice();
    last = test(current);
    if (!last) return { calls: current, failure, trials }; // not reproducible alone: give it whole
  }
  // Cut everything after the (now exactly located) failing call.
  current = current.slice(0, Math.min(current.length, last.index + 1));
  let n = 2;
  while (current.length >= 2) {
    const chunk = Math.ceil(current.length / n);
    let reduced = false;
    for (let start = 0; start < current.length; start += chunk) {
      const complement = [...current.slice(0, start), ...current.slice(start + chunk)];
      const f = complement.length > 0 ? test(complement) : undefined;
      if (f) {
        current = complement.slice(0, Math.min(complement.length, f.index + 1));
        last = f;
        n = Math.max(n - 1, 2);
        reduced = true;
        log(`  shrinking: ${current.length} calls`);
        break;
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(n * 2, current.length);
    }
  }
  return { calls: current, failure: last, trials };
}

// ---- showing a replay ---------------------------------------------------------------------------

export interface ReplayFile {
  config: EpochConfig;
  /** Root path length when recorded: writes marked `root` insert the root's bytes. */
  rootLength: number;
  failure: Failure;
  calls: Call[];
}

function describeArg(call: Call, i: number, rootLength: number): string {
  const v = call.args[i]!;
  if (typeof v === "bigint") return `${v}n`;
  const u = v >>> 0;
  const w = call.writes.find((w) => w.at === u);
  const next = call.args[i + 1];
  if (w && typeof next === "number") {
    const data = Buffer.from(w.hex, "hex");
    const shown = w.root ? `<root:${rootLength}>${data.toString("latin1")}` : data.toString("utf8");
    if (data.byteLength <= 120 && !/iov|sub/.test(call.fn)) return `${u} /*${JSON.stringify(shown)}*/`;
  }
  return u > 0xffff ? `0x${u.toString(16)}` : String(u);
}

export function formatCall(call: Call, rootLength: number): string {
  const args = call.args.map((_, i) => describeArg(call, i, rootLength)).join(", ");
  return `${call.fn}(${args})`;
}

export function writeReplay(file: string, replay: ReplayFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(replay, (_k, v) => (typeof v === "bigint" ? `${v}n` : v), 2));
}

export function readReplay(file: string): ReplayFile {
  return JSON.parse(fs.readFileSync(file, "utf8"), (_k, v) => (typeof v === "string" && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v));
}

export { RESERVED };
