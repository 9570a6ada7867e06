// A small guest for the Windows-lane tests: the built `dist/` WASI API with one preopen (fd 3) of a
// temporary directory, and the imports called directly with their arguments laid out in a bare
// memory. The same code runs on Linux (where the tests pass `windowsPaths: true`) and under
// Windows Node.js in the lane (scripts/windows-lane.sh sets RUN_WASI_LANE=wine).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Errno, Fdflags, Fstflags, Lookupflags, Oflags, Rights, WASI, type FsBackend } from "../../dist/index.js";

export { Errno, Rights };

/** Set by scripts/windows-lane.sh: this is Windows Node.js under Wine. */
export const lane = process.env.RUN_WASI_LANE === "wine";
export const onWindows = process.platform === "win32";

export const O = Oflags;
export const FD = Fdflags;
export const FST = Fstflags;
export const FOLLOW = Lookupflags.SYMLINK_FOLLOW;
export const ALL = (1n << 30n) - 1n;
const READ_RIGHTS = Rights.FD_READ | Rights.FD_SEEK | Rights.FD_TELL | Rights.FD_FILESTAT_GET | Rights.FD_READDIR
  | Rights.PATH_OPEN | Rights.PATH_FILESTAT_GET;

// Guest memory (2 pages).
const OUT = 8;
const STAT = 64;
const IOV = 256;
const P1 = 1024;
const P2 = 6400;
const DATA = 12288;

/** Names an errno (by its number) for messages. */
export function errnoName(errno: number): string {
  const entry = Object.entries(Errno).find(([, v]) => v === errno);
  return entry ? entry[0] : String(errno);
}

const made: string[] = [];
process.on("exit", () => {
  for (const dir of made) {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // Wine may still hold a handle; the directory is in the prefix's temp, not worth failing for.
    }
  }
});

/** A fresh temporary directory (its real path), removed at exit; best effort. */
export function tempDir(prefix = "run-wasi-win-"): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

export interface GuestOptions {
  /** Files to create in the preopen: "name/" a directory, "name" → content a file. */
  files?: Record<string, string | null>;
  /** Passed to WASI; undefined leaves the platform default (on under Windows). */
  windowsPaths?: boolean;
  readonly?: boolean;
  /** An existing directory to preopen instead of a fresh one (opts.files and the canary are not made). */
  preopen?: string;
  /** The host file-system backend (default: node:fs). */
  fs?: FsBackend;
}

/**
 * root/
 *   canary.txt      "CANARY", outside the preopen: must never be read, changed or removed
 *   sandbox/        the preopen (fd 3), with opts.files
 */
export function guest(opts: GuestOptions = {}) {
  const root = opts.preopen !== undefined ? path.dirname(opts.preopen) : tempDir();
  const sandbox = opts.preopen ?? path.join(root, "sandbox");
  if (opts.preopen === undefined) {
    fs.mkdirSync(sandbox);
    fs.writeFileSync(path.join(root, "canary.txt"), "CANARY");
  }
  for (const [name, content] of Object.entries(opts.files ?? {})) {
    const host = path.join(sandbox, name);
    if (content === null || name.endsWith("/")) fs.mkdirSync(host, { recursive: true });
    else fs.writeFileSync(host, content);
  }
  const memory = new WebAssembly.Memory({ initial: 2 });
  const wasi = new WASI({
    returnOnExit: true,
    preopens: { "/sandbox": opts.readonly ? { path: sandbox, readonly: true } : sandbox },
    ...(opts.windowsPaths !== undefined ? { windowsPaths: opts.windowsPaths } : {}),
    ...(opts.fs !== undefined ? { fs: opts.fs } : {}),
    stdout: () => {},
    stderr: () => {},
  });
  wasi.initialize({ exports: { memory } });
  const imports = wasi.getImportObject().wasi_snapshot_preview1 as Record<string, (...a: unknown[]) => number>;
  const view = () => new DataView(memory.buffer);
  const bytes = () => new Uint8Array(memory.buffer);
  const call = (name: string, ...args: (number | bigint)[]): number => {
    const fn = imports[name];
    if (!fn) throw new Error(`no import ${name}`);
    return fn(...args);
  };
  const put = (at: number, p: string | Uint8Array): [number, number] => {
    const b = typeof p === "string" ? new TextEncoder().encode(p) : p;
    bytes().set(b, at);
    return [at, b.byteLength];
  };

  const g = {
    root,
    sandbox,
    canary: path.join(root, "canary.txt"),
    wasi,
    call,
    /** path_open relative to fd (default 3); returns the errno and the new fd. */
    open(p: string | Uint8Array, o: { fd?: number; oflags?: number; rights?: bigint; fdflags?: number; follow?: boolean } = {}) {
      const errno = call("path_open", o.fd ?? 3, o.follow === false ? 0 : FOLLOW, ...put(P1, p), o.oflags ?? 0,
        o.rights ?? READ_RIGHTS, ALL, o.fdflags ?? 0, OUT);
      return { errno, fd: errno === Errno.SUCCESS ? view().getUint32(OUT, true) : -1 };
    },
    /** Opens and reads everything (up to 4 KiB) from a file. */
    read(fd: number): { errno: number; text: string } {
      view().setUint32(IOV, DATA, true);
      view().setUint32(IOV + 4, 4096, true);
      const errno = call("fd_pread", fd, IOV, 1, 0n, OUT);
      const n = errno === Errno.SUCCESS ? view().getUint32(OUT, true) : 0;
      return { errno, text: Buffer.from(bytes().slice(DATA, DATA + n)).toString("utf8") };
    },
    write(fd: number, text: string): number {
      const [at, len] = put(DATA, text);
      view().setUint32(IOV, at, true);
      view().setUint32(IOV + 4, len, true);
      return call("fd_write", fd, IOV, 1, OUT);
    },
    close: (fd: number) => call("fd_close", fd),
    stat(p: string | Uint8Array, follow = true) {
      const errno = call("path_filestat_get", 3, follow ? FOLLOW : 0, ...put(P1, p), STAT);
      return { errno, filetype: errno === Errno.SUCCESS ? view().getUint8(STAT + 16) : -1, size: view().getBigUint64(STAT + 32, true) };
    },
    fdFiletype(fd: number): number {
      const errno = call("fd_filestat_get", fd, STAT);
      return errno === Errno.SUCCESS ? view().getUint8(STAT + 16) : -errno;
    },
    mkdir: (p: string | Uint8Array) => call("path_create_directory", 3, ...put(P1, p)),
    rmdir: (p: string | Uint8Array) => call("path_remove_directory", 3, ...put(P1, p)),
    unlink: (p: string | Uint8Array) => call("path_unlink_file", 3, ...put(P1, p)),
    rename: (from: string, to: string) => call("path_rename", 3, ...put(P1, from), 3, ...put(P2, to)),
    link: (from: string, to: string) => call("path_link", 3, 0, ...put(P1, from), 3, ...put(P2, to)),
    symlink: (target: string, p: string) => call("path_symlink", ...put(P2, target), 3, ...put(P1, p)),
    setTimes: (p: string, atim: bigint, mtim: bigint, flags: number) =>
      call("path_filestat_set_times", 3, FOLLOW, ...put(P1, p), atim, mtim, flags),
    /** The names in a host directory, sorted. */
    list: (dir = sandbox) => fs.readdirSync(dir).sort(),
    /** The canary is untouched and root holds nothing new. */
    outsideUntouched(): boolean {
      return fs.readFileSync(path.join(root, "canary.txt"), "utf8") === "CANARY"
        && JSON.stringify(fs.readdirSync(root).sort()) === JSON.stringify(["canary.txt", "sandbox"]);
    },
  };
  return g;
}
export type Guest = ReturnType<typeof guest>;
