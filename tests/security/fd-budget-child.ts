// Run by fd-budget.test.ts under a low `ulimit -n`: one guest opens files until it is refused,
// then a second instance is made and opens a file, and the host opens one of its own. Prints one
// line of JSON. argv: the directory, then maxOpenFiles for the first guest ("default" for none).
import * as fs from "node:fs";
import * as path from "node:path";
import { errnoName } from "../../src/abi/constants.js";
import { direct } from "../helpers/harness.js";

const dir = process.argv[2]!;
const max = process.argv[3] === "default" ? undefined : Number(process.argv[3]);
const hostFds = () => fs.readdirSync("/proc/self/fd").length;
const openFile = (h: ReturnType<typeof direct>) => {
  const [ptr, len] = h.path(1024, "f");
  const errno = h.call("path_open", 3, 0, ptr, len, 0, 2n, 0n, 0, 8);
  return { errno, fd: h.u32(8) };
};

const before = hostFds();
const first = direct({ pages: 1, preopens: { "/": dir }, maxOpenFiles: max });
let opened = 0;
let refusal = 0;
for (;;) {
  const r = openFile(first);
  if (r.errno !== 0) {
    refusal = r.errno;
    break;
  }
  opened++;
}
const held = hostFds() - before;
let second = "SUCCESS";
let host = "SUCCESS";
try {
  const other = direct({ pages: 1, preopens: { "/": dir } });
  second = errnoName[openFile(other).errno] ?? "?";
  other.wasi.close();
} catch (e) {
  second = String(e);
}
try {
  fs.closeSync(fs.openSync(path.join(dir, "f"), "r"));
} catch (e) {
  host = String(e);
}
first.wasi.close();
process.stdout.write(`${JSON.stringify({ opened, refusal: errnoName[refusal], held, second, host, after: hostFds() - before })}\n`);
