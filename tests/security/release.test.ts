// Host descriptors are always released: a trap in start() or initialize() releases what the guest
// held as an exit does; close() and [Symbol.dispose]() release everything at once (the finalizer
// is only a backstop, and descriptor pressure never triggers it), and calls afterwards answer EBADF.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { Errno } from "../../src/abi/constants.js";
import { WASI } from "../../src/index.js";
import { direct, tempDir, wat } from "../helpers/harness.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const linux = process.platform === "linux";
/**
 * Host descriptors this process holds on `dir` or anything below it. Only those: the process's
 * other descriptors come and go on their own (a finalizer, a lazily loaded module), and a count of
 * all of them once came out one lower after a test than before it.
 */
const heldIn = (dir: string): number =>
  fs.readdirSync("/proc/self/fd").filter((fd) => {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      return target === dir || target.startsWith(`${dir}/`);
    } catch {
      return false; // closed meanwhile (the directory listing's own descriptor)
    }
  }).length;

function tree(): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, "d/e/g"), { recursive: true });
  fs.writeFileSync(path.join(dir, "d/f"), "f");
  fs.writeFileSync(path.join(dir, "d/e/g/h"), "h");
  for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(dir, "d", `entry-${i}`), "");
  return dir;
}

t.test("1,000 guests that trap with files open, one after another under ulimit -n 256: no descriptor left behind", { skip: linux ? false : "needs bash's ulimit and /proc/self/fd" }, async (t) => {
  const r = spawnSync("bash", ["-c", `ulimit -n 256 && exec "${process.execPath}" --import tsx "${path.join(here, "trap-child.ts")}" "${tree()}" 1000`], {
    encoding: "utf8",
    timeout: 120_000,
    cwd: path.resolve(here, "../.."),
  });
  t.equal(r.status, 0, `the child ran (stderr: ${r.stderr.slice(-300)})`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() || "{}") as { trapped: number; exited: number; error?: string; before: number; after: number };
  t.equal(out.error, undefined, "the host never ran out of descriptors");
  t.equal(out.trapped, 1000, "every guest opened its files, then trapped");
  t.equal(out.exited, 0);
  t.equal(out.after, out.before, "every host descriptor was given back");
});

t.test("close() releases every descriptor, preopens, listings and kept directories; calls afterwards answer EBADF", { skip: linux ? false : "counts /proc/self/fd" }, async (t) => {
  const dir = tree();
  const before = heldIn(dir);
  const h = direct({ pages: 2, preopens: { "/": dir, "/again": dir }, stdout: () => {}, stdin: "" });
  const open = (p: string, oflags: number) => {
    const [ptr, len] = h.path(1000, p);
    t.equal(h.call("path_open", 3, 0, ptr, len, oflags, 0x1fffffbfn, 0x1fffffbfn, 0, 16), Errno.SUCCESS, `open ${p}`);
    return h.u32(16);
  };
  open("d/f", 0);
  const sub = open("d", 2);
  open("d/e/g/h", 0); // leaves directories kept for later lookups
  t.equal(h.call("fd_readdir", sub, 4096, 128, 0n, 16), Errno.SUCCESS, "a listing left under way");
  t.ok(heldIn(dir) > before + 4, `the guest holds host descriptors (${heldIn(dir) - before})`);
  h.wasi.close();
  t.equal(heldIn(dir), before, "all given back");
  h.setU32(200, 300);
  h.setU32(204, 4);
  t.equal(h.call("fd_write", 1, 200, 1, 16), Errno.BADF, "stdout is closed for the guest");
  t.equal(h.call("fd_read", 0, 200, 1, 16), Errno.BADF);
  const [ptr, len] = h.path(1000, "d/f");
  t.equal(h.call("path_open", 3, 0, ptr, len, 0, 0x1fffffffn, 0n, 0, 16), Errno.BADF, "so is the preopen");
  t.equal(h.call("fd_readdir", sub, 4096, 128, 0n, 16), Errno.BADF);
  t.equal(h.call("fd_prestat_get", 3, 16), Errno.BADF);
  t.equal(h.call("fd_close", sub), Errno.BADF);
  t.equal(h.call("args_sizes_get", 16, 20), Errno.SUCCESS, "calls without descriptors still answer");
  t.doesNotThrow(() => h.wasi.close(), "closing twice is fine");
  t.equal(heldIn(dir), before);
});

t.test("[Symbol.dispose] closes", { skip: linux ? false : "counts /proc/self/fd" }, async (t) => {
  const dir = tree();
  const before = heldIn(dir);
  {
    const wasi = new WASI({ preopens: { "/": dir } });
    t.ok(heldIn(dir) > before);
    wasi[Symbol.dispose]();
  }
  t.equal(heldIn(dir), before);
});

t.test("a reactor whose _initialize traps releases what it opened; the trap still reaches the embedder", { skip: linux ? false : "counts /proc/self/fd" }, async (t) => {
  const dir = tree();
  const module = await wat(`(module
    (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 100) "d/f")
    (func (export "_initialize")
      (drop (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 3) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)))
      unreachable))`);
  const before = heldIn(dir);
  const wasi = new WASI({ preopens: { "/": dir } });
  const instance = new WebAssembly.Instance(module, wasi.getImportObject() as WebAssembly.Imports);
  t.throws(() => wasi.initialize(instance), WebAssembly.RuntimeError);
  t.equal(heldIn(dir), before, "preopen and file released");
  t.equal((instance.exports as Record<string, unknown>).memory instanceof WebAssembly.Memory, true);
});

t.test("a module that cannot start (no _start) holds nothing afterwards", { skip: linux ? false : "counts /proc/self/fd" }, async (t) => {
  const dir = tree();
  const instance = new WebAssembly.Instance(await wat(`(module (memory (export "memory") 1))`));
  const before = heldIn(dir);
  const wasi = new WASI({ preopens: { "/": dir } });
  t.throws(() => wasi.start(instance), TypeError);
  t.equal(heldIn(dir), before);
});
