// Preopened TCP listeners (tcpListen) and sock_*: a guest echo server in a child process, with this
// process as its clients (the guest blocks its own thread); then each import's errnos, step by step.
// Only 127.0.0.1; every wait is bounded.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { createInterface } from "node:readline";
import t from "tap";
import { Errno, Eventrwflags, Eventtype, Fdflags, Filetype } from "../../src/abi/constants.js";
import { WASI } from "../../src/index.js";
import { childArgs } from "../helpers/child.js";
import { repoRoot, tempDir, watToWasm } from "../helpers/harness.js";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Connects, retrying while the child has not listened yet (at most 15 s). */
async function connect(port: number): Promise<net.Socket> {
  for (const deadline = Date.now() + 15_000; ; ) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
        socket.once("error", reject);
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ECONNREFUSED" || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Reads until `length` bytes have come (or the socket ends), within 10 s. */
function receive(socket: net.Socket, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const done = () => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", done);
      resolve(Buffer.concat(chunks));
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.byteLength;
      if (got >= length) done();
    };
    const timer = setTimeout(() => reject(new Error(`timed out with ${got} of ${length} bytes`)), 10_000);
    socket.on("data", onData);
    socket.on("end", done);
  });
}

const closed = (socket: net.Socket) =>
  new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.resume();
  });

/** Serves CONNS connections one after another, echoing each until its end; prints o (end), r (ECONNRESET), p (EPIPE) or x per connection; then accepts one more and returns holding it. */
const ECHO_SERVER = (conns: number) => `(module
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $setflags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $status (param $c i32)
    (i32.store8 (i32.const 32) (local.get $c))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 56))))
  (func (export "_start") (local $i i32) (local $fd i32) (local $e i32) (local $outcome i32)
    (i32.store (i32.const 0) (i32.const 1024)) (i32.store (i32.const 4) (i32.const 4096))
    (i32.store (i32.const 16) (i32.const 32)) (i32.store (i32.const 20) (i32.const 1))
    (drop (call $setflags (i32.const 3) (i32.const 0)))
    (block $done (loop $conns
      (br_if $done (i32.ge_u (local.get $i) (i32.const ${conns})))
      (local.set $e (call $accept (i32.const 3) (i32.const 0) (i32.const 40)))
      (if (local.get $e) (then (call $status (i32.const 97)) (br $done)))
      (local.set $fd (i32.load (i32.const 40)))
      (local.set $outcome (i32.const 111))
      (block $end (loop $echo
        (local.set $e (call $recv (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 44) (i32.const 48)))
        (if (local.get $e) (then
          (local.set $outcome (select (i32.const 114) (i32.const 120) (i32.eq (local.get $e) (i32.const ${Errno.CONNRESET}))))
          (br $end)))
        (br_if $end (i32.eqz (i32.load (i32.const 44))))
        (i32.store (i32.const 8) (i32.const 1024)) (i32.store (i32.const 12) (i32.load (i32.const 44)))
        (local.set $e (call $send (local.get $fd) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 52)))
        (if (local.get $e) (then
          (local.set $outcome (select (i32.const 112) (i32.const 120) (i32.eq (local.get $e) (i32.const ${Errno.PIPE}))))
          (br $end)))
        (br $echo)))
      (call $status (local.get $outcome))
      (drop (call $close (local.get $fd)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $conns)))
    (drop (call $accept (i32.const 3) (i32.const 0) (i32.const 40)))
    (call $status (i32.const 46))))`;

t.test("a guest echo server: many connections one after another, a large one, a peer that vanishes, and everything closed when the instance ends", async (t) => {
  const port = await freePort();
  const clean = 12;
  const wasm = path.join(tempDir(), "echo.wasm");
  fs.writeFileSync(wasm, await watToWasm(ECHO_SERVER(clean + 2)));
  const body = `
const wasi = new WASI({ tcpListen: ["127.0.0.1:${port}"], stdout: (c) => process.stdout.write(c), returnOnExit: true });
const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(${JSON.stringify(wasm)})), wasi.getImportObject());
const code = wasi.start(instance);
process.stdout.write("\\nended " + code + "\\n");
setTimeout(() => {}, 3000); // stays alive: the listener must be closed by the instance's end, not the process's
`;
  const child = spawn(process.execPath, childArgs(body), { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"], timeout: 60_000 });
  t.teardown(() => void child.kill("SIGKILL"));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();

  for (let i = 0; i < clean; i++) {
    const socket = await connect(port);
    const message = Buffer.from(`message ${i}: ${"x".repeat(i * 100)}`);
    socket.write(message);
    const echo = await receive(socket, message.byteLength);
    t.equal(echo.toString(), message.toString(), `connection ${i} echoed`);
    socket.end();
    t.ok(await closed(socket), `connection ${i} closed by the server after our end`);
  }

  // 1 MiB through 64 KiB rings, both ways at once.
  const big = randomBytes(1 << 20);
  const large = await connect(port);
  large.write(big);
  const bigEcho = await receive(large, big.byteLength);
  t.ok(bigEcho.equals(big), "1 MiB echoed intact, in order");
  large.end();
  await closed(large);

  // A peer that disappears mid-conversation: the server's recv sees ECONNRESET, and carries on.
  const vanishing = await connect(port);
  vanishing.write("ping");
  t.equal((await receive(vanishing, 4)).toString(), "ping");
  vanishing.resetAndDestroy();

  // Held by the guest when it returns: the instance's end must close it.
  const held = await connect(port);
  const heldClosed = closed(held);

  const status = (await lines.next()).value as string;
  t.equal(status, `${"o".repeat(clean + 1)}r.`, "clean ends, then the reset, then the held connection accepted");
  t.equal((await lines.next()).value, "ended 0");
  t.ok(await heldClosed, "the connection the guest still held is closed at the instance's end");
  const refused = await connect(port).then(
    (s) => (s.destroy(), "connected"),
    (e: NodeJS.ErrnoException) => e.code,
  );
  t.equal(refused, "ECONNREFUSED", "the listener is closed at the instance's end, while the process lives on");
});

t.test("sock_* step by step: NONBLOCK accept, peek, waitall, shutdown, reset, EPIPE, and the errnos around them", async (t) => {
  const port = await freePort();
  const E = Errno;
  const body = `
const g = guest({ tcpListen: ["127.0.0.1:${port}"], stdout: () => {} });
const w = g.w;
const v = () => g.view();
const log = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
const fdstat = (fd) => (w.fd_fdstat_get(fd, 900), { type: v().getUint8(900), flags: v().getUint16(902, true) });
const text = (at, n) => Buffer.from(g.mem.buffer, at, n).toString();
function recv(fd, max, flags) {
  v().setUint32(0, 2048, true); v().setUint32(4, max, true);
  const errno = w.sock_recv(fd, 0, 1, flags, 16, 20);
  return errno === 0 ? text(2048, v().getUint32(16, true)) : errno;
}
function send(fd, data) {
  new Uint8Array(g.mem.buffer).set(Buffer.from(data), 4096);
  v().setUint32(8, 4096, true); v().setUint32(12, data.length, true);
  const errno = w.sock_send(fd, 8, 1, 0, 24);
  return errno === 0 ? v().getUint32(24, true) : errno;
}
function poll(fd, tag, timeoutNs) {
  const s = v(), at = 1024;
  new Uint8Array(g.mem.buffer, at, 96).fill(0);
  s.setBigUint64(at, 1n, true); s.setUint8(at + 8, tag); s.setUint32(at + 16, fd, true);
  s.setBigUint64(at + 48, 2n, true); s.setUint8(at + 56, 0); s.setUint32(at + 64, 1, true); s.setBigUint64(at + 72, timeoutNs, true);
  w.poll_oneoff(at, 1536, 2, 28);
  return Array.from({ length: s.getUint32(28, true) }, (_, i) => ({ userdata: Number(s.getBigUint64(1536 + i * 32, true)),
    error: s.getUint16(1536 + i * 32 + 8, true), nbytes: Number(s.getBigUint64(1536 + i * 32 + 16, true)), flags: s.getUint16(1536 + i * 32 + 24, true) }));
}
log({ step: "listening", listener: fdstat(3), accept: w.sock_accept(3, 0, 40), idle: poll(3, 1, 100_000_000n) });
const waited = poll(3, 1, 10_000_000_000n);
const badFlags = w.sock_accept(3, ${Fdflags.APPEND}, 40);
const accepted = w.sock_accept(3, 0, 40);
const fd = v().getUint32(40, true);
log({ step: "accepted", waited, badFlags, accepted, stat: fdstat(fd),
  peek: recv(fd, 5, 1), all: recv(fd, 11, 2), notsup: recv(fd, 10, 4),
  nonblock: (w.fd_fdstat_set_flags(fd, ${Fdflags.NONBLOCK}), recv(fd, 10, 0)), nbstat: fdstat(fd),
  append: w.fd_fdstat_set_flags(fd, ${Fdflags.APPEND}), unset: w.fd_fdstat_set_flags(fd, 0),
  sent: send(fd, "echo"), writable: poll(fd, 2, 10_000_000_000n),
  badHow: w.sock_shutdown(fd, 0), shut: w.sock_shutdown(fd, 2), afterShut: send(fd, "late"),
  listenerRecv: recv(3, 10, 0), listenerShutdown: w.sock_shutdown(3, 3), stdinAccept: w.sock_accept(0, 0, 40) });
log({ step: "half", more: recv(fd, 100, 0), end: recv(fd, 100, 0), hangup: poll(fd, 1, 10_000_000_000n), close: w.fd_close(fd) });
w.fd_fdstat_set_flags(3, 0);
const second = (w.sock_accept(3, 0, 40), v().getUint32(40, true));
log({ step: "second", x: recv(second, 10, 0), ack: send(second, "ack") });
log({ step: "reset", reset: recv(second, 10, 0), after: recv(second, 10, 0), send: send(second, "gone"), close: w.fd_close(second) });
`;
  const child = spawn(process.execPath, childArgs(body), { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"], timeout: 60_000 });
  t.teardown(() => void child.kill("SIGKILL"));
  const steps: Record<string, any> = {};
  let first: net.Socket | undefined;
  let second: net.Socket | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    const step = JSON.parse(line) as Record<string, any>;
    steps[step.step] = step;
    if (step.step === "listening") {
      first = await connect(port);
      first.write("hello");
      await new Promise((r) => setTimeout(r, 200));
      first.write(" world");
      const got = await receive(first, 4); // "echo", then our end comes from the guest's shutdown
      steps.clientGotEcho = got.toString();
      first.end("more");
    }
    if (step.step === "half") {
      second = await connect(port);
      second.write("x");
      steps.clientGotAck = (await receive(second, 3)).toString();
      second.resetAndDestroy();
    }
  }
  const S = 0;
  t.same(steps.listening, {
    step: "listening",
    listener: { type: Filetype.SOCKET_STREAM, flags: Fdflags.NONBLOCK },
    accept: E.AGAIN,
    idle: [{ userdata: 2, error: 0, nbytes: 0, flags: 0 }],
  }, "the listener is fd 3, a NONBLOCK stream socket (as wasmtime); accept with nothing pending: EAGAIN; poll: only the clock");
  const a = steps.accepted;
  t.same(a.waited, [{ userdata: 1, error: 0, nbytes: 1, flags: 0 }], "poll on the listener wakes for the connection");
  t.equal(a.badFlags, E.INVAL, "sock_accept takes only NONBLOCK");
  t.equal(a.accepted, S);
  t.same(a.stat, { type: Filetype.SOCKET_STREAM, flags: 0 });
  t.equal(a.peek, "hello", "RECV_PEEK");
  t.equal(a.all, "hello world", "RECV_WAITALL waits for the second write, and the peeked bytes were still there");
  t.equal(a.notsup, E.NOTSUP, "other riflags: ENOTSUP");
  t.equal(a.nonblock, E.AGAIN, "NONBLOCK recv with nothing there: EAGAIN");
  t.same(a.nbstat, { type: Filetype.SOCKET_STREAM, flags: Fdflags.NONBLOCK });
  t.equal(a.append, E.INVAL, "a socket takes only NONBLOCK");
  t.equal(a.unset, S);
  t.equal(a.sent, 4);
  t.equal(a.writable[0].userdata, 1, "writable");
  t.equal(a.badHow, E.INVAL, "shutdown with no direction: EINVAL");
  t.equal(a.shut, S);
  t.equal(a.afterShut, E.PIPE, "send after shutdown(WR): EPIPE");
  t.equal(a.listenerRecv, E.NOTCONN, "recv on the listener: ENOTCONN");
  t.equal(a.listenerShutdown, E.NOTCAPABLE, "shutdown of the listener: it has no SOCK_SHUTDOWN right");
  t.equal(a.stdinAccept, E.NOTSOCK, "stdin is not a socket");
  t.equal(steps.clientGotEcho, "echo", "the client got the echo, then the guest's end");
  t.same(steps.half, {
    step: "half",
    more: "more",
    end: "",
    hangup: [{ userdata: 1, error: 0, nbytes: 1, flags: Eventrwflags.FD_READWRITE_HANGUP }],
    close: S,
  }, "the peer's last bytes, its end, HANGUP, close");
  t.same(steps.second, { step: "second", x: "x", ack: 3 });
  t.equal(steps.clientGotAck, "ack");
  t.same(steps.reset, { step: "reset", reset: E.CONNRESET, after: "", send: E.PIPE, close: S },
    "a vanished peer: ECONNRESET once, then end of stream, and EPIPE on send; never a host crash");
  t.equal(Eventtype.FD_READ, 1);
});

t.test("tcpListen is validated, and a port in use is the embedder's error", async (t) => {
  t.throws(() => new WASI({ tcpListen: "127.0.0.1:80" as never }), TypeError);
  t.throws(() => new WASI({ tcpListen: ["127.0.0.1"] }), /HOST:PORT/);
  t.throws(() => new WASI({ tcpListen: ["127.0.0.1:99999"] }), /HOST:PORT/);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  t.throws(() => new WASI({ tcpListen: [`127.0.0.1:${port}`] }), /EADDRINUSE/);
  await new Promise((resolve) => server.close(resolve));
});

t.test("on the async host, a guest echo server runs in this very process, serving its clients from the same thread", {
  skip: typeof (WebAssembly as { Suspending?: unknown }).Suspending === "function" ? false : `no JSPI before Node 24 (this is Node ${process.versions.node})`,
}, async (t) => {
  const port = await freePort();
  const statuses: string[] = [];
  const controller = new AbortController();
  const wasi = new WASI({
    async: true,
    tcpListen: [`127.0.0.1:${port}`],
    stdout: (chunk: Uint8Array) => void statuses.push(Buffer.from(chunk).toString()),
    signal: controller.signal,
  });
  const module = new WebAssembly.Module(await watToWasm(ECHO_SERVER(3)));
  const running = wasi.start(new WebAssembly.Instance(module, wasi.getImportObject()));
  running.catch(() => {});

  for (const size of [10, 1 << 20, 3000]) {
    const socket = await connect(port);
    const message = randomBytes(size);
    socket.write(message);
    // Not read for a while: the kernel's buffers and the guest's send ring fill, and its sends wait.
    if (size > 65536) await new Promise((resolve) => setTimeout(resolve, 300));
    const echo = await receive(socket, size);
    t.ok(echo.equals(message), `${size} bytes echoed whole: each send the guest makes finishes, after waits if need be`);
    socket.end();
    t.ok(await closed(socket), "closed by the guest after our end");
  }
  t.same(statuses, ["o", "o", "o"], "each connection ended cleanly, as the guest saw it");

  // The guest now waits in sock_accept for good: the abort ends it and closes its listener.
  controller.abort();
  await t.rejects(running, { name: "AbortError" });
  // The I/O thread closes the listener on the instance's end, at once but on its own thread.
  const attempt = () =>
    new Promise<string>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    });
  let refused = await attempt();
  for (const deadline = Date.now() + 2_000; refused === "connected" && Date.now() < deadline; refused = await attempt()) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.equal(refused, "ECONNREFUSED", "the listener is closed (within 2 s)");
});

t.test("on the async host, one blocking sock_send of 1 MiB (16 times the send ring) is sent whole, after waits", {
  skip: typeof (WebAssembly as { Suspending?: unknown }).Suspending === "function" ? false : `no JSPI before Node 24 (this is Node ${process.versions.node})`,
}, async (t) => {
  const port = await freePort();
  const size = 1 << 20;
  const module = new WebAssembly.Module(await watToWasm(`(module
    (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $setflags (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 17)
    (func (export "_start") (local $i i32)
      (loop $fill
        (i32.store8 (i32.add (i32.const 65536) (local.get $i)) (i32.and (local.get $i) (i32.const 255)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $fill (i32.lt_u (local.get $i) (i32.const ${size}))))
      (drop (call $setflags (i32.const 3) (i32.const 0)))
      (if (call $accept (i32.const 3) (i32.const 0) (i32.const 40)) (then (call $exit (i32.const 2))))
      (i32.store (i32.const 0) (i32.const 65536)) (i32.store (i32.const 4) (i32.const ${size}))
      (if (call $send (i32.load (i32.const 40)) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 52)) (then (call $exit (i32.const 3))))
      (if (i32.ne (i32.load (i32.const 52)) (i32.const ${size})) (then (call $exit (i32.const 4))))
      (drop (call $close (i32.load (i32.const 40))))))`));
  const wasi = new WASI({ async: true, tcpListen: [`127.0.0.1:${port}`] });
  const running = wasi.start(new WebAssembly.Instance(module, wasi.getImportObject()));
  const socket = await connect(port);
  const got = await receive(socket, size);
  t.equal(await running, 0, "the send's count is the whole 1 MiB (exit 4 would be a short count)");
  t.equal(got.byteLength, size, "and every byte arrived");
  t.ok(got.every((b, i) => b === (i & 255)), "in order");
  socket.destroy();
});
