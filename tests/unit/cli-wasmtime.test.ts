// wasmtime's command line through run-wasi, spawned as a user runs it: the subcommand, --invoke,
// -S/-W/-D/... option groups, malformed options, the backtrace on a trap, files that are not core
// modules. (Every option form is also checked in-process in
// cli-args.test.ts.)
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { allStderr, cli, oneLineError, printer, requireFreshBundle, TRAP } from "../helpers/cli.js";
import { repoRoot, tempDir, watFile } from "../helpers/harness.js";

t.before(requireFreshBundle);

/** WAT → a .wasm with a name section (the module's and functions' names), as toolchains write it. */
async function namedWatFile(source: string, dir: string, name: string): Promise<string> {
  const wabt = await (await import("wabt")).default();
  const mod = wabt.parseWat(name, source);
  try {
    mod.resolveNames();
    const file = path.join(dir, name);
    fs.writeFileSync(file, new Uint8Array(mod.toBinary({ write_debug_names: true }).buffer));
    return file;
  } finally {
    mod.destroy();
  }
}

t.test("a trap prints wasmtime's wasm backtrace, with names from the name section", async (t) => {
  const dir = tempDir();
  const named = await namedWatFile(
    `(module $demo
      (memory (export "memory") 1)
      (func $inner (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
      (func $middle (drop (call $inner (i32.const 0))))
      (func $entry (export "_start") (call $middle)))`,
    dir,
    "named.wasm",
  );
  const anonymous = await watFile(`(module (memory (export "memory") 1) (func unreachable) (func (export "_start") (call 0)))`, dir, "anon.wasm");
  const recursion = await watFile(`(module (memory (export "memory") 1) (func $f (call $f)) (func (export "_start") (call $f)))`, dir, "rec.wasm");
  const [r, anon, rec, limited, run] = await Promise.all([
    cli([named]),
    cli([anonymous]),
    cli([recursion]),
    cli(["-D", "max-backtrace=2", named]),
    cli(["run", "--debug", "max-backtrace=1", named]),
  ]);
  t.equal(r.status, TRAP);
  const lines = r.stderr.split("\n");
  t.equal(lines[0], "run-wasi: wasm trap: integer divide by zero", "the trap in wasmtime's words");
  t.equal(lines[1], "error while executing at wasm backtrace:");
  t.match(lines[2], /^    0: +0x[0-9a-f]+ - demo!inner$/, "innermost frame first, module and function named");
  t.match(lines[3], /^    1: +0x[0-9a-f]+ - demo!middle$/);
  t.match(lines[4], /^    2: +0x[0-9a-f]+ - demo!entry$/);
  t.equal(lines.length, 6, "no host frames");
  t.notMatch(r.stderr, /    at /, "no JavaScript stack");
  t.match(anon.stderr, /wasm `unreachable` instruction executed\n.*\n    0: +0x[0-9a-f]+ - <unknown>!<wasm function 0>\n    1: +0x[0-9a-f]+ - <unknown>!<wasm function 1>\n$/, "no name section: indexes, as wasmtime");
  t.equal(rec.status, TRAP);
  t.match(rec.stderr, /^run-wasi: wasm trap: call stack exhausted\nerror while executing at wasm backtrace:\n/);
  t.equal(rec.stderr.split("\n").filter((l) => / - <unknown>!/.test(l)).length, 20, "wasmtime's default of 20 frames");
  t.equal(limited.stderr.split("\n").filter(Boolean).length, 4, "-D max-backtrace=2: two frames");
  t.equal(run.stderr.split("\n").filter(Boolean).length, 3, "--debug is -D's long name");
});

t.test("run-wasi run …, as wasmtime run; wasmtime's other subcommands are named", async (t) => {
  const dir = tempDir();
  const file = await watFile(printer("args"), dir, "args.wasm");
  const [run, runOptions, compile, help] = await Promise.all([
    cli(["run", file, "x"]),
    cli(["run", "--env", "A=1", "--", file]),
    cli(["compile", file]),
    cli(["help"]),
  ]);
  t.equal(run.status, 0, run.stderr);
  t.equal(run.stdout, "args.wasm\nx\n");
  t.equal(runOptions.status, 0, runOptions.stderr);
  oneLineError(t, compile, /"compile" subcommand has no counterpart/, "wasmtime compile");
  t.equal(compile.status, 2);
  t.match(help.stdout, /^Usage: run-wasi \[run\]/);
});

t.test("--invoke NAME: calls the export with the arguments and prints its results as wasmtime", async (t) => {
  const dir = tempDir();
  const file = await watFile(
    `(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (global $ready (mut i32) (i32.const 0))
      (data (i32.const 0) "\\10\\00\\00\\00\\05\\00\\00\\00")
      (data (i32.const 16) "init\\n")
      (func (export "_initialize") (global.set $ready (i32.const 1)) (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
      (func (export "ready") (result i32) (global.get $ready))
      (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
      (func (export "echo") (param i64 f32 f64) (result i64 f32 f64) (local.get 0) (local.get 1) (local.get 2))
      (func (export "bye") (param i32) (call $exit (local.get 0)))
      (func (export "boom") unreachable))`,
    dir,
    "reactor.wasm",
  );
  const pure = await watFile(`(module (func (export "sq") (param f64) (result f64) (f64.mul (local.get 0) (local.get 0))))`, dir, "pure.wasm");
  const command = await watFile(`(module (memory (export "memory") 1) (func (export "_start") unreachable) (func (export "seven") (result i32) (i32.const 7)))`, dir, "cmd.wasm");
  const [ready, add, echo, bye, boom, few, missing, sq, seven, noInvoke] = await Promise.all([
    cli(["--invoke", "ready", file]),
    cli(["--invoke=add", file, "40", "0x2", "extra"]),
    cli(["--invoke", "echo", file, "-9223372036854775808", "0.1", "1e21"]),
    cli(["--invoke", "bye", file, "9"]),
    cli(["-D", "max-backtrace=0", "--invoke", "boom", file]),
    cli(["--invoke", "add", file, "1"]),
    cli(["--invoke", "nope", file]),
    cli(["--invoke", "sq", pure, "1.5"]),
    cli(["--invoke", "seven", command]),
    cli([file]),
  ]);
  t.equal(ready.stdout, "init\n1\n", "_initialize runs first (its output, then the result)");
  t.equal(add.stdout, "init\n42\n", "decimal and 0x arguments; extra ones are the guest's args only");
  t.equal(echo.stdout, "init\n-9223372036854775808\n0.1\n1000000000000000000000\n", "i64, f32 and f64 printed as Rust prints them");
  t.equal(bye.status, 9, "proc_exit in the invoked function: its status");
  t.equal(boom.status, TRAP, "a trap in it: the trap status");
  t.equal(boom.stderr, "run-wasi: wasm trap: wasm `unreachable` instruction executed\n");
  oneLineError(t, few, /not enough arguments for `add`/, "too few arguments");
  oneLineError(t, missing, /no function named "nope"/, "no such export");
  t.equal(sq.status, 0, sq.stderr);
  t.equal(sq.stdout, "2.25\n", "a module with no memory and no WASI");
  t.equal(seven.stdout, "7\n", "a command's other export, without running _start");
  oneLineError(t, noInvoke, /exports no _start.*--invoke/, "a reactor without --invoke");
});

t.test("-S inherit-env gives the host's environment, --env still overriding; -S inherit-stdout=n etc.", async (t) => {
  const dir = tempDir();
  const env = await watFile(printer("environ"), dir, "env.wasm");
  const hostEnv = { ...process.env, RW_ONE: "1", RW_TWO: "2" };
  const [inherit, off, order] = await Promise.all([
    cli(["-S", "inherit-env", "--env", "RW_TWO=override", env], { env: hostEnv }),
    cli(["-S", "inherit-env=n", env], { env: hostEnv }),
    cli(["--env", "RW_TWO=override", "-Sinherit-env=y", env], { env: hostEnv }),
  ]);
  t.equal(inherit.status, 0, inherit.stderr);
  const vars = inherit.stdout.split("\n");
  t.ok(vars.includes("RW_ONE=1"), "a host variable");
  t.ok(vars.some((v) => /^path=/i.test(v)), "PATH too");
  t.ok(vars.includes("RW_TWO=override") && !vars.includes("RW_TWO=2"), "--env overrides");
  t.equal(off.stdout, "", "inherit-env=n: nothing");
  t.ok(order.stdout.split("\n").includes("RW_TWO=override"), "--env wins wherever -S inherit-env is written");

  const hello = path.join(repoRoot, "examples/hello.wasm");
  const [quiet, both] = await Promise.all([cli(["-S", "inherit-stdout=n", hello]), cli(["-S", "inherit-stdout=no,inherit-stderr=false", "--trace", hello])]);
  t.equal(quiet.status, 0);
  t.equal(quiet.stdout, "", "stdout discarded");
  t.equal(both.stdout, "");
  t.match(both.stderr, /fd_write/, "the trace is the host's, not the guest's stderr");
});

t.test("-S preview0=n refuses wasi_unstable; -W unknown-imports-trap links and traps on the call", async (t) => {
  const dir = tempDir();
  const unstable = await watFile(
    `(module (import "wasi_unstable" "proc_exit" (func $exit (param i32))) (memory (export "memory") 1) (func (export "_start") (call $exit (i32.const 4))))`,
    dir,
    "unstable.wasm",
  );
  const unknown = await watFile(
    `(module (import "env" "frob" (func $frob)) (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (if (i32.eqz (i32.const 0)) (then (call $exit (i32.const 6)))) (call $frob))
      (func (export "call_it") (call $frob)))`,
    dir,
    "unknown.wasm",
  );
  const [on, off, linked, called, plain] = await Promise.all([
    cli([unstable]),
    cli(["-S", "preview0=n", unstable]),
    cli(["-W", "unknown-imports-trap", unknown]),
    cli(["-W", "unknown-imports-trap=y", "-D", "max-backtrace=0", "--invoke", "call_it", unknown]),
    cli([unknown]),
  ]);
  t.equal(on.status, 4, "wasi_unstable by default");
  oneLineError(t, off, /wasi_unstable\.proc_exit/, "-S preview0=n");
  t.equal(linked.status, 6, "the module starts");
  t.equal(called.status, TRAP);
  t.equal(called.stderr, "run-wasi: wasm trap: unknown import: `env::frob` has not been defined\n");
  oneLineError(t, plain, /env\.frob/, "without the option");
});

t.test("wasmtime's option groups through the CLI (every key is checked in cli-args.test.ts)", async (t) => {
  const hello = path.join(repoRoot, "examples/hello.wasm");
  const [accepted, fuel, threads, unknown, help] = await Promise.all([
    cli(["-O", "opt-level=2,pooling-allocator=n", "-C", "cache=n,cranelift-opt_level=speed", "-D", "debug-info", "-W", "simd,threads", "-S", "cli,preview2=n", "--allow-precompiled", hello]),
    cli(["-W", "fuel=1000", hello]),
    cli(["--wasi", "threads", hello]),
    cli(["-S", "nosuchkey", hello]),
    cli(["-S", "help"]),
  ]);
  t.equal(accepted.status, 0, accepted.stderr);
  t.equal(accepted.stdout, "Hello from run-wasi! 👋\n", "engine tuning and features V8 has: accepted, the module runs");
  oneLineError(t, fuel, /-W fuel=1000 is not supported: .*limit/, "-W fuel");
  oneLineError(t, threads, /-S threads is not supported: .*preview1 only/, "--wasi threads");
  oneLineError(t, unknown, /unknown -S option "nosuchkey" \(see run-wasi -S help\)/, "an unknown key");
  for (const r of [fuel, threads, unknown]) t.equal(r.status, 2, "a usage error");
  t.equal(help.status, 0);
  t.match(help.stdout, /^wasmtime's -S \/ --wasi options in run-wasi:\n/);
  t.match(help.stdout, /-S tcplisten=… +as in wasmtime/);
});

t.test("malformed options are usage errors (every form is checked in cli-args.test.ts)", async (t) => {
  const hello = path.join(repoRoot, "examples/hello.wasm");
  const cases: [string[], RegExp][] = [
    [["--trace=0", hello], /--trace takes no value/],
    [["--version=1"], /--version takes no value/],
    [["--env=", hello], /--env needs a value/],
  ];
  const results = await Promise.all(cases.map(([args]) => cli(args)));
  cases.forEach(([args, pattern], i) => {
    oneLineError(t, results[i]!, pattern, args.join(" "));
    t.equal(results[i]!.status, 2);
  });
});

t.test("a component, a .wat text or a .cwasm: a message saying what to do instead", async (t) => {
  const dir = tempDir();
  const write = (name: string, data: string | Uint8Array) => {
    fs.writeFileSync(path.join(dir, name), data);
    return path.join(dir, name);
  };
  const component = write("comp.wasm", new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 0x01, 0]));
  const text = write("hello.wat", "\uFEFF;; a comment\n(; block ;)\n  (module (func))\n");
  const cwasm = write("app.cwasm", new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
  const results = await Promise.all([component, text, cwasm].map((f) => cli([f])));
  oneLineError(t, results[0]!, /comp\.wasm is a WebAssembly component, not a core module: .*wasm32-wasip1.*wasmtime or jco/, "component");
  oneLineError(t, results[1]!, /hello\.wat is WebAssembly text \(\.wat\).*wat2wasm/, ".wat");
  oneLineError(t, results[2]!, /app\.cwasm is a native \(ELF\) file.*\.wasm module/, ".cwasm");
  for (const r of results) t.notMatch(r.stderr, /magic|CompileError/, "not V8's raw message");
});

t.test("no warning on any run's stderr", async (t) => {
  t.ok(allStderr.length >= 30, `${allStderr.length} runs checked`);
  t.notOk(allStderr.some((s) => /ExperimentalWarning|Warning:/.test(s)), "no warning");
});
