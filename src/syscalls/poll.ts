// poll_oneoff. Clock subscriptions wait without spinning (Atomics.wait). Node offers no way to ask
// whether a descriptor is ready, so fd subscriptions are reported ready at once: files always are,
// and a read on host stdio then blocks as a plain read would.
import { Errno, Eventtype, Rights, Subclockflags } from "../abi/constants.js";
import { decodeSubscription, encodeEvent, event, type EventValue } from "../abi/layouts.js";
import { WasiError } from "../errors.js";
import type { Abi, Context, Syscalls } from "./context.js";

interface ClockWait {
  userdata: bigint;
  /** Nanoseconds from the poll's start until the subscription fires. */
  delayNs: bigint;
}

export function pollSyscalls(ctx: Context, abi: Abi): Syscalls {
  const { memory: mem, fds } = ctx;
  return {
    poll_oneoff(inPtr: number, outPtr: number, count: number, neventsOut: number) {
      if (count === 0) return Errno.INVAL;
      mem.check(neventsOut, 4);
      mem.check(inPtr, count * abi.subscription.size);
      mem.check(outPtr, count * event.size);

      const ready: EventValue[] = [];
      const clocks: ClockWait[] = [];
      for (let i = 0; i < count; i++) {
        const sub = decodeSubscription(mem.view, inPtr + i * abi.subscription.size, abi.subscription);
        switch (sub.tag) {
          case Eventtype.CLOCK: {
            const current = ctx.clock.now(sub.clockId);
            if (current === undefined) {
              ready.push({ userdata: sub.userdata, error: Errno.INVAL, type: sub.tag, nbytes: 0n, flags: 0 });
              break;
            }
            const delayNs = sub.flags & Subclockflags.ABSTIME ? sub.timeout - current : sub.timeout;
            clocks.push({ userdata: sub.userdata, delayNs });
            break;
          }
          case Eventtype.FD_READ:
          case Eventtype.FD_WRITE: {
            let error: number = Errno.SUCCESS;
            let nbytes = 0n;
            try {
              const { handle } = fds.get(sub.fd, sub.tag === Eventtype.FD_READ ? Rights.FD_READ : Rights.FD_WRITE);
              if (sub.tag === Eventtype.FD_READ) nbytes = handle.readable() ?? 1n;
            } catch (e) {
              if (!(e instanceof WasiError)) throw e;
              error = e.errno;
            }
            ready.push({ userdata: sub.userdata, error, type: sub.tag, nbytes, flags: 0 });
            break;
          }
          default:
            ready.push({ userdata: sub.userdata, error: Errno.INVAL, type: sub.tag, nbytes: 0n, flags: 0 });
        }
      }

      // With nothing ready yet, sleep until the earliest clock fires. Then report every clock due.
      let waitedNs = 0n;
      if (ready.length === 0 && clocks.length > 0) {
        const first = clocks.reduce((min, c) => (c.delayNs < min ? c.delayNs : min), clocks[0]!.delayNs);
        waitedNs = ctx.clock.wait(first);
      }
      for (const c of clocks) {
        if (c.delayNs <= waitedNs) {
          ready.push({ userdata: c.userdata, error: Errno.SUCCESS, type: Eventtype.CLOCK, nbytes: 0n, flags: 0 });
        }
      }

      mem.refresh();
      ready.forEach((ev, i) => encodeEvent(mem.view, outPtr + i * event.size, ev));
      mem.setU32(neventsOut, ready.length);
    },
  };
}
