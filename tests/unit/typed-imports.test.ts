// The imports' implementations are typed from the signature table (src/abi/signatures.ts →
// src/syscalls/context.ts): a parameter used as the wrong type, an implementation declaring the
// wrong type, an import missing or one that does not exist are compile errors. Each mistake is
// made in a copy of src/ and tsc must refuse it; the copy without a mistake must compile.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { repoRoot, tempDir } from "../helpers/harness.js";

const nativeTsc: string | false = process.platform === "win32" ? "tsc's native binary in node_modules is the Linux build (the Wine lane)" : false;

interface Mistake {
  readonly what: string;
  readonly file: string;
  readonly from: string;
  readonly to: string;
  /** The error tsc must report. */
  readonly error: RegExp;
}

const MISTAKES: readonly Mistake[] = [
  {
    what: "a 64-bit right passed where a 32-bit value goes, inside path_open",
    file: "syscalls/path.ts",
    from: "mem.setU32(fdOut, fd);",
    to: "mem.setU32(fdOut, rightsBase || fd);",
    error: /path\.ts.*error TS2345: Argument of type 'number \| bigint' is not assignable to parameter of type 'number'/,
  },
  {
    what: "an implementation declaring fd as a bigint",
    file: "syscalls/fd.ts",
    from: "fd_close(fd: number) {",
    to: "fd_close(fd: bigint) {",
    error: /fd\.ts.*error TS2322: Type '\(fd: bigint\) => void' is not assignable/,
  },
  {
    what: "a group of imports left out",
    file: "wasi.ts",
    from: "...procSyscalls(this.#asyncHost !== undefined),",
    to: "",
    error: /wasi\.ts.*error TS2739: .*proc_exit, proc_raise, sched_yield/,
  },
  {
    what: "an import that does not exist",
    file: "syscalls/proc.ts",
    from: "proc_raise(sig: number) {",
    to: "proc_raise_more(sig: number) {\n      return sig;\n    },\n    proc_raise(sig: number) {",
    error: /proc\.ts.*error TS2561: .*'proc_raise_more' does not exist in type 'Syscalls'/,
  },
];

/** tsc over a copy of src/ with `mistake` made in it; its output and exit status. */
function compile(mistake: Mistake | undefined) {
  const dir = tempDir("run-wasi-typed-");
  fs.cpSync(path.join(repoRoot, "src"), path.join(dir, "src"), { recursive: true });
  if (mistake) {
    const file = path.join(dir, "src", mistake.file);
    const text = fs.readFileSync(file, "utf8");
    if (!text.includes(mistake.from)) throw new Error(`${mistake.file} no longer contains ${JSON.stringify(mistake.from)}: update this test`);
    fs.writeFileSync(file, text.replace(mistake.from, mistake.to));
  }
  const config = JSON.parse(fs.readFileSync(path.join(repoRoot, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
  config.compilerOptions.noEmit = true;
  config.compilerOptions.typeRoots = [path.join(repoRoot, "node_modules/@types")];
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ ...config, include: ["src"] }));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  const tsc = path.join(repoRoot, "node_modules/typescript/lib/tsc.js");
  const r = spawnSync(process.execPath, [tsc, "-p", path.join(dir, "tsconfig.json")], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

t.test("the copy of src/ without a mistake compiles", { skip: nativeTsc }, async (t) => {
  const r = compile(undefined);
  t.equal(r.output, "", "no type error");
  t.equal(r.status, 0);
});

for (const mistake of MISTAKES) {
  t.test(`tsc refuses ${mistake.what}`, { skip: nativeTsc }, async (t) => {
    const r = compile(mistake);
    t.not(r.status, 0, "tsc fails");
    t.match(r.output, mistake.error, `the type error is reported (${r.output.split("\n")[0]})`);
  });
}
