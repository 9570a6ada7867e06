// `run-wasi --dir` as a user runs it: the built CLI (bin/run-wasi.js → dist/) spawned with a small
// WAT guest that reports its preopen's name, reads a file through it and tries to create one.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { cliPath, repoRoot, watFile } from "../helpers/harness.js";
import { scratch } from "./util.js";

const GUEST = `(module
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $prestat_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 2000) "hello.txt")
  (data (i32.const 2016) "created.txt")
  (data (i32.const 2032) "name=")
  (data (i32.const 2040) "read=")
  (data (i32.const 2048) "read-errno=")
  (data (i32.const 2064) "create=")
  (data (i32.const 2072) "\\n")
  (data (i32.const 2080) "made")
  (data (i32.const 2088) "prestat-errno=")
  (func $print (param $p i32) (param $l i32)
    (i32.store (i32.const 0) (local.get $p))
    (i32.store (i32.const 4) (local.get $l))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $nl (call $print (i32.const 2072) (i32.const 1)))
  (func $num (param $n i32) (local $p i32)
    (local.set $p (i32.const 3000))
    (loop $digits
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digits (local.get $n)))
    (call $print (local.get $p) (i32.sub (i32.const 3000) (local.get $p))))
  (func (export "_start") (local $e i32) (local $len i32)
    ;; name=<preopen name of fd 3>
    (local.set $e (call $prestat_get (i32.const 3) (i32.const 16)))
    (if (local.get $e) (then
      (call $print (i32.const 2088) (i32.const 14)) (call $num (local.get $e)) (call $nl) (return)))
    (local.set $len (i32.load (i32.const 20)))
    (drop (call $prestat_name (i32.const 3) (i32.const 4000) (local.get $len)))
    (call $print (i32.const 2032) (i32.const 5))
    (call $print (i32.const 4000) (local.get $len))
    (call $nl)
    ;; read=<content of hello.txt>
    (local.set $e (call $open (i32.const 3) (i32.const 1) (i32.const 2000) (i32.const 9) (i32.const 0)
      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 40)))
    (if (local.get $e)
      (then (call $print (i32.const 2048) (i32.const 11)) (call $num (local.get $e)) (call $nl))
      (else
        (i32.store (i32.const 24) (i32.const 5000))
        (i32.store (i32.const 28) (i32.const 200))
        (drop (call $read (i32.load (i32.const 40)) (i32.const 24) (i32.const 1) (i32.const 32)))
        (call $print (i32.const 2040) (i32.const 5))
        (call $print (i32.const 5000) (i32.load (i32.const 32)))
        (call $nl)))
    ;; create=<errno of creating created.txt>, and write "made" into it
    (local.set $e (call $open (i32.const 3) (i32.const 1) (i32.const 2016) (i32.const 11) (i32.const 1)
      (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 44)))
    (call $print (i32.const 2064) (i32.const 7)) (call $num (local.get $e)) (call $nl)
    (if (i32.eqz (local.get $e)) (then
      (i32.store (i32.const 24) (i32.const 2080))
      (i32.store (i32.const 28) (i32.const 4))
      (drop (call $write (i32.load (i32.const 44)) (i32.const 24) (i32.const 1) (i32.const 32)))))))`;

const distCli = path.join(repoRoot, "dist", "cli.js");

/** Spawns the CLI as a user would (node bin/run-wasi.js …), without blocking the other tests. */
function cli(args: string[], options: { cwd?: string } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

async function setup() {
  const root = scratch();
  const dir = path.join(root, "data");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "hello.txt"), "HELLO");
  const wasm = await watFile(GUEST, root, "guest.wasm");
  return { root, dir, wasm };
}

// Each test spawns node: let them run side by side (they share nothing).
t.jobs = 4;

t.before(() => {
  if (!fs.existsSync(distCli)) throw new Error(`${distCli} is missing: run \`npm run build\` before the CLI tests`);
});

t.test("--dir HOST::GUEST names the preopen GUEST", async (t) => {
  const { dir, wasm } = await setup();
  const r = await cli(["--dir", `${dir}::/sandbox`, wasm]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, "name=/sandbox\nread=HELLO\ncreate=0\n");
  t.equal(fs.readFileSync(path.join(dir, "created.txt"), "utf8"), "made", "the guest's file is on the host");
});

t.test("--dir=HOST::GUEST (inline value)", async (t) => {
  const { dir, wasm } = await setup();
  const r = await cli([`--dir=${dir}::data`, wasm]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^name=data\nread=HELLO\n/);
});

t.test("--dir HOST names the preopen HOST as written (absolute)", async (t) => {
  const { dir, wasm } = await setup();
  const r = await cli(["--dir", dir, wasm]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, `name=${dir}\nread=HELLO\ncreate=0\n`);
});

t.test("--dir HOST names the preopen HOST as written (relative, unresolved)", async (t) => {
  const a = await setup();
  const b = await setup();
  const [rel, dotted] = await Promise.all([cli(["--dir", "data", a.wasm], { cwd: a.root }), cli(["--dir", "./data/", b.wasm], { cwd: b.root })]);
  t.equal(rel.status, 0, rel.stderr);
  t.equal(rel.stdout, "name=data\nread=HELLO\ncreate=0\n", "a relative path");
  t.equal(dotted.status, 0, dotted.stderr);
  t.equal(dotted.stdout, "name=./data/\nread=HELLO\ncreate=0\n", "exactly as written");
  t.ok(fs.existsSync(path.join(a.dir, "created.txt")) && fs.existsSync(path.join(b.dir, "created.txt")));
});

t.test("--dir . gives the current directory, named '.'", async (t) => {
  const { dir, wasm } = await setup();
  const r = await cli(["--dir", ".", wasm], { cwd: dir });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, "name=.\nread=HELLO\ncreate=0\n");
  t.ok(fs.existsSync(path.join(dir, "created.txt")), "created in the current directory");
});

t.test(":readonly forbids changes, allows reading", async (t) => {
  const { dir, wasm } = await setup();
  const specs = [`${dir}:readonly`, `${dir}::/ro:readonly`];
  const results = await Promise.all(specs.map((spec) => cli(["--dir", spec, wasm])));
  specs.forEach((spec, i) => {
    const r = results[i]!;
    t.equal(r.status, 0, r.stderr);
    const name = spec.endsWith("::/ro:readonly") ? "/ro" : dir;
    t.ok([76, 63].some((errno) => r.stdout === `name=${name}\nread=HELLO\ncreate=${errno}\n`), `${spec}: ${JSON.stringify(r.stdout)}`);
  });
  t.same(fs.readdirSync(dir), ["hello.txt"], "nothing created");
});

t.test("a missing directory: one clear line, non-zero exit, the guest never starts", async (t) => {
  const { root, wasm } = await setup();
  const missing = path.join(root, "no-such-dir");
  const r = await cli(["--dir", `${missing}::/x`, wasm]);
  t.not(r.status, 0);
  t.equal(r.stdout, "", "the guest printed nothing: it did not run");
  const lines = r.stderr.trimEnd().split("\n");
  t.equal(lines.length, 1, `one line: ${JSON.stringify(r.stderr)}`);
  t.ok(lines[0]!.includes(missing), "it names the directory");
  t.notMatch(r.stderr, /\n\s+at /, "no stack trace");
  t.notOk(fs.existsSync(missing), "and does not create it");
});

t.test("a file instead of a directory: the same", async (t) => {
  const { dir, wasm } = await setup();
  const file = path.join(dir, "hello.txt");
  const r = await cli(["--dir", file, wasm]);
  t.not(r.status, 0);
  t.equal(r.stdout, "");
  const lines = r.stderr.trimEnd().split("\n");
  t.equal(lines.length, 1, `one line: ${JSON.stringify(r.stderr)}`);
  t.ok(lines[0]!.includes(file), "it names the file");
  t.match(lines[0], /not a directory/i);
  t.equal(fs.readFileSync(file, "utf8"), "HELLO");
});

t.test("no --dir: the guest has no preopen", async (t) => {
  const { wasm } = await setup();
  const r = await cli([wasm]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, "prestat-errno=8\n", "fd_prestat_get(3) is EBADF");
});
