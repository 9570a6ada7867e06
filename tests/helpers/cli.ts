// Running the CLI as a user does (node bin/run-wasi.js, over the bundle `npm run build` makes), for
// the CLI's test files.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { cliPath, repoRoot } from "./harness.js";

/** Every run's stderr, for the check that none printed a warning. */
export const allStderr: string[] = [];

/** wasmtime's status for a trap: SIGABRT's 128+6 on POSIX, abort()'s 3 on Windows. */
export const TRAP = process.platform === "win32" ? 3 : 134;

/** bin/run-wasi.js runs the bundle `npm run build` makes; an old one would test old code. */
export function requireFreshBundle(): void {
  const bundle = path.join(repoRoot, "dist/run-wasi.cjs");
  if (!fs.existsSync(bundle)) throw new Error("dist/ is not built: run `npm run build` first");
  const built = fs.statSync(bundle).mtimeMs;
  const newer = (fs.readdirSync(path.join(repoRoot, "src"), { recursive: true }) as string[]).filter(
    (f) => f.endsWith(".ts") && fs.statSync(path.join(repoRoot, "src", f)).mtimeMs > built,
  );
  if (newer.length > 0) throw new Error(`src/ changed since dist/ was built (${newer.join(", ")}): run \`npm run build\` first`);
}

/** Runs the CLI (node bin/run-wasi.js …) without blocking, so that several runs can overlap. */
export function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const child = spawn(process.execPath, [cliPath, ...args], { timeout: 60_000, ...options });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  return new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (status, signal) => {
      allStderr.push(stderr);
      resolve({ status, signal, stdout, stderr });
    }),
  );
}
export type CliResult = Awaited<ReturnType<typeof cli>>;

/** One line on stderr, naming run-wasi, with no stack trace. */
export function oneLineError(t: Pick<typeof import("tap").default, "not" | "equal" | "match" | "notMatch">, r: CliResult, pattern: RegExp, what: string) {
  t.not(r.status, 0, `${what}: non-zero status`);
  t.equal(r.signal, null, `${what}: not killed`);
  const lines = r.stderr.split("\n").filter((l) => l.length > 0);
  t.equal(lines.length, 1, `${what}: exactly one line on stderr: ${JSON.stringify(r.stderr)}`);
  t.match(r.stderr, pattern, `${what}: says what is wrong`);
  t.notMatch(r.stderr, /    at /, `${what}: no stack trace`);
  t.equal(r.stdout, "", `${what}: nothing on stdout`);
}

/** A module that prints each string of args (or environ) on its own line. */
export const printer = (kind: "args" | "environ") => `(module
  (import "wasi_snapshot_preview1" "${kind}_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "${kind}_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 64) "\\n")
  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $n))
  (func (export "_start") (local $i i32) (local $p i32)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 1024) (i32.const 8192)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (i32.load (i32.const 0))))
      (local.set $p (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
      (i32.store (i32.const 16) (local.get $p))
      (i32.store (i32.const 20) (call $strlen (local.get $p)))
      (i32.store (i32.const 24) (i32.const 64))
      (i32.store (i32.const 28) (i32.const 1))
      (drop (call $write (i32.const 1) (i32.const 16) (i32.const 2) (i32.const 48)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))))`;

