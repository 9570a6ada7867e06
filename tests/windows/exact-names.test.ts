// Exact names, and what a path really reached (src/fs/windows.ts).
//
// 1. classify(): the comparison of a canonical host path with what the resolver walked, as a table.
// 2. Case: a guest name must match the on-disk name exactly. In the Windows lane the host itself is
//    case-insensitive; on Linux the same cases run over a backend that makes node:fs
//    case-insensitive (each component looked up by folding case, as NTFS does), with the Windows
//    rules on. Both must give the answers below; a control run without the rules shows that the
//    simulated host does alias `FILE` to `file`, so the cases can fail.
// 3. Host symlinks already on disk (made by the lane script in the lane, where node.exe cannot make
//    them; by this test on Linux): none leads out, and case variants of them do not either.
import * as fs from "node:fs";
import * as path from "node:path";
import t, { type Test } from "tap";
import { classify, components } from "../../src/fs/windows.js";
import { nodeBackend, type FsBackend } from "../../dist/index.js";
import { Errno, errnoName, guest, lane, O, onWindows, Rights, tempDir, type Guest } from "./guest.js";

const W = Rights.FD_READ | Rights.FD_WRITE;
const e = (errno: number) => errnoName(errno);

t.test("classify: canonical path against what was walked", async (t) => {
  const root = components("C:\\Users\\me\\box");
  t.same(root, ["C:", "Users", "me", "box"]);
  const rows: [string[], string, string][] = [
    [["file"], "C:\\Users\\me\\box\\file", "exact"],
    [["dir", "inner"], "C:/Users/me/box/dir/inner", "exact"],
    [["FILE"], "C:\\Users\\me\\box\\file", "case-variant"],
    [["dir", "INNER"], "C:\\Users\\me\\box\\dir\\inner", "case-variant"],
    [["DIR", "inner"], "C:\\Users\\me\\box\\dir\\inner", "missing"],
    [["Dir", "Inner"], "C:\\Users\\me\\box\\dir\\inner", "missing"],
    [["lnk"], "C:\\Users\\me\\secret.txt", "outside"],
    [["lnk"], "C:\\Users\\me", "outside"],
    [["lnk", "x"], "C:\\Users\\ME\\box\\x", "outside"], // the root itself must match exactly
    [["lnk"], "C:\\Users\\me\\box2\\file", "outside"],
    [["inlnk"], "C:\\Users\\me\\box\\file", "inside"],
    [["PROGRA~1"], "C:\\Users\\me\\box\\Program Files", "inside"],
    [["a", "b"], "C:\\Users\\me\\box\\a", "inside"],
  ];
  for (const [wanted, got, verdict] of rows) {
    t.equal(classify(root, wanted, components(got)), verdict, `${wanted.join("/")} reaching ${got}: ${verdict}`);
  }
});

/**
 * node:fs made case-insensitive, as Windows is: every component of a path is looked up exactly
 * first, then by folding case in its directory's listing; realpath reports the names on disk.
 */
function caseInsensitive(base: FsBackend = nodeBackend): FsBackend {
  const fold = (p: string): string => {
    const parts = p.split("/");
    let out = parts[0]!;
    for (let i = 1; i < parts.length; i++) {
      const c = parts[i]!;
      let name = c;
      if (c !== "" && c !== "." && c !== ".." && !fs.existsSync(`${out}/${c}`)) {
        try {
          name = fs.readdirSync(out || "/").find((n) => n.toUpperCase() === c.toUpperCase()) ?? c;
        } catch {
          // not a directory: leave the name as it is, the real call will say so
        }
      }
      out += `/${name}`;
    }
    return out;
  };
  const f = (p: string | Buffer) => (typeof p === "string" ? fold(p) : p);
  return {
    ...base,
    lstat: (p) => base.lstat(f(p)),
    lstatIfExists: (p) => base.lstatIfExists(fold(p)),
    stat: (p) => base.stat(f(p)),
    open: (p, flags, mode) => base.open(fold(p), flags, mode),
    utimes: (p, a, m) => base.utimes(fold(p), a, m),
    lutimes: (p, a, m) => base.lutimes(fold(p), a, m),
    readdir: (p) => base.readdir(fold(p)),
    opendir: (p) => base.opendir(fold(p)),
    mkdir: (p) => base.mkdir(fold(p)),
    rmdir: (p) => base.rmdir(fold(p)),
    unlink: (p) => base.unlink(fold(p)),
    rename: (a, b) => base.rename(fold(a), fold(b)),
    link: (a, b) => base.link(fold(a), fold(b)),
    symlink: (target, p) => base.symlink(target, fold(p)),
    readlink: (p) => base.readlink(fold(p)),
    realpath: (p) => base.realpath(fold(p)),
  };
}

const files = { "file": "hello", "other": "other", "dir/": null, "dir/inner": "in", "empty/": null };

interface CaseRow {
  name: string;
  want: string;
  run: (g: Guest) => string;
  /** Where Wine cannot show it. */
  laneSkip?: string;
}

const openE = (g: Guest, p: string, o: Parameters<Guest["open"]>[1] = {}) => {
  const r = g.open(p, o);
  if (r.fd >= 0) g.close(r.fd);
  return e(r.errno);
};
const content = (g: Guest, name: string) => fs.readFileSync(path.join(g.sandbox, name), "utf8");

// What a guest sees of a name that exists only in another case. Creating it, which Linux allows
// beside the other name, is EEXIST: the host cannot hold both (see src/fs/windows.ts).
const caseRows: CaseRow[] = [
  { name: "path_filestat_get(FILE)", want: "NOENT", run: (g) => e(g.stat("FILE").errno) },
  { name: "path_filestat_get(File), no follow", want: "NOENT", run: (g) => e(g.stat("File", false).errno) },
  { name: "path_open(FILE)", want: "NOENT", run: (g) => openE(g, "FILE") },
  { name: "path_open(DIR, O_DIRECTORY)", want: "NOENT", run: (g) => openE(g, "DIR", { oflags: O.DIRECTORY }) },
  { name: "path_open(DIR/.)", want: "NOENT", run: (g) => openE(g, "DIR/.") },
  { name: "path_open(Dir/..)", want: "NOENT", run: (g) => openE(g, "Dir/..") },
  { name: "path_open(DIR/inner)", want: "NOENT", run: (g) => openE(g, "DIR/inner") },
  { name: "path_open(dir/INNER)", want: "NOENT", run: (g) => openE(g, "dir/INNER") },
  { name: "path_open(dir/../FILE)", want: "NOENT", run: (g) => openE(g, "dir/../FILE") },
  {
    name: "path_open(DIR/new, O_CREAT) creates nothing",
    want: "NOENT dir,empty,file,other",
    run: (g) => `${openE(g, "DIR/new", { oflags: O.CREAT, rights: W })} ${g.list().join(",")}`,
  },
  {
    name: "path_open(FILE, O_CREAT) beside file",
    want: "EXIST hello",
    run: (g) => `${openE(g, "FILE", { oflags: O.CREAT, rights: W })} ${content(g, "file")}`,
  },
  {
    name: "path_open(FILE, O_CREAT|O_TRUNC) leaves file alone",
    want: "EXIST hello",
    run: (g) => `${openE(g, "FILE", { oflags: O.CREAT | O.TRUNC, rights: W })} ${content(g, "file")}`,
  },
  { name: "path_open(FILE, O_CREAT|O_EXCL)", want: "EXIST", run: (g) => openE(g, "FILE", { oflags: O.CREAT | O.EXCL, rights: W }) },
  { name: "path_create_directory(DIR)", want: "EXIST", run: (g) => e(g.mkdir("DIR")) },
  { name: "path_create_directory(FILE)", want: "EXIST", run: (g) => e(g.mkdir("FILE")) },
  { name: "path_unlink_file(FILE) leaves file", want: "NOENT hello", run: (g) => `${e(g.unlink("FILE"))} ${content(g, "file")}` },
  { name: "path_remove_directory(EMPTY) leaves empty", want: "NOENT true", run: (g) => `${e(g.rmdir("EMPTY"))} ${fs.existsSync(path.join(g.sandbox, "empty"))}` },
  { name: "path_filestat_set_times(FILE)", want: "NOENT", run: (g) => e(g.setTimes("FILE", 0n, 0n, 5)) },
  { name: "path_rename(FILE, new) leaves file", want: "NOENT dir,empty,file,other", run: (g) => `${e(g.rename("FILE", "new"))} ${g.list().join(",")}` },
  {
    name: "path_rename(other, FILE) does not replace file",
    want: "EXIST hello other",
    run: (g) => `${e(g.rename("other", "FILE"))} ${content(g, "file")} ${content(g, "other")}`,
  },
  { name: "path_rename(empty, DIR) does not replace dir", want: "EXIST in", run: (g) => `${e(g.rename("empty", "DIR"))} ${content(g, "dir/inner")}` },
  { name: "path_link(other, FILE)", want: "EXIST hello", run: (g) => `${e(g.link("other", "FILE"))} ${content(g, "file")}` },
  { name: "path_symlink(other, FILE)", want: "EXIST", run: (g) => e(g.symlink("other", "FILE")) },
  {
    name: "path_rename(file, FILE): a case-only rename of the entry itself is allowed",
    want: "SUCCESS hello",
    run: (g) => `${e(g.rename("file", "FILE"))} ${g.list().filter((n) => n.toUpperCase() === "FILE").map((n) => content(g, n)).join(",")}`,
  },
];

function runCaseRows(t: Test, make: () => Guest): void {
  for (const row of caseRows) {
    t.test(row.name, { skip: (lane && row.laneSkip) || false }, async (t) => {
      const g = make();
      t.equal(row.run(g), row.want);
      t.ok(g.outsideUntouched(), "nothing outside the preopen touched");
    });
  }
}

if (onWindows) {
  t.test("case: the Windows host (case-insensitive)", async (t) => {
    t.equal(fs.readFileSync(path.join(guest({ files }).sandbox, "FILE"), "utf8"), "hello", "the host itself finds FILE");
    runCaseRows(t, () => guest({ files }));
  });
} else {
  t.test("case: a simulated case-insensitive host, Windows rules on", async (t) => {
    runCaseRows(t, () => guest({ files, fs: caseInsensitive(), windowsPaths: true }));
  });
  t.test("control: the simulated host without the rules aliases names, as Windows Node.js does", async (t) => {
    const g = guest({ files, fs: caseInsensitive(), windowsPaths: false });
    t.equal(e(g.stat("FILE").errno), "SUCCESS", "FILE finds file");
    t.equal(e(g.unlink("FILE")), "SUCCESS", "unlink(FILE) ...");
    t.notOk(g.list().includes("file"), "... removes file");
    t.equal(e(g.rename("other", "DIR/INNER")), "SUCCESS", "rename(other, DIR/INNER) ...");
    t.equal(content(g, "dir/inner"), "other", "... replaces dir/inner");
  });
  t.test("case: on this host's own file system (case-sensitive), the same paths are Linux's answers", async (t) => {
    const g = guest({ files, windowsPaths: true });
    t.equal(e(g.stat("FILE").errno), "NOENT");
    t.equal(openE(g, "FILE", { oflags: O.CREAT | O.EXCL, rights: W }), "SUCCESS", "FILE is created beside file");
    t.same(g.list(), ["FILE", "dir", "empty", "file", "other"]);
  });
}

// --- host symlinks already on disk -------------------------------------------------------------
// root/canary.txt, root/outdir/x ("SECRET"), root/sandbox (the preopen) with file, dir/inner and
// links: lnk -> ../canary.txt, dlnk -> ../outdir, absdl -> ROOT/outdir (absolute), inlnk -> file,
// indl -> dir. Under Wine node.exe cannot make links (CreateSymbolicLinkW is a stub), so the lane
// script makes this tree and passes its path in RUN_WASI_LANE_LINKS.
function linkTree(): string {
  const root = tempDir("run-wasi-links-");
  fs.writeFileSync(path.join(root, "canary.txt"), "CANARY");
  fs.mkdirSync(path.join(root, "outdir"));
  fs.writeFileSync(path.join(root, "outdir", "x"), "SECRET");
  const box = path.join(root, "sandbox");
  fs.mkdirSync(path.join(box, "dir"), { recursive: true });
  fs.writeFileSync(path.join(box, "file"), "hello");
  fs.writeFileSync(path.join(box, "dir", "inner"), "in");
  fs.symlinkSync("../canary.txt", path.join(box, "lnk"));
  fs.symlinkSync("../outdir", path.join(box, "dlnk"));
  fs.symlinkSync(path.join(root, "outdir"), path.join(box, "absdl"));
  fs.symlinkSync("file", path.join(box, "inlnk"));
  fs.symlinkSync("dir", path.join(box, "indl"));
  return root;
}

const linksRoot = lane ? process.env.RUN_WASI_LANE_LINKS : onWindows ? undefined : linkTree();
const noTree = lane
  ? "RUN_WASI_LANE_LINKS is not set (scripts/windows-lane.sh makes the link tree)"
  : "Windows without the lane: this test makes its links with symlinkSync, which needs privileges there";

t.test("host symlinks already on disk: none leads out, case variants neither", { skip: linksRoot ? false : noTree }, async (t) => {
  const root = linksRoot!;
  const snapshot = () => JSON.stringify([fs.readFileSync(path.join(root, "canary.txt"), "utf8"),
    fs.readdirSync(path.join(root, "outdir")).sort(), fs.readFileSync(path.join(root, "outdir", "x"), "utf8"),
    fs.readdirSync(root).sort()]);
  const before = snapshot();
  const g = guest({ windowsPaths: onWindows ? undefined : true, preopen: path.join(root, "sandbox") });
  const readOf = (p: string) => {
    const r = g.open(p);
    if (r.fd < 0) return e(r.errno);
    const text = g.read(r.fd).text;
    g.close(r.fd);
    return text.includes("SECRET") || text.includes("CANARY") ? "LEAKED" : `SUCCESS ${text}`;
  };
  // Answers Linux gives (links seen and expanded by the resolver) and the lane gives (Wine shows
  // each link as its target; the canonical-path check refuses what leads out).
  const rows: [string, () => string, string][] = [
    ["open lnk", () => readOf("lnk"), "NOTCAPABLE"],
    ["open dlnk/x", () => readOf("dlnk/x"), "NOTCAPABLE"],
    ["open absdl/x", () => readOf("absdl/x"), "NOTCAPABLE"],
    ["open dlnk/X", () => readOf("dlnk/X"), "NOTCAPABLE"],
    ["open DLNK/x", () => readOf("DLNK/x"), "NOENT"],
    ["open Dlnk/X", () => readOf("Dlnk/X"), "NOENT"],
    ["open ABSDL/x", () => readOf("ABSDL/x"), "NOENT"],
    ["open LNK", () => readOf("LNK"), "NOENT"],
    ["open dir/../dlnk/x", () => readOf("dir/../dlnk/x"), "NOTCAPABLE"],
    ["open dir/../DLNK/x", () => readOf("dir/../DLNK/x"), "NOENT"],
    ["open dlnk/missing", () => readOf("dlnk/missing"), "NOTCAPABLE"],
    ["stat dlnk/x", () => e(g.stat("dlnk/x").errno), "NOTCAPABLE"],
    ["stat DLNK/x", () => e(g.stat("DLNK/x").errno), "NOENT"],
    ["create dlnk/new", () => openE(g, "dlnk/new", { oflags: O.CREAT, rights: W }), "NOTCAPABLE"],
    ["create DLNK/new", () => openE(g, "DLNK/new", { oflags: O.CREAT, rights: W }), "NOENT"],
    ["mkdir dlnk/sub", () => e(g.mkdir("dlnk/sub")), "NOTCAPABLE"],
    ["unlink dlnk/x", () => e(g.unlink("dlnk/x")), "NOTCAPABLE"],
    ["unlink DLNK/x", () => e(g.unlink("DLNK/x")), "NOENT"],
    ["rename file -> dlnk/y", () => e(g.rename("file", "dlnk/y")), "NOTCAPABLE"],
    ["rename file -> DLNK/y", () => e(g.rename("file", "DLNK/y")), "NOENT"],
    ["open inlnk (inside)", () => readOf("inlnk"), "SUCCESS hello"],
    ["open indl/inner (inside)", () => readOf("indl/inner"), "SUCCESS in"],
    ["open INLNK", () => readOf("INLNK"), "NOENT"],
    ["open Indl/inner", () => readOf("Indl/inner"), "NOENT"],
    ["open indl/INNER", () => readOf("indl/INNER"), "NOENT"],
  ];
  for (const [name, run, want] of rows) t.equal(run(), want, name);
  // Where the two differ: the link itself. Linux describes the link (no follow); Wine shows no link
  // at all, only its target, which is outside: refused. Real Windows shows a reparse point, which
  // Node reports as a link, as Linux does.
  const own = g.stat("dlnk", false);
  if (lane) t.equal(e(own.errno), "NOTCAPABLE", "stat dlnk (no follow): refused, Wine shows the outside directory, not a link");
  else t.equal(own.filetype, 7, "stat dlnk (no follow): the link itself");
  t.equal(snapshot(), before, "outside untouched");
});

