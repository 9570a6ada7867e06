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
 * Settles when any of `waits` does, `changes` are announced, or `ms` pass (Infinity: never by
 * itself). The timer and the subscription to `changes` end with it, so a guest that polls a
 * million times leaves nothing behind (a promise that never settles would keep every poll's
 * reaction). Each of `waits` is the caller's own: one shared by many waits would gather theirs.
 */
export function firstOf(waits: readonly Promise<unknown>[], ms: number, changes?: Changes): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let unsubscribe: (() => void) | undefined;
    const end = () => {
      if (timer !== undefined) clearTimeout(timer);
      unsubscribe?.();
    };
    const done = () => {
      end();
      resolve();
    };
    if (ms !== Infinity) timer = setTimeout(done, Math.min(Math.max(ms, 0), MAX_TIMER_MS));
    unsubscribe = changes?.subscribe(done);
    for (const wait of waits) wait.then(done, (error: unknown) => {
      end();
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
 * chunk arrived, a sink drained, a stream ended). A poller subscribes for one wait and leaves.
 */
export class Changes {
  readonly #waiting = new Set<() => void>();

  /** Calls `wake` at the next change; the function returned unsubscribes. */
  subscribe(wake: () => void): () => void {
    const entry = () => wake();
    this.#waiting.add(entry);
    return () => this.#waiting.delete(entry);
  }

  /** How many pollers wait (for tests: none may be left behind). */
  get waiting(): number {
    return this.#waiting.size;
  }

  notify(): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const wake of waiting) wake();
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
