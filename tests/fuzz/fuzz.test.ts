// The bounded fuzz run that is part of `npm test` (the long run is `npm run fuzz`), and checks that
// the fuzzer's own machinery (canary, fd-leak detection, shrinking) sees what it is meant to see.
import * as fs from "node:fs";
import t from "tap";
import { errnoName } from "../../src/abi/constants.js";
import { runEpoch, epochConfig, readReplay, writeReplay } from "./engine.js";
import { newRoot, runFuzz } from "./fuzzer.js";
import { buildWorld, checkCanary, checkCanaryFull, defaultBase, fdCountingOff, hostFds, leakedFds } from "./world.js";

const SEED = 20_240_601;
const CALLS = 20_000;

t.test(`bounded run: ${CALLS} calls (seed ${SEED}), every property holds`, async (t) => {
  // keepGoing: a failing epoch is counted and the run goes on, so that one known bug does not hide
  // another; the first failure of each kind is shrunk and shown.
  const report = runFuzz({ seed: SEED, calls: CALLS, epochCalls: 2000, checkEvery: 20, keepGoing: true });
  for (const shown of report.firstOfKind.values()) t.comment(shown.text);
  if (fdCountingOff) t.comment(`the fd-leak property is not checked here: ${fdCountingOff}`);
  t.same(
    report.failingEpochs.map((f) => `epoch ${f.epoch}: ${f.kind}${f.fn ? ` in ${f.fn}` : ""}: ${f.detail}`),
    [],
    "no exception, no invalid errno, no canary change, no outside inode shown, no fd leaked",
  );
  t.ok(report.calls >= CALLS * 0.9, `${report.calls} calls ran`);
  t.ok(report.canaryChecks >= report.calls / 20, `${report.canaryChecks} canary checks`);
  // The run reaches the file system, not only the argument checks.
  for (const fn of ["path_open", "path_symlink", "path_create_directory", "fd_read", "fd_write", "fd_readdir"]) {
    t.ok((report.successes.get(fn) ?? 0) > 0, `${fn} succeeded ${report.successes.get(fn) ?? 0} times`);
  }
  t.ok((report.errnoCounts.get(76) ?? 0) > 100, `sandbox refusals (NOTCAPABLE): ${report.errnoCounts.get(76)}`);
  t.comment(`${report.calls} calls, ${(report.ms / 1000).toFixed(1)} s; errnos: ${[...report.errnoCounts].sort((a, b) => b[1] - a[1]).map(([e, n]) => `${errnoName[e]} ${n}`).join(", ")}`);
});

t.test("the same seed draws the same calls", async (t) => {
  const root = newRoot(defaultBase());
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const cfg = epochConfig(7, 3, 300);
  const a = runEpoch(root, cfg, { checkEvery: 50, slowMs: 5000 });
  const b = runEpoch(root, cfg, { checkEvery: 50, slowMs: 5000 });
  t.same(b.calls, a.calls);
  t.same(b.results, a.results);
});

t.test("a planted failure is found, shrunk to its one call, and replays from its file", async (t) => {
  const dir = fs.mkdtempSync(`${defaultBase()}/run-wasi-fuzz-replay-`);
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const report = runFuzz({
    seed: 3,
    calls: 5000,
    replayDir: dir,
    // "A directory was created" stands in for a bug that needs one call among many.
    extraCheck: (call, result) => (call.fn === "path_create_directory" && result === 0 ? "planted" : undefined),
  });
  t.ok(report.failure, "the planted failure is found");
  // One call, after the memory.grow that made room for its path when the path lies in grown memory.
  const minimal = report.failure?.minimal ?? [];
  t.equal(minimal.at(-1)?.fn, "path_create_directory", "the failing call is last");
  t.ok(minimal.slice(0, -1).every((c) => c.fn === "memory.grow"), `nothing else is kept: ${minimal.map((c) => c.fn).join(", ")}`);
  t.match(report.failure?.text ?? "", /minimal replay \(\d calls\)/);
  const replay = readReplay(report.failure!.replayFile!);
  t.equal(replay.calls.length, minimal.length);
  writeReplay(`${dir}/again.json`, replay);
  t.same(readReplay(`${dir}/again.json`), replay, "replay files round-trip (bigints included)");
});

t.test("the canary check sees a canary file read, changed, or created beside", async (t) => {
  const root = newRoot(defaultBase());
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  let world = buildWorld(root);
  t.equal(checkCanary(world), undefined, "untouched at first");
  if (world.atimeWorks) {
    fs.readFileSync(`${world.canary}/c-file.txt`);
    t.match(checkCanary(world), /c-file\.txt: atime/, "a read shows");
  } else {
    t.comment("this file system does not update atime on reads: read detection is off");
  }
  world = buildWorld(root);
  fs.appendFileSync(`${world.canary}/c-dir/c-inner.txt`, "!");
  t.match(checkCanary(world), /c-inner\.txt/, "a write shows");
  world = buildWorld(root);
  fs.writeFileSync(`${world.canary}/c-dir/new`, "");
  t.match(checkCanary(world), /c-dir: /, "a file created in a canary directory shows (its mtime)");
  t.match(checkCanaryFull(world), /c-dir/);
  world = buildWorld(root);
  fs.writeFileSync(`${world.scratch}/new`, "");
  fs.readFileSync(`${world.scratch}/file`);
  t.equal(checkCanaryFull(world), undefined, "work inside scratch/ is not a canary change");
});

t.test("the fd-leak check sees a host fd left open", { skip: fdCountingOff }, async (t) => {
  const before = hostFds();
  t.ok(before.size > 0, "/proc/self/fd is readable");
  const fd = fs.openSync("/dev/null", "r");
  t.match(leakedFds(before).join(), new RegExp(`^${fd} -> /dev/null$`));
  fs.closeSync(fd);
  t.same(leakedFds(before), []);
});
