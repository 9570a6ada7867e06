// The generated trees of the path-heavy workloads, and the answers the harness expects from them.
//
// resolver: a project whose node_modules holds packages with `exports` maps and whose sources sit
//   three directories deep, and the queries a bundler would make from those sources: packages,
//   subpaths, patterns, relative files, a directory index, and misses (a subpath the package does
//   not export, a package that exists nowhere — the resolver walks up to `/` for it —, a relative
//   file that does not exist). The expected path of each query follows from how the tree was built.
// walk: a directory tree of thousands of directories and files, with a package.json or .gitignore
//   in a few of the directories, for a find/du-like walker (bench/workloads/treewalk.c).
import * as fs from "node:fs";
import * as path from "node:path";
import { fnv1a, hex32 } from "./checksum.mjs";

// --- resolver ------------------------------------------------------------------------------------
export const RESOLVER_BINDING = "@oxc-resolver/binding-wasm32-wasi";
export const RESOLVER_PACKAGES = 300;
export const RESOLVER_SOURCES = 300; // src/m{0..2}/g{0..4}/c{0..4}/file{0..3}.js
const QUERIES_PER_SOURCE = 10;
export const RESOLVER_QUERIES = RESOLVER_SOURCES * QUERIES_PER_SOURCE;
export const RESOLVER_MANIFEST = "resolver.json"; // beside the tree: the runner's queries
export const RESOLVER_EVERY = 600; // a fresh resolver (and so a cold cache) every this many queries
const RESOLVER_OPTIONS = { conditionNames: ["node", "import"], extensions: [".js", ".mjs", ".cjs", ".json"] };

const packageName = (i) => (i % 10 === 9 ? `@scope${i % 3}/pkg${i}` : `pkg${i}`);

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function writeText(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/**
 * Builds the tree under `root`/resolver (root: a real path, no symlinks above it, as the resolver
 * reports real paths) and writes the runner's manifest to `root`/resolver.json.
 * Returns { manifest: its file, line: what bench/runners/resolver.mjs must print }.
 */
export function makeResolverTree(root) {
  const base = path.join(root, "resolver");
  writeJson(path.join(base, "package.json"), { name: "app", private: true, type: "module" });
  const packageDir = (i) => path.join(base, "node_modules", packageName(i));
  for (let i = 0; i < RESOLVER_PACKAGES; i++) {
    const dir = packageDir(i);
    writeJson(path.join(dir, "package.json"), {
      name: packageName(i),
      version: `1.${i}.0`,
      type: i % 2 ? "module" : "commonjs",
      main: "./dist/index.cjs",
      exports: {
        ".": { import: "./dist/index.mjs", require: "./dist/index.cjs" },
        "./sub": "./dist/sub.js",
        "./features/*": "./dist/features/*.js",
        "./package.json": "./package.json",
      },
    });
    for (const file of ["index.mjs", "index.cjs", "sub.js", "features/a.js", "features/b.js"]) {
      writeText(path.join(dir, "dist", file), `export const id = ${i};\n`);
    }
  }
  for (let m = 0; m < 3; m++) writeText(path.join(base, "src", `m${m}`, "common", "index.js"), "export {};\n");

  const queries = [];
  const expected = [];
  const ask = (directory, specifier, answer) => {
    queries.push([directory, specifier]);
    expected.push(answer);
  };
  let x = 2463534242;
  const random = (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return (x >>> 8) % n;
  };
  for (let s = 0; s < RESOLVER_SOURCES; s++) {
    const [m, g, c, k] = [s % 3, Math.floor(s / 3) % 5, Math.floor(s / 15) % 5, Math.floor(s / 75)];
    const dir = path.join(base, "src", `m${m}`, `g${g}`, `c${c}`);
    writeText(path.join(dir, `file${k}.js`), `export const source = ${s};\n`);
    const pkg = () => random(RESOLVER_PACKAGES);
    let p = pkg();
    ask(dir, packageName(p), path.join(packageDir(p), "dist", "index.mjs"));
    p = pkg();
    ask(dir, `${packageName(p)}/sub`, path.join(packageDir(p), "dist", "sub.js"));
    p = pkg();
    const feature = random(2) ? "a" : "b";
    ask(dir, `${packageName(p)}/features/${feature}`, path.join(packageDir(p), "dist", "features", `${feature}.js`));
    p = pkg();
    ask(dir, `${packageName(p)}/package.json`, path.join(packageDir(p), "package.json"));
    const sibling = (k + 1 + random(3)) % 4; // another source of the same directory
    ask(dir, `./file${sibling}`, path.join(dir, `file${sibling}.js`));
    ask(dir, "../../common", path.join(base, "src", `m${m}`, "common", "index.js"));
    ask(dir, `${packageName(pkg())}/internal`, undefined);
    ask(dir, `missing-${random(1000)}`, undefined);
    ask(dir, `./nope${random(1000)}`, undefined);
    p = random(RESOLVER_PACKAGES / 10) * 10 + 9;
    ask(dir, packageName(p), path.join(packageDir(p), "dist", "index.mjs"));
  }
  const manifest = path.join(root, RESOLVER_MANIFEST);
  writeJson(manifest, { binding: RESOLVER_BINDING, options: RESOLVER_OPTIONS, every: RESOLVER_EVERY, queries });
  let sum = 0;
  let resolved = 0;
  expected.forEach((answer, i) => {
    if (answer !== undefined) resolved++;
    sum = (sum + fnv1a(`${i} ${answer ?? "!"}`)) >>> 0;
  });
  const n = queries.length;
  return { manifest, line: `resolver queries=${n} resolved=${resolved} failed=${n - resolved} sum=${hex32(sum)}\n` };
}

// --- walk ----------------------------------------------------------------------------------------
export const WALK_BRANCHING = [10, 10, 10, 2]; // subdirectories per directory, level by level
/** Directories below the top: 10 + 100 + 1,000 + 2,000. */
export const WALK_DIRS = WALK_BRANCHING.reduce(([dirs, width], b) => [dirs + width * b, width * b], [0, 1])[0];
const walkFiles = (d) => 1 + (d % 9); // regular files in the d-th directory made, 5 on average
const walkSize = (d, j) => (d * 31 + j * 7) % 1500;
const hasPackageJson = (d) => d % 10 === 0;
const hasGitignore = (d) => d % 25 === 0;

/**
 * Builds the tree under `root`/tree. Returns the line bench/workloads/treewalk.c must print for it
 * and its size: { line, dirs, files }.
 */
export function makeWalkTree(root) {
  let dirs = 0; // below the top
  let files = 0;
  let bytes = 0;
  let names = 0;
  let found = 0;
  let made = 0;
  const entry = (name) => {
    names = (names + fnv1a(name)) >>> 0;
  };
  const file = (dir, name, size) => {
    fs.writeFileSync(path.join(dir, name), Buffer.alloc(size, 0x61));
    entry(name);
    files++;
    bytes += size;
  };
  const make = (dir, level) => {
    const d = made++;
    for (let j = 0; j < walkFiles(d); j++) file(dir, `f${j}.${j % 3 ? "txt" : "js"}`, walkSize(d, j));
    if (hasPackageJson(d)) {
      file(dir, "package.json", 2);
      found++;
    }
    if (hasGitignore(d)) {
      file(dir, ".gitignore", 1);
      found++;
    }
    for (let i = 0; i < (WALK_BRANCHING[level] ?? 0); i++) {
      const name = `d${i}`;
      fs.mkdirSync(path.join(dir, name));
      entry(name);
      dirs++;
      make(path.join(dir, name), level + 1);
    }
  };
  const top = path.join(root, "tree");
  fs.mkdirSync(top);
  make(top, 0);
  return { line: `treewalk dirs=${dirs} files=${files} bytes=${bytes} names=${hex32(names)} found=${found}\n`, dirs, files };
}
