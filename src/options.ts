// What `new WASI(options)` accepts, checked and converted before anything is opened. Values are
// converted as node:wasi converts them (each argument with String(), each environment value into a
// template string), and a mistake is reported with node:wasi's error code.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, invalidArgType, invalidArgValue, outOfRange } from "./api-errors.js";
import type { FsBackend } from "./fs/backend.js";
import { DEFAULT_MAX_OPEN_FILES } from "./fds.js";
import { utf8 } from "./memory.js";
import type { PreopenOptions } from "./wasi.js";

export function checkOptions(options: unknown): asserts options is object {
  if (options === null || typeof options !== "object") throw invalidArgType(`WASI options must be an object, not ${describe(options)}`);
}

export function versionOf(version: unknown): "preview1" | "unstable" {
  if (version === undefined) return "preview1";
  if (typeof version !== "string") throw invalidArgType(`options.version must be a string, not ${describe(version)}`);
  if (version !== "preview1" && version !== "unstable") {
    throw invalidArgValue(`options.version must be "preview1" or "unstable", not ${JSON.stringify(version)}`);
  }
  return version;
}

export function returnOnExitOf(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== "boolean") throw invalidArgType(`options.returnOnExit must be a boolean, not ${describe(value)}`);
  return value;
}

/** argv, each entry converted with String(). A NUL would cut the argument short in the guest. */
export function encodeArgs(args: unknown): Uint8Array[] {
  if (args === undefined) return [];
  if (!Array.isArray(args)) throw invalidArgType(`options.args must be an array, not ${describe(args)}`);
  return args.map((arg: unknown, i) => {
    const text = String(arg);
    if (text.includes("\0")) throw invalidArgValue(`options.args[${i}] contains a NUL character`);
    return utf8(text);
  });
}

/**
 * NAME=VALUE pairs; an undefined value leaves the variable out. A name that is empty or holds `=`,
 * or a NUL anywhere, would read back in the guest as some other variable: refused.
 */
export function encodeEnv(env: unknown): Uint8Array[] {
  if (env === undefined) return [];
  if (env === null || typeof env !== "object") throw invalidArgType(`options.env must be an object, not ${describe(env)}`);
  const out: Uint8Array[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const pair = `${name}=${value}`;
    if (name.length === 0 || name.includes("=") || pair.includes("\0")) {
      throw invalidArgValue(`options.env entry ${JSON.stringify(name)} is not a valid NAME=VALUE pair`);
    }
    out.push(utf8(pair));
  }
  return out;
}

/**
 * A host file descriptor given as stdin, stdout or stderr: an integer from 0 to 2^31-1, as node:wasi
 * requires. Any other kind of value is passed on unchanged (stdio.ts knows the other kinds).
 */
export function checkStdioFd<T>(option: T, name: string): T {
  const fd = typeof option === "object" && option !== null && "fd" in option ? option.fd : option;
  if (typeof fd !== "number") return option;
  const which = fd === option ? name : `${name}.fd`;
  if (!Number.isInteger(fd)) throw outOfRange(`options.${which} must be an integer file descriptor, not ${fd}`);
  if (fd < 0 || fd > 0x7fffffff) throw outOfRange(`options.${which} must be a file descriptor from 0 to 2147483647, not ${fd}`);
  return option;
}

/** guest path → host directory, each resolved to its real path and checked to be a directory. */
export function validatePreopens(preopens: unknown, backend: FsBackend): Record<string, Required<PreopenOptions>> {
  if (preopens === undefined) return {};
  if (preopens === null || typeof preopens !== "object") {
    throw invalidArgType(`options.preopens must be an object of guest path → host directory, not ${describe(preopens)}`);
  }
  const out: Record<string, Required<PreopenOptions>> = {};
  for (const [guest, value] of Object.entries(preopens)) {
    if (value === undefined) continue;
    const options: unknown = typeof value === "string" ? { path: value } : value;
    if (options === null || typeof options !== "object" || typeof (options as PreopenOptions).path !== "string") {
      throw invalidArgType(`options.preopens[${JSON.stringify(guest)}] must be a host directory path or { path, readonly }, not ${describe(value)}`);
    }
    const { path: hostPath, readonly } = options as PreopenOptions;
    // A virtual backend's paths are its own, POSIX ones: never the host's, never its cwd.
    const host = backend.virtual === true ? path.posix.resolve("/", hostPath) : path.resolve(hostPath);
    let isDir: boolean;
    try {
      isDir = backend.stat(host).isDirectory();
    } catch (error) {
      throw preopenError(guest, `cannot open host directory ${host}`, error);
    }
    if (!isDir) throw preopenError(guest, `${host} is not a directory`, { code: "ENOTDIR" });
    const real = backend.virtual === true ? backend.realpath(host) : fs.realpathSync.native(host);
    out[guest] = { path: real, readonly: readonly === true };
  }
  return out;
}

/** A preopen the host refuses: the message names it, `code` is the host's (ENOENT, EACCES…). */
export function preopenError(guest: string, what: string, cause: unknown): Error {
  const code = (cause as { code?: unknown } | null)?.code;
  const error = new Error(`preopen ${JSON.stringify(guest)}: ${what} (${typeof code === "string" ? code : String(cause)})`);
  return typeof code === "string" ? Object.assign(error, { code }) : error;
}

/** The most descriptors the guest may hold: at least stdio and the preopens. */
export function maxOpenFilesOf(max: unknown, preopens: number): number {
  if (max === undefined) return Math.max(DEFAULT_MAX_OPEN_FILES, 3 + preopens);
  if (typeof max !== "number") throw invalidArgType(`options.maxOpenFiles must be a number, not ${describe(max)}`);
  if (!Number.isSafeInteger(max) || max < 3 + preopens) {
    throw outOfRange(`options.maxOpenFiles must be an integer of at least ${3 + preopens} (stdio and ${preopens} preopens), not ${String(max)}`);
  }
  return max;
}

/** "HOST:PORT" strings, each a TCP listener to open (wasmtime's -S tcplisten). */
export function tcpListenOf(addresses: unknown): readonly string[] {
  if (addresses === undefined) return [];
  if (!Array.isArray(addresses) || addresses.some((a) => typeof a !== "string")) {
    throw invalidArgType(`options.tcpListen must be an array of "HOST:PORT" strings, not ${describe(addresses)}`);
  }
  return addresses as string[];
}
