// A process outside the sandbox that swaps a path back and forth in a tight loop, for the race tests
// (escape.test.ts) and the race measurement (race-measure.ts).
//
//   node swapper.mjs <mode> <dir> <name> <link-target> <stop-file>
//
//   dir, file  <dir>/<name> is a real directory (or file) half the time, a symlink to <link-target>
//              the other half; between the two it is briefly absent. Swaps are renames, each atomic.
//   appear     <dir>/<name> is absent half the time, a symlink to <link-target> the other half.
//
// Prints "ready" once set up, and "swaps N" when it stops (as soon as <stop-file> exists; it also
// stops if its parent dies). Leaves <dir>/<name> as it was at the start.
import * as fs from "node:fs";

const [mode, dir, name, target, stop] = process.argv.slice(2);
if (!mode || !dir || !name || target === undefined || !stop) {
  process.stderr.write("usage: swapper.mjs dir|file|appear <dir> <name> <link-target> <stop-file>\n");
  process.exit(2);
}
const p = `${dir}/${name}`;
const real = `${dir}/.${name}.real`;
const link = `${dir}/.${name}.link`;
fs.rmSync(link, { force: true });
fs.symlinkSync(target, link);
const parent = process.ppid;
process.stdout.write("ready\n");

const rename = (a, b) => {
  try {
    fs.renameSync(a, b);
    return true;
  } catch {
    return false;
  }
};

let swaps = 0;
let failures = 0;
for (;;) {
  if ((swaps & 1023) === 0) {
    if (fs.existsSync(stop)) break;
    try {
      process.kill(parent, 0);
    } catch {
      break;
    }
  }
  if (mode === "appear") {
    if (!rename(link, p)) failures++;
    if (!rename(p, link)) failures++;
  } else {
    if (!rename(p, real)) failures++;
    if (!rename(link, p)) failures++;
    if (!rename(p, link)) failures++;
    if (!rename(real, p)) failures++;
  }
  swaps++;
}
// Leave things as they were: the real entry in place, no link lying about.
if (mode !== "appear" && fs.existsSync(real) && !fs.existsSync(p)) rename(real, p);
fs.rmSync(link, { force: true });
process.stdout.write(`swaps ${swaps} failures ${failures}\n`);
