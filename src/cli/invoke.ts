// --invoke NAME: the function's arguments read from the command line, its results printed one per
// line, each as wasmtime reads and prints them (i32/i64 in decimal or 0x hex; floats as Rust
// displays them: shortest round trip, no exponent, `inf`, `NaN`).
import type { FuncType, ValType } from "./module-info.js";

export class InvokeError extends Error {}

const INT32 = /^[+-]?\d+$/;
const HEX = /^0[xX][0-9a-fA-F]+$/;
const FLOAT = /^[+-]?(inf|infinity|nan|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)$/i;

function parseInt64(text: string, bits: 32 | 64): bigint {
  let value: bigint;
  if (INT32.test(text)) value = BigInt(text);
  else if (HEX.test(text)) value = BigInt(text.toLowerCase());
  else throw new InvokeError(`${JSON.stringify(text)} is not an integer`);
  const limit = 1n << BigInt(bits - 1);
  if (value < -limit || value >= limit) throw new InvokeError(`${text} is out of range for i${bits}`);
  return value;
}

function parseFloatArg(text: string): number {
  if (!FLOAT.test(text)) throw new InvokeError(`${JSON.stringify(text)} is not a number`);
  const lower = text.toLowerCase().replace(/^\+/, "");
  if (/^-?inf(inity)?$/.test(lower)) return lower.startsWith("-") ? -Infinity : Infinity;
  if (/^-?nan$/.test(lower)) return NaN;
  return Number(text);
}

/** The JavaScript values for the function's parameters, from the arguments after the module. */
export function invokeArguments(name: string, type: FuncType, args: readonly string[]): (number | bigint)[] {
  if (args.length < type.params.length) throw new InvokeError(`not enough arguments for \`${name}\``);
  return type.params.map((param, i) => {
    const text = args[i]!;
    switch (param) {
      case "i32":
        return Number(parseInt64(text, 32));
      case "i64":
        return parseInt64(text, 64);
      case "f32":
        return Math.fround(parseFloatArg(text));
      case "f64":
        return parseFloatArg(text);
      default:
        throw new InvokeError(`\`${name}\` takes a ${param}, which cannot be given on the command line`);
    }
  });
}

/** The lines wasmtime prints for the results. */
export function formatResults(type: FuncType, returned: unknown): string[] {
  const values = type.results.length === 1 ? [returned] : Array.isArray(returned) ? returned : [];
  return type.results.map((result, i) => formatValue(result, values[i]));
}

function formatValue(type: ValType, value: unknown): string {
  switch (type) {
    case "i32":
    case "i64":
      return String(value);
    case "f32":
      return rustFloat(value as number, 32);
    case "f64":
      return rustFloat(value as number, 64);
    case "funcref":
      return value === null ? "<null funcref>" : "<funcref>";
    case "externref":
      return value === null ? "<null externref>" : "<externref>";
    default:
      return value === null ? "<null ref>" : "<ref>";
  }
}

/** A float as Rust's Display writes it: the shortest digits that read back as the same value, in plain notation. */
export function rustFloat(value: number, bits: 32 | 64): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  let shortest = String(value);
  if (bits === 32) {
    for (let digits = 1; digits <= 9; digits++) {
      const candidate = value.toPrecision(digits);
      if (Math.fround(Number(candidate)) === value) {
        shortest = candidate;
        break;
      }
    }
  }
  // d.ddd × 10^exp, written out without an exponent.
  const [mantissa, exponentText] = Number(shortest).toExponential().split("e") as [string, string];
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace(/^-/, "").replace(".", "");
  const exponent = Number(exponentText);
  let plain: string;
  if (exponent >= digits.length - 1) plain = digits + "0".repeat(exponent - digits.length + 1);
  else if (exponent >= 0) plain = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  else plain = `0.${"0".repeat(-exponent - 1)}${digits}`;
  return negative ? `-${plain}` : plain;
}
