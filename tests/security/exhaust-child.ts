// Run by exhaustion.test.ts under a low `ulimit -n`: opens files through the guest until the host
// refuses, tries other calls while no fd is left, closes everything and opens again. Prints one line
// of JSON with what happened. Any exception that escapes an import ends this process with status 3.
import * as fs from "node:fs";
import * as path from "node:path";
import { errnoName } from "../../src/abi/constants.js";
import { direct } from "../helpers/harness.js";

const dir = process.argv[2]!;
const hostFds = () => fs.readdirSync("/proc/self/fd").length;
const h = direct({ pages: 2, preopens: { "/box": dir }, stdout: () => {}, stderr: () => {}, stdin: "" });
const name = (e: number) => errnoName[e] ?? String(e);
const call = (fn: string, ...args: (number | bigint)[]) => {
  try {
    return h.call(fn, ...args);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ escaped: `${fn}: ${String(error)}` })}\n`);
    process.exit(3);
  }
};
const open = (p: string, oflags = 0, rights = 0x24006n) => {
  const [ptr, len] = h.path(1024, p);
  const errno = call("path_open", 3, 1, ptr, len, oflags, rights, rights, 0, 8);
  return { errno, fd: errno === 0 ? h.u32(8) : -1 };
};

const fdsAtStart = hostFds();
const opened: number[] = [];
let refusal = -1;
for (let i = 0; i < 100_000; i++) {
  const r = open(`f${i % 4}`);
  if (r.errno !== 0) {
    refusal = r.errno;
    break;
  }
  opened.push(r.fd);
}

// With no fd left: what the other calls say (each must be an errno, never an exception).
const under: Record<string, string> = {};
under.create = name(open("created-under-exhaustion", 1 | 4, 0x24046n).errno);
under.createdAnyway = String(fs.existsSync(path.join(dir, "created-under-exhaustion")));
under.openDir = name(open("sub", 2, 0x4000n | 0x2000n).errno);
const dirFd = under.openDir === "SUCCESS" ? h.u32(8) : 3;
under.readdir = name(call("fd_readdir", dirFd, 4096, 4096, 0n, 8));
under.readdirPreopen = name(call("fd_readdir", 3, 4096, 4096, 0n, 8));
const [sp, sl] = h.path(1024, "f0");
under.stat = name(call("path_filestat_get", 3, 1, sp, sl, 64));
const [mp, ml] = h.path(1024, "newdir");
under.mkdir = name(call("path_create_directory", 3, mp, ml));
h.iovecs(256, [2048, 4]);
under.read = name(call("fd_read", opened[0] ?? 3, 256, 1, 8));
under.write = name(call("fd_write", 1, 256, 1, 8));

const fdsAtPeak = opened.length;
for (const fd of opened) call("fd_close", fd);
if (dirFd !== 3) call("fd_close", dirFd);
const fdsAfterClose = hostFds();
// Freed: as many opens succeed again.
const again: number[] = [];
for (let i = 0; i < opened.length; i++) {
  const r = open(`f${i % 4}`);
  if (r.errno !== 0) break;
  again.push(r.fd);
}
for (const fd of again) call("fd_close", fd);

process.stdout.write(
  `${JSON.stringify({
    fdsAtStart,
    opened: fdsAtPeak,
    refusal: name(refusal),
    under,
    fdsAfterClose,
    reopened: again.length,
    fdsAtEnd: hostFds(),
  })}\n`,
);
