// fd_readdir: "." and ".." first, real inode numbers and types, stable cookies, a buffer filled to
// the last byte with a cut entry when more remain (the protocol wasi-libc's readdir relies on).
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { EAGER_LISTING_MAX_BYTES, MAX_LISTING_STREAMS } from "../../src/fs/listing.js";
import { faultyFs } from "../helpers/faulty-fs.js";
import { E, FT, MEM_SIZE, O, OUT, R, RDBUF, hostSymlink, needsByteNames, needsSymlinks, oneOf, parseDirents, sandbox, type Dirent } from "./util.js";

const ino = (p: string) => fs.lstatSync(p, { bigint: true }).ino;
const byName = (entries: Dirent[]) => new Map(entries.map((e) => [e.name, e]));

t.test("'.' and '..' come first, with real inodes; types and inodes of every entry", async (t) => {
  const s = sandbox({ files: { "sub/": null, "sub/file": "x", "sub/dir/": null } });
  const sub = path.join(s.dir, "sub");
  const links = hostSymlink("file", path.join(sub, "link"));
  const fd = s.openOk("sub", { oflags: O.DIRECTORY });
  const r = s.readdir(fd, 4096, 0n);
  t.equal(r.errno, E.SUCCESS);
  t.ok(r.used < 4096, "everything fits: fewer bytes than the buffer");
  const { entries, truncated } = parseDirents(r.raw);
  t.notOk(truncated);
  t.same(entries.slice(0, 2).map((e) => e.name), [".", ".."]);
  t.same(entries.map((e) => e.next), entries.map((_, i) => BigInt(i + 1)), "d_next is the index of the next entry");
  const m = byName(entries);
  t.same([...m.keys()].sort(), [".", "..", "dir", "file", ...(links ? ["link"] : [])]);
  t.equal(m.get(".")!.ino, ino(sub), "'.' is the directory itself");
  t.equal(m.get(".")!.ino, s.fstat(fd).st.ino, "…as fd_filestat_get says");
  t.equal(m.get("..")!.ino, ino(s.dir), "'..' is its parent");
  t.equal(m.get(".")!.type, FT.DIRECTORY);
  t.equal(m.get("..")!.type, FT.DIRECTORY);
  t.equal(m.get("file")!.type, FT.REGULAR_FILE);
  t.equal(m.get("dir")!.type, FT.DIRECTORY);
  await t.test("a link is listed as a link, not followed", { skip: needsSymlinks }, async (t) => {
    t.equal(m.get("link")!.type, FT.SYMBOLIC_LINK);
    t.equal(m.get("link")!.ino, ino(path.join(sub, "link")), "its own inode, not the target's");
  });
  for (const name of ["file", "dir"]) {
    t.equal(m.get(name)!.ino, ino(path.join(sub, name)), `d_ino of ${name}`);
    t.equal(m.get(name)!.namlen, Buffer.byteLength(name));
  }
  t.equal(m.get("file")!.ino, s.stat("sub/file", { follow: false }).st.ino, "d_ino matches path_filestat_get");
});

t.test("the preopen's own listing", async (t) => {
  const s = sandbox({ files: { "a": "1" } });
  const { entries } = parseDirents(s.readdir(3, 1024, 0n).raw);
  t.same(entries.map((e) => e.name).sort(), [".", "..", "a"]);
  t.equal(entries[0]!.ino, ino(s.dir));
  t.not(entries[1]!.ino, ino(path.dirname(s.dir)), "'..' of a preopen does not reveal the host's parent");
});

t.test("an empty directory lists exactly '.' and '..'", async (t) => {
  const s = sandbox({ files: { "e/": null } });
  const fd = s.openOk("e", { oflags: O.DIRECTORY });
  const r = s.readdir(fd, 256, 0n);
  t.equal(r.used, 2 * 24 + 1 + 2);
  t.same(parseDirents(r.raw).entries.map((e) => e.name), [".", ".."]);
  t.equal(s.readdir(fd, 256, 2n).used, 0, "a cookie at the end gives nothing");
  t.equal(s.readdir(fd, 256, 1000n).used, 0, "a cookie past the end gives nothing");
});

t.test("a small buffer is filled to the last byte with a cut entry; cookies resume exactly", async (t) => {
  const names = Array.from({ length: 9 }, (_, i) => `entry-${i}`);
  const s = sandbox({ files: Object.fromEntries(names.map((n) => [n, n])) });
  const first = s.readdir(3, 64, 0n);
  t.equal(first.used, 64, "bufused == buf_len: more remain");
  const parsed = parseDirents(first.raw);
  t.ok(parsed.truncated, "the last entry in the buffer is cut");
  t.same(parsed.entries.map((e) => e.name), [".", ".."], "24+1 + 24+2 = 51 bytes, then a cut header");
  t.same([...first.raw.subarray(51, 59)], [...new Uint8Array(new BigUint64Array([3n]).buffer)], "the cut entry's d_next is there");

  const all = s.listAll(3, 64);
  t.equal(all.errno, E.SUCCESS);
  t.same(all.entries.map((e) => e.name).sort(), [".", "..", ...names].sort(), "every entry exactly once");
  t.ok(all.fullBuffers > 2, "it took several full buffers");
  t.same(all.entries.map((e) => e.next), all.entries.map((_, i) => BigInt(i + 1)), "cookies are stable across calls");
  const whole = parseDirents(s.readdir(3, 4096, 0n).raw).entries;
  t.same(all.entries, whole, "the same entries, in the same order, as one big read");
  const resumed = parseDirents(s.readdir(3, 4096, 5n).raw).entries;
  t.same(resumed, whole.slice(5), "a cookie resumes at that entry");

  t.equal(s.readdir(3, 10, 0n).used, 10, "a buffer smaller than one header is filled too");
  t.equal(s.readdir(3, 0, 0n).used, 0, "a zero-length buffer");
});

t.test("1,000 entries listed completely with a 4 KiB buffer", async (t) => {
  const s = sandbox({ files: { "big/": null } });
  const big = path.join(s.dir, "big");
  const names: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const name = `file-with-a-longish-name-${String(i).padStart(4, "0")}`;
    names.push(name);
    fs.writeFileSync(path.join(big, name), "");
  }
  const fd = s.openOk("big", { oflags: O.DIRECTORY });
  const all = s.listAll(fd, 4096);
  t.equal(all.errno, E.SUCCESS);
  t.equal(all.entries.length, 1002);
  t.same(all.entries.map((e) => e.name).slice(2).sort(), names);
  t.equal(new Set(all.entries.map((e) => e.name)).size, 1002, "no duplicates");
  t.ok(all.calls > 10, `it took ${all.calls} calls`);
  const m = byName(all.entries);
  t.equal(m.get(names[537]!)!.ino, ino(path.join(big, names[537]!)), "inodes are real deep in the listing");
  t.ok(all.entries.slice(2).every((e) => e.type === FT.REGULAR_FILE));
});

t.test("cookie 0 re-reads the directory; later cookies continue the same listing", async (t) => {
  const s = sandbox({ files: { "d/": null, "d/one": "" } });
  const fd = s.openOk("d", { oflags: O.DIRECTORY });
  const first = parseDirents(s.readdir(fd, 4096, 0n).raw).entries.map((e) => e.name);
  t.same(first.sort(), [".", "..", "one"]);
  fs.writeFileSync(path.join(s.dir, "d", "two"), "");
  fs.unlinkSync(path.join(s.dir, "d", "one"));
  const again = parseDirents(s.readdir(fd, 4096, 0n).raw).entries.map((e) => e.name);
  t.same(again.sort(), [".", "..", "two"], "after rewinding, the new file appears and the removed one is gone");
});

t.test("names with non-ASCII UTF-8 are given as their bytes", async (t) => {
  const names = ["é", "日本語", "🙂-emoji", "Ω≈ç√"];
  const s = sandbox({ files: Object.fromEntries(names.map((n) => [n, ""])) });
  const { entries } = parseDirents(s.readdir(3, 4096, 0n).raw);
  const m = byName(entries);
  for (const n of names) {
    t.ok(m.has(n), n);
    t.equal(m.get(n)!.namlen, Buffer.byteLength(n), `d_namlen of ${n} counts bytes`);
    t.same(Buffer.from(m.get(n)!.nameBytes), Buffer.from(n));
  }
});

t.test("a name cut by the end of the buffer is cut byte for byte, mid-character too", async (t) => {
  const name = "日本語"; // 9 bytes, 3 per character
  const s = sandbox({ files: { [name]: "" } });
  const bytes = Buffer.from(name);
  // ".", "..", then this entry's header: 24+1 + 24+2 + 24 = 75 bytes; then 1, 4 or 8 name bytes.
  for (const cut of [1, 4, 8]) {
    const r = s.readdir(3, 75 + cut, 0n);
    t.equal(r.used, 75 + cut, `a ${75 + cut}-byte buffer is filled`);
    t.same([...r.raw.subarray(75, 75 + cut)], [...bytes.subarray(0, cut)], `the first ${cut} bytes of the name`);
  }
  const whole = parseDirents(s.readdir(3, 4096, 0n).raw).entries;
  t.same(Buffer.from(byName(whole).get(name)!.nameBytes), bytes, "and whole when it fits");
});

t.test("a name holding U+FFFD itself, beside plain names, is listed as it is", async (t) => {
  const names = ["a\uFFFDb", "plain"];
  const s = sandbox({ files: Object.fromEntries(names.map((n) => [n, ""])) });
  const m = byName(parseDirents(s.readdir(3, 4096, 0n).raw).entries);
  for (const n of names) t.same(Buffer.from(m.get(n)?.nameBytes ?? []), Buffer.from(n), n);
});

t.test("a host name that is not UTF-8 is listed byte for byte", { skip: needsByteNames }, async (t) => {
  const s = sandbox();
  const raw = Buffer.from([0x6e, 0xff, 0x6e]);
  fs.writeFileSync(Buffer.concat([Buffer.from(`${s.dir}/`), raw]), "");
  const entries = parseDirents(s.readdir(3, 4096, 0n).raw).entries;
  t.ok(entries.some((e) => Buffer.from(e.nameBytes).equals(raw)), "raw bytes survive");
  fs.writeFileSync(path.join(s.dir, "beside"), "");
  const again = parseDirents(s.readdir(3, 4096, 0n).raw).entries;
  t.ok(again.some((e) => e.name === "beside"), "the names beside it are listed too");
  t.ok(again.some((e) => Buffer.from(e.nameBytes).equals(raw)), "and it still byte for byte");
  t.equal(s.open(new Uint8Array(raw)).errno, E.ILSEQ, "though the guest cannot name it back (paths are UTF-8)");
});

t.test("errors: EBADF, ENOTDIR, ENOTCAPABLE, EFAULT", async (t) => {
  const s = sandbox({ files: { "f": "x", "d/": null } });
  t.equal(s.readdir(99, 128, 0n).errno, E.BADF);
  const f = s.openOk("f", { base: R.FD_READ | R.FD_READDIR });
  t.equal(s.readdir(f, 128, 0n).errno, E.NOTDIR, "a file (POSIX fdopendir: ENOTDIR)");
  t.equal(s.h.call("fd_readdir", 3, MEM_SIZE - 10, 64, 0n, OUT), E.FAULT, "buffer past the end");
  t.equal(s.h.call("fd_readdir", 3, RDBUF, 64, 0n, MEM_SIZE - 2), E.FAULT, "bufused out-pointer");
  const d = s.openOk("d", { oflags: O.DIRECTORY });
  t.equal(s.drop(d, R.FD_READDIR), E.SUCCESS);
  t.equal(s.readdir(d, 128, 0n).errno, E.NOTCAPABLE);
  oneOf(t, s.readdir(s.openOk("f", { base: R.FD_READ }), 128, 0n).errno, [E.NOTDIR, E.NOTCAPABLE, E.BADF], "a file without FD_READDIR");
});

// A small directory is read whole in one host call, a large one streamed (listing.ts); each kind is
// served the same way, and resumes the same way when the instance gives its listing up.
// (The large one with larger buffers: each reading again of a listing given up re-reads the host's
// entries up to its place, and the lane under Wine pays for every one.)
for (const [kind, count, nameLength, buffer] of [["small, read whole", 300, 4, 128], ["large, streamed", 2000, 40, 4096]] as const) {
  t.test(`more listings under way than the instance keeps streams for: each resumes where it was (${kind})`, async (t) => {
    const recorder = faultyFs();
    const s = sandbox({ files: { "d/": null }, fs: recorder.backend });
    const names = Array.from({ length: count }, (_, i) => `n${String(i).padStart(3, "0")}`.padEnd(nameLength, "x"));
    for (const name of names) fs.writeFileSync(path.join(s.dir, "d", name), "");
    const size = fs.statSync(path.join(s.dir, "d")).size;
    const readWhole = size > 0 && size <= EAGER_LISTING_MAX_BYTES;
    // Linux file systems all size a directory by what it holds; Windows says 0 (always streamed).
    if (process.platform === "linux") t.equal(readWhole, count === 300, `a directory of ${size} bytes is ${kind}`);
    const fds = Array.from({ length: MAX_LISTING_STREAMS + 4 }, () => s.openOk("d", { oflags: O.DIRECTORY }));
    recorder.record();
    s.readdir(fds[0]!, 65536, 0n);
    const ops = recorder.disarm();
    t.equal(ops.includes("readdir"), readWhole, "one host call lists the whole directory where it is small");
    t.equal(ops.includes("opendir"), !readWhole, "a host stream otherwise");
    const listed = fds.map(() => [] as Dirent[]);
    const cookies = fds.map(() => 0n);
    // Round robin, a buffer short of the whole each time: every listing is given up and read again in turn.
    for (let done = 0; done < fds.length; ) {
      done = 0;
      fds.forEach((fd, i) => {
        if (cookies[i] === -1n) return void done++;
        const r = s.readdir(fd, buffer, cookies[i]!);
        const got = parseDirents(r.raw).entries;
        listed[i]!.push(...got);
        cookies[i] = r.used < buffer ? -1n : got[got.length - 1]!.next;
      });
    }
    for (const [i, entries] of listed.entries()) {
      t.same(entries.map((e) => e.next), entries.map((_, k) => BigInt(k + 1)), `listing ${i}: cookies in order, none skipped or repeated`);
      t.same(entries.map((e) => e.name).slice(2).sort(), [...names].sort(), `listing ${i}: every name once`);
    }
    const whole = s.listAll(fds[0]!, 65536).entries;
    t.equal(whole.length, count + 2, "a listing with big buffers holds them all");
    t.same(listed[0], whole, "the same order as with big buffers");
    const from = (cookie: bigint) => parseDirents(s.readdir(fds[1]!, 4096, cookie).raw).entries;
    const at150 = from(150n);
    t.same(at150, whole.slice(150, 150 + at150.length), "an earlier cookie re-reads up to it");
    const at40 = from(40n);
    t.same(at40, whole.slice(40, 40 + at40.length), "and so does going back");
    t.equal(s.readdir(fds[1]!, 65536, 2n ** 64n - 1n).used, 0, "the largest cookie gives nothing");
  });
}
