// Loads a napi-rs `wasm32-wasip1-threads` package through its own generated loader
// (`<name>.wasi.cjs`) with a WASI class of our choosing in place of node:wasi's: the loader is run
// as the CommonJS module it is, from its own file, with a `require` that answers `node:wasi` with
// `{ WASI }` and everything else as usual. The loader is not edited; what it does with the class
// (`new WASI({ version: "preview1", env: process.env, preopens: { "/": "/" } })`, then emnapi's
// getImportObject() and initialize()) is what a user swapping run-wasi in would get.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";

export function loadNapiBinding(loaderFile, WASI) {
  const requireFromLoader = createRequire(loaderFile);
  const require = Object.assign((id) => (id === "node:wasi" || id === "wasi" ? { WASI } : requireFromLoader(id)), {
    resolve: requireFromLoader.resolve,
    cache: requireFromLoader.cache,
  });
  const module = { exports: {} };
  const body = vm.compileFunction(fs.readFileSync(loaderFile, "utf8"), ["exports", "require", "module", "__filename", "__dirname"], {
    filename: loaderFile,
  });
  body.call(module.exports, module.exports, require, module, loaderFile, path.dirname(loaderFile));
  return module.exports;
}
