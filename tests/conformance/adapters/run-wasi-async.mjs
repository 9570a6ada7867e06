// Runs a WASI preview1 module under run-wasi's async host (options.async, JSPI: Node 24 and
// later), with the same command line as run-wasi's CLI (wasmtime's flag spelling):
//
//   node run-wasi-async.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--] module.wasm [args...]
//
// Stdio is the process's own, read and written without blocking the event loop. The exit status is
// the guest's exit code; a trap exits with 134. Needs the built dist/ (npm run build).

import { readFileSync } from 'node:fs';
import { WASI } from '../../../dist/index.js';
import { parseCommandLine } from './command-line.mjs';

function usage(message) {
  process.stderr.write(`run-wasi-async: ${message}\n`
    + 'usage: run-wasi-async.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--] module.wasm [args...]\n');
  process.exit(2);
}

const { module, args, env, dirs } = parseCommandLine(process.argv.slice(2), usage);
const preopens = Object.fromEntries(dirs.map(({ host, guest }) => [guest, host]));

let code;
try {
  const wasi = new WASI({ version: 'preview1', args: [module, ...args], env, preopens, async: true });
  const compiled = new WebAssembly.Module(readFileSync(module));
  const instance = new WebAssembly.Instance(compiled, wasi.getImportObject());
  code = await wasi.start(instance);
} catch (e) {
  process.stderr.write(`run-wasi-async: ${e instanceof Error ? e.message : String(e)}\n`);
  code = e instanceof WebAssembly.RuntimeError ? 134 : 1;
}
process.exitCode = code;
