// The CLI's validation cache (src/compile.ts): what is recorded, where, and that a record can never
// let V8 run a function body it has not validated.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import t from "tap";
import { compileModule, VALIDATION_CACHE_MIN_BYTES, validationCacheDir } from "../../src/compile.js";
import { watToWasm } from "../helpers/harness.js";

/**
 * A module exporting `good` (returns 7), `bad` and a memory, padded past the cache's threshold with
 * a data segment. With `invalid`, bad's body leaves two values where its type says one: a
 * validation error (wabt writes the binary without checking it).
 */
async function bigModule(invalid: boolean, badName = "bad"): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = await watToWasm(`(module
    (memory (export "memory") ${VALIDATION_CACHE_MIN_BYTES / 65536})
    (data (i32.const 0) "${"p".repeat(VALIDATION_CACHE_MIN_BYTES)}")
    (func (export "good") (result i32) i32.const 7)
    (func (export "${badName}") (result i32) ${invalid ? "i32.const 1 i32.const 2" : "i32.const 2"}))`);
  return bytes as Uint8Array<ArrayBuffer>;
}

const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), "run-wasi-compile-"));
const records = (dir: string) => (fs.existsSync(path.join(dir, "validated")) ? fs.readdirSync(path.join(dir, "validated")) : []);
const run = (module: WebAssembly.Module, name: string) => (new WebAssembly.Instance(module).exports[name] as () => number)();

t.test("where the cache is", async (t) => {
  t.equal(validationCacheDir({ RUN_WASI_CACHE: "off" }), undefined, "off");
  t.equal(validationCacheDir({ RUN_WASI_CACHE: "0" }), undefined, "0");
  t.equal(validationCacheDir({ RUN_WASI_CACHE: "/some/where" }), path.resolve("/some/where"));
  if (process.platform !== "win32") {
    t.equal(validationCacheDir({ XDG_CACHE_HOME: "/xdg" }), path.join("/xdg", "run-wasi"));
    t.equal(validationCacheDir({}), path.join(os.homedir(), ".cache", "run-wasi"));
  }
});

// Before any record is used: after that, V8 validates lazily for the rest of this process.
t.test("an invalid module is refused at compile time, and never recorded", async (t) => {
  const dir = scratch();
  const invalid = await bigModule(true);
  t.throws(() => compileModule(invalid, dir), WebAssembly.CompileError);
  t.same(records(dir), [], "nothing recorded");
});

t.test("a large valid module is recorded once, and runs the same from the record", async (t) => {
  const dir = scratch();
  const bytes = await bigModule(false);
  t.equal(run(compileModule(bytes, dir), "good"), 7);
  t.equal(records(dir).length, 1, "recorded after it validated");
  t.equal(run(compileModule(bytes, dir), "good"), 7, "compiled again from the record");
  t.equal(run(compileModule(bytes, dir), "bad"), 2);
  t.equal(records(dir).length, 1, "still one record");
  // Validation is lazy in this process from now on: what compiles is no longer shown valid.
  const other = scratch();
  const invalid = await bigModule(true);
  t.doesNotThrow(() => compileModule(invalid, other), "compiles, its bad body not yet looked at");
  t.same(records(other), [], "and is not recorded");
});

t.test("a small module or no cache directory: nothing is recorded", async (t) => {
  const dir = scratch();
  const small = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  compileModule(small, dir);
  t.same(records(dir), [], "below the threshold");
  t.equal(run(compileModule(await bigModule(false), undefined), "good"), 7, "no cache: compiled as usual");
});

t.test("a wrong record only moves the error to the bad function's first call (the CLI, a fresh process)", async (t) => {
  // In a fresh process, so that the record is what switches validation to lazy. `_start` is the
  // invalid function; a stale or forged record for these bytes is planted in the cache.
  const invalid = await bigModule(true, "_start");
  const dir = scratch();
  const file = path.join(dir, "invalid.wasm");
  fs.writeFileSync(file, invalid);
  const cache = path.join(dir, "cache");
  fs.mkdirSync(path.join(cache, "validated"), { recursive: true });
  const env = { ...process.env, RUN_WASI_CACHE: cache };
  delete env.NODE_OPTIONS;
  const key = createHash("sha256").update(invalid).update(`\0${process.versions.v8}\0\0`).digest("hex");
  const bin = path.join(import.meta.dirname, "../../bin/run-wasi.js");
  const without = spawnSync(process.execPath, [bin, file], { env: { ...env, RUN_WASI_CACHE: "off" }, encoding: "utf8" });
  t.equal(without.status, 1, "without a record: refused before it starts");
  t.match(without.stderr, /not a valid WebAssembly module/);
  fs.writeFileSync(path.join(cache, "validated", key), "");
  const withRecord = spawnSync(process.execPath, [bin, file], { env, encoding: "utf8" });
  t.equal(withRecord.signal, null, "no crash");
  t.not(withRecord.status, 0, "it fails");
  t.match(withRecord.stderr, /run-wasi: .*(CompileError|invalid|type|stack)/i, "with V8's validation error");
});

t.test("a cache that cannot be written changes nothing", async (t) => {
  const file = path.join(scratch(), "not-a-directory");
  fs.writeFileSync(file, "");
  t.equal(run(compileModule(await bigModule(false), file), "good"), 7);
});
