// The sandbox: nothing outside the preopen is reachable — not through '..', absolute paths,
// symlinks (pre-existing or made by the guest), hard links, a directory fd whose path was swapped,
// or Windows path syntax. Every test asserts the errnos AND that nothing outside was created,
// changed or read (a snapshot of everything outside: names, sizes, mtimes, atimes, link counts).
import * as fs from "node:fs";
import * as path from "node:path";
import t, { type Test } from "tap";
import type { FsBackend } from "../../src/fs/backend.js";
import { nodeBackend } from "../../src/fs/node.js";
import { E, ESCAPE, FST, FT, O, R, atimeWorks, hostSymlink, needsPosixHost, needsSymlinks, oneOf, parseDirents, sandbox, type Sandbox } from "./util.js";

type T = Test;
/** A host absolute path with a drive letter is EINVAL under the Windows rules (':' is refused in a name). */
const HOST_ABS = process.platform === "win32" ? [...ESCAPE, E.INVAL] : ESCAPE;
const RW = R.FD_READ | R.FD_WRITE | R.FD_FILESTAT_SET_SIZE;

function box(extra: Parameters<typeof sandbox>[0] = {}): Sandbox {
  return sandbox({ files: { "file": "inside", "sub/": null, "sub/deep/": null, "sub/deep/f": "deep" }, ...extra });
}

function untouched(t: T, s: Sandbox): void {
  t.same(s.untouched(), s.before, "nothing outside the preopen was created, changed or read");
  t.equal(fs.lstatSync(s.canary).nlink, 1, "the canary has no new hard link");
}

/** Every kind of operation on `dir` (a guest path that would lead to root/outside): each must be refused as an escape. */
function escapeBattery(t: T, s: Sandbox, dir: string, allowed: readonly number[] = ESCAPE): void {
  const f = `${dir}/canary.txt`;
  const cases: [string, () => number][] = [
    ["open for reading", () => s.open(f, { base: R.FD_READ }).errno],
    ["open without following", () => s.open(f, { follow: false, base: R.FD_READ }).errno],
    ["open O_CREAT", () => s.open(`${dir}/created.txt`, { oflags: O.CREAT, base: RW }).errno],
    ["open O_TRUNC", () => s.open(f, { oflags: O.TRUNC, base: RW }).errno],
    ["open for writing", () => s.open(f, { base: RW }).errno],
    ["open the directory", () => s.open(dir, { oflags: O.DIRECTORY, base: 0n }).errno],
    ["path_filestat_get", () => s.stat(f).errno],
    ["path_filestat_get of the directory", () => s.stat(dir).errno],
    ["path_filestat_set_times", () => s.setTimes(f, 0n, 0n, FST.ATIM_NOW | FST.MTIM_NOW)],
    ["path_create_directory", () => s.mkdir(`${dir}/newdir`)],
    ["path_remove_directory", () => s.rmdir(`${dir}/emptydir`)],
    ["path_unlink_file", () => s.unlink(f)],
    ["path_rename out of it", () => s.rename(f, "stolen")],
    ["path_rename into it", () => s.rename("file", `${dir}/planted`)],
    ["path_link from it", () => s.link(f, "hardlink")],
    ["path_link from it, following", () => s.link(f, "hardlink2", { follow: true })],
    ["path_link into it", () => s.link("file", `${dir}/hardlink`)],
    ["path_symlink into it", () => s.symlink("file", `${dir}/symlink`)],
    ["path_readlink in it", () => s.readlink(f).errno],
  ];
  for (const [what, run] of cases) oneOf(t, run(), allowed, `${dir}: ${what}`);
  t.notOk(fs.existsSync(path.join(s.dir, "stolen")) || fs.existsSync(path.join(s.dir, "hardlink")), "nothing came in");
  t.ok(fs.existsSync(path.join(s.dir, "file")), "nothing went out");
}

/** Operations that follow a final symlink `link` (which leads outside): each must be refused. */
function followBattery(t: T, s: Sandbox, link: string): void {
  oneOf(t, s.open(link, { base: R.FD_READ }).errno, ESCAPE, `${link}: open, following`);
  oneOf(t, s.open(link, { oflags: O.CREAT, base: RW }).errno, ESCAPE, `${link}: open O_CREAT, following`);
  oneOf(t, s.open(link, { oflags: O.TRUNC, base: RW }).errno, ESCAPE, `${link}: open O_TRUNC, following`);
  oneOf(t, s.open(`${link}/`, { base: 0n }).errno, [...ESCAPE, E.NOTDIR], `${link}/: open`);
  oneOf(t, s.stat(link, { follow: true }).errno, ESCAPE, `${link}: path_filestat_get, following`);
  oneOf(t, s.setTimes(link, 0n, 0n, FST.MTIM_NOW, { follow: true }), ESCAPE, `${link}: path_filestat_set_times, following`);
  oneOf(t, s.link(link, "hl-follow", { follow: true }), ESCAPE, `${link}: path_link, following`);
  t.equal(s.open(link, { follow: false, base: R.FD_READ }).errno, E.LOOP, `${link}: open without following is ELOOP`);
  t.equal(s.stat(link, { follow: false }).st.filetype, FT.SYMBOLIC_LINK, `${link}: the link itself may be looked at`);
}

t.test("'..' at the top of the preopen", async (t) => {
  const s = box();
  for (const dir of ["../outside", "./../outside", "sub/../../outside", "sub/deep/../../../outside", "sub/./deep/.././../../outside"]) {
    escapeBattery(t, s, dir);
  }
  oneOf(t, s.open("..", { base: 0n }).errno, ESCAPE, "'..' itself");
  oneOf(t, s.open("../", { base: 0n }).errno, ESCAPE, "'../'");
  oneOf(t, s.open("a/../../x", { oflags: O.CREAT }).errno, [...ESCAPE, E.NOENT], "'a/../../x' (a missing)");
  fs.mkdirSync(path.join(s.dir, "a"));
  oneOf(t, s.open("a/../../x", { oflags: O.CREAT }).errno, ESCAPE, "'a/../../x'");
  oneOf(t, s.open("../sandbox/file").errno, ESCAPE, "out and back in again is still out");
  t.notOk(fs.existsSync(path.join(s.root, "x")));
  untouched(t, s);
});

t.test("'..' beyond a directory fd, though still inside the preopen", async (t) => {
  const s = box();
  const sub = s.openOk("sub", { oflags: O.DIRECTORY });
  oneOf(t, s.open("../file", { fd: sub }).errno, ESCAPE, "the fd is the sandbox, not the preopen");
  oneOf(t, s.open("deep/../../file", { fd: sub }).errno, ESCAPE, "deep/../../file");
  oneOf(t, s.mkdir("../made", sub), ESCAPE, "mkdir ../made");
  t.notOk(fs.existsSync(path.join(s.dir, "made")));
  untouched(t, s);
});

t.test("absolute paths", async (t) => {
  const s = box();
  escapeBattery(t, s, s.outside, HOST_ABS);
  escapeBattery(t, s, "/outside");
  escapeBattery(t, s, `/${path.relative("/", s.outside)}`);
  for (const p of ["/", "/etc/passwd", "//etc"]) oneOf(t, s.open(p, { base: R.FD_READ }).errno, ESCAPE, p);
  for (const p of [s.canary, path.join(s.dir, "file")]) oneOf(t, s.open(p, { base: R.FD_READ }).errno, HOST_ABS, p);
  untouched(t, s);
});

t.test("a pre-existing relative symlink pointing out", { skip: needsSymlinks }, async (t) => {
  const s = box();
  fs.symlinkSync("../outside", path.join(s.dir, "outdir"));
  fs.symlinkSync("../outside/canary.txt", path.join(s.dir, "outfile"));
  fs.symlinkSync("../../../outside", path.join(s.dir, "sub/deep/up3"));
  escapeBattery(t, s, "outdir");
  escapeBattery(t, s, "sub/deep/up3");
  followBattery(t, s, "outfile");
  followBattery(t, s, "outdir");
  untouched(t, s);
});

t.test("a pre-existing absolute symlink", { skip: needsSymlinks }, async (t) => {
  const s = box();
  fs.symlinkSync(s.outside, path.join(s.dir, "absdir"));
  fs.symlinkSync(s.canary, path.join(s.dir, "absfile"));
  fs.symlinkSync(path.join(s.dir, "file"), path.join(s.dir, "abs-inside"));
  escapeBattery(t, s, "absdir");
  followBattery(t, s, "absfile");
  oneOf(t, s.open("abs-inside").errno, ESCAPE, "an absolute target is refused even when it names a file inside");
  untouched(t, s);
});

t.test("chained symlinks, and a link to a link that climbs out", { skip: needsSymlinks }, async (t) => {
  const s = box();
  fs.symlinkSync("c2", path.join(s.dir, "c1"));
  fs.symlinkSync("sub/c3", path.join(s.dir, "c2"));
  fs.symlinkSync("../../outside", path.join(s.dir, "sub/c3"));
  fs.symlinkSync("sub/l2", path.join(s.dir, "l1"));
  fs.symlinkSync("deep/l3", path.join(s.dir, "sub/l2"));
  fs.symlinkSync("../../../outside/canary.txt", path.join(s.dir, "sub/deep/l3"));
  escapeBattery(t, s, "c1");
  escapeBattery(t, s, "c2");
  followBattery(t, s, "c1");
  followBattery(t, s, "l1");
  // Inside links chained to inside targets are fine.
  fs.symlinkSync("sub/deep", path.join(s.dir, "in1"));
  fs.symlinkSync("in1/f", path.join(s.dir, "in2"));
  t.equal(s.read(s.openOk("in2", { base: R.FD_READ }), 10).text, "deep");
  untouched(t, s);
});

t.test("dangling symlinks pointing out: nothing is created through them", { skip: needsSymlinks }, async (t) => {
  const s = box();
  fs.symlinkSync("../outside/new.txt", path.join(s.dir, "dang-rel"));
  fs.symlinkSync(path.join(s.outside, "new2.txt"), path.join(s.dir, "dang-abs"));
  fs.symlinkSync("../outside/newdir/", path.join(s.dir, "dang-dir"));
  for (const link of ["dang-rel", "dang-abs", "dang-dir"]) {
    oneOf(t, s.open(link, { oflags: O.CREAT, base: RW }).errno, ESCAPE, `${link}: O_CREAT through it`);
    oneOf(t, s.stat(link).errno, ESCAPE, `${link}: stat through it`);
    oneOf(t, s.mkdir(`${link}/x`), ESCAPE, `${link}/x: mkdir`);
    t.equal(s.open(link, { oflags: O.CREAT | O.EXCL, base: RW }).errno, E.EXIST, `${link}: O_EXCL never follows`);
  }
  t.equal(s.mkdir("dang-dir"), E.EXIST, "mkdir on the link does not follow it");
  untouched(t, s);
});

t.test("looping symlinks give ELOOP", { skip: needsSymlinks }, async (t) => {
  const s = box();
  fs.symlinkSync("self", path.join(s.dir, "self"));
  fs.symlinkSync("pong", path.join(s.dir, "ping"));
  fs.symlinkSync("ping", path.join(s.dir, "pong"));
  fs.symlinkSync("../loopdir/x", path.join(s.dir, "sub/loopdir"));
  fs.symlinkSync("sub/loopdir", path.join(s.dir, "loopdir"));
  for (const p of ["self", "ping", "pong", "self/x", "ping/x", "loopdir"]) {
    t.equal(s.open(p, { base: R.FD_READ }).errno, E.LOOP, `open ${p}`);
    t.equal(s.stat(p).errno, E.LOOP, `stat ${p}`);
  }
  t.equal(s.open("self", { oflags: O.CREAT }).errno, E.LOOP);
  t.equal(s.mkdir("self/x"), E.LOOP);
  untouched(t, s);
});

t.test("guest-made symlinks: absolute targets refused; relative ones never lead out", { skip: needsSymlinks }, async (t) => {
  const s = box();
  for (const target of ["/", "/etc/passwd", s.canary, s.outside, path.join(s.dir, "file")]) {
    oneOf(t, s.symlink(target, "abs"), ESCAPE, `path_symlink(${target})`);
    t.notOk(fs.existsSync(path.join(s.dir, "abs")) || isLink(path.join(s.dir, "abs")), "no link was made");
  }
  const made = s.symlink("../outside/canary.txt", "esc");
  if (made === E.SUCCESS) {
    t.equal(fs.readlinkSync(path.join(s.dir, "esc")), "../outside/canary.txt", "made verbatim");
    followBattery(t, s, "esc");
    t.equal(s.readlink("esc").text, "../outside/canary.txt", "its text can be read back");
  } else oneOf(t, made, ESCAPE, "or refused at creation");
  const made2 = s.symlink("../../outside", "sub/esc-dir");
  if (made2 === E.SUCCESS) escapeBattery(t, s, "sub/esc-dir");
  else oneOf(t, made2, ESCAPE, "or refused at creation");
  // A link made to point inside, then the guest moves it so that it would point out.
  t.equal(s.symlink("../file", "sub/rel"), E.SUCCESS);
  t.equal(s.read(s.openOk("sub/rel", { base: R.FD_READ }), 10).text, "inside");
  t.equal(s.rename("sub/rel", "moved-rel"), E.SUCCESS);
  oneOf(t, s.open("moved-rel").errno, ESCAPE, "moved up, '../file' now points out");
  untouched(t, s);
});

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

t.test("hard links to outside are impossible", { skip: needsSymlinks }, async (t) => {
  const s = box();
  fs.symlinkSync("../outside/canary.txt", path.join(s.dir, "outfile"));
  oneOf(t, s.link("../outside/canary.txt", "hl"), ESCAPE, "through '..'");
  oneOf(t, s.link(s.canary, "hl"), ESCAPE, "through an absolute path");
  oneOf(t, s.link("outfile", "hl", { follow: true }), ESCAPE, "following a link out");
  const r = s.link("outfile", "hl-nofollow");
  if (r === E.SUCCESS) {
    const st = fs.lstatSync(path.join(s.dir, "hl-nofollow"));
    t.ok(st.isSymbolicLink(), "linking a link without following makes another link, not a link to the canary");
    t.not(st.ino, fs.statSync(s.canary).ino);
    oneOf(t, s.open("hl-nofollow").errno, ESCAPE, "which cannot be followed out either");
  } else oneOf(t, r, [...ESCAPE, E.NOTSUP], "or is refused");
  untouched(t, s);
});

t.test("hard links to outside are impossible even where link() follows symlinks (macOS, Windows)", { skip: needsSymlinks }, async (t) => {
  // link(2) follows a symlink source on macOS, and CreateHardLink does on Windows; Node has no linkat.
  const following: FsBackend = {
    ...nodeBackend,
    link: (existing, created) => fs.linkSync(fs.realpathSync(existing), created),
  };
  const s = box({ fs: following });
  fs.symlinkSync("../outside/canary.txt", path.join(s.dir, "outfile"));
  fs.symlinkSync("nowhere", path.join(s.dir, "dangling"));
  const r = s.link("outfile", "hl");
  if (r === E.SUCCESS) {
    const st = fs.lstatSync(path.join(s.dir, "hl"));
    t.not(st.ino, fs.statSync(s.canary).ino, "the new name is not the canary");
    t.ok(st.isSymbolicLink(), "it is a link, as on Linux");
  } else oneOf(t, r, ESCAPE, "refused");
  t.equal(s.link("dangling", "hl-dangling"), E.SUCCESS, "a dangling link can be linked on every host alike");
  t.equal(fs.readlinkSync(path.join(s.dir, "hl-dangling")), "nowhere");
  t.equal(fs.statSync(s.canary).nlink, 1);
  untouched(t, s);
});

t.test("a directory fd whose parent is renamed and replaced by a symlink does not redirect outside", { skip: needsSymlinks }, async (t) => {
  const s = box();
  fs.mkdirSync(path.join(s.dir, "a/sub"), { recursive: true });
  fs.writeFileSync(path.join(s.dir, "a/sub/mine.txt"), "mine");
  const held = s.openOk("a/sub", { oflags: O.DIRECTORY });
  const heldIno = fs.statSync(path.join(s.dir, "a/sub")).ino;
  t.equal(s.rename("a", "a2"), E.SUCCESS, "the guest renames the parent");
  // The guest plants a link where the parent was: a/sub now names root/outside/sub (which holds secret.txt).
  if (s.symlink("../outside", "a") !== E.SUCCESS) fs.symlinkSync("../outside", path.join(s.dir, "a"));
  t.equal(fs.statSync(path.join(s.dir, "a/sub")).ino, fs.statSync(path.join(s.outside, "sub")).ino, "the host path now leads out");
  checkHeldFd(t, s, held, heldIno, path.join(s.dir, "a2/sub"));
  untouched(t, s);
});

t.test("a directory fd renamed away and replaced by a symlink does not redirect outside", { skip: needsSymlinks }, async (t) => {
  const s = box();
  fs.mkdirSync(path.join(s.dir, "sub2"));
  const held = s.openOk("sub2", { oflags: O.DIRECTORY });
  const heldIno = fs.statSync(path.join(s.dir, "sub2")).ino;
  t.equal(s.rename("sub2", "moved"), E.SUCCESS);
  fs.symlinkSync("../outside/sub", path.join(s.dir, "sub2"));
  checkHeldFd(t, s, held, heldIno, path.join(s.dir, "moved"));
  untouched(t, s);
});

/** The held fd may fail (the directory moved) or keep acting on the moved directory; never on root/outside/sub. */
function checkHeldFd(t: T, s: Sandbox, held: number, heldIno: number, movedTo: string): void {
  const secret = s.open("secret.txt", { fd: held, base: R.FD_READ });
  t.not(secret.errno, E.SUCCESS, "the outside file is not opened through the held fd");
  t.not(s.stat("secret.txt", { fd: held }).errno, E.SUCCESS, "nor stat'ed");
  t.not(s.unlink("secret.txt", held), E.SUCCESS, "nor unlinked");
  const created = s.open("new.txt", { fd: held, oflags: O.CREAT, base: RW });
  if (created.errno === E.SUCCESS) t.ok(fs.existsSync(path.join(movedTo, "new.txt")), "a create lands in the moved directory");
  const made = s.mkdir("newdir", held);
  if (made === E.SUCCESS) t.ok(fs.existsSync(path.join(movedTo, "newdir")));
  const st = s.fstat(held);
  if (st.errno === E.SUCCESS) t.equal(st.st.ino, BigInt(heldIno), "fd_filestat_get is still the held directory");
  const rd = s.readdir(held, 4096, 0n);
  if (rd.errno === E.SUCCESS) {
    t.notOk(parseDirents(rd.raw).entries.some((e) => e.name === "secret.txt"), "the listing is not the outside directory's");
  }
  t.notOk(fs.existsSync(path.join(s.outside, "sub/new.txt")), "nothing created outside");
  t.notOk(fs.existsSync(path.join(s.outside, "sub/newdir")));
  t.ok(fs.existsSync(path.join(s.outside, "sub/secret.txt")));
}

const WINDOWS_NAMES = [
  "a\\b",
  "..\\outside\\canary.txt",
  "sub\\..\\..\\outside",
  "C:",
  "C:\\Windows",
  "c:x",
  "a:b",
  "file:stream",
  "file::$DATA",
  "CON",
  "con",
  "nul.txt",
  "NUL",
  "COM1",
  "com1.log",
  "LPT1",
  "AUX",
  "PRN",
  "CONIN$",
  "trailing.",
  "trailing ",
  "sub/CON",
  "sub/x:y",
  "a*b",
  "a?b",
];

t.test("Windows rules (windowsPaths: true): Windows-only syntax is refused", async (t) => {
  const s = box({ windowsPaths: true });
  const before = fs.readdirSync(s.dir).sort();
  const beforeSub = fs.readdirSync(path.join(s.dir, "sub")).sort();
  for (const name of WINDOWS_NAMES) {
    const refused = (errno: number, what: string) => t.not(errno, E.SUCCESS, `${JSON.stringify(name)}: ${what} refused (${errno})`);
    refused(s.open(name, { oflags: O.CREAT, base: RW }).errno, "O_CREAT");
    refused(s.open(name, { base: R.FD_READ }).errno, "open");
    refused(s.mkdir(name), "mkdir");
    refused(s.symlink("file", name), "symlink at it");
    refused(s.rename("file", name), "rename to it");
    refused(s.link("file", name), "link to it");
    refused(s.stat(name).errno, "stat");
  }
  for (const target of ["..\\outside\\canary.txt", "C:\\Windows", "c:/x", "sub\\..\\..\\outside"]) {
    oneOf(t, s.symlink(target, "wlink"), [...ESCAPE, E.INVAL], `path_symlink with target ${JSON.stringify(target)}`);
  }
  t.same(fs.readdirSync(s.dir).sort(), before, "nothing was created in the preopen");
  t.same(fs.readdirSync(path.join(s.dir, "sub")).sort(), beforeSub);
  t.ok(fs.existsSync(path.join(s.dir, "file")), "nothing was moved away");
  // Ordinary names are unaffected.
  t.equal(s.open("console.log", { oflags: O.CREAT, base: RW }).errno, E.SUCCESS);
  t.equal(s.mkdir("com10"), E.SUCCESS);
  untouched(t, s);
});

t.test("Windows rules: a pre-existing link with a Windows-style target cannot lead out", { skip: needsSymlinks }, async (t) => {
  const s = box({ windowsPaths: true });
  fs.symlinkSync("..\\outside\\canary.txt", path.join(s.dir, "bs"));
  fs.symlinkSync("..\\outside", path.join(s.dir, "bsdir"));
  followBattery(t, s, "bs");
  escapeBattery(t, s, "bsdir");
  untouched(t, s);
});

t.test("without Windows rules those names are plain names, and still stay inside", { skip: needsPosixHost }, async (t) => {
  const s = box({ windowsPaths: false });
  t.equal(s.open("..\\outside\\canary.txt", { oflags: O.CREAT, base: RW }).errno, E.SUCCESS);
  t.ok(fs.existsSync(path.join(s.dir, "..\\outside\\canary.txt")), "a file with backslashes in its name, inside");
  untouched(t, s);
});

t.test("NUL and invalid UTF-8 cannot truncate a path into another one", async (t) => {
  const s = box();
  oneOf(t, s.open("file\0/../../outside/canary.txt").errno, [E.ILSEQ, E.INVAL], "NUL");
  t.equal(s.open(new Uint8Array([0x2e, 0x2e, 0xc0, 0xaf, 0x6f])).errno, E.ILSEQ, "an overlong '/' after '..'");
  untouched(t, s);
});

t.test("the canary: after every escape attempt at once, outside is byte-for-byte as it was", async (t) => {
  const s = box({ windowsPaths: true });
  hostSymlink("../outside", path.join(s.dir, "outdir"));
  hostSymlink(s.canary, path.join(s.dir, "absfile"));
  hostSymlink("../outside/zzz", path.join(s.dir, "dang"));
  const attempts = ["../outside", s.outside, "outdir", "sub/../../outside", "..\\outside"];
  for (const dir of attempts) {
    const f = `${dir}/canary.txt`;
    s.open(f, { oflags: O.TRUNC, base: RW });
    s.open(f, { base: RW, fdflags: 1 });
    s.open(`${dir}/zzz`, { oflags: O.CREAT, base: RW });
    s.setTimes(f, 1n, 1n, FST.ATIM | FST.MTIM);
    s.unlink(f);
    s.rename(f, "got-it");
    s.link(f, "got-link");
    s.mkdir(`${dir}/zzz`);
    s.rmdir(`${dir}/emptydir`);
  }
  s.open("absfile", { oflags: O.TRUNC, base: RW });
  s.open("dang", { oflags: O.CREAT, base: RW });
  s.link("absfile", "got-link2", { follow: true });
  untouched(t, s);
  const st = fs.statSync(s.canary, { bigint: true });
  t.equal(st.mtimeNs, 1_000_000_000_000_000_000n, "mtime as set");
  if (atimeWorks) t.equal(st.atimeNs, 1_000_000_000_000_000_000n, "atime as set: nothing read it");
  else t.comment("the Wine lane cannot set atime: the snapshot above still shows no read moved it");
  t.equal(fs.readFileSync(s.canary, "utf8"), "CANARY", "content intact");
  t.same(fs.readdirSync(s.outside).sort(), ["canary.txt", "emptydir", "sub"], "nothing created outside");
  t.same(fs.readdirSync(s.root).sort(), ["outside", "sandbox"], "nothing created beside the preopen");
});
