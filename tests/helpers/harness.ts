// Shared test helpers: compile WAT, call imports directly against a bare memory, run modules, spawn the CLI.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";
import { WASI, type WASIOptions } from "../../src/index.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const cliPath = path.join(repoRoot, "bin/run-wasi.js");

const wabtPromise = wabtInit();

/** WAT source → wasm bytes. */
export async function watToWasm(source: string): Promise<Uint8Array> {
  const wabt = await wabtPromise;
  const mod = wabt.parseWat("test.wat", source, { multi_memory: true, threads: true, bulk_memory: true });
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

export async function wat(source: string): Promise<WebAssembly.Module> {
  return new WebAssembly.Module(await watToWasm(source));
}

/** A fresh empty temporary directory, removed when the process exits. */
export function tempDir(prefix = "run-wasi-test-"): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  process.on("exit", () => {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: Windows (and Wine) refuse to remove files still open.
    }
  });
  return dir;
}

/**
 * A WASI instance bound to a bare memory (no module), for calling imports directly:
 * `h.call("fd_write", 1, iovs, 1, out)`. Pointers are plain offsets into `h.memory`.
 */
export function direct(options: WASIOptions & { pages?: number; unstable?: boolean } = {}) {
  const memory = new WebAssembly.Memory({ initial: options.pages ?? 1 });
  const wasi = new WASI({ returnOnExit: true, ...options });
  wasi.initialize({ exports: { memory } });
  const moduleName = options.unstable ? "wasi_unstable" : "wasi_snapshot_preview1";
  const imports = wasi.getImportObject()[moduleName] as Record<string, (...args: unknown[]) => number>;
  const h = {
    wasi,
    memory,
    imports,
    call(name: string, ...args: (number | bigint)[]): number {
      const fn = imports[name];
      if (!fn) throw new Error(`no import ${name}`);
      return fn(...args);
    },
    view: () => new DataView(memory.buffer),
    bytes: () => new Uint8Array(memory.buffer),
    u32: (ptr: number) => new DataView(memory.buffer).getUint32(ptr, true),
    u64: (ptr: number) => new DataView(memory.buffer).getBigUint64(ptr, true),
    u8: (ptr: number) => new DataView(memory.buffer).getUint8(ptr),
    u16: (ptr: number) => new DataView(memory.buffer).getUint16(ptr, true),
    setU32: (ptr: number, v: number) => new DataView(memory.buffer).setUint32(ptr, v, true),
    setU64: (ptr: number, v: bigint) => new DataView(memory.buffer).setBigUint64(ptr, v, true),
    /** Writes UTF-8 (or raw bytes) at ptr; returns the byte length. */
    write(ptr: number, data: string | Uint8Array): number {
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      new Uint8Array(memory.buffer).set(bytes, ptr);
      return bytes.byteLength;
    },
    read: (ptr: number, len: number) => new Uint8Array(memory.buffer).slice(ptr, ptr + len),
    readString: (ptr: number, len: number) => new TextDecoder().decode(new Uint8Array(memory.buffer).slice(ptr, ptr + len)),
    /** Writes an iovec array at `at` for the given (ptr, len) pairs. */
    iovecs(at: number, ...pairs: [number, number][]): number {
      const view = new DataView(memory.buffer);
      pairs.forEach(([buf, len], i) => {
        view.setUint32(at + i * 8, buf, true);
        view.setUint32(at + i * 8 + 4, len, true);
      });
      return pairs.length;
    },
    /** Writes a path at ptr and returns [ptr, len] for passing on. */
    path(ptr: number, p: string | Uint8Array): [number, number] {
      return [ptr, h.write(ptr, p)];
    },
    get byteLength() {
      return memory.buffer.byteLength;
    },
  };
  return h;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Instantiates a WAT module with the given options and runs _start; stdout/stderr captured. */
export async function runWat(source: string, options: WASIOptions = {}): Promise<RunResult> {
  const module = await wat(source);
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const wasi = new WASI({
    stdout: (c) => out.push(c.slice()),
    stderr: (c) => err.push(c.slice()),
    ...options,
  });
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  const exitCode = wasi.start(instance);
  const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString("utf8");
  return { exitCode, stdout: text(out), stderr: text(err) };
}

/** Runs the CLI as a user would (node bin/run-wasi.js …). */
export function runCli(args: string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8", timeout: 60_000, ...options });
  return { status: result.status, signal: result.signal, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") };
}

/** Writes a WAT module to a temp .wasm file and returns its path. */
export async function watFile(source: string, dir = tempDir(), name = "module.wasm"): Promise<string> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, await watToWasm(source));
  return file;
}
