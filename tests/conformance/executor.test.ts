/**
 * Tests of the wasi-testsuite executor, against fake test directories and a
 * fake runtime (a small .mjs taking run-wasi's CLI whose "module" is a JSON
 * plan saying what to print, how to exit, etc.).
 */

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import {
  buildArgv,
  defaultOptions,
  describeMismatch,
  evaluateOutcome,
  formatSummary,
  parseExpectations,
  parseSpec,
  runConformance,
  runPool,
  summarize,
  type ExecutorOptions,
  type TestReport,
  type TestResult,
} from './executor.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const EXECUTOR = join(HERE, 'executor.ts');
const REPO = join(HERE, '..', '..');

// --- fixtures ------------------------------------------------------------

const FAKE_RUNTIME = String.raw`
import { fstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const argv = process.argv.slice(2);
const dirs = [];
const env = {};
let i = 0;
for (; i < argv.length; i++) {
  if (argv[i] === '--') { i++; break; }
  if (argv[i] === '--dir') dirs.push(argv[++i]);
  else if (argv[i] === '--env') {
    const s = argv[++i];
    const eq = s.indexOf('=');
    env[s.slice(0, eq)] = s.slice(eq + 1);
  } else {
    process.stderr.write('fake runtime: bad flag ' + argv[i] + '\n');
    process.exit(99);
  }
}
const module = argv[i];
const args = argv.slice(i + 1);
const plan = JSON.parse(readFileSync(module, 'utf8'));
const root = dirs.map((d) => d.split('::')).find(([, guest]) => guest === '/')?.[0];
if (plan.marker) writeFileSync(plan.marker, String(process.pid));
if (plan.echo) {
  process.stdout.write(JSON.stringify({
    args, env, dirs,
    stdoutIsFile: fstatSync(1).isFile(),
    runtimeSawSecret: process.env.LEAKY_SECRET !== undefined,
    rootListing: root === undefined ? null : readdirSync(root).sort(),
  }) + '\n');
}
if (plan.stdout) process.stdout.write(plan.stdout);
if (plan.stderr) process.stderr.write(plan.stderr);
if (plan.create) writeFileSync(join(root, plan.create), 'artifact');
if (plan.sleepMs) await new Promise((r) => setTimeout(r, plan.sleepMs));
if (plan.exclusiveMs) {
  // Fails when another test using the same root is running.
  try { writeFileSync(join(root, 'busy'), '', { flag: 'wx' }); } catch { process.exit(42); }
  await new Promise((r) => setTimeout(r, plan.exclusiveMs));
  rmSync(join(root, 'busy'));
}
process.exitCode = plan.exit ?? 0;
`;

interface Plan {
  readonly exit?: number;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly echo?: boolean;
  readonly marker?: string;
  readonly create?: string;
  readonly sleepMs?: number;
  readonly exclusiveMs?: number;
}

interface FakeTest {
  readonly plan: Plan;
  /** Written as <name>.json; a string is written verbatim. */
  readonly spec?: unknown;
}

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'executor-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Makes a runtime script and a suite directory `<tmp>/<suite>` holding the tests. */
function fixture(t: Test, tests: Record<string, FakeTest>, suite = 'fake'): { tmp: string; dir: string; runtime: string } {
  const tmp = tempDir(t);
  const runtime = join(tmp, 'fake-runtime.mjs');
  writeFileSync(runtime, FAKE_RUNTIME);
  const dir = join(tmp, suite);
  mkdirSync(dir);
  for (const [name, { plan, spec }] of Object.entries(tests)) {
    writeFileSync(join(dir, `${name}.wasm`), JSON.stringify(plan));
    if (spec !== undefined) writeFileSync(join(dir, `${name}.json`), typeof spec === 'string' ? spec : JSON.stringify(spec));
  }
  return { tmp, dir, runtime };
}

interface Captured {
  readonly reports: readonly TestReport[];
  readonly byName: (name: string) => TestReport;
  readonly lines: string[];
  readonly warnings: string[];
}

async function execute(dir: string, runtime: string, extra: Partial<ExecutorOptions> = {}): Promise<Captured> {
  const lines: string[] = [];
  const warnings: string[] = [];
  const opts: ExecutorOptions = { ...defaultOptions([dir]), runtime, timeoutMs: 10_000, ...extra };
  const { reports } = await runConformance(opts, { log: (l) => lines.push(l), warn: (l) => warnings.push(l) });
  const byName = (name: string): TestReport => {
    const r = reports.find((x) => x.name === name);
    if (r === undefined) throw new Error(`no report for ${name}`);
    return r;
  };
  return { reports, byName, lines, warnings };
}

interface Echo {
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly dirs: string[];
  readonly stdoutIsFile: boolean;
  readonly runtimeSawSecret: boolean;
  readonly rootListing: string[] | null;
}

function echoed(report: TestReport): Echo {
  const run = report.runs[0];
  if (run === undefined) throw new Error(`${report.id} did not run`);
  return JSON.parse(run.stdout.split('\n')[0]!);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// --- spec parsing ----------------------------------------------------------

t.test('legacy spec: defaults and conversion to operations', async (t) => {
  t.same(parseSpec({}, '/suite').operations, [
    { type: 'run', args: [], env: {}, preopens: [] },
    { type: 'wait', exitCode: 0 },
  ], 'an empty spec runs and expects exit code 0, with no output checks');

  const spec = parseSpec({
    args: ['a', 'b c'], env: { X: '1' }, root: 'fs-tests.dir', dirs: ['extra'],
    exit_code: 3, stdout: 'out', stderr: 'err',
  }, '/suite');
  t.same(spec.operations, [
    {
      type: 'run', args: ['a', 'b c'], env: { X: '1' },
      // Host paths in the host's own form (on Windows `Z:\\suite\\…` for `/suite/…`).
      preopens: [{ host: path.resolve('/suite/fs-tests.dir'), guest: '/' }, { host: path.resolve('/suite/extra'), guest: 'extra' }],
    },
    { type: 'read', id: 'stdout', payload: 'out' },
    { type: 'read', id: 'stderr', payload: 'err' },
    { type: 'wait', exitCode: 3 },
  ], 'root is preopened as /, dirs under their own names, reads come before wait');
  t.same(parseSpec({ stdout: null }, '/s').operations.map((o) => o.type), ['run', 'wait'], 'null stdout is not checked');
  t.same(parseSpec({ foo: 1 }, '/s').warnings, ['unknown field in the spec: foo'], 'unknown keys warn');
  t.throws(() => parseSpec({ exit_code: 'x' }, '/s'), /exit_code/, 'exit_code must be an integer');
  t.throws(() => parseSpec({ args: [1] }, '/s'), /args\[0\]/, 'args must be strings');
  t.throws(() => parseSpec({ env: { A: 2 } }, '/s'), /env/, 'env values must be strings');
});

t.test('operation-based spec', async (t) => {
  t.same(parseSpec({ operations: [] }, '/s').operations.map((o) => o.type), ['run', 'wait'], 'no operations means run + wait');
  const spec = parseSpec({
    operations: [
      { type: 'run', args: ['x'], root: 'r' },
      { type: 'read', payload: 'hi' },
      { type: 'read', id: 'stderr' },
      { type: 'wait', exit_code: 1 },
    ],
  }, '/s');
  t.same(spec.operations, [
    { type: 'run', args: ['x'], env: {}, preopens: [{ host: path.resolve('/s/r'), guest: '/' }] },
    { type: 'read', id: 'stdout', payload: 'hi' },
    { type: 'read', id: 'stderr', payload: '' },
    { type: 'wait', exitCode: 1 },
  ]);
  t.same(spec.unsupported, []);

  const net = parseSpec({
    operations: [{ type: 'run' }, { type: 'connect' }, { type: 'send', id: 'server', payload: 'x' }, { type: 'recv', id: 'server' }, { type: 'wait' }],
  }, '/s');
  t.same(net.unsupported, ['operation connect', 'operation send', 'operation recv'], 'socket operations are unsupported');
  t.same(parseSpec({ proposals: ['http'] }, '/s').unsupported, ['proposal http']);

  t.throws(() => parseSpec({ operations: [{ type: 'run' }], exit_code: 1 }, '/s'), /mix/, 'styles cannot be mixed');
  t.throws(() => parseSpec({ operations: [{ type: 'read' }, { type: 'run' }, { type: 'wait' }] }, '/s'), /no process/, 'read before run');
  t.throws(() => parseSpec({ operations: [{ type: 'run' }] }, '/s'), /not followed by a 'wait'/, 'run without wait');
  t.throws(() => parseSpec({ operations: [{ type: 'run' }, { type: 'run' }, { type: 'wait' }] }, '/s'), /already running/);
  t.throws(() => parseSpec({ operations: [{ type: 'run' }, { type: 'send', id: 'c' }, { type: 'wait' }] }, '/s'), /not defined/, 'send on an unknown connection');
  t.throws(() => parseSpec({ operations: [{ type: 'run' }, { type: 'connect' }, { type: 'connect' }, { type: 'wait' }] }, '/s'), /not unique/, 'duplicate connection ids');
  t.throws(() => parseSpec({ operations: [{ type: 'run' }, { type: 'recv' }, { type: 'wait' }] }, '/s'), /requires an 'id'/);
  t.throws(() => parseSpec({ operations: [{ type: 'frobnicate' }] }, '/s'), /unsupported operation type/);
  t.throws(() => parseSpec({ operations: [{ type: 'run' }, { type: 'read', id: 'stdin' }, { type: 'wait' }] }, '/s'), /cannot read/);
});

t.test('describeMismatch points at the first differing line', async (t) => {
  t.equal(describeMismatch('stdout', 'a\nb\nc\n', 'a\nB\nc\n'), 'stdout line 2: expected "b", got "B"');
  t.equal(describeMismatch('stderr', 'hello', ''), 'stderr line 1: expected "hello", got end of output');
  t.equal(describeMismatch('stdout', 'a\nbc', 'a\nb'), 'stdout line 2: expected "bc", got "b" then end of output');
});

t.test('buildArgv uses wasmtime flag spelling and keeps arguments intact', async (t) => {
  const run = {
    type: 'run' as const, args: ['a b', '', 'q"uote', 'new\nline'], env: { A: 'x=y', B: '' },
    preopens: [{ host: '/h/root', guest: '/' }],
  };
  t.same(buildArgv({ node: '/bin/node', nodeArgs: ['--stack-size=2000'], script: '/r/bin/run-wasi.js', pathStyle: 'posix' }, '/t/m.wasm', run), [
    '/bin/node', '--stack-size=2000', '/r/bin/run-wasi.js',
    '--dir', '/h/root::/', '--env', 'A=x=y', '--env', 'B=', '--', '/t/m.wasm', 'a b', '', 'q"uote', 'new\nline',
  ]);
  t.same(buildArgv({ node: 'node.exe', nodeArgs: [], script: '/r/bin/run-wasi.js', pathStyle: 'wine' }, '/t/m.wasm', { ...run, args: [], env: {} }),
    ['node.exe', 'Z:\\r\\bin\\run-wasi.js', '--dir', 'Z:\\h\\root::/', '--', 'Z:\\t\\m.wasm'], 'wine paths');
});

// --- expectations and outcomes -------------------------------------------

t.test('expectations file validation', async (t) => {
  const map = parseExpectations({
    $comment: 'ignored',
    'c/a': { status: 'skip', reason: 'hangs' },
    'c/b': { status: 'xfail', reason: 'known bug' },
  }, 'e.json');
  t.same([...map.keys()], ['c/a', 'c/b']);
  t.equal(map.get('c/b')?.status, 'xfail');
  t.throws(() => parseExpectations({ 'c/a': { status: 'xfail' } }, 'e.json'), /reason/, 'reason is mandatory');
  t.throws(() => parseExpectations({ 'c/a': { status: 'xfail', reason: '  ' } }, 'e.json'), /reason/, 'reason must not be blank');
  t.throws(() => parseExpectations({ 'c/a': { status: 'pass', reason: 'r' } }, 'e.json'), /status/);
  t.throws(() => parseExpectations({ 'c/a': { status: 'skip', reason: 'r', why: 1 } }, 'e.json'), /unknown field/);
  t.throws(() => parseExpectations([], 'e.json'), /object/);
  const official = join(REPO, 'wasi-testsuite', 'expectations', 'official-wasip1.json');
  const entries = parseExpectations(JSON.parse(readFileSync(official, 'utf8')), official);
  t.ok([...entries.keys()].every((id) => /^[^/]+\/[^/]+$/.test(id)), 'the official expectations file is valid, with <suite>/<test> ids');
});

t.test('outcome evaluation', async (t) => {
  const passed: TestResult = { executed: true, failures: [], runs: [], durationMs: 0 };
  const failed: TestResult = { executed: true, failures: ['boom'], runs: [], durationMs: 0 };
  const notRun: TestResult = { executed: false, skipReason: 'x', failures: [], runs: [], durationMs: 0 };
  const xfail = { status: 'xfail' as const, reason: 'r', source: 'e' };
  t.equal(evaluateOutcome(passed, undefined), 'pass');
  t.equal(evaluateOutcome(failed, undefined), 'fail');
  t.equal(evaluateOutcome(failed, xfail), 'xfail');
  t.equal(evaluateOutcome(passed, xfail), 'xpass');
  t.equal(evaluateOutcome(notRun, xfail), 'skip');

  const report = (outcome: TestReport['outcome']): TestReport => ({ id: 'x', suite: 's', name: 'x', outcome, failures: [], runs: [], durationMs: 0 });
  const s = summarize(['pass', 'xfail', 'fail', 'xpass', 'skip', 'skip'].map((o) => report(o as TestReport['outcome'])));
  t.match(s, { passed: 2, failed: 2, skipped: 2, total: 6 }, 'xfail counts as passed, xpass as failed');
  t.equal(formatSummary(s).at(-1), '2 passed, 2 failed, 2 skipped');
  t.equal(formatSummary(summarize([report('pass')])).at(-1), '1 passed, 0 failed', 'no skipped part when nothing was skipped');
});

t.test('pool: tests sharing a directory never overlap, others run in parallel', async (t) => {
  let running = 0;
  let maxRunning = 0;
  const active = new Set<string>();
  const clashes: string[] = [];
  const task = (lock: string) => ({
    locks: lock === '' ? [] : [lock],
    run: async () => {
      if (lock !== '' && [...active].some((a) => a === lock || a.startsWith(`${lock}${path.sep}`) || lock.startsWith(`${a}${path.sep}`))) clashes.push(lock);
      if (lock !== '') active.add(lock);
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      active.delete(lock);
      return lock;
    },
  });
  // Absolute paths as the host writes them (the pool compares by path.sep).
  const locks = ['/a', '/a', '/b', '', '/a/sub', '/b', '', '/a'].map((l) => (l === '' ? '' : path.resolve(l)));
  const results = await runPool(locks.map(task), 3);
  t.same(results, locks, 'results come back in list order');
  t.same(clashes, [], 'no two tasks with overlapping locks ran at once');
  t.equal(maxRunning, 3, 'up to `jobs` tasks ran at once');
});

// --- end to end, through a fake runtime ------------------------------------

t.test('exit code and output checks', async (t) => {
  const { dir, runtime } = fixture(t, {
    ok: { plan: {} },
    'no-spec-exit-1': { plan: { exit: 1, stderr: 'panicked at foo\nbecause\nmore\n' } },
    'wrong-exit': { plan: { exit: 1 }, spec: { exit_code: 33 } },
    'right-exit': { plan: { exit: 33 }, spec: { exit_code: 33 } },
    'stdout-ok': { plan: { stdout: 'hello\nworld\n' }, spec: { stdout: 'hello\nworld\n' } },
    'stdout-prefix': { plan: { stdout: 'hello\nworld\nand more\n' }, spec: { stdout: 'hello\nworld\n' } },
    'stdout-crlf': { plan: { stdout: 'hello\r\nworld\r\n' }, spec: { stdout: 'hello\nworld\n' } },
    'stdout-wrong': { plan: { stdout: 'hello\nword\n' }, spec: { stdout: 'hello\nworld\n' } },
    'stderr-wrong': { plan: { stderr: 'oops' }, spec: { stderr: 'fine' } },
    'ops-reads': {
      plan: { stdout: 'ab', exit: 2 },
      spec: { operations: [{ type: 'run' }, { type: 'read', payload: 'a' }, { type: 'read', payload: 'b' }, { type: 'wait', exit_code: 2 }] },
    },
    'ops-twice': {
      plan: { stdout: 'x' },
      spec: { operations: [{ type: 'run' }, { type: 'read', payload: 'x' }, { type: 'wait' }, { type: 'run' }, { type: 'read', payload: 'x' }, { type: 'wait' }] },
    },
    'bad-json': { plan: {}, spec: '{ nope' },
    'bad-spec': { plan: {}, spec: { operations: [{ type: 'read' }] } },
    sockets: {
      plan: {},
      spec: { operations: [{ type: 'run' }, { type: 'connect' }, { type: 'send', id: 'server', payload: 'x' }, { type: 'wait' }] },
    },
  });
  const r = await execute(dir, runtime);
  const outcome = (name: string): string => r.byName(name).outcome;

  t.equal(outcome('ok'), 'pass');
  t.equal(outcome('no-spec-exit-1'), 'fail', 'a missing spec expects exit code 0');
  t.match(r.byName('no-spec-exit-1').reason, /exit code: expected 0, got 1; stderr: "panicked at foo \| because"/);
  t.equal(outcome('wrong-exit'), 'fail');
  t.match(r.byName('wrong-exit').reason, 'exit code: expected 33, got 1');
  t.equal(outcome('right-exit'), 'pass');
  t.equal(outcome('stdout-ok'), 'pass');
  t.equal(outcome('stdout-prefix'), 'pass', 'like the reference runner, output after the expected text is not checked');
  t.equal(outcome('stdout-crlf'), 'pass', 'universal newlines, as in the reference runner');
  t.equal(outcome('stdout-wrong'), 'fail');
  t.match(r.byName('stdout-wrong').reason, 'stdout line 2: expected "world", got "word"');
  t.equal(outcome('stderr-wrong'), 'fail');
  t.match(r.byName('stderr-wrong').reason, 'stderr line 1');
  t.equal(outcome('ops-reads'), 'pass', 'reads consume the stream in order');
  t.equal(outcome('ops-twice'), 'pass', 'each run is a fresh process');
  t.equal(r.byName('ops-twice').runs.length, 2);
  t.equal(outcome('bad-json'), 'fail');
  t.match(r.byName('bad-json').reason, /invalid spec: .*invalid JSON/);
  t.equal(outcome('bad-spec'), 'fail');
  t.match(r.byName('bad-spec').reason, /invalid spec/);
  t.equal(outcome('sockets'), 'skip');
  t.match(r.byName('sockets').reason, 'unsupported: operation connect, operation send');
  t.same(r.byName('sockets').runs, [], 'an unsupported test is not run');

  t.match(r.lines, [/^Running 14 tests/]);
  t.ok(r.lines.includes('PASS  fake/ok (' + r.byName('ok').durationMs + ' ms)'), 'one PASS line per test');
  t.ok(r.lines.some((l) => l.startsWith('FAIL  fake/wrong-exit: exit code: expected 33, got 1')), 'FAIL line with the reason');
  t.ok(r.lines.some((l) => l.startsWith('SKIP  fake/sockets: unsupported')), 'SKIP line');
  const testLines = r.lines.filter((l) => /^(PASS|FAIL|SKIP)/.test(l)).map((l) => l.split(/[ :]+/)[1]);
  t.same(testLines, [...testLines].sort(), 'lines come in test order despite parallel runs');
  t.equal(r.lines.at(-1), '7 passed, 6 failed, 1 skipped');

  const strict = await execute(dir, runtime, { strictOutput: true, filters: ['stdout-'] });
  t.equal(strict.byName('stdout-prefix').outcome, 'fail', '--strict-output rejects extra output');
  t.match(strict.byName('stdout-prefix').reason, 'unexpected output after the expected text: "and more\\n"');
  t.equal(strict.byName('stdout-ok').outcome, 'pass');
  const exact = await execute(dir, runtime, { exactNewlines: true, filters: ['stdout-crlf'] });
  t.equal(exact.byName('stdout-crlf').outcome, 'fail', '--exact-newlines sees the \\r');
});

t.test('the guest gets exactly the spec\'s args, env and preopens', async (t) => {
  const { dir, runtime } = fixture(t, {
    env: { plan: { echo: true }, spec: { env: { a: 'text', b: 'escap " ing', c: 'new\nline', d: '' }, args: ['first', 'the "second" arg', '', 'x y'] } },
    'no-env': { plan: { echo: true } },
    dirs: { plan: { echo: true }, spec: { root: 'fs.dir', dirs: ['other.dir'] } },
  });
  mkdirSync(join(dir, 'fs.dir'));
  mkdirSync(join(dir, 'other.dir'));
  process.env.LEAKY_SECRET = 'do-not-pass';
  t.teardown(() => {
    delete process.env.LEAKY_SECRET;
  });
  const r = await execute(dir, runtime);
  t.ok(echoed(r.byName('no-env')).runtimeSawSecret, 'the runtime process inherits the environment (so the next check means something)');
  t.same(echoed(r.byName('env')).env, { a: 'text', b: 'escap " ing', c: 'new\nline', d: '' }, 'env is exactly the spec\'s');
  t.same(echoed(r.byName('env')).args, ['first', 'the "second" arg', '', 'x y'], 'args are passed verbatim');
  t.same(echoed(r.byName('no-env')).env, {}, 'nothing from the executor\'s environment reaches the guest');
  t.same(echoed(r.byName('no-env')).args, []);
  t.same(echoed(r.byName('dirs')).dirs, [`${join(dir, 'fs.dir')}::/`, `${join(dir, 'other.dir')}::other.dir`]);
});

t.test('expectations: xfail, xpass and skip', async (t) => {
  const { tmp, dir, runtime } = fixture(t, {
    'fails-expectedly': { plan: { exit: 1 } },
    'passes-unexpectedly': { plan: {} },
    skipped: { plan: { marker: 'ran.marker' } },
    plain: { plan: {} },
  });
  const marker = join(dir, 'ran.marker'); // the runtime runs in the test's directory
  const expectations = join(tmp, 'expectations.json');
  writeFileSync(expectations, JSON.stringify({
    'fake/fails-expectedly': { status: 'xfail', reason: 'known bug 1' },
    'fake/passes-unexpectedly': { status: 'xfail', reason: 'known bug 2' },
    'fake/skipped': { status: 'skip', reason: 'would hang' },
    'fake/gone': { status: 'skip', reason: 'stale' },
    'other/x': { status: 'skip', reason: 'another suite' },
  }));
  const r = await execute(dir, runtime, { expectations: [expectations] });
  t.equal(r.byName('fails-expectedly').outcome, 'xfail');
  t.equal(r.byName('passes-unexpectedly').outcome, 'xpass');
  t.equal(r.byName('skipped').outcome, 'skip');
  t.equal(r.byName('skipped').reason, 'would hang');
  t.notOk(existsSync(marker), 'a skipped test is not run');
  t.equal(r.byName('plain').outcome, 'pass');
  t.ok(r.lines.some((l) => /^XFAIL fake\/fails-expectedly: failed as expected \(known bug 1\): exit code: expected 0, got 1/.test(l)));
  t.ok(r.lines.some((l) => /^XPASS fake\/passes-unexpectedly: passed but is expected to fail \(known bug 2\)/.test(l)));
  t.equal(r.lines.at(-1), '2 passed, 1 failed, 1 skipped', 'xfail counts as passed, xpass as failed');
  t.same(r.warnings.filter((w) => w.includes('stale entry')).length, 1, 'stale entries of the suites run are reported');
});

t.test('*.cleanup artifacts are removed', async (t) => {
  const { dir, runtime } = fixture(t, {
    artifacts: { plan: { echo: true, create: 'made-by-test.cleanup' }, spec: { root: 'fs.dir' } },
  });
  const root = join(dir, 'fs.dir');
  mkdirSync(join(root, 'sub', 'stale-dir.cleanup'), { recursive: true });
  writeFileSync(join(root, 'sub', 'stale-dir.cleanup', 'inner'), '');
  writeFileSync(join(root, 'stale.cleanup'), '');
  writeFileSync(join(root, 'keep.txt'), '');
  writeFileSync(join(dir, 'top.cleanup'), '');
  const r = await execute(dir, runtime);
  t.equal(r.byName('artifacts').outcome, 'pass');
  t.same(echoed(r.byName('artifacts')).rootListing, ['keep.txt', 'sub'], 'the test started without stale artifacts');
  t.same(readdirSync(root).sort(), ['keep.txt', 'sub'], 'the artifact the test made is removed after it');
  t.same(readdirSync(join(root, 'sub')), [], 'nested artifacts (directories too) are removed');
  t.notOk(existsSync(join(dir, 'top.cleanup')), 'artifacts in the test directory are removed');
  t.ok(r.warnings.some((w) => w.includes('top.cleanup')), 'stale artifacts are mentioned');
});

t.test('tests sharing a root directory do not run at the same time', async (t) => {
  const { dir, runtime } = fixture(t, {
    a: { plan: { exclusiveMs: 300 }, spec: { root: 'fs.dir' } },
    b: { plan: { exclusiveMs: 300 }, spec: { root: 'fs.dir' } },
    c: { plan: { exclusiveMs: 300 }, spec: { root: 'other.dir' } },
  });
  mkdirSync(join(dir, 'fs.dir'));
  mkdirSync(join(dir, 'other.dir'));
  const r = await execute(dir, runtime, { jobs: 3 });
  t.same(r.reports.map((x) => x.outcome), ['pass', 'pass', 'pass'], 'no test saw another one in its root');
});

t.test('timeout kills the runtime', async (t) => {
  const { dir, runtime } = fixture(t, { sleeper: { plan: { marker: 'pid', sleepMs: 60_000 } } });
  const marker = join(dir, 'pid');
  // Long enough for the fake runtime to start and write its pid first: node with tsx took over 1 s
  // to get there on a busy 2-core machine (CI runs four Node lanes), and node.exe under Wine a few.
  const timeoutS = process.env.RUN_WASI_LANE === 'wine' ? 10 : 5;
  const started = Date.now();
  const r = await execute(dir, runtime, { timeoutMs: timeoutS * 1000 });
  t.ok(Date.now() - started < timeoutS * 1000 + 10_000, 'did not wait for the sleeper');
  t.equal(r.byName('sleeper').outcome, 'fail');
  t.match(r.byName('sleeper').reason, `timed out after ${timeoutS} s`);
  const pid = Number(readFileSync(marker, 'utf8'));
  t.notOk(isAlive(pid), 'the runtime process is gone');
});

t.test('--stdio-files gives the runtime files instead of pipes', async (t) => {
  const { dir, runtime } = fixture(t, {
    echo: { plan: { echo: true, stdout: 'tail\n', stderr: 'err\n', exit: 4 }, spec: { exit_code: 4, stderr: 'err\n' } },
  });
  const piped = await execute(dir, runtime);
  t.equal(echoed(piped.byName('echo')).stdoutIsFile, false);
  const files = await execute(dir, runtime, { stdioFiles: true });
  t.equal(files.byName('echo').outcome, 'pass', 'exit code and stderr are checked through files too');
  t.equal(echoed(files.byName('echo')).stdoutIsFile, true, 'stdout is a regular file');
  t.match(files.byName('echo').runs[0]?.stdout, /\ntail\n$/, 'stdout is read back');
});

t.test('the runtime is reported when it cannot be started', async (t) => {
  const { dir, runtime } = fixture(t, { ok: { plan: {} } });
  const r = await execute(dir, runtime, { node: join(dir, 'no-such-node') });
  t.equal(r.byName('ok').outcome, 'fail');
  t.match(r.byName('ok').reason, /could not start the runtime/);
});

t.test('command line: report lines, JSON and exit status', async (t) => {
  const { tmp, dir, runtime } = fixture(t, { good: { plan: {} }, bad: { plan: { exit: 5 } } });
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', EXECUTOR, ...args], {
    cwd: REPO, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' },
  });

  const json = join(tmp, 'report.json');
  const failing = cli('--runtime', runtime, '--jobs', '1', '--json', json, dir);
  t.equal(failing.status, 1, 'exit 1 when a test fails');
  const lines = failing.stdout.trimEnd().split('\n');
  t.equal(lines.at(-1), '1 passed, 1 failed');
  t.match(lines.at(-2), /passed = PASS \+ XFAIL, failed = FAIL \+ XPASS/, 'the line before says what counts how');
  t.ok(lines.some((l) => l.startsWith('FAIL  fake/bad: exit code: expected 0, got 5')));
  const report = JSON.parse(readFileSync(json, 'utf8'));
  t.match(report, { summary: { passed: 1, failed: 1 }, tests: [{ id: 'fake/bad', outcome: 'fail' }, { id: 'fake/good', outcome: 'pass' }] });

  const expectations = join(tmp, 'e.json');
  writeFileSync(expectations, JSON.stringify({ 'fake/bad': { status: 'xfail', reason: 'exits 5' } }));
  const green = cli('--runtime', runtime, '--expectations', expectations, dir);
  t.equal(green.status, 0, 'exit 0 when the only failure is expected');
  t.equal(green.stdout.trimEnd().split('\n').at(-1), '2 passed, 0 failed');

  const usage = cli('--runtime', runtime, join(tmp, 'missing'));
  t.equal(usage.status, 2, 'exit 2 on a bad directory');
  t.match(usage.stderr, /not a directory/);
  t.equal(cli('--runtime', join(tmp, 'nope.mjs'), dir).status, 2, 'exit 2 when the runtime script is missing');
});
