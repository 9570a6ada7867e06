// What the guest's thread and the I/O thread share: the layout of a channel's SharedArrayBuffer and
// the ring buffers in it. `ringOps` runs on both sides; the I/O thread receives its source text
// (see thread.ts), so it must use nothing but its parameters and globals.

/** Bytes each way that one stream (a socket, or a watched stdin) holds in memory: a constant, never guest-sized. */
export const RING_BYTES = 64 * 1024;

/** Int32 words at the start of every channel. Each word has one writer, named here. */
export const Word = {
  /** Bytes ever put into the in-ring (I/O thread), and taken out of it (guest thread); both wrap. */
  IN_HEAD: 0,
  IN_TAIL: 1,
  /** How the incoming stream ended (I/O thread): one of `End`. */
  IN_END: 2,
  /** The errno an abnormal end reports once (I/O thread). */
  IN_ERRNO: 3,
  /** 1 while the I/O thread has stopped reading because the in-ring is full (both: set by it, cleared by the guest's thread). */
  IN_PAUSED: 4,
  /** Bytes ever put into the out-ring (guest thread), and handed to the kernel (I/O thread). */
  OUT_HEAD: 5,
  OUT_TAIL: 6,
  /** 1 once the outgoing stream is broken: sends give EPIPE (I/O thread). */
  OUT_BROKEN: 7,
  /** 1 while a "send" message is on its way to the I/O thread (both, as a latch). */
  OUT_SIGNALLED: 8,
  /** Connections a listener holds that the guest has not accepted yet (I/O thread). */
  PENDING: 9,
} as const;
export const HEADER_BYTES = 64;

export const End = { OPEN: 0, EOF: 1, ERROR: 2 } as const;

/** The control block: word 0 is the doorbell (bumped and notified on every change of any channel), then one request's reply. */
export const Control = {
  DOORBELL: 0,
  /** 0 while a request is pending, 1 once answered (I/O thread). */
  REPLY_READY: 1,
  /** The answer: 0, or an errno (I/O thread). */
  REPLY_ERRNO: 2,
  /** For listen: the port bound (I/O thread). */
  REPLY_VALUE: 3,
  /** The host error code of a failed request, as ASCII (I/O thread). */
  REPLY_CODE_AT: 16,
  REPLY_CODE_BYTES: 48,
  BYTES: 64,
} as const;

/** One ring inside a channel: its data area and the two counters that index it. */
export interface Ring {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
  readonly head: number;
  readonly tail: number;
  /** Offset of the data area in `bytes`. */
  readonly start: number;
  /** A power of two. */
  readonly capacity: number;
}

/** Everything above, as plain data the I/O thread receives. */
export const layout = { Word, HEADER_BYTES, End, Control, RING_BYTES } as const;
export type Layout = typeof layout;

/** Single-producer single-consumer byte rings, and the channel buffers that hold them. */
export function ringOps(l: Layout) {
  const used = (r: Ring): number => (Atomics.load(r.words, r.head) - Atomics.load(r.words, r.tail)) | 0;
  /** Copies out up to dst.byteLength bytes from `skip` bytes in, without consuming. */
  const copyOut = (r: Ring, dst: Uint8Array, skip: number): number => {
    const n = Math.min(dst.byteLength, used(r) - skip);
    if (n <= 0) return 0;
    const from = (Atomics.load(r.words, r.tail) + skip) & (r.capacity - 1);
    const first = Math.min(n, r.capacity - from);
    dst.set(r.bytes.subarray(r.start + from, r.start + from + first), 0);
    if (n > first) dst.set(r.bytes.subarray(r.start, r.start + n - first), first);
    return n;
  };
  return {
    /** A channel's buffer: header words, then the in-ring, then the out-ring. */
    channel(buffer: SharedArrayBuffer, inBytes: number, outBytes: number): { words: Int32Array; in: Ring; out: Ring } {
      const words = new Int32Array(buffer, 0, l.HEADER_BYTES / 4);
      const bytes = new Uint8Array(buffer);
      return {
        words,
        in: { words, bytes, head: l.Word.IN_HEAD, tail: l.Word.IN_TAIL, start: l.HEADER_BYTES, capacity: inBytes },
        out: { words, bytes, head: l.Word.OUT_HEAD, tail: l.Word.OUT_TAIL, start: l.HEADER_BYTES + inBytes, capacity: outBytes },
      };
    },
    used,
    free: (r: Ring): number => r.capacity - used(r),
    /** Copies as much of `src` as fits; returns how much. */
    put(r: Ring, src: Uint8Array): number {
      const n = Math.min(src.byteLength, r.capacity - used(r));
      if (n <= 0) return 0;
      const head = Atomics.load(r.words, r.head);
      const at = head & (r.capacity - 1);
      const first = Math.min(n, r.capacity - at);
      r.bytes.set(src.subarray(0, first), r.start + at);
      if (n > first) r.bytes.set(src.subarray(first, n), r.start);
      Atomics.store(r.words, r.head, (head + n) | 0);
      return n;
    },
    copyOut,
    /** Consumes `n` bytes (after copyOut). */
    skip(r: Ring, n: number): void {
      Atomics.store(r.words, r.tail, (Atomics.load(r.words, r.tail) + n) | 0);
    },
    take(r: Ring, dst: Uint8Array): number {
      const n = copyOut(r, dst, 0);
      Atomics.store(r.words, r.tail, (Atomics.load(r.words, r.tail) + n) | 0);
      return n;
    },
  };
}
export type RingOps = ReturnType<typeof ringOps>;
