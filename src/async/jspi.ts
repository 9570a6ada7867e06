// JavaScript Promise Integration, which the async host is built on: WebAssembly.Suspending wraps
// an import that may return a promise, WebAssembly.promising an export that may then suspend.
// Node enables it by default from version 24 (V8 13.6); Node 22 has it only behind a flag.
import { describe, invalidArgType, invalidArgValue } from "../api-errors.js";

interface Jspi {
  readonly Suspending: new (fn: (...args: never[]) => unknown) => object;
  readonly promising: <F extends (...args: never[]) => unknown>(fn: F) => (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;
}

/** JSPI where this Node has it, else undefined. */
export function jspi(): Jspi | undefined {
  const wasm = WebAssembly as unknown as Partial<Jspi>;
  return typeof wasm.Suspending === "function" && typeof wasm.promising === "function" ? (wasm as Jspi) : undefined;
}

/** options.async, checked: true only where JSPI is there to run it. */
export function asyncOf(value: unknown): boolean {
  if (value === undefined || value === false) return false;
  if (value !== true) throw invalidArgType(`options.async must be a boolean, not ${describe(value)}`);
  if (jspi() === undefined) {
    const error = new Error(
      `options.async needs WebAssembly JavaScript Promise Integration (WebAssembly.Suspending and WebAssembly.promising), ` +
        `which Node enables by default from version 24; this is Node ${process.versions.node}. ` +
        `Use Node 24 or later, or the synchronous host (leave options.async out).`,
    );
    throw Object.assign(error, { code: "ERR_WASI_ASYNC_UNSUPPORTED" });
  }
  return true;
}

/** options.signal, checked: an AbortSignal, and only for the async host (a synchronous guest holds the event loop, so nothing could abort it). */
export function signalOf(value: unknown, isAsync: boolean): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw invalidArgType(`options.signal must be an AbortSignal, not ${describe(value)}`);
  if (!isAsync) {
    throw invalidArgValue("options.signal needs options.async: true (a synchronous guest holds the event loop, so no abort could reach it)");
  }
  return value;
}
