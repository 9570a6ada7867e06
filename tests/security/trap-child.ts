// Run by release.test.ts under a low `ulimit -n`: runs many guests, one after another in one
// process, that open a file, a directory and a file two directories down, then trap. Prints one
// line of JSON: how each ended, the first error the host raised, and the host fds before and after.
import * as fs from "node:fs";
import { WASI } from "../../src/index.js";
import { wat } from "../helpers/harness.js";

const dir = process.argv[2]!;
const count = Number(process.argv[3] ?? 2000);
const hostFds = () => fs.readdirSync("/proc/self/fd").length;

// path_open(3, path, oflags) for three paths (every right but FD_WRITE); any failure exits 1, else `unreachable`.
const module = await wat(`(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "d/f")
  (data (i32.const 200) "d")
  (data (i32.const 300) "d/e/g/h")
  (func $must (param $path i32) (param $len i32) (param $oflags i32)
    (if (call $open (i32.const 3) (i32.const 1) (local.get $path) (local.get $len) (local.get $oflags)
          (i64.const 0x1fffffbf) (i64.const 0x1fffffbf) (i32.const 0) (i32.const 16))
      (then (call $exit (i32.const 1)))))
  (func (export "_start")
    (call $must (i32.const 100) (i32.const 3) (i32.const 0))
    (call $must (i32.const 200) (i32.const 1) (i32.const 2))
    (call $must (i32.const 300) (i32.const 7) (i32.const 0))
    unreachable))`);

const before = hostFds();
const ended = { trapped: 0, exited: 0 };
let error: string | undefined;
for (let i = 0; i < count && error === undefined; i++) {
  try {
    const wasi = new WASI({ preopens: { "/": dir }, stdout: () => {}, stderr: () => {} });
    const instance = new WebAssembly.Instance(module, wasi.getImportObject() as WebAssembly.Imports);
    wasi.start(instance);
    ended.exited++;
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) ended.trapped++;
    else error = String(e);
  }
}
process.stdout.write(`${JSON.stringify({ ...ended, error, before, after: hostFds() })}\n`);
