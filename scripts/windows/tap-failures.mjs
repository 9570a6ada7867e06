// Lists the failing assertions of a TAP file (tap's `-R tap` output), one line each:
//   tests/fs/path-open.test.ts > path_open O_TRUNC… > through a symlink: expected 28, got 44
// Used by scripts/windows-lane.sh for the CI log. Usage: node tap-failures.mjs FILE.tap [MAX]
import { readFileSync } from "node:fs";
import { Parser } from "tap-parser";

const [file, maxText] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node tap-failures.mjs FILE.tap [MAX]\n");
  process.exit(2);
}
const max = Number(maxText ?? Infinity);
const failures = []; // { path: string[], detail: string }
const oneLine = (v) => (JSON.stringify(v) ?? String(v)).replace(/\\n/g, " ").slice(0, 200);

function detailOf(d = {}) {
  if ("found" in d || "wanted" in d) return `expected ${oneLine(d.wanted)}, got ${oneLine(d.found)}`;
  if (typeof d.diff === "string") {
    const side = (re) => d.diff.split("\n").filter((l) => re.test(l)).map((l) => l.slice(1).trim()).join(" ").slice(0, 120);
    return `expected ${side(/^-(?!--)/)}, got ${side(/^\+(?!\+\+)/)}`;
  }
  if (d.message || d.error) return oneLine(d.message ?? d.error);
  return "";
}

function walk(parser, names) {
  parser.on("assert", (res) => {
    if (res.ok || res.todo || res.skip) return;
    const at = res.diag?.at;
    const where = at?.lineNumber !== undefined ? ` (line ${at.lineNumber})` : "";
    failures.push({ path: [...names, res.name], detail: detailOf(res.diag ?? undefined) + where });
  });
  parser.on("child", (child) => walk(child, [...names, child.name || "?"]));
}

const parser = new Parser();
walk(parser, []);
parser.on("complete", () => {
  const key = (f) => f.path.join(" > ");
  // A failing subtest repeats its children's failures: keep the leaves.
  const leaves = failures.filter((f) => !failures.some((o) => o !== f && key(o).startsWith(`${key(f)} > `)));
  for (const f of leaves.slice(0, max)) process.stdout.write(`${key(f)}${f.detail ? `: ${f.detail.trim()}` : ""}\n`);
  if (leaves.length > max) process.stdout.write(`… and ${leaves.length - max} more\n`);
});
parser.end(readFileSync(file, "utf8"));
