// The floor: the same wasm program under the least WASI host one can write on node:fs — each
// import straight to the one node:fs call it needs, nothing else: no sandbox (paths are joined, not
// resolved), no rights, no checks of guest pointers, d_ino = 0, just enough of preview1 for the
// bench workloads. Not a usable host; a measure of what any host built on node:fs pays anyway
// (the wasm → JS → fs binding round trip and the system calls). bench/run.mjs --floor runs it as
// a fourth column; a target below a workload's floor ÷ node:wasi is out of reach for such a host.
//   node floor.mjs MODULE.wasm GUEST_DIR HOST_DIR [args...]     (as host.mjs; GUEST_DIR "" = none)
// Reports {compileMs, instantiateMs, startMs, startCpuMs, exitCode} on fd 3, like host.mjs.
import * as fs from "node:fs";

const [file, guestDir, hostDir, ...args] = process.argv.slice(2);
const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY } = fs.constants;

const ERRNO = { EBADF: 8, EEXIST: 20, EINVAL: 28, EIO: 29, EISDIR: 31, ENOENT: 44, ENOSYS: 52, ENOTDIR: 54, ENOTEMPTY: 55 };
const errno = (e) => ERRNO[e?.code] ?? ERRNO.EIO;
const FILETYPE = { chr: 2, dir: 3, file: 4 };
const enc = new TextEncoder();
const dec = new TextDecoder();

let memory;
let view;
let bytes;
const refresh = () => {
  if (bytes === undefined || bytes.byteLength === 0) {
    view = new DataView(memory.buffer);
    bytes = new Uint8Array(memory.buffer);
  }
};
const str = (ptr, len) => dec.decode(bytes.subarray(ptr, ptr + len));

// fd → { host (fd number) | undefined, path, dir, listing }
const fds = [{ host: 0 }, { host: 1 }, { host: 2 }];
if (guestDir) fds[3] = { path: hostDir, dir: true, name: enc.encode(guestDir) };
const argv = [file, ...args].map((a) => enc.encode(`${a}\0`));

class Exit {
  constructor(code) {
    this.code = code;
  }
}

const direntBytes = new Uint8Array(24);
const direntView = new DataView(direntBytes.buffer);

function writeFilestat(out, st) {
  const type = st.isDirectory() ? FILETYPE.dir : st.isFile() ? FILETYPE.file : 0;
  view.setBigUint64(out, st.dev, true);
  view.setBigUint64(out + 8, st.ino, true);
  view.setUint8(out + 16, type);
  view.setBigUint64(out + 24, st.nlink, true);
  view.setBigUint64(out + 32, st.size, true);
  view.setBigUint64(out + 40, st.atimeNs, true);
  view.setBigUint64(out + 48, st.mtimeNs, true);
  view.setBigUint64(out + 56, st.ctimeNs, true);
}

function rw(fdNum, iovs, count, out, position, write) {
  refresh();
  const fd = fds[fdNum];
  if (fd === undefined || fd.host === undefined) return ERRNO.EBADF;
  let done = 0;
  try {
    for (let i = 0; i < count; i++) {
      const buf = view.getUint32(iovs + 8 * i, true);
      const len = view.getUint32(iovs + 8 * i + 4, true);
      const at = position === null ? null : position + done;
      const n = write ? fs.writeSync(fd.host, bytes, buf, len, at) : fs.readSync(fd.host, bytes, buf, len, at);
      done += n;
      if (n < len) break;
    }
  } catch (e) {
    return errno(e);
  }
  view.setUint32(out, done, true);
  return 0;
}

const imports = {
  args_sizes_get(argc, size) {
    refresh();
    view.setUint32(argc, argv.length, true);
    view.setUint32(size, argv.reduce((n, a) => n + a.byteLength, 0), true);
    return 0;
  },
  args_get(ptrs, buf) {
    refresh();
    for (const [i, a] of argv.entries()) {
      view.setUint32(ptrs + 4 * i, buf, true);
      bytes.set(a, buf);
      buf += a.byteLength;
    }
    return 0;
  },
  environ_sizes_get(count, size) {
    refresh();
    view.setUint32(count, 0, true);
    view.setUint32(size, 0, true);
    return 0;
  },
  environ_get: () => 0,
  fd_prestat_get(fdNum, out) {
    refresh();
    const fd = fds[fdNum];
    if (fd?.name === undefined) return ERRNO.EBADF;
    view.setUint32(out, 0, true);
    view.setUint32(out + 4, fd.name.byteLength, true);
    return 0;
  },
  fd_prestat_dir_name(fdNum, ptr) {
    refresh();
    bytes.set(fds[fdNum].name, ptr);
    return 0;
  },
  fd_fdstat_get(fdNum, out) {
    refresh();
    const fd = fds[fdNum];
    if (fd === undefined) return ERRNO.EBADF;
    view.setUint8(out, fd.dir ? FILETYPE.dir : fdNum < 3 ? FILETYPE.chr : FILETYPE.file);
    view.setUint16(out + 2, 0, true);
    view.setBigUint64(out + 8, 0x1fffffffn, true);
    view.setBigUint64(out + 16, 0x1fffffffn, true);
    return 0;
  },
  path_open(dirFd, _dirflags, pathPtr, pathLen, oflags, rightsBase, _inheriting, _fdflags, out) {
    refresh();
    const path = `${fds[dirFd].path}/${str(pathPtr, pathLen)}`;
    try {
      if (oflags & 2) {
        if (!fs.statSync(path).isDirectory()) return ERRNO.ENOTDIR;
        fds.push({ path, dir: true });
      } else {
        const read = (rightsBase & 2n) !== 0n;
        const write = (rightsBase & 64n) !== 0n;
        let flags = write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY;
        if (oflags & 1) flags |= O_CREAT;
        if (oflags & 4) flags |= O_EXCL;
        if (oflags & 8) flags |= O_TRUNC;
        fds.push({ host: fs.openSync(path, flags, 0o666) });
      }
    } catch (e) {
      return errno(e);
    }
    view.setUint32(out, fds.length - 1, true);
    return 0;
  },
  fd_close(fdNum) {
    const fd = fds[fdNum];
    if (fd === undefined) return ERRNO.EBADF;
    if (fd.host !== undefined && fdNum > 2) fs.closeSync(fd.host);
    fds[fdNum] = undefined;
    while (fds.length > 4 && fds[fds.length - 1] === undefined) fds.pop();
    return 0;
  },
  fd_filestat_get(fdNum, out) {
    refresh();
    try {
      writeFilestat(out, fs.fstatSync(fds[fdNum].host, { bigint: true }));
    } catch (e) {
      return errno(e);
    }
    return 0;
  },
  path_filestat_get(dirFd, flags, pathPtr, pathLen, out) {
    refresh();
    const path = `${fds[dirFd].path}/${str(pathPtr, pathLen)}`;
    try {
      writeFilestat(out, flags & 1 ? fs.statSync(path, { bigint: true }) : fs.lstatSync(path, { bigint: true }));
    } catch (e) {
      return errno(e);
    }
    return 0;
  },
  fd_read: (fd, iovs, count, out) => rw(fd, iovs, count, out, null, false),
  fd_write: (fd, iovs, count, out) => rw(fd, iovs, count, out, null, true),
  fd_pread: (fd, iovs, count, offset, out) => rw(fd, iovs, count, out, Number(offset), false),
  fd_pwrite: (fd, iovs, count, offset, out) => rw(fd, iovs, count, out, Number(offset), true),
  fd_readdir(fdNum, buf, len, cookie, out) {
    refresh();
    const fd = fds[fdNum];
    fd.listing ??= fs.readdirSync(fd.path, { withFileTypes: true, encoding: "buffer" });
    let used = 0;
    for (let i = Number(cookie); i < fd.listing.length && used < len; i++) {
      const e = fd.listing[i];
      direntView.setBigUint64(0, BigInt(i + 1), true);
      direntView.setUint32(16, e.name.byteLength, true);
      direntView.setUint8(20, e.isDirectory() ? FILETYPE.dir : e.isFile() ? FILETYPE.file : 0);
      const h = Math.min(24, len - used);
      bytes.set(h === 24 ? direntBytes : direntBytes.subarray(0, h), buf + used);
      used += h;
      const n = Math.min(e.name.byteLength, len - used);
      bytes.set(e.name.subarray(0, n), buf + used);
      used += n;
    }
    view.setUint32(out, used, true);
    return 0;
  },
  path_create_directory(dirFd, pathPtr, pathLen) {
    refresh();
    try {
      fs.mkdirSync(`${fds[dirFd].path}/${str(pathPtr, pathLen)}`);
    } catch (e) {
      return errno(e);
    }
    return 0;
  },
  path_remove_directory(dirFd, pathPtr, pathLen) {
    refresh();
    try {
      fs.rmdirSync(`${fds[dirFd].path}/${str(pathPtr, pathLen)}`);
    } catch (e) {
      return errno(e);
    }
    return 0;
  },
  proc_exit(code) {
    throw new Exit(code);
  },
};

const t0 = performance.now();
const module = new WebAssembly.Module(fs.readFileSync(file));
const t1 = performance.now();
const provided = {};
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.kind === "function") provided[imp.name] = imports[imp.name] ?? (() => ERRNO.ENOSYS);
}
const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: provided });
memory = instance.exports.memory;
const t2 = performance.now();
const c2 = process.cpuUsage();
let exitCode = 0;
try {
  instance.exports._start();
} catch (e) {
  if (!(e instanceof Exit)) throw e;
  exitCode = e.code;
}
const c3 = process.cpuUsage(c2);
const t3 = performance.now();
const report = { compileMs: t1 - t0, instantiateMs: t2 - t1, startMs: t3 - t2, startCpuMs: (c3.user + c3.system) / 1000, exitCode };
try {
  fs.writeSync(3, `${JSON.stringify(report)}\n`);
} catch {
  process.stderr.write(`${JSON.stringify(report)}\n`);
}
process.exitCode = exitCode;
