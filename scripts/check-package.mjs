// The package as a user gets it: `npm pack`, then installed from the tarball into a scratch project,
// imported, required and run (the API on an example module, and the CLI) under this node and under
// every `--node PATH` given (CI passes the oldest Node the engines field admits). Also checks what the
// tarball holds: a LICENSE, no source maps, no install-time script, the package.json fields a user's
// tools read. Ends with `N passed, N failed`; exit status 1 if anything failed.
//
//   node scripts/check-package.mjs [--node PATH]... [--keep]
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const nodes = [process.execPath];
let keep = false;
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  if (arg === "--node" && process.argv[i + 1]) nodes.push(path.resolve(process.argv[++i]));
  else if (arg === "--keep") keep = true;
  else {
    console.error(`check-package: unknown argument ${arg}`);
    process.exit(2);
  }
}

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok" : "not ok"} - ${name}${ok || !detail ? "" : `\n  ${String(detail).trim().split("\n").join("\n  ")}`}`);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "run-wasi-package-"));
const npm = (args, cwd) => spawnSync("npm", args, { cwd, encoding: "utf8", shell: process.platform === "win32" });
try {
  // npm pack runs `prepack`, which builds dist/ and the examples.
  const pack = npm(["pack", "--json", "--pack-destination", work], repo);
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("[")))[0];
  const tarball = path.join(work, packed.filename);
  const files = packed.files.map((f) => f.path);

  // --- what the tarball holds ---
  check("LICENSE is shipped", files.includes("LICENSE"));
  check("no source map is shipped", !files.some((f) => f.endsWith(".map")), files.filter((f) => f.endsWith(".map")).join("\n"));
  const unpacked = path.join(work, "unpacked");
  fs.mkdirSync(unpacked);
  execFileSync("tar", ["xzf", tarball, "-C", unpacked]);
  const root = path.join(unpacked, "package");
  const mapped = files.filter((f) => /\.(c?js|d\.ts)$/.test(f) && fs.readFileSync(path.join(root, f), "utf8").includes("sourceMappingURL"));
  check("no shipped file points at a source map", mapped.length === 0, mapped.join("\n"));
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const license = path.join(root, "LICENSE");
  check("license Apache-2.0, and LICENSE says so", manifest.license === "Apache-2.0" && fs.existsSync(license) && /Apache License\s+Version 2\.0/.test(fs.readFileSync(license, "utf8")));
  check("repository names a git URL", typeof manifest.repository?.url === "string" && manifest.repository.url.length > 0);
  check(
    "@types/node is an optional peer dependency (the declarations use its types)",
    manifest.peerDependencies?.["@types/node"] !== undefined && manifest.peerDependenciesMeta?.["@types/node"]?.optional === true,
  );
  const installScripts = ["preinstall", "install", "postinstall", "prepare"].filter((s) => manifest.scripts?.[s] !== undefined);
  check("no install-time script", installScripts.length === 0, installScripts.join(", "));
  const exported = manifest.exports?.["."];
  for (const condition of ["import", "require"]) {
    for (const kind of ["types", "default"]) {
      const file = exported?.[condition]?.[kind];
      check(`exports["."].${condition}.${kind} is shipped`, typeof file === "string" && fs.existsSync(path.join(root, file)), file);
    }
  }

  // --- installed into a project, as a user installs it ---
  const project = path.join(work, "project");
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "scratch", version: "1.0.0", private: true }));
  const install = npm(["install", "--no-audit", "--no-fund", tarball], project);
  const warnings = `${install.stdout}${install.stderr}`.split("\n").filter((line) => /\bwarn\b|WARN/.test(line));
  check("npm install of the tarball succeeds", install.status === 0, install.stderr);
  check("npm install of the tarball warns about nothing", warnings.length === 0, warnings.join("\n"));

  fs.copyFileSync(path.join(repo, "examples", "hello.wasm"), path.join(project, "hello.wasm"));
  const run = (module) => `
const wasi = new WASI({ args: ["hello"], stdout: (chunk) => process.stdout.write(chunk) });
const compiled = new WebAssembly.Module(bytes);
const code = wasi.start(new WebAssembly.Instance(compiled, wasi.getImportObject()));
process.stdout.write("exit " + code + " (${module})\\n");
`;
  fs.writeFileSync(
    path.join(project, "use.cjs"),
    `const { WASI } = require("run-wasi");\nconst bytes = require("node:fs").readFileSync(require("node:path").join(__dirname, "hello.wasm"));\n${run("require")}`,
  );
  fs.writeFileSync(
    path.join(project, "use.mjs"),
    `import { WASI } from "run-wasi";\nimport { readFileSync } from "node:fs";\nconst bytes = readFileSync(new URL("hello.wasm", import.meta.url));\n${run("import")}`,
  );
  for (const node of nodes) {
    const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
    for (const [how, script] of [["require", "use.cjs"], ["import", "use.mjs"]]) {
      const r = spawnSync(node, [script], { cwd: project, encoding: "utf8" });
      check(`${version}: ${how}("run-wasi") runs an example`, r.status === 0 && /Hello from run-wasi/.test(r.stdout) && r.stdout.includes(`exit 0 (${how})`), `${r.stdout}${r.stderr}`);
    }
    const cli = spawnSync(node, [path.join(project, "node_modules", "run-wasi", "bin", "run-wasi.js"), "hello.wasm"], { cwd: project, encoding: "utf8" });
    check(`${version}: the CLI runs an example`, cli.status === 0 && /Hello from run-wasi/.test(cli.stdout), `${cli.stdout}${cli.stderr}`);
  }
  const bin = spawnSync(path.join(project, "node_modules", ".bin", process.platform === "win32" ? "run-wasi.cmd" : "run-wasi"), ["hello.wasm"], {
    cwd: project,
    encoding: "utf8",
    shell: process.platform === "win32",
  });
  check("node_modules/.bin/run-wasi runs an example", bin.status === 0 && /Hello from run-wasi/.test(bin.stdout), `${bin.stdout}${bin.stderr}`);
} catch (error) {
  check("the package check ran to its end", false, error instanceof Error ? error.stack : String(error));
} finally {
  if (keep) console.log(`kept: ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
