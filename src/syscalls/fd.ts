// fd_*: operations on an open descriptor. Each checks rights through fds.get, checks every output
// pointer before doing I/O (so a bad pointer never loses data), then asks the handle.
import { Advice, Errno, FDFLAGS_ALL, Filetype, Rights } from "../abi/constants.js";
import { dirent, encodeDirent, encodeFdstat, encodeFilestat, encodePrestatDir, fdstat, iovec, prestat } from "../abi/layouts.js";
import { fail } from "../errors.js";
import { readIovecs, writeIovecs } from "../iovecs.js";
import { utf8 } from "../memory.js";
import { timesFromFlags } from "../fs/times.js";
import { afterWaits } from "../async/wait.js";
import type { Abi, Context, Syscalls } from "./context.js";


const direntScratch = new DataView(new ArrayBuffer(dirent.size));
const encoder = new TextEncoder();
const utf8Into = (text: string, into: Uint8Array): void => void encoder.encodeInto(text, into);
const direntScratchBytes = new Uint8Array(direntScratch.buffer);

export function fdSyscalls(ctx: Context, abi: Abi) {
  const { fds, memory: mem } = ctx;
  /** What the object is decides some errnos before rights do: read(dir) is EISDIR, as in POSIX. */
  const isDirectory = (fd: number) => fds.get(fd, 0n).handle.filetype === Filetype.DIRECTORY;
  // A call with one iovec (nearly all of them) goes to the handle as a range of guest memory, with
  // no view built. bufOf checks the iovec and the range it names; lenOf, called after it, reads on.
  const bufOf = (iovs: number): number => {
    mem.check(iovs, iovec.size);
    const buf = mem.view.getUint32(iovs, true);
    mem.check(buf, mem.view.getUint32(iovs + iovec.fields.buf_len.offset, true));
    return buf;
  };
  const lenOf = (iovs: number): number => mem.view.getUint32(iovs + iovec.fields.buf_len.offset, true);
  return {
    fd_advise(fd: number, _offset: bigint, _len: bigint, advice: number) {
      if (advice > Advice.NOREUSE) return Errno.INVAL;
      const { handle } = fds.get(fd, Rights.FD_ADVISE);
      handle.advise();
    },

    fd_allocate(fd: number, offset: bigint, len: bigint) {
      fds.get(fd, Rights.FD_ALLOCATE).handle.allocate(offset, len);
    },

    fd_close(fd: number) {
      fds.get(fd, 0n);
      fds.remove(fd).handle.close();
    },

    fd_datasync(fd: number) {
      fds.get(fd, Rights.FD_DATASYNC).handle.datasync();
    },

    fd_sync(fd: number) {
      fds.get(fd, Rights.FD_SYNC).handle.sync();
    },

    fd_fdstat_get(fd: number, out: number) {
      mem.check(out, fdstat.size);
      const d = fds.get(fd, 0n);
      encodeFdstat(mem.view, out, {
        filetype: d.handle.filetype,
        flags: d.handle.fdflags,
        rightsBase: d.rightsBase,
        rightsInheriting: d.rightsInheriting,
      });
    },

    fd_fdstat_set_flags(fd: number, flags: number) {
      if (flags & ~FDFLAGS_ALL) return Errno.INVAL;
      fds.get(fd, Rights.FD_FDSTAT_SET_FLAGS).handle.setFlags(flags);
    },

    fd_fdstat_set_rights(fd: number, base: bigint, inheriting: bigint) {
      const d = fds.get(fd, 0n);
      // Rights only ever shrink.
      if ((base & ~d.rightsBase) !== 0n || (inheriting & ~d.rightsInheriting) !== 0n) return Errno.NOTCAPABLE;
      d.rightsBase = base;
      d.rightsInheriting = inheriting;
    },

    fd_filestat_get(fd: number, out: number) {
      mem.check(out, abi.filestat.size);
      const st = fds.get(fd, Rights.FD_FILESTAT_GET).handle.stat();
      encodeFilestat(mem.view, out, abi.filestat, st);
    },

    fd_filestat_set_size(fd: number, size: bigint) {
      if (size > 0x7fffffffffffffffn) return Errno.INVAL;
      fds.get(fd, Rights.FD_FILESTAT_SET_SIZE).handle.setSize(size);
    },

    fd_filestat_set_times(fd: number, atim: bigint, mtim: bigint, flags: number) {
      const [a, m] = timesFromFlags(atim, mtim, flags, ctx.clock);
      const { handle } = fds.get(fd, Rights.FD_FILESTAT_SET_TIMES);
      if (a !== null || m !== null) handle.setTimes(a, m);
    },

    fd_pread(fd: number, iovs: number, iovsLen: number, offset: bigint, out: number) {
      mem.check(out, 4);
      if (isDirectory(fd)) return Errno.ISDIR;
      const { handle } = fds.get(fd, Rights.FD_READ | Rights.FD_SEEK);
      if (offset > 0x7fffffffffffffffn) return Errno.INVAL;
      const n = iovsLen === 1 ? handle.preadInto(mem.bytes, bufOf(iovs), lenOf(iovs), offset) : readIovecs(mem, iovs, iovsLen, (buffers) => handle.pread(buffers, offset));
      mem.refresh();
      mem.setU32(out, n);
    },

    fd_pwrite(fd: number, iovs: number, iovsLen: number, offset: bigint, out: number) {
      mem.check(out, 4);
      const { handle } = fds.get(fd, Rights.FD_WRITE | Rights.FD_SEEK);
      if (offset > 0x7fffffffffffffffn) return Errno.INVAL;
      const n = iovsLen === 1 ? handle.pwriteFrom(mem.bytes, bufOf(iovs), lenOf(iovs), offset) : writeIovecs(mem, iovs, iovsLen, (buffers, done) => handle.pwrite(buffers, offset + BigInt(done)));
      mem.refresh();
      mem.setU32(out, n);
    },

    fd_read(fd: number, iovs: number, iovsLen: number, out: number) {
      mem.check(out, 4);
      if (isDirectory(fd)) return Errno.ISDIR;
      const { handle } = fds.get(fd, Rights.FD_READ);
      const n = iovsLen === 1 ? handle.readInto(mem.bytes, bufOf(iovs), lenOf(iovs)) : readIovecs(mem, iovs, iovsLen, (buffers) => handle.read(buffers));
      mem.refresh();
      mem.setU32(out, n);
    },

    fd_write(fd: number, iovs: number, iovsLen: number, out: number) {
      mem.check(out, 4);
      const { handle } = fds.get(fd, Rights.FD_WRITE);
      // A blocking write to a host pipe finishes whole; on the async host it may do so after waits.
      afterWaits(
        () => (iovsLen === 1 ? handle.writeFrom(mem.bytes, bufOf(iovs), lenOf(iovs)) : writeIovecs(mem, iovs, iovsLen, (buffers) => handle.write(buffers))),
        (n) => {
          mem.refresh();
          mem.setU32(out, n);
        },
      );
    },

    fd_prestat_get(fd: number, out: number) {
      mem.check(out, prestat.size);
      const d = fds.get(fd, 0n);
      if (d.preopenName === undefined) return Errno.BADF;
      encodePrestatDir(mem.view, out, utf8(d.preopenName).byteLength);
    },

    fd_prestat_dir_name(fd: number, path: number, pathLen: number) {
      const d = fds.get(fd, 0n);
      if (d.preopenName === undefined) return Errno.BADF;
      const name = utf8(d.preopenName);
      if (pathLen < name.byteLength) return Errno.NAMETOOLONG;
      mem.write(path, name);
    },

    fd_readdir(fd: number, buf: number, bufLen: number, cookie: bigint, out: number) {
      mem.check(out, 4);
      mem.check(buf, bufLen);
      // A non-directory is ENOTDIR whatever its rights, as fdopendir says (and path_* for their fd).
      if (!isDirectory(fd)) return Errno.NOTDIR;
      const { handle } = fds.get(fd, Rights.FD_READDIR);
      // Entries go straight into the buffer as the listing offers them; the one that does not fit
      // whole is cut at the last byte (wasi-libc reads on from its cookie) and offered again next time.
      let used = 0;
      handle.listing(cookie, (entry, next) => {
        if (used >= bufLen) return false;
        const name = entry.name;
        const namlen = typeof name === "string" ? Buffer.byteLength(name) : name.byteLength;
        const ino = handle.inodeOf(entry); // first: it may fill in the type
        encodeDirent(direntScratch, { next, ino, namlen, type: entry.type ?? Filetype.UNKNOWN });
        const header = Math.min(dirent.size, bufLen - used);
        mem.bytes.set(direntScratchBytes.subarray(0, header), buf + used);
        used += header;
        const nameBytes = Math.min(namlen, bufLen - used);
        if (typeof name !== "string") mem.bytes.set(name.subarray(0, nameBytes), buf + used);
        else if (nameBytes === namlen) utf8Into(name, mem.bytes.subarray(buf + used, buf + used + nameBytes));
        else mem.bytes.set(Buffer.from(name).subarray(0, nameBytes), buf + used); // cut mid-character, as the bytes fall
        used += nameBytes;
        return header === dirent.size && nameBytes === namlen;
      });
      mem.setU32(out, used);
    },

    fd_renumber(from: number, to: number) {
      const displaced = fds.renumber(from, to);
      // The renumber has happened; like dup2, a failure to close what it displaced is not reported.
      try {
        displaced?.handle.close();
      } catch {
        // The host descriptor is released either way.
      }
    },

    fd_seek(fd: number, offset: bigint, whence: number, out: number) {
      mem.check(out, 8);
      const how = abi.whence.get(whence) ?? fail(Errno.INVAL);
      // Asking where you are is a tell, which needs only FD_TELL.
      const rights = offset === 0n && how === "cur" ? Rights.FD_TELL : Rights.FD_SEEK;
      const { handle } = fds.get(fd, rights);
      mem.setU64(out, handle.seek(offset, how));
    },

    fd_tell(fd: number, out: number) {
      mem.check(out, 8);
      mem.setU64(out, fds.get(fd, Rights.FD_TELL).handle.tell());
    },
  } satisfies Syscalls;
}
