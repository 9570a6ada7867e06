// args_* and environ_*: counts, sizes in UTF-8 bytes including each NUL, the pointer array, the
// strings themselves. Expected bytes are written out by hand.
import t from "tap";
import { Errno } from "../../src/abi/constants.js";
import { direct, runWat } from "../helpers/harness.js";

const CANARY = 0xa5;

function dump(h: ReturnType<typeof direct>, kind: "args" | "environ") {
  const sizes = kind === "args" ? "args_sizes_get" : "environ_sizes_get";
  const get = kind === "args" ? "args_get" : "environ_get";
  h.bytes().fill(CANARY);
  const r1 = h.call(sizes, 0, 4);
  const count = h.u32(0);
  const size = h.u32(4);
  const r2 = h.call(get, 100, 1000);
  const pointers = Array.from({ length: count }, (_, i) => h.u32(100 + i * 4));
  const raw = [...h.read(1000, size)];
  return { r1, r2, count, size, pointers, raw, after: h.u8(1000 + size), afterPointers: h.u8(100 + count * 4) };
}

t.test("args: UTF-8 byte counts, NUL terminators, pointer array", async (t) => {
  const h = direct({ args: ["prog", "héllo", "日本", "", "a b"] });
  const d = dump(h, "args");
  t.equal(d.r1, Errno.SUCCESS);
  t.equal(d.r2, Errno.SUCCESS);
  t.equal(d.count, 5);
  // "prog\0" 5 + "héllo\0" 7 (é is 2 bytes) + "日本\0" 7 (3 bytes each) + "\0" 1 + "a b\0" 4 = 24
  t.equal(d.size, 24, "size counts UTF-8 bytes and NULs");
  t.same(d.pointers, [1000, 1005, 1012, 1019, 1020], "each pointer is the start of its string");
  t.same(d.raw, [
    0x70, 0x72, 0x6f, 0x67, 0,
    0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f, 0,
    0xe6, 0x97, 0xa5, 0xe6, 0x9c, 0xac, 0,
    0,
    0x61, 0x20, 0x62, 0,
  ], "the exact bytes");
  t.equal(d.after, CANARY, "nothing written past the buffer");
  t.equal(d.afterPointers, CANARY, "nothing written past the pointer array");
});

t.test("environ given as an object: NAME=VALUE entries, undefined values left out", async (t) => {
  const h = direct({ env: { A: "1", KÉY: "välue", EMPTY: "", GONE: undefined, PATHLIKE: "/x:/y=z" } });
  const d = dump(h, "environ");
  t.equal(d.count, 4);
  const strings = new TextDecoder().decode(new Uint8Array(d.raw)).split("\0").slice(0, -1);
  t.same([...strings].sort(), ["A=1", "EMPTY=", "KÉY=välue", "PATHLIKE=/x:/y=z"].sort());
  // "A=1\0" 4 + "KÉY=välue\0" 12 + "EMPTY=\0" 7 + "PATHLIKE=/x:/y=z\0" 17 = 40
  t.equal(d.size, 40);
  let at = 1000;
  const expectedPointers: number[] = [];
  for (const s of strings) {
    expectedPointers.push(at);
    at += Buffer.byteLength(s) + 1;
  }
  t.same(d.pointers, expectedPointers);
  t.equal(d.after, CANARY);
});

t.test("empty args and env: zero counts and sizes, nothing written", async (t) => {
  for (const options of [{}, { args: [], env: {} }]) {
    const h = direct(options);
    for (const kind of ["args", "environ"] as const) {
      const d = dump(h, kind);
      t.equal(d.r1, Errno.SUCCESS);
      t.equal(d.count, 0, `${kind} count`);
      t.equal(d.size, 0, `${kind} size`);
      t.equal(d.r2, Errno.SUCCESS, `${kind}_get with nothing to copy`);
      t.equal(h.u8(100), CANARY, "pointer array untouched");
      t.equal(h.u8(1000), CANARY, "buffer untouched");
    }
  }
});

t.test("the environment is exactly what was given: nothing of process.env leaks", async (t) => {
  process.env.RUN_WASI_TEST_SECRET = "leak";
  const h = direct({ env: { ONLY: "this" } });
  const d = dump(h, "environ");
  t.equal(d.count, 1);
  t.same(new TextDecoder().decode(new Uint8Array(d.raw)), "ONLY=this\0");
  delete process.env.RUN_WASI_TEST_SECRET;
});

t.test("a guest reads its args through wasm", async (t) => {
  // Writes argv[1] to stdout: args_sizes_get, args_get, then fd_write of the second string.
  const r = await runWat(
    `(module
      (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "args_get" (func $get (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (if (call $sizes (i32.const 0) (i32.const 4)) (then (call $exit (i32.const 10))))
        (if (call $get (i32.const 16) (i32.const 256)) (then (call $exit (i32.const 11))))
        ;; iovec at 8: buf = argv[1], len = argv[2] - argv[1] - 1
        (i32.store (i32.const 8) (i32.load (i32.const 20)))
        (i32.store (i32.const 12) (i32.sub (i32.sub (i32.load (i32.const 24)) (i32.load (i32.const 20))) (i32.const 1)))
        (drop (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 32)))
        (call $exit (i32.load (i32.const 0)))))`,
    { args: ["prog", "日本語 ✓", "third"] },
  );
  t.equal(r.stdout, "日本語 ✓");
  t.equal(r.exitCode, 3, "argc");
});
