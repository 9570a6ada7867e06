// Struct layouts of both snapshots as data (size, alignment, field offsets and widths), and the
// encoders/decoders that follow them. All little-endian. No behaviour beyond moving bytes.

export type FieldType = "u8" | "u16" | "u32" | "u64";
export interface Field {
  readonly offset: number;
  readonly type: FieldType;
}
export interface Layout<F extends string = string> {
  readonly size: number;
  readonly align: number;
  readonly fields: { readonly [K in F]: Field };
}

const f = (offset: number, type: FieldType): Field => ({ offset, type });

export const iovec = { size: 8, align: 4, fields: { buf: f(0, "u32"), buf_len: f(4, "u32") } } as const;

export const prestat = {
  size: 8,
  align: 4,
  fields: { tag: f(0, "u8"), pr_name_len: f(4, "u32") },
} as const;

export const fdstat = {
  size: 24,
  align: 8,
  fields: {
    fs_filetype: f(0, "u8"),
    fs_flags: f(2, "u16"),
    fs_rights_base: f(8, "u64"),
    fs_rights_inheriting: f(16, "u64"),
  },
} as const;

type FilestatField = "dev" | "ino" | "filetype" | "nlink" | "size" | "atim" | "mtim" | "ctim";

export const filestat: Layout<FilestatField> = {
  size: 64,
  align: 8,
  fields: {
    dev: f(0, "u64"),
    ino: f(8, "u64"),
    filetype: f(16, "u8"),
    nlink: f(24, "u64"),
    size: f(32, "u64"),
    atim: f(40, "u64"),
    mtim: f(48, "u64"),
    ctim: f(56, "u64"),
  },
};

/** Snapshot 0: the link count is a u32, so everything after it moves up by 4 bytes. */
export const filestatUnstable: Layout<FilestatField> = {
  size: 56,
  align: 8,
  fields: {
    dev: f(0, "u64"),
    ino: f(8, "u64"),
    filetype: f(16, "u8"),
    nlink: f(20, "u32"),
    size: f(24, "u64"),
    atim: f(32, "u64"),
    mtim: f(40, "u64"),
    ctim: f(48, "u64"),
  },
};

export const dirent = {
  size: 24,
  align: 8,
  fields: { d_next: f(0, "u64"), d_ino: f(8, "u64"), d_namlen: f(16, "u32"), d_type: f(20, "u8") },
} as const;

type SubscriptionField = "userdata" | "tag" | "clock_id" | "timeout" | "precision" | "flags" | "fd";

export const subscription: Layout<SubscriptionField> = {
  size: 48,
  align: 8,
  fields: {
    userdata: f(0, "u64"),
    tag: f(8, "u8"),
    clock_id: f(16, "u32"),
    timeout: f(24, "u64"),
    precision: f(32, "u64"),
    flags: f(40, "u16"),
    fd: f(16, "u32"),
  },
};

/** Snapshot 0: the clock subscription starts with a u64 `identifier`, shifting the rest by 8. */
export const subscriptionUnstable: Layout<SubscriptionField> = {
  size: 56,
  align: 8,
  fields: {
    userdata: f(0, "u64"),
    tag: f(8, "u8"),
    clock_id: f(24, "u32"),
    timeout: f(32, "u64"),
    precision: f(40, "u64"),
    flags: f(48, "u16"),
    fd: f(16, "u32"),
  },
};

export const event = {
  size: 32,
  align: 8,
  fields: {
    userdata: f(0, "u64"),
    error: f(8, "u16"),
    type: f(10, "u8"),
    nbytes: f(16, "u64"),
    flags: f(24, "u16"),
  },
} as const;

// ---- encoders -------------------------------------------------------------------------------

export interface FilestatValue {
  dev: bigint;
  ino: bigint;
  filetype: number;
  nlink: bigint;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

function put(view: DataView, base: number, field: Field, value: number | bigint): void {
  const at = base + field.offset;
  switch (field.type) {
    case "u8":
      view.setUint8(at, Number(value));
      break;
    case "u16":
      view.setUint16(at, Number(value), true);
      break;
    case "u32":
      view.setUint32(at, Number(BigInt.asUintN(32, BigInt(value))), true);
      break;
    case "u64":
      view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
      break;
  }
}

function get(view: DataView, base: number, field: Field): number | bigint {
  const at = base + field.offset;
  switch (field.type) {
    case "u8":
      return view.getUint8(at);
    case "u16":
      return view.getUint16(at, true);
    case "u32":
      return view.getUint32(at, true);
    case "u64":
      return view.getBigUint64(at, true);
  }
}

/** Zero a struct's bytes (padding included) so that no stale guest data shows through. */
function clear(view: DataView, base: number, size: number): void {
  new Uint8Array(view.buffer, view.byteOffset + base, size).fill(0);
}

export function encodeFilestat(view: DataView, ptr: number, layout: Layout<FilestatField>, v: FilestatValue): void {
  clear(view, ptr, layout.size);
  const fl = layout.fields;
  put(view, ptr, fl.dev, v.dev);
  put(view, ptr, fl.ino, v.ino);
  put(view, ptr, fl.filetype, v.filetype);
  put(view, ptr, fl.nlink, v.nlink);
  put(view, ptr, fl.size, v.size);
  put(view, ptr, fl.atim, v.atim);
  put(view, ptr, fl.mtim, v.mtim);
  put(view, ptr, fl.ctim, v.ctim);
}

export interface FdstatValue {
  filetype: number;
  flags: number;
  rightsBase: bigint;
  rightsInheriting: bigint;
}

export function encodeFdstat(view: DataView, ptr: number, v: FdstatValue): void {
  clear(view, ptr, fdstat.size);
  const fl = fdstat.fields;
  put(view, ptr, fl.fs_filetype, v.filetype);
  put(view, ptr, fl.fs_flags, v.flags);
  put(view, ptr, fl.fs_rights_base, v.rightsBase);
  put(view, ptr, fl.fs_rights_inheriting, v.rightsInheriting);
}

export function encodePrestatDir(view: DataView, ptr: number, nameLength: number): void {
  clear(view, ptr, prestat.size);
  put(view, ptr, prestat.fields.tag, 0);
  put(view, ptr, prestat.fields.pr_name_len, nameLength);
}

export interface DirentValue {
  next: bigint;
  ino: bigint;
  namlen: number;
  type: number;
}

/** Encodes a dirent header into `out` (a scratch buffer of dirent.size bytes). */
export function encodeDirent(out: DataView, v: DirentValue): void {
  clear(out, 0, dirent.size);
  const fl = dirent.fields;
  put(out, 0, fl.d_next, v.next);
  put(out, 0, fl.d_ino, v.ino);
  put(out, 0, fl.d_namlen, v.namlen);
  put(out, 0, fl.d_type, v.type);
}

export interface SubscriptionValue {
  userdata: bigint;
  tag: number;
  clockId: number;
  timeout: bigint;
  precision: bigint;
  flags: number;
  fd: number;
}

export function decodeSubscription(view: DataView, ptr: number, layout: Layout<SubscriptionField>): SubscriptionValue {
  const fl = layout.fields;
  return {
    userdata: get(view, ptr, fl.userdata) as bigint,
    tag: get(view, ptr, fl.tag) as number,
    clockId: get(view, ptr, fl.clock_id) as number,
    timeout: get(view, ptr, fl.timeout) as bigint,
    precision: get(view, ptr, fl.precision) as bigint,
    flags: get(view, ptr, fl.flags) as number,
    fd: get(view, ptr, fl.fd) as number,
  };
}

export interface EventValue {
  userdata: bigint;
  error: number;
  type: number;
  nbytes: bigint;
  flags: number;
}

export function encodeEvent(view: DataView, ptr: number, v: EventValue): void {
  clear(view, ptr, event.size);
  const fl = event.fields;
  put(view, ptr, fl.userdata, v.userdata);
  put(view, ptr, fl.error, v.error);
  put(view, ptr, fl.type, v.type);
  put(view, ptr, fl.nbytes, v.nbytes);
  put(view, ptr, fl.flags, v.flags);
}
