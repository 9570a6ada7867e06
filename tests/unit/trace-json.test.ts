// trace: "json": one JSON object per call, with the decoded arguments, what the call wrote back and
// the errno's name, in a fixed order, so that the traces of two runs (or two hosts) can be diffed.
import * as fs from "node:fs";
import t from "tap";
import { WASI } from "../../src/index.js";
import { repoRoot, runCli, tempDir, wat } from "../helpers/harness.js";

const GUEST = `(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $fstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "in.txt")
  (data (i32.const 120) "missing")
  (func (export "_start")
    (drop (call $dir_name (i32.const 3) (i32.const 300) (i32.const 5)))
    (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 120) (i32.const 7) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $path_open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 6) (i32.const 0) (i64.const -1) (i64.const 0) (i32.const 0) (i32.const 0)))
    (drop (call $fstat (i32.load (i32.const 0)) (i32.const 400)))
    (i32.store (i32.const 16) (i32.const 500)) (i32.store (i32.const 20) (i32.const 64))
    (drop (call $read (i32.load (i32.const 0)) (i32.const 16) (i32.const 1) (i32.const 24)))
    (drop (call $random (i32.const 600) (i32.const 4)))
    (call $exit (i32.const 7))))`;

t.test("each call is one JSON line: arguments, what came back, errno", async (t) => {
  const dir = tempDir();
  fs.writeFileSync(`${dir}/in.txt`, "hello");
  const st = fs.statSync(`${dir}/in.txt`, { bigint: true });
  const lines: string[] = [];
  const wasi = new WASI({ preopens: { "/data": dir }, deterministic: true, trace: { format: "json", output: (l) => lines.push(l) } });
  t.equal(wasi.start(new WebAssembly.Instance(await wat(GUEST), wasi.getImportObject())), 7);
  const calls = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  t.same(calls.map((c) => c.call), ["fd_prestat_dir_name", "path_open", "path_open", "fd_filestat_get", "fd_read", "random_get", "proc_exit"]);
  t.same(calls[0], { call: "fd_prestat_dir_name", args: { fd: 3, path_out: 300, path_len: 5 }, errno: "SUCCESS", out: { path_out: "/data" } });
  t.same(calls[1], {
    call: "path_open",
    args: { fd: 3, dirflags: 1, path: "missing", path_len: 7, oflags: 0, rights_base: "2", rights_inheriting: "0", fdflags: 0, fd_out: 0 },
    errno: "NOENT",
  }, "an error: no out");
  t.same(calls[2]!.out, { fd_out: 4 });
  t.same(calls[3]!.out, {
    dev: String(st.dev), ino: String(st.ino), filetype: 4, nlink: "1", size: "5",
    atim: String(st.atimeNs), mtim: String(st.mtimeNs), ctim: String(st.ctimeNs),
  }, "stat fields, 64-bit ones as decimal strings");
  t.same(calls[4], { call: "fd_read", args: { fd: 4, iovs: [[500, 64]], iovs_len: 1, nread_out: 24 }, errno: "SUCCESS", out: { nread_out: 5 } });
  t.match(calls[5], { out: { bytes: /^[0-9a-f]{8}$/ } }, "random bytes in hex");
  t.same(calls[6], { call: "proc_exit", args: { rval: 7 }, exit: 7 });
});

t.test("two deterministic runs give the same trace", async (t) => {
  const traceOf = async (): Promise<string[]> => {
    const lines: string[] = [];
    const wasi = new WASI({ deterministic: true, trace: { format: "json", output: (l) => lines.push(l) } });
    wasi.start(new WebAssembly.Instance(await wat(GUEST.replace(/\(drop \(call \$(dir_name|path_open|fstat|read) [^\n]*\n/g, "")), wasi.getImportObject()));
    return lines;
  };
  const a = await traceOf();
  t.same(await traceOf(), a);
  t.equal(a.length, 2, "random_get and proc_exit");
});

t.test("bad trace settings are refused", async (t) => {
  t.throws(() => new WASI({ trace: "yaml" as never }), TypeError);
  t.throws(() => new WASI({ trace: { format: "xml" as never } }), TypeError);
  t.throws(() => new WASI({ trace: { output: 5 as never } }), TypeError);
});

t.test("the CLI's --trace=json writes the same lines to stderr", async (t) => {
  const r = runCli(["--trace=json", `${repoRoot}/examples/hello.wasm`]);
  t.equal(r.status, 0);
  t.equal(r.stdout, "Hello from run-wasi! 👋\n");
  t.same(r.stderr.trim().split("\n").map((l) => JSON.parse(l) as unknown), [
    { call: "fd_write", args: { fd: 1, iovs: [[16, 26]], iovs_len: 1, nwritten_out: 8 }, errno: "SUCCESS", out: { nwritten_out: 26 } },
  ]);
  t.match(runCli(["--trace=yaml", `${repoRoot}/examples/hello.wasm`]), { status: 2, stderr: /takes no value but json/ });
});
