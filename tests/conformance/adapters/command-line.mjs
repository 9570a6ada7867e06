// The command line every adapter takes, run-wasi's own (wasmtime's flag spelling):
//
//   ADAPTER [--dir HOST[::GUEST]]... [--env NAME=VALUE]... [--] module.wasm [args...]
//
// `--flag=value` works too. Returns { module, args, dirs: [{ host, guest }], env }; a mistake is
// reported through `usage`, which does not return.

export function parseCommandLine(argv, usage) {
  const dirs = [];
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
      dirs.push({ host, guest });
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
  return { module: argv[i], args: argv.slice(i + 1), dirs, env };
}
