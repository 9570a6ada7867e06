// Runs a WASI preview1 module under run-wasi with every preopen copied into an in-memory file
// system (MemoryFs), with the same command line as run-wasi's CLI (wasmtime's flag spelling):
//
//   node run-wasi-memory.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--] module.wasm [args...]
//
// Each host directory is copied into memory under its own absolute path (a directory inside
// another preopened one is the same tree, as on disk), and the guest works on the copy: nothing
// it does reaches the disk. The exit status is the guest's exit code; a trap exits with 134.
// Needs the built dist/ (npm run build).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MemoryFs, WASI } from '../../../dist/index.js';
import { parseCommandLine } from './command-line.mjs';

function usage(message) {
  process.stderr.write(`run-wasi-memory: ${message}\n`
    + 'usage: run-wasi-memory.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--] module.wasm [args...]\n');
  process.exit(2);
}

const line = parseCommandLine(process.argv.slice(2), usage);
const { module, args, env } = line;
const dirs = line.dirs.map(({ host, guest }) => ({ host: resolve(host), guest }));
const memory = new MemoryFs();
const inside = (dir, outer) => dir === outer || dir.startsWith(`${outer}/`);
for (const { host } of dirs) {
  if (!dirs.some((other) => other.host !== host && inside(host, other.host))) memory.copyFromHost(host, host);
}
const preopens = Object.fromEntries(dirs.map(({ host, guest }) => [guest, host]));

let code;
try {
  const wasi = new WASI({ version: 'preview1', args: [module, ...args], env, preopens, fs: memory });
  const compiled = new WebAssembly.Module(readFileSync(module));
  const instance = new WebAssembly.Instance(compiled, wasi.getImportObject());
  code = wasi.start(instance);
} catch (e) {
  process.stderr.write(`run-wasi-memory: ${e instanceof Error ? e.message : String(e)}\n`);
  code = e instanceof WebAssembly.RuntimeError ? 134 : 1;
}
process.exitCode = code;
