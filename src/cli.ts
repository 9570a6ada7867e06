// The command line: `run-wasi [options] <module.wasm> [args...]`, flags spelled as `wasmtime run` does.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { compileModule, validationCacheDir } from "./compile.js";
import { ProcExit } from "./errors.js";
import { WASI, type PreopenOptions } from "./wasi.js";

const USAGE = `Usage: run-wasi [options] <module.wasm> [args...]

Runs a WASI (preview1 or snapshot-0) command module. Arguments after the module go to it.

Options:
  --dir HOST[::GUEST][:readonly]
                     Give the guest the host directory HOST, named GUEST (default: HOST as
                     written). ':readonly' forbids every change beneath it. Repeatable.
  --env NAME=VALUE   Set a variable in the guest's environment. Repeatable.
  --env NAME         Pass the host's NAME through, if it is set.
  --trace            Log every WASI call to stderr.
  --trace=json       The same, one JSON object per call (arguments, results, errno), for diffing.
  --                 End of options.
  -h, --help         Show this help.
  -V, --version      Show the version.

The guest sees no host variables and no directories but those given. A module of 4 MiB or more
that validated once is recorded by its SHA-256 in ~/.cache/run-wasi (RUN_WASI_CACHE=DIR to move
it, RUN_WASI_CACHE=off for none), so that the next run of the same bytes starts sooner.
Exit status: the guest's exit code; 134 (3 on Windows) if it traps; 1 if it cannot start.`;

/** wasmtime's exit status for a trap: SIGABRT's 128+6 on POSIX, abort()'s 3 on Windows. */
const TRAP_STATUS = process.platform === "win32" ? 3 : 134;

export class UsageError extends Error {}

export interface ParsedArgs {
  module: string;
  args: string[];
  env: Record<string, string>;
  preopens: Record<string, PreopenOptions>;
  trace: boolean | "json";
}

export type Parsed = ParsedArgs | { help: true } | { version: true };

function splitDir(spec: string): [guest: string, options: PreopenOptions] {
  let readonly = false;
  if (spec.endsWith(":readonly")) {
    readonly = true;
    spec = spec.slice(0, -":readonly".length);
  }
  const sep = spec.indexOf("::");
  const host = sep === -1 ? spec : spec.slice(0, sep);
  const guest = sep === -1 ? spec : spec.slice(sep + 2);
  if (host.length === 0) throw new UsageError(`--dir ${spec}: the host directory is empty`);
  if (guest.length === 0) throw new UsageError(`--dir ${spec}: the guest name is empty`);
  return [guest, { path: host, readonly }];
}

export function parseArgs(argv: readonly string[], hostEnv: NodeJS.ProcessEnv = process.env): Parsed {
  const env: Record<string, string> = {};
  const preopens: Record<string, PreopenOptions> = {};
  let trace: boolean | "json" = false;
  let i = 0;
  const value = (flag: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const next = argv[++i];
    if (next === undefined) throw new UsageError(`${flag} needs a value`);
    return next;
  };
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq !== -1 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq !== -1 ? arg.slice(eq + 1) : undefined;
    switch (flag) {
      case "-h":
      case "--help":
        return { help: true };
      case "-V":
      case "--version":
        return { version: true };
      case "--dir": {
        const [guest, options] = splitDir(value(flag, inline));
        preopens[guest] = options;
        break;
      }
      case "--env": {
        const spec = value(flag, inline);
        const at = spec.indexOf("=");
        if (at === 0) throw new UsageError(`--env ${spec}: the variable name is empty`);
        if (at === -1) {
          const inherited = hostEnv[spec];
          if (inherited !== undefined) env[spec] = inherited;
        } else {
          env[spec.slice(0, at)] = spec.slice(at + 1);
        }
        break;
      }
      case "--trace":
        if (inline !== undefined && inline !== "json") throw new UsageError(`--trace=${inline}: the only format is json`);
        trace = inline === "json" ? "json" : true;
        break;
      default:
        throw new UsageError(`unknown option ${flag} (see run-wasi --help)`);
    }
  }
  const module = argv[i];
  if (module === undefined) throw new UsageError("no module given (see run-wasi --help)");
  return { module, args: argv.slice(i + 1), env, preopens, trace };
}

function version(): string {
  const require = createRequire(import.meta.url);
  return (require("../package.json") as { version: string }).version;
}

function loadModule(file: string): WebAssembly.Module {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    // A view of the file's buffer, not a copy: a large module would otherwise be held twice.
    const buffer = fs.readFileSync(file);
    bytes = new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (code ?? String(error));
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
  try {
    return compileModule(bytes, validationCacheDir());
  } catch (error) {
    throw new UsageError(`${file} is not a valid WebAssembly module: ${(error as Error).message}`);
  }
}

function checkImports(file: string, module: WebAssembly.Module, provided: Record<string, Record<string, unknown>>): void {
  for (const imp of WebAssembly.Module.imports(module)) {
    if (provided[imp.module]?.[imp.name] === undefined) {
      throw new UsageError(`${file} imports ${imp.module}.${imp.name} (a ${imp.kind}), which no host provides`);
    }
  }
}

/** Runs the CLI; returns the process exit status. Writes errors as one line on stderr. */
export function main(argv: readonly string[]): number {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`run-wasi: ${(error as Error).message}\n`);
    return 2;
  }
  if ("help" in parsed) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if ("version" in parsed) {
    process.stdout.write(`run-wasi ${version()}\n`);
    return 0;
  }

  let wasi: WASI;
  let instance: WebAssembly.Instance;
  try {
    const module = loadModule(parsed.module);
    const exports = WebAssembly.Module.exports(module);
    if (!exports.some((e) => e.name === "_start" && e.kind === "function")) {
      throw new UsageError(`${parsed.module} exports no _start function: it is not a WASI command`);
    }
    wasi = new WASI({
      version: "preview1",
      args: [parsed.module, ...parsed.args],
      env: parsed.env,
      preopens: parsed.preopens,
      trace: parsed.trace,
      returnOnExit: true,
    });
    const imports = wasi.getImportObject();
    checkImports(parsed.module, module, imports);
    instance = new WebAssembly.Instance(module, imports);
  } catch (error) {
    // The module's start section runs during instantiation: it may trap or call proc_exit.
    if (error instanceof ProcExit) return error.code;
    const status = trapStatus(error);
    if (status !== undefined) return status;
    process.stderr.write(`run-wasi: ${(error as Error).message}\n`);
    return 1;
  }

  try {
    return wasi.start(instance);
  } catch (error) {
    const status = trapStatus(error);
    if (status !== undefined) return status;
    process.stderr.write(`run-wasi: ${(error as Error)?.message ?? String(error)}\n`);
    return 1;
  }
}

/** For a trap: writes the one-line message and returns the trap status; else undefined. */
function trapStatus(error: unknown): number | undefined {
  if (error instanceof WebAssembly.RuntimeError) {
    process.stderr.write(`run-wasi: wasm trap: ${error.message}\n`);
    return TRAP_STATUS;
  }
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    process.stderr.write(`run-wasi: wasm trap: call stack exhausted\n`);
    return TRAP_STATUS;
  }
  return undefined;
}
