// The async host (options.async, on JSPI): the event loop runs while a guest waits, guests
// interleave their waits, stdin and stdout are the embedder's streams (backpressure included),
// and an AbortSignal ends a waiting guest. The JSPI-dependent tests skip before Node 24; the
// refusal without JSPI is tested on every Node.
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import t from "tap";
import { WASI } from "../../src/index.js";
import { Changes, firstOf } from "../../src/async/wait.js";
import { tempDir, wat } from "../helpers/harness.js";
import { cat, hasJspi, needsJspi, openThenRead, sleeper, stdinPoller, writer, yielder } from "../helpers/async-guests.js";

/** Runs `module` on the async host; stdout collected unless the options give their own. */
async function runAsync(module: WebAssembly.Module, options: ConstructorParameters<typeof WASI<true>>[0] = {}) {
  const out: Buffer[] = [];
  const wasi = new WASI({ async: true, stdout: (chunk: Uint8Array) => void out.push(Buffer.from(chunk)), ...options });
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  const exitCode = await wasi.start(instance);
  return { exitCode, stdout: Buffer.concat(out).toString("utf8"), wasi };
}

t.test("without JSPI, async: true is refused with an error naming the Node version needed", async (t) => {
  const wasm = WebAssembly as unknown as Record<string, unknown>;
  const saved = { Suspending: wasm.Suspending, promising: wasm.promising };
  // On a Node with JSPI, take it away for the duration (the check looks at WebAssembly each time).
  delete wasm.Suspending;
  delete wasm.promising;
  try {
    t.throws(() => new WASI({ async: true }), { code: "ERR_WASI_ASYNC_UNSUPPORTED", message: /Node enables by default from version 24; this is Node \d+/ });
    t.doesNotThrow(() => new WASI({ async: false }).close(), "async: false is the synchronous host, on any Node");
  } finally {
    if (saved.Suspending !== undefined) Object.assign(wasm, saved);
  }
});

t.test("options the synchronous host cannot honour are refused, saying why", async (t) => {
  t.throws(() => new WASI({ async: "yes" as unknown as boolean }), { code: "ERR_INVALID_ARG_TYPE" });
  t.throws(() => new WASI({ signal: new AbortController().signal }), { code: "ERR_INVALID_ARG_VALUE", message: /needs options.async: true/ });
  t.throws(() => new WASI({ stdin: new PassThrough() }), { code: "ERR_INVALID_ARG_TYPE", message: /needs options.async: true/ });
  t.throws(() => new WASI({ stdout: new WritableStream() }), { code: "ERR_INVALID_ARG_TYPE", message: /needs options.async: true/ });
});

t.test("the event loop runs while a guest sleeps: a timer fires and an HTTP request is answered", { skip: needsJspi }, async (t) => {
  const server = http.createServer((_req, res) => res.end("pong"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => server.close());
  const { port } = server.address() as { port: number };
  const events: string[] = [];
  setTimeout(() => events.push("timer"), 50);
  const guest = runAsync(await sleeper(400)).then((r) => {
    events.push("guest done");
    return r;
  });
  const reply = await fetch(`http://127.0.0.1:${port}/`).then((res) => res.text());
  events.push(`http ${reply}`);
  const { exitCode, stdout } = await guest;
  t.equal(exitCode, 0);
  t.equal(stdout, "slept\n");
  t.same(events.slice(0, 2).sort(), ["http pong", "timer"], "the timer fired and the request was answered while the guest waited");
  t.equal(events[2], "guest done", "then the guest finished");
});

t.test("two guests that each sleep 300 ms finish together in well under 600 ms, each with its own stdio", { skip: needsJspi }, async (t) => {
  const module = await sleeper(300);
  const start = performance.now();
  const ends: number[] = [];
  const results = await Promise.all(
    [0, 1].map(async () => {
      const r = await runAsync(module);
      ends.push(performance.now() - start);
      return r;
    }),
  );
  const total = performance.now() - start;
  t.same(results.map((r) => [r.exitCode, r.stdout]), [[0, "slept\n"], [0, "slept\n"]], "each wrote to its own stdout");
  t.ok(Math.min(...ends) >= 290, `each slept its 300 ms (${ends.map((e) => e.toFixed(0)).join(", ")} ms)`);
  t.ok(total < 480, `both done in ${total.toFixed(0)} ms`);
});

t.test("a guest reads a slow Readable line by line, echoing each line before the next arrives", { skip: needsJspi }, async (t) => {
  const log: string[] = [];
  const lines = ["one\n", "two\n", "three\n", "four\n"];
  const stdin = Readable.from(
    (async function* () {
      for (const line of lines) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        log.push(`in ${line.trim()}`);
        yield Buffer.from(line);
      }
    })(),
  );
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log.push(`out ${chunk.toString().trim()}`);
      done();
    },
  });
  const { exitCode } = await runAsync(await cat(), { stdin, stdout });
  t.equal(exitCode, 0);
  t.same(log, lines.flatMap((l) => [`in ${l.trim()}`, `out ${l.trim()}`]), "each line out before the next in");
});

t.test("stdin from a web ReadableStream or an async iterable, stdout into a web WritableStream", { skip: needsJspi }, async (t) => {
  const got: string[] = [];
  const stdout = new WritableStream<Uint8Array>({ write: (chunk) => void got.push(Buffer.from(chunk).toString()) });
  const stdin = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("web "));
      controller.enqueue(new TextEncoder().encode("streams"));
      controller.close();
    },
  });
  t.equal((await runAsync(await cat(), { stdin, stdout })).exitCode, 0);
  t.equal(got.join(""), "web streams");

  const iterable = (async function* () {
    yield "text and ";
    yield new Uint8Array([98, 121, 116, 101, 115]);
  })();
  const r = await runAsync(await cat(), { stdin: iterable });
  t.same([r.exitCode, r.stdout], [0, "text and bytes"]);

  const bad = (async function* () {
    yield 42;
  })();
  await t.rejects(runAsync(await cat(), { stdin: bad }), { code: "ERR_INVALID_RETURN_VALUE" }, "a chunk that is not bytes is the embedder's mistake");

  const failing = new Readable({ read() { this.destroy(new Error("source broke")); } });
  t.equal((await runAsync(await cat(), { stdin: failing })).exitCode, 2, "a failing source is the guest's EIO");
});

t.test("poll_oneoff waits for a stream's readiness, and for its clock while nothing comes", { skip: needsJspi }, async (t) => {
  const module = await stdinPoller(5_000);
  const late = new PassThrough();
  setTimeout(() => late.write("x"), 100);
  const start = performance.now();
  t.equal((await runAsync(module, { stdin: late })).exitCode, 1, "stdin's event (userdata 1) first");
  const waited = performance.now() - start;
  t.ok(waited >= 90 && waited < 2_000, `woke when the byte came (${waited.toFixed(0)} ms)`);

  const quiet = new PassThrough();
  t.equal((await runAsync(await stdinPoller(150), { stdin: quiet })).exitCode, 2, "the clock (userdata 2) when stdin stays quiet");
});

t.test("sched_yield lets the event loop turn", { skip: needsJspi }, async (t) => {
  let turns = 0;
  let stop = false;
  const spin = () => {
    turns++;
    if (!stop) setImmediate(spin);
  };
  setImmediate(spin);
  const { exitCode } = await runAsync(await yielder(200));
  stop = true;
  t.equal(exitCode, 0);
  t.ok(turns >= 100, `the loop turned ${turns} times during 200 yields`);
});

t.test("backpressure: a guest writing 1 GiB to a slow sink keeps host memory flat", { skip: needsJspi, timeout: 240_000 }, async (t) => {
  const BLOCKS = 16_384; // of 64 KiB: 1 GiB
  let received = 0;
  let maxBuffered = 0;
  const sink = new Writable({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _encoding, done) {
      received += chunk.byteLength;
      maxBuffered = Math.max(maxBuffered, sink.writableLength);
      setImmediate(done); // slow: one chunk per turn of the loop
    },
  });
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  /** The peak RSS while the first quarter went through, and while the last half did. */
  let peakEarly = before;
  let peakLate = before;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
    if (received <= BLOCKS * 65536 * 0.25) peakEarly = Math.max(peakEarly, rss);
    if (received >= BLOCKS * 65536 * 0.5) peakLate = Math.max(peakLate, rss);
  }, 20);
  const { exitCode } = await runAsync(await writer(BLOCKS), { stdout: sink });
  clearInterval(sampler);
  await new Promise((resolve) => sink.end(resolve));
  t.equal(exitCode, 0);
  t.equal(received, BLOCKS * 65536, "every byte reached the sink");
  t.ok(maxBuffered <= 512 * 1024, `the sink never held more than its high-water mark and a block (${maxBuffered} bytes)`);
  // Without backpressure the gigabyte would sit in the sink: RSS up by 1 GiB, growing all the way.
  // With it, what RSS shows is garbage the collector has not reclaimed yet (64 KiB buffers, freed
  // when V8 gets to them), 70 to 140 MiB here depending on what else the machine runs: the bounds
  // sit well above that and well below the failure.
  const grown = (peak - before) / 2 ** 20;
  t.ok(grown < 384, `RSS grew by ${grown.toFixed(1)} MiB while 1 GiB went through`);
  const drift = (peakLate - peakEarly) / 2 ** 20;
  t.ok(drift < 192, `and stayed flat: the last half's peak is ${drift.toFixed(1)} MiB above the first quarter's`);
});

t.test("an abort ends a waiting guest: start() rejects with the reason and every descriptor is released", { skip: needsJspi }, async (t) => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "held.txt"), "x");
  const fdCount = () => fs.readdirSync("/proc/self/fd").length;
  const linux = process.platform === "linux";
  const module = await openThenRead();
  const before = linux ? fdCount() : 0;
  const controller = new AbortController();
  const stdin = new PassThrough(); // never written: the guest waits forever
  const wasi = new WASI({ async: true, stdin, preopens: { "/": dir }, signal: controller.signal });
  const started = wasi.start(new WebAssembly.Instance(module, wasi.getImportObject()));
  await new Promise((resolve) => setTimeout(resolve, 100));
  if (linux) t.ok(fdCount() > before, "while it waits, the guest holds its preopen and its file");
  const abortedAt = performance.now();
  controller.abort();
  await t.rejects(started, { name: "AbortError" }, "start() rejects with the signal's reason");
  t.ok(performance.now() - abortedAt < 500, "at once");
  t.equal(wasi.exitCode, undefined, "no exit code: the guest did not exit");
  if (linux) t.equal(fdCount(), before, "every host descriptor it held is closed");
  t.notOk(stdin.destroyed, "the embedder's stdin stream is left to the embedder");

  const early = new AbortController();
  early.abort(new Error("not today"));
  const second = new WASI({ async: true, signal: early.signal });
  await t.rejects(second.start(new WebAssembly.Instance(await sleeper(1000), second.getImportObject())), { message: "not today" }, "an aborted signal runs nothing");
});

t.test("the waiting imports are WebAssembly.Suspending; every other import is the synchronous host's own function", { skip: needsJspi }, async (t) => {
  const wasi = new WASI({ async: true });
  const imports = wasi.getImportObject().wasi_snapshot_preview1!;
  t.ok(imports.fd_read instanceof (WebAssembly as unknown as { Suspending: new (...a: never[]) => object }).Suspending, "fd_read suspends");
  t.ok(imports.poll_oneoff instanceof (WebAssembly as unknown as { Suspending: new (...a: never[]) => object }).Suspending, "poll_oneoff suspends");
  t.equal(typeof imports.path_open, "function", "path_open is the plain synchronous import");
  t.equal(typeof imports.clock_time_get, "function", "clock_time_get too");
  t.equal(imports.path_open, wasi.wasiImport.path_open, "the same function the synchronous host links");
  t.equal(imports.fd_read, wasi.wasiImport.fd_read, "wasiImport holds the Suspending too");
  wasi.close();
});

t.test("a module linked with wasiImport, as node:wasi's users do, suspends as well; misuse rejects", { skip: needsJspi }, async (t) => {
  const out: string[] = [];
  const wasi = new WASI({ async: true, stdout: (chunk: Uint8Array) => void out.push(Buffer.from(chunk).toString()) });
  const instance = new WebAssembly.Instance(await sleeper(50), { wasi_snapshot_preview1: wasi.wasiImport });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const started = wasi.start(instance);
  t.ok(started instanceof Promise, "start() returns a promise");
  t.equal(await started, 0);
  clearInterval(timer);
  t.same(out, ["slept\n"]);
  t.ok(ticks >= 3, `the loop ran meanwhile (${ticks} ticks)`);
  const again = wasi.start(instance);
  t.ok(again instanceof Promise, "a second start() returns a promise too");
  await t.rejects(again, { code: "ERR_WASI_ALREADY_STARTED" }, "and rejects, as the async host fails");
});

t.test("JSPI is reported as present on Node 24 and later", async (t) => {
  const major = Number(process.versions.node.split(".")[0]);
  t.equal(hasJspi, major >= 24, `Node ${process.versions.node}`);
});

t.test("a poll's wait leaves nothing behind: no subscription to its instance's changes once it is over", async (t) => {
  const changes = new Changes();
  for (let i = 0; i < 2_000; i++) await firstOf([], 0, changes);
  t.equal(changes.waiting, 0, "2,000 timed-out waits, none still subscribed");
  const woken = firstOf([new Promise(() => {})], Infinity, changes);
  t.equal(changes.waiting, 1, "a waiting poll is subscribed");
  changes.notify();
  await woken;
  t.equal(changes.waiting, 0, "and leaves when a change wakes it");
});

t.test("a reactor: initialize() resolves, and an export that waits runs through WebAssembly.promising", { skip: needsJspi }, async (t) => {
  const module = await wat(`(module
    (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "_initialize"))
    (func (export "nap") (result i32)
      (i32.store (i32.const 80) (i32.const 1))
      (i64.store (i32.const 88) (i64.const 50000000))
      (call $poll (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 200))))`);
  const wasi = new WASI({ async: true });
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  const initialized = wasi.initialize(instance);
  t.ok(initialized instanceof Promise, "initialize() returns a promise");
  await initialized;
  const nap = (WebAssembly as unknown as { promising: (f: unknown) => () => Promise<number> }).promising(instance.exports.nap);
  const start = performance.now();
  t.equal(await nap(), 0, "the export's poll succeeded");
  t.ok(performance.now() - start >= 45, "after its 50 ms");
  t.throws(() => (instance.exports.nap as () => number)(), { name: "SuspendError" }, "called directly, its wait traps (V8's rule)");
  wasi.close();
});

t.test("a traced guest on the async host: one line per call, with the answer it had after its wait", { skip: needsJspi }, async (t) => {
  const lines: string[] = [];
  const { exitCode } = await runAsync(await sleeper(30), { trace: (line: string) => void lines.push(line) });
  t.equal(exitCode, 0);
  t.equal(lines.filter((l) => l.includes("poll_oneoff(")).length, 1, "the poll is traced once, not per attempt");
  t.match(lines.find((l) => l.includes("poll_oneoff(")) ?? "", /= SUCCESS$/, "with its final answer");
  t.match(lines.find((l) => l.includes("fd_write(")) ?? "", /= SUCCESS$/);
});

t.test("a blocking write of small iovecs to a full host pipe finishes whole after waits, its bytes intact while other guests reuse the scratch buffer", { skip: needsJspi || (process.platform === "win32" ? "a socket pair's fd" : false) }, async (t) => {
  const { spawn } = await import("node:child_process");
  // A child that starts reading only after 300 ms; until then its stdin, our socket pair, fills up.
  const child = spawn(process.execPath, ["-e", "setTimeout(() => process.stdin.pipe(process.stdout), 300)"], { stdio: ["pipe", "pipe", "inherit"] });
  t.teardown(() => void child.kill());
  const fd = (child.stdin as unknown as { _handle: { fd: number } })._handle.fd;
  let filled = 0;
  for (const block = Buffer.alloc(65536, 0x2e); ; ) {
    try {
      filled += fs.writeSync(fd, block);
    } catch {
      break; // EAGAIN: full
    }
  }
  const echoed: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => echoed.push(chunk));

  // 150 iovecs of 200 bytes (copied through the scratch buffer), each 'a'…: 30,000 bytes.
  const iovecs = 150;
  const program = (letter: number, fdOut: number) =>
    wat(`(module
    (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start") (local $i i32)
      (memory.fill (i32.const 4096) (i32.const ${letter}) (i32.const ${iovecs * 200}))
      (loop $next
        (i32.store (i32.add (i32.const 64) (i32.mul (local.get $i) (i32.const 8))) (i32.add (i32.const 4096) (i32.mul (local.get $i) (i32.const 200))))
        (i32.store (i32.add (i32.const 68) (i32.mul (local.get $i) (i32.const 8))) (i32.const 200))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (i32.const ${iovecs}))))
      (if (call $write (i32.const ${fdOut}) (i32.const 64) (i32.const ${iovecs}) (i32.const 8)) (then (call $exit (i32.const 3))))
      (if (i32.ne (i32.load (i32.const 8)) (i32.const ${iovecs * 200})) (then (call $exit (i32.const 4))))))`);
  const writer = new WASI({ async: true, stdout: fd });
  const writing = writer.start(new WebAssembly.Instance(await program(0x61, 1), writer.getImportObject()));
  // Meanwhile other guests write 'z's through the same scratch buffer.
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    t.equal((await runAsync(await program(0x7a, 1))).stdout, "z".repeat(iovecs * 200));
  }
  t.equal(await writing, 0, "the write finished whole (exit 4 would be a short count)");
  child.stdin.end();
  await new Promise((resolve) => child.stdout.on("end", resolve));
  const all = Buffer.concat(echoed);
  t.equal(all.byteLength, filled + iovecs * 200, "every byte came through");
  t.equal(all.subarray(filled).toString(), "a".repeat(iovecs * 200), "the waiting guest's bytes, not the others'");
});
