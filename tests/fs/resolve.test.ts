// The sandboxed resolver as a unit: a guest path in, a host path (or an errno) out.
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { Errno } from "../../src/abi/constants.js";
import { WasiError } from "../../src/errors.js";
import { nodeBackend } from "../../src/fs/node.js";
import { MAX_SYMLINK_HOPS, Resolver, type Resolved } from "../../src/fs/resolve.js";
import { needsByteNames, needsPosixHost, needsSymlinks, scratch } from "./util.js";

const unix = new Resolver(nodeBackend, { windowsRules: false, fdPaths: undefined });
const windows = new Resolver(nodeBackend, { windowsRules: true, fdPaths: undefined });

/** root/start is the directory resolved from; root/outside lies beyond it. */
function layout() {
  const root = scratch();
  const start = path.join(root, "start");
  fs.mkdirSync(path.join(start, "a", "b"), { recursive: true });
  fs.mkdirSync(path.join(root, "outside"));
  fs.writeFileSync(path.join(root, "outside", "canary"), "x");
  fs.writeFileSync(j(start, "file"), "hello");
  fs.writeFileSync(j(start, "a/b/deep"), "deep");
  return { root, start };
}

/** A host path below `base` as the resolver builds it: joined with "/" on every OS. */
const j = (base: string, rel: string) => (rel === "" ? base : `${base}/${rel}`);
/** The resolver this host uses by default. */
const native = process.platform === "win32" ? windows : unix;

function errnoOf(fn: () => unknown): number | "no error" {
  try {
    fn();
    return "no error";
  } catch (error) {
    if (error instanceof WasiError) return error.errno;
    throw error;
  }
}

t.test("plain paths resolve to host paths below the start", async (t) => {
  const { start } = layout();
  const r: Resolved = native.resolve(start, "a/b/deep", false);
  t.equal(r.host, j(start, "a/b/deep"));
  t.equal(r.parent, j(start, "a/b"));
  t.equal(r.name, "deep");
  t.equal(r.depth, 3);
  t.equal(r.mustBeDir, false);
  t.ok(r.stat?.isFile());
  t.equal(r.stat?.ino, fs.lstatSync(j(start, "a/b/deep"), { bigint: true }).ino);
});

t.test("redundant slashes and dots are walked, not passed through", async (t) => {
  const { start } = layout();
  const r = native.resolve(start, "a/.//b/../b///./deep", false);
  t.equal(r.host, j(start, "a/b/deep"));
  t.equal(r.depth, 3);
});

t.test("a missing last component resolves with no stat; a missing middle one is ENOENT", async (t) => {
  const { start } = layout();
  const r = native.resolve(start, "a/new", false);
  t.equal(r.stat, undefined);
  t.equal(r.host, j(start, "a/new"));
  t.equal(errnoOf(() => native.resolve(start, "missing/new", false)), Errno.NOENT);
});

t.test("'.', '' and paths that come back to the start", async (t) => {
  const { start } = layout();
  const dot = native.resolve(start, ".", false);
  t.equal(dot.name, ".");
  t.equal(dot.host, `${start}/.`, "the start's own \".\" (the start may be a /proc/self/fd link)");
  t.equal(dot.depth, 0);
  t.ok(dot.stat?.isDirectory());
  const back = native.resolve(start, "a/b/../..", false);
  t.equal(back.host, `${start}/.`);
  t.equal(back.name, ".");
  t.equal(back.depth, 0);
  t.equal(errnoOf(() => native.resolve(start, "", false)), Errno.NOENT);
});

t.test("'..' may never pop past the start", async (t) => {
  const { start } = layout();
  for (const p of ["..", "../outside/canary", "a/../..", "a/../../outside", "a/b/../../../start/file", "./..", "a/./../.."]) {
    t.equal(errnoOf(() => native.resolve(start, p, true)), Errno.NOTCAPABLE, p);
  }
});

t.test("absolute paths are refused", async (t) => {
  const { root, start } = layout();
  for (const p of ["/", "/etc/passwd", "//file"]) {
    t.equal(errnoOf(() => native.resolve(start, p, true)), Errno.NOTCAPABLE, p);
  }
  // This host's own absolute paths: "/…" here, "C:\\…" on Windows (a drive letter: EINVAL there).
  for (const p of [path.join(root, "outside", "canary"), path.join(start, "file")]) {
    const errno = errnoOf(() => native.resolve(start, p, true));
    t.ok(errno === Errno.NOTCAPABLE || (process.platform === "win32" && errno === Errno.INVAL), `${p}: ${errno}`);
  }
});

t.test("a file in a middle position is ENOTDIR; a trailing slash demands a directory", async (t) => {
  const { start } = layout();
  t.equal(errnoOf(() => native.resolve(start, "file/x", false)), Errno.NOTDIR);
  t.equal(errnoOf(() => native.resolve(start, "file/.", false)), Errno.NOTDIR);
  t.equal(errnoOf(() => native.resolve(start, "file/..", false)), Errno.NOTDIR);
  const slash = native.resolve(start, "file/", false);
  t.equal(slash.mustBeDir, true);
  t.ok(slash.stat?.isFile(), "the caller sees the file and decides (ENOTDIR)");
  const dir = native.resolve(start, "a/", false);
  t.equal(dir.mustBeDir, true);
  t.ok(dir.stat?.isDirectory());
});

t.test("NUL, overlong components and overlong paths", async (t) => {
  const { start } = layout();
  // A NUL is valid UTF-8 but names nothing on any host: EINVAL, as wasmtime says.
  t.equal(errnoOf(() => native.resolve(start, "file\0", false)), Errno.INVAL);
  t.equal(errnoOf(() => native.resolve(start, "a\0/b", false)), Errno.INVAL);
  t.equal(errnoOf(() => native.resolve(start, "x".repeat(256), false)), Errno.NAMETOOLONG);
  t.equal(errnoOf(() => native.resolve(start, `a/${"x".repeat(256)}/y`, false)), Errno.NAMETOOLONG);
  // 255 bytes is the longest allowed name; counted in UTF-8 bytes, not characters.
  t.equal(native.resolve(start, "x".repeat(255), false).stat, undefined);
  t.equal(errnoOf(() => native.resolve(start, "é".repeat(128), false)), Errno.NAMETOOLONG, "256 bytes in 128 characters");
  t.equal(errnoOf(() => native.resolve(start, "a/".repeat(2049), false)), Errno.NAMETOOLONG, "over 4096 bytes");
});

t.test("symlinks: the last one is followed only when asked, the others always", { skip: needsSymlinks }, async (t) => {
  const { start } = layout();
  fs.symlinkSync("a/b", j(start, "lb"));
  fs.symlinkSync("file", j(start, "lf"));
  const nofollow = native.resolve(start, "lf", false);
  t.ok(nofollow.stat?.isSymbolicLink());
  t.equal(nofollow.host, j(start, "lf"));
  const follow = native.resolve(start, "lf", true);
  t.ok(follow.stat?.isFile());
  t.equal(follow.host, j(start, "file"));
  const middle = native.resolve(start, "lb/deep", false);
  t.equal(middle.host, j(start, "a/b/deep"));
  t.equal(middle.depth, 3, "depth counts the real location");
  const slash = native.resolve(start, "lb/", false);
  t.ok(slash.stat?.isDirectory(), "a trailing slash follows the last link");
  t.equal(slash.host, j(start, "a/b"));
});

t.test("a link's target is taken relative to the link's own directory; '..' after a link is physical", { skip: needsSymlinks }, async (t) => {
  const { start } = layout();
  fs.symlinkSync("../file", j(start, "a/up"));
  t.equal(native.resolve(start, "a/up", true).host, j(start, "file"));
  fs.symlinkSync("a/b", j(start, "lb"));
  // lb/.. is a/b/.. = a, not the start (POSIX physical resolution).
  t.equal(native.resolve(start, "lb/..", false).host, `${j(start, "a")}/.`);
  t.equal(native.resolve(start, "lb/../b/deep", false).host, j(start, "a/b/deep"));
});

t.test("links may not lead out, not even to come back in", { skip: needsSymlinks }, async (t) => {
  const { root, start } = layout();
  fs.symlinkSync("../outside/canary", j(start, "rel-out"));
  fs.symlinkSync(path.join(root, "outside/canary"), j(start, "abs-out"));
  fs.symlinkSync(j(start, "file"), j(start, "abs-in"));
  fs.symlinkSync("../../start/file", path.join(start, "a", "out-and-back"));
  fs.symlinkSync("../../outside", path.join(start, "a", "up2"));
  fs.symlinkSync("a/up2", j(start, "chain"));
  for (const p of ["rel-out", "abs-out", "abs-in", "a/out-and-back", "a/up2/canary", "chain/canary", "chain"]) {
    t.equal(errnoOf(() => native.resolve(start, p, true)), Errno.NOTCAPABLE, p);
  }
  // Not following the last link is fine: the link itself lies inside.
  t.ok(native.resolve(start, "rel-out", false).stat?.isSymbolicLink());
  // But a trailing slash or a further component follows it.
  t.equal(errnoOf(() => native.resolve(start, "chain/", false)), Errno.NOTCAPABLE);
});

t.test("loops and the hop budget (40, as Linux's MAXSYMLINKS)", { skip: needsSymlinks }, async (t) => {
  const { start } = layout();
  fs.symlinkSync("self", j(start, "self"));
  fs.symlinkSync("pong", j(start, "ping"));
  fs.symlinkSync("ping", j(start, "pong"));
  t.equal(errnoOf(() => native.resolve(start, "self", true)), Errno.LOOP);
  t.equal(errnoOf(() => native.resolve(start, "self/x", false)), Errno.LOOP);
  t.equal(errnoOf(() => native.resolve(start, "ping", true)), Errno.LOOP);
  t.equal(MAX_SYMLINK_HOPS, 40);
  // A chain of 40 links resolves; 41 is one too many.
  fs.mkdirSync(j(start, "chain"));
  fs.symlinkSync("../file", path.join(start, "chain", "l0"));
  for (let i = 1; i <= 40; i++) fs.symlinkSync(`l${i - 1}`, path.join(start, "chain", `l${i}`));
  t.equal(native.resolve(start, "chain/l39", true).host, j(start, "file"), "40 hops");
  t.equal(errnoOf(() => native.resolve(start, "chain/l40", true)), Errno.LOOP, "41 hops");
});

t.test("dangling links: the target is what a create would make", { skip: needsSymlinks }, async (t) => {
  const { start } = layout();
  fs.symlinkSync("a/newfile", j(start, "dangling"));
  fs.symlinkSync("../outside/new", j(start, "dangling-out"));
  const r = native.resolve(start, "dangling", true);
  t.equal(r.stat, undefined);
  t.equal(r.host, j(start, "a/newfile"));
  t.equal(errnoOf(() => native.resolve(start, "dangling-out", true)), Errno.NOTCAPABLE);
});

t.test("without Windows rules, Windows syntax is just bytes in a name", { skip: needsPosixHost }, async (t) => {
  const { start } = layout();
  for (const name of ["a\\b", "C:", "a:b", "CON", "nul.txt", "COM1", "x.", "x "]) {
    const r = unix.resolve(start, name, false);
    t.equal(r.name, name, name);
    t.equal(r.parent, start);
  }
});

t.test("with Windows rules, names Windows reads as other paths are refused with EINVAL", async (t) => {
  const { start } = layout();
  const refused = [
    "a\\b",
    "..\\outside\\canary",
    "C:",
    "C:\\Windows",
    "c:file",
    "a:b",
    "file:stream",
    "file::$DATA",
    "CON",
    "con",
    "Con.txt",
    "nul.txt",
    "NUL",
    "PRN",
    "AUX",
    "COM1",
    "com9.log",
    "LPT1",
    "lpt³",
    "CONIN$",
    "conout$",
    "x.",
    "x ",
    "dir...",
    "a*b",
    "a?b",
    'a"b',
    "a<b",
    "a>b",
    "a|b",
    "a\x01b",
    "a/CON/b",
    "a/b:c",
  ];
  for (const p of refused) t.equal(errnoOf(() => windows.resolve(start, p, false)), Errno.INVAL, JSON.stringify(p));
  // Ordinary names still work, including ones that merely contain a device name.
  for (const p of ["file", "a/b/deep", "console", "connect.txt", "com10", "nul_", ".hidden", "a.b.c"]) {
    t.not(errnoOf(() => windows.resolve(start, p, false)), Errno.INVAL, p);
  }
});

t.test("with Windows rules, link targets with backslashes or drive letters cannot lead out", { skip: needsSymlinks }, async (t) => {
  const { start } = layout();
  fs.symlinkSync("..\\outside\\canary", j(start, "bs-out"));
  fs.symlinkSync("C:/Windows", j(start, "drive"));
  fs.symlinkSync("a\\b\\deep", j(start, "bs-in"));
  t.equal(errnoOf(() => windows.resolve(start, "bs-out", true)), Errno.NOTCAPABLE);
  t.equal(errnoOf(() => windows.resolve(start, "drive", true)), Errno.NOTCAPABLE);
  t.equal(windows.resolve(start, "bs-in", true).host, j(start, "a/b/deep"));
});

t.test("a link whose target is not UTF-8 is EILSEQ", { skip: needsSymlinks || needsByteNames }, async (t) => {
  const { start } = layout();
  fs.symlinkSync(Buffer.from([0x66, 0xff, 0x66]), j(start, "bad"));
  t.equal(errnoOf(() => native.resolve(start, "bad", true)), Errno.ILSEQ);
  t.equal(errnoOf(() => native.resolve(start, "bad/x", false)), Errno.ILSEQ);
});
