// One WASI instance's I/O thread, seen from the guest's thread. Node's sockets and pipes only work
// asynchronously, on an event loop, and the guest's thread never returns to its loop while the guest
// runs. So a worker thread owns them (worker.ts) and moves bytes through SharedArrayBuffer rings;
// the guest's thread sends it requests by message and blocks on Atomics.wait for the answer or for
// the doorbell that the worker rings on every change. The worker starts on first use, never keeps
// the Node process alive, and is ended by close().
import type { Worker } from "node:worker_threads";
import { workerThreads } from "../builtins.js";
import { Errno } from "../abi/constants.js";
import { WasiError } from "../errors.js";
import { WouldWait } from "../async/wait.js";
import { Control, layout, ringOps, type RingOps } from "./shared.js";
import { ioThreadMain, type Request, type ThreadData } from "./worker.js";

/** How long a request may go unanswered before the guest gets EIO (the thread died, or is stuck). */
const REPLY_TIMEOUT_MS = 10_000;
/** Once the instance has ended, how long the thread may spend handing the last bytes to the kernel. */
const END_GRACE_MS = 2_000;
/**
 * The longest the async host waits on the doorbell at once before looking again: every wait leaves
 * a waiter registered until the doorbell rings or it times out, so this bounds how many pile up.
 */
const ASYNC_WAIT_MAX_MS = 1_000;
/** The I/O thread's heap: it holds rings' worth of bytes in flight and little else. */
const THREAD_HEAP_MB = 32;

// The worker runs from source text, the same in every build (tsx, the ES modules, the CommonJS
// bundle), so no worker file has to be found on disk. Transpilers that keep function names emit
// calls to a `__name` helper inside the functions; it is provided here.
const threadSource = `"use strict";
const __name = (target) => target;
(${ioThreadMain.toString()})(require("node:worker_threads").workerData, ${ringOps.toString()});
`;

export interface Reply {
  readonly errno: number;
  readonly value: number;
  /** The host's error code of a failed request ("EADDRINUSE"…), or "". */
  readonly code: string;
}

export class IoThread {
  readonly ring: RingOps = ringOps(layout);
  readonly #control = new Int32Array(new SharedArrayBuffer(Control.BYTES));
  #worker: Worker | undefined;
  #nextId = 1;
  #closed = false;

  /** `async`: the async host's thread, where a wait is never blocked out but thrown as WouldWait. */
  constructor(readonly async = false) {}

  /** A new channel number. */
  newId(): number {
    return this.#nextId++;
  }

  /** Posts a request that needs no answer. */
  post(request: Request): void {
    this.#thread().postMessage(request);
  }

  /** Posts a request and blocks until the thread answers it (EIO after REPLY_TIMEOUT_MS). */
  request(request: Request): Reply {
    const worker = this.#thread();
    Atomics.store(this.#control, Control.REPLY_READY, 0);
    worker.postMessage(request);
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    while (Atomics.load(this.#control, Control.REPLY_READY) === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new WasiError(Errno.IO);
      Atomics.wait(this.#control, Control.REPLY_READY, 0, left);
    }
    const codeBytes = new Uint8Array(this.#control.buffer, Control.REPLY_CODE_AT, Control.REPLY_CODE_BYTES);
    const end = codeBytes.indexOf(0);
    return {
      errno: Atomics.load(this.#control, Control.REPLY_ERRNO),
      value: Atomics.load(this.#control, Control.REPLY_VALUE),
      code: Buffer.from(codeBytes.subarray(0, end === -1 ? codeBytes.length : end)).toString("latin1"),
    };
  }

  /** The doorbell's count: read it before checking a condition, then wait on it. */
  doorbell(): number {
    return Atomics.load(this.#control, Control.DOORBELL);
  }

  /** Blocks until the doorbell moves on from `seen`, or `timeoutMs` passes (Infinity: no limit). */
  waitForChange(seen: number, timeoutMs: number): void {
    if (timeoutMs > 0) Atomics.wait(this.#control, Control.DOORBELL, seen, timeoutMs);
  }

  /**
   * Settles when the doorbell moves on from `seen` or `timeoutMs` passes, the thread free meanwhile.
   * Without a thread started nothing can ring: it settles after the timeout only. A pending
   * Atomics.waitAsync does not keep Node running, so a timer as long as the wait does: a guest
   * waiting on a socket or a piped stdin keeps the process alive as Node's own reads would.
   */
  changed(seen: number, timeoutMs: number): Promise<unknown> {
    if (this.#worker === undefined) return new Promise(() => {});
    const ms = Math.min(timeoutMs, ASYNC_WAIT_MAX_MS);
    const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown } }).waitAsync;
    const result = waitAsync(this.#control, Control.DOORBELL, seen, ms);
    if (!result.async) return Promise.resolve();
    const keepAlive = setTimeout(() => {}, ms + 10);
    return (result.value as Promise<unknown>).finally(() => clearTimeout(keepAlive));
  }

  /** Blocks until `ready()` holds; checked again on every ring of the doorbell. Async: WouldWait instead. */
  waitUntil(ready: () => boolean): void {
    for (;;) {
      const seen = this.doorbell();
      if (ready()) return;
      if (this.async) throw new WouldWait(this.changed(seen, Infinity));
      this.waitForChange(seen, Infinity);
    }
  }

  /**
   * Ends the thread: listeners close, sockets send what they hold and close (for at most
   * END_GRACE_MS), then the thread exits. Idempotent; the instance's channels answer EBADF after.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const worker = this.#worker;
    if (worker === undefined) return;
    worker.postMessage({ op: "end", graceMs: END_GRACE_MS } satisfies Request);
    setTimeout(() => void worker.terminate(), END_GRACE_MS + 1_000).unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #thread(): Worker {
    if (this.#closed) throw new WasiError(Errno.BADF);
    if (this.#worker === undefined) {
      const data: ThreadData = {
        layout,
        control: this.#control.buffer as SharedArrayBuffer,
        errnos: { AGAIN: Errno.AGAIN, CONNRESET: Errno.CONNRESET, IO: Errno.IO },
      };
      const worker = new (workerThreads().Worker)(threadSource, {
        eval: true,
        workerData: data,
        execArgv: [],
        resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
      });
      worker.unref();
      // Its failures reach the guest as broken streams and errnos; an unheard 'error' would end the host.
      worker.on("error", () => {});
      this.#worker = worker;
    }
    return this.#worker;
  }
}
