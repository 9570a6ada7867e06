// The errors the API throws at its caller, each with the `code` node:wasi gives the same mistake, so
// that code written against node:wasi (`error.code === "ERR_INVALID_ARG_TYPE"`) keeps working.

export type CodedError<E extends Error> = E & { code: string };

function coded<E extends Error>(error: E, code: string): CodedError<E> {
  return Object.assign(error, { code });
}

/** A value of the wrong kind (`options.env` a number, `instance.exports._start` not a function…). */
export function invalidArgType(message: string): CodedError<TypeError> {
  return coded(new TypeError(message), "ERR_INVALID_ARG_TYPE");
}

/** A value of the right kind that is not allowed (an unknown version, a NUL in an argument…). */
export function invalidArgValue(message: string): CodedError<TypeError> {
  return coded(new TypeError(message), "ERR_INVALID_ARG_VALUE");
}

/** A number outside its range, or not an integer (`stdout: -1`, `stdout: 1.5`). */
export function outOfRange(message: string): CodedError<RangeError> {
  return coded(new RangeError(message), "ERR_OUT_OF_RANGE");
}

export function alreadyStarted(): CodedError<Error> {
  return coded(new Error("this WASI instance has already started"), "ERR_WASI_ALREADY_STARTED");
}

/** How a rejected value is shown in a message: its kind, and the value itself where short. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return "a function";
  if (typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === "symbol") return "a symbol";
  return `${typeof value} ${String(value)}`;
}
