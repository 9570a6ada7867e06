// Directory anchors kept between calls (Linux). The descriptor-anchored walk opens every directory
// component of a path; a program that works in one deep directory would open the same chain again
// on every call. The resolver keeps those descriptors here instead, keyed by where they were
// reached from (a directory the guest holds) and the components walked below it.
//
// A kept anchor is only a shortcut: before the resolver looks anything up through one, it checks
// that the path it was reached by still leads to it (see Resolver), so a directory renamed, removed
// or replaced since, by the guest or by anyone else, is walked afresh.

/** How many directories are kept open at most, per WASI instance. */
export const ANCHOR_CAPACITY = 64;

export interface Anchor {
  /** O_PATH descriptor of the directory. */
  readonly fd: number;
  readonly dev: bigint;
  readonly ino: bigint;
  /** Which origin it belongs to (see Origin.anchorId). */
  readonly origin: number;
}

interface Entry {
  readonly anchor: Anchor;
  /** When it was last used, on the cache's own clock: eviction takes the least recent. */
  used: number;
}

export class AnchorCache {
  readonly #entries = new Map<string, Entry>();
  #clock = 0;

  /**
   * @param retire receives each descriptor the cache lets go of. It may still be in use by the
   * call in progress, so it is closed when that call ends, not here.
   */
  constructor(private readonly retire: (fd: number) => void) {}

  get(key: string): Anchor | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = ++this.#clock;
    return entry.anchor;
  }

  /** Keeps `anchor` under `key`; the cache owns its descriptor from now on. */
  put(key: string, anchor: Anchor): void {
    const old = this.#entries.get(key);
    if (old !== undefined) this.retire(old.anchor.fd);
    else if (this.#entries.size >= ANCHOR_CAPACITY) this.#evictOne();
    this.#entries.set(key, { anchor, used: ++this.#clock });
  }

  /** Lets go of the anchors for which `drop` is true. */
  forget(drop: (anchor: Anchor, key: string) => boolean): void {
    for (const [key, entry] of this.#entries) {
      if (drop(entry.anchor, key)) {
        this.#entries.delete(key);
        this.retire(entry.anchor.fd);
      }
    }
  }

  #evictOne(): void {
    let oldestKey: string | undefined;
    let oldest = Infinity;
    for (const [key, entry] of this.#entries) {
      if (entry.used < oldest) {
        oldest = entry.used;
        oldestKey = key;
      }
    }
    if (oldestKey === undefined) return;
    this.retire(this.#entries.get(oldestKey)!.anchor.fd);
    this.#entries.delete(oldestKey);
  }

  clear(): void {
    this.forget(() => true);
  }
}
