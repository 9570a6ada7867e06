/**
 * Executing one test case: performs its operations in order and checks
 * each one's expectations, as the reference runner does.
 *
 * - `run` starts the runtime in a fresh process (after removing `*.cleanup`
 *   artifacts from the preopened directories) and lets it finish, with a
 *   timeout; the output is collected.
 * - `read` consumes the next `payload.length` characters of the stream and
 *   compares them with the payload. Like the reference runner (which reads
 *   that many characters from the pipe), output after what the reads
 *   consumed is not checked unless `strictOutput` is set. The output is
 *   decoded as UTF-8 with universal newlines (`\r\n` and `\r` read as `\n`,
 *   as Python's text mode does) unless `exactNewlines` is set.
 * - `wait` compares the exit code; a timeout is a failure.
 *
 * After a failing operation no further process is started; the remaining
 * `read`/`wait` checks of the current process are still evaluated so the
 * report shows everything that went wrong with it.
 */

import { buildArgv, runProcess, type ProcessResult, type RuntimeCommand } from './process.js';
import type { Operation, Preopen, StreamId, TestSpec } from './spec.js';
import { removeCleanupArtifacts, type TestCase } from './suite.js';

export interface RunOptions {
  readonly runtime: RuntimeCommand;
  readonly timeoutMs: number;
  readonly stdioFiles: boolean;
  readonly strictOutput: boolean;
  readonly exactNewlines: boolean;
  /** Environment of the runtime process (defaults to the executor's, minus NODE_OPTIONS). */
  readonly processEnv?: NodeJS.ProcessEnv;
}

/** What happened to one `run` of the test. */
export interface RunRecord {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly error?: string;
  readonly durationMs: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The raw verdict of a test, before expectations are applied. */
export interface TestResult {
  /** False when the test was not run (see `skipReason`). */
  readonly executed: boolean;
  readonly skipReason?: string;
  /** Empty when every expectation was met. */
  readonly failures: readonly string[];
  readonly runs: readonly RunRecord[];
  readonly durationMs: number;
}

/** Directories a test writes to: tests sharing one must not run at once. */
export function preopenDirsOf(test: TestCase): string[] {
  if ('error' in test.spec) return [];
  return test.spec.operations.flatMap((op) => (op.type === 'run' ? op.preopens.map((p) => p.host) : []));
}

export function skipped(reason: string): TestResult {
  return { executed: false, skipReason: reason, failures: [], runs: [], durationMs: 0 };
}

/** Why a test cannot be run by this executor, if it cannot. */
export function unsupportedReason(spec: TestSpec): string | undefined {
  return spec.unsupported.length > 0 ? `unsupported: ${spec.unsupported.join(', ')}` : undefined;
}

export async function runTest(test: TestCase, opts: RunOptions): Promise<TestResult> {
  if ('error' in test.spec) {
    return { executed: true, failures: [`invalid spec: ${test.spec.error}`], runs: [], durationMs: 0 };
  }
  const unsupported = unsupportedReason(test.spec);
  if (unsupported !== undefined) return skipped(unsupported);

  const started = performance.now();
  const failures: string[] = [];
  const runs: RunRecord[] = [];
  let current: ProcessState | undefined;
  let preopens: readonly Preopen[] = [];

  for (const op of test.spec.operations) {
    if (op.type === 'run') {
      if (failures.length > 0) break;
      preopens = op.preopens;
      cleanPreopens(preopens);
      const argv = buildArgv(opts.runtime, test.wasmPath, op);
      const result = await runProcess(argv, {
        timeoutMs: opts.timeoutMs,
        stdioFiles: opts.stdioFiles,
        cwd: test.dir,
        env: opts.processEnv,
      });
      current = new ProcessState(result, opts.exactNewlines);
      runs.push(current.record());
      if (result.error !== undefined) failures.push(`could not start the runtime: ${result.error}`);
      continue;
    }
    if (current === undefined || current.result.error !== undefined) continue;
    const failure = check(op, current, opts);
    if (failure !== undefined) failures.push(failure);
    if (op.type === 'wait') {
      cleanPreopens(preopens);
      current = undefined;
    }
  }
  return { executed: true, failures, runs, durationMs: Math.round(performance.now() - started) };
}

function cleanPreopens(preopens: readonly Preopen[]): void {
  for (const p of preopens) removeCleanupArtifacts(p.host);
}

class ProcessState {
  readonly output: Record<StreamId, string>;
  readonly consumed: Record<StreamId, number> = { stdout: 0, stderr: 0 };
  readonly wasRead: Record<StreamId, boolean> = { stdout: false, stderr: false };

  constructor(readonly result: ProcessResult, exactNewlines: boolean) {
    const decode = (b: Buffer): string => {
      const text = b.toString('utf8');
      return exactNewlines ? text : text.replace(/\r\n?/g, '\n');
    };
    this.output = { stdout: decode(result.stdout), stderr: decode(result.stderr) };
  }

  record(): RunRecord {
    const r = this.result;
    return {
      argv: r.argv, exitCode: r.exitCode, signal: r.signal, timedOut: r.timedOut,
      ...(r.error !== undefined ? { error: r.error } : {}),
      durationMs: r.durationMs, stdout: this.output.stdout, stderr: this.output.stderr,
    };
  }
}

function check(op: Operation, proc: ProcessState, opts: RunOptions): string | undefined {
  switch (op.type) {
    case 'read': {
      proc.wasRead[op.id] = true;
      const rest = proc.output[op.id].slice(proc.consumed[op.id]);
      if (rest.startsWith(op.payload)) {
        proc.consumed[op.id] += op.payload.length;
        return undefined;
      }
      // Stop consuming: later reads of this stream are meaningless now.
      proc.consumed[op.id] = Number.POSITIVE_INFINITY;
      return describeMismatch(op.id, op.payload, rest);
    }
    case 'wait': {
      const r = proc.result;
      if (r.timedOut) return `timed out after ${opts.timeoutMs / 1000} s (expected exit code ${op.exitCode})`;
      const problems: string[] = [];
      if (r.exitCode !== op.exitCode) {
        const got = r.exitCode === null ? `signal ${r.signal ?? '?'}` : String(r.exitCode);
        problems.push(`exit code: expected ${op.exitCode}, got ${got}${stderrHint(proc.output.stderr)}`);
      }
      if (opts.strictOutput) {
        for (const id of ['stdout', 'stderr'] as const) {
          const consumed = proc.consumed[id];
          if (!proc.wasRead[id] || !Number.isFinite(consumed)) continue;
          const extra = proc.output[id].slice(consumed);
          if (extra !== '') problems.push(`${id}: unexpected output after the expected text: ${quote(extra)}`);
        }
      }
      return problems.length > 0 ? problems.join('; ') : undefined;
    }
    case 'run':
    case 'unsupported':
      return undefined;
  }
}

const MAX_SHOWN = 120;

function quote(s: string): string {
  return JSON.stringify(s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s);
}

/** The first lines of stderr, to hint at why the exit code was wrong. */
function stderrHint(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(0, 2);
  return lines.length === 0 ? '' : `; stderr: ${quote(lines.join(' | '))}`;
}

/** Describes where `actual` stops matching `expected`, by line. */
export function describeMismatch(stream: StreamId, expected: string, actual: string): string {
  let i = 0;
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++;
  const lineNo = expected.slice(0, i).split('\n').length;
  const lineStart = expected.lastIndexOf('\n', i - 1) + 1;
  const lineOf = (s: string): string => {
    const end = s.indexOf('\n', lineStart);
    return s.slice(lineStart, end === -1 ? undefined : end);
  };
  const got = i >= actual.length ? (actual.length === lineStart ? 'end of output' : `${quote(lineOf(actual))} then end of output`) : quote(lineOf(actual));
  return `${stream} line ${lineNo}: expected ${quote(lineOf(expected))}, got ${got}`;
}
