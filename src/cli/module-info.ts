// What the CLI reads from a module's bytes itself: what kind of file it is (for a useful message when
// it is not a core module), the types of its function exports (for --invoke: Node has no type
// reflection) and its name section (for backtraces). Malformed sections end the reading quietly:
// V8 is the judge of validity, this only describes.

/** A value type as --invoke needs it: numbers by name, every reference type as "ref". */
export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref" | "ref";

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface ModuleInfo {
  /** The name section's module name, if any. */
  moduleName: string | undefined;
  /** Function index (imports first, as in the stack) → name, from the name section. */
  functionNames: Map<number, string>;
  /** Exported function name → its type (undefined where a type could not be read). */
  exportedFunctions: Map<string, FuncType | undefined>;
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

/**
 * For bytes that are not a version-1 core module, a sentence saying what they are and what to do;
 * undefined for bytes that claim to be one (V8 then says whether they are).
 */
export function notACoreModule(file: string, bytes: Uint8Array): string | undefined {
  if (MAGIC.every((b, i) => bytes[i] === b) && bytes.byteLength >= 8) {
    const version = bytes[4]! | (bytes[5]! << 8);
    const layer = bytes[6]! | (bytes[7]! << 8);
    if (layer === 1) {
      return `${file} is a WebAssembly component, not a core module: run-wasi runs WASI preview1 core modules. Build for wasm32-wasip1 (or keep the module from before \`wasm-tools component new\`), or run the component with wasmtime or jco.`;
    }
    if (layer !== 0 || version !== 1) return `${file} is WebAssembly binary version ${version} (layer ${layer}); run-wasi runs version 1 core modules.`;
    return undefined;
  }
  if (bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) {
    return `${file} is a native (ELF) file, such as wasmtime's precompiled .cwasm: run-wasi needs the .wasm module it was compiled from.`;
  }
  if (looksLikeWat(bytes)) {
    return `${file} is WebAssembly text (.wat), which run-wasi does not compile: turn it into a binary first, e.g. \`wat2wasm ${file}\` (wabt) or \`wasm-tools parse ${file} -o out.wasm\`.`;
  }
  return undefined;
}

/** Text that starts, after blanks and comments, with `(module` or `(component`. */
function looksLikeWat(bytes: Uint8Array): boolean {
  let text = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, 4096)).replace(/^\uFEFF/, "");
  for (;;) {
    const trimmed = text.replace(/^\s+/, "");
    if (trimmed.startsWith(";;")) text = trimmed.replace(/^;;[^\n]*\n?/, "");
    else if (trimmed.startsWith("(;")) {
      const end = trimmed.indexOf(";)");
      if (end === -1) return false;
      text = trimmed.slice(end + 2);
    } else return /^\((module|component)\b/.test(trimmed);
  }
}

class Reader {
  at: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.at = start;
  }
  byte(): number {
    if (this.at >= this.end) throw new RangeError("past the end");
    return this.bytes[this.at++]!;
  }
  /** An unsigned LEB128 of up to 32 bits (larger ones are read and their value is not used). */
  u32(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.byte();
      if (shift < 32) result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      if (shift > 63) throw new RangeError("LEB128 too long");
    }
  }
  /** A signed LEB128 (heap types); only its sign and small values matter here. */
  s33(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      if (shift < 32) result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && shift < 70);
    if (shift < 32 && b & 0x40) result |= -1 << shift;
    return result;
  }
  name(): string {
    const len = this.u32();
    if (this.at + len > this.end) throw new RangeError("name past the end");
    const text = new TextDecoder().decode(this.bytes.subarray(this.at, this.at + len));
    this.at += len;
    return text;
  }
  skip(n: number): void {
    this.at += n;
  }
}

function valType(r: Reader): ValType {
  const b = r.byte();
  switch (b) {
    case 0x7f:
      return "i32";
    case 0x7e:
      return "i64";
    case 0x7d:
      return "f32";
    case 0x7c:
      return "f64";
    case 0x7b:
      return "v128";
    case 0x70:
      return "funcref";
    case 0x6f:
      return "externref";
    case 0x63: // (ref null ht)
    case 0x64: // (ref ht)
      r.s33();
      return "ref";
    default:
      if (b >= 0x69 && b <= 0x74) return "ref"; // the abstract heap types' shorthands
      throw new RangeError(`value type 0x${b.toString(16)}`);
  }
}

function vecOf<T>(r: Reader, item: () => T): T[] {
  return Array.from({ length: r.u32() }, item);
}

/** One entry of the type section; a struct or array type (GC) gives undefined. */
function subType(r: Reader, out: (FuncType | undefined)[]): void {
  let form = r.byte();
  if (form === 0x4e) {
    // A recursive group of sub types.
    for (let n = r.u32(); n > 0; n--) subType(r, out);
    return;
  }
  if (form === 0x50 || form === 0x4f) {
    vecOf(r, () => r.u32()); // supertypes
    form = r.byte();
  }
  if (form === 0x60) {
    out.push({ params: vecOf(r, () => valType(r)), results: vecOf(r, () => valType(r)) });
  } else if (form === 0x5f) {
    vecOf(r, () => fieldType(r));
    out.push(undefined);
  } else if (form === 0x5e) {
    fieldType(r);
    out.push(undefined);
  } else {
    throw new RangeError(`type form 0x${form.toString(16)}`);
  }
}

function fieldType(r: Reader): void {
  const b = r.bytes[r.at];
  if (b === 0x78 || b === 0x77) r.skip(1); // packed i8, i16
  else valType(r);
  r.skip(1); // mutability
}

function limits(r: Reader): void {
  const flags = r.byte();
  r.u32();
  if (flags & 1) r.u32();
  if (flags & 8) r.u32(); // custom page size (log2)
}

/** Reads what the CLI needs; whatever cannot be read is left out. */
export function readModuleInfo(bytes: Uint8Array): ModuleInfo {
  const info: ModuleInfo = { moduleName: undefined, functionNames: new Map(), exportedFunctions: new Map() };
  const types: (FuncType | undefined)[] = [];
  const functionTypes: number[] = []; // function index → type index
  const exports: [string, number][] = [];
  let at = 8;
  try {
    while (at < bytes.byteLength) {
      const header = new Reader(bytes, at, bytes.byteLength);
      const id = header.byte();
      const size = header.u32();
      const r = new Reader(bytes, header.at, Math.min(header.at + size, bytes.byteLength));
      at = header.at + size;
      try {
        if (id === 1) {
          for (let n = r.u32(); n > 0; n--) subType(r, types);
        } else if (id === 2) {
          for (let n = r.u32(); n > 0; n--) {
            r.name();
            r.name();
            const kind = r.byte();
            if (kind === 0x00) functionTypes.push(r.u32());
            else if (kind === 0x01) (valType(r), limits(r));
            else if (kind === 0x02) limits(r);
            else if (kind === 0x03) (valType(r), r.byte());
            else if (kind === 0x04) (r.byte(), r.u32());
            else throw new RangeError(`import kind ${kind}`);
          }
        } else if (id === 3) {
          for (let n = r.u32(); n > 0; n--) functionTypes.push(r.u32());
        } else if (id === 7) {
          for (let n = r.u32(); n > 0; n--) {
            const name = r.name();
            const kind = r.byte();
            const index = r.u32();
            if (kind === 0x00) exports.push([name, index]);
          }
        } else if (id === 0 && r.name() === "name") {
          readNameSection(r, info);
        }
      } catch {
        // This section is left out; the others are still read.
      }
    }
  } catch {
    // A section header past the end: what was read stands.
  }
  for (const [name, index] of exports) {
    const typeIndex = functionTypes[index];
    info.exportedFunctions.set(name, typeIndex === undefined ? undefined : types[typeIndex]);
  }
  return info;
}

function readNameSection(r: Reader, info: ModuleInfo): void {
  while (r.at < r.end) {
    const id = r.byte();
    const size = r.u32();
    const sub = new Reader(r.bytes, r.at, Math.min(r.at + size, r.end));
    r.skip(size);
    if (id === 0) info.moduleName = sub.name();
    else if (id === 1) {
      for (let n = sub.u32(); n > 0; n--) {
        const index = sub.u32();
        info.functionNames.set(index, sub.name());
      }
    }
  }
}
