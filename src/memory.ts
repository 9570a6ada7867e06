// Bounds-checked access to guest memory. The views are re-derived from `memory.buffer` at the start
// of every import (`refresh()`), so a `memory.grow` between calls never leaves a detached view.
// Every pointer and length is checked against the current size: out of bounds is EFAULT.
import { Errno } from "./abi/constants.js";
import { WasiError } from "./errors.js";

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

export class GuestMemory {
  #memory: WebAssembly.Memory | undefined;
  #buffer: ArrayBufferLike | undefined;
  view = new DataView(new ArrayBuffer(0));
  bytes = new Uint8Array(0);

  bind(memory: WebAssembly.Memory | undefined): void {
    this.#memory = memory;
    this.#buffer = undefined;
    this.refresh();
  }

  get bound(): boolean {
    return this.#memory !== undefined;
  }

  /** Re-derive the views if the memory's buffer changed (it does after every grow). */
  refresh(): void {
    const buffer = this.#memory?.buffer;
    if (buffer === this.#buffer && buffer !== undefined && this.bytes.byteLength === buffer.byteLength) return;
    if (buffer === undefined) {
      this.view = new DataView(new ArrayBuffer(0));
      this.bytes = new Uint8Array(0);
    } else {
      this.view = new DataView(buffer);
      this.bytes = new Uint8Array(buffer);
    }
    this.#buffer = buffer;
  }

  /** Throws EFAULT unless [ptr, ptr+len) lies inside memory. Returns ptr. */
  check(ptr: number, len: number): number {
    if (ptr < 0 || len < 0 || ptr + len > this.bytes.byteLength) throw new WasiError(Errno.FAULT);
    return ptr;
  }

  u8(ptr: number): number {
    return this.view.getUint8(this.check(ptr, 1));
  }
  u16(ptr: number): number {
    return this.view.getUint16(this.check(ptr, 2), true);
  }
  u32(ptr: number): number {
    return this.view.getUint32(this.check(ptr, 4), true);
  }
  u64(ptr: number): bigint {
    return this.view.getBigUint64(this.check(ptr, 8), true);
  }
  setU8(ptr: number, value: number): void {
    this.view.setUint8(this.check(ptr, 1), value);
  }
  setU16(ptr: number, value: number): void {
    this.view.setUint16(this.check(ptr, 2), value, true);
  }
  setU32(ptr: number, value: number): void {
    this.view.setUint32(this.check(ptr, 4), value, true);
  }
  setU64(ptr: number, value: bigint): void {
    this.view.setBigUint64(this.check(ptr, 8), BigInt.asUintN(64, value), true);
  }

  /** A live view of guest bytes (not a copy). */
  slice(ptr: number, len: number): Uint8Array {
    this.check(ptr, len);
    return this.bytes.subarray(ptr, ptr + len);
  }

  /** Copies host bytes into guest memory at ptr. */
  write(ptr: number, data: Uint8Array): void {
    this.check(ptr, data.byteLength);
    this.bytes.set(data, ptr);
  }

  /** Decodes a UTF-8 string; invalid UTF-8 is EILSEQ. */
  string(ptr: number, len: number): string {
    const raw = this.slice(ptr, len);
    try {
      return decoder.decode(raw);
    } catch {
      throw new WasiError(Errno.ILSEQ);
    }
  }
}

export const utf8 = (s: string): Uint8Array => encoder.encode(s);
