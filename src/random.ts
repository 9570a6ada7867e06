// Where random_get's bytes come from: the host's CSPRNG, or a seeded generator (deterministic runs).
import { crypto } from "./builtins.js";

/** Fills `target` with random bytes. */
export type RandomSource = (target: Uint8Array) => void;

/** randomFillSync takes at most 2^31-1 bytes a call. */
const RANDOM_CHUNK = 1 << 30;

export const hostRandom: RandomSource = (target) => {
  for (let at = 0; at < target.byteLength; at += RANDOM_CHUNK) {
    crypto().randomFillSync(target.subarray(at, Math.min(target.byteLength, at + RANDOM_CHUNK)));
  }
};

/**
 * xoshiro128** seeded by splitmix32 from `seed` (any safe integer): the same seed gives the same
 * bytes on every host and Node version. Not for secrets: a guest that needs real randomness must
 * not be run deterministically.
 */
export function seededRandom(seed: number): RandomSource {
  let s = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
  const splitmix32 = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32(), b = splitmix32(), c = splitmix32(), d = splitmix32();
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  return (target) => {
    for (let at = 0; at < target.byteLength; at += 4) {
      let word = next();
      for (let i = at; i < Math.min(at + 4, target.byteLength); i++, word >>>= 8) target[i] = word & 0xff;
    }
  };
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));
