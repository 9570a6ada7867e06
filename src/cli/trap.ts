// A trap as the CLI reports it: wasmtime's wording for the trap, then the wasm backtrace in
// wasmtime's layout (`    0:     0x1d - <unknown>!inner`), with function names from the module's
// name section. The frames come from V8's stack, whose wasm frames read
// `wasm://wasm/<hash>:wasm-function[INDEX]:0xOFFSET` (the byte offset in the module).
import type { ModuleInfo } from "./module-info.js";

/** V8's trap messages → wasmtime's. Others are shown as V8 says them. */
const WASMTIME_WORDING: Readonly<Record<string, string>> = {
  unreachable: "wasm `unreachable` instruction executed",
  "unreachable executed": "wasm `unreachable` instruction executed",
  "memory access out of bounds": "out of bounds memory access",
  "divide by zero": "integer divide by zero",
  "remainder by zero": "integer divide by zero",
  "divide result unrepresentable": "integer overflow",
  "float unrepresentable in integer range": "invalid conversion to integer",
  "table index is out of bounds": "undefined element: out of bounds table access",
};

export interface Frame {
  func: number;
  offset: number;
}

/** The trap's message in wasmtime's words, or undefined if `error` is not a trap. */
export function trapMessage(error: unknown): string | undefined {
  if (error instanceof WebAssembly.RuntimeError) return WASMTIME_WORDING[error.message] ?? error.message;
  if (error instanceof RangeError && /call stack/i.test(error.message)) return "call stack exhausted";
  return undefined;
}

/** The wasm frames of an error's stack, innermost first. */
export function wasmFrames(error: unknown): Frame[] {
  let stack: unknown;
  try {
    stack = (error as { stack?: unknown }).stack;
  } catch {
    return [];
  }
  if (typeof stack !== "string") return [];
  const frames: Frame[] = [];
  for (const match of stack.matchAll(/wasm-function\[(\d+)\]:0x([0-9a-f]+)/g)) {
    frames.push({ func: Number(match[1]), offset: parseInt(match[2]!, 16) });
  }
  return frames;
}

/** wasmtime's backtrace block, at most `max` frames; empty when there is none to show. */
export function formatBacktrace(frames: readonly Frame[], info: ModuleInfo, max: number): string {
  if (frames.length === 0 || max <= 0) return "";
  const module = info.moduleName ?? "<unknown>";
  const lines = frames.slice(0, max).map(({ func, offset }, i) => {
    const name = info.functionNames.get(func) ?? `<wasm function ${func}>`;
    return `  ${String(i).padStart(3)}: ${`0x${offset.toString(16)}`.padStart(8)} - ${module}!${name}`;
  });
  return `error while executing at wasm backtrace:\n${lines.join("\n")}\n`;
}
