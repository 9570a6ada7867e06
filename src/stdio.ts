// Standard input and output: the host's fds, or Buffers, Node streams and callbacks.
import * as fs from "node:fs";
import { Errno, Fdflags, Filetype } from "./abi/constants.js";
import { invalidArgType } from "./api-errors.js";
import { tty } from "./builtins.js";
import type { FilestatValue } from "./abi/layouts.js";
import { readWaiting, writeWaiting, type Transfer } from "./blocking-io.js";
import { EmbedderError, errnoOf, fail } from "./errors.js";
import { Handle } from "./handle.js";
import { ChannelStream, type Readiness } from "./io/stream.js";
import { gather, scatter, streamStat } from "./stdio-bytes.js";
import { inScratch } from "./iovecs.js";
import { AsyncStdin, AsyncStdout, isAsyncStdin, isAsyncStdout, type AsyncStdinOption, type AsyncStdoutOption } from "./async/stdio.js";
import { delay, RETRY_MS, WouldWait, type Changes } from "./async/wait.js";
import type { IoThread } from "./io/thread.js";

/** The async host (options.async) also takes any Node Readable, web ReadableStream or async iterable of bytes. */
export type StdinOption = number | string | Uint8Array | ((maxBytes: number) => Uint8Array | string | null) | { fd: number } | AsyncStdinOption;
/** The async host also takes a web WritableStream, and waits on either kind of stream's backpressure. */
export type StdoutOption = number | NodeJS.WritableStream | ((chunk: Uint8Array) => void) | AsyncStdoutOption;

/** What stdio needs of the async host: where its changes are announced, and its I/O thread. */
export interface AsyncStdio {
  readonly changes: Changes;
  readonly io: IoThread;
}

/**
 * The most bytes a stream given as stdout or stderr may hold unwritten (its `writableLength`). The
 * guest runs on the thread that would let the stream drain, so it cannot wait for it: a write that
 * finds less room takes what fits (a short write), one that finds none is EIO.
 */
export const STREAM_BUFFER_LIMIT = 16 * 1024 * 1024;

/**
 * One of the host's own descriptors. Reads and writes block as a program expects even when Node has
 * made the descriptor non-blocking (it does for pipes once process.stdin/stdout is touched), unless
 * the guest itself asked for NONBLOCK (src/blocking-io.ts). It is a stream whatever the host has
 * behind it: a terminal is a CHARACTER_DEVICE, anything else UNKNOWN, and neither seeks (ESPIPE).
 */
function isLinuxMemoryDevice(rdev: number): boolean {
  return process.platform === "linux" && Math.floor(rdev / 256) % 4096 === 1;
}

export class HostFdStdio extends Handle {
  readonly filetype: Filetype;
  readonly isTty: boolean;
  /** A host file behind it: fd_sync and fd_datasync reach the disk. */
  readonly #syncable: boolean;
  /** A pipe, socket or terminal behind it: what the I/O thread can watch for readiness. */
  readonly #watchable: boolean;
  readonly #read: Transfer;
  readonly #write: Transfer;
  #watched: ChannelStream | undefined;
  #unwatchable = false;
  /** The async host's I/O thread: reads of a pipe or terminal go through it, and nothing blocks the thread. */
  readonly #asyncIo: IoThread | undefined;

  constructor(readonly hostFd: number, asyncIo?: IoThread) {
    super();
    let isTty = false;
    let syncable = false;
    let watchable = false;
    try {
      const st = fs.fstatSync(hostFd);
      syncable = st.isFile();
      // Only a character device can be a terminal, and not Linux's memory devices (major 1: /dev/null,
      // /dev/zero...): a pipe, a file or /dev/null needs no node:tty, which brings node:net along.
      isTty = st.isCharacterDevice() && !isLinuxMemoryDevice(st.rdev) && tty().isatty(hostFd);
      watchable = isTty || st.isFIFO() || st.isSocket();
    } catch {
      // A closed host stdio fd: every call on it will answer EBADF.
    }
    this.isTty = isTty;
    this.filetype = isTty ? Filetype.CHARACTER_DEVICE : Filetype.UNKNOWN;
    this.#syncable = syncable;
    this.#watchable = watchable;
    this.#asyncIo = asyncIo;
    this.#read = (buffer, offset, length) => fs.readSync(hostFd, buffer, offset, length, null);
    this.#write = (buffer, offset, length) => fs.writeSync(hostFd, buffer, offset, length);
  }

  override read(buffers: Uint8Array[]): number {
    const target = buffers.find((b) => b.byteLength > 0);
    if (!target) return 0;
    const nonblocking = (this.fdflags & Fdflags.NONBLOCK) !== 0;
    if (this.#asyncIo !== undefined) this.pollRead(this.#asyncIo); // watched from the first read: it may wait without blocking
    if (this.#watched !== undefined) return this.#watched.read(target, { nonblocking });
    if (this.#asyncIo === undefined) return readWaiting(this.#read, target, 0, target.byteLength, nonblocking);
    return this.#retryLater(() => readWaiting(this.#read, target, 0, target.byteLength, true), nonblocking);
  }

  override write(buffers: Uint8Array[]): number {
    const nonblocking = (this.fdflags & Fdflags.NONBLOCK) !== 0;
    if (this.#asyncIo === undefined || nonblocking) return writeWaiting(this.#write, buffers, nonblocking);
    return this.#writeWhole(buffers, 0);
  }

  /**
   * The async host's blocking write: what the host takes now, then the rest after waits on a timer
   * (WouldWait resuming here), until all is written, as a blocking write to a pipe does. The rest
   * is kept as views of guest memory (the guest is suspended: it cannot change them), but what is
   * in the iovec scratch buffer, which the next call reuses, is copied: at most its 64 KiB.
   */
  #writeWhole(buffers: readonly Uint8Array[], done: number): number {
    let n = 0;
    try {
      n = writeWaiting(this.#write, buffers, true);
    } catch (error) {
      if (errnoOf(error) !== Errno.AGAIN) {
        if (done > 0) return done;
        throw error;
      }
    }
    const rest = remainder(buffers, n);
    if (rest.length === 0) return done + n;
    throw new WouldWait(delay(RETRY_MS), () => this.#writeWhole(rest, done + n));
  }

  /** The async host: a host EAGAIN with nothing moved is waited out on a timer, the event loop free. */
  #retryLater(transfer: () => number, nonblocking: boolean): number {
    try {
      return transfer();
    } catch (error) {
      if (nonblocking || errnoOf(error) !== Errno.AGAIN) throw error;
      throw new WouldWait(delay(RETRY_MS));
    }
  }

  /**
   * A pipe, socket or terminal on the host's fd 0-2 is watched by the I/O thread from the first
   * poll on: the poll waits for its bytes, and every read after takes them from the same buffer, so
   * none is lost or reordered. Anything else is ready at once: files, other character devices, and
   * host fds above 2 (Node could only watch one by taking it over, and would close it afterwards).
   */
  override pollRead(io: IoThread): Readiness | undefined {
    if (this.#watched === undefined && !this.#unwatchable) {
      // Node can watch a descriptor only by taking it over; it never closes 0–2, so only those.
      this.#watched = this.hostFd <= 2 && this.#watchable ? ChannelStream.watch(io, this.hostFd) : undefined;
      this.#unwatchable = this.#watched === undefined;
    }
    return this.#watched === undefined ? { nbytes: 1n, hangup: false } : this.#watched.readReadiness();
  }

  override close(): void {
    this.#watched?.close();
  }

  override stat(): FilestatValue {
    fs.fstatSync(this.hostFd); // still open?
    return streamStat(this.filetype);
  }

  override sync(): void {
    if (this.#syncable) fs.fsyncSync(this.hostFd);
  }

  override datasync(): void {
    if (this.#syncable) fs.fdatasyncSync(this.hostFd);
  }
}

/** What of `buffers` is left after `n` bytes; what was in the iovec scratch buffer is copied out of it (see #writeWhole). */
function remainder(buffers: readonly Uint8Array[], n: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  for (const buffer of buffers) {
    const left = n >= buffer.byteLength ? undefined : buffer.subarray(Math.max(n, 0));
    n -= buffer.byteLength;
    if (left === undefined) continue;
    rest.push(inScratch(left) ? left.slice() : left);
  }
  return rest;
}

/** stdin served from bytes in memory or from a callback that hands out chunks. */
export class SourceStdin extends Handle {
  readonly filetype = Filetype.UNKNOWN;
  #pending: Uint8Array = new Uint8Array(0);
  #ended = false;

  constructor(private readonly source: Uint8Array | ((maxBytes: number) => Uint8Array | string | null)) {
    super();
    if (source instanceof Uint8Array) {
      this.#pending = source;
      this.#ended = true;
    }
  }

  override read(buffers: Uint8Array[]): number {
    let want = 0;
    for (const b of buffers) want += b.byteLength;
    if (want === 0) return 0;
    if (this.#pending.byteLength === 0 && !this.#ended) {
      let chunk: Uint8Array | null;
      try {
        chunk = chunkOf((this.source as (n: number) => unknown)(want));
      } catch (error) {
        throw new EmbedderError(error);
      }
      if (chunk === null) this.#ended = true;
      else this.#pending = chunk;
    }
    const n = scatter(this.#pending, buffers);
    this.#pending = this.#pending.subarray(n);
    return n;
  }

  override readable(): bigint | undefined {
    return BigInt(this.#pending.byteLength);
  }

  override stat(): FilestatValue {
    return streamStat(this.filetype);
  }
}

/**
 * stdout/stderr into a Node writable stream or a callback. The guest's bytes are copied out. What
 * either throws is the embedder's own exception: it ends the guest (EmbedderError).
 */
export class SinkStdout extends Handle {
  readonly filetype = Filetype.UNKNOWN;

  constructor(private readonly sink: NodeJS.WritableStream | ((chunk: Uint8Array) => void)) {
    super();
  }

  override write(buffers: Uint8Array[]): number {
    if (typeof this.sink === "function") {
      const chunk = gather(buffers, Infinity);
      if (chunk.byteLength === 0) return 0;
      try {
        this.sink(chunk);
      } catch (error) {
        throw new EmbedderError(error);
      }
      return chunk.byteLength;
    }
    let total = 0;
    for (const b of buffers) total += b.byteLength;
    if (total === 0) return 0;
    // Writing to an ended or destroyed stream raises an 'error' event later, outside the import,
    // which would end the host process: answer EPIPE instead.
    const state = this.sink as { writableEnded?: boolean; destroyed?: boolean; writableLength?: unknown };
    if (state.writableEnded === true || state.destroyed === true) fail(Errno.PIPE);
    const held = typeof state.writableLength === "number" ? state.writableLength : 0;
    if (held >= STREAM_BUFFER_LIMIT) fail(Errno.IO);
    const chunk = gather(buffers, STREAM_BUFFER_LIMIT - held);
    try {
      this.sink.write(chunk);
    } catch (error) {
      throw new EmbedderError(error);
    }
    return chunk.byteLength;
  }

  override stat(): FilestatValue {
    return streamStat(this.filetype);
  }
}

/** A stdin function's answer as bytes (null: the end); anything else is the embedder's mistake. */
function chunkOf(answer: unknown): Uint8Array | null {
  if (answer === null || answer instanceof Uint8Array) return answer;
  if (typeof answer === "string") return new TextEncoder().encode(answer);
  const thenable = typeof (answer as { then?: unknown } | undefined)?.then === "function";
  const what = thenable
    ? "a Promise (it is called synchronously, while the guest waits in fd_read: it cannot be async)"
    : answer === undefined ? "undefined" : `a value of type ${typeof answer}`;
  const message = `the stdin function must return a Uint8Array, a string, or null (end of input), not ${what}`;
  throw Object.assign(new TypeError(message), { code: "ERR_INVALID_RETURN_VALUE" });
}

/** stdin as configured; `host` is the async host's (undefined for the synchronous one). */
export function stdinHandle(option: StdinOption | undefined, host?: AsyncStdio): Handle {
  const hostFd = (fd: number) => new HostFdStdio(fd, host?.io);
  if (option === undefined) return hostFd(0);
  if (typeof option === "number") return hostFd(option);
  if (typeof option === "string") return new SourceStdin(new TextEncoder().encode(option));
  if (option instanceof Uint8Array || typeof option === "function") return new SourceStdin(option as (maxBytes: number) => Uint8Array | string | null);
  if (typeof option === "object" && option !== null && "fd" in option && typeof option.fd === "number") return hostFd(option.fd);
  if (host !== undefined && isAsyncStdin(option)) return new AsyncStdin(option, host.changes);
  throw invalidArgType(
    "stdin must be a file descriptor number, a string, a Uint8Array, a function returning chunks, or a stream with a numeric fd" +
      (host === undefined ? " (a Node Readable, web ReadableStream or async iterable needs options.async: true)" : ", a Node Readable, a web ReadableStream or an async iterable"),
  );
}

/** stdout or stderr as configured; `host` is the async host's (undefined for the synchronous one). */
export function stdoutHandle(name: string, option: StdoutOption | undefined, defaultFd: number, host?: AsyncStdio): Handle {
  const hostFd = (fd: number) => new HostFdStdio(fd, host?.io);
  if (option === undefined) return hostFd(defaultFd);
  if (typeof option === "number") return hostFd(option);
  if (option === process.stdout) return hostFd(1);
  if (option === process.stderr) return hostFd(2);
  if (typeof option === "function") return new SinkStdout(option);
  if (host !== undefined && isAsyncStdout(option)) return new AsyncStdout(option, host.changes);
  if (typeof option === "object" && option !== null && typeof (option as NodeJS.WritableStream).write === "function") {
    return new SinkStdout(option as NodeJS.WritableStream);
  }
  throw invalidArgType(
    `${name} must be a file descriptor number, a writable stream, or a function taking a Uint8Array` +
      (host === undefined ? " (a web WritableStream needs options.async: true)" : ", or a web WritableStream"),
  );
}
