// Node built-in modules loaded on first use instead of at start-up. Loading node:crypto costs about
// 15 ms, node:worker_threads, node:v8 and node:tty (which brings node:net and node:stream) some 3 to
// 5 ms each: more than a small guest's whole run, and most runs need few of them (they serve a
// guest that asks for random bytes, a module large enough for the validation cache, a terminal on
// stdio, a wait on stdin, run()).
import { createRequire } from "node:module";
import type * as Crypto from "node:crypto";
import type * as Tty from "node:tty";
import type * as V8 from "node:v8";
import type * as WorkerThreads from "node:worker_threads";

const load = createRequire(import.meta.url);

function lazily<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(name) as T);
}

export const crypto = lazily<typeof Crypto>("node:crypto");
export const workerThreads = lazily<typeof WorkerThreads>("node:worker_threads");
export const v8 = lazily<typeof V8>("node:v8");
export const tty = lazily<typeof Tty>("node:tty");
