// Standard input and output: the host's fds, or Buffers, Node streams and callbacks.
import * as fs from "node:fs";
import { isatty } from "node:tty";
import { Errno, Fdflags, Filetype } from "./abi/constants.js";
import { invalidArgType } from "./api-errors.js";
import type { FilestatValue } from "./abi/layouts.js";
import { fail } from "./errors.js";
import { Handle } from "./handle.js";
import { sleepMs } from "./sleep.js";
import { filestatOf } from "./fs/stat.js";

export type StdinOption = number | string | Uint8Array | ((maxBytes: number) => Uint8Array | string | null) | { fd: number };
export type StdoutOption = number | NodeJS.WritableStream | ((chunk: Uint8Array) => void);

/** The longest a blocking stdio call sleeps between retries when the host answers EAGAIN. */
const MAX_BACKOFF_MS = 50;

function zeroStat(filetype: Filetype): FilestatValue {
  return { dev: 0n, ino: 0n, filetype, nlink: 1n, size: 0n, atim: 0n, mtim: 0n, ctim: 0n };
}

/** Copies as many bytes of `source` as fit into `buffers`, in order. */
function scatter(source: Uint8Array, buffers: Uint8Array[]): number {
  let done = 0;
  for (const buffer of buffers) {
    if (done >= source.byteLength) break;
    const n = Math.min(buffer.byteLength, source.byteLength - done);
    buffer.set(source.subarray(done, done + n));
    done += n;
  }
  return done;
}

function gather(buffers: Uint8Array[]): Uint8Array {
  if (buffers.length === 1) return buffers[0]!.slice();
  let total = 0;
  for (const b of buffers) total += b.byteLength;
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of buffers) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

const isEagain = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "EAGAIN" || code === "EWOULDBLOCK";
};

/**
 * One of the host's own descriptors. Reads and writes block as a program expects even when Node has
 * made the descriptor non-blocking (it does for pipes once process.stdin/stdout is touched): an
 * EAGAIN from the host is waited out, unless the guest itself asked for NONBLOCK.
 */
export class HostFdStdio extends Handle {
  readonly filetype: Filetype;
  readonly isTty: boolean;

  constructor(readonly hostFd: number) {
    super();
    let filetype: Filetype = Filetype.UNKNOWN;
    try {
      const st = fs.fstatSync(hostFd);
      if (st.isCharacterDevice()) filetype = Filetype.CHARACTER_DEVICE;
      else if (st.isFile()) filetype = Filetype.REGULAR_FILE;
      else if (st.isSocket()) filetype = Filetype.SOCKET_STREAM;
      else if (st.isBlockDevice()) filetype = Filetype.BLOCK_DEVICE;
    } catch {
      // A closed host stdio fd: every call on it will answer EBADF.
    }
    this.filetype = filetype;
    // A character device is not necessarily a terminal (/dev/null is one too).
    this.isTty = filetype === Filetype.CHARACTER_DEVICE && isatty(hostFd);
  }

  override read(buffers: Uint8Array[]): number {
    const target = buffers.find((b) => b.byteLength > 0);
    if (!target) return 0;
    for (let backoff = 1; ; backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
      try {
        return fs.readSync(this.hostFd, target, 0, target.byteLength, null);
      } catch (e) {
        if ((e as { code?: unknown }).code === "EOF") return 0;
        if (!isEagain(e) || this.fdflags & Fdflags.NONBLOCK) throw e;
        sleepMs(backoff);
      }
    }
  }

  override write(buffers: Uint8Array[]): number {
    let total = 0;
    for (const buffer of buffers) {
      let at = 0;
      for (let backoff = 1; at < buffer.byteLength; ) {
        try {
          at += fs.writeSync(this.hostFd, buffer, at, buffer.byteLength - at);
          backoff = 1;
        } catch (e) {
          if (!isEagain(e) || this.fdflags & Fdflags.NONBLOCK) {
            if (total + at > 0) return total + at;
            throw e;
          }
          sleepMs(backoff);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
      }
      total += at;
    }
    return total;
  }

  override stat(): FilestatValue {
    return filestatOf(fs.fstatSync(this.hostFd, { bigint: true }));
  }

  override sync(): void {
    if (this.filetype === Filetype.REGULAR_FILE) fs.fsyncSync(this.hostFd);
  }

  override datasync(): void {
    if (this.filetype === Filetype.REGULAR_FILE) fs.fdatasyncSync(this.hostFd);
  }
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
      const chunk = (this.source as (n: number) => Uint8Array | string | null)(want);
      if (chunk === null || chunk === undefined) this.#ended = true;
      else this.#pending = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    }
    const n = scatter(this.#pending, buffers);
    this.#pending = this.#pending.subarray(n);
    return n;
  }

  override readable(): bigint | undefined {
    return BigInt(this.#pending.byteLength);
  }

  override stat(): FilestatValue {
    return zeroStat(this.filetype);
  }
}

/** stdout/stderr into a Node writable stream or a callback. The guest's bytes are copied out. */
export class SinkStdout extends Handle {
  readonly filetype = Filetype.UNKNOWN;

  constructor(private readonly sink: NodeJS.WritableStream | ((chunk: Uint8Array) => void)) {
    super();
  }

  override write(buffers: Uint8Array[]): number {
    const chunk = gather(buffers);
    if (chunk.byteLength === 0) return 0;
    if (typeof this.sink === "function") {
      this.sink(chunk);
    } else {
      // Writing to an ended or destroyed stream raises an 'error' event later, outside the import,
      // which would end the host process: answer EPIPE instead.
      const state = this.sink as { writableEnded?: boolean; destroyed?: boolean };
      if (state.writableEnded === true || state.destroyed === true) fail(Errno.PIPE);
      this.sink.write(chunk);
    }
    return chunk.byteLength;
  }

  override stat(): FilestatValue {
    return zeroStat(this.filetype);
  }
}

export function stdinHandle(option: StdinOption | undefined): Handle {
  if (option === undefined) return new HostFdStdio(0);
  if (typeof option === "number") return new HostFdStdio(option);
  if (typeof option === "string") return new SourceStdin(new TextEncoder().encode(option));
  if (option instanceof Uint8Array || typeof option === "function") return new SourceStdin(option);
  if (typeof option === "object" && option !== null && typeof option.fd === "number") return new HostFdStdio(option.fd);
  throw invalidArgType(
    "stdin must be a file descriptor number, a string, a Uint8Array, a function returning chunks, or a stream with a numeric fd",
  );
}

export function stdoutHandle(name: string, option: StdoutOption | undefined, defaultFd: number): Handle {
  if (option === undefined) return new HostFdStdio(defaultFd);
  if (typeof option === "number") return new HostFdStdio(option);
  if (option === process.stdout) return new HostFdStdio(1);
  if (option === process.stderr) return new HostFdStdio(2);
  if (typeof option === "function") return new SinkStdout(option);
  if (typeof option === "object" && option !== null && typeof (option as NodeJS.WritableStream).write === "function") {
    return new SinkStdout(option);
  }
  throw invalidArgType(`${name} must be a file descriptor number, a writable stream, or a function taking a Uint8Array`);
}
