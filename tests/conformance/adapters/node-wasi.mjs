// Runs a WASI preview1 module under Node's built-in node:wasi, with the same
// command line as run-wasi (wasmtime's flag spelling), for comparison figures:
//
//   node node-wasi.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--] module.wasm [args...]
//
// The guest gets exactly the --env variables and the --dir preopens; its
// argv is the module path followed by the arguments. The exit status is the
// guest's exit code; a trap exits with 134 (128 + SIGABRT), as wasmtime does.

import { readFile } from 'node:fs/promises';
import { parseCommandLine } from './command-line.mjs';

function usage(message) {
  process.stderr.write(`node-wasi: ${message}\n`
    + 'usage: node-wasi.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--] module.wasm [args...]\n');
  process.exit(2);
}

const { module, args, dirs, env } = parseCommandLine(process.argv.slice(2), usage);
const preopens = Object.fromEntries(dirs.map(({ host, guest }) => [guest, host]));

// node:wasi prints an ExperimentalWarning on stderr, which would pollute the
// guest's stderr: drop warnings before loading it.
process.removeAllListeners('warning');
const { WASI } = await import('node:wasi');

const wasi = new WASI({ version: 'preview1', args: [module, ...args], env, preopens, returnOnExit: true });
let code;
try {
  const compiled = await WebAssembly.compile(await readFile(module));
  const instance = await WebAssembly.instantiate(compiled, wasi.getImportObject());
  code = wasi.start(instance);
} catch (e) {
  process.stderr.write(`node-wasi: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  code = 134;
}
process.exitCode = code;
