// run(): a guest run from start to end in a worker thread, for tests. Its output is collected,
// its files may live in memory, and a timeout stops it whatever it does: a guest that calls into
// the host is stopped at its next call (and releases what it holds itself); one that never calls
// again has its worker terminated. Host descriptors belong to the process, not to the thread that
// opened them, but Node records those a worker opens (trackUnmanagedFds) and closes the ones left
// when it exits: a terminated guest leaves none behind.
import { readFile } from "node:fs/promises";
import type { Worker } from "node:worker_threads";
import { workerThreads } from "./builtins.js";
import type { MemoryTree } from "./fs/memory.js";
import { STOP, type PlainWASIOptions, type Tree, type WorkerInput, type WorkerMessage } from "./run-protocol.js";
import type { WASIOptions } from "./wasi.js";

export interface RunOptions extends PlainWASIOptions {
  /** The guest's standard input, whole (default: empty). */
  stdin?: string | Uint8Array;
  /**
   * A file system in memory, by absolute path: `{ "/data/in.txt": "hello", "/out/": {},
   * "/link": { symlink: "data/in.txt" } }`. It is then what preopens name (default `{ "/": "/" }`);
   * the host's file system is not reachable.
   */
  files?: MemoryTree;
  /** Milliseconds the guest may run, from its instantiation, before it is stopped (default: no limit). */
  timeout?: number;
  /** Virtual clock and seeded random: `true` (seed 0) or `{ seed }`. */
  deterministic?: boolean | { readonly seed?: number };
  /** Trace every call: `true` or "text" (text lines), "json", to stderr; or `{ format, output }`. */
  trace?: boolean | "text" | "json" | ((line: string) => void) | { readonly format?: "text" | "json"; readonly output?: (line: string) => void };
}

export interface RunResult {
  /** The guest's exit code (a trap gives 134 on POSIX, 3 on Windows, as wasmtime); null if it timed out. */
  exitCode: number | null;
  /** Standard output and error as UTF-8 text, and as bytes. */
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
  stderrBytes: Buffer;
  /** The guest was stopped at the timeout. */
  timedOut: boolean;
  /** Milliseconds from the guest's instantiation to the end of its thread (the worker's start-up excluded). */
  durationMs: number;
  /** The trap's message, if the guest trapped. */
  trap?: string;
  /**
   * With `files`: the tree as the guest left it, in the same form (files as Buffers, directories
   * as "path/": {}). Undefined without `files`, and after a timeout that had to terminate the guest.
   */
  files?: Record<string, Buffer | { symlink: string } | Record<string, never>>;
}

/** After the timeout, how long a guest may take to reach its next call and stop by itself. */
const STOP_GRACE_MS = 100;

/** Options run() takes from WASIOptions as they are. */
const PASSED = ["version", "args", "env", "preopens", "windowsPaths", "maxOpenFiles"] as const satisfies readonly (keyof PlainWASIOptions)[];
/** WASIOptions run() decides itself. */
const REFUSED = ["stdout", "stderr", "fs", "returnOnExit"] as const satisfies readonly (keyof WASIOptions)[];

/**
 * Runs the WASI command `wasm` (a path, its bytes, or a compiled module) in a worker thread and
 * resolves to its exit code, output and files. A trap resolves too (`trap`); only misuse (a bad
 * option, a module that is not a WASI command or cannot be linked) rejects.
 */
export async function run(wasm: string | URL | Uint8Array | ArrayBuffer | WebAssembly.Module, options: RunOptions = {}): Promise<RunResult> {
  if (options === null || typeof options !== "object") throw new TypeError("run() options must be an object");
  for (const name of REFUSED) {
    if (name in options) throw new TypeError(`run() decides ${name} itself (output is collected, files are the host's or \`files\`)`);
  }
  const timeout = options.timeout;
  if (timeout !== undefined && (typeof timeout !== "number" || !(timeout > 0) || !Number.isFinite(timeout))) {
    throw new TypeError(`timeout must be a positive number of milliseconds, not ${String(timeout)}`);
  }
  const stdin = options.stdin ?? "";
  if (typeof stdin !== "string" && !(stdin instanceof Uint8Array)) throw new TypeError("run()'s stdin must be a string or a Uint8Array");
  const files = options.files;
  if (files !== undefined && (files === null || typeof files !== "object")) throw new TypeError("files must be an object of path → contents");
  const trace = traceOf(options.trace);
  const module = await compile(wasm);

  const wasi: PlainWASIOptions = { stdin };
  for (const name of PASSED) if (options[name] !== undefined) (wasi as Record<string, unknown>)[name] = options[name];
  if (files !== undefined) wasi.preopens ??= { "/": "/" };
  const control = new SharedArrayBuffer(4);
  const input: WorkerInput = {
    module,
    wasi,
    files,
    deterministic: deterministicSeed(options.deterministic),
    trace: trace?.format,
    control,
  };
  return supervise(startWorker(input), control, timeout, trace?.output);
}

function supervise(worker: Worker, control: SharedArrayBuffer, timeout: number | undefined, traceOutput: ((line: string) => void) | undefined): Promise<RunResult> {
  const stdout: Uint8Array[] = [];
  const stderr: Uint8Array[] = [];
  let ended: WorkerMessage | undefined;
  let timedOut = false;
  let startedAt: number | undefined;
  const timers: NodeJS.Timeout[] = [];
  return new Promise<RunResult>((resolve, reject) => {
    worker.on("message", (message: WorkerMessage) => {
      switch (message.type) {
        case "stdout":
          stdout.push(message.chunk);
          break;
        case "stderr":
          stderr.push(message.chunk);
          break;
        case "trace":
          traceOutput?.(message.line);
          break;
        case "started":
          startedAt = performance.now();
          if (timeout !== undefined) startTimer(timeout);
          break;
        default:
          ended = message;
      }
    });
    worker.on("error", reject);
    worker.on("exit", (code) => {
      for (const timer of timers) clearTimeout(timer);
      if (ended?.type === "misuse") {
        const error = ended.name === "TypeError" ? new TypeError(ended.message) : ended.name === "RangeError" ? new RangeError(ended.message) : new Error(ended.message);
        reject(error);
        return;
      }
      if (ended === undefined && !timedOut) {
        reject(new Error(`the guest's worker thread stopped unexpectedly (exit code ${code})`));
        return;
      }
      const out = Buffer.concat(stdout);
      const err = Buffer.concat(stderr);
      const result: RunResult = {
        exitCode: ended?.type === "done" ? ended.exitCode : null,
        stdout: out.toString("utf8"),
        stderr: err.toString("utf8"),
        stdoutBytes: out,
        stderrBytes: err,
        timedOut: ended === undefined || ended.type === "stopped",
        durationMs: startedAt === undefined ? 0 : performance.now() - startedAt,
      };
      if (ended?.type === "done" && ended.trap !== undefined) result.trap = ended.trap;
      const tree = ended?.type === "done" || ended?.type === "stopped" ? ended.files : undefined;
      if (tree !== undefined) result.files = asBuffers(tree);
      resolve(result);
    });
    function startTimer(ms: number): void {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          Atomics.store(new Int32Array(control), STOP, 1);
          // A guest in a call stops at the next one; one that never calls again is terminated.
          timers.push(setTimeout(() => void worker.terminate(), Math.min(STOP_GRACE_MS, ms / 2)));
        }, ms),
      );
    }
  });
}

async function compile(wasm: string | URL | Uint8Array | ArrayBuffer | WebAssembly.Module): Promise<WebAssembly.Module> {
  if (wasm instanceof WebAssembly.Module) return wasm;
  if (typeof wasm === "string" || wasm instanceof URL) return WebAssembly.compile(await readFile(wasm));
  if (wasm instanceof Uint8Array || wasm instanceof ArrayBuffer) return WebAssembly.compile(new Uint8Array(wasm));
  throw new TypeError("run() takes a path, the module's bytes or a WebAssembly.Module");
}

function deterministicSeed(option: RunOptions["deterministic"]): number | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return 0;
  if (option === null || typeof option !== "object") throw new TypeError("deterministic must be a boolean or { seed }");
  const seed = option.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new TypeError(`deterministic.seed must be a safe integer, not ${String(seed)}`);
  return seed;
}

/** The trace's format, and where its lines go here (stderr by default). */
function traceOf(option: RunOptions["trace"]): { format: "text" | "json"; output: (line: string) => void } | undefined {
  const toStderr = (line: string): void => void process.stderr.write(`${line}\n`);
  if (option === undefined || option === false) return undefined;
  if (option === true || option === "text" || option === "json") return { format: option === "json" ? "json" : "text", output: toStderr };
  if (typeof option === "function") return { format: "text", output: option };
  if (option === null || typeof option !== "object") throw new TypeError('trace must be a boolean, a function, "text", "json" or { format, output }');
  const { format = "text", output = toStderr } = option;
  if (format !== "text" && format !== "json") throw new TypeError('trace.format must be "text" or "json"');
  if (typeof output !== "function") throw new TypeError("trace.output must be a function");
  return { format, output };
}

/** Bytes come back from the worker as Uint8Arrays: Buffers again, for `.toString()`. */
function asBuffers(tree: Tree): NonNullable<RunResult["files"]> {
  const out: NonNullable<RunResult["files"]> = {};
  for (const [path, entry] of Object.entries(tree)) {
    out[path] = entry instanceof Uint8Array ? Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength) : entry;
  }
  return out;
}

/** The worker, from the module beside this one. */
function startWorker(input: WorkerInput): Worker {
  // None of the process's loaders (a test runner's, say): the guest's thread needs none, and they cost its start-up.
  // trackUnmanagedFds (Node's default, stated): the descriptors the worker leaves open are closed when it ends.
  const options = { workerData: input, execArgv: [], trackUnmanagedFds: true };
  const { Worker } = workerThreads();
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./run-worker.js", import.meta.url), options);
  // Run from source (the tests, through tsx): a worker does not inherit tsx's hooks, so it registers them.
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./run-worker.ts", import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}
