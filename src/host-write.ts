// The host's own lines (traces, the CLI's messages and results) written to a host descriptor:
// synchronously, so they interleave with the guest's output in order, and never fatally.
import * as fs from "node:fs";
import { sleepMs } from "./sleep.js";

/** The longest a write sleeps between retries when the host answers EAGAIN. */
const MAX_BACKOFF_MS = 50;

/**
 * Writes all of `data` to the host's `fd`, waiting out EAGAIN (Node makes stdio pipes
 * non-blocking). Returns false when the descriptor refuses for good (a pipe whose reader is gone:
 * EPIPE; a closed fd: EBADF), so that the caller stops writing there; it never throws.
 */
export function writeHostSync(fd: number, data: string | Uint8Array): boolean {
  let rest = typeof data === "string" ? Buffer.from(data) : data;
  for (let backoff = 1; rest.byteLength > 0; ) {
    try {
      rest = rest.subarray(fs.writeSync(fd, rest));
      backoff = 1;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== "EAGAIN" && code !== "EWOULDBLOCK") return false;
      sleepMs(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
  return true;
}
