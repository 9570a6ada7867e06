// What a descriptor refers to. Each kind of open thing (stdio, file, directory) subclasses Handle
// and overrides only what it supports; every other operation answers with the errno a POSIX host
// gives for that kind of object.
import { Errno, Filetype } from "./abi/constants.js";
import type { FilestatValue } from "./abi/layouts.js";
import { fail } from "./errors.js";
import type { Readiness } from "./io/stream.js";
import type { IoThread } from "./io/thread.js";

export type SeekWhence = "set" | "cur" | "end";

/** One entry of a directory listing, as fd_readdir serves it. */
export interface DirEntry {
  /** The name as the host gave it: text when its bytes are valid UTF-8 (lighter), else the bytes. */
  readonly name: string | Uint8Array;
  /** Filled in lazily where the listing did not say, with `ino`. */
  type?: Filetype;
  /** Filled in lazily: only entries actually served cost a stat. */
  ino?: bigint;
}

export abstract class Handle {
  abstract readonly filetype: Filetype;
  /** fdflags the descriptor reports (APPEND, NONBLOCK…). */
  fdflags = 0;

  // Scatter/gather: at most IOV_BATCH non-empty buffers (src/iovecs.ts), lent for the call only
  // (they may be views of guest memory or of a scratch buffer reused by the next call).

  read(_buffers: Uint8Array[]): number {
    return fail(this.filetype === Filetype.DIRECTORY ? Errno.ISDIR : Errno.BADF);
  }
  write(_buffers: Uint8Array[]): number {
    return fail(this.filetype === Filetype.DIRECTORY ? Errno.ISDIR : Errno.BADF);
  }
  pread(_buffers: Uint8Array[], _offset: bigint): number {
    return fail(this.filetype === Filetype.DIRECTORY ? Errno.ISDIR : Errno.SPIPE);
  }
  pwrite(_buffers: Uint8Array[], _offset: bigint): number {
    return fail(this.filetype === Filetype.DIRECTORY ? Errno.ISDIR : Errno.SPIPE);
  }
  // One buffer's worth of the above, as `length` bytes of `memory` from `offset`: what nearly every
  // call asks for, and the file handle serves without building views.
  readInto(memory: Uint8Array, offset: number, length: number): number {
    return this.read([memory.subarray(offset, offset + length)]);
  }
  writeFrom(memory: Uint8Array, offset: number, length: number): number {
    return this.write([memory.subarray(offset, offset + length)]);
  }
  preadInto(memory: Uint8Array, offset: number, length: number, at: bigint): number {
    return this.pread([memory.subarray(offset, offset + length)], at);
  }
  pwriteFrom(memory: Uint8Array, offset: number, length: number, at: bigint): number {
    return this.pwrite([memory.subarray(offset, offset + length)], at);
  }
  seek(_offset: bigint, _whence: SeekWhence): bigint {
    return fail(Errno.SPIPE);
  }
  tell(): bigint {
    return fail(Errno.SPIPE);
  }
  abstract stat(): FilestatValue;
  setSize(_size: bigint): void {
    fail(Errno.INVAL);
  }
  setTimes(_atim: bigint | null, _mtim: bigint | null): void {
    fail(Errno.NOTSUP);
  }
  sync(): void {}
  datasync(): void {}
  allocate(_offset: bigint, _len: bigint): void {
    fail(Errno.NOTSUP);
  }
  advise(): void {}
  /**
   * Offers the directory's entries from `cookie` on ("." and ".." first; entry i's cookie is i + 1)
   * to `take` until it refuses one, which is offered again from its cookie; cookie 0 re-reads the
   * directory.
   */
  listing(_cookie: bigint, _take: (entry: DirEntry, next: bigint) => boolean): void {
    fail(Errno.NOTDIR);
  }
  /** The entry's inode (a listing that leaves types out fills them in here too). */
  inodeOf(entry: DirEntry): bigint {
    return entry.ino ?? 0n;
  }
  setFlags(flags: number): void {
    this.fdflags = flags;
  }
  /** Bytes ready to read without blocking, for poll_oneoff; undefined when unknown. */
  readable(): bigint | undefined {
    return undefined;
  }
  /**
   * poll_oneoff's question: would a read (a write) return without blocking now? The answer, or
   * undefined for "not yet" (the poll then waits for the I/O thread's doorbell). Whatever Node cannot
   * watch is ready at once.
   */
  pollRead(_io: IoThread): Readiness | undefined {
    return { nbytes: this.readable() ?? 1n, hangup: false };
  }
  pollWrite(_io: IoThread): Readiness | undefined {
    return { nbytes: 1n, hangup: false };
  }
  /** Sockets answer sock_* themselves; anything else is not one. */
  get isSocket(): boolean {
    return false;
  }
  /** sock_accept: the connection, as a handle whose fdflags are `flags`. */
  accept(_flags: number): Handle {
    return fail(Errno.NOTSOCK);
  }
  /** sock_recv into the buffer (wasmtime fills the first non-empty iovec only). */
  recv(_buffer: Uint8Array, _peek: boolean, _waitAll: boolean): number {
    return fail(Errno.NOTSOCK);
  }
  shutdown(_read: boolean, _write: boolean): void {
    fail(Errno.NOTSOCK);
  }
  close(): void {}
}
