// `require` of the package (a CommonJS file): the same API, from declarations TypeScript accepts there.
import type { WASIOptions as NodeWASIOptions } from "node:wasi";
import { WASI, Errno } from "run-wasi";

declare const fromNode: NodeWASIOptions;
export const wasi: WASI = new WASI(fromNode);
export const success: number = Errno.SUCCESS;
// @ts-expect-error stdin is no boolean
export const badStdin = new WASI({ stdin: true });
