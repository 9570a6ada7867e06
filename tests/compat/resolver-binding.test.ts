// The napi-rs resolver binding the benchmark's path-heavy workload drives (@oxc-resolver's
// wasm32-wasip1-threads package, through its own generated loader): under run-wasi's WASI and under
// node:wasi it must give, for the benchmark's tree and queries, the answer line the tree generator
// computed by itself. A benchmark that fails prints FAILED and measures nothing; this keeps it able
// to measure (it once loaded an @emnapi/core of another major than the package declares).
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import t from "tap";
import { makeResolverTree } from "../../bench/trees.mjs";
import { repoRoot, tempDir } from "../helpers/harness.js";

const run = promisify(execFile);
// As for the other packages built on node:wasi (node-wasi-tools.test.ts): under Wine the staged
// node_modules is a farm of symlinks that Windows Node.js does not follow.
const skip = process.env.RUN_WASI_LANE === "wine" ? "the Wine lane's symlinked node_modules: the package's dependencies do not resolve under Wine" : false;

t.test("the resolver binding answers the benchmark's queries alike under both hosts", { skip }, async (t) => {
  const tree = makeResolverTree(tempDir());
  const runner = path.join(repoRoot, "bench/runners/resolver.mjs");
  for (const host of ["api", "node"]) {
    const { stdout } = await run(process.execPath, [runner, host, tree.manifest], { timeout: 120_000, env: { ...process.env, RUN_WASI_ROOT: repoRoot } });
    t.equal(stdout.split("\n")[0] + "\n", tree.line, `${host === "api" ? "run-wasi" : "node:wasi"}: the expected answers`);
  }
});
