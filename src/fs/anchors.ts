// Directories kept open between calls: the one cache in front of the resolver's walk (Linux).
//
// The descriptor-anchored walk opens every directory component of a path. A program that works in
// a deep tree would open the same chains again on every call, so the walk files each directory it
// opens here, by the directory the guest started from (its origin) and the components walked below
// it, and takes it from here next time instead of opening it again.
//
// A kept directory is only a shortcut: before anything is looked up through one, the kernel's own
// name for it (readlink of /proc/self/fd/N, which follows nothing) must still be the origin's path
// followed by exactly those components (see Resolver). Renamed, removed or moved away since, by the
// guest or anyone else, and it is dropped and the walk opens the path afresh.
//
// Sized by use: a directory is held only once a walk has passed through it, up to a bound per
// instance; past it, the one least recently used goes (CLOCK).

/** How many directories one WASI instance keeps open between calls, at most. */
export const KEPT_DIRECTORIES_MAX = 1024;

export interface Anchor {
  /** O_PATH descriptor of the directory. */
  readonly fd: number;
  /** The origin it was reached from (Origin.anchorId). */
  readonly origin: number;
  /** The components walked from the origin, joined by "/". */
  readonly key: string;
  /** What readlink of its descriptor must say for it to be used: the origin's real path + "/" + key. */
  readonly expected: Buffer;
  /** Used since the clock hand last passed it. */
  used: boolean;
}

export class AnchorCache {
  readonly #byOrigin = new Map<number, Map<string, Anchor>>();
  /** Every kept anchor, in the order the clock hand visits them. */
  readonly #ring = new Set<Anchor>();

  /**
   * @param retire receives each descriptor the cache lets go of. It may still be in use by the
   * call in progress, so it is closed when that call ends, not here.
   */
  constructor(
    private readonly retire: (fd: number) => void,
    private readonly capacity = KEPT_DIRECTORIES_MAX,
  ) {}

  /** The anchors kept for one origin, for the walk to look its components up in. */
  of(origin: number): ReadonlyMap<string, Anchor> | undefined {
    return this.#byOrigin.get(origin);
  }

  get size(): number {
    return this.#ring.size;
  }

  /** Keeps `anchor`; the cache owns its descriptor from now on. */
  put(anchor: Anchor): void {
    let kept = this.#byOrigin.get(anchor.origin);
    if (kept === undefined) this.#byOrigin.set(anchor.origin, (kept = new Map()));
    const old = kept.get(anchor.key);
    if (old !== undefined) this.drop(old);
    else if (this.#ring.size >= this.capacity) this.#evictOne();
    kept.set(anchor.key, anchor);
    this.#ring.add(anchor);
  }

  /** Lets go of one anchor (found stale). */
  drop(anchor: Anchor): void {
    if (!this.#ring.delete(anchor)) return;
    const kept = this.#byOrigin.get(anchor.origin);
    kept?.delete(anchor.key);
    if (kept?.size === 0) this.#byOrigin.delete(anchor.origin);
    this.retire(anchor.fd);
  }

  /** Lets go of every anchor reached from `origin` (which is being closed). */
  forgetOrigin(origin: number): void {
    const kept = this.#byOrigin.get(origin);
    if (kept === undefined) return;
    for (const anchor of [...kept.values()]) this.drop(anchor);
  }

  clear(): void {
    for (const anchor of [...this.#ring]) this.drop(anchor);
  }

  #evictOne(): void {
    // Each anchor used since the hand last passed gets a second chance, at the back of the ring.
    for (const anchor of this.#ring) {
      if (!anchor.used) {
        this.drop(anchor);
        return;
      }
      anchor.used = false;
      this.#ring.delete(anchor);
      this.#ring.add(anchor);
    }
  }
}
