// wasmtime's option groups (-O, -C, -D, -W, -S, -R: `KEY[=VALUE][,KEY[=VALUE]…]`), so that a
// command line written for `wasmtime run` means the same here or is refused in one line. Each key
// is listed once, with what run-wasi does with it.

/** What run-wasi makes of one key. */
export type Treatment =
  /** Done as wasmtime does it (the key's setter records it). */
  | "honoured"
  /** Tunes wasmtime's own engine (compiler, allocator, caches): nothing to do on V8; accepted. */
  | "no-op"
  /** A feature run-wasi lacks: `KEY=n` (wasmtime's default) is accepted, turning it on is refused. */
  | "refused-when-on"
  /** Something V8 always does (a WebAssembly proposal): on is accepted, off cannot be had. */
  | "refused-when-off"
  /** Asks for something run-wasi cannot do at all (a limit, a tool): refused whatever its value. */
  | "refused";

/** How the value is written: a flag (`KEY`, `KEY=y|yes|true|n|no|false`) or `KEY=VALUE`. */
export type ValueKind = "flag" | "value";

/** What the keys that run-wasi honours set. */
export interface GroupSettings {
  maxBacktrace?: number;
  validationCache?: boolean;
  unknownImportsTrap?: boolean;
  inheritEnv?: boolean;
  inheritStdin?: boolean;
  inheritStdout?: boolean;
  inheritStderr?: boolean;
  preview0?: boolean;
  tcpListen: string[];
}

interface KeySpec {
  kind: ValueKind;
  treatment: Treatment;
  /** Why a refused key is refused, or what an honoured one does. */
  note: string;
  set?: (settings: GroupSettings, value: string | undefined) => void;
}

export class OptionError extends Error {}

const LIMIT = "run-wasi cannot enforce this limit on V8";
const ENGINE = "tunes wasmtime's engine";
const FEATURE_OFF = "V8 decides which WebAssembly features it accepts; run-wasi cannot turn one off";

const noop = (kind: ValueKind, note = ENGINE): KeySpec => ({ kind, treatment: "no-op", note });
const refused = (kind: ValueKind, note: string): KeySpec => ({ kind, treatment: "refused", note });
const refusedWhenOn = (note: string): KeySpec => ({ kind: "flag", treatment: "refused-when-on", note });
/** A WebAssembly proposal: on is what V8 does anyway; off cannot be had. */
const proposal: KeySpec = { kind: "flag", treatment: "refused-when-off", note: FEATURE_OFF };
const flagSetting = (note: string, set: (settings: GroupSettings, on: boolean) => void): KeySpec => ({
  kind: "flag",
  treatment: "honoured",
  note,
  set: (settings, value) => set(settings, parseFlag(value)),
});

function keys(kind: ValueKind, names: string, spec: (kind: ValueKind) => KeySpec): Record<string, KeySpec> {
  return Object.fromEntries(names.split(/\s+/).filter(Boolean).map((name) => [name, spec(kind)]));
}

const optimize: Record<string, KeySpec> = {
  ...keys(
    "flag",
    `memory-may-move gc-heap-may-move guard-before-linear-memory table-lazy-init pooling-allocator memory-init-cow
     signals-based-traps static-memory-forced pooling-memory-protection-keys pooling-pagemap-scan`,
    noop,
  ),
  ...keys(
    "value",
    `opt-level regalloc-algorithm memory-reservation memory-reservation-for-growth memory-guard-size gc-heap-reservation
     gc-heap-reservation-for-growth gc-heap-guard-size gc-heap-initial-size pooling-decommit-batch-size
     pooling-memory-keep-resident pooling-table-keep-resident pooling-max-memory-protection-keys
     memory-guaranteed-dense-image-size pooling-total-core-instances pooling-total-component-instances
     pooling-total-memories pooling-total-tables pooling-total-stacks pooling-max-memory-size pooling-table-elements
     pooling-max-core-instance-size pooling-max-unused-warm-slots pooling-async-stack-keep-resident
     pooling-max-component-instance-size pooling-max-core-instances-per-component pooling-max-memories-per-component
     pooling-max-tables-per-component pooling-max-tables-per-module pooling-max-memories-per-module
     pooling-total-gc-heaps dynamic-memory-guard-size static-memory-guard-size static-memory-maximum-size
     dynamic-memory-reserved-for-growth`,
    noop,
  ),
};

const codegen: Record<string, KeySpec> = {
  ...keys("value", "compiler collector cache-config inlining", noop),
  ...keys("flag", "cranelift-debug-verifier parallel-compilation native-unwind-info metadata-for-internal-asserts metadata-for-gc-heap-corruption", noop),
  cache: flagSetting("run-wasi's record of validated modules (RUN_WASI_CACHE)", (s, on) => (s.validationCache = on)),
};

const debug: Record<string, KeySpec> = {
  ...keys("flag", "debug-info address-map logging log-to-files symbols inherit-stdin inherit-stdout inherit-stderr", noop),
  "guest-debug": refusedWhenOn("run-wasi has no guest debugger"),
  coredump: refused("value", "run-wasi writes no wasm core dumps"),
  debugger: refused("value", "run-wasi has no debugger components"),
  arg: refused("value", "run-wasi has no debugger components"),
  "max-backtrace": {
    kind: "value",
    treatment: "honoured",
    note: "frames shown when the guest traps (default 20; 0: none)",
    set: (s, value) => (s.maxBacktrace = parseCount(value)),
  },
};

const wasm: Record<string, KeySpec> = {
  ...keys("flag", "epoch-interruption async-stack-zeroing unknown-exports-allow", noop),
  ...keys("value", "max-wasm-stack async-stack-size", noop),
  ...keys(
    "flag",
    `all-proposals bulk-memory multi-memory multi-value reference-types simd relaxed-simd tail-call threads shared-memory
     shared-everything-threads memory64 function-references stack-switching gc custom-page-sizes wide-arithmetic
     branch-hinting extended-const exceptions gc-support concurrency-support`,
    () => proposal,
  ),
  // Components are refused whatever these say.
  ...keys(
    "flag",
    `component-model component-model-async component-model-more-async-builtins component-model-async-stackful
     component-model-threading component-model-error-context component-model-gc component-model-map
     component-model-memory64 component-model-fixed-length-lists component-model-implements`,
    (kind) => noop(kind, "run-wasi runs core modules only"),
  ),
  "nan-canonicalization": refusedWhenOn("V8 does not canonicalise NaNs"),
  "relaxed-simd-deterministic": refusedWhenOn("V8 does not offer it"),
  wmemcheck: refusedWhenOn("run-wasi has no memory checker"),
  "trap-on-grow-failure": refusedWhenOn(LIMIT),
  "unknown-imports-default": refusedWhenOn("run-wasi gives unknown imports no default values (-W unknown-imports-trap does work)"),
  "unknown-imports-trap": flagSetting("an unknown function import traps when called, instead of stopping the start", (s, on) => (s.unknownImportsTrap = on)),
  ...keys("value", "fuel timeout max-memory-size max-table-elements max-instances max-tables max-memories", (kind) => refused(kind, LIMIT)),
};

const wasi: Record<string, KeySpec> = {
  cli: { kind: "flag", treatment: "refused-when-off", note: "run-wasi always provides WASI preview1" },
  common: { kind: "flag", treatment: "refused-when-off", note: "run-wasi always provides WASI preview1 (-S common is -S cli's old name)" },
  "inherit-env": flagSetting("the guest gets the host's whole environment (--env still overrides)", (s, on) => (s.inheritEnv = on)),
  "inherit-stdin": flagSetting("stdin is the host's (default); n: at end of file", (s, on) => (s.inheritStdin = on)),
  "inherit-stdout": flagSetting("stdout is the host's (default); n: discarded", (s, on) => (s.inheritStdout = on)),
  "inherit-stderr": flagSetting("stderr is the host's (default); n: discarded", (s, on) => (s.inheritStderr = on)),
  preview0: flagSetting("wasi_unstable imports are provided (default); n: refused", (s, on) => (s.preview0 = on)),
  tcplisten: {
    kind: "value",
    treatment: "honoured",
    note: "a listening TCP socket on HOST:PORT, preopened for the guest (repeatable)",
    set: (s, value) => s.tcpListen.push(parseListenAddress(value)),
  },
  ...keys("flag", "cli-exit-with-code preview2 inherit-network allow-ip-name-lookup tcp udp network-error-code p3", (kind) =>
    noop(kind, "only concerns components (WASI 0.2/0.3)"),
  ),
  ...keys("value", "cwd max-random-size max-http-fields-size http-outgoing-body-buffer-chunks http-outgoing-body-chunk-size", (kind) =>
    noop(kind, "only concerns components (WASI 0.2/0.3)"),
  ),
  ...keys("flag", "nn threads http config keyvalue tls listenfd", () => refusedWhenOn("run-wasi implements WASI preview1 only")),
  ...keys("value", "nn-graph config-var keyvalue-in-memory-data", (kind) => refused(kind, "run-wasi implements WASI preview1 only")),
  ...keys("value", "max-resources hostcall-fuel", (kind) => refused(kind, LIMIT)),
};

const record: Record<string, KeySpec> = keys("value", "path validation-metadata event-window-size", (kind) =>
  refused(kind, "run-wasi does not record executions"),
);

/** The groups by their short letter, with wasmtime's long spelling. */
export const GROUPS = {
  O: { long: "optimize", keys: optimize },
  C: { long: "codegen", keys: codegen },
  D: { long: "debug", keys: debug },
  W: { long: "wasm", keys: wasm },
  S: { long: "wasi", keys: wasi },
  R: { long: "record", keys: record },
} as const;

export type GroupLetter = keyof typeof GROUPS;

/** wasmtime's boolean values: nothing, y/yes/true, n/no/false. */
function parseFlag(value: string | undefined): boolean {
  if (value === undefined || value === "y" || value === "yes" || value === "true") return true;
  if (value === "n" || value === "no" || value === "false") return false;
  throw new OptionError(`${JSON.stringify(value)} is not a boolean (y, yes, true, n, no, false, or nothing)`);
}

/** A count, written as wasmtime reads numbers (decimal or 0x hex, `_` ignored). */
function parseCount(value: string | undefined): number {
  const text = (value ?? "").replaceAll("_", "");
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) throw new OptionError(`${JSON.stringify(value ?? "")} is not a number`);
  return n;
}

/** HOST:PORT, the host an IPv4 address, a name, or an IPv6 address in brackets. */
function parseListenAddress(value: string | undefined): string {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(value ?? "");
  if (!match || Number(match[2]) > 65535) throw new OptionError(`${JSON.stringify(value ?? "")} is not HOST:PORT`);
  return value!;
}

/**
 * Applies one group option, `-S inherit-env,tcplisten=127.0.0.1:8080`, to `settings`. Throws an
 * OptionError naming the key for an unknown key, a malformed value, or a key run-wasi refuses.
 */
export function applyGroupOption(letter: GroupLetter, text: string, settings: GroupSettings): void {
  const group = GROUPS[letter];
  for (const item of text.split(",")) {
    const eq = item.indexOf("=");
    const key = eq === -1 ? item : item.slice(0, eq);
    const value = eq === -1 ? undefined : item.slice(eq + 1);
    const shown = `-${letter} ${item}`;
    const spec = group.keys[key] ?? (letter === "C" && key.startsWith("cranelift-") ? noop("value") : undefined);
    if (spec === undefined) throw new OptionError(`unknown -${letter} option ${JSON.stringify(key)} (see run-wasi -${letter} help)`);
    if (spec.kind === "value" && (value === undefined || value === "")) throw new OptionError(`${shown}: needs a value (${key}=…)`);
    let on = true;
    try {
      if (spec.kind === "flag") on = parseFlag(value);
      spec.set?.(settings, value);
    } catch (error) {
      throw new OptionError(`${shown}: ${(error as Error).message}`);
    }
    const refuse =
      spec.treatment === "refused" || (spec.treatment === "refused-when-on" && on) || (spec.treatment === "refused-when-off" && !on);
    if (refuse) {
      throw new OptionError(`${shown} is not supported: ${spec.note}`);
    }
  }
}

/** `-S help`: every key of the group and what run-wasi does with it. */
export function groupHelp(letter: GroupLetter): string {
  const group = GROUPS[letter];
  const shown = (treatment: Treatment): string =>
    ({
      honoured: "as in wasmtime",
      "no-op": "accepted, no effect",
      "refused-when-on": "refused when on",
      "refused-when-off": "refused when off",
      refused: "refused",
    })[treatment];
  const lines = Object.entries(group.keys).map(([key, spec]) => {
    const form = spec.kind === "flag" ? `${key}[=y|n]` : `${key}=…`;
    return `  -${letter} ${form.padEnd(36)} ${shown(spec.treatment)}: ${spec.note}`;
  });
  if (letter === "C") lines.push(`  -C ${"cranelift-NAME=…".padEnd(36)} accepted, no effect: ${ENGINE}`);
  return `wasmtime's -${letter} / --${group.long} options in run-wasi:\n\n${lines.join("\n")}`;
}
