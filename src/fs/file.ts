// An open non-directory on the host: a file (FileHandle), or a FIFO, character device or socket
// (StreamFileHandle).
//
// Node has no lseek() and no fcntl(F_SETFL), so a file's handle keeps the file position itself and
// always reads and writes at an explicit offset. APPEND is emulated the same way (write at the
// current size), which lets a guest turn it on and off; the cost is that an append is not atomic
// against another process appending to the same file at the same moment.
import { constants, type BigIntStats } from "node:fs";
import { Errno, Fdflags, Filetype } from "../abi/constants.js";
import type { FilestatValue } from "../abi/layouts.js";
import { readWaiting, writeWaiting, type Transfer } from "../blocking-io.js";
import { errnoOf, fail, RaceLost, WasiError } from "../errors.js";
import { Handle, type SeekWhence } from "../handle.js";
import type { Readiness } from "../io/stream.js";
import type { FsBackend } from "./backend.js";
import { filetypeOf } from "./stat.js";
import { seconds, type TimesOverlay } from "./times.js";

export interface FileServices {
  readonly fs: FsBackend;
  readonly times: TimesOverlay;
}

/** Node takes file offsets as doubles: past 2^53 they would silently round. */
const MAX_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);

/** Absent on Windows; there the identity check after opening stands in for it. */
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * Every open is non-blocking, since the path_open short way opens before it knows what it opens:
 * a FIFO opened for reading would otherwise wait for a writer, with the whole host, for ever. (For
 * writing, a FIFO no reader holds open is ENXIO at once.) On a regular file it changes nothing.
 * Absent on Windows, whose file systems hold no FIFOs.
 */
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

export interface OpenRequest {
  read: boolean;
  write: boolean;
  truncate: boolean;
  fdflags: number;
}

/** Truncating needs write access. */
const writes = (request: OpenRequest): boolean => request.write || request.truncate;

/** Read, write or both, never through a last symlink, never waiting. */
function accessFlags(request: OpenRequest): number {
  const { O_RDONLY, O_WRONLY, O_RDWR } = constants;
  return (writes(request) ? (request.read ? O_RDWR : O_WRONLY) : O_RDONLY) | O_NOFOLLOW | O_NONBLOCK;
}

/** What has no position, and is read and written as a stream. */
const isStream = (st: BigIntStats): boolean => st.isFIFO() || st.isCharacterDevice() || st.isSocket();

/** What a handle on a host descriptor of a non-directory does whatever it is: stat, times, sync, close. */
abstract class HostFileHandle extends Handle {
  #closed = false;
  protected readonly fs: FsBackend;

  constructor(
    private readonly services: FileServices,
    readonly hostFd: number,
    readonly filetype: Filetype,
    fdflags: number,
  ) {
    super();
    this.fs = services.fs;
    this.fdflags = fdflags;
  }

  override stat(): FilestatValue {
    return this.services.times.filestat(this.fs.fstat(this.hostFd));
  }

  override setTimes(atim: bigint | null, mtim: bigint | null): void {
    const current = this.services.times.times(this.fs.fstat(this.hostFd));
    const a = atim ?? current.atim;
    const m = mtim ?? current.mtim;
    this.fs.futimes(this.hostFd, seconds(a), seconds(m));
    this.services.times.remember(this.fs.fstat(this.hostFd), a, m);
  }

  override sync(): void {
    this.fs.fsync(this.hostFd);
  }

  override datasync(): void {
    this.fs.fdatasync(this.hostFd);
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.fs.close(this.hostFd);
  }
}

export class FileHandle extends HostFileHandle {
  #position = 0;

  /**
   * Creates the file at `hostPath`, whose directories the resolver checked, with O_EXCL: a name
   * taken meanwhile (a symlink planted, say) is EEXIST, never followed.
   */
  static create(services: FileServices, hostPath: string, request: OpenRequest): FileHandle | StreamFileHandle {
    return FileHandle.#open(services, hostPath, request, undefined);
  }

  /**
   * Opens the existing file at `hostPath` that the resolver saw as `expected`, never through a last
   * symlink. What was opened must be that file (device and inode), else RaceLost.
   */
  static open(services: FileServices, hostPath: string, request: OpenRequest, expected: BigIntStats): FileHandle | StreamFileHandle {
    return FileHandle.#open(services, hostPath, request, expected);
  }

  /** open() of `expected`, or create() where it is undefined. */
  static #open(services: FileServices, hostPath: string, request: OpenRequest, expected: BigIntStats | undefined): FileHandle | StreamFileHandle {
    const { O_CREAT, O_EXCL, O_TRUNC } = constants;
    let flags = accessFlags(request);
    if (expected === undefined) flags |= O_CREAT | O_EXCL;
    else if (request.truncate) flags |= O_TRUNC;
    let fd: number;
    try {
      fd = services.fs.open(hostPath, flags, 0o666);
    } catch (error) {
      // Windows (libuv) says EPERM for a read-only file opened for writing, where POSIX says EACCES.
      if (process.platform === "win32" && (error as { code?: unknown } | null)?.code === "EPERM") throw new WasiError(Errno.ACCES);
      throw error;
    }
    const handle = FileHandle.#adopt(services, fd, request, (st) => expected === undefined || (st.dev === expected.dev && st.ino === expected.ino));
    if (handle === undefined) throw new RaceLost();
    return handle;
  }

  /**
   * Opens what is at `hostPath` if it is a file that exists (no create, no truncate, no link
   * followed); undefined for anything else (nothing there, a link, a directory), for the caller to
   * look at more closely.
   */
  static openExisting(services: FileServices, hostPath: string, request: OpenRequest & { truncate: false }): FileHandle | StreamFileHandle | undefined {
    let fd: number;
    try {
      fd = services.fs.open(hostPath, accessFlags(request));
    } catch (error) {
      // Nothing there, a link, a directory: the long way looks closer and gives the errno.
      const errno = errnoOf(error);
      if (errno === Errno.NOENT || errno === Errno.LOOP || errno === Errno.ISDIR || errno === Errno.NOTDIR) return undefined;
      throw new WasiError(errno);
    }
    return FileHandle.#adopt(services, fd, request, () => true);
  }

  /**
   * A handle on the host descriptor `fd` if it holds a non-directory that `accept` takes; else, or
   * if looking fails, `fd` is closed (and undefined returned, or the error thrown).
   */
  static #adopt(services: FileServices, fd: number, request: OpenRequest, accept: (st: BigIntStats) => boolean): FileHandle | StreamFileHandle | undefined {
    try {
      const st = services.fs.fstat(fd);
      if (!st.isDirectory() && accept(st)) {
        if (isStream(st)) return new StreamFileHandle(services, fd, st, request);
        return new FileHandle(services, fd, filetypeOf(st), request.fdflags & ~Fdflags.NONBLOCK);
      }
    } catch (error) {
      services.fs.close(fd);
      throw error;
    }
    services.fs.close(fd);
    return undefined;
  }

  override read(buffers: Uint8Array[]): number {
    const n = this.#readAt(buffers, this.#position);
    this.#position += n;
    return n;
  }

  override pread(buffers: Uint8Array[], offset: bigint): number {
    if (offset > MAX_OFFSET) return fail(Errno.INVAL);
    return this.#readAt(buffers, Number(offset));
  }

  override write(buffers: Uint8Array[]): number {
    const at = this.fdflags & Fdflags.APPEND ? Number(this.fs.fstat(this.hostFd).size) : this.#position;
    const n = this.#writeAt(buffers, at);
    this.#position = at + n;
    this.#flushIfSync();
    return n;
  }

  override pwrite(buffers: Uint8Array[], offset: bigint): number {
    if (offset > MAX_OFFSET) return fail(Errno.INVAL);
    const n = this.#writeAt(buffers, Number(offset));
    this.#flushIfSync();
    return n;
  }

  override readInto(memory: Uint8Array, offset: number, length: number): number {
    const n = length === 0 ? 0 : this.fs.read(this.hostFd, memory, offset, length, this.#position);
    this.#position += n;
    return n;
  }

  override preadInto(memory: Uint8Array, offset: number, length: number, at: bigint): number {
    if (at > MAX_OFFSET) return fail(Errno.INVAL);
    return length === 0 ? 0 : this.fs.read(this.hostFd, memory, offset, length, Number(at));
  }

  override writeFrom(memory: Uint8Array, offset: number, length: number): number {
    const at = this.fdflags & Fdflags.APPEND ? Number(this.fs.fstat(this.hostFd).size) : this.#position;
    const n = length === 0 ? 0 : this.fs.write(this.hostFd, memory, offset, length, at);
    this.#position = at + n;
    this.#flushIfSync();
    return n;
  }

  override pwriteFrom(memory: Uint8Array, offset: number, length: number, at: bigint): number {
    if (at > MAX_OFFSET) return fail(Errno.INVAL);
    const n = length === 0 ? 0 : this.fs.write(this.hostFd, memory, offset, length, Number(at));
    this.#flushIfSync();
    return n;
  }

  /** SYNC/RSYNC and DSYNC are emulated (so fd_fdstat_set_flags can change them): flush after each write. */
  #flushIfSync(): void {
    if (this.fdflags & (Fdflags.SYNC | Fdflags.RSYNC)) this.fs.fsync(this.hostFd);
    else if (this.fdflags & Fdflags.DSYNC) this.fs.fdatasync(this.hostFd);
  }

  override seek(offset: bigint, whence: SeekWhence): bigint {
    const base = whence === "set" ? 0n : whence === "cur" ? BigInt(this.#position) : this.fs.fstat(this.hostFd).size;
    const target = base + offset;
    if (target < 0n) return fail(Errno.INVAL);
    if (target > MAX_OFFSET) return fail(Errno.OVERFLOW);
    this.#position = Number(target);
    return target;
  }

  override tell(): bigint {
    return BigInt(this.#position);
  }

  override setSize(size: bigint): void {
    if (size > MAX_OFFSET) fail(Errno.FBIG);
    this.fs.ftruncate(this.hostFd, Number(size));
  }

  override allocate(offset: bigint, len: bigint): void {
    // No fallocate in Node: grow the file to cover the range, which is what the guest can observe.
    const end = offset + len;
    if (end > MAX_OFFSET) fail(Errno.FBIG);
    if (this.fs.fstat(this.hostFd).size < end) this.fs.ftruncate(this.hostFd, Number(end));
  }

  /** As wasmtime answers for a file: always ready, nbytes 1, and HANGUP from its end on. */
  override pollRead(): Readiness {
    return { nbytes: 1n, hangup: this.readable() === 0n };
  }

  override readable(): bigint {
    const size = this.fs.fstat(this.hostFd).size;
    const left = size - BigInt(this.#position);
    return left > 0n ? left : 0n;
  }

  #readAt(buffers: Uint8Array[], at: number): number {
    const nonEmpty = buffers.filter((b) => b.byteLength > 0);
    if (nonEmpty.length === 0) return 0;
    if (nonEmpty.length === 1) return this.fs.read(this.hostFd, nonEmpty[0]!, 0, nonEmpty[0]!.byteLength, at);
    return this.fs.readv(this.hostFd, nonEmpty, at);
  }

  #writeAt(buffers: Uint8Array[], at: number): number {
    const nonEmpty = buffers.filter((b) => b.byteLength > 0);
    if (nonEmpty.length === 0) return 0;
    if (nonEmpty.length === 1) return this.fs.write(this.hostFd, nonEmpty[0]!, 0, nonEmpty[0]!.byteLength, at);
    return this.fs.writev(this.hostFd, nonEmpty, at);
  }
}

/**
 * A FIFO, character device or socket: no position, so seek, tell, pread and pwrite are ESPIPE.
 * Opened O_NONBLOCK (see accessFlags), it is read and written as stdio is: the host's EAGAIN is
 * waited out unless the guest asked for NONBLOCK, which it then sees (src/blocking-io.ts).
 */
export class StreamFileHandle extends HostFileHandle {
  /**
   * A FIFO opened for reading only, before its first byte: an empty read then means that no writer
   * has come yet (a blocking open would still be waiting for one), not the end, so it is waited
   * out too. Once a byte has come, an empty read is the end, as always.
   */
  #awaitingWriter: boolean;
  readonly #read: Transfer;
  readonly #write: Transfer;

  constructor(services: FileServices, hostFd: number, st: BigIntStats, request: OpenRequest) {
    super(services, hostFd, filetypeOf(st), request.fdflags);
    this.#awaitingWriter = st.isFIFO() && !writes(request);
    this.#read = (buffer, offset, length) => {
      const n = this.fs.read(hostFd, buffer, offset, length, null);
      if (n > 0) this.#awaitingWriter = false;
      else if (this.#awaitingWriter) fail(Errno.AGAIN);
      return n;
    };
    this.#write = (buffer, offset, length) => this.fs.write(hostFd, buffer, offset, length, null);
  }

  get #nonblocking(): boolean {
    return (this.fdflags & Fdflags.NONBLOCK) !== 0;
  }

  override read(buffers: Uint8Array[]): number {
    const target = buffers.find((b) => b.byteLength > 0);
    return target === undefined ? 0 : readWaiting(this.#read, target, 0, target.byteLength, this.#nonblocking);
  }

  override readInto(memory: Uint8Array, offset: number, length: number): number {
    return readWaiting(this.#read, memory, offset, length, this.#nonblocking);
  }

  override write(buffers: Uint8Array[]): number {
    return writeWaiting(this.#write, buffers, this.#nonblocking);
  }
}

