// Start-up: a plain CLI run of a small guest loads none of the Node built-ins only some runs need
// (src/builtins.ts): node:crypto (about 15 ms to load), perf_hooks, node:v8, node:worker_threads,
// and, with stdio on pipes and /dev/null (Linux), node:tty with node:net and node:stream. Each costs
// start-up milliseconds that `npm run bench -- --only startup` counts.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { cliPath, repoRoot, tempDir } from "../helpers/harness.js";

t.test("a plain run of a small guest loads no built-in it does not use", async (t) => {
  const dir = tempDir();
  const list = path.join(dir, "modules.txt");
  const preload = path.join(dir, "list-modules.cjs");
  fs.writeFileSync(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join("\\n")));\n`);
  // What a process loads (the test runner may add its own to every child), by Node's module list.
  const modulesOf = (args: string[]) => {
    const r = spawnSync(process.execPath, ["-r", preload, ...args], { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
    return { r, loaded: new Set(fs.readFileSync(list, "utf8").split("\n").map((line) => line.replace(/^NativeModule /, ""))) };
  };
  const bare = modulesOf(["-e", "0"]).loaded;
  const { r, loaded } = modulesOf([cliPath, path.join(repoRoot, "examples/hello.wasm")]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /hello/i, "the guest ran");
  const unused = ["crypto", "perf_hooks", "v8", "worker_threads"];
  // stdin is the null device: on Linux no terminal check is needed for it, nor for pipes.
  if (process.platform === "linux") unused.push("tty", "net", "stream");
  for (const name of unused) t.ok(!loaded.has(name) || bare.has(name), `node:${name} is not loaded (unless every process here loads it)`);
  t.notOk(["crypto", "perf_hooks"].every((name) => bare.has(name)), "the bare process leaves something to tell apart");
});
