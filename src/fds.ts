// The descriptor table. Rights are checked in exactly one place: `get(fd, rightsNeeded)`; the
// instance's budget of descriptors in another: `add`, which gives EMFILE beyond it.
import { Errno } from "./abi/constants.js";
import { WasiError } from "./errors.js";
import type { Handle } from "./handle.js";

export interface Descriptor {
  readonly handle: Handle;
  rightsBase: bigint;
  rightsInheriting: bigint;
  /** The guest's name for a preopened directory; set only on preopens. */
  readonly preopenName?: string;
}

/** The default budget: what a Linux process gets by default (RLIMIT_NOFILE's soft limit). */
export const DEFAULT_MAX_OPEN_FILES = 1024;

export class FdTable {
  #entries: (Descriptor | undefined)[] = [];
  #lowestFree = 0;
  #open = 0;

  /** `limit`: the most descriptors open at once, stdio and preopens included. */
  constructor(readonly limit = DEFAULT_MAX_OPEN_FILES) {}

  /** The descriptor at `fd`, which must hold every right in `rightsNeeded`. */
  get(fd: number, rightsNeeded: bigint): Descriptor {
    const entry = this.#entries[fd];
    if (entry === undefined) throw new WasiError(Errno.BADF);
    if ((entry.rightsBase & rightsNeeded) !== rightsNeeded) throw new WasiError(Errno.NOTCAPABLE);
    return entry;
  }

  has(fd: number): boolean {
    return this.#entries[fd] !== undefined;
  }

  /** EMFILE when the table is full: checked before anything is opened or created for a new descriptor. */
  checkRoom(): void {
    if (this.#open >= this.limit) throw new WasiError(Errno.MFILE);
  }

  /** Places the descriptor at the lowest free number, as POSIX does. */
  add(descriptor: Descriptor): number {
    this.checkRoom();
    let fd = this.#lowestFree;
    while (this.#entries[fd] !== undefined) fd++;
    if (fd > 0x7fffffff) throw new WasiError(Errno.MFILE);
    this.#entries[fd] = descriptor;
    this.#open++;
    this.#lowestFree = fd + 1;
    return fd;
  }

  /** Places the descriptor at a given number (stdio, preopens). */
  set(fd: number, descriptor: Descriptor): void {
    if (this.#entries[fd] === undefined) this.#open++;
    this.#entries[fd] = descriptor;
  }

  /** Removes the descriptor and returns it; the caller closes its handle. */
  remove(fd: number): Descriptor {
    const entry = this.get(fd, 0n);
    this.#entries[fd] = undefined;
    this.#open--;
    if (fd < this.#lowestFree) this.#lowestFree = fd;
    while (this.#entries.length > 0 && this.#entries[this.#entries.length - 1] === undefined) this.#entries.pop();
    return entry;
  }

  /**
   * Moves `from` onto `to`, closing what `to` held; `from` becomes free. Both must be open, else
   * EBADF: the witx defines no dup2 onto an arbitrary number, and wasmtime (since 37; its
   * p1_renumber test program asserts EBADF for 127 and u32::MAX) and node:wasi refuse an unused
   * target too. So no guest number ever sizes the table. Renumbering onto itself changes nothing.
   */
  renumber(from: number, to: number): Descriptor | undefined {
    const source = this.get(from, 0n);
    const target = this.get(to, 0n);
    if (from === to) return undefined;
    this.#entries[to] = source;
    this.remove(from);
    return target;
  }

  /** Every open descriptor, for cleanup. */
  *entries(): IterableIterator<[number, Descriptor]> {
    for (let fd = 0; fd < this.#entries.length; fd++) {
      const entry = this.#entries[fd];
      if (entry !== undefined) yield [fd, entry];
    }
  }
}
