// The async host's one way of waiting (options.async, on JSPI). A call that would block in the
// synchronous host throws WouldWait instead, having done nothing; the suspending import awaits its
// promise with the guest's stack suspended and the event loop free, then runs the call again. So
// every import keeps one body for both hosts, and only the wait itself differs.

/**
 * Thrown in async mode where the synchronous host would block. Nothing has been done yet: once
 * `ready` settles the call runs again, or `resume` runs instead (a poll going on with its timeouts).
 */
export class WouldWait {
  constructor(
    readonly ready: Promise<unknown>,
    readonly resume?: () => number | void,
  ) {}
}

/**
 * `then(run())`, where a wait inside `run` that resumes (a write that must finish whole) resumes
 * into `then` too: what an import does with its handle's answer (the count it writes back) is done
 * once, after the last wait.
 */
export function afterWaits<T>(run: () => number, then: (n: number) => T): T {
  try {
    return then(run());
  } catch (error) {
    if (error instanceof WouldWait && error.resume !== undefined) {
      const resume = error.resume as () => number;
      throw new WouldWait(error.ready, () => afterWaits(resume, then) as number | void);
    }
    throw error;
  }
}

/** Where the synchronous host sleeps and retries (a host fd answering EAGAIN), the async one waits this long. */
export const RETRY_MS = 2;

/** The longest one timer may wait (setTimeout fires at once beyond 2^31-1 ms). */
const MAX_TIMER_MS = 0x7fffffff;

/**
 * Settles when any of `waits` does, or after `ms` (Infinity: never by itself). The timer is
 * cleared as soon as it is not needed, so a finished wait keeps no timer (nor the process) alive.
 */
export function firstOf(waits: readonly Promise<unknown>[], ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      if (timer !== undefined) clearTimeout(timer);
      resolve();
    };
    if (ms !== Infinity) timer = setTimeout(done, Math.min(Math.max(ms, 0), MAX_TIMER_MS));
    for (const wait of waits) wait.then(done, (error: unknown) => {
      if (timer !== undefined) clearTimeout(timer);
      reject(error);
    });
  });
}

/** A promise that settles after `ms`. */
export function delay(ms: number): Promise<void> {
  return firstOf([], ms);
}

/** One turn of the event loop: timers, I/O and other guests run before it settles. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Wakes the pollers of one instance when the state of one of its async stdio streams changes (a
 * chunk arrived, a sink drained, a stream ended). One promise serves every waiter until it fires.
 */
export class Changes {
  #promise: Promise<void> | undefined;
  #resolve: (() => void) | undefined;

  next(): Promise<void> {
    this.#promise ??= new Promise<void>((resolve) => (this.#resolve = resolve));
    return this.#promise;
  }

  notify(): void {
    const resolve = this.#resolve;
    this.#promise = this.#resolve = undefined;
    resolve?.();
  }
}

/** The guest was ended by its AbortSignal while it waited (or at its next import call). */
export class Aborted {
  constructor(readonly reason: unknown) {}
}

/**
 * `wait`, or a rejection with Aborted as soon as `signal` aborts. The listener is removed once
 * either happens, so a guest that waits a million times holds no more than one.
 */
export function unlessAborted<T>(wait: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return wait;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(new Aborted(signal.reason));
      return;
    }
    const onAbort = () => reject(new Aborted(signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    wait.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
