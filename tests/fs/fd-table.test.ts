// The descriptor table: fd_renumber, closing and overwriting preopens, reuse of numbers.
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { Errno, Filetype } from "../../src/abi/constants.js";
import { WasiError } from "../../src/errors.js";
import { FdTable } from "../../src/fds.js";
import { Handle } from "../../src/handle.js";
import { runWat } from "../helpers/harness.js";
import { E, FT, O, R, STAT, hostFdOpen, sandbox, trackingBackend } from "./util.js";

function box() {
  const tracking = trackingBackend();
  const s = sandbox({ fs: tracking.backend, files: { "a": "AAA", "b": "BBB", "dir/": null, "dir/inner": "I" } });
  return { s, tracking };
}

t.test("fd_renumber onto an open fd closes what it held and releases its host fd", async (t) => {
  const { s, tracking } = box();
  const held = new Set(tracking.openFds); // the preopen's own host descriptor
  const a = s.openOk("a", { base: R.FD_READ | R.FD_SEEK });
  const hostA = [...tracking.openFds].find((fd) => !held.has(fd))!;
  const b = s.openOk("b", { base: R.FD_READ | R.FD_SEEK | R.FD_WRITE });
  const hostB = [...tracking.openFds].find((fd) => fd !== hostA && !held.has(fd))!;
  const bstat = s.fdstat(b);
  t.equal(s.renumber(b, a), E.SUCCESS);
  t.notOk(tracking.openFds.has(hostA), "the target's host fd was closed");
  t.notOk(hostFdOpen(hostA), "…and really is closed");
  t.ok(hostFdOpen(hostB), "the source's host fd lives on");
  t.equal(s.read(a, 10).text, "BBB", "the target now refers to the source's file");
  t.same(s.fdstat(a), bstat, "with the source's rights and flags");
  t.equal(s.fdstat(b).errno, E.BADF, "the source number is free");
  t.equal(s.close(b), E.BADF);
  t.equal(s.openOk("a"), b, "and is reused by the next open");
});

t.test("fd_renumber: EBADF for a closed source or target; onto itself changes nothing", async (t) => {
  const { s, tracking } = box();
  const held = tracking.openFds.size; // the preopen's own host descriptor
  const a = s.openOk("a");
  t.equal(s.renumber(a, 40), E.BADF, "the target must be open (not dup2)");
  t.equal(s.renumber(40, a), E.BADF, "the source must be open");
  t.equal(s.read(a, 3).text, "AAA", "nothing changed");
  t.equal(s.renumber(a, a), E.SUCCESS, "onto itself");
  t.equal(tracking.openFds.size, held + 1, "and the file was not closed");
  t.equal(s.read(a, 3).n, 0, "the position carried on (the same open file)");
});

t.test("fd_renumber onto an unused number, however high: EBADF, and the source stays where it was", async (t) => {
  const { s } = box();
  const a = s.openOk("a");
  for (const to of [a + 1, 127, 0x7fffffff, 0xfffffffe, 0xffffffff]) {
    t.equal(s.renumber(a, to), E.BADF, `onto ${to}`);
    t.equal(s.fdstat(to).errno, E.BADF, `${to} is still unused`);
  }
  t.equal(s.renumber(0xffffffff, a), E.BADF, "from u32::MAX");
  t.equal(s.read(a, 3).text, "AAA", "the source is untouched");
  t.equal(s.openOk("b"), a + 1, "the next open takes the lowest free number");
});

t.test("FdTable: a refused renumber to a high number leaves the table its size", async (t) => {
  class Placeholder extends Handle {
    readonly filetype = Filetype.UNKNOWN;
    stat(): never {
      throw new WasiError(Errno.NOTSUP);
    }
  }
  const table = new FdTable();
  const entry = () => ({ handle: new Placeholder(), rightsBase: 0n, rightsInheriting: 0n });
  const first = table.add(entry());
  for (const to of [0x7fffffff, 0xffffffff]) {
    t.throws(() => table.renumber(first, to), new WasiError(Errno.BADF), `onto ${to}: EBADF`);
  }
  // entries() walks the table up to its length: it would not end if the renumber had grown it.
  t.same([...table.entries()].map(([fd]) => fd), [first], "still one entry");
  t.equal(table.add(entry()), first + 1, "and numbers keep coming from the bottom");
});

t.test("closing a preopen: it is gone, fds opened from it keep working", async (t) => {
  const { s } = box();
  const dir = s.openOk("dir", { oflags: O.DIRECTORY });
  t.equal(s.close(3), E.SUCCESS);
  t.equal(s.h.call("fd_prestat_get", 3, STAT), E.BADF);
  t.equal(s.fdstat(3).errno, E.BADF);
  t.equal(s.open("a").errno, E.BADF, "no more opens through it");
  t.equal(s.fdstat(dir).filetype, FT.DIRECTORY);
  const f = s.openOk("inner", { fd: dir, base: R.FD_READ });
  t.equal(f, 3, "the lowest free number is reused");
  t.equal(s.read(f, 5).text, "I");
});

t.test("overwriting a preopen with fd_renumber", async (t) => {
  const { s } = box();
  const dir = s.openOk("dir", { oflags: O.DIRECTORY });
  const dirIno = fs.statSync(path.join(s.dir, "dir"), { bigint: true }).ino;
  t.equal(s.renumber(dir, 3), E.SUCCESS);
  t.equal(s.fstat(3).st.ino, dirIno, "fd 3 is now the subdirectory");
  t.equal(s.h.call("fd_prestat_get", 3, STAT), E.BADF, "and no longer a preopen");
  t.equal(s.fdstat(dir).errno, E.BADF);
  const inner = s.openOk("inner", { base: R.FD_READ });
  t.equal(s.read(inner, 5).text, "I", "paths now resolve from the subdirectory");
  t.equal(s.close(inner), E.SUCCESS);
  t.equal(s.open("a").errno, E.NOENT, "the old preopen's files are out of reach");
  t.equal(s.open("../a").errno, E.NOTCAPABLE, "even through '..'");
  t.equal(s.close(3), E.SUCCESS);
  t.equal(s.rmdir("dir", 3), E.BADF);
  fs.rmSync(path.join(s.dir, "dir"), { recursive: true });
  t.notOk(fs.existsSync(path.join(s.dir, "dir")), "the directory can go once its fd is closed");
});

t.test("stdio can be renumbered away: writes to the old number are EBADF", async (t) => {
  const { s } = box();
  const f = s.openOk("a", { oflags: O.TRUNC, base: R.FD_WRITE });
  t.equal(s.renumber(1, f), E.SUCCESS);
  t.equal(s.write(1, "x").errno, E.BADF, "stdout's number is free");
  t.equal(s.fdstat(f).errno, E.SUCCESS);
  t.not(s.fdstat(f).filetype, FT.REGULAR_FILE, "the file was replaced by stdout");
  t.equal(fs.readFileSync(path.join(s.dir, "a"), "utf8"), "");
});

t.test("new fds take the lowest free number", async (t) => {
  const { s } = box();
  const fds = [s.openOk("a"), s.openOk("b"), s.openOk("a"), s.openOk("b")];
  t.same(fds, [4, 5, 6, 7]);
  t.equal(s.close(5), E.SUCCESS);
  t.equal(s.close(6), E.SUCCESS);
  t.equal(s.openOk("a"), 5);
  t.equal(s.openOk("a"), 6);
  t.equal(s.openOk("a"), 8);
  t.equal(s.close(4), E.SUCCESS);
  t.equal(s.renumber(8, 7), E.SUCCESS);
  t.equal(s.openOk("a"), 4);
  t.equal(s.openOk("a"), 8);
});

const OPEN_TWO = (end: string) => `(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "a")
  (func (export "_start")
    (if (call $open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 0)
          (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 200)) (then unreachable))
    (if (call $open (i32.const 3) (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 0)
          (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 204)) (then unreachable))
    ${end}))`;

t.test("every host fd is closed when the guest exits", async (t) => {
  for (const [how, end] of [["proc_exit", "(call $exit (i32.const 3))"], ["returning from _start", ""]] as const) {
    const tracking = trackingBackend();
    const s = sandbox({ files: { "a": "" } });
    const r = await runWat(OPEN_TWO(end), { preopens: { "/": s.dir }, fs: tracking.backend });
    t.equal(r.exitCode, how === "proc_exit" ? 3 : 0, how);
    t.equal(tracking.closed.length, 3, `${how}: both files and the preopen's own host descriptor were closed`);
    t.equal(tracking.openFds.size, 0, `${how}: no host fd left open`);
  }
});
