// The sandboxed resolver. A guest path is walked one component at a time from a directory the
// guest holds. `..` pops a stack of verified directories and may never pop past the start; symlinks
// are read and expanded by hand, relative to the link's own directory, within a hop budget; an
// absolute path or link target is refused. What comes out is a host path whose every directory
// component was seen, by lstat, to be a real directory inside the sandbox, plus the final name,
// which the operation then acts on through its parent.
//
// On Linux the walk is anchored: each directory is held open and the next component is looked up
// through it, so nothing swapped in meanwhile is followed (see `anchored`). Elsewhere Node has no
// openat(), and a component swapped for a symlink after its check is not caught here; callers
// narrow that window where Node allows (see README).
import { constants, existsSync, type BigIntStats } from "node:fs";
import { Errno } from "../abi/constants.js";
import { errnoOf, WasiError } from "../errors.js";
import { AnchorCache, type Anchor } from "./anchors.js";
import type { FsBackend } from "./backend.js";
import { ExactNames, type Reached } from "./windows.js";

/** Symlink expansions allowed in one resolution (Linux's MAXSYMLINKS). */
export const MAX_SYMLINK_HOPS = 40;
/** Longest component, in bytes (NAME_MAX), enforced on every host alike. */
export const MAX_NAME_BYTES = 255;
/** Longest guest path, in bytes (PATH_MAX). */
export const MAX_PATH_BYTES = 4096;

/** What was opened is not what was resolved: the path changed in between. Callers resolve again. */
export class RaceLost extends Error {}

export interface ResolveOptions {
  /** Refuse what Windows would read as another path: `\`, `:`, device names, trailing dots… */
  windows: boolean;
  /**
   * Walk directories by descriptor (Linux): each directory component is opened (O_PATH, without
   * following) and the next one looked up through /proc/self/fd of it, so that no component can be
   * swapped for a symlink between its check and its use. The descriptors are held until release().
   */
  anchored?: boolean;
}

/**
 * Where Linux shows a process's descriptors as links to what they hold. By pid rather than
 * /proc/self, which the kernel would have to resolve as one more link on every lookup.
 */
export const PROC_FD = `/proc/${process.pid}/fd`;
/** Linux's O_PATH (the same on every architecture Node runs on there); Node does not export it. */
const O_PATH = 0o10000000;
const O_DIRECTORY = constants.O_DIRECTORY ?? 0;
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** Whether descriptor-anchored walks work here: Linux, with /proc mounted. */
export const anchoringAvailable = process.platform === "linux" && existsSync(`${PROC_FD}/0`);

/** A directory the guest holds, as a place to resolve from. */
export interface Origin {
  /** The host path to walk from; it leads to the directory itself (on Linux, /proc/<pid>/fd/N). */
  base(): string;
  /** Tells this origin's kept anchors apart from others'; stable while the origin is open. */
  readonly anchorId: number;
  /**
   * The host path that named the directory when it was opened, with no links in it. Kept anchors
   * are checked by looking their directory up below it; undefined keeps no anchors.
   */
  readonly realPath: string | undefined;
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
  /** Components of the final location below the start directory (for guest-visible paths). */
  readonly depth: number;
  /** Like `host`, but below the origin's realPath, with no links in it; undefined without one. */
  readonly realPath: string | undefined;
  /**
   * With Windows rules: `stat` is undefined because the host has the name only in another case
   * (`FILE` for `file`); this is that entry's lstat. Creating the name is EEXIST (see windows.ts).
   */
  readonly caseVariant?: BigIntStats;
}

/** A kept anchor no longer leads where it was reached: the resolution starts again without them. */
class StaleAnchor extends Error {}

// Win32 takes these as devices with any extension, and with spaces before it ("NUL .txt").
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$) *(\..*)?$/i;
// eslint-disable-next-line no-control-regex
const WINDOWS_FORBIDDEN_CHAR = /[\\:*?"<>|\x00-\x1f]/;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export class Resolver {
  /** Descriptors to close when the current call ends (release()). */
  readonly #held: number[] = [];
  readonly #anchored: boolean;
  /** Directories kept open between calls, when walks are anchored. */
  readonly #kept: AnchorCache | undefined;
  /** With Windows rules: names must match the host's exactly, and what was reached must be inside. */
  readonly #exact: ExactNames | undefined;

  constructor(
    private readonly fs: FsBackend,
    private readonly options: ResolveOptions,
  ) {
    this.#anchored = options.anchored === true;
    this.#kept = this.#anchored ? new AnchorCache((fd) => this.#held.push(fd)) : undefined;
    this.#exact = options.windows ? new ExactNames(fs) : undefined;
  }

  get windows(): boolean {
    return this.options.windows;
  }

  /**
   * Resolves `path` relative to `start`: a directory the guest holds, or a host path to walk from.
   * `follow` says whether a symlink in the last position is followed (LOOKUP_SYMLINK_FOLLOW); links
   * elsewhere always are.
   */
  resolve(start: Origin | string, path: string, follow: boolean): Resolved {
    if (typeof start === "string") return this.#walk(start, undefined, path, follow);
    const keeping = this.#kept !== undefined && start.realPath !== undefined;
    if (!keeping) return this.#walk(start.base(), undefined, path, follow);
    try {
      // With Windows rules every resolution ends in the exact-name check of the walk.
      return (this.#exact === undefined ? this.#viaKept(start, path, follow) : undefined) ?? this.#walk(start.base(), start, path, follow);
    } catch (error) {
      if (!(error instanceof StaleAnchor)) throw error;
      this.forgetOrigin(start.anchorId);
      return this.#walk(start.base(), start, path, follow);
    }
  }

  /**
   * The short way for the usual path, "dir/…/name" with nothing to expand: when the directory part
   * is kept, check it and look the name up through it. Undefined sends the path the long way (the
   * walk), which is also what handles a link in the last position.
   */
  #viaKept(origin: Origin, path: string, follow: boolean): Resolved | undefined {
    const place = this.#keptParent(origin, path);
    if (place === undefined) return undefined;
    let st: BigIntStats | undefined;
    try {
      st = this.fs.lstatIfExists(place.host);
    } catch (error) {
      throw new WasiError(errnoOf(error));
    }
    if (st?.isSymbolicLink() && follow) return undefined;
    // Spelled out: built with a spread, these objects survived into the old generation at every
    // scavenge (node --trace-gc-nvp), and a stat-heavy run grew the heap by tens of MiB.
    const { parent, name, host, depth, realPath } = place;
    return { parent, name, host, stat: st, mustBeDir: false, depth, realPath };
  }

  /**
   * Where a plain "dir/…/name" path ends, without looking at the name itself: for an operation that
   * can tell what it found from what it opened (path_open of an existing file). Undefined unless the
   * directory part is kept, as for the short way above.
   */
  locate(start: Origin, path: string): Omit<Resolved, "stat" | "mustBeDir"> | undefined {
    if (this.#kept === undefined || start.realPath === undefined || this.#exact !== undefined) return undefined;
    try {
      return this.#keptParent(start, path);
    } catch (error) {
      if (!(error instanceof StaleAnchor)) throw error;
      this.forgetOrigin(start.anchorId);
      return undefined;
    }
  }

  #keptParent(origin: Origin, path: string): Omit<Resolved, "stat" | "mustBeDir"> | undefined {
    const slash = path.lastIndexOf("/");
    if (slash <= 0 || slash === path.length - 1 || NOT_PLAIN.test(path) || path.includes("\0")) return undefined;
    const dir = path.slice(0, slash);
    const anchor = this.#kept!.get(`${origin.anchorId}/${dir}`);
    if (anchor === undefined) return undefined;
    if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw new WasiError(Errno.NAMETOOLONG);
    const name = path.slice(slash + 1);
    this.checkName(name); // the directory's components were checked when it was walked
    const realDir = `${origin.realPath}/${dir}`;
    this.#check(realDir, anchor);
    const parent = `${PROC_FD}/${anchor.fd}`;
    return { parent, name, host: `${parent}/${name}`, depth: countSlashes(dir) + 2, realPath: `${realDir}/${name}` };
  }

  #walk(start: string, origin: Origin | undefined, path: string, follow: boolean): Resolved {
    if (path.length === 0) throw new WasiError(Errno.NOENT);
    // A NUL is valid UTF-8 but no host can name a file with it (wasmtime: EINVAL).
    if (path.includes("\0")) throw new WasiError(Errno.INVAL);
    if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw new WasiError(Errno.NAMETOOLONG);
    if (path.startsWith("/")) throw new WasiError(Errno.NOTCAPABLE);

    // The directories walked into, below the start. With anchors, each is also held open (O_PATH)
    // and the next component is looked up through /proc/<pid>/fd of the one above it. An anchor
    // taken from the kept ones is checked before anything is looked up through it.
    const stack: string[] = [];
    const anchors: Anchor[] = [];
    const checked: boolean[] = [];
    // Where kept anchors are filed: the origin and the components walked below it.
    const keys: string[] = [];
    const kept = origin === undefined ? undefined : this.#kept;
    const here = (): string => {
      const top = anchors.length - 1;
      if (top < 0) return hostOf(start, stack);
      if (!checked[top]) {
        this.#check(hostOf(origin!.realPath!, stack), anchors[top]!);
        checked[top] = true;
      }
      return `${PROC_FD}/${anchors[top]!.fd}`;
    };
    // Components still to walk, last first, so that pushing a link's target is cheap.
    const pending = splitReversed(path);
    let mustBeDir = path.endsWith("/");
    let hops = 0;
    /** With Windows rules: how many components of the stack were seen to be exact. */
    let verified = 0;

    for (;;) {
      const component = pending.pop();
      if (component === undefined) {
        // The path ended on "." or ".." (or a link to a directory above): it names a directory itself.
        return this.#checked(start, stack, undefined, this.#directoryItself(here(), origin, stack, mustBeDir));
      }
      const last = pending.length === 0;
      if (component === ".") continue;
      if (component === "..") {
        if (stack.length === 0) throw new WasiError(Errno.NOTCAPABLE);
        // With Windows rules, the directory left must have existed under exactly its name.
        if (this.#exact !== undefined && stack.length > verified) {
          this.#exact.check(start, stack, here(), "directory");
          verified = stack.length;
        }
        stack.pop();
        verified = Math.min(verified, stack.length);
        anchors.pop(); // still held; released with the rest when the call ends (or kept)
        checked.pop();
        keys.pop();
        continue;
      }
      this.checkName(component);

      if (this.#anchored && !last) {
        const key = kept === undefined ? "" : `${keys.length === 0 ? origin!.anchorId : keys[keys.length - 1]}/${component}`;
        const known = kept?.get(key);
        if (known !== undefined) {
          stack.push(component);
          anchors.push(known);
          checked.push(false);
          keys.push(key);
          continue;
        }
        // Step into a real directory by opening it without following: what is opened is what the
        // next lookup goes through, whatever happens to the path meanwhile.
        const anchor = this.#openDirectory(`${here()}/${component}`, origin);
        if (anchor !== undefined) {
          if (kept !== undefined) kept.put(key, anchor);
          else this.#held.push(anchor.fd);
          stack.push(component);
          anchors.push(anchor);
          checked.push(true);
          keys.push(key);
          continue;
        }
        // Not a directory (or no longer one): lstat says what it is.
      }
      const host = `${here()}/${component}`;
      let st: BigIntStats | undefined;
      try {
        st = this.fs.lstatIfExists(host);
      } catch (error) {
        throw new WasiError(errnoOf(error));
      }
      if (st === undefined) {
        if (last) return this.#checked(start, stack, undefined, this.#entry(here(), origin, stack, component, undefined, mustBeDir));
        throw new WasiError(Errno.NOENT);
      }

      if (st.isSymbolicLink() && (!last || follow || mustBeDir)) {
        if (++hops > MAX_SYMLINK_HOPS) throw new WasiError(Errno.LOOP);
        const target = this.#linkTarget(host);
        if (target === undefined) {
          // Swapped for something else since the lstat: look at this component again (the hop
          // budget bounds how often).
          pending.push(component);
          continue;
        }
        if (target.endsWith("/") && last) mustBeDir = true;
        // Last component pushed first, so the target's first component is walked next.
        for (const part of splitReversed(target)) pending.push(part);
        continue;
      }

      if (last) return this.#checked(start, stack, component, this.#entry(here(), origin, stack, component, st, mustBeDir));
      if (!st.isDirectory()) throw new WasiError(Errno.NOTDIR);
      if (this.#anchored) {
        // A directory that could not be opened a moment ago: it changed under us. Look again.
        if (++hops > MAX_SYMLINK_HOPS) throw new WasiError(Errno.LOOP);
        pending.push(component);
        continue;
      }
      stack.push(component);
    }
  }

  /**
   * A kept anchor is used only while the path it was reached by still leads to it: that path, looked
   * up from the origin's real path, must be the same directory. Whatever that lookup passes through
   * is only compared, never acted on or shown; the operation itself goes through the anchor.
   */
  #check(realPath: string, anchor: Anchor): void {
    let st: BigIntStats;
    try {
      st = this.fs.lstat(realPath);
    } catch {
      throw new StaleAnchor();
    }
    if (st.ino !== anchor.ino || st.dev !== anchor.dev || !st.isDirectory()) throw new StaleAnchor();
  }

  /**
   * With Windows rules, `r` as the guest may see it: `stack` (and `name`, for an existing entry) must
   * be exactly what the host has below `start` (windows.ts).
   */
  #checked(start: string, stack: readonly string[], name: string | undefined, r: Resolved): Resolved {
    if (this.#exact === undefined) return r;
    if (name === undefined || r.stat === undefined) {
      // A new name, or a directory itself: the directories on the way must exist exactly.
      this.#exact.check(start, stack, r.name === "." ? r.host : r.parent, "directory");
      return r;
    }
    const reached: Reached = r.stat.isSymbolicLink() ? "link" : "entry";
    if (!this.#exact.check(start, [...stack, name], r.host, reached)) return r;
    return { ...r, stat: undefined, caseVariant: r.stat };
  }

  /** Opens a directory component as an anchor; undefined if it is not one. */
  #openDirectory(host: string, origin: Origin | undefined): Anchor | undefined {
    let fd: number;
    try {
      fd = this.fs.open(host, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === Errno.LOOP || errno === Errno.NOTDIR) return undefined;
      throw new WasiError(errno);
    }
    if (origin === undefined || this.#kept === undefined) return { fd, dev: 0n, ino: 0n, origin: -1 };
    // Kept anchors are checked against their identity later.
    try {
      const st = this.fs.fstat(fd);
      return { fd, dev: st.dev, ino: st.ino, origin: origin.anchorId };
    } catch (error) {
      this.#held.push(fd);
      throw new WasiError(errnoOf(error));
    }
  }

  /** Closes the directories the current call holds open, other than those kept. */
  release(): void {
    for (const fd of this.#held.splice(0)) {
      try {
        this.fs.close(fd);
      } catch {
        // Nothing to do: the descriptor is gone either way.
      }
    }
  }

  /** Lets go of the anchors kept for directories reached from `anchorId` (which is being closed). */
  forgetOrigin(anchorId: number): void {
    this.#kept?.forget((anchor) => anchor.origin === anchorId);
  }

  /** Lets go of the anchors for `path` below `origin` and beneath it (just removed). */
  forgetPlace(origin: Origin, path: string): void {
    const key = `${origin.anchorId}/${path}`;
    this.#kept?.forget((_, k) => k === key || k.startsWith(`${key}/`));
  }

  /** Lets go of any anchor on the directory `st` (just removed). */
  forgetDirectory(st: BigIntStats): void {
    this.#kept?.forget((anchor) => anchor.ino === st.ino && anchor.dev === st.dev);
  }

  /** Closes every kept directory (the instance is done). */
  dispose(): void {
    this.#kept?.clear();
    this.release();
  }

  /** Refuses names no host may see: too long, or (with Windows rules) another path in disguise. */
  checkName(name: string): void {
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new WasiError(Errno.NAMETOOLONG);
    if (!this.options.windows) return;
    if (WINDOWS_FORBIDDEN_CHAR.test(name) || WINDOWS_DEVICE.test(name) || /[. ]$/.test(name)) {
      throw new WasiError(Errno.INVAL);
    }
  }

  /** The link's target, or undefined when `host` is no longer a link (it changed since the lstat). */
  #linkTarget(host: string): string | undefined {
    let raw: Buffer;
    try {
      raw = this.fs.readlink(host);
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
    if (this.options.windows) target = target.replaceAll("\\", "/");
    if (target.length === 0) throw new WasiError(Errno.NOENT);
    if (isAbsoluteTarget(target, this.options.windows)) throw new WasiError(Errno.NOTCAPABLE);
    return target;
  }

  #directoryItself(dir: string, origin: Origin | undefined, stack: readonly string[], mustBeDir: boolean): Resolved {
    // "dir/." rather than "dir": the directory may be a /proc/<pid>/fd link, which lstat and
    // O_NOFOLLOW would see as a symlink; its "." is the directory itself.
    const host = `${dir}/.`;
    let st: BigIntStats;
    try {
      st = this.fs.lstat(host);
    } catch (error) {
      throw new WasiError(errnoOf(error));
    }
    const realPath = origin?.realPath === undefined ? undefined : hostOf(origin.realPath, stack);
    return { parent: host, name: ".", host, stat: st, mustBeDir, depth: stack.length, realPath };
  }

  #entry(parent: string, origin: Origin | undefined, stack: readonly string[], name: string, st: BigIntStats | undefined, mustBeDir: boolean): Resolved {
    const realPath = origin?.realPath === undefined ? undefined : `${hostOf(origin.realPath, stack)}/${name}`;
    return { parent, name, host: `${parent}/${name}`, stat: st, mustBeDir, depth: stack.length + 1, realPath };
  }
}

/** A path with an empty, "." or ".." component: not for the short way. */
const NOT_PLAIN = /(?:^|\/)\.{0,2}(?:\/|$)/;

function countSlashes(s: string): number {
  let n = 0;
  for (let i = s.indexOf("/"); i !== -1; i = s.indexOf("/", i + 1)) n++;
  return n;
}

function splitReversed(path: string): string[] {
  return path
    .split("/")
    .filter((c) => c.length > 0)
    .reverse();
}

function hostOf(start: string, stack: readonly string[]): string {
  return stack.length === 0 ? start : `${start}/${stack.join("/")}`;
}

function isAbsoluteTarget(target: string, windows: boolean): boolean {
  if (target.startsWith("/")) return true;
  return windows && /^[a-zA-Z]:/.test(target);
}
