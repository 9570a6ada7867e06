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

// The async host's example needs JSPI (Node 24 and later).
const noJspi: string | false = typeof (WebAssembly as { Suspending?: unknown }).Suspending === "function" ? false : `no JSPI before Node 24 (this is Node ${process.versions.node})`;

t.test("the HTTP server example, on a Node without JSPI, stops at once and names the Node it needs", { skip: noJspi ? false : "this Node has JSPI" }, async (t) => {
  const r = node(["examples/http-server.mjs"]);
  t.not(r.status, 0, "it does not start serving");
  t.match(r.stderr, /ERR_WASI_ASYNC_UNSUPPORTED/);
  t.match(r.stderr, /Node 24 or later/);
});

t.test("the HTTP server example serves requests concurrently, each through its own guest", { skip: noJspi }, async (t) => {
  const { spawn } = await import("node:child_process");
  const http = await import("node:http");
  const server = spawn(process.execPath, ["examples/http-server.mjs"], { cwd: repoRoot, env: { ...process.env, PORT: "0", NODE_OPTIONS: "" }, stdio: ["ignore", "pipe", "inherit"] });
  t.teardown(() => void server.kill());
  const address = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    server.on("exit", (code) => reject(new Error(`the example exited (${code}): ${out}`)));
  });
  const post = (body: string) => fetch(address, { method: "POST", body }).then(async (res) => [res.status, await res.text()]);
  t.same(await post("hello, async world"), [200, "HELLO, ASYNC WORLD"], "the body comes back in upper case, as README shows");

  // A request whose body is still coming holds its guest waiting; another is served meanwhile.
  const slow = http.request(address, { method: "POST" });
  const slowReply = new Promise<string>((resolve, reject) => {
    slow.on("response", (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => resolve(text));
    });
    slow.on("error", reject);
  });
  slow.write("first half, ");
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.same(await post("meanwhile"), [200, "MEANWHILE"], "answered while the first guest waits for its body");
  slow.end("second half");
  t.equal(await slowReply, "FIRST HALF, SECOND HALF", "the first request completes once its body does");

  // A client that leaves mid-body aborts its guest; the server goes on.
  const leaving = http.request(address, { method: "POST" });
  leaving.on("error", () => {});
  leaving.write("never finished");
  await new Promise((resolve) => setTimeout(resolve, 50));
  leaving.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.same(await post("still here"), [200, "STILL HERE"], "a client leaving does not disturb the others");
});
