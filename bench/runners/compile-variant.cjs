// One measurement for bench/compile-cache.mjs: node [flags] compile-variant.cjs VARIANT MODULE.wasm [CACHE]
// Reads, compiles, instantiates and starts MODULE (a WASI command that only calls fd_write) and
// prints {read, compile, instantiate, start, total} in ms as JSON on fd 3. Variants:
//   default          new WebAssembly.Module(bytes): what run-wasi's CLI and node:wasi both do
//   async            await WebAssembly.compile(bytes)
//   lazy-validation  v8.setFlagsFromString("--wasm-lazy-validation") first: function bodies are
//                    validated when first called, not at compile time
//   marker           the validation cache, hit path: sha256 of the bytes, look for CACHE/<key>,
//                    then compile with lazy validation (a module already fully validated once)
//   serialize        compile, start, then %SerializeWasmModule into CACHE (needs
//                    --allow-natives-syntax; V8 only serializes TurboFan code, hence --no-liftoff)
//   deserialize      %DeserializeWasmModule(CACHE, bytes) instead of compiling
"use strict";
const fs = require("node:fs");
const v8 = require("node:v8");
const crypto = require("node:crypto");

const [variant, file, cache] = process.argv.slice(2);
const t0 = performance.now();
const bytes = fs.readFileSync(file);
const t1 = performance.now();
let wasmModule;
let extra = {};
switch (variant) {
  case "default":
  case "serialize":
    wasmModule = new WebAssembly.Module(bytes);
    break;
  case "async":
    wasmModule = undefined; // compiled below, asynchronously
    break;
  case "lazy-validation":
    v8.setFlagsFromString("--wasm-lazy-validation");
    wasmModule = new WebAssembly.Module(bytes);
    v8.setFlagsFromString("--no-wasm-lazy-validation");
    break;
  case "marker": {
    const key = crypto.createHash("sha256").update(bytes).update(`\0${process.versions.v8}\0${process.execArgv.join(" ")}`).digest("hex");
    const th = performance.now();
    extra.hashMs = th - t1;
    const hit = fs.existsSync(`${cache}/${key}`);
    if (hit) v8.setFlagsFromString("--wasm-lazy-validation");
    wasmModule = new WebAssembly.Module(bytes);
    if (hit) v8.setFlagsFromString("--no-wasm-lazy-validation");
    else {
      fs.mkdirSync(cache, { recursive: true });
      fs.writeFileSync(`${cache}/${key}`, "");
    }
    extra.hit = hit;
    break;
  }
  case "deserialize": {
    const ser = fs.readFileSync(cache);
    const deserialize = new Function("s", "b", "return %DeserializeWasmModule(s, b)");
    wasmModule = deserialize(ser.buffer.slice(ser.byteOffset, ser.byteOffset + ser.byteLength), new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (!wasmModule) {
      fs.writeSync(3, `${JSON.stringify({ error: "deserialization refused the cache" })}\n`);
      process.exit(1);
    }
    break;
  }
  default:
    throw new Error(`unknown variant ${variant}`);
}

(async () => {
  if (variant === "async") wasmModule = await WebAssembly.compile(bytes);
  const t2 = performance.now();
  let out = "";
  let memory;
  const instance = new WebAssembly.Instance(wasmModule, {
    wasi_snapshot_preview1: {
      fd_write(fd, iovs, n, written) {
        const view = new DataView(memory.buffer);
        out += Buffer.from(memory.buffer, view.getUint32(iovs, true), view.getUint32(iovs + 4, true)).toString("latin1");
        return 0;
      },
    },
  });
  memory = instance.exports.memory;
  const t3 = performance.now();
  instance.exports._start();
  const t4 = performance.now();
  if (variant === "serialize") {
    const serialize = new Function("m", "return %SerializeWasmModule(m)");
    const s = serialize(wasmModule);
    fs.writeFileSync(cache, new Uint8Array(s));
    extra.serializedBytes = s.byteLength;
  }
  const r = { read: t1 - t0, compile: t2 - t1, instantiate: t3 - t2, start: t4 - t3, total: t4 - t0, out, ...extra };
  fs.writeSync(3, `${JSON.stringify(r)}\n`);
})();
