// npm run race -- [--attempts N] [--ops a,b,…] [--absolute] [--stock-only]
//
// Measures the race the README admits: a process outside the sandbox swaps a directory the guest
// walks through (box/d) for a symlink to a folder outside (and back), in a tight loop, while the
// guest runs one operation through it N times. A "win" is the operation reaching outside: reading
// the secret, seeing an outside inode, creating, deleting, moving or touching something outside.
//
// Each operation is measured twice: with the runtime as it is ("stock"), and with a prototype
// narrowing applied as a backend wrapper ("narrowed"; see narrowedBackend below) — to show what a
// fix in src/ could gain. Prints one table; exit status 0 (it measures, it does not judge).
import * as fs from "node:fs";
import * as path from "node:path";
import type { FsBackend } from "../../src/fs/backend.js";
import { nodeBackend } from "../../src/fs/node.js";
import { startSwapper } from "./race.js";
import { DIR_RIGHTS, E, guest, O, SECRET, WRITE_RIGHTS, type Guest } from "./util.js";

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ATTEMPTS = Number(opt("--attempts") ?? 20_000);
const ABSOLUTE = args.includes("--absolute");
const STOCK_ONLY = args.includes("--stock-only");

interface Ctx {
  g: Guest;
  box: string;
  outside: string;
  secretIno: bigint;
}

interface Op {
  name: string;
  what: string;
  /** Creates what attempt i needs, on both sides (the real d is box/d before the swapper starts). */
  prepare?(c: Ctx, i: number): void;
  /** Runs attempt i; returns the errno. */
  run(c: Ctx, i: number): number;
  /** Did attempt i reach outside? */
  won(c: Ctx, i: number, errno: number): boolean;
}

const exists = (p: string) => {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
};
const both = (c: Ctx, rel: string, make: (p: string) => void) => {
  make(path.join(c.box, "d", rel));
  make(path.join(c.outside, rel));
};

const ops: Op[] = [
  {
    name: "open-read",
    what: "path_open d/secret.txt + fd_read: the outside secret comes back",
    run: (c) => {
      const r = c.g.slurp("d/secret.txt", { follow: false });
      lastContent = r.content;
      return r.errno;
    },
    won: () => lastContent === SECRET,
  },
  {
    name: "stat",
    what: "path_filestat_get d/secret.txt: the outside file's inode comes back",
    run: (c) => {
      const s = c.g.stat("d/secret.txt", false);
      lastIno = s.ino;
      return s.errno;
    },
    won: (c) => lastIno === c.secretIno,
  },
  {
    name: "readdir",
    what: "path_open d (O_DIRECTORY) + fd_readdir: an outside-only name is listed",
    run: (c) => {
      const d = c.g.open("d", { oflags: O.DIRECTORY, rights: DIR_RIGHTS, follow: false });
      lastNames = [];
      if (d.errno !== E.SUCCESS) return d.errno;
      const list = c.g.readdir(d.fd);
      lastNames = list.entries.map((e) => e.name);
      c.g.close(d.fd);
      return list.errno;
    },
    won: () => lastNames.includes("only-outside"),
  },
  {
    name: "create",
    what: "path_open d/c-i with O_CREAT|O_EXCL: the file appears outside",
    run: (c, i) => {
      const r = c.g.open(`d/c-${i}`, { oflags: O.CREAT | O.EXCL, rights: WRITE_RIGHTS, follow: false });
      if (r.errno === E.SUCCESS) c.g.close(r.fd);
      return r.errno;
    },
    won: (c, i) => exists(path.join(c.outside, `c-${i}`)),
  },
  {
    name: "mkdir",
    what: "path_create_directory d/m-i: the directory appears outside",
    run: (c, i) => c.g.mkdir(`d/m-${i}`),
    won: (c, i) => exists(path.join(c.outside, `m-${i}`)),
  },
  {
    name: "symlink",
    what: "path_symlink d/s-i: the link appears outside",
    run: (c, i) => c.g.symlink("x", `d/s-${i}`),
    won: (c, i) => exists(path.join(c.outside, `s-${i}`)),
  },
  {
    name: "unlink",
    what: "path_unlink_file d/u-i (on both sides): the outside one disappears",
    prepare: (c, i) => both(c, `u-${i}`, (p) => fs.writeFileSync(p, "victim")),
    run: (c, i) => c.g.unlink(`d/u-${i}`),
    won: (c, i) => !exists(path.join(c.outside, `u-${i}`)),
  },
  {
    name: "rmdir",
    what: "path_remove_directory d/r-i (on both sides): the outside one disappears",
    prepare: (c, i) => both(c, `r-${i}`, (p) => fs.mkdirSync(p)),
    run: (c, i) => c.g.rmdir(`d/r-${i}`),
    won: (c, i) => !exists(path.join(c.outside, `r-${i}`)),
  },
  {
    name: "rename",
    what: "path_rename d/n-i -> d/n-i.moved (both sides): the outside one moves",
    prepare: (c, i) => both(c, `n-${i}`, (p) => fs.writeFileSync(p, "n")),
    run: (c, i) => c.g.rename(`d/n-${i}`, `d/n-${i}.moved`),
    won: (c, i) => !exists(path.join(c.outside, `n-${i}`)),
  },
  {
    name: "rename-in",
    what: "path_rename d/t-i -> t-i (outside's holds the secret): the secret is moved in",
    prepare: (c, i) => {
      fs.writeFileSync(path.join(c.box, "d", `t-${i}`), "inside");
      fs.writeFileSync(path.join(c.outside, `t-${i}`), SECRET);
    },
    run: (c, i) => c.g.rename(`d/t-${i}`, `t-${i}`),
    won: (c, i) => exists(path.join(c.box, `t-${i}`)) && fs.readFileSync(path.join(c.box, `t-${i}`), "utf8") === SECRET,
  },
  {
    name: "rename-out",
    what: "path_rename g-i -> d/g-i: the guest's file lands outside",
    prepare: (c, i) => fs.writeFileSync(path.join(c.box, `g-${i}`), "guest"),
    run: (c, i) => c.g.rename(`g-${i}`, `d/g-${i}`),
    won: (c, i) => exists(path.join(c.outside, `g-${i}`)),
  },
  {
    name: "link-in",
    what: "path_link d/secret.txt -> h-i: a hard link to the outside secret appears inside",
    run: (c, i) => c.g.link("d/secret.txt", `h-${i}`),
    won: (c, i) => exists(path.join(c.box, `h-${i}`)) && fs.statSync(path.join(c.box, `h-${i}`), { bigint: true }).ino === c.secretIno,
  },
  {
    name: "set-times",
    what: "path_filestat_set_times d/secret.txt: the outside secret's mtime changes",
    run: (c) => c.g.setTimes("d/secret.txt", false),
    won: (c) => {
      const p = path.join(c.outside, "secret.txt");
      if (fs.statSync(p).mtimeMs === 1000) {
        fs.utimesSync(p, new Date(), new Date());
        return true;
      }
      return false;
    },
  },
];

let lastContent: string | undefined;
let lastIno: bigint | undefined;
let lastNames: string[] = [];

// ---- the prototype narrowing --------------------------------------------------------------------

/**
 * What src/ could do without openat (a sketch, as a backend wrapper): before each operation on a
 * host path, check that the path's parent directory really lies inside the preopen (realpath), and
 * after each open, check where the opened file really is (/proc/self/fd on Linux) — closing it, and
 * removing it if the open created it, when it is outside. This narrows the window from the
 * resolver's whole walk to the gap between two system calls, and closes it for reads of opened
 * files; it cannot close it for operations by path (mkdir, unlink, rename…).
 */
function narrowedBackend(root: string): FsBackend {
  const inside = (p: string | Buffer) => {
    const s = p.toString();
    if (s === root) return;
    const parent = s.slice(0, s.lastIndexOf("/")) || "/";
    let real: string;
    try {
      real = fs.realpathSync.native(parent);
    } catch {
      return; // let the operation report its own error
    }
    if (real !== root && !real.startsWith(`${root}/`)) throw Object.assign(new Error("EAGAIN: path left the sandbox"), { code: "EAGAIN" });
  };
  const guard =
    <A extends unknown[], R>(f: (...a: A) => R, ...paths: number[]) =>
    (...a: A): R => {
      for (const i of paths) inside(a[i] as string);
      return f(...a);
    };
  return {
    ...nodeBackend,
    lstat: guard(nodeBackend.lstat, 0),
    lstatIfExists: guard(nodeBackend.lstatIfExists, 0),
    stat: guard(nodeBackend.stat, 0),
    readlink: guard(nodeBackend.readlink, 0),
    readdir: (p) => {
      inside(`${p}/x`);
      return nodeBackend.readdir(p);
    },
    opendir: (p) => {
      inside(`${p}/x`);
      return nodeBackend.opendir(p);
    },
    mkdir: guard(nodeBackend.mkdir, 0),
    rmdir: guard(nodeBackend.rmdir, 0),
    unlink: guard(nodeBackend.unlink, 0),
    rename: guard(nodeBackend.rename, 0, 1),
    link: guard(nodeBackend.link, 0, 1),
    symlink: guard(nodeBackend.symlink, 1),
    utimes: guard(nodeBackend.utimes, 0),
    lutimes: guard(nodeBackend.lutimes, 0),
    open: (p, flags, mode) => {
      inside(p);
      const fd = nodeBackend.open(p, flags, mode);
      let where: string;
      try {
        where = fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return fd;
      }
      if (where === root || where.startsWith(`${root}/`)) return fd;
      const created = (flags & fs.constants.O_CREAT) !== 0;
      const ino = fs.fstatSync(fd, { bigint: true }).ino;
      fs.closeSync(fd);
      if (created) {
        try {
          if (fs.lstatSync(where, { bigint: true }).ino === ino) fs.unlinkSync(where);
        } catch {
          // gone already
        }
      }
      throw Object.assign(new Error("EAGAIN: opened outside the sandbox"), { code: "EAGAIN" });
    },
  };
}

// ---- measuring -------------------------------------------------------------------------------------

interface Result {
  op: string;
  mode: string;
  wins: number;
  ok: number;
  errnos: Map<number, number>;
  swaps: number;
  ms: number;
}

async function measure(op: Op, narrowed: boolean): Promise<Result> {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(fs.existsSync("/dev/shm") ? "/dev/shm" : "/tmp", "run-wasi-race-")));
  try {
    const box = path.join(root, "box");
    const outside = path.join(root, "outside");
    fs.mkdirSync(path.join(box, "d"), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(box, "d", "secret.txt"), "inside");
    fs.writeFileSync(path.join(outside, "secret.txt"), SECRET);
    fs.writeFileSync(path.join(outside, "only-outside"), "");
    const g = guest(box, narrowed ? { fs: narrowedBackend(box) } : {});
    const c: Ctx = { g, box, outside, secretIno: fs.statSync(path.join(outside, "secret.txt"), { bigint: true }).ino };
    for (let i = 0; i < ATTEMPTS; i++) op.prepare?.(c, i);
    const swapper = await startSwapper("dir", box, "d", ABSOLUTE ? outside : "../outside");
    const errnos = new Map<number, number>();
    let wins = 0;
    let ok = 0;
    const t0 = performance.now();
    let swaps = 0;
    try {
      for (let i = 0; i < ATTEMPTS; i++) {
        const errno = op.run(c, i);
        if (op.won(c, i, errno)) wins++;
        else if (errno === E.SUCCESS) ok++;
        else errnos.set(errno, (errnos.get(errno) ?? 0) + 1);
      }
    } finally {
      swaps = (await swapper.stop()).swaps;
    }
    return { op: op.name, mode: narrowed ? "narrowed" : "stock", wins, ok, errnos, swaps, ms: performance.now() - t0 };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const NAMES: Record<number, string> = { 0: "OK", 6: "AGAIN", 20: "EXIST", 28: "INVAL", 29: "IO", 32: "LOOP", 44: "NOENT", 54: "NOTDIR", 55: "NOTEMPTY", 76: "NOTCAPABLE" };

async function main() {
  const wanted = opt("--ops")?.split(",");
  const selected = ops.filter((o) => !wanted || wanted.includes(o.name));
  console.log(`race: ${ATTEMPTS} attempts per operation; box/d swapped with a symlink to ${ABSOLUTE ? "the absolute path of outside/" : "../outside"} by a second process`);
  console.log("");
  console.log(`${"operation".padEnd(11)} ${"mode".padEnd(9)} ${"wins".padStart(6)} ${"per 10k".padStart(8)} ${"ok inside".padStart(9)}  ${"swaps".padStart(7)} ${"ms".padStart(6)}  other answers`);
  for (const op of selected) {
    for (const narrowed of STOCK_ONLY ? [false] : [false, true]) {
      const r = await measure(op, narrowed);
      const other = [...r.errnos].sort((a, b) => b[1] - a[1]).map(([e, n]) => `${NAMES[e] ?? e} ${n}`).join(", ");
      console.log(
        `${r.op.padEnd(11)} ${r.mode.padEnd(9)} ${String(r.wins).padStart(6)} ${((r.wins / ATTEMPTS) * 10_000).toFixed(1).padStart(8)} ${String(r.ok).padStart(9)}  ${String(r.swaps).padStart(7)} ${r.ms.toFixed(0).padStart(6)}  ${other}`,
      );
    }
  }
  console.log("");
  for (const op of selected) console.log(`  ${op.name.padEnd(11)} win = ${op.what}`);
}

await main();
