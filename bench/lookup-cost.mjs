// What one lookup costs by each route run-wasi can take on Linux, in CPU time per call (the median
// of 7 passes, steadier than wall time on a shared machine): the lookup itself by plain path (what
// node:wasi does, lexically resolved) and through the descriptor of the directory held open
// (run-wasi's walk), by /proc/<pid>/fd and by /proc/self/fd; the check a kept directory gets before
// use (readlink of its descriptor: the kernel's name for it) against the plain lstat of the
// directory's path that an earlier build used and that follows links; the cost of a miss that
// throws.
//
//   node bench/lookup-cost.mjs [--iterations N]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const at = process.argv.indexOf("--iterations");
const N = at === -1 ? 50_000 : Number(process.argv[at + 1]);
const PASSES = 7;
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
  const byPid = `/proc/${process.pid}/fd/${anchor}`;
  const bySelf = `/proc/self/fd/${anchor}`;
  const routes = [
    ["lookup: lstat by plain path (9 deep)", () => fs.lstatSync(file, { bigint: true })],
    ["lookup: lstat through /proc/<pid>/fd/N", () => fs.lstatSync(`${byPid}/file000`, { bigint: true })],
    ["lookup: lstat through /proc/self/fd/N", () => fs.lstatSync(`${bySelf}/file000`, { bigint: true })],
    ["check: readlink /proc/<pid>/fd/N (latin1)", () => fs.readlinkSync(byPid, { encoding: "latin1" })],
    ["check: readlink /proc/self/fd/N (latin1)", () => fs.readlinkSync(bySelf, { encoding: "latin1" })],
    ["check: readlink /proc/self/fd/N (Buffer)", () => fs.readlinkSync(bySelf, { encoding: "buffer" })],
    ["unsound check: lstat of the directory's path", () => fs.lstatSync(dir, { bigint: true })],
    ["miss: lstat, throwing", () => { try { fs.lstatSync(`${file}x`, { bigint: true }); } catch {} }],
    ["miss: lstat, throwing without a stack", () => {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try { fs.lstatSync(`${file}x`, { bigint: true }); } catch {} finally { Error.stackTraceLimit = limit; }
    }],
    ["miss: lstat, throwIfNoEntry false", () => fs.lstatSync(`${file}x`, { bigint: true, throwIfNoEntry: false })],
  ];
  console.log(`lookup-cost: node ${process.version}, ${os.cpus()[0]?.model ?? "?"}, ${N} calls × ${PASSES} passes each, in ${base}`);
  const cpu = new Map(routes.map(([name]) => [name, []]));
  for (let pass = 0; pass < PASSES; pass++) {
    for (const [name, call] of routes) {
      for (let i = 0; i < 1000; i++) call();
      const start = process.cpuUsage();
      for (let i = 0; i < N; i++) call();
      const used = process.cpuUsage(start);
      cpu.get(name).push((used.user + used.system) / N);
    }
  }
  for (const [name, samples] of cpu) {
    samples.sort((a, b) => a - b);
    console.log(`${name.padEnd(48)} ${samples[PASSES >> 1].toFixed(2)} µs CPU`);
  }
  fs.closeSync(anchor);
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
