// What a guest's trap looks like from outside: its message and the exit status wasmtime gives it.

/** The exit status of a trapped guest, as wasmtime reports it: 128 + SIGABRT on POSIX, 3 on Windows. */
export const TRAP_STATUS = process.platform === "win32" ? 3 : 134;

/** The trap's message if `error` is one (a RuntimeError, or the stack overflowing); else undefined. */
export function trapMessage(error: unknown): string | undefined {
  if (error instanceof WebAssembly.RuntimeError) return error.message;
  if (error instanceof RangeError && /call stack/i.test(error.message)) return "call stack exhausted";
  return undefined;
}
