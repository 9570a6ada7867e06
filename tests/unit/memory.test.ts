// Guest memory: every pointer and length is checked against the memory as it is now. A struct
// that does not fit is EFAULT and nothing is written (and no I/O happens); memory.grow is seen.
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { Clockid, Errno } from "../../src/abi/constants.js";
import { direct, tempDir } from "../helpers/harness.js";

const PAGE = 65536;

t.test("an out-pointer in the last bytes of memory: EFAULT if the value does not fit, else success", async (t) => {
  const sandbox = tempDir();
  const h = direct({ args: ["a"], env: { A: "b" }, preopens: { "/sandbox": sandbox }, stdout: () => {} });
  const L = h.byteLength;
  t.equal(L, PAGE);
  // [name, bytes written, call with the out-pointer]
  const cases: [string, number, (out: number) => number][] = [
    ["args_sizes_get argc", 4, (o) => h.call("args_sizes_get", o, 0)],
    ["args_sizes_get size", 4, (o) => h.call("args_sizes_get", 0, o)],
    ["environ_sizes_get count", 4, (o) => h.call("environ_sizes_get", o, 0)],
    ["environ_sizes_get size", 4, (o) => h.call("environ_sizes_get", 0, o)],
    ["clock_res_get", 8, (o) => h.call("clock_res_get", Clockid.MONOTONIC, o)],
    ["clock_time_get realtime", 8, (o) => h.call("clock_time_get", Clockid.REALTIME, 0n, o)],
    ["clock_time_get monotonic", 8, (o) => h.call("clock_time_get", Clockid.MONOTONIC, 1n, o)],
    ["fd_fdstat_get", 24, (o) => h.call("fd_fdstat_get", 1, o)],
    ["fd_filestat_get", 64, (o) => h.call("fd_filestat_get", 1, o)],
    ["fd_prestat_get", 8, (o) => h.call("fd_prestat_get", 3, o)],
    ["random_get", 16, (o) => h.call("random_get", o, 16)],
  ];
  for (const [name, size, call] of cases) {
    for (let over = 1; over <= Math.min(size, 8); over++) {
      h.bytes().fill(0xcc, L - 80);
      t.equal(call(L - size + over), Errno.FAULT, `${name}: ${size} bytes at byteLength-${size - over} → EFAULT`);
      t.ok(h.read(L - 80, 80).every((b) => b === 0xcc), `${name}: nothing written`);
    }
    t.equal(call(L - size), Errno.SUCCESS, `${name}: ${size} bytes at byteLength-${size} → success`);
    t.equal(call(L), size === 0 ? Errno.SUCCESS : Errno.FAULT, `${name}: at byteLength → EFAULT`);
    t.equal(call(-1), Errno.FAULT, `${name}: at 0xffffffff → EFAULT`);
  }
  t.equal(h.call("clock_time_get", Clockid.REALTIME, 0n, L - 7), Errno.FAULT, "clock_time_get at byteLength-7");
  t.equal(h.call("clock_time_get", Clockid.REALTIME, 0n, L - 8), Errno.SUCCESS, "clock_time_get at byteLength-8");
  t.ok(h.u64(L - 8) > 1_600_000_000_000_000_000n, "and the time landed there");
  t.equal(h.call("random_get", L, 0), Errno.SUCCESS, "an empty range at the very end is in bounds");
});

t.test("out-pointers of calls that do I/O are checked before the I/O", async (t) => {
  const out: string[] = [];
  const h = direct({ stdin: "stdin data", stdout: (c) => out.push(Buffer.from(c).toString()) });
  const L = h.byteLength;
  h.write(100, "hello");
  h.iovecs(0, [100, 5]);
  t.equal(h.call("fd_write", 1, 0, 1, L - 3), Errno.FAULT, "fd_write nwritten at byteLength-3");
  t.same(out, [], "nothing reached stdout");
  t.equal(h.call("fd_write", 1, 0, 1, L - 4), Errno.SUCCESS);
  t.equal(h.u32(L - 4), 5);
  t.same(out, ["hello"]);

  h.iovecs(0, [200, 64]);
  t.equal(h.call("fd_read", 0, 0, 1, L - 2), Errno.FAULT, "fd_read nread at byteLength-2");
  t.equal(h.call("fd_read", 0, 0, 1, 300), Errno.SUCCESS);
  t.equal(h.u32(300), 10);
  t.equal(h.readString(200, 10), "stdin data", "the faulted read consumed nothing");

  t.equal(h.call("fd_seek", 1, 0n, 0, L - 7), Errno.FAULT, "fd_seek: the out-pointer is checked first");
  t.equal(h.call("fd_tell", 1, L - 7), Errno.FAULT, "fd_tell: the out-pointer is checked first");
});

t.test("iovecs crossing the end of memory", async (t) => {
  const out: Uint8Array[] = [];
  const h = direct({ stdin: "0123456789", stdout: (c) => out.push(c.slice()) });
  const L = h.byteLength;
  h.write(100, "abcd");
  // A buffer that runs past the end, as the second of two iovecs: the whole call faults, nothing is written.
  h.iovecs(0, [100, 4], [L - 2, 4]);
  t.equal(h.call("fd_write", 1, 0, 2, 64), Errno.FAULT, "fd_write, second buffer crosses the end");
  t.equal(out.length, 0, "not even the first buffer was written");
  // Buffer length near 2^32.
  h.iovecs(0, [100, 0xffffffff]);
  t.equal(h.call("fd_write", 1, 0, 1, 64), Errno.FAULT, "buf_len 2^32-1");
  h.iovecs(0, [0xffffffff, 1]);
  t.equal(h.call("fd_write", 1, 0, 1, 64), Errno.FAULT, "buf at 2^32-1");
  // The iovec array itself crossing the end.
  h.iovecs(L - 8, [100, 4]);
  t.equal(h.call("fd_write", 1, L - 4, 1, 64), Errno.FAULT, "iovec array at byteLength-4");
  t.equal(h.call("fd_write", 1, L - 8, 2, 64), Errno.FAULT, "two iovecs, only one fits");
  t.equal(h.call("fd_write", 1, L - 8, 0x20000000, 64), Errno.FAULT, "iovs_len * 8 overflowing 2^32");
  t.equal(h.call("fd_write", 1, L - 8, 1, 64), Errno.SUCCESS, "the one that fits");
  t.equal(Buffer.concat(out).toString(), "abcd");
  // A buffer ending exactly at the end is fine.
  h.write(L - 3, "xyz");
  h.iovecs(0, [L - 3, 3]);
  t.equal(h.call("fd_write", 1, 0, 1, 64), Errno.SUCCESS, "buffer ending at byteLength");
  t.equal(Buffer.concat(out).toString(), "abcdxyz");

  // fd_read: a bad iovec faults before stdin is consumed.
  h.iovecs(0, [200, 4], [L - 1, 2]);
  t.equal(h.call("fd_read", 0, 0, 2, 64), Errno.FAULT, "fd_read, second buffer crosses the end");
  h.iovecs(0, [200, 10]);
  t.equal(h.call("fd_read", 0, 0, 1, 64), Errno.SUCCESS);
  t.equal(h.readString(200, h.u32(64)), "0123456789", "nothing was lost to the faulted read");
});

t.test("args_get / environ_get partly out of bounds write nothing", async (t) => {
  const h = direct({ args: ["prog", "héllo"], env: { K: "v" } });
  const L = h.byteLength;
  // args need 2 pointers (8 bytes) and "prog\0héllo\0" = 5 + 7 = 12 bytes.
  h.bytes().fill(0xee);
  t.equal(h.call("args_get", 0, L - 11), Errno.FAULT, "buffer one byte short");
  t.ok(h.bytes().every((b) => b === 0xee), "neither the pointers nor the strings were written");
  t.equal(h.call("args_get", L - 4, 100), Errno.FAULT, "pointer array half out");
  t.ok(h.bytes().every((b) => b === 0xee), "still nothing written");
  t.equal(h.call("args_get", 0, L - 12), Errno.SUCCESS, "buffer exactly fits");
  t.equal(h.u32(0), L - 12);
  t.equal(h.u32(4), L - 7);
  t.equal(h.readString(L - 12, 12), "prog\0héllo\0");
  h.bytes().fill(0xee);
  t.equal(h.call("environ_get", L - 3, 16), Errno.FAULT, "environ pointer array out");
  t.equal(h.call("environ_get", 16, L - 3), Errno.FAULT, "environ buffer (K=v\\0, 4 bytes) one short");
  t.ok(h.bytes().every((b) => b === 0xee), "nothing written");
  t.equal(h.call("args_sizes_get", L - 4, L - 3), Errno.FAULT, "sizes: second out-pointer out");
  t.equal(h.u32(L - 4), 0xeeeeeeee, "first out-pointer untouched when the second faults");
});

t.test("memory.grow between calls is seen", async (t) => {
  const h = direct();
  const oldL = h.byteLength;
  t.equal(h.call("clock_time_get", Clockid.MONOTONIC, 0n, oldL - 8), Errno.SUCCESS, "fits before the grow");
  t.equal(h.call("clock_time_get", Clockid.MONOTONIC, 0n, oldL), Errno.FAULT, "byteLength is out before the grow");
  h.memory.grow(2);
  const newL = h.byteLength;
  t.equal(newL, oldL + 2 * PAGE);
  t.equal(h.call("clock_time_get", Clockid.MONOTONIC, 0n, oldL), Errno.SUCCESS, "the old end is now in bounds");
  t.equal(h.call("clock_time_get", Clockid.MONOTONIC, 0n, newL - 8), Errno.SUCCESS, "write near the new end");
  t.ok(h.u64(newL - 8) > 0n, "the value is in the new memory");
  t.equal(h.call("clock_time_get", Clockid.MONOTONIC, 0n, newL - 7), Errno.FAULT, "and the new end is checked");
  t.equal(h.call("random_get", oldL - 8, PAGE), Errno.SUCCESS, "a range spanning the old end");
  h.memory.grow(1);
  t.equal(h.call("random_get", newL, PAGE), Errno.SUCCESS, "grown again");
  t.equal(h.call("random_get", newL + PAGE - 4, 8), Errno.FAULT);
});

t.test("memory.grow inside a call (a stdin callback growing memory) gives an errno, not a throw", async (t) => {
  let grow: (() => void) | undefined;
  const h = direct({
    stdin: (max: number) => {
      grow?.();
      return "x".repeat(Math.min(max, 3));
    },
  });
  grow = () => h.memory.grow(1);
  const L = h.byteLength;
  h.iovecs(0, [100, 16]);
  let result: unknown;
  try {
    result = h.call("fd_read", 0, 0, 1, L - 4);
  } catch (e) {
    result = e;
  }
  t.ok(typeof result === "number" && result >= 0 && result <= 76, `an errno (${String(result)})`);
  t.equal(h.byteLength, L + PAGE, "memory grew during the call");
  grow = undefined;
  t.equal(h.call("fd_read", 0, 0, 1, L + PAGE - 4), Errno.SUCCESS, "the next call sees the grown memory");
  t.equal(h.u32(L + PAGE - 4), 3);
});

t.test("invalid UTF-8 in a path is EILSEQ", async (t) => {
  const sandbox = tempDir();
  const h = direct({ preopens: { "/sandbox": sandbox } });
  const bad: [string, number[]][] = [
    ["0xff 0xfe", [0xff, 0xfe]],
    ["a lone continuation byte", [0x61, 0x80, 0x62]],
    ["an overlong NUL", [0xc0, 0x80]],
    ["an encoded surrogate", [0xed, 0xa0, 0x80]],
    ["a truncated sequence", [0x61, 0xe6, 0x97]],
  ];
  for (const [what, bytes] of bad) {
    const [p, len] = h.path(1000, new Uint8Array(bytes));
    t.equal(h.call("path_create_directory", 3, p, len), Errno.ILSEQ, `path_create_directory: ${what}`);
    t.equal(h.call("path_open", 3, 0, p, len, 1, 0x7fffffffn, 0n, 0, 500), Errno.ILSEQ, `path_open O_CREAT: ${what}`);
    t.equal(h.call("path_filestat_get", 3, 0, p, len, 500), Errno.ILSEQ, `path_filestat_get: ${what}`);
  }
  t.same(fs.readdirSync(sandbox), [], "nothing was created");
  // Valid non-ASCII UTF-8 is fine.
  const [p, len] = h.path(1000, "日本");
  t.equal(h.call("path_create_directory", 3, p, len), Errno.SUCCESS);
  t.ok(fs.statSync(path.join(sandbox, "日本")).isDirectory());
});

t.test("a path that runs off the end of memory is EFAULT", async (t) => {
  const sandbox = tempDir();
  const h = direct({ preopens: { "/sandbox": sandbox } });
  const L = h.byteLength;
  h.write(L - 3, "abc");
  t.equal(h.call("path_create_directory", 3, L - 3, 4), Errno.FAULT);
  t.equal(h.call("path_create_directory", 3, L - 3, 0xffffffff | 0), Errno.FAULT);
  t.equal(h.call("path_create_directory", 3, L - 3, 3), Errno.SUCCESS, "ending exactly at the end");
  t.same(fs.readdirSync(sandbox), ["abc"]);
  t.equal(h.call("path_open", 3, 0, 1000, 0, 0, 0n, 0n, 0, L - 3), Errno.FAULT, "path_open fd_out at byteLength-3");
  h.write(1000, "created");
  t.equal(h.call("path_open", 3, 0, 1000, 7, 1, 0x7fffffffn, 0n, 0, L - 3), Errno.FAULT, "path_open O_CREAT with a bad fd_out");
  t.notOk(fs.existsSync(path.join(sandbox, "created")), "the faulted path_open created nothing");
});

t.test("out-pointers of the file-system calls: EFAULT at the end of memory, and no side effect", async (t) => {
  const sandbox = tempDir();
  fs.writeFileSync(path.join(sandbox, "file"), "0123456789");
  fs.symlinkSync("file", path.join(sandbox, "link"));
  const h = direct({ preopens: { "/sandbox": sandbox } });
  const L = h.byteLength;
  const [fp, fl] = h.path(1000, "file");
  t.equal(h.call("path_open", 3, 0, fp, fl, 0, 0x7fffffffn, 0n, 0, 900), Errno.SUCCESS);
  const fd = h.u32(900);
  h.write(2000, "ABCD");
  h.iovecs(800, [2000, 4]);
  const [lp, ll] = h.path(1100, "link");
  const cases: [string, number, (out: number) => number][] = [
    ["fd_filestat_get", 64, (o) => h.call("fd_filestat_get", fd, o)],
    ["path_filestat_get", 64, (o) => h.call("path_filestat_get", 3, 0, fp, fl, o)],
    ["fd_tell", 8, (o) => h.call("fd_tell", fd, o)],
    ["fd_seek", 8, (o) => h.call("fd_seek", fd, 3n, 0, o)],
    ["fd_pread", 4, (o) => h.call("fd_pread", fd, 800, 1, 0n, o)],
    ["fd_pwrite", 4, (o) => h.call("fd_pwrite", fd, 800, 1, 0n, o)],
    ["fd_write", 4, (o) => h.call("fd_write", fd, 800, 1, o)],
    ["fd_read", 4, (o) => h.call("fd_read", fd, 800, 1, o)],
    ["fd_readdir", 4, (o) => h.call("fd_readdir", 3, 3000, 256, 0n, o)],
    ["path_readlink", 4, (o) => h.call("path_readlink", 3, lp, ll, 3000, 64, o)],
    ["path_open", 4, (o) => h.call("path_open", 3, 0, fp, fl, 0, 0x7fffffffn, 0n, 0, o)],
  ];
  for (const [name, size, call] of cases) {
    h.bytes().fill(0xcc, L - 80);
    t.equal(call(L - size + 1), Errno.FAULT, `${name}: ${size} bytes at byteLength-${size - 1} → EFAULT`);
    t.ok(h.read(L - 80, 80).every((b) => b === 0xcc), `${name}: nothing written`);
  }
  t.equal(fs.readFileSync(path.join(sandbox, "file"), "utf8"), "0123456789", "the faulted writes changed nothing");
  t.equal(h.call("fd_tell", fd, 600), Errno.SUCCESS);
  t.equal(h.u64(600), 0n, "the faulted seek and read moved nothing");
  t.equal(h.call("fd_close", 5), Errno.BADF, "the faulted path_open opened nothing");
});
