// path_*: every guest path goes through the resolver; each operation then decides its errno from
// what the guest asked and what the file is, before the host is asked anything, so that Linux,
// macOS and Windows answer alike (Windows Node.js, for one, says EEXIST for O_TRUNC on a
// directory, EPERM for unlink of a directory, ENOENT for rmdir of a file).
import type { BigIntStats } from "node:fs";
import {
  Errno,
  Fdflags,
  FDFLAGS_ALL,
  Lookupflags,
  LOOKUPFLAGS_ALL,
  Oflags,
  OFLAGS_ALL,
  Rights,
} from "../abi/constants.js";
import { encodeFilestat } from "../abi/layouts.js";
import { errnoOf, fail, RaceLost, WasiError } from "../errors.js";
import { DIR_RIGHTS, FILE_RIGHTS, OPEN_FOR_READING, OPEN_FOR_WRITING } from "../abi/rights.js";
import { DirHandle, setPathTimes } from "../fs/dir.js";
import { FileHandle } from "../fs/file.js";
import type { Resolved } from "../fs/resolve.js";
import { caseOnlyRename, renameReplacing } from "../fs/windows.js";
import type { Handle } from "../handle.js";
import { timesFromFlags } from "../fs/times.js";
import type { Abi, Context, Syscalls } from "./context.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
/** How often path_open re-resolves when the file it opened is not the one it resolved. */
const OPEN_ATTEMPTS = 3;

function asDir(handle: Handle): DirHandle {
  if (!(handle instanceof DirHandle)) throw new WasiError(Errno.NOTDIR);
  return handle;
}

const sameFile = (a: BigIntStats, b: BigIntStats): boolean => a.dev === b.dev && a.ino === b.ino;

function parentOf(hostPath: string): string {
  return hostPath.slice(0, hostPath.lastIndexOf("/"));
}

export function pathSyscalls(ctx: Context, abi: Abi) {
  const { fds, memory: mem, fs, resolver } = ctx;

  /** The descriptor of the directory `fd`, holding `rights`; a non-directory is ENOTDIR first, as for openat. */
  function dirDescriptor(fd: number, rights: bigint) {
    asDir(fds.get(fd, 0n).handle);
    return fds.get(fd, rights);
  }

  /** The directory behind `fd` (with `rights`) and the guest path, resolved. */
  function lookup(fd: number, rights: bigint, pathPtr: number, pathLen: number, follow: boolean) {
    const dir = asDir(dirDescriptor(fd, rights).handle);
    const path = mem.string(pathPtr, pathLen);
    return { dir, resolved: resolver.resolve(dir, path, follow) };
  }

  /**
   * The directory behind `fd` (with `rights`) and the guest path, for mkdir, rmdir and unlink; with
   * `direct`, where the host's own answers (EEXIST, ENOTDIR, EISDIR, ENOENT, ENOTEMPTY) are the ones
   * run-wasi gives everywhere (Linux, host.ts), the host path of the last name of a writable `fd`'s
   * path, found by the walk without looking at that name: the host call then says what was there.
   */
  function changeAt(fd: number, rights: bigint, pathPtr: number, pathLen: number) {
    const dir = asDir(dirDescriptor(fd, rights).handle);
    const path = mem.string(pathPtr, pathLen);
    const direct = ctx.host.posixAnswers && !dir.readonly ? resolver.locate(dir, path)?.host : undefined;
    return { dir, path, direct };
  }

  /** Whether the directory at `host` has no entry, from its first one at most (never its whole listing). */
  function isEmptyDirectory(host: string): boolean {
    const stream = fs.opendir(host);
    try {
      return stream.read() === null;
    } finally {
      stream.close();
    }
  }

  function existing(r: Resolved): BigIntStats {
    if (r.stat === undefined) throw new WasiError(Errno.NOENT);
    if (r.mustBeDir && !r.stat.isDirectory()) throw new WasiError(Errno.NOTDIR);
    return r.stat;
  }

  function pathOpen(
    dirFd: number,
    dirflags: number,
    pathPtr: number,
    pathLen: number,
    oflags: number,
    rightsBase: bigint,
    rightsInheriting: bigint,
    fdflags: number,
  ): { handle: Handle; base: bigint; inheriting: bigint } {
    if (oflags & ~OFLAGS_ALL || fdflags & ~FDFLAGS_ALL || dirflags & ~LOOKUPFLAGS_ALL) fail(Errno.INVAL);
    let needed = Rights.PATH_OPEN;
    if (oflags & Oflags.CREAT) needed |= Rights.PATH_CREATE_FILE;
    if (oflags & Oflags.TRUNC) needed |= Rights.PATH_FILESTAT_SET_SIZE;
    const parent = dirDescriptor(dirFd, needed);
    const dir = asDir(parent.handle);
    const path = mem.string(pathPtr, pathLen);
    // O_CREAT|O_EXCL never follows a last symlink, dangling or not: it exists, so EEXIST (POSIX).
    const exclusive = (oflags & Oflags.CREAT) !== 0 && (oflags & Oflags.EXCL) !== 0;
    const follow = (dirflags & Lookupflags.SYMLINK_FOLLOW) !== 0 && !exclusive;
    const base = rightsBase & parent.rightsInheriting;
    const inheriting = rightsInheriting & parent.rightsInheriting;
    // APPEND alone does not make a descriptor writable (FD_WRITE does): without it, opening the host
    // file for writing would only let the host refuse a read-only file, or a read-only preopen hold
    // a writable host fd.
    const write = (base & OPEN_FOR_WRITING) !== 0n;
    const read = (base & OPEN_FOR_READING) !== 0n;

    // The usual open of an existing file: straight to it, the open itself saying what is there. For
    // writing only where the host refuses to open a directory so (Linux: EISDIR; Windows opens it).
    if (oflags === 0 && (!write || ctx.host.posixAnswers)) {
      const located = resolver.locate(dir, path);
      const handle = located && FileHandle.openExisting(ctx, located.host, { read, write, truncate: false, fdflags });
      if (handle !== undefined) return { handle, base: base & FILE_RIGHTS, inheriting };
    }
    for (let attempt = 1; ; attempt++) {
      const r = resolver.resolve(dir, path, follow);
      const st = r.stat;
      try {
        if (st === undefined) {
          if (!(oflags & Oflags.CREAT)) fail(Errno.NOENT);
          if (oflags & Oflags.DIRECTORY) fail(Errno.INVAL); // as Linux and wasmtime: O_CREAT makes files only
          if (r.mustBeDir) fail(Errno.ISDIR);
          if (dir.readonly) fail(Errno.NOTCAPABLE);
          if (r.caseVariant) fail(Errno.EXIST); // Windows: the name is taken in another case (fs/windows.ts)
          const handle = FileHandle.create(ctx, r.host, { read, write, truncate: false, fdflags });
          return { handle, base: base & FILE_RIGHTS, inheriting };
        }
        if (oflags & Oflags.CREAT && oflags & Oflags.EXCL) fail(Errno.EXIST);
        if (st.isSymbolicLink()) fail(oflags & Oflags.DIRECTORY ? Errno.NOTDIR : Errno.LOOP);
        if (st.isDirectory()) {
          // The regression this project was born from: never let a directory reach a host open with
          // O_TRUNC (Windows answers EEXIST, or worse). Nor one for writing, nor O_CREAT of a file.
          if (oflags & Oflags.TRUNC || base & Rights.FD_WRITE || fdflags & Fdflags.APPEND) fail(Errno.ISDIR);
          if (oflags & Oflags.CREAT && !(oflags & Oflags.DIRECTORY)) fail(Errno.ISDIR);
          const itself = r.name === ".";
          const place = itself && r.depth === 0 ? dir.place : { root: false, parentPath: itself ? parentOf(r.host) : r.parent };
          const handle = DirHandle.open(dir.services, r.host, { readonly: dir.readonly, place, expected: st });
          handle.fdflags = fdflags & ~Fdflags.NONBLOCK;
          return { handle, base: base & DIR_RIGHTS, inheriting };
        }
        if (oflags & Oflags.DIRECTORY || r.mustBeDir) fail(Errno.NOTDIR);
        if (oflags & Oflags.TRUNC && dir.readonly) fail(Errno.NOTCAPABLE);
        const handle = FileHandle.open(ctx, r.host, { read, write, truncate: (oflags & Oflags.TRUNC) !== 0, fdflags }, st);
        return { handle, base: base & FILE_RIGHTS, inheriting };
      } catch (error) {
        // The path changed between resolving and opening: resolve again.
        const raced = error instanceof RaceLost || (st === undefined && !r.caseVariant && errnoOf(error) === Errno.EXIST && !(oflags & Oflags.EXCL));
        if (!raced) throw error;
        if (attempt >= OPEN_ATTEMPTS) fail(Errno.AGAIN);
      }
    }
  }

  return {
    path_open(dirFd, dirflags, pathPtr, pathLen, oflags, rightsBase, rightsInheriting, fdflags, fdOut) {
      mem.check(fdOut, 4);
      fds.checkRoom(); // as open(2): a full table creates nothing
      const opened = pathOpen(dirFd, dirflags, pathPtr, pathLen, oflags, rightsBase, rightsInheriting, fdflags);
      let fd: number;
      try {
        fd = fds.add({ handle: opened.handle, rightsBase: opened.base, rightsInheriting: opened.inheriting });
      } catch (error) {
        opened.handle.close();
        throw error;
      }
      mem.setU32(fdOut, fd);
    },

    path_create_directory(fd: number, pathPtr: number, pathLen: number) {
      const { dir, path, direct } = changeAt(fd, Rights.PATH_CREATE_DIRECTORY, pathPtr, pathLen);
      if (direct !== undefined) return fs.mkdir(direct);
      const r = resolver.resolve(dir, path, false);
      if (r.stat !== undefined) return Errno.EXIST;
      if (dir.readonly) return Errno.NOTCAPABLE;
      if (r.caseVariant) return Errno.EXIST;
      fs.mkdir(r.host);
    },

    path_remove_directory(fd: number, pathPtr: number, pathLen: number) {
      const { dir, path, direct } = changeAt(fd, Rights.PATH_REMOVE_DIRECTORY, pathPtr, pathLen);
      if (direct !== undefined) return fs.rmdir(direct);
      const r = resolver.resolve(dir, path, false);
      if (r.name === ".") return Errno.INVAL; // rmdir of "." (or of "x/..") is EINVAL in POSIX
      if (r.stat === undefined) return Errno.NOENT;
      if (!r.stat.isDirectory()) return Errno.NOTDIR;
      if (dir.readonly) return Errno.NOTCAPABLE;
      fs.rmdir(r.host);
    },

    path_unlink_file(fd: number, pathPtr: number, pathLen: number) {
      const { dir, path, direct } = changeAt(fd, Rights.PATH_UNLINK_FILE, pathPtr, pathLen);
      if (direct !== undefined) return fs.unlink(direct);
      const r = resolver.resolve(dir, path, false);
      if (r.name === ".") return Errno.ISDIR;
      if (r.stat === undefined) return Errno.NOENT;
      if (r.stat.isDirectory()) return Errno.ISDIR;
      if (r.mustBeDir) return Errno.NOTDIR;
      if (dir.readonly) return Errno.NOTCAPABLE;
      fs.unlink(r.host);
    },

    path_filestat_get(fd: number, flags: number, pathPtr: number, pathLen: number, out: number) {
      if (flags & ~LOOKUPFLAGS_ALL) return Errno.INVAL;
      mem.check(out, abi.filestat.size);
      const follow = (flags & Lookupflags.SYMLINK_FOLLOW) !== 0;
      const { resolved: r } = lookup(fd, Rights.PATH_FILESTAT_GET, pathPtr, pathLen, follow);
      const st = existing(r);
      encodeFilestat(mem.view, out, abi.filestat, ctx.times.filestat(st));
    },

    path_filestat_set_times(fd, flags, pathPtr, pathLen, atim, mtim, fstFlags) {
      if (flags & ~LOOKUPFLAGS_ALL) return Errno.INVAL;
      const [a, m] = timesFromFlags(atim, mtim, fstFlags, ctx.clock);
      const follow = (flags & Lookupflags.SYMLINK_FOLLOW) !== 0;
      const { dir, resolved: r } = lookup(fd, Rights.PATH_FILESTAT_SET_TIMES, pathPtr, pathLen, follow);
      existing(r);
      if (dir.readonly) return Errno.NOTCAPABLE;
      // lutimes even for a followed path: the resolver ended on a file that is not a link, and if one
      // was swapped in since, it is the link that gets the times, never what it points to.
      setPathTimes(ctx, r.host, true, a, m);
    },

    path_link(oldFd, oldFlags, oldPtr, oldLen, newFd, newPtr, newLen) {
      if (oldFlags & ~LOOKUPFLAGS_ALL) return Errno.INVAL;
      const follow = (oldFlags & Lookupflags.SYMLINK_FOLLOW) !== 0;
      const { resolved: source } = lookup(oldFd, Rights.PATH_LINK_SOURCE, oldPtr, oldLen, follow);
      const { dir, resolved: made } = lookup(newFd, Rights.PATH_LINK_TARGET, newPtr, newLen, false);
      const st = existing(source);
      if (st.isDirectory()) return Errno.PERM;
      if (made.stat !== undefined) return Errno.EXIST;
      if (made.mustBeDir) return Errno.NOENT;
      if (dir.readonly) return Errno.NOTCAPABLE;
      if (made.caseVariant) return Errno.EXIST;
      // link() follows a symlink source on macOS, as CreateHardLink does on Windows (Node has no
      // linkat), which would hard-link whatever the link names, inside the sandbox or not. A link
      // is therefore "linked" by making another with the same text, on every host alike.
      if (st.isSymbolicLink()) {
        const text = fs.readlink(source.host);
        let linkTarget: string;
        try {
          linkTarget = strictUtf8.decode(text);
        } catch {
          return Errno.ILSEQ;
        }
        fs.symlink(linkTarget, made.host);
        return;
      }
      fs.link(source.host, made.host);
    },

    path_readlink(fd, pathPtr, pathLen, buf, bufLen, out) {
      mem.check(out, 4);
      mem.check(buf, bufLen);
      const { resolved: r } = lookup(fd, Rights.PATH_READLINK, pathPtr, pathLen, false);
      if (!existing(r).isSymbolicLink()) return Errno.INVAL;
      const text = fs.readlink(r.host);
      const n = Math.min(text.byteLength, bufLen);
      mem.write(buf, text.subarray(0, n));
      mem.setU32(out, n);
    },

    path_rename(oldFd, oldPtr, oldLen, newFd, newPtr, newLen) {
      const { dir: fromDir, resolved: from } = lookup(oldFd, Rights.PATH_RENAME_SOURCE, oldPtr, oldLen, false);
      const { dir: toDir, resolved: to } = lookup(newFd, Rights.PATH_RENAME_TARGET, newPtr, newLen, false);
      if (from.stat === undefined) return Errno.NOENT;
      if (from.name === "." || to.name === ".") return Errno.BUSY;
      const fromIsDir = from.stat.isDirectory();
      if (!fromIsDir && (from.mustBeDir || to.mustBeDir)) return Errno.NOTDIR;
      if (to.stat !== undefined) {
        if (sameFile(from.stat, to.stat)) return Errno.SUCCESS;
        const toIsDir = to.stat.isDirectory();
        if (fromIsDir && !toIsDir) return Errno.NOTDIR;
        if (!fromIsDir && toIsDir) return Errno.ISDIR;
        if (toIsDir && !isEmptyDirectory(to.host)) return Errno.NOTEMPTY;
      }
      if (fromIsDir && `${to.host}/`.startsWith(`${from.host}/`)) return Errno.INVAL;
      if (fromDir.readonly || toDir.readonly) return Errno.NOTCAPABLE;
      if (to.caseVariant && !caseOnlyRename(from, to)) return Errno.EXIST;
      renameReplacing(fs, from.host, to.host, to.stat);
    },

    path_symlink(oldPtr, oldLen, fd, newPtr, newLen) {
      const text = mem.string(oldPtr, oldLen);
      const { dir, resolved: r } = lookup(fd, Rights.PATH_SYMLINK, newPtr, newLen, false);
      if (text.length === 0) return Errno.NOENT;
      if (text.includes("\0")) return Errno.ILSEQ;
      resolver.checkLinkText(text);
      if (r.stat !== undefined) return Errno.EXIST;
      if (r.mustBeDir) return Errno.NOENT;
      if (dir.readonly) return Errno.NOTCAPABLE;
      if (r.caseVariant) return Errno.EXIST;
      fs.symlink(text, r.host);
    },
  } satisfies Syscalls;
}
