// The resolver's Windows rules, live. In the Windows lane (scripts/windows-lane.sh: Windows
// Node.js under Wine) the rules are on by default and every refused path would otherwise reach
// the Windows host APIs: Node itself turns `sandbox/..\canary.txt` into `root\canary.txt` (checked
// below), so a backslash in a component is an escape, not a curiosity. On Linux the same cases run
// with `windowsPaths: true`, so the expectations are one table for every host.
//
// Layout: root/canary.txt ("CANARY") beside root/sandbox (the preopen, fd 3). After every
// attempt: the canary is unchanged, root holds nothing new, the sandbox holds nothing new.
import * as fs from "node:fs";
import * as path from "node:path";
import t, { type Test } from "tap";
import { Errno, errnoName, guest, lane, O, onWindows, Rights } from "./guest.js";

const E = Errno;
const W = Rights.FD_READ | Rights.FD_WRITE;
const files = { "file": "hello", "sub/": null, "sub/inner": "inner" };
// In the lane the rules must be on by default (process.platform is win32); elsewhere, ask for them.
const windowsPaths = onWindows ? undefined : true;

t.test("the lane is Windows Node.js", { skip: lane ? false : "not in the Windows lane (RUN_WASI_LANE=wine)" }, async (t) => {
  t.equal(process.platform, "win32");
  // The reason for the rules: without them the host itself resolves `..\` inside a component.
  const g = guest({ files, windowsPaths });
  t.equal(fs.readFileSync(`${g.sandbox}/..\\canary.txt`, "utf8"), "CANARY", "Node reads root\\canary.txt through sandbox/..\\canary.txt");
  t.equal(fs.readFileSync(`${g.sandbox}/FILE`, "utf8"), "hello", "and names are case-insensitive on the host");
});

/** Every operation a path can be given to; each returns an errno. */
function attempts(g: ReturnType<typeof guest>, p: string): [string, number][] {
  const read = g.open(p);
  if (read.fd >= 0) g.close(read.fd);
  const create = g.open(p, { oflags: O.CREAT, rights: W });
  if (create.fd >= 0) g.close(create.fd);
  const trunc = g.open(p, { oflags: O.TRUNC, rights: W });
  if (trunc.fd >= 0) g.close(trunc.fd);
  return [
    ["path_open (read)", read.errno],
    ["path_open (O_CREAT, write)", create.errno],
    ["path_open (O_TRUNC, write)", trunc.errno],
    ["path_filestat_get", g.stat(p).errno],
    ["path_create_directory", g.mkdir(p)],
    ["path_remove_directory", g.rmdir(p)],
    ["path_unlink_file", g.unlink(p)],
    ["path_rename (from)", g.rename(p, "renamed")],
    ["path_rename (to)", g.rename("file", p)],
    ["path_link (to)", g.link("file", p)],
    ["path_filestat_set_times", g.setTimes(p, 0n, 0n, 2 /* ATIM_NOW */)],
  ];
}

function refused(t: Test, cases: readonly string[], want: number, why: string) {
  const g = guest({ files, windowsPaths });
  const before = g.list();
  const subBefore = g.list(path.join(g.sandbox, "sub"));
  for (const p of cases) {
    const got = attempts(g, p).filter(([, errno]) => errno !== want);
    t.same(got.map(([op, errno]) => `${op}: ${errnoName(errno)}`), [], `${JSON.stringify(p)}: ${errnoName(want)} (${why})`);
    // Nothing reached: the canary is still there, unchanged, and nothing moved in or out.
    if (!g.outsideUntouched()) {
      t.fail(`${JSON.stringify(p)} reached outside the preopen`);
      return;
    }
  }
  t.same(g.list(), before, "nothing created, renamed or removed in the sandbox");
  t.same(g.list(path.join(g.sandbox, "sub")), subBefore, "nor in sandbox/sub");
  t.equal(fs.readFileSync(path.join(g.sandbox, "file"), "utf8"), "hello", "sandbox/file unchanged");
  t.ok(g.outsideUntouched(), "canary untouched, nothing new beside the sandbox");
}

t.test("a backslash in a component is EINVAL, wherever it is", async (t) => {
  refused(t, [
    "..\\canary.txt", "sub\\..\\..\\canary.txt", "..\\..", "..\\", "\\canary.txt", "a\\b", "sub\\inner",
    "sub/..\\..\\canary.txt", "sub/inner\\..\\..\\..\\canary.txt", "\\\\?\\C:\\", "\\\\.\\nul", "\\\\localhost\\c$\\x",
    "..\\CANARY.TXT", "SUB\\..\\..\\Canary.Txt",
  ], E.INVAL, "Windows reads \\ as a separator");
});

t.test("drive letters and other colon forms are EINVAL", async (t) => {
  const g = guest({ files });
  // The canary as a Windows path (Z: is Wine's drive for /) and as a drive-relative path.
  const canaryWin = onWindows ? g.canary : `Z:${g.canary.replaceAll("/", "\\")}`;
  refused(t, [
    "C:", "c:", "C:canary.txt", "C:\\", "c:/windows", "C:..", "Z:", "z:..\\canary.txt", canaryWin,
    canaryWin.replaceAll("\\", "/"), canaryWin.toLowerCase(), `\\\\?\\${canaryWin}`, "sub/C:x",
  ], E.INVAL, "a drive letter names another directory");
});

t.test("alternate data streams (a:b) are EINVAL", async (t) => {
  refused(t, [
    "file:stream", "file::$DATA", "file:stream:$DATA", "FILE::$data", "sub:$I30:$INDEX_ALLOCATION", ":", "a:",
    ":stream", "sub/inner:x",
  ], E.INVAL, "a colon names a stream of another file");
});

t.test("device names, with any extension and in any case, are EINVAL", async (t) => {
  refused(t, [
    "CON", "con", "Con", "NUL", "nul.txt", "NuL.TxT", "nul.tar.gz", "COM1", "COM1.log", "com9", "COM0", "COM¹",
    "LPT1", "lpt1.tar.gz", "LPT0.txt", "lpt³", "AUX", "aux.c", "PRN", "prn.", "CONIN$", "conout$", "CONOUT$.x",
    "sub/CON", "sub/nul.txt", "sub/Com1.Log",
  ], E.INVAL, "Windows opens the device, not a file");
});

t.test("a device name followed by spaces, then an extension, is a device too", async (t) => {
  // Win32's RtlIsDosDeviceName_U cuts the name at the first '.' or ':' and then drops trailing
  // spaces, so `NUL .txt` is NUL (Wine's ntdll/path.c does the same). Node reaches files through
  // \\?\ paths, which skip that parsing, so run-wasi would make a real file `NUL .txt` that other
  // Windows programs cannot open: the resolver refuses it.
  const g = guest({ files, windowsPaths });
  for (const p of ["NUL .txt", "con  .log", "Com1 .x", "AUX .tar.gz", "sub/lpt1 .txt"]) {
    const r = g.open(p, { oflags: O.CREAT, rights: W });
    if (r.fd >= 0) g.close(r.fd);
    t.equal(errnoName(r.errno), "INVAL", `${JSON.stringify(p)}: EINVAL`);
    if (r.errno === E.SUCCESS) fs.rmSync(path.join(g.sandbox, p), { force: true });
  }
  t.ok(g.outsideUntouched(), "canary untouched");
});

t.test("a trailing dot or space is EINVAL", async (t) => {
  refused(t, ["file.", "file ", "file. ", "file..", "sub.", "sub./inner", "sub /inner", "...", ".. ", ". ", " "],
    E.INVAL, "Win32 strips it and names another file");
});

t.test("reserved characters and control characters are EINVAL", async (t) => {
  refused(t, ["a*b", "*", "a?b", "?", "a\"b", "a<b", "a>b", "a|b", "a\u0001b", "a\u001fb", "sub/x*"], E.INVAL,
    "wildcards and reserved characters");
});

t.test("'..' past the preopen and absolute paths are ENOTCAPABLE, in any case", async (t) => {
  const g = guest({ files });
  refused(t, [
    "..", "../canary.txt", "../CANARY.TXT", "sub/../../canary.txt", "sub/../..", "./../canary.txt",
    "sub/../sub/../../Canary.txt", "/canary.txt", `/${g.canary.replace(/^\/+/, "")}`, "//canary.txt",
  ], E.NOTCAPABLE, "outside the sandbox");
});

t.test("names that only look like the refused ones are ordinary names", async (t) => {
  const g = guest({ files, windowsPaths });
  const names = ["console", "COM10", "LPT", "nul_", "con-x.txt", "a.b.c", ".hidden", "x.y", "auxiliary", "CONIN", "é-ü", "日本"];
  for (const n of names) {
    const r = g.open(n, { oflags: O.CREAT | O.EXCL, rights: W });
    t.equal(errnoName(r.errno), "SUCCESS", `${JSON.stringify(n)} can be created`);
    if (r.fd >= 0) {
      t.equal(g.write(r.fd, n), E.SUCCESS);
      g.close(r.fd);
      t.equal(fs.readFileSync(path.join(g.sandbox, n), "utf8"), n, `${JSON.stringify(n)} is the file of that name`);
    }
    t.equal(g.unlink(n), E.SUCCESS);
  }
  t.same(g.list(), ["file", "sub"]);
  t.ok(g.outsideUntouched());
});

t.test("what the guest opens is the file it named", async (t) => {
  const g = guest({ files, windowsPaths });
  const r = g.open("sub/inner");
  t.equal(r.errno, E.SUCCESS);
  t.equal(g.read(r.fd).text, "inner");
  g.close(r.fd);
  const f = g.open("./sub/../file");
  t.equal(f.errno, E.SUCCESS);
  t.equal(g.read(f.fd).text, "hello");
  g.close(f.fd);
  t.ok(g.outsideUntouched());
});
