export { WASI, type WASIOptions, type PreopenOptions } from "./wasi.js";
export { Errno, Rights, Filetype, Oflags, Fdflags, Lookupflags, Fstflags, Clockid } from "./abi/constants.js";
export { signatures, importNames, type ImportName, type Signature } from "./abi/signatures.js";
export type { FsBackend, HostDirent } from "./fs/backend.js";
export { nodeBackend } from "./fs/node.js";
export type { StdinOption, StdoutOption } from "./stdio.js";
export type { TraceOption } from "./trace.js";
export { MemoryFs, type MemoryFsOptions, type MemoryTree, type MemoryEntry } from "./fs/memory.js";
