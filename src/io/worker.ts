// The I/O thread: it owns the sockets and watched streams of one WASI instance and moves bytes
// between them and the rings of their channels, while the guest's thread blocks in Atomics.wait.
// It runs as the source text of `ioThreadMain` (see thread.ts), so the function below uses only its
// parameters, globals and require(): nothing imported at run time.
import type * as Net from "node:net";
import type * as Tty from "node:tty";
import type { Layout, Ring, RingOps } from "./shared.js";

export interface ThreadData {
  readonly layout: Layout;
  readonly control: SharedArrayBuffer;
  /** The errnos the I/O thread reports itself. */
  readonly errnos: { readonly AGAIN: number; readonly CONNRESET: number; readonly IO: number };
}

export type Request =
  | { op: "listen"; id: number; host: string; port: number; backlog: number; buffer: SharedArrayBuffer }
  | { op: "accept"; listener: number; id: number; buffer: SharedArrayBuffer }
  | { op: "watch"; id: number; fd: number; buffer: SharedArrayBuffer }
  | { op: "resume" | "send" | "close"; id: number }
  | { op: "shutdown"; id: number; read: boolean; write: boolean }
  | { op: "end"; graceMs: number };

export function ioThreadMain(data: ThreadData, makeRingOps: (layout: Layout) => RingOps): void {
  const net = require("node:net") as typeof Net;
  const tty = require("node:tty") as typeof Tty;
  const { parentPort } = require("node:worker_threads") as typeof import("node:worker_threads");
  const { Word, End, Control, HEADER_BYTES, RING_BYTES } = data.layout;
  const { AGAIN, CONNRESET, IO } = data.errnos;
  const ring = makeRingOps(data.layout);
  const control = new Int32Array(data.control);

  interface Stream {
    readonly words: Int32Array;
    readonly in: Ring;
    readonly out: Ring;
    readonly socket: Net.Socket | Tty.ReadStream;
    /** Bytes received that did not fit in the in-ring yet (at most one chunk: reading pauses meanwhile). */
    pending: Buffer | null;
    paused: boolean;
    writing: boolean;
    readShut: boolean;
    /** After the out-ring drains: end the write side (shutdown) or the whole stream (close). */
    afterFlush: "none" | "end" | "close";
    /** How the incoming side ended, published once `pending` has drained. */
    end: { how: number; errno: number } | null;
  }
  interface Listener {
    readonly server: Net.Server;
    readonly words: Int32Array;
    readonly queue: Net.Socket[];
    readonly backlog: number;
  }
  const streams = new Map<number, Stream>();
  const listeners = new Map<number, Listener>();

  const ringDoorbell = (): void => {
    Atomics.add(control, Control.DOORBELL, 1);
    Atomics.notify(control, Control.DOORBELL);
  };
  const reply = (errno: number, value = 0, code = ""): void => {
    const bytes = new Uint8Array(data.control, Control.REPLY_CODE_AT, Control.REPLY_CODE_BYTES);
    bytes.fill(0);
    for (let i = 0; i < code.length && i < bytes.length; i++) bytes[i] = code.charCodeAt(i) & 0x7f;
    Atomics.store(control, Control.REPLY_ERRNO, errno);
    Atomics.store(control, Control.REPLY_VALUE, value);
    Atomics.store(control, Control.REPLY_READY, 1);
    Atomics.notify(control, Control.REPLY_READY);
  };

  const publishEnd = (s: Stream): void => {
    if (s.end === null || s.pending !== null || Atomics.load(s.words, Word.IN_END) !== End.OPEN) return;
    Atomics.store(s.words, Word.IN_ERRNO, s.end.errno);
    Atomics.store(s.words, Word.IN_END, s.end.how);
    ringDoorbell();
  };
  const ended = (s: Stream, how: number, errno: number): void => {
    if (s.end === null) s.end = { how, errno };
    publishEnd(s);
  };
  const broken = (s: Stream): void => {
    Atomics.store(s.words, Word.OUT_BROKEN, 1);
    ringDoorbell();
  };

  /** Moves pending bytes into the in-ring; pauses reading while they do not fit. */
  const fill = (s: Stream): void => {
    while (s.pending !== null) {
      const n = ring.put(s.in, s.pending);
      if (n > 0) ringDoorbell();
      if (n === s.pending.byteLength) {
        s.pending = null;
        break;
      }
      s.pending = s.pending.subarray(n);
      if (!s.paused) {
        s.paused = true;
        s.socket.pause();
      }
      // Set before looking again, so that a guest read in between sees it and asks to resume.
      Atomics.store(s.words, Word.IN_PAUSED, 1);
      if (ring.free(s.in) === 0) return;
    }
    if (s.paused) {
      s.paused = false;
      s.socket.resume();
    }
    publishEnd(s);
  };

  const finish = (s: Stream, id: number): void => {
    if (s.afterFlush === "end") {
      s.afterFlush = "none";
      (s.socket as Net.Socket).end();
    } else if (s.afterFlush === "close") {
      streams.delete(id);
      if (s.socket.writable) {
        (s.socket as Net.Socket).end();
        // A peer that never closes its side must not keep the socket for ever.
        setTimeout(() => s.socket.destroy(), 5_000).unref();
      } else {
        s.socket.destroy(); // a watched stdin: libuv never closes the host's fds 0-2
      }
      if (streams.size === 0 && ending !== null) ending();
    }
  };

  /** Hands the out-ring's bytes to the kernel; they count as sent (OUT_TAIL) once the write completes. */
  const flush = (s: Stream, id: number): void => {
    if (s.writing) return;
    const n = Atomics.load(s.words, Word.OUT_BROKEN) === 1 ? 0 : ring.used(s.out);
    if (n === 0) return finish(s, id);
    const chunk = Buffer.allocUnsafe(n);
    ring.copyOut(s.out, chunk, 0);
    s.writing = true;
    (s.socket as Net.Socket).write(chunk, (error) => {
      s.writing = false;
      if (error) broken(s);
      else {
        ring.skip(s.out, n);
        ringDoorbell();
      }
      flush(s, id);
    });
  };

  const attach = (id: number, buffer: SharedArrayBuffer, socket: Net.Socket | Tty.ReadStream, outBytes: number): void => {
    const rings = ring.channel(buffer, RING_BYTES, outBytes);
    const s: Stream = { words: rings.words, in: rings.in, out: rings.out, socket, pending: null, paused: false, writing: false, readShut: false, afterFlush: "none", end: null };
    streams.set(id, s);
    socket.removeAllListeners("error");
    socket.on("data", (chunk: Buffer) => {
      if (s.readShut) return;
      s.pending = s.pending === null ? chunk : Buffer.concat([s.pending, chunk]);
      fill(s);
    });
    socket.on("end", () => ended(s, End.EOF, 0));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      ended(s, End.ERROR, error.code === "ECONNRESET" ? CONNRESET : IO);
      broken(s);
    });
    socket.on("close", () => {
      ended(s, End.EOF, 0);
      broken(s);
    });
    if (socket.destroyed) {
      ended(s, End.EOF, 0);
      broken(s);
    }
  };

  const listen = (m: Extract<Request, { op: "listen" }>): void => {
    const words = new Int32Array(m.buffer, 0, HEADER_BYTES / 4);
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
    const l: Listener = { server, words, queue: [], backlog: m.backlog };
    server.on("connection", (socket) => {
      socket.on("error", () => {}); // until accepted: the guest learns of it when it reads
      if (l.queue.length >= l.backlog) {
        socket.resetAndDestroy();
        return;
      }
      l.queue.push(socket);
      Atomics.add(words, Word.PENDING, 1);
      ringDoorbell();
    });
    server.once("error", (error: NodeJS.ErrnoException) => reply(IO, 0, error.code ?? "EIO"));
    server.listen({ host: m.host, port: m.port, backlog: m.backlog }, () => {
      server.removeAllListeners("error");
      server.on("error", () => {});
      listeners.set(m.id, l);
      const address = server.address();
      reply(0, typeof address === "object" && address !== null ? address.port : 0);
    });
  };

  const accept = (m: Extract<Request, { op: "accept" }>): void => {
    const l = listeners.get(m.listener);
    const socket = l?.queue.shift();
    if (l === undefined || socket === undefined) return reply(AGAIN);
    Atomics.sub(l.words, Word.PENDING, 1);
    attach(m.id, m.buffer, socket, RING_BYTES);
    socket.resume();
    reply(0);
  };

  const watch = (m: Extract<Request, { op: "watch" }>): void => {
    let stream: Net.Socket | Tty.ReadStream;
    try {
      stream = tty.isatty(m.fd)
        ? new tty.ReadStream(m.fd)
        : new net.Socket({ fd: m.fd, readable: true, writable: false, allowHalfOpen: true });
    } catch (error) {
      return reply(IO, 0, (error as NodeJS.ErrnoException).code ?? "EIO");
    }
    attach(m.id, m.buffer, stream, 0);
    reply(0);
  };

  let ending: (() => void) | null = null;
  const end = (graceMs: number): void => {
    ending = () => process.exit(0);
    for (const l of listeners.values()) {
      l.server.close();
      for (const socket of l.queue) socket.destroy();
    }
    listeners.clear();
    for (const [id, s] of streams) {
      s.readShut = true;
      s.pending = null;
      fill(s);
      s.afterFlush = "close";
      flush(s, id);
    }
    if (streams.size === 0) ending();
    setTimeout(() => process.exit(0), graceMs).unref();
  };

  parentPort!.on("message", (m: Request) => {
    switch (m.op) {
      case "listen":
        return listen(m);
      case "accept":
        return accept(m);
      case "watch":
        return watch(m);
      case "end":
        return end(m.graceMs);
    }
    const l = listeners.get(m.id);
    if (l !== undefined && m.op === "close") {
      listeners.delete(m.id);
      l.server.close();
      for (const socket of l.queue) socket.destroy();
      return;
    }
    const s = streams.get(m.id);
    if (s === undefined) return m.op === "shutdown" ? reply(0) : undefined;
    switch (m.op) {
      case "resume":
        return fill(s);
      case "send":
        Atomics.store(s.words, Word.OUT_SIGNALLED, 0);
        return flush(s, m.id);
      case "shutdown":
        if (m.read) {
          s.readShut = true;
          s.pending = null;
          fill(s); // resumes reading, to discard
        }
        if (m.write && s.afterFlush === "none") {
          s.afterFlush = "end";
          flush(s, m.id);
        }
        return reply(0);
      case "close":
        s.readShut = true;
        s.pending = null;
        fill(s); // keeps reading, to discard, until the peer closes too
        s.afterFlush = "close";
        return flush(s, m.id);
    }
  });

  // Whatever goes wrong here reaches the guest as broken streams, never as a host crash.
  process.on("uncaughtException", () => {
    for (const s of streams.values()) {
      ended(s, End.ERROR, IO);
      broken(s);
    }
  });
}
