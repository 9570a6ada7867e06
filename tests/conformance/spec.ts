/**
 * Parsing and validation of wasi-testsuite JSON test specifications.
 *
 * Follows doc/specification.md of WebAssembly/wasi-testsuite and the
 * behaviour of its reference runner (test-runner/wasi_test_runner):
 *
 * - A legacy spec (`args`, `env`, `root`, `dirs`, `exit_code`, `stdout`,
 *   `stderr`) is converted to operations: `run`, then a `read` of stdout if
 *   `stdout` is given, then a `read` of stderr if `stderr` is given, then
 *   `wait`. An absent (or null) `stdout`/`stderr` means "not checked".
 * - An operation-based spec (`operations`, `proposals`, `world`, `servers`)
 *   lists the operations; no operations at all means `run` + `wait`.
 * - Mixing both styles is an error.
 *
 * `root` is a path relative to the spec's directory, preopened as the guest's
 * `/`. `dirs` (the form used before `root` replaced it) is a list of paths
 * relative to the spec's directory, each preopened under its own name as
 * written in the spec.
 */

import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type StreamId = 'stdout' | 'stderr';

/** A directory given to the guest: `--dir HOST::GUEST`. */
export interface Preopen {
  readonly host: string;
  readonly guest: string;
}

export interface RunOp {
  readonly type: 'run';
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly preopens: readonly Preopen[];
}

export interface WaitOp {
  readonly type: 'wait';
  readonly exitCode: number;
}

export interface ReadOp {
  readonly type: 'read';
  readonly id: StreamId;
  readonly payload: string;
}

/** An operation this executor cannot perform yet (connect, send, ...). */
export interface UnsupportedOp {
  readonly type: 'unsupported';
  readonly name: string;
  /** For connect/send/recv: the connection id, kept to validate the spec. */
  readonly connection?: string;
}

export type Operation = RunOp | WaitOp | ReadOp | UnsupportedOp;

export interface TestSpec {
  readonly operations: readonly Operation[];
  /** Features the test needs that this executor does not provide. */
  readonly unsupported: readonly string[];
  /** Non-fatal remarks (unknown keys), like the reference runner's warnings. */
  readonly warnings: readonly string[];
}

export class SpecError extends Error {
  override name = 'SpecError';
}

const LEGACY_KEYS = new Set(['args', 'root', 'dirs', 'env', 'exit_code', 'stderr', 'stdout']);
const OPERATION_KEYS = new Set(['operations', 'proposals', 'world', 'servers', 'debug']);
const KNOWN_OPERATIONS = new Set([
  'run', 'wait', 'read', 'write', 'connect', 'send', 'recv', 'request', 'kill',
]);
const CLI_WORLD = 'wasi:cli/command';

/** The specification used when a test has no `.json` file. */
export function defaultSpec(): TestSpec {
  return {
    operations: [
      { type: 'run', args: [], env: {}, preopens: [] },
      { type: 'wait', exitCode: 0 },
    ],
    unsupported: [],
    warnings: [],
  };
}

/** Reads the spec next to `wasmPath` (`foo.wasm` -> `foo.json`), or the default. */
export function loadSpecFor(wasmPath: string): TestSpec {
  const specPath = wasmPath.replace(/\.wasm$/, '.json');
  if (!existsSync(specPath)) return defaultSpec();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(specPath, 'utf8'));
  } catch (e) {
    throw new SpecError(`${specPath}: invalid JSON: ${(e as Error).message}`);
  }
  return parseSpec(raw, dirname(specPath));
}

/**
 * Parses a spec object. `specDir` is the directory holding the spec, against
 * which `root` and `dirs` are resolved.
 */
export function parseSpec(raw: unknown, specDir: string): TestSpec {
  const obj = asObject(raw, 'spec');
  const keys = Object.keys(obj);
  const isOperationBased = ['operations', 'proposals', 'servers', 'world']
    .some((k) => obj[k] !== undefined && obj[k] !== null);
  if (isOperationBased && keys.some((k) => LEGACY_KEYS.has(k))) {
    throw new SpecError('cannot mix the legacy and the operation-based configuration styles');
  }
  const allowed = isOperationBased ? OPERATION_KEYS : LEGACY_KEYS;
  const warnings = keys.filter((k) => !allowed.has(k)).map((k) => `unknown field in the spec: ${k}`);
  const spec = isOperationBased ? parseOperationSpec(obj, specDir) : parseLegacySpec(obj, specDir);
  validateOperations(spec.operations);
  return { ...spec, warnings };
}

function parseLegacySpec(obj: Record<string, unknown>, specDir: string): Omit<TestSpec, 'warnings'> {
  const operations: Operation[] = [parseRun(obj, specDir, 'spec')];
  if (obj.stdout !== undefined && obj.stdout !== null) {
    operations.push({ type: 'read', id: 'stdout', payload: asString(obj.stdout, 'stdout') });
  }
  if (obj.stderr !== undefined && obj.stderr !== null) {
    operations.push({ type: 'read', id: 'stderr', payload: asString(obj.stderr, 'stderr') });
  }
  operations.push(parseWait(obj, 'spec'));
  return { operations, unsupported: [] };
}

function parseOperationSpec(obj: Record<string, unknown>, specDir: string): Omit<TestSpec, 'warnings'> {
  const unsupported: string[] = [];

  const proposals = optional(obj.proposals, [], (v) => asStringArray(v, 'proposals'));
  for (const p of proposals) unsupported.push(`proposal ${p}`);

  const world = optional(obj.world, CLI_WORLD, (v) => asString(v, 'world'));
  if (world !== CLI_WORLD) unsupported.push(`world ${world}`);

  const servers = optional(obj.servers, [], (v) => asArray(v, 'servers'));
  if (servers.length > 0) unsupported.push('servers');

  const rawOps = optional(obj.operations, [], (v) => asArray(v, 'operations'));
  const operations: Operation[] = rawOps.length === 0
    ? [...defaultSpec().operations]
    : rawOps.map((rawOp, i) => parseOperation(rawOp, `operations[${i}]`, specDir));
  for (const op of operations) {
    if (op.type === 'unsupported' && !unsupported.includes(`operation ${op.name}`)) {
      unsupported.push(`operation ${op.name}`);
    }
  }
  return { operations, unsupported };
}

function parseOperation(raw: unknown, where: string, specDir: string): Operation {
  const op = asObject(raw, where);
  const type = op.type;
  if (typeof type !== 'string' || !KNOWN_OPERATIONS.has(type)) {
    throw new SpecError(`${where}: unsupported operation type ${JSON.stringify(type)}`);
  }
  switch (type) {
    case 'run':
      return parseRun(op, specDir, where);
    case 'wait':
      return parseWait(op, where);
    case 'read': {
      const id = optional(op.id, 'stdout', (v) => asString(v, `${where}.id`));
      if (id !== 'stdout' && id !== 'stderr') {
        throw new SpecError(`${where}: cannot read from stream ${JSON.stringify(id)}`);
      }
      return { type: 'read', id, payload: optional(op.payload, '', (v) => asString(v, `${where}.payload`)) };
    }
    case 'connect': {
      const protocol = optional(op.protocol_type, 'tcp', (v) => asString(v, `${where}.protocol_type`));
      if (!['tcp', 'udp', 'http'].includes(protocol)) {
        throw new SpecError(`${where}: unknown protocol_type ${JSON.stringify(protocol)}`);
      }
      return { type: 'unsupported', name: type, connection: connectionId(op, where, 'server') };
    }
    case 'send':
    case 'recv':
      return { type: 'unsupported', name: type, connection: connectionId(op, where, undefined) };
    default:
      return { type: 'unsupported', name: type };
  }
}

function connectionId(op: Record<string, unknown>, where: string, fallback: string | undefined): string {
  if (op.id !== undefined && op.id !== null) return asString(op.id, `${where}.id`);
  if (fallback === undefined) throw new SpecError(`${where}: ${String(op.type)} requires an 'id'`);
  return fallback;
}

function parseRun(obj: Record<string, unknown>, specDir: string, where: string): RunOp {
  const args = optional(obj.args, [], (v) => asStringArray(v, `${where}.args`));
  const envObj = optional(obj.env, {}, (v) => asObject(v, `${where}.env`));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(envObj)) {
    if (k === '' || k.includes('=')) throw new SpecError(`${where}.env: invalid variable name ${JSON.stringify(k)}`);
    env[k] = asString(v, `${where}.env.${k}`);
  }
  const preopens: Preopen[] = [];
  const root = optional(obj.root, '', (v) => asString(v, `${where}.root`));
  if (root !== '') preopens.push({ host: resolve(specDir, root), guest: '/' });
  const dirs = optional(obj.dirs, [], (v) => asStringArray(v, `${where}.dirs`));
  for (const d of dirs) preopens.push({ host: resolve(specDir, d), guest: d });
  return { type: 'run', args, env, preopens };
}

function parseWait(obj: Record<string, unknown>, where: string): WaitOp {
  const exitCode = optional(obj.exit_code, 0, (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new SpecError(`${where}.exit_code: expected an integer, got ${JSON.stringify(v)}`);
    }
    return v;
  });
  return { type: 'wait', exitCode };
}

/**
 * The validation rules of doc/specification.md: every `run` is paired with a
 * later `wait` (and no second `run` before it); `read`/`connect`/`send`/`recv`
 * come after a `run`; connection ids are unique and defined before use.
 */
function validateOperations(operations: readonly Operation[]): void {
  let running = false;
  const connections = new Set<string>();
  operations.forEach((op, i) => {
    const where = `operation ${i} (${op.type === 'unsupported' ? op.name : op.type})`;
    if (op.type === 'run') {
      if (running) throw new SpecError(`${where}: a process is already running (missing 'wait')`);
      running = true;
      return;
    }
    if (!running) throw new SpecError(`${where}: no process is running (missing 'run')`);
    if (op.type === 'wait') {
      running = false;
      connections.clear();
      return;
    }
    if (op.type === 'unsupported') {
      const id = op.connection;
      if (id === undefined) return;
      if (op.name === 'connect') {
        if (connections.has(id)) throw new SpecError(`${where}: connection id ${JSON.stringify(id)} is not unique`);
        connections.add(id);
      } else if (!connections.has(id)) {
        throw new SpecError(`${where}: connection id ${JSON.stringify(id)} was not defined by a 'connect'`);
      }
    }
  });
  if (running) throw new SpecError(`the last 'run' is not followed by a 'wait'`);
}

// --- small typed readers -------------------------------------------------

function optional<T>(value: unknown, fallback: T, read: (v: unknown) => T): T {
  return value === undefined || value === null ? fallback : read(value);
}

function asObject(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new SpecError(`${where}: expected an object, got ${JSON.stringify(v)}`);
  }
  return v as Record<string, unknown>;
}

function asArray(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new SpecError(`${where}: expected a list, got ${JSON.stringify(v)}`);
  return v;
}

function asString(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new SpecError(`${where}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function asStringArray(v: unknown, where: string): string[] {
  return asArray(v, where).map((item, i) => asString(item, `${where}[${i}]`));
}
