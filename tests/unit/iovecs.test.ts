// Scatter/gather in batches (src/iovecs.ts): iovecs of every size, empty ones among them, across
// many batches and scratch-buffer runs, move exactly the bytes a single writev/readv would.
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { Errno } from "../../src/abi/constants.js";
import type { FsBackend } from "../../src/fs/backend.js";
import { nodeBackend } from "../../src/fs/node.js";
import { IOV_BATCH } from "../../src/iovecs.js";
import { Rng } from "../fuzz/rng.js";
import { direct, tempDir } from "../helpers/harness.js";

const IOVS = 65536;
const DATA = 524288;

/** A seeded mix of lengths: empty, tiny, around the copy threshold, and large. */
function lengths(count: number, seed: number): number[] {
  const rng = new Rng(seed);
  const kinds = [0, 1, 3, 15, 16, 17, 511, 512, 513, 4000, 9000];
  return Array.from({ length: count }, () => {
    const kind = rng.pick(kinds);
    return kind === 0 ? 0 : Math.max(1, Math.floor(kind * (0.5 + rng.int(1000) / 1000)));
  });
}

function layout(h: ReturnType<typeof direct>, lens: number[]): { at: number; len: number }[] {
  let at = DATA;
  return lens.map((len, i) => {
    h.setU32(IOVS + i * 8, at);
    h.setU32(IOVS + i * 8 + 4, len);
    const iov = { at, len };
    at += len;
    return iov;
  });
}

t.test("a write through 5,000 iovecs of mixed sizes writes them all, in order", async (t) => {
  const dir = tempDir();
  const h = direct({ pages: 400, preopens: { "/box": dir } });
  const lens = lengths(5000, 7);
  const iovs = layout(h, lens);
  const total = lens.reduce((a, b) => a + b, 0);
  t.ok(lens.filter((l) => l > 512).length > IOV_BATCH, "more large iovecs than fit one host call");
  const bytes = h.bytes();
  for (let i = 0; i < total; i++) bytes[DATA + i] = (i * 31 + 7) & 255;
  h.write(1024, "out");
  t.equal(h.call("path_open", 3, 0, 1024, 3, 1, 0x7fn, 0n, 0, 8), Errno.SUCCESS);
  const fd = h.u32(8);
  t.equal(h.call("fd_write", fd, IOVS, lens.length, 16), Errno.SUCCESS);
  t.equal(h.u32(16), total, "every byte");
  t.same(fs.readFileSync(path.join(dir, "out")), Buffer.from(bytes.subarray(DATA, DATA + total)), "in order");

  // Read it back into the same iovecs, zeroed first: one batch lands, exactly where it belongs.
  bytes.fill(0, DATA, DATA + total);
  t.equal(h.call("fd_pread", fd, IOVS, lens.length, 0n, 16), Errno.SUCCESS);
  const n = h.u32(16);
  t.ok(n > 0 && n <= total, `a read of ${n} of ${total} bytes`);
  const file = fs.readFileSync(path.join(dir, "out"));
  t.same(Buffer.from(h.bytes().subarray(DATA, DATA + n)), file.subarray(0, n), "what was read is in place");
  t.ok(h.bytes().subarray(DATA + n, DATA + total).every((b) => b === 0), "nothing past the count was touched");
  t.equal(iovs.length, 5000);
});

t.test("small iovecs only: runs through the scratch buffer, written and read back", async (t) => {
  const out: Buffer[] = [];
  const h = direct({ pages: 16, stdout: (c) => out.push(Buffer.from(c)), stdin: Buffer.alloc(50_000, 0x61) });
  const lens = Array.from({ length: 30_000 }, (_, i) => (i % 5 === 0 ? 0 : (i % 3) + 1));
  layout(h, lens);
  const total = lens.reduce((a, b) => a + b, 0);
  for (let i = 0; i < total; i++) h.bytes()[DATA + i] = i & 255;
  t.equal(h.call("fd_write", 1, IOVS, lens.length, 16), Errno.SUCCESS);
  t.equal(h.u32(16), total);
  t.same(Buffer.concat(out), Buffer.from(h.bytes().subarray(DATA, DATA + total)));
  h.bytes().fill(0, DATA, DATA + total);
  t.equal(h.call("fd_read", 0, IOVS, lens.length, 16), Errno.SUCCESS);
  const n = h.u32(16);
  t.equal(n, Math.min(total, 50_000), "stdin held enough for one batch of small iovecs");
  t.ok(h.bytes().subarray(DATA, DATA + n).every((b) => b === 0x61), "every byte read landed");
  t.ok(h.bytes().subarray(DATA + n, DATA + total).every((b) => b === 0));
});

t.test("a host write that fails after some bytes were written reports the bytes, not the error", async (t) => {
  // A host file-system failure (not an embedder's callback, whose exceptions end the guest).
  let writes = 0;
  let failing = false;
  const failSecond = <A extends unknown[]>(write: (...args: A) => number) => (...args: A): number => {
    if (failing && ++writes === 2) throw Object.assign(new Error("EIO"), { code: "EIO" });
    return write(...args);
  };
  const backend: FsBackend = { ...nodeBackend, write: failSecond(nodeBackend.write), writev: failSecond(nodeBackend.writev) };
  const h = direct({ pages: 400, preopens: { "/box": tempDir() }, fs: backend });
  h.write(1024, "out");
  t.equal(h.call("path_open", 3, 0, 1024, 3, 1, 0x7fn, 0n, 0, 8), Errno.SUCCESS);
  const fd = h.u32(8);
  const lens = Array.from({ length: 3 * IOV_BATCH }, () => 1000);
  layout(h, lens);
  failing = true;
  t.equal(h.call("fd_write", fd, IOVS, lens.length, 16), Errno.SUCCESS);
  t.equal(h.u32(16), IOV_BATCH * 1000, "the first batch was written");
  writes = 1;
  t.equal(h.call("fd_write", fd, IOVS, lens.length, 16), Errno.IO, "a failure with nothing written is the errno");
});
