// Node's utimes family takes seconds as a double: at today's epoch that is a step of about 238 ns,
// so a time a guest sets in nanoseconds lands on the host slightly off, and a time it leaves alone
// is rounded too when the other one is set. This overlay remembers, per file (dev, ino), what the
// guest asked for next to what the host then stored; while the host still holds exactly that
// value, stat reports the guest's nanoseconds. Once anything else changes the time, the host's
// value shows again. The overlay lives as long as the WASI instance.
import type { BigIntStats } from "node:fs";
import { Clockid, Errno, FSTFLAGS_ALL, Fstflags } from "../abi/constants.js";
import type { FilestatValue } from "../abi/layouts.js";
import type { Clock } from "../clock.js";
import { fail } from "../errors.js";
import { filestatOf } from "./stat.js";

interface Remembered {
  atimHost: bigint;
  atimGuest: bigint;
  mtimHost: bigint;
  mtimGuest: bigint;
}

/** Files remembered at most; the oldest are forgotten first. */
const CAPACITY = 4096;

export class TimesOverlay {
  readonly #entries = new Map<string, Remembered>();

  /** Records the guest's wish after the host applied it; `after` is the host's stat afterwards. */
  remember(after: BigIntStats, atimGuest: bigint, mtimGuest: bigint): void {
    const key = `${after.dev}:${after.ino}`;
    this.#entries.delete(key);
    if (this.#entries.size >= CAPACITY) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { atimHost: after.atimeNs, atimGuest, mtimHost: after.mtimeNs, mtimGuest });
  }

  /** The filestat a guest sees for a host stat. */
  filestat(st: BigIntStats): FilestatValue {
    const value = filestatOf(st);
    if (this.#entries.size === 0) return value;
    const known = this.#entries.get(`${st.dev}:${st.ino}`);
    if (known !== undefined) {
      if (value.atim === known.atimHost) value.atim = known.atimGuest;
      if (value.mtim === known.mtimHost) value.mtim = known.mtimGuest;
    }
    return value;
  }

  /** The guest-visible times of a host stat, to carry over the one a guest does not set. */
  times(st: BigIntStats): { atim: bigint; mtim: bigint } {
    const v = this.filestat(st);
    return { atim: v.atim, mtim: v.mtim };
  }
}

/** ns → the seconds-as-double that Node's utimes family takes (steps of ~238 ns at today's epoch). */
export function seconds(ns: bigint): number {
  return Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
}

/** Turns fst_flags and the two timestamps into "leave" (null) or a time in ns. */
export function timesFromFlags(atim: bigint, mtim: bigint, flags: number, clock: Clock): [bigint | null, bigint | null] {
  if (flags & ~FSTFLAGS_ALL) fail(Errno.INVAL);
  if (flags & Fstflags.ATIM && flags & Fstflags.ATIM_NOW) fail(Errno.INVAL);
  if (flags & Fstflags.MTIM && flags & Fstflags.MTIM_NOW) fail(Errno.INVAL);
  const nowNs = flags & (Fstflags.ATIM_NOW | Fstflags.MTIM_NOW) ? clock.now(Clockid.REALTIME)! : 0n;
  const a = flags & Fstflags.ATIM ? atim : flags & Fstflags.ATIM_NOW ? nowNs : null;
  const m = flags & Fstflags.MTIM ? mtim : flags & Fstflags.MTIM_NOW ? nowNs : null;
  return [a, m];
}
