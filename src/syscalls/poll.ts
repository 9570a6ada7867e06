// poll_oneoff. Waits for real readiness: each pass reads the subscriptions straight from guest
// memory and writes an event for each one ready; if none is, it sleeps (Atomics.wait) until the
// earliest clock is due or the I/O thread rings its doorbell, then passes again. The async host
// waits for the same things without blocking (WouldWait), and for its stdio streams' changes too.
// Host memory is the same for one subscription or a million: nothing is kept per subscription
// between passes.
import { Clockid, Errno, Eventrwflags, Eventtype, Rights, Subclockflags } from "../abi/constants.js";
import { encodeEvent, event } from "../abi/layouts.js";
import { hostClock, type Clock } from "../clock.js";
import { errnoOf } from "../errors.js";
import type { Readiness } from "../io/stream.js";
import { firstOf, WouldWait } from "../async/wait.js";
import type { Abi, Context, Syscalls } from "./context.js";

const NEVER = -1n;

/** Nanoseconds on `clock`'s monotonic clock since this was called. */
function monotonicSince(clock: Clock): () => bigint {
  const start = clock.now(Clockid.MONOTONIC)!;
  return () => clock.now(Clockid.MONOTONIC)! - start;
}

export function pollSyscalls(ctx: Context, abi: Abi) {
  const { memory: mem, fds, io, clock, asyncHost } = ctx;
  const { size, fields } = abi.subscription;
  return {
    poll_oneoff(inPtr: number, outPtr: number, count: number, neventsOut: number) {
      if (count === 0) return Errno.INVAL;
      mem.check(neventsOut, 4);
      mem.check(inPtr, count * size);
      mem.check(outPtr, count * event.size);
      // Relative timeouts count from the call's start, on the instance's monotonic clock.
      const elapsed = monotonicSince(clock);

      // The async host runs the same loop again after each wait, relative timeouts counting from the first.
      const passes = (): void => {
        for (;;) {
          const seen = io.doorbell();
          let ready = 0;
          /** Nanoseconds until the earliest clock not yet due, or NEVER. */
          let sleepNs = NEVER;
          const report = (userdata: bigint, type: number, error: number, answer?: Readiness) => {
            const nbytes = answer?.nbytes ?? 0n;
            const flags = answer?.hangup ? Eventrwflags.FD_READWRITE_HANGUP : 0;
            encodeEvent(mem.view, outPtr + ready++ * event.size, { userdata, error, type, nbytes, flags });
          };

          for (let i = 0; i < count; i++) {
            const at = inPtr + i * size;
            const view = mem.view;
            const userdata = view.getBigUint64(at + fields.userdata.offset, true);
            const tag = view.getUint8(at + fields.tag.offset);
            if (tag === Eventtype.CLOCK) {
              const clockId = view.getUint32(at + fields.clock_id.offset, true);
              const timeout = view.getBigUint64(at + fields.timeout.offset, true);
              const absolute = (view.getUint16(at + fields.flags.offset, true) & Subclockflags.ABSTIME) !== 0;
              const current = clock.now(clockId);
              if (current === undefined) {
                report(userdata, tag, Errno.INVAL);
                continue;
              }
              const left = absolute ? timeout - current : timeout - elapsed();
              if (left <= 0n) report(userdata, tag, Errno.SUCCESS);
              else if (sleepNs === NEVER || left < sleepNs) sleepNs = left;
            } else if (tag === Eventtype.FD_READ || tag === Eventtype.FD_WRITE) {
              const fd = view.getUint32(at + fields.fd.offset, true);
              let answer: Readiness | undefined;
              try {
                const { handle } = fds.get(fd, tag === Eventtype.FD_READ ? Rights.FD_READ : Rights.FD_WRITE);
                answer = tag === Eventtype.FD_READ ? handle.pollRead(io) : handle.pollWrite(io);
              } catch (error) {
                report(userdata, tag, errnoOf(error));
                continue;
              }
              if (answer !== undefined) report(userdata, tag, Errno.SUCCESS, answer);
            } else {
              report(userdata, tag, Errno.INVAL);
            }
          }

          if (ready > 0) {
            mem.setU32(neventsOut, ready);
            return;
          }
          // A virtual clock (deterministic runs) moves by the wait at once instead.
          if (clock !== hostClock && sleepNs !== NEVER) clock.wait(sleepNs);
          else {
            const ms = sleepNs === NEVER ? Infinity : Number(sleepNs) / 1e6;
            if (asyncHost !== undefined) throw new WouldWait(firstOf([io.changed(seen, ms)], ms, asyncHost.changes), passes);
            io.waitForChange(seen, ms);
          }
        }
      };
      passes();
    },
  } satisfies Syscalls;
}
