// The FsBackend over node:fs.
import * as fs from "node:fs";
import type { FsBackend, HostDirent } from "./backend.js";

export const nodeBackend: FsBackend = {
  lstat: (path) => fs.lstatSync(path, { bigint: true }),
  lstatIfExists: (path) => fs.lstatSync(path, { bigint: true, throwIfNoEntry: false }),
  stat: (path) => fs.statSync(path, { bigint: true }),
  fstat: (fd) => fs.fstatSync(fd, { bigint: true }),
  open: (path, flags, mode) => fs.openSync(path, flags, mode),
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
  mkdir: (path) => fs.mkdirSync(path),
  rmdir: (path) => fs.rmdirSync(path),
  unlink: (path) => fs.unlinkSync(path),
  rename: (from, to) => fs.renameSync(from, to),
  link: (existing, created) => fs.linkSync(existing, created),
  symlink: (target, path) => fs.symlinkSync(target, path),
  readlink: (path) => fs.readlinkSync(path, { encoding: "buffer" }),
  realpath: (path) => fs.realpathSync.native(path),
};
