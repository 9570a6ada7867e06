// proc_exit, proc_raise, sched_yield. A guest never signals the host: a terminating signal ends the
// guest as a shell reports a signalled child (128+N), through a normal exit of the host.
import t from "tap";
import { Errno, Signal } from "../../src/abi/constants.js";
import { WASI } from "../../src/index.js";
import { direct, runWat, wat, watFile } from "../helpers/harness.js";
import { runChild, runChildSync } from "../helpers/child.js";

const exitModule = (code: number) => `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\\10\\00\\00\\00\\05\\00\\00\\00")
  (data (i32.const 16) "after")
  (func (export "_start")
    (call $exit (i32.const ${code}))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

t.test("proc_exit: start() returns the code, and nothing after it runs", async (t) => {
  for (const code of [0, 1, 42, 127, 255]) {
    const r = await runWat(exitModule(code));
    t.equal(r.exitCode, code, `proc_exit(${code})`);
    t.equal(r.stdout, "", "the guest did not continue after proc_exit");
  }
  const module = await wat(exitModule(9));
  const wasi = new WASI({ stdout: () => {} });
  t.equal(wasi.exitCode, undefined, "no exit code before start");
  t.equal(wasi.start(new WebAssembly.Instance(module, wasi.getImportObject())), 9);
  t.equal(wasi.exitCode, 9, "exitCode afterwards");
});

t.test("returnOnExit: false — proc_exit ends the Node process with the code", async (t) => {
  const file = await watFile(exitModule(7));
  const r = runChildSync(`
const module = new WebAssembly.Module(fs.readFileSync(${JSON.stringify(file)}));
const wasi = new WASI({ returnOnExit: false });
wasi.start(new WebAssembly.Instance(module, wasi.getImportObject()));
console.log("host continued");
`);
  t.equal(r.status, 7);
  t.equal(r.signal, null);
  t.equal(r.stdout, "", "neither the guest nor the host ran on");
});

t.test("returnOnExit: false — a _start that returns does not end the Node process (as node:wasi)", async (t) => {
  const file = await watFile(`(module (memory (export "memory") 1) (func (export "_start")))`);
  const r = runChildSync(`
const module = new WebAssembly.Module(fs.readFileSync(${JSON.stringify(file)}));
const wasi = new WASI({ returnOnExit: false });
const code = wasi.start(new WebAssembly.Instance(module, wasi.getImportObject()));
console.log("host continued", code);
process.exitCode = 3;
`);
  t.equal(r.stdout, "host continued 0\n", "start() returned");
  t.equal(r.status, 3, "the host decided the status");
});

const raiseModule = (sig: number) => `(module
  (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; If proc_raise returns, exit with 100 + its errno (statuses are 8 bits).
    (call $exit (i32.add (i32.const 100) (call $raise (i32.const ${sig}))))))`;

const RUN_FILE = (file: string, returnOnExit: boolean) => `
const module = new WebAssembly.Module(fs.readFileSync(${JSON.stringify(file)}));
const wasi = new WASI({ returnOnExit: ${returnOnExit} });
const code = wasi.start(new WebAssembly.Instance(module, wasi.getImportObject()));
console.log("returned", code);
process.exitCode = code;
`;

t.test("proc_raise of a terminating signal: the host exits normally with 128+N, never signalled", async (t) => {
  const cases = [
    ["SIGINT", Signal.INT, false],
    ["SIGTERM", Signal.TERM, false],
    ["SIGKILL", Signal.KILL, false],
    ["SIGTERM", Signal.TERM, true],
    ["SIGABRT", Signal.ABRT, true],
  ] as const;
  const results = await Promise.all(
    cases.map(async ([, sig, returnOnExit]) => runChild(RUN_FILE(await watFile(raiseModule(sig)), returnOnExit))),
  );
  cases.forEach(([name, sig, returnOnExit], i) => {
    const r = results[i]!;
    t.equal(r.signal, null, `${name}: the child was not signalled`);
    t.equal(r.status, 128 + sig, `${name}: status ${128 + sig} (returnOnExit ${returnOnExit})`);
    t.equal(r.stdout, returnOnExit ? `returned ${128 + sig}\n` : "", "start() returned the status only with returnOnExit");
  });
});

t.test("proc_raise of a signal whose default is to ignore, or to stop: the guest goes on", async (t) => {
  const h = direct();
  for (const sig of [Signal.NONE, Signal.CHLD, Signal.CONT, Signal.URG, Signal.WINCH]) {
    t.equal(h.call("proc_raise", sig), Errno.SUCCESS, `signal ${sig} is ignored by default`);
  }
  // Stop signals: a guest cannot be stopped. Run them in a child so that, were one delivered to
  // the host, the child would stop (and the timeout would kill it) instead of exiting 100+errno.
  const sigs = [Signal.STOP, Signal.TSTP];
  const results = await Promise.all(sigs.map(async (sig) => runChild(RUN_FILE(await watFile(raiseModule(sig)), true), { timeout: 20_000 })));
  sigs.forEach((sig, i) => {
    const r = results[i]!;
    t.equal(r.signal, null, `signal ${sig}: the child was neither stopped nor killed`);
    t.ok(r.status !== null && r.status >= 100 && r.status <= 100 + 76, `signal ${sig}: proc_raise returned an errno (status ${r.status})`);
  });
});

t.test("proc_raise of an invalid signal is EINVAL", async (t) => {
  const h = direct();
  for (const sig of [31, 32, 64, 255, 256, 0x10000, -1]) t.equal(h.call("proc_raise", sig), Errno.INVAL, `proc_raise(${sig >>> 0})`);
});

t.test("sched_yield returns success, directly and through wasm", async (t) => {
  const h = direct();
  t.equal(h.call("sched_yield"), Errno.SUCCESS);
  const r = await runWat(`(module
    (import "wasi_unstable" "sched_yield" (func $y (result i32)))
    (import "wasi_unstable" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start") (call $exit (i32.add (i32.const 50) (call $y)))))`);
  t.equal(r.exitCode, 50);
});
