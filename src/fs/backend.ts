// The synchronous host operations the file-system imports need, over host paths and host fds.
// node.ts implements them with node:fs; tests wrap a backend to inject faults. A backend throws
// errors carrying a Node-style `code`; errors.ts turns those into errnos.
import type { BigIntStats } from "node:fs";

export interface HostDirent {
  /** The name's raw bytes. */
  readonly name: Buffer;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}

/** An open directory read one entry at a time, in the host's order. */
export interface HostDirStream {
  /** The next entry, or null at the end. */
  read(): HostDirent | null;
  close(): void;
}

export interface FsBackend {
  /**
   * True for a backend whose paths and descriptors are not the host's (a file system in memory):
   * the resolver then never names its descriptors through /proc/self/fd, and walks by path.
   */
  readonly virtual?: boolean;
  lstat(path: string | Buffer): BigIntStats;
  /** lstat, but undefined where nothing is (ENOENT) rather than an error: a miss costs no exception. */
  lstatIfExists(path: string): BigIntStats | undefined;
  stat(path: string | Buffer): BigIntStats;
  fstat(fd: number): BigIntStats;
  open(path: string, flags: number, mode?: number): number;
  close(fd: number): void;
  /** `length` bytes into `buffer` at `offset`, from `position` (null: the file's own). */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  /** `length` bytes of `buffer` from `offset`, at `position` (null: the file's own). */
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  readv(fd: number, buffers: Uint8Array[], position: number | null): number;
  writev(fd: number, buffers: Uint8Array[], position: number | null): number;
  ftruncate(fd: number, length: number): void;
  fsync(fd: number): void;
  fdatasync(fd: number): void;
  futimes(fd: number, atime: number, mtime: number): void;
  utimes(path: string, atime: number, mtime: number): void;
  lutimes(path: string, atime: number, mtime: number): void;
  readdir(path: string): HostDirent[];
  /** The directory's entries as a stream (opendir), so that a huge one never sits in memory whole. */
  opendir(path: string): HostDirStream;
  mkdir(path: string): void;
  rmdir(path: string): void;
  unlink(path: string): void;
  rename(from: string, to: string): void;
  link(existing: string, created: string): void;
  symlink(target: string, path: string): void;
  readlink(path: string): Buffer;
  /** The canonical path of what `path` leads to, as the OS names it (on Windows, with the on-disk case). */
  realpath(path: string): string;
}
