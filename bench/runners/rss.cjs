// Preloaded (node -r) into every benchmarked process, whichever host it runs: on exit, reports the
// process's peak resident set size and CPU time (user + system, all threads) on fd 3, which
// bench/run.mjs opens as a pipe.
//
// On Linux this is VmHWM from /proc/self/status, the high-water mark of this process's own address
// space. Not getrusage's ru_maxrss: Linux carries that across fork and exec, so every child would
// report at least the RSS of the harness that spawned it.
"use strict";
const fs = require("node:fs");

function peakKiB() {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync("/proc/self/status", "latin1"));
    if (m) return Number(m[1]);
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS;
}

process.on("exit", () => {
  try {
    const cpu = process.cpuUsage();
    fs.writeSync(3, `${JSON.stringify({ maxRssKiB: peakKiB(), cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
  } catch {
    // fd 3 not open: run by hand.
  }
});
