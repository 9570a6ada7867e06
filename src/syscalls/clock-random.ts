// clock_res_get, clock_time_get, random_get.
import { randomFillSync } from "node:crypto";
import { Errno } from "../abi/constants.js";
import { now, resolution } from "../clock.js";
import { fail } from "../errors.js";
import type { Context, Syscalls } from "./context.js";

/** randomFillSync takes at most 2^31-1 bytes a call. */
const RANDOM_CHUNK = 1 << 30;

export function clockRandomSyscalls(ctx: Context) {
  return {
    clock_res_get(id: number, out: number) {
      ctx.memory.check(out, 8);
      ctx.memory.setU64(out, resolution(id) ?? fail(Errno.INVAL));
    },
    clock_time_get(id: number, _precision: bigint, out: number) {
      ctx.memory.check(out, 8);
      ctx.memory.setU64(out, now(id) ?? fail(Errno.INVAL));
    },
    random_get(buf: number, len: number) {
      const target = ctx.memory.slice(buf, len);
      for (let at = 0; at < len; at += RANDOM_CHUNK) {
        randomFillSync(target.subarray(at, Math.min(len, at + RANDOM_CHUNK)));
      }
    },
  } satisfies Syscalls;
}
