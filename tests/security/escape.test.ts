// The escape suite: one named test per technique a guest (or a process beside it) could use to reach
// outside its preopen. Each runs a battery of every path-taking operation through the hostile path
// and then checks the outside: nothing read (the secret's content never comes back, and its atime
// does not move where the file system shows reads), nothing created, changed or deleted, and no
// inode number from outside ever shown to the guest.
import * as fs from "node:fs";
import * as path from "node:path";
import t, { type Test } from "tap";
import { E, DIR_RIGHTS, guest, layout, O, SECRET, WRITE_RIGHTS, witness, type Guest, type Layout, type Witness } from "./util.js";
import { startSwapper } from "./race.js";
import { needsPosixHost, needsSymlinks } from "../fs/util.js";

const REFUSED = [E.NOTCAPABLE, E.PERM];

interface BatteryOptions {
  /** Directory fd to resolve from (default the preopen, 3). */
  fd?: number;
  /** Every operation must be refused with NOTCAPABLE/PERM (for paths that leave at once). */
  allRefused?: boolean;
}

let counter = 0;

/**
 * Every path operation through `p`, non-destructive ones first. Returns op → errno. Fails the test
 * on the spot if the secret comes back or an outside inode shows.
 */
function battery(t: Test, g: Guest, w: Witness, p: string, o: BatteryOptions = {}): Record<string, number> {
  const fd = o.fd ?? 3;
  const n = ++counter;
  const results: Record<string, number> = {};
  const secretSeen = (content: string | undefined, op: string) => {
    if (content !== undefined && content.includes(SECRET)) t.fail(`${op} ${JSON.stringify(p)} read the secret`);
  };
  const inodeSeen = (ino: bigint | undefined, op: string) => {
    if (ino !== undefined && w.inodes.has(ino)) t.fail(`${op} ${JSON.stringify(p)} showed an outside inode (${ino})`);
  };
  for (const follow of [true, false]) {
    const tag = follow ? "follow" : "nofollow";
    const r = g.slurp(p, { fd, follow });
    results[`read-${tag}`] = r.errno;
    secretSeen(r.content, `read-${tag}`);
    const s = g.stat(p, follow, fd);
    results[`stat-${tag}`] = s.errno;
    inodeSeen(s.ino, `stat-${tag}`);
    results[`readlink`] = g.readlink(p, fd).errno;
    // A directory: list it, stat it, and read and create through it.
    const d = g.open(p, { fd, follow, oflags: O.DIRECTORY, rights: DIR_RIGHTS });
    results[`opendir-${tag}`] = d.errno;
    if (d.errno === E.SUCCESS) {
      inodeSeen(g.fdFilestat(d.fd).ino, "fd_filestat_get of the opened directory");
      const list = g.readdir(d.fd);
      for (const e of list.entries) inodeSeen(e.ino, `fd_readdir entry ${e.name}`);
      secretSeen(g.slurp("secret.txt", { fd: d.fd }).content, "read through the opened directory");
      const c = g.open(`through-${n}`, { fd: d.fd, oflags: O.CREAT | O.EXCL, rights: WRITE_RIGHTS });
      if (c.errno === E.SUCCESS) g.close(c.fd);
      g.mkdir(`through-dir-${n}`, d.fd);
      g.close(d.fd);
    }
    results[`settimes-${tag}`] = g.setTimes(p, follow, fd);
    // Open for writing, then truncating, then creating, at the path and beneath it.
    const wr = g.open(p, { fd, follow, rights: WRITE_RIGHTS });
    results[`open-write-${tag}`] = wr.errno;
    if (wr.errno === E.SUCCESS) {
      inodeSeen(g.fdFilestat(wr.fd).ino, "fd_filestat_get of the file opened for writing");
      g.write(wr.fd, "overwritten by the guest");
      g.close(wr.fd);
    }
    const tr = g.open(p, { fd, follow, oflags: O.TRUNC, rights: WRITE_RIGHTS });
    results[`open-trunc-${tag}`] = tr.errno;
    if (tr.errno === E.SUCCESS) g.close(tr.fd);
    const cr = g.open(p, { fd, follow, oflags: O.CREAT, rights: WRITE_RIGHTS });
    results[`create-${tag}`] = cr.errno;
    if (cr.errno === E.SUCCESS) {
      inodeSeen(g.fdFilestat(cr.fd).ino, "fd_filestat_get of the created file");
      g.close(cr.fd);
    }
    const under = g.open(`${p}/new-${n}-${tag}`, { fd, follow, oflags: O.CREAT | O.EXCL, rights: WRITE_RIGHTS });
    results[`create-under-${tag}`] = under.errno;
    if (under.errno === E.SUCCESS) g.close(under.fd);
    results[`link-from-${tag}`] = g.link(p, `linked-${n}-${tag}`, follow, fd);
    if (results[`link-from-${tag}`] === E.SUCCESS) {
      inodeSeen(g.stat(`linked-${n}-${tag}`, false).ino, "stat of the new hard link");
      secretSeen(g.slurp(`linked-${n}-${tag}`).content, "read of the new hard link");
    }
  }
  fs.writeFileSync(path.join(g.box, `src-${n}`), "a source file of the guest");
  results["mkdir"] = g.mkdir(p, fd);
  results["mkdir-under"] = g.mkdir(`${p}/newdir-${n}`, fd);
  results["symlink-at"] = g.symlink("inside.txt", p, fd);
  results["link-to"] = g.link(`src-${n}`, p, false, 3, fd);
  results["rename-to"] = g.rename(`src-${n}`, p, 3, fd);
  results["rename-from"] = g.rename(p, `moved-in-${n}`, fd, 3);
  if (results["rename-from"] === E.SUCCESS) {
    inodeSeen(g.stat(`moved-in-${n}`, false).ino, "stat of what was renamed in");
    secretSeen(g.slurp(`moved-in-${n}`).content, "read of what was renamed in");
  }
  results["unlink"] = g.unlink(p, fd);
  results["rmdir"] = g.rmdir(p, fd);
  if (o.allRefused) {
    const accepted = Object.entries(results).filter(([, e]) => !REFUSED.includes(e as 76));
    t.same(accepted, [], `every operation on ${JSON.stringify(p)} is refused (NOTCAPABLE)`);
  }
  return results;
}

/** A fresh sandbox and guest for each path, the battery, then nothing outside may have changed. */
function tryPaths(
  t: Test,
  paths: readonly string[],
  setup: (l: Layout) => void = () => {},
  o: BatteryOptions & { windowsPaths?: boolean; expect?: (p: string, r: Record<string, number>) => void } = {},
) {
  for (const p of paths) {
    const l = layout();
    setup(l);
    const rootBefore = fs.readdirSync(l.root).sort();
    const w = witness(l.outside);
    const g = guest(l.box, { windowsPaths: o.windowsPaths });
    const r = battery(t, g, w, p, o);
    o.expect?.(p, r);
    t.same(w.changes(), [], `${JSON.stringify(p)}: nothing outside was read, created, changed or deleted`);
    t.same(fs.readdirSync(l.root).sort(), rootBefore, `${JSON.stringify(p)}: nothing appeared beside the preopen`);
  }
}

// ---- techniques -------------------------------------------------------------------------------

t.test("`..` chains never climb out of the preopen", async (t) => {
  tryPaths(
    t,
    [
      "..",
      "../",
      "../outside/secret.txt",
      "../outside",
      "../outside/",
      "../outside/dir/inner.txt",
      "sub/../../outside/secret.txt",
      "sub/deeper/../../../outside/secret.txt",
      "./../outside/secret.txt",
      "sub/./../..",
      "..//..//outside",
      `${"../".repeat(60)}outside/secret.txt`,
      "sub/../sub/deeper/../../../outside/empty-dir",
      "../box/../outside/secret.txt",
    ],
    () => {},
    { allRefused: true },
  );
});

t.test("`..` from a directory the guest opened stops at that directory", async (t) => {
  const l = layout();
  const w = witness(l.outside);
  const g = guest(l.box);
  const sub = g.open("sub", { oflags: O.DIRECTORY, rights: DIR_RIGHTS });
  t.equal(sub.errno, E.SUCCESS);
  // As in wasmtime, the fd passed in is the root of the lookup, even beneath a preopen.
  battery(t, g, w, "../inside.txt", { fd: sub.fd, allRefused: true });
  battery(t, g, w, "deeper/../../../outside/secret.txt", { fd: sub.fd, allRefused: true });
  t.same(w.changes(), []);
});

// A host path as a guest would write it: on Windows without the drive (`C:\\x\\y` is `/x/y`; the
// drive-letter form is Windows syntax, refused as EINVAL by "Windows path syntax" below).
const asGuestPath = (host: string) =>
  process.platform === "win32" ? `/${host.replace(/^[A-Za-z]:[\\/]/, "").replaceAll("\\", "/")}` : host;

t.test("absolute paths are refused", async (t) => {
  const l0 = layout();
  const hostPaths = [`${l0.outside}/secret.txt`, `${l0.box}/inside.txt`].map(asGuestPath);
  tryPaths(t, ["/", "/etc/passwd", "//outside", "/box/inside.txt", ...hostPaths, "/../outside"], () => {}, {
    allRefused: true,
  });
});

t.test("pre-existing relative symlinks pointing out are not followed out", { skip: needsSymlinks }, async (t) => {
  const links: Record<string, string> = {
    up: "..",
    out: "../outside/secret.txt",
    outdir: "../outside",
    "sub/up2": "../../outside/secret.txt",
    "sub/deeper/up3": "../../../outside",
    sneaky: "sub/../../outside/secret.txt",
    "sub/boxname": "../../box/../outside/secret.txt",
  };
  tryPaths(t, [...Object.keys(links), "up/outside/secret.txt", "outdir/secret.txt", "sub/up2/", "sub/deeper/up3/dir/inner.txt"], (l) => {
    for (const [name, target] of Object.entries(links)) fs.symlinkSync(target, path.join(l.box, name));
  });
});

t.test("pre-existing absolute symlinks are never resolved against the host root", { skip: needsSymlinks }, async (t) => {
  tryPaths(t, ["abs", "absdir", "absdir/secret.txt", "absin", "root", "root/etc/passwd"], (l) => {
    fs.symlinkSync(path.join(l.outside, "secret.txt"), path.join(l.box, "abs"));
    fs.symlinkSync(l.outside, path.join(l.box, "absdir"));
    // Even an absolute link that points back inside the preopen is refused (it names a host path).
    fs.symlinkSync(path.join(l.box, "inside.txt"), path.join(l.box, "absin"));
    fs.symlinkSync("/", path.join(l.box, "root"));
  });
});

t.test("chained symlinks: each hop is held to the sandbox", { skip: needsSymlinks }, async (t) => {
  tryPaths(t, ["a", "a/secret.txt", "x", "x/inner.txt", "m/secret.txt"], (l) => {
    fs.symlinkSync("b", path.join(l.box, "a"));
    fs.symlinkSync("sub/c", path.join(l.box, "b"));
    fs.symlinkSync("../d", path.join(l.box, "sub", "c"));
    fs.symlinkSync("../outside", path.join(l.box, "d"));
    fs.symlinkSync("sub/y", path.join(l.box, "x"));
    fs.symlinkSync("deeper/z", path.join(l.box, "sub", "y"));
    fs.symlinkSync(`${l.outside}/dir`, path.join(l.box, "sub", "deeper", "z"));
    // A chain that stays inside for a while, then leaves by `..` from deep down.
    fs.symlinkSync("sub/deeper/k", path.join(l.box, "m"));
    fs.symlinkSync("../../..", path.join(l.box, "sub", "deeper", "k"));
  });
});

t.test("dangling symlinks pointing out: nothing is created through them", { skip: needsSymlinks }, async (t) => {
  tryPaths(t, ["dangle", "dangle/", "dangle-abs", "dangle-dir/x", "dangle-deep"], (l) => {
    fs.symlinkSync("../outside/created-through-link", path.join(l.box, "dangle"));
    fs.symlinkSync(path.join(l.outside, "created-through-abs-link"), path.join(l.box, "dangle-abs"));
    fs.symlinkSync("../outside/new-dir", path.join(l.box, "dangle-dir"));
    fs.symlinkSync("sub/../../outside/created-deep", path.join(l.box, "dangle-deep"));
  });
});

t.test("looping symlinks end in ELOOP, not a hang or a way out", { skip: needsSymlinks }, async (t) => {
  tryPaths(
    t,
    ["loop1", "loop1/x", "self", "self/", "grow", "grow/x"],
    (l) => {
      fs.symlinkSync("loop2", path.join(l.box, "loop1"));
      fs.symlinkSync("loop1", path.join(l.box, "loop2"));
      fs.symlinkSync("self", path.join(l.box, "self"));
      fs.symlinkSync("grow/grow/grow/grow", path.join(l.box, "grow"));
    },
    {
      expect: (p, r) => {
        if (p.includes("/")) t.equal(r["read-nofollow"], E.LOOP, `${p}: a loop in the middle is ELOOP`);
        else t.equal(r["read-follow"], E.LOOP, `${p}: following a loop is ELOOP`);
      },
    },
  );
});

t.test("symlinks the guest makes itself cannot lead out", { skip: needsSymlinks }, async (t) => {
  const l = layout();
  const w = witness(l.outside);
  const g = guest(l.box);
  // Relative targets may be created (as in wasmtime); they are refused when followed.
  const made: Record<string, string> = {
    "g-up": "..",
    "g-out": "../outside/secret.txt",
    "g-outdir": "../outside",
    "g-deep": "sub/deeper/../../../outside",
    "g-chain": "g-up/outside",
    "g-dangle": "../outside/made-by-guest",
    "sub/g-up2": "../..",
  };
  for (const [name, target] of Object.entries(made)) t.equal(g.symlink(target, name), E.SUCCESS, `symlink ${name} -> ${target}`);
  // Absolute targets are refused at creation.
  for (const target of ["/", "/etc/passwd", `${l.outside}/secret.txt`, `${l.box}/inside.txt`]) {
    t.ok(REFUSED.includes(g.symlink(target, "g-abs") as 76), `symlink to ${target} is refused`);
  }
  for (const p of [...Object.keys(made), "g-up/outside/secret.txt", "g-outdir/secret.txt", "g-chain/secret.txt", "sub/g-up2/outside"]) {
    battery(t, g, w, p);
  }
  t.same(w.changes(), [], "nothing outside was read, created, changed or deleted");
});

t.test("hard links cannot bring an outside file in or put one out", async (t) => {
  const l = layout();
  const w = witness(l.outside);
  const g = guest(l.box);
  t.ok(REFUSED.includes(g.link("../outside/secret.txt", "stolen1") as 76), "link from ../outside is refused");
  t.ok(REFUSED.includes(g.link("inside.txt", "../outside/planted") as 76), "link into ../outside is refused");
  t.ok(REFUSED.includes(g.link("sub/../../outside/secret.txt", "stolen1") as 76), "link from sub/../../outside is refused");
  battery(t, g, w, "stolen1");
  t.notOk(fs.existsSync(path.join(l.box, "stolen1")), "stolen1 was not made");
  t.notOk(fs.existsSync(path.join(l.outside, "planted")), "nothing was planted outside");
  t.same(w.changes(), []);
});

t.test("hard links through symlinks cannot bring an outside file in", { skip: needsSymlinks }, async (t) => {
  const l = layout();
  fs.symlinkSync("../outside/secret.txt", path.join(l.box, "out"));
  fs.symlinkSync(path.join(l.outside, "secret.txt"), path.join(l.box, "abs"));
  const w = witness(l.outside);
  const g = guest(l.box);
  const outsideIno = fs.statSync(path.join(l.outside, "secret.txt"), { bigint: true }).ino;
  t.ok(REFUSED.includes(g.link("../outside/secret.txt", "stolen1") as 76), "link from ../outside is refused");
  t.ok(REFUSED.includes(g.link("out", "stolen2", true) as 76), "link following a link out is refused");
  t.ok(REFUSED.includes(g.link("abs", "stolen3", true) as 76), "link following an absolute link is refused");
  t.ok(REFUSED.includes(g.link("inside.txt", "../outside/planted") as 76), "link into ../outside is refused");
  // Without LOOKUP_SYMLINK_FOLLOW the new name is a hard link to the symlink itself: still a link
  // that leads nowhere the guest may go.
  t.equal(g.link("out", "stolen4", false), E.SUCCESS, "a hard link to the symlink itself");
  t.not(fs.lstatSync(path.join(l.box, "stolen4"), { bigint: true }).ino, outsideIno, "it is not the outside file");
  t.ok(fs.lstatSync(path.join(l.box, "stolen4")).isSymbolicLink());
  t.ok(REFUSED.includes(g.slurp("stolen4").errno as 76), "and it cannot be followed out");
  for (const p of ["stolen4", "stolen1", "stolen2", "stolen3"]) battery(t, g, w, p);
  for (const name of ["stolen1", "stolen2", "stolen3"]) t.notOk(fs.existsSync(path.join(l.box, name)), `${name} was not made`);
  t.same(w.changes(), []);
});

t.test("a directory the guest holds open, renamed away, then replaced by a symlink out", { skip: needsSymlinks }, async (t) => {
  const l = layout();
  fs.mkdirSync(path.join(l.outside, "deeper"));
  fs.writeFileSync(path.join(l.outside, "deeper", "secret.txt"), SECRET);
  fs.writeFileSync(path.join(l.outside, "file.txt"), SECRET);
  const w = witness(l.outside);
  const g = guest(l.box);
  const sub = g.open("sub", { oflags: O.DIRECTORY, rights: DIR_RIGHTS });
  const deeper = g.open("sub/deeper", { oflags: O.DIRECTORY, rights: DIR_RIGHTS });
  t.equal(sub.errno, E.SUCCESS);
  t.equal(deeper.errno, E.SUCCESS);
  t.equal(g.rename("sub", "moved"), E.SUCCESS, "the guest renames the directory it holds");
  const through = (label: string) => {
    for (const fd of [sub.fd, deeper.fd]) {
      battery(t, g, w, "file.txt", { fd });
      battery(t, g, w, "secret.txt", { fd });
      battery(t, g, w, ".", { fd });
      const list = g.readdir(fd);
      for (const e of list.entries) t.notOk(w.inodes.has(e.ino), `${label}: readdir entry ${e.name} is not outside`);
      t.notOk(w.inodes.has(g.fdFilestat(fd).ino), `${label}: fd_filestat_get is not outside`);
    }
  };
  through("after the rename");
  // The guest itself plants a symlink where the directory was (relative targets may be created).
  t.equal(g.symlink("../outside", "sub"), E.SUCCESS);
  through("after the guest's symlink");
  // A process outside plants an absolute one.
  fs.unlinkSync(path.join(l.box, "sub"));
  fs.symlinkSync(l.outside, path.join(l.box, "sub"));
  through("after an absolute symlink from outside");
  t.same(w.changes(), [], "nothing outside was read, created, changed or deleted");
  // Put back, the directory answers again: the fd still names that directory.
  fs.unlinkSync(path.join(l.box, "sub"));
  t.equal(g.rename("moved", "sub"), E.SUCCESS);
  const subIno = fs.statSync(path.join(l.box, "sub"), { bigint: true }).ino;
  t.equal(g.stat(".", true, sub.fd).ino, subIno, "back in place, the held fd still names that very directory");
});

t.test("fd_readdir of a held directory that was moved away and replaced by a symlink must not stat outside (d_ino leak)", { skip: needsSymlinks }, async (t) => {
  // The listing is cached at cookie 0; the inode of each entry is looked up lazily, by host path,
  // when the entry is served. If the directory has been renamed and a symlink planted where it was,
  // that lookup goes through the symlink: the guest learns whether a name exists outside, and its
  // inode number. The guest needs no accomplice: it can rename and make the relative link itself.
  const l = layout();
  // A name the guest has in its directory, and that also exists outside.
  fs.writeFileSync(path.join(l.box, "sub", "secret.txt"), "guest's own");
  const w = witness(l.outside);
  const g = guest(l.box);
  const sub = g.open("sub", { oflags: O.DIRECTORY, rights: DIR_RIGHTS });
  t.equal(sub.errno, E.SUCCESS);
  // Cookie 0 with a 1-byte buffer: the listing is read and cached, one partial entry served.
  t.equal(g.readdir(sub.fd, 0n, 1).errno, E.SUCCESS);
  t.equal(g.rename("sub", "moved"), E.SUCCESS);
  t.equal(g.symlink("../outside", "sub"), E.SUCCESS);
  const rest = g.readdir(sub.fd, 2n);
  const secretIno = fs.statSync(path.join(l.outside, "secret.txt"), { bigint: true }).ino;
  const leaked = rest.entries.filter((e) => w.inodes.has(e.ino));
  t.same(
    leaked.map((e) => `${e.name} ino ${e.ino}`),
    [],
    `no entry carries an outside inode (outside secret.txt is ${secretIno}); errno ${rest.errno}`,
  );
  // Probing: a name the guest chose, looked up in a directory the guest named by a relative link
  // (here /etc, several levels up) — existence of /etc/passwd must not be observable.
  const l2 = layout();
  fs.writeFileSync(path.join(l2.box, "sub", "passwd"), "guest's own");
  const g2 = guest(l2.box);
  const sub2 = g2.open("sub", { oflags: O.DIRECTORY, rights: DIR_RIGHTS });
  g2.readdir(sub2.fd, 0n, 1);
  g2.rename("sub", "moved");
  g2.symlink(`${"../".repeat(40)}etc`, "sub");
  const probe = g2.readdir(sub2.fd, 2n).entries.find((e) => e.name === "passwd");
  const etcIno = fs.existsSync("/etc/passwd") ? fs.statSync("/etc/passwd", { bigint: true }).ino : -1n;
  const ownIno = fs.statSync(path.join(l2.box, "moved", "passwd"), { bigint: true }).ino;
  t.not(probe?.ino, etcIno, "the inode of /etc/passwd is not revealed");
  t.ok(probe === undefined || probe.ino === ownIno || probe.ino === 0n, `d_ino is the guest's own file or unknown (got ${probe?.ino})`);
});

t.test("Windows path syntax is refused with windowsPaths: true", async (t) => {
  const windowsPaths = [
    "..\\outside\\secret.txt",
    "sub\\..\\..\\outside",
    "..\\",
    "C:\\",
    "C:",
    "c:secret.txt",
    "C:\\Windows\\System32",
    "\\\\?\\C:\\x",
    "\\\\.\\PhysicalDrive0",
    "\\\\server\\share\\x",
    "inside.txt::$DATA",
    "inside.txt:stream",
    "sub:ads",
    "CON",
    "con",
    "NUL",
    "nul.txt",
    "aux.tar.gz",
    "PRN",
    "COM1",
    "com9.log",
    "LPT1",
    "CONIN$",
    "CONOUT$",
    "sub/CON",
    "inside.txt.",
    "inside.txt ",
    "sub.",
    "sub ",
    "a*b",
    "a?b",
    'a"b',
    "a<b",
    "a>b",
    "a|b",
    "tab\there",
  ];
  tryPaths(t, windowsPaths, () => {}, {
    windowsPaths: true,
    expect: (p, r) => {
      const notInval = Object.entries(r).filter(([, e]) => e !== E.INVAL && !REFUSED.includes(e as 76));
      t.same(notInval, [], `${JSON.stringify(p)}: every operation is EINVAL (or refused)`);
    },
  });
  // A link with a Windows-style target, already there, is read with Windows rules: `..\` climbs.
  tryPaths(
    t,
    ["bs", "bsdir/secret.txt", "drive"],
    (l) => {
      fs.symlinkSync("..\\outside\\secret.txt", path.join(l.box, "bs"));
      fs.symlinkSync("..\\outside", path.join(l.box, "bsdir"));
      fs.symlinkSync("C:\\Windows", path.join(l.box, "drive"));
    },
    { windowsPaths: true },
  );
  // And the guest cannot make one.
  const l = layout();
  const g = guest(l.box, { windowsPaths: true });
  for (const target of ["..\\outside", "C:\\x", "c:x", "\\\\server\\share", "sub\\..\\.."]) {
    t.ok(REFUSED.includes(g.symlink(target, "wlink") as 76), `symlink to ${JSON.stringify(target)} is refused`);
  }
});

t.test("without windowsPaths, Windows syntax is only a name, made inside", { skip: needsPosixHost }, async (t) => {
  const l = layout();
  const w = witness(l.outside);
  const g = guest(l.box);
  for (const name of ["..\\outside\\secret.txt", "C:\\x", "inside.txt::$DATA", "CON"]) {
    const c = g.open(name, { oflags: O.CREAT | O.EXCL, rights: WRITE_RIGHTS });
    t.equal(c.errno, E.SUCCESS, `${JSON.stringify(name)} is an ordinary name on this host`);
    g.close(c.fd);
    t.ok(fs.existsSync(path.join(l.box, name)), "created inside, under that very name");
  }
  t.same(w.changes(), []);
});

// ---- the race -----------------------------------------------------------------------------------

const ATTEMPTS = Number(process.env.RUN_WASI_RACE_ATTEMPTS ?? 20_000);

t.test(`race on the last component: swapped between a file and a symlink out, ${ATTEMPTS} opens never read outside`, { skip: needsSymlinks }, async (t) => {
  // The README claims the last component is covered (O_NOFOLLOW and the identity check): a process
  // outside swapping it for a link to the secret cannot make an open read the secret.
  for (const target of ["relative", "absolute"] as const) {
    const l = layout();
    fs.writeFileSync(path.join(l.box, "target"), "inside");
    const w = witness(l.outside);
    const g = guest(l.box);
    const swapper = await startSwapper("file", l.box, "target", target === "relative" ? "../outside/secret.txt" : path.join(l.outside, "secret.txt"));
    let secret = 0;
    let inside = 0;
    const errnos = new Map<number, number>();
    try {
      for (let i = 0; i < ATTEMPTS; i++) {
        const r = g.slurp("target", { follow: i % 2 === 0 });
        if (r.content === SECRET) secret++;
        else if (r.content !== undefined) inside++;
        else errnos.set(r.errno, (errnos.get(r.errno) ?? 0) + 1);
      }
    } finally {
      const { swaps } = await swapper.stop();
      t.comment(`${target}: ${swaps} swaps; ${inside} reads of the inside file, errnos ${JSON.stringify(Object.fromEntries(errnos))}`);
    }
    t.equal(secret, 0, `${target} link: the secret was never read`);
    t.ok(inside > 0, "the race ran (some reads saw the real file)");
    t.same(w.changes(), [], "nothing outside was read or changed");
  }
});

t.test(`race on the last component: a symlink out appearing where a file is created, ${ATTEMPTS} times, creates nothing outside`, { skip: needsSymlinks }, async (t) => {
  const l = layout();
  const w = witness(l.outside);
  const g = guest(l.box);
  const swapper = await startSwapper("appear", l.box, "made", "../outside/created-by-race");
  let created = 0;
  const errnos = new Map<number, number>();
  try {
    for (let i = 0; i < ATTEMPTS; i++) {
      const kind = i % 5;
      let errno: number;
      if (kind === 0 || kind === 4) {
        const r = g.open("made", { oflags: O.CREAT, rights: WRITE_RIGHTS, follow: kind === 4 });
        errno = r.errno;
        if (r.errno === E.SUCCESS) {
          g.write(r.fd, "guest data");
          g.close(r.fd);
        }
      } else if (kind === 1) errno = g.mkdir("made");
      else if (kind === 2) errno = g.symlink("inside.txt", "made");
      else errno = g.link("inside.txt", "made");
      if (errno === E.SUCCESS) created++;
      errnos.set(errno, (errnos.get(errno) ?? 0) + 1);
      // Whatever the guest made in place of the link, take it away again.
      try {
        const st = fs.lstatSync(path.join(l.box, "made"));
        if (st.isDirectory()) fs.rmdirSync(path.join(l.box, "made"));
      } catch {
        // absent
      }
    }
  } finally {
    const { swaps } = await swapper.stop();
    t.comment(`${swaps} swaps; errnos ${JSON.stringify(Object.fromEntries(errnos))}`);
  }
  t.notOk(fs.existsSync(path.join(l.outside, "created-by-race")), "nothing was created through the link");
  t.same(w.changes(), [], "nothing outside was read, created or changed");
});

t.test(`race on a directory the guest opens: swapped for a symlink out, ${ATTEMPTS} opens never list, read or create outside`, { skip: needsSymlinks }, async (t) => {
  // The README's claim for directories the guest opened: what the fd names cannot be redirected
  // afterwards. The directory itself is the last component of the open (O_NOFOLLOW|O_DIRECTORY and
  // the identity check cover it); everything after goes through the descriptor.
  const l = layout();
  fs.mkdirSync(path.join(l.box, "d"));
  fs.writeFileSync(path.join(l.box, "d", "secret.txt"), "inside");
  fs.writeFileSync(path.join(l.outside, "only-outside"), "");
  const w = witness(l.outside);
  const g = guest(l.box);
  const swapper = await startSwapper("dir", l.box, "d", "../outside");
  let opened = 0;
  let listedOutside = 0;
  let readSecret = 0;
  try {
    for (let i = 0; i < ATTEMPTS; i++) {
      const d = g.open("d", { oflags: O.DIRECTORY, rights: DIR_RIGHTS, follow: false });
      if (d.errno !== E.SUCCESS) continue;
      opened++;
      if (g.readdir(d.fd).entries.some((e) => e.name === "only-outside")) listedOutside++;
      if (g.slurp("secret.txt", { fd: d.fd }).content === SECRET) readSecret++;
      if (i % 10 === 0) {
        const c = g.open(`made-${i}`, { fd: d.fd, oflags: O.CREAT | O.EXCL, rights: WRITE_RIGHTS });
        if (c.errno === E.SUCCESS) g.close(c.fd);
      }
      g.close(d.fd);
    }
  } finally {
    const { swaps } = await swapper.stop();
    t.comment(`${swaps} swaps; the directory was opened ${opened} times`);
  }
  t.ok(opened > 0, "the race ran (some opens got the real directory)");
  t.equal(listedOutside, 0, "no listing showed the outside directory");
  t.equal(readSecret, 0, "no read through the opened directory reached the secret");
  t.same(w.changes(), [], "nothing was read, created or changed outside");
});
