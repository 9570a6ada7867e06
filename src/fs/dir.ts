// An open directory: a preopen, or one the guest opened beneath a preopen.
import type { BigIntStats } from "node:fs";
import { Errno, Filetype, Rights } from "../abi/constants.js";
import type { FilestatValue } from "../abi/layouts.js";
import { fail, WasiError } from "../errors.js";
import { Handle, type DirEntry } from "../handle.js";
import type { FsBackend } from "./backend.js";
import { seconds } from "./file.js";
import type { BigIntStats as Stats } from "node:fs";
import type { Resolver } from "./resolve.js";
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
}

export class DirHandle extends Handle {
  readonly filetype = Filetype.DIRECTORY;
  #listing: DirEntry[] | undefined;

  /**
   * @param hostPath  the directory's host path, every component of it checked by the resolver
   * @param readonly  nothing beneath may change
   * @param identity  for a directory the guest opened: its dev/ino, re-checked before each use so a
   *                  directory moved (or swapped for a link) since does not redirect the guest
   * @param parentPath  host path of its parent inside the sandbox (for ".." in listings)
   */
  constructor(
    readonly services: DirServices,
    readonly hostPath: string,
    readonly readonly: boolean,
    private readonly identity?: { dev: bigint; ino: bigint },
    private readonly parentPath?: string,
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

  /** The host path to resolve guest paths from, after checking it still leads to this directory. */
  base(): string {
    if (this.identity) {
      let st: BigIntStats;
      try {
        st = this.services.fs.stat(this.hostPath);
      } catch {
        throw new WasiError(Errno.NOENT);
      }
      if (st.dev !== this.identity.dev || st.ino !== this.identity.ino) throw new WasiError(Errno.NOENT);
    }
    return this.hostPath;
  }

  override stat(): FilestatValue {
    return this.services.times.filestat(this.services.fs.stat(this.base()));
  }

  override setTimes(atim: bigint | null, mtim: bigint | null): void {
    if (this.readonly) fail(Errno.NOTCAPABLE);
    setPathTimes(this.services, this.base(), false, atim, mtim);
  }

  override listing(cookie: bigint): readonly DirEntry[] {
    if (this.#listing === undefined || cookie === 0n) this.#listing = this.#read();
    return this.#listing;
  }

  override inodeOf(entry: DirEntry): bigint {
    if (entry.ino === undefined) {
      try {
        const name = Buffer.from(entry.name.buffer, entry.name.byteOffset, entry.name.byteLength);
        entry.ino = this.services.fs.lstat(Buffer.concat([Buffer.from(`${this.hostPath}/`), name])).ino;
      } catch {
        entry.ino = 0n; // vanished since the listing was read
      }
    }
    return entry.ino;
  }

  #read(): DirEntry[] {
    const fs = this.services.fs;
    const path = this.base();
    const self = fs.stat(path).ino;
    let parent = self;
    if (this.parentPath !== undefined) {
      try {
        parent = fs.stat(this.parentPath).ino;
      } catch {
        // The parent moved; "." stands in for it.
      }
    }
    const entries: DirEntry[] = [
      { name: Buffer.from("."), type: Filetype.DIRECTORY, ino: self },
      { name: Buffer.from(".."), type: Filetype.DIRECTORY, ino: parent },
    ];
    for (const dirent of fs.readdir(path)) {
      let type = filetypeOf(dirent);
      if (type === Filetype.UNKNOWN) {
        try {
          type = filetypeOf(fs.lstat(Buffer.concat([Buffer.from(`${path}/`), dirent.name])));
        } catch {
          // Leave it unknown.
        }
      }
      entries.push({ name: dirent.name, type });
    }
    return entries;
  }
}

/** utimes (or lutimes, for a link itself) by host path, keeping the guest's nanoseconds. */
export function setPathTimes(services: DirServices, path: string, link: boolean, atim: bigint | null, mtim: bigint | null): void {
  const { fs, times } = services;
  const statOf = (p: string): Stats => (link ? fs.lstat(p) : fs.stat(p));
  const current = times.times(statOf(path));
  const a = atim ?? current.atim;
  const m = mtim ?? current.mtim;
  (link ? fs.lutimes : fs.utimes)(path, seconds(a), seconds(m));
  times.remember(statOf(path), a, m);
}
