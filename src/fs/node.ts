// The FsBackend over node:fs.
import * as fs from "node:fs";
import type { FsBackend, HostDirent } from "./backend.js";

/**
 * `call`, made to throw its errors without a stack. A path call's failure is usually an answer (a
 * missing name, a link that is not one) of which only the code is read, and capturing the stack of
 * the error node:fs makes for it costs more than the system call itself.
 */
function answering<A extends unknown[], R>(call: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return call(...args);
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
}

export const nodeBackend: FsBackend = {
  lstat: answering((path: string) => fs.lstatSync(path, { bigint: true })),
  lstatIfExists: (path) => fs.lstatSync(path, { bigint: true, throwIfNoEntry: false }),
  stat: answering((path: string) => fs.statSync(path, { bigint: true })),
  fstat: (fd) => fs.fstatSync(fd, { bigint: true }),
  open: answering((path: string, flags: number, mode?: number) => fs.openSync(path, flags, mode)),
  close: (fd) => fs.closeSync(fd),
  read: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
  write: (fd, buffer, offset, length, position) => fs.writeSync(fd, buffer, offset, length, position),
  readv: (fd, buffers, position) => fs.readvSync(fd, buffers, position ?? undefined),
  writev: (fd, buffers, position) => fs.writevSync(fd, buffers, position ?? undefined),
  ftruncate: (fd, length) => fs.ftruncateSync(fd, length),
  fsync: (fd) => fs.fsyncSync(fd),
  fdatasync: (fd) => fs.fdatasyncSync(fd),
  futimes: (fd, atime, mtime) => fs.futimesSync(fd, atime, mtime),
  utimes: (path, atime, mtime) => fs.utimesSync(path, atime, mtime),
  lutimes: (path, atime, mtime) => fs.lutimesSync(path, atime, mtime),
  readdir: (path) => fs.readdirSync(path, { withFileTypes: true, encoding: "buffer" }) as unknown as HostDirent[],
  opendir: (path) => {
    // Names as raw bytes (Node takes "buffer" here; its types list text encodings only).
    const dir = fs.opendirSync(path, { encoding: "buffer" as BufferEncoding });
    return { read: () => dir.readSync() as unknown as HostDirent | null, close: () => dir.closeSync() };
  },
  mkdir: answering((path: string) => fs.mkdirSync(path)),
  rmdir: answering((path: string) => fs.rmdirSync(path)),
  unlink: answering((path: string) => fs.unlinkSync(path)),
  rename: answering((from: string, to: string) => fs.renameSync(from, to)),
  link: (existing, created) => fs.linkSync(existing, created),
  symlink: (target, path) => fs.symlinkSync(target, path),
  readlink: answering((path: string) => fs.readlinkSync(path, { encoding: "buffer" })),
  realpath: (path) => fs.realpathSync.native(path),
};
