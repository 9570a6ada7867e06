// A WASI program behind an HTTP server, on run-wasi's async host (Node 24 and later):
//
//   npm run build && node examples/http-server.mjs        then: curl --data-binary 'hello' http://127.0.0.1:8080/
//
// Every request runs its own instance of examples/upper.wasm: the request body is the guest's
// stdin, the response its stdout, streamed both ways. While a guest waits for the body or for the
// client to take the response, its stack is suspended and the server goes on serving everyone
// else on the one thread. A client that goes away aborts its guest, which releases everything.
// PORT=0 picks a free port; the first line printed is the address.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { WASI } from "run-wasi";

const module = new WebAssembly.Module(readFileSync(new URL("./upper.wasm", import.meta.url)));
new WASI({ async: true }).close(); // on a Node without JSPI (before 24), fail now with the reason

const server = createServer(async (req, res) => {
  const gone = new AbortController();
  res.on("close", () => gone.abort());
  res.setHeader("content-type", "text/plain; charset=utf-8");
  const wasi = new WASI({ async: true, args: ["upper"], stdin: req, stdout: res, signal: gone.signal });
  try {
    const exitCode = await wasi.start(new WebAssembly.Instance(module, wasi.getImportObject()));
    res.end(exitCode === 0 ? "" : `\n(exit ${exitCode})\n`);
  } catch (error) {
    if (!gone.signal.aborted) res.destroy(error); // the client left: nobody to answer
  }
});

server.listen(Number(process.env.PORT ?? 8080), "127.0.0.1", () => {
  const { port } = server.address();
  console.log(`listening on http://127.0.0.1:${port}/`);
});
