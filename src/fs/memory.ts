// A file system in memory, as an FsBackend: directories, regular files, symlinks and hard links,
// inode numbers, link counts, times in nanoseconds, and the errors Linux gives on disk (thrown as
// node:fs throws them, with a `code`, so errors.ts maps them as it maps the host's). Paths are
// POSIX paths from its own root; descriptors are its own numbers, never the host's.
//
// Permissions are not enforced (as for root on Linux); everything else a guest can observe through
// WASI is: what ENOENT, ENOTDIR, EISDIR, EEXIST, ENOTEMPTY, EINVAL, ELOOP, EBADF answer, where a
// trailing slash or a symlink leads, what a rename may replace. Memory is bounded by `maxBytes`
// (file contents, names and inodes): past it, ENOSPC.
import * as nodeFs from "node:fs";
import { constants, type BigIntStats } from "node:fs";
import { nodeStyleError } from "../errors.js";
import type { FsBackend, HostDirent, HostDirStream } from "./backend.js";

const { O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, S_IFREG, S_IFDIR, S_IFLNK, S_IFMT } = constants;
const O_ACCMODE = O_WRONLY | O_RDWR;
const O_DIRECTORY = constants.O_DIRECTORY ?? 0;
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/** Symlinks followed in one lookup (Linux's MAXSYMLINKS). */
const MAX_LINK_HOPS = 40;
/** What one inode costs against `maxBytes`, beyond its contents and name. */
const INODE_COST = 128;
/** The default bound on what one file system holds in memory. */
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
/** Largest file size (the offsets Node passes are doubles). */
const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;
/** st_dev of every file of a MemoryFs. */
const MEMORY_DEV = 0x6d656dn;
const BLOCK = 4096;

type Kind = "file" | "directory" | "symlink";

abstract class MemNode {
  abstract readonly kind: Kind;
  nlink = 0;
  /** Descriptors and streams open on it: its contents live while any is. */
  opened = 0;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  readonly birthtimeNs: bigint;

  constructor(
    readonly ino: bigint,
    public mode: number,
    now: bigint,
  ) {
    this.atimeNs = this.mtimeNs = this.ctimeNs = this.birthtimeNs = now;
  }

  abstract get size(): number;
}

class FileNode extends MemNode {
  readonly kind = "file";
  /** Contents up to `length`; bytes past data.length up to `length` read as zeros (a sparse tail). */
  data = new Uint8Array(0);
  length = 0;
  get size(): number {
    return this.length;
  }
}

class DirNode extends MemNode {
  readonly kind = "directory";
  readonly entries = new Map<string, MemNode>();
  /** The directory holding it (the root holds itself), and its name there. */
  parent: DirNode = this;
  name = "";
  get size(): number {
    return BLOCK;
  }
}

class LinkNode extends MemNode {
  readonly kind = "symlink";
  constructor(ino: bigint, now: bigint, readonly target: Buffer) {
    super(ino, S_IFLNK | 0o777, now);
  }
  get size(): number {
    return this.target.byteLength;
  }
}

/** What a path names: the directory holding its last component, that name, and what is there. */
interface Place {
  readonly dir: DirNode;
  /** The last component: a name, or "." or ".." when the path names a directory itself. */
  readonly name: string;
  readonly node: MemNode | undefined;
  /** The path ended in a slash (or led through a link whose text did): it must be a directory. */
  readonly mustBeDir: boolean;
}

/** A path walked but for its last component. */
interface Parent {
  readonly dir: DirNode;
  /** The last component: a name, "." or "..". */
  readonly name: string;
  readonly slash: boolean;
  /** Symlinks followed so far in this lookup. */
  readonly hops: { count: number };
}

interface Description {
  readonly node: MemNode;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly append: boolean;
  position: number;
}

export interface MemoryFsOptions {
  /** The clock for file times, in ns since the epoch (default: the host's wall clock). */
  readonly now?: () => bigint;
  /** The most bytes of contents, names and inodes it holds (default 512 MiB); past it, ENOSPC. */
  readonly maxBytes?: number;
}

/** An entry of a tree given to or returned by a MemoryFs: file contents, `{}` for a directory, `{ symlink }`. */
export type MemoryEntry = string | Uint8Array | { readonly symlink: string } | Record<string, never>;
/** A whole tree, by absolute path: `{ "/data/in.txt": "hello", "/out/": {}, "/link": { symlink: "data" } }`. */
export type MemoryTree = Readonly<Record<string, MemoryEntry>>;

const BACKEND_METHODS = [
  "lstat", "lstatIfExists", "stat", "fstat", "open", "close", "read", "write", "readv", "writev", "ftruncate",
  "fsync", "fdatasync", "futimes", "utimes", "lutimes", "readdir", "opendir", "mkdir", "rmdir", "unlink",
  "rename", "link", "symlink", "readlink", "realpath",
] as const satisfies readonly (keyof FsBackend)[];

const wallClock = (): bigint => BigInt(Date.now()) * 1_000_000n;


export class MemoryFs implements FsBackend {
  readonly virtual = true;
  readonly #root: DirNode;
  readonly #now: () => bigint;
  readonly #maxBytes: number;
  #used = 0;
  #nextIno = 1n;
  readonly #fds = new Map<number, Description>();

  constructor(tree: MemoryTree = {}, options: MemoryFsOptions = {}) {
    this.#now = options.now ?? wallClock;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.#root = this.#newDir(0o755);
    this.#root.nlink = 2;
    // Callers may take a method off the backend (`fs.utimes`), as node.ts's object of functions allows.
    for (const name of BACKEND_METHODS) (this as unknown as Record<string, unknown>)[name] = this[name].bind(this);
    this.load(tree);
  }

  // ---- Building and reading a tree from the outside -------------------------------------------

  /** Adds `tree` (see MemoryTree), making missing directories on the way. */
  load(tree: MemoryTree): void {
    for (const [path, entry] of Object.entries(tree)) {
      if (!path.startsWith("/")) throw new TypeError(`files: ${JSON.stringify(path)} is not an absolute path`);
      const isDir = path.endsWith("/") || (isPlainObject(entry) && Object.keys(entry).length === 0);
      const parts = path.split("/").filter((p) => p.length > 0 && p !== ".");
      if (parts.includes("..")) throw new TypeError(`files: ${JSON.stringify(path)} contains ".."`);
      if (parts.length === 0) {
        if (!isDir) throw new TypeError("files: the root can only be a directory");
        continue;
      }
      let dir = this.#root;
      for (const part of parts.slice(0, -1)) dir = this.#ensureDir(dir, part, path);
      const name = parts[parts.length - 1]!;
      if (isDir) {
        this.#ensureDir(dir, name, path);
        continue;
      }
      if (dir.entries.has(name)) throw new TypeError(`files: ${JSON.stringify(path)} is given twice`);
      if (typeof entry === "string" || entry instanceof Uint8Array) {
        const file = this.#newFile(0o644);
        this.#setContents(file, typeof entry === "string" ? Buffer.from(entry) : entry);
        this.#link(dir, name, file);
      } else if (isPlainObject(entry) && typeof (entry as { symlink?: unknown }).symlink === "string" && Object.keys(entry).length === 1) {
        const target = (entry as { symlink: string }).symlink;
        if (target.length === 0) throw new TypeError(`files: ${JSON.stringify(path)}: a symlink's target cannot be empty`);
        this.#link(dir, name, this.#newLink(Buffer.from(target)));
      } else {
        throw new TypeError(`files[${JSON.stringify(path)}] must be a string, a Uint8Array, {} (a directory) or { symlink: "target" }`);
      }
    }
  }

  /**
   * Copies the host directory `hostDir` (its directories, files, symlinks as they are written, hard
   * links as hard links, and times) to `at`, making `at` and missing directories on the way.
   */
  copyFromHost(hostDir: string, at: string): void {
    this.load({ [`${at.replace(/\/+$/, "")}/`]: {} });
    const copied = new Map<bigint, MemNode>();
    const copy = (host: string, dir: DirNode): void => {
      for (const entry of nodeFs.readdirSync(host)) {
        const source = `${host}/${entry}`;
        const st = nodeFs.lstatSync(source, { bigint: true });
        let node = st.isDirectory() || st.nlink === 1n ? undefined : copied.get(st.ino);
        if (node !== undefined) {
          this.#link(dir, entry, node);
          continue;
        }
        if (st.isDirectory()) node = this.#newDir(Number(st.mode) & 0o7777);
        else if (st.isSymbolicLink()) node = this.#newLink(nodeFs.readlinkSync(source, { encoding: "buffer" }));
        else if (st.isFile()) {
          const file = this.#newFile(Number(st.mode) & 0o7777);
          this.#setContents(file, nodeFs.readFileSync(source));
          node = file;
        } else continue; // devices, sockets, FIFOs: nothing a memory file system holds
        this.#link(dir, entry, node);
        copied.set(st.ino, node);
        if (node instanceof DirNode) copy(source, node);
        node.atimeNs = st.atimeNs;
        node.mtimeNs = st.mtimeNs;
      }
    };
    copy(hostDir, this.#dirAt(at, "copyFromHost"));
  }

  /** The whole tree, in the form `load` takes: directories as "path/": {}, files as Buffers. */
  toTree(): Record<string, Buffer | { symlink: string } | Record<string, never>> {
    const out: Record<string, Buffer | { symlink: string } | Record<string, never>> = {};
    const visit = (dir: DirNode, prefix: string): void => {
      for (const [name, node] of dir.entries) {
        const path = `${prefix}/${name}`;
        if (node instanceof DirNode) {
          out[`${path}/`] = {};
          visit(node, path);
        } else if (node instanceof FileNode) {
          const contents = Buffer.alloc(node.length);
          contents.set(node.data.subarray(0, Math.min(node.length, node.data.length)));
          out[path] = contents;
        } else if (node instanceof LinkNode) {
          out[path] = { symlink: node.target.toString() };
        }
      }
    };
    visit(this.#root, "");
    return out;
  }

  /** Descriptors open right now (the guest's files and directories, and listings under way). */
  get openCount(): number {
    return this.#fds.size;
  }

  #ensureDir(dir: DirNode, name: string, path: string): DirNode {
    const there = dir.entries.get(name);
    if (there instanceof DirNode) return there;
    if (there !== undefined) throw new TypeError(`files: ${JSON.stringify(path)}: ${name} is not a directory`);
    const made = this.#newDir(0o755);
    this.#link(dir, name, made);
    return made;
  }

  // ---- Nodes --------------------------------------------------------------------------------

  #charge(bytes: number, syscall: string): void {
    if (this.#used + bytes > this.#maxBytes) throw nodeStyleError("ENOSPC", syscall);
    this.#used += bytes;
  }

  #newFile(mode: number): FileNode {
    this.#charge(INODE_COST, "open");
    return new FileNode(this.#nextIno++, S_IFREG | mode, this.#now());
  }

  #newDir(mode: number): DirNode {
    this.#charge(INODE_COST, "mkdir");
    return new DirNode(this.#nextIno++, S_IFDIR | mode, this.#now());
  }

  #newLink(target: Buffer): LinkNode {
    this.#charge(INODE_COST + target.byteLength, "symlink");
    return new LinkNode(this.#nextIno++, this.#now(), target);
  }

  /** Enters `node` in `dir` as `name`. */
  #link(dir: DirNode, name: string, node: MemNode): void {
    this.#charge(Buffer.byteLength(name), "link");
    dir.entries.set(name, node);
    node.nlink += node instanceof DirNode ? 2 : 1;
    if (node instanceof DirNode) {
      node.parent = dir;
      node.name = name;
      dir.nlink++;
    }
    this.#touchDir(dir);
  }

  /** Takes `name` out of `dir`; the node goes once nothing names or holds it. */
  #unlink(dir: DirNode, name: string, node: MemNode): void {
    dir.entries.delete(name);
    this.#used -= Buffer.byteLength(name);
    if (node instanceof DirNode) {
      node.nlink = 0;
      dir.nlink--;
    } else node.nlink--;
    node.ctimeNs = this.#now();
    this.#touchDir(dir);
    this.#releaseIfGone(node);
  }

  #releaseIfGone(node: MemNode): void {
    if (node.nlink > 0 || node.opened > 0) return;
    if (node instanceof FileNode) {
      this.#used -= node.data.length;
      node.data = new Uint8Array(0);
    }
    this.#used -= INODE_COST + (node instanceof LinkNode ? node.target.byteLength : 0);
  }

  #touchDir(dir: DirNode): void {
    dir.mtimeNs = dir.ctimeNs = this.#now();
  }

  /** Sets a file's contents (loading a tree). */
  #setContents(file: FileNode, bytes: Uint8Array): void {
    this.#reserve(file, bytes.byteLength, "write");
    file.data.set(bytes);
    file.length = bytes.byteLength;
  }

  /** Makes room for `end` bytes of contents. */
  #reserve(file: FileNode, end: number, syscall: string): void {
    if (end <= file.data.length) return;
    if (end > MAX_FILE_SIZE) throw nodeStyleError("EFBIG", syscall);
    // Grow by doubling (bounded), so that appending costs amortised linear time.
    const grown = Math.max(end, Math.min(file.data.length * 2, end + 64 * 1024 * 1024));
    const size = this.#used + (grown - file.data.length) <= this.#maxBytes ? grown : end;
    this.#charge(size - file.data.length, syscall);
    const data = new Uint8Array(size);
    data.set(file.data.subarray(0, Math.min(file.length, file.data.length)));
    file.data = data;
  }

  // ---- Paths --------------------------------------------------------------------------------

  /**
   * Walks every component of `path` but the last from the root, following symlinks on the way
   * (ENOENT, ENOTDIR, ELOOP as Linux gives them), and names the last: the directory holding it,
   * the component itself ("." or ".." included: "/" is "."), whether a slash followed it.
   */
  #parent(rawPath: string | Buffer, syscall: string, hops = { count: 0 }, from = this.#root): Parent {
    const path = typeof rawPath === "string" ? rawPath : rawPath.toString("utf8");
    if (path.length === 0) throw nodeStyleError("ENOENT", syscall, path);
    if (path.includes("\0")) throw nodeStyleError("EINVAL", syscall, path);
    const pending = components(path);
    let dir = path.startsWith("/") ? this.#root : from;
    for (;;) {
      const name = pending.pop();
      if (name === undefined) return { dir, name: ".", slash: true, hops };
      if (pending.length === 0) return { dir, name, slash: path.endsWith("/"), hops };
      if (name === ".") continue;
      if (name === "..") {
        dir = dir.parent;
        continue;
      }
      let node = dir.entries.get(name);
      if (node instanceof LinkNode) node = this.#follow(dir, node, hops, syscall, path);
      if (node === undefined) throw nodeStyleError("ENOENT", syscall, path);
      if (!(node instanceof DirNode)) throw nodeStyleError("ENOTDIR", syscall, path);
      dir = node;
    }
  }

  /** What a symlink in `dir` leads to (undefined: nothing there), every link on the way followed. */
  #follow(dir: DirNode, link: LinkNode, hops: { count: number }, syscall: string, path: string): MemNode | undefined {
    if (++hops.count > MAX_LINK_HOPS) throw nodeStyleError("ELOOP", syscall, path);
    const place = this.#child(this.#parent(link.target, syscall, hops, dir), true, syscall);
    return place.node;
  }

  /** The last component of `parent`: the node there, the last symlink followed when `follow` or a slash says so. */
  #child(parent: Parent, follow: boolean, syscall: string): Place {
    const { dir, name, slash } = parent;
    if (name === "." || name === "..") {
      const node = name === "." ? dir : dir.parent;
      return { dir: node.parent, name, node, mustBeDir: slash };
    }
    const node = dir.entries.get(name);
    if (node instanceof LinkNode && (follow || slash)) {
      if (++parent.hops.count > MAX_LINK_HOPS) throw nodeStyleError("ELOOP", syscall, name);
      const target = this.#parent(node.target, syscall, parent.hops, dir);
      return this.#child({ ...target, slash: slash || target.slash }, true, syscall);
    }
    return { dir, name, node, mustBeDir: slash };
  }

  /** What `path` names (undefined where nothing is), its last symlink followed when `follow`. */
  #lookup(path: string | Buffer, follow: boolean, syscall: string): Place {
    return this.#lookupFrom(this.#parent(path, syscall), follow, path, syscall);
  }

  #lookupFrom(parent: Parent, follow: boolean, path: string | Buffer, syscall = "open"): Place {
    const place = this.#child(parent, follow, syscall);
    if (place.node !== undefined && place.mustBeDir && !(place.node instanceof DirNode)) throw nodeStyleError("ENOTDIR", syscall, path);
    return place;
  }

  /** Where a name is to be made: EEXIST for anything there (a dangling link too), never followed. */
  #vacant(path: string, syscall: string): Parent {
    const parent = this.#parent(path, syscall);
    if (parent.name === "." || parent.name === ".." || parent.dir.entries.has(parent.name)) throw nodeStyleError("EEXIST", syscall, path);
    if (parent.dir.nlink === 0) throw nodeStyleError("ENOENT", syscall, path);
    return parent;
  }

  /** The entry a path's last component names, not followed (rmdir, unlink, rename). */
  #entry(parent: Parent, syscall: string, path: string): MemNode {
    const node = parent.dir.entries.get(parent.name);
    if (node === undefined) throw nodeStyleError("ENOENT", syscall, path);
    return node;
  }

  #existing(path: string | Buffer, follow: boolean, syscall: string): MemNode {
    const place = this.#lookup(path, follow, syscall);
    if (place.node === undefined) throw nodeStyleError("ENOENT", syscall, path);
    return place.node;
  }

  #dirAt(path: string, syscall: string): DirNode {
    const node = this.#existing(path, true, syscall);
    if (!(node instanceof DirNode)) throw nodeStyleError("ENOTDIR", syscall, path);
    return node;
  }

  // ---- FsBackend: looking ---------------------------------------------------------------------

  lstat(path: string | Buffer): BigIntStats {
    return statOf(this.#existing(path, false, "lstat"));
  }

  lstatIfExists(path: string): BigIntStats | undefined {
    const place = this.#lookup(path, false, "lstat");
    return place.node === undefined ? undefined : statOf(place.node);
  }

  stat(path: string | Buffer): BigIntStats {
    return statOf(this.#existing(path, true, "stat"));
  }

  fstat(fd: number): BigIntStats {
    return statOf(this.#description(fd, "fstat").node);
  }

  readlink(path: string): Buffer {
    const node = this.#existing(path, false, "readlink");
    if (!(node instanceof LinkNode)) throw nodeStyleError("EINVAL", "readlink", path);
    return Buffer.from(node.target);
  }

  realpath(path: string): string {
    const place = this.#lookup(path, true, "realpath");
    if (place.node === undefined) throw nodeStyleError("ENOENT", "realpath", path);
    if (place.node instanceof DirNode) return pathOf(place.node);
    const dir = pathOf(place.dir);
    return dir === "/" ? `/${place.name}` : `${dir}/${place.name}`;
  }

  readdir(path: string): HostDirent[] {
    const dir = this.#dirAt(path, "scandir");
    return [...dir.entries].map(([name, node]) => direntOf(name, node));
  }

  opendir(path: string): HostDirStream {
    const dir = this.#dirAt(path, "opendir");
    const entries = dir.entries.entries();
    let closed = false;
    return {
      read: () => {
        if (closed) throw Object.assign(new Error("Directory handle was closed"), { code: "ERR_DIR_CLOSED" });
        const next = entries.next();
        return next.done === true ? null : direntOf(next.value[0], next.value[1]);
      },
      close: () => {
        if (closed) throw Object.assign(new Error("Directory handle was closed"), { code: "ERR_DIR_CLOSED" });
        closed = true;
      },
    };
  }

  // ---- FsBackend: descriptors -----------------------------------------------------------------

  open(path: string, flags: number, mode = 0o666): number {
    const access = flags & O_ACCMODE;
    const writable = access === O_WRONLY || access === O_RDWR;
    const creating = (flags & O_CREAT) !== 0;
    const exclusive = creating && (flags & O_EXCL) !== 0;
    if (creating && O_DIRECTORY !== 0 && flags & O_DIRECTORY) throw nodeStyleError("EINVAL", "open", path);
    const parent = this.#parent(path, "open");
    if (creating && (parent.name === "." || parent.name === "..")) throw nodeStyleError(exclusive ? "EEXIST" : "EISDIR", "open", path);
    if (creating && parent.slash) throw nodeStyleError("EISDIR", "open", path);
    const place = creating ? this.#child(parent, !exclusive && (flags & O_NOFOLLOW) === 0, "open") : this.#lookupFrom(parent, (flags & O_NOFOLLOW) === 0, path);
    let node = place.node;
    if (node === undefined) {
      if (!creating) throw nodeStyleError("ENOENT", "open", path);
      if (place.mustBeDir) throw nodeStyleError("EISDIR", "open", path);
      if (place.dir.nlink === 0) throw nodeStyleError("ENOENT", "open", path);
      node = this.#newFile(mode & 0o777 & ~0o022);
      this.#link(place.dir, place.name, node);
    } else {
      if (exclusive) throw nodeStyleError("EEXIST", "open", path);
      if (node instanceof LinkNode) throw nodeStyleError(flags & O_DIRECTORY ? "ENOTDIR" : "ELOOP", "open", path);
      if (node instanceof DirNode) {
        if (writable || creating || flags & O_TRUNC) throw nodeStyleError("EISDIR", "open", path);
      } else if (flags & O_DIRECTORY) throw nodeStyleError("ENOTDIR", "open", path);
      if (node instanceof FileNode && flags & O_TRUNC) this.#truncate(node, 0, "open");
    }
    const fd = this.#nextFd();
    node.opened++;
    this.#fds.set(fd, { node, readable: access !== O_WRONLY, writable, append: (flags & O_APPEND) !== 0, position: 0 });
    return fd;
  }

  close(fd: number): void {
    const description = this.#description(fd, "close");
    this.#fds.delete(fd);
    description.node.opened--;
    this.#releaseIfGone(description.node);
  }

  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number {
    return this.readv(fd, [buffer.subarray(offset, offset + length)], position);
  }

  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number {
    return this.writev(fd, [buffer.subarray(offset, offset + length)], position);
  }

  readv(fd: number, buffers: Uint8Array[], position: number | null): number {
    const d = this.#description(fd, "read");
    if (!d.readable) throw nodeStyleError("EBADF", "read");
    if (d.node instanceof DirNode) throw nodeStyleError("EISDIR", "read");
    const file = d.node as FileNode;
    let at = position ?? d.position;
    if (!Number.isSafeInteger(at) || at < 0) throw nodeStyleError("EINVAL", "read");
    const start = at;
    for (const buffer of buffers) {
      const n = Math.max(0, Math.min(buffer.byteLength, file.length - at));
      if (n === 0) break;
      const stored = Math.max(0, Math.min(n, file.data.length - at));
      buffer.set(file.data.subarray(at, at + stored));
      buffer.fill(0, stored, n);
      at += n;
    }
    if (position === null) d.position = at;
    return at - start;
  }

  writev(fd: number, buffers: Uint8Array[], position: number | null): number {
    const d = this.#description(fd, "write");
    if (!d.writable) throw nodeStyleError("EBADF", "write");
    const file = d.node as FileNode;
    // As on Linux, O_APPEND writes at the end even when a position is given.
    let at = d.append ? file.length : position ?? d.position;
    if (!Number.isSafeInteger(at) || at < 0) throw nodeStyleError("EINVAL", "write");
    let total = 0;
    for (const b of buffers) total += b.byteLength;
    if (total === 0) return 0;
    this.#reserve(file, at + total, "write");
    const start = at;
    for (const buffer of buffers) {
      file.data.set(buffer, at);
      at += buffer.byteLength;
    }
    file.length = Math.max(file.length, at);
    file.mtimeNs = file.ctimeNs = this.#now();
    if (position === null || d.append) d.position = at;
    return at - start;
  }

  ftruncate(fd: number, length: number): void {
    const d = this.#description(fd, "ftruncate");
    if (!d.writable || !(d.node instanceof FileNode)) throw nodeStyleError("EINVAL", "ftruncate");
    if (!Number.isSafeInteger(length) || length < 0) throw nodeStyleError("EINVAL", "ftruncate");
    this.#truncate(d.node, length, "ftruncate");
  }

  #truncate(file: FileNode, length: number, syscall: string): void {
    if (length > MAX_FILE_SIZE) throw nodeStyleError("EFBIG", syscall);
    if (length < file.data.length) file.data.fill(0, length);
    // Growing leaves a sparse tail: no memory until something is written there.
    file.length = length;
    file.mtimeNs = file.ctimeNs = this.#now();
  }

  fsync(fd: number): void {
    this.#description(fd, "fsync");
  }

  fdatasync(fd: number): void {
    this.#description(fd, "fdatasync");
  }

  futimes(fd: number, atime: number, mtime: number): void {
    this.#setTimes(this.#description(fd, "futime").node, atime, mtime);
  }

  utimes(path: string, atime: number, mtime: number): void {
    this.#setTimes(this.#existing(path, true, "utime"), atime, mtime);
  }

  lutimes(path: string, atime: number, mtime: number): void {
    this.#setTimes(this.#existing(path, false, "lutime"), atime, mtime);
  }

  #setTimes(node: MemNode, atime: number, mtime: number): void {
    node.atimeNs = nanoseconds(atime);
    node.mtimeNs = nanoseconds(mtime);
    node.ctimeNs = this.#now();
  }

  // ---- FsBackend: names -----------------------------------------------------------------------

  mkdir(path: string): void {
    const { dir, name } = this.#vacant(path, "mkdir");
    this.#link(dir, name, this.#newDir(0o755));
  }

  rmdir(path: string): void {
    const parent = this.#parent(path, "rmdir");
    if (parent.name === ".") throw nodeStyleError(parent.dir === this.#root && path.replaceAll("/", "") === "" ? "EBUSY" : "EINVAL", "rmdir", path);
    if (parent.name === "..") throw nodeStyleError("ENOTEMPTY", "rmdir", path);
    const node = this.#entry(parent, "rmdir", path);
    if (!(node instanceof DirNode)) throw nodeStyleError("ENOTDIR", "rmdir", path);
    if (node.entries.size > 0) throw nodeStyleError("ENOTEMPTY", "rmdir", path);
    this.#unlink(parent.dir, parent.name, node);
  }

  unlink(path: string): void {
    const parent = this.#parent(path, "unlink");
    if (parent.name === "." || parent.name === "..") throw nodeStyleError("EISDIR", "unlink", path);
    const node = this.#entry(parent, "unlink", path);
    if (node instanceof DirNode) throw nodeStyleError("EISDIR", "unlink", path);
    if (parent.slash) throw nodeStyleError("ENOTDIR", "unlink", path);
    this.#unlink(parent.dir, parent.name, node);
  }

  rename(from: string, to: string): void {
    const source = this.#parent(from, "rename");
    const target = this.#parent(to, "rename");
    const dots = (name: string): boolean => name === "." || name === "..";
    if (dots(source.name) || dots(target.name)) throw nodeStyleError("EBUSY", "rename", from);
    const node = this.#entry(source, "rename", from);
    const isDir = node instanceof DirNode;
    if (!isDir && (source.slash || target.slash)) throw nodeStyleError("ENOTDIR", "rename", from);
    const replaced = target.dir.entries.get(target.name);
    if (replaced === node) return;
    if (isDir) {
      // Not into itself or anything below it.
      for (let at = target.dir; ; at = at.parent) {
        if (at === node) throw nodeStyleError("EINVAL", "rename", from);
        if (at === this.#root) break;
      }
    }
    if (replaced !== undefined) {
      if (isDir && !(replaced instanceof DirNode)) throw nodeStyleError("ENOTDIR", "rename", from);
      if (!isDir && replaced instanceof DirNode) throw nodeStyleError("EISDIR", "rename", from);
      if (replaced instanceof DirNode && replaced.entries.size > 0) throw nodeStyleError("ENOTEMPTY", "rename", from);
    }
    if (target.dir.nlink === 0) throw nodeStyleError("ENOENT", "rename", to);
    this.#charge(Buffer.byteLength(target.name), "rename");
    if (replaced !== undefined) this.#unlink(target.dir, target.name, replaced);
    source.dir.entries.delete(source.name);
    this.#used -= Buffer.byteLength(source.name);
    target.dir.entries.set(target.name, node);
    if (node instanceof DirNode) {
      source.dir.nlink--;
      target.dir.nlink++;
      node.parent = target.dir;
      node.name = target.name;
    }
    this.#touchDir(source.dir);
    this.#touchDir(target.dir);
    node.ctimeNs = this.#now();
  }

  link(existing: string, created: string): void {
    const node = this.#existing(existing, false, "link");
    if (node instanceof DirNode) throw nodeStyleError("EPERM", "link", existing);
    const { dir, name, slash } = this.#vacant(created, "link");
    if (slash) throw nodeStyleError("ENOENT", "link", created);
    this.#link(dir, name, node);
    node.ctimeNs = this.#now();
  }

  symlink(target: string, path: string): void {
    const { dir, name, slash } = this.#vacant(path, "symlink");
    if (slash) throw nodeStyleError("ENOENT", "symlink", path);
    if (target.length === 0) throw nodeStyleError("ENOENT", "symlink", path);
    this.#link(dir, name, this.#newLink(Buffer.from(target)));
  }

  // ---- Descriptors ----------------------------------------------------------------------------

  #description(fd: number, syscall: string): Description {
    const d = this.#fds.get(fd);
    if (d === undefined) throw nodeStyleError("EBADF", syscall);
    return d;
  }

  /** The lowest free number from 3, as a kernel hands them out. */
  #nextFd(): number {
    let fd = 3;
    while (this.#fds.has(fd)) fd++;
    return fd;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype;
}

/** The components of a path, last first. */
function components(path: string): string[] {
  return path
    .split("/")
    .filter((c) => c.length > 0)
    .reverse();
}

/** The absolute path of a directory, by the names it is held under. */
function pathOf(dir: DirNode): string {
  const names: string[] = [];
  for (let at = dir; at.parent !== at; at = at.parent) names.unshift(at.name);
  return `/${names.join("/")}`;
}

function nanoseconds(seconds: number): bigint {
  if (!Number.isFinite(seconds)) throw nodeStyleError("EINVAL", "utime");
  const whole = Math.floor(seconds);
  return BigInt(whole) * 1_000_000_000n + BigInt(Math.round((seconds - whole) * 1e9));
}

function direntOf(name: string, node: MemNode): HostDirent {
  const kind = node.kind;
  return {
    name: Buffer.from(name),
    isFile: () => kind === "file",
    isDirectory: () => kind === "directory",
    isSymbolicLink: () => kind === "symlink",
    isCharacterDevice: () => false,
    isBlockDevice: () => false,
    isSocket: () => false,
  };
}

const NS_PER_MS = 1_000_000n;

/** A node's stat, as node:fs's BigIntStats reports it (a snapshot). */
function statOf(node: MemNode): BigIntStats {
  const mode = BigInt(node.mode);
  const type = node.mode & S_IFMT;
  const size = BigInt(node.size);
  const allocated = node instanceof FileNode ? node.data.length : node.size;
  return {
    dev: MEMORY_DEV,
    ino: node.ino,
    mode,
    nlink: BigInt(node.nlink),
    uid: 0n,
    gid: 0n,
    rdev: 0n,
    size,
    blksize: BigInt(BLOCK),
    blocks: BigInt(Math.ceil(allocated / BLOCK) * (BLOCK / 512)),
    atimeNs: node.atimeNs,
    mtimeNs: node.mtimeNs,
    ctimeNs: node.ctimeNs,
    birthtimeNs: node.birthtimeNs,
    atimeMs: node.atimeNs / NS_PER_MS,
    mtimeMs: node.mtimeNs / NS_PER_MS,
    ctimeMs: node.ctimeNs / NS_PER_MS,
    birthtimeMs: node.birthtimeNs / NS_PER_MS,
    atime: new Date(Number(node.atimeNs / NS_PER_MS)),
    mtime: new Date(Number(node.mtimeNs / NS_PER_MS)),
    ctime: new Date(Number(node.ctimeNs / NS_PER_MS)),
    birthtime: new Date(Number(node.birthtimeNs / NS_PER_MS)),
    isFile: () => type === S_IFREG,
    isDirectory: () => type === S_IFDIR,
    isSymbolicLink: () => type === S_IFLNK,
    isCharacterDevice: () => false,
    isBlockDevice: () => false,
    isFIFO: () => false,
    isSocket: () => false,
  } as BigIntStats;
}
