// The WASI class: options, the import object, start/initialize, exit handling. A drop-in for
// node:wasi's class, with more kinds of stdio, read-only preopens and tracing.
import { Errno } from "./abi/constants.js";
import { importNames, signatures, type ImportName, type ParamType } from "./abi/signatures.js";
import { alreadyStarted, invalidArgType } from "./api-errors.js";
import { EmbedderError, errnoOf, ProcExit, WasiError } from "./errors.js";
import { FdTable } from "./fds.js";
import type { FsBackend } from "./fs/backend.js";
import { clockAndRandom, type DeterministicOption } from "./deterministic.js";
import { DirHandle } from "./fs/dir.js";
import { ListingStreams } from "./fs/listing.js";
import { nodeBackend } from "./fs/node.js";
import { hostCapabilities } from "./fs/host.js";
import { Resolver } from "./fs/resolve.js";
import { TimesOverlay } from "./fs/times.js";
import { IoThread } from "./io/thread.js";
import { GuestMemory } from "./memory.js";
import { LISTENER_RIGHTS, STREAM_RIGHTS, stdioRights } from "./abi/rights.js";
import { ListenerHandle } from "./net/socket.js";
import {
  checkOptions,
  checkStdioFd,
  encodeArgs,
  encodeEnv,
  maxOpenFilesOf,
  preopenError,
  returnOnExitOf,
  tcpListenOf,
  validatePreopens,
  versionOf,
} from "./options.js";
import { stdinHandle, stdoutHandle, type AsyncStdio, type StdinOption, type StdoutOption } from "./stdio.js";
import { argsEnvSyscalls } from "./syscalls/args-env.js";
import { clockRandomSyscalls } from "./syscalls/clock-random.js";
import { preview1, unstable, type Abi, type AllSyscalls, type Context, type Impl } from "./syscalls/context.js";
import { fdSyscalls } from "./syscalls/fd.js";
import { pathSyscalls } from "./syscalls/path.js";
import { pollSyscalls } from "./syscalls/poll.js";
import { procSyscalls } from "./syscalls/proc.js";
import { sockSyscalls } from "./syscalls/sock.js";
import { tracerFor, type CallTracer, type TraceSetting } from "./trace-json.js";
import { asyncOf, jspi, signalOf } from "./async/jspi.js";
import { Aborted, Changes, unlessAborted, WouldWait } from "./async/wait.js";

export interface PreopenOptions {
  /** The host directory. */
  path: string;
  /** Forbid every change under this directory (writes, creation, truncation, renames, removal, times). */
  readonly?: boolean;
}

/** Options of `new WASI()`; `Async` is the type of `async` (true: the async host). */
export interface WASIOptions<Async extends boolean = false> {
  /** "preview1" (wasi_snapshot_preview1, the default) or "unstable" (wasi_unstable, snapshot 0). */
  version?: "preview1" | "unstable";
  /** argv as the guest sees it; argv[0] is the program's name. Entries are converted with String(). */
  args?: readonly unknown[];
  /**
   * The guest's whole environment; nothing is inherited unless put here. Values are converted to
   * strings, an undefined value leaves the variable out (`object`, as in node:wasi's own type).
   */
  env?: object;
  /** guest path → host directory (or { path, readonly }); an undefined value is no preopen. */
  preopens?: Readonly<Record<string, string | PreopenOptions | undefined>>;
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
  /** "HOST:PORT" each: TCP listeners opened now and handed to the guest after the preopens, in order (wasmtime's -S tcplisten). */
  tcpListen?: readonly string[];
  /**
   * Clocks follow a virtual clock (advanced by the guest's sleeps and polls) and random_get a
   * seeded generator: `true` (seed 0) or `{ seed, clock }`.
   */
  deterministic?: DeterministicOption;
  /**
   * The async host (Node 24 and later: JavaScript Promise Integration). The imports that may wait
   * suspend the guest instead of blocking the thread, so the event loop runs meanwhile; start() and
   * initialize() return promises. Stdin may then be any Node Readable, web ReadableStream or async
   * iterable, stdout/stderr any Node Writable or web WritableStream, whose backpressure the guest waits on.
   */
  async?: Async;
  /**
   * Async host only: aborting ends the guest at its next wait (or at once if it is waiting).
   * start()/initialize() then reject with `signal.reason`, and every descriptor is released.
   */
  signal?: AbortSignal;
}

/** What start() returns: the exit code, or with `async: true` a promise of it. */
export type StartResult<Async extends boolean> = Async extends true ? Promise<number> : number;
/** What initialize() returns: nothing, or with `async: true` a promise. */
export type InitializeResult<Async extends boolean> = Async extends true ? Promise<void> : void;

/**
 * The imports that may wait, which the async host wraps in WebAssembly.Suspending. Every other
 * import (files, clocks, args…) is linked as the synchronous host links it, at the same cost.
 */
const WAITING: ReadonlySet<ImportName> = new Set<ImportName>(["fd_read", "fd_write", "poll_oneoff", "sched_yield", "sock_accept", "sock_recv", "sock_send"]);

type ImportObject = Record<string, Record<string, (...args: never[]) => unknown>>;

type Decoder = (raw: unknown) => unknown;

/** The most parameters an import has (path_open). */
const MAX_PARAMS = 9;
const absent: Decoder = () => undefined;
/** The most parameters a waiting import has (sock_recv). */
const MAX_WAITING_PARAMS = 6;

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

// node:wasi keeps these as symbol-keyed properties of each instance, and tools built on it (emnapi's
// wasi-threads, the loaders napi-rs generates) find them by description with
// Object.getOwnPropertySymbols: kSetMemory(memory) binds a memory without running anything,
// kInstance is the instance bound, kStarted may be set back to false to start the object again.
const kSetMemory = Symbol("kSetMemory");
const kInstance = Symbol("kInstance");
const kStarted = Symbol("kStarted");

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

/**
 * What an instance holds on the host: every descriptor the guest has, the resolver's kept
 * directories, and the I/O thread (sockets, watched stdin).
 */
interface HostResources {
  readonly fds: FdTable;
  readonly resolver: Resolver;
  readonly io: IoThread;
}

function releaseAll({ fds, resolver, io }: HostResources): void {
  closeAll(fds);
  for (const release of [() => resolver.dispose(), () => io.close()]) {
    try {
      release();
    } catch {
      // Best effort, as for the descriptors.
    }
  }
}

/**
 * The backstop: a WASI dropped without being closed, exiting or trapping (a reactor, or one never
 * started) gives its host descriptors back when it is collected. The registry holds the resources,
 * not the WASI.
 */
const unreleased = new FinalizationRegistry<HostResources>(releaseAll);

export class WASI<Async extends boolean = false> {
  readonly wasiImport: Record<ImportName, (...args: never[]) => number>;
  readonly #unstableImport: Record<ImportName, (...args: never[]) => number>;
  readonly #version: "preview1" | "unstable";
  readonly #returnOnExit: boolean;
  readonly #memory = new GuestMemory();
  readonly #fds: FdTable;
  readonly #io: IoThread;
  /** The async host's means of waiting, or undefined for the synchronous host. */
  readonly #asyncHost: AsyncStdio | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #resources: HostResources;
  readonly #ctx: Context;
  readonly #stdio: readonly [StdinOption | undefined, StdoutOption | undefined, StdoutOption | undefined];
  readonly #preopens: Readonly<Record<string, Required<PreopenOptions>>>;
  #exitCode: number | undefined;
  /** The embedder's exception (from a stdio callback) that ended the guest, if one did. */
  #failure: EmbedderError | undefined;
  #started = false;

  constructor(options: WASIOptions<Async> = {}) {
    checkOptions(options);
    this.#version = versionOf(options.version);
    this.#returnOnExit = returnOnExitOf(options.returnOnExit);
    const isAsync = asyncOf(options.async);
    this.#signal = signalOf(options.signal, isAsync);
    this.#io = new IoThread(isAsync);
    this.#asyncHost = isAsync ? { changes: new Changes(), io: this.#io } : undefined;

    // Checked before any preopen is opened, as every option that can be refused.
    const tracers = [tracerFor(options.trace, this.#memory, preview1), tracerFor(options.trace, this.#memory, unstable)];
    const backend = options.fs ?? nodeBackend;
    this.#preopens = validatePreopens(options.preopens, backend);
    this.#fds = new FdTable(maxOpenFilesOf(options.maxOpenFiles, Object.keys(this.#preopens).length));
    const listeners = tcpListenOf(options.tcpListen);
    const host = hostCapabilities(backend, options.windowsPaths);
    this.#ctx = {
      memory: this.#memory,
      fds: this.#fds,
      args: encodeArgs(options.args),
      env: encodeEnv(options.env),
      fs: backend,
      resolver: new Resolver(backend, host),
      times: new TimesOverlay(),
      host,
      listings: new ListingStreams(),
      io: this.#io,
      ...clockAndRandom(options.deterministic),
      asyncHost: this.#asyncHost,
    };
    this.#stdio = [checkStdioFd(options.stdin, "stdin"), checkStdioFd(options.stdout, "stdout"), checkStdioFd(options.stderr, "stderr")];
    this.#resources = { fds: this.#fds, resolver: this.#ctx.resolver, io: this.#io };
    this.#open();
    try {
      for (const address of listeners) {
        this.#fds.add({ handle: ListenerHandle.listen(this.#io, address), rightsBase: LISTENER_RIGHTS, rightsInheriting: STREAM_RIGHTS });
      }
    } catch (error) {
      this.close();
      throw error;
    }

    Object.defineProperties(this, {
      [kSetMemory]: { value: (memory: unknown) => this.#bindMemory(memory), writable: true, enumerable: true, configurable: true },
      [kInstance]: { value: undefined, writable: true, enumerable: true, configurable: true },
      [kStarted]: { get: () => this.#started, set: (value: unknown) => this.#setStarted(value), enumerable: true, configurable: true },
    });

    // In async mode the waiting imports are WebAssembly.Suspending objects here too, so that a module
    // linked with wasiImport directly (as node:wasi's users do) suspends as well.
    const linked = isAsync ? suspendingOnes : <T>(imports: T) => imports;
    this.wasiImport = linked(this.#buildImports(this.#ctx, preview1, tracers[0]));
    this.#unstableImport = linked(this.#buildImports(this.#ctx, unstable, tracers[1]));
  }

  /**
   * The import object for the configured version (both module names are present, so either kind of
   * module links). In async mode the imports that may wait are WebAssembly.Suspending objects.
   */
  getImportObject(): ImportObject {
    const primary = this.#version === "preview1" ? "wasi_snapshot_preview1" : "wasi_unstable";
    const secondary = this.#version === "preview1" ? "wasi_unstable" : "wasi_snapshot_preview1";
    const primaryImport = this.#version === "preview1" ? this.wasiImport : this.#unstableImport;
    const secondaryImport = this.#version === "preview1" ? this.#unstableImport : this.wasiImport;
    // No prototype, so that a module importing e.g. `wasi_snapshot_preview1.toString` fails to link.
    return Object.assign(Object.create(null) as ImportObject, { [primary]: primaryImport, [secondary]: secondaryImport });
  }

  /**
   * Runs a command's `_start`. Returns the exit code (0 if `_start` returns); in async mode a
   * promise of it, which rejects with the signal's reason if the guest is aborted.
   */
  start(instance: WebAssembly.Instance): StartResult<Async> {
    if (this.#asyncHost !== undefined) {
      let exports: WebAssembly.Exports;
      try {
        exports = this.#claim(instance);
      } catch (error) {
        return Promise.reject(error) as StartResult<Async>; // the async host fails only by rejecting
      }
      return this.#startAsync(() => this.#checkCommand(exports), exports._start as () => void) as StartResult<Async>;
    }
    const exports = this.#claim(instance);
    try {
      this.#checkCommand(exports);
      (exports._start as () => void)();
    } catch (error) {
      return this.#ended(error) as StartResult<Async>;
    }
    this.#rethrowFailure(); // a guest may have caught it (wasm exception handling)
    return this.#exit(0, false) as StartResult<Async>;
  }

  #checkCommand(exports: WebAssembly.Exports): void {
    if (typeof exports._start !== "function") throw invalidArgType("instance.exports._start is not a function: not a WASI command");
    if (exports._initialize !== undefined) throw invalidArgType("a WASI command must not export _initialize");
    this.#bindMemory(exports.memory);
  }

  async #startAsync(check: () => void, start: () => void): Promise<number> {
    try {
      check();
      this.#stopIfAborted();
      await jspi()!.promising(start)();
    } catch (error) {
      return this.#ended(error);
    }
    this.#rethrowFailure();
    return this.#exit(0, false);
  }

  /**
   * Initialises a reactor: calls `_initialize` if it is exported. Accepts an Instance or `{ exports }`.
   * In async mode it returns a promise; the reactor's other exports that may wait must then be
   * called through WebAssembly.promising.
   */
  initialize(instance: WebAssembly.Instance | { exports: WebAssembly.Exports }): InitializeResult<Async> {
    let exports: WebAssembly.Exports;
    try {
      exports = this.#claim(instance);
    } catch (error) {
      if (this.#asyncHost !== undefined) return Promise.reject(error) as InitializeResult<Async>;
      throw error;
    }
    const check = () => {
      if (exports._start !== undefined) throw invalidArgType("a WASI reactor must not export _start");
      if (exports._initialize !== undefined && typeof exports._initialize !== "function") {
        throw invalidArgType("instance.exports._initialize is not a function");
      }
      this.#bindMemory(exports.memory);
    };
    const initialize = exports._initialize as (() => void) | undefined;
    if (this.#asyncHost !== undefined) return this.#initializeAsync(check, initialize) as InitializeResult<Async>;
    try {
      check();
      initialize?.();
    } catch (error) {
      this.#ended(error);
      return undefined as InitializeResult<Async>;
    }
    this.#rethrowFailure();
    return undefined as InitializeResult<Async>;
  }

  async #initializeAsync(check: () => void, initialize: (() => void) | undefined): Promise<void> {
    try {
      check();
      this.#stopIfAborted();
      if (initialize !== undefined) await jspi()!.promising(initialize)();
    } catch (error) {
      this.#ended(error);
      return;
    }
    this.#rethrowFailure();
  }

  /**
   * How start() and initialize() end when the guest did not return: proc_exit gives its code;
   * anything else (a trap, an embedder's exception, an abort) closes every descriptor and is thrown.
   */
  #ended(error: unknown): number {
    if (isInstance(error, ProcExit)) return this.#exit(error.code, true);
    this.close(); // a trap ends the guest as an exit does (and a module that cannot start holds nothing)
    if (isInstance(error, Aborted)) throw error.reason;
    this.#rethrowFailure();
    throw error;
  }

  #stopIfAborted(): void {
    if (this.#signal?.aborted === true) throw new Aborted(this.#signal.reason);
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

  /** Stdio and the preopens, into an empty fd table. */
  #open(): void {
    const [stdin, stdout, stderr] = this.#stdio;
    const host = this.#asyncHost;
    const stdio = [stdinHandle(stdin, host), stdoutHandle("stdout", stdout, 1, host), stdoutHandle("stderr", stderr, 2, host)];
    stdio.forEach((handle, fd) => {
      const tty = "isTty" in handle && handle.isTty === true;
      this.#fds.set(fd, { handle, rightsBase: stdioRights(fd === 0 ? "in" : "out", tty), rightsInheriting: 0n });
    });
    for (const [guestPath, host] of Object.entries(this.#preopens)) {
      let handle: DirHandle;
      try {
        handle = DirHandle.open(this.#ctx, host.path, { readonly: host.readonly, place: { root: true } });
      } catch (error) {
        closeAll(this.#fds); // the preopens opened so far
        throw preopenError(guestPath, `cannot open host directory ${host.path}`, error);
      }
      this.#fds.add({
        handle,
        rightsBase: handle.maxBaseRights(),
        rightsInheriting: handle.maxInheritingRights(),
        preopenName: guestPath,
      });
    }
    unreleased.register(this, this.#resources, this);
  }

  /** Started once, as in node:wasi; a failed start() or initialize() counts. Returns the exports. */
  #claim(instance: unknown): WebAssembly.Exports {
    if (this.#started) throw alreadyStarted();
    this.#started = true;
    const exports = instance !== null && typeof instance === "object" ? (instance as { exports?: unknown }).exports : undefined;
    if (exports === null || typeof exports !== "object") {
      throw invalidArgType("expected a WebAssembly.Instance (or an object with exports)");
    }
    (this as unknown as { [kInstance]: unknown })[kInstance] = instance;
    return exports as WebAssembly.Exports;
  }

  /**
   * node:wasi's started flag as tools set it (see kStarted). Set back to false after the guest
   * exited, which closed every descriptor, it makes the object as new: stdio and the preopens
   * open again (nothing the guest had opened), the memory still bound, and start() allowed.
   */
  #setStarted(value: unknown): void {
    if (value || this.#exitCode === undefined) {
      this.#started = Boolean(value);
      return;
    }
    this.#open();
    this.#exitCode = undefined;
    this.#started = false;
  }

  #bindMemory(memory: unknown): void {
    if (!(memory instanceof WebAssembly.Memory)) {
      throw invalidArgType("the module must export its memory as `memory` (instance.exports.memory is not a WebAssembly.Memory)");
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

  /** After an embedder's callback threw: closes every descriptor and throws what it threw. */
  #rethrowFailure(): void {
    if (this.#failure === undefined) return;
    this.close();
    throw this.#failure.thrown;
  }

  #buildImports(ctx: Context, abi: Abi, tracer: CallTracer | undefined): Record<ImportName, (...args: never[]) => number> {
    // Every import, each typed by its signature: one missing or mistyped does not compile.
    const impls: AllSyscalls = {
      ...argsEnvSyscalls(ctx),
      ...clockRandomSyscalls(ctx),
      ...fdSyscalls(ctx, abi),
      ...pathSyscalls(ctx, abi),
      ...pollSyscalls(ctx, abi),
      ...procSyscalls(this.#asyncHost !== undefined),
      ...sockSyscalls(ctx),
    };
    const imports = Object.create(null) as Record<ImportName, (...args: never[]) => number>;
    for (const name of importNames) {
      const waits = this.#asyncHost !== undefined && WAITING.has(name);
      imports[name] = (waits ? this.#wrapWaiting : this.#wrap).call(this, name, impls[name] as Impl, ctx.resolver, tracer);
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
    // A guest that has exited, or that an embedder's exception ended, runs no further import.
    const stopIfEnded = () => {
      if (this.#exitCode !== undefined) throw new ProcExit(this.#exitCode);
      if (this.#failure !== undefined) throw this.#failure.thrown;
    };
    // The embedder's own exception is no errno: it leaves as itself (see EmbedderError).
    const ended = (failure: EmbedderError) => {
      this.#failure ??= failure;
      return failure.thrown;
    };
    function run(a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown, a6?: unknown, a7?: unknown, a8?: unknown): number {
      stopIfEnded();
      try {
        memory.refresh();
        const result = impl(d0!(a0), d1!(a1), d2!(a2), d3!(a3), d4!(a4), d5!(a5), d6!(a6), d7!(a7), d8!(a8));
        return typeof result === "number" ? result : Errno.SUCCESS;
      } catch (error) {
        if (isInstance(error, ProcExit)) throw error;
        if (isInstance(error, EmbedderError)) throw ended(error);
        return errnoOf(error);
      } finally {
        // The directories the call's resolutions held open, however it ended.
        resolver.release();
      }
    }
    if (!tracer) return run;
    return (...raw: unknown[]) => tracer.call(name, raw, () => run(...raw));
  }

  /**
   * The async host's wrapper for an import that may wait: as #wrap, but a WouldWait from the call
   * is awaited (the guest suspended, the event loop free) and the call runs again, until it
   * answers. The answer is a number when no wait was needed, else a promise of it; an abort
   * rejects the promise with Aborted, which unwinds the guest to start(). A traced call is
   * reported once, with its final answer.
   */
  #wrapWaiting(name: ImportName, impl: Impl, resolver: Resolver, tracer: CallTracer | undefined): (...args: never[]) => number {
    const params = signatures[name].params;
    if (params.length > MAX_WAITING_PARAMS) throw new Error(`${name}: more than ${MAX_WAITING_PARAMS} parameters`);
    const [d0, d1, d2, d3, d4, d5] = Array.from({ length: MAX_WAITING_PARAMS }, (_, i) =>
      i < params.length ? decoders[params[i]!.type] : absent,
    ) as Decoder[];
    const memory = this.#memory;
    const signal = this.#signal;
    const stopIfEnded = () => {
      if (this.#exitCode !== undefined) throw new ProcExit(this.#exitCode);
      if (this.#failure !== undefined) throw this.#failure.thrown;
      this.#stopIfAborted();
    };
    /** What a call that threw answers: the wait, an errno, or (rethrown) an exit or the embedder's exception. */
    const caught = (error: unknown): number | WouldWait => {
      if (isInstance(error, WouldWait)) return error;
      if (isInstance(error, ProcExit)) throw error;
      if (isInstance(error, EmbedderError)) {
        this.#failure ??= error;
        throw error.thrown;
      }
      return errnoOf(error);
    };
    // The first attempt, with the guest's arguments: like #wrap's run, it allocates nothing.
    const first = (a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown): number | WouldWait => {
      stopIfEnded();
      try {
        memory.refresh();
        const result = impl(d0!(a0), d1!(a1), d2!(a2), d3!(a3), d4!(a4), d5!(a5));
        return typeof result === "number" ? result : Errno.SUCCESS;
      } catch (error) {
        return caught(error);
      } finally {
        resolver.release();
      }
    };
    const again = (call: () => number | void): number | WouldWait => {
      stopIfEnded();
      try {
        memory.refresh();
        const result = call();
        return typeof result === "number" ? result : Errno.SUCCESS;
      } catch (error) {
        return caught(error);
      } finally {
        resolver.release();
      }
    };
    /** After a wait: the call again (or its resumption), until it answers; an abort rejects. */
    const later = (wait: WouldWait, raw: unknown[]): Promise<number> =>
      unlessAborted(wait.ready, signal).then(() => {
        const outcome = again(wait.resume ?? (() => impl(...raw.map((value, i) => [d0, d1, d2, d3, d4, d5][i]!(value)))));
        return typeof outcome === "number" ? outcome : later(outcome, raw);
      });
    const untraced = (a0?: unknown, a1?: unknown, a2?: unknown, a3?: unknown, a4?: unknown, a5?: unknown): number | Promise<number> => {
      const outcome = first(a0, a1, a2, a3, a4, a5);
      return typeof outcome === "number" ? outcome : later(outcome, [a0, a1, a2, a3, a4, a5].slice(0, params.length));
    };
    if (!tracer) return untraced as unknown as (...args: never[]) => number;
    // Traced: one line per call, with its final answer.
    return ((...raw: unknown[]): number | Promise<number> => {
      const report = (answer: () => number) => tracer.call(name, raw, answer);
      const fail = (error: unknown) => report(() => {
        throw error;
      });
      let answer: number | Promise<number>;
      try {
        answer = untraced(...raw);
      } catch (error) {
        return fail(error);
      }
      return typeof answer === "number" ? report(() => answer as number) : answer.then((n) => report(() => n), fail);
    }) as unknown as (...args: never[]) => number;
  }
}

/**
 * An import module's waiting imports wrapped in WebAssembly.Suspending, the others as they are.
 * (Typed as the plain functions: wasiImport's type is node:wasi's, and a Suspending links the same.)
 */
function suspendingOnes(imports: Record<ImportName, (...args: never[]) => number>): Record<ImportName, (...args: never[]) => number> {
  const { Suspending } = jspi()!;
  const wrapped = Object.create(null) as Record<ImportName, (...args: never[]) => number>;
  for (const name of importNames) wrapped[name] = WAITING.has(name) ? (new Suspending(imports[name]) as unknown as (...args: never[]) => number) : imports[name];
  return wrapped;
}

/** `instanceof` itself throws for some values (a revoked Proxy); those are neither sentinel. */
function isInstance<T>(error: unknown, kind: abstract new (...args: never[]) => T): error is T {
  try {
    return error instanceof kind;
  } catch {
    return false;
  }
}

