// path_open: success paths (checked on the host and in guest memory) and every error class, with the
// seed regression first.
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { ALL_RIGHTS, E, FD, FT, MEM_SIZE, O, P1, OUT, R, hostSymlink, needsSymlinks, oneOf, sandbox, tree, trackingBackend, type Sandbox } from "./util.js";

const FILE_CONTENT = "hello, file";

function box(extra: Parameters<typeof sandbox>[0] = {}): Sandbox {
  const s = sandbox({ files: { "file": FILE_CONTENT, "sub/": null, "sub/inner.txt": "inner" }, ...extra });
  hostSymlink("sub", path.join(s.dir, "link-to-sub"));
  hostSymlink("file", path.join(s.dir, "link-to-file"));
  return s;
}

t.test("path_open O_TRUNC on a directory gives EISDIR", async (t) => {
  const s = box();
  const sub = path.join(s.dir, "sub");
  fs.utimesSync(sub, 1_500_000_000, 1_500_000_000);
  fs.utimesSync(s.dir, 1_500_000_000, 1_500_000_000);
  const before = tree(s.dir);
  const dirBefore = fs.statSync(s.dir, { bigint: true });
  const WRITE = R.FD_READ | R.FD_WRITE;

  t.equal(s.open("sub", { follow: false, oflags: O.TRUNC }).errno, E.ISDIR, "directly, without LOOKUP_SYMLINK_FOLLOW");
  t.equal(s.open("sub", { follow: true, oflags: O.TRUNC }).errno, E.ISDIR, "directly, with LOOKUP_SYMLINK_FOLLOW");
  t.equal(s.open("sub/", { oflags: O.TRUNC }).errno, E.ISDIR, "with a trailing slash");
  t.equal(s.open(".", { oflags: O.TRUNC }).errno, E.ISDIR, "on '.'");
  t.equal(s.open("./", { oflags: O.TRUNC }).errno, E.ISDIR, "on './'");
  t.equal(s.open("sub/..", { oflags: O.TRUNC }).errno, E.ISDIR, "on the preopen itself via sub/..");
  const subFd = s.openOk("sub", { oflags: O.DIRECTORY });
  t.equal(s.open(".", { fd: subFd, oflags: O.TRUNC }).errno, E.ISDIR, "on '.' of a directory fd");
  t.equal(s.open("sub", { oflags: O.CREAT | O.TRUNC }).errno, E.ISDIR, "with O_CREAT|O_TRUNC");
  t.equal(s.open(".", { oflags: O.CREAT | O.TRUNC }).errno, E.ISDIR, "'.' with O_CREAT|O_TRUNC");
  oneOf(t, s.open("sub", { oflags: O.DIRECTORY | O.TRUNC }).errno, [E.ISDIR, E.INVAL], "with O_DIRECTORY|O_TRUNC");
  t.equal(s.open("sub", { oflags: O.TRUNC, base: WRITE }).errno, E.ISDIR, "with O_TRUNC and write rights");
  t.equal(s.open("sub", { base: WRITE }).errno, E.ISDIR, "write rights alone");
  t.equal(s.open("sub", { base: R.FD_WRITE }).errno, E.ISDIR, "FD_WRITE alone");
  t.equal(s.open(".", { oflags: O.DIRECTORY, base: WRITE }).errno, E.ISDIR, "'.' with O_DIRECTORY and READ|WRITE");
  t.equal(s.open("sub", { base: R.FD_READ, fdflags: FD.APPEND }).errno, E.ISDIR, "APPEND on a directory");
  t.equal(s.open(".", { base: 0n, fdflags: FD.APPEND }).errno, E.ISDIR, "APPEND on '.'");

  t.same(tree(s.dir), before, "the directory tree is unchanged (names, contents, mtimes)");
  t.equal(fs.statSync(s.dir, { bigint: true }).mtimeNs, dirBefore.mtimeNs, "the preopen's mtime is unchanged");
  t.equal(s.open("file").fd, subFd + 1, "no descriptor was allocated by the failed opens");
  t.equal(s.close(subFd), E.SUCCESS);
});

t.test("path_open O_TRUNC on a directory gives EISDIR, through a symlink to it", { skip: needsSymlinks }, async (t) => {
  const s = box();
  const before = tree(s.dir);
  t.equal(s.open("link-to-sub", { follow: true, oflags: O.TRUNC }).errno, E.ISDIR, "through a symlink to the directory");
  t.equal(s.open("link-to-sub/", { follow: false, oflags: O.TRUNC }).errno, E.ISDIR, "through a symlink with a trailing slash");
  t.equal(s.open("link-to-sub", { follow: false, oflags: O.TRUNC }).errno, E.LOOP, "a symlink not followed is ELOOP (O_NOFOLLOW)");
  t.equal(s.open("link-to-sub", { oflags: O.CREAT | O.TRUNC }).errno, E.ISDIR, "O_CREAT|O_TRUNC through the symlink");
  t.equal(s.open("link-to-sub", { base: R.FD_READ | R.FD_WRITE }).errno, E.ISDIR, "write rights through a symlink");
  t.equal(s.open("link-to-sub", { base: R.FD_READ, fdflags: FD.APPEND }).errno, E.ISDIR, "APPEND through a symlink");
  t.same(tree(s.dir), before, "the directory tree is unchanged");
});

t.test("O_TRUNC on a directory never reaches the host open (a Windows-like host would answer EEXIST or succeed)", async (t) => {
  const { backend } = trackingBackend();
  const opened: string[] = [];
  const s = box({
    fs: {
      ...backend,
      open(p, flags, mode) {
        const { O_TRUNC, O_WRONLY, O_RDWR } = fs.constants;
        const isDir = fs.statSync(p).isDirectory();
        // Only the preopen's own read-only open of its directory may reach the host.
        if (isDir && flags & (O_TRUNC | O_WRONLY | O_RDWR)) opened.push(p);
        // Windows Node.js: O_TRUNC on a directory is EEXIST, and O_WRONLY on one succeeds.
        if (isDir && flags & O_TRUNC) throw Object.assign(new Error("EEXIST"), { code: "EEXIST" });
        return backend.open(p, flags, mode);
      },
    },
  });
  t.equal(s.open("sub", { oflags: O.TRUNC }).errno, E.ISDIR);
  t.equal(s.open(".", { oflags: O.TRUNC, base: R.FD_WRITE }).errno, E.ISDIR);
  t.equal(s.open("sub/..", { oflags: O.CREAT | O.TRUNC }).errno, E.ISDIR);
  t.equal(s.open("sub", { fdflags: FD.APPEND }).errno, E.ISDIR);
  t.same(opened, [], "the host was never asked to open a directory for writing or truncation");
});

t.test("opening an existing file: fd, rights, content", async (t) => {
  const s = box();
  const r = s.open("file", { base: R.FD_READ | R.FD_SEEK | R.FD_TELL, inheriting: 0n });
  t.equal(r.errno, E.SUCCESS);
  t.equal(r.fd, 4, "the first free descriptor after the preopen");
  const st = s.fdstat(r.fd);
  t.equal(st.filetype, FT.REGULAR_FILE);
  t.equal(st.flags, 0);
  t.equal(st.base & R.FD_READ, R.FD_READ);
  t.equal(st.base & R.FD_WRITE, 0n, "write was not asked for");
  t.equal(st.base & R.PATH_OPEN, 0n, "a file never has directory rights");
  t.equal(s.read(r.fd, 100).text, FILE_CONTENT);
  t.equal(s.write(r.fd, "x").errno, E.NOTCAPABLE, "no FD_WRITE");
  t.equal(fs.readFileSync(path.join(s.dir, "file"), "utf8"), FILE_CONTENT);
});

t.test("requested rights are limited by the directory's inheriting rights", async (t) => {
  const s = box();
  const pre = s.fdstat(3);
  t.equal(s.setRights(3, pre.base, pre.inheriting & ~R.FD_WRITE), E.SUCCESS);
  const fd = s.openOk("file", { base: R.FD_READ | R.FD_WRITE });
  t.equal(s.fdstat(fd).base & R.FD_WRITE, 0n);
  t.equal(s.write(fd, "nope").errno, E.NOTCAPABLE);
  t.equal(fs.readFileSync(path.join(s.dir, "file"), "utf8"), FILE_CONTENT);
});

t.test("O_CREAT creates, O_EXCL refuses what exists, O_TRUNC empties a file", async (t) => {
  const s = box();
  const created = s.open("new.txt", { oflags: O.CREAT, base: R.FD_READ | R.FD_WRITE });
  t.equal(created.errno, E.SUCCESS);
  t.ok(fs.statSync(path.join(s.dir, "new.txt")).isFile(), "created on the host");
  t.equal(fs.statSync(path.join(s.dir, "new.txt")).size, 0);
  t.equal(s.write(created.fd, "abc").n, 3);
  t.equal(fs.readFileSync(path.join(s.dir, "new.txt"), "utf8"), "abc");

  t.equal(s.open("file", { oflags: O.CREAT, base: R.FD_READ }).errno, E.SUCCESS, "O_CREAT on an existing file opens it");
  t.equal(fs.readFileSync(path.join(s.dir, "file"), "utf8"), FILE_CONTENT, "…without changing it");
  t.equal(s.open("file", { oflags: O.CREAT | O.EXCL }).errno, E.EXIST);
  t.equal(s.open("sub", { oflags: O.CREAT | O.EXCL }).errno, E.EXIST);

  const trunc = s.open("file", { oflags: O.TRUNC, base: R.FD_READ | R.FD_WRITE });
  t.equal(trunc.errno, E.SUCCESS);
  t.equal(fs.statSync(path.join(s.dir, "file")).size, 0, "truncated on the host");
  t.equal(s.read(trunc.fd, 10).n, 0);
  fs.writeFileSync(path.join(s.dir, "file2"), "data");
  t.equal(s.open("file2", { oflags: O.CREAT | O.TRUNC, base: R.FD_WRITE }).errno, E.SUCCESS);
  t.equal(fs.readFileSync(path.join(s.dir, "file2"), "utf8"), "", "O_CREAT|O_TRUNC truncates an existing file");
});

t.test("symlinks: followed when asked, ELOOP when not, a dangling one created through", { skip: needsSymlinks }, async (t) => {
  const s = box();
  t.equal(s.open("link-to-file", { oflags: O.CREAT | O.EXCL }).errno, E.EXIST, "O_CREAT|O_EXCL: a symlink exists");
  fs.symlinkSync("nowhere", path.join(s.dir, "dangling-excl"));
  t.equal(s.open("dangling-excl", { oflags: O.CREAT | O.EXCL }).errno, E.EXIST, "a dangling symlink exists too");
  t.notOk(fs.existsSync(path.join(s.dir, "nowhere")), "O_EXCL never follows a link");
  const fd = s.openOk("link-to-file", { base: R.FD_READ });
  t.equal(s.read(fd, 100).text, FILE_CONTENT);
  t.equal(s.open("link-to-file", { follow: false, base: R.FD_READ }).errno, E.LOOP);
  oneOf(t, s.open("link-to-file", { follow: false, oflags: O.DIRECTORY }).errno, [E.NOTDIR, E.LOOP], "nofollow + O_DIRECTORY on a link");
  t.equal(s.open("link-to-file", { oflags: O.DIRECTORY }).errno, E.NOTDIR, "a followed link to a file is not a directory");
  const dfd = s.openOk("link-to-sub", { oflags: O.DIRECTORY });
  t.equal(s.fdstat(dfd).filetype, FT.DIRECTORY);
  t.equal(s.read(s.openOk("inner.txt", { fd: dfd }), 100).text, "inner", "the directory fd opened through a link works");
  t.equal(s.open("link-to-sub/inner.txt", { follow: false }).errno, E.SUCCESS, "links in the middle are always followed");

  fs.symlinkSync("sub/made-through-link", path.join(s.dir, "dangling"));
  t.equal(s.open("dangling", { follow: false, oflags: O.CREAT }).errno, E.LOOP, "O_CREAT on a link not followed");
  t.notOk(fs.existsSync(path.join(s.dir, "sub/made-through-link")));
  t.equal(s.open("dangling", { follow: true, oflags: O.CREAT, base: R.FD_WRITE }).errno, E.SUCCESS);
  t.ok(fs.statSync(path.join(s.dir, "sub/made-through-link")).isFile(), "O_CREAT through a dangling link creates its target");

  fs.symlinkSync("self", path.join(s.dir, "self"));
  t.equal(s.open("self").errno, E.LOOP);
  t.equal(s.open("self", { follow: false }).errno, E.LOOP);
  t.equal(s.open("self/x").errno, E.LOOP);
  t.equal(s.open("self", { oflags: O.CREAT }).errno, E.LOOP);
});

t.test("directories: O_DIRECTORY, trailing slashes, '..' confined to the dirfd", async (t) => {
  const s = box();
  const d = s.open("sub", { oflags: O.DIRECTORY, base: R.FD_READDIR | R.PATH_OPEN | R.FD_SEEK });
  t.equal(d.errno, E.SUCCESS);
  const st = s.fdstat(d.fd);
  t.equal(st.filetype, FT.DIRECTORY);
  t.equal(st.base & R.FD_SEEK, 0n, "a directory never has FD_SEEK");
  t.equal(st.flags, 0);
  t.equal(s.open("sub/", { base: 0n }).errno, E.SUCCESS, "a directory with a trailing slash");
  t.equal(s.open("sub///", { base: 0n }).errno, E.SUCCESS, "…and several");
  t.equal(s.open("sub", { base: 0n, inheriting: 0n }).errno, E.SUCCESS, "rights 0");
  t.equal(s.open("sub", { fdflags: FD.NONBLOCK, base: 0n }).errno, E.SUCCESS, "NONBLOCK");
  t.equal(s.open("file", { oflags: O.DIRECTORY }).errno, E.NOTDIR);
  t.equal(s.open("file/").errno, E.NOTDIR);
  t.equal(s.open("file///").errno, E.NOTDIR);
  t.equal(s.open("file/x").errno, E.NOTDIR);
  t.equal(s.open("file/x", { oflags: O.CREAT }).errno, E.NOTDIR);
  t.equal(s.open("newfile/", { oflags: O.CREAT }).errno, E.ISDIR, "O_CREAT of 'name/' (Linux EISDIR)");
  t.notOk(fs.existsSync(path.join(s.dir, "newfile")));
  oneOf(t, s.open("../file", { fd: d.fd }).errno, [E.PERM, E.NOTCAPABLE], "'..' past the dirfd, though inside the preopen");
  oneOf(t, s.open("inner.txt/../../file", { fd: d.fd }).errno, [E.NOTDIR, E.PERM, E.NOTCAPABLE], "through a file");
  t.equal(s.open("sub/./../sub/inner.txt").errno, E.SUCCESS);
});

t.test("ENOENT", async (t) => {
  const s = box();
  t.equal(s.open("missing").errno, E.NOENT);
  t.equal(s.open("missing/x").errno, E.NOENT);
  t.equal(s.open("missing/x", { oflags: O.CREAT }).errno, E.NOENT, "O_CREAT needs the parent");
  t.equal(s.open("").errno, E.NOENT, "the empty path");
  t.equal(s.open("missing", { oflags: O.DIRECTORY }).errno, E.NOENT);
  t.notOk(fs.existsSync(path.join(s.dir, "missing")));
});

t.test("EBADF and ENOTDIR for the directory fd", async (t) => {
  const s = box();
  t.equal(s.open("file", { fd: 99 }).errno, E.BADF);
  t.equal(s.open("file", { fd: 0xffff8597 }).errno, E.BADF);
  const fd = s.openOk("file");
  t.equal(s.close(fd), E.SUCCESS);
  t.equal(s.open("file", { fd }).errno, E.BADF, "a closed fd");
  const file = s.openOk("file");
  t.equal(s.open("x", { fd: file, oflags: O.CREAT }).errno, E.NOTDIR, "a file as the directory (POSIX openat: ENOTDIR)");
  t.equal(s.open("x", { fd: 1 }).errno, E.NOTDIR, "stdout as the directory");
  t.notOk(fs.existsSync(path.join(s.dir, "x")));
});

t.test("ENOTCAPABLE: each right path_open needs", async (t) => {
  const s = box();
  t.equal(s.drop(3, R.PATH_CREATE_FILE), E.SUCCESS);
  t.equal(s.open("created", { oflags: O.CREAT }).errno, E.NOTCAPABLE, "O_CREAT without PATH_CREATE_FILE");
  t.equal(s.open("file", { oflags: O.CREAT }).errno, E.NOTCAPABLE, "…even when the file exists");
  t.notOk(fs.existsSync(path.join(s.dir, "created")));
  t.equal(s.open("file").errno, E.SUCCESS, "a plain open still works");

  t.equal(s.drop(3, R.PATH_FILESTAT_SET_SIZE), E.SUCCESS);
  t.equal(s.open("file", { oflags: O.TRUNC, base: R.FD_WRITE }).errno, E.NOTCAPABLE, "O_TRUNC without PATH_FILESTAT_SET_SIZE");
  t.equal(fs.readFileSync(path.join(s.dir, "file"), "utf8"), FILE_CONTENT, "not truncated");

  t.equal(s.drop(3, R.PATH_OPEN), E.SUCCESS);
  t.equal(s.open("file").errno, E.NOTCAPABLE, "no PATH_OPEN");
  t.equal(s.open("sub", { oflags: O.DIRECTORY }).errno, E.NOTCAPABLE);
  t.equal(s.setRights(3, ALL_RIGHTS, ALL_RIGHTS), E.NOTCAPABLE, "rights never grow back");
});

t.test("EINVAL for unknown flags", async (t) => {
  const s = box();
  t.equal(s.open("file", { oflags: 16 }).errno, E.INVAL, "oflags bit 4");
  t.equal(s.open("file", { fdflags: 32 }).errno, E.INVAL, "fdflags bit 5");
  const [ptr, len] = s.h.path(P1, "file");
  t.equal(s.h.call("path_open", 3, 2, ptr, len, 0, ALL_RIGHTS, ALL_RIGHTS, 0, OUT), E.INVAL, "lookupflags bit 1");
  t.equal(s.h.call("path_open", 3, 0, ptr, len, 0x10000, ALL_RIGHTS, ALL_RIGHTS, 0, OUT), E.INVAL, "oflags past u16");
});

t.test("EFAULT: the path or the fd out-pointer outside memory; nothing is created", async (t) => {
  const s = box();
  const [ptr, len] = s.h.path(P1, "created");
  t.equal(s.h.call("path_open", 3, 1, MEM_SIZE - 2, 10, O.CREAT, ALL_RIGHTS, ALL_RIGHTS, 0, OUT), E.FAULT, "path runs past the end");
  t.equal(s.h.call("path_open", 3, 1, 0xfffffff0, 0x20, O.CREAT, ALL_RIGHTS, ALL_RIGHTS, 0, OUT), E.FAULT, "path wraps around");
  t.equal(s.h.call("path_open", 3, 1, ptr, len, O.CREAT, ALL_RIGHTS, ALL_RIGHTS, 0, MEM_SIZE - 2), E.FAULT, "fd out-pointer");
  t.equal(s.h.call("path_open", 3, 1, ptr, len, O.CREAT, ALL_RIGHTS, ALL_RIGHTS, 0, MEM_SIZE), E.FAULT, "fd out-pointer at the end");
  t.notOk(fs.existsSync(path.join(s.dir, "created")), "the file was not created");
  t.equal(s.open("file").fd, 4, "no descriptor leaked");
});

t.test("EILSEQ: paths that are not UTF-8", async (t) => {
  const s = box();
  const before = fs.readdirSync(s.dir).sort();
  t.equal(s.open(new Uint8Array([0x66, 0xff]), { oflags: O.CREAT }).errno, E.ILSEQ, "0xff");
  t.equal(s.open(new Uint8Array([0x66, 0xc3]), { oflags: O.CREAT }).errno, E.ILSEQ, "truncated sequence");
  t.equal(s.open(new Uint8Array([0xed, 0xa0, 0x80]), { oflags: O.CREAT }).errno, E.ILSEQ, "an encoded surrogate");
  t.equal(s.open(new Uint8Array([0xc0, 0xaf]), { oflags: O.CREAT }).errno, E.ILSEQ, "an overlong '/'");
  oneOf(t, s.open("file\0", {}).errno, [E.ILSEQ, E.INVAL], "a NUL inside the path");
  oneOf(t, s.open("new\0x", { oflags: O.CREAT }).errno, [E.ILSEQ, E.INVAL], "a NUL before more bytes");
  t.same(fs.readdirSync(s.dir).sort(), before, "nothing was created");
});

t.test("ENAMETOOLONG: a 256-byte component; 255 bytes is fine", async (t) => {
  const s = box();
  t.equal(s.open("x".repeat(256), { oflags: O.CREAT }).errno, E.NAMETOOLONG);
  t.equal(s.open(`sub/${"x".repeat(256)}`).errno, E.NAMETOOLONG);
  t.equal(s.open("ü".repeat(128), { oflags: O.CREAT }).errno, E.NAMETOOLONG, "256 bytes of UTF-8");
  t.equal(s.open("sub/".repeat(1100) + "f").errno, E.NAMETOOLONG, "a path over 4096 bytes");
  t.equal(s.open("x".repeat(255), { oflags: O.CREAT }).errno, E.SUCCESS);
  t.ok(fs.existsSync(path.join(s.dir, "x".repeat(255))));
  t.notOk(fs.existsSync(path.join(s.dir, "x".repeat(256))));
});

t.test("non-ASCII names reach the host as the same UTF-8 bytes", async (t) => {
  const s = box();
  const name = "héllo-✓-日本-🙂.txt";
  const fd = s.openOk(name, { oflags: O.CREAT, base: R.FD_WRITE });
  t.equal(s.write(fd, "ü").n, 2);
  t.ok(fs.readdirSync(s.dir, { encoding: "buffer" }).some((b) => b.equals(Buffer.from(name))));
  t.equal(fs.readFileSync(path.join(s.dir, name), "utf8"), "ü");
  t.equal(s.open(name.normalize("NFD")).errno, E.NOENT, "no normalisation: NFD is another name");
});

t.test("fdflags: APPEND is reported, SYNC/DSYNC are accepted or refused with NOTSUP", async (t) => {
  const s = box();
  const a = s.openOk("file", { base: R.FD_WRITE | R.FD_READ, fdflags: FD.APPEND });
  t.equal(s.fdstat(a).flags & FD.APPEND, FD.APPEND);
  for (const flag of [FD.SYNC, FD.DSYNC, FD.RSYNC]) {
    const r = s.open("file", { base: R.FD_WRITE | R.FD_READ, fdflags: flag });
    if (r.errno === E.SUCCESS) t.equal(s.fdstat(r.fd).flags & flag, flag, `flag ${flag} reported`);
    else t.equal(r.errno, E.NOTSUP, `flag ${flag}`);
  }
});

t.test("a directory opened from a directory fd resolves from there", async (t) => {
  const s = box();
  const d = s.openOk("sub", { oflags: O.DIRECTORY });
  const st = s.fdstat(d);
  t.equal(st.base & R.PATH_OPEN, R.PATH_OPEN);
  const f = s.openOk("created-in-sub", { fd: d, oflags: O.CREAT, base: R.FD_WRITE });
  t.equal(s.write(f, "z").n, 1);
  t.equal(fs.readFileSync(path.join(s.dir, "sub", "created-in-sub"), "utf8"), "z");
  t.equal(s.open(".", { fd: d, base: 0n }).errno, E.SUCCESS);
  t.equal(s.open("..", { fd: d }).errno, E.NOTCAPABLE, "'..' of a directory fd is outside it");
});
