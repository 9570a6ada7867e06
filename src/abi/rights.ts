// The rights sets, as uvwasi's wasi_rights.h has them: what a kind of descriptor can hold, what
// changes the file system, and which rights make an open read or write on the host.
import { Rights as R } from "./constants.js";

/** Rights that mean something on a directory. */
export const DIR_RIGHTS =
  R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_ADVISE | R.PATH_CREATE_DIRECTORY | R.PATH_CREATE_FILE |
  R.PATH_LINK_SOURCE | R.PATH_LINK_TARGET | R.PATH_OPEN | R.FD_READDIR | R.PATH_READLINK |
  R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET | R.PATH_FILESTAT_GET | R.PATH_FILESTAT_SET_SIZE |
  R.PATH_FILESTAT_SET_TIMES | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_TIMES | R.PATH_SYMLINK |
  R.PATH_REMOVE_DIRECTORY | R.PATH_UNLINK_FILE | R.POLL_FD_READWRITE;

/** Rights that mean something on a regular file. */
export const FILE_RIGHTS =
  R.FD_DATASYNC | R.FD_READ | R.FD_SEEK | R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_TELL | R.FD_WRITE |
  R.FD_ADVISE | R.FD_ALLOCATE | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_SIZE | R.FD_FILESTAT_SET_TIMES |
  R.POLL_FD_READWRITE;

/** Everything that changes the file system; a read-only preopen hands out none of these. */
export const MUTATING_RIGHTS =
  R.FD_WRITE | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE | R.FD_FILESTAT_SET_TIMES | R.FD_DATASYNC |
  R.PATH_CREATE_DIRECTORY | R.PATH_CREATE_FILE | R.PATH_LINK_SOURCE | R.PATH_LINK_TARGET |
  R.PATH_RENAME_SOURCE | R.PATH_RENAME_TARGET | R.PATH_FILESTAT_SET_SIZE | R.PATH_FILESTAT_SET_TIMES |
  R.PATH_SYMLINK | R.PATH_REMOVE_DIRECTORY | R.PATH_UNLINK_FILE;

/** Any of these asked for at path_open makes the host open read the file. */
export const OPEN_FOR_READING = R.FD_READ | R.FD_READDIR;
/** Any of these makes it open the file for writing (APPEND alone does not). */
export const OPEN_FOR_WRITING = R.FD_WRITE | R.FD_ALLOCATE | R.FD_FILESTAT_SET_SIZE;

/** A connection accepted on a preopened listener. */
export const STREAM_RIGHTS = R.FD_READ | R.FD_WRITE | R.SOCK_SHUTDOWN | R.POLL_FD_READWRITE | R.FD_FDSTAT_SET_FLAGS | R.FD_FILESTAT_GET;
/** A preopened listener; FD_READ so that poll_oneoff can wait for a connection, as poll(2) reports one as readable. */
export const LISTENER_RIGHTS = R.FD_READ | R.SOCK_ACCEPT | R.POLL_FD_READWRITE | R.FD_FDSTAT_SET_FLAGS | R.FD_FILESTAT_GET;

/**
 * Stdio: each stream its own direction, as in wasmtime. Seek and tell are claimed except on a tty
 * (wasi-libc's isatty() checks for their absence); stdio answers them with ESPIPE.
 */
export function stdioRights(direction: "in" | "out", tty: boolean): bigint {
  let rights = R.FD_FILESTAT_GET | R.FD_FDSTAT_SET_FLAGS | R.POLL_FD_READWRITE;
  rights |= direction === "in" ? R.FD_READ : R.FD_WRITE | R.FD_SYNC | R.FD_DATASYNC;
  if (!tty) rights |= R.FD_SEEK | R.FD_TELL;
  return rights;
}
