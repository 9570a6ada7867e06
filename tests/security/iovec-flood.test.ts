// Scatter/gather with millions of iovecs: host memory stays bounded whatever the count, and the
// result is still right. Each guest runs in a child Node with a 128 MiB heap, where a JS object per
// iovec (8M of them here) aborts the process ("Reached heap limit") before any I/O.
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { smallHeapChild } from "../helpers/child.js";
import { tempDir } from "../helpers/harness.js";

const COUNT = 1 << 23; // 8M iovecs: a 64 MiB array
const IOVS = 1 << 20; // where the array starts
const DATA = 0; // 4 KiB of pattern the write iovecs point into, one byte each
const TARGET = IOVS + COUNT * 8; // where the read iovecs point, one byte each
const PAGES = (TARGET + COUNT) / 65536 + 1;

const child = smallHeapChild;

const SETUP = `
const COUNT = ${COUNT}, IOVS = ${IOVS}, DATA = ${DATA}, TARGET = ${TARGET};
const { w, view, bytes } = guest({ preopens: { "/box": process.env.BOX }, stdout: (c) => { out += c.byteLength; } }, ${PAGES});
let out = 0;
for (let k = 0; k < 4096; k++) bytes()[DATA + k] = (k * 7 + 3) & 255;
const pattern = (i) => (((i % 4096) * 7 + 3) & 255);
const setIovecs = (base, stride) => {
  const v = view();
  for (let i = 0; i < COUNT; i++) {
    v.setUint32(IOVS + i * 8, base + (stride ? i : i % 4096), true);
    v.setUint32(IOVS + i * 8 + 4, 1, true);
  }
};
const open = (name, oflags) => {
  bytes().set(new TextEncoder().encode(name), 8192);
  const errno = w.path_open(3, 0, 8192, name.length, oflags, 0x7fn, 0x7fn, 0, 8800);
  if (errno !== 0) throw new Error("path_open " + errno);
  return view().getUint32(8800, true);
};
`;

t.test("fd_write and fd_pwrite with 8M one-byte iovecs: every byte written, in order, in a 128 MiB heap", async (t) => {
  const dir = tempDir();
  const out = child(
    t,
    `${SETUP}
setIovecs(DATA, false);
const fd = open("written", 1);
const write = w.fd_write(fd, IOVS, COUNT, 9000);
const written = view().getUint32(9000, true);
const pwrite = w.fd_pwrite(fd, IOVS, COUNT, BigInt(COUNT), 9004);
const pwritten = view().getUint32(9004, true);
const stdout = w.fd_write(1, IOVS, COUNT, 9008);
const file = fs.readFileSync(process.env.BOX + "/written");
let same = file.length === 2 * COUNT;
for (let i = 0; same && i < file.length; i++) same = file[i] === pattern(i % COUNT);
console.log(JSON.stringify({ write, written, pwrite, pwritten, stdout, stdoutBytes: out, size: file.length, same, rss: process.memoryUsage().rss }));
`,
    dir,
  );
  t.equal(out.write, 0, "fd_write succeeds");
  t.equal(out.written, COUNT, "and writes every byte");
  t.equal(out.pwrite, 0, "fd_pwrite succeeds");
  t.equal(out.pwritten, COUNT, "and writes every byte, after the first lot");
  t.equal(out.size, 2 * COUNT, "the file holds both");
  t.equal(out.same, true, "byte for byte, in iovec order");
  t.equal(out.stdout, 0, "fd_write to a stdout callback succeeds");
  t.equal(out.stdoutBytes, COUNT, "and the callback got every byte");
});

t.test("fd_read and fd_pread with 8M one-byte iovecs: a correct (short) read, in a 128 MiB heap", async (t) => {
  const dir = tempDir();
  const content = Buffer.alloc(2 * COUNT);
  for (let i = 0; i < content.length; i++) content[i] = (i * 13 + 1) & 255;
  fs.writeFileSync(path.join(dir, "source"), content);
  const out = child(
    t,
    `${SETUP}
setIovecs(TARGET, true);
const fd = open("source", 0);
const expect = (i) => ((i * 13 + 1) & 255);
const check = (n, from) => {
  const b = bytes();
  for (let i = 0; i < n; i++) if (b[TARGET + i] !== expect(from + i)) return "byte " + i;
  for (let i = n; i < COUNT; i++) if (b[TARGET + i] !== 0) return "untouched " + i;
  return "ok";
};
const read = w.fd_read(fd, IOVS, COUNT, 9000);
const nread = view().getUint32(9000, true);
const readCheck = check(nread, 0);
bytes().fill(0, TARGET, TARGET + COUNT);
const pread = w.fd_pread(fd, IOVS, COUNT, 1000n, 9004);
const npread = view().getUint32(9004, true);
const preadCheck = check(npread, 1000);
w.fd_tell(fd, 9008);
console.log(JSON.stringify({ read, nread, readCheck, pread, npread, preadCheck, position: Number(view().getBigUint64(9008, true)) }));
`,
    dir,
  );
  t.equal(out.read, 0, "fd_read succeeds");
  t.ok((out.nread as number) > 1024 && (out.nread as number) <= COUNT, `and reads ${out.nread} bytes`);
  t.equal(out.readCheck, "ok", "each into its own iovec, in order; nothing past the count");
  t.equal(out.position, out.nread, "the position moved by the count");
  t.equal(out.pread, 0, "fd_pread succeeds");
  t.equal(out.npread, out.nread, "the same amount");
  t.equal(out.preadCheck, "ok", "from the offset asked");
});

t.test("a write of more than 2^32 bytes through aliased iovecs reports what it wrote (at most 0x7ffff000)", { skip: process.platform === "win32" ? "needs /dev/null" : false }, async (t) => {
  const out = child(
    t,
    `
const fd = fs.openSync("/dev/null", "w");
const { w, view } = guest({ stdout: fd }, 17);
const v = view();
for (let i = 0; i < 5000; i++) { v.setUint32(i * 8, 0, true); v.setUint32(i * 8 + 4, 1 << 20, true); }
const errno = w.fd_write(1, 0, 5000, 65536);
console.log(JSON.stringify({ errno, n: v.getUint32(65536, true) }));
`,
    tempDir(),
  );
  t.equal(out.errno, 0);
  t.equal(out.n, 0x7ffff000, "5000 MiB asked, Linux's per-call cap written, and the count says so");
});
