// The one place where a host error becomes a WASI errno. Nothing else maps errors.
import { constants as osConstants } from "node:os";
import { Errno } from "./abi/constants.js";

/**
 * Thrown inside an import to return an errno; the central wrapper in wasi.ts catches it. Not an
 * Error: it is the import's answer, not a fault, and an Error would capture a stack trace on every
 * miss (a path-heavy guest gets thousands of ENOENTs).
 */
export class WasiError {
  constructor(readonly errno: Errno) {}

  toString(): string {
    return `WasiError(errno ${this.errno})`;
  }
}

/** What was opened is not what was resolved: the path changed in between. Callers resolve again. */
export class RaceLost extends Error {}

/** A kept directory is no longer where it was reached: the resolution starts again without them. */
export class StaleAnchor extends Error {}

/** Signals proc_exit (and a fatal proc_raise); passes through the wrapper to start(). */
export class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`proc_exit(${code})`);
  }
}

/**
 * An exception from the embedder's own code that an import ran (a stdio function or stream). It is
 * neither the guest's doing nor a host error, so it becomes no errno: the wrapper rethrows `thrown`
 * to end the guest, and start() and initialize() rethrow it to the embedder.
 */
export class EmbedderError extends Error {
  constructor(readonly thrown: unknown) {
    super("an embedder callback threw");
  }
}

/**
 * Node's error `code`s (libuv's UV_* names, which Windows errors are also translated into, and the
 * few Node-level codes that fs calls can raise) → errno. Anything absent becomes EIO.
 */
const hostCodes: Readonly<Record<string, Errno>> = {
  E2BIG: Errno["2BIG"],
  EACCES: Errno.ACCES,
  EADDRINUSE: Errno.ADDRINUSE,
  EADDRNOTAVAIL: Errno.ADDRNOTAVAIL,
  EAFNOSUPPORT: Errno.AFNOSUPPORT,
  EAGAIN: Errno.AGAIN,
  EWOULDBLOCK: Errno.AGAIN,
  EALREADY: Errno.ALREADY,
  EBADF: Errno.BADF,
  EBADMSG: Errno.BADMSG,
  EBUSY: Errno.BUSY,
  ECANCELED: Errno.CANCELED,
  ECHARSET: Errno.ILSEQ,
  ECHILD: Errno.CHILD,
  ECONNABORTED: Errno.CONNABORTED,
  ECONNREFUSED: Errno.CONNREFUSED,
  ECONNRESET: Errno.CONNRESET,
  EDEADLK: Errno.DEADLK,
  EDESTADDRREQ: Errno.DESTADDRREQ,
  EDOM: Errno.DOM,
  EDQUOT: Errno.DQUOT,
  EEXIST: Errno.EXIST,
  EFAULT: Errno.FAULT,
  EFBIG: Errno.FBIG,
  EFTYPE: Errno.INVAL,
  EHOSTDOWN: Errno.HOSTUNREACH,
  EHOSTUNREACH: Errno.HOSTUNREACH,
  EIDRM: Errno.IDRM,
  EILSEQ: Errno.ILSEQ,
  EINPROGRESS: Errno.INPROGRESS,
  EINTR: Errno.INTR,
  EINVAL: Errno.INVAL,
  EIO: Errno.IO,
  EISCONN: Errno.ISCONN,
  EISDIR: Errno.ISDIR,
  ELOOP: Errno.LOOP,
  EMFILE: Errno.MFILE,
  EMLINK: Errno.MLINK,
  EMSGSIZE: Errno.MSGSIZE,
  EMULTIHOP: Errno.MULTIHOP,
  ENAMETOOLONG: Errno.NAMETOOLONG,
  ENETDOWN: Errno.NETDOWN,
  ENETRESET: Errno.NETRESET,
  ENETUNREACH: Errno.NETUNREACH,
  ENFILE: Errno.NFILE,
  ENOBUFS: Errno.NOBUFS,
  ENODATA: Errno.NOENT,
  ENODEV: Errno.NODEV,
  ENOENT: Errno.NOENT,
  ENOEXEC: Errno.NOEXEC,
  ENOLCK: Errno.NOLCK,
  ENOLINK: Errno.NOLINK,
  ENOMEM: Errno.NOMEM,
  ENOMSG: Errno.NOMSG,
  ENONET: Errno.NETUNREACH,
  ENOPROTOOPT: Errno.NOPROTOOPT,
  ENOSPC: Errno.NOSPC,
  ENOSYS: Errno.NOSYS,
  ENOTCONN: Errno.NOTCONN,
  ENOTDIR: Errno.NOTDIR,
  ENOTEMPTY: Errno.NOTEMPTY,
  ENOTRECOVERABLE: Errno.NOTRECOVERABLE,
  ENOTSOCK: Errno.NOTSOCK,
  ENOTSUP: Errno.NOTSUP,
  EOPNOTSUPP: Errno.NOTSUP,
  ENOTTY: Errno.NOTTY,
  ENXIO: Errno.NXIO,
  EOVERFLOW: Errno.OVERFLOW,
  EOWNERDEAD: Errno.OWNERDEAD,
  EPERM: Errno.PERM,
  EPIPE: Errno.PIPE,
  EPROTO: Errno.PROTO,
  EPROTONOSUPPORT: Errno.PROTONOSUPPORT,
  EPROTOTYPE: Errno.PROTOTYPE,
  ERANGE: Errno.RANGE,
  EREMOTEIO: Errno.IO,
  EROFS: Errno.ROFS,
  ESHUTDOWN: Errno.PIPE,
  ESOCKTNOSUPPORT: Errno.NOTSUP,
  ESPIPE: Errno.SPIPE,
  ESRCH: Errno.SRCH,
  ESTALE: Errno.STALE,
  ETIMEDOUT: Errno.TIMEDOUT,
  ETXTBSY: Errno.TXTBSY,
  EUNATCH: Errno.IO,
  EXDEV: Errno.XDEV,
  EOF: Errno.IO,
  UNKNOWN: Errno.IO,
  // Node-level codes that fs calls raise before reaching the OS.
  ERR_FS_FILE_TOO_LARGE: Errno.FBIG,
  ERR_OUT_OF_RANGE: Errno.INVAL,
  ERR_INVALID_ARG_VALUE: Errno.INVAL,
  ERR_BUFFER_TOO_LARGE: Errno.NOMEM,
  ERR_STRING_TOO_LONG: Errno.NOMEM,
  ERR_FS_EISDIR: Errno.ISDIR,
  ERR_DIR_CLOSED: Errno.BADF,
};

/** Any thrown value → errno. Never throws. */
export function errnoOf(error: unknown): Errno {
  // A backend may throw anything, even a value that throws when looked at (a getter, a revoked Proxy).
  try {
    if (error instanceof WasiError) return error.errno;
    if (error !== null && typeof error === "object") {
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string" && Object.hasOwn(hostCodes, code)) return hostCodes[code]!;
      if (error instanceof RangeError && !code) return Errno.NOMEM;
    }
  } catch {
    // Unreadable: fall through to EIO.
  }
  return Errno.IO;
}

export const fail = (errno: Errno): never => {
  throw new WasiError(errno);
};

/** An error as node:fs throws it (`code`, negative `errno`, `syscall`, `path`): for backends that are not node:fs. */
export function nodeStyleError(code: string, syscall: string, path?: string | Buffer): Error {
  const where = path === undefined ? "" : ` '${path.toString()}'`;
  const errno = (osConstants.errno as Record<string, number>)[code] ?? 0;
  const fields = { code, errno: -errno, syscall, ...(path === undefined ? {} : { path: path.toString() }) };
  return Object.assign(new Error(`${code}: ${code.toLowerCase()}, ${syscall}${where}`), fields);
}
