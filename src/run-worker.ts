// The worker thread of run(): builds the WASI instance from what run() sent, runs the guest, posts
// its output as it comes and the outcome at the end. Every import first checks the stop flag that
// run() raises at the timeout, so a guest that calls into the host is stopped there and releases
// everything itself; one that never calls again is terminated by run().
import { parentPort, workerData } from "node:worker_threads";
import { VirtualClock } from "./clock.js";
import { ProcExit } from "./errors.js";
import { MemoryFs } from "./fs/memory.js";
import { nodeBackend } from "./fs/node.js";
import { STOP, type WorkerInput, type WorkerMessage } from "./run-protocol.js";
import { TRAP_STATUS, trapMessage } from "./trap.js";
import { WASI } from "./wasi.js";

/** Thrown from an import once run() asked the guest to stop. */
class Stopped extends Error {}

const input = workerData as WorkerInput;
const control = new Int32Array(input.control);
const post = (message: WorkerMessage): void => parentPort!.postMessage(message);

function main(): void {
  const clock = input.deterministic === undefined ? undefined : new VirtualClock();
  const memory = input.files === undefined ? undefined : new MemoryFs(input.files, clock === undefined ? {} : { now: () => clock.realtime() });
  const fs = memory ?? nodeBackend;
  let wasi: WASI;
  let instance: WebAssembly.Instance;
  try {
    wasi = new WASI({
      ...input.wasi,
      fs,
      returnOnExit: true,
      stdout: (chunk) => post({ type: "stdout", chunk }),
      stderr: (chunk) => post({ type: "stderr", chunk }),
      ...(input.trace === undefined ? {} : { trace: { format: input.trace, output: (line: string) => post({ type: "trace", line }) } }),
      ...(clock === undefined ? {} : { deterministic: { seed: input.deterministic!, clock } }),
    });
    // The timeout runs from here: what came before is the worker's own start-up.
    post({ type: "started" });
    instance = new WebAssembly.Instance(input.module, stoppable(wasi.getImportObject()));
  } catch (error) {
    if (error instanceof ProcExit) return finish(error.code, memory);
    const trap = trapMessage(error);
    if (trap !== undefined) return finish(TRAP_STATUS, memory, trap);
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    post({ type: "misuse", name, message });
    return;
  }
  try {
    finish(wasi.start(instance), memory);
  } catch (error) {
    if (error instanceof Stopped) return post({ type: "stopped", files: memory?.toTree() });
    const trap = trapMessage(error);
    if (trap !== undefined) return finish(TRAP_STATUS, memory, trap);
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    post({ type: "misuse", name, message });
  }
}

function finish(exitCode: number, memory: MemoryFs | undefined, trap?: string): void {
  post({ type: "done", exitCode, ...(trap === undefined ? {} : { trap }), files: memory?.toTree() });
}

/** The import object, each function checking the stop flag first. */
function stoppable(imports: Record<string, Record<string, (...args: never[]) => unknown>>): WebAssembly.Imports {
  const out: WebAssembly.Imports = {};
  for (const [module, functions] of Object.entries(imports)) {
    const wrapped: Record<string, (...args: never[]) => unknown> = {};
    for (const [name, fn] of Object.entries(functions)) {
      wrapped[name] = (...args) => {
        if (Atomics.load(control, STOP) !== 0) throw new Stopped();
        return fn(...args);
      };
    }
    out[module] = wrapped;
  }
  return out;
}

main();
