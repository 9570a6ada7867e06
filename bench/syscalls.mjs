// The system calls a host makes while the guest runs: one run under `strace -f`, its log cut to the
// window between the two marker lookups the runner makes around the guest's run
// (runners/window.mjs), so that neither Node's start-up nor loading the host is counted. Counted
// per system call, with how many failed (mostly ENOENT: lookups of names that do not exist).
import { spawnSync } from "node:child_process";
import { CLOSE_MARK, OPEN_MARK } from "./runners/window.mjs";

let available;
/** Whether strace runs here (Debian: apt-get install strace); Linux only. */
export function straceAvailable() {
  available ??= spawnSync("strace", ["-V"], { stdio: "ignore" }).status === 0;
  return available;
}

/** strace's arguments to log every thread of the process and its children into `log`. */
export const straceArgs = (log) => ["-f", "-qq", "-s", "64", "-o", log];

const CALL = /^\d+\s+([a-z_][a-z0-9_]*)\(/;
const RESUMED = /^\d+\s+<\.\.\. ([a-z_][a-z0-9_]*) resumed>/;
const FAILED = /\)\s+=\s+-1\s+E[A-Z0-9]+/;

/**
 * From an `strace -f` log: { calls (in the window), failed, byName: [{ name, calls, failed }] most
 * frequent first, processCalls (the whole process) }, or undefined if the markers are missing.
 */
export function windowCounts(log) {
  const lines = log.split("\n");
  const isMark = (line, mark) => line.includes(`"${mark}"`) && !/^\d+\s+execve\(/.test(line);
  const open = lines.findIndex((l) => isMark(l, OPEN_MARK));
  const close = lines.findIndex((l, i) => i > open && isMark(l, CLOSE_MARK));
  if (open < 0 || close < 0) return undefined;
  let processCalls = 0;
  for (const line of lines) if (CALL.test(line)) processCalls++;
  const byName = new Map();
  const entry = (name) => {
    let e = byName.get(name);
    if (!e) byName.set(name, (e = { name, calls: 0, failed: 0 }));
    return e;
  };
  let calls = 0;
  let failed = 0;
  for (let i = open + 1; i < close; i++) {
    const line = lines[i];
    const call = CALL.exec(line);
    const name = call?.[1] ?? RESUMED.exec(line)?.[1];
    if (name === undefined) continue;
    const e = entry(name);
    if (call) {
      e.calls++;
      calls++;
    }
    if (FAILED.test(line)) {
      e.failed++;
      failed++;
    }
  }
  return { calls, failed, byName: [...byName.values()].sort((a, b) => b.calls - a.calls), processCalls };
}
