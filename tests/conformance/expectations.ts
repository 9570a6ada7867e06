/**
 * Expectations files: which tests are skipped or expected to fail, in the
 * spirit of the reference runner's TOML expectation files, as JSON:
 *
 *   {
 *     "c/pwrite-with-append": { "status": "xfail", "reason": "..." },
 *     "rust/poll_oneoff_stdio": { "status": "skip", "reason": "..." }
 *   }
 *
 * Keys are test ids (`<suite>/<test>`); keys starting with `$` (such as
 * `$comment`) are ignored. Every entry needs a non-empty `reason`. When
 * several files are given, a later file's entry replaces an earlier one's.
 */

import { readFileSync } from 'node:fs';
import type { TestResult } from './runner.js';

export type ExpectationStatus = 'skip' | 'xfail';

export interface Expectation {
  readonly status: ExpectationStatus;
  readonly reason: string;
  /** The file the entry comes from. */
  readonly source: string;
}

export type Expectations = ReadonlyMap<string, Expectation>;

export type Outcome = 'pass' | 'fail' | 'skip' | 'xfail' | 'xpass';

export class ExpectationsError extends Error {
  override name = 'ExpectationsError';
}

export function parseExpectations(raw: unknown, source: string): Map<string, Expectation> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ExpectationsError(`${source}: expected a JSON object mapping test ids to expectations`);
  }
  const map = new Map<string, Expectation>();
  for (const [id, value] of Object.entries(raw)) {
    if (id.startsWith('$')) continue;
    const where = `${source}: ${JSON.stringify(id)}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ExpectationsError(`${where}: expected an object with 'status' and 'reason'`);
    }
    const { status, reason, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new ExpectationsError(`${where}: unknown field(s) ${unknown.join(', ')}`);
    if (status !== 'skip' && status !== 'xfail') {
      throw new ExpectationsError(`${where}: 'status' must be "skip" or "xfail", got ${JSON.stringify(status)}`);
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new ExpectationsError(`${where}: a non-empty 'reason' is required`);
    }
    map.set(id, { status, reason, source });
  }
  return map;
}

export function loadExpectations(files: readonly string[]): Map<string, Expectation> {
  const merged = new Map<string, Expectation>();
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ExpectationsError(`${file}: ${(e as Error).message}`);
    }
    for (const [id, exp] of parseExpectations(raw, file)) merged.set(id, exp);
  }
  return merged;
}

/**
 * The outcome of a test: not executed -> skip; expected to fail -> xfail if
 * it failed, xpass if it passed; otherwise pass or fail.
 */
export function evaluateOutcome(result: TestResult, expectation: Expectation | undefined): Outcome {
  if (!result.executed) return 'skip';
  const failed = result.failures.length > 0;
  if (expectation?.status === 'xfail') return failed ? 'xfail' : 'xpass';
  return failed ? 'fail' : 'pass';
}

/** Outcomes that make the run fail: regressions and stale xfail entries. */
export function isFailure(outcome: Outcome): boolean {
  return outcome === 'fail' || outcome === 'xpass';
}
