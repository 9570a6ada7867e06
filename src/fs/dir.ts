// An open directory: a preopen, or one the guest opened beneath a preopen.
import { constants, type BigIntStats } from "node:fs";
import { Errno, Filetype } from "../abi/constants.js";
import { DIR_RIGHTS, FILE_RIGHTS, MUTATING_RIGHTS } from "../abi/rights.js";
import type { FilestatValue } from "../abi/layouts.js";
import { errnoOf, fail, RaceLost, WasiError } from "../errors.js";
import { Handle, type DirEntry } from "../handle.js";
import type { FsBackend } from "./backend.js";
import { Listing, type ListingStreams } from "./listing.js";
import { seconds } from "./times.js";
import { descriptorName, O_DIRECTORY, O_NOFOLLOW, type HostCapabilities, type KernelName } from "./host.js";
import type { Origin, Resolver } from "./resolve.js";
import { filetypeOf } from "./stat.js";
import type { TimesOverlay } from "./times.js";

export interface DirServices {
  readonly fs: FsBackend;
  readonly resolver: Resolver;
  readonly times: TimesOverlay;
  readonly host: HostCapabilities;
  /** The instance's open listing streams (fd_readdir), bounded. */
  readonly listings: ListingStreams;
}

/** Where a directory sits, for the ".." entry of its listing. */
export interface DirPlace {
  /** A preopen (or "." of one): ".." is reported as the directory itself, revealing nothing above. */
  readonly root: boolean;
  /** Host path of the parent, used where /proc/self/fd is not available. */
  readonly parentPath?: string;
}

/** Tells DirHandles apart for the resolver's kept anchors (descriptor numbers are reused). */
let nextAnchorId = 0;

export interface DirOpenOptions {
  /** Nothing beneath may change. */
  readonly readonly: boolean;
  readonly place: DirPlace;
  /** The resolver's lstat of it, which what is opened must match (else RaceLost). */
  readonly expected?: BigIntStats;
}

export class DirHandle extends Handle implements Origin {
  readonly filetype = Filetype.DIRECTORY;
  readonly anchorId = nextAnchorId++;
  #listing: Listing | undefined;
  /** The base the current listing call checked, for the lstats of inodeOf. */
  #listingBase = "";
  #closed = false;

  /**
   * Opens the directory at `hostPath` (every component of it checked by the resolver) and holds a
   * host descriptor on it. What is opened must be a directory, and the one the resolver saw where
   * `expected` is given, or the path changed in between: RaceLost.
   */
  static open(services: DirServices, hostPath: string, options: DirOpenOptions): DirHandle {
    const fd = services.fs.open(hostPath, constants.O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    try {
      const st = services.fs.fstat(fd);
      const { expected } = options;
      if (!st.isDirectory()) throw new RaceLost();
      if (expected && (st.dev !== expected.dev || st.ino !== expected.ino)) throw new RaceLost();
      return new DirHandle(services, hostPath, fd, st, options.readonly, options.place);
    } catch (error) {
      services.fs.close(fd);
      throw error;
    }
  }

  /** The kernel's name for the directory, once read (undefined: not known, nothing kept below it). */
  #realPath: KernelName | undefined | null = null;

  private constructor(
    readonly services: DirServices,
    readonly hostPath: string,
    readonly hostFd: number,
    private readonly identity: BigIntStats,
    /** Nothing beneath may change. */
    readonly readonly: boolean,
    readonly place: DirPlace,
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
    const fdPaths = this.services.host.fdPaths;
    if (fdPaths !== undefined) return `${fdPaths}/${this.hostFd}`;
    let st: BigIntStats;
    try {
      st = this.services.fs.stat(this.hostPath);
    } catch (error) {
      // Gone, or a non-directory or a link loop stands on the path now: for the guest, its directory
      // is gone. Any other refusal (EACCES, EIO...) is the host's answer and is passed on.
      const errno = errnoOf(error);
      throw new WasiError(errno === Errno.NOTDIR || errno === Errno.LOOP ? Errno.NOENT : errno);
    }
    if (st.dev !== this.identity.dev || st.ino !== this.identity.ino) throw new WasiError(Errno.NOENT);
    return this.hostPath;
  }

  /**
   * What the kernel calls this directory now (readlink of /proc/self/fd/N: an absolute path with no
   * link in it), read once and again when `fresh`; undefined where descriptors cannot be named, or
   * when the name is not a plain absolute path (a removed directory's ends in " (deleted)").
   */
  realPath(fresh: boolean): KernelName | undefined {
    if (this.#realPath !== null && !fresh) return this.#realPath;
    const fdPaths = this.services.host.fdPaths;
    let name = fdPaths === undefined || this.#closed ? undefined : descriptorName(fdPaths, this.hostFd);
    if (name !== undefined && (name[0] !== "/" || name.endsWith(" (deleted)"))) name = undefined;
    this.#realPath = name;
    return name;
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
    this.#listing ??= new Listing(
      this.services.fs,
      this.services.listings,
      (at, index) => this.#dot(at, index),
      () => this.services.fs.fstat(this.hostFd).size,
    );
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
    const parent = this.services.host.fdPaths !== undefined ? `${base}/..` : this.place.parentPath;
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
