// args_* and environ_*: NUL-terminated UTF-8 strings and a pointer array, sizes in bytes.
import type { Context, Syscalls } from "./context.js";

function sizes(ctx: Context, list: readonly Uint8Array[], countOut: number, sizeOut: number): void {
  let bytes = 0;
  for (const item of list) bytes += item.byteLength + 1;
  ctx.memory.check(countOut, 4);
  ctx.memory.check(sizeOut, 4);
  ctx.memory.setU32(countOut, list.length);
  ctx.memory.setU32(sizeOut, bytes);
}

function copy(ctx: Context, list: readonly Uint8Array[], pointers: number, buffer: number): void {
  const mem = ctx.memory;
  let bytes = 0;
  for (const item of list) bytes += item.byteLength + 1;
  // Check both regions before writing anything.
  mem.check(pointers, list.length * 4);
  mem.check(buffer, bytes);
  let at = buffer;
  list.forEach((item, i) => {
    mem.setU32(pointers + i * 4, at);
    mem.write(at, item);
    mem.setU8(at + item.byteLength, 0);
    at += item.byteLength + 1;
  });
}

export function argsEnvSyscalls(ctx: Context) {
  return {
    args_sizes_get: (countOut: number, sizeOut: number) => sizes(ctx, ctx.args, countOut, sizeOut),
    args_get: (pointers: number, buffer: number) => copy(ctx, ctx.args, pointers, buffer),
    environ_sizes_get: (countOut: number, sizeOut: number) => sizes(ctx, ctx.env, countOut, sizeOut),
    environ_get: (pointers: number, buffer: number) => copy(ctx, ctx.env, pointers, buffer),
  } satisfies Syscalls;
}
