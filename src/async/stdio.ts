// The async host's stdio over the embedder's streams: stdin from a Node Readable, a web
// ReadableStream or any async iterable; stdout/stderr into a Node Writable or a web WritableStream.
// A read with nothing buffered, or a write to a sink that asks for drain, waits (WouldWait) instead
// of failing, so the guest sees an ordinary blocking stream and the sink's backpressure holds.
import { Errno, Fdflags, Filetype } from "../abi/constants.js";
import type { FilestatValue } from "../abi/layouts.js";
import { EmbedderError, fail } from "../errors.js";
import { Handle } from "../handle.js";
import type { Readiness } from "../io/stream.js";
import { gather, scatter, streamStat } from "../stdio-bytes.js";
import { WouldWait, type Changes } from "./wait.js";

/** A web ReadableStream, as far as stdin uses it. */
interface WebReadable {
  getReader(): { read(): Promise<{ done?: boolean; value?: unknown }>; releaseLock(): void };
}
/** A web WritableStream, as far as stdout uses it. */
interface WebWritable {
  getWriter(): WebWriter;
}
interface WebWriter {
  readonly desiredSize: number | null;
  readonly ready: Promise<unknown>;
  readonly closed: Promise<unknown>;
  write(chunk: Uint8Array): Promise<unknown>;
  releaseLock(): void;
}

export type AsyncStdinOption = NodeJS.ReadableStream | WebReadable | AsyncIterable<unknown>;
export type AsyncStdoutOption = NodeJS.WritableStream | WebWritable;

/** The most bytes one write hands a sink: a guest writing more is given a short write, and loops. */
export const SINK_CHUNK_LIMIT = 1024 * 1024;

const isObject = (value: unknown): value is Record<PropertyKey, unknown> => typeof value === "object" && value !== null;
const isWebReadable = (value: unknown): value is WebReadable => isObject(value) && typeof value.getReader === "function";
const isNodeReadable = (value: unknown): value is NodeJS.ReadableStream =>
  isObject(value) && typeof value.read === "function" && typeof value.on === "function";
const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> => isObject(value) && typeof value[Symbol.asyncIterator] === "function";
const isWebWritable = (value: unknown): value is WebWritable => isObject(value) && typeof value.getWriter === "function";

/** Is `value` a stdin only the async host can read? */
export function isAsyncStdin(value: unknown): value is AsyncStdinOption {
  return isWebReadable(value) || isNodeReadable(value) || isAsyncIterable(value);
}

/** Is `value` a stdout the async host writes with backpressure? */
export function isAsyncStdout(value: unknown): value is AsyncStdoutOption {
  return isWebWritable(value) || (isObject(value) && typeof value.write === "function" && typeof value.once === "function");
}

/** A pull of the next chunk: bytes, or null at the end. */
type Pull = () => Promise<unknown>;

/**
 * One chunk at a time from a Node Readable, by read() and its events; run-wasi never destroys it.
 * As its consumer, the guest's stdin listens for its 'error' for good: the failure is the guest's
 * EIO, and an 'error' event nobody hears would end the host process.
 */
function nodePull(stream: NodeJS.ReadableStream): Pull {
  const state = stream as NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean; errored?: unknown };
  stream.on("error", () => {});
  return () =>
    new Promise((resolve, reject) => {
      const settle = (how: () => void) => {
        stream.off("readable", attempt);
        stream.off("end", onEnd);
        stream.off("close", onEnd);
        stream.off("error", onError);
        how();
      };
      const onEnd = () => settle(() => resolve(null));
      const onError = (error: unknown) => settle(() => reject(error));
      function attempt() {
        const chunk = stream.read();
        if (chunk !== null) settle(() => resolve(chunk));
        else if (state.errored) settle(() => reject(state.errored));
        else if (state.readableEnded === true || state.destroyed === true) settle(() => resolve(null));
      }
      stream.on("readable", attempt);
      stream.on("end", onEnd);
      stream.on("close", onEnd);
      stream.on("error", onError);
      attempt();
    });
}

function webPull(stream: WebReadable): { pull: Pull; release: () => void } {
  const reader = stream.getReader();
  return {
    pull: async () => {
      const { done, value } = await reader.read();
      return done === true ? null : value;
    },
    release: () => reader.releaseLock(),
  };
}

function iterablePull(iterable: AsyncIterable<unknown>): Pull {
  const iterator = iterable[Symbol.asyncIterator]();
  return async () => {
    const { done, value } = await iterator.next();
    return done === true ? null : value;
  };
}

/** A chunk from the embedder's source as bytes; anything else ends the guest with a TypeError. */
function bytesOf(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return new TextEncoder().encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  const error = new TypeError(`a stdin stream must yield Uint8Arrays (or strings), not ${chunk === null ? "null" : typeof chunk}`);
  throw new EmbedderError(Object.assign(error, { code: "ERR_INVALID_RETURN_VALUE" }));
}

/**
 * stdin from a stream or async iterable. It holds one chunk at most: the next is pulled only once
 * the guest has read the last, so a fast source never fills host memory. A source that fails gives
 * the guest EIO from then on; a chunk that is not bytes ends the guest (the embedder's mistake).
 */
export class AsyncStdin extends Handle {
  readonly filetype = Filetype.UNKNOWN;
  readonly #pull: Pull;
  readonly #release: () => void;
  readonly #changes: Changes;
  #pending: Uint8Array = new Uint8Array(0);
  #inflight: Promise<void> | undefined;
  #ended = false;
  #failed: unknown = undefined;
  #closed = false;

  constructor(source: AsyncStdinOption, changes: Changes) {
    super();
    this.#changes = changes;
    if (isWebReadable(source)) ({ pull: this.#pull, release: this.#release } = webPull(source));
    else {
      this.#pull = isNodeReadable(source) ? nodePull(source) : iterablePull(source as AsyncIterable<unknown>);
      this.#release = () => {};
    }
  }

  override read(buffers: Uint8Array[]): number {
    let want = 0;
    for (const b of buffers) want += b.byteLength;
    if (want === 0) return 0;
    if (this.#failed instanceof EmbedderError) throw this.#failed;
    if (this.#pending.byteLength === 0) {
      if (this.#failed !== undefined) fail(Errno.IO);
      if (this.#ended) return 0;
      const arriving = this.#startPull();
      if ((this.fdflags & Fdflags.NONBLOCK) !== 0) fail(Errno.AGAIN);
      throw new WouldWait(arriving);
    }
    const n = scatter(this.#pending, buffers);
    this.#pending = this.#pending.subarray(n);
    return n;
  }

  override readable(): bigint | undefined {
    return BigInt(this.#pending.byteLength);
  }

  override pollRead(): Readiness | undefined {
    if (this.#pending.byteLength > 0) return { nbytes: BigInt(this.#pending.byteLength), hangup: false };
    if (this.#ended || this.#failed !== undefined) return { nbytes: 0n, hangup: true };
    void this.#startPull();
    return undefined;
  }

  override stat(): FilestatValue {
    return streamStat(this.filetype);
  }

  override close(): void {
    this.#closed = true;
    try {
      this.#release();
    } catch {
      // A read still pending keeps the lock on some streams; it is let go when that read settles.
    }
  }

  /** Pulls the next chunk unless a pull is under way; the promise settles (never rejects) when it is in. */
  #startPull(): Promise<void> {
    this.#inflight ??= this.#pull().then(
      (chunk) => {
        this.#inflight = undefined;
        try {
          if (chunk === null || chunk === undefined) this.#ended = true;
          else this.#pending = bytesOf(chunk);
        } catch (error) {
          this.#failed = error;
        }
        this.#changes.notify();
      },
      (error: unknown) => {
        this.#inflight = undefined;
        this.#failed = error ?? new Error("stdin stream failed");
        this.#changes.notify();
      },
    );
    if (this.#closed) this.#inflight.then(() => this.close(), () => {});
    return this.#inflight;
  }
}

/**
 * stdout/stderr into a Node Writable or a web WritableStream. A write waits while the sink asks
 * for drain (its buffer is at its high-water mark), so the guest goes at the sink's pace and host
 * memory holds at most the sink's buffer plus one chunk. A sink that has ended, failed or closed
 * answers EPIPE; what the sink's own write() throws ends the guest (EmbedderError).
 */
export class AsyncStdout extends Handle {
  readonly filetype = Filetype.UNKNOWN;
  readonly #changes: Changes;
  readonly #node: NodeJS.WritableStream | undefined;
  readonly #web: WebWritable | undefined;
  #writer: WebWriter | undefined;
  #broken = false;
  #drained: Promise<void> | undefined;

  constructor(sink: AsyncStdoutOption, changes: Changes) {
    super();
    this.#changes = changes;
    if (isWebWritable(sink)) this.#web = sink;
    else this.#node = sink;
  }

  override write(buffers: Uint8Array[]): number {
    let total = 0;
    for (const b of buffers) total += b.byteLength;
    if (total === 0) return 0;
    const waiting = this.#mustWait();
    if (waiting !== undefined) {
      if ((this.fdflags & Fdflags.NONBLOCK) !== 0) fail(Errno.AGAIN);
      throw new WouldWait(waiting);
    }
    const chunk = gather(buffers, SINK_CHUNK_LIMIT);
    try {
      if (this.#node !== undefined) this.#node.write(chunk);
      else this.#writer!.write(chunk).catch(() => (this.#broken = true));
    } catch (error) {
      throw new EmbedderError(error);
    }
    return chunk.byteLength;
  }

  override pollWrite(): Readiness | undefined {
    try {
      return this.#mustWait() === undefined ? { nbytes: BigInt(SINK_CHUNK_LIMIT), hangup: false } : undefined;
    } catch {
      return { nbytes: 0n, hangup: true }; // broken: a write answers EPIPE at once
    }
  }

  override stat(): FilestatValue {
    return streamStat(this.filetype);
  }

  override close(): void {
    try {
      this.#writer?.releaseLock();
    } catch {
      // Already released.
    }
  }

  /** undefined when a write may go now; else what to wait for. Throws EPIPE for a sink that takes no more. */
  #mustWait(): Promise<void> | undefined {
    if (this.#broken) fail(Errno.PIPE);
    if (this.#node !== undefined) {
      const sink = this.#node as NodeJS.WritableStream & { writableEnded?: boolean; destroyed?: boolean; writableNeedDrain?: boolean };
      // Writing to an ended or destroyed stream raises an 'error' event later, outside the import.
      if (sink.writableEnded === true || sink.destroyed === true) fail(Errno.PIPE);
      if (sink.writableNeedDrain !== true) return undefined;
      this.#drained ??= new Promise<void>((resolve) => {
        const done = () => {
          sink.off("drain", done);
          sink.off("close", done);
          sink.off("error", done);
          this.#drained = undefined;
          this.#changes.notify();
          resolve();
        };
        sink.on("drain", done);
        sink.on("close", done);
        sink.on("error", done);
      });
      return this.#drained;
    }
    if (this.#writer === undefined) {
      const writer = this.#web!.getWriter();
      writer.closed.then(() => (this.#broken = true), () => (this.#broken = true));
      this.#writer = writer;
    }
    const room = this.#writer.desiredSize;
    if (room === null) return fail(Errno.PIPE); // errored
    if (room > 0) return undefined;
    this.#drained ??= this.#writer.ready.then(
      () => {
        this.#drained = undefined;
        this.#changes.notify();
      },
      () => {
        this.#broken = true;
        this.#drained = undefined;
        this.#changes.notify();
      },
    );
    return this.#drained;
  }
}
