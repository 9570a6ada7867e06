// Windows hosts, decided by run-wasi: exact names, and what a path really reached.
//
// Windows file names are case-insensitive: `FILE` opens `file`. Linux says ENOENT, and lets a guest
// create `FILE` beside `file`. run-wasi gives one answer: a guest path component must match the
// on-disk name exactly. After the resolver has walked a path, its host path is asked for its final,
// canonical form (fs.realpathSync.native: GetFinalPathNameByHandleW on Windows, one call for the
// whole path) and compared, component by component, with the start directory's canonical form
// followed by the components the resolver walked:
//
//   - equal: the path names what the guest asked for;
//   - only the last component differs, in case only: the guest's name does not exist (ENOENT for
//     whatever needs it), but the host cannot create it beside the other one, so creating it is
//     EEXIST, deliberately (a case-only rename of that very entry is allowed);
//   - an earlier component differs in case: no such directory, ENOENT, as on Linux;
//   - not beneath the start directory at all: the host followed something the resolver could not
//     see (under Wine, a Unix symlink already on disk looks like its target): ENOTCAPABLE, what a
//     link leading out of the sandbox gives on Linux (ENOENT if a name on the way does not exist
//     exactly before that point, as Linux stops there first);
//   - beneath the start directory, elsewhere: such an invisible link that stays inside (Linux would
//     follow it too), or an 8.3 short name (`PROGRA~1`): then each name the guest gave is looked up
//     in its directory's listing, and must be there exactly (ENOENT, or a case variant, if not).
//
// The same check runs on any host with the Windows rules forced (windowsPaths: true), where it
// changes nothing on a case-sensitive file system; the comparison itself is `classify`, below.
import type { BigIntStats } from "node:fs";
import { Errno } from "../abi/constants.js";
import { errnoOf, WasiError } from "../errors.js";
import type { FsBackend } from "./backend.js";

// Win32 takes these as devices with any extension, and with spaces before it ("NUL .txt").
const DEVICE_NAME = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$) *(\..*)?$/i;
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHAR = /[\\:*?"<>|\x00-\x1f]/;

/**
 * Whether Windows would read a path component as some other path: a separator `\`, a drive or
 * stream `:`, a wildcard, a control character, a device name, or a trailing dot or space (which
 * Win32 strips).
 */
export function refusedOnWindows(name: string): boolean {
  return FORBIDDEN_CHAR.test(name) || DEVICE_NAME.test(name) || /[. ]$/.test(name);
}

/** Whether a symlink's text is absolute to Windows (a drive, `C:`), beyond a leading `/`. */
export function absoluteOnWindows(target: string): boolean {
  return /^[a-zA-Z]:/.test(target);
}

/** What the canonical path of a resolution says about it. */
export type Verdict =
  /** The path names exactly what the guest asked for. */
  | "exact"
  /** The last component exists on the host only under another case: for the guest, it does not exist. */
  | "case-variant"
  /** A directory on the way exists only under another name (case, 8.3 alias): ENOENT. */
  | "missing"
  /** The host reached somewhere else inside the start directory (an unseen link, a short name). */
  | "inside"
  /** The host reached somewhere outside the start directory. */
  | "outside";

const SEPARATOR = /[\\/]+/;

export function components(hostPath: string): string[] {
  return hostPath.split(SEPARATOR).filter((c) => c.length > 0 && c !== ".");
}

const foldCase = (name: string): string => name.toUpperCase();

/**
 * Compares `got` (the canonical components of what the host reached) with `root` (the canonical
 * components of the start directory) followed by `wanted` (the components the resolver walked).
 */
export function classify(root: readonly string[], wanted: readonly string[], got: readonly string[]): Verdict {
  if (got.length < root.length) return "outside";
  for (let i = 0; i < root.length; i++) if (got[i] !== root[i]) return "outside";
  const rest = got.slice(root.length);
  if (rest.length === wanted.length) {
    let firstDifference = -1;
    let caseOnly = true;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === wanted[i]) continue;
      if (firstDifference < 0) firstDifference = i;
      if (foldCase(rest[i]!) !== foldCase(wanted[i]!)) caseOnly = false;
    }
    if (firstDifference < 0) return "exact";
    if (caseOnly) return firstDifference === wanted.length - 1 ? "case-variant" : "missing";
  }
  // Another place inside: through a link the resolver could not see, or a short name.
  return "inside";
}

/**
 * What was reached: an `entry` (the last component, not a link), a `link` not followed (realpath
 * would follow it), or a `directory` on the way (the one that holds a new name, or a path ending in
 * `.` or `..`), which must exist under exactly its names.
 */
export type Reached = "entry" | "link" | "directory";

/**
 * Checks resolutions against the host's canonical paths. One per resolver; on Windows the start
 * directories' canonical forms are cached (a mismatch is always re-checked with a fresh one).
 */
export class ExactNames {
  readonly #roots = new Map<string, string[]>();
  readonly #cache: boolean;

  constructor(private readonly fs: FsBackend) {
    // Elsewhere start directories are /proc/self/fd/N paths, whose numbers are reused.
    this.#cache = process.platform === "win32";
  }

  /**
   * Checks that `host` is `start` followed by exactly `walked`. Returns whether the last component
   * is a case variant of the guest's name (only for `entry` and `link`); throws the errno for the
   * other outcomes.
   */
  check(start: string, walked: readonly string[], host: string, reached: Reached): boolean {
    if (walked.length === 0) return false;
    if (reached === "link") {
      // realpath would follow the link: check the directory holding it, then its exact name there.
      this.check(start, walked.slice(0, -1), dirname(host), "directory");
      return !this.#listed(host, walked[walked.length - 1]!);
    }
    const caseVariant = this.#check(start, walked, host);
    if (caseVariant && reached === "directory") throw new WasiError(Errno.NOENT);
    return caseVariant;
  }

  #check(start: string, walked: readonly string[], host: string): boolean {
    let got: string[];
    try {
      got = components(this.fs.realpath(host));
    } catch (error) {
      const errno = errnoOf(error);
      // Gone since the resolver saw it (or its directory is no longer one): no such entry.
      if (errno === Errno.NOENT || errno === Errno.NOTDIR) throw new WasiError(Errno.NOENT);
      // Wine cannot give the final path of a path longer than MAX_PATH (UNKNOWN): look the names
      // up in their directories instead, one listing per component. (What this cannot see: a
      // Unix symlink on the way, under Wine; real Windows gives the final path.)
      const code = (error as { code?: unknown } | null)?.code;
      if (code === "UNKNOWN" || code === "ENAMETOOLONG") return this.#byListing(start, walked);
      throw new WasiError(errno);
    }
    let verdict = classify(this.#root(start, false), walked, got);
    if (verdict !== "exact" && this.#cache) verdict = classify(this.#root(start, true), walked, got);
    switch (verdict) {
      case "exact":
        return false;
      case "inside":
        return this.#byListing(start, walked);
      case "case-variant":
        return true;
      case "missing":
        throw new WasiError(Errno.NOENT);
      case "outside":
        throw new WasiError(this.#leavesAt(start, walked));
    }
  }

  /**
   * The errno for a path whose host path leads out of `start`: ENOTCAPABLE, as Linux refuses a link
   * leading out, unless a name of the guest's path does not exist (exactly) at a point still inside,
   * where Linux stops first: ENOENT (`DLNK/x` beside a link `dlnk` is ENOENT on Linux too).
   */
  #leavesAt(start: string, walked: readonly string[]): Errno {
    try {
      const root = this.#root(start, true);
      let dir = start;
      for (let i = 0; i < walked.length; i++) {
        const name = walked[i]!;
        if (!this.#listed(`${dir}/${name}`, name)) {
          const inside = i === 0 || classify(root, walked.slice(0, i), components(this.fs.realpath(dir))) !== "outside";
          return inside ? Errno.NOENT : Errno.NOTCAPABLE;
        }
        dir = `${dir}/${name}`;
      }
    } catch {
      // Whatever failed, the path leads out.
    }
    return Errno.NOTCAPABLE;
  }

  #root(start: string, fresh: boolean): string[] {
    let root = this.#cache && !fresh ? this.#roots.get(start) : undefined;
    if (root === undefined) {
      try {
        root = components(this.fs.realpath(start));
      } catch (error) {
        throw new WasiError(errnoOf(error));
      }
      if (this.#cache) {
        if (this.#roots.size >= 256) this.#roots.clear();
        this.#roots.set(start, root);
      }
    }
    return root;
  }

  /** Whether the directory of `host` lists `name`, byte for byte. */
  #listed(host: string, name: string): boolean {
    const dir = dirname(host);
    const want = Buffer.from(name);
    try {
      // Streamed: a huge directory is never held whole.
      const stream = this.fs.opendir(dir);
      try {
        for (let entry = stream.read(); entry !== null; entry = stream.read()) if (want.equals(entry.name)) return true;
        return false;
      } finally {
        stream.close();
      }
    } catch (error) {
      throw new WasiError(errnoOf(error));
    }
  }

  #byListing(start: string, walked: readonly string[]): boolean {
    let dir = start;
    for (let i = 0; i < walked.length; i++) {
      const name = walked[i]!;
      if (!this.#listed(`${dir}/${name}`, name)) {
        if (i === walked.length - 1) return true;
        throw new WasiError(Errno.NOENT);
      }
      dir = `${dir}/${name}`;
    }
    return false;
  }
}

function dirname(host: string): string {
  return host.slice(0, Math.max(host.lastIndexOf("/"), host.lastIndexOf("\\")));
}

/**
 * Whether renaming `from` to `to`, whose name is taken in another case (`to.caseVariant`), is a
 * case-only rename of that very entry (`file` to `FILE` in the same directory): the one rename onto
 * a case variant that Windows and Linux agree on.
 */
export function caseOnlyRename(
  from: { readonly parent: string; readonly name: string; readonly stat: BigIntStats | undefined },
  to: { readonly parent: string; readonly name: string; readonly caseVariant?: BigIntStats },
): boolean {
  const a = from.stat;
  const b = to.caseVariant;
  if (a === undefined || b === undefined || a.dev !== b.dev || a.ino !== b.ino) return false;
  return from.parent === to.parent && foldCase(from.name) === foldCase(to.name);
}

let asideCount = 0;

/** What Windows answers when rename will not replace the target (open elsewhere; a directory). */
const REFUSED_REPLACE: readonly Errno[] = [Errno.PERM, Errno.ACCES, Errno.BUSY, Errno.EXIST, Errno.NOTEMPTY];

/**
 * rename(from, to), where `replacing` is the lstat of what `to` names now, if anything (an empty
 * directory when `from` is one: path_rename checked). Windows will not replace a file that has an
 * open handle (MoveFileExW: EPERM), nor a directory, both of which Linux does (an open file lives on,
 * nameless). Node opens files with FILE_SHARE_DELETE, so the target can still be renamed: on win32
 * it is moved aside within its directory, `from` takes its name, and the moved target is removed
 * (with POSIX delete semantics its name goes at once; under Wine it stays until the last handle
 * closes). If a step fails, the steps before it are undone and that step's error stands. Not atomic:
 * for a moment `to` does not exist (another process could see that; the guest cannot).
 */
export function renameReplacing(fs: FsBackend, from: string, to: string, replacing: BigIntStats | undefined): void {
  try {
    fs.rename(from, to);
    return;
  } catch (error) {
    if (process.platform !== "win32" || replacing === undefined || !REFUSED_REPLACE.includes(errnoOf(error))) throw error;
  }
  const aside = `${dirname(to)}/.run-wasi-replaced-${process.pid}-${++asideCount}`;
  fs.rename(to, aside);
  try {
    fs.rename(from, to);
  } catch (error) {
    undo(() => fs.rename(aside, to));
    throw error;
  }
  try {
    if (replacing.isDirectory()) fs.rmdir(aside);
    else fs.unlink(aside);
  } catch (error) {
    // Could not remove it (a read-only file under Wine, say): put everything back as it was.
    undo(() => fs.rename(to, from));
    undo(() => fs.rename(aside, to));
    throw error;
  }
}

function undo(step: () => void): void {
  try {
    step();
  } catch {
    // Nothing more to do: the host refused to undo.
  }
}
