/**
 * Test discovery: the `*.wasm` files of a test directory (not recursive, as
 * in the reference runner), their specs, the suite's manifest and name, and
 * removal of `*.cleanup` artifacts.
 */

import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadSpecFor, SpecError, type TestSpec } from './spec.js';

/** The only WASI version this executor (and run-wasi) targets. */
export const SUPPORTED_WASI_VERSION = 'wasm32-wasip1';
const WASI_VERSIONS = new Set(['wasm32-wasip1', 'wasm32-wasip2', 'wasm32-wasip3']);

export interface TestCase {
  /** Suite-relative id used in reports and expectations: `c/pwrite-with-append`. */
  readonly id: string;
  readonly suite: string;
  /** Base name of the module, without `.wasm`. */
  readonly name: string;
  readonly wasmPath: string;
  readonly dir: string;
  /** The parsed spec, or the reason it could not be parsed. */
  readonly spec: TestSpec | { readonly error: string };
}

export interface Suite {
  /** Short name: `c` for `tests/c/testsuite/wasm32-wasip1`. */
  readonly name: string;
  readonly dir: string;
  /** From manifest.json (`name`), else the directory. */
  readonly title: string;
  readonly wasiVersion: string;
  readonly tests: readonly TestCase[];
}

interface Manifest {
  readonly name?: string;
  readonly version?: string;
}

function readManifest(dir: string): Manifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return {};
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof raw !== 'object' || raw === null) throw new Error(`${path}: expected an object`);
  const { name, version } = raw as Record<string, unknown>;
  if (name !== undefined && typeof name !== 'string') throw new Error(`${path}: 'name' must be a string`);
  if (version !== undefined && typeof version !== 'string') throw new Error(`${path}: 'version' must be a string`);
  return { name, version };
}

/**
 * The short suite name of a directory: the language directory for the
 * official layout (`tests/<lang>/testsuite/<wasi-version>`), suffixed with
 * the WASI version when it is not preview1; else the directory's own name.
 */
export function suiteNameOf(dir: string): string {
  const abs = resolve(dir);
  const base = basename(abs);
  if (!WASI_VERSIONS.has(base)) return base;
  let parent = dirname(abs);
  if (basename(parent) === 'testsuite') parent = dirname(parent);
  const lang = basename(parent);
  return base === SUPPORTED_WASI_VERSION ? lang : `${lang}/${base}`;
}

/** Lists the tests of one directory, sorted by name, and parses their specs. */
export function discoverSuite(dir: string, name: string = suiteNameOf(dir)): Suite {
  const abs = resolve(dir);
  const manifest = readManifest(abs);
  const base = basename(abs);
  const wasiVersion = manifest.version ?? (WASI_VERSIONS.has(base) ? base : SUPPORTED_WASI_VERSION);
  const tests = readdirSync(abs, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.wasm') && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort()
    .map((file): TestCase => {
      const wasmPath = join(abs, file);
      const testName = file.slice(0, -'.wasm'.length);
      let spec: TestCase['spec'];
      try {
        spec = loadSpecFor(wasmPath);
      } catch (e) {
        if (!(e instanceof SpecError)) throw e;
        spec = { error: e.message };
      }
      return { id: `${name}/${testName}`, suite: name, name: testName, wasmPath, dir: abs, spec };
    });
  return { name, dir: abs, title: manifest.name ?? abs, wasiVersion, tests };
}

/**
 * Removes every `*.cleanup` file, directory or symlink under `dir`
 * (recursively, without following symlinks). Returns the removed paths.
 */
export function removeCleanupArtifacts(dir: string): string[] {
  const removed: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return removed;
    throw e;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.name.endsWith('.cleanup')) {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } else if (entry.isDirectory()) {
      removed.push(...removeCleanupArtifacts(path));
    }
  }
  return removed;
}

