// What every kind of stdio shares: how it stats, and how bytes move between a chunk and the
// guest's buffers.
import type { Filetype } from "./abi/constants.js";
import type { FilestatValue } from "./abi/layouts.js";

/**
 * What fd_filestat_get says of stdio: a stream, nothing more (as in wasmtime). Even a host file
 * behind it is not shown as one: run-wasi cannot move the host descriptor's offset (Node has no
 * lseek), so it cannot offer what a regular file promises.
 */
export function streamStat(filetype: Filetype): FilestatValue {
  return { dev: 0n, ino: 0n, filetype, nlink: 1n, size: 0n, atim: 0n, mtim: 0n, ctim: 0n };
}

/** Copies as many bytes of `source` as fit into `buffers`, in order. */
export function scatter(source: Uint8Array, buffers: Uint8Array[]): number {
  let done = 0;
  for (const buffer of buffers) {
    if (done >= source.byteLength) break;
    const n = Math.min(buffer.byteLength, source.byteLength - done);
    buffer.set(source.subarray(done, done + n));
    done += n;
  }
  return done;
}

/** A copy of the first `max` bytes of `buffers`, joined. */
export function gather(buffers: Uint8Array[], max: number): Uint8Array {
  let total = 0;
  for (const b of buffers) total += b.byteLength;
  const out = new Uint8Array(Math.min(total, max));
  let at = 0;
  for (const b of buffers) {
    if (at === out.byteLength) break;
    const n = Math.min(b.byteLength, out.byteLength - at);
    out.set(n === b.byteLength ? b : b.subarray(0, n), at);
    at += n;
  }
  return out;
}
