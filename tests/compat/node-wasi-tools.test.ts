// The tools built on node:wasi, from the npm registry, with run-wasi's WASI in node:wasi's place (the
// package's own entries in dist/, as a user gets them), each in a child process with worker threads:
// @emnapi/wasi-threads driving a wasi-threads command (fixtures/threads.wat), and the loader napi-rs
// generated for @oxc-parser/binding-wasm32-wasi (wasm32-wasip1-threads), synchronous and threaded calls.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import t from "tap";
import { repoRoot, tempDir, watToWasm } from "../helpers/harness.js";

const run = promisify(execFile);
// The Wine lane stages node_modules as a farm of symlinks, which Windows Node.js under Wine does not
// see as links (scripts/windows-lane.sh): these packages' own dependencies and worker scripts do not
// load there ("Cannot find module '@napi-rs/wasm-runtime'"). They are plain JavaScript and wasm,
// the same on every OS; the Linux lanes run them.
const skip = process.env.RUN_WASI_LANE === "wine" ? "the Wine lane's symlinked node_modules: these packages' dependencies do not resolve under Wine" : false;
const fixtures = path.join(repoRoot, "tests/compat/fixtures");
const esmEntry = path.join(repoRoot, "dist/index.js");
const cjsEntry = path.join(repoRoot, "dist/index.cjs");

t.before(() => {
  if (!fs.existsSync(esmEntry) || !fs.existsSync(cjsEntry)) throw new Error("dist/ is not built: run `npm run build` first");
});

t.test("@emnapi/wasi-threads: a wasi-threads command, its threads in worker threads", { skip }, async (t) => {
  const wasm = path.join(tempDir(), "threads.wasm");
  fs.writeFileSync(wasm, await watToWasm(fs.readFileSync(path.join(fixtures, "threads.wat"), "utf8")));
  const env = { ...process.env, RUN_WASI_HOST: pathToFileURL(esmEntry).href };
  // initialize: the main thread's memory bound through kSetMemory, then spawn(3) called from JS;
  // start: _start spawns 2. Either way each thread's own WASI is started over a do-nothing _start
  // and kStarted set back to false before the thread runs.
  const [initialize, start] = await Promise.all(
    (["initialize", "start"] as const).map((mode) =>
      run(process.execPath, [path.join(fixtures, "emnapi-threads.mjs"), wasm, mode, mode === "start" ? "2" : "3"], { env, timeout: 30_000 }),
    ),
  );
  for (const [mode, result, threads] of [["initialize", initialize, 3], ["start", start, 2]] as const) {
    const lines = result.stdout.trim().split("\n");
    const report = JSON.parse(lines.pop()!) as { mainErrno: number; threads: number; tids: number[]; errnos: number[] };
    t.equal(report.mainErrno, 0, `${mode}: the main thread's fd_write succeeded`);
    t.equal(report.threads, threads, `${mode}: every thread ran`);
    t.same(report.errnos, Array(threads).fill(0), `${mode}: each thread's fd_write, through its worker's WASI, succeeded`);
    t.equal(new Set(report.tids.filter((tid) => tid > 0)).size, threads, `${mode}: distinct thread ids`);
    t.same(lines.sort(), ["main says hi", ...Array(threads).fill("thread says hi")].sort(), `${mode}: what the guest wrote`);
  }
});

t.test("@oxc-parser/binding-wasm32-wasi through its generated loader: sync and threaded parses", { skip }, async (t) => {
  const dir = tempDir();
  const log = path.join(dir, "wasi-threads.log");
  const { stdout } = await run(process.execPath, [path.join(fixtures, "oxc-parser.cjs"), dir], {
    env: { ...process.env, RUN_WASI_ENTRY: cjsEntry, RUN_WASI_LOG: log },
    timeout: 60_000,
  });
  const report = JSON.parse(stdout.trim().split("\n").pop()!) as { sync: unknown[]; threaded: unknown[] };
  const expected = [
    { errors: 0, body: ["VariableDeclaration"], imports: 0 },
    { errors: 0, body: ["ExportNamedDeclaration"], imports: 0 },
    { errors: 0, body: ["ImportDeclaration", "ExpressionStatement"], imports: 1 },
    { errors: 1, body: [], imports: 0 },
  ];
  t.same(report.sync, expected, "parseSync on the main thread");
  t.same(report.threaded, expected, "parse, as async work on the worker threads");
  const threads = fs.readFileSync(log, "utf8").trim().split("\n").map(Number);
  t.ok(threads.includes(0), "the main thread made a run-wasi WASI");
  t.ok(threads.some((id) => id > 0), `worker threads made theirs (threads ${threads.join(", ")})`);
});
