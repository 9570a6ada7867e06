// Read-only preopens: every change is refused (ENOTCAPABLE or EPERM) and the host tree is left
// exactly as it was; reading works. Includes wasmtime's GHSA-2r75-cxrj-cmph (O_TRUNC truncated a
// file under a read-only preopen).
import * as fs from "node:fs";
import * as path from "node:path";
import t, { type Test } from "tap";
import type { FsBackend } from "../../src/fs/backend.js";
import { ALL_RIGHTS, E, FD, FST, FT, O, R, READONLY, WHENCE, hostSymlink, needsSymlinks, oneOf, parseDirents, sandbox, trackingBackend, tree, type Sandbox } from "./util.js";

const FILES = { "file": "original", "dir/": null, "dir/inner": "inner", "empty/": null };

function box(): Sandbox & { snapshot: ReturnType<typeof tree> } {
  const s = sandbox({ readonly: true, files: FILES });
  hostSymlink("file", path.join(s.dir, "link"));
  fs.utimesSync(path.join(s.dir, "file"), 1_400_000_000, 1_400_000_000);
  return { ...s, snapshot: tree(s.dir) };
}

function unchanged(t: Test, s: ReturnType<typeof box>): void {
  t.same(tree(s.dir), s.snapshot, "the host tree is exactly as it was (names, contents, mtimes)");
  t.same(s.untouched(), s.before, "and nothing outside changed");
}

t.test("the preopen's rights hold nothing that changes the file system", async (t) => {
  const s = box();
  const st = s.fdstat(3);
  const mutating = R.FD_WRITE | R.PATH_CREATE_FILE | R.PATH_CREATE_DIRECTORY | R.PATH_UNLINK_FILE |
    R.PATH_REMOVE_DIRECTORY | R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET | R.PATH_SYMLINK | R.PATH_LINK_SOURCE |
    R.PATH_LINK_TARGET | R.PATH_FILESTAT_SET_SIZE | R.PATH_FILESTAT_SET_TIMES | R.FD_FILESTAT_SET_TIMES;
  t.equal(st.base & mutating, 0n, "base rights");
  t.equal(st.inheriting & (R.FD_WRITE | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE | R.FD_FILESTAT_SET_TIMES), 0n, "inheriting rights");
  t.equal(st.base & (R.PATH_OPEN | R.FD_READDIR | R.PATH_FILESTAT_GET | R.PATH_READLINK), R.PATH_OPEN | R.FD_READDIR | R.PATH_FILESTAT_GET | R.PATH_READLINK, "reading rights are there");
  t.equal(s.setRights(3, ALL_RIGHTS, ALL_RIGHTS), E.NOTCAPABLE, "and cannot be granted back");
  unchanged(t, s);
});

t.test("creating files is refused", async (t) => {
  const s = box();
  oneOf(t, s.open("new", { oflags: O.CREAT, base: R.FD_WRITE }).errno, READONLY, "O_CREAT");
  oneOf(t, s.open("new", { oflags: O.CREAT | O.EXCL, base: R.FD_READ }).errno, READONLY, "O_CREAT|O_EXCL, read rights only");
  oneOf(t, s.open("dir/new", { oflags: O.CREAT, base: 0n }).errno, READONLY, "in a subdirectory");
  unchanged(t, s);
});

t.test("creating files through a dangling link is refused", { skip: needsSymlinks }, async (t) => {
  const s = box();
  fs.symlinkSync("made-through-link", path.join(s.dir, "dangling"));
  s.snapshot["dangling"] = "link:made-through-link";
  oneOf(t, s.open("dangling", { oflags: O.CREAT, base: R.FD_READ }).errno, READONLY, "O_CREAT through a dangling link");
  unchanged(t, s);
});

t.test("writing is refused: open for write, then fd_write", async (t) => {
  const s = box();
  for (const [what, opts] of [
    ["FD_WRITE", { base: R.FD_WRITE | R.FD_READ | R.FD_FDSTAT_SET_FLAGS }],
    ["APPEND", { base: R.FD_WRITE | R.FD_READ | R.FD_FDSTAT_SET_FLAGS, fdflags: FD.APPEND }],
    ["all rights", { base: ALL_RIGHTS }],
  ] as const) {
    const r = s.open("file", opts);
    if (r.errno !== E.SUCCESS) {
      oneOf(t, r.errno, READONLY, `${what}: refused at open`);
      continue;
    }
    t.equal(s.fdstat(r.fd).base & R.FD_WRITE, 0n, `${what}: opened without FD_WRITE`);
    oneOf(t, s.write(r.fd, "CHANGED").errno, READONLY, `${what}: fd_write`);
    oneOf(t, s.pwrite(r.fd, "CHANGED", 0n).errno, READONLY, `${what}: fd_pwrite`);
    oneOf(t, s.h.call("fd_filestat_set_size", r.fd, 0n), READONLY, `${what}: fd_filestat_set_size`);
    oneOf(t, s.h.call("fd_allocate", r.fd, 0n, 4096n), READONLY, `${what}: fd_allocate`);
    oneOf(t, s.h.call("fd_filestat_set_times", r.fd, 0n, 5n, FST.MTIM), READONLY, `${what}: fd_filestat_set_times`);
    oneOf(t, s.h.call("fd_datasync", r.fd), [...READONLY, E.SUCCESS], `${what}: fd_datasync changes nothing either way`);
    t.equal(s.setFlags(r.fd, 0), E.SUCCESS, "flags may change (they only shape later writes)");
    oneOf(t, s.write(r.fd, "CHANGED").errno, READONLY, `${what}: fd_write after clearing APPEND`);
  }
  unchanged(t, s);
});

t.test("O_TRUNC is refused and truncates nothing (GHSA-2r75-cxrj-cmph)", async (t) => {
  const s = box();
  oneOf(t, s.open("file", { oflags: O.TRUNC, base: R.FD_READ }).errno, READONLY, "O_TRUNC with read rights");
  oneOf(t, s.open("file", { oflags: O.TRUNC, base: 0n }).errno, READONLY, "O_TRUNC with no rights");
  oneOf(t, s.open("file", { oflags: O.TRUNC | O.CREAT, base: R.FD_WRITE }).errno, READONLY, "O_TRUNC|O_CREAT");
  const dir = s.openOk("dir", { oflags: O.DIRECTORY, base: ALL_RIGHTS & ~(R.FD_WRITE | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE) });
  oneOf(t, s.open("inner", { fd: dir, oflags: O.TRUNC, base: R.FD_READ }).errno, READONLY, "O_TRUNC from a subdirectory fd");
  t.equal(fs.readFileSync(path.join(s.dir, "file"), "utf8"), "original");
  t.equal(fs.readFileSync(path.join(s.dir, "dir/inner"), "utf8"), "inner");
  unchanged(t, s);
});

t.test("rename, unlink, rmdir, mkdir, symlink, link, set_times are refused", async (t) => {
  const s = box();
  oneOf(t, s.rename("file", "moved"), READONLY, "path_rename");
  oneOf(t, s.rename("dir", "empty"), READONLY, "path_rename of a directory");
  oneOf(t, s.unlink("file"), READONLY, "path_unlink_file");
  oneOf(t, s.rmdir("empty"), READONLY, "path_remove_directory");
  oneOf(t, s.mkdir("newdir"), READONLY, "path_create_directory");
  oneOf(t, s.symlink("file", "newlink"), READONLY, "path_symlink");
  oneOf(t, s.link("file", "hardlink"), READONLY, "path_link");
  oneOf(t, s.setTimes("file", 0n, 7n, FST.MTIM), READONLY, "path_filestat_set_times");
  oneOf(t, s.setTimes("dir", 0n, 0n, FST.ATIM_NOW | FST.MTIM_NOW), READONLY, "path_filestat_set_times on a directory");
  oneOf(t, s.h.call("fd_filestat_set_times", 3, 0n, 7n, FST.MTIM), READONLY, "fd_filestat_set_times on the preopen");
  unchanged(t, s);
});

t.test("links under a read-only preopen: changes refused, reading works", { skip: needsSymlinks }, async (t) => {
  const s = box();
  oneOf(t, s.open("link", { oflags: O.TRUNC, base: R.FD_READ }).errno, READONLY, "O_TRUNC through a link");
  oneOf(t, s.unlink("link"), READONLY, "path_unlink_file of a link");
  oneOf(t, s.link("link", "hardlink"), READONLY, "path_link of a link");
  oneOf(t, s.setTimes("link", 0n, 7n, FST.MTIM, { follow: false }), READONLY, "path_filestat_set_times on a link");
  oneOf(t, s.setTimes("link", 0n, 7n, FST.MTIM, { follow: true }), READONLY, "path_filestat_set_times through a link");
  t.equal(s.read(s.openOk("link", { base: R.FD_READ }), 100).text, "original", "reading through a link");
  t.equal(s.readlink("link").text, "file", "path_readlink");
  t.equal(s.stat("link", { follow: false }).st.filetype, FT.SYMBOLIC_LINK);
  unchanged(t, s);
});

t.test("a subdirectory opened from a read-only preopen is read-only too", async (t) => {
  const s = box();
  const dir = s.openOk("dir", { oflags: O.DIRECTORY, base: ALL_RIGHTS & ~(R.FD_WRITE | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE) });
  const st = s.fdstat(dir);
  t.equal(st.base & (R.PATH_CREATE_FILE | R.PATH_UNLINK_FILE | R.PATH_RENAME_SOURCE), 0n, "no mutating rights inherited");
  oneOf(t, s.open("new", { fd: dir, oflags: O.CREAT }).errno, READONLY, "create");
  oneOf(t, s.mkdir("new", dir), READONLY, "mkdir");
  oneOf(t, s.unlink("inner", dir), READONLY, "unlink");
  oneOf(t, s.rename("inner", "x", dir, dir), READONLY, "rename");
  oneOf(t, s.h.call("fd_filestat_set_times", dir, 0n, 7n, FST.MTIM), READONLY, "fd_filestat_set_times");
  const f = s.open("inner", { fd: dir, base: ALL_RIGHTS });
  t.equal(f.errno, E.SUCCESS);
  oneOf(t, s.write(f.fd, "x").errno, READONLY, "fd_write");
  unchanged(t, s);
});

t.test("reading works", async (t) => {
  const s = box();
  const f = s.openOk("file", { base: R.FD_READ | R.FD_SEEK | R.FD_TELL | R.FD_FILESTAT_GET });
  t.equal(s.read(f, 100).text, "original");
  t.equal(s.pread(f, 4, 2n).text, "igin");
  t.equal(s.seek(f, 0n, WHENCE.SET).pos, 0n);
  t.equal(s.fstat(f).st.size, 8n);
  t.equal(s.stat("dir/inner").st.filetype, FT.REGULAR_FILE);
  const names = parseDirents(s.readdir(3, 4096, 0n).raw).entries.map((e) => e.name).sort();
  t.same(names.filter((n) => n !== "link"), [".", "..", "dir", "empty", "file"]);
  const dir = s.openOk("dir", { oflags: O.DIRECTORY, base: R.FD_READDIR | R.PATH_OPEN });
  t.same(parseDirents(s.readdir(dir, 4096, 0n).raw).entries.map((e) => e.name).sort(), [".", "..", "inner"]);
  unchanged(t, s);
});

t.test("the host is never asked to open anything for writing under a read-only preopen", async (t) => {
  const { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND } = fs.constants;
  const writeModes: string[] = [];
  const tracking = trackingBackend();
  const backend: FsBackend = {
    ...tracking.backend,
    open(p, flags, mode) {
      if (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)) writeModes.push(`${p} (flags ${flags})`);
      return tracking.backend.open(p, flags, mode);
    },
  };
  const s = sandbox({ readonly: true, fs: backend, files: FILES });
  const snapshot = tree(s.dir);
  for (const fdflags of [0, FD.APPEND, FD.SYNC, FD.DSYNC]) {
    for (const oflags of [0, O.CREAT, O.TRUNC, O.CREAT | O.TRUNC]) {
      s.open("file", { oflags, fdflags, base: ALL_RIGHTS });
      s.open("new", { oflags, fdflags, base: ALL_RIGHTS });
    }
  }
  t.ok(tracking.openFds.size > 0, "some opens (for reading) did reach the host");
  t.same(writeModes, [], "none of them in a mode that could write");
  t.same(tree(s.dir), snapshot);
});
