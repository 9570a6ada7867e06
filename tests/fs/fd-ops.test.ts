// fd_* on files and directories: effects on the host file, bytes in guest memory, positions, and
// each errno class (EBADF, ENOTCAPABLE after dropping a right, EFAULT, EINVAL, ESPIPE, EISDIR).
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { direct } from "../helpers/harness.js";
import { DATA, E, FD, FST, FT, IOV, MEM_SIZE, O, OUT, R, STAT, WHENCE, hostFdOpen, oneOf, ops, sandbox, trackingBackend, type Sandbox } from "./util.js";

const RW = R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FD_TELL | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_SIZE |
  R.FD_FILESTAT_SET_TIMES | R.FD_ALLOCATE | R.FD_ADVISE | R.FD_SYNC | R.FD_DATASYNC | R.FD_FDSTAT_SET_FLAGS;

function box(extra: Parameters<typeof sandbox>[0] = {}): Sandbox {
  return sandbox({ files: { "file": "0123456789", "dir/": null, "dir/a": "a" }, ...extra });
}
const content = (s: Sandbox, name = "file") => fs.readFileSync(path.join(s.dir, name), "utf8");

t.test("fd_write and fd_read: iovecs, positions, host effect, guest bytes", async (t) => {
  const s = box();
  const fd = s.openOk("file", { base: RW });
  const w = s.write(fd, "ab", "", "cd");
  t.equal(w.errno, E.SUCCESS);
  t.equal(w.n, 4, "nwritten counts every iovec");
  t.equal(content(s), "abcd456789", "written at the start, in iovec order");
  t.equal(s.tell(fd).pos, 4n);
  const r = s.read(fd, 0, 3, 10);
  t.equal(r.errno, E.SUCCESS);
  t.equal(r.n, 6, "a leading empty iovec is skipped, not read as EOF");
  t.equal(Buffer.from(s.h.read(DATA, 13)).toString("latin1"), "456789\0\0\0\0\0\0\0", "bytes land in the iovecs in order");
  t.equal(s.tell(fd).pos, 10n);
  t.equal(s.read(fd, 8).n, 0, "EOF reads 0");
  t.equal(s.write(fd, "!").n, 1);
  t.equal(content(s), "abcd456789!", "a write at EOF extends");
  t.equal(s.h.call("fd_write", fd, IOV, 0, OUT), E.SUCCESS, "zero iovecs");
  t.equal(s.h.u32(OUT), 0);
});

t.test("fd_read/fd_write: EBADF, ENOTCAPABLE, EISDIR-class, EFAULT (before any I/O)", async (t) => {
  const s = box();
  const ro = s.openOk("file", { base: R.FD_READ | R.FD_TELL });
  t.equal(s.write(ro, "x").errno, E.NOTCAPABLE, "a file opened for reading only");
  const wo = s.openOk("file", { base: R.FD_WRITE | R.FD_TELL });
  t.equal(s.read(wo, 4).errno, E.NOTCAPABLE, "a file opened for writing only");
  t.equal(s.write(99, "x").errno, E.BADF);
  t.equal(s.read(99, 1).errno, E.BADF);
  t.equal(s.h.call("fd_write", 0xffff8597, IOV, 0, OUT), E.BADF, "fd -31337");
  const rw = s.openOk("file", { base: RW });
  t.equal(s.drop(rw, R.FD_WRITE), E.SUCCESS);
  t.equal(s.write(rw, "x").errno, E.NOTCAPABLE, "after dropping FD_WRITE");
  t.equal(s.read(rw, 2).text, "01", "reading still works");
  t.equal(s.drop(rw, R.FD_READ), E.SUCCESS);
  t.equal(s.read(rw, 2).errno, E.NOTCAPABLE, "after dropping FD_READ");
  const dir = s.openOk("dir", { oflags: O.DIRECTORY });
  oneOf(t, s.read(dir, 4).errno, [E.ISDIR, E.BADF, E.NOTCAPABLE], "fd_read on a directory");
  oneOf(t, s.write(dir, "x").errno, [E.ISDIR, E.BADF, E.NOTCAPABLE], "fd_write on a directory");
  oneOf(t, s.pread(dir, 4, 0n).errno, [E.ISDIR, E.BADF, E.NOTCAPABLE], "fd_pread on a directory");
  oneOf(t, s.pwrite(dir, "x", 0n).errno, [E.ISDIR, E.BADF, E.NOTCAPABLE], "fd_pwrite on a directory");
  t.equal(s.close(s.openOk("file")), E.SUCCESS);

  const f = s.openOk("file", { base: RW });
  t.equal(s.h.call("fd_write", f, MEM_SIZE - 4, 1, OUT), E.FAULT, "the iovec array past the end");
  s.h.iovecs(IOV, [DATA, 2], [MEM_SIZE - 1, 2]);
  t.equal(s.h.call("fd_write", f, IOV, 2, OUT), E.FAULT, "the second buffer past the end");
  t.equal(content(s), "0123456789", "nothing written by a call that faulted on a later iovec");
  s.h.iovecs(IOV, [DATA, 2]);
  t.equal(s.h.call("fd_write", f, IOV, 1, MEM_SIZE - 2), E.FAULT, "nwritten out-pointer");
  t.equal(content(s), "0123456789", "nothing written when the result cannot be stored");
  s.h.iovecs(IOV, [DATA, 2], [0xffffff00, 0x200]);
  t.equal(s.h.call("fd_read", f, IOV, 2, OUT), E.FAULT, "a read buffer wrapping around");
  t.equal(s.h.call("fd_read", f, IOV, 1, MEM_SIZE), E.FAULT, "nread out-pointer");
  // One iovec goes the short way (a range of guest memory, no views): the same checks apply.
  for (const [what, iov] of [["past the end", [MEM_SIZE - 1, 2]], ["wrapping around", [0xffffff00, 0x200]]] as const) {
    s.h.iovecs(IOV, [iov[0], iov[1]]);
    t.equal(s.h.call("fd_write", f, IOV, 1, OUT), E.FAULT, `fd_write, one buffer ${what}`);
    t.equal(s.h.call("fd_pwrite", f, IOV, 1, 0n, OUT), E.FAULT, `fd_pwrite, one buffer ${what}`);
    t.equal(s.h.call("fd_read", f, IOV, 1, OUT), E.FAULT, `fd_read, one buffer ${what}`);
    t.equal(s.h.call("fd_pread", f, IOV, 1, 0n, OUT), E.FAULT, `fd_pread, one buffer ${what}`);
  }
  t.equal(s.h.call("fd_read", f, MEM_SIZE - 4, 1, OUT), E.FAULT, "fd_read, the one iovec itself past the end");
  t.equal(s.h.call("fd_pread", f, MEM_SIZE - 4, 1, 0n, OUT), E.FAULT, "fd_pread, the one iovec itself past the end");
  t.equal(content(s), "0123456789", "nothing written by the faulting calls");
  t.equal(s.tell(f).pos, 0n, "the position did not move");
  t.equal(s.read(f, 10).text, "0123456789", "no data was consumed");
});

t.test("fd_pread/fd_pwrite: explicit offsets, the position stays", async (t) => {
  const s = box();
  const fd = s.openOk("file", { base: RW });
  t.equal(s.seek(fd, 3n, WHENCE.SET).pos, 3n);
  const r = s.pread(fd, 4, 5n);
  t.equal(r.errno, E.SUCCESS);
  t.equal(r.text, "5678");
  t.equal(s.pread(fd, 10, 8n).text, "89", "short at EOF");
  t.equal(s.pread(fd, 10, 10n).n, 0, "at EOF");
  t.equal(s.pread(fd, 10, 1000n).n, 0, "past EOF");
  t.equal(s.pwrite(fd, "XY", 1n).n, 2);
  t.equal(content(s), "0XY3456789");
  t.equal(s.pwrite(fd, "Z", 12n).n, 1, "past EOF");
  t.equal(fs.readFileSync(path.join(s.dir, "file"), "latin1"), "0XY3456789\0\0Z", "the gap reads as zeros");
  t.equal(s.tell(fd).pos, 3n, "the position never moved");
  t.equal(s.read(fd, 2).text, "34");
  t.equal(s.h.call("fd_pread", fd, IOV, 1, 1n << 63n, OUT), E.INVAL, "an offset over 2^63-1");
  t.equal(s.h.call("fd_pwrite", fd, IOV, 1, 0xffffffffffffffffn, OUT), E.INVAL);
  t.equal(s.h.call("fd_pread", fd, IOV, 1, 0n, MEM_SIZE - 1), E.FAULT);
  t.equal(s.drop(fd, R.FD_SEEK), E.SUCCESS);
  t.equal(s.pread(fd, 2, 0n).errno, E.NOTCAPABLE, "fd_pread needs FD_SEEK too");
  t.equal(s.pwrite(fd, "q", 0n).errno, E.NOTCAPABLE, "fd_pwrite needs FD_SEEK too");
  t.equal(content(s)[0], "0");
  t.equal(s.pread(77, 1, 0n).errno, E.BADF);
});

t.test("fd_seek/fd_tell", async (t) => {
  const s = box();
  const fd = s.openOk("file", { base: RW });
  t.same(s.seek(fd, 4n, WHENCE.SET), { errno: E.SUCCESS, pos: 4n });
  t.same(s.seek(fd, 2n, WHENCE.CUR), { errno: E.SUCCESS, pos: 6n });
  t.same(s.seek(fd, -1n, WHENCE.CUR), { errno: E.SUCCESS, pos: 5n });
  t.same(s.seek(fd, -3n, WHENCE.END), { errno: E.SUCCESS, pos: 7n });
  t.same(s.seek(fd, 100n, WHENCE.END), { errno: E.SUCCESS, pos: 110n }, "past EOF is allowed");
  t.equal(s.tell(fd).pos, 110n);
  t.equal(s.seek(fd, -200n, WHENCE.CUR).errno, E.INVAL, "before the start");
  t.equal(s.tell(fd).pos, 110n, "the position is unchanged");
  t.equal(s.seek(fd, -1n, WHENCE.SET).errno, E.INVAL);
  t.equal(s.seek(fd, 0n, 3).errno, E.INVAL, "an unknown whence");
  t.equal(s.seek(fd, 0n, 255).errno, E.INVAL);
  t.same(s.seek(fd, 0n, WHENCE.SET), { errno: E.SUCCESS, pos: 0n });
  t.equal(s.read(fd, 3).text, "012");
  t.equal(s.h.call("fd_seek", fd, 0n, WHENCE.CUR, MEM_SIZE - 4), E.FAULT);
  t.equal(s.h.call("fd_tell", fd, MEM_SIZE), E.FAULT);
  t.equal(s.drop(fd, R.FD_SEEK), E.SUCCESS);
  t.equal(s.seek(fd, 1n, WHENCE.SET).errno, E.NOTCAPABLE, "no FD_SEEK");
  t.same(s.seek(fd, 0n, WHENCE.CUR), { errno: E.SUCCESS, pos: 3n }, "seek(0, CUR) is a tell");
  t.equal(s.drop(fd, R.FD_TELL), E.SUCCESS);
  t.equal(s.tell(fd).errno, E.NOTCAPABLE, "no FD_TELL");
  const dir = s.openOk("dir", { oflags: O.DIRECTORY, base: R.FD_SEEK | R.FD_TELL | R.FD_READDIR });
  for (const whence of [WHENCE.SET, WHENCE.CUR, WHENCE.END]) {
    oneOf(t, s.seek(dir, 0n, whence).errno, [E.ISDIR, E.BADF, E.NOTCAPABLE, E.SPIPE], `fd_seek on a directory (whence ${whence})`);
  }
  oneOf(t, s.tell(dir).errno, [E.ISDIR, E.BADF, E.NOTCAPABLE, E.SPIPE], "fd_tell on a directory");
  t.equal(s.seek(99, 0n, WHENCE.SET).errno, E.BADF);
});

t.test("ESPIPE: positions on stdio", async (t) => {
  const h = direct({ stdout: () => {}, stderr: () => {}, stdin: Buffer.from("in") });
  const o = ops(h);
  t.equal(o.seek(1, 0n, WHENCE.SET).errno, E.SPIPE, "fd_seek on stdout");
  t.equal(o.seek(0, 1n, WHENCE.CUR).errno, E.SPIPE, "fd_seek on stdin");
  t.equal(o.tell(2).errno, E.SPIPE, "fd_tell on stderr");
  t.equal(o.pread(0, 1, 0n).errno, E.SPIPE, "fd_pread on stdin");
  t.equal(o.pwrite(1, "x", 0n).errno, E.SPIPE, "fd_pwrite on stdout");
});

t.test("APPEND: writes go to the end; fd_fdstat_set_flags(0) turns it off; pwrite leaves the position", async (t) => {
  const s = box();
  const fd = s.openOk("file", { base: RW, fdflags: FD.APPEND });
  t.equal(s.fdstat(fd).flags & FD.APPEND, FD.APPEND);
  t.equal(s.write(fd, "AB").n, 2);
  t.equal(content(s), "0123456789AB", "the first write goes to the end, not to position 0");
  t.equal(s.tell(fd).pos, 12n, "the position follows the append");
  t.equal(s.seek(fd, 0n, WHENCE.SET).pos, 0n);
  t.equal(s.write(fd, "CD").n, 2);
  t.equal(content(s), "0123456789ABCD", "after a seek, still the end");
  t.equal(s.tell(fd).pos, 14n);
  fs.appendFileSync(path.join(s.dir, "file"), "++");
  t.equal(s.write(fd, "E").n, 1);
  t.equal(content(s), "0123456789ABCD++E", "the end as it is now, after another writer grew the file");
  t.equal(s.pwrite(fd, "p", 0n).n, 1);
  t.equal(s.tell(fd).pos, 17n, "pwrite does not move the position");
  t.ok(["p123456789ABCD++E", "0123456789ABCD++Ep"].includes(content(s)), "pwrite wrote at its offset (POSIX) or appended (Linux)");
  const size = fs.statSync(path.join(s.dir, "file")).size;

  t.equal(s.setFlags(fd, 0), E.SUCCESS);
  t.equal(s.fdstat(fd).flags & FD.APPEND, 0);
  t.equal(s.seek(fd, 1n, WHENCE.SET).pos, 1n);
  t.equal(s.write(fd, "xy").n, 2);
  t.equal(content(s).slice(0, 3), `${content(s)[0]}xy`, "without APPEND, writes go to the position");
  t.equal(fs.statSync(path.join(s.dir, "file")).size, size, "and do not grow the file");
  t.equal(s.tell(fd).pos, 3n);
  t.equal(s.setFlags(fd, FD.APPEND), E.SUCCESS, "and back on");
  t.equal(s.write(fd, "Z").n, 1);
  t.ok(content(s).endsWith("Z"));
  t.equal(s.setFlags(fd, 0x20), E.INVAL, "an unknown flag");
  t.equal(s.drop(fd, R.FD_FDSTAT_SET_FLAGS), E.SUCCESS);
  t.equal(s.setFlags(fd, 0), E.NOTCAPABLE);
  t.equal(s.fdstat(fd).flags & FD.APPEND, FD.APPEND, "the refused call changed nothing");
  t.equal(s.setFlags(99, 0), E.BADF);
});

t.test("fd_filestat_get", async (t) => {
  const s = box();
  const fd = s.openOk("file", { base: RW });
  const r = s.fstat(fd);
  t.equal(r.errno, E.SUCCESS);
  const h = fs.statSync(path.join(s.dir, "file"), { bigint: true });
  t.same(r.st, { dev: h.dev, ino: h.ino, filetype: FT.REGULAR_FILE, nlink: 1n, size: 10n, atim: h.atimeNs, mtim: h.mtimeNs, ctim: h.ctimeNs });
  const d = s.fstat(3);
  t.equal(d.st.filetype, FT.DIRECTORY);
  t.equal(d.st.ino, fs.statSync(s.dir, { bigint: true }).ino);
  const dir = s.openOk("dir", { oflags: O.DIRECTORY });
  t.equal(s.fstat(dir).st.ino, fs.statSync(path.join(s.dir, "dir"), { bigint: true }).ino);
  t.equal(s.h.call("fd_filestat_get", fd, MEM_SIZE - 63), E.FAULT);
  t.equal(s.fstat(99).errno, E.BADF);
  t.equal(s.drop(fd, R.FD_FILESTAT_GET), E.SUCCESS);
  t.equal(s.fstat(fd).errno, E.NOTCAPABLE);
});

t.test("fd_filestat_set_size", async (t) => {
  const s = box();
  const fd = s.openOk("file", { base: RW });
  t.equal(s.seek(fd, 8n, WHENCE.SET).pos, 8n);
  t.equal(s.h.call("fd_filestat_set_size", fd, 4n), E.SUCCESS);
  t.equal(content(s), "0123", "shrunk on the host");
  t.equal(s.tell(fd).pos, 8n, "the position is not moved");
  t.equal(s.h.call("fd_filestat_set_size", fd, 100n), E.SUCCESS);
  const bytes = fs.readFileSync(path.join(s.dir, "file"));
  t.equal(bytes.length, 100);
  t.ok(bytes.subarray(4).every((b) => b === 0), "grown with zeros");
  t.equal(s.fstat(fd).st.size, 100n);
  t.equal(s.h.call("fd_filestat_set_size", fd, 1n << 63n), E.INVAL, "over 2^63-1");
  const dir = s.openOk("dir", { oflags: O.DIRECTORY });
  oneOf(t, s.h.call("fd_filestat_set_size", dir, 0n), [E.ISDIR, E.INVAL, E.BADF, E.NOTCAPABLE], "on a directory");
  t.equal(fs.readFileSync(path.join(s.dir, "dir", "a"), "utf8"), "a");
  const ro = s.openOk("file", { base: R.FD_READ });
  t.equal(s.h.call("fd_filestat_set_size", ro, 0n), E.NOTCAPABLE, "a read-only fd");
  t.equal(s.drop(fd, R.FD_FILESTAT_SET_SIZE), E.SUCCESS);
  t.equal(s.h.call("fd_filestat_set_size", fd, 0n), E.NOTCAPABLE);
  t.equal(fs.statSync(path.join(s.dir, "file")).size, 100);
  t.equal(s.h.call("fd_filestat_set_size", 99, 0n), E.BADF);
});

t.test("fd_filestat_set_times: odd nanoseconds read back exactly; atim untouched", async (t) => {
  const s = box();
  const fd = s.openOk("file", { base: RW });
  t.equal(s.h.call("fd_filestat_set_size", fd, 100n), E.SUCCESS);
  const before = s.fstat(fd).st;
  const mtim = before.mtim - 100n * 1_000_000_000n + 123n; // odd, and not on a microsecond
  t.equal(s.h.call("fd_filestat_set_times", fd, 0n, mtim, FST.MTIM), E.SUCCESS);
  const after = s.fstat(fd).st;
  t.equal(after.mtim, mtim, "mtim to the nanosecond");
  t.equal(after.atim, before.atim, "atim exactly as it was");
  t.equal(after.size, 100n);
  t.equal(s.stat("file").st.mtim, mtim, "path_filestat_get agrees");
  const hostM = fs.statSync(path.join(s.dir, "file"), { bigint: true }).mtimeNs;
  // Node passes seconds as a double (steps of ~238 ns today) and libuv drops what is below a whole
  // microsecond: a value just past a microsecond boundary can land up to ~1.12 µs below.
  t.ok(hostM > mtim - 1500n && hostM < mtim + 1000n, "the host holds it to about the microsecond");
  const atim = 999_999_999_999_999_999n;
  t.equal(s.h.call("fd_filestat_set_times", fd, atim, 0n, FST.ATIM), E.SUCCESS);
  t.equal(s.fstat(fd).st.atim, atim);
  t.equal(s.fstat(fd).st.mtim, mtim, "mtim untouched by an atim-only call");
  t.equal(s.h.call("fd_filestat_set_times", fd, 0n, 0n, 0), E.SUCCESS, "no flags: nothing to do");
  t.equal(s.fstat(fd).st.mtim, mtim);
  t.equal(s.h.call("fd_filestat_set_times", fd, 1n, 1n, FST.MTIM | FST.MTIM_NOW), E.INVAL);
  t.equal(s.h.call("fd_filestat_set_times", fd, 1n, 1n, FST.ATIM | FST.ATIM_NOW), E.INVAL);
  t.equal(s.h.call("fd_filestat_set_times", fd, 1n, 1n, 0x10), E.INVAL);
  t.equal(s.fstat(fd).st.mtim, mtim, "the invalid calls changed nothing");
  const ro = s.openOk("file", { base: R.FD_READ | R.FD_FILESTAT_SET_TIMES | R.FD_FILESTAT_GET });
  t.equal(s.h.call("fd_filestat_set_times", ro, 0n, 77_000_000_001n, FST.MTIM), E.SUCCESS, "a read-only fd may set times");
  t.equal(s.fstat(ro).st.mtim, 77_000_000_001n);
  t.equal(s.fstat(fd).st.mtim, 77_000_000_001n, "seen through the other fd");
  const dir = s.openOk("dir", { oflags: O.DIRECTORY });
  t.equal(s.h.call("fd_filestat_set_times", dir, 0n, 3_000_000_007n, FST.MTIM), E.SUCCESS, "a directory fd");
  t.equal(s.fstat(dir).st.mtim, 3_000_000_007n);
  t.equal(s.drop(fd, R.FD_FILESTAT_SET_TIMES), E.SUCCESS);
  t.equal(s.h.call("fd_filestat_set_times", fd, 0n, 5n, FST.MTIM), E.NOTCAPABLE);
  t.equal(s.h.call("fd_filestat_set_times", 99, 0n, 5n, FST.MTIM), E.BADF);
});

t.test("fd_allocate, fd_advise, fd_sync, fd_datasync", async (t) => {
  const s = sandbox({ files: { "empty": "", "dir/": null } });
  const fd = s.openOk("empty", { base: RW });
  t.equal(s.h.call("fd_allocate", fd, 0n, 100n), E.SUCCESS);
  t.equal(fs.statSync(path.join(s.dir, "empty")).size, 100, "grown to cover the range");
  t.equal(s.h.call("fd_allocate", fd, 10n, 10n), E.SUCCESS);
  t.equal(fs.statSync(path.join(s.dir, "empty")).size, 100, "a range inside changes nothing");
  t.equal(s.h.call("fd_allocate", fd, 90n, 20n), E.SUCCESS);
  t.equal(fs.statSync(path.join(s.dir, "empty")).size, 110);
  const dir = s.openOk("dir", { oflags: O.DIRECTORY });
  oneOf(t, s.h.call("fd_allocate", dir, 0n, 1n), [E.ISDIR, E.BADF, E.NOTCAPABLE], "fd_allocate on a directory (not NOTSUP)");

  t.equal(s.h.call("fd_advise", fd, 10n, 50n, 0), E.SUCCESS);
  for (let advice = 0; advice <= 5; advice++) t.equal(s.h.call("fd_advise", fd, 0n, 0n, advice), E.SUCCESS, `advice ${advice}`);
  t.equal(s.h.call("fd_advise", fd, 0n, 0n, 6), E.INVAL, "an unknown advice");
  t.equal(fs.statSync(path.join(s.dir, "empty")).size, 110, "advice changes nothing");
  t.equal(s.h.call("fd_sync", fd), E.SUCCESS);
  t.equal(s.h.call("fd_datasync", fd), E.SUCCESS);
  t.equal(s.h.call("fd_sync", 3), E.SUCCESS, "fd_sync on a directory");

  t.equal(s.drop(fd, R.FD_ALLOCATE | R.FD_ADVISE | R.FD_SYNC | R.FD_DATASYNC), E.SUCCESS);
  t.equal(s.h.call("fd_allocate", fd, 0n, 1000n), E.NOTCAPABLE);
  t.equal(fs.statSync(path.join(s.dir, "empty")).size, 110);
  t.equal(s.h.call("fd_advise", fd, 0n, 0n, 0), E.NOTCAPABLE);
  t.equal(s.h.call("fd_sync", fd), E.NOTCAPABLE);
  t.equal(s.h.call("fd_datasync", fd), E.NOTCAPABLE);
  for (const name of ["fd_sync", "fd_datasync"]) t.equal(s.h.call(name, 99), E.BADF, `${name} EBADF`);
  t.equal(s.h.call("fd_allocate", 99, 0n, 1n), E.BADF);
  t.equal(s.h.call("fd_advise", 99, 0n, 1n, 0), E.BADF);
});

t.test("fd_fdstat_get and fd_fdstat_set_rights", async (t) => {
  const s = box();
  const pre = s.fdstat(3);
  t.equal(pre.errno, E.SUCCESS);
  t.equal(pre.filetype, FT.DIRECTORY);
  t.equal(pre.flags, 0);
  t.equal(pre.base & R.FD_WRITE, 0n, "a directory never holds FD_WRITE");
  t.equal(pre.base & R.PATH_OPEN, R.PATH_OPEN);
  t.equal(pre.inheriting & (R.FD_READ | R.FD_WRITE), R.FD_READ | R.FD_WRITE, "files beneath may be read and written");
  const fd = s.openOk("file", { base: R.FD_READ | R.FD_WRITE | R.FD_SEEK, inheriting: 0n });
  const st = s.fdstat(fd);
  t.equal(st.filetype, FT.REGULAR_FILE);
  t.equal(st.base, R.FD_READ | R.FD_WRITE | R.FD_SEEK, "exactly the rights asked for");
  t.equal(s.setRights(fd, R.FD_READ, 0n), E.SUCCESS);
  t.same(s.fdstat(fd), { errno: E.SUCCESS, filetype: FT.REGULAR_FILE, flags: 0, base: R.FD_READ, inheriting: 0n });
  t.equal(s.setRights(fd, R.FD_READ | R.FD_WRITE, 0n), E.NOTCAPABLE, "rights never grow");
  t.equal(s.setRights(fd, R.FD_READ, R.FD_READ), E.NOTCAPABLE, "inheriting rights never grow");
  t.equal(s.fdstat(fd).base, R.FD_READ);
  t.equal(s.write(fd, "x").errno, E.NOTCAPABLE);
  t.equal(s.h.call("fd_fdstat_get", fd, MEM_SIZE - 8), E.FAULT);
  t.equal(s.fdstat(99).errno, E.BADF);
  t.equal(s.setRights(99, 0n, 0n), E.BADF);
});

t.test("fd_close releases the host fd; a closed fd is EBADF", async (t) => {
  const tracking = trackingBackend();
  const s = box({ fs: tracking.backend });
  const held = new Set(tracking.openFds); // the preopen's own host descriptor
  const fd = s.openOk("file", { base: R.FD_READ });
  t.equal(tracking.openFds.size, held.size + 1);
  const [hostFd] = [...tracking.openFds].filter((h) => !held.has(h));
  t.ok(hostFdOpen(hostFd!));
  t.equal(s.close(fd), E.SUCCESS);
  t.equal(tracking.openFds.size, held.size);
  t.notOk(hostFdOpen(hostFd!), "the host fd is closed");
  t.equal(s.close(fd), E.BADF, "closing twice");
  t.equal(s.read(fd, 1).errno, E.BADF);
  const dir = s.openOk("dir", { oflags: O.DIRECTORY });
  t.equal(s.close(dir), E.SUCCESS);
  t.equal(s.fdstat(dir).errno, E.BADF);
});

t.test("fd_prestat_get and fd_prestat_dir_name", async (t) => {
  const s = box();
  t.equal(s.h.call("fd_prestat_get", 3, STAT), E.SUCCESS);
  t.equal(s.h.u8(STAT), 0, "tag: a directory");
  t.equal(s.h.u32(STAT + 4), 1, "the name's length");
  s.h.bytes().fill(0x55, DATA, DATA + 4);
  t.equal(s.h.call("fd_prestat_dir_name", 3, DATA, 1), E.SUCCESS);
  t.same([...s.h.read(DATA, 2)], [0x2f, 0x55], "'/' and no NUL");
  t.equal(s.h.call("fd_prestat_dir_name", 3, DATA, 2), E.SUCCESS, "a larger buffer is fine");
  t.equal(s.h.call("fd_prestat_dir_name", 3, DATA, 0), E.NAMETOOLONG, "a buffer too small");
  t.equal(s.h.call("fd_prestat_get", 4, STAT), E.BADF, "past the last preopen");
  const fd = s.openOk("file");
  t.equal(s.h.call("fd_prestat_get", fd, STAT), E.BADF, "an fd that is no preopen");
  t.equal(s.h.call("fd_prestat_get", 1, STAT), E.BADF, "stdout");
  t.equal(s.h.call("fd_prestat_get", 3, MEM_SIZE - 4), E.FAULT);
  t.equal(s.h.call("fd_prestat_dir_name", 3, MEM_SIZE, 1), E.FAULT);

  const other = sandbox();
  const h = direct({ preopens: { "/": other.dir, "/data/ü": s.dir } });
  t.equal(h.call("fd_prestat_get", 4, STAT), E.SUCCESS);
  t.equal(h.u32(STAT + 4), 8, "a second preopen at fd 4, its name's length in UTF-8 bytes");
  t.equal(h.call("fd_prestat_dir_name", 4, DATA, 8), E.SUCCESS);
  t.equal(h.readString(DATA, 8), "/data/ü");
  t.equal(h.call("fd_prestat_get", 5, STAT), E.BADF);
});

t.test("EBADF from every fd_* import, for a never-opened and a closed fd", async (t) => {
  const s = box();
  const closed = s.openOk("file", { base: RW });
  t.equal(s.close(closed), E.SUCCESS);
  s.h.iovecs(IOV, [DATA, 4]);
  const calls: [string, (fd: number) => number][] = [
    ["fd_advise", (fd) => s.h.call("fd_advise", fd, 0n, 0n, 0)],
    ["fd_allocate", (fd) => s.h.call("fd_allocate", fd, 0n, 1n)],
    ["fd_close", (fd) => s.h.call("fd_close", fd)],
    ["fd_datasync", (fd) => s.h.call("fd_datasync", fd)],
    ["fd_fdstat_get", (fd) => s.h.call("fd_fdstat_get", fd, STAT)],
    ["fd_fdstat_set_flags", (fd) => s.h.call("fd_fdstat_set_flags", fd, 0)],
    ["fd_fdstat_set_rights", (fd) => s.h.call("fd_fdstat_set_rights", fd, 0n, 0n)],
    ["fd_filestat_get", (fd) => s.h.call("fd_filestat_get", fd, STAT)],
    ["fd_filestat_set_size", (fd) => s.h.call("fd_filestat_set_size", fd, 0n)],
    ["fd_filestat_set_times", (fd) => s.h.call("fd_filestat_set_times", fd, 0n, 0n, FST.MTIM_NOW)],
    ["fd_pread", (fd) => s.h.call("fd_pread", fd, IOV, 1, 0n, OUT)],
    ["fd_prestat_get", (fd) => s.h.call("fd_prestat_get", fd, STAT)],
    ["fd_prestat_dir_name", (fd) => s.h.call("fd_prestat_dir_name", fd, DATA, 16)],
    ["fd_pwrite", (fd) => s.h.call("fd_pwrite", fd, IOV, 1, 0n, OUT)],
    ["fd_read", (fd) => s.h.call("fd_read", fd, IOV, 1, OUT)],
    ["fd_readdir", (fd) => s.h.call("fd_readdir", fd, DATA, 64, 0n, OUT)],
    ["fd_renumber (from)", (fd) => s.h.call("fd_renumber", fd, 3)],
    ["fd_renumber (to)", (fd) => s.h.call("fd_renumber", 3, fd)],
    ["fd_seek", (fd) => s.h.call("fd_seek", fd, 0n, WHENCE.SET, OUT)],
    ["fd_sync", (fd) => s.h.call("fd_sync", fd)],
    ["fd_tell", (fd) => s.h.call("fd_tell", fd, OUT)],
    ["fd_write", (fd) => s.h.call("fd_write", fd, IOV, 1, OUT)],
  ];
  for (const [name, call] of calls) {
    t.equal(call(64), E.BADF, `${name}(64)`);
    t.equal(call(closed), E.BADF, `${name}(closed fd ${closed})`);
    t.equal(call(0x7fffffff), E.BADF, `${name}(2^31-1)`);
  }
  t.equal(s.fdstat(3).filetype, FT.DIRECTORY, "the preopen survived the renumber attempts");
  t.equal(content(s), "0123456789", "the file is untouched");
});
