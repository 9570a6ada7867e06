// Scatter/gather over a guest's iovec array, with host memory bounded whatever the guest passes.
// The array is checked whole before any I/O (a bad entry faults the call with nothing done), then
// served in batches: at most IOV_BATCH host buffers per host call, runs of small iovecs copied
// through one scratch buffer rather than each given a view, and at most MAX_TRANSFER bytes a call.
// A write goes on batch after batch until everything is written or the host writes short; a read
// is served by one batch (a short read past IOV_BATCH buffers, as a read may always be short).
import { Errno } from "./abi/constants.js";
import { iovec } from "./abi/layouts.js";
import { WasiError } from "./errors.js";
import type { GuestMemory } from "./memory.js";

/** Host buffers in one host call: Linux's IOV_MAX, which the host itself never exceeds. */
export const IOV_BATCH = 1024;
/** The most bytes one call moves, as Linux caps a read or write (MAX_RW_COUNT): it fits the guest's u32. */
export const MAX_TRANSFER = 0x7ffff000;
/** Iovecs up to this length are copied through the scratch buffer instead of getting a view each. */
const SMALL = 512;
const SCRATCH_BYTES = 64 * 1024;

/** Lent to one call at a time; a nested call (a stdio callback calling another instance) gets its own. */
let spareScratch: Uint8Array | undefined;
/** Every scratch buffer's memory, to tell its views from views of guest memory. */
const scratchBuffers = new WeakSet<ArrayBufferLike>();

/**
 * Is `view` in a scratch buffer? Such a view is good only until the call returns (the next call
 * reuses the buffer): a write the async host finishes after a wait copies it (src/stdio.ts).
 */
export function inScratch(view: Uint8Array): boolean {
  return scratchBuffers.has(view.buffer);
}

/** Throws EFAULT unless the array and every buffer it names lie inside memory. Allocates nothing. */
function checkAll(mem: GuestMemory, ptr: number, count: number): void {
  mem.check(ptr, count * iovec.size);
  const view = mem.view;
  const size = mem.bytes.byteLength;
  for (let at = ptr, end = ptr + count * iovec.size; at < end; at += iovec.size) {
    if (view.getUint32(at, true) + view.getUint32(at + iovec.fields.buf_len.offset, true) > size) throw new WasiError(Errno.FAULT);
  }
}

interface Batch {
  /** What the host reads into or writes from, in order; never empty buffers. */
  readonly buffers: Uint8Array[];
  /** Their total length. */
  readonly bytes: number;
  /** The first iovec not (wholly) in this batch. */
  readonly next: number;
}

/**
 * The iovecs from `from` on, as at most IOV_BATCH buffers of at most `budget` bytes in all. A run
 * of small iovecs becomes one stretch of `scratch`: filled from them (`fill`, for writes), or, for
 * reads, noted in `runs` as (first iovec, end iovec, scratch offset, offset in the batch, length).
 */
function batch(mem: GuestMemory, ptr: number, count: number, from: number, budget: number, scratch: Uint8Array, fill: boolean, runs?: number[]): Batch {
  const { view, bytes } = mem;
  const buffers: Uint8Array[] = [];
  let total = 0;
  let used = 0; // of scratch
  let run = -1; // index in buffers of the open run, if any
  let runStart = 0;
  const closeRun = (end: number): void => {
    if (run < 0) return;
    buffers[run] = scratch.subarray(runStart, used);
    if (runs) runs[runs.length - 4] = end;
    run = -1;
  };
  let i = from;
  for (; i < count && total < budget; i++) {
    const at = ptr + i * iovec.size;
    const buf = view.getUint32(at, true);
    const len = Math.min(view.getUint32(at + iovec.fields.buf_len.offset, true), budget - total);
    if (len === 0) continue;
    if (len <= SMALL && used + len <= scratch.byteLength) {
      if (run < 0) {
        if (buffers.length === IOV_BATCH) break;
        run = buffers.length;
        runStart = used;
        buffers.push(scratch); // placeholder until the run closes
        runs?.push(i, i + 1, used, total, 0);
      }
      if (fill) copy(bytes, buf, len, scratch, used);
      used += len;
      if (runs) runs[runs.length - 1]! += len;
    } else {
      closeRun(i);
      if (buffers.length === IOV_BATCH) break;
      buffers.push(bytes.subarray(buf, buf + len));
    }
    total += len;
  }
  closeRun(i);
  return { buffers, bytes: total, next: i };
}

/** `len` bytes from `source` at `start` to `target` at `at`; a short copy builds no view. */
function copy(source: Uint8Array, start: number, len: number, target: Uint8Array, at: number): void {
  if (len < 16) for (let k = 0; k < len; k++) target[at + k] = source[start + k]!;
  else target.set(source.subarray(start, start + len), at);
}

function takeScratch(): Uint8Array {
  let scratch = spareScratch;
  if (scratch === undefined) {
    scratch = new Uint8Array(SCRATCH_BYTES);
    scratchBuffers.add(scratch.buffer);
  }
  spareScratch = undefined;
  return scratch;
}

/**
 * Writes the `count` iovecs at `ptr` through `write(buffers, done)` (done: bytes written so far, for
 * positioned writes), batch after batch, until all is written or a write comes back short. An
 * error after some bytes were written ends the call with that count, as POSIX write does.
 */
export function writeIovecs(mem: GuestMemory, ptr: number, count: number, write: (buffers: Uint8Array[], done: number) => number): number {
  checkAll(mem, ptr, count);
  const scratch = takeScratch();
  try {
    for (let i = 0, done = 0; ; ) {
      const { buffers, bytes, next } = batch(mem, ptr, count, i, MAX_TRANSFER - done, scratch, true);
      let n: number;
      try {
        n = write(buffers, done);
      } catch (error) {
        if (done > 0) return done;
        throw error;
      }
      done += n;
      i = next;
      if (n < bytes || i >= count || done >= MAX_TRANSFER) return done;
    }
  } finally {
    spareScratch = scratch;
  }
}

/** Reads into the `count` iovecs at `ptr` through `read(buffers)`: one batch, so possibly short. */
export function readIovecs(mem: GuestMemory, ptr: number, count: number, read: (buffers: Uint8Array[]) => number): number {
  checkAll(mem, ptr, count);
  const scratch = takeScratch();
  try {
    const runs: number[] = [];
    const { buffers } = batch(mem, ptr, count, 0, MAX_TRANSFER, scratch, false, runs);
    const n = read(buffers);
    // Hand out what landed in the scratch buffer, iovec by iovec.
    const { view, bytes } = mem;
    for (let r = 0; r < runs.length && runs[r + 3]! < n; r += 5) {
      let from = runs[r + 2]!;
      let left = Math.min(runs[r + 4]!, n - runs[r + 3]!);
      for (let i = runs[r]!, end = runs[r + 1]!; i < end && left > 0; i++) {
        const at = ptr + i * iovec.size;
        const k = Math.min(view.getUint32(at + iovec.fields.buf_len.offset, true), left);
        if (k === 0) continue;
        copy(scratch, from, k, bytes, view.getUint32(at, true));
        from += k;
        left -= k;
      }
    }
    return n;
  } finally {
    spareScratch = scratch;
  }
}
