// `import` of the package: node:wasi's own option type is accepted as it is.
import type { WASIOptions as NodeWASIOptions } from "node:wasi";
import { WASI, type WASIOptions } from "run-wasi";

declare const fromNode: NodeWASIOptions;
const wasi = new WASI(fromNode);
export const exitCode: number = wasi.start({} as WebAssembly.Instance);
export const withStrings = new WASI({ version: "preview1", args: ["prog"], env: { HOME: "/" }, preopens: { "/": "." } });
export const extras: WASIOptions = { stdout: (chunk: Uint8Array) => void chunk, preopens: { "/ro": { path: ".", readonly: true } } };

// @ts-expect-error an unknown version
export const badVersion = new WASI({ version: "preview2" });
// @ts-expect-error env must be an object
export const badEnv = new WASI({ env: "A=B" });
// @ts-expect-error returnOnExit is a boolean
export const badReturn = new WASI({ returnOnExit: 1 });
