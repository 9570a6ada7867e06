// clock_res_get, clock_time_get, random_get: from the instance's clock and random source (the
// host's, or a virtual clock and a seeded generator in deterministic runs).
import { Errno } from "../abi/constants.js";
import { fail } from "../errors.js";
import type { Context, Syscalls } from "./context.js";

export function clockRandomSyscalls(ctx: Context) {
  return {
    clock_res_get(id: number, out: number) {
      ctx.memory.check(out, 8);
      ctx.memory.setU64(out, ctx.clock.resolution(id) ?? fail(Errno.INVAL));
    },
    clock_time_get(id: number, _precision: bigint, out: number) {
      ctx.memory.check(out, 8);
      ctx.memory.setU64(out, ctx.clock.now(id) ?? fail(Errno.INVAL));
    },
    random_get(buf: number, len: number) {
      ctx.random(ctx.memory.slice(buf, len));
    },
  } satisfies Syscalls;
}
