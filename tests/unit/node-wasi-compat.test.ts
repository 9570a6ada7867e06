// run-wasi as a drop-in for node:wasi, checked against node:wasi itself on the running Node: the
// options converted the same way, the same error class and `code` for the same mistake, and the
// internal symbols that tools built on node:wasi reach for (emnapi's wasi-threads, napi-rs loaders).
import * as fs from "node:fs";
import * as path from "node:path";
import * as nodeWasi from "node:wasi";
import t from "tap";
import { Errno } from "../../src/abi/constants.js";
import { WASI } from "../../src/index.js";
import { tempDir, wat } from "../helpers/harness.js";

type AnyWasi = { wasiImport: Record<string, unknown>; initialize(instance: object): void; start(instance: object): number };
type Make = (options: object) => AnyWasi;
const makeRunWasi: Make = (options) => new WASI(options as never) as unknown as AnyWasi;
const makeNodeWasi: Make = (options) => new nodeWasi.WASI(options as never) as unknown as AnyWasi;

/** What `fn` throws: its class and code, or "no error". */
function thrown(fn: () => unknown): string {
  try {
    fn();
    return "no error";
  } catch (error) {
    return `${(error as Error).constructor.name} ${(error as { code?: string }).code ?? "(no code)"}`;
  }
}

/** The guest's argv and environment as a host gives them, read through args_get and environ_get. */
function argvAndEnv(make: Make, options: object): { args: string[]; env: string[] } {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const wasi = make({ version: "preview1", ...options });
  wasi.initialize({ exports: { memory } });
  const imports = wasi.wasiImport as Record<string, (...args: number[]) => number>;
  const read = (sizes: string, get: string): string[] => {
    if (imports[sizes]!(0, 4) !== Errno.SUCCESS) throw new Error(`${sizes} failed`);
    const view = new DataView(memory.buffer);
    const count = view.getUint32(0, true);
    if (imports[get]!(64, 1024) !== Errno.SUCCESS) throw new Error(`${get} failed`);
    const bytes = new Uint8Array(memory.buffer);
    return Array.from({ length: count }, (_, i) => {
      const start = view.getUint32(64 + 4 * i, true);
      return Buffer.from(bytes.subarray(start, bytes.indexOf(0, start))).toString("utf8");
    });
  };
  return { args: read("args_sizes_get", "args_get"), env: read("environ_sizes_get", "environ_get") };
}

t.test("args and env values are converted to strings as node:wasi converts them", async (t) => {
  const options = {
    args: [1, true, null, undefined, 2.5, { toString: () => "obj" }, "plain"],
    env: { NUM: 1, BOOL: false, NULL: null, SKIPPED: undefined, OBJ: { toString: () => "o" }, BIG: 10n, S: "s" },
  };
  const ours = argvAndEnv(makeRunWasi, options);
  t.same(ours, argvAndEnv(makeNodeWasi, options), "the guest sees what it sees under node:wasi");
  t.same(ours.args, ["1", "true", "null", "undefined", "2.5", "obj", "plain"]);
  t.same(ours.env, ["NUM=1", "BOOL=false", "NULL=null", "OBJ=o", "BIG=10", "S=s"]);
});

t.test("a mistake in the options: the same error class and code as node:wasi", async (t) => {
  const dir = tempDir();
  const cases: Record<string, unknown> = {
    "options null": null,
    "options a number": 1,
    "version a number": { version: 1 },
    "version unknown": { version: "preview2" },
    "args a number": { args: 1 },
    "args a string": { args: "prog" },
    "env a number": { env: 1 },
    "env null": { env: null },
    "env value a symbol": { env: { A: Symbol("s") } },
    "preopens a number": { preopens: 1 },
    "preopens null": { preopens: null },
    "returnOnExit a number": { returnOnExit: 1 },
    "stdin -1": { stdin: -1 },
    "stdout -1": { stdout: -1 },
    "stdout 1.5": { stdout: 1.5 },
    "stdout NaN": { stdout: NaN },
    "stderr 2^31": { stderr: 2 ** 31 },
    "stderr -0.5": { stderr: -0.5 },
    "stdout null": { stdout: null },
    "stdout a string": { stdout: "1" },
    "stderr an object": { stderr: {} },
    "all valid": { args: ["a"], env: { A: "b" }, preopens: { "/d": dir }, returnOnExit: true, stdin: 0, stdout: 1, stderr: 2 },
  };
  for (const [name, value] of Object.entries(cases)) {
    // node:wasi requires a version; run-wasi defaults it (the README lists that difference).
    const options = value !== null && typeof value === "object" && !("version" in value) ? { version: "preview1", ...value } : value;
    const expected = thrown(() => makeNodeWasi(options as object));
    t.equal(thrown(() => makeRunWasi(options as object)), expected, `${name}: ${expected}`);
  }
  t.not(thrown(() => makeRunWasi({ stdout: -1 })), "no error", "a bad stdio fd is refused when the object is made, not at the first write");
});

t.test("start() and initialize(): the same error class and code as node:wasi", async (t) => {
  const memory = () => new WebAssembly.Memory({ initial: 1 });
  const command = await wat(`(module (memory (export "memory") 1) (func (export "_start")))`);
  const cases: Record<string, (w: AnyWasi) => unknown> = {
    "start twice": (w) => {
      w.start({ exports: { memory: memory(), _start() {} } });
      return w.start({ exports: { memory: memory(), _start() {} } });
    },
    "start of a real instance twice": (w) => {
      const instance = new WebAssembly.Instance(command, { wasi_snapshot_preview1: w.wasiImport });
      w.start(instance);
      return w.start(instance);
    },
    "initialize after start": (w) => {
      w.start({ exports: { memory: memory(), _start() {} } });
      return w.initialize({ exports: { memory: memory() } });
    },
    "start after a failed start": (w) => {
      thrown(() => w.start({ exports: { memory: memory() } }));
      return w.start({ exports: { memory: memory(), _start() {} } });
    },
    "start of a number": (w) => w.start(1 as never),
    "start of null": (w) => w.start(null as never),
    "start without exports": (w) => w.start({}),
    "start without _start": (w) => w.start({ exports: { memory: memory() } }),
    "start with _initialize": (w) => w.start({ exports: { memory: memory(), _start() {}, _initialize() {} } }),
    "start without memory": (w) => w.start({ exports: { _start() {} } }),
    "start with memory not a Memory": (w) => w.start({ exports: { _start() {}, memory: {} } }),
    "initialize with _start": (w) => w.initialize({ exports: { memory: memory(), _start() {} } }),
    "initialize with _initialize a number": (w) => w.initialize({ exports: { memory: memory(), _initialize: 1 } }),
    "initialize without memory": (w) => w.initialize({ exports: {} }),
    "initialize twice": (w) => {
      w.initialize({ exports: { memory: memory() } });
      return w.initialize({ exports: { memory: memory() } });
    },
  };
  for (const [name, act] of Object.entries(cases)) {
    const expected = thrown(() => act(makeNodeWasi({ version: "preview1" })));
    t.equal(thrown(() => act(makeRunWasi({}))), expected, `${name}: ${expected}`);
  }
});

/** node:wasi's internal properties, found the way tools find them. */
function symbolOf(wasi: object, description: string): symbol {
  const found = Object.getOwnPropertySymbols(wasi).find((s) => s.description === description);
  if (found === undefined) throw new Error(`no own symbol ${description}`);
  return found;
}

t.test("node:wasi's internal symbols, as emnapi and napi-rs use them", async (t) => {
  const nodeSymbols = Object.getOwnPropertySymbols(makeNodeWasi({ version: "preview1" })).map((s) => s.description);
  for (const name of ["kSetMemory", "kInstance", "kStarted"]) {
    t.ok(nodeSymbols.includes(name), `node:wasi has ${name}`);
    t.doesNotThrow(() => symbolOf(new WASI(), name), `run-wasi has ${name} as an own symbol`);
  }

  // kSetMemory binds a memory without starting anything; kInstance is where tools put the instance.
  const wasi = new WASI({ args: ["prog", "x"] }) as WASI & Record<symbol, unknown>;
  const memory = new WebAssembly.Memory({ initial: 1 });
  t.equal(wasi[symbolOf(wasi, "kStarted")], false, "not started");
  (wasi[symbolOf(wasi, "kSetMemory")] as (m: unknown) => void)(memory);
  const imports = wasi.wasiImport as unknown as Record<string, (...args: number[]) => number>;
  t.equal(imports.args_sizes_get!(0, 4), Errno.SUCCESS);
  t.equal(new DataView(memory.buffer).getUint32(0, true), 2, "the imports work on the memory set");
  t.equal(wasi[symbolOf(wasi, "kStarted")], false, "still not started");
  t.equal(thrown(() => (wasi[symbolOf(wasi, "kSetMemory")] as (m: unknown) => void)({})), "TypeError ERR_INVALID_ARG_TYPE", "not a memory");
  const instance = { exports: { memory } };
  wasi.initialize(instance);
  t.equal(wasi[symbolOf(wasi, "kInstance")], instance, "kInstance holds the instance");
  t.equal(wasi[symbolOf(wasi, "kStarted")], true, "started");
});

t.test("kStarted set back to false after start(): usable again, stdio and preopens open", async (t) => {
  // emnapi's wasi-threads does this in each worker of a command: start() over an instance whose
  // _start does nothing, to bind the memory, then kStarted = false; the thread then calls in.
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "f"), "data");
  const module = await wat(`(module
    (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start"))
    (func (export "prestat") (result i32) (call $prestat (i32.const 3) (i32.const 0))))`);
  const wasi = new WASI({ preopens: { "/d": dir } }) as WASI & Record<symbol, unknown>;
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  const prestat = instance.exports.prestat as () => number;
  t.equal(wasi.start(instance), 0);
  t.throws(() => prestat(), "after the exit, a call in does not run (the exit is reported again)");
  wasi[symbolOf(wasi, "kStarted")] = false;
  t.equal(wasi.exitCode, undefined, "no exit recorded any more");
  t.equal(prestat(), Errno.SUCCESS, "the preopen is open again, on the memory start() bound");
  t.equal(wasi.start(instance), 0, "start() is allowed again");
  t.equal(thrown(() => wasi.start(instance)), "Error ERR_WASI_ALREADY_STARTED");
});
