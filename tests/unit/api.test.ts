// The WASI class as a library: option validation before anything starts, start/initialize rules,
// exit codes, traps, and the errors a host programmer sees.
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { Errno } from "../../src/abi/constants.js";
import { WASI } from "../../src/index.js";
import { tempDir, wat } from "../helpers/harness.js";

const EMPTY_START = `(module (memory (export "memory") 1) (func (export "_start")))`;

t.test("option validation: a clear error before start", async (t) => {
  t.throws(() => new WASI({ version: "preview2" as never }), { name: "TypeError", message: /version/ }, "unknown version");
  t.throws(() => new WASI({ version: 1 as never }), TypeError, "version not a string");
  t.throws(() => new WASI({ args: "prog" as never }), { name: "TypeError", message: /args/ }, "args a string");
  t.throws(() => new WASI({ args: { 0: "a", length: 1 } as never }), { message: /args/ }, "args array-like");
  t.throws(() => new WASI({ args: ["a\0b"] }), { message: /args\[0\]/ }, "arg with NUL");
  t.throws(() => new WASI({ env: "A=B" as never }), { message: /env/ }, "env a string");
  t.throws(() => new WASI({ env: { "A=B": "c" } }), { message: /env/ }, "'=' in a name");
  t.throws(() => new WASI({ env: { "": "c" } }), { message: /env/ }, "empty name");
  t.throws(() => new WASI({ env: { A: "b\0c" } }), { message: /env/ }, "NUL in a value");
  t.throws(() => new WASI({ returnOnExit: "yes" as never }), { message: /returnOnExit/ });
  t.throws(() => new WASI(null as never), TypeError, "options null");
  t.throws(() => new WASI({ stdin: {} as never }), { message: /stdin/ }, "stdin of no known kind");
  t.throws(() => new WASI({ stdout: {} as never }), { message: /stdout/ }, "stdout of no known kind");
  t.throws(() => new WASI({ stderr: "file.txt" as never }), { message: /stderr/ }, "stderr a string");

  const dir = tempDir();
  const missing = path.join(dir, "missing");
  t.throws(() => new WASI({ preopens: { "/data": missing } }), { message: /preopen "\/data".*missing.*ENOENT/ }, "missing directory");
  const file = path.join(dir, "file");
  fs.writeFileSync(file, "");
  t.throws(() => new WASI({ preopens: { "/data": file } }), { message: /preopen "\/data".*not a directory/ }, "a file");
  t.throws(() => new WASI({ preopens: { "/data": { readonly: true } as never } }), { message: /preopens/ }, "no path");
  t.throws(() => new WASI({ preopens: { "/data": 5 as never } }), { message: /preopens/ }, "a number");
  t.doesNotThrow(() => new WASI({ preopens: { "/data": dir, "/ro": { path: dir, readonly: true } } }), "valid preopens");
  t.doesNotThrow(() => new WASI({ version: "unstable", args: [], env: { A: undefined } }), "valid options");
});

t.test("start() on a module without _start throws TypeError", async (t) => {
  const module = await wat(`(module (memory (export "memory") 1) (func (export "main")))`);
  const wasi = new WASI();
  t.throws(() => wasi.start(new WebAssembly.Instance(module, wasi.getImportObject())), { name: "TypeError", message: /_start/ });
});

t.test("start() twice throws; start() after initialize() throws", async (t) => {
  const module = await wat(EMPTY_START);
  const wasi = new WASI();
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  t.equal(wasi.start(instance), 0, "start returns 0 when _start returns");
  t.throws(() => wasi.start(instance), { message: /already started/ }, "a second start");
  t.throws(() => wasi.start(new WebAssembly.Instance(module, wasi.getImportObject())), Error, "even with another instance");

  const reactor = await wat(`(module (memory (export "memory") 1) (func (export "_initialize")))`);
  const w2 = new WASI();
  w2.initialize(new WebAssembly.Instance(reactor, w2.getImportObject()));
  t.throws(() => w2.initialize(new WebAssembly.Instance(reactor, w2.getImportObject())), Error, "initialize twice");
});

t.test("start() and initialize() check the kind of module", async (t) => {
  const both = await wat(`(module (memory (export "memory") 1) (func (export "_start")) (func (export "_initialize")))`);
  const w1 = new WASI();
  t.throws(() => w1.start(new WebAssembly.Instance(both, w1.getImportObject())), TypeError, "a command must not export _initialize");
  const w2 = new WASI();
  const command = await wat(EMPTY_START);
  t.throws(() => w2.initialize(new WebAssembly.Instance(command, w2.getImportObject())), TypeError, "a reactor must not export _start");
  const w3 = new WASI();
  t.throws(() => w3.start({} as never), TypeError, "not an instance");
  t.throws(() => new WASI().start(null as never), TypeError);
});

t.test("initialize() accepts { exports } and calls _initialize once", async (t) => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const wasi = new WASI({ args: ["x"] });
  let calls = 0;
  wasi.initialize({ exports: { memory, _initialize: () => void calls++ } });
  t.equal(calls, 1);
  const imports = wasi.getImportObject().wasi_snapshot_preview1!;
  t.equal((imports.args_sizes_get as (a: number, b: number) => number)(0, 4), Errno.SUCCESS);
  const v = new DataView(memory.buffer);
  t.equal(v.getUint32(0, true), 1, "imports work on the memory given");
  t.equal(v.getUint32(4, true), 2);

  const bare = new WASI();
  t.doesNotThrow(() => bare.initialize({ exports: { memory } }), "no _initialize is fine");
  t.throws(() => new WASI().initialize({ exports: { memory, _initialize: 5 as never } }), TypeError, "_initialize not a function");
});

t.test("a reactor's exported function can use WASI after initialize", async (t) => {
  const module = await wat(`(module
    (import "wasi_snapshot_preview1" "random_get" (func $r (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "fill") (result i32) (call $r (i32.const 0) (i32.const 32))))`);
  const wasi = new WASI();
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  wasi.initialize(instance);
  t.equal((instance.exports.fill as () => number)(), Errno.SUCCESS);
  t.ok(new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer, 0, 32).some((b) => b !== 0));
});

t.test("a trap propagates as WebAssembly.RuntimeError from start()", async (t) => {
  const module = await wat(`(module (memory (export "memory") 1) (func (export "_start") unreachable))`);
  const wasi = new WASI();
  t.throws(() => wasi.start(new WebAssembly.Instance(module, wasi.getImportObject())), WebAssembly.RuntimeError);
  const oob = await wat(`(module (memory (export "memory") 1) (func (export "_start") (drop (i32.load (i32.const 70000)))))`);
  const w2 = new WASI();
  t.throws(() => w2.start(new WebAssembly.Instance(oob, w2.getImportObject())), WebAssembly.RuntimeError, "out-of-bounds load");
});

t.test("a module that exports no memory gets a clear error", async (t) => {
  const module = await wat(`(module (func (export "_start")))`);
  const wasi = new WASI();
  t.throws(() => wasi.start(new WebAssembly.Instance(module, wasi.getImportObject())), { name: "TypeError", message: /memory/ });
  const named = await wat(`(module (memory (export "mem") 1) (func (export "_start")))`);
  const w2 = new WASI();
  t.throws(() => w2.start(new WebAssembly.Instance(named, w2.getImportObject())), { message: /memory/ }, "memory under another name");
  t.throws(() => new WASI().initialize({ exports: {} }), { message: /memory/ }, "initialize without memory");
});

t.test("proc_exit inside _initialize ends initialization and records the code", async (t) => {
  const module = await wat(`(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_initialize") (call $exit (i32.const 4))))`);
  const wasi = new WASI();
  t.doesNotThrow(() => wasi.initialize(new WebAssembly.Instance(module, wasi.getImportObject())));
  t.equal(wasi.exitCode, 4);
});

t.test("a module built for wasi_unstable runs", async (t) => {
  const module = await wat(`(module
    (import "wasi_unstable" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
    (import "wasi_unstable" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "\\10\\00\\00\\00\\03\\00\\00\\00")
    (data (i32.const 16) "old")
    (func (export "_start") (call $exit (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
  const out: string[] = [];
  const wasi = new WASI({ version: "unstable", stdout: (c) => out.push(Buffer.from(c).toString()) });
  t.equal(wasi.start(new WebAssembly.Instance(module, wasi.getImportObject())), 0);
  t.same(out, ["old"]);
});

t.test("imports named after Object.prototype members do not link", async (t) => {
  for (const [mod, name] of [["wasi_snapshot_preview1", "toString"], ["wasi_unstable", "constructor"], ["wasi_snapshot_preview1", "hasOwnProperty"], ["constructor", "name"], ["__proto__", "valueOf"]]) {
    const module = await wat(`(module (import "${mod}" "${name}" (func (result i32))) (memory (export "memory") 1) (func (export "_start")))`);
    const wasi = new WASI();
    // A missing function is a LinkError; a missing module a TypeError (JS API spec, "read the imports").
    t.throws(() => new WebAssembly.Instance(module, wasi.getImportObject()), { message: /Import #0/ }, `${mod}.${name} is no import`);
  }
});
