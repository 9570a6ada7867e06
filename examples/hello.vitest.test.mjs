// Testing a WASI program with vitest and run-wasi's run(): `npx vitest run examples/hello.vitest.test.mjs`.
import { expect, test } from "vitest";
import { run } from "run-wasi";

const hello = new URL("./hello.wasm", import.meta.url);

test("hello greets on stdout and exits 0", async () => {
  const result = await run(hello, { timeout: 10_000 });
  expect(result).toMatchObject({ exitCode: 0, stdout: "Hello from run-wasi! 👋\n", stderr: "", timedOut: false });
});

test("it finds no files: the sandbox is an empty in-memory tree", async () => {
  const result = await run(hello, { files: {} });
  expect(result.files).toEqual({});
});
