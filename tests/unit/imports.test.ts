// No throwing paths: every import, called with hostile arguments, returns an errno in 0..76 and
// never throws (proc_exit, and proc_raise of a terminating signal, leave by the exit sentinel).
// A host file system that throws anything gives EIO (or the errno its code names).
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { Rng } from "../fuzz/rng.js";
import { Errno } from "../../src/abi/constants.js";
import { ProcExit } from "../../src/errors.js";
import { nodeBackend, WASI, type FsBackend } from "../../src/index.js";
import { unsizedDirectories } from "../helpers/faulty-fs.js";
import { direct, tempDir } from "../helpers/harness.js";

/** The witx signatures lowered to core wasm types: which params are i64. Written from the witx. */
const I64_PARAMS: Record<string, number[]> = {
  clock_time_get: [1],
  fd_advise: [1, 2],
  fd_allocate: [1, 2],
  fd_fdstat_set_rights: [1, 2],
  fd_filestat_set_size: [1],
  fd_filestat_set_times: [1, 2],
  fd_pread: [3],
  fd_pwrite: [3],
  fd_readdir: [3],
  fd_seek: [1],
  path_filestat_set_times: [4, 5],
  path_open: [5, 6],
};
const PARAM_COUNT: Record<string, number> = {
  args_get: 2, args_sizes_get: 2, environ_get: 2, environ_sizes_get: 2, clock_res_get: 2, clock_time_get: 3,
  fd_advise: 4, fd_allocate: 3, fd_close: 1, fd_datasync: 1, fd_fdstat_get: 2, fd_fdstat_set_flags: 2,
  fd_fdstat_set_rights: 3, fd_filestat_get: 2, fd_filestat_set_size: 2, fd_filestat_set_times: 4, fd_pread: 5,
  fd_prestat_get: 2, fd_prestat_dir_name: 3, fd_pwrite: 5, fd_read: 4, fd_readdir: 5, fd_renumber: 2, fd_seek: 4,
  fd_sync: 1, fd_tell: 2, fd_write: 4, path_create_directory: 3, path_filestat_get: 5, path_filestat_set_times: 7,
  path_link: 7, path_open: 9, path_readlink: 6, path_remove_directory: 3, path_rename: 6, path_symlink: 5,
  path_unlink_file: 3, poll_oneoff: 4, proc_exit: 1, proc_raise: 1, sched_yield: 0, random_get: 2, sock_accept: 3,
  sock_recv: 6, sock_send: 5, sock_shutdown: 2,
};

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed1234);

/** i32 values a guest can pass (wasm hands JS a signed 32-bit number). */
function i32Values(byteLength: number): number[] {
  return [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 100, 255, 256, 0xffff, 0x10000, -1, -2, -8, 0x7fffffff, -0x80000000,
    byteLength - 1, byteLength - 2, byteLength - 4, byteLength - 7, byteLength - 8, byteLength - 24,
    byteLength, byteLength + 1, byteLength + 8, 0xfffffff8 | 0, 0xfffffffc | 0, 0x80000001 | 0,
  ].map((v) => v | 0);
}
const I64_VALUES = [0n, 1n, -1n, 2n, 8n, 255n, 1n << 32n, 1n << 53n, (1n << 63n) - 1n, -(1n << 63n), 1n << 62n, -4096n];

function randomArgs(rng: Rng, name: string, byteLength: number): (number | bigint)[] {
  const count = PARAM_COUNT[name]!;
  const i64 = I64_PARAMS[name] ?? [];
  const i32s = i32Values(byteLength);
  const args: (number | bigint)[] = [];
  for (let i = 0; i < count; i++) {
    if (i64.includes(i)) {
      args.push(rng.chance(0.7) ? rng.pick(I64_VALUES) : BigInt.asIntN(64, (BigInt(rng.u32()) << 32n) | BigInt(rng.u32())));
    } else {
      const r = rng.int(10);
      args.push(r < 6 ? rng.pick(i32s) : r < 8 ? rng.int(64) : rng.u32() | 0);
    }
  }
  return args;
}

let lastErrno = -1;

/** Calls an import and classifies the outcome: "ok" or a description of what went wrong. */
function outcome(name: string, fn: (...a: unknown[]) => unknown, args: unknown[]): string {
  let result: unknown;
  lastErrno = -1;
  try {
    result = fn(...args);
  } catch (error) {
    if (name === "proc_raise" && error instanceof ProcExit) {
      const sig = (args[0] as number) >>> 0;
      return error.code === 128 + sig && sig >= 1 && sig <= 30 ? "ok" : `proc_raise(${sig}) exited with ${error.code}`;
    }
    if (name === "proc_exit" && error instanceof ProcExit) return error.code === (args[0] as number) >>> 0 ? "ok" : "bad exit code";
    return `${name}(${args.map(String).join(", ")}) threw ${String(error)}`;
  }
  if (typeof result !== "number" || !Number.isInteger(result) || result < 0 || result > 76) {
    return `${name}(${args.map(String).join(", ")}) returned ${String(result)}`;
  }
  lastErrno = result;
  return "ok";
}

/** Zero-length, small-timeout subscriptions where `poll_oneoff` would read them, so fuzzing never sleeps long. */
function tameSubscriptions(bytes: Uint8Array, inPtr: number, count: number, size: number, rng: ReturnType<typeof prng>) {
  const end = inPtr + count * size;
  if (inPtr < 0 || count > 64 || end > bytes.byteLength) return;
  const view = new DataView(bytes.buffer);
  const clockAt = size === 48 ? 16 : 24;
  for (let at = inPtr; at < end; at += size) {
    for (let i = 0; i < size; i++) bytes[at + i] = rng.int(256);
    view.setUint8(at + 8, rng.pick([0, 0, 1, 2, 3, 255]));
    view.setUint32(at + clockAt, rng.pick([0, 1, 2, 3, 4, 0xffffffff]), true);
    const abstime = rng.chance(0.3);
    view.setBigUint64(at + clockAt + 8, abstime ? 0n : BigInt(rng.int(200_000)), true); // ≤ 0.2 ms
    view.setUint16(at + clockAt + 24, abstime ? 1 : rng.pick([0, 2, 0xfffe]), true);
  }
}

function fuzzInstance(unstable: boolean, trace: boolean) {
  const sandbox = tempDir();
  fs.writeFileSync(path.join(sandbox, "file"), "contents");
  fs.mkdirSync(path.join(sandbox, "dir"));
  const traced: string[] = [];
  const h = direct({
    unstable,
    pages: 1,
    preopens: { "/sandbox": sandbox },
    stdin: Buffer.from("some input\n"),
    stdout: () => {},
    stderr: () => {},
    ...(trace ? { trace: (line: string) => void traced.push(line) } : {}),
  });
  return { h, sandbox, traced };
}

for (const unstable of [false, true]) {
  for (const trace of [false, true]) {
    const label = `${unstable ? "wasi_unstable" : "wasi_snapshot_preview1"}${trace ? ", traced" : ""}`;
    t.test(`fuzz every import with hostile arguments (${label})`, async (t) => {
      const rng = new Rng(SEED, unstable ? 1 : 0, trace ? 1 : 0);
      const { h, traced } = fuzzInstance(unstable, trace);
      const names = Object.keys(PARAM_COUNT).filter((n) => n !== "proc_exit");
      t.same(Object.keys(h.imports).sort(), Object.keys(PARAM_COUNT).sort(), "46 imports");
      const subSize = unstable ? 56 : 48;
      const failures: string[] = [];
      let calls = 0;
      const seen = new Set<number>();
      for (let round = 0; round < (trace ? 60 : 600); round++) {
        for (const name of names) {
          const args = randomArgs(rng, name, h.byteLength);
          if (name === "poll_oneoff") {
            tameSubscriptions(h.bytes(), (args[0] as number) >>> 0, (args[2] as number) >>> 0, subSize, rng);
          }
          const r = outcome(name, h.imports[name]!, args);
          calls++;
          if (r !== "ok") failures.push(r);
          else seen.add(lastErrno);
        }
      }
      t.same(failures.slice(0, 10), [], `${calls} calls, each returned an errno (seed ${SEED})`);
      t.equal(failures.length, 0);
      // The arguments reach past the first checks: successes and a range of errnos come back.
      for (const errno of [Errno.SUCCESS, Errno.BADF, Errno.FAULT, Errno.INVAL]) t.ok(seen.has(errno), `errno ${errno} seen`);
      t.ok(seen.size >= 8, `${seen.size} distinct errnos`);
      if (trace) t.ok(traced.length >= calls - 5000, "the tracer saw the calls");
    });
  }
}

t.test("each import, each parameter set to each hostile value, the rest plausible", async (t) => {
  const { h } = fuzzInstance(false, false);
  const failures: string[] = [];
  let calls = 0;
  const base: Record<string, (number | bigint)[]> = {};
  for (const [name, count] of Object.entries(PARAM_COUNT)) {
    base[name] = Array.from({ length: count }, (_, i) => ((I64_PARAMS[name] ?? []).includes(i) ? 0n : i === 0 ? 3 : 64));
  }
  for (const name of Object.keys(PARAM_COUNT)) {
    if (name === "proc_exit") continue;
    for (let p = 0; p < PARAM_COUNT[name]!; p++) {
      const hostile = (I64_PARAMS[name] ?? []).includes(p) ? I64_VALUES : i32Values(h.byteLength);
      for (const v of hostile) {
        h.bytes().fill(0, 0, 4096); // poll_oneoff then sees clock subscriptions with timeout 0
        const args = [...base[name]!];
        args[p] = v;
        const r = outcome(name, h.imports[name]!, args);
        calls++;
        if (r !== "ok") failures.push(r);
      }
    }
  }
  t.same(failures, [], `${calls} calls, none threw`);
});

t.test("arguments of the wrong JavaScript type still give an errno", async (t) => {
  for (const trace of [false, true]) {
    const { h } = fuzzInstance(false, trace);
    const odd: unknown[] = [undefined, null, NaN, Infinity, -Infinity, 1.5, "12", {}, [], 1n, 2n ** 70n, -1n, true];
    const failures: string[] = [];
    for (const name of Object.keys(PARAM_COUNT)) {
      if (name === "proc_exit" || name === "proc_raise") continue;
      for (const v of odd) {
        const args = Array.from({ length: PARAM_COUNT[name]! }, () => v);
        h.bytes().fill(0, 0, 4096);
        const r = outcome(name, h.imports[name]!, args);
        if (r !== "ok") failures.push(r);
      }
    }
    t.same(failures, [], `no import threw for odd argument types${trace ? " (traced)" : ""}`);
  }
});

t.test("proc_exit and proc_raise leave only by the exit sentinel", async (t) => {
  const h = direct({ stdout: () => {} });
  const thrown = (f: () => unknown): unknown => {
    try {
      return f();
    } catch (e) {
      return e;
    }
  };
  const exit3 = thrown(() => h.call("proc_exit", 3));
  t.ok(exit3 instanceof ProcExit && exit3.code === 3, "proc_exit(3) throws the sentinel with code 3");
  const exitMinus1 = thrown(() => h.call("proc_exit", -1));
  t.ok(exitMinus1 instanceof ProcExit && exitMinus1.code === 0xffffffff, "the exit code is read as u32");
  const raise = thrown(() => h.call("proc_raise", 15));
  t.ok(raise instanceof ProcExit && raise.code === 128 + 15, "proc_raise(SIGTERM) ends the guest with 143");
  for (const sig of [-1, 31, 255, 256, 0x10000]) t.equal(h.call("proc_raise", sig), Errno.INVAL, `proc_raise(${sig})`);
});

// ---- a host file system that throws ------------------------------------------------------------

/** nodeBackend, except that the methods named in `failing` throw `thrown()` while armed. */
function throwingBackend() {
  const state = { failing: new Set<string>(), thrown: (): unknown => new Error("boom"), unsized: false };
  const backend = {} as Record<string, (...args: unknown[]) => unknown>;
  const sizeless = unsizedDirectories(nodeBackend);
  for (const name of Object.keys(nodeBackend)) {
    const impl = (...args: unknown[]) => ((state.unsized ? sizeless : nodeBackend) as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...args);
    backend[name] = (...args: unknown[]) => {
      if (state.failing.has(name) || state.failing.has("*")) throw state.thrown();
      return impl(...args);
    };
  }
  return { backend: backend as unknown as FsBackend, state };
}

const revoked = (() => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
})();

const THROWN: [string, () => unknown, number][] = [
  ["an Error without a code", () => new Error("boom"), Errno.IO],
  ["a thrown string", () => "just a string", Errno.IO],
  ["an object with an unknown code", () => ({ code: "EWHATEVER" }), Errno.IO],
  ["an object with a numeric code", () => ({ code: 13 }), Errno.IO],
  ["null", () => null, Errno.IO],
  ["undefined", () => undefined, Errno.IO],
  ["a number", () => 42, Errno.IO],
  ["a Symbol", () => Symbol("x"), Errno.IO],
  ["a TypeError", () => new TypeError("bad"), Errno.IO],
  ["an Error with code EACCES", () => Object.assign(new Error("denied"), { code: "EACCES" }), Errno.ACCES],
  ["a plain object with code ENOSPC", () => ({ code: "ENOSPC" }), Errno.NOSPC],
  ["an Error with code toString", () => Object.assign(new Error("proto"), { code: "toString" }), Errno.IO],
  [
    "an object whose code getter throws",
    () => ({
      get code(): string {
        throw new Error("getter");
      },
    }),
    Errno.IO,
  ],
  ["a revoked Proxy", () => revoked, Errno.IO],
];

t.test("a host file system that throws: the import returns EIO (or the code's errno)", async (t) => {
  for (const [what, thrown, expected] of THROWN) {
    const sandbox = tempDir();
    fs.writeFileSync(path.join(sandbox, "file"), "0123456789");
    fs.mkdirSync(path.join(sandbox, "empty"));
    fs.symlinkSync("file", path.join(sandbox, "link"));
    const { backend, state } = throwingBackend();
    const h = direct({ preopens: { "/": sandbox }, fs: backend, stdout: () => {} });
    state.thrown = thrown;
    const p = (at: number, s: string) => h.path(at, s);

    // Open a file first (unarmed), for the fd_* operations.
    const [fp, fl] = p(1000, "file");
    t.equal(h.call("path_open", 3, 0, fp, fl, 0, 0x7fffffffn, 0x7fffffffn, 0, 900), Errno.SUCCESS, "open file");
    const fileFd = h.u32(900);
    h.iovecs(800, [2000, 4]);

    const cases: [string, string, () => number][] = [
      ["lstatIfExists", "path_create_directory", () => h.call("path_create_directory", 3, ...p(1000, "newdir"))],
      ["mkdir", "path_create_directory", () => h.call("path_create_directory", 3, ...p(1000, "newdir"))],
      ["lstatIfExists", "path_filestat_get", () => h.call("path_filestat_get", 3, 1, ...p(1000, "file"), 1200)],
      ["open", "path_open", () => h.call("path_open", 3, 0, ...p(1000, "file"), 0, 0x7fffffffn, 0n, 0, 900)],
      ["open", "path_open O_CREAT", () => h.call("path_open", 3, 0, ...p(1000, "created"), 1, 0x7fffffffn, 0n, 0, 900)],
      ["unlink", "path_unlink_file", () => h.call("path_unlink_file", 3, ...p(1000, "file"))],
      ["rmdir", "path_remove_directory", () => h.call("path_remove_directory", 3, ...p(1000, "empty"))],
      // Wine makes no symlinks (docs/windows.md): there is no link to readlink in the Windows lane.
      ...(process.env.RUN_WASI_LANE === "wine" ? [] : [["readlink", "path_readlink", () => h.call("path_readlink", 3, ...p(1000, "link"), 1500, 100, 1600)] as const]),
      ["symlink", "path_symlink", () => h.call("path_symlink", ...p(1000, "file"), 3, ...p(1100, "newlink"))],
      ["rename", "path_rename", () => h.call("path_rename", 3, ...p(1000, "file"), 3, ...p(1100, "moved"))],
      ["link", "path_link", () => h.call("path_link", 3, 0, ...p(1000, "file"), 3, ...p(1100, "hard"))],
      ["lutimes", "path_filestat_set_times", () => h.call("path_filestat_set_times", 3, 1, ...p(1000, "file"), 0n, 0n, 1 | 4)],
      // Where the host sizes directories (not Windows, which says 0: streamed there, as below).
      ...(fs.statSync(sandbox).size > 0 ? [["readdir", "fd_readdir of a small directory (read whole)", () => h.call("fd_readdir", 3, 1500, 200, 0n, 1700)] as const] : []),
      ["opendir", "fd_readdir where the host sizes directories 0 (streamed)", () => {
        state.unsized = true;
        try {
          return h.call("fd_readdir", 3, 1500, 200, 0n, 1700);
        } finally {
          state.unsized = false;
        }
      }],
      ["read", "fd_read", () => h.call("fd_read", fileFd, 800, 1, 1800)],
      ["read", "fd_pread", () => h.call("fd_pread", fileFd, 800, 1, 0n, 1800)],
      ["write", "fd_write", () => h.call("fd_write", fileFd, 800, 1, 1800)],
      ["write", "fd_pwrite", () => h.call("fd_pwrite", fileFd, 800, 1, 0n, 1800)],
      ["fstat", "fd_filestat_get", () => h.call("fd_filestat_get", fileFd, 1200)],
      ["ftruncate", "fd_filestat_set_size", () => h.call("fd_filestat_set_size", fileFd, 3n)],
      ["fsync", "fd_sync", () => h.call("fd_sync", fileFd)],
      ["fdatasync", "fd_datasync", () => h.call("fd_datasync", fileFd)],
      ["futimes", "fd_filestat_set_times", () => h.call("fd_filestat_set_times", fileFd, 0n, 0n, 1 | 4)],
      ["fstat", "fd_filestat_get on the preopen", () => h.call("fd_filestat_get", 3, 1200)],
    ];
    for (const [method, label, call] of cases) {
      state.failing = new Set([method]);
      let result: unknown;
      try {
        result = call();
      } catch (e) {
        result = `threw ${String(e)}`;
      }
      state.failing.clear();
      t.equal(result, expected, `${what} from ${method} → ${label} gives ${expected}`);
    }
    // Everything failing at once: still an errno from every import.
    state.failing = new Set(["*"]);
    for (const name of ["path_open", "path_filestat_get", "fd_readdir", "fd_filestat_get", "fd_read", "fd_close"]) {
      const args: Record<string, (number | bigint)[]> = {
        path_open: [3, 0, ...p(1000, "file"), 0, 0x7fffffffn, 0n, 0, 900],
        path_filestat_get: [3, 0, ...p(1000, "file"), 1200],
        fd_readdir: [3, 1500, 200, 0n, 1700],
        fd_filestat_get: [fileFd, 1200],
        fd_read: [fileFd, 800, 1, 1800],
        fd_close: [fileFd],
      };
      let result: unknown;
      try {
        result = h.call(name, ...args[name]!);
      } catch (e) {
        result = `threw ${String(e)}`;
      }
      t.ok(typeof result === "number" && result >= 0 && result <= 76, `${what}, every method failing: ${name} → ${String(result)}`);
    }
  }
});

t.test("a preopen whose backend stat throws is refused before start, with a clear Error", async (t) => {
  const { backend, state } = throwingBackend();
  state.failing = new Set(["stat"]);
  state.thrown = () => Object.assign(new Error("denied"), { code: "EACCES" });
  t.throws(() => new WASI({ preopens: { "/": tempDir() }, fs: backend }), /preopen "\/".*EACCES/);
});
