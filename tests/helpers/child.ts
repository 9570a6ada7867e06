// Child processes for tests that need their own stdio, their own exit, or a pty: the child runs an
// ES module given as a string, under tsx, with `WASI` (from src) and a few helpers in scope.
import { spawn, spawnSync, type SpawnOptions, type SpawnSyncOptions } from "node:child_process";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./harness.js";

const srcIndex = pathToFileURL(path.join(repoRoot, "src/index.ts")).href;

/**
 * The prelude every child script gets: `WASI`, `fs`, and `guest(options, pages)`, which binds a
 * WASI instance to a bare memory and returns { w (the preview1 imports), mem, view(), bytes() }.
 */
const PRELUDE = `
import { WASI } from ${JSON.stringify(srcIndex)};
import * as fs from "node:fs";
function guest(options = {}, pages = 1) {
  const mem = new WebAssembly.Memory({ initial: pages });
  const wasi = new WASI({ returnOnExit: true, ...options });
  wasi.initialize({ exports: { memory: mem } });
  return { wasi, w: wasi.wasiImport, mem, view: () => new DataView(mem.buffer), bytes: () => new Uint8Array(mem.buffer) };
}
`;

export function childArgs(body: string): string[] {
  return ["--import", "tsx", "--input-type=module", "-e", PRELUDE + body];
}

export function runChildSync(body: string, options: SpawnSyncOptions = {}) {
  const r = spawnSync(process.execPath, childArgs(body), { cwd: repoRoot, encoding: "utf8", timeout: 30_000, ...options });
  return { status: r.status, signal: r.signal, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

export function spawnChild(body: string, options: SpawnOptions = {}) {
  return spawn(process.execPath, childArgs(body), { cwd: repoRoot, ...options });
}

/** The shell-quoted command line that runs a child script (for `sh -c` pipelines and pty wrappers). */
export function childCommand(body: string): string[] {
  return [process.execPath, ...childArgs(body)];
}

/** Like runChildSync, without blocking: several children can run at once. */
export function runChild(body: string, options: SpawnOptions & { input?: string } = {}) {
  const { input, ...spawnOptions } = options;
  const child = spawn(process.execPath, childArgs(body), { cwd: repoRoot, timeout: 30_000, ...spawnOptions });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  if (input !== undefined) child.stdin?.end(input);
  return new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr })),
  );
}

/**
 * Runs a child script in a Node with a heap of `heapMiB` (a host that would abort on a guest's
 * input aborts there), `BOX` set to `dir`; asserts it was not killed and exited 0, and returns the
 * last line it printed, parsed as JSON.
 */
export function smallHeapChild(t: { equal(a: unknown, b: unknown, message?: string): unknown }, body: string, dir: string, heapMiB = 128): Record<string, number | string | boolean> {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMiB}`, ...childArgs(body)], {
    cwd: repoRoot,
    encoding: "utf8",
    // Under Wine (the lane) file-system calls are 10 to 60 times slower: more time, same limits.
    timeout: process.env.RUN_WASI_LANE === "wine" ? 480_000 : 120_000,
    env: { ...process.env, BOX: dir },
  });
  t.equal(r.signal, null, "the child was not killed");
  t.equal(r.status, 0, `the child exited cleanly (stderr: ${String(r.stderr).slice(-400)})`);
  return JSON.parse(String(r.stdout).trim().split("\n").pop() || "{}") as Record<string, number | string | boolean>;
}
