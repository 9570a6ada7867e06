// The WASI class: options, the import object, start/initialize, exit handling. A drop-in for
// node:wasi's class, with more kinds of stdio, read-only preopens and tracing.
import * as fs from "node:fs";
import * as path from "node:path";
import { Errno, Rights } from "./abi/constants.js";
import { importNames, signatures, type ImportName, type ParamType } from "./abi/signatures.js";
import { errnoOf, ProcExit, WasiError } from "./errors.js";
import { DEFAULT_MAX_OPEN_FILES, FdTable } from "./fds.js";
import type { FsBackend } from "./fs/backend.js";
import { clockAndRandom, type DeterministicOption } from "./deterministic.js";
import { DirHandle } from "./fs/dir.js";
import { ListingStreams } from "./fs/listing.js";
import { nodeBackend } from "./fs/node.js";
import { hostCapabilities } from "./fs/host.js";
import { Resolver } from "./fs/resolve.js";
import { TimesOverlay } from "./fs/times.js";
import { GuestMemory, utf8 } from "./memory.js";
import { stdinHandle, stdoutHandle, type StdinOption, type StdoutOption } from "./stdio.js";
import { argsEnvSyscalls } from "./syscalls/args-env.js";
import { clockRandomSyscalls } from "./syscalls/clock-random.js";
import { preview1, unstable, type Abi, type Context, type Impl, type Syscalls } from "./syscalls/context.js";
import { fdSyscalls } from "./syscalls/fd.js";
import { pathSyscalls } from "./syscalls/path.js";
import { pollSyscalls } from "./syscalls/poll.js";
import { procSyscalls } from "./syscalls/proc.js";
import { sockSyscalls } from "./syscalls/sock.js";
import { tracerFor, type CallTracer, type TraceSetting } from "./trace-json.js";

export interface PreopenOptions {
  /** The host directory. */
  path: string;
  /** Forbid every change under this directory (writes, creation, truncation, renames, removal, times). */
  readonly?: boolean;
}

export interface WASIOptions {
  /** "preview1" (wasi_snapshot_preview1, the default) or "unstable" (wasi_unstable, snapshot 0). */
  version?: "preview1" | "unstable";
  /** argv as the guest sees it; argv[0] is the program's name. */
  args?: readonly string[];
  /** The guest's whole environment; nothing is inherited unless put here. */
  env?: Readonly<Record<string, string | undefined>>;
  /** guest path → host directory (or { path, readonly }). */
  preopens?: Readonly<Record<string, string | PreopenOptions>>;
  /** true (default): start() returns the exit code. false: proc_exit ends the Node process. */
  returnOnExit?: boolean;
  stdin?: StdinOption;
  stdout?: StdoutOption;
  stderr?: StdoutOption;
  /**
   * Log every import call: `true` (text lines to stderr), a function taking each text line,
   * "json" (one JSON object per call, to stderr), or `{ format: "text" | "json", output }`.
   */
  trace?: TraceSetting;
  /** Apply the Windows path rules on any host, for tests (on Windows they are always on). */
  windowsPaths?: boolean;
  /** Replace node:fs (fault injection, other file systems). */
  fs?: FsBackend;
  /**
   * The most descriptors the guest may hold at once, stdio and preopens included (default 1024);
   * beyond it, opening gives EMFILE, and the host's other descriptors are left alone.
   */
  maxOpenFiles?: number;
  /**
   * Clocks follow a virtual clock (advanced by the guest's sleeps and polls) and random_get a
   * seeded generator: `true` (seed 0) or `{ seed, clock }`.
   */
  deterministic?: DeterministicOption;
}

type ImportObject = Record<string, Record<string, (...args: never[]) => unknown>>;

type Decoder = (raw: unknown) => unknown;

/** The most parameters an import has (path_open). */
const MAX_PARAMS = 9;
const absent: Decoder = () => undefined;

/** How each ABI type arrives from the guest and what the implementation receives. */
const decoders: Record<ParamType, Decoder> = {
  fd: (raw) => (raw as number) >>> 0,
  u32: (raw) => (raw as number) >>> 0,
  ptr: (raw) => (raw as number) >>> 0,
  size: (raw) => (raw as number) >>> 0,
  exitcode: (raw) => (raw as number) >>> 0,
  u8: (raw) => {
    const v = (raw as number) >>> 0;
    if (v > 0xff) throw new WasiError(Errno.INVAL);
    return v;
  },
  u16: (raw) => {
    const v = (raw as number) >>> 0;
    if (v > 0xffff) throw new WasiError(Errno.INVAL);
    return v;
  },
  u64: (raw) => BigInt.asUintN(64, raw as bigint),
  s64: (raw) => BigInt.asIntN(64, raw as bigint),
};

const kStarted = Symbol("started");

/** Closes every descriptor left in a table. Best effort: whatever fails, the rest still close. */
function closeAll(fds: FdTable): void {
  for (const [fd] of fds.entries()) {
    try {
      fds.remove(fd).handle.close();
    } catch {
      // Nothing more can be done for this one.
    }
  }
}

/** What an instance holds on the host: every descriptor the guest has, and the resolver's kept directories. */
interface HostResources {
  readonly fds: FdTable;
  readonly resolver: Resolver;
}

function releaseAll({ fds, resolver }: HostResources): void {
  closeAll(fds);
  try {
    resolver.dispose();
  } catch {
    // Best effort, as for the descriptors.
  }
}

/**
 * The backstop: a WASI dropped without being closed, exiting or trapping (a reactor, or one never
 * started) gives its host descriptors back when it is collected. The registry holds the resources,
 * not the WASI.
 */
const unreleased = new FinalizationRegistry<HostResources>(releaseAll);

export class WASI {
  readonly wasiImport: Record<ImportName, (...args: never[]) => number>;
  readonly #unstableImport: Record<ImportName, (...args: never[]) => number>;
  readonly #version: "preview1" | "unstable";
  readonly #returnOnExit: boolean;
  readonly #memory = new GuestMemory();
  readonly #fds: FdTable;
  readonly #resources: HostResources;
  #exitCode: number | undefined;
  [kStarted] = false;

  constructor(options: WASIOptions = {}) {
    if (options === null || typeof options !== "object") throw new TypeError("WASI options must be an object");
    const version = options.version ?? "preview1";
    if (version !== "preview1" && version !== "unstable") {
      throw new TypeError(`version must be "preview1" or "unstable", not ${JSON.stringify(version)}`);
    }
    this.#version = version;
    if (options.returnOnExit !== undefined && typeof options.returnOnExit !== "boolean") {
      throw new TypeError("returnOnExit must be a boolean");
    }
    this.#returnOnExit = options.returnOnExit ?? true;

    // Checked before any preopen is opened, as every option that can be refused.
    const tracers = [tracerFor(options.trace, this.#memory, preview1), tracerFor(options.trace, this.#memory, unstable)];
    const backend = options.fs ?? nodeBackend;
    const preopens = Object.entries(validatePreopens(options.preopens, backend));
    this.#fds = new FdTable(validateMaxOpenFiles(options.maxOpenFiles, preopens.length));
    const host = hostCapabilities(backend, options.windowsPaths);
    const ctx: Context = {
      memory: this.#memory,
      fds: this.#fds,
      args: encodeArgs(options.args),
      env: encodeEnv(options.env),
      fs: backend,
      resolver: new Resolver(backend, host),
      times: new TimesOverlay(),
      host,
      listings: new ListingStreams(),
      ...clockAndRandom(options.deterministic),
    };

    const stdio = [
      stdinHandle(options.stdin),
      stdoutHandle("stdout", options.stdout, 1),
      stdoutHandle("stderr", options.stderr, 2),
    ];
    this.#resources = { fds: this.#fds, resolver: ctx.resolver };
    stdio.forEach((handle, fd) => {
      const tty = "isTty" in handle && handle.isTty === true;
      this.#fds.set(fd, { handle, rightsBase: stdioRights(fd === 0 ? "in" : "out", tty), rightsInheriting: 0n });
    });
    for (const [guestPath, preopen] of preopens) {
      let handle: DirHandle;
      try {
        handle = DirHandle.open(ctx, preopen.path, { readonly: preopen.readonly === true, place: { root: true } });
      } catch (error) {
        closeAll(this.#fds); // the preopens opened so far
        const code = (error as { code?: string }).code ?? String(error);
        throw new Error(`preopen ${JSON.stringify(guestPath)}: cannot open host directory ${preopen.path} (${code})`);
      }
      this.#fds.add({
        handle,
        rightsBase: handle.maxBaseRights(),
        rightsInheriting: handle.maxInheritingRights(),
        preopenName: guestPath,
      });
    }

    unreleased.register(this, this.#resources, this);

    this.wasiImport = this.#buildImports(ctx, preview1, tracers[0]);
    this.#unstableImport = this.#buildImports(ctx, unstable, tracers[1]);
  }

  /** The import object for the configured version (both module names are present, so either kind of module links). */
  getImportObject(): ImportObject {
    const primary = this.#version === "preview1" ? "wasi_snapshot_preview1" : "wasi_unstable";
    const secondary = this.#version === "preview1" ? "wasi_unstable" : "wasi_snapshot_preview1";
    const primaryImport = this.#version === "preview1" ? this.wasiImport : this.#unstableImport;
    const secondaryImport = this.#version === "preview1" ? this.#unstableImport : this.wasiImport;
    // No prototype, so that a module importing e.g. `wasi_snapshot_preview1.toString` fails to link.
    return Object.assign(Object.create(null) as ImportObject, { [primary]: primaryImport, [secondary]: secondaryImport });
  }

  /** Runs a command's `_start`. Returns the exit code (0 if `_start` returns). */
  start(instance: WebAssembly.Instance): number {
    this.#claim(instance);
    const exports = instance.exports;
    try {
      if (typeof exports._start !== "function") throw new TypeError("instance.exports._start is not a function: not a WASI command");
      if (exports._initialize !== undefined) throw new TypeError("a WASI command must not export _initialize");
      this.#bindMemory(exports);
      (exports._start as () => void)();
      return this.#exit(0, false);
    } catch (error) {
      if (isProcExit(error)) return this.#exit((error as ProcExit).code, true);
      this.close(); // a trap ends the guest as an exit does (and a module that cannot start holds nothing)
      throw error;
    }
  }

  /** Initialises a reactor: calls `_initialize` if it is exported. Accepts an Instance or `{ exports }`. */
  initialize(instance: WebAssembly.Instance | { exports: WebAssembly.Exports }): void {
    this.#claim(instance);
    const exports = instance.exports;
    try {
      if (exports._start !== undefined) throw new TypeError("a WASI reactor must not export _start");
      if (exports._initialize !== undefined && typeof exports._initialize !== "function") {
        throw new TypeError("instance.exports._initialize is not a function");
      }
      this.#bindMemory(exports);
      (exports._initialize as (() => void) | undefined)?.();
    } catch (error) {
      if (isProcExit(error)) {
        this.#exit((error as ProcExit).code, true);
        return;
      }
      this.close(); // this instance can never run: nothing to keep
      throw error;
    }
  }

  /**
   * Releases every host resource the guest holds: its descriptors (preopens included; the host's
   * own stdio stays open) and the directories kept for path lookups. Afterwards every call on a
   * descriptor answers EBADF. Idempotent; exit and a trap in start()/initialize() do it too.
   */
  close(): void {
    unreleased.unregister(this);
    releaseAll(this.#resources);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** The guest's exit code once it has exited, else undefined. */
  get exitCode(): number | undefined {
    return this.#exitCode;
  }

  #claim(instance: unknown): void {
    if (instance === null || typeof instance !== "object" || typeof (instance as { exports?: unknown }).exports !== "object") {
      throw new TypeError("expected a WebAssembly.Instance (or an object with exports)");
    }
    if (this[kStarted]) throw new Error("this WASI instance has already started");
    this[kStarted] = true;
  }

  #bindMemory(exports: WebAssembly.Exports): void {
    const memory = exports.memory;
    if (!(memory instanceof WebAssembly.Memory)) {
      throw new TypeError("the module must export its memory as `memory` (instance.exports.memory is not a WebAssembly.Memory)");
    }
    this.#memory.bind(memory);
  }

  /** Records the exit and closes every descriptor; only proc_exit ends the process (returnOnExit false), as in node:wasi. */
  #exit(code: number, procExit: boolean): number {
    this.#exitCode = code;
    this.close();
    if (procExit && !this.#returnOnExit) process.exit(code);
    return code;
  }

  #buildImports(ctx: Context, abi: Abi, tracer: CallTracer | undefined): Record<ImportName, (...args: never[]) => number> {
    const impls: Syscalls = {
      ...argsEnvSyscalls(ctx),
      ...clockRandomSyscalls(ctx),
      ...fdSyscalls(ctx, abi),
      ...pathSyscalls(ctx, abi),
      ...pollSyscalls(ctx, abi),
      ...procSyscalls(),
      ...sockSyscalls(ctx),
    };
    const imports = Object.create(null) as Record<ImportName, (...args: never[]) => number>;
    for (const name of importNames) {
      imports[name] = this.#wrap(name, impls[name] ?? (() => Errno.NOSYS), ctx.resolver, tracer);
    }
    return imports;
  }

  /**
   * The one wrapper every import goes through: decode arguments by the signature, refresh the
   * memory views, run, and turn anything thrown into an errno. Only proc_exit's sentinel leaves.
   * It takes a fixed nine arguments (path_open's count) so that a call allocates nothing.
   */
  #wrap(name: ImportName, impl: Impl, resolver: Resolver, tracer: CallTracer | undefined): (...args: never[]) => number {
    const params = signatures[name].params;
    if (params.length > MAX_PARAMS) throw new Error(`${name}: more than ${MAX_PARAMS} parameters`);
    const [d0, d1, d2, d3, d4, d5, d6, d7, d8] = Array.from({ length: MAX_PARAMS }, (_, i) =>
      i < params.length ? decoders[params[i]!.type] : absent,
    ) as Decoder[];
    const memory = this.#memory;
    const exitCode = () => this.#exitCode;
    function run(a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown, a6?: unknown, a7?: unknown, a8?: unknown): number {
      const exited = exitCode();
      if (exited !== undefined) throw new ProcExit(exited);
      try {
        memory.refresh();
        const result = impl(d0!(a0), d1!(a1), d2!(a2), d3!(a3), d4!(a4), d5!(a5), d6!(a6), d7!(a7), d8!(a8));
        return typeof result === "number" ? result : Errno.SUCCESS;
      } catch (error) {
        if (isProcExit(error)) throw error;
        return errnoOf(error);
      } finally {
        // The directories the call's resolutions held open, however it ended.
        resolver.release();
      }
    }
    if (!tracer) return run;
    return (...raw: unknown[]) => tracer.call(name, raw, () => run(...raw));
  }
}

/** `instanceof` itself throws for some values (a revoked Proxy); those are not the sentinel. */
function isProcExit(error: unknown): boolean {
  try {
    return error instanceof ProcExit;
  } catch {
    return false;
  }
}

/**
 * Stdio rights: each stream its own direction, as in wasmtime. Seek and tell are claimed except on
 * a tty (wasi-libc's isatty() checks for their absence); stdio answers them with ESPIPE.
 */
function stdioRights(direction: "in" | "out", tty: boolean): bigint {
  const R = Rights;
  let rights = R.FD_FILESTAT_GET | R.FD_FDSTAT_SET_FLAGS | R.POLL_FD_READWRITE;
  rights |= direction === "in" ? R.FD_READ : R.FD_WRITE | R.FD_SYNC | R.FD_DATASYNC;
  if (!tty) rights |= R.FD_SEEK | R.FD_TELL;
  return rights;
}

function encodeArgs(args: readonly string[] | undefined): Uint8Array[] {
  if (args === undefined) return [];
  if (!Array.isArray(args)) throw new TypeError("args must be an array of strings");
  return args.map((arg, i) => {
    if (typeof arg !== "string") throw new TypeError(`args[${i}] must be a string`);
    if (arg.includes("\0")) throw new TypeError(`args[${i}] contains a NUL character`);
    return utf8(arg);
  });
}

function encodeEnv(env: Readonly<Record<string, string | undefined>> | undefined): Uint8Array[] {
  if (env === undefined) return [];
  if (env === null || typeof env !== "object") throw new TypeError("env must be an object of strings");
  const out: Uint8Array[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (typeof value !== "string") throw new TypeError(`env.${key} must be a string`);
    if (key.length === 0 || key.includes("=") || key.includes("\0") || value.includes("\0")) {
      throw new TypeError(`env entry ${JSON.stringify(key)} is not a valid NAME=VALUE pair`);
    }
    out.push(utf8(`${key}=${value}`));
  }
  return out;
}

function validateMaxOpenFiles(max: number | undefined, preopens: number): number {
  if (max === undefined) return Math.max(DEFAULT_MAX_OPEN_FILES, 3 + preopens);
  if (!Number.isSafeInteger(max) || max < 3 + preopens) {
    throw new RangeError(`maxOpenFiles must be an integer of at least ${3 + preopens} (stdio and ${preopens} preopens), not ${String(max)}`);
  }
  return max;
}

function validatePreopens(
  preopens: Readonly<Record<string, string | PreopenOptions>> | undefined,
  backend: FsBackend,
): Record<string, PreopenOptions> {
  if (preopens === undefined) return {};
  if (preopens === null || typeof preopens !== "object") throw new TypeError("preopens must be an object of guest path → host directory");
  const out: Record<string, PreopenOptions> = {};
  for (const [guest, value] of Object.entries(preopens)) {
    const options = typeof value === "string" ? { path: value } : value;
    if (options === null || typeof options !== "object" || typeof options.path !== "string") {
      throw new TypeError(`preopens[${JSON.stringify(guest)}] must be a host directory path or { path, readonly }`);
    }
    // A virtual backend's paths are its own, POSIX ones: never the host's, never its cwd.
    const host = backend.virtual === true ? path.posix.resolve("/", options.path) : path.resolve(options.path);
    let isDir: boolean;
    try {
      isDir = backend.stat(host).isDirectory();
    } catch (error) {
      const code = (error as { code?: string }).code ?? String(error);
      throw new Error(`preopen ${JSON.stringify(guest)}: cannot open host directory ${host} (${code})`);
    }
    if (!isDir) throw new Error(`preopen ${JSON.stringify(guest)}: ${host} is not a directory`);
    const real = backend.virtual === true ? backend.realpath(host) : fs.realpathSync.native(host);
    out[guest] = { path: real, readonly: options.readonly === true };
  }
  return out;
}
