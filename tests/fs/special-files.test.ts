// FIFOs, character devices and sockets found in a preopen: opened without blocking the host, then
// read and written as stdio is (the host's EAGAIN waited out, the guest's NONBLOCK honoured), with
// no position (ESPIPE). The FIFO cases run the guest in a child process: were the host to block,
// only the child would hang, and its timeout ends it.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import t from "tap";
import { Fdflags, Filetype, Rights } from "../../src/abi/constants.js";
import { spawnChild } from "../helpers/child.js";
import { direct } from "../helpers/harness.js";
import { E, FD, FT, PAGES, R, WHENCE, ops, sandbox, scratch } from "./util.js";

const posixSpecialFiles: string | false =
  process.platform === "win32"
    ? "Windows file systems hold no FIFOs, sockets or device nodes"
    : spawnSync("mkfifo", ["--version"], { stdio: "ignore" }).error
      ? "the mkfifo command is not available"
      : false;

const READ_ONLY = Rights.FD_READ | Rights.FD_SEEK | Rights.FD_TELL | Rights.FD_FDSTAT_SET_FLAGS | Rights.FD_FILESTAT_GET;
const WRITE_ONLY = Rights.FD_WRITE | Rights.FD_FDSTAT_SET_FLAGS | Rights.FD_FILESTAT_GET;

/**
 * Child body: opens `fifo` for reading (no writer yet), a second time with NONBLOCK, and `lonely`
 * for writing (no reader ever), reporting each as one JSON line on stderr; then "waiting", and a
 * blocking read that must get what a writer that appears later writes, then the end.
 */
const FIFO_GUEST = `
const g = guest({ preopens: { "/": process.env.BOX } }, 2);
const say = (o) => fs.writeSync(2, JSON.stringify(o) + "\\n");
const enc = new TextEncoder();
function open(name, rights, fdflags) {
  const bytes = enc.encode(name);
  g.bytes().set(bytes, 1024);
  const t0 = performance.now();
  const errno = g.w.path_open(3, 1, 1024, bytes.length, 0, rights, 0n, fdflags, 16);
  return { errno, fd: g.view().getUint32(16, true), ms: performance.now() - t0 };
}
function read(fd) {
  g.view().setUint32(0, 2048, true); g.view().setUint32(4, 4096, true);
  const errno = g.w.fd_read(fd, 0, 1, 16);
  const n = errno === 0 ? g.view().getUint32(16, true) : 0;
  return { errno, text: new TextDecoder().decode(g.bytes().slice(2048, 2048 + n)) };
}
const reader = open("fifo", ${READ_ONLY}n, 0);
say({ step: "open-read", ...reader });
const fdstat = g.w.fd_fdstat_get(reader.fd, 64);
const seek = g.w.fd_seek(reader.fd, 0n, ${WHENCE.SET}, 96);
const tell = g.w.fd_tell(reader.fd, 96);
const pread = (g.view().setUint32(0, 2048, true), g.view().setUint32(4, 16, true), g.w.fd_pread(reader.fd, 0, 1, 0n, 16));
say({ step: "stream", fdstat, filetype: g.view().getUint8(64), flags: g.view().getUint16(66, true), seek, tell, pread });
const nb = open("fifo", ${READ_ONLY}n, ${Fdflags.NONBLOCK});
g.w.fd_fdstat_get(nb.fd, 64);
say({ step: "open-nonblock", ...nb, flags: g.view().getUint16(66, true), read: read(nb.fd) });
say({ step: "open-write", ...open("lonely", ${WRITE_ONLY}n, 0) });
say({ step: "waiting" });
const t0 = performance.now();
const first = read(reader.fd);
const waited = performance.now() - t0;
let rest = "", last;
for (;;) { last = read(reader.fd); if (last.errno !== 0 || last.text === "") break; rest += last.text; }
say({ step: "read", first, waited, rest, end: last });
`;

t.test("a FIFO in a preopen: open returns at once, reads wait for a late writer, NONBLOCK is EAGAIN", { skip: posixSpecialFiles }, async (t) => {
  const box = scratch();
  execFileSync("mkfifo", [path.join(box, "fifo"), path.join(box, "lonely")]);
  const child = spawnChild(FIFO_GUEST, { env: { ...process.env, BOX: box }, stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 });
  const steps: Record<string, Record<string, unknown>> = {};
  let stderr = "";
  let wrote = false;
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const line of stderr.split("\n").slice(0, -1)) {
      if (!line.startsWith("{")) continue;
      const step = JSON.parse(line) as Record<string, unknown>;
      steps[step.step as string] = step;
    }
    // The guest is now blocked in fd_read with no writer: one appears 300 ms later.
    if (steps.waiting && !wrote) {
      wrote = true;
      setTimeout(() => void fs.promises.writeFile(path.join(box, "fifo"), "hello from a late writer"), 300);
    }
  });
  const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  t.equal(status, 0, `the child finished (killed after 20 s if the host blocked): ${stderr}`);

  const opened = steps["open-read"];
  t.equal(opened?.errno, E.SUCCESS, "path_open of a FIFO for reading, no writer: SUCCESS");
  t.ok((opened?.ms as number) < 1000, `and at once (${Math.round(opened?.ms as number)} ms), not when a writer comes`);
  const stream = steps.stream;
  t.equal(stream?.filetype, Filetype.UNKNOWN, "a FIFO's filetype is UNKNOWN (WASI has none for it)");
  t.equal(stream?.flags, 0, "fdflags without NONBLOCK: the guest did not ask for it");
  t.same([stream?.seek, stream?.tell, stream?.pread], [E.SPIPE, E.SPIPE, E.SPIPE], "seek, tell and pread: ESPIPE");
  const nb = steps["open-nonblock"];
  t.equal(nb?.errno, E.SUCCESS);
  t.equal(nb?.flags, FD.NONBLOCK, "a NONBLOCK open reports NONBLOCK");
  t.same(nb?.read, { errno: E.AGAIN, text: "" }, "and reading the empty FIFO is EAGAIN");
  const lonely = steps["open-write"];
  t.equal(lonely?.errno, E.NXIO, "opening for writing a FIFO no reader holds: ENXIO (as O_NONBLOCK natively)");
  t.ok((lonely?.ms as number) < 1000, "at once");
  const read = steps.read;
  t.same(read?.first, { errno: E.SUCCESS, text: "hello from a late writer" }, "the blocking read waited for the writer and got its bytes");
  t.ok((read?.waited as number) >= 250, `it waited (${Math.round(read?.waited as number)} ms) rather than reading an end`);
  t.same(read?.end, { errno: E.SUCCESS, text: "" }, "once the writer closed: the end (0 bytes)");
});

t.test("writing 1 MiB into a FIFO whose reader is slow: the host's EAGAIN is waited out, every byte arrives", { skip: posixSpecialFiles }, async (t) => {
  const SIZE = 1 << 20;
  const box = scratch();
  const fifo = path.join(box, "fifo");
  execFileSync("mkfifo", [fifo]);
  // The reader holds the FIFO open before the guest opens it for writing (else that is ENXIO).
  const reader = new net.Socket({ fd: fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK), readable: true, writable: false });
  const chunks: Buffer[] = [];
  reader.on("data", (c: Buffer) => {
    chunks.push(c);
    reader.pause();
    setTimeout(() => reader.resume(), 2);
  });
  const ended = new Promise<void>((resolve) => reader.on("end", resolve));
  const child = spawnChild(
    `
const g = guest({ preopens: { "/": process.env.BOX } }, 18);
const name = new TextEncoder().encode("fifo");
g.bytes().set(name, 1024);
const opened = g.w.path_open(3, 1, 1024, name.length, 0, ${WRITE_ONLY}n, 0n, 0, 16);
const fd = g.view().getUint32(16, true);
const b = g.bytes();
for (let i = 0; i < ${SIZE}; i++) b[65536 + i] = (i * 7 + (i >> 10)) & 0xff;
g.view().setUint32(0, 65536, true); g.view().setUint32(4, ${SIZE}, true);
const wrote = g.w.fd_write(fd, 0, 1, 16);
fs.writeSync(2, JSON.stringify({ opened, wrote, n: g.view().getUint32(16, true), closed: g.w.fd_close(fd) }) + "\\n");
`,
    { env: { ...process.env, BOX: box }, stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 },
  );
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  t.equal(status, 0, stderr);
  await ended;
  const report = JSON.parse(stderr.trim().split("\n").pop()!) as Record<string, number>;
  t.same(report, { opened: E.SUCCESS, wrote: E.SUCCESS, n: SIZE, closed: E.SUCCESS }, "one fd_write of 1 MiB, written whole");
  const got = Buffer.concat(chunks);
  const expected = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i++) expected[i] = (i * 7 + (i >> 10)) & 0xff;
  t.equal(got.byteLength, SIZE, "every byte arrived");
  t.ok(got.equals(expected), "in order, intact");
});

t.test("a character device in a preopen: read and written at no position, ESPIPE to seek", { skip: posixSpecialFiles }, async (t) => {
  const h = direct({ pages: PAGES, preopens: { "/": "/dev" } });
  const s = { h, ...ops(h) };
  const zero = s.openOk("zero", { base: READ_ONLY });
  s.h.bytes().fill(0xaa, 2048, 2048 + 64);
  s.h.iovecs(256, [2048, 64]);
  t.equal(s.h.call("fd_read", zero, 256, 1, 8), E.SUCCESS);
  t.equal(s.h.u32(8), 64, "/dev/zero gives what was asked");
  t.ok(s.h.read(2048, 64).every((b) => b === 0), "zeros");
  t.equal(s.h.call("fd_fdstat_get", zero, 64), E.SUCCESS);
  t.equal(s.h.u8(64), FT.CHARACTER_DEVICE);
  t.equal(s.h.call("fd_seek", zero, 0n, WHENCE.CUR, 8), E.SPIPE);
  const nul = s.openOk("null", { base: R.FD_WRITE });
  s.h.iovecs(256, [2048, 10], [2100, 5]);
  t.equal(s.h.call("fd_write", nul, 256, 2, 8), E.SUCCESS);
  t.equal(s.h.u32(8), 15, "/dev/null takes every byte of every iovec");
});

t.test("a socket file in a preopen: ENXIO at once", { skip: posixSpecialFiles }, async (t) => {
  const s = sandbox();
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(path.join(s.dir, "sock"), resolve));
  try {
    t.equal(s.open("sock", { base: READ_ONLY }).errno, E.NXIO);
  } finally {
    server.close();
  }
});
