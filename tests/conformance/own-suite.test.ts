/**
 * The project's own conformance suite (wasi-testsuite/ at the repository root), run by the
 * executor against run-wasi as part of `npm test`.
 *
 * Builds the WAT tests (their .wasm are build products; the C tests' .wasm are committed), runs
 * every test program through the CLI exactly as `npm run conformance` does, and makes one tap
 * assertion per case (each "ok NAME" line the spec's stdout expects) plus one per program (exit
 * code, stdout and stderr as its spec says). So the closing `N passed` counts cases + programs.
 *
 * Cases that fail because run-wasi is wrong, not the test, are listed with the reason under
 * `$known-failures` in wasi-testsuite/expectations/own.json: each is reported as a tap TODO
 * (counted as skipped); when one starts passing, its assertion fails until it is removed from
 * the list (and its program's xfail entry), so the file stays true.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { defaultOptions, discoverSuite, parseExpectations, runConformance } from './executor.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SUITE = join(REPO, 'wasi-testsuite');
const FAMILIES = ['c', 'wat'];

const EXPECTATIONS = join(SUITE, 'expectations', 'own.json');
/**
 * case name → why run-wasi fails it (the expectation is right; run-wasi is to be fixed), from the
 * `$known-failures` of wasi-testsuite/expectations/own.json, whose per-program xfail entries are
 * what the executor's CLI uses.
 */
const expectationsFile = JSON.parse(readFileSync(EXPECTATIONS, 'utf8')) as Record<string, unknown>;
const KNOWN_FAILURES = (expectationsFile['$known-failures'] ?? {}) as Readonly<Record<string, string>>;

function build(): string | undefined {
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'build-suite.mjs'), '--wat'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${r.stdout}${r.stderr}${r.error?.message ?? ''}`;
}

/** The cases a program must print: the "ok NAME" lines of its spec's stdout. */
function expectedCases(specStdout: string | undefined): string[] {
  if (specStdout === undefined) return [];
  return specStdout.split('\n').filter((l) => l.startsWith('ok ')).map((l) => l.slice(3));
}

t.test('the own suite builds and every C test has its committed binary', async (t) => {
  t.equal(build(), undefined, 'scripts/build-suite.mjs --wat');
  for (const family of FAMILIES) {
    const dir = join(SUITE, family);
    for (const source of readdirSync(dir).filter((n) => n.endsWith('.c'))) {
      t.ok(existsSync(join(dir, source.replace(/\.c$/, '.wasm'))), `${family}/${source} has a committed .wasm (npm run build:suite)`);
    }
  }
});

/** The disk run's reports, for the in-memory run to be compared with. */
let onDisk: Awaited<ReturnType<typeof runConformance>>['reports'] = [];

t.test('the own suite passes under run-wasi', async (t) => {
  const warnings: string[] = [];
  const { reports } = await runConformance(
    { ...defaultOptions(FAMILIES.map((f) => join(SUITE, f))), jobs: availableParallelism(), timeoutMs: 60_000 },
    { log: () => {}, warn: (line) => warnings.push(line) },
  );
  t.same(warnings.filter((w) => !w.startsWith('removed stale artifact')), [], 'no warnings about specs');
  onDisk = reports;
  const specs = new Map<string, string | undefined>();
  for (const family of FAMILIES) {
    for (const test of discoverSuite(join(SUITE, family)).tests) {
      if ('error' in test.spec) continue;
      const read = test.spec.operations.find((op) => op.type === 'read' && op.id === 'stdout');
      specs.set(test.id, read?.type === 'read' ? read.payload : undefined);
    }
  }
  const seen = new Set<string>();
  const programsWithKnown = new Set<string>();
  let cases = 0;
  for (const report of reports) {
    const names = expectedCases(specs.get(report.id));
    const stdout = report.runs[0]?.stdout ?? '';
    const printed = new Set(stdout.split('\n'));
    const failLine = (name: string): string | undefined => stdout.split('\n').find((l) => l.startsWith(`FAIL ${name}:`));
    if (names.some((n) => KNOWN_FAILURES[n] !== undefined)) programsWithKnown.add(report.id);
    t.test(report.id, async (t) => {
      const knownFailing: string[] = [];
      for (const name of names) {
        cases++;
        seen.add(name);
        const passed = printed.has(`ok ${name}`);
        const known = KNOWN_FAILURES[name];
        if (known !== undefined) {
          if (passed) t.fail(`${name}: passes now: remove it from $known-failures (and its program's xfail) in wasi-testsuite/expectations/own.json`);
          else {
            knownFailing.push(name);
            t.fail(name, { todo: known });
          }
          continue;
        }
        t.ok(passed, name, passed ? {} : { found: failLine(name) ?? '(no line for this case)', failures: report.failures });
      }
      if (knownFailing.length === 0) {
        t.equal(report.outcome, 'pass', `${report.id}: exit code, stdout and stderr as the spec says`, {
          failures: report.failures, stderr: report.runs[0]?.stderr.slice(0, 2000),
        });
      } else {
        // The program fails (exit 1, stdout differs) for its known failures and nothing else.
        const others = report.failures.filter((f) => !f.startsWith('stdout line') && !f.startsWith('exit code: expected 0, got 1'));
        const strayFails = stdout.split('\n').filter((l) => l.startsWith('FAIL ') && !knownFailing.some((k) => l.startsWith(`FAIL ${k}:`)));
        t.ok(report.runs[0]?.exitCode === 1 && others.length === 0 && strayFails.length === 0,
          `${report.id}: exit code, stdout and stderr as the spec says, but for its ${knownFailing.length} known failure(s)`,
          { failures: report.failures, strayFails });
      }
    });
  }
  await t.test('totals', async (t) => {
    t.ok(cases >= 400, `${cases} cases in ${reports.length} programs (at least 400)`);
    for (const name of Object.keys(KNOWN_FAILURES)) t.ok(seen.has(name), `$known-failures entry ${name} names a case of the suite`);
    const xfail = Object.entries(expectationsFile)
      .filter(([id, e]) => !id.startsWith('$') && (e as { status?: string }).status === 'xfail')
      .map(([id]) => id)
      .sort();
    t.same(xfail, [...programsWithKnown].sort(), 'own.json marks xfail exactly the programs holding known failures');
    t.doesNotThrow(() => parseExpectations(expectationsFile, EXPECTATIONS), 'own.json is a valid expectations file for the executor');
  });
});

/** Each case's outcome in a program's output: "ok NAME" and "FAIL NAME: …" lines, by name. */
function caseLines(stdout: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const name = line.startsWith('ok ') ? line.slice(3) : line.startsWith('FAIL ') ? line.slice(5, line.indexOf(':')) : undefined;
    if (name !== undefined) lines.set(name, line.startsWith('ok ') ? 'ok' : line);
  }
  return lines;
}

/** Does this Node have JavaScript Promise Integration (the async host's base, Node 24 and later)? */
const hasJspi = typeof (WebAssembly as { Suspending?: unknown }).Suspending === 'function';

t.test('the own suite on the async host (options.async): case for case as on the synchronous one', {
  skip: hasJspi ? false : `no JSPI before Node 24 (this is Node ${process.versions.node})`,
}, async (t) => {
  const { reports } = await runConformance(
    { ...defaultOptions(FAMILIES.map((f) => join(SUITE, f))), runtime: 'run-wasi-async', jobs: availableParallelism(), timeoutMs: 60_000 },
    { log: () => {}, warn: () => {} },
  );
  t.equal(reports.length, onDisk.length, `${reports.length} programs, as on the synchronous host`);
  let cases = 0;
  for (const sync of onDisk) {
    const async = reports.find((r) => r.id === sync.id);
    const expected = caseLines(sync.runs[0]?.stdout ?? '');
    cases += expected.size;
    t.same(Object.fromEntries(caseLines(async?.runs[0]?.stdout ?? '')), Object.fromEntries(expected), `${sync.id}: ${expected.size} cases, each as on the synchronous host`);
    t.equal(async?.outcome, sync.outcome, `${sync.id}: ${sync.outcome} on both hosts`, { failures: async?.failures });
  }
  t.ok(cases >= 400, `${cases} cases compared`);
});

t.test('the own suite over the in-memory file system: case for case as on disk', async (t) => {
  // Every preopen (each family's fs-tests.dir) is copied into a MemoryFs by the adapter; the guest
  // never touches the disk.
  const { reports } = await runConformance(
    { ...defaultOptions(FAMILIES.map((f) => join(SUITE, f))), runtime: 'run-wasi-memory', jobs: availableParallelism(), timeoutMs: 60_000 },
    { log: () => {}, warn: () => {} },
  );
  t.equal(reports.length, onDisk.length, `${reports.length} programs, as on disk`);
  let cases = 0;
  for (const disk of onDisk) {
    const memory = reports.find((r) => r.id === disk.id);
    const expected = caseLines(disk.runs[0]?.stdout ?? '');
    const got = caseLines(memory?.runs[0]?.stdout ?? '');
    cases += expected.size;
    t.same(Object.fromEntries(got), Object.fromEntries(expected), `${disk.id}: ${expected.size} cases, each as on disk`);
    t.equal(memory?.outcome, disk.outcome, `${disk.id}: ${disk.outcome} on disk and in memory`);
  }
  t.ok(cases >= 400, `${cases} cases compared`);
});
