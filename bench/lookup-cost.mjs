// What one lookup costs by each route run-wasi can take on Linux (issue 7's "what bounds it"):
// lstat of a file nine directories deep by its plain path (what node:wasi does, lexically
// resolved), through /proc/<pid>/fd/N of its directory held open (run-wasi's anchored lookup), and
// through /proc/self/fd/N (one more link for the kernel to follow). Also the check a kept directory
// gets before use (readlink of its /proc/self/fd/N: the kernel's name for it) and the cost of a miss
// that throws.
//
//   node bench/lookup-cost.mjs [--iterations N]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const at = process.argv.indexOf("--iterations");
const N = at === -1 ? 200_000 : Number(process.argv[at + 1]);
if (process.platform !== "linux") {
  console.log("lookup-cost: the /proc routes exist on Linux only");
  process.exit(0);
}
const base = fs.mkdtempSync(path.join(fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir(), "run-wasi-lookup-"));
try {
  const dir = path.join(base, ..."abcdefghi");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "file000");
  fs.writeFileSync(file, "x");
  const O_PATH = 0o10000000;
  const anchor = fs.openSync(dir, O_PATH | fs.constants.O_DIRECTORY);
  const routes = [
    ["lstat, plain path (9 deep)", () => fs.lstatSync(file, { bigint: true })],
    [`lstat, /proc/${process.pid}/fd/N/name`, () => fs.lstatSync(`/proc/${process.pid}/fd/${anchor}/file000`, { bigint: true })],
    ["lstat, /proc/self/fd/N/name", () => fs.lstatSync(`/proc/self/fd/${anchor}/file000`, { bigint: true })],
    ["readlink /proc/self/fd/N (the check)", () => fs.readlinkSync(`/proc/self/fd/${anchor}`, { encoding: "buffer" })],
    [`readlink /proc/${process.pid}/fd/N`, () => fs.readlinkSync(`/proc/${process.pid}/fd/${anchor}`, { encoding: "buffer" })],
    ["lstat of a missing name, throwing", () => { try { fs.lstatSync(`${file}x`, { bigint: true }); } catch {} }],
    ["lstat of a missing name, throwIfNoEntry false", () => fs.lstatSync(`${file}x`, { bigint: true, throwIfNoEntry: false })],
  ];
  console.log(`lookup-cost: node ${process.version}, ${os.cpus()[0]?.model ?? "?"}, ${N} calls each, in ${base}`);
  for (const [name, call] of routes) {
    for (let i = 0; i < 2000; i++) call();
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) call();
    const ns = Number(process.hrtime.bigint() - start) / N;
    console.log(`${name.padEnd(48)} ${(ns / 1000).toFixed(2)} µs`);
  }
  fs.closeSync(anchor);
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
