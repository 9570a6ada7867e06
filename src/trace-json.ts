// A trace made to be compared: one JSON object per call, on one line, with the decoded arguments,
// what the call wrote back on success (counts, fds, offsets, times, stat and fdstat fields, the
// events of a poll, link text, a preopen's name) and the errno's name, in a fixed key order. Two
// hosts running the same guest with the same inputs can be diffed line by line; 64-bit values are
// decimal strings (JSON numbers stop at 2^53).
//
//   {"call":"path_open","args":{"fd":3,"dirflags":1,"path":"a.txt",…},"errno":"SUCCESS","out":{"fd_out":4}}
import { errnoName } from "./abi/constants.js";
import { event, fdstat, prestat, type Layout } from "./abi/layouts.js";
import { signatures, type ImportName } from "./abi/signatures.js";
import { ProcExit } from "./errors.js";
import type { GuestMemory } from "./memory.js";
import type { Abi } from "./syscalls/context.js";
import { Tracer, type TraceOption } from "./trace.js";

/** How the calls are traced: `true`/a function (text lines), "json", or `{ format, output }`. */
export type TraceSetting = TraceOption | "text" | "json" | { readonly format?: "text" | "json"; readonly output?: (line: string) => void };

/** What traces a call: runs it and reports it. */
export interface CallTracer {
  call(name: ImportName, raw: unknown[], run: () => number): number;
}

/** The tracer for `setting`, or undefined when calls are not traced. */
export function tracerFor(setting: TraceSetting | undefined, memory: GuestMemory, abi: Abi): CallTracer | undefined {
  if (setting === undefined || setting === false) return undefined;
  if (setting === true || typeof setting === "function") return new Tracer(setting, memory);
  if (setting === "text" || setting === "json") return setting === "json" ? new JsonTracer(toStderr, memory, abi) : new Tracer(true, memory);
  if (setting === null || typeof setting !== "object") throw new TypeError('trace must be a boolean, a function, "text", "json" or { format, output }');
  const { format = "text", output } = setting;
  if (format !== "text" && format !== "json") throw new TypeError('trace.format must be "text" or "json"');
  if (output !== undefined && typeof output !== "function") throw new TypeError("trace.output must be a function");
  if (format === "json") return new JsonTracer(output ?? toStderr, memory, abi);
  return new Tracer(output ?? true, memory);
}

const toStderr = (line: string): void => void process.stderr.write(`${line}\n`);

/** Path arguments and link text are shown up to this many bytes; random bytes up to this many. */
const MAX_SHOWN_BYTES = 256;
const MAX_SHOWN_RANDOM = 64;
/** iovecs shown per call. */
const MAX_SHOWN_IOVECS = 16;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const lossy = new TextDecoder();

export class JsonTracer implements CallTracer {
  constructor(
    private readonly output: (line: string) => void,
    private readonly memory: GuestMemory,
    private readonly abi: Abi,
  ) {}

  call(name: ImportName, raw: unknown[], run: () => number): number {
    const args = this.#safely(() => this.#args(name, raw), {});
    let errno: string | undefined;
    let exit: number | undefined;
    let result: number | undefined;
    try {
      result = run();
      errno = errnoName[result] ?? String(result);
      return result;
    } catch (error) {
      if (error instanceof ProcExit) exit = error.code;
      else errno = `threw ${String(error)}`;
      throw error;
    } finally {
      const record: Record<string, Json> = { call: name, args };
      if (exit !== undefined) record.exit = exit;
      else record.errno = errno ?? "?";
      if (result === 0) record.out = this.#safely(() => this.#out(name, raw), {});
      this.output(JSON.stringify(record));
    }
  }

  /** Tracing must never throw into the call: whatever cannot be read is left out. */
  #safely(read: () => Json, fallback: Json): Json {
    try {
      this.memory.refresh();
      return read();
    } catch {
      return fallback;
    }
  }

  #args(name: ImportName, raw: unknown[]): Json {
    const params = signatures[name].params;
    const out: Record<string, Json> = {};
    params.forEach((p, i) => {
      const value = raw[i];
      if (p.type === "u64" || p.type === "s64") out[p.name] = String(p.type === "u64" ? BigInt.asUintN(64, value as bigint) : BigInt.asIntN(64, value as bigint));
      else out[p.name] = (value as number) >>> 0;
    });
    // Inputs worth decoding: paths (as text) and iovec lists (as [ptr, len] pairs).
    for (const [ptrName, lenName] of [["path", "path_len"], ["old_path", "old_path_len"], ["new_path", "new_path_len"]] as const) {
      if (ptrName in out && lenName in out) out[ptrName] = this.#text(out[ptrName] as number, out[lenName] as number);
    }
    if (name === "path_symlink") out.old_path = this.#text(out.old_path as number, out.old_path_len as number);
    if ("iovs" in out && "iovs_len" in out) out.iovs = this.#iovecs(out.iovs as number, out.iovs_len as number);
    return out;
  }

  #out(name: ImportName, raw: unknown[]): Json {
    const at = (param: string): number => {
      const i = signatures[name].params.findIndex((p) => p.name === param);
      return (raw[i] as number) >>> 0;
    };
    const m = this.memory;
    switch (name) {
      case "args_sizes_get":
      case "environ_sizes_get":
      case "fd_read":
      case "fd_pread":
      case "fd_write":
      case "fd_pwrite":
      case "fd_readdir":
      case "path_open":
      case "sock_accept":
      case "sock_send": {
        const out: Record<string, Json> = {};
        for (const result of signatures[name].results ?? []) out[result] = m.u32(at(result));
        return out;
      }
      case "clock_res_get":
      case "clock_time_get":
      case "fd_seek":
      case "fd_tell": {
        const result = signatures[name].results![0]!;
        return { [result]: String(m.u64(at(result))) };
      }
      case "fd_fdstat_get":
        return this.#struct(at("stat_out"), fdstat);
      case "fd_filestat_get":
      case "path_filestat_get":
        return this.#struct(at("stat_out"), this.abi.filestat);
      case "fd_prestat_get":
        return this.#struct(at("prestat_out"), prestat);
      case "fd_prestat_dir_name":
        return { path_out: this.#text(at("path_out"), at("path_len")) };
      case "path_readlink": {
        const used = m.u32(at("bufused_out"));
        return { bufused_out: used, text: this.#text(at("buf"), used) };
      }
      case "poll_oneoff": {
        const count = m.u32(at("nevents_out"));
        const events: Json[] = [];
        for (let i = 0; i < Math.min(count, MAX_SHOWN_IOVECS); i++) events.push(this.#struct(at("out") + i * event.size, event));
        return { nevents_out: count, events };
      }
      case "random_get": {
        const len = at("buf_len");
        return { bytes: Buffer.from(m.slice(at("buf"), Math.min(len, MAX_SHOWN_RANDOM))).toString("hex") };
      }
      case "sock_recv":
        return { ro_datalen_out: m.u32(at("ro_datalen_out")), ro_flags_out: m.u16(at("ro_flags_out")) };
      default:
        return {};
    }
  }

  #struct(ptr: number, layout: Layout): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const [field, { offset, type }] of Object.entries(layout.fields)) {
      const m = this.memory;
      out[field] = type === "u64" ? String(m.u64(ptr + offset)) : type === "u32" ? m.u32(ptr + offset) : type === "u16" ? m.u16(ptr + offset) : m.u8(ptr + offset);
    }
    return out;
  }

  #text(ptr: number, len: number): string {
    return lossy.decode(this.memory.slice(ptr, Math.min(len, MAX_SHOWN_BYTES)));
  }

  #iovecs(ptr: number, count: number): Json {
    const out: Json[] = [];
    for (let i = 0; i < Math.min(count, MAX_SHOWN_IOVECS); i++) out.push([this.memory.u32(ptr + i * 8), this.memory.u32(ptr + i * 8 + 4)]);
    return out;
  }
}
