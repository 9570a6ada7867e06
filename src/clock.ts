// The four WASI clocks, in nanoseconds.
import { Clockid } from "./abi/constants.js";

// Realtime is the wall clock at start-up plus the monotonic clock since, which gives it
// nanosecond steps (Date.now() alone moves in milliseconds).
const startHr = process.hrtime.bigint();
const startWallNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;

function cpuNs(): bigint {
  const { user, system } = process.cpuUsage();
  return BigInt(user + system) * 1000n;
}

/** The clock's current time in ns, or undefined for an unknown clock id. */
export function now(id: number): bigint | undefined {
  switch (id) {
    case Clockid.REALTIME:
      return startWallNs + (process.hrtime.bigint() - startHr);
    case Clockid.MONOTONIC:
      return process.hrtime.bigint();
    case Clockid.PROCESS_CPUTIME_ID:
    case Clockid.THREAD_CPUTIME_ID:
      return cpuNs();
    default:
      return undefined;
  }
}

/** The clock's resolution in ns, or undefined for an unknown clock id. */
export function resolution(id: number): bigint | undefined {
  switch (id) {
    case Clockid.REALTIME:
    case Clockid.MONOTONIC:
      return 1n;
    case Clockid.PROCESS_CPUTIME_ID:
    case Clockid.THREAD_CPUTIME_ID:
      return 1000n; // process.cpuUsage() counts microseconds
    default:
      return undefined;
  }
}
