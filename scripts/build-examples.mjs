// Compiles every examples/*.wat to examples/*.wasm with wabt (a dev dependency).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import wabtInit from "wabt";

const dir = new URL("../examples/", import.meta.url).pathname;
const wabt = await wabtInit();
for (const name of readdirSync(dir).filter((n) => n.endsWith(".wat"))) {
  const mod = wabt.parseWat(name, readFileSync(join(dir, name), "utf8"));
  writeFileSync(join(dir, name.replace(/\.wat$/, ".wasm")), mod.toBinary({}).buffer);
  mod.destroy();
}
