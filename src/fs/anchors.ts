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

import type { KernelName } from "./host.js";

/** How many directories one WASI instance keeps open between calls, at most. */
export const KEPT_DIRECTORIES_MAX = 1024;

export interface Anchor {
  /** O_PATH descriptor of the directory. */
  readonly fd: number;
  /** Where names below it are looked up: N in this process's descriptor directory (host.ts). */
  readonly path: string;
  /** The origin it was reached from (Origin.anchorId). */
  readonly origin: number;
  /** The kept directory it was reached through, or undefined below the origin itself. */
  readonly parent: Anchor | undefined;
  /** Its name in that directory. */
  readonly name: string;
  /** What readlink of its descriptor must say for it to be used: the origin's real path + "/" + the names. */
  readonly expected: KernelName;
  /** The kept directories reached through it, by name. */
  readonly children: Map<string, Anchor>;
  /** Used since the clock hand last passed it. */
  used: boolean;
}

/**
 * Kept directories form one tree per origin: the walk finds the next directory by its name in the
 * one it is in (a short key, whatever the depth), and a directory let go takes those below it along
 * (they could no longer be reached).
 */
export class AnchorCache {
  /** Per origin, the kept directories right below it, by name. */
  readonly #roots = new Map<number, Map<string, Anchor>>();
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

  /** The directories kept right below `origin`, for the walk to start from. */
  of(origin: number): ReadonlyMap<string, Anchor> | undefined {
    return this.#roots.get(origin);
  }

  get size(): number {
    return this.#ring.size;
  }

  /** Whether `anchor` is still kept (not let go since it was taken). */
  has(anchor: Anchor): boolean {
    return this.#ring.has(anchor);
  }

  /** Keeps `anchor` (below its parent, or its origin); the cache owns its descriptor from now on. */
  put(anchor: Anchor): void {
    const old = this.#siblings(anchor)?.get(anchor.name);
    if (old !== undefined) this.drop(old);
    while (this.#ring.size >= this.capacity && this.#evictOne(anchor.parent)) {
      // (each pass lets one go)
    }
    // Looked up only now: letting the last one below an origin go removes the origin's level.
    let siblings = this.#siblings(anchor);
    if (siblings === undefined) this.#roots.set(anchor.origin, (siblings = new Map()));
    siblings.set(anchor.name, anchor);
    this.#ring.add(anchor);
  }

  /** The level `anchor` is kept in: its parent's children, or its origin's. */
  #siblings(anchor: Anchor): Map<string, Anchor> | undefined {
    return anchor.parent?.children ?? this.#roots.get(anchor.origin);
  }

  /** Lets go of one anchor (found stale, or evicted), and of those kept below it. */
  drop(anchor: Anchor): void {
    if (!this.#ring.delete(anchor)) return;
    const siblings = this.#siblings(anchor);
    if (siblings?.get(anchor.name) === anchor) siblings.delete(anchor.name);
    if (anchor.parent === undefined && siblings?.size === 0) this.#roots.delete(anchor.origin);
    this.retire(anchor.fd);
    for (const child of [...anchor.children.values()]) this.drop(child);
  }

  /** Lets go of every anchor reached from `origin` (which is being closed). */
  forgetOrigin(origin: number): void {
    const roots = this.#roots.get(origin);
    if (roots === undefined) return;
    for (const anchor of [...roots.values()]) this.drop(anchor);
  }

  clear(): void {
    for (const anchor of [...this.#ring]) this.drop(anchor);
  }

  /**
   * Lets one anchor go: the first the clock hand finds unused since it last passed (each used one
   * gets a second chance at the back of the ring), never `keep` or its parents (the one being put
   * goes below it). False if there is none to let go.
   */
  #evictOne(keep: Anchor | undefined): boolean {
    const spared = new Set<Anchor>();
    for (let a = keep; a !== undefined; a = a.parent) spared.add(a);
    for (const anchor of this.#ring) {
      if (spared.has(anchor)) {
        if (spared.size >= this.#ring.size) return false;
        continue;
      }
      if (!anchor.used) {
        this.drop(anchor);
        return true;
      }
      anchor.used = false;
      this.#ring.delete(anchor);
      this.#ring.add(anchor);
    }
    return false;
  }
}
