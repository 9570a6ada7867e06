// The fuzzer's host-side world: a "canary" folder of files, directories and links whose names,
// contents and times are snapshotted, with the guest's scratch preopen (and a read-only preopen)
// inside it, and a sibling folder beside it. Anything that changes, appears in or disappears from the
// canary (outside scratch/) is a sandbox escape; so is a canary file being read, where the host file
// system updates access times (relatime does, once atime is set older than mtime).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export const SECRET = "CANARY-SECRET-7f3a9c: a guest must never read this";

export interface World {
  readonly root: string;
  readonly canary: string;
  readonly scratch: string;
  readonly ro: string;
  /** Every checked entry, relative to root, with its metadata at setup. */
  readonly baseline: Map<string, EntryState>;
  /** Content hashes of files (checked at the end: reading them would disturb atimes). */
  readonly contents: Map<string, string>;
  /** Link targets (checked at the end: readlink updates a link's atime). */
  readonly targets: Map<string, string>;
  /** Whether reading a file visibly updates its atime on this file system. */
  readonly atimeWorks: boolean;
}

export interface EntryState {
  type: string;
  ino: bigint;
  size: bigint;
  mode: bigint;
  nlink: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** Compared only where reads are not legitimate (not under ro/) and the file system keeps atime. */
  atimeNs: bigint | undefined;
  target?: string;
}

/** Entries of the template scratch folder: name → content (string), {dir}, or {link: target}. */
type Spec = string | { dir: Record<string, Spec> } | { link: string };

function scratchTemplate(root: string): Record<string, Spec> {
  const canary = `${root}/canary`;
  return {
    file: "hello, fuzzer\n",
    empty: "",
    "big.bin": "x".repeat(70_000),
    dir: {
      dir: {
        "inner.txt": "inner\n",
        sub: { dir: { "deep.txt": "deep\n", esc: { link: "../../../c-file.txt" } } },
        "up-link": { link: ".." },
        "sib-link": { link: "../file" },
      },
    },
    "empty-dir": { dir: {} },
    up: { link: ".." },
    up2: { link: "../.." },
    out: { link: "../c-file.txt" },
    outdir: { link: "../c-dir" },
    sibling: { link: "../../outside/o-secret.txt" },
    abs: { link: `${canary}/c-file.txt` },
    absdir: { link: `${canary}/c-dir` },
    "abs-self": { link: `${canary}/scratch` },
    slash: { link: "/" },
    etc: { link: "/etc" },
    loop1: { link: "loop2" },
    loop2: { link: "loop1" },
    self: { link: "self" },
    dangling: { link: "missing-target" },
    "dangling-out": { link: "../c-new-file" },
    "dangling-abs": { link: `${canary}/c-new-abs` },
    dirlink: { link: "dir" },
    chain: { link: "dirlink/up-link/up" },
    deep: { link: "dir/sub/../../.." },
    "file-link": { link: "file" },
    "slash-link": { link: "dir/" },
    backslash: { link: "..\\c-file.txt" },
    "drive-link": { link: "C:\\Windows" },
  };
}

function build(dir: string, spec: Record<string, Spec>): void {
  for (const [name, entry] of Object.entries(spec)) {
    const p = `${dir}/${name}`;
    if (typeof entry === "string") fs.writeFileSync(p, entry);
    else if ("dir" in entry) {
      fs.mkdirSync(p);
      build(p, entry.dir);
    } else fs.symlinkSync(entry.link, p);
  }
}

function typeOf(st: fs.BigIntStats): string {
  if (st.isSymbolicLink()) return "link";
  if (st.isDirectory()) return "dir";
  if (st.isFile()) return "file";
  return "other";
}

const HOUR_NS = 3_600_000_000_000n;

/** Builds a fresh world at `root` (which must not exist, or is replaced). */
export function buildWorld(root: string): World {
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  const canary = `${root}/canary`;
  build(root, {
    outside: { dir: { "o-secret.txt": SECRET, "o-dir": { dir: { "o-inner.txt": SECRET } } } },
    canary: {
      dir: {
        "c-file.txt": SECRET,
        "c-empty": "",
        "c-dir": { dir: { "c-inner.txt": SECRET, "c-sub": { dir: {} } } },
        "c-link": { link: "c-file.txt" },
        "c-abs": { link: `${canary}/c-file.txt` },
        "c-updir": { link: ".." },
        "c-dangling": { link: "c-missing" },
        scratch: { dir: scratchTemplate(root) },
        ro: {
          dir: {
            "r-file.txt": "read-only content\n",
            "r-dir": { dir: { "r-inner.txt": "inner\n" } },
            "r-link": { link: "r-file.txt" },
            "r-up": { link: "../c-file.txt" },
            "r-empty-dir": { dir: {} },
          },
        },
      },
    },
  });

  const atimeWorks = probeAtime(root);

  // Every entry except scratch's contents, found once now (later checks only lstat this list, since
  // listing a directory would itself update its atime).
  const rel: string[] = [];
  const walk = (relDir: string) => {
    for (const name of fs.readdirSync(path.join(root, relDir))) {
      const r = relDir === "" ? name : `${relDir}/${name}`;
      rel.push(r);
      if (r === "canary/scratch") continue;
      const st = fs.lstatSync(path.join(root, r));
      if (st.isDirectory()) walk(r);
    }
  };
  rel.push("");
  walk("");

  const contents = new Map<string, string>();
  const targets = new Map<string, string>();
  for (const r of rel) {
    const p = path.join(root, r);
    const st = fs.lstatSync(p);
    if (st.isFile()) contents.set(r, createHash("sha256").update(fs.readFileSync(p)).digest("hex"));
    if (st.isSymbolicLink()) targets.set(r, fs.readlinkSync(p));
  }
  // Deepest first, so that setting a child's times is not undone by anything after it. utimes changes
  // ctime, not atime, and relatime updates an atime older than mtime on the next read.
  for (const r of [...rel].reverse()) {
    if (r === "canary/scratch") continue;
    const p = path.join(root, r);
    const st = fs.lstatSync(p, { bigint: true });
    const mtime = Number(st.mtimeNs) / 1e9;
    const atime = Number(st.mtimeNs - HOUR_NS) / 1e9;
    if (st.isSymbolicLink()) fs.lutimesSync(p, atime, mtime);
    else fs.utimesSync(p, atime, mtime);
  }

  const baseline = new Map<string, EntryState>();
  for (const r of rel) baseline.set(r, stateOf(root, r, atimeWorks));
  return {
    root,
    canary,
    scratch: `${canary}/scratch`,
    ro: `${canary}/ro`,
    baseline,
    contents,
    targets,
    atimeWorks,
  };
}

function probeAtime(root: string): boolean {
  const probe = `${root}/.atime-probe`;
  fs.writeFileSync(probe, "probe");
  const st = fs.statSync(probe, { bigint: true });
  fs.utimesSync(probe, Number(st.mtimeNs - HOUR_NS) / 1e9, Number(st.mtimeNs) / 1e9);
  const before = fs.statSync(probe, { bigint: true }).atimeNs;
  fs.readFileSync(probe);
  const after = fs.statSync(probe, { bigint: true }).atimeNs;
  fs.unlinkSync(probe);
  return after !== before;
}

/** lstat of one entry; `withTarget` also reads a link's target (which updates the link's atime). */
function stateOf(root: string, r: string, atimeWorks: boolean, withTarget = false): EntryState {
  const p = path.join(root, r);
  const st = fs.lstatSync(p, { bigint: true });
  const isScratch = r === "canary/scratch";
  const underRo = r === "canary/ro" || r.startsWith("canary/ro/");
  const state: EntryState = {
    type: typeOf(st),
    ino: st.ino,
    // scratch/ itself changes as the guest works in it: only its identity is checked.
    size: isScratch ? 0n : st.size,
    mode: st.mode,
    nlink: isScratch ? 0n : st.nlink,
    mtimeNs: isScratch ? 0n : st.mtimeNs,
    ctimeNs: isScratch ? 0n : st.ctimeNs,
    atimeNs: atimeWorks && !isScratch && !underRo ? st.atimeNs : undefined,
  };
  if (withTarget && st.isSymbolicLink()) state.target = fs.readlinkSync(p);
  return state;
}

/**
 * Compares the canary with its baseline by lstat only (cheap: no reads, no listings). Returns a
 * description of the first difference, or undefined.
 */
export function checkCanary(world: World): string | undefined {
  for (const [r, before] of world.baseline) {
    let now: EntryState;
    try {
      now = stateOf(world.root, r, world.atimeWorks);
    } catch (error) {
      return `${r || "."}: ${(error as { code?: string }).code ?? String(error)} (was ${before.type})`;
    }
    for (const key of Object.keys(before) as (keyof EntryState)[]) {
      if (before[key] !== now[key]) {
        const what = key === "atimeNs" ? "atime (the file was read)" : key;
        return `${r || "."}: ${what} changed from ${String(before[key])} to ${String(now[key])}`;
      }
    }
  }
  return undefined;
}

/** The full check at the end of a run: the cheap check, then names (no entry added) and contents. */
export function checkCanaryFull(world: World): string | undefined {
  const cheap = checkCanary(world);
  if (cheap) return cheap;
  const walk = (relDir: string): string | undefined => {
    for (const name of fs.readdirSync(path.join(world.root, relDir))) {
      const r = relDir === "" ? name : `${relDir}/${name}`;
      if (!world.baseline.has(r)) return `${r}: created outside the scratch folder`;
      if (r === "canary/scratch") continue;
      const st = fs.lstatSync(path.join(world.root, r));
      if (st.isDirectory()) {
        const inner = walk(r);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  const names = walk("");
  if (names) return names;
  for (const [r, target] of world.targets) {
    const now = fs.readlinkSync(path.join(world.root, r));
    if (now !== target) return `${r}: link target changed from ${target} to ${now}`;
  }
  for (const [r, hash] of world.contents) {
    const now = createHash("sha256").update(fs.readFileSync(path.join(world.root, r))).digest("hex");
    if (now !== hash) return `${r}: content changed`;
  }
  return undefined;
}

/**
 * Why host descriptors cannot be counted here, if they cannot: /proc/self/fd is Linux's. Windows has
 * none, and under Wine it lists Wine's own Unix descriptors, not the handles Node holds. There the
 * fd-leak property is not checked (hostFds is empty), and the tests say so.
 */
export const fdCountingOff: string | false = process.platform === "win32"
  ? "Windows has no /proc/self/fd (under Wine it lists Wine's own descriptors, not Node's handles): host descriptor leaks are not counted"
  : false;

/** The process's open host fds (Linux: /proc/self/fd), with what each refers to. */
export function hostFds(): Map<number, string> {
  const out = new Map<number, string>();
  if (fdCountingOff) return out;
  let names: string[];
  try {
    names = fs.readdirSync("/proc/self/fd");
  } catch {
    return out;
  }
  for (const name of names) {
    let target = "?";
    try {
      target = fs.readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // the fd readdir itself used, closed by now
    }
    out.set(Number(name), target);
  }
  return out;
}

/** Host fds open now that were not open in `before`. */
export function leakedFds(before: Map<number, string>): string[] {
  const leaks: string[] = [];
  for (const [fd, target] of hostFds()) {
    if (before.get(fd) !== target) leaks.push(`${fd} -> ${target}`);
  }
  return leaks;
}

/** Where fuzz worlds live: tmpfs when there is one (fsync is free there), else the temp dir. */
export function defaultBase(): string {
  try {
    fs.accessSync("/dev/shm", fs.constants.W_OK);
    if (fs.statSync("/dev/shm").isDirectory()) return "/dev/shm";
  } catch {
    // fall through
  }
  return (process.env.TMPDIR ?? "/tmp").replace(/\/$/, "");
}
