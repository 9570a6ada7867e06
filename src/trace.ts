// strace-like tracing, derived from the signature table: `name(arg=value, …) = ERRNO`.
import { errnoName } from "./abi/constants.js";
import { signatures, type ImportName } from "./abi/signatures.js";
import { ProcExit } from "./errors.js";
import { writeHostSync } from "./host-write.js";
import type { GuestMemory } from "./memory.js";

export type TraceOption = boolean | ((line: string) => void);

/** Path arguments are shown as strings, up to this many bytes. */
const MAX_SHOWN_PATH = 200;

export class Tracer {
  readonly #emit: (line: string) => void;

  constructor(
    option: TraceOption,
    private readonly memory: GuestMemory,
  ) {
    // A stderr that stops taking lines (its reader gone: `--trace … 2>&1 | head`) ends the trace;
    // the guest's calls and their results are the same either way.
    let sinkOpen = true;
    this.#emit = typeof option === "function" ? option : (line) => {
      if (sinkOpen) sinkOpen = writeHostSync(2, `${line}\n`);
    };
  }

  call(name: ImportName, raw: unknown[], run: () => number): number {
    const params = signatures[name].params;
    const shown = params.map((p, i) => `${p.name}=${this.#formatSafely(p.name, p.type, raw, i)}`);
    let result = "";
    try {
      const errno = run();
      result = errnoName[errno] ?? String(errno);
      return errno;
    } catch (error) {
      result = error instanceof ProcExit ? `exit(${error.code})` : `threw ${String(error)}`;
      throw error;
    } finally {
      this.#emit(`[wasi] ${name}(${shown.join(", ")}) = ${result}`);
    }
  }

  /** Arguments of a JavaScript caller can be of any type; tracing them must not throw. */
  #formatSafely(name: string, type: string, raw: unknown[], i: number): string {
    try {
      return this.#format(name, type, raw, i);
    } catch {
      return "?";
    }
  }

  #format(name: string, type: string, raw: unknown[], i: number): string {
    const value = raw[i];
    if (type === "u64" || type === "s64") return String(value);
    const n = (value as number) >>> 0;
    if (type === "ptr") {
      const lenParam = raw[i + 1];
      if (/path$/.test(name) && typeof lenParam === "number") {
        try {
          this.memory.refresh();
          const len = Math.min(lenParam >>> 0, MAX_SHOWN_PATH);
          return JSON.stringify(new TextDecoder().decode(this.memory.slice(n, len)));
        } catch {
          return `0x${n.toString(16)}`;
        }
      }
      return `0x${n.toString(16)}`;
    }
    return String(n);
  }
}
