// Node's utimes family takes seconds as a double: at today's epoch that is a step of about 238 ns,
// so a time a guest sets in nanoseconds lands on the host slightly off, and a time it leaves alone
// is rounded too when the other one is set. This overlay remembers, per file (dev, ino), what the
// guest asked for next to what the host then stored; while the host still holds exactly that
// value, stat reports the guest's nanoseconds. Once anything else changes the time, the host's
// value shows again. The overlay lives as long as the WASI instance.
import type { BigIntStats } from "node:fs";
import type { FilestatValue } from "../abi/layouts.js";
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
