// The CLI's parts in-process: the command line as wasmtime's users write it (every option group key,
// every malformed form), the module reader, --invoke's values and the backtrace. cli.test.ts runs
// the same through the CLI as a user does, for a sample of each.
import t from "tap";
import { parseArgs, UsageError, type RunOptions } from "../../src/cli/args.js";
import { formatResults, invokeArguments, rustFloat } from "../../src/cli/invoke.js";
import { notACoreModule, readModuleInfo } from "../../src/cli/module-info.js";
import { formatBacktrace } from "../../src/cli/trap.js";
import { GROUPS, type GroupLetter } from "../../src/cli/wasmtime-options.js";
import { watToWasm } from "../helpers/harness.js";

const hostEnv = { HOME: "/home/u", PATH: "/bin", ONE: "1" };

function run(args: string[]): RunOptions {
  const parsed = parseArgs(args, hostEnv);
  if (!("run" in parsed)) throw new Error(`not a run: ${JSON.stringify(parsed)}`);
  return parsed.run;
}

function usageError(args: string[]): string {
  try {
    parseArgs(args, hostEnv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  return "(accepted)";
}

t.test("-S tcplisten=HOST:PORT, repeatable, reaches the WASI option tcpListen in order", async (t) => {
  const r = run(["-S", "tcplisten=127.0.0.1:8080", "--wasi=tcplisten=localhost:0,inherit-env=n", "-Stcplisten=[::1]:9000", "app.wasm"]);
  t.same(r.tcpListen, ["127.0.0.1:8080", "localhost:0", "[::1]:9000"]);
  t.same(run(["app.wasm"]).tcpListen, [], "none by default");
  for (const bad of ["8080", "127.0.0.1", "host:port", "1.2.3.4:65536", ":80", "::1:80", "a b:1"]) {
    t.match(usageError(["-S", `tcplisten=${bad}`, "app.wasm"]), /is not HOST:PORT/, bad);
  }
});

t.test("the subcommand, argv[0], --env forms and -S inherit-env", async (t) => {
  t.same(run(["run", "dir/app.wasm", "a"]).argv, ["app.wasm", "a"], "run is wasmtime's subcommand; argv[0] is the file name");
  t.same(run(["--argv0", "tool", "dir/app.wasm"]).argv, ["tool"]);
  t.same(run(["--argv0=", "app.wasm"]).argv, [""]);
  t.same(run(["--", "run"]).argv, ["run"], "after --, run is a module's name");
  t.same(run(["run", "run"]).module, "run");
  t.same(run(["--env", "A=1", "--env=B", "--env", "ONE", "--env", "NOPE", "--env=C=x=y", "app.wasm"]).env, { A: "1", ONE: "1", C: "x=y" });
  t.same(run(["--env", "ONE=override", "-S", "inherit-env", "app.wasm"]).env, { ...hostEnv, ONE: "override" }, "inherit-env first, then --env");
  t.same(run(["-S", "inherit-env", "-S", "inherit-env=n", "app.wasm"]).env, {}, "the last -S inherit-env wins");
  t.match(usageError(["compile", "app.wasm"]), /"compile" subcommand has no counterpart/);
  t.match(usageError(["run"]), /no module given/);
});

t.test("malformed forms: a value for a flag, an empty value, a missing one", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--trace=0", "a.wasm"], /^--trace takes no value but json/],
    [["--trace=", "a.wasm"], /^--trace takes no value but json/],
    [["--trace=1", "a.wasm"], /^--trace takes no value but json/],
    [["--version=1"], /^--version takes no value/],
    [["-V1"], /^-V takes no value/],
    [["--help=x"], /^--help takes no value/],
    [["-hx"], /^-h takes no value/],
    [["--allow-precompiled=y", "a.wasm"], /takes no value/],
    [["--env=", "a.wasm"], /^--env needs a value$/],
    [["--env", "", "a.wasm"], /^--env needs a value$/],
    [["--env"], /^--env needs a value$/],
    [["--env", "=x", "a.wasm"], /the variable name is empty/],
    [["--dir=", "a.wasm"], /^--dir needs a value$/],
    [["--dir", "::g", "a.wasm"], /host directory is empty/],
    [["--invoke=", "a.wasm"], /^--invoke needs a value$/],
    [["--invoke"], /^--invoke needs a value$/],
    [["--argv0"], /^--argv0 needs a value$/],
    [["-S"], /^-S needs a value$/],
    [["-S="], /^-S needs a value$/],
    [["--wasi="], /^--wasi needs a value$/],
    [["-W", "fuel"], /^-W fuel: needs a value/],
    [["-W", "fuel=", "a.wasm"], /^-W fuel=: needs a value/],
    [["-D", "max-backtrace=lots", "a.wasm"], /"lots" is not a number/],
    [["-S", "inherit-env=maybe", "a.wasm"], /"maybe" is not a boolean/],
    [["-S", "inherit-env,", "a.wasm"], /unknown -S option ""/],
    [["--bogus", "a.wasm"], /^unknown option --bogus/],
    [["--mapdir", "g::h", "a.wasm"], /wasmtime spells it --dir HOST::GUEST since version 14/],
    [["--tcplisten", "127.0.0.1:0", "a.wasm"], /-S tcplisten=HOST:PORT/],
    [["-g", "1234", "a.wasm"], /-g is not supported/],
  ];
  for (const [args, pattern] of cases) t.match(usageError(args), pattern, args.join(" "));
});

t.test("every key of every group: accepted, or refused with a reason, as its table says", async (t) => {
  let checked = 0;
  for (const [letter, group] of Object.entries(GROUPS) as [GroupLetter, (typeof GROUPS)[GroupLetter]][]) {
    for (const [key, spec] of Object.entries(group.keys)) {
      const on = spec.kind === "flag" ? key : key === "max-backtrace" ? `${key}=3` : key === "tcplisten" ? `${key}=127.0.0.1:1` : `${key}=1`;
      const shortForm = usageError([`-${letter}`, on, "a.wasm"]);
      const longForm = usageError([`--${group.long}=${on}`, "a.wasm"]);
      t.equal(shortForm, longForm, `-${letter} ${on} and --${group.long}=${on} mean the same`);
      if (spec.treatment === "refused" || spec.treatment === "refused-when-on") {
        t.equal(shortForm, `-${letter} ${on} is not supported: ${spec.note}`, `-${letter} ${on}: refused, saying why`);
      } else {
        t.equal(shortForm, "(accepted)", `-${letter} ${on}: accepted`);
      }
      if (spec.kind === "flag") {
        const off = usageError([`-${letter}`, `${key}=n`, "a.wasm"]);
        if (spec.treatment === "refused" || spec.treatment === "refused-when-off") {
          t.equal(off, `-${letter} ${key}=n is not supported: ${spec.note}`, `-${letter} ${key}=n: refused`);
        } else {
          t.equal(off, "(accepted)", `-${letter} ${key}=n: accepted`);
        }
      }
      checked++;
    }
  }
  t.ok(checked > 150, `${checked} keys`);
  t.equal(usageError(["-C", "cranelift-has_sse41=true", "a.wasm"]), "(accepted)", "-C cranelift-NAME");
  const help = parseArgs(["-W", "help"]);
  t.ok("help" in help && /-W fuel=… +refused: /.test(help.help), "-W help lists the keys");
});

t.test("what the honoured keys set", async (t) => {
  const defaults = run(["a.wasm"]);
  t.same(
    [defaults.maxBacktrace, defaults.validationCache, defaults.unknownImportsTrap, defaults.inheritStdin, defaults.inheritStdout, defaults.inheritStderr, defaults.preview0],
    [20, true, false, true, true, true, true],
    "wasmtime's defaults",
  );
  const set = run(["-D", "max-backtrace=0x0", "-C", "cache=no", "-W", "unknown-imports-trap", "-S", "inherit-stdin=n,inherit-stdout=false,inherit-stderr=no,preview0=n", "a.wasm"]);
  t.same(
    [set.maxBacktrace, set.validationCache, set.unknownImportsTrap, set.inheritStdin, set.inheritStdout, set.inheritStderr, set.preview0],
    [0, false, true, false, false, false, false],
  );
  t.equal(run(["-D", "max-backtrace=1_000", "a.wasm"]).maxBacktrace, 1000, "numbers as wasmtime reads them");
});

t.test("the module reader: kinds of file, exported function types, names", async (t) => {
  const bytes = (...b: number[]) => new Uint8Array(b);
  t.match(notACoreModule("c.wasm", bytes(0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0)), /component/);
  t.match(notACoreModule("v2.wasm", bytes(0, 0x61, 0x73, 0x6d, 2, 0, 0, 0)), /binary version 2/);
  t.match(notACoreModule("x.cwasm", bytes(0x7f, 0x45, 0x4c, 0x46)), /ELF/);
  t.match(notACoreModule("a.wat", new TextEncoder().encode("\uFEFF ;; c\n(; b ;)(component)")), /WebAssembly text/);
  t.equal(notACoreModule("m.wasm", bytes(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0)), undefined, "a core module");
  t.equal(notACoreModule("t.wasm", new TextEncoder().encode("this is not wasm")), undefined, "V8 speaks for the rest");
  t.equal(notACoreModule("e.wasm", bytes()), undefined);

  const info = readModuleInfo(
    await watToWasm(`(module
      (import "m" "f" (func (param i32)))
      (import "m" "mem" (memory 1 2))
      (import "m" "g" (global i64))
      (import "m" "t" (table 1 funcref))
      (func (export "a") (param i64 f32) (result f64 externref) unreachable)
      (func (export "b"))
      (export "imported" (func 0))
      (export "memory" (memory 0)))`),
  );
  t.same(Object.fromEntries(info.exportedFunctions), {
    a: { params: ["i64", "f32"], results: ["f64", "externref"] },
    b: { params: [], results: [] },
    imported: { params: ["i32"], results: [] },
  });
  t.equal(info.moduleName, undefined, "no name section");
  t.same(readModuleInfo(bytes(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0xff)).exportedFunctions.size, 0, "a truncated section is left out, no throw");
});

t.test("--invoke values: read as wasmtime reads them, printed as it prints them", async (t) => {
  const type = { params: ["i32", "i64", "f32", "f64"] as const, results: [] };
  t.same(invokeArguments("f", { ...type, params: [...type.params] }, ["-2147483648", "0x7fffffffffffffff", "0.1", "-inf"]), [
    -2147483648,
    0x7fffffffffffffffn,
    Math.fround(0.1),
    -Infinity,
  ]);
  for (const [param, text] of [
    ["i32", "2147483648"],
    ["i32", "1.5"],
    ["i32", "0x80000000"],
    ["i64", "9223372036854775808"],
    ["f64", "0x10"],
    ["f64", ""],
  ] as const) {
    t.throws(() => invokeArguments("f", { params: [param], results: [] }, [text]), `${param} ${JSON.stringify(text)} refused`);
  }
  const shown: [number, 32 | 64, string][] = [
    [1, 64, "1"],
    [-0, 64, "-0"],
    [0.1, 64, "0.1"],
    [Math.fround(0.1), 32, "0.1"],
    [Math.fround(16777217), 32, "16777216"],
    [1e21, 64, "1000000000000000000000"],
    [1e-7, 64, "0.0000001"],
    [-1.5e-10, 64, "-0.00000000015"],
    [123.456, 64, "123.456"],
    [NaN, 32, "NaN"],
    [Infinity, 64, "inf"],
    [Number.MAX_VALUE, 64, `17976931348623157${"0".repeat(292)}`],
  ];
  for (const [value, bits, text] of shown) t.equal(rustFloat(value, bits), text, `f${bits} ${value}`);
  t.same(formatResults({ params: [], results: ["i32", "i64", "funcref", "externref"] }, [-1, -5n, null, {}]), ["-1", "-5", "<null funcref>", "<externref>"]);
  t.same(formatResults({ params: [], results: ["f32"] }, Math.fround(2.5)), ["2.5"], "one result is not an array");
});

t.test("the backtrace block: wasmtime's layout, bounded, empty when off", async (t) => {
  const info = { moduleName: "demo", functionNames: new Map([[1, "inner"]]), exportedFunctions: new Map() };
  const frames = [
    { func: 1, offset: 0x3c },
    { func: 2, offset: 0x1234567 },
  ];
  t.equal(
    formatBacktrace(frames, info, 20),
    "error while executing at wasm backtrace:\n    0:     0x3c - demo!inner\n    1: 0x1234567 - demo!<wasm function 2>\n",
  );
  t.equal(formatBacktrace(frames, info, 1).split("\n").length, 3, "at most max frames");
  t.equal(formatBacktrace(frames, info, 0), "");
  t.equal(formatBacktrace([], info, 20), "");
});
