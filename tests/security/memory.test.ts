// Memory edge cases with real modules: a guest that grows its memory and then hands the runtime
// buffers in the new pages; an imported memory grown by the embedder between calls (and during
// one); a shared memory; and modules that export no memory at all.
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { WASI } from "../../src/index.js";
import { tempDir, wat } from "../helpers/harness.js";

const PAGE = 65536;

/** Instantiates and runs `_start`, capturing stdout. */
function run(module: WebAssembly.Module, options: ConstructorParameters<typeof WASI>[0] = {}, extraImports: Record<string, Record<string, unknown>> = {}) {
  const out: Uint8Array[] = [];
  const wasi = new WASI({ stdout: (c) => out.push(c.slice()), stderr: () => {}, ...options });
  const instance = new WebAssembly.Instance(module, { ...wasi.getImportObject(), ...extraImports } as WebAssembly.Imports);
  const exitCode = wasi.start(instance);
  return { exitCode, stdout: Buffer.concat(out).toString("utf8"), instance };
}

// Shared by the guests below: copies `len` bytes of the data segment at 0 to `dst`, builds a ciovec
// at `iov` and calls fd_write(1); exits 10+errno on an error, 20 on a short write.
const WRITE_FROM = `
  (func $write_from (param $dst i32) (param $len i32) (param $iov i32)
    (memory.copy (local.get $dst) (i32.const 0) (local.get $len))
    (i32.store (local.get $iov) (local.get $dst))
    (i32.store (i32.add (local.get $iov) (i32.const 4)) (local.get $len))
    (local.set $dst (call $fd_write (i32.const 1) (local.get $iov) (i32.const 1) (i32.add (local.get $iov) (i32.const 8))))
    (if (local.get $dst) (then (call $exit (i32.add (i32.const 10) (local.get $dst)))))
    (if (i32.ne (i32.load (i32.add (local.get $iov) (i32.const 8))) (local.get $len)) (then (call $exit (i32.const 20)))))`;

t.test("a guest that grows its memory, then writes from buffers in the new pages", async (t) => {
  const module = await wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "hello from page ")
    ${WRITE_FROM}
    (func (export "_start")
      ;; before: from page 0
      (call $write_from (i32.const 1024) (i32.const 16) (i32.const 512))
      ;; grow by 3 pages: the old ArrayBuffer is detached now
      (if (i32.ne (memory.grow (i32.const 3)) (i32.const 1)) (then (call $exit (i32.const 30))))
      ;; data, iovec and result all in new pages, the last ones flush with the end of memory
      (call $write_from (i32.const ${PAGE + 100}) (i32.const 16) (i32.const ${3 * PAGE + 4096}))
      (call $write_from (i32.const ${4 * PAGE - 28}) (i32.const 16) (i32.const ${4 * PAGE - 12}))
      (drop (memory.grow (i32.const 1)))
      (call $write_from (i32.const ${4 * PAGE}) (i32.const 16) (i32.const ${5 * PAGE - 12}))))`);
  const r = run(module);
  t.equal(r.exitCode, 0);
  t.equal(r.stdout, "hello from page ".repeat(4));
});

t.test("a guest that grows its memory, then reads into the new pages and stats into them", async (t) => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "f"), "file content");
  const module = await wat(`(module
    (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_filestat_get" (func $filestat (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (local $e i32)
      (drop (memory.grow (i32.const 2)))
      ;; the path "f" and the out-pointer in the new pages
      (i32.store8 (i32.const ${2 * PAGE}) (i32.const 102))
      (local.set $e (call $path_open (i32.const 3) (i32.const 0) (i32.const ${2 * PAGE}) (i32.const 1) (i32.const 0)
        (i64.const -1) (i64.const -1) (i32.const 0) (i32.const ${2 * PAGE + 8})))
      (if (local.get $e) (then (call $exit (i32.add (i32.const 100) (local.get $e)))))
      ;; read into the last bytes of memory
      (i32.store (i32.const ${2 * PAGE + 16}) (i32.const ${3 * PAGE - 12}))
      (i32.store (i32.const ${2 * PAGE + 20}) (i32.const 12))
      (local.set $e (call $fd_read (i32.load (i32.const ${2 * PAGE + 8})) (i32.const ${2 * PAGE + 16}) (i32.const 1) (i32.const ${2 * PAGE + 24})))
      (if (local.get $e) (then (call $exit (i32.add (i32.const 150) (local.get $e)))))
      (if (i32.ne (i32.load (i32.const ${2 * PAGE + 24})) (i32.const 12)) (then (call $exit (i32.const 200))))
      ;; a filestat flush with the end of memory
      (drop (memory.grow (i32.const 1)))
      (local.set $e (call $filestat (i32.load (i32.const ${2 * PAGE + 8})) (i32.const ${4 * PAGE - 64})))
      (if (local.get $e) (then (call $exit (i32.add (i32.const 50) (local.get $e)))))))`);
  const r = run(module, { preopens: { "/": dir } });
  t.equal(r.exitCode, 0, "every call succeeded");
  const memory = r.instance.exports.memory as WebAssembly.Memory;
  t.equal(Buffer.from(memory.buffer, 3 * PAGE - 12, 12).toString(), "file content", "read into the last bytes of page 3");
  t.equal(new DataView(memory.buffer).getBigUint64(4 * PAGE - 64 + 32, true), 12n, "filestat size in the last page");
});

t.test("an imported memory, grown by the embedder between the guest's calls", async (t) => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 8 });
  const module = await wat(`(module
    (import "env" "memory" (memory 1 8))
    (import "env" "embedder_grows" (func $embedder_grows (param i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (export "memory" (memory 0))
    (data (i32.const 0) "from the embedder's new page\\n")
    ${WRITE_FROM}
    (func (export "_start")
      (call $write_from (i32.const 200) (i32.const 29) (i32.const 100))
      (call $embedder_grows (i32.const 2))
      (call $write_from (i32.const ${2 * PAGE + 10}) (i32.const 29) (i32.const ${3 * PAGE - 12}))
      (call $embedder_grows (i32.const 1))
      (call $write_from (i32.const ${3 * PAGE}) (i32.const 29) (i32.const ${4 * PAGE - 12}))))`);
  const r = run(module, {}, { env: { memory, embedder_grows: (n: number) => memory.grow(n) } });
  t.equal(r.exitCode, 0);
  t.equal(r.stdout, "from the embedder's new page\n".repeat(3));
  t.equal(memory.buffer.byteLength, 4 * PAGE);
});

t.test("an imported memory, grown by the embedder during a call (from the stdout callback)", async (t) => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 8 });
  const module = await wat(`(module
    (import "env" "memory" (memory 1 8))
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (export "memory" (memory 0))
    (data (i32.const 0) "written while memory grows\\n")
    ${WRITE_FROM}
    (func (export "_start")
      (call $write_from (i32.const 1000) (i32.const 27) (i32.const ${PAGE - 12}))
      ;; one page more now: the iovec and nwritten at the very end of the grown memory
      (call $write_from (i32.const 2000) (i32.const 27) (i32.const ${2 * PAGE - 12}))))`);
  const chunks: string[] = [];
  const wasi = new WASI({
    stdout: (c) => {
      chunks.push(Buffer.from(c).toString());
      memory.grow(1); // the embedder grows memory inside the host call's span
    },
  });
  const instance = new WebAssembly.Instance(module, { ...wasi.getImportObject(), env: { memory } } as WebAssembly.Imports);
  t.equal(wasi.start(instance), 0, "nwritten landed in the grown memory each time (else exit 20)");
  t.same(chunks, ["written while memory grows\n", "written while memory grows\n"]);
  t.equal(memory.buffer.byteLength, 3 * PAGE);
});

t.test("a shared memory (imported and exported) works", async (t) => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "f"), "shared");
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 10, shared: true });
  t.ok(memory.buffer instanceof SharedArrayBuffer);
  const module = await wat(`(module
    (import "env" "memory" (memory 1 10 shared))
    (import "env" "grow_from_js" (func $grow_from_js))
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (export "memory" (memory 0))
    (data (i32.const 0) "shared memory says hi\\n")
    ${WRITE_FROM}
    (func (export "_start")
      (local $e i32)
      (call $write_from (i32.const 100) (i32.const 22) (i32.const 300))
      ;; a path decoded from shared memory
      (i32.store8 (i32.const 400) (i32.const 102))
      (local.set $e (call $path_open (i32.const 3) (i32.const 0) (i32.const 400) (i32.const 1) (i32.const 0)
        (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 408)))
      (if (local.get $e) (then (call $exit (i32.add (i32.const 100) (local.get $e)))))
      (i32.store (i32.const 420) (i32.const 500))
      (i32.store (i32.const 424) (i32.const 6))
      (local.set $e (call $fd_read (i32.load (i32.const 408)) (i32.const 420) (i32.const 1) (i32.const 428)))
      (if (local.get $e) (then (call $exit (i32.add (i32.const 150) (local.get $e)))))
      (if (i32.ne (i32.load (i32.const 428)) (i32.const 6)) (then (call $exit (i32.const 201))))
      (local.set $e (call $random_get (i32.const 600) (i32.const 64)))
      (if (local.get $e) (then (call $exit (i32.add (i32.const 60) (local.get $e)))))
      (local.set $e (call $args_get (i32.const 700) (i32.const 800)))
      (if (local.get $e) (then (call $exit (i32.add (i32.const 70) (local.get $e)))))
      ;; grown from JavaScript (as another thread would): the new pages are usable at once
      (call $grow_from_js)
      (call $write_from (i32.const ${2 * PAGE}) (i32.const 22) (i32.const ${3 * PAGE - 12}))))`);
  const out: string[] = [];
  const wasi = new WASI({ args: ["prog", "arg"], preopens: { "/": dir }, stdout: (c) => out.push(Buffer.from(c).toString()) });
  const instance = new WebAssembly.Instance(module, { ...wasi.getImportObject(), env: { memory, grow_from_js: () => memory.grow(2) } } as WebAssembly.Imports);
  t.equal(wasi.start(instance), 0, "every call succeeded on shared memory");
  t.same(out, ["shared memory says hi\n", "shared memory says hi\n"]);
  t.equal(Buffer.from(memory.buffer, 500, 6).toString(), "shared", "fd_read filled shared memory");
  t.equal(Buffer.from(memory.buffer, 800, 5).toString(), "prog\0");
});

t.test("a shared memory the module imports but does not export: a clear error at start", async (t) => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 10, shared: true });
  const module = await wat(`(module
    (import "env" "memory" (memory 1 10 shared))
    (func (export "_start") (unreachable)))`);
  const wasi = new WASI();
  const instance = new WebAssembly.Instance(module, { ...wasi.getImportObject(), env: { memory } } as WebAssembly.Imports);
  t.throws(() => wasi.start(instance), { name: "TypeError", message: /memory/ }, "TypeError naming the memory, before _start runs (else: unreachable)");
});

t.test("a module that exports no memory: a clear error at start, nothing run", async (t) => {
  const module = await wat(`(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (func (export "_start") (call $exit (i32.const 9))))`);
  const wasi = new WASI();
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  t.throws(() => wasi.start(instance), { name: "TypeError", message: /memory/ });
  t.equal(wasi.exitCode, undefined, "_start never ran");

  const reactor = await wat(`(module (func (export "_initialize")))`);
  const w2 = new WASI();
  t.throws(() => w2.initialize(new WebAssembly.Instance(reactor, w2.getImportObject())), { name: "TypeError", message: /memory/ }, "initialize too");

  const notAMemory = await wat(`(module (global (export "memory") i32 (i32.const 0)) (func (export "_start")))`);
  const w3 = new WASI();
  t.throws(() => w3.start(new WebAssembly.Instance(notAMemory, w3.getImportObject())), { name: "TypeError", message: /memory/ }, "an export named memory that is not one");
});

t.test("a memory of zero pages: every pointer faults, nothing throws", async (t) => {
  const module = await wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 0)
    (func (export "_start")
      (if (i32.ne (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 0)) (i32.const 21)) (then (call $exit (i32.const 1))))
      (if (i32.ne (call $sizes (i32.const 0) (i32.const 0)) (i32.const 21)) (then (call $exit (i32.const 2))))
      ;; zero iovecs at pointer 0 of an empty memory: nothing to read, but nwritten has nowhere to go
      (if (i32.ne (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)) (i32.const 21)) (then (call $exit (i32.const 3))))))`);
  t.equal(run(module).exitCode, 0, "EFAULT (21) each time");
});
