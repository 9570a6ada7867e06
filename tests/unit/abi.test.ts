// The ABI tables against the witx files of WebAssembly/WASI (legacy/preview1/witx and
// legacy/preview0/witx). Every expected value below is written out by hand from the witx,
// never taken from the code under test.
import t from "tap";
import {
  ALL_RIGHTS,
  Clockid,
  Errno,
  errnoName,
  Eventtype,
  Fdflags,
  Filetype,
  Fstflags,
  Lookupflags,
  Oflags,
  Rights,
  Signal,
  SIGNAL_MAX,
  Whence,
  WhenceUnstable,
} from "../../src/abi/constants.js";
import {
  dirent,
  event,
  fdstat,
  filestat,
  filestatUnstable,
  iovec,
  prestat,
  subscription,
  subscriptionUnstable,
  type Layout,
} from "../../src/abi/layouts.js";
import { importNames, signatures } from "../../src/abi/signatures.js";
import { direct, wat } from "../helpers/harness.js";
import { WASI } from "../../src/index.js";

/** [offset, width in bytes] per field, from the witx. */
type Expected = Record<string, [number, number]>;
const width = { u8: 1, u16: 2, u32: 4, u64: 8 } as const;

function checkLayout(t: Pick<typeof t, "equal" | "ok">, name: string, layout: Layout, size: number, align: number, fields: Expected) {
  t.equal(layout.size, size, `${name} size`);
  t.equal(layout.align, align, `${name} align`);
  for (const [field, [offset, bytes]] of Object.entries(fields)) {
    const f = (layout.fields as Record<string, { offset: number; type: keyof typeof width }>)[field];
    t.ok(f, `${name}.${field} exists`);
    if (!f) continue;
    t.equal(f.offset, offset, `${name}.${field} offset`);
    t.equal(width[f.type], bytes, `${name}.${field} width`);
    t.ok(f.offset + width[f.type] <= size, `${name}.${field} inside the struct`);
    t.equal(f.offset % width[f.type], 0, `${name}.${field} naturally aligned`);
  }
}

t.test("struct layouts match the witx", async (t) => {
  checkLayout(t, "iovec", iovec, 8, 4, { buf: [0, 4], buf_len: [4, 4] });
  checkLayout(t, "prestat", prestat, 8, 4, { tag: [0, 1], pr_name_len: [4, 4] });
  checkLayout(t, "fdstat", fdstat, 24, 8, {
    fs_filetype: [0, 1],
    fs_flags: [2, 2],
    fs_rights_base: [8, 8],
    fs_rights_inheriting: [16, 8],
  });
  checkLayout(t, "dirent", dirent, 24, 8, { d_next: [0, 8], d_ino: [8, 8], d_namlen: [16, 4], d_type: [20, 1] });
  // preview1: linkcount is u64, so nlink sits at 24 after 7 bytes of padding.
  checkLayout(t, "filestat (preview1)", filestat, 64, 8, {
    dev: [0, 8],
    ino: [8, 8],
    filetype: [16, 1],
    nlink: [24, 8],
    size: [32, 8],
    atim: [40, 8],
    mtim: [48, 8],
    ctim: [56, 8],
  });
  // snapshot 0: linkcount is u32, at 20.
  checkLayout(t, "filestat (wasi_unstable)", filestatUnstable, 56, 8, {
    dev: [0, 8],
    ino: [8, 8],
    filetype: [16, 1],
    nlink: [20, 4],
    size: [24, 8],
    atim: [32, 8],
    mtim: [40, 8],
    ctim: [48, 8],
  });
  // preview1 subscription: userdata, then the union (tag u8 at 8, payload at 16, align 8).
  // subscription_clock = { id u32 @0, timeout u64 @8, precision u64 @16, flags u16 @24 }.
  checkLayout(t, "subscription (preview1)", subscription, 48, 8, {
    userdata: [0, 8],
    tag: [8, 1],
    clock_id: [16, 4],
    timeout: [24, 8],
    precision: [32, 8],
    flags: [40, 2],
    fd: [16, 4],
  });
  // snapshot 0 subscription_clock starts with `identifier: userdata` (u64), shifting the rest by 8.
  checkLayout(t, "subscription (wasi_unstable)", subscriptionUnstable, 56, 8, {
    userdata: [0, 8],
    tag: [8, 1],
    clock_id: [24, 4],
    timeout: [32, 8],
    precision: [40, 8],
    flags: [48, 2],
    fd: [16, 4],
  });
  checkLayout(t, "event", event, 32, 8, { userdata: [0, 8], error: [8, 2], type: [10, 1], nbytes: [16, 8], flags: [24, 2] });
});

// The errno enum of typenames.witx, in order.
const ERRNO_NAMES = [
  "success", "2big", "acces", "addrinuse", "addrnotavail", "afnosupport", "again", "already", "badf",
  "badmsg", "busy", "canceled", "child", "connaborted", "connrefused", "connreset", "deadlk",
  "destaddrreq", "dom", "dquot", "exist", "fault", "fbig", "hostunreach", "idrm", "ilseq",
  "inprogress", "intr", "inval", "io", "isconn", "isdir", "loop", "mfile", "mlink", "msgsize",
  "multihop", "nametoolong", "netdown", "netreset", "netunreach", "nfile", "nobufs", "nodev", "noent",
  "noexec", "nolck", "nolink", "nomem", "nomsg", "noprotoopt", "nospc", "nosys", "notconn", "notdir",
  "notempty", "notrecoverable", "notsock", "notsup", "notty", "nxio", "overflow", "ownerdead", "perm",
  "pipe", "proto", "protonosupport", "prototype", "range", "rofs", "spipe", "srch", "stale", "timedout",
  "txtbsy", "xdev", "notcapable",
];

t.test("errno values 0..76 with their witx names", async (t) => {
  t.equal(ERRNO_NAMES.length, 77);
  const table = Errno as Record<string, number>;
  t.equal(Object.keys(table).length, 77, "exactly 77 errnos");
  ERRNO_NAMES.forEach((name, value) => {
    t.equal(table[name.toUpperCase()], value, `errno ${name} = ${value}`);
    t.equal(errnoName[value], name.toUpperCase(), `errnoName[${value}]`);
  });
  // Spot checks of values the tests below rely on.
  t.equal(Errno.BADF, 8);
  t.equal(Errno.FAULT, 21);
  t.equal(Errno.ILSEQ, 25);
  t.equal(Errno.INVAL, 28);
  t.equal(Errno.IO, 29);
  t.equal(Errno.NOTSOCK, 57);
  t.equal(Errno.SPIPE, 70);
  t.equal(Errno.NOTCAPABLE, 76);
});

t.test("other enums and flags match the witx", async (t) => {
  const rightsOrder = [
    "FD_DATASYNC", "FD_READ", "FD_SEEK", "FD_FDSTAT_SET_FLAGS", "FD_SYNC", "FD_TELL", "FD_WRITE",
    "FD_ADVISE", "FD_ALLOCATE", "PATH_CREATE_DIRECTORY", "PATH_CREATE_FILE", "PATH_LINK_SOURCE",
    "PATH_LINK_TARGET", "PATH_OPEN", "FD_READDIR", "PATH_READLINK", "PATH_RENAME_SOURCE",
    "PATH_RENAME_TARGET", "PATH_FILESTAT_GET", "PATH_FILESTAT_SET_SIZE", "PATH_FILESTAT_SET_TIMES",
    "FD_FILESTAT_GET", "FD_FILESTAT_SET_SIZE", "FD_FILESTAT_SET_TIMES", "PATH_SYMLINK",
    "PATH_REMOVE_DIRECTORY", "PATH_UNLINK_FILE", "POLL_FD_READWRITE", "SOCK_SHUTDOWN", "SOCK_ACCEPT",
  ];
  rightsOrder.forEach((name, bit) => t.equal((Rights as Record<string, bigint>)[name], 1n << BigInt(bit), `right ${name}`));
  t.equal(ALL_RIGHTS, 0x3fffffffn);
  t.same(Filetype, {
    UNKNOWN: 0, BLOCK_DEVICE: 1, CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4, SOCKET_DGRAM: 5,
    SOCKET_STREAM: 6, SYMBOLIC_LINK: 7,
  });
  t.same(Clockid, { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME_ID: 2, THREAD_CPUTIME_ID: 3 });
  t.same(Eventtype, { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 });
  t.same(Fdflags, { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 });
  t.same(Oflags, { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 });
  t.same(Fstflags, { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 });
  t.same(Lookupflags, { SYMLINK_FOLLOW: 1 });
  // whence: preview1 is set/cur/end, snapshot 0 is cur/end/set.
  t.same(Whence, { SET: 0, CUR: 1, END: 2 });
  t.same(WhenceUnstable, { CUR: 0, END: 1, SET: 2 });
  const signals = [
    "NONE", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
    "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS",
  ];
  signals.forEach((name, n) => t.equal((Signal as Record<string, number>)[name], n, `signal ${name}`));
  t.equal(SIGNAL_MAX, 30);
});

// Every import of wasi_snapshot_preview1.witx with its core wasm parameter types, written out from
// the witx (pointers, sizes, fds, enums and flags lower to i32; u64 types to i64; results that
// are not errno become trailing out-pointers).
const I = "i32";
const L = "i64";
const WITX: Record<string, string[]> = {
  args_get: [I, I],
  args_sizes_get: [I, I],
  environ_get: [I, I],
  environ_sizes_get: [I, I],
  clock_res_get: [I, I],
  clock_time_get: [I, L, I],
  fd_advise: [I, L, L, I],
  fd_allocate: [I, L, L],
  fd_close: [I],
  fd_datasync: [I],
  fd_fdstat_get: [I, I],
  fd_fdstat_set_flags: [I, I],
  fd_fdstat_set_rights: [I, L, L],
  fd_filestat_get: [I, I],
  fd_filestat_set_size: [I, L],
  fd_filestat_set_times: [I, L, L, I],
  fd_pread: [I, I, I, L, I],
  fd_prestat_get: [I, I],
  fd_prestat_dir_name: [I, I, I],
  fd_pwrite: [I, I, I, L, I],
  fd_read: [I, I, I, I],
  fd_readdir: [I, I, I, L, I],
  fd_renumber: [I, I],
  fd_seek: [I, L, I, I],
  fd_sync: [I],
  fd_tell: [I, I],
  fd_write: [I, I, I, I],
  path_create_directory: [I, I, I],
  path_filestat_get: [I, I, I, I, I],
  path_filestat_set_times: [I, I, I, I, L, L, I],
  path_link: [I, I, I, I, I, I, I],
  path_open: [I, I, I, I, I, L, L, I, I],
  path_readlink: [I, I, I, I, I, I],
  path_remove_directory: [I, I, I],
  path_rename: [I, I, I, I, I, I],
  path_symlink: [I, I, I, I, I],
  path_unlink_file: [I, I, I],
  poll_oneoff: [I, I, I, I],
  proc_exit: [I],
  proc_raise: [I],
  sched_yield: [],
  random_get: [I, I],
  sock_accept: [I, I, I],
  sock_recv: [I, I, I, I, I, I],
  sock_send: [I, I, I, I, I],
  sock_shutdown: [I, I],
};

t.test("the 46 imports and their parameters", async (t) => {
  t.equal(Object.keys(WITX).length, 46);
  t.same([...importNames].sort(), Object.keys(WITX).sort(), "exactly the witx function names");
  for (const [name, types] of Object.entries(WITX)) {
    const params = signatures[name as keyof typeof signatures].params;
    t.equal(params.length, types.length, `${name} takes ${types.length} params`);
    const lowered = params.map((p) => (p.type === "u64" || p.type === "s64" ? L : I));
    t.same(lowered, types, `${name} param types`);
  }
  // A few checked against the witx by hand, type by type.
  const typesOf = (name: keyof typeof signatures) => signatures[name].params.map((p) => p.type);
  t.same(typesOf("fd_seek"), ["fd", "s64", "u8", "ptr"], "fd_seek(fd, filedelta s64, whence u8, out)");
  t.same(typesOf("clock_time_get"), ["u32", "u64", "ptr"], "clock_time_get(clockid u32, timestamp u64, out)");
  t.same(typesOf("fd_fdstat_set_flags"), ["fd", "u16"], "fdflags is u16");
  t.same(typesOf("path_open"), ["fd", "u32", "ptr", "size", "u16", "u64", "u64", "u16", "ptr"],
    "path_open(fd, lookupflags u32, path, len, oflags u16, rights u64 x2, fdflags u16, out)");
  t.same(typesOf("proc_raise"), ["u8"], "signal is u8");
  t.same(typesOf("sock_shutdown"), ["fd", "u8"], "sdflags is u8");
  t.same(typesOf("fd_advise"), ["fd", "u64", "u64", "u8"], "advice is u8");
  t.same(typesOf("sched_yield"), []);
});

t.test("both module names link a module importing all 46 with witx types, and i64 args pass through wasm", async (t) => {
  const imports = Object.entries(WITX)
    .map(([name, types]) => {
      const result = name === "proc_exit" ? "" : "(result i32)";
      return `(import "MOD" "${name}" (func $${name} (param ${types.join(" ")}) ${result}))`;
    })
    .join("\n");
  for (const mod of ["wasi_snapshot_preview1", "wasi_unstable"]) {
    const module = await wat(`(module ${imports.replaceAll("MOD", mod)}
      (memory (export "memory") 1)
      (func (export "now") (param i32) (result i32)
        (call $clock_time_get (local.get 0) (i64.const -1) (i32.const 64)))
      (func (export "yield") (result i32) (call $sched_yield))
      (func (export "_start")))`);
    const wasi = new WASI();
    const instance = new WebAssembly.Instance(module, wasi.getImportObject());
    wasi.initialize({ exports: { memory: instance.exports.memory as WebAssembly.Memory } });
    const exp = instance.exports as { now: (id: number) => number; yield: () => number; memory: WebAssembly.Memory };
    t.equal(exp.now(Clockid.MONOTONIC), Errno.SUCCESS, `${mod}: clock_time_get via wasm with an i64 precision of 2^64-1`);
    t.ok(new DataView(exp.memory.buffer).getBigUint64(64, true) > 0n, `${mod}: the time was written`);
    t.equal(exp.now(4), Errno.INVAL, `${mod}: unknown clock via wasm`);
    t.equal(exp.yield(), Errno.SUCCESS);
  }
});

t.test("the import object: all 46 under both module names, plain functions usable detached", async (t) => {
  const wasi = new WASI({ stdout: () => {}, stderr: () => {} });
  const obj = wasi.getImportObject();
  t.same(Object.keys(obj).sort(), ["wasi_snapshot_preview1", "wasi_unstable"]);
  for (const mod of ["wasi_snapshot_preview1", "wasi_unstable"]) {
    const names = Object.keys(obj[mod]!).sort();
    t.same(names, Object.keys(WITX).sort(), `${mod} has the 46 names`);
    for (const name of names) {
      const fn = obj[mod]![name];
      t.equal(typeof fn, "function", `${mod}.${name} is a function`);
    }
  }
  t.equal(obj.wasi_snapshot_preview1, wasi.wasiImport, "wasiImport is the preview1 table");
  const unstable = new WASI({ version: "unstable" }).getImportObject();
  t.same(Object.keys(unstable).sort(), ["wasi_snapshot_preview1", "wasi_unstable"], "version unstable: still both");

  // Detached from any `this`: called as a bare function, via call(null), via Reflect.apply.
  const h = direct({ stdout: () => {}, stderr: () => {} });
  const mem = h.memory;
  const clock = h.imports.clock_time_get!;
  t.equal(clock(Clockid.REALTIME, 0n, 0), Errno.SUCCESS, "bare call");
  t.equal(clock.call(null, Clockid.MONOTONIC, 0n, 8), Errno.SUCCESS, "call(null)");
  t.equal(Reflect.apply(clock, { unrelated: true }, [Clockid.MONOTONIC, 0n, 16]), Errno.SUCCESS, "foreign this");
  const view = new DataView(mem.buffer);
  t.ok(view.getBigUint64(0, true) > 0n && view.getBigUint64(8, true) > 0n && view.getBigUint64(16, true) > 0n);
  const { sched_yield: y } = h.imports;
  t.equal(y!(), Errno.SUCCESS, "destructured sched_yield");
});

t.test("the filestat written to memory follows each snapshot's layout (stdio sink)", async (t) => {
  for (const unstable of [false, true]) {
    const h = direct({ unstable, stdout: () => {} });
    const size = unstable ? 56 : 64;
    h.bytes().fill(0xaa, 0, 128);
    t.equal(h.call("fd_filestat_get", 1, 0), Errno.SUCCESS, `fd_filestat_get(1) (${unstable ? "wasi_unstable" : "preview1"})`);
    // A callback sink is no file: filetype unknown, one link, size 0.
    t.equal(h.u8(16), Filetype.UNKNOWN);
    if (unstable) t.equal(h.u32(20), 1, "nlink u32 at 20");
    else t.equal(h.u64(24), 1n, "nlink u64 at 24");
    t.equal(h.u64(unstable ? 24 : 32), 0n, "size");
    t.same([...h.read(17, unstable ? 3 : 7)], new Array(unstable ? 3 : 7).fill(0), "padding after filetype zeroed");
    t.equal(h.u8(size), 0xaa, `nothing written past byte ${size}`);
    t.equal(h.u8(size - 1), 0, `byte ${size - 1} is the struct's`);
  }
});
