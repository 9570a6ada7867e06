// What run() and its worker thread say to each other.
import type { MemoryTree } from "./fs/memory.js";
import type { WASIOptions } from "./wasi.js";

/** Index of the stop flag in the control array. */
export const STOP = 0;

/** The WASI options that cross to the worker as they are. */
export type PlainWASIOptions = Pick<WASIOptions, "version" | "args" | "env" | "preopens" | "stdin" | "windowsPaths" | "maxOpenFiles">;

export interface WorkerInput {
  readonly module: WebAssembly.Module;
  readonly wasi: PlainWASIOptions;
  readonly files: MemoryTree | undefined;
  /** The seed, in a deterministic run. */
  readonly deterministic: number | undefined;
  readonly trace: "text" | "json" | undefined;
  /** One Int32 cell: the stop flag, raised at the timeout. */
  readonly control: SharedArrayBuffer;
}

export type Tree = Record<string, Uint8Array | { symlink: string } | Record<string, never>>;

export type WorkerMessage =
  | { readonly type: "stdout" | "stderr"; readonly chunk: Uint8Array }
  | { readonly type: "trace"; readonly line: string }
  /** The guest is about to be instantiated (its start section, then _start): the timeout runs from here. */
  | { readonly type: "started" }
  /** The guest ended: exited, returned from _start, or trapped. */
  | { readonly type: "done"; readonly exitCode: number; readonly trap?: string; readonly files: Tree | undefined }
  /** The guest was stopped at an import after the timeout. */
  | { readonly type: "stopped"; readonly files: Tree | undefined }
  /** An option was wrong or the module cannot run: run() rejects. */
  | { readonly type: "misuse"; readonly name: string; readonly message: string };
