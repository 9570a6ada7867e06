// The command line, spawned as a user runs it (node bin/run-wasi.js, over dist/: run `npm run build` first).
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { spawnSync } from "node:child_process";
import { allStderr, cli, oneLineError, printer, requireFreshBundle, TRAP } from "../helpers/cli.js";
import { cliPath, repoRoot, tempDir, watFile } from "../helpers/harness.js";

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string };

t.before(requireFreshBundle);

const exitWith = (code: number) => `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const ${code}))))`;

t.test("the hello example prints its greeting", async (t) => {
  const r = await cli([path.join(repoRoot, "examples/hello.wasm")]);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, "Hello from run-wasi! 👋\n");
  t.equal(r.stderr, "");
});

t.test("args reach the guest, argv[0] being the module's file name (as wasmtime), or --argv0", async (t) => {
  const dir = tempDir();
  await watFile(printer("args"), dir, "args.wasm");
  fs.copyFileSync(path.join(dir, "args.wasm"), path.join(dir, "-dash.wasm"));
  const [relative, absolute, dashdash, dash, second, argv0, emptyArgv0] = await Promise.all([
    cli(["./args.wasm", "one", "two words", "héllo", "", "--env", "X=Y", "-h"], { cwd: dir }),
    cli([path.join(dir, "args.wasm")]),
    cli(["--", "args.wasm", "--version"], { cwd: dir }),
    cli(["--", "-dash.wasm", "x"], { cwd: dir }),
    cli(["--env", "A=1", "--", "args.wasm", "--", "y"], { cwd: dir }),
    cli(["--argv0", "busybox-ls", "./args.wasm", "-l"], { cwd: dir }),
    cli(["--argv0=", "./args.wasm"], { cwd: dir }),
  ]);
  t.equal(relative.status, 0, relative.stderr);
  t.equal(relative.stdout, "args.wasm\none\ntwo words\nhéllo\n\n--env\nX=Y\n-h\n", "options after the module are the guest's");
  t.equal(absolute.stdout, "args.wasm\n", "the host's directories do not reach the guest");
  t.equal(argv0.stdout, "busybox-ls\n-l\n", "--argv0 NAME");
  t.equal(emptyArgv0.stdout, "\n", "--argv0= gives an empty argv[0]");
  t.equal(dashdash.stdout, "args.wasm\n--version\n", "-- ends the options");
  t.equal(dash.status, 0, dash.stderr);
  t.equal(dash.stdout, "-dash.wasm\nx\n", "a module whose name starts with '-', after --");
  t.equal(second.stdout, "args.wasm\n--\ny\n", "a second -- goes to the guest");
});

t.test("--env NAME=VALUE, --env NAME (inherited), and nothing else inherited", async (t) => {
  const dir = tempDir();
  const file = await watFile(printer("environ"), dir, "env.wasm");
  const env = { ...process.env, INHERIT_ME: "from host", SECRET_HOST_VAR: "must not leak" };
  const [given, none, twice, emptyName, noValue] = await Promise.all([
    cli(["--env", "A=B", "--env", "INHERIT_ME", "--env", "NOT_SET_ANYWHERE", "--env=C=d=e", "--env", "EMPTY=", file], { env }),
    cli([file], { env }),
    cli(["--env", "A=1", "--env", "A=2", file]),
    cli(["--env", "=x", file]),
    cli(["--env"]),
  ]);
  t.equal(given.status, 0, given.stderr);
  t.same(given.stdout.split("\n").filter(Boolean).sort(), ["A=B", "C=d=e", "EMPTY=", "INHERIT_ME=from host"]);
  t.equal(none.status, 0);
  t.equal(none.stdout, "", "no --env: an empty environment (not even PATH or HOME)");
  t.equal(twice.stdout, "A=2\n", "the last one wins");
  oneLineError(t, emptyName, /--env/, "--env with an empty name");
  oneLineError(t, noValue, /--env needs a value/, "--env without a value");
});

t.test("--help and --version", async (t) => {
  const [help, h, version, V, helpFirst] = await Promise.all([
    cli(["--help"]),
    cli(["-h"]),
    cli(["--version"]),
    cli(["-V"]),
    cli(["--help", "--bogus"]),
  ]);
  for (const r of [help, h]) {
    t.equal(r.status, 0);
    t.match(r.stdout, /^Usage: run-wasi /, "prints the usage");
    t.match(r.stdout, /--env/);
    t.match(r.stdout, /--dir/);
    t.equal(r.stderr, "");
  }
  for (const r of [version, V]) {
    t.equal(r.status, 0);
    t.equal(r.stdout, `run-wasi ${pkg.version}\n`, "matches package.json");
  }
  t.equal(helpFirst.status, 0, "--help first wins");
});

t.test("errors that stop a module from starting: one line, non-zero, no stack trace", async (t) => {
  const dir = tempDir();
  const text = path.join(dir, "text.wasm");
  fs.writeFileSync(text, "this is not wasm\n");
  fs.writeFileSync(path.join(dir, "empty.wasm"), "");
  const noStart = await watFile(`(module (memory (export "memory") 1) (func (export "main")))`, dir, "nostart.wasm");
  const envFoo = await watFile(
    `(module (import "env" "foo" (func (param i32))) (memory (export "memory") 1) (func (export "_start")))`,
    dir,
    "envfoo.wasm",
  );
  const unknownWasi = await watFile(
    `(module (import "wasi_snapshot_preview1" "fd_frobnicate" (func (param i32) (result i32))) (memory (export "memory") 1) (func (export "_start")))`,
    dir,
    "frob.wasm",
  );
  const protoName = await watFile(
    `(module (import "wasi_snapshot_preview1" "toString" (func (result i32))) (memory (export "memory") 1) (func (export "_start")))`,
    dir,
    "proto.wasm",
  );
  const noMemory = await watFile(`(module (func (export "_start")))`, dir, "nomem.wasm");
  const valid = await watFile(exitWith(0), dir, "valid.wasm");
  const cases: [string[], RegExp, string][] = [
    [[path.join(dir, "missing.wasm")], /missing\.wasm.*no such file/, "missing file"],
    [[text], /text\.wasm.*not a valid WebAssembly module/, "not wasm"],
    [[path.join(dir, "empty.wasm")], /not a valid WebAssembly module/, "an empty file"],
    [[dir], /directory/, "a directory"],
    [[noStart], /_start/, "no _start"],
    [[envFoo], /env\.foo/, "unknown import env.foo"],
    [[unknownWasi], /wasi_snapshot_preview1\.fd_frobnicate/, "unknown WASI function"],
    [[protoName], /wasi_snapshot_preview1\.toString/, "an import named after an Object.prototype member"],
    [[noMemory], /memory/, "no exported memory"],
    [["--bogus", noStart], /unknown option --bogus/, "unknown option"],
    [[], /no module/, "no module"],
    [["--dir", path.join(dir, "nope"), valid], /nope/, "--dir of a missing directory"],
    [["--dir", `${valid}::/x`, valid], /not a directory/, "--dir of a file"],
    [["--dir"], /--dir needs a value/, "--dir without a value"],
  ];
  const results = await Promise.all(cases.map(([args]) => cli(args)));
  cases.forEach(([, pattern, what], i) => oneLineError(t, results[i]!, pattern, what));
});

t.test("the exit status is the proc_exit code", async (t) => {
  const dir = tempDir();
  const codes = [0, 1, 3, 42, 255];
  const files = await Promise.all(codes.map((code) => watFile(exitWith(code), dir, `exit${code}.wasm`)));
  const plain = await watFile(`(module (memory (export "memory") 1) (func (export "_start")))`, dir, "plain.wasm");
  const [results, plainResult] = await Promise.all([Promise.all(files.map((f) => cli([f]))), cli([plain])]);
  codes.forEach((code, i) => {
    t.equal(results[i]!.status, code, `proc_exit(${code})`);
    t.equal(results[i]!.stderr, "", "nothing on stderr");
  });
  t.equal(plainResult.status, 0, "_start returning is status 0");
});


t.test("a trap: status 134 (3 on Windows), one line with -D max-backtrace=0", async (t) => {
  const dir = tempDir();
  const unreachable = await watFile(`(module (memory (export "memory") 1) (func (export "_start") unreachable))`, dir, "trap.wasm");
  let r = await cli(["-D", "max-backtrace=0", unreachable]);
  t.equal(r.status, TRAP);
  t.equal(r.signal, null, "a status, not a real signal");
  t.equal(r.stderr.split("\n").filter(Boolean).length, 1, `one line: ${JSON.stringify(r.stderr)}`);
  t.match(r.stderr, /trap.*unreachable/);
  t.notMatch(r.stderr, /    at /);
  const divZero = await watFile(
    `(module (memory (export "memory") 1) (func (export "_start") (drop (i32.div_u (i32.const 1) (i32.const 0)))))`,
    dir,
    "div.wasm",
  );
  r = await cli(["-D", "max-backtrace=0", divZero]);
  t.equal(r.status, TRAP, "integer divide by zero");
  t.match(r.stderr, /divide by zero/);
  const recursion = await watFile(`(module (memory (export "memory") 1) (func $f (call $f)) (func (export "_start") (call $f)))`, dir, "rec.wasm");
  r = await cli(["-D", "max-backtrace=0", recursion]);
  t.equal(r.status, TRAP, "stack overflow");
  t.equal(r.stderr, "run-wasi: wasm trap: call stack exhausted\n");
  const partial = await watFile(
    `(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 0) "\\10\\00\\00\\00\\06\\00\\00\\00")
      (data (i32.const 16) "before")
      (func (export "_start") (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))) unreachable))`,
    dir,
    "partial.wasm",
  );
  r = await cli([partial]);
  t.equal(r.stdout, "before", "output written before the trap is kept");
  t.equal(r.status, TRAP);
});

t.test("the start section runs during instantiation: its trap is a trap, its proc_exit an exit", async (t) => {
  const dir = tempDir();
  const trapping = await watFile(
    `(module (memory (export "memory") 1) (func $s unreachable) (start $s) (func (export "_start")))`,
    dir,
    "start-trap.wasm",
  );
  const exiting = await watFile(
    `(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1) (func $s (call $exit (i32.const 5))) (start $s) (func (export "_start")))`,
    dir,
    "start-exit.wasm",
  );
  const [trap, exit] = await Promise.all([cli([trapping]), cli([exiting])]);
  t.equal(trap.status, TRAP, "a trap in the start section: the trap status");
  t.match(trap.stderr, /^run-wasi: wasm trap: .*unreachable.*\nerror while executing at wasm backtrace:\n    0: /, "the trap, then where");
  t.equal(exit.status, 5, "proc_exit in the start section: its code");
  t.equal(exit.stderr, "");
});

t.test("proc_raise through the CLI: 128+N as a status, not a signal", async (t) => {
  const file = await watFile(`(module
    (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start") (drop (call $raise (i32.const 15)))))`);
  const r = await cli([file]);
  t.equal(r.signal, null);
  t.equal(r.status, 143);
});

t.test("a stdout pipe closed by the reader: the guest gets EPIPE, the host does not crash", {
  skip: process.platform === "win32" ? "needs a POSIX shell pipeline (bash, head, PIPESTATUS)" : false,
}, async (t) => {
  // Writes "y\n" until fd_write fails, then exits with that errno.
  const file = await watFile(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "\\10\\00\\00\\00\\00\\10\\00\\00")
    (func (export "_start") (local $e i32)
      (memory.fill (i32.const 16) (i32.const 121) (i32.const 4096))
      (loop $l
        (local.set $e (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $l (i32.eqz (local.get $e))))
      (call $exit (local.get $e))))`);
  const r = spawnSync("bash", ["-c", `"${process.execPath}" "${cliPath}" "${file}" | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`], {
    encoding: "utf8",
    timeout: 30_000,
  });
  allStderr.push(r.stderr);
  t.equal(r.stdout.trim(), "64", "exit status EPIPE (64): fd_write returned it to the guest");
  t.notMatch(r.stderr, /    at |Error/, "nothing thrown on the host");
});

t.test("--dir gives the guest a preopen under the guest name", async (t) => {
  const dir = tempDir();
  const file = await watFile(`(module
    (import "wasi_snapshot_preview1" "fd_prestat_get" (func $get (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $name (param i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (if (call $get (i32.const 3) (i32.const 0)) (then (call $exit (i32.const 9))))
      (drop (call $name (i32.const 3) (i32.const 100) (i32.load (i32.const 4))))
      (i32.store (i32.const 16) (i32.const 100))
      (i32.store (i32.const 20) (i32.load (i32.const 4)))
      (drop (call $w (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
      (call $exit (call $get (i32.const 4) (i32.const 0)))))`);
  const r = await cli(["--dir", `${dir}::/sandbox`, file]);
  t.equal(r.stdout, "/sandbox");
  t.equal(r.status, 8, "fd 4 is not a preopen: EBADF");
  t.equal((await cli([file])).status, 9, "without --dir there is no fd 3");
});

t.test("--trace logs calls to stderr", async (t) => {
  const r = await cli(["--trace", path.join(repoRoot, "examples/hello.wasm")]);
  t.equal(r.status, 0);
  t.equal(r.stdout, "Hello from run-wasi! 👋\n", "the guest's output is unchanged");
  t.match(r.stderr, /fd_write\(fd=1.*= SUCCESS/);
});

t.test("--trace into a pipe closed by its reader: the guest's status is unchanged, nothing thrown", {
  skip: process.platform === "win32" ? "needs a POSIX shell pipeline (bash, head, PIPESTATUS)" : false,
}, async (t) => {
  // 20,000 traced calls, then proc_exit(7): the reader is long gone before the end.
  const file = await watFile(`(module
    (import "wasi_snapshot_preview1" "clock_time_get" (func $t (param i32 i64 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start") (local $i i32)
      (loop $l
        (drop (call $t (i32.const 0) (i64.const 0) (i32.const 0)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 20000))))
      (call $exit (i32.const 7))))`);
  const run = (redirect: string) =>
    spawnSync("bash", ["-c", `"${process.execPath}" "${cliPath}" --trace "${file}" ${redirect} | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`], {
      encoding: "utf8",
      timeout: 60_000,
    });
  for (const redirect of ["2>&1", "2>&1 >/dev/null"]) {
    const r = run(redirect);
    allStderr.push(r.stderr);
    t.equal(r.stdout.trim(), "7", `${redirect} | head -1: the guest's exit status`);
  }
});

t.test("no ExperimentalWarning, ever", async (t) => {
  t.ok(allStderr.length >= 30, `${allStderr.length} runs checked`);
  t.notOk(allStderr.some((s) => /ExperimentalWarning|Warning:/.test(s)), "no warning on any run's stderr");
});
