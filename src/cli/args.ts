// The command line, read as `wasmtime run` reads it: `run-wasi [run] [options] <module.wasm> [args...]`.
// Options stop at the module; everything after it is the guest's.
import * as path from "node:path";
import type { PreopenOptions } from "../wasi.js";
import { applyGroupOption, GROUPS, groupHelp, OptionError, type GroupLetter, type GroupSettings } from "./wasmtime-options.js";

export const USAGE = `Usage: run-wasi [run] [options] <module.wasm> [args...]

Runs a WASI (preview1 or snapshot-0) module, as \`wasmtime run\` does. Arguments after the module go
to it (to the function, with --invoke).

Options:
  --dir HOST[::GUEST][:readonly]
                     Give the guest the host directory HOST, named GUEST (default: HOST as
                     written). ':readonly' forbids every change beneath it. Repeatable.
  --env NAME=VALUE   Set a variable in the guest's environment. Repeatable.
  --env NAME         Pass the host's NAME through, if it is set.
  --argv0 NAME       The guest's argv[0] (default: the module's file name).
  --invoke NAME      Call the exported function NAME (after _initialize, if exported) with the
                     arguments after the module, and print its results, one per line.
  --trace            Log every WASI call to stderr.
  --trace=json       The same, one JSON object per call (arguments, results, errno), for diffing.
  -S KEY[=VAL,...]   wasmtime's WASI options: inherit-env, tcplisten=HOST:PORT (repeatable),
                     inherit-stdin/-stdout/-stderr=n, preview0=n. \`-S help\` lists them all.
  -W, -O, -C, -D, -R KEY[=VAL,...]
                     wasmtime's other option groups: -D max-backtrace=N (0: no backtrace on a
                     trap), -W unknown-imports-trap, -C cache=n; engine tuning is accepted and
                     has no effect; what run-wasi cannot do is refused. \`-W help\` etc. list them.
  --                 End of options.
  -h, --help         Show this help.
  -V, --version      Show the version.

The guest sees no host variables and no directories but those given. A module of 4 MiB or more
that validated once is recorded by its SHA-256 in ~/.cache/run-wasi (RUN_WASI_CACHE=DIR to move
it, RUN_WASI_CACHE=off or -C cache=n for none), so that the next run of the same bytes starts sooner.
Exit status: the guest's exit code; 134 (3 on Windows) if it traps; 1 if it cannot start.`;

/** wasmtime's default for -D max-backtrace. */
export const DEFAULT_MAX_BACKTRACE = 20;

export class UsageError extends Error {}

export interface RunOptions {
  module: string;
  /** The guest's argv: argv[0], then the arguments after the module. */
  argv: string[];
  env: Record<string, string>;
  preopens: Record<string, PreopenOptions>;
  trace: boolean | "json";
  invoke: string | undefined;
  tcpListen: string[];
  maxBacktrace: number;
  validationCache: boolean;
  unknownImportsTrap: boolean;
  inheritStdin: boolean;
  inheritStdout: boolean;
  inheritStderr: boolean;
  preview0: boolean;
}

export type Parsed = { run: RunOptions } | { help: string } | { version: true };

/** wasmtime's other subcommands: named, so that they are not taken for a module file. */
const OTHER_SUBCOMMANDS = new Set(["compile", "config", "explore", "objdump", "serve", "settings", "wast", "hello"]);

/** Old `wasmtime` flags (before 14), and how they are spelled now. */
const RENAMED: Readonly<Record<string, string>> = {
  "--mapdir": "--dir HOST::GUEST",
  "--tcplisten": "-S tcplisten=HOST:PORT",
  "--listenfd": "-S listenfd",
  "--wasi-modules": "-S KEY",
  "--wasm-features": "-W KEY",
  "--fuel": "-W fuel=N",
  "--max-wasm-stack": "-W max-wasm-stack=N",
  "--wasm-timeout": "-W timeout=N",
  "--disable-cache": "-C cache=n",
};

/** Flags of wasmtime's that ask for a tool run-wasi lacks. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  "--profile": "run-wasi has no profiler (use node --cpu-prof)",
  "--preload": "run-wasi links one module",
  "-g": "run-wasi has no gdbstub",
  "--gdbstub": "run-wasi has no gdbstub",
};

const LONG_GROUPS = new Map(Object.entries(GROUPS).map(([letter, group]) => [`--${group.long}`, letter as GroupLetter]));

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

/** One option as written: `--name=value`, `--name`, `-X value`, `-Xvalue`, `-X=value`. */
function splitOption(arg: string): { flag: string; inline: string | undefined } {
  if (arg.startsWith("--")) {
    const eq = arg.indexOf("=");
    return eq === -1 ? { flag: arg, inline: undefined } : { flag: arg.slice(0, eq), inline: arg.slice(eq + 1) };
  }
  if (arg.length === 2) return { flag: arg, inline: undefined };
  const rest = arg.slice(2);
  return { flag: arg.slice(0, 2), inline: rest.startsWith("=") ? rest.slice(1) : rest };
}

export function parseArgs(argv: readonly string[], hostEnv: NodeJS.ProcessEnv = process.env): Parsed {
  let i = 0;
  if (argv[0] === "run") i = 1;
  else if (argv[0] === "help") return { help: USAGE };
  else if (argv[0] !== undefined && OTHER_SUBCOMMANDS.has(argv[0])) {
    throw new UsageError(`run-wasi runs modules only: wasmtime's "${argv[0]}" subcommand has no counterpart here`);
  }

  const envSpecs: string[] = [];
  const preopens: Record<string, PreopenOptions> = {};
  const settings: GroupSettings = { tcpListen: [] };
  let trace: boolean | "json" = false;
  let invoke: string | undefined;
  let argv0: string | undefined;

  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    const { flag, inline } = splitOption(arg);
    /** The option's value: inline, or the next argument; never empty. */
    const value = (): string => {
      const given = inline ?? argv[++i];
      if (given === undefined || given === "") throw new UsageError(`${flag} needs a value`);
      return given;
    };
    const noValue = (): void => {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value (got ${JSON.stringify(arg)})`);
    };
    const letter = flag.length === 2 && flag[1]! in GROUPS ? (flag[1] as GroupLetter) : LONG_GROUPS.get(flag);
    if (letter !== undefined) {
      const text = value();
      if (text === "help" || text === "help-long") return { help: groupHelp(letter) };
      try {
        applyGroupOption(letter, text, settings);
      } catch (error) {
        if (error instanceof OptionError) throw new UsageError(error.message);
        throw error;
      }
      continue;
    }
    switch (flag) {
      case "-h":
      case "--help":
        noValue();
        return { help: USAGE };
      case "-V":
      case "--version":
        noValue();
        return { version: true };
      case "--dir": {
        const [guest, options] = splitDir(value());
        preopens[guest] = options;
        break;
      }
      case "--env": {
        const spec = value();
        if (spec.startsWith("=")) throw new UsageError(`--env ${spec}: the variable name is empty`);
        envSpecs.push(spec);
        break;
      }
      case "--trace":
        // --trace (text lines) or --trace=json (one JSON object per call); nothing else.
        if (inline !== undefined && inline !== "json") throw new UsageError(`--trace takes no value but json (--trace=json), not ${JSON.stringify(inline)}`);
        trace = inline === "json" ? "json" : true;
        break;
      case "--invoke":
        invoke = value();
        break;
      case "--argv0":
        // An empty argv[0] is a value like any other.
        argv0 = inline ?? argv[++i];
        if (argv0 === undefined) throw new UsageError("--argv0 needs a value");
        break;
      case "--allow-precompiled":
        // wasmtime's permission to load .cwasm files; run-wasi loads none, so it grants nothing.
        noValue();
        break;
      default: {
        const renamed = RENAMED[flag];
        if (renamed !== undefined) throw new UsageError(`unknown option ${flag} (wasmtime spells it ${renamed} since version 14)`);
        const why = UNSUPPORTED[flag];
        if (why !== undefined) throw new UsageError(`${flag} is not supported: ${why}`);
        throw new UsageError(`unknown option ${flag} (see run-wasi --help)`);
      }
    }
  }
  const module = argv[i];
  if (module === undefined) throw new UsageError("no module given (see run-wasi --help)");
  return {
    run: {
      module,
      // As wasmtime: the file name only, so that the host's directory layout does not reach the guest.
      argv: [argv0 ?? path.basename(module), ...argv.slice(i + 1)],
      env: guestEnv(envSpecs, settings.inheritEnv === true, hostEnv),
      preopens,
      trace,
      invoke,
      tcpListen: settings.tcpListen,
      maxBacktrace: settings.maxBacktrace ?? DEFAULT_MAX_BACKTRACE,
      validationCache: settings.validationCache ?? true,
      unknownImportsTrap: settings.unknownImportsTrap ?? false,
      inheritStdin: settings.inheritStdin ?? true,
      inheritStdout: settings.inheritStdout ?? true,
      inheritStderr: settings.inheritStderr ?? true,
      preview0: settings.preview0 ?? true,
    },
  };
}

/** As wasmtime: -S inherit-env first (wherever it was written), then each --env in order. */
function guestEnv(specs: readonly string[], inheritAll: boolean, hostEnv: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  if (inheritAll) {
    for (const [name, value] of Object.entries(hostEnv)) if (value !== undefined) env[name] = value;
  }
  for (const spec of specs) {
    const at = spec.indexOf("=");
    if (at === -1) {
      const inherited = hostEnv[spec];
      if (inherited !== undefined) env[spec] = inherited;
    } else {
      env[spec.slice(0, at)] = spec.slice(at + 1);
    }
  }
  return env;
}
