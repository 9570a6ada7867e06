// `npm test`: runs tap over tests/**/*.test.ts (see .taprc) and closes with one line,
// `N passed, N failed, N skipped`, counting tap's assertions.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const tapBin = fileURLToPath(new URL("../node_modules/tap/dist/esm/run.mjs", import.meta.url));
const child = spawn(process.execPath, [tapBin, ...process.argv.slice(2)], { stdio: ["inherit", "pipe", "inherit"] });

let tail = "";
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString("utf8")).slice(-4096);
});
child.on("close", (code, signal) => {
  // tap ends with a line like `# { total: 12, pass: 11, fail: 1, skip: 0 }`.
  const summary = [...tail.matchAll(/^# \{ (total: .*) \}$/gm)].pop()?.[1];
  const count = (key) => Number(summary?.match(new RegExp(`\\b${key}: (\\d+)`))?.[1] ?? 0);
  const failed = count("fail") + (summary ? 0 : 1);
  process.stdout.write(`\n${count("pass")} passed, ${failed} failed, ${count("skip") + count("todo")} skipped\n`);
  process.exitCode = code ?? (signal ? 1 : 0);
});
