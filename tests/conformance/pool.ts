/**
 * A job pool: runs up to `jobs` tasks at once, never two at once whose
 * lock sets overlap. Tests that preopen the same directory share files
 * (and their `*.cleanup` artifacts are removed around each run), so they
 * must run one after another.
 */

import { sep } from 'node:path';

export interface PoolTask<R> {
  /** Absolute paths this task needs exclusively (a path also covers what is below it). */
  readonly locks: readonly string[];
  readonly run: () => Promise<R>;
}

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(b.endsWith(sep) ? b : b + sep) || b.startsWith(a.endsWith(sep) ? a : a + sep);
}

/**
 * Runs the tasks, preferring list order among the runnable ones. `onDone`
 * is called as each one finishes. Resolves with the results in list order.
 */
export async function runPool<R>(
  tasks: readonly PoolTask<R>[],
  jobs: number,
  onDone?: (index: number, result: R) => void,
): Promise<R[]> {
  const results: R[] = new Array<R>(tasks.length);
  const pending = tasks.map((_, i) => i);
  const held: string[][] = [];
  let running = 0;

  return new Promise<R[]>((resolvePromise, reject) => {
    let failed = false;
    const pump = (): void => {
      if (failed) return;
      if (pending.length === 0 && running === 0) {
        resolvePromise(results);
        return;
      }
      while (running < Math.max(1, jobs)) {
        const at = pending.findIndex((i) =>
          tasks[i]!.locks.every((l) => held.every((h) => h.every((x) => !overlaps(l, x)))));
        if (at === -1) return;
        const [index] = pending.splice(at, 1) as [number];
        const task = tasks[index]!;
        const locks = [...task.locks];
        held.push(locks);
        running++;
        task.run().then(
          (result) => {
            results[index] = result;
            held.splice(held.indexOf(locks), 1);
            running--;
            onDone?.(index, result);
            pump();
          },
          (e: unknown) => {
            failed = true;
            reject(e);
          },
        );
      }
    };
    pump();
  });
}
