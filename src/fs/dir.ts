// An open directory: a preopen, or one the guest opened beneath a preopen.
import { constants, type BigIntStats } from "node:fs";
import { Errno, Filetype, Rights } from "../abi/constants.js";
import type { FilestatValue } from "../abi/layouts.js";
import { errnoOf, fail, WasiError } from "../errors.js";
import { Handle, type DirEntry } from "../handle.js";
import type { FsBackend } from "./backend.js";
import { Listing, type ListingStreams } from "./listing.js";
import { seconds } from "./file.js";
import { anchoringAvailable, PROC_FD, RaceLost, type Origin, type Resolver } from "./resolve.js";
import { filetypeOf } from "./stat.js";
import type { TimesOverlay } from "./times.js";

const R = Rights;

/** Rights that mean something on a directory. */
export const DIR_RIGHTS =
  R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_ADVISE | R.PATH_CREATE_DIRECTORY | R.PATH_CREATE_FILE |
  R.PATH_LINK_SOURCE | R.PATH_LINK_TARGET | R.PATH_OPEN | R.FD_READDIR | R.PATH_READLINK |
  R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET | R.PATH_FILESTAT_GET | R.PATH_FILESTAT_SET_SIZE |
  R.PATH_FILESTAT_SET_TIMES | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_TIMES | R.PATH_SYMLINK |
  R.PATH_REMOVE_DIRECTORY | R.PATH_UNLINK_FILE | R.POLL_FD_READWRITE;

/** Rights that mean something on a regular file. */
export const FILE_RIGHTS =
  R.FD_DATASYNC | R.FD_READ | R.FD_SEEK | R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_TELL | R.FD_WRITE |
  R.FD_ADVISE | R.FD_ALLOCATE | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_SIZE | R.FD_FILESTAT_SET_TIMES |
  R.POLL_FD_READWRITE;

/** Everything that changes the file system; a read-only preopen hands out none of these. */
export const MUTATING_RIGHTS =
  R.FD_WRITE | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE | R.FD_FILESTAT_SET_TIMES | R.FD_DATASYNC |
  R.PATH_CREATE_DIRECTORY | R.PATH_CREATE_FILE | R.PATH_LINK_SOURCE | R.PATH_LINK_TARGET |
  R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET | R.PATH_FILESTAT_SET_SIZE | R.PATH_FILESTAT_SET_TIMES |
  R.PATH_SYMLINK | R.PATH_REMOVE_DIRECTORY | R.PATH_UNLINK_FILE;

export interface DirServices {
  readonly fs: FsBackend;
  readonly resolver: Resolver;
  readonly times: TimesOverlay;
  /** The instance's open listing streams (fd_readdir), bounded. */
  readonly listings: ListingStreams;
}

const O_DIRECTORY = constants.O_DIRECTORY ?? 0;
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** Where a directory sits, for the ".." entry of its listing. */
export interface DirPlace {
  /** A preopen (or "." of one): ".." is reported as the directory itself, revealing nothing above. */
  readonly root: boolean;
  /** Host path of the parent, used where /proc/self/fd is not available. */
  readonly parentPath?: string;
}

/** Tells DirHandles apart for the resolver's kept anchors (descriptor numbers are reused). */
let nextAnchorId = 0;

export class DirHandle extends Handle implements Origin {
  readonly filetype = Filetype.DIRECTORY;
  readonly anchorId = nextAnchorId++;
  #listing: Listing | undefined;
  /** The base the current listing call checked, for the lstats of inodeOf. */
  #listingBase = "";
  #closed = false;

  /**
   * Opens the directory at `hostPath` (every component of it checked by the resolver) and holds a
   * host descriptor on it. `expected`, the resolver's lstat, must match what was opened, or the
   * path changed in between: RaceLost. `realPath`, where known, names it without links (from the
   * preopen's real path): the resolver keeps anchors below such a directory.
   */
  static open(
    services: DirServices,
    hostPath: string,
    readonly: boolean,
    place: DirPlace,
    expected?: BigIntStats,
    realPath?: string,
  ): DirHandle {
    const fd = services.fs.open(hostPath, constants.O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    try {
      const st = services.fs.fstat(fd);
      if (!st.isDirectory()) throw new RaceLost();
      if (expected && (st.dev !== expected.dev || st.ino !== expected.ino)) throw new RaceLost();
      return new DirHandle(services, hostPath, fd, st, readonly, place, realPath);
    } catch (error) {
      services.fs.close(fd);
      throw error;
    }
  }

  private constructor(
    readonly services: DirServices,
    readonly hostPath: string,
    readonly hostFd: number,
    private readonly identity: BigIntStats,
    /** Nothing beneath may change. */
    readonly readonly: boolean,
    readonly place: DirPlace,
    readonly realPath: string | undefined,
  ) {
    super();
  }

  maxBaseRights(): bigint {
    return this.readonly ? DIR_RIGHTS & ~MUTATING_RIGHTS : DIR_RIGHTS;
  }

  maxInheritingRights(): bigint {
    const all = DIR_RIGHTS | FILE_RIGHTS;
    return this.readonly ? all & ~MUTATING_RIGHTS : all;
  }

  /**
   * The host path to resolve guest paths from; it leads to this very directory. On Linux,
   * /proc/self/fd/N names the directory the descriptor holds, wherever it has since moved: openat()
   * in all but name. Elsewhere the host path is used, after checking it still leads to the same
   * directory (device and inode).
   */
  base(): string {
    if (this.#closed) throw new WasiError(Errno.BADF);
    if (anchoringAvailable) return `${PROC_FD}/${this.hostFd}`;
    let st: BigIntStats;
    try {
      st = this.services.fs.stat(this.hostPath);
    } catch (error) {
      const errno = errnoOf(error);
      // Gone, or something else stands on the path now: for the guest, its directory is gone.
      throw new WasiError(errno === Errno.NOTDIR || errno === Errno.LOOP ? Errno.NOENT : errno);
    }
    if (st.dev !== this.identity.dev || st.ino !== this.identity.ino) throw new WasiError(Errno.NOENT);
    return this.hostPath;
  }

  override stat(): FilestatValue {
    return this.services.times.filestat(this.services.fs.fstat(this.hostFd));
  }

  override setTimes(atim: bigint | null, mtim: bigint | null): void {
    if (this.readonly) fail(Errno.NOTCAPABLE);
    setPathTimes(this.services, this.base(), false, atim, mtim);
  }

  override sync(): void {
    // Windows cannot flush a directory handle (EPERM); there is nothing the guest could observe.
    if (process.platform !== "win32") this.services.fs.fsync(this.hostFd);
  }

  override listing(cookie: bigint, take: (entry: DirEntry, next: bigint) => boolean): void {
    // Checked at every call, so that inodeOf below never looks through a directory that moved.
    const base = this.base();
    this.#listingBase = base;
    this.#listing ??= new Listing(this.services.fs, this.services.listings, (at, index) => this.#dot(at, index));
    this.#listing.serve(base, cookie, take);
  }

  override inodeOf(entry: DirEntry): bigint {
    if (entry.ino === undefined) {
      try {
        const st = this.services.fs.lstat(entryPath(this.#listingBase, entry.name));
        entry.ino = st.ino;
        entry.type ??= filetypeOf(st);
      } catch {
        entry.ino = 0n; // vanished since the listing was read
        entry.type ??= Filetype.UNKNOWN;
      }
    }
    return entry.ino;
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listing?.suspend();
    } finally {
      this.services.resolver.forgetOrigin(this.anchorId);
      this.services.resolver.release();
      this.services.fs.close(this.hostFd);
    }
  }

  #parentInode(base: string): bigint {
    if (this.place.root) return this.identity.ino;
    const parent = anchoringAvailable ? `${base}/..` : this.place.parentPath;
    try {
      return parent === undefined ? this.identity.ino : this.services.fs.stat(parent).ino;
    } catch {
      return this.identity.ino; // The parent is gone; "." stands in for it.
    }
  }

  #dot(base: string, index: 0 | 1): DirEntry {
    const ino = index === 0 ? this.identity.ino : this.#parentInode(base);
    return { name: index === 0 ? "." : "..", type: Filetype.DIRECTORY, ino };
  }
}

/** utimes (or lutimes, for a link itself) by host path, keeping the guest's nanoseconds. */
export function setPathTimes(services: DirServices, path: string, link: boolean, atim: bigint | null, mtim: bigint | null): void {
  const { fs, times } = services;
  const statOf = (p: string): BigIntStats => (link ? fs.lstat(p) : fs.stat(p));
  const current = times.times(statOf(path));
  const a = atim ?? current.atim;
  const m = mtim ?? current.mtim;
  (link ? fs.lutimes : fs.utimes)(path, seconds(a), seconds(m));
  times.remember(statOf(path), a, m);
}

/** The host path of an entry of the directory at `base`, by its name as text or as raw bytes. */
function entryPath(base: string, name: string | Uint8Array): string | Buffer {
  if (typeof name === "string") return `${base}/${name}`;
  return Buffer.concat([Buffer.from(`${base}/`), name]);
}
