/**
 * Reporting: one console line per test, the summary, and the JSON report.
 */

import { writeFileSync } from 'node:fs';
import { isFailure, type Expectation, type Outcome } from './expectations.js';
import type { RunRecord } from './runner.js';

export interface TestReport {
  readonly id: string;
  readonly suite: string;
  readonly name: string;
  readonly outcome: Outcome;
  /** Why it was skipped, or what failed (also for xfail). */
  readonly reason?: string;
  readonly failures: readonly string[];
  readonly expectation?: Expectation;
  readonly runs: readonly RunRecord[];
  readonly durationMs: number;
}

export interface Summary {
  readonly pass: number;
  readonly fail: number;
  readonly skip: number;
  readonly xfail: number;
  readonly xpass: number;
  /** pass + xfail */
  readonly passed: number;
  /** fail + xpass */
  readonly failed: number;
  /** skip */
  readonly skipped: number;
  readonly total: number;
}

export function summarize(reports: readonly TestReport[]): Summary {
  const count = (o: Outcome): number => reports.filter((r) => r.outcome === o).length;
  const pass = count('pass');
  const fail = count('fail');
  const skip = count('skip');
  const xfail = count('xfail');
  const xpass = count('xpass');
  return {
    pass, fail, skip, xfail, xpass,
    passed: pass + xfail,
    failed: reports.filter((r) => isFailure(r.outcome)).length,
    skipped: skip,
    total: reports.length,
  };
}

const LABEL_WIDTH = 5;

/** The console line of a test (plus details when `verbose`). */
export function formatTestLine(r: TestReport, verbose = false): string {
  const label = r.outcome.toUpperCase().padEnd(LABEL_WIDTH);
  let line: string;
  switch (r.outcome) {
    case 'pass':
      line = `${label} ${r.id} (${r.durationMs} ms)`;
      break;
    case 'fail':
      line = `${label} ${r.id}: ${r.reason ?? 'failed'}`;
      break;
    case 'skip':
      line = `${label} ${r.id}: ${r.reason ?? 'skipped'}`;
      break;
    case 'xfail':
      line = `${label} ${r.id}: failed as expected (${r.expectation?.reason ?? '?'}): ${r.reason ?? ''}`;
      break;
    case 'xpass':
      line = `${label} ${r.id}: passed but is expected to fail (${r.expectation?.reason ?? '?'});`
        + ` remove it from ${r.expectation?.source ?? 'the expectations'}`;
      break;
  }
  if (!verbose || r.outcome === 'pass' || r.outcome === 'skip') return line;
  const details: string[] = [line];
  for (const run of r.runs) {
    details.push(`    $ ${run.argv.map(shellQuote).join(' ')}`);
    const status = run.timedOut ? 'timed out' : run.exitCode === null ? `signal ${run.signal ?? '?'}` : `exit ${run.exitCode}`;
    details.push(`    ${status} after ${run.durationMs} ms`);
    for (const [name, text] of [['stdout', run.stdout], ['stderr', run.stderr]] as const) {
      if (text === '') continue;
      details.push(`    ==${name}==`, ...text.replace(/\n$/, '').split('\n').map((l) => `    | ${l}`));
    }
  }
  return details.join('\n');
}

/** The two closing lines: the breakdown, then `N passed, N failed[, N skipped]`. */
export function formatSummary(s: Summary): string[] {
  const breakdown = `${s.total} tests: ${s.pass} PASS, ${s.xfail} XFAIL, ${s.fail} FAIL, ${s.xpass} XPASS, ${s.skip} SKIP`
    + ' (passed = PASS + XFAIL, failed = FAIL + XPASS, skipped = SKIP)';
  const last = `${s.passed} passed, ${s.failed} failed` + (s.skipped > 0 ? `, ${s.skipped} skipped` : '');
  return [breakdown, last];
}

export interface JsonReportMeta {
  readonly runtime: string;
  readonly command: readonly string[];
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly options: Record<string, unknown>;
}

/** Output kept per stream in the JSON report. */
const JSON_OUTPUT_LIMIT = 64 * 1024;

export function jsonReport(meta: JsonReportMeta, reports: readonly TestReport[]): unknown {
  const clip = (s: string): string => (s.length > JSON_OUTPUT_LIMIT ? `${s.slice(0, JSON_OUTPUT_LIMIT)}…[truncated]` : s);
  return {
    runtime: meta.runtime,
    command: meta.command,
    startedAt: meta.startedAt.toISOString(),
    finishedAt: meta.finishedAt.toISOString(),
    options: meta.options,
    summary: summarize(reports),
    tests: reports.map((r) => ({
      id: r.id,
      suite: r.suite,
      name: r.name,
      outcome: r.outcome,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      failures: r.failures,
      ...(r.expectation ? { expectation: { status: r.expectation.status, reason: r.expectation.reason } } : {}),
      durationMs: r.durationMs,
      runs: r.runs.map((run) => ({ ...run, stdout: clip(run.stdout), stderr: clip(run.stderr) })),
    })),
  };
}

export function writeJsonReport(file: string, meta: JsonReportMeta, reports: readonly TestReport[]): void {
  writeFileSync(file, `${JSON.stringify(jsonReport(meta, reports), null, 2)}\n`);
}

export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
