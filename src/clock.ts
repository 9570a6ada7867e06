// The four WASI clocks, in nanoseconds.
import { Clockid } from "./abi/constants.js";
import { sleepMs } from "./sleep.js";

// Realtime is the wall clock at start-up plus the monotonic clock since, which gives it
// nanosecond steps (Date.now() alone moves in milliseconds). Date.now(), not performance: the first
// use of `performance` loads Node's perf_hooks, a few milliseconds of every start-up.
const startWallNs = BigInt(Date.now()) * 1_000_000n;
const startHr = process.hrtime.bigint();

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

/** The clocks an instance reads and waits on: the host's, or a virtual one (deterministic runs). */
export interface Clock {
  /** The clock's current time in ns, or undefined for an unknown clock id. */
  now(id: number): bigint | undefined;
  /** The clock's resolution in ns, or undefined for an unknown clock id. */
  resolution(id: number): bigint | undefined;
  /** Lets `ns` pass (a poll with nothing ready but a clock); returns the ns that did pass. */
  wait(ns: bigint): bigint;
}

export const hostClock: Clock = {
  now,
  resolution,
  wait(ns) {
    const start = process.hrtime.bigint();
    let waited = 0n;
    while (waited < ns) {
      sleepMs(Number(ns - waited) / 1e6);
      waited = process.hrtime.bigint() - start;
    }
    return waited;
  },
};

/** Where a virtual clock's REALTIME starts: 2023-11-14T22:13:20Z. */
export const VIRTUAL_EPOCH_NS = 1_700_000_000_000_000_000n;
/** How far a virtual clock moves at each reading, so that a guest waiting in a loop gets there. */
export const VIRTUAL_TICK_NS = 1000n;

/**
 * Time that passes only when the guest lets it: sleeps and polls advance it by what they ask, and
 * each reading by one tick. REALTIME starts at VIRTUAL_EPOCH_NS, MONOTONIC and the CPU clocks at
 * 0, and all advance together, so two runs of the same guest read the same times.
 */
export class VirtualClock implements Clock {
  #elapsed = 0n;

  now(id: number): bigint | undefined {
    const base = id === Clockid.REALTIME ? VIRTUAL_EPOCH_NS : 0n;
    if (resolution(id) === undefined) return undefined;
    this.#elapsed += VIRTUAL_TICK_NS;
    return base + this.#elapsed;
  }

  resolution(id: number): bigint | undefined {
    return resolution(id) === undefined ? undefined : VIRTUAL_TICK_NS;
  }

  wait(ns: bigint): bigint {
    if (ns > 0n) this.#elapsed += ns;
    return ns > 0n ? ns : 0n;
  }

  /** REALTIME without a tick: for file times. */
  realtime(): bigint {
    return VIRTUAL_EPOCH_NS + this.#elapsed;
  }
}
