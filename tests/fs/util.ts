// Helpers shared by the file-system tests: a sandbox (a preopen next to an "outside" directory
// holding a canary), thin wrappers that call the imports directly with the arguments laid out in
// guest memory, decoders for the structs they write, and a snapshot of everything outside the
// preopen so a test can assert that nothing there was created, changed or read.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ALL_RIGHTS, Errno, Fdflags, Filetype, Fstflags, Lookupflags, Oflags, Rights, Whence } from "../../src/abi/constants.js";
import type { FsBackend } from "../../src/fs/backend.js";
import { nodeBackend } from "../../src/fs/node.js";
import { direct } from "../helpers/harness.js";

export { ALL_RIGHTS, Errno as E, Rights as R };

/** Set by scripts/windows-lane.sh: Windows Node.js under Wine (see docs/windows.md for its gaps). */
export const WINE_LANE = process.env.RUN_WASI_LANE === "wine";
/** tap `skip` for tests that need host symlinks: only the Wine lane lacks them, and says so. */
export const needsSymlinks: string | false = WINE_LANE
  ? "the Wine lane cannot make symlinks (symlinkSync succeeds and creates nothing; docs/windows.md)"
  : false;
/** tap `skip` for tests of host names that are not UTF-8, which Windows (UTF-16 names) cannot have. */
export const needsByteNames: string | false =
  process.platform === "win32" ? "Windows file names are UTF-16: a host name that is not UTF-8 cannot exist" : false;
/** tap `skip` for tests that turn the Windows path rules off, which is unsafe on a Windows host. */
export const needsPosixHost: string | false =
  process.platform === "win32" ? "windowsPaths: false is not a sandbox on a Windows host" : false;
/** The Wine lane cannot set atime (it becomes "now"). */
export const atimeWorks = !WINE_LANE;

/** Creates a host symlink, except on the Wine lane (where nothing could be made); says whether it exists. */
export function hostSymlink(target: string, at: string): boolean {
  if (needsSymlinks) return false;
  fs.symlinkSync(target, at);
  return true;
}

/** What a refused escape may answer: wasmtime says PERM (cap-std), the rights model NOTCAPABLE. */
export const ESCAPE: readonly number[] = [Errno.PERM, Errno.NOTCAPABLE];
/** What a refused change on a read-only preopen may answer. */
export const READONLY: readonly number[] = [Errno.NOTCAPABLE, Errno.PERM];

// Guest memory layout (2 pages = 128 KiB).
export const OUT = 8; // u32 / u64 results
export const STAT = 64; // filestat / fdstat / prestat (64 bytes)
export const IOV = 256; // up to 32 iovecs
export const P1 = 1024; // first path (up to 5 KiB)
export const P2 = 6400; // second path (up to 5 KiB)
export const DATA = 12288; // data buffers (16 KiB)
export const RDBUF = 32768; // readdir buffer (up to 64 KiB)
export const PAGES = 2;
export const MEM_SIZE = PAGES * 65536;

// The ABI's own constants (tests/unit/abi.test.ts checks them against the witx), by short names.
export const LOOKUP_FOLLOW = Lookupflags.SYMLINK_FOLLOW;
export const O = Oflags;
export const FD = Fdflags;
export const FST = Fstflags;
export const WHENCE = Whence;
export const FT = Filetype;

export interface Filestat {
  dev: bigint;
  ino: bigint;
  filetype: number;
  nlink: bigint;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

export interface Dirent {
  next: bigint;
  ino: bigint;
  namlen: number;
  type: number;
  name: string;
  nameBytes: Uint8Array;
}

export interface OpenOptions {
  fd?: number;
  /** LOOKUP_SYMLINK_FOLLOW (default true, as wasi-libc's open() without O_NOFOLLOW). */
  follow?: boolean;
  oflags?: number;
  base?: bigint;
  inheriting?: bigint;
  fdflags?: number;
}

/** Default rights asked for a directory: everything but writing (which a directory refuses, EISDIR). */
export const DIR_DEFAULT = ALL_RIGHTS & ~(Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE);

export type Tree = Record<string, string>;

export interface SandboxOptions {
  readonly?: boolean;
  windowsPaths?: boolean;
  fs?: FsBackend;
  /** Entries to create inside the preopen: "dir/" for a directory, "name" → content for a file. */
  files?: Record<string, string | null>;
}

/**
 * A temp root holding `sandbox/` (preopened as "/" at fd 3) and `outside/` (with `canary.txt`,
 * content "CANARY", atime = mtime = 2001-09-09 so that a read would move the atime on relatime).
 */
export function sandbox(options: SandboxOptions = {}) {
  const root = scratch();
  const dir = path.join(root, "sandbox");
  const outside = path.join(root, "outside");
  fs.mkdirSync(dir);
  fs.mkdirSync(outside);
  const canary = path.join(outside, "canary.txt");
  fs.writeFileSync(canary, "CANARY");
  fs.utimesSync(canary, 1_000_000_000, 1_000_000_000);
  fs.mkdirSync(path.join(outside, "emptydir"));
  fs.mkdirSync(path.join(outside, "sub"));
  fs.writeFileSync(path.join(outside, "sub", "secret.txt"), "SECRET");
  fs.utimesSync(path.join(outside, "sub", "secret.txt"), 1_000_000_000, 1_000_000_000);
  for (const [name, content] of Object.entries(options.files ?? {})) {
    const p = path.join(dir, name);
    if (name.endsWith("/")) fs.mkdirSync(p, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content ?? "");
    }
  }
  const before = snapshotOutside(root, dir);
  const preopen = options.readonly ? { path: dir, readonly: true } : dir;
  const h = direct({
    pages: PAGES,
    preopens: { "/": preopen },
    ...(options.windowsPaths !== undefined ? { windowsPaths: options.windowsPaths } : {}),
    ...(options.fs ? { fs: options.fs } : {}),
  });
  return { root, dir, outside, canary, h, before, ...ops(h), untouched: () => snapshotOutside(root, dir) };
}

let scratchRoot: string | undefined;
/** A fresh empty directory under one temp folder per test process (removed at exit, best effort). */
export function scratch(): string {
  if (scratchRoot === undefined) {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "run-wasi-fs-")));
    scratchRoot = root;
    process.on("exit", () => {
      try {
        fs.rmSync(root, { recursive: true, force: true });
      } catch {
        // Windows keeps a directory with open files; the OS cleans its temp folder.
      }
    });
  }
  return fs.mkdtempSync(path.join(scratchRoot, "t-"));
}

export type Sandbox = ReturnType<typeof sandbox>;
export type H = ReturnType<typeof direct>;

/** Everything under `root` except the preopen: type, size, content, mtime, atime, link count, link text. */
export function snapshotOutside(root: string, exclude: string): Tree {
  const out: Tree = {};
  const walk = (p: string, rel: string) => {
    for (const name of fs.readdirSync(p).sort()) {
      const full = path.join(p, name);
      if (full === exclude) continue;
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(full, { bigint: true });
      if (st.isSymbolicLink()) out[r] = `link:${fs.readlinkSync(full)}`;
      else if (st.isDirectory()) {
        out[r] = `dir:mtime=${st.mtimeNs}`;
        walk(full, r);
      } else {
        // Read the content only through the stat first: reading it would move the atime we compare.
        out[r] = `file:size=${st.size}:mtime=${st.mtimeNs}:atime=${st.atimeNs}:nlink=${st.nlink}:ino=${st.ino}`;
      }
    }
  };
  walk(root, "");
  return out;
}

/** Reads a file's content without moving its atime (O_NOATIME needs ownership; we own it). */
export function peek(file: string): string {
  const st = fs.statSync(file);
  const content = fs.readFileSync(file, "utf8");
  fs.utimesSync(file, st.atime, st.mtime);
  return content;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function ops(h: H) {
  const u32 = (p: number) => h.u32(p);
  const u64 = (p: number) => h.u64(p);
  const putPath = (at: number, p: string | Uint8Array): [number, number] => h.path(at, p);

  function filestatAt(ptr: number): Filestat {
    return {
      dev: u64(ptr),
      ino: u64(ptr + 8),
      filetype: h.u8(ptr + 16),
      nlink: u64(ptr + 24),
      size: u64(ptr + 32),
      atim: u64(ptr + 40),
      mtim: u64(ptr + 48),
      ctim: u64(ptr + 56),
    };
  }

  const o = {
    open(p: string | Uint8Array, opt: OpenOptions = {}): { errno: number; fd: number } {
      const [ptr, len] = putPath(P1, p);
      h.setU32(OUT, 0xdeadbeef);
      const errno = h.call(
        "path_open",
        opt.fd ?? 3,
        opt.follow === false ? 0 : LOOKUP_FOLLOW,
        ptr,
        len,
        opt.oflags ?? 0,
        opt.base ?? ((opt.oflags ?? 0) & O.DIRECTORY ? DIR_DEFAULT : ALL_RIGHTS),
        opt.inheriting ?? ALL_RIGHTS,
        opt.fdflags ?? 0,
        OUT,
      );
      return { errno, fd: errno === 0 ? u32(OUT) : -1 };
    },
    /** Opens and returns the fd, throwing if it fails (for set-up steps). */
    openOk(p: string, opt: OpenOptions = {}): number {
      const r = o.open(p, opt);
      if (r.errno !== 0) throw new Error(`path_open(${p}) failed with errno ${r.errno}`);
      return r.fd;
    },
    mkdir: (p: string | Uint8Array, fd = 3) => h.call("path_create_directory", fd, ...putPath(P1, p)),
    rmdir: (p: string | Uint8Array, fd = 3) => h.call("path_remove_directory", fd, ...putPath(P1, p)),
    unlink: (p: string | Uint8Array, fd = 3) => h.call("path_unlink_file", fd, ...putPath(P1, p)),
    rename: (from: string, to: string, fromFd = 3, toFd = 3) =>
      h.call("path_rename", fromFd, ...putPath(P1, from), toFd, ...putPath(P2, to)),
    link: (from: string, to: string, opt: { follow?: boolean; fromFd?: number; toFd?: number } = {}) =>
      h.call("path_link", opt.fromFd ?? 3, opt.follow ? LOOKUP_FOLLOW : 0, ...putPath(P1, from), opt.toFd ?? 3, ...putPath(P2, to)),
    symlink: (target: string | Uint8Array, p: string, fd = 3) => h.call("path_symlink", ...putPath(P2, target), fd, ...putPath(P1, p)),
    readlink(p: string, bufLen = 256, fd = 3): { errno: number; n: number; text: string } {
      const [ptr, len] = putPath(P1, p);
      const errno = h.call("path_readlink", fd, ptr, len, DATA, bufLen, OUT);
      const n = errno === 0 ? u32(OUT) : 0;
      return { errno, n, text: dec.decode(h.read(DATA, n)) };
    },
    stat(p: string | Uint8Array, opt: { follow?: boolean; fd?: number } = {}): { errno: number; st: Filestat } {
      const [ptr, len] = putPath(P1, p);
      h.bytes().fill(0xee, STAT, STAT + 64);
      const errno = h.call("path_filestat_get", opt.fd ?? 3, opt.follow === false ? 0 : LOOKUP_FOLLOW, ptr, len, STAT);
      return { errno, st: filestatAt(STAT) };
    },
    setTimes(p: string, atim: bigint, mtim: bigint, flags: number, opt: { follow?: boolean; fd?: number } = {}) {
      const [ptr, len] = putPath(P1, p);
      return h.call("path_filestat_set_times", opt.fd ?? 3, opt.follow === false ? 0 : LOOKUP_FOLLOW, ptr, len, atim, mtim, flags);
    },

    write(fd: number, ...chunks: (string | Uint8Array)[]): { errno: number; n: number } {
      let at = DATA;
      const pairs: [number, number][] = [];
      for (const c of chunks) {
        const len = h.write(at, typeof c === "string" ? enc.encode(c) : c);
        pairs.push([at, len]);
        at += len;
      }
      h.iovecs(IOV, ...pairs);
      h.setU32(OUT, 0xdeadbeef);
      const errno = h.call("fd_write", fd, IOV, pairs.length, OUT);
      return { errno, n: errno === 0 ? u32(OUT) : -1 };
    },
    pwrite(fd: number, data: string, offset: bigint): { errno: number; n: number } {
      const len = h.write(DATA, data);
      h.iovecs(IOV, [DATA, len]);
      const errno = h.call("fd_pwrite", fd, IOV, 1, offset, OUT);
      return { errno, n: errno === 0 ? u32(OUT) : -1 };
    },
    /** Reads into iovecs of the given lengths (laid out back to back at DATA). */
    read(fd: number, ...lens: number[]): { errno: number; n: number; text: string; bytes: Uint8Array } {
      if (lens.length === 0) lens = [1024];
      let at = DATA;
      const pairs: [number, number][] = lens.map((l) => {
        const pair: [number, number] = [at, l];
        at += l;
        return pair;
      });
      h.bytes().fill(0, DATA, at);
      h.iovecs(IOV, ...pairs);
      const errno = h.call("fd_read", fd, IOV, pairs.length, OUT);
      const n = errno === 0 ? u32(OUT) : 0;
      const bytes = h.read(DATA, n);
      return { errno, n, text: dec.decode(bytes), bytes };
    },
    pread(fd: number, len: number, offset: bigint): { errno: number; n: number; text: string } {
      h.iovecs(IOV, [DATA, len]);
      const errno = h.call("fd_pread", fd, IOV, 1, offset, OUT);
      const n = errno === 0 ? u32(OUT) : 0;
      return { errno, n, text: dec.decode(h.read(DATA, n)) };
    },
    seek(fd: number, offset: bigint, whence: number): { errno: number; pos: bigint } {
      h.setU64(OUT, 0xdeadn);
      const errno = h.call("fd_seek", fd, offset, whence, OUT);
      return { errno, pos: u64(OUT) };
    },
    tell(fd: number): { errno: number; pos: bigint } {
      const errno = h.call("fd_tell", fd, OUT);
      return { errno, pos: u64(OUT) };
    },
    fstat(fd: number): { errno: number; st: Filestat } {
      h.bytes().fill(0xee, STAT, STAT + 64);
      const errno = h.call("fd_filestat_get", fd, STAT);
      return { errno, st: filestatAt(STAT) };
    },
    fdstat(fd: number): { errno: number; filetype: number; flags: number; base: bigint; inheriting: bigint } {
      h.bytes().fill(0xee, STAT, STAT + 24);
      const errno = h.call("fd_fdstat_get", fd, STAT);
      return { errno, filetype: h.u8(STAT), flags: h.u16(STAT + 2), base: u64(STAT + 8), inheriting: u64(STAT + 16) };
    },
    close: (fd: number) => h.call("fd_close", fd),
    setRights: (fd: number, base: bigint, inheriting: bigint) => h.call("fd_fdstat_set_rights", fd, base, inheriting),
    setFlags: (fd: number, flags: number) => h.call("fd_fdstat_set_flags", fd, flags),
    renumber: (from: number, to: number) => h.call("fd_renumber", from, to),
    /** Drops `rights` from fd's base rights (inheriting unchanged). */
    drop(fd: number, rights: bigint): number {
      const s = o.fdstat(fd);
      return h.call("fd_fdstat_set_rights", fd, s.base & ~rights, s.inheriting);
    },
    readdir(fd: number, bufLen: number, cookie: bigint): { errno: number; used: number; raw: Uint8Array } {
      h.bytes().fill(0xcc, RDBUF, RDBUF + bufLen + 64);
      h.setU32(OUT, 0xdeadbeef);
      const errno = h.call("fd_readdir", fd, RDBUF, bufLen, cookie, OUT);
      const used = errno === 0 ? u32(OUT) : 0;
      return { errno, used, raw: h.read(RDBUF, used) };
    },
    /** Lists a directory the way wasi-libc's readdir does: resume at the d_next of the last whole entry. */
    listAll(fd: number, bufLen: number): { errno: number; entries: Dirent[]; calls: number; fullBuffers: number } {
      const entries: Dirent[] = [];
      let cookie = 0n;
      let calls = 0;
      let fullBuffers = 0;
      for (;;) {
        const r = o.readdir(fd, bufLen, cookie);
        calls++;
        if (r.errno !== 0) return { errno: r.errno, entries, calls, fullBuffers };
        const { entries: got } = parseDirents(r.raw);
        entries.push(...got);
        if (r.used < bufLen) return { errno: 0, entries, calls, fullBuffers };
        fullBuffers++;
        if (got.length === 0) throw new Error(`an entry does not fit in ${bufLen} bytes`);
        cookie = got[got.length - 1]!.next;
        if (calls > 100_000) throw new Error("readdir does not terminate");
      }
    },
    filestatAt,
  };
  return o;
}

/** Decodes the whole dirents in a readdir buffer; `truncated` says a partial one follows. */
export function parseDirents(raw: Uint8Array): { entries: Dirent[]; truncated: boolean } {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const entries: Dirent[] = [];
  let at = 0;
  while (at < raw.byteLength) {
    if (at + 24 > raw.byteLength) return { entries, truncated: true };
    const namlen = view.getUint32(at + 16, true);
    if (at + 24 + namlen > raw.byteLength) return { entries, truncated: true };
    const nameBytes = raw.slice(at + 24, at + 24 + namlen);
    entries.push({
      next: view.getBigUint64(at, true),
      ino: view.getBigUint64(at + 8, true),
      namlen,
      type: view.getUint8(at + 20),
      name: dec.decode(nameBytes),
      nameBytes,
    });
    at += 24 + namlen;
  }
  return { entries, truncated: false };
}

/** A backend over node:fs that records which host fds are open. */
export function trackingBackend(base: FsBackend = nodeBackend) {
  const openFds = new Set<number>();
  const closed: number[] = [];
  const backend: FsBackend = {
    ...base,
    open(p, flags, mode) {
      const fd = base.open(p, flags, mode);
      openFds.add(fd);
      return fd;
    },
    close(fd) {
      base.close(fd);
      openFds.delete(fd);
      closed.push(fd);
    },
  };
  return { backend, openFds, closed };
}

/** True if a host fd is open in this process. */
export function hostFdOpen(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** Names in a host directory, sorted. */
export const ls = (p: string): string[] => fs.readdirSync(p).sort();

/** A whole host tree below `p` as relpath → "dir" | "link:target" | "file:content:mtime". */
export function tree(p: string): Tree {
  const out: Tree = {};
  const walk = (d: string, rel: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const full = path.join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(full, { bigint: true });
      if (st.isSymbolicLink()) out[r] = `link:${fs.readlinkSync(full)}`;
      else if (st.isDirectory()) {
        out[r] = `dir:mtime=${st.mtimeNs}`;
        walk(full, r);
      } else out[r] = `file:${fs.readFileSync(full, "utf8")}:mtime=${st.mtimeNs}:nlink=${st.nlink}`;
    }
  };
  walk(p, "");
  return out;
}

/** Asserts that `actual` is one of `allowed` (for situations where POSIX hosts and wasmtime differ). */
export function oneOf(t: { ok(v: unknown, msg: string): unknown }, actual: number, allowed: readonly number[], msg: string): void {
  t.ok(allowed.includes(actual), `${msg} (got ${actual}, want one of ${allowed.join("|")})`);
}
