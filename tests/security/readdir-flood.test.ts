// fd_readdir keeps host memory bounded whatever the directory holds and however many descriptors
// read it: 20,000 entries with 200-byte names, started from 300 descriptors, in a child Node with a
// 128 MiB heap (a whole listing kept per descriptor is about 5 MB each: the child aborts).
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { smallHeapChild } from "../helpers/child.js";
import { tempDir } from "../helpers/harness.js";

// Under Wine every file made and every directory opened goes through Windows calls, 10 to 60 times
// slower: the lane lists 5,000 entries (a whole listing kept per descriptor would still take some
// 375 MB, three times the heap), where Linux lists 20,000.
const ENTRIES = process.env.RUN_WASI_LANE === "wine" ? 5_000 : 20_000;
const DESCRIPTORS = 300;
const linux = process.platform === "linux";

t.test(`a huge directory (${ENTRIES} entries) read from ${DESCRIPTORS} descriptors in a 128 MiB heap; one of them listed whole`, async (t) => {
  const dir = tempDir();
  const big = path.join(dir, "big");
  fs.mkdirSync(big);
  for (let i = 0; i < ENTRIES; i++) fs.writeFileSync(path.join(big, `${String(i).padStart(6, "0")}-${"n".repeat(193)}`), "");
  const body = `
const { w, view, bytes } = guest({ preopens: { "/box": process.env.BOX } }, 2);
const hostFds = () => (${linux} ? fs.readdirSync("/proc/self/fd").length : 0);
bytes().set(new TextEncoder().encode("big"), 100);
const fds = [];
for (let i = 0; i < ${DESCRIPTORS}; i++) {
  if (w.path_open(3, 0, 100, 3, 2, 0x4000n, 0n, 0, 200) !== 0) throw new Error("open " + i);
  fds.push(view().getUint32(200, true));
}
const before = hostFds();
// Each descriptor starts a listing and leaves it part read.
for (const fd of fds) if (w.fd_readdir(fd, 4096, 4096, 0n, 200) !== 0) throw new Error("readdir " + fd);
const during = hostFds();
// One descriptor lists the whole directory, 4 KiB at a time, resuming from the last whole entry.
const names = new Set();
let cookie = 0n, calls = 0;
for (;;) {
  if (w.fd_readdir(fds[7], 4096, 4096, cookie, 200) !== 0) throw new Error("readdir");
  calls++;
  const used = view().getUint32(200, true);
  let at = 0;
  while (at + 24 <= used) {
    const v = view();
    const next = v.getBigUint64(4096 + at, true), namlen = v.getUint32(4096 + at + 16, true);
    if (at + 24 + namlen > used) break;
    names.add(Buffer.from(bytes().subarray(4096 + at + 24, 4096 + at + 24 + namlen)).toString());
    cookie = next;
    at += 24 + namlen;
  }
  if (used < 4096) break;
}
global.gc?.();
console.log(JSON.stringify({ names: names.size, calls, before, during, heap: process.memoryUsage().heapUsed }));
`;
  const out = smallHeapChild(t, body, dir) as Record<string, number>;
  t.equal(out.names, ENTRIES + 2, "every entry listed exactly once, '.' and '..' included");
  t.ok(out.calls! > ENTRIES / 20, `over ${out.calls} calls`);
  t.ok(out.heap! < 64 * 2 ** 20, `heap in use afterwards: ${Math.round(out.heap! / 2 ** 20)} MiB`);
  if (linux) t.ok(out.during! - out.before! <= 16, `host descriptors held for listings under way: ${out.during! - out.before!} (at most 16)`);
});
