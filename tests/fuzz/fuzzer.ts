// The fuzzer as a function: `npm run fuzz` (run.ts) and the bounded run in `npm test` (fuzz.test.ts)
// both call runFuzz.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  epochConfig,
  formatCall,
  runEpoch,
  shrink,
  writeReplay,
  type EpochConfig,
  type Failure,
  type ReplayFile,
  type RunOptions,
} from "./engine.js";
import type { Call } from "./gen.js";
import { defaultBase } from "./world.js";

export interface FuzzOptions extends Partial<RunOptions> {
  seed: number;
  calls: number;
  /** Calls per epoch (fresh world and WASI each). */
  epochCalls?: number;
  /** Directory under which the world is built (default: /dev/shm, else the temp dir). */
  base?: string;
  shrink?: boolean;
  /** Where a failing run's replay is written. */
  replayDir?: string;
  log?: (line: string) => void;
  /** Stop after this many ms (the calls done so far are reported). */
  timeLimitMs?: number;
  /** Go on after a failing epoch (the first failure of each kind is shrunk and shown). */
  keepGoing?: boolean;
}

export interface FuzzReport {
  seed: number;
  calls: number;
  epochs: number;
  ms: number;
  canaryChecks: number;
  /** Whether canary reads were detected by atime (false: the file system does not show reads). */
  atimeChecked: boolean;
  /** How often each errno came back, over all calls. */
  errnoCounts: Map<number, number>;
  /** Successful calls per import. */
  successes: Map<string, number>;
  /** The first failure (shrunk). */
  failure?: ShownFailure;
  /** With keepGoing: every failing epoch, and the first failure of each kind, shrunk. */
  failingEpochs: { epoch: number; kind: string; fn?: string; detail: string }[];
  firstOfKind: Map<string, ShownFailure>;
}

export interface ShownFailure {
  config: EpochConfig;
  failure: Failure;
  minimal: Call[];
  replayFile?: string;
  text: string;
}

/** A fresh root directory name of a fixed length (so that replays can rebuild the same shape). */
export function newRoot(base: string, length?: number): string {
  const prefix = path.join(base, "run-wasi-fuzz-");
  const suffixLength = length === undefined ? 12 : length - prefix.length;
  if (suffixLength < 4) throw new Error(`cannot make a root path of length ${length} under ${base}`);
  return prefix + randomBytes(suffixLength).toString("hex").slice(0, suffixLength);
}

export function runFuzz(options: FuzzOptions): FuzzReport {
  const log = options.log ?? (() => {});
  const epochCalls = options.epochCalls ?? 2000;
  const runOptions: RunOptions = {
    checkEvery: options.checkEvery ?? 25,
    slowMs: options.slowMs ?? 5000,
    extraCheck: options.extraCheck,
    keepGoing: options.keepGoing,
  };
  const base = options.base ?? defaultBase();
  const root = newRoot(base);
  const report: FuzzReport = {
    seed: options.seed,
    calls: 0,
    epochs: 0,
    ms: 0,
    canaryChecks: 0,
    atimeChecked: true,
    errnoCounts: new Map(),
    successes: new Map(),
    failingEpochs: [],
    firstOfKind: new Map(),
  };
  const t0 = performance.now();
  let lastLog = t0;
  try {
    for (let epoch = 0; report.calls < options.calls; epoch++) {
      if (options.timeLimitMs !== undefined && performance.now() - t0 > options.timeLimitMs) break;
      const n = Math.min(epochCalls, options.calls - report.calls);
      const cfg = epochConfig(options.seed, epoch, n);
      const out = runEpoch(root, cfg, runOptions);
      report.epochs++;
      report.calls += out.calls.length;
      report.canaryChecks += out.canaryChecks;
      report.atimeChecked &&= out.atimeChecked;
      for (const [key, count] of out.errnos) {
        const [fn, errno] = key.split("=") as [string, string];
        report.errnoCounts.set(Number(errno), (report.errnoCounts.get(Number(errno)) ?? 0) + count);
        if (errno === "0") report.successes.set(fn, (report.successes.get(fn) ?? 0) + count);
      }
      for (const f of out.failures) {
        report.failingEpochs.push({ epoch, kind: f.kind, fn: f.fn, detail: f.detail.split("\n")[0]! });
        log(`FAILED at seed ${options.seed}, epoch ${epoch}, call ${f.index}: ${f.kind} ${f.fn ?? ""}`);
        log(f.detail);
        if (!report.firstOfKind.has(f.kind)) {
          let minimal = out.calls;
          let failure = f;
          if (options.shrink !== false) {
            log(`shrinking ${out.calls.length} calls…`);
            const s = shrink(root, cfg, runOptions, out.calls, f, log);
            minimal = s.calls;
            failure = s.failure;
            log(`shrunk to ${minimal.length} calls in ${s.trials} trials`);
          }
          const replay: ReplayFile = { config: cfg, rootLength: root.length, failure, calls: minimal };
          let replayFile: string | undefined;
          if (options.replayDir !== undefined) {
            replayFile = path.join(options.replayDir, `fuzz-replay-seed${options.seed}-epoch${epoch}.json`);
            writeReplay(replayFile, replay);
          }
          const shown: ShownFailure = { config: cfg, failure, minimal, replayFile, text: replayText(replay, replayFile) };
          report.firstOfKind.set(f.kind, shown);
          report.failure ??= shown;
          if (options.keepGoing) log(shown.text);
        }
      }
      if (out.failure && !options.keepGoing) {
        report.ms = performance.now() - t0;
        return report;
      }
      const now = performance.now();
      if (now - lastLog > 10_000) {
        lastLog = now;
        const rate = report.calls / ((now - t0) / 1000);
        log(`  ${report.calls} calls, ${report.epochs} epochs, ${rate.toFixed(0)} calls/s`);
      }
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  report.ms = performance.now() - t0;
  return report;
}

export function replayText(replay: ReplayFile, file?: string): string {
  const c = replay.config;
  const lines = [
    `minimal replay (${replay.calls.length} calls) — seed ${c.seed}, epoch ${c.epoch}: ${replay.failure.kind}${replay.failure.fn ? ` in ${replay.failure.fn}` : ""}`,
    `  world: ${c.unstable ? "wasi_unstable" : "wasi_snapshot_preview1"}, windowsPaths=${c.windowsPaths}, trace=${c.trace}, ` +
      `memory ${c.pages}..${c.maxPages} pages, stdin ${c.stdin}; preopens /sandbox = canary/scratch (fd 3), /ro = canary/ro read-only (fd 4)`,
  ];
  replay.calls.forEach((call, i) => {
    const writes = call.writes.length > 0 && /iov|sub|poll|sock_(recv|send)|fd_(read|write|pread|pwrite)/.test(call.fn)
      ? `   [memory: ${call.writes.map((w) => `${w.at}: ${w.root ? "<root>+" : ""}${w.hex.length > 64 ? `${w.hex.slice(0, 64)}…(${w.hex.length / 2} bytes)` : w.hex}`).join("; ")}]`
      : "";
    lines.push(`  ${String(i).padStart(3)}  ${formatCall(call, replay.rootLength)}${writes}`);
  });
  lines.push(`  => ${replay.failure.kind}: ${replay.failure.detail.split("\n").slice(0, 6).join("\n     ")}`);
  if (file) lines.push(`  replay it: npx tsx tests/fuzz/run.ts --replay ${file}`);
  return lines.join("\n");
}
