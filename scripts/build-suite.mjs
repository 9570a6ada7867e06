// Builds the project's own conformance suite (wasi-testsuite/) from source.
//
//   node scripts/build-suite.mjs            every .wat (wabt) and every .c (clang) → .wasm beside it
//   node scripts/build-suite.mjs --wat      only the WAT tests (what `npm test` needs; no clang)
//   node scripts/build-suite.mjs --c        only the C tests
//   node scripts/build-suite.mjs --check    rebuild the C tests into a temporary directory and fail
//                                           unless every committed .wasm is byte for byte the same,
//                                           and unless every spec's "stdout" lists its source's cases
//   node scripts/build-suite.mjs --specs    rewrite each spec's "stdout" from its source's cases
//
// Cases: a test prints one line "ok NAME" per checked expectation, in the order its source makes
// them. The spec's "stdout" is that list, taken from the source: in C the string literal that
// starts a call to expect*(), check*() or pass(); in WAT the NUL-terminated data string whose
// address starts a call to $expect, $expect64, $check or $ok. (Each such call runs exactly once.)
// A source with no such calls keeps the "stdout" written in its spec by hand.
//
// WAT binaries are build products (gitignored). C binaries are committed, so that the suite runs
// without clang; they are built reproducibly: no debug info (-g would embed absolute paths), the
// compiler run from the test directory on a relative file name, the same flags every time.
// Toolchain: Debian 12's clang 14, lld, wasi-libc and libclang-rt-dev-wasm32.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const SUITE_DIR = fileURLToPath(new URL("../wasi-testsuite/", import.meta.url));
export const CLANG = process.env.CLANG ?? "clang";
export const CFLAGS = ["--target=wasm32-wasi", "-O2", "-Wall", "-Wextra", "-Wno-unused-function", "-Wno-unused-parameter"];

/** The family directories of the suite (those holding test sources). */
export function families(root = SUITE_DIR) {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(root, e.name))
    .filter((dir) => readdirSync(dir).some((n) => n.endsWith(".wat") || n.endsWith(".c")));
}

const sources = (dir, ext) => readdirSync(dir).filter((n) => n.endsWith(ext)).sort();

/** Compiles every .wat of every family with wabt. Returns the .wasm paths written. */
export async function buildWat(root = SUITE_DIR) {
  const { default: wabtInit } = await import("wabt");
  const wabt = await wabtInit();
  const written = [];
  for (const dir of families(root)) {
    for (const name of sources(dir, ".wat")) {
      const mod = wabt.parseWat(name, readFileSync(join(dir, name), "utf8"));
      try {
        mod.resolveNames();
        mod.validate();
        const out = join(dir, name.replace(/\.wat$/, ".wasm"));
        writeFileSync(out, mod.toBinary({ write_debug_names: true }).buffer);
        written.push(out);
      } finally {
        mod.destroy();
      }
    }
  }
  return written;
}

function run(cmd, args, cwd) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (e) => reject(new Error(`${cmd}: ${e.message} (is clang installed? see scripts/build-suite.mjs)`)));
    child.on("close", (code) => (code === 0 ? resolvePromise() : reject(new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${code}`))));
  });
}

/**
 * Compiles every .c of every family with clang. `outDir(dir)` says where each family's .wasm
 * files go (beside the sources by default). Returns [source, output] pairs.
 */
export async function buildC(root = SUITE_DIR, outDir = (dir) => dir) {
  const jobs = [];
  for (const dir of families(root)) {
    for (const name of sources(dir, ".c")) {
      jobs.push({ dir, name, out: join(outDir(dir), name.replace(/\.c$/, ".wasm")) });
    }
  }
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { dir, name, out } = jobs[next++];
      await run(CLANG, [...CFLAGS, name, "-o", out], dir);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, availableParallelism()) }, worker));
  return jobs.map(({ dir, name, out }) => [join(dir, name), out]);
}

/** Rebuilds the C tests elsewhere and lists committed binaries that differ (or are missing/stale). */
export async function checkC(root = SUITE_DIR) {
  const tmp = mkdtempSync(join(tmpdir(), "build-suite-"));
  try {
    const pairs = await buildC(root, (dir) => {
      const sub = join(tmp, dir.slice(resolve(root).length).replace(/[\\/]/g, "_") || "_");
      mkdirSync(sub, { recursive: true });
      return sub;
    });
    const problems = [];
    for (const [source, built] of pairs) {
      const committed = source.replace(/\.c$/, ".wasm");
      let ours;
      try {
        ours = readFileSync(committed);
      } catch {
        problems.push(`${committed}: missing (run npm run build:suite)`);
        continue;
      }
      if (!ours.equals(readFileSync(built))) problems.push(`${committed}: differs from a fresh build of ${source}`);
    }
    for (const dir of families(root)) {
      for (const name of sources(dir, ".wasm")) {
        const base = name.slice(0, -".wasm".length);
        const hasSource = statOk(join(dir, `${base}.c`)) || statOk(join(dir, `${base}.wat`));
        if (!hasSource) problems.push(`${join(dir, name)}: no source (${base}.c or ${base}.wat) beside it`);
      }
    }
    return { checked: pairs.length, problems };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The case names of one source file, in order (empty: the spec's stdout is written by hand). */
export function casesOf(file) {
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".c")) {
    return [...text.matchAll(/\b(?:expect\w*|check\w*|pass)\(\s*"([^"\\]+)"/g)].map((m) => m[1]);
  }
  const strings = new Map();
  for (const m of text.matchAll(/\(data \(i32\.const (\d+)\) "([^"\\]*)\\00"\)/g)) strings.set(m[1], m[2]);
  return [...text.matchAll(/\(call \$(?:expect|expect64|check|ok) \(i32\.const (\d+)\)/g)].map((m) => {
    const name = strings.get(m[1]);
    if (name === undefined) throw new Error(`${file}: no case name at address ${m[1]}`);
    return name;
  });
}

/** The "stdout" a test's spec must hold, from its source; undefined when written by hand. */
export function expectedStdout(source) {
  const cases = casesOf(source);
  return cases.length === 0 ? undefined : cases.map((c) => `ok ${c}\n`).join("");
}

/** Every test source of the suite: [source, spec] pairs. */
export function testSources(root = SUITE_DIR) {
  return families(root).flatMap((dir) =>
    readdirSync(dir)
      .filter((n) => /\.(c|wat)$/.test(n))
      .sort()
      .map((n) => [join(dir, n), join(dir, n.replace(/\.(c|wat)$/, ".json"))]),
  );
}

const SPEC_KEYS = ["args", "env", "root", "dirs", "exit_code", "stdout", "stderr"];

function formatSpec(spec) {
  const ordered = {};
  for (const k of SPEC_KEYS) if (k in spec) ordered[k] = spec[k];
  for (const k of Object.keys(spec)) if (!(k in ordered)) ordered[k] = spec[k];
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Rewrites "stdout" of every spec whose source has cases. Returns the specs changed. */
export function writeSpecs(root = SUITE_DIR) {
  const changed = [];
  for (const [source, specPath] of testSources(root)) {
    const stdout = expectedStdout(source);
    if (stdout === undefined) continue;
    const spec = statOk(specPath) ? JSON.parse(readFileSync(specPath, "utf8")) : {};
    const text = formatSpec({ ...spec, stdout });
    if (!statOk(specPath) || readFileSync(specPath, "utf8") !== text) {
      writeFileSync(specPath, text);
      changed.push(specPath);
    }
  }
  return changed;
}

/** Specs whose "stdout" is not their source's case list. */
export function checkSpecs(root = SUITE_DIR) {
  const problems = [];
  for (const [source, specPath] of testSources(root)) {
    if (!statOk(specPath)) {
      problems.push(`${specPath}: missing`);
      continue;
    }
    const stdout = expectedStdout(source);
    if (stdout !== undefined && JSON.parse(readFileSync(specPath, "utf8")).stdout !== stdout) {
      problems.push(`${specPath}: "stdout" does not list the cases of ${source} (run: npm run build:suite -- --specs)`);
    }
    const dups = casesOf(source).filter((c, i, all) => all.indexOf(c) !== i);
    if (dups.length > 0) problems.push(`${source}: case names used twice: ${[...new Set(dups)].join(", ")}`);
  }
  return problems;
}

function statOk(path) {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function main(argv) {
  const flags = new Set(argv);
  for (const f of flags) {
    if (!["--wat", "--c", "--check", "--specs", "-h", "--help"].includes(f)) {
      console.error(`build-suite: unknown option ${f}`);
      return 2;
    }
  }
  if (flags.has("-h") || flags.has("--help")) {
    console.log("Usage: node scripts/build-suite.mjs [--wat | --c | --check | --specs]");
    return 0;
  }
  if (flags.has("--specs")) {
    const changed = writeSpecs();
    for (const c of changed) console.log(`build-suite: wrote ${c}`);
    console.log(`build-suite: ${changed.length} spec(s) changed`);
    return 0;
  }
  if (flags.has("--check")) {
    const specProblems = checkSpecs();
    const { checked, problems: binProblems } = await checkC();
    const problems = [...specProblems, ...binProblems];
    for (const p of problems) console.error(`build-suite --check: ${p}`);
    console.log(`build-suite --check: ${checked} C test(s) rebuilt, ${problems.length} problem(s)`);
    return problems.length === 0 ? 0 : 1;
  }
  const both = !flags.has("--wat") && !flags.has("--c");
  if (both || flags.has("--wat")) console.log(`build-suite: ${(await buildWat()).length} WAT test(s) built`);
  if (both || flags.has("--c")) console.log(`build-suite: ${(await buildC()).length} C test(s) built`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(`build-suite: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
