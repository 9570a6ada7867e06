// Generates a large WASI command module (default ~50 MB of code) straight to the binary format,
// and computes, by evaluating the same arithmetic in JavaScript, the line it must print.
//
//   node bench/bigmodule.mjs OUT.wasm [--functions N] [--steps N] [--call-every N]
//
// Every function f_i(x: i32) -> i32 runs `steps` rounds of i32 arithmetic with per-function
// constants and one `if` per round, so a compiler has real work (~20 bytes of code per round).
// `_start` calls every `callEvery`-th function (a program runs a fraction of its code at start-up),
// folds the results into one i32 and prints "bigmodule sum=XXXXXXXX\n" with fd_write.
import * as fs from "node:fs";
import { pathToFileURL } from "node:url";

export const DEFAULTS = { functions: 24000, steps: 50, callEvery: 100 };

// --- binary encoding helpers -------------------------------------------------------------------
function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n) {
  n |= 0;
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const str = (s) => [...uleb(Buffer.byteLength(s)), ...Buffer.from(s)];
const vec = (items) => [...uleb(items.length), ...items.flat()];

const I32 = 0x7f;
const OP = {
  unreachable: 0x00, block: 0x02, if: 0x04, else: 0x05, end: 0x0b, call: 0x10, drop: 0x1a,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, i32Store8: 0x3a, i32Const: 0x41,
  i32LtU: 0x49, i32Add: 0x6a, i32Mul: 0x6c, i32And: 0x71, i32Xor: 0x73, i32ShrU: 0x76, i32Rotl: 0x77,
};

// Deterministic constants per function and round.
function constants(i, steps) {
  let x = (i * 2654435761 + 12345) >>> 0;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const out = [];
  for (let k = 0; k < steps; k++) out.push([next() | 1, next() & 31, next() | 0]);
  return out;
}

/** Body of f_i: params (x), locals a, b. Returns the bytes of the function body. */
function functionBody(i, steps) {
  const code = [1, 2, I32]; // one local group: 2 × i32 (a = local 1, b = local 2)
  // a = x; b = x ^ i
  code.push(OP.localGet, 0, OP.localSet, 1, OP.localGet, 0, OP.i32Const, ...sleb(i), OP.i32Xor, OP.localSet, 2);
  for (const [mul, rot, add] of constants(i, steps)) {
    // b = (a * mul) ^ b
    code.push(OP.localGet, 1, OP.i32Const, ...sleb(mul), OP.i32Mul, OP.localGet, 2, OP.i32Xor, OP.localSet, 2);
    // a = rotl(b, rot) + a
    code.push(OP.localGet, 2, OP.i32Const, rot, OP.i32Rotl, OP.localGet, 1, OP.i32Add, OP.localSet, 1);
    // if (a & 1) b = b + add
    code.push(OP.localGet, 1, OP.i32Const, 1, OP.i32And, OP.if, 0x40);
    code.push(OP.localGet, 2, OP.i32Const, ...sleb(add), OP.i32Add, OP.localSet, 2, OP.end);
  }
  code.push(OP.localGet, 1, OP.localGet, 2, OP.i32Xor, OP.end);
  return [...uleb(code.length), ...code];
}

/** What f_i computes, in JavaScript. */
function evaluate(i, steps, x) {
  let a = x | 0;
  let b = (x ^ i) | 0;
  for (const [mul, rot, add] of constants(i, steps)) {
    b = Math.imul(a, mul) ^ b;
    const r = b >>> 0;
    a = (((r << rot) | (rot === 0 ? 0 : r >>> (32 - rot))) + a) | 0;
    if (a & 1) b = (b + add) | 0;
  }
  return (a ^ b) | 0;
}

const MESSAGE = "bigmodule sum=00000000\n";
const MESSAGE_AT = 16;

function startBody(functions, callEvery) {
  const code = [1, 2, I32]; // locals: acc = 0, n = 1
  for (let i = 0; i < functions; i += callEvery) {
    // acc = f_i(acc ^ i) + acc
    code.push(OP.localGet, 0, OP.i32Const, ...sleb(i), OP.i32Xor, OP.call, ...uleb(1 + i), OP.localGet, 0, OP.i32Add, OP.localSet, 0);
  }
  // Eight hex digits into the message.
  const digitsAt = MESSAGE_AT + MESSAGE.indexOf("=") + 1;
  for (let k = 0; k < 8; k++) {
    code.push(OP.i32Const, ...sleb(digitsAt + k));
    code.push(OP.localGet, 0, OP.i32Const, 28 - 4 * k, OP.i32ShrU, OP.i32Const, 15, OP.i32And, OP.localTee, 1);
    code.push(OP.i32Const, 10, OP.i32LtU, OP.if, I32);
    code.push(OP.localGet, 1, OP.i32Const, ...sleb(48), OP.i32Add, OP.else, OP.localGet, 1, OP.i32Const, ...sleb(87), OP.i32Add, OP.end);
    code.push(OP.i32Store8, 0, 0);
  }
  // fd_write(1, iovs=0, 1, nwritten=8); the iovec at 0 is in the data segment.
  code.push(OP.i32Const, 1, OP.i32Const, 0, OP.i32Const, 1, OP.i32Const, 8, OP.call, 0, OP.drop, OP.end);
  return [...uleb(code.length), ...code];
}

function section(id, bytes) {
  return [id, ...uleb(bytes.length), ...bytes];
}

/** Writes the module; returns { bytes, expected } (expected: the line it prints). */
export function generate(out, options = {}) {
  const { functions, steps, callEvery } = { ...DEFAULTS, ...options };
  const fd = fs.openSync(out, "w");
  let size = 0;
  const put = (bytes) => {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    fs.writeSync(fd, buf);
    size += buf.byteLength;
  };
  put([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  // types: 0 (i32)->i32, 1 ()->(), 2 (i32 i32 i32 i32)->i32
  put(section(1, vec([[0x60, 1, I32, 1, I32], [0x60, 0, 0], [0x60, 4, I32, I32, I32, I32, 1, I32]])));
  put(section(2, vec([[...str("wasi_snapshot_preview1"), ...str("fd_write"), 0x00, 2]])));
  put(section(3, vec([...Array.from({ length: functions }, () => [0]), [1]])));
  put(section(5, vec([[0x00, 1]]))); // memory: min 1 page
  put(section(7, vec([[...str("memory"), 0x02, 0], [...str("_start"), 0x00, ...uleb(1 + functions)]])));
  // code section, streamed: size first, so the bodies are generated twice (cheap) rather than held.
  const bodies = [];
  let codeSize = uleb(functions + 1).length;
  for (let i = 0; i < functions; i++) {
    const body = Buffer.from(functionBody(i, steps));
    bodies.push(body);
    codeSize += body.byteLength;
  }
  const start = Buffer.from(startBody(functions, callEvery));
  codeSize += start.byteLength;
  put([10, ...uleb(codeSize), ...uleb(functions + 1)]);
  for (let i = 0; i < bodies.length; i += 1024) put(Buffer.concat(bodies.slice(i, i + 1024)));
  put(start);
  // data: iovec {ptr=16, len} at 0, the message at 16.
  const iovec = Buffer.alloc(8);
  iovec.writeUInt32LE(MESSAGE_AT, 0);
  iovec.writeUInt32LE(MESSAGE.length, 4);
  const data = [...iovec, ...Buffer.alloc(MESSAGE_AT - 8), ...Buffer.from(MESSAGE)];
  put(section(11, vec([[0x00, OP.i32Const, 0, OP.end, ...uleb(data.length), ...data]])));
  fs.closeSync(fd);

  let acc = 0;
  for (let i = 0; i < functions; i += callEvery) acc = (evaluate(i, steps, acc ^ i) + acc) | 0;
  const expected = `bigmodule sum=${(acc >>> 0).toString(16).padStart(8, "0")}\n`;
  return { bytes: size, expected };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const out = args.find((a) => !a.startsWith("--"));
  if (!out) {
    console.error("usage: node bench/bigmodule.mjs OUT.wasm [--functions N] [--steps N] [--call-every N]");
    process.exit(2);
  }
  const opt = (name) => {
    const i = args.indexOf(name);
    return i === -1 ? undefined : Number(args[i + 1]);
  };
  const t0 = performance.now();
  const { bytes, expected } = generate(out, {
    functions: opt("--functions") ?? DEFAULTS.functions,
    steps: opt("--steps") ?? DEFAULTS.steps,
    callEvery: opt("--call-every") ?? DEFAULTS.callEvery,
  });
  console.log(`${out}: ${(bytes / 1048576).toFixed(1)} MiB in ${(performance.now() - t0).toFixed(0)} ms; prints ${JSON.stringify(expected)}`);
}
