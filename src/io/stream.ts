// A byte stream owned by the I/O thread (a socket, or a watched stdin), as the guest's thread reads
// and writes it: through the two rings of its channel, blocking on the doorbell where the guest did
// not ask for NONBLOCK.
import { Errno } from "../abi/constants.js";
import { fail } from "../errors.js";
import { End, HEADER_BYTES, RING_BYTES, Word, type Ring } from "./shared.js";
import type { IoThread } from "./thread.js";
import { WouldWait } from "../async/wait.js";
import { inScratch } from "../iovecs.js";

export interface ReadOptions {
  readonly nonblocking: boolean;
  /** Copy without consuming (RECV_PEEK). */
  readonly peek?: boolean;
  /** Wait until `dst` is full, the stream ends or fails (RECV_WAITALL). */
  readonly waitAll?: boolean;
}

/** What poll_oneoff reports for a ready stream. */
export interface Readiness {
  readonly nbytes: bigint;
  readonly hangup: boolean;
}

export class ChannelStream {
  readonly #io: IoThread;
  readonly #words: Int32Array;
  readonly #in: Ring;
  readonly #out: Ring;
  /** The abnormal end has been reported once; reads now see end of stream. */
  #errorReported = false;
  #readShut = false;
  #writeShut = false;
  #closed = false;

  /** Allocates a channel; the caller asks the I/O thread to fill it (accept, watch). */
  constructor(
    io: IoThread,
    readonly id: number,
    readonly buffer: SharedArrayBuffer,
    writable: boolean,
  ) {
    this.#io = io;
    const rings = io.ring.channel(buffer, RING_BYTES, writable ? RING_BYTES : 0);
    this.#words = rings.words;
    this.#in = rings.in;
    this.#out = rings.out;
  }

  static buffer(writable: boolean): SharedArrayBuffer {
    return new SharedArrayBuffer(HEADER_BYTES + RING_BYTES * (writable ? 2 : 1));
  }

  /** Has the I/O thread read the host's fd `fd` (a pipe, socket or terminal) ahead; undefined if it cannot. */
  static watch(io: IoThread, fd: number): ChannelStream | undefined {
    const id = io.newId();
    const buffer = ChannelStream.buffer(false);
    return io.request({ op: "watch", id, fd, buffer }).errno === 0 ? new ChannelStream(io, id, buffer, false) : undefined;
  }

  /** Bytes a read returns at once, or undefined while a read would block. */
  readReadiness(): Readiness | undefined {
    const buffered = this.#readShut ? 0 : this.#io.ring.used(this.#in);
    const ended = this.#readShut || Atomics.load(this.#words, Word.IN_END) !== End.OPEN;
    if (buffered === 0 && !ended) return undefined;
    return { nbytes: BigInt(Math.max(buffered, 1)), hangup: ended };
  }

  /** Room for a send, or undefined while a send would block. A broken stream is ready (the send gives EPIPE). */
  writeReadiness(): Readiness | undefined {
    if (this.#writeShut || Atomics.load(this.#words, Word.OUT_BROKEN) === 1) return { nbytes: 0n, hangup: true };
    const free = this.#io.ring.free(this.#out);
    return free === 0 ? undefined : { nbytes: BigInt(free), hangup: false };
  }

  read(dst: Uint8Array, options: ReadOptions): number {
    if (this.#closed) fail(Errno.BADF);
    if (dst.byteLength === 0 || this.#readShut) return 0;
    let got = 0;
    for (;;) {
      const n = options.peek ? this.#io.ring.copyOut(this.#in, dst, 0) : this.#io.ring.take(this.#in, dst.subarray(got));
      got += n;
      if (n > 0 && !options.peek) this.#resumeReader();
      if (options.peek ? n > 0 : got === dst.byteLength || (got > 0 && !options.waitAll)) return options.peek ? n : got;
      const state = Atomics.load(this.#words, Word.IN_END);
      if (state !== End.OPEN && this.#io.ring.used(this.#in) === 0) {
        if (got > 0 || state === End.EOF || this.#errorReported) return got;
        this.#errorReported = true;
        return fail(Atomics.load(this.#words, Word.IN_ERRNO) as Errno);
      }
      if (options.nonblocking) return got > 0 ? got : fail(Errno.AGAIN);
      // The async host cannot wait with bytes taken (the call runs again after the wait): it returns them short.
      if (got > 0 && this.#io.async) return got;
      this.#io.waitUntil(() => this.#io.ring.used(this.#in) > 0 || Atomics.load(this.#words, Word.IN_END) !== End.OPEN);
    }
  }

  /**
   * Queues `src` for the I/O thread. Blocking, it returns once every byte is in the kernel (so a
   * guest that sends and exits loses nothing); NONBLOCK, once what fits is queued (EAGAIN if none).
   */
  write(src: Uint8Array, nonblocking: boolean): number {
    if (this.#closed) fail(Errno.BADF);
    if (this.#io.async && !nonblocking) return this.#writeWhole(src, 0);
    const ring = this.#io.ring;
    const broken = () => this.#writeShut || Atomics.load(this.#words, Word.OUT_BROKEN) === 1;
    const start = Atomics.load(this.#words, Word.OUT_HEAD);
    let queued = 0;
    while (queued < src.byteLength && !broken()) {
      const n = ring.put(this.#out, src.subarray(queued));
      queued += n;
      if (n > 0) this.#signalSend();
      else if (nonblocking) break;
      else this.#io.waitUntil(() => ring.free(this.#out) > 0 || broken());
    }
    if (!nonblocking) this.#io.waitUntil(() => ring.used(this.#out) === 0 || broken());
    if (broken()) {
      const sent = Math.min(queued, (Atomics.load(this.#words, Word.OUT_TAIL) - start) | 0);
      if (sent > 0) return sent;
      return fail(Errno.PIPE);
    }
    if (queued === 0 && src.byteLength > 0) fail(Errno.AGAIN);
    return queued;
  }

  /**
   * The async host's blocking send: what fits in the ring now, the rest after waits (WouldWait
   * resuming here), until all is queued; `done` bytes went before. It returns once the bytes are
   * queued, not sent: the I/O thread sends them still, after close too (for END_GRACE_MS). What
   * is kept across a wait is a view of guest memory, or a copy of what was in the scratch buffer.
   */
  #writeWhole(src: Uint8Array, done: number): number {
    if (this.#closed) fail(Errno.BADF);
    const ring = this.#io.ring;
    const seen = this.#io.doorbell();
    const broken = () => this.#writeShut || Atomics.load(this.#words, Word.OUT_BROKEN) === 1;
    let queued = 0;
    while (queued < src.byteLength && !broken()) {
      const n = ring.put(this.#out, src.subarray(queued));
      if (n === 0) break;
      queued += n;
      this.#signalSend();
    }
    if (broken()) return done + queued > 0 ? done + queued : fail(Errno.PIPE);
    if (queued === src.byteLength) return done + queued;
    const rest = inScratch(src) ? src.slice(queued) : src.subarray(queued);
    throw new WouldWait(this.#io.changed(seen, Infinity), () => this.#writeWhole(rest, done + queued));
  }

  shutdown(read: boolean, write: boolean): void {
    if (this.#closed) fail(Errno.BADF);
    if (read) this.#readShut = true;
    if (write) this.#writeShut = true;
    const reply = this.#io.request({ op: "shutdown", id: this.id, read, write });
    if (reply.errno !== 0) fail(reply.errno as Errno);
  }

  /** Gives the stream back to the I/O thread to send what it holds and close. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#io.closed) this.#io.post({ op: "close", id: this.id });
  }

  #resumeReader(): void {
    if (Atomics.load(this.#words, Word.IN_PAUSED) === 1 && Atomics.compareExchange(this.#words, Word.IN_PAUSED, 1, 0) === 1) {
      this.#io.post({ op: "resume", id: this.id });
    }
  }

  #signalSend(): void {
    if (Atomics.compareExchange(this.#words, Word.OUT_SIGNALLED, 0, 1) === 0) this.#io.post({ op: "send", id: this.id });
  }
}
