// Sockets handed to the guest, as wasmtime's `-S tcplisten` does: preopened TCP listeners and the
// connections accepted on them. Both live on the I/O thread (io/); these handles are the guest's side.
import { Errno, Fdflags, Filetype } from "../abi/constants.js";
import type { FilestatValue } from "../abi/layouts.js";
import { fail } from "../errors.js";
import { Handle } from "../handle.js";
import { HEADER_BYTES, Word } from "../io/shared.js";
import { ChannelStream, type Readiness } from "../io/stream.js";
import type { IoThread } from "../io/thread.js";
import { afterWaits, WouldWait } from "../async/wait.js";
import { inScratch } from "../iovecs.js";

/** Connections a listener keeps that the guest has not accepted yet; the next ones are reset. */
export const LISTEN_BACKLOG = 64;
/** Connections a guest may hold open at once; sock_accept answers EMFILE beyond. */
export const MAX_OPEN_SOCKETS = 256;

function socketStat(): FilestatValue {
  return { dev: 0n, ino: 0n, filetype: Filetype.SOCKET_STREAM, nlink: 1n, size: 0n, atim: 0n, mtim: 0n, ctim: 0n };
}

/** "HOST:PORT", "[IPV6]:PORT": what wasmtime's tcplisten takes. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new TypeError(`tcpListen entries must be "HOST:PORT" (or "[IPv6]:PORT"), not ${JSON.stringify(address)}`);
  return { host: (match[1] ?? match[2])!, port };
}

/** Both kinds take only NONBLOCK, as in wasmtime. */
function socketFlags(flags: number): number {
  if ((flags & ~Fdflags.NONBLOCK) !== 0) fail(Errno.INVAL);
  return flags;
}

/** A preopened listening socket. As in wasmtime, it starts NONBLOCK: an accept with nothing pending is EAGAIN. */
export class ListenerHandle extends Handle {
  readonly filetype = Filetype.SOCKET_STREAM;
  override fdflags: number = Fdflags.NONBLOCK;
  readonly #io: IoThread;
  readonly #words: Int32Array;
  #open = 0;

  private constructor(io: IoThread, readonly id: number, buffer: SharedArrayBuffer, readonly port: number) {
    super();
    this.#io = io;
    this.#words = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  }

  /** Listens at construction of the WASI instance; a failure is the embedder's error, thrown. */
  static listen(io: IoThread, address: string): ListenerHandle {
    const { host, port } = parseListenAddress(address);
    const id = io.newId();
    const buffer = new SharedArrayBuffer(HEADER_BYTES);
    const reply = io.request({ op: "listen", id, host, port, backlog: LISTEN_BACKLOG, buffer });
    if (reply.errno !== 0) throw new Error(`tcpListen ${JSON.stringify(address)}: cannot listen (${reply.code || "EIO"})`);
    return new ListenerHandle(io, id, buffer, reply.value);
  }

  override get isSocket(): boolean {
    return true;
  }

  override accept(flags: number): Handle {
    socketFlags(flags);
    if (this.#open >= MAX_OPEN_SOCKETS) fail(Errno.MFILE);
    const pending = () => Atomics.load(this.#words, Word.PENDING) > 0;
    if (!pending()) {
      if (this.fdflags & Fdflags.NONBLOCK) fail(Errno.AGAIN);
      this.#io.waitUntil(pending);
    }
    const id = this.#io.newId();
    const buffer = ChannelStream.buffer(true);
    const reply = this.#io.request({ op: "accept", listener: this.id, id, buffer });
    if (reply.errno !== 0) fail(reply.errno as Errno);
    this.#open++;
    const socket = new SocketHandle(new ChannelStream(this.#io, id, buffer, true), () => this.#open--);
    socket.fdflags = flags;
    return socket;
  }

  override read(): number {
    return fail(Errno.NOTCONN);
  }
  override recv(): number {
    return fail(Errno.NOTCONN);
  }

  override pollRead(): Readiness | undefined {
    return Atomics.load(this.#words, Word.PENDING) > 0 ? { nbytes: 1n, hangup: false } : undefined;
  }
  /** A listener never becomes writable. */
  override pollWrite(): Readiness | undefined {
    return undefined;
  }

  override setFlags(flags: number): void {
    this.fdflags = socketFlags(flags);
  }

  override stat(): FilestatValue {
    return socketStat();
  }

  override close(): void {
    if (!this.#io.closed) this.#io.post({ op: "close", id: this.id });
  }
}

/** A connection accepted on a listener. */
export class SocketHandle extends Handle {
  readonly filetype = Filetype.SOCKET_STREAM;
  #closed = false;

  constructor(
    readonly stream: ChannelStream,
    private readonly onClose: () => void,
  ) {
    super();
  }

  override get isSocket(): boolean {
    return true;
  }

  get #nonblocking(): boolean {
    return (this.fdflags & Fdflags.NONBLOCK) !== 0;
  }

  override read(buffers: Uint8Array[]): number {
    const target = buffers.find((b) => b.byteLength > 0);
    return target === undefined ? 0 : this.stream.read(target, { nonblocking: this.#nonblocking });
  }

  override recv(buffer: Uint8Array, peek: boolean, waitAll: boolean): number {
    return this.stream.read(buffer, { nonblocking: this.#nonblocking, peek, waitAll });
  }

  /** Each buffer in turn, as writev does; a failure after some bytes went out reports those bytes. */
  override write(buffers: Uint8Array[]): number {
    return this.#writeFrom(buffers, 0, 0);
  }

  /** From buffers[i] on, `total` bytes written before. The async host may finish after waits (WouldWait resuming). */
  #writeFrom(buffers: readonly Uint8Array[], i: number, total: number): number {
    for (; i < buffers.length; i++) {
      const buffer = buffers[i]!;
      if (buffer.byteLength === 0) continue;
      let n: number;
      try {
        n = this.stream.write(buffer, this.#nonblocking);
      } catch (error) {
        if (error instanceof WouldWait && error.resume !== undefined) {
          // The rest of the buffers too, out of the scratch buffer that other calls reuse meanwhile.
          const rest = buffers.slice(i + 1).map((b) => (inScratch(b) ? b.slice() : b));
          const before = total;
          const length = buffer.byteLength;
          throw new WouldWait(error.ready, () => afterWaits(error.resume as () => number, (m) => (m < length ? before + m : this.#writeFrom(rest, 0, before + m))));
        }
        if (total > 0) return total;
        throw error;
      }
      total += n;
      if (n < buffer.byteLength) break;
    }
    return total;
  }

  override shutdown(read: boolean, write: boolean): void {
    this.stream.shutdown(read, write);
  }

  override pollRead(): Readiness | undefined {
    return this.stream.readReadiness();
  }
  override pollWrite(): Readiness | undefined {
    return this.stream.writeReadiness();
  }

  override setFlags(flags: number): void {
    this.fdflags = socketFlags(flags);
  }

  override stat(): FilestatValue {
    return socketStat();
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stream.close();
    this.onClose();
  }
}
