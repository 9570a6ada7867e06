// Standard input and output: callbacks, streams, buffers, strings, functions, and the host's own
// descriptors (pipes, files, /dev/null, a pty) — including the EAGAIN that Node's non-blocking
// pipes produce, which must never reach the guest.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { Writable, PassThrough } from "node:stream";
import t from "tap";
import { Errno, Filetype, Rights } from "../../src/abi/constants.js";
import { WASI, type WASIOptions } from "../../src/index.js";
import { trackingBackend } from "../fs/util.js";
import { direct, tempDir, wat } from "../helpers/harness.js";
import { childCommand, runChildSync, spawnChild } from "../helpers/child.js";

const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString();
const tick = () => new Promise((r) => setImmediate(r));

t.test("fd_write to 1 and 2 with callbacks: iovecs gathered, nwritten", async (t) => {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const h = direct({ stdout: (c) => out.push(c.slice()), stderr: (c) => err.push(c.slice()) });
  h.write(100, "ab");
  h.write(200, "cd");
  h.iovecs(0, [100, 2], [150, 0], [200, 2]);
  t.equal(h.call("fd_write", 1, 0, 3, 500), Errno.SUCCESS);
  t.equal(h.u32(500), 4);
  t.equal(text(out), "abcd");
  h.write(300, "héllo\n");
  h.iovecs(0, [300, 7]);
  t.equal(h.call("fd_write", 2, 0, 1, 500), Errno.SUCCESS);
  t.equal(h.u32(500), 7);
  t.equal(text(err), "héllo\n");
  t.equal(text(out), "abcd", "stdout unchanged by a stderr write");
  // The callback gets a copy: the guest overwriting its buffer later changes nothing.
  h.write(300, "XXXXXX");
  t.equal(text(err), "héllo\n");
  // Zero-length write.
  h.iovecs(0, [300, 0]);
  t.equal(h.call("fd_write", 1, 0, 1, 500), Errno.SUCCESS);
  t.equal(h.u32(500), 0);
  t.equal(h.call("fd_write", 1, 0, 0, 500), Errno.SUCCESS, "no iovecs");
  t.equal(h.u32(500), 0);
});

t.test("Writable streams as stdout and stderr", async (t) => {
  const got: Buffer[] = [];
  const stdout = new Writable({
    write(chunk: Buffer, _enc, cb) {
      got.push(chunk);
      cb();
    },
  });
  const stderr = new PassThrough();
  const errChunks: Buffer[] = [];
  stderr.on("data", (c: Buffer) => errChunks.push(c));
  const h = direct({ stdout, stderr });
  for (const word of ["one ", "two ", "three"]) {
    const len = h.write(100, word);
    h.iovecs(0, [100, len]);
    t.equal(h.call("fd_write", 1, 0, 1, 500), Errno.SUCCESS);
    t.equal(h.u32(500), len);
  }
  h.iovecs(0, [100, 3]);
  t.equal(h.call("fd_write", 2, 0, 1, 500), Errno.SUCCESS);
  await tick();
  t.equal(Buffer.concat(got).toString(), "one two three");
  t.equal(Buffer.concat(errChunks).toString(), "thr");
});

t.test("a stream that has ended or been destroyed: EPIPE, and no 'error' event left to crash the host", async (t) => {
  const ended = new PassThrough();
  ended.end();
  const destroyed = new PassThrough();
  destroyed.destroy();
  const errors: unknown[] = [];
  const onUncaught = (e: unknown) => errors.push(e);
  process.on("uncaughtException", onUncaught);
  try {
    const h = direct({ stdout: ended, stderr: destroyed });
    h.write(100, "late");
    h.iovecs(0, [100, 4]);
    t.equal(h.call("fd_write", 1, 0, 1, 500), Errno.PIPE, "ended stream → EPIPE");
    t.equal(h.call("fd_write", 2, 0, 1, 500), Errno.PIPE, "destroyed stream → EPIPE");
    await new Promise((r) => setTimeout(r, 20));
    t.same(errors, [], "no uncaught exception afterwards");
  } finally {
    process.off("uncaughtException", onUncaught);
  }
});

t.test("Buffer stdin: read in pieces, then EOF (nread 0) for good", async (t) => {
  const h = direct({ stdin: Buffer.from("abcdefghij") });
  h.iovecs(0, [100, 4]);
  const reads: string[] = [];
  for (let i = 0; i < 5; i++) {
    t.equal(h.call("fd_read", 0, 0, 1, 500), Errno.SUCCESS);
    reads.push(h.readString(100, h.u32(500)));
  }
  t.same(reads, ["abcd", "efgh", "ij", "", ""], "three reads of data, then 0 at EOF, twice");
  // Scatter over two iovecs.
  const h2 = direct({ stdin: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) });
  h2.iovecs(0, [100, 3], [200, 10]);
  t.equal(h2.call("fd_read", 0, 0, 2, 500), Errno.SUCCESS);
  t.equal(h2.u32(500), 8);
  t.same([...h2.read(100, 3)], [1, 2, 3]);
  t.same([...h2.read(200, 5)], [4, 5, 6, 7, 8]);
});

t.test("string stdin is UTF-8", async (t) => {
  const h = direct({ stdin: "héllo ✓\n" });
  h.iovecs(0, [100, 64]);
  t.equal(h.call("fd_read", 0, 0, 1, 500), Errno.SUCCESS);
  t.equal(h.u32(500), 11, "h é(2) l l o space ✓(3) newline = 11 bytes");
  t.equal(h.readString(100, 11), "héllo ✓\n");
  t.equal(h.call("fd_read", 0, 0, 1, 500), Errno.SUCCESS);
  t.equal(h.u32(500), 0, "EOF");
});

t.test("function stdin: asked for at most the room given, chunks kept over, null is EOF", async (t) => {
  const asked: number[] = [];
  const chunks: (Uint8Array | string | null)[] = [new Uint8Array([65, 66, 67]), "0123456789", "é", null, "never"];
  const h = direct({
    stdin: (max: number) => {
      asked.push(max);
      return chunks.shift() ?? null;
    },
  });
  h.iovecs(0, [100, 4], [200, 4]);
  const read = () => {
    t.equal(h.call("fd_read", 0, 0, 2, 500), Errno.SUCCESS);
    const n = h.u32(500);
    return Buffer.concat([h.read(100, Math.min(n, 4)), h.read(200, Math.max(0, n - 4))]).toString();
  };
  t.equal(read(), "ABC");
  t.equal(read(), "01234567", "a chunk longer than the room: the first 8 bytes");
  t.equal(read(), "89", "the rest of it, without asking again");
  t.equal(read(), "é", "a string chunk, UTF-8");
  t.equal(read(), "", "null: EOF");
  t.equal(read(), "", "EOF stays EOF");
  t.same(asked, [8, 8, 8, 8], "called only when it had nothing pending, with the total room; never after EOF");
});

// ---- the embedder's own exceptions: they end the guest, start() rethrows them -----------------

/** A command that writes "hi\n" to fd 1, reads fd 0, and exits with 100 + the first errno it meets (else 0). */
const WRITE_THEN_READ = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hi\\n")
  (func $check (param $errno i32)
    (if (local.get $errno) (then (call $proc_exit (i32.add (i32.const 100) (local.get $errno))))))
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 3))
    (call $check (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 128))
    (i32.store (i32.const 4) (i32.const 16))
    (call $check (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

/** Runs WRITE_THEN_READ with a preopen on a backend that tracks host fds; returns what start() did. */
async function startWithPreopen(options: WASIOptions) {
  const tracking = trackingBackend();
  const wasi = new WASI({ preopens: { "/": tempDir() }, fs: tracking.backend, ...options });
  const instance = new WebAssembly.Instance(await wat(WRITE_THEN_READ), wasi.getImportObject());
  const openBefore = tracking.openFds.size;
  let outcome: { returned: number } | { threw: unknown };
  try {
    outcome = { returned: wasi.start(instance) };
  } catch (error) {
    outcome = { threw: error };
  }
  return { wasi, outcome, openBefore, openAfter: tracking.openFds.size };
}

t.test("a stdout callback that throws ends the guest: start() rethrows it, descriptors released", async (t) => {
  const boom = new Error("the embedder's own failure");
  const r = await startWithPreopen({
    stdout: () => {
      throw boom;
    },
  });
  t.equal(r.openBefore, 1, "precondition: the preopen held a host descriptor");
  t.same(r.outcome, { threw: boom }, "start() threw the callback's exception itself, not an errno the guest exits on");
  t.equal((r.outcome as { threw: unknown }).threw, boom, "the very same object");
  t.equal(r.openAfter, 0, "every host descriptor was released");
  t.throws(() => (r.wasi.wasiImport.fd_write as (...a: number[]) => number)(1, 0, 1, 8), boom, "a later import call throws it again");
});

t.test("a stream whose write() throws, and a thrown non-Error, are the embedder's too", async (t) => {
  const throwing = new Writable({ write: (_c, _e, cb) => cb() });
  throwing.write = () => {
    throw new RangeError("stream broke");
  };
  const r1 = await startWithPreopen({ stdout: throwing });
  t.match(r1.outcome, { threw: { name: "RangeError", message: "stream broke" } });
  t.equal(r1.openAfter, 0);
  const r2 = await startWithPreopen({
    stdout: () => {
      throw "a string"; // eslint-disable-line no-throw-literal
    },
  });
  t.same(r2.outcome, { threw: "a string" });
});

t.test("a stdin function that throws ends the guest the same way", async (t) => {
  const failure = new Error("source failed");
  const r = await startWithPreopen({
    stdout: () => {},
    stdin: () => {
      throw failure;
    },
  });
  t.same(r.outcome, { threw: failure });
  t.equal(r.openAfter, 0);
});

t.test("a stdin function returning a Promise (or anything but bytes, a string or null): a TypeError naming it", async (t) => {
  const r = await startWithPreopen({ stdout: () => {}, stdin: (async () => "late") as never });
  const thrown = (r.outcome as { threw?: unknown }).threw;
  t.type(thrown, TypeError, "start() threw a TypeError");
  t.match(thrown, { code: "ERR_INVALID_RETURN_VALUE", message: /stdin function .* not a Promise/ });
  t.equal(r.openAfter, 0);
  for (const [answer, named] of [[undefined, /not undefined/], [42, /not a value of type number/], [new ArrayBuffer(4), /type object/]] as const) {
    const h = direct({ stdin: (() => answer) as never });
    h.iovecs(0, [100, 4]);
    t.throws(() => h.call("fd_read", 0, 0, 1, 500), { name: "TypeError", message: named }, `a stdin function returning ${String(answer)}`);
  }
});

t.test("host and guest failures stay errnos: only the embedder's callbacks throw", async (t) => {
  const r = await startWithPreopen({ stdout: () => {}, stdin: 12345 });
  t.same(r.outcome, { returned: 100 + Errno.BADF }, "a closed host stdin fd is EBADF to the guest, which exits on it");
  t.equal(r.openAfter, 0);
});

t.test("stdio that is not a host descriptor: fdstat, filestat, no seeking", async (t) => {
  const h = direct({ stdin: "x", stdout: () => {}, stderr: () => {} });
  for (const fd of [0, 1, 2]) {
    t.equal(h.call("fd_fdstat_get", fd, 0), Errno.SUCCESS);
    t.equal(h.u8(0), Filetype.UNKNOWN, `fd ${fd} filetype`);
    const rights = h.u64(8);
    t.ok(rights & (fd === 0 ? Rights.FD_READ : Rights.FD_WRITE), `fd ${fd} can ${fd === 0 ? "read" : "write"}`);
    t.equal(h.u64(16), 0n, "no inheriting rights");
    t.equal(h.call("fd_filestat_get", fd, 100), Errno.SUCCESS, `fd_filestat_get(${fd}) works, as in wasmtime`);
    t.equal(h.call("fd_seek", fd, 0n, 0, 200), Errno.SPIPE, `fd_seek(${fd}) → ESPIPE`);
    t.equal(h.call("fd_seek", fd, 5n, 2, 200), Errno.SPIPE);
    t.equal(h.call("fd_tell", fd, 200), Errno.SPIPE, `fd_tell(${fd}) → ESPIPE`);
    t.equal(h.call("fd_prestat_get", fd, 200), Errno.BADF, "stdio is no preopen");
  }
});

t.test("fd_close and fd_renumber of stdio", async (t) => {
  const out: string[] = [];
  const err: string[] = [];
  const h = direct({ stdout: (c) => out.push(Buffer.from(c).toString()), stderr: (c) => err.push(Buffer.from(c).toString()) });
  h.write(100, "x");
  h.iovecs(0, [100, 1]);
  const write = (fd: number) => h.call("fd_write", fd, 0, 1, 500);

  t.equal(h.call("fd_renumber", 1, 1), Errno.SUCCESS, "renumber onto itself");
  t.equal(write(1), Errno.SUCCESS, "still open afterwards");
  t.equal(h.call("fd_renumber", 1, 50), Errno.BADF, "target not open: EBADF");
  t.equal(h.call("fd_renumber", 50, 1), Errno.BADF, "source not open: EBADF");
  t.equal(h.call("fd_renumber", 50, 50), Errno.BADF, "neither open");
  t.equal(write(50), Errno.BADF, "the failed renumber opened nothing");
  t.same(out, ["x"]);

  // 2 → 1: fd 1 now writes to what was stderr, fd 2 is gone.
  t.equal(h.call("fd_renumber", 2, 1), Errno.SUCCESS);
  h.write(100, "y");
  t.equal(write(1), Errno.SUCCESS);
  t.same(err, ["y"], "fd 1 is the old stderr");
  t.same(out, ["x"], "the old stdout is closed");
  t.equal(write(2), Errno.BADF, "the old number is EBADF");
  t.equal(h.call("fd_fdstat_get", 2, 200), Errno.BADF);

  t.equal(h.call("fd_close", 1), Errno.SUCCESS);
  t.equal(write(1), Errno.BADF, "fd_write after fd_close → EBADF");
  t.equal(h.call("fd_close", 1), Errno.BADF, "closing twice → EBADF");
  t.equal(h.call("fd_close", 99), Errno.BADF);
  t.equal(h.call("fd_close", -1), Errno.BADF);
});

// ---- the host's descriptors, in child processes ------------------------------------------------

/** Child body: reports fdstat of fds 0..2 and seek/tell errnos as one JSON line on the given fd or file. */
const REPORT_FDSTAT = `
const g = guest();
const result = [0, 1, 2].map((fd) => {
  const r = g.w.fd_fdstat_get(fd, 0);
  const v = g.view();
  return { fd, r, filetype: v.getUint8(0), rights: v.getBigUint64(8, true).toString(),
    seek: g.w.fd_seek(fd, 0n, 1, 64), seekSet: g.w.fd_seek(fd, 0n, 0, 64), seekEnd: g.w.fd_seek(fd, 0n, 2, 64),
    tell: g.w.fd_tell(fd, 64), filestat: g.w.fd_filestat_get(fd, 128), statType: v.getUint8(128 + 16),
    statSize: v.getBigUint64(128 + 32, true).toString() };
});
const json = JSON.stringify(result) + "\\n";
if (process.env.RESULT_FILE) fs.writeFileSync(process.env.RESULT_FILE, json); else fs.writeSync(2, json);
`;
type FdReport = {
  fd: number; r: number; filetype: number; rights: string; seek: number; seekSet: number; seekEnd: number; tell: number;
  filestat: number; statType: number; statSize: string;
}[];
const has = (rights: string, right: bigint) => (BigInt(rights) & right) !== 0n;
/** wasi-libc's isatty(): a character device without FD_SEEK and FD_TELL. */
const libcIsatty = (e: FdReport[number]) =>
  e.filetype === Filetype.CHARACTER_DEVICE && !has(e.rights, Rights.FD_SEEK) && !has(e.rights, Rights.FD_TELL);

t.test("host stdio: a pipe, a file, /dev/null", async (t) => {
  const dir = tempDir();
  const outFile = path.join(dir, "out.txt");
  const inFile = path.join(dir, "in.txt");
  fs.writeFileSync(inFile, "twelve bytes");
  const out = fs.openSync(outFile, "w");
  const input = fs.openSync(inFile, "r");
  // stdin and stdout regular files.
  const r = runChildSync(REPORT_FDSTAT, { stdio: [input, out, "pipe"] });
  // stdin /dev/null (a character device that is no terminal).
  const n = runChildSync(REPORT_FDSTAT, { stdio: ["ignore", out, "pipe"] });
  fs.closeSync(out);
  fs.closeSync(input);
  t.equal(r.status, 0, r.stderr);
  t.equal(n.status, 0, n.stderr);
  const [stdin, stdout] = JSON.parse(r.stderr.trim().split("\n").pop()!) as FdReport;
  const devNull = (JSON.parse(n.stderr.trim().split("\n").pop()!) as FdReport)[0]!;
  // One answer, whatever the host has behind stdio: a stream that does not seek. fdstat, filestat
  // and seek/tell agree with each other (as in wasmtime), for a file as for /dev/null.
  for (const [e, what] of [[stdin!, "stdin from a file"], [stdout!, "stdout into a file"], [devNull, "stdin from /dev/null"]] as const) {
    t.equal(e.r, Errno.SUCCESS);
    t.equal(e.filetype, Filetype.UNKNOWN, `${what}: fdstat says UNKNOWN (a stream), not REGULAR_FILE`);
    t.equal(e.filestat, Errno.SUCCESS, `${what}: fd_filestat_get works`);
    t.equal(e.statType, e.filetype, `${what}: filestat says what fdstat says`);
    t.equal(e.statSize, "0", `${what}: and shows no size it could not seek through`);
    t.same([e.seek, e.seekSet, e.seekEnd, e.tell], [Errno.SPIPE, Errno.SPIPE, Errno.SPIPE, Errno.SPIPE], `${what}: seek and tell are ESPIPE`);
    t.notOk(libcIsatty(e), `${what}: isatty() in the guest says no`);
  }

  // stdout a real pipe. On POSIX a FIFO, through a shell pipeline (Node's own "pipe" stdio is a
  // socket pair there); on Windows Node's "pipe" is a named pipe, and there is no sh.
  const cmd = childCommand(REPORT_FDSTAT).map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const p = process.platform === "win32"
    ? runChildSync(REPORT_FDSTAT, { stdio: ["ignore", "pipe", "pipe"] })
    : spawnSync("sh", ["-c", `${cmd} | cat >/dev/null`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  t.equal(p.status, 0, p.stderr);
  const piped = JSON.parse(p.stderr.trim().split("\n").pop()!) as FdReport;
  t.equal(piped[1]!.r, Errno.SUCCESS);
  t.notOk(libcIsatty(piped[1]!), "a pipe is no tty");
  t.equal(piped[1]!.seek, Errno.SPIPE, "fd_seek on a pipe → ESPIPE");
  t.equal(piped[1]!.seekSet, Errno.SPIPE, "fd_seek(SET) on a pipe → ESPIPE");
  t.equal(piped[1]!.filestat, Errno.SUCCESS);
});

const python = spawnSync("python3", ["-c", "import pty"], { stdio: "ignore" }).status === 0;

t.test("host stdio on a pty: a character device without seek/tell rights", { skip: python ? false : "python3 with pty not available" }, async (t) => {
  const dir = tempDir();
  const resultFile = path.join(dir, "result.json");
  const r = spawnSync("python3", ["-c", "import pty, sys; pty.spawn(sys.argv[1:])", ...childCommand(REPORT_FDSTAT)], {
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
    input: "",
    env: { ...process.env, RESULT_FILE: resultFile },
    timeout: 30_000,
  });
  t.equal(r.status, 0, r.stderr);
  const report = JSON.parse(fs.readFileSync(resultFile, "utf8")) as FdReport;
  for (const e of report) {
    t.equal(e.r, Errno.SUCCESS);
    t.equal(e.filetype, Filetype.CHARACTER_DEVICE, `fd ${e.fd} is a character device`);
    t.notOk(has(e.rights, Rights.FD_SEEK), `fd ${e.fd} has no FD_SEEK`);
    t.notOk(has(e.rights, Rights.FD_TELL), `fd ${e.fd} has no FD_TELL`);
    t.ok(libcIsatty(e), `isatty(${e.fd}) is true in the guest`);
    t.ok(has(e.rights, e.fd === 0 ? Rights.FD_READ : Rights.FD_WRITE), "can read/write");
  }
});

t.test("fd_close(1) then fd_write(1) is EBADF, and the host's stdout still works", async (t) => {
  const r = runChildSync(`
const g = guest();
const closed = g.w.fd_close(1);
g.bytes().set(new TextEncoder().encode("guest\\n"), 100);
g.view().setUint32(0, 100, true); g.view().setUint32(4, 6, true);
const wrote = g.w.fd_write(1, 0, 1, 16);
const wroteErr = g.w.fd_write(2, 0, 1, 16);
console.log("host ok", closed, wrote, wroteErr);
`);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, "host ok 0 8 0\n", "close succeeded, the write gave EBADF, console.log still reached stdout");
  t.equal(r.stderr, "guest\n", "fd 2 unaffected");
});

/** Child body: counts EAGAINs the host raises under the runtime, and reports O_NONBLOCK of a fd. */
const EAGAIN_PROBE = `
import fsDefault from "node:fs";
import { syncBuiltinESMExports } from "node:module";
let eagain = 0;
for (const name of ["writeSync", "readSync"]) {
  const original = fsDefault[name];
  fsDefault[name] = function (...args) {
    try { return original.apply(this, args); } catch (e) { if (e.code === "EAGAIN") eagain++; throw e; }
  };
}
syncBuiltinESMExports();
const nonblocking = (fd) => {
  try { return (parseInt(/flags:\\s+(\\d+)/.exec(fs.readFileSync("/proc/self/fdinfo/" + fd, "utf8"))[1], 8) & 0o4000) !== 0; }
  catch { return null; }
};
`;

/** The EAGAIN tests need what only POSIX has: a pipe Node made non-blocking (O_NONBLOCK, seen in /proc/self/fdinfo). */
const posixPipes: string | false = process.platform === "win32"
  ? "Windows pipes have no O_NONBLOCK: Node does not make stdio pipes non-blocking there, so the host EAGAIN these tests provoke cannot arise"
  : false;

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 9)) & 0xff;
  return b;
}

t.test("EAGAIN on a non-blocking stdout pipe never reaches the guest: 4 MiB, every byte", { skip: posixPipes }, async (t) => {
  const SIZE = 4 << 20;
  const child = spawnChild(
    `${EAGAIN_PROBE}
process.stdout; // Node wraps the pipe and makes it non-blocking
const nb = nonblocking(1);
const g = guest({ stdout: process.stdout }, 70);
const b = g.bytes();
for (let i = 0; i < ${SIZE}; i++) b[1024 + i] = (i * 31 + (i >> 9)) & 0xff;
fs.writeSync(2, "ready\\n");
// One 4 MiB write, then the same bytes again as 256 writes of 16 KiB.
g.view().setUint32(0, 1024, true); g.view().setUint32(4, ${SIZE}, true);
const r1 = g.w.fd_write(1, 0, 1, 16);
const n1 = g.view().getUint32(16, true);
let r2 = 0, n2 = 0;
for (let at = 0; at < ${SIZE}; at += 16384) {
  g.view().setUint32(0, 1024 + at, true); g.view().setUint32(4, 16384, true);
  r2 |= g.w.fd_write(1, 0, 1, 16);
  n2 += g.view().getUint32(16, true);
}
fs.writeSync(2, JSON.stringify({ nb, r1, n1, r2, n2, eagain }) + "\\n");
`,
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const chunks: Buffer[] = [];
  let stderr = "";
  const ready = new Promise<void>((resolve) =>
    child.stderr!.on("data", (c: Buffer) => {
      stderr += c.toString();
      if (stderr.includes("ready\n")) resolve();
    }),
  );
  child.stdout!.pause();
  await ready;
  // Read slowly: wait before the first read so the pipe fills, then a pause after every chunk.
  setTimeout(() => {
    child.stdout!.on("data", (c: Buffer) => {
      chunks.push(c);
      child.stdout!.pause();
      setTimeout(() => child.stdout!.resume(), 2);
    });
    child.stdout!.resume();
  }, 300);
  const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  t.equal(status, 0, stderr);
  const report = JSON.parse(stderr.trim().split("\n").pop()!) as Record<string, unknown>;
  t.equal(report.nb, true, "precondition: the child's stdout pipe was non-blocking");
  t.ok((report.eagain as number) > 0, `precondition: the host did raise EAGAIN (${String(report.eagain)} times)`);
  t.equal(report.r1, Errno.SUCCESS, "the 4 MiB fd_write succeeded");
  t.equal(report.n1, SIZE, "and wrote everything");
  t.equal(report.r2, Errno.SUCCESS);
  t.equal(report.n2, SIZE);
  const got = Buffer.concat(chunks);
  t.equal(got.byteLength, 2 * SIZE, "every byte arrived");
  const expected = pattern(SIZE);
  t.ok(got.subarray(0, SIZE).equals(expected) && got.subarray(SIZE).equals(expected), "in order, intact");
});

t.test("EAGAIN on a non-blocking stdin pipe never reaches the guest", { skip: posixPipes }, async (t) => {
  const SIZE = 1 << 20;
  const child = spawnChild(
    `${EAGAIN_PROBE}
process.stdin; // Node wraps the pipe and makes it non-blocking
const nb = nonblocking(0);
const g = guest({}, 2);
fs.writeSync(2, "ready\\n");
const v = g.view();
v.setUint32(0, 1024, true); v.setUint32(4, 60000, true);
let total = 0, sum = 0, errors = [];
for (;;) {
  const r = g.w.fd_read(0, 0, 1, 16);
  if (r !== 0) { errors.push(r); break; }
  const n = g.view().getUint32(16, true);
  if (n === 0) break;
  const b = g.bytes();
  for (let i = 0; i < n; i++) sum = (sum + b[1024 + i] * ((total + i) % 251 + 1)) % 1000000007;
  total += n;
}
fs.writeSync(2, JSON.stringify({ nb, total, sum, errors, eagain }) + "\\n");
process.exit(0);
`,
    { stdio: ["pipe", "ignore", "pipe"] },
  );
  let stderr = "";
  const ready = new Promise<void>((resolve) =>
    child.stderr!.on("data", (c: Buffer) => {
      stderr += c.toString();
      if (stderr.includes("ready\n")) resolve();
    }),
  );
  const data = pattern(SIZE);
  let expectedSum = 0;
  for (let i = 0; i < SIZE; i++) expectedSum = (expectedSum + data[i]! * ((i % 251) + 1)) % 1000000007;
  // Write slowly: once the child is reading, a pause first, then 32 KiB every 3 ms.
  await ready;
  await new Promise((r) => setTimeout(r, 100));
  for (let at = 0; at < SIZE; at += 32768) {
    child.stdin!.write(data.subarray(at, at + 32768));
    await new Promise((r) => setTimeout(r, 3));
  }
  child.stdin!.end();
  const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  t.equal(status, 0, stderr);
  const report = JSON.parse(stderr.trim().split("\n").pop()!) as Record<string, unknown>;
  t.equal(report.nb, true, "precondition: the child's stdin was non-blocking");
  t.ok((report.eagain as number) > 0, `precondition: the host did raise EAGAIN (${String(report.eagain)} times)`);
  t.same(report.errors, [], "no errno reached the guest");
  t.equal(report.total, SIZE, "every byte read, then EOF");
  t.equal(report.sum, expectedSum, "the bytes are the ones written, in order");
});

// ---- a stream as stdout: bounded memory --------------------------------------------------------

t.test("a stream that cannot drain while the guest runs: 1 GiB written holds host memory to the bound", async (t) => {
  const GIB = 1 << 30;
  // A guest with 128 KiB of memory writes 1 GiB in 124 KiB writes to a PassThrough nobody reads
  // until the guest is done (as when its consumer is asynchronous). The buffers are external
  // memory, which no heap limit stops: RSS is what shows them.
  const r = runChildSync(
    `
import { PassThrough } from "node:stream";
import { STREAM_BUFFER_LIMIT } from ${JSON.stringify(new URL("../../src/stdio.ts", import.meta.url).href)};
const sink = new PassThrough();
const g = guest({ stdout: sink }, 2);
const CHUNK = 124 * 1024;
g.view().setUint32(0, 1024, true); g.view().setUint32(4, CHUNK, true);
const rss0 = process.memoryUsage().rss;
let accepted = 0, firstErrno = 0, failures = 0;
for (let attempted = 0; attempted < ${GIB}; attempted += CHUNK) {
  const errno = g.w.fd_write(1, 0, 1, 16);
  if (errno === 0) accepted += g.view().getUint32(16, true);
  else { failures++; firstErrno ||= errno; }
}
const grown = process.memoryUsage().rss - rss0;
const held = sink.writableLength;
// The guest is done: the stream drains, and the next write has room again.
let drained = 0;
sink.on("data", (c) => (drained += c.byteLength));
while (sink.writableLength > 0) await new Promise((r) => setImmediate(r));
const drainedBefore = drained;
const after = g.w.fd_write(1, 0, 1, 16);
console.log(JSON.stringify({ limit: STREAM_BUFFER_LIMIT, accepted, firstErrno, failures, grown, held, drained: drainedBefore, after }));
`,
    { timeout: 120_000 },
  );
  t.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout.trim()) as Record<string, number>;
  const limit = report.limit!;
  t.equal(report.accepted, limit, `the stream took exactly the bound (${limit} bytes), the last write short`);
  t.equal(report.held, limit, "and holds no more");
  t.equal(report.firstErrno, Errno.IO, "past the bound a write is EIO");
  t.ok(report.failures! > 8000, "every write past it too");
  t.ok(report.grown! < limit + (48 << 20), `host RSS grew by ${Math.round(report.grown! / 2 ** 20)} MiB, not by 1 GiB`);
  t.equal(report.drained, limit, "every accepted byte reached the stream's reader");
  t.equal(report.after, Errno.SUCCESS, "once drained, the stream takes writes again");
});
