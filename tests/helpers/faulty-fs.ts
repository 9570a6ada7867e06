// A file-system backend that fails on cue: wraps any FsBackend and makes its Nth operation (counted
// from `arm`) throw whatever the test asks for — a Node-style error with any code Node can raise on
// any platform, an Error without a code, or a thrown non-Error.
//
// A failed operation has no effect (the fault is raised before the real call), except `close`: a
// host close that reports an error has still released the descriptor (Linux and macOS always do;
// Windows' CloseHandle too), so a faulted close really closes, then throws.
import type { BigIntStats } from "node:fs";
import type { FsBackend } from "../../src/fs/backend.js";
import { nodeBackend } from "../../src/fs/node.js";

export type FsOp = keyof FsBackend;
export const fsOps: readonly FsOp[] = Object.keys(nodeBackend) as FsOp[];

/** An error as node:fs throws it: message "CODE: …", `code`, `errno`, `syscall`. */
export function nodeError(code: string, syscall = "injected", errno = -1): Error & { code: string; errno: number; syscall: string } {
  return Object.assign(new Error(`${code}: injected fault, ${syscall}`), { code, errno, syscall });
}

export interface Fault {
  /** A label for reports. */
  readonly name: string;
  /** Makes the value thrown (fresh each time). */
  make(op: FsOp): unknown;
}

/** Codes Node (libuv) raises from file-system calls on Linux, macOS or Windows. */
export const HOST_CODES = [
  "ENOENT", "EACCES", "EPERM", "EBUSY", "EIO", "ENOSPC", "EMFILE", "ENFILE", "EROFS", "EXDEV", "ETXTBSY",
  "ENAMETOOLONG", "EINVAL", "UNKNOWN", "EEXIST", "EISDIR", "ENOTDIR", "ENOTEMPTY", "ELOOP", "EAGAIN", "EBADF",
  "EFBIG", "EDQUOT", "EMLINK", "ESTALE", "EINTR", "ENOMEM", "EOVERFLOW", "ENOSYS", "ENOTSUP", "ECANCELED",
  // Windows-only (libuv maps Windows errors onto these):
  "EFTYPE", "ECHARSET", "EOF",
] as const;

export const FAULTS: readonly Fault[] = [
  ...HOST_CODES.map((code): Fault => ({ name: code, make: (op) => nodeError(code, op) })),
  { name: "Error without a code", make: () => new Error("something went wrong") },
  { name: "TypeError without a code", make: () => new TypeError("not a function") },
  { name: "RangeError without a code", make: () => new RangeError("Array buffer allocation failed") },
  { name: "code that is a number", make: () => Object.assign(new Error("numeric code"), { code: 5 }) },
  { name: "code 'toString'", make: () => Object.assign(new Error("inherited name"), { code: "toString" }) },
  { name: "code '__proto__'", make: () => Object.assign(new Error("proto"), { code: "__proto__" }) },
  { name: "unknown code string", make: () => nodeError("EWHATEVER") },
  { name: "thrown string", make: () => "EIO" },
  { name: "thrown number", make: () => -5 },
  { name: "thrown null", make: () => null },
  { name: "thrown undefined", make: () => undefined },
  { name: "thrown symbol", make: () => Symbol("fault") },
  { name: "plain object with a code", make: () => ({ code: "EACCES" }) },
  {
    name: "object whose code getter throws",
    make: () => ({
      get code(): string {
        throw new Error("looking at me throws");
      },
    }),
  },
  {
    name: "revoked Proxy",
    make: () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return proxy;
    },
  },
];

/** The errno a guest should see for a fault (independent of src/errors.ts, from the witx names). */
export function expectedErrno(fault: Fault): number {
  const table: Record<string, number> = {
    ENOENT: 44, EACCES: 2, EPERM: 63, EBUSY: 10, EIO: 29, ENOSPC: 51, EMFILE: 33, ENFILE: 41, EROFS: 69,
    EXDEV: 75, ETXTBSY: 74, ENAMETOOLONG: 37, EINVAL: 28, UNKNOWN: 29, EEXIST: 20, EISDIR: 31, ENOTDIR: 54,
    ENOTEMPTY: 55, ELOOP: 32, EAGAIN: 6, EBADF: 8, EFBIG: 22, EDQUOT: 19, EMLINK: 34, ESTALE: 72, EINTR: 27,
    ENOMEM: 48, EOVERFLOW: 61, ENOSYS: 52, ENOTSUP: 58, ECANCELED: 11,
    // Windows: "inappropriate file type or format" is an invalid argument to the guest; a name
    // Windows cannot represent is an illegal byte sequence; an unexpected end of file is an I/O error.
    EFTYPE: 28, ECHARSET: 25, EOF: 29,
  };
  if (fault.name in table) return table[fault.name]!;
  if (fault.name === "RangeError without a code") return 48; // NOMEM: what V8 says when an allocation fails
  if (fault.name === "plain object with a code") return 2; // duck-typed like an error: its EACCES
  return 29; // EIO for everything unknown
}

export interface FaultyFs {
  readonly backend: FsBackend;
  /** Fail the `at`-th operation (1-based) from now on with `fault`; only ops in `only`, if given. */
  arm(at: number, fault: Fault, only?: readonly FsOp[]): void;
  /** Stop failing; returns the operations seen while armed. */
  disarm(): FsOp[];
  /** Start recording operations without failing any (to count what an import does). */
  record(): void;
  /** Whether the armed fault was raised, and by which operation. */
  readonly fired: FsOp | undefined;
}

export function faultyFs(base: FsBackend = nodeBackend): FaultyFs {
  let armed = false;
  let recording = false;
  let at = 0;
  let count = 0;
  let fault: Fault | undefined;
  let only: readonly FsOp[] | undefined;
  let fired: FsOp | undefined;
  let seen: FsOp[] = [];
  const backend = {} as Record<FsOp, (...args: unknown[]) => unknown>;
  for (const op of fsOps) {
    const real = (base[op] as (...args: unknown[]) => unknown).bind(base);
    backend[op] = (...args: unknown[]) => {
      if (recording || armed) seen.push(op);
      if (armed && fired === undefined && (only === undefined || only.includes(op))) {
        count++;
        if (count === at) {
          fired = op;
          const thrown = fault!.make(op);
          if (op === "close") real(...args);
          throw thrown;
        }
      }
      return real(...args);
    };
  }
  return {
    backend: backend as unknown as FsBackend,
    arm(n, f, ops) {
      armed = true;
      recording = false;
      at = n;
      count = 0;
      fault = f;
      only = ops;
      fired = undefined;
      seen = [];
    },
    disarm() {
      armed = false;
      recording = false;
      const out = seen;
      seen = [];
      return out;
    },
    record() {
      recording = true;
      armed = false;
      fired = undefined;
      seen = [];
    },
    get fired() {
      return fired;
    },
  };
}

/**
 * `base`, except that a directory's size is 0, as Windows and many FUSE file systems report it: then
 * fd_readdir streams every directory (listing.ts) instead of reading a small one whole.
 */
export function unsizedDirectories(base: FsBackend = nodeBackend): FsBackend {
  const unsized = (st: BigIntStats): BigIntStats => (st.isDirectory() ? Object.assign(Object.create(st) as BigIntStats, { size: 0n }) : st);
  return {
    ...base,
    fstat: (fd) => unsized(base.fstat(fd)),
    stat: (path) => unsized(base.stat(path)),
    lstat: (path) => unsized(base.lstat(path)),
  };
}
