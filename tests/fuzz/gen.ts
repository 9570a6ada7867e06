// Draws calls meant to hurt: pointers at and past the end of memory, lengths near 2^32, overlapping
// buffers, huge iovec counts, every flag bit, invalid enum values, fds closed, renumbered or never
// opened, and paths full of `..`, `//`, trailing slashes, NULs, invalid UTF-8, Windows syntax, long
// names and symlinks (pointing up, out, absolute, in loops) that the fuzzer makes itself.
//
// A call is plain data (import name, arguments, memory writes before it), so that a failing run can
// be replayed and shrunk without the generator.
import { subscription, subscriptionUnstable, type Layout } from "../../src/abi/layouts.js";
import type { Rng } from "./rng.js";

/** Bytes written into guest memory before a call. `root: true` prefixes the world's root path. */
export interface Write {
  at: number;
  hex: string;
  root?: true;
}

export interface Call {
  /** An import name, or "memory.grow" (the embedder grows the memory by `args[0]` pages). */
  fn: string;
  args: (number | bigint)[];
  writes: Write[];
}

/** What the generator knows of the state, updated by the engine after each call. */
export interface Model {
  memSize: number;
  pages: number;
  maxPages: number;
  /** fds believed open (from successful path_open, fd_close, fd_renumber). */
  open: Set<number>;
  /** fds that were open once and were closed. */
  closed: number[];
  maxFd: number;
  rootBytes: Uint8Array;
  unstable: boolean;
  windows: boolean;
  /** fds known to be directories (the engine asks fd_fdstat_get after each successful open). */
  dirs: Set<number>;
  /** The directory fd most recently opened. */
  lastDir: number;
  /** Steps of a scenario under way: each draws the next call when its turn comes. */
  queue: ((b: Builder) => [string, (number | bigint)[]])[];
}

/** The engine keeps these bytes for itself (probing fds at the end); calls may still point here. */
export const RESERVED = 64;

const enc = new TextEncoder();
const hex = (bytes: Uint8Array | number[]) => Buffer.from(bytes).toString("hex");
const i32 = (u: number) => u | 0;
const i64 = (u: bigint) => BigInt.asIntN(64, u);

// ---- vocabularies ---------------------------------------------------------------------------

const EXISTING = [
  "file", "empty", "big.bin", "dir", "empty-dir", "up", "up2", "out", "outdir", "sibling", "abs", "absdir",
  "abs-self", "slash", "etc", "loop1", "loop2", "self", "dangling", "dangling-out", "dangling-abs", "dirlink",
  "chain", "deep", "file-link", "slash-link", "backslash", "drive-link", "inner.txt", "sub", "deep.txt", "esc",
  "up-link", "sib-link", "r-file.txt", "r-dir", "r-link", "r-up", "r-empty-dir", "r-inner.txt",
];
/** Names the guest creates, a small set so that they collide and get reused. */
const FRESH = ["n0", "n1", "n2", "n3", "d0", "d1", "l0", "l1", "l2", "h0"];
const CANARY_NAMES = ["c-file.txt", "c-dir", "c-link", "c-abs", "scratch", "canary", "ro", "outside", "o-secret.txt", "c-new-file"];
const SPECIAL = ["..", ".", "...", ".. ", " ..", ".\u200b."];
const WINDOWS = [
  "a\\b", "..\\..", "..\\c-file.txt", "C:", "C:\\Windows", "c:foo", "\\\\?\\C:\\", "\\\\.\\CON", "file::$DATA",
  "file:stream", "CON", "con.txt", "NUL", "nul.tar.gz", "COM1", "com\u00b9", "LPT9", "CONIN$", "AUX", "PRN", "trailing.",
  "trailing ", "file.", "file ", "*", "?", "a<b", "a>b", "a|b", 'a"b', "\x01", "\x1f", "\\\\server\\share", "..\\",
];
const LONG = ["a".repeat(255), "b".repeat(256), "\u00e9".repeat(128), `${"\u00fc".repeat(127)}x`, "c".repeat(4000)];
const UNICODE = ["\u00e9", "\u65e5\u672c", "\u{1F600}", "\u200b", "e\u0301", "\ufeff", "\ufb01", "\u0130"];
const RAW: number[][] = [
  [0x00], [0x66, 0x00, 0x66], [0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x80], [0xf4, 0x90, 0x80, 0x80],
  [0x80], [0x2e, 0x2e, 0x00], [0xc0, 0xae, 0xc0, 0xae], [0xfe, 0xff],
];
const WHOLE_PATHS = [
  "", "/", ".", "..", "./", "../", "//", "../../../../../../../../etc/passwd", "/etc/passwd", "\\..\\..", "C:\\",
  "//?/C:/", "dir/sub/esc", "dir/sub/../../..", "up/scratch/up/c-file.txt", "dirlink/up-link/up", `${"../".repeat(1500)}x`,
  `${"d0/".repeat(1400)}x`, "self/x", "loop1/", "dangling/", "dangling-out/", "file/", "file/.", "file/..", "dir/.././../c-file.txt",
];

const LINK_TARGETS = [
  "..", "../..", "../c-file.txt", "../../outside/o-secret.txt", "../scratch/file", "../scratch", "up/..", "dir/../..",
  "/etc/passwd", "/", "file", "dir", "n0", "d0", "l0", "l1", "l2", "self", ".", "", "C:\\x", "c:", "..\\..",
  "\\\\server\\x", "dir/", "file/", "up", "up2/canary", "sub/../../..", "a".repeat(300), "x/".repeat(2100),
];

const U64S: readonly bigint[] = [
  0n, 1n, 2n, 7n, 8n, 100n, 4096n, 65535n, 65536n, (1n << 31n) - 1n, 1n << 31n, (1n << 32n) - 1n, 1n << 32n,
  1n << 40n, 1n << 44n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n,
];
const S64S: readonly bigint[] = [
  0n, 1n, -1n, 5n, -5n, 100n, -100n, 70_000n, -70_000n, 1n << 31n, -(1n << 31n), 1n << 32n, (1n << 53n) - 1n, 1n << 53n,
  -(1n << 53n), (1n << 63n) - 1n, -(1n << 63n),
];
const RIGHTS: readonly bigint[] = [
  -1n, 0n, (1n << 30n) - 1n, 0x2n, 0x40n, 0x42n, 0x4246n, 0x1ffffffn, 0x3fffffffn, 1n << 13n, (1n << 14n) | (1n << 13n),
  0x0000000040000000n, 0x7fffffffffffffffn,
];

// ---- the builder ----------------------------------------------------------------------------

export class Builder {
  readonly writes: Write[] = [];
  #placed: number[] = [];

  /** A hostile call draws every argument to hurt; a clean one (most) keeps the ABI and aims at paths. */
  readonly hostile: boolean;

  constructor(
    readonly rng: Rng,
    readonly model: Model,
    hostile?: boolean,
  ) {
    this.hostile = hostile ?? rng.chance(0.35);
  }

  get size(): number {
    return this.model.memSize;
  }

  /** Writes bytes at a pointer inside memory (sometimes over earlier data, to overlap). Returns the pointer. */
  place(bytes: Uint8Array | number[], root = false): number {
    const len = bytes.length + (root ? this.model.rootBytes.length : 0);
    const max = Math.max(0, this.size - len);
    let at: number;
    if (this.#placed.length > 0 && this.rng.chance(0.1)) at = Math.min(this.rng.pick(this.#placed), max);
    else if (this.rng.chance(0.05)) at = max; // flush with the end of memory
    else at = this.rng.int(max + 1);
    if (len <= this.size) {
      const w: Write = { at, hex: hex(bytes) };
      if (root) w.root = true;
      this.writes.push(w);
    }
    this.#placed.push(at);
    return at;
  }

  /** A pointer for `len` bytes: mostly valid, sometimes at or past the end, or anywhere in 2^32. */
  ptr(len: number, validWeight = 85): number {
    const r = this.rng;
    const size = this.size;
    if (!this.hostile && validWeight > 0) validWeight = 2000;
    const valid = (): number => {
      if (this.#placed.length > 0 && r.chance(0.15)) return Math.min(r.pick(this.#placed), Math.max(0, size - len));
      return r.int(Math.max(1, size - len + 1));
    };
    const p = r.weighted<() => number>([
      [validWeight, valid],
      [3, () => size],
      [3, () => size - 1],
      [3, () => Math.max(0, size - len + 1)],
      [2, () => size + 1],
      [2, () => 0xffffffff],
      [2, () => 0xfffffff8],
      [2, () => 0x80000000],
      [1, () => 0x7fffffff],
      [2, () => r.u32()],
      [2, () => 0],
    ])();
    this.#placed.push(p >>> 0);
    return i32(p >>> 0);
  }

  /** A length: usually sensible, sometimes 0, the memory size, or near 2^32. */
  len(typical: number): number {
    const r = this.rng;
    if (!this.hostile) return r.int(Math.min(typical, this.size) + 1);
    return i32(
      r.weighted<() => number>([
        [70, () => r.int(typical + 1)],
        [5, () => 0],
        [4, () => this.size],
        [3, () => this.size + 1],
        [3, () => 0xffffffff],
        [2, () => 0xfffffff0],
        [2, () => 0x80000000],
        [2, () => 0x7fffffff],
        [3, () => r.u32()],
      ])() >>> 0,
    );
  }

  fd(purpose: "any" | "dir" | "file" | "close" = "any"): number {
    const r = this.rng;
    const m = this.model;
    const open = [...m.open];
    const dirs = open.filter((fd) => m.dirs.has(fd));
    const files = open.filter((fd) => fd > 2 && !m.dirs.has(fd));
    const h = this.hostile ? 1 : 0;
    const pick = (): number =>
      r.weighted<() => number>([
        [open.length > 0 ? (purpose === "file" ? 15 : 45) : 0, () => r.pick(open)],
        [purpose === "dir" && dirs.length > 0 ? 40 : 0, () => r.pick(dirs)],
        [purpose === "file" && files.length > 0 ? 120 : 0, () => r.pick(files)],
        [purpose === "dir" ? 40 : 10, () => r.pick([3, 3, 3, 4])],
        [purpose === "file" ? 15 : 2 + 6 * h, () => r.int(3)],
        [m.closed.length > 0 ? 1 + 6 * h : 0, () => r.pick(m.closed)],
        [1 + 12 * h, () => r.pick([5, 6, 7, 9, 12, 40, 1000, 65536, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff])],
        [3 * h, () => r.u32()],
      ])();
    let fd = pick();
    // Closing or renumbering away a preopen ends most of the interesting calls: let it happen rarely.
    if (purpose === "close" && (fd === 3 || fd === 4) && r.chance(0.995)) {
      const others = open.filter((f) => f !== 3 && f !== 4);
      fd = others.length > 0 && r.chance(0.8) ? r.pick(others) : r.pick([0, 1, 2, 5, 6, 7, 100]);
    }
    return i32(fd >>> 0);
  }

  u64(list: readonly bigint[] = U64S): bigint {
    const r = this.rng;
    if (this.hostile && r.chance(0.08)) return i64(r.u64());
    return i64(r.pick(list));
  }

  small64(max: number): bigint {
    return this.rng.chance(this.hostile ? 0.7 : 0.97) ? BigInt(this.rng.int(max)) : this.u64();
  }

  /** A flags word: valid bits mostly, every bit sometimes, bits past the type's width rarely. */
  flags(validMask: number, width: 8 | 16 | 32): number {
    const r = this.rng;
    if (!this.hostile) return r.u32() & validMask;
    return i32(
      r.weighted<() => number>([
        [70, () => r.u32() & validMask],
        [8, () => validMask],
        [8, () => 1 << r.int(width)],
        [6, () => (width === 32 ? r.u32() : r.u32() & ((1 << width) - 1))],
        [4, () => (width === 32 ? 0xffffffff : 1 << width)],
        [4, () => r.u32()],
      ])() >>> 0,
    );
  }

  /** An enum value: a valid one mostly, the first invalid one, or anything. */
  enumValue(count: number, width: 8 | 16 | 32): number {
    const r = this.rng;
    if (!this.hostile) return r.int(count);
    return i32(
      r.weighted<() => number>([
        [80, () => r.int(count)],
        [8, () => count],
        [5, () => (width === 32 ? 0xffffffff : (1 << width) - 1)],
        [3, () => (width === 32 ? 0x80000000 : 1 << width)],
        [4, () => r.u32()],
      ])() >>> 0,
    );
  }

  oflags(): number {
    const r = this.rng;
    if (this.hostile) return this.flags(0xf, 16);
    return r.weighted<number>([[40, 0], [20, 1], [8, 1 | 4], [10, 1 | 8], [4, 8], [12, 2], [6, r.int(16)]]);
  }

  fdflags(): number {
    const r = this.rng;
    if (this.hostile) return this.flags(0x1f, 16);
    return r.weighted<number>([[75, 0], [10, 1], [5, 4], [10, r.int(32)]]);
  }

  rights(): bigint {
    const r = this.rng;
    if (!this.hostile) {
      if (r.chance(0.6)) return -1n;
      if (r.chance(0.6)) return r.pick([0x24226n, 0x7fe3fffn, 0x200066n, 0x4000n | 0x2000n | 0x40000n, 0x46n]);
    }
    if (r.chance(0.3)) return -1n;
    if (r.chance(0.5)) return i64(r.u64() & ((1n << 30n) - 1n));
    return i64(BigInt.asUintN(64, r.pick(RIGHTS)));
  }

  // ---- paths --------------------------------------------------------------------------------

  component(): number[] {
    const r = this.rng;
    const text = (s: string) => [...enc.encode(s)];
    if (!this.hostile) {
      return r.weighted<() => number[]>([
        [40, () => text(r.pick(EXISTING))],
        [45, () => text(r.pick(FRESH))],
        [10, () => text(r.pick(["..", "."]))],
        [3, () => text(r.pick(CANARY_NAMES))],
        [2, () => text(r.pick(this.model.windows ? WINDOWS : UNICODE))],
      ])();
    }
    return r.weighted<() => number[]>([
      [30, () => text(r.pick(EXISTING))],
      [28, () => text(r.pick(FRESH))],
      [14, () => text(r.pick(SPECIAL))],
      [5, () => text(r.pick(CANARY_NAMES))],
      [8, () => text(r.pick(WINDOWS))],
      [3, () => text(r.pick(LONG))],
      [3, () => text(r.pick(UNICODE))],
      [5, () => r.pick(RAW)],
      [2, () => r.bytes(r.range(1, 8))],
    ])();
  }

  /** Path bytes and whether the world's root is prefixed (an absolute host path into the canary). */
  pathBytes(): { bytes: number[]; root: boolean } {
    const r = this.rng;
    if (!this.hostile) {
      const n = r.weighted<number>([[55, 1], [30, 2], [10, 3], [5, 4]]);
      const parts: number[][] = [];
      for (let i = 0; i < n; i++) parts.push(this.component());
      const out: number[] = [];
      parts.forEach((p, i) => {
        if (i > 0) out.push(0x2f);
        out.push(...p);
      });
      if (r.chance(0.08)) out.push(0x2f);
      return { bytes: out, root: false };
    }
    if (r.chance(0.06)) return { bytes: [...enc.encode(r.pick(WHOLE_PATHS))], root: false };
    if (r.chance(0.03)) {
      const tail = r.pick(["/canary/c-file.txt", "/canary/scratch/file", "/canary/c-dir", "/outside/o-secret.txt", "/canary", ""]);
      return { bytes: [...enc.encode(tail)], root: true };
    }
    const n = r.weighted<number>([
      [40, 1],
      [25, 2],
      [15, 3],
      [10, r.range(4, 6)],
      [4, r.range(7, 40)],
    ]);
    const out: number[] = [];
    const lead = r.weighted<string>([
      [88, ""],
      [4, "/"],
      [5, "./"],
      [3, "//"],
    ]);
    out.push(...enc.encode(lead));
    for (let i = 0; i < n; i++) {
      if (i > 0) out.push(...enc.encode(r.weighted<string>([[85, "/"], [10, "//"], [5, "/./"]])));
      out.push(...this.component());
    }
    const trail = r.weighted<string>([
      [84, ""],
      [10, "/"],
      [3, "/."],
      [3, "/.."],
    ]);
    out.push(...enc.encode(trail));
    return { bytes: out, root: false };
  }

  /** A path argument pair (ptr, len), the length usually exact. */
  path(): [number, number] {
    const { bytes, root } = this.pathBytes();
    return this.pathArg(bytes, root);
  }

  pathArg(bytes: number[], root: boolean): [number, number] {
    const r = this.rng;
    const exact = bytes.length + (root ? this.model.rootBytes.length : 0);
    if (!this.hostile) return [i32(this.place(bytes, root)), i32(exact)];
    if (r.chance(0.05)) return [this.ptr(exact, 0), i32(exact)];
    const ptr = this.place(bytes, root);
    const len = r.weighted<() => number>([
      [88, () => exact],
      [3, () => 0],
      [3, () => Math.max(0, exact - 1)],
      [2, () => exact + 1],
      [2, () => 0xffffffff],
      [2, () => r.u32()],
    ])();
    return [i32(ptr), i32(len >>> 0)];
  }

  linkTarget(): [number, number] {
    const r = this.rng;
    if (!this.hostile && r.chance(0.5)) return this.pathArg([...enc.encode(r.pick(["..", "../..", "../c-file.txt", "l0", "l1", "l2", "n0", "d0", "file", "dir", "up", "../scratch/file", "d0/../..", "self"]))], false);
    if (r.chance(0.35)) return this.path();
    if (r.chance(0.08)) return this.pathArg([...enc.encode(r.pick(["/canary/c-file.txt", "/outside", "/canary/scratch"]))], true);
    return this.pathArg([...enc.encode(r.pick(LINK_TARGETS))], false);
  }

  /**
   * An iovec array. Entries overlap each other and the array itself; counts reach the thousands or
   * beyond memory. The total length stays within `budget` (a write of gigabytes would only test the
   * disk), except for entries that are out of bounds, which fault before any I/O.
   */
  iovecs(budget: number): [number, number] {
    const r = this.rng;
    const maxFit = Math.floor(this.size / 8);
    const h = this.hostile ? 1 : 0;
    const count = r.weighted<() => number>([
      [40, () => 1],
      [20, () => r.range(2, 4)],
      [10, () => r.range(5, 64)],
      [5, () => 0],
      [4, () => 1024],
      [3, () => 1025],
      [3, () => Math.min(maxFit, r.range(1026, 20000))],
      [2, () => maxFit],
      [2 * h, () => maxFit + 1],
      [2 * h, () => 0x20000000],
      [2 * h, () => 0xffffffff],
      [2 * h, () => 0x80000000],
    ])();
    if (count > maxFit || (this.hostile && r.chance(0.03))) return [this.ptr(Math.min(count, maxFit) * 8), i32(count)];
    const data = new Uint8Array(count * 8);
    const view = new DataView(data.buffer);
    let left = budget;
    const arrayAt = this.rng.int(Math.max(1, this.size - count * 8 + 1));
    const bad = this.hostile && r.chance(0.25) ? r.int(count) : -1;
    for (let i = 0; i < count; i++) {
      let len: number;
      let ptr: number;
      if (i === bad) {
        len = this.len(64) >>> 0;
        ptr = this.ptr(Math.min(len, this.size), 0) >>> 0;
        if (r.chance(0.5)) ptr = this.ptr(len) >>> 0;
      } else {
        const cap = Math.min(left, this.size);
        len = count > 64 ? (r.chance(0.9) ? 0 : r.int(Math.min(cap, 16) + 1)) : r.weighted<number>([[60, r.int(Math.min(cap, 512) + 1)], [20, r.int(cap + 1)], [10, 0], [10, Math.min(cap, 8)]]);
        left -= len;
        ptr = r.weighted<number>([
          [70, r.int(Math.max(1, this.size - len + 1))],
          [15, Math.min(arrayAt, Math.max(0, this.size - len))], // over the iovec array itself
          [10, Math.max(0, this.size - len)],
          [5, 0],
        ]);
      }
      view.setUint32(i * 8, ptr >>> 0, true);
      view.setUint32(i * 8 + 4, len >>> 0, true);
    }
    this.writes.push({ at: arrayAt, hex: hex(data) });
    return [i32(arrayAt), i32(count)];
  }

  /** A subscription array for poll_oneoff that never makes the call sleep for long. */
  subscriptions(): [number, number] {
    const r = this.rng;
    const layout: Layout = this.model.unstable ? subscriptionUnstable : subscription;
    const maxFit = Math.floor(this.size / layout.size);
    const count = r.weighted<() => number>([
      [40, () => 1],
      [30, () => r.range(2, 4)],
      [8, () => r.range(5, 64)],
      [5, () => 0],
      [3, () => Math.min(maxFit, 1000)],
      [3, () => maxFit + 1],
      [3, () => 0xffffffff],
      [3, () => 0x10000000],
    ])();
    if (count > maxFit) return [this.ptr(layout.size), i32(count)];
    const data = new Uint8Array(count * layout.size);
    const view = new DataView(data.buffer);
    const put = (base: number, field: string, value: number | bigint) => {
      const f = layout.fields[field as keyof typeof layout.fields]!;
      const at = base + f.offset;
      if (f.type === "u8") view.setUint8(at, Number(value) & 0xff);
      else if (f.type === "u16") view.setUint16(at, Number(value) & 0xffff, true);
      else if (f.type === "u32") view.setUint32(at, Number(value) >>> 0, true);
      else view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
    };
    const subs: { tag: number; clock: number; abstime: boolean }[] = [];
    for (let i = 0; i < count; i++) {
      const base = i * layout.size;
      const tag = r.weighted<number>([[45, 0], [22, 1], [22, 2], [6, 3], [5, r.int(256)]]);
      put(base, "userdata", r.u64());
      put(base, "tag", tag);
      if (tag === 0) {
        const clock = r.weighted<number>([[85, r.int(4)], [10, 4], [5, r.u32()]]);
        const abstime = r.chance(0.3);
        put(base, "clock_id", clock);
        put(base, "precision", r.chance(0.5) ? 0n : r.u64());
        put(base, "flags", abstime ? (r.chance(0.8) ? 1 : r.u32() & 0xffff) : r.chance(0.9) ? 0 : r.u32() & 0xfffe);
        put(base, "timeout", r.chance(0.5) ? r.pick(U64S) : r.u64());
        subs.push({ tag, clock, abstime });
      } else {
        put(base, "fd", r.chance(0.7) ? this.fd() >>> 0 : r.u32());
        subs.push({ tag, clock: 0, abstime: false });
      }
    }
    // poll_oneoff sleeps only when every subscription is a valid clock: then keep each wait short.
    if (subs.length > 0 && subs.every((s) => s.tag === 0 && s.clock < 4)) {
      subs.forEach((s, i) => put(i * layout.size, "timeout", s.abstime ? 0n : BigInt(r.int(2_000_000))));
    }
    const at = r.int(Math.max(1, this.size - data.byteLength + 1));
    this.writes.push({ at, hex: hex(data) });
    return [i32(at), i32(count)];
  }
}

// ---- the calls ------------------------------------------------------------------------------

type Gen = (b: Builder) => (number | bigint)[];

const generators: Record<string, [weight: number, gen: Gen]> = {
  args_get: [0.5, (b) => [b.ptr(64), b.ptr(64)]],
  args_sizes_get: [0.5, (b) => [b.ptr(4), b.ptr(4)]],
  environ_get: [0.5, (b) => [b.ptr(64), b.ptr(64)]],
  environ_sizes_get: [0.5, (b) => [b.ptr(4), b.ptr(4)]],
  clock_res_get: [0.7, (b) => [b.enumValue(4, 32), b.ptr(8)]],
  clock_time_get: [0.7, (b) => [b.enumValue(4, 32), b.u64(), b.ptr(8)]],
  fd_advise: [1, (b) => [b.fd("file"), b.u64(), b.u64(), b.enumValue(6, 8)]],
  fd_allocate: [1.5, (b) => [b.fd("file"), b.small64(100_000), b.small64(100_000)]],
  fd_close: [2, (b) => [b.fd("close")]],
  fd_datasync: [0.7, (b) => [b.fd("file")]],
  fd_sync: [0.7, (b) => [b.fd("file")]],
  fd_fdstat_get: [2, (b) => [b.fd(), b.ptr(24)]],
  fd_fdstat_set_flags: [2, (b) => [b.fd("file"), b.flags(0x1f, 16)]],
  fd_fdstat_set_rights: [2, (b) => [b.fd("close"), b.rights(), b.rights()]],
  fd_filestat_get: [2, (b) => [b.fd("file"), b.ptr(64)]],
  fd_filestat_set_size: [2, (b) => [b.fd("file"), b.small64(200_000)]],
  fd_filestat_set_times: [2, (b) => [b.fd(), b.u64(), b.u64(), b.flags(0xf, 16)]],
  fd_pread: [3, (b) => { const [iov, n] = b.iovecs(256 * 1024); return [b.fd("file"), iov, n, b.small64(100_000), b.ptr(4)]; }],
  fd_pwrite: [3, (b) => { const [iov, n] = b.iovecs(256 * 1024); return [b.fd("file"), iov, n, b.small64(100_000), b.ptr(4)]; }],
  fd_read: [5, (b) => { const [iov, n] = b.iovecs(256 * 1024); return [b.fd("file"), iov, n, b.ptr(4)]; }],
  fd_write: [5, (b) => { const [iov, n] = b.iovecs(256 * 1024); return [b.fd("file"), iov, n, b.ptr(4)]; }],
  fd_prestat_get: [1, (b) => [b.fd(), b.ptr(8)]],
  fd_prestat_dir_name: [1, (b) => { const len = b.rng.pick([0, 1, 3, 4, 8, 100]); return [b.fd(), b.ptr(len), b.rng.chance(0.8) ? len : b.len(100)]; }],
  fd_readdir: [4, (b) => {
    const len = b.rng.chance(0.8) ? b.rng.pick([0, 1, 23, 24, 25, 30, 64, 100, 300, 4096]) : b.len(8192);
    const cookie = b.rng.chance(0.85) ? BigInt(b.rng.int(8)) : b.u64();
    return [b.fd(), b.ptr(len >>> 0), len, cookie, b.ptr(4)];
  }],
  fd_renumber: [2, (b) => [b.fd("close"), b.fd("close")]],
  fd_seek: [3, (b) => [b.fd("file"), b.rng.chance(0.8) ? i64(b.rng.pick(S64S)) : i64(b.rng.u64()), b.enumValue(3, 8), b.ptr(8)]],
  fd_tell: [1, (b) => [b.fd("file"), b.ptr(8)]],
  path_create_directory: [5, (b) => [b.fd("dir"), ...b.path()]],
  path_filestat_get: [4, (b) => [b.fd("dir"), b.flags(1, 32), ...b.path(), b.ptr(64)]],
  path_filestat_set_times: [3, (b) => [b.fd("dir"), b.flags(1, 32), ...b.path(), b.u64(), b.u64(), b.flags(0xf, 16)]],
  path_link: [4, (b) => [b.fd("dir"), b.flags(1, 32), ...b.path(), b.fd("dir"), ...b.path()]],
  path_open: [20, (b) => [b.fd("dir"), b.flags(1, 32), ...b.path(), b.oflags(), b.rights(), b.rights(), b.fdflags(), b.ptr(4)]],
  path_readlink: [3, (b) => { const len = b.rng.chance(0.8) ? b.rng.pick([0, 1, 2, 5, 64, 4096]) : b.len(8192); return [b.fd("dir"), ...b.path(), b.ptr(len >>> 0), len, b.ptr(4)]; }],
  path_remove_directory: [4, (b) => [b.fd("dir"), ...b.path()]],
  path_rename: [5, (b) => [b.fd("dir"), ...b.path(), b.fd("dir"), ...b.path()]],
  path_symlink: [6, (b) => [...b.linkTarget(), b.fd("dir"), ...b.path()]],
  path_unlink_file: [4, (b) => [b.fd("dir"), ...b.path()]],
  poll_oneoff: [2, (b) => { const [subs, n] = b.subscriptions(); return [subs, b.ptr(Math.min(Math.max(n >>> 0, 1), 4096) * 32), n, b.ptr(4)]; }],
  proc_raise: [0.4, (b) => [b.enumValue(31, 8)]],
  sched_yield: [0.3, () => []],
  random_get: [1, (b) => { const len = b.len(4096); return [b.ptr(len >>> 0), len]; }],
  sock_accept: [0.4, (b) => [b.fd(), b.flags(0xf, 16), b.ptr(4)]],
  sock_recv: [0.4, (b) => { const [iov, n] = b.iovecs(4096); return [b.fd(), iov, n, b.flags(3, 16), b.ptr(4), b.ptr(2)]; }],
  sock_send: [0.4, (b) => { const [iov, n] = b.iovecs(4096); return [b.fd(), iov, n, b.flags(0, 16), b.ptr(4)]; }],
  sock_shutdown: [0.4, (b) => [b.fd(), b.enumValue(4, 8)]],
  "memory.grow": [0.3, (b) => [b.model.pages < b.model.maxPages ? 1 : 0]],
};

const table = Object.entries(generators).map(([name, [w]]) => [w, name] as const);

type Step = (b: Builder) => [string, (number | bigint)[]];

/**
 * A scripted scenario's helpers: `step` wraps each call, and `text` lays a path out through the
 * builder of the call being made (each step gets its own).
 */
function scripted(first: Builder): { text: (s: string) => [number, number]; step: (f: Step) => Step } {
  let current = first;
  const text = (s: string): [number, number] => current.pathArg([...enc.encode(s)], false);
  const step =
    (f: Step): Step =>
    (b) => {
      current = b;
      return f(b);
    };
  return { text, step };
}

/**
 * A scenario a call at a time would rarely hit: the guest holds a directory open (with a partly
 * read listing), renames it (or its parent) away, plants a symlink where it was, and goes on using
 * the fd: listing, opening, stat-ing and creating through it.
 */
function heldDirectory(b: Builder): ((b: Builder) => [string, (number | bigint)[]])[] {
  const r = b.rng;
  const dir = r.pick(["d0", "d1"]);
  const away = `m${r.int(100_000)}`;
  const nested = r.chance(0.3);
  const held = nested ? `${dir}/n0` : dir;
  const inner = r.pick(["c-file.txt", "c-dir", "o-secret.txt", "file", "n1", "passwd"]);
  const target = r.weighted<string>([[40, nested ? "../.." : ".."], [10, "../c-dir"], [10, "../../outside"], [10, away], [10, "up"], [10, `${"../".repeat(12)}etc`], [10, "../.."]]);
  const dirRights = (1n << 14n) | (1n << 13n) | (1n << 18n) | (1n << 21n) | (1n << 9n) | (1n << 10n);
  const { text, step } = scripted(b);
  return [
    step((b) => ["path_create_directory", [3, ...text(dir)]]),
    step((b) => ["path_create_directory", [3, ...text(`${dir}/n0`)]]),
    step((b) => ["path_open", [3, 0, ...text(`${held}/${inner}`), 1, -1n, -1n, 0, b.ptr(4)]]),
    step((b) => ["path_open", [3, 0, ...text(held), 2, dirRights, -1n, 0, b.ptr(4)]]),
    step((b) => ["fd_readdir", [b.model.lastDir, b.ptr(64), b.rng.pick([1, 24, 30]), 0n, b.ptr(4)]]),
    step((b) => ["path_rename", [3, ...text(dir), 3, ...text(away)]]),
    step((b) => ["path_symlink", [...text(target), 3, ...text(dir)]]),
    step((b) => ["fd_readdir", [b.model.lastDir, b.ptr(4096), 4096, BigInt(b.rng.int(4)), b.ptr(4)]]),
    step((b) => ["path_filestat_get", [b.model.lastDir, b.rng.int(2), ...text(inner), b.ptr(64)]]),
    step((b) => ["path_open", [b.model.lastDir, b.rng.int(2), ...text(inner), 0, -1n, -1n, 0, b.ptr(4)]]),
    step((b) => ["fd_filestat_get", [b.model.lastDir, b.ptr(64)]]),
    step((b) => ["path_open", [b.model.lastDir, 0, ...text(`n2`), 1, -1n, -1n, 0, b.ptr(4)]]),
  ];
}

/**
 * The attack on directories kept between calls: the guest walks a path (so its directories are
 * kept), renames the top one away, plants a symlink in its place (one that leads back to it through
 * the preopen's host name, `scratch`, or out through the canary's links), and walks the same path
 * again: stat, open, mkdir, create, unlink. A check of a kept directory that followed the planted
 * link would answer from it, or read the links outside (their atimes).
 */
function walkedDirectory(b: Builder): ((b: Builder) => [string, (number | bigint)[]])[] {
  const r = b.rng;
  const dir = r.pick(["w0", "w1"]);
  const away = `v${r.int(100_000)}`;
  const leaf = r.pick(["x", "n1", "missing"]);
  const target = r.weighted<string>([[30, `../scratch/${away}`], [15, "../c-updir/scratch/" + away], [15, "../c-dir"], [10, "../c-link"], [10, `../../canary/scratch/${away}`], [10, away], [10, "../c-abs"]]);
  const { text, step } = scripted(b);
  const again = `${dir}/n0/${leaf}`;
  return [
    step(() => ["path_create_directory", [3, ...text(dir)]]),
    step(() => ["path_create_directory", [3, ...text(`${dir}/n0`)]]),
    step((b) => ["path_open", [3, 0, ...text(`${dir}/n0/x`), 1, -1n, -1n, 0, b.ptr(4)]]),
    step((b) => ["path_filestat_get", [3, 0, ...text(again), b.ptr(64)]]),
    step(() => ["path_rename", [3, ...text(dir), 3, ...text(away)]]),
    step(() => ["path_symlink", [...text(target), 3, ...text(dir)]]),
    step((b) => ["path_filestat_get", [3, b.rng.int(2), ...text(again), b.ptr(64)]]),
    step((b) => ["path_open", [3, b.rng.int(2), ...text(again), 0, -1n, -1n, 0, b.ptr(4)]]),
    step(() => ["path_create_directory", [3, ...text(`${dir}/n0/made`)]]),
    step((b) => ["path_open", [3, 0, ...text(`${dir}/n0/new.txt`), 1, -1n, -1n, 0, b.ptr(4)]]),
    step(() => ["path_unlink_file", [3, ...text(`${dir}/n0/x`)]]),
    step((b) => ["path_filestat_get", [3, 0, ...text(`${dir}/n0/..`), b.ptr(64)]]),
  ];
}

export function generate(rng: Rng, model: Model): Call {
  if (model.queue.length === 0 && rng.chance(0.004)) model.queue.push(...heldDirectory(new Builder(rng, model, false)));
  if (model.queue.length === 0 && rng.chance(0.004)) model.queue.push(...walkedDirectory(new Builder(rng, model, false)));
  const step = model.queue.shift();
  if (step) {
    const b = new Builder(rng, model, false);
    const [fn, args] = step(b);
    return { fn, args: args.map((a) => (typeof a === "number" ? a | 0 : a)), writes: b.writes };
  }
  const b = new Builder(rng, model);
  const fn = rng.weighted(table);
  const args = generators[fn]![1](b);
  return { fn, args, writes: b.writes };
}
