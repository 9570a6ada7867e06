// Shared by the security tests: a sandbox (a preopen beside an "outside" folder holding a secret),
// thin wrappers that call the imports directly with their arguments laid out in guest memory, and
// a witness of the outside (names, contents, times, and reads where the file system shows them).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Errno, Lookupflags, Oflags, Rights } from "../../src/abi/constants.js";
import type { FsBackend } from "../../src/fs/backend.js";
import { direct, tempDir } from "../helpers/harness.js";

export { Errno as E, Rights as R };

export const SECRET = "TOP-SECRET: outside the sandbox";
export const O = Oflags;
export const FOLLOW = Lookupflags.SYMLINK_FOLLOW;

// Guest memory layout (2 pages).
const OUT = 8;
const STAT = 64;
const IOV = 256;
const P1 = 1024;
const P2 = 6400;
const DATA = 12288;
const RDBUF = 32768;

export const READ_RIGHTS = Rights.FD_READ | Rights.FD_SEEK | Rights.FD_TELL | Rights.FD_FILESTAT_GET | Rights.FD_READDIR;
export const WRITE_RIGHTS = READ_RIGHTS | Rights.FD_WRITE | Rights.FD_FILESTAT_SET_SIZE;
/** Everything a directory fd can use (no write rights: a directory opened for writing is EISDIR). */
export const DIR_RIGHTS = ((1n << 30n) - 1n) & ~(Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE);

export interface Layout {
  root: string;
  /** The preopen, guest fd 3, named "/box". */
  box: string;
  /** Beside the preopen: holds secret.txt and dir/; must never be reached. */
  outside: string;
}

/**
 * root/
 *   outside/ secret.txt (SECRET), dir/inner.txt (SECRET), empty-dir/
 *   box/     inside.txt, secret.txt ("inside"), sub/deeper/, sub/file.txt   ← the preopen
 */
let sharedBase: string | undefined;

export function layout(options: { base?: string } = {}): Layout {
  // Every layout lives under one temporary folder removed at exit (one exit hook, not one each); with
  // an explicit base the caller removes root itself.
  const base = options.base ?? (sharedBase ??= tempDir("run-wasi-security-"));
  const root = fs.mkdtempSync(path.join(base, "layout-"));
  const outside = path.join(root, "outside");
  const box = path.join(root, "box");
  fs.mkdirSync(path.join(outside, "dir"), { recursive: true });
  fs.mkdirSync(path.join(outside, "empty-dir"));
  fs.writeFileSync(path.join(outside, "secret.txt"), SECRET);
  fs.writeFileSync(path.join(outside, "dir", "inner.txt"), SECRET);
  fs.mkdirSync(path.join(box, "sub", "deeper"), { recursive: true });
  fs.writeFileSync(path.join(box, "inside.txt"), "inside");
  fs.writeFileSync(path.join(box, "secret.txt"), "inside");
  fs.writeFileSync(path.join(box, "sub", "file.txt"), "sub file");
  return { root, box, outside };
}

export type Guest = ReturnType<typeof guest>;

/** A WASI bound to a bare memory with `box` preopened as fd 3, and wrappers over its imports. */
export function guest(box: string, options: { windowsPaths?: boolean; fs?: FsBackend } = {}) {
  const h = direct({ pages: 2, preopens: { "/box": box }, stdout: () => {}, stderr: () => {}, stdin: "", ...options });
  const path2 = (p: string | Uint8Array, at = P1) => h.path(at, p);
  const g = {
    h,
    box,
    call: h.call,
    open(p: string | Uint8Array, o: { fd?: number; follow?: boolean; oflags?: number; rights?: bigint; fdflags?: number } = {}) {
      const [ptr, len] = path2(p);
      const errno = h.call("path_open", o.fd ?? 3, o.follow === false ? 0 : FOLLOW, ptr, len, o.oflags ?? 0, o.rights ?? READ_RIGHTS, o.rights ?? READ_RIGHTS, o.fdflags ?? 0, OUT);
      return { errno, fd: errno === Errno.SUCCESS ? h.u32(OUT) : -1 };
    },
    /** Reads a whole file through an open fd (up to 16 KiB). */
    read(fd: number): string {
      const chunks: Buffer[] = [];
      for (;;) {
        h.iovecs(IOV, [DATA, 4096]);
        const errno = h.call("fd_read", fd, IOV, 1, OUT);
        if (errno !== Errno.SUCCESS) throw new Error(`fd_read errno ${errno}`);
        const n = h.u32(OUT);
        if (n === 0) break;
        chunks.push(Buffer.from(h.read(DATA, n)));
        if (chunks.length > 4) break;
      }
      return Buffer.concat(chunks).toString("utf8");
    },
    write(fd: number, data: string): number {
      const n = h.write(DATA, data);
      h.iovecs(IOV, [DATA, n]);
      return h.call("fd_write", fd, IOV, 1, OUT);
    },
    close: (fd: number) => h.call("fd_close", fd),
    /** Opens for reading and returns the content, or the errno when refused. */
    slurp(p: string | Uint8Array, o: { fd?: number; follow?: boolean } = {}): { errno: number; content?: string } {
      const r = g.open(p, o);
      if (r.errno !== Errno.SUCCESS) return { errno: r.errno };
      try {
        const st = g.fdFilestat(r.fd);
        if (st.filetype === 3) return { errno: 0, content: "<directory>" };
        return { errno: 0, content: g.read(r.fd) };
      } finally {
        g.close(r.fd);
      }
    },
    mkdir(p: string | Uint8Array, fd = 3) {
      const [ptr, len] = path2(p);
      return h.call("path_create_directory", fd, ptr, len);
    },
    rmdir(p: string | Uint8Array, fd = 3) {
      const [ptr, len] = path2(p);
      return h.call("path_remove_directory", fd, ptr, len);
    },
    unlink(p: string | Uint8Array, fd = 3) {
      const [ptr, len] = path2(p);
      return h.call("path_unlink_file", fd, ptr, len);
    },
    rename(from: string | Uint8Array, to: string | Uint8Array, fromFd = 3, toFd = 3) {
      const [p1, l1] = path2(from, P1);
      const [p2, l2] = path2(to, P2);
      return h.call("path_rename", fromFd, p1, l1, toFd, p2, l2);
    },
    symlink(target: string | Uint8Array, p: string | Uint8Array, fd = 3) {
      const [p1, l1] = path2(target, P1);
      const [p2, l2] = path2(p, P2);
      return h.call("path_symlink", p1, l1, fd, p2, l2);
    },
    link(from: string | Uint8Array, to: string | Uint8Array, follow = false, fromFd = 3, toFd = 3) {
      const [p1, l1] = path2(from, P1);
      const [p2, l2] = path2(to, P2);
      return h.call("path_link", fromFd, follow ? FOLLOW : 0, p1, l1, toFd, p2, l2);
    },
    readlink(p: string | Uint8Array, fd = 3): { errno: number; target?: string } {
      const [ptr, len] = path2(p);
      const errno = h.call("path_readlink", fd, ptr, len, DATA, 4096, OUT);
      return errno === Errno.SUCCESS ? { errno, target: h.readString(DATA, h.u32(OUT)) } : { errno };
    },
    stat(p: string | Uint8Array, follow = true, fd = 3): { errno: number; ino?: bigint; dev?: bigint; filetype?: number; size?: bigint } {
      const [ptr, len] = path2(p);
      const errno = h.call("path_filestat_get", fd, follow ? FOLLOW : 0, ptr, len, STAT);
      if (errno !== Errno.SUCCESS) return { errno };
      return { errno, dev: h.u64(STAT), ino: h.u64(STAT + 8), filetype: h.u8(STAT + 16), size: h.u64(STAT + 32) };
    },
    setTimes(p: string | Uint8Array, follow = true, fd = 3) {
      const [ptr, len] = path2(p);
      // atim = mtim = 1 s after the epoch: unmistakable if it lands anywhere.
      return h.call("path_filestat_set_times", fd, follow ? FOLLOW : 0, ptr, len, 1_000_000_000n, 1_000_000_000n, 1 | 4);
    },
    fdFilestat(fd: number) {
      const errno = h.call("fd_filestat_get", fd, STAT);
      if (errno !== Errno.SUCCESS) return { errno, filetype: -1, ino: -1n, dev: -1n };
      return { errno, dev: h.u64(STAT), ino: h.u64(STAT + 8), filetype: h.u8(STAT + 16) };
    },
    /** fd_readdir from `cookie` into a buffer of `bufLen` bytes; whole entries only. */
    readdir(fd: number, cookie = 0n, bufLen = 16384): { errno: number; entries: { name: string; ino: bigint; next: bigint }[] } {
      const errno = h.call("fd_readdir", fd, RDBUF, bufLen, cookie, OUT);
      const entries: { name: string; ino: bigint; next: bigint }[] = [];
      if (errno !== Errno.SUCCESS) return { errno, entries };
      const used = h.u32(OUT);
      const v = h.view();
      for (let at = RDBUF; at + 24 <= RDBUF + used; ) {
        const next = v.getBigUint64(at, true);
        const ino = v.getBigUint64(at + 8, true);
        const namlen = v.getUint32(at + 16, true);
        if (at + 24 + namlen > RDBUF + used) break;
        entries.push({ name: h.readString(at + 24, namlen), ino, next });
        at += 24 + namlen;
      }
      return { errno, entries };
    },
  };
  return g;
}

export interface Witness {
  /** What changed outside since the witness was taken: created, removed, written, touched, read. */
  changes(): string[];
  /** Every inode number found outside the sandbox (a guest seeing one has seen outside). */
  readonly inodes: Set<bigint>;
}

const HOUR = 3600;

/**
 * Snapshots a directory tree (outside the sandbox). Access times are set an hour before the
 * modification times first, so that on a relatime file system the next read of any file shows.
 */
export function witness(...dirs: string[]): Witness {
  interface Entry {
    type: string;
    ino: bigint;
    size: bigint;
    mtimeNs: bigint;
    ctimeNs: bigint;
    atimeNs: bigint;
    hash?: string;
    target?: string;
  }
  const take = (withAtime: boolean): Map<string, Entry> => {
    const out = new Map<string, Entry>();
    const walk = (p: string) => {
      const st = fs.lstatSync(p, { bigint: true });
      const e: Entry = {
        type: st.isSymbolicLink() ? "link" : st.isDirectory() ? "dir" : st.isFile() ? "file" : "other",
        ino: st.ino,
        size: st.size,
        mtimeNs: st.mtimeNs,
        ctimeNs: st.ctimeNs,
        atimeNs: withAtime ? st.atimeNs : 0n,
      };
      out.set(p, e);
      if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
    };
    for (const d of dirs) walk(d);
    return out;
  };
  // Hash contents and read targets first, then age the atimes (utimes: ctime changes, atime stays).
  const first = take(false);
  const hashes = new Map<string, string>();
  const targets = new Map<string, string>();
  for (const [p, e] of first) {
    if (e.type === "file") hashes.set(p, createHash("sha256").update(fs.readFileSync(p)).digest("hex"));
    if (e.type === "link") targets.set(p, fs.readlinkSync(p));
  }
  const baseline = new Map<string, Entry>();
  // Ages every atime an hour behind mtime and records the lstat baseline (ctime moves with utimes).
  const reage = () => {
    for (const p of [...first.keys()].reverse()) {
      let st: fs.Stats;
      try {
        st = fs.lstatSync(p);
      } catch {
        continue;
      }
      const at = st.mtimeMs / 1000 - HOUR;
      if (st.isSymbolicLink()) fs.lutimesSync(p, at, st.mtimeMs / 1000);
      else fs.utimesSync(p, at, st.mtimeMs / 1000);
    }
    for (const p of first.keys()) {
      let st: fs.BigIntStats;
      try {
        st = fs.lstatSync(p, { bigint: true });
      } catch {
        continue;
      }
      baseline.set(p, { ...first.get(p)!, ctimeNs: st.ctimeNs, atimeNs: st.atimeNs, mtimeNs: st.mtimeNs });
    }
  };
  reage();
  const inodes = new Set([...baseline.values()].map((e) => e.ino));
  return {
    inodes,
    changes() {
      const found: string[] = [];
      // lstat of known entries first (no reads), then listing and contents.
      for (const [p, before] of baseline) {
        let st: fs.BigIntStats;
        try {
          st = fs.lstatSync(p, { bigint: true });
        } catch {
          found.push(`${p}: deleted`);
          continue;
        }
        if (st.ino !== before.ino) found.push(`${p}: replaced`);
        if (st.size !== before.size || st.mtimeNs !== before.mtimeNs) found.push(`${p}: modified`);
        else if (st.ctimeNs !== before.ctimeNs) found.push(`${p}: metadata changed`);
        if (before.type !== "dir" && st.atimeNs !== before.atimeNs) found.push(`${p}: read (atime moved)`);
      }
      const now = take(false);
      for (const p of now.keys()) if (!baseline.has(p)) found.push(`${p}: created`);
      for (const [p, hash] of hashes) {
        if (!now.has(p)) continue;
        if (createHash("sha256").update(fs.readFileSync(p)).digest("hex") !== hash) found.push(`${p}: content changed`);
      }
      for (const [p, target] of targets) if (now.has(p) && fs.readlinkSync(p) !== target) found.push(`${p}: link retargeted`);
      // Our own reads moved atimes: age them again for the next look.
      if (found.length === 0) reage();
      return found;
    },
  };
}

/** Host fds open in this process (Linux). */
export function hostFdCount(): number {
  try {
    return fs.readdirSync("/proc/self/fd").length;
  } catch {
    return -1;
  }
}

/** Does this file system show reads in atime (relatime with an aged atime)? */
export function atimeShowsReads(dir: string): boolean {
  const p = path.join(dir, `.atime-probe-${process.pid}`);
  fs.writeFileSync(p, "x");
  const st = fs.statSync(p);
  fs.utimesSync(p, st.mtimeMs / 1000 - HOUR, st.mtimeMs / 1000);
  const before = fs.statSync(p, { bigint: true }).atimeNs;
  fs.readFileSync(p);
  const after = fs.statSync(p, { bigint: true }).atimeNs;
  fs.unlinkSync(p);
  return before !== after;
}
