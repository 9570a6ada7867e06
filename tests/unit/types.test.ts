// The declarations the package ships, compiled by tsc as a user's code would compile against them
// (tests/types/: an ES module and a CommonJS file, `module: node16`): node:wasi's own WASIOptions
// is accepted, and mistakes in the options are type errors.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { repoRoot } from "../helpers/harness.js";

t.test("tsc accepts tests/types/ against dist/'s declarations, through the package's exports", async (t) => {
  if (!fs.existsSync(path.join(repoRoot, "dist/cjs/index.d.ts"))) throw new Error("dist/ is not built: run `npm run build` first");
  // lib/tsc.js, not bin/tsc: tap hooks every child (NODE_OPTIONS), and its CommonJS hook cannot load
  // bin/tsc, an ES module without a .js name.
  const tsc = path.join(repoRoot, "node_modules/typescript/lib/tsc.js");
  const result = spawnSync(process.execPath, [tsc, "-p", path.join(repoRoot, "tests/types/tsconfig.json")], { encoding: "utf8" });
  t.equal(`${result.stdout}${result.stderr}`, "", "no type error (and each @ts-expect-error met its error)");
  t.equal(result.status, 0);
});
