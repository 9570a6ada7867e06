// Reads and writes on host descriptors that are streams (stdio, and FIFOs, character devices and
// sockets found in a preopen), which the host may have made non-blocking: Node does so to stdio
// pipes, and run-wasi opens special files O_NONBLOCK so that opening never blocks. A program that
// did not ask for NONBLOCK expects to wait, so the host's EAGAIN is waited out here, with
// Atomics.wait backing off (no spinning); with NONBLOCK it is the guest's EAGAIN.
import { Errno } from "./abi/constants.js";
import { errnoOf } from "./errors.js";
import { sleepMs } from "./sleep.js";

/** One host read or write at the descriptor's own position (readSync/writeSync with position null). */
export type Transfer = (buffer: Uint8Array, offset: number, length: number) => number;

/** The longest a blocking call sleeps between retries while the host answers EAGAIN. */
const MAX_BACKOFF_MS = 50;

/** EAGAIN/EWOULDBLOCK from the host, or WasiError(AGAIN) from a transfer whose source is not ready yet. */
const wouldBlock = (error: unknown): boolean => errnoOf(error) === Errno.AGAIN;

/** One read of at most `length` bytes into `buffer` at `offset`, waiting for data unless `nonblocking`. */
export function readWaiting(read: Transfer, buffer: Uint8Array, offset: number, length: number, nonblocking: boolean): number {
  if (length === 0) return 0;
  for (let backoff = 1; ; backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
    try {
      return read(buffer, offset, length);
    } catch (error) {
      // Windows pipes report their end as an error.
      if ((error as { code?: unknown } | null)?.code === "EOF") return 0;
      if (nonblocking || !wouldBlock(error)) throw error;
      sleepMs(backoff);
    }
  }
}

/**
 * Writes every byte of `buffers`, in order, waiting for room unless `nonblocking`. A failure after
 * some bytes went out ends the call with their count (a short write, as POSIX has it).
 */
export function writeWaiting(write: Transfer, buffers: readonly Uint8Array[], nonblocking: boolean): number {
  let total = 0;
  for (const buffer of buffers) {
    for (let at = 0, backoff = 1; at < buffer.byteLength; ) {
      try {
        at += write(buffer, at, buffer.byteLength - at);
        backoff = 1;
      } catch (error) {
        if (nonblocking || !wouldBlock(error)) {
          if (total + at > 0) return total + at;
          throw error;
        }
        sleepMs(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
    total += buffer.byteLength;
  }
  return total;
}
