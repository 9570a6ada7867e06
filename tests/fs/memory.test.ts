// MemoryFs against the disk: the same operations on the same tree, one on a temporary directory
// through node:fs, one in memory, must give the same outcome (success, or the same error code) and
// leave the same tree. Then what the disk cannot show side by side: inode numbers, link counts,
// times, descriptors, the memory bound, and a WASI instance whose preopen lives in memory.
import * as fs from "node:fs";
import t from "tap";
import type { FsBackend } from "../../src/fs/backend.js";
import { MemoryFs } from "../../src/fs/memory.js";
import { nodeBackend } from "../../src/fs/node.js";
import { WASI } from "../../src/index.js";
import { tempDir } from "../helpers/harness.js";
import { needsSymlinks } from "./util.js";

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND } = fs.constants;
const O_DIRECTORY = fs.constants.O_DIRECTORY ?? 0;
const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** The tree both sides start from. */
const TREE = {
  "/f": "file",
  "/d/inner": "x",
  "/empty/": {},
  "/sub/deeper/": {},
  "/lf": { symlink: "f" },
  "/ld": { symlink: "d" },
  "/dangling": { symlink: "nowhere" },
  "/loop1": { symlink: "loop2" },
  "/loop2": { symlink: "loop1" },
  "/up": { symlink: "sub/.." },
} as const;

type Op = (fs: FsBackend, root: string) => unknown;

/** One named operation per line; each runs on a fresh copy of TREE. */
const OPS: Record<string, Op> = {};
const paths = ["f", "d", "empty", "lf", "ld", "dangling", "loop1", "missing", "f/", "d/", "lf/", "ld/", "dangling/", "f/x", "missing/x", "d/.", "d/..", "up", "up/f"];
for (const p of paths) {
  OPS[`lstat ${p}`] = (b, r) => b.lstat(`${r}/${p}`).isDirectory();
  OPS[`stat ${p}`] = (b, r) => b.stat(`${r}/${p}`).isDirectory();
  OPS[`readlink ${p}`] = (b, r) => b.readlink(`${r}/${p}`).toString();
  OPS[`mkdir ${p}`] = (b, r) => b.mkdir(`${r}/${p}`);
  OPS[`rmdir ${p}`] = (b, r) => b.rmdir(`${r}/${p}`);
  OPS[`unlink ${p}`] = (b, r) => b.unlink(`${r}/${p}`);
  OPS[`symlink ${p}`] = (b, r) => b.symlink("t", `${r}/${p}`);
  OPS[`link f ${p}`] = (b, r) => b.link(`${r}/f`, `${r}/${p}`);
  OPS[`link ${p} new`] = (b, r) => b.link(`${r}/${p}`, `${r}/new`);
  OPS[`readdir ${p}`] = (b, r) => b.readdir(`${r}/${p}`).map((e) => e.name.toString()).sort();
  const flagSets: Record<string, number> = {
    RDONLY: O_RDONLY, WRONLY: O_WRONLY, RDWR: O_RDWR, "RDONLY|TRUNC": O_RDONLY | O_TRUNC, "CREAT|WRONLY": O_CREAT | O_WRONLY,
    "CREAT|EXCL|WRONLY": O_CREAT | O_EXCL | O_WRONLY, "CREAT|RDONLY": O_CREAT, "DIRECTORY": O_DIRECTORY,
    "NOFOLLOW": O_NOFOLLOW, "DIRECTORY|NOFOLLOW": O_DIRECTORY | O_NOFOLLOW, "CREAT|DIRECTORY": O_CREAT | O_DIRECTORY,
    "TRUNC|WRONLY": O_TRUNC | O_WRONLY, "APPEND|WRONLY": O_APPEND | O_WRONLY,
  };
  for (const [name, flags] of Object.entries(flagSets)) {
    OPS[`open ${p} ${name}`] = (b, r) => {
      const fd = b.open(`${r}/${p}`, flags, 0o644);
      try {
        return b.fstat(fd).isDirectory();
      } finally {
        b.close(fd);
      }
    };
  }
}
for (const from of ["f", "d", "empty", "lf", "dangling", "missing", "f/", "d/", "sub", "sub/deeper"]) {
  for (const to of ["f2", "f", "d", "empty", "lf", "d/inner", "empty/x", "sub/deeper/x", "sub/x", "f/", "new/", "d/.", "missing/x", "sub/deeper"]) {
    OPS[`rename ${from} ${to}`] = (b, r) => b.rename(`${r}/${from}`, `${r}/${to}`);
  }
}
OPS["write, read back, truncate, append"] = (b, r) => {
  const fd = b.open(`${r}/f`, O_RDWR);
  const out: unknown[] = [];
  try {
    out.push(b.write(fd, Buffer.from("hello world"), 0, 11, null));
    out.push(b.write(fd, Buffer.from("!"), 0, 1, 20));
    const buf = Buffer.alloc(32);
    out.push(b.read(fd, buf, 0, 32, 0), buf.toString("hex"));
    out.push(b.read(fd, buf, 0, 32, null));
    b.ftruncate(fd, 3);
    out.push(b.fstat(fd).size);
    b.ftruncate(fd, 8);
    out.push(b.readv(fd, [Buffer.alloc(2), Buffer.alloc(10)], 0));
    out.push(b.writev(fd, [Buffer.from("ab"), Buffer.from("cd")], 1), b.fstat(fd).size);
  } finally {
    b.close(fd);
  }
  const ro = b.open(`${r}/f`, O_RDONLY);
  try {
    out.push(attempt(() => b.write(ro, Buffer.from("x"), 0, 1, null)));
    out.push(attempt(() => b.ftruncate(ro, 0)));
  } finally {
    b.close(ro);
  }
  const ap = b.open(`${r}/f`, O_WRONLY | O_APPEND);
  try {
    out.push(b.write(ap, Buffer.from("Z"), 0, 1, 0), b.fstat(ap).size);
    out.push(attempt(() => b.read(ap, Buffer.alloc(1), 0, 1, 0)));
  } finally {
    b.close(ap);
  }
  const dir = b.open(`${r}/d`, O_RDONLY | O_DIRECTORY);
  try {
    out.push(attempt(() => b.read(dir, Buffer.alloc(1), 0, 1, 0)));
  } finally {
    b.close(dir);
  }
  out.push(attempt(() => b.close(dir)), attempt(() => b.fstat(dir)));
  return out;
};
OPS["link counts and an unlinked file still open"] = (b, r) => {
  b.link(`${r}/f`, `${r}/f2`);
  const counts = [b.lstat(`${r}/f`).nlink, b.lstat(`${r}/d`).nlink, b.lstat(`${r}/sub`).nlink];
  const fd = b.open(`${r}/f`, O_RDWR);
  b.unlink(`${r}/f`);
  b.unlink(`${r}/f2`);
  b.write(fd, Buffer.from("still"), 0, 5, 0);
  counts.push(b.fstat(fd).nlink, b.fstat(fd).size);
  b.close(fd);
  b.mkdir(`${r}/d/newsub`);
  counts.push(b.lstat(`${r}/d`).nlink);
  b.rename(`${r}/d/newsub`, `${r}/empty/moved`);
  counts.push(b.lstat(`${r}/d`).nlink, b.lstat(`${r}/empty`).nlink, b.lstat(`${r}/lf`).size);
  return counts;
};
OPS["realpath through links"] = (b, r) => [b.realpath(`${r}/ld/inner`).slice(r.length), b.realpath(`${r}/up/lf`).slice(r.length), attempt(() => b.realpath(`${r}/dangling`))];
OPS["opendir streams what is added and skips what is removed"] = (b, r) => {
  const stream = b.opendir(`${r}/sub`);
  const names: string[] = [];
  try {
    b.mkdir(`${r}/sub/added`);
    for (let e = stream.read(); e !== null; e = stream.read()) names.push(e.name.toString());
  } finally {
    stream.close();
  }
  return names.sort();
};

function attempt(op: () => unknown): unknown {
  try {
    return op();
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

/** Makes TREE on disk below `root`. */
function makeOnDisk(root: string): void {
  for (const [path, entry] of Object.entries(TREE)) {
    const at = `${root}${path}`;
    if (path.endsWith("/")) fs.mkdirSync(at, { recursive: true });
    else if (typeof entry === "string") {
      fs.mkdirSync(at.slice(0, at.lastIndexOf("/")), { recursive: true });
      fs.writeFileSync(at, entry);
    } else fs.symlinkSync(entry.symlink, at);
  }
}

/** The tree below `root` as a comparable listing: path → type, size, link text. */
function snapshot(b: FsBackend, root: string, dir = ""): string[] {
  const out: string[] = [];
  for (const e of b.readdir(`${root}${dir}`)) {
    const path = `${dir}/${e.name.toString()}`;
    const st = b.lstat(`${root}${path}`);
    if (st.isDirectory()) out.push(`${path}/`, ...snapshot(b, root, path));
    else if (st.isSymbolicLink()) out.push(`${path} -> ${b.readlink(`${root}${path}`).toString()}`);
    else out.push(`${path} ${st.size}`);
  }
  return out.sort();
}

t.test("every operation gives the disk's outcome and leaves the disk's tree", { skip: needsSymlinks || process.platform !== "linux" && "the reference is Linux's answers" }, async (t) => {
  const base = tempDir();
  let n = 0;
  const differences: string[] = [];
  for (const [name, op] of Object.entries(OPS)) {
    const disk = `${base}/${n++}`;
    makeOnDisk(disk);
    const memory = new MemoryFs(Object.fromEntries(Object.entries(TREE).map(([path, entry]) => [`/m${path}`, entry])));
    const onDisk = JSON.stringify(attempt(() => op(nodeBackend, disk)), (_, v) => (typeof v === "bigint" ? String(v) : v));
    const inMemory = JSON.stringify(attempt(() => op(memory, "/m")), (_, v) => (typeof v === "bigint" ? String(v) : v));
    if (onDisk !== inMemory) differences.push(`${name}: disk ${onDisk}, memory ${inMemory}`);
    const treeOnDisk = snapshot(nodeBackend, disk).join(", ");
    const treeInMemory = snapshot(memory, "/m").join(", ");
    if (treeOnDisk !== treeInMemory) differences.push(`${name}: tree on disk [${treeOnDisk}], in memory [${treeInMemory}]`);
    fs.rmSync(disk, { recursive: true, force: true });
  }
  t.same(differences, [], `${Object.keys(OPS).length} operations`);
});

t.test("inode numbers, times in ns, hard links share an inode", async (t) => {
  let clock = 1_000_000_000_123n;
  const memory = new MemoryFs({ "/a": "x" }, { now: () => clock });
  const a = memory.lstat("/a");
  t.equal(a.mtimeNs, 1_000_000_000_123n, "times from the clock given, in ns");
  clock += 5n;
  memory.link("/a", "/b");
  const b = memory.lstat("/b");
  t.equal(b.ino, a.ino, "a hard link is the same inode");
  t.equal(b.nlink, 2n);
  t.equal(b.ctimeNs, clock, "linking changes ctime");
  memory.symlink("a", "/c");
  t.not(memory.lstat("/c").ino, a.ino, "a symlink is its own inode");
  memory.utimes("/a", 1.5, 2.25);
  t.equal(memory.stat("/c").atimeNs, 1_500_000_000n, "utimes follows a link; seconds become ns");
  t.equal(memory.stat("/c").mtimeNs, 2_250_000_000n);
});

t.test("descriptors are its own and closing twice is EBADF", async (t) => {
  const memory = new MemoryFs({ "/a": "x" });
  const fd = memory.open("/a", O_RDONLY);
  t.equal(fd, 3, "the lowest free number from 3");
  t.equal(memory.openCount, 1);
  memory.close(fd);
  t.equal(memory.openCount, 0);
  t.throws(() => memory.close(fd), { code: "EBADF" });
});

t.test("memory is bounded: past maxBytes, ENOSPC, and removing gives it back", async (t) => {
  const memory = new MemoryFs({}, { maxBytes: 64 * 1024 });
  const fd = memory.open("/big", O_CREAT | O_WRONLY);
  t.throws(() => memory.write(fd, new Uint8Array(128 * 1024), 0, 128 * 1024, 0), { code: "ENOSPC" });
  memory.ftruncate(fd, 2 ** 40);
  t.equal(memory.fstat(fd).size, 2n ** 40n, "a sparse size costs nothing");
  t.equal(memory.write(fd, new Uint8Array(32 * 1024), 0, 32 * 1024, 0), 32 * 1024);
  memory.close(fd);
  memory.unlink("/big");
  const again = memory.open("/again", O_CREAT | O_WRONLY);
  t.equal(memory.write(again, new Uint8Array(48 * 1024), 0, 48 * 1024, 0), 48 * 1024, "the removed file's room is free again");
});

t.test("a WASI preopen in memory: no host path is looked up", async (t) => {
  const memory = new MemoryFs({ "/data/in.txt": "hello" });
  // /data does not exist on the host: the preopen must be found in memory.
  t.notOk(fs.existsSync("/data/in.txt"));
  const wasi = new WASI({ fs: memory, preopens: { "/sandbox": "/data" } });
  t.teardown(() => wasi.close());
  t.equal(memory.openCount, 1, "the preopen is a descriptor of the memory file system");
  t.same(memory.toTree(), { "/data/": {}, "/data/in.txt": Buffer.from("hello") });
  t.throws(() => new WASI({ fs: memory, preopens: { "/x": "/data/in.txt" } }), /not a directory/);
  t.throws(() => new WASI({ fs: memory, preopens: { "/x": "/nope" } }), /ENOENT/);
});

t.test("trees given are checked", async (t) => {
  t.throws(() => new MemoryFs({ "relative": "x" }), TypeError);
  t.throws(() => new MemoryFs({ "/a/../b": "x" }), TypeError);
  t.throws(() => new MemoryFs({ "/a": 5 as never }), TypeError);
  t.throws(() => new MemoryFs({ "/a": "x", "/a/b": "y" }), TypeError);
  t.same(new MemoryFs({ "/a/b/": {}, "/l": { symlink: "a" } }).toTree(), { "/a/": {}, "/a/b/": {}, "/l": { symlink: "a" } });
});
