// The declarations the package ships, compiled by tsc as a user's code would compile against them
// (tests/types/: an ES module and a CommonJS file, `module: node16`): node:wasi's own WASIOptions
// is accepted, and mistakes in the options are type errors.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import { repoRoot } from "../helpers/harness.js";

// TypeScript 7's tsc is a native program, and npm installs only the host's build of it: the Linux one
// in the Wine lane's node_modules, which Windows Node.js cannot start. Declarations are the same on
// every OS; the Linux lanes compile them.
const nativeTsc: string | false = process.platform === "win32" ? "tsc's native binary in node_modules is the Linux build (the Wine lane)" : false;

t.test("tsc accepts tests/types/ against dist/'s declarations, through the package's exports", { skip: nativeTsc }, async (t) => {
  if (!fs.existsSync(path.join(repoRoot, "dist/cjs/index.d.ts"))) throw new Error("dist/ is not built: run `npm run build` first");
  // lib/tsc.js, not bin/tsc: tap hooks every child (NODE_OPTIONS), and its CommonJS hook cannot load
  // bin/tsc, an ES module without a .js name.
  const tsc = path.join(repoRoot, "node_modules/typescript/lib/tsc.js");
  const result = spawnSync(process.execPath, [tsc, "-p", path.join(repoRoot, "tests/types/tsconfig.json")], { encoding: "utf8" });
  t.equal(`${result.stdout}${result.stderr}`, "", "no type error (and each @ts-expect-error met its error)");
  t.equal(result.status, 0);
});
