// What every group of imports shares: guest memory, the descriptor table, the process's view of
// args and environment, and the layouts of the snapshot the guest imported.
import { Whence, WhenceUnstable } from "../abi/constants.js";
import { filestat, filestatUnstable, subscription, subscriptionUnstable } from "../abi/layouts.js";
import type { FdTable } from "../fds.js";
import type { SeekWhence } from "../handle.js";
import type { GuestMemory } from "../memory.js";
import type { ArgsOf, ImportName } from "../abi/signatures.js";
import type { Resolver } from "../fs/resolve.js";
import type { FsBackend } from "../fs/backend.js";
import type { TimesOverlay } from "../fs/times.js";
import type { HostCapabilities } from "../fs/host.js";
import type { ListingStreams } from "../fs/listing.js";
import type { IoThread } from "../io/thread.js";
import type { Clock } from "../clock.js";
import type { RandomSource } from "../random.js";
import type { AsyncStdio } from "../stdio.js";

export interface Context {
  readonly memory: GuestMemory;
  readonly fds: FdTable;
  readonly args: readonly Uint8Array[];
  readonly env: readonly Uint8Array[];
  readonly fs: FsBackend;
  readonly resolver: Resolver;
  readonly times: TimesOverlay;
  /** What the host offers the sandbox, decided once (fs/host.ts). */
  readonly host: HostCapabilities;
  readonly listings: ListingStreams;
  /** The instance's I/O thread (sockets, watched stdin), started on first use. */
  readonly io: IoThread;
  /** The clocks the guest reads and waits on (the host's, or virtual). */
  readonly clock: Clock;
  /** Where random_get's bytes come from. */
  readonly random: RandomSource;
  /** The async host's means of waiting (options.async), or undefined for the synchronous host. */
  readonly asyncHost: AsyncStdio | undefined;
}

/** The parts of the ABI that differ between wasi_snapshot_preview1 and wasi_unstable. */
export interface Abi {
  readonly module: "wasi_snapshot_preview1" | "wasi_unstable";
  readonly filestat: typeof filestat;
  readonly subscription: typeof subscription;
  readonly whence: ReadonlyMap<number, SeekWhence>;
}

export const preview1: Abi = {
  module: "wasi_snapshot_preview1",
  filestat,
  subscription,
  whence: new Map<number, SeekWhence>([
    [Whence.SET, "set"],
    [Whence.CUR, "cur"],
    [Whence.END, "end"],
  ]),
};

export const unstable: Abi = {
  module: "wasi_unstable",
  filestat: filestatUnstable,
  subscription: subscriptionUnstable,
  whence: new Map<number, SeekWhence>([
    [WhenceUnstable.SET, "set"],
    [WhenceUnstable.CUR, "cur"],
    [WhenceUnstable.END, "end"],
  ]),
};

/**
 * Import `N`'s implementation: its decoded arguments in, typed from the signature table
 * (abi/signatures.ts), errno (or nothing, meaning success) out.
 */
export type ImplOf<N extends ImportName> = ArgsOf<N> extends infer A extends unknown[] ? (...args: A) => number | void : never;
/** Some imports' implementations (one group's): an import that is not in the table does not compile. */
export type Syscalls = { [N in ImportName]?: ImplOf<N> };
/** Every import's implementation: one missing does not compile. */
export type AllSyscalls = { [N in ImportName]: ImplOf<N> };
/**
 * Any implementation, as the one wrapper (wasi.ts) calls it: with the arguments it decoded by the
 * same signature table, so of the types ImplOf<N> declares.
 */
export type Impl = (...args: unknown[]) => number | void;
