// What the host offers the sandbox, decided once when a WASI instance is made and passed down:
// which name rules apply, and whether directories can be walked by descriptor.
//
// Node has no openat(). On Linux, /proc/self/fd/N names the directory descriptor N holds, wherever
// it has moved, so a path looked up below it is looked up in that very directory: openat() in all
// but name. /proc/self is used only after it has been seen to name this process's own descriptors
// (see probeDescriptorPaths); /proc/<pid>, a step shorter for the kernel, only after it has been
// seen to be that very directory: in a PID namespace that did not mount its own /proc, the number
// Node knows as its pid names another process there.
import * as nodeFs from "node:fs";
import { constants } from "node:fs";
import type { FsBackend } from "./backend.js";
import { nodeBackend } from "./node.js";

/** Linux's O_PATH (the same on every architecture Node runs on there); Node does not export it. */
export const O_PATH = 0o10000000;
export const O_DIRECTORY = constants.O_DIRECTORY ?? 0;
/** Absent on Windows; there the identity check after opening stands in for it. */
export const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

const PROC_SELF_FD = "/proc/self/fd";

export interface HostCapabilities {
  /** The Windows name rules and exact names (windows.ts): always on Windows, elsewhere on request. */
  readonly windowsRules: boolean;
  /**
   * The directory through which descriptor N is named as `${fdPaths}/N` (Linux: /proc/self/fd),
   * verified to be this process's own; undefined where walks go by host path instead.
   */
  readonly fdPaths: string | undefined;
  /**
   * Whether the host's own answers to mkdir, rmdir and unlink of a name in a directory (EEXIST,
   * ENOTDIR, EISDIR, ENOENT, ENOTEMPTY) are the ones run-wasi gives everywhere: Linux's are.
   */
  readonly posixAnswers: boolean;
}

let probed: { readonly verified: string | undefined } | undefined;

/**
 * Where this process's descriptors are named: `/proc/self/fd` if a descriptor on that very
 * directory, looked up under its own number there, leads back to the same directory (another
 * process's descriptor directory would not hold it under the same number); then `/proc/<pid>/fd`
 * instead if it is the same directory as `/proc/self/fd` (the same inode: one process's own), which
 * saves the kernel following "self" on every lookup. Probed once per process, on the host's own
 * file system whatever backend an instance uses.
 */
export function probeDescriptorPaths(): string | undefined {
  if (process.platform !== "linux") return undefined;
  probed ??= { verified: probe() };
  return probed.verified;
}

function probe(): string | undefined {
  try {
    const fd = nodeFs.openSync(PROC_SELF_FD, constants.O_RDONLY | O_DIRECTORY);
    try {
      const held = nodeFs.fstatSync(fd, { bigint: true });
      const named = nodeFs.statSync(`${PROC_SELF_FD}/${fd}`, { bigint: true });
      if (held.isDirectory() && held.dev === named.dev && held.ino === named.ino) return shorterName(held) ?? PROC_SELF_FD;
    } finally {
      nodeFs.closeSync(fd);
    }
  } catch {
    // No /proc, or not ours: walk by host path.
  }
  return undefined;
}

/** `/proc/<pid>/fd` if it is the directory `self` (the fstat of /proc/self/fd) is, else undefined. */
function shorterName(self: nodeFs.BigIntStats): string | undefined {
  const byPid = `/proc/${process.pid}/fd`;
  try {
    const st = nodeFs.statSync(byPid, { bigint: true });
    return st.dev === self.dev && st.ino === self.ino ? byPid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A host path as the kernel gives it, its bytes one character each (latin1): exact whatever the
 * bytes, compared as a string, and cheaper for node:fs to hand over than a Buffer.
 */
export type KernelName = string;

/**
 * The kernel's own name for what descriptor `fd` holds (readlink of /proc/self/fd/N: an absolute
 * path with no link in it, " (deleted)" appended once removed), or undefined if it cannot be read.
 * Asked of the host itself, like the probe: it names the host's descriptors, whatever the backend.
 */
export function descriptorName(fdPaths: string, fd: number): KernelName | undefined {
  try {
    return nodeFs.readlinkSync(`${fdPaths}/${fd}`, { encoding: "latin1" });
  } catch {
    return undefined;
  }
}

export function hostCapabilities(fs: FsBackend, windowsPaths: boolean | undefined): HostCapabilities {
  // On Windows the rules are the sandbox itself: they cannot be turned off there.
  const windowsRules = process.platform === "win32" || windowsPaths === true;
  // Only node:fs on Linux is known to answer as Linux does; another backend may not.
  return { windowsRules, fdPaths: fs.virtual === true ? undefined : probeDescriptorPaths(), posixAnswers: process.platform === "linux" && fs === nodeBackend };
}
