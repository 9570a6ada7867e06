/**
 * Launching the runtime under test: building its argv (wasmtime's flag
 * spelling) and running it in a fresh process with a timeout, with stdio
 * through pipes or, with `stdioFiles`, through temporary files (node.exe
 * under Wine cannot write to a Linux pipe).
 */

import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunOp } from './spec.js';

/** How to start the runtime: `node [nodeArgs] script [flags] -- module args`. */
export interface RuntimeCommand {
  /** The node binary (or a wrapper script that execs one). */
  readonly node: string;
  readonly nodeArgs: readonly string[];
  /** The runtime's CLI script (bin/run-wasi.js or an adapter). */
  readonly script: string;
  /** `wine`: give the runtime host paths as `Z:\...` (a Windows node.exe under Wine). */
  readonly pathStyle: 'posix' | 'wine';
}

export interface ProcessOptions {
  readonly timeoutMs: number;
  readonly stdioFiles: boolean;
  readonly cwd: string;
  /** Environment of the runtime *process* (never the guest's). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface ProcessResult {
  readonly argv: readonly string[];
  /** null when killed by a signal or not started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly timedOut: boolean;
  /** Set when the process could not be started. */
  readonly error?: string;
  readonly durationMs: number;
}

/** Output beyond this many bytes per stream is dropped. */
export const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
/** After a kill, how long to wait for the process to go away. */
const KILL_GRACE_MS = 5000;

/** Converts an absolute POSIX path to the path a Windows program under Wine sees. */
export function toWinePath(path: string): string {
  return path.startsWith('/') ? `Z:${path.replace(/\//g, '\\')}` : path;
}

/** The full argv that runs `run` of the test module `wasmPath`. */
export function buildArgv(cmd: RuntimeCommand, wasmPath: string, run: RunOp): string[] {
  const hostPath = cmd.pathStyle === 'wine' ? toWinePath : (p: string) => p;
  const argv = [cmd.node, ...cmd.nodeArgs, hostPath(cmd.script)];
  for (const { host, guest } of run.preopens) argv.push('--dir', `${hostPath(host)}::${guest}`);
  for (const [name, value] of Object.entries(run.env)) argv.push('--env', `${name}=${value}`);
  argv.push('--', hostPath(wasmPath), ...run.args);
  return argv;
}

/**
 * The environment of the runtime process: the executor's own environment
 * (PATH etc. may be needed to start node), without NODE_OPTIONS so that
 * loaders of whatever launched the executor (tsx, tap) do not leak into the
 * runtime. The guest's environment is given only by `--env` flags.
 */
export function runtimeProcessEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  delete env.NODE_OPTIONS;
  return env;
}

const live = new Set<number>();

/** Kills the process groups of all runtimes still running (for Ctrl-C). */
export function killAllLive(): void {
  for (const pid of live) killTree(pid);
}

function killTree(pid: number): void {
  try {
    // The child leads its own process group (detached), so this also
    // reaches anything it started.
    process.kill(process.platform === 'win32' ? pid : -pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs `argv` to completion (or until the timeout), collecting its output. */
export async function runProcess(argv: readonly string[], opts: ProcessOptions): Promise<ProcessResult> {
  const started = performance.now();
  const tmp = opts.stdioFiles ? mkdtempSync(join(tmpdir(), 'run-wasi-conformance-')) : undefined;
  try {
    const outcome = tmp === undefined
      ? await spawnWithPipes(argv, opts)
      : await spawnWithFiles(argv, opts, tmp);
    return { argv, ...outcome, durationMs: Math.round(performance.now() - started) };
  } finally {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  }
}

type Outcome = Omit<ProcessResult, 'argv' | 'durationMs'>;

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly error?: string;
}

function spawnWithPipes(argv: readonly string[], opts: ProcessOptions): Promise<Outcome> {
  const stdout = new OutputCollector();
  const stderr = new OutputCollector();
  return supervise(argv, opts, ['pipe', 'pipe', 'pipe'], (child) => {
    // stdin: a pipe closed at once, so the guest reads end-of-file (the
    // reference runner's stdin pipe is closed when it waits for the process).
    child.stdin?.on('error', () => {}).end();
    child.stdout?.on('data', (b: Buffer) => stdout.add(b));
    child.stderr?.on('data', (b: Buffer) => stderr.add(b));
  }).then((exit) => ({
    exitCode: exit.code, signal: exit.signal, timedOut: exit.timedOut, error: exit.error,
    stdout: stdout.buffer(), stderr: stderr.buffer(),
  }));
}

async function spawnWithFiles(argv: readonly string[], opts: ProcessOptions, tmp: string): Promise<Outcome> {
  const paths = { stdin: join(tmp, 'stdin'), stdout: join(tmp, 'stdout'), stderr: join(tmp, 'stderr') };
  writeFileSync(paths.stdin, '');
  const fds = [openSync(paths.stdin, 'r'), openSync(paths.stdout, 'w'), openSync(paths.stderr, 'w')];
  let exit: Exit;
  try {
    exit = await supervise(argv, opts, fds, () => {
      // the child holds its own copies of the descriptors now
      for (const fd of fds.splice(0)) closeSync(fd);
    });
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  return {
    exitCode: exit.code, signal: exit.signal, timedOut: exit.timedOut, error: exit.error,
    stdout: readCapped(paths.stdout), stderr: readCapped(paths.stderr),
  };
}

function supervise(
  argv: readonly string[],
  opts: ProcessOptions,
  stdio: ('pipe' | number)[],
  attach: (child: ReturnType<typeof spawn>) => void,
): Promise<Exit> {
  return new Promise((resolvePromise) => {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error('empty argv');
    let timedOut = false;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env ?? runtimeProcessEnv(),
      stdio,
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    const settle = (exit: Exit): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      if (child.pid !== undefined) live.delete(child.pid);
      resolvePromise(exit);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killTree(child.pid);
      // If something outside the process group keeps the pipes open, stop
      // waiting for them.
      graceTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        settle({ code: child.exitCode, signal: child.signalCode, timedOut });
      }, KILL_GRACE_MS);
    }, opts.timeoutMs);
    child.on('error', (e) => settle({ code: null, signal: null, timedOut, error: e.message }));
    child.on('close', (code, signal) => settle({ code, signal, timedOut }));
    if (child.pid !== undefined) live.add(child.pid);
    attach(child);
  });
}

class OutputCollector {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  add(chunk: Buffer): void {
    if (this.size >= MAX_OUTPUT_BYTES) return;
    const part = chunk.subarray(0, MAX_OUTPUT_BYTES - this.size);
    this.chunks.push(part);
    this.size += part.length;
  }

  buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function readCapped(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(fstatSync(fd).size, MAX_OUTPUT_BYTES));
    let n = 0;
    while (n < buf.length) {
      const read = readSync(fd, buf, n, buf.length - n, n);
      if (read === 0) break;
      n += read;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
