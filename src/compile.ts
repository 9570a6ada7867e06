// Compiling the guest for the CLI. V8 compiles a module's functions lazily, on first call, but
// validates every function body up front: for a large module that is a large share of start-up
// (a 49.6 MiB module: about 60 ms of 135; `npm run bench:compile-cache`). A module that validated
// once is therefore recorded, by the SHA-256 of its bytes, in a cache directory; when the same bytes
// are run again, each function is validated when it is first compiled instead
// (--wasm-lazy-validation, for the rest of the process: the CLI runs one module). V8 never compiles a
// body it has not validated, so a wrong record can only move a CompileError from start-up to the
// first call of the bad function.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { crypto, v8 } from "./builtins.js";

/** Whether this process has switched V8 to lazy validation (it stays so). */
let lazyValidation = false;

/** Below this size, hashing costs about what validating saves. */
export const VALIDATION_CACHE_MIN_BYTES = 4 * 1024 * 1024;

/**
 * Where validated modules are recorded: $RUN_WASI_CACHE if set ("off" or "0": nowhere), else
 * $XDG_CACHE_HOME/run-wasi, else ~/.cache/run-wasi (%LOCALAPPDATA%\run-wasi on Windows).
 */
export function validationCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const chosen = env.RUN_WASI_CACHE;
  if (chosen !== undefined && chosen !== "") return chosen === "off" || chosen === "0" ? undefined : path.resolve(chosen);
  if (process.platform === "win32" && env.LOCALAPPDATA) return path.join(env.LOCALAPPDATA, "run-wasi");
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "run-wasi");
}

/**
 * Compiles `bytes`, validating them in full unless these very bytes validated before under this V8
 * and these flags. Throws what `new WebAssembly.Module` throws. The cache is best effort: if it
 * cannot be read or written, the module is compiled as usual.
 */
export function compileModule(bytes: Uint8Array<ArrayBuffer>, cacheDir: string | undefined): WebAssembly.Module {
  // Once validation is lazy, a module that compiles has not been shown valid: nothing is recorded.
  if (cacheDir === undefined || bytes.byteLength < VALIDATION_CACHE_MIN_BYTES || lazyValidation) return new WebAssembly.Module(bytes);
  const record = path.join(cacheDir, "validated", validationKey(bytes));
  if (fs.existsSync(record)) {
    // Left on: V8 reads the flag again when it compiles each function, and with it off by then, a
    // body that fails validation stops the process (a V8 CHECK) instead of throwing.
    v8().setFlagsFromString("--wasm-lazy-validation");
    lazyValidation = true;
    return new WebAssembly.Module(bytes);
  }
  const module = new WebAssembly.Module(bytes);
  try {
    fs.mkdirSync(path.dirname(record), { recursive: true });
    fs.writeFileSync(record, "");
  } catch {
    // Not recorded: the next run validates again.
  }
  return module;
}

/** The bytes, and what decides which of them are valid: V8's version and the flags Node runs with. */
function validationKey(bytes: Uint8Array<ArrayBuffer>): string {
  return crypto().createHash("sha256")
    .update(bytes)
    .update(`\0${process.versions.v8}\0${process.execArgv.join(" ")}\0${process.env.NODE_OPTIONS ?? ""}`)
    .digest("hex");
}
