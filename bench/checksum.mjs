// The checksums the workloads print, computed on the host from the fixtures (the C side is
// bench/workloads/common.h): a position-sensitive sum over little-endian u32 words, FNV-1a of names.
import { createHash } from "node:crypto";

export class Sum {
  s1 = 0;
  s2 = 0;
  words(u32) {
    let { s1, s2 } = this;
    for (let i = 0; i < u32.length; i++) {
      s1 = (s1 + u32[i]) >>> 0;
      s2 = (s2 + s1) >>> 0;
    }
    this.s1 = s1;
    this.s2 = s2;
    return this;
  }
  hex() {
    return this.s1.toString(16).padStart(8, "0") + this.s2.toString(16).padStart(8, "0");
  }
}

export const u32view = (buf) => new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength >>> 2);

export function fnv1a(s) {
  let h = 2166136261;
  for (const b of Buffer.from(s)) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h;
}

export const hex32 = (n) => (n >>> 0).toString(16).padStart(8, "0");

export const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");
