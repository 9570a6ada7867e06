// proc_exit, proc_raise, sched_yield. Nothing here ever signals the host process.
import { Errno, Signal, SIGNAL_MAX } from "../abi/constants.js";
import { ProcExit } from "../errors.js";
import { nextTurn, WouldWait } from "../async/wait.js";
import type { Syscalls } from "./context.js";

/** Signals whose default action is to do nothing. */
const ignoredByDefault = new Set<number>([Signal.NONE, Signal.CHLD, Signal.CONT, Signal.URG, Signal.WINCH]);
/** Signals whose default action is to stop the process, which a guest cannot be. */
const stopping = new Set<number>([Signal.STOP, Signal.TSTP, Signal.TTIN, Signal.TTOU]);

/** `isAsync`: the async host, whose sched_yield lets the event loop turn once. */
export function procSyscalls(isAsync: boolean) {
  return {
    proc_exit(code: number) {
      throw new ProcExit(code);
    },
    // A signal that would terminate a POSIX process ends the guest the way a shell reports it,
    // with status 128+N; it is never delivered to the host.
    proc_raise(sig: number) {
      if (sig > SIGNAL_MAX) return Errno.INVAL;
      if (ignoredByDefault.has(sig)) return Errno.SUCCESS;
      if (stopping.has(sig)) return Errno.NOTSUP;
      throw new ProcExit(128 + sig);
    },
    sched_yield() {
      if (isAsync) throw new WouldWait(nextTurn(), () => Errno.SUCCESS);
      return Errno.SUCCESS;
    },
  } satisfies Syscalls;
}
