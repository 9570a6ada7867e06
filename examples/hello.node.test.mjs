// Testing a WASI program with node:test and run-wasi's run(): `node --test examples/hello.node.test.mjs`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { run } from "run-wasi";

const hello = new URL("./hello.wasm", import.meta.url);

test("hello greets on stdout and exits 0", async () => {
  const result = await run(hello, { timeout: 10_000 });
  assert.equal(result.exitCode, 0);
  assert.equal(result.stdout, "Hello from run-wasi! 👋\n");
  assert.equal(result.stderr, "");
  assert.equal(result.timedOut, false);
});

test("two deterministic runs trace the same calls", async () => {
  const trace = async () => {
    const lines = [];
    await run(hello, { deterministic: true, trace: { format: "json", output: (line) => lines.push(line) } });
    return lines;
  };
  assert.deepEqual(await trace(), await trace());
});
