// The sandboxed resolver. A guest path is walked one component at a time from a directory the
// guest holds. `..` pops a stack of verified directories and may never pop past the start; symlinks
// are read and expanded by hand, relative to the link's own directory, within a hop budget; an
// absolute path or link target is refused. What comes out is a host path whose every directory
// component was seen, by lstat, to be a real directory inside the sandbox, plus the final name,
// which the operation then acts on through its parent.
//
// Node has no openat(), so a component swapped for a symlink after it was checked and before the
// operation runs is not caught here; callers narrow that window where Node allows (see README).
import { constants, existsSync, type BigIntStats } from "node:fs";
import { Errno } from "../abi/constants.js";
import { errnoOf, WasiError } from "../errors.js";
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

/** Where Linux shows a process's descriptors as links to what they hold. */
export const PROC_FD = "/proc/self/fd";
/** Linux's O_PATH (the same on every architecture Node runs on there); Node does not export it. */
const O_PATH = 0o10000000;
const O_DIRECTORY = constants.O_DIRECTORY ?? 0;
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** Whether descriptor-anchored walks work here: Linux, with /proc mounted. */
export const anchoringAvailable = process.platform === "linux" && existsSync(`${PROC_FD}/0`);

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
  /**
   * With Windows rules: `stat` is undefined because the host has the name only in another case
   * (`FILE` for `file`); this is that entry's lstat. Creating the name is EEXIST (see windows.ts).
   */
  readonly caseVariant?: BigIntStats;
}

// Win32 takes these as devices with any extension, and with spaces before it ("NUL .txt").
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$) *(\..*)?$/i;
// eslint-disable-next-line no-control-regex
const WINDOWS_FORBIDDEN_CHAR = /[\\:*?"<>|\x00-\x1f]/;
const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export class Resolver {
  readonly #held: number[] = [];
  readonly #anchored: boolean;
  /** With Windows rules: names must match the host's exactly, and what was reached must be inside. */
  readonly #exact: ExactNames | undefined;

  constructor(
    private readonly fs: FsBackend,
    private readonly options: ResolveOptions,
  ) {
    this.#anchored = options.anchored === true;
    this.#exact = options.windows ? new ExactNames(fs) : undefined;
  }

  get windows(): boolean {
    return this.options.windows;
  }

  /**
   * Resolves `path` relative to the host directory `start`. `follow` says whether a symlink in the
   * last position is followed (LOOKUP_SYMLINK_FOLLOW); links elsewhere always are.
   */
  resolve(start: string, path: string, follow: boolean): Resolved {
    if (path.length === 0) throw new WasiError(Errno.NOENT);
    // A NUL is valid UTF-8 but no host can name a file with it (wasmtime: EINVAL).
    if (path.includes("\0")) throw new WasiError(Errno.INVAL);
    if (encoder.encode(path).byteLength > MAX_PATH_BYTES) throw new WasiError(Errno.NAMETOOLONG);
    if (path.startsWith("/")) throw new WasiError(Errno.NOTCAPABLE);

    // The directories walked into, below the start. With anchors, each is also held open (O_PATH)
    // and the next component is looked up through /proc/self/fd of the one above it.
    const stack: string[] = [];
    const anchors: number[] = [];
    const here = (): string => (this.#anchored && anchors.length > 0 ? `${PROC_FD}/${anchors[anchors.length - 1]}` : hostOf(start, stack));
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
        return this.#checked(start, stack, undefined, this.#directoryItself(here(), stack.length, mustBeDir));
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
        anchors.pop(); // still held; released with the rest when the call ends
        continue;
      }
      this.checkName(component);

      const host = `${here()}/${component}`;
      if (this.#anchored && !last) {
        // Step into a real directory by opening it without following: what is opened is what the
        // next lookup goes through, whatever happens to the path meanwhile.
        const fd = this.#openDirectory(host);
        if (fd !== undefined) {
          stack.push(component);
          anchors.push(fd);
          continue;
        }
        // Not a directory (or no longer one): lstat says what it is.
      }
      let st: BigIntStats | undefined;
      try {
        st = this.fs.lstat(host);
      } catch (error) {
        const errno = errnoOf(error);
        if (errno === Errno.NOENT && last) return this.#checked(start, stack, undefined, this.#entry(here(), stack.length, component, undefined, mustBeDir));
        throw new WasiError(errno);
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

      if (last) return this.#checked(start, stack, component, this.#entry(here(), stack.length, component, st, mustBeDir));
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

  /** Opens a directory component as an anchor (held until release()); undefined if it is not one. */
  #openDirectory(host: string): number | undefined {
    let fd: number;
    try {
      fd = this.fs.open(host, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === Errno.LOOP || errno === Errno.NOTDIR) return undefined;
      throw new WasiError(errno);
    }
    this.#held.push(fd);
    return fd;
  }

  /** Closes the directories the resolutions of the current call hold open. */
  release(): void {
    for (const fd of this.#held.splice(0)) {
      try {
        this.fs.close(fd);
      } catch {
        // Nothing to do: the descriptor is gone either way.
      }
    }
  }

  /** Refuses names no host may see: too long, or (with Windows rules) another path in disguise. */
  checkName(name: string): void {
    if (encoder.encode(name).byteLength > MAX_NAME_BYTES) throw new WasiError(Errno.NAMETOOLONG);
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

  #directoryItself(dir: string, depth: number, mustBeDir: boolean): Resolved {
    // "dir/." rather than "dir": the directory may be a /proc/self/fd link, which lstat and
    // O_NOFOLLOW would see as a symlink; its "." is the directory itself.
    const host = `${dir}/.`;
    let st: BigIntStats;
    try {
      st = this.fs.lstat(host);
    } catch (error) {
      throw new WasiError(errnoOf(error));
    }
    return { parent: host, name: ".", host, stat: st, mustBeDir, depth };
  }

  #entry(parent: string, depth: number, name: string, st: BigIntStats | undefined, mustBeDir: boolean): Resolved {
    return { parent, name, host: `${parent}/${name}`, stat: st, mustBeDir, depth: depth + 1 };
  }
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
