// Deterministic runs: a virtual clock and a seeded random source in place of the host's, so that
// two runs of the same guest with the same inputs behave the same, byte for byte.
import { hostClock, VirtualClock, type Clock } from "./clock.js";
import { hostRandom, seededRandom, type RandomSource } from "./random.js";

/**
 * `true` (seed 0) or `{ seed, clock }`: the seed of random_get's generator (a safe integer), and
 * the virtual clock to use (to share it with a MemoryFs's file times; a fresh one by default).
 */
export type DeterministicOption = boolean | { readonly seed?: number; readonly clock?: VirtualClock };

export function clockAndRandom(option: DeterministicOption | undefined): { clock: Clock; random: RandomSource } {
  if (option === undefined || option === false) return { clock: hostClock, random: hostRandom };
  if (option === true) return { clock: new VirtualClock(), random: seededRandom(0) };
  if (option === null || typeof option !== "object") throw new TypeError("deterministic must be a boolean or { seed, clock }");
  const seed = option.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new TypeError(`deterministic.seed must be a safe integer, not ${String(seed)}`);
  if (option.clock !== undefined && !(option.clock instanceof VirtualClock)) throw new TypeError("deterministic.clock must be a VirtualClock");
  return { clock: option.clock ?? new VirtualClock(), random: seededRandom(seed) };
}
