// A directory's listing as fd_readdir serves it, in host memory bounded whatever the directory
// holds: "." and "..", then the host's entries, the cookie of entry i being i + 1. A small
// directory (its size, as the host reports it, at most EAGER_LISTING_MAX_BYTES) is read whole in
// one host call; any other is streamed in the host's order (opendir), which costs a host stream
// object per directory but holds a few entries at a time. Between calls a listing keeps only the
// entries it read and has not served whole (the one a full buffer cut, usually) and, while it is
// under way, its host stream or its small directory's entries, so reading on from the last cookie
// costs nothing more. Any other cookie re-reads the directory from the start up to it, as wasmtime
// does for every call. An instance keeps at most MAX_LISTING_STREAMS listings under way; the least
// recently used lets go and reads again from the host when asked again.
import { Filetype } from "../abi/constants.js";
import type { DirEntry } from "../handle.js";
import type { FsBackend, HostDirent, HostDirStream } from "./backend.js";
import { filetypeOf } from "./stat.js";

/** Listings under way (a host stream, or a small directory's entries) one instance keeps between fd_readdir calls. */
export const MAX_LISTING_STREAMS = 16;

/**
 * A directory the host says is at most this size is read whole. Sizes are the file system's own
 * (ext4: the blocks its entries take; tmpfs: 20 bytes an entry; btrfs: twice its names' bytes), so
 * this bounds what one read holds to some thousands of entries; a host that says 0 (Windows, many
 * FUSE and virtual file systems) tells nothing, and is streamed.
 */
export const EAGER_LISTING_MAX_BYTES = 32 * 1024;

/** Cookies past this index are past the end of any listing a host can hold. */
const MAX_INDEX = Number.MAX_SAFE_INTEGER;

/** The listings of one instance whose host streams are open, least recently used first. */
export class ListingStreams {
  readonly #open = new Set<Listing>();

  /** `listing` is using its stream: it becomes the most recent, and the oldest beyond the bound lets go. */
  use(listing: Listing): void {
    this.#open.delete(listing);
    this.#open.add(listing);
    if (this.#open.size <= MAX_LISTING_STREAMS) return;
    const oldest = this.#open.values().next().value!;
    oldest.suspend();
  }

  forget(listing: Listing): void {
    this.#open.delete(listing);
  }
}

/** Serves one entry to fd_readdir; false when it did not fit whole (the buffer is full). */
export type TakeEntry = (entry: DirEntry, next: bigint) => boolean;

export class Listing {
  #stream: HostDirStream | undefined;
  /** Index of the next entry to read ("." is 0, ".." 1, the host's entries from 2). */
  #next = 0;
  /** Entries read and not yet served whole: indices #next - #kept.length up to #next. */
  #kept: DirEntry[] = [];
  /** The host stream gave its last entry: the listing has #next entries. */
  #ended = false;
  /** This pass over the directory reads it whole (decided when the pass starts, kept to its end). */
  #whole: boolean | undefined;
  /** A small directory's host entries, read whole, while the listing is under way. */
  #entries: HostDirent[] | undefined;

  constructor(
    private readonly fs: FsBackend,
    private readonly streams: ListingStreams,
    /** "." (0) or ".." (1) of the directory at `base`. */
    private readonly dot: (base: string, index: 0 | 1) => DirEntry,
    /** The directory's size as the host reports it now. */
    private readonly size: () => bigint,
  ) {}

  /** Offers the entries from `cookie` on to `take` until it refuses one or the listing ends. */
  serve(base: string, cookie: bigint, take: TakeEntry): void {
    const start = cookie > BigInt(MAX_INDEX) ? MAX_INDEX : Number(cookie);
    if (start === 0 || start < this.#next - this.#kept.length) this.#rewind();
    else if (this.#stream !== undefined || this.#entries !== undefined) this.streams.use(this);
    try {
      // Skip to `start`: entries kept before it go, entries not yet read are read and dropped.
      if (start <= this.#next) this.#kept.splice(0, this.#kept.length - (this.#next - start));
      else {
        this.#kept = [];
        while (this.#next < start && this.#read(base) !== undefined);
        if (this.#next < start) return; // past the end
      }
      for (let index = start; ; index++) {
        const entry = this.#kept[0] ?? this.#read(base);
        if (entry === undefined) return;
        if (this.#kept.length === 0) this.#kept.push(entry);
        if (!take(entry, BigInt(index + 1))) return;
        this.#kept.shift();
      }
    } catch (error) {
      this.suspend(); // a failed stream is not read again; the next call reopens it
      throw error;
    }
  }

  /** Closes the host stream (or lets a small directory's entries go), keeping the place: the next read reads up to there again. */
  suspend(): void {
    this.streams.forget(this);
    this.#entries = undefined;
    const stream = this.#stream;
    this.#stream = undefined;
    stream?.close();
  }

  /** Back to the start: the next call re-reads the directory. */
  #rewind(): void {
    this.suspend();
    this.#next = 0;
    this.#kept = [];
    this.#ended = false;
    this.#whole = undefined;
  }

  /** Reads entry #next (opening or reopening the host stream if need be); undefined at the end. */
  #read(base: string): DirEntry | undefined {
    if (this.#next < 2) return this.dot(base, this.#next++ as 0 | 1);
    if (this.#ended) return undefined;
    this.#whole ??= isSmall(this.size());
    if (this.#whole) {
      if (this.#entries === undefined) {
        this.#entries = this.fs.readdir(base);
        this.streams.use(this);
      }
      const dirent = this.#entries[this.#next - 2];
      if (dirent === undefined) return this.#end();
      this.#next++;
      return entryOf(dirent);
    }
    if (this.#stream === undefined) {
      const stream = this.fs.opendir(base);
      this.#stream = stream;
      this.streams.use(this);
      // Reopened: the host's entries before #next were read before; read past them again.
      for (let skip = this.#next - 2; skip > 0; skip--) if (stream.read() === null) return this.#end();
    }
    const dirent = this.#stream.read();
    if (dirent === null) return this.#end();
    this.#next++;
    return entryOf(dirent);
  }

  #end(): undefined {
    this.#ended = true;
    this.suspend();
    return undefined;
  }
}

function isSmall(size: bigint): boolean {
  return size > 0n && size <= BigInt(EAGER_LISTING_MAX_BYTES);
}

/** A host entry as fd_readdir keeps it: the name as text where its bytes are UTF-8 (lighter), else the bytes. */
function entryOf(dirent: HostDirent): DirEntry {
  const bytes = dirent.name;
  const text = bytes.toString("utf8");
  const name = text.includes("\uFFFD") && !Buffer.from(text).equals(bytes) ? Buffer.from(bytes) : text;
  const type = filetypeOf(dirent);
  // An unknown type is looked up with the inode, when the entry is served (inodeOf).
  return type === Filetype.UNKNOWN ? { name } : { name, type };
}
