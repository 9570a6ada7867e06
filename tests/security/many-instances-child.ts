// Run by exhaustion.test.ts under a low `ulimit -n`, with --expose-gc: creates many WASI instances
// with a preopen, as a test runner embedding run-wasi would, and drops each without running it.
// Prints one line of JSON: how many were created before anything failed, and the host fds left.
import * as fs from "node:fs";
import { WASI } from "../../src/index.js";

const dir = process.argv[2]!;
const count = Number(process.argv[3] ?? 1000);
const gc = (globalThis as { gc?: () => void }).gc;
const hostFds = () => fs.readdirSync("/proc/self/fd").length;
const before = hostFds();
let created = 0;
let error: string | undefined;
for (let i = 0; i < count; i++) {
  try {
    new WASI({ preopens: { "/": dir, "/ro": { path: dir, readonly: true } } });
    created++;
  } catch (e) {
    error = String(e);
    break;
  }
  // Collect now and then, and let finalizers run, as a long test run would.
  if (i % 50 === 49) {
    gc?.();
    await new Promise((r) => setTimeout(r, 0));
  }
}
gc?.();
await new Promise((r) => setTimeout(r, 10));
gc?.();
await new Promise((r) => setTimeout(r, 10));
let after = -1;
try {
  after = hostFds();
} catch (e) {
  error ??= String(e);
}
process.stdout.write(`${JSON.stringify({ created, error, before, after, gc: gc !== undefined })}\n`);
