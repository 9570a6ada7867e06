// A per-instance budget of descriptors (maxOpenFiles, default 1024, stdio and preopens included):
// a guest opening files without end gets EMFILE at its budget, while the host process keeps
// descriptors for itself and for other instances.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { Errno } from "../../src/abi/constants.js";
import { WASI } from "../../src/index.js";
import { direct, tempDir } from "../helpers/harness.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const linux = process.platform === "linux";

function box(): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "f"), "f");
  fs.mkdirSync(path.join(dir, "d"));
  return dir;
}

function child(ulimit: number, max: string) {
  const r = spawnSync("bash", ["-c", `ulimit -n ${ulimit} && exec "${process.execPath}" --import tsx "${path.join(here, "fd-budget-child.ts")}" "${box()}" ${max}`], {
    encoding: "utf8",
    timeout: 60_000,
    cwd: path.resolve(here, "../.."),
  });
  return { r, out: JSON.parse(r.stdout.trim().split("\n").pop() || "{}") as Record<string, string | number> };
}

t.test("under ulimit -n 2048, a guest opening without end stops at the default budget; the host and another instance still open files", { skip: linux ? false : "needs bash's ulimit and /proc/self/fd" }, async (t) => {
  const { r, out } = child(2048, "default");
  t.equal(r.status, 0, `the child ran (stderr: ${r.stderr.slice(-300)})`);
  t.equal(out.refusal, "MFILE", "the guest is refused with EMFILE");
  t.equal(out.opened, 1024 - 4, "after 1,020 files: 1,024 less stdio and the preopen");
  t.equal(out.held, 1024 - 3, "the host descriptors it holds: its preopen and files");
  t.equal(out.second, "SUCCESS", "another instance is made and opens a file");
  t.equal(out.host, "SUCCESS", "the host opens a file of its own");
  t.equal(out.after, 0, "and closing the guest gives everything back");
});

t.test("under ulimit -n 256, a budget of 100 leaves the rest of the process its descriptors", { skip: linux ? false : "needs bash's ulimit and /proc/self/fd" }, async (t) => {
  const { r, out } = child(256, "100");
  t.equal(r.status, 0, `the child ran (stderr: ${r.stderr.slice(-300)})`);
  t.equal(out.refusal, "MFILE");
  t.equal(out.opened, 96);
  t.equal(out.second, "SUCCESS");
  t.equal(out.host, "SUCCESS");
});

t.test("the budget counts every descriptor, is given back by fd_close and kept by fd_renumber", async (t) => {
  const dir = box();
  const h = direct({ preopens: { "/": dir }, maxOpenFiles: 8 });
  const open = (p: string, oflags = 0) => {
    const [ptr, len] = h.path(1024, p);
    const errno = h.call("path_open", 3, 0, ptr, len, oflags, 0x4002n, 0n, 0, 8);
    return { errno, fd: errno === Errno.SUCCESS ? h.u32(8) : -1 };
  };
  const fds = [open("f"), open("d", 2), open("f"), open("f")].map((r) => r.fd);
  t.same(fds, [4, 5, 6, 7], "four more fit beside stdio and the preopen");
  t.equal(open("f").errno, Errno.MFILE, "a file beyond the budget");
  t.equal(open("d", 2).errno, Errno.MFILE, "a directory too");
  t.equal(open("new-file", 1).errno, Errno.MFILE, "O_CREAT beyond the budget");
  t.notOk(fs.readdirSync(dir).includes("new-file"), "and, as open(2), creates nothing");
  t.equal(h.call("fd_renumber", 4, 5), Errno.SUCCESS);
  t.equal(open("f").fd, 4, "renumbering freed one");
  t.equal(open("f").errno, Errno.MFILE);
  t.equal(h.call("fd_close", 1), Errno.SUCCESS, "closing stdout frees one too");
  t.equal(open("f").fd, 1);
  t.equal(open("f").errno, Errno.MFILE);
});

t.test("maxOpenFiles must leave room for stdio and the preopens", async (t) => {
  const dir = box();
  for (const bad of [0, 3, 2.5, Number.NaN, -1]) {
    t.throws(() => new WASI({ preopens: { "/": dir }, maxOpenFiles: bad }), { name: "RangeError", code: "ERR_OUT_OF_RANGE" }, `${String(bad)} is refused`);
  }
  // Not a number at all: the wrong type, as node:wasi reports it.
  t.throws(() => new WASI({ preopens: { "/": dir }, maxOpenFiles: "10" as unknown as number }), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }, "a string is refused");
  t.doesNotThrow(() => new WASI({ preopens: { "/": dir }, maxOpenFiles: 4 }).close(), "exactly enough");
});
