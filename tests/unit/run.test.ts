// run(): a guest in a worker thread, output collected, files in memory, stopped at a timeout with
// every host descriptor released, traps resolved, misuse rejected.
import * as fs from "node:fs";
import { readFileSync } from "node:fs";
import t from "tap";
import { run } from "../../src/index.js";
// Timings are taken with the built package: from source, a worker spends about a second compiling
// TypeScript before the guest starts, which is tsx's cost, not run()'s.
import { run as runBuilt } from "../../dist/index.js";
import { repoRoot, tempDir, wat, watToWasm } from "../helpers/harness.js";

const PREAMBLE = `
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)`;

/** Copies stdin to stdout, 4 KiB at a time. */
const CAT = `(module ${PREAMBLE}
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (i32.const 4096))
    (block $done (loop $more
      (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
      (br_if $done (i32.eqz (i32.load (i32.const 8))))
      (i32.store (i32.const 4) (i32.load (i32.const 8)))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))
      (i32.store (i32.const 4) (i32.const 4096))
      (br $more)))))`;

/** Opens what it holds, then never calls the host again. */
const HOLD_THEN_SPIN = `(module ${PREAMBLE}
  (data (i32.const 100) "a.txt")
  (data (i32.const 120) "sub/deeper/b.txt")
  (func (export "_start")
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 5) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0)))
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 120) (i32.const 16) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0)))
    ;; a listing under way: 40 bytes hold "." and part of ".."
    (drop (call $fd_readdir (i32.const 3) (i32.const 200) (i32.const 40) (i64.const 0) (i32.const 4)))
    (loop $forever (br $forever))))`;

/** Sleeps for an hour in poll_oneoff. */
const SLEEP_AN_HOUR = `(module ${PREAMBLE}
  (data (i32.const 256) "\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\00\\01\\00\\00\\00\\00\\00\\00\\00\\00\\00\\f2\\d4\\46\\03\\00\\00")
  (func (export "_start")
    (drop (call $poll (i32.const 256) (i32.const 320) (i32.const 1) (i32.const 8)))))`;

/** Opens, writes "new" to out/made.txt, then yields for ever. */
const WRITE_THEN_YIELD = `(module ${PREAMBLE}
  (data (i32.const 100) "out/made.txt")
  (data (i32.const 200) "new")
  (func (export "_start")
    (drop (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 12) (i32.const 1) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0)))
    (i32.store (i32.const 16) (i32.const 200)) (i32.store (i32.const 20) (i32.const 3))
    (drop (call $fd_write (i32.load (i32.const 0)) (i32.const 16) (i32.const 1) (i32.const 24)))
    (loop $forever (drop (call $yield)) (br $forever))))`;

const TRAP = `(module ${PREAMBLE} (func (export "_start") unreachable))`;
const EXIT_3 = `(module ${PREAMBLE} (func (export "_start") (call $exit (i32.const 3))))`;

/** The host descriptors this process holds (Linux). */
const openFds = (): number => fs.readdirSync("/proc/self/fd").length;
const onLinux = process.platform === "linux" ? false : "counts /proc/self/fd";

t.test("output is collected: a path, bytes or a module; stdin given whole", async (t) => {
  const hello = await run(`${repoRoot}/examples/hello.wasm`);
  t.match(hello, { exitCode: 0, stdout: "Hello from run-wasi! 👋\n", stderr: "", timedOut: false });
  t.equal(hello.files, undefined, "no files without `files`");
  const cat = await watToWasm(CAT);
  const text = "line one\nline two\n".repeat(1000);
  t.equal((await run(cat, { stdin: text })).stdout, text, "stdin from a string, through bytes");
  t.same((await run(new WebAssembly.Module(cat), { stdin: Buffer.from([0, 255, 1]) })).stdoutBytes, Buffer.from([0, 255, 1]), "binary output");
});

t.test("an endless loop is stopped at the timeout, within twice it", async (t) => {
  const spin = await wat(`(module ${PREAMBLE} (func (export "_start") (loop $l (br $l))))`);
  const started = performance.now();
  const result = await runBuilt(spin, { timeout: 500 });
  t.match(result, { timedOut: true, exitCode: null });
  t.ok(result.durationMs >= 490 && result.durationMs < 1000, `stopped ${result.durationMs.toFixed(0)} ms after it started`);
  // Windows Node.js under Wine (the lane) takes seconds to start a worker thread on this machine.
  const startUp = process.env.RUN_WASI_LANE === "wine" ? 30_000 : 5000;
  t.ok(performance.now() - started < startUp, `the worker's start-up included, within ${startUp / 1000} s`);
});

t.test("a guest asleep in poll_oneoff for an hour is stopped too", async (t) => {
  const result = await runBuilt(await wat(SLEEP_AN_HOUR), { timeout: 500 });
  t.equal(result.timedOut, true);
  t.ok(result.durationMs >= 490 && result.durationMs < 1000, `stopped ${result.durationMs.toFixed(0)} ms after it started`);
});

t.test("a terminated guest's host descriptors are released: files, kept directories, listings", { skip: onLinux }, async (t) => {
  const dir = tempDir();
  fs.writeFileSync(`${dir}/a.txt`, "a");
  fs.mkdirSync(`${dir}/sub/deeper`, { recursive: true });
  fs.writeFileSync(`${dir}/sub/deeper/b.txt`, "b");
  for (let i = 0; i < 20; i++) fs.writeFileSync(`${dir}/f${i}`, "");
  const module = await wat(HOLD_THEN_SPIN);
  await run(module, { preopens: { "/": dir }, timeout: 100 }); // warm-up: Node's own descriptors for workers
  const before = openFds();
  for (let i = 0; i < 5; i++) {
    const result = await run(module, { preopens: { "/": dir }, timeout: 150 });
    t.equal(result.timedOut, true);
  }
  t.equal(openFds(), before, "no host descriptor left behind by five terminated guests");
});

t.test("a guest that keeps calling is stopped at a call: it releases everything, and its files come back", async (t) => {
  const result = await run(await wat(WRITE_THEN_YIELD), { files: { "/out/": {} }, timeout: 200 });
  t.equal(result.timedOut, true);
  t.same(result.files, { "/out/": {}, "/out/made.txt": Buffer.from("new") }, "the tree as the guest left it");
});

t.test("files live in memory, preopened as / (or as the preopens say)", async (t) => {
  const catFile = `(module ${PREAMBLE}
    (data (i32.const 100) "data/in.txt")
    (func (export "_start")
      (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 11) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0))
        (then (call $exit (i32.const 9))))
      (i32.store (i32.const 16) (i32.const 1024)) (i32.store (i32.const 20) (i32.const 64))
      (drop (call $fd_read (i32.load (i32.const 0)) (i32.const 16) (i32.const 1) (i32.const 24)))
      (i32.store (i32.const 20) (i32.load (i32.const 24)))
      (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))`;
  const module = await wat(catFile);
  const result = await run(module, { files: { "/data/in.txt": "hello" } });
  t.match(result, { exitCode: 0, stdout: "hello" });
  t.same(result.files, { "/data/": {}, "/data/in.txt": Buffer.from("hello") });
  t.notOk(fs.existsSync("/data/in.txt"), "nothing of it on the host");
  const elsewhere = await run(module, { files: { "/srv/data/in.txt": "there" }, preopens: { "/x": "/srv" } });
  t.equal(elsewhere.stdout, "there", "preopens name directories of the tree");
});

t.test("a trap resolves with its message and the trap status; proc_exit with its code", async (t) => {
  const trapped = await run(await wat(TRAP));
  t.match(trapped, { exitCode: process.platform === "win32" ? 3 : 134, trap: "unreachable", timedOut: false });
  t.equal((await run(await wat(EXIT_3))).exitCode, 3);
});

t.test("two deterministic runs give the same bytes", async (t) => {
  const stamp = await wat(readFileSync(new URL("../helpers/stamp.wat", import.meta.url), "utf8"));
  const a = await run(stamp, { deterministic: true });
  const b = await run(stamp, { deterministic: true });
  t.equal(a.stdoutBytes.length, 60);
  t.same(a.stdoutBytes, b.stdoutBytes);
  t.not((await run(stamp, { deterministic: { seed: 1 } })).stdoutBytes.toString("hex"), a.stdoutBytes.toString("hex"), "another seed");
});

t.test("the trace comes back to the caller's thread", async (t) => {
  const lines: string[] = [];
  await run(`${repoRoot}/examples/hello.wasm`, { trace: { format: "json", output: (line) => lines.push(line) } });
  t.same(lines.map((l) => JSON.parse(l) as unknown), [
    { call: "fd_write", args: { fd: 1, iovs: [[16, 26]], iovs_len: 1, nwritten_out: 8 }, errno: "SUCCESS", out: { nwritten_out: 26 } },
  ]);
});

t.test("misuse rejects", async (t) => {
  const hello = `${repoRoot}/examples/hello.wasm`;
  await t.rejects(run(hello, { timeout: -1 }), TypeError);
  await t.rejects(run(hello, { stdout: 1 } as never), TypeError);
  await t.rejects(run(hello, { stdin: 5 as never }), TypeError);
  await t.rejects(run(hello, { preopens: { "/": "/no/such/dir" } }), /cannot open host directory/);
  await t.rejects(run(hello, { files: { "relative": "x" } }), TypeError);
  await t.rejects(run(hello, { args: "app" as never }), TypeError);
  await t.rejects(run(42 as never), TypeError);
  await t.rejects(run(await wat(`(module (memory (export "memory") 1))`)), /not a WASI command/);
});
