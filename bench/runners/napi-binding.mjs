// Loads a napi-rs `wasm32-wasip1-threads` package through its own generated loader
// (`<name>.wasi.cjs`) with a WASI class of our choosing in place of node:wasi's: the loader is run
// as the CommonJS module it is, from its own file, with a `require` that answers `node:wasi` with
// `{ WASI }` and everything else as usual. The loader is not edited; what it does with the class
// (`new WASI({ version: "preview1", env: process.env, preopens: { "/": "/" } })`, then emnapi's
// getImportObject() and initialize()) is what a user swapping run-wasi in would get.
//
// The package is given the emnapi it declares. npm hoists one @napi-rs/wasm-runtime for every
// package here, and that one loads whichever @emnapi/core is hoisted beside it, which may be
// another major than the package was built for (this repository's dev dependencies hold both). So
// the package's @napi-rs/wasm-runtime is loaded afresh with @emnapi/* taken from the package's own
// dependencies first, as in a project that installs the package alone.
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";

export function loadNapiBinding(loaderFile, WASI) {
  const fromPackage = createRequire(loaderFile);
  const emnapi = (id) => {
    try {
      return fromPackage(id);
    } catch {
      return undefined;
    }
  };
  return loadCommonJs(loaderFile, (id, own) => {
    if (id === "node:wasi" || id === "wasi") return { WASI };
    if (id === "@napi-rs/wasm-runtime") {
      const runtime = fromPackage.resolve(id);
      return loadCommonJs(runtime, (inner, innerOwn) => (inner.startsWith("@emnapi/") ? emnapi(inner) : undefined) ?? innerOwn(inner));
    }
    return own(id);
  });
}

/** Runs the CommonJS file `file` with `answer(id, ownRequire)` as its require; returns its exports. */
function loadCommonJs(file, answer) {
  const own = createRequire(file);
  const require = Object.assign((id) => answer(id, own), { resolve: own.resolve, cache: own.cache });
  const module = { exports: {} };
  const body = vm.compileFunction(fs.readFileSync(file, "utf8"), ["exports", "require", "module", "__filename", "__dirname"], { filename: file });
  body.call(module.exports, module.exports, require, module, file, path.dirname(file));
  return module.exports;
}
