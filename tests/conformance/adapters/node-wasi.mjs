// Runs a WASI preview1 module under Node's built-in node:wasi, with the same
// command line as run-wasi (wasmtime's flag spelling), for comparison figures:
//
//   node node-wasi.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--] module.wasm [args...]
//
// The guest gets exactly the --env variables and the --dir preopens; its
// argv is the module path followed by the arguments. The exit status is the
// guest's exit code; a trap exits with 134 (128 + SIGABRT), as wasmtime does.

import { readFile } from 'node:fs/promises';

function usage(message) {
  process.stderr.write(`node-wasi: ${message}\n`
    + 'usage: node-wasi.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--] module.wasm [args...]\n');
  process.exit(2);
}

function parse(argv) {
  const preopens = {};
  const env = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-')) break;
    const [flag, inline] = arg.includes('=') && arg.startsWith('--') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) usage(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--dir') {
      const spec = value();
      const sep = spec.indexOf('::');
      const [host, guest] = sep === -1 ? [spec, spec] : [spec.slice(0, sep), spec.slice(sep + 2)];
      preopens[guest] = host;
    } else if (flag === '--env') {
      const spec = value();
      const eq = spec.indexOf('=');
      if (eq <= 0) usage(`--env expects NAME=VALUE, got ${JSON.stringify(spec)}`);
      env[spec.slice(0, eq)] = spec.slice(eq + 1);
    } else {
      usage(`unknown option ${arg}`);
    }
  }
  if (i >= argv.length) usage('no module given');
  return { module: argv[i], args: argv.slice(i + 1), preopens, env };
}

const { module, args, preopens, env } = parse(process.argv.slice(2));

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
