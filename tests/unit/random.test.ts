// random_get: fills the buffer, accepts empty and large requests, faults outside memory.
import t from "tap";
import { Errno } from "../../src/abi/constants.js";
import { direct } from "../helpers/harness.js";

t.test("fills the buffer with random bytes", async (t) => {
  const h = direct();
  h.bytes().fill(0);
  t.equal(h.call("random_get", 100, 64), Errno.SUCCESS);
  const a = h.read(100, 64);
  t.ok(a.some((b) => b !== 0), "not all zeros over 64 bytes");
  t.equal(h.u8(99), 0, "nothing before the buffer");
  t.equal(h.u8(164), 0, "nothing after the buffer");
  t.equal(h.call("random_get", 100, 64), Errno.SUCCESS);
  t.notSame([...h.read(100, 64)], [...a], "a second call gives other bytes");
});

t.test("length 0 is fine and writes nothing", async (t) => {
  const h = direct();
  h.bytes().fill(7);
  t.equal(h.call("random_get", 100, 0), Errno.SUCCESS);
  t.equal(h.call("random_get", 0, 0), Errno.SUCCESS);
  t.ok(h.bytes().every((b) => b === 7));
});

t.test("1 MiB in one call", async (t) => {
  const h = direct({ pages: 17 });
  const MiB = 1 << 20;
  h.bytes().fill(0);
  t.equal(h.call("random_get", 0, MiB), Errno.SUCCESS);
  const bytes = h.read(0, MiB);
  const counts = new Array(256).fill(0);
  for (const b of bytes) counts[b]++;
  // Each value is expected 4096 times; with true randomness every count is far inside 3500..4700.
  t.ok(counts.every((c) => c > 3500 && c < 4700), `byte values evenly spread (min ${Math.min(...counts)}, max ${Math.max(...counts)})`);
  t.ok(bytes.subarray(MiB - 64).some((b) => b !== 0), "the last bytes were filled too");
  t.ok(h.read(MiB, 1024).every((b) => b === 0), "nothing past 1 MiB");
});

t.test("out of bounds is EFAULT and writes nothing", async (t) => {
  const h = direct();
  const L = h.byteLength;
  h.bytes().fill(0);
  t.equal(h.call("random_get", L - 10, 11), Errno.FAULT);
  t.equal(h.call("random_get", L, 1), Errno.FAULT);
  t.equal(h.call("random_get", 0, L + 1), Errno.FAULT);
  t.equal(h.call("random_get", 0, -1), Errno.FAULT, "length 2^32-1");
  t.equal(h.call("random_get", -1, 1), Errno.FAULT, "pointer 2^32-1");
  t.equal(h.call("random_get", -16, 32), Errno.FAULT, "range wrapping past 2^32");
  t.ok(h.bytes().every((b) => b === 0), "memory untouched");
  t.equal(h.call("random_get", 0, L), Errno.SUCCESS, "the whole memory");
});
