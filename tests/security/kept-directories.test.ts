// The directories the resolver keeps open between calls (src/fs/anchors.ts), attacked the ways a
// review found them open: by a guest alone, by another process moving a kept directory out, and by
// a PID namespace in which /proc/<pid> is another process. Each attack must get the answer the plain
// walk gives, and reach nothing outside.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { probeDescriptorPaths } from "../../src/fs/host.js";
import { nodeBackend } from "../../src/fs/node.js";
import { childCommand } from "../helpers/child.js";
import { E, R, sandbox } from "../fs/util.js";
import { Rng } from "../fuzz/rng.js";

const skip = probeDescriptorPaths() !== undefined ? false : "kept directories exist only where walks are anchored (Linux with /proc)";

t.test("finding: a guest alone cannot test guesses of host paths through a kept directory's check", { skip }, async (t) => {
  // Keep deep and deep/a, move deep aside, and plant deep -> ../GUESS/deep2. A check that looked the
  // kept directory up by host path would follow the planted link: with GUESS the preopen's real
  // name it would lead back to the kept directory and answer from it; with a wrong guess not.
  const answers: Record<string, number> = {};
  for (const guess of ["sandbox", "not-the-name"]) {
    const s = sandbox({ files: { "deep/a/x": "x" } });
    t.equal(path.basename(s.dir), "sandbox", "the preopen's host name is the right guess");
    t.equal(s.stat("deep/a/x").errno, E.SUCCESS, "deep and deep/a are kept");
    t.equal(s.rename("deep", "deep2"), E.SUCCESS);
    t.equal(s.symlink(`../${guess}/deep2`, "deep"), E.SUCCESS);
    answers[guess] = s.stat("deep/a/x").errno;
    t.same(s.untouched(), s.before, "nothing outside changed or was read");
  }
  t.equal(answers["sandbox"], E.NOTCAPABLE, "the right guess: the link leads out of the preopen");
  t.equal(answers["not-the-name"], E.NOTCAPABLE, "a wrong guess: the same answer");
});

t.test("finding: a kept directory's check never follows a link the guest planted to outside (its atime stays)", { skip }, async (t) => {
  const s = sandbox({ files: { "deep/a/x": "x" } });
  fs.mkdirSync(path.join(s.outside, "target", "a"), { recursive: true });
  const outsideLink = path.join(s.outside, "ol");
  fs.symlinkSync("target", outsideLink);
  fs.lutimesSync(outsideLink, 1_000_000_000, 1_000_000_000);
  const before = fs.lstatSync(outsideLink, { bigint: true }).atimeNs;
  t.equal(s.stat("deep/a/x").errno, E.SUCCESS, "deep and deep/a are kept");
  t.equal(s.rename("deep", "deep2"), E.SUCCESS);
  t.equal(s.symlink("../outside/ol", "deep"), E.SUCCESS);
  for (let i = 0; i < 3; i++) {
    t.equal(s.stat("deep/a/x").errno, E.NOTCAPABLE, "through the planted link: out");
    t.equal(s.open("deep/a/x").errno, E.NOTCAPABLE);
  }
  t.equal(fs.lstatSync(outsideLink, { bigint: true }).atimeNs, before, "the outside link was never read");
});

for (const link of ["relative", "absolute"] as const) {
  t.test(`finding: a kept directory moved out by another process, a ${link} link in its place, is not used`, { skip }, async (t) => {
    const s = sandbox({ files: { "a/b/f.txt": "inside", "a/b/c/" : null } });
    const read = (p: string) => {
      const r = s.open(p, { base: R.FD_READ });
      if (r.errno !== E.SUCCESS) return r.errno;
      const text = s.read(r.fd, 100).text;
      s.close(r.fd);
      return text;
    };
    t.equal(read("a/b/f.txt"), "inside", "a and a/b are kept");
    // Another process: mv box/a outside/a; ln -s ../outside/a box/a (or the absolute path).
    const moved = path.join(s.outside, "a");
    fs.renameSync(path.join(s.dir, "a"), moved);
    fs.symlinkSync(link === "relative" ? "../outside/a" : moved, path.join(s.dir, "a"));
    fs.writeFileSync(path.join(moved, "b", "private.txt"), "PRIVATE");
    const outsideBefore = fs.readdirSync(path.join(moved, "b")).sort();
    const escape = E.NOTCAPABLE;
    t.equal(read("a/b/private.txt"), escape, "a file written outside after the move is not read");
    t.equal(read("a/b/f.txt"), escape, "nor the one that was inside");
    t.equal(s.stat("a/b/f.txt").errno, escape);
    t.equal(s.open("a/b/new.txt", { oflags: 1, base: R.FD_WRITE }).errno, escape, "no file is created there");
    t.equal(s.mkdir("a/b/newdir"), escape, "no directory is made there");
    t.equal(s.open("a/b/c", { oflags: 2 }).errno, escape, "its subdirectory is not opened");
    t.equal(s.unlink("a/b/f.txt"), escape, "nothing is removed there");
    t.same(fs.readdirSync(path.join(moved, "b")).sort(), outsideBefore, "nothing changed in the moved directory");
  });
}

t.test("finding: /proc/<pid> of another process in a PID namespace is never used", { skip: pidNamespaceSkip() }, async (t) => {
  // The outer namespace mounts its own /proc; its first process holds the outside directory open at
  // every descriptor number a child might use. Inside it, a second PID namespace without a /proc of
  // its own runs run-wasi as its pid 1: there, /proc/1 is the holder, not the runtime itself.
  const s = sandbox({ files: { "inside.txt": "inside" } });
  fs.writeFileSync(path.join(s.outside, "secret.txt"), "SECRET");
  const guestScript = `
    const g = guest({ preopens: { "/": ${JSON.stringify(s.dir)} } });
    const ask = (name) => {
      const bytes = new TextEncoder().encode(name);
      g.bytes().set(bytes, 1024);
      return g.w.path_filestat_get(3, 0, 1024, bytes.length, 2048);
    };
    console.log(JSON.stringify({ pid: process.pid, inside: ask("inside.txt"), secret: ask("secret.txt") }));
  `;
  const holder = `
    const fs = require("node:fs");
    const { spawnSync } = require("node:child_process");
    for (let i = 0; i < 256; i++) fs.openSync(${JSON.stringify(s.outside)}, "r");
    const r = spawnSync("unshare", ["--pid", "--fork", ...${JSON.stringify(childCommand(guestScript))}], { stdio: "inherit", timeout: 60000 });
    process.exit(r.status ?? 1);
  `;
  const r = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", process.execPath, "-e", holder], { encoding: "utf8", timeout: 90_000 });
  t.equal(r.status, 0, `the nested run completes (${r.stderr.trim().split("\n").pop()})`);
  const result = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { pid: number; inside: number; secret: number };
  t.equal(result.pid, 1, "run-wasi ran as pid 1 of its namespace, whose /proc/1 is the holder");
  t.equal(result.inside, E.SUCCESS, "the preopen's own file is found");
  t.equal(result.secret, E.NOENT, "the file beside the holder's directory is not");
});

function pidNamespaceSkip(): string | false {
  if (skip) return skip;
  const probe = spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"], { encoding: "utf8" });
  return probe.status === 0 ? false : `unshare --pid --mount-proc is not allowed here (${probe.error?.message ?? probe.stderr.trim()}); it needs root`;
}

t.test("kept directories answer as the plain walk does, whatever another process does between calls", { skip }, async (t) => {
  // Each request is made twice: from the preopen, whose directories are kept between calls, and from
  // a descriptor of "." opened just for it, below which nothing is kept yet: the plain walk. Between
  // requests, "another process" renames directories, removes them, makes them again, moves them out
  // and swaps them for links in and out.
  const s = sandbox();
  const dirs = ["a", "a/b", "a/b/c", "d", "d/e"];
  const files = ["a/b/c/f", "a/b/f", "a/f", "d/e/f", "d/f"];
  const paths = [...files, "a/b/c/../f", "d/e/../../a/b/f", "a/b/c", "d/e"];
  const at = (p: string) => path.join(s.dir, p);
  const putBack = () => {
    for (const f of files) tryTo(() => (fs.mkdirSync(path.dirname(at(f)), { recursive: true }), fs.writeFileSync(at(f), f)));
  };
  putBack();
  const fresh = <T>(ask: (fd: number) => T): T => {
    const dot = s.open(".", { oflags: 2 });
    if (dot.errno !== E.SUCCESS) throw new Error(`open . gave ${dot.errno}`);
    try {
      return ask(dot.fd);
    } finally {
      s.close(dot.fd);
    }
  };
  const openErrno = (p: string, fd?: number) => {
    const r = s.open(p, fd === undefined ? {} : { fd });
    if (r.errno === E.SUCCESS) s.close(r.fd);
    return r.errno;
  };
  const rng = new Rng(11);
  let differences = 0;
  let found = 0;
  for (let step = 0; step < 300; step++) {
    const from = dirs[rng.int(dirs.length)]!;
    const to = dirs[rng.int(dirs.length)]!;
    // Often put the tree back first, so that there is something to move next.
    if (rng.chance(0.4)) putBack();
    tryTo(() => {
      switch (rng.int(6)) {
        case 0:
          return fs.renameSync(at(from), at(`${from}.x`));
        case 1:
          return fs.renameSync(at(`${from}.x`), at(from));
        case 2:
          return fs.symlinkSync(path.relative(path.dirname(at(from)), at(to)), at(from));
        case 3:
          return fs.rmSync(at(from), { recursive: true, force: true });
        case 4:
          return fs.mkdirSync(at(from), { recursive: true });
        default: {
          // Moved out, and a link (absolute or relative) to where it went put in its place.
          const away = path.join(s.outside, "moved", `${step}`, from);
          fs.mkdirSync(path.dirname(away), { recursive: true });
          fs.renameSync(at(from), away);
          return fs.symlinkSync(rng.chance(0.5) ? away : path.relative(path.dirname(at(from)), away), at(from));
        }
      }
    });
    for (const p of paths) {
      const kept = [s.stat(p).errno, openErrno(p)];
      const walked = fresh((fd) => [s.stat(p, { fd }).errno, openErrno(p, fd)]);
      if (kept[0] === E.SUCCESS) found++;
      if (kept[0] !== walked[0] || kept[1] !== walked[1]) {
        differences++;
        t.fail(`step ${step}, ${p}: stat ${kept[0]} kept, ${walked[0]} walked; open ${kept[1]} kept, ${walked[1]} walked`);
      }
    }
  }
  t.equal(differences, 0, "every answer the same");
  t.ok(found > 500, `many answers were files found (${found}), not only misses`);
});

function tryTo(step: () => unknown): void {
  try {
    step();
  } catch {
    // Left as it is, on both sides alike.
  }
}
