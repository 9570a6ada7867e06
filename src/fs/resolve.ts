// The sandboxed resolver: the one walk every guest path takes. A guest path is walked one component
// at a time from a directory the guest holds, on an explicit stack of frames, one method per kind of
// component: a name steps into a directory (`#enter`), `..` pops a frame and may never pop past the
// start (`#parent`), a symlink is read and its text walked in place of it, relative to the link's
// own directory, within a hop budget (`#expand`); an absolute path or link target is refused. What
// comes out is the directory holding the final component, as a host path, and the final name, which
// the operation then acts on through that directory.
//
// On Linux each frame holds its directory open (O_PATH, opened without following) and the next
// component is looked up through /proc/self/fd of it (host.ts), so nothing swapped in meanwhile is
// followed. Directories opened so are kept between calls (anchors.ts): the walk takes a frame from
// there instead of opening it, and checks it (`#here`) before looking anything up through it.
// Elsewhere Node has no openat(): frames are host paths whose components were each seen by lstat to
// be directories, and a component swapped for a symlink after its check is not caught here (README).
import type { BigIntStats } from "node:fs";
import { Errno } from "../abi/constants.js";
import { errnoOf, StaleAnchor, WasiError } from "../errors.js";
import { AnchorCache, type Anchor } from "./anchors.js";
import type { FsBackend } from "./backend.js";
import { descriptorName, O_DIRECTORY, O_NOFOLLOW, O_PATH, type HostCapabilities, type KernelName } from "./host.js";
import { absoluteOnWindows, ExactNames, refusedOnWindows, type Reached } from "./windows.js";

/** Symlink expansions allowed in one resolution (Linux's MAXSYMLINKS). */
export const MAX_SYMLINK_HOPS = 40;
/** Longest component, in bytes (NAME_MAX), enforced on every host alike. */
export const MAX_NAME_BYTES = 255;
/** Longest guest path, in bytes (PATH_MAX). */
export const MAX_PATH_BYTES = 4096;
/**
 * Directories one resolution may open, at most: a path (or a chain of links) that would hold more
 * at once is ENAMETOOLONG, so that no single call can take the host's descriptors.
 */
export const MAX_OPENED_PER_RESOLUTION = 256;

/** A directory the guest holds, as a place to resolve from. */
export interface Origin {
  /** The host path to walk from; it leads to the directory itself (on Linux, /proc/self/fd/N). */
  base(): string;
  /** Tells this origin's kept directories apart from others'; stable while the origin is open. */
  readonly anchorId: number;
  /**
   * The kernel's name for the directory (readlink of its descriptor: no link in it), against which
   * the directories kept below it are checked; undefined keeps none. `fresh` reads it again.
   */
  realPath(fresh: boolean): KernelName | undefined;
}

export interface Resolved {
  /** Host path of the directory holding the final component. */
  readonly parent: string;
  /** The final component; "." when the path names the start directory (or a directory reached by `..`). */
  readonly name: string;
  /** Host path of the final component itself. */
  readonly host: string;
  /** lstat of the final component, or undefined when it does not exist. */
  readonly stat: BigIntStats | undefined;
  /** The path ended in a slash, so it must name a directory (or a link to one). */
  readonly mustBeDir: boolean;
  /** Components of the final location below the start directory. */
  readonly depth: number;
  /**
   * With Windows rules: `stat` is undefined because the host has the name only in another case
   * (`FILE` for `file`); this is that entry's lstat. Creating the name is EEXIST (see windows.ts).
   */
  readonly caseVariant?: BigIntStats;
}

/** Where a path whose last component is a plain name ends, before anything looks at that name. */
export interface Located {
  readonly parent: string;
  readonly name: string;
  readonly host: string;
}

interface Frame {
  /** Component name ("" for the start directory). */
  readonly name: string;
  /** The host path names in this directory are looked up below. */
  readonly path: string;
  /** The kept directory this is (taken from the kept ones, or kept when opened), if it is one. */
  readonly anchor: Anchor | undefined;
  /** Taken from the kept ones and not yet checked in this call: checked before the first lookup through it. */
  unchecked: boolean;
}

/** What one resolution asks for. */
interface Request {
  readonly follow: boolean;
  /** Stop before the last component when it is a plain name, without looking at it (locate). */
  readonly locate: boolean;
  /** Take directories from the kept ones (off when a resolution starts again after a stale one). */
  readonly useKept: boolean;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** What every walk of one resolver shares. */
interface WalkEnv {
  readonly fs: FsBackend;
  /** Where descriptors are named as paths (Linux); undefined: walks go by host path. */
  readonly fdPaths: string | undefined;
  /** Directories kept open between calls, when walks are anchored. */
  readonly kept: AnchorCache | undefined;
  /** With Windows rules: names must match the host's exactly, and what was reached must be inside. */
  readonly exact: ExactNames | undefined;
  readonly windows: boolean;
  /** Holds a descriptor until the current call ends. */
  hold(fd: number): void;
}

export class Resolver {
  /** Descriptors to close when the current call ends (release()). */
  readonly #held: number[] = [];
  readonly #env: WalkEnv;

  constructor(
    private readonly fs: FsBackend,
    host: Pick<HostCapabilities, "windowsRules" | "fdPaths">,
  ) {
    const held = this.#held;
    this.#env = {
      fs,
      fdPaths: host.fdPaths,
      kept: host.fdPaths === undefined ? undefined : new AnchorCache((fd) => held.push(fd)),
      exact: host.windowsRules ? new ExactNames(fs) : undefined,
      windows: host.windowsRules,
      hold: (fd) => held.push(fd),
    };
  }

  get windows(): boolean {
    return this.#env.windows;
  }

  /** How many directories are kept open between calls right now. */
  get keptCount(): number {
    return this.#env.kept?.size ?? 0;
  }

  /**
   * Resolves `path` relative to `start`: a directory the guest holds, or a host path to walk from.
   * `follow` says whether a symlink in the last position is followed (LOOKUP_SYMLINK_FOLLOW); links
   * elsewhere always are.
   */
  resolve(start: Origin | string, path: string, follow: boolean): Resolved {
    return this.#run(start, path, { follow, locate: false, useKept: true }) as Resolved;
  }

  /**
   * Where `path` ends when its last component is a plain name, without looking at that name: for an
   * operation that lets the host look (an open of an existing file, which says what it opened; and,
   * where the host's answers are run-wasi's, mkdir, rmdir and unlink). Undefined when the path ends
   * otherwise (`.`, `..`, a slash) or the Windows rules need the name's stat: resolve() it then.
   */
  locate(start: Origin, path: string): Located | undefined {
    if (this.#env.exact !== undefined) return undefined;
    const r = this.#run(start, path, { follow: false, locate: true, useKept: true });
    return "stat" in r ? undefined : r;
  }

  #run(start: Origin | string, path: string, request: Request): Resolved | Located {
    checkPath(path);
    if (typeof start === "string") return this.#walk(start, undefined, path, request);
    try {
      return this.#walk(start.base(), start, path, request);
    } catch (error) {
      if (!(error instanceof StaleAnchor)) throw error;
      // Something moved: perhaps the origin itself. Read its name again and walk afresh.
      start.realPath(true);
      return this.#walk(start.base(), start, path, { ...request, useKept: false });
    }
  }

  #walk(start: string, origin: Origin | undefined, path: string, request: Request): Resolved | Located {
    const walk = new Walk(this.#env, start, origin, request.useKept);
    // Components still to walk, last first, so that pushing a link's target is cheap.
    const pending: string[] = [];
    pushComponents(pending, path);
    walk.mustBeDir = path.endsWith("/");
    for (;;) {
      const component = pending.pop();
      // The path ended on "." or ".." (or a link to a directory above): it names a directory itself.
      if (component === undefined) return this.#checked(walk, undefined, walk.directoryItself());
      const last = pending.length === 0;
      if (component === ".") continue;
      if (component === "..") {
        walk.parent();
        continue;
      }
      this.checkName(component);
      if (last && request.locate && !walk.mustBeDir) return walk.located(component);
      // Not the last: step in if it is a directory; else (a link, a file) look at it below.
      const seen = last ? undefined : walk.enter(component);
      if (seen === true) continue;

      const host = `${walk.here()}/${component}`;
      let st: BigIntStats | undefined;
      try {
        st = seen ?? this.fs.lstatIfExists(host);
      } catch (error) {
        throw new WasiError(errnoOf(error));
      }
      if (st === undefined) {
        if (last) return this.#checked(walk, component, walk.entry(component, undefined));
        throw new WasiError(Errno.NOENT);
      }
      if (st.isSymbolicLink() && (!last || request.follow || walk.mustBeDir)) {
        const target = walk.expand(host);
        // Swapped for something else since the lstat: look at this component again.
        if (target === undefined) pending.push(component);
        else {
          if (target.endsWith("/") && last) walk.mustBeDir = true;
          pushComponents(pending, target);
        }
        continue;
      }
      if (last) return this.#checked(walk, component, walk.entry(component, st));
      if (!st.isDirectory()) throw new WasiError(Errno.NOTDIR);
      // A directory that could not be entered a moment ago: it changed under us. Look again.
      walk.hop();
      pending.push(component);
    }
  }

  /**
   * With Windows rules, `r` as the guest may see it: the walked names (and `name`, for an existing
   * entry) must be exactly what the host has below the start (windows.ts).
   */
  #checked(walk: Walk, name: string | undefined, r: Resolved): Resolved {
    const exact = this.#env.exact;
    if (exact === undefined) return r;
    const names = walk.names();
    if (name === undefined || r.stat === undefined) {
      // A new name, or a directory itself: the directories on the way must exist exactly.
      exact.check(walk.start, names, r.name === "." ? r.host : r.parent, "directory");
      return r;
    }
    const reached: Reached = r.stat.isSymbolicLink() ? "link" : "entry";
    if (!exact.check(walk.start, [...names, name], r.host, reached)) return r;
    return { ...r, stat: undefined, caseVariant: r.stat };
  }

  /** Closes the directories the current call holds open, other than those kept. */
  release(): void {
    if (this.#held.length === 0) return;
    for (const fd of this.#held.splice(0)) {
      try {
        this.fs.close(fd);
      } catch {
        // Nothing to do: the descriptor is gone either way.
      }
    }
  }

  /** Lets go of the directories kept below `anchorId` (which is being closed). */
  forgetOrigin(anchorId: number): void {
    this.#env.kept?.forgetOrigin(anchorId);
  }

  /** Closes every kept directory (the instance is done). */
  dispose(): void {
    this.#env.kept?.clear();
    this.release();
  }

  /** Refuses names no host may see: too long, or (with Windows rules) another path in disguise. */
  checkName(name: string): void {
    // (A UTF-16 unit is at most 3 bytes in UTF-8: most names need no count.)
    if (name.length * 3 > MAX_NAME_BYTES && Buffer.byteLength(name) > MAX_NAME_BYTES) throw new WasiError(Errno.NAMETOOLONG);
    if (this.#env.windows && refusedOnWindows(name)) throw new WasiError(Errno.INVAL);
  }

  /** Refuses symlink text that would lead out whatever it is resolved against: absolute, or a drive. */
  checkLinkText(text: string): void {
    if (text.startsWith("/") || (this.#env.windows && (absoluteOnWindows(text) || text.includes("\\")))) {
      throw new WasiError(Errno.NOTCAPABLE);
    }
  }
}

/** One resolution in progress: the stack of directories walked into, and the budgets it spends. */
class Walk {
  readonly #frames: Frame[];
  readonly #fs: FsBackend;
  /** Where this origin's directories are kept, when they are. */
  readonly #kept: AnchorCache | undefined;
  readonly #keptHere: ReadonlyMap<string, Anchor> | undefined;
  #hops = 0;
  #opened = 0;
  /** With Windows rules: how many frames were seen to exist under exactly their names. */
  #verified = 0;
  mustBeDir = false;

  constructor(
    private readonly env: WalkEnv,
    readonly start: string,
    private readonly origin: Origin | undefined,
    useKept: boolean,
  ) {
    this.#fs = env.fs;
    this.#frames = [{ name: "", path: start, anchor: undefined, unchecked: false }];
    this.#kept = origin === undefined ? undefined : env.kept;
    // Only directories reached from this origin are kept under it: none yet means none to use.
    this.#keptHere = useKept && this.#kept !== undefined ? this.#kept.of(origin!.anchorId) : undefined;
  }

  get #top(): Frame {
    return this.#frames[this.#frames.length - 1]!;
  }

  /** The host path to look names up below, in the directory on top; a kept one is checked first. */
  here(): string {
    const top = this.#top;
    if (top.unchecked) {
      if (!this.#stillThere(top.anchor!)) {
        this.#kept!.drop(top.anchor!);
        throw new StaleAnchor();
      }
      top.unchecked = false;
    }
    return top.path;
  }

  /**
   * Whether a kept directory is still where it was reached: the kernel's own name for what the
   * descriptor holds (readlink of /proc/self/fd/N, which follows nothing the guest could have made)
   * is the origin's real path and the components, byte for byte. Renamed, moved, removed (the name
   * then ends in " (deleted)") or replaced, and it is not.
   */
  #stillThere(anchor: Anchor): boolean {
    return descriptorName(this.env.fdPaths!, anchor.fd) === anchor.expected;
  }

  /**
   * Steps into `name` if it is a directory: a kept one, or opened now without following a link
   * (true). Otherwise (a link, a file, or it changed) the caller looks at it: with the lstat taken
   * here where the walk goes by host path, undefined where it goes by descriptor.
   */
  enter(name: string): true | BigIntStats | undefined {
    const parent = this.#top;
    // The kept directories right below this one: a kept one's own, or the origin's.
    const below = parent.anchor !== undefined ? parent.anchor.children : this.#frames.length === 1 ? this.#keptHere : undefined;
    const kept = below?.get(name);
    if (kept !== undefined) {
      kept.used = true;
      this.#push({ name, path: kept.path, anchor: kept, unchecked: true });
      return true;
    }
    const host = `${this.here()}/${name}`;
    if (this.env.fdPaths === undefined) {
      // By host path: lstat says whether it is a directory (the caller looks again for the rest).
      let st: BigIntStats | undefined;
      try {
        st = this.#fs.lstatIfExists(host);
      } catch (error) {
        throw new WasiError(errnoOf(error));
      }
      if (st === undefined) throw new WasiError(Errno.NOENT);
      if (!st.isDirectory()) return st;
      this.#push({ name, path: host, anchor: undefined, unchecked: false });
      return true;
    }
    if (++this.#opened > MAX_OPENED_PER_RESOLUTION) throw new WasiError(Errno.NAMETOOLONG);
    let fd: number;
    try {
      fd = this.#fs.open(host, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === Errno.LOOP || errno === Errno.NOTDIR) return undefined;
      throw new WasiError(errno);
    }
    this.#push({ name, path: `${this.env.fdPaths}/${fd}`, anchor: this.#keep(fd, name), unchecked: false });
    return true;
  }

  /**
   * Files a directory just opened below the top frame with the kept ones (the cache owns its
   * descriptor then) and returns its anchor; or, where it cannot be kept, holds it for this call.
   */
  #keep(fd: number, name: string): Anchor | undefined {
    const parent = this.#top;
    // Only below the origin itself or below a directory still kept: the kept ones form a tree.
    const keepable = this.#kept !== undefined && (parent.anchor !== undefined ? this.#kept.has(parent.anchor) : this.#frames.length === 1);
    // The origin's own name, read when a directory is first kept below it.
    const real = keepable ? this.origin!.realPath(false) : undefined;
    const names = real === undefined ? undefined : [...this.names(), name];
    // (A name ending so could be mistaken for a removed directory's by the check: never kept.)
    if (real === undefined || names!.some((n) => n.endsWith(" (deleted)"))) {
      this.env.hold(fd);
      return undefined;
    }
    const prefix = real === "/" ? "" : real; // the root's name is "/": no second slash
    const expected = prefix + Buffer.from(`/${names!.join("/")}`).toString("latin1");
    const anchor: Anchor = {
      fd,
      path: `${this.env.fdPaths}/${fd}`,
      origin: this.origin!.anchorId,
      parent: parent.anchor,
      name,
      expected,
      children: new Map(),
      used: true,
    };
    this.#kept!.put(anchor);
    return anchor;
  }

  #push(frame: Frame): void {
    this.#frames.push(frame);
  }

  /** `..`: back to the directory walked from, never above the start. */
  parent(): void {
    const depth = this.#frames.length - 1;
    if (depth === 0) throw new WasiError(Errno.NOTCAPABLE);
    // With Windows rules, the directory left must have existed under exactly its name.
    if (this.env.exact !== undefined && depth > this.#verified) {
      this.env.exact.check(this.start, this.names(), this.here(), "directory");
      this.#verified = depth;
    }
    this.#frames.pop(); // its descriptor, if not kept, is released with the rest when the call ends
    this.#verified = Math.min(this.#verified, depth - 1);
  }

  /** Counts one more look at a component, within the symlink budget. */
  hop(): void {
    if (++this.#hops > MAX_SYMLINK_HOPS) throw new WasiError(Errno.LOOP);
  }

  /**
   * The text of the link at `host`, to be walked in its place; undefined when `host` is no longer a
   * link (it changed since the lstat).
   */
  expand(host: string): string | undefined {
    this.hop();
    let raw: Buffer;
    try {
      raw = this.#fs.readlink(host);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === Errno.INVAL || errno === Errno.NOENT) return undefined;
      throw new WasiError(errno);
    }
    let target: string;
    try {
      target = strictUtf8.decode(raw);
    } catch {
      throw new WasiError(Errno.ILSEQ);
    }
    if (this.env.windows) target = target.replaceAll("\\", "/");
    if (target.length === 0) throw new WasiError(Errno.NOENT);
    if (target.startsWith("/") || (this.env.windows && absoluteOnWindows(target))) throw new WasiError(Errno.NOTCAPABLE);
    return target;
  }

  /** The names walked from the start, for the Windows exact-name check. */
  names(): string[] {
    return this.#frames.slice(1).map((f) => f.name);
  }

  located(name: string): Located {
    const parent = this.here();
    return { parent, name, host: `${parent}/${name}` };
  }

  entry(name: string, st: BigIntStats | undefined): Resolved {
    const parent = this.here();
    return { parent, name, host: `${parent}/${name}`, stat: st, mustBeDir: this.mustBeDir, depth: this.#frames.length };
  }

  directoryItself(): Resolved {
    // "dir/." rather than "dir": the directory may be a /proc/self/fd link, which lstat and
    // O_NOFOLLOW would see as a symlink; its "." is the directory itself.
    const host = `${this.here()}/.`;
    let st: BigIntStats;
    try {
      st = this.#fs.lstat(host);
    } catch (error) {
      throw new WasiError(errnoOf(error));
    }
    return { parent: host, name: ".", host, stat: st, mustBeDir: this.mustBeDir, depth: this.#frames.length - 1 };
  }
}

/** What no walk accepts: empty, a NUL, too long, absolute. */
function checkPath(path: string): void {
  if (path.length === 0) throw new WasiError(Errno.NOENT);
  // A NUL is valid UTF-8 but no host can name a file with it (wasmtime: EINVAL).
  if (path.includes("\0")) throw new WasiError(Errno.INVAL);
  if (path.length > MAX_PATH_BYTES / 3 && Buffer.byteLength(path) > MAX_PATH_BYTES) throw new WasiError(Errno.NAMETOOLONG);
  if (path.startsWith("/")) throw new WasiError(Errno.NOTCAPABLE);
}

/** Pushes the components of `path` on `pending`, last first, so that its first is popped next. */
function pushComponents(pending: string[], path: string): void {
  const parts = path.split("/");
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i]!;
    if (part.length > 0) pending.push(part);
  }
}
