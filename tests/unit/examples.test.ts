// The examples run as their README says: examples/hello.node.test.mjs under node:test, and
// examples/hello.vitest.test.mjs under vitest, each against the built package (`run-wasi`).
import { spawnSync } from "node:child_process";
import t from "tap";
import { repoRoot } from "../helpers/harness.js";

const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: repoRoot, encoding: "utf8", timeout: 120_000, env: { ...process.env, NODE_OPTIONS: "" } });

t.test("the node:test example passes", async (t) => {
  // The TAP reporter by name: Node 24 and later default to the spec reporter even into a pipe.
  const r = node(["--test", "--test-reporter=tap", "examples/hello.node.test.mjs"]);
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^# pass 2$/m);
  t.match(r.stdout, /^# fail 0$/m);
});

// vitest bundles with native binaries npm installs per OS; the Wine lane runs Windows Node.js over the
// Linux install, which has only Linux's.
const nativeBundler: string | false = process.platform === "win32" ? "vitest's bundler is a native binary, installed here for Linux only (the Wine lane)" : false;

t.test("the vitest example passes", { skip: nativeBundler }, async (t) => {
  const r = node(["node_modules/vitest/vitest.mjs", "run", "--dir", "examples", "hello.vitest"]);
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.match(r.stdout, /Tests\s+2 passed \(2\)/);
});
