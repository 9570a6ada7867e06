// npm run fuzz -- [--seed N] [--calls N] [options]
//
//   --seed N           the run's seed (default: 1); the same seed draws the same calls
//   --calls N          how many calls in all (default: 100000)
//   --epoch-calls N    calls per epoch, each with a fresh world and WASI (default: 2000)
//   --check-every N    canary check (lstat of every canary entry) every N calls (default: 25)
//   --paranoid         canary check after every call
//   --base DIR         where worlds are built (default: /dev/shm, else the temp dir)
//   --no-shrink        report a failure without shrinking it
//   --keep-going       record a failure and go on (to the end of the epoch and the run); count
//                      failures by kind (the first of each kind is shrunk and shown)
//   --replay FILE      re-run a recorded replay (written by a failing run) and show what happens
//   --json             print the report as JSON
//
// Exit status: 0 when every property held, 1 on a failure (its minimal replay is printed and
// written to tests/fuzz/replays/).
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { errnoName } from "../../src/abi/constants.js";
import { readReplay, runEpoch } from "./engine.js";
import { newRoot, replayText, runFuzz } from "./fuzzer.js";
import { defaultBase } from "./world.js";
import * as fs from "node:fs";

const here = path.dirname(fileURLToPath(import.meta.url));

function parse(argv: string[]) {
  const opts = {
    seed: 1,
    calls: 100_000,
    epochCalls: 2000,
    checkEvery: 25,
    base: undefined as string | undefined,
    shrink: true,
    keepGoing: false,
    replay: undefined as string | undefined,
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = () => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === "--seed") opts.seed = int();
    else if (a === "--calls") opts.calls = int();
    else if (a === "--epoch-calls") opts.epochCalls = Math.max(1, int());
    else if (a === "--check-every") opts.checkEvery = Math.max(1, int());
    else if (a === "--paranoid") opts.checkEvery = 1;
    else if (a === "--base") opts.base = value();
    else if (a === "--no-shrink") opts.shrink = false;
    else if (a === "--keep-going") opts.keepGoing = true;
    else if (a === "--replay") opts.replay = value();
    else if (a === "--json") opts.json = true;
    else if (a === "-h" || a === "--help") {
      const source = fs.readFileSync(fileURLToPath(import.meta.url), "utf8");
      console.log(source.split("\n").filter((l) => l.startsWith("//")).map((l) => l.slice(3)).join("\n"));
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  return opts;
}

function main(): number {
  let opts: ReturnType<typeof parse>;
  try {
    opts = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`fuzz: ${(error as Error).message}`);
    return 2;
  }

  if (opts.replay) {
    const replay = readReplay(opts.replay);
    const root = newRoot(opts.base ?? defaultBase(), replay.rootLength);
    try {
      const out = runEpoch(root, replay.config, { checkEvery: 1, slowMs: 5000 }, replay.calls);
      console.log(replayText({ ...replay, failure: out.failure ?? { kind: "extra", index: -1, detail: "no failure: every property held" } }));
      out.calls.forEach((_c, i) => {
        const r = out.results[i]!;
        console.log(`  #${i} = ${/^\d+$/.test(r) ? errnoName[Number(r)] : r}`);
      });
      return out.failure ? 1 : 0;
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }

  const log = (line: string) => console.error(line);
  log(`fuzz: seed ${opts.seed}, ${opts.calls} calls, ${opts.epochCalls} per epoch, canary check every ${opts.checkEvery}`);
  const report = runFuzz({
    seed: opts.seed,
    calls: opts.calls,
    epochCalls: opts.epochCalls,
    checkEvery: opts.checkEvery,
    base: opts.base,
    shrink: opts.shrink,
    keepGoing: opts.keepGoing,
    replayDir: path.join(here, "replays"),
    log,
  });
  const secs = report.ms / 1000;
  const byErrno = [...report.errnoCounts].sort((a, b) => b[1] - a[1]).map(([e, n]) => `${errnoName[e] ?? e} ${n}`);
  const ok = [...report.successes].sort((a, b) => b[1] - a[1]).map(([fn, n]) => `${fn} ${n}`);
  if (opts.json) {
    console.log(JSON.stringify({
      seed: report.seed, calls: report.calls, epochs: report.epochs, seconds: secs, canaryChecks: report.canaryChecks, atimeChecked: report.atimeChecked,
      errnos: Object.fromEntries([...report.errnoCounts].map(([e, n]) => [errnoName[e] ?? e, n])),
      successes: Object.fromEntries(report.successes), failure: report.failure?.failure, failingEpochs: report.failingEpochs,
    }, null, 2));
  } else {
    console.log(
      `${report.calls} calls in ${report.epochs} epochs, ${secs.toFixed(1)} s (${(report.calls / secs).toFixed(0)} calls/s), ` +
        `${report.canaryChecks} canary checks (reads detected by atime: ${report.atimeChecked ? "yes" : "no, this file system does not show them"})`,
    );
    console.log(`errnos: ${byErrno.join(", ")}`);
    console.log(`successes: ${ok.join(", ")}`);
  }
  if (report.failure) {
    const kinds = new Map<string, number>();
    for (const f of report.failingEpochs) kinds.set(`${f.kind}${f.fn ? ` in ${f.fn}` : ""}`, (kinds.get(`${f.kind}${f.fn ? ` in ${f.fn}` : ""}`) ?? 0) + 1);
    const epochs = new Set(report.failingEpochs.map((f) => f.epoch)).size;
    console.log(`FAILED: ${epochs} of ${report.epochs} epochs failed; failures: ${[...kinds].map(([k, n]) => `${k} ×${n}`).join(", ")}`);
    for (const shown of report.firstOfKind.values()) console.log(shown.text);
    return 1;
  }
  console.log("result: no escaped exception, every errno valid, canary untouched, no outside inode shown, no host fd leaked");
  return 0;
}

process.exitCode = main();
