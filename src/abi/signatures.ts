// The 46 imports of wasi_snapshot_preview1 as data: parameter names and ABI types, in order.
// Argument decoding (wasi.ts) and tracing (trace.ts) both derive from this one table.
//
// Types, as the guest passes them:
//   fd, u32, ptr, size  i32 read as unsigned
//   u8, u16             i32 that must fit the width, else EINVAL (as wasmtime checks)
//   u64                 i64 read as unsigned (a BigInt)
//   s64                 i64 read as signed (a BigInt): fd_seek's filedelta
//   exitcode            u32 for proc_exit
// Every function returns an errno (i32), except proc_exit, which does not return.

export type ParamType = "fd" | "u32" | "ptr" | "size" | "u8" | "u16" | "u64" | "s64" | "exitcode";

export interface Param {
  readonly name: string;
  readonly type: ParamType;
}

export interface Signature {
  readonly params: readonly Param[];
  /** Names of out-pointer params, for tracing what was written. */
  readonly results?: readonly string[];
}

/** "name:type, name:type" parsed at the type level too, so that each import's arguments have types. */
type Trim<S extends string> = S extends ` ${infer R}` ? Trim<R> : S extends `${infer R} ` ? Trim<R> : S;
type ParsedParam<S extends string> = S extends `${infer N}:${infer T extends ParamType}` ? { readonly name: N; readonly type: T } : never;
type ParsedParams<S extends string> = S extends `${infer Head},${infer Rest}`
  ? [ParsedParam<Trim<Head>>, ...ParsedParams<Rest>]
  : Trim<S> extends ""
    ? []
    : [ParsedParam<Trim<S>>];

const p = <const S extends string>(spec: S): ParsedParams<S> =>
  spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [name, type] = s.split(":") as [string, ParamType];
      return { name, type };
    }) as ParsedParams<S>;

export const signatures = {
  args_get: { params: p("argv:ptr, argv_buf:ptr") },
  args_sizes_get: { params: p("argc_out:ptr, argv_buf_size_out:ptr"), results: ["argc_out", "argv_buf_size_out"] },
  environ_get: { params: p("environ:ptr, environ_buf:ptr") },
  environ_sizes_get: { params: p("count_out:ptr, buf_size_out:ptr"), results: ["count_out", "buf_size_out"] },
  clock_res_get: { params: p("id:u32, resolution_out:ptr"), results: ["resolution_out"] },
  clock_time_get: { params: p("id:u32, precision:u64, time_out:ptr"), results: ["time_out"] },
  fd_advise: { params: p("fd:fd, offset:u64, len:u64, advice:u8") },
  fd_allocate: { params: p("fd:fd, offset:u64, len:u64") },
  fd_close: { params: p("fd:fd") },
  fd_datasync: { params: p("fd:fd") },
  fd_fdstat_get: { params: p("fd:fd, stat_out:ptr"), results: ["stat_out"] },
  fd_fdstat_set_flags: { params: p("fd:fd, flags:u16") },
  fd_fdstat_set_rights: { params: p("fd:fd, rights_base:u64, rights_inheriting:u64") },
  fd_filestat_get: { params: p("fd:fd, stat_out:ptr"), results: ["stat_out"] },
  fd_filestat_set_size: { params: p("fd:fd, size:u64") },
  fd_filestat_set_times: { params: p("fd:fd, atim:u64, mtim:u64, fst_flags:u16") },
  fd_pread: { params: p("fd:fd, iovs:ptr, iovs_len:size, offset:u64, nread_out:ptr"), results: ["nread_out"] },
  fd_prestat_get: { params: p("fd:fd, prestat_out:ptr"), results: ["prestat_out"] },
  // An output buffer: named so that tracing does not show it as an input path.
  fd_prestat_dir_name: { params: p("fd:fd, path_out:ptr, path_len:size") },
  fd_pwrite: { params: p("fd:fd, iovs:ptr, iovs_len:size, offset:u64, nwritten_out:ptr"), results: ["nwritten_out"] },
  fd_read: { params: p("fd:fd, iovs:ptr, iovs_len:size, nread_out:ptr"), results: ["nread_out"] },
  fd_readdir: { params: p("fd:fd, buf:ptr, buf_len:size, cookie:u64, bufused_out:ptr"), results: ["bufused_out"] },
  fd_renumber: { params: p("fd:fd, to:fd") },
  fd_seek: { params: p("fd:fd, offset:s64, whence:u8, newoffset_out:ptr"), results: ["newoffset_out"] },
  fd_sync: { params: p("fd:fd") },
  fd_tell: { params: p("fd:fd, offset_out:ptr"), results: ["offset_out"] },
  fd_write: { params: p("fd:fd, iovs:ptr, iovs_len:size, nwritten_out:ptr"), results: ["nwritten_out"] },
  path_create_directory: { params: p("fd:fd, path:ptr, path_len:size") },
  path_filestat_get: {
    params: p("fd:fd, flags:u32, path:ptr, path_len:size, stat_out:ptr"),
    results: ["stat_out"],
  },
  path_filestat_set_times: {
    params: p("fd:fd, flags:u32, path:ptr, path_len:size, atim:u64, mtim:u64, fst_flags:u16"),
  },
  path_link: {
    params: p("old_fd:fd, old_flags:u32, old_path:ptr, old_path_len:size, new_fd:fd, new_path:ptr, new_path_len:size"),
  },
  path_open: {
    params: p(
      "fd:fd, dirflags:u32, path:ptr, path_len:size, oflags:u16, rights_base:u64, rights_inheriting:u64, fdflags:u16, fd_out:ptr",
    ),
    results: ["fd_out"],
  },
  path_readlink: {
    params: p("fd:fd, path:ptr, path_len:size, buf:ptr, buf_len:size, bufused_out:ptr"),
    results: ["bufused_out"],
  },
  path_remove_directory: { params: p("fd:fd, path:ptr, path_len:size") },
  path_rename: { params: p("fd:fd, old_path:ptr, old_path_len:size, new_fd:fd, new_path:ptr, new_path_len:size") },
  path_symlink: { params: p("old_path:ptr, old_path_len:size, fd:fd, new_path:ptr, new_path_len:size") },
  path_unlink_file: { params: p("fd:fd, path:ptr, path_len:size") },
  poll_oneoff: {
    params: p("in:ptr, out:ptr, nsubscriptions:size, nevents_out:ptr"),
    results: ["nevents_out"],
  },
  proc_exit: { params: p("rval:exitcode") },
  proc_raise: { params: p("sig:u8") },
  sched_yield: { params: p("") },
  random_get: { params: p("buf:ptr, buf_len:size") },
  sock_accept: { params: p("fd:fd, flags:u16, fd_out:ptr"), results: ["fd_out"] },
  sock_recv: {
    params: p("fd:fd, ri_data:ptr, ri_data_len:size, ri_flags:u16, ro_datalen_out:ptr, ro_flags_out:ptr"),
    results: ["ro_datalen_out", "ro_flags_out"],
  },
  sock_send: {
    params: p("fd:fd, si_data:ptr, si_data_len:size, si_flags:u16, so_datalen_out:ptr"),
    results: ["so_datalen_out"],
  },
  sock_shutdown: { params: p("fd:fd, how:u8") },
} as const satisfies Record<string, Signature>;

export type ImportName = keyof typeof signatures;
export const importNames = Object.keys(signatures) as ImportName[];

/** What an implementation receives for an ABI type, once decoded (wasi.ts): BigInts for 64 bits. */
export type ArgOf<T extends ParamType> = T extends "u64" | "s64" ? bigint : number;

/** The decoded arguments of import `N`, in order, each typed by its ABI type. */
export type ArgsOf<N extends ImportName> = ArgsFrom<(typeof signatures)[N]["params"]>;
type ArgsFrom<P> = P extends readonly [{ readonly type: infer T extends ParamType }, ...infer Rest] ? [ArgOf<T>, ...ArgsFrom<Rest>] : [];
