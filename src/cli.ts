// The command line: `run-wasi [run] [options] <module.wasm> [args...]`, read as `wasmtime run` reads it.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { parseArgs, UsageError, type Parsed, type RunOptions } from "./cli/args.js";
import { formatResults, invokeArguments, InvokeError } from "./cli/invoke.js";
import { notACoreModule, readModuleInfo, type ModuleInfo } from "./cli/module-info.js";
import { formatBacktrace, trapMessage, wasmFrames } from "./cli/trap.js";
import { compileModule, validationCacheDir } from "./compile.js";
import { ProcExit } from "./errors.js";
import { writeHostSync } from "./host-write.js";
import { WASI, type WASIOptions } from "./wasi.js";

export { parseArgs, UsageError } from "./cli/args.js";

/** wasmtime's exit status for a trap: SIGABRT's 128+6 on POSIX, abort()'s 3 on Windows. */
const TRAP_STATUS = process.platform === "win32" ? 3 : 134;

/** V8 frames beyond the wasm ones a trap's stack may hold (the CLI's own, an import's). */
const HOST_FRAMES = 10;

/** The option the WASI API takes for preopened TCP listeners (-S tcplisten). */
type CliWasiOptions = WASIOptions & { tcpListen?: readonly string[] };

function version(): string {
  const requireHere = createRequire(import.meta.url);
  return (requireHere("../package.json") as { version: string }).version;
}

/** A line of the CLI's own on stderr (never throws: stderr may be a closed pipe). */
function report(message: string): void {
  writeHostSync(2, `run-wasi: ${message}\n`);
}

function readModuleBytes(file: string): Uint8Array<ArrayBuffer> {
  try {
    // A view of the file's buffer, not a copy: a large module would otherwise be held twice.
    const buffer = fs.readFileSync(file);
    return new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (code ?? String(error));
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
}

function loadModule(file: string, bytes: Uint8Array<ArrayBuffer>, cache: boolean): WebAssembly.Module {
  const what = notACoreModule(file, bytes);
  if (what !== undefined) throw new UsageError(what);
  try {
    return compileModule(bytes, cache ? validationCacheDir() : undefined);
  } catch (error) {
    throw new UsageError(`${file} is not a valid WebAssembly module: ${(error as Error).message}`);
  }
}

/** The imports, checked before instantiation so that a missing one is named. */
function linkImports(file: string, module: WebAssembly.Module, wasi: WASI, options: RunOptions): WebAssembly.Imports {
  const provided = wasi.getImportObject() as Record<string, Record<string, unknown>>;
  if (!options.preview0) delete provided.wasi_unstable;
  const imports: Record<string, Record<string, unknown>> = { ...provided };
  for (const imp of WebAssembly.Module.imports(module)) {
    if (provided[imp.module]?.[imp.name] !== undefined) continue;
    if (options.unknownImportsTrap && imp.kind === "function") {
      // As wasmtime's -W unknown-imports-trap: the module links, and calling the import traps.
      imports[imp.module] = { ...imports[imp.module], [imp.name]: () => {
        throw new WebAssembly.RuntimeError(`unknown import: \`${imp.module}::${imp.name}\` has not been defined`);
      } };
      continue;
    }
    throw new UsageError(`${file} imports ${imp.module}.${imp.name} (a ${imp.kind}), which no host provides`);
  }
  return imports as WebAssembly.Imports;
}

function wasiOptions(options: RunOptions): CliWasiOptions {
  const discard = () => {};
  return {
    version: "preview1",
    args: options.argv,
    env: options.env,
    preopens: options.preopens,
    trace: options.trace,
    returnOnExit: true,
    ...(options.inheritStdin ? {} : { stdin: "" }),
    ...(options.inheritStdout ? {} : { stdout: discard }),
    ...(options.inheritStderr ? {} : { stderr: discard }),
    ...(options.tcpListen.length > 0 ? { tcpListen: options.tcpListen } : {}),
  };
}

/** Runs the CLI; returns the process exit status. Writes errors as one line on stderr. */
export function main(argv: readonly string[]): number {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    report((error as Error).message);
    return 2;
  }
  if ("help" in parsed) {
    writeHostSync(1, `${parsed.help}\n`);
    return 0;
  }
  if ("version" in parsed) {
    writeHostSync(1, `run-wasi ${version()}\n`);
    return 0;
  }
  const options = parsed.run;
  // V8 records this many frames when the trap happens; wasmtime shows up to -D max-backtrace.
  if (options.maxBacktrace > 0) Error.stackTraceLimit = Math.max(Error.stackTraceLimit, options.maxBacktrace + HOST_FRAMES);

  let bytes: Uint8Array<ArrayBuffer> | undefined;
  let info: ModuleInfo | undefined;
  const moduleInfo = (): ModuleInfo => (info ??= readModuleInfo(bytes ?? new Uint8Array()));
  try {
    bytes = readModuleBytes(options.module);
    const module = loadModule(options.module, bytes, options.validationCache);
    const exports = WebAssembly.Module.exports(module);
    const hasFunction = (name: string) => exports.some((e) => e.name === name && e.kind === "function");
    // As wasmtime: the named function, else the command's "" or _start.
    const entry = options.invoke ?? (hasFunction("_start") ? undefined : hasFunction("") ? "" : undefined);
    if (entry === undefined && !hasFunction("_start")) {
      throw new UsageError(`${options.module} exports no _start function: it is not a WASI command (call one of its functions with --invoke NAME)`);
    }
    if (entry !== undefined && !hasFunction(entry)) throw new UsageError(`${options.module} exports no function named ${JSON.stringify(entry)}`);
    const wasi = new WASI(wasiOptions(options));
    const instance = new WebAssembly.Instance(module, linkImports(options.module, module, wasi, options));
    if (entry === undefined) return wasi.start(instance);
    return invoke(wasi, instance, entry, moduleInfo(), options);
  } catch (error) {
    // The module's start section runs during instantiation: it may trap or call proc_exit.
    if (error instanceof ProcExit) return error.code;
    const trap = trapMessage(error);
    if (trap !== undefined) {
      report(`wasm trap: ${trap}`);
      writeHostSync(2, formatBacktrace(wasmFrames(error), moduleInfo(), options.maxBacktrace));
      return TRAP_STATUS;
    }
    report(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

/** --invoke: _initialize if exported, then the function; prints its results. */
function invoke(wasi: WASI, instance: WebAssembly.Instance, name: string, info: ModuleInfo, options: RunOptions): number {
  const type = info.exportedFunctions.get(name);
  if (type === undefined) throw new InvokeError(`the type of \`${name}\` could not be read`);
  const values = invokeArguments(name, type, options.argv.slice(1));
  const { memory, _initialize } = instance.exports;
  // Bind the memory for WASI calls, and run _initialize, without start()'s and initialize()'s
  // checks of what a command or a reactor exports: wasmtime invokes a function of either.
  if (memory instanceof WebAssembly.Memory) {
    wasi.initialize({ exports: { memory, ...(typeof _initialize === "function" ? { _initialize } : {}) } });
    if (wasi.exitCode !== undefined) return wasi.exitCode;
  } else if (typeof _initialize === "function") {
    (_initialize as () => void)();
  }
  const returned = (instance.exports[name] as (...args: unknown[]) => unknown)(...values);
  for (const line of formatResults(type, returned)) writeHostSync(1, `${line}\n`);
  return 0;
}
