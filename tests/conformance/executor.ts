/**
 * An executor for the WebAssembly/wasi-testsuite test format (see
 * doc/specification.md there), running each test through a runtime CLI
 * that takes wasmtime's flag spelling:
 *
 *   node <script> [--dir HOST::GUEST]... [--env NAME=VALUE]... -- module.wasm args...
 *
 * Usage: npx tsx tests/conformance/executor.ts [options] DIR...
 * (`--help` lists the options; README.md next to this file has details.)
 */

import { existsSync, realpathSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluateOutcome, loadExpectations, type Expectation } from './expectations.js';
import { runPool, type PoolTask } from './pool.js';
import { killAllLive, type RuntimeCommand } from './process.js';
import { formatSummary, formatTestLine, summarize, writeJsonReport, type Summary, type TestReport } from './report.js';
import { preopenDirsOf, runTest, skipped, type TestResult } from './runner.js';
import { discoverSuite, removeCleanupArtifacts, SUPPORTED_WASI_VERSION, type Suite, type TestCase } from './suite.js';

export { buildArgv, runProcess, runtimeProcessEnv, toWinePath } from './process.js';
export type { RuntimeCommand, ProcessResult } from './process.js';
export { parseSpec, loadSpecFor, defaultSpec, SpecError } from './spec.js';
export type { TestSpec, Operation } from './spec.js';
export { discoverSuite, removeCleanupArtifacts, suiteNameOf } from './suite.js';
export { runTest, describeMismatch } from './runner.js';
export type { TestResult, RunOptions } from './runner.js';
export { parseExpectations, loadExpectations, evaluateOutcome, isFailure, ExpectationsError } from './expectations.js';
export type { Expectation, Outcome } from './expectations.js';
export { runPool } from './pool.js';
export { summarize, formatSummary, formatTestLine, jsonReport } from './report.js';
export type { Summary, TestReport } from './report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '..', '..');
export const ADAPTERS_DIR = join(HERE, 'adapters');
export const DEFAULT_RUNTIME = 'run-wasi';
export const DEFAULT_TIMEOUT_S = 30;

/** A problem with the command line or the inputs (exit status 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ExecutorOptions {
  readonly dirs: readonly string[];
  /** A runtime name (`run-wasi`, `node-wasi`, any adapters/<name>.mjs) or a script path. */
  readonly runtime: string;
  readonly node: string;
  readonly nodeArgs: readonly string[];
  readonly pathStyle: RuntimeCommand['pathStyle'];
  readonly timeoutMs: number;
  readonly jobs: number;
  readonly stdioFiles: boolean;
  readonly strictOutput: boolean;
  readonly exactNewlines: boolean;
  readonly expectations: readonly string[];
  readonly json?: string;
  /** Run only tests whose id contains one of these. */
  readonly filters: readonly string[];
  readonly verbose: boolean;
  /** Environment of the runtime processes (default: ours, minus NODE_OPTIONS). */
  readonly processEnv?: NodeJS.ProcessEnv;
}

export function defaultOptions(dirs: readonly string[] = []): ExecutorOptions {
  return {
    dirs,
    runtime: DEFAULT_RUNTIME,
    node: process.execPath,
    nodeArgs: [],
    pathStyle: 'posix',
    timeoutMs: DEFAULT_TIMEOUT_S * 1000,
    jobs: availableParallelism(),
    stdioFiles: false,
    strictOutput: false,
    exactNewlines: false,
    expectations: [],
    filters: [],
    verbose: false,
  };
}

/** The script run for a runtime name: bin/run-wasi.js, adapters/<name>.mjs, or a path. */
export function resolveRuntimeScript(runtime: string): string {
  if (runtime === 'run-wasi') return join(REPO_ROOT, 'bin', 'run-wasi.js');
  if (/[\\/]/.test(runtime) || /\.[cm]?js$/.test(runtime)) return resolve(runtime);
  return join(ADAPTERS_DIR, `${runtime}.mjs`);
}

export const USAGE = `Usage: npx tsx tests/conformance/executor.ts [options] DIR...

Runs the wasi-testsuite tests (*.wasm + *.json specs) found in each DIR.

Options:
  --runtime NAME|PATH   runtime to test: run-wasi (bin/run-wasi.js, default),
                        node-wasi (node:wasi), any tests/conformance/adapters/NAME.mjs,
                        or a path to a script taking the same CLI
  --node PATH           node binary (or wrapper) that launches the runtime
                        (default: this node, ${process.execPath})
  --node-arg=ARG        extra argument for node before the script (repeatable)
  --wine-paths          pass host paths as Z:\\... (Windows node.exe under Wine)
  --stdio-files         give the runtime files, not pipes, as stdin/stdout/stderr
  --timeout SECONDS     per process (default ${DEFAULT_TIMEOUT_S})
  --jobs N              tests run in parallel (default: CPU count, ${availableParallelism()})
  --expectations FILE   JSON expectations (skip/xfail with reasons); repeatable
  --json FILE           write a JSON report
  --filter TEXT         run only tests whose id contains TEXT (repeatable)
  --strict-output       a read stream must hold nothing beyond the expected text
  --exact-newlines      compare output without universal-newline translation
  -v, --verbose         show commands and output of failing tests
  -h, --help            this text

Exit status: 0 when nothing failed (FAIL or XPASS), 1 otherwise, 2 on usage errors.`;

/** Parses the command line; returns undefined for --help. */
export function parseCliArgs(argv: readonly string[]): ExecutorOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        runtime: { type: 'string' },
        node: { type: 'string' },
        'node-arg': { type: 'string', multiple: true },
        'wine-paths': { type: 'boolean' },
        'stdio-files': { type: 'boolean' },
        timeout: { type: 'string' },
        jobs: { type: 'string', short: 'j' },
        expectations: { type: 'string', multiple: true },
        json: { type: 'string' },
        filter: { type: 'string', multiple: true },
        'strict-output': { type: 'boolean' },
        'exact-newlines': { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return undefined;
  if (parsed.positionals.length === 0) throw new UsageError('no test directory given');
  const defaults = defaultOptions(parsed.positionals);
  const number = (text: string | undefined, name: string, fallback: number, integer: boolean): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new UsageError(`--${name}: expected a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(text)}`);
    }
    return n;
  };
  return {
    ...defaults,
    runtime: v.runtime ?? defaults.runtime,
    node: v.node ?? defaults.node,
    nodeArgs: v['node-arg'] ?? [],
    pathStyle: v['wine-paths'] ? 'wine' : 'posix',
    stdioFiles: v['stdio-files'] ?? false,
    timeoutMs: Math.round(number(v.timeout, 'timeout', DEFAULT_TIMEOUT_S, false) * 1000),
    jobs: number(v.jobs, 'jobs', defaults.jobs, true),
    expectations: v.expectations ?? [],
    ...(v.json !== undefined ? { json: v.json } : {}),
    filters: v.filter ?? [],
    strictOutput: v['strict-output'] ?? false,
    exactNewlines: v['exact-newlines'] ?? false,
    verbose: v.verbose ?? false,
  };
}

export interface ConformanceIO {
  /** A line of the report (stdout). */
  readonly log: (line: string) => void;
  /** A warning (stderr). */
  readonly warn: (line: string) => void;
}

export interface ConformanceRun {
  readonly reports: readonly TestReport[];
  readonly summary: Summary;
}

/** Runs every test of the given directories and reports them through `io`. */
export async function runConformance(opts: ExecutorOptions, io: ConformanceIO): Promise<ConformanceRun> {
  const startedAt = new Date();
  const script = resolveRuntimeScript(opts.runtime);
  if (!existsSync(script)) throw new UsageError(`runtime ${JSON.stringify(opts.runtime)}: ${script} does not exist`);
  const runtime: RuntimeCommand = { node: opts.node, nodeArgs: opts.nodeArgs, script, pathStyle: opts.pathStyle };

  let expectations: Map<string, Expectation>;
  try {
    expectations = loadExpectations(opts.expectations);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }

  const suites = discoverSuites(opts.dirs);
  for (const suite of suites) {
    for (const path of removeCleanupArtifacts(suite.dir)) io.warn(`removed stale artifact ${path}`);
  }
  const all = suites.flatMap((s) => s.tests.map((test) => ({ suite: s, test })));
  const selected = opts.filters.length === 0 ? all : all.filter(({ test }) => opts.filters.some((f) => test.id.includes(f)));
  if (selected.length === 0) throw new UsageError('no tests found');

  warnAboutStaleExpectations(expectations, suites, io);
  for (const { test } of selected) {
    if (!('error' in test.spec)) for (const w of test.spec.warnings) io.warn(`${test.id}: ${w}`);
  }

  io.log(`Running ${selected.length} tests from ${suites.length} suite(s) with ${opts.runtime} (${script}),`
    + ` ${opts.jobs} job(s), timeout ${opts.timeoutMs / 1000} s`);

  const reports: (TestReport | undefined)[] = new Array(selected.length);
  let printed = 0;
  const record = (index: number, report: TestReport): void => {
    reports[index] = report;
    // Print in list order, as soon as all earlier tests are done.
    while (printed < reports.length && reports[printed] !== undefined) {
      io.log(formatTestLine(reports[printed]!, opts.verbose));
      printed++;
    }
  };

  const tasks: PoolTask<void>[] = [];
  selected.forEach(({ suite, test }, index) => {
    const expectation = expectations.get(test.id);
    const finish = (result: TestResult): void => record(index, toReport(test, result, expectation));
    if (expectation?.status === 'skip') {
      finish(skipped(expectation.reason));
    } else if (suite.wasiVersion !== SUPPORTED_WASI_VERSION) {
      finish(skipped(`unsupported: WASI version ${suite.wasiVersion}`));
    } else {
      tasks.push({
        locks: preopenDirsOf(test),
        run: async () => finish(await runTest(test, {
          runtime,
          timeoutMs: opts.timeoutMs,
          stdioFiles: opts.stdioFiles,
          strictOutput: opts.strictOutput,
          exactNewlines: opts.exactNewlines,
          ...(opts.processEnv !== undefined ? { processEnv: opts.processEnv } : {}),
        })),
      });
    }
  });
  await runPool(tasks, opts.jobs);

  const done = reports as TestReport[];
  const summary = summarize(done);
  for (const line of formatSummary(summary)) io.log(line);
  if (opts.json !== undefined) {
    writeJsonReport(opts.json, {
      runtime: opts.runtime,
      command: [opts.node, ...opts.nodeArgs, script],
      startedAt,
      finishedAt: new Date(),
      options: {
        dirs: opts.dirs.map((d) => resolve(d)), timeoutMs: opts.timeoutMs, jobs: opts.jobs,
        stdioFiles: opts.stdioFiles, pathStyle: opts.pathStyle, strictOutput: opts.strictOutput,
        exactNewlines: opts.exactNewlines, expectations: opts.expectations, filters: opts.filters,
      },
    }, done);
  }
  return { reports: done, summary };
}

function discoverSuites(dirs: readonly string[]): Suite[] {
  const suites: Suite[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`not a directory: ${dir}`);
    const suite = discoverSuite(dir);
    const clash = suites.find((s) => s.name === suite.name);
    if (clash !== undefined) {
      throw new UsageError(`${clash.dir} and ${suite.dir} would both be suite ${JSON.stringify(suite.name)}`);
    }
    suites.push(suite);
  }
  return suites;
}

function warnAboutStaleExpectations(expectations: ReadonlyMap<string, Expectation>, suites: readonly Suite[], io: ConformanceIO): void {
  const ids = new Set(suites.flatMap((s) => s.tests.map((t) => t.id)));
  for (const [id, exp] of expectations) {
    const suiteRun = suites.some((s) => id.startsWith(`${s.name}/`));
    if (suiteRun && !ids.has(id)) io.warn(`${exp.source}: no test ${JSON.stringify(id)} (stale entry?)`);
  }
}

function toReport(test: TestCase, result: TestResult, expectation: Expectation | undefined): TestReport {
  const outcome = evaluateOutcome(result, expectation);
  const reason = result.skipReason ?? (result.failures.length > 0 ? result.failures.join('; ') : undefined);
  return {
    id: test.id,
    suite: test.suite,
    name: test.name,
    outcome,
    ...(reason !== undefined ? { reason } : {}),
    failures: result.failures,
    ...(expectation !== undefined ? { expectation } : {}),
    runs: result.runs,
    durationMs: result.durationMs,
  };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const io: ConformanceIO = {
    log: (line) => process.stdout.write(`${line}\n`),
    warn: (line) => process.stderr.write(`warning: ${line}\n`),
  };
  const interrupted = (): void => {
    killAllLive();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const opts = parseCliArgs(argv);
    if (opts === undefined) {
      io.log(USAGE);
      return 0;
    }
    const { summary } = await runConformance(opts, io);
    return summary.failed === 0 ? 0 : 1;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    return 2;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === pathToFileURL(realpathSync(fileURLToPath(import.meta.url))).href;
  } catch {
    return false;
  }
}

if (isMainModule()) {
  main().then((code) => {
    process.exitCode = code;
  }, (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 2;
  });
}
