// The system-call window of `bench/run.mjs --syscalls`. A runner started with RUN_WASI_BENCH_WINDOW=1
// counts the guest's import calls and brackets the guest's run with two lookups of marker paths, so
// that an `strace -f` log of the whole process can be cut to the system calls made while the guest
// ran: without Node's start-up and without loading either host, which differ between the two.
import * as fs from "node:fs";

export const windowed = process.env.RUN_WASI_BENCH_WINDOW === "1";
export const OPEN_MARK = "/.run-wasi-bench-window-open";
export const CLOSE_MARK = "/.run-wasi-bench-window-close";

/** Counts the calls to the WASI imports of `importObject` (in place), whichever host made them. */
export function countImportCalls(importObject, counter) {
  for (const namespace of ["wasi_snapshot_preview1", "wasi_unstable"]) {
    const imports = importObject[namespace];
    if (!imports) continue;
    const counted = {};
    for (const [name, fn] of Object.entries(imports)) {
      counted[name] =
        typeof fn === "function"
          ? function (...args) {
              counter.calls++;
              return fn.apply(this, args);
            }
          : fn;
    }
    importObject[namespace] = counted;
  }
  return importObject;
}

/** Marks the start of the guest's run in the strace log and starts counting from zero. */
export function openWindow(counter) {
  fs.existsSync(OPEN_MARK);
  counter.calls = 0;
}

/** Marks the end; the calls counted since openWindow are the guest's import calls in the window. */
export function closeWindow(counter) {
  const calls = counter.calls;
  fs.existsSync(CLOSE_MARK);
  return calls;
}
