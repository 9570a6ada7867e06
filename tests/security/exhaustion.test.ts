// Resource exhaustion: a guest that opens files until the host runs out of descriptors gets EMFILE
// (or ENFILE), never a crash; calls made while no descriptor is left answer errnos; closing the
// files gives every host descriptor back. Runs in a child process under `ulimit -n 64`.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { tempDir } from "../helpers/harness.js";

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "exhaust-child.ts");
const manyChild = path.join(path.dirname(fileURLToPath(import.meta.url)), "many-instances-child.ts");
const linux = process.platform === "linux";

t.test("opening fds until the host refuses gives EMFILE/ENFILE, and closing them frees the host fds", { skip: linux ? false : "needs bash's ulimit and /proc/self/fd" }, async (t) => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, "sub"));
  for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(dir, `f${i}`), `file ${i}\n`);
  const r = spawnSync("bash", ["-c", `ulimit -n 64 && exec "${process.execPath}" --import tsx "${child}" "${dir}"`], {
    encoding: "utf8",
    timeout: 60_000,
    cwd: path.resolve(path.dirname(child), "../.."),
  });
  t.equal(r.signal, null, "no signal");
  t.equal(r.status, 0, `the child exits cleanly (status ${r.status}; stderr: ${r.stderr.slice(0, 500)})`);
  const line = r.stdout.trim().split("\n").pop() ?? "{}";
  const out = JSON.parse(line) as {
    escaped?: string;
    fdsAtStart: number;
    opened: number;
    refusal: string;
    under: Record<string, string>;
    fdsAfterClose: number;
    reopened: number;
    fdsAtEnd: number;
  };
  t.equal(out.escaped, undefined, "no exception left an import");
  t.ok(out.opened > 10 && out.opened < 64, `the guest opened ${out.opened} files before the host refused`);
  t.ok(["MFILE", "NFILE"].includes(out.refusal), `the refusal is ${out.refusal}`);
  t.ok(["MFILE", "NFILE"].includes(out.under.create!), `creating a file with no fd left: ${out.under.create}`);
  t.equal(out.under.createdAnyway, "false", "and the refused create made no file");
  for (const [call, errno] of Object.entries(out.under)) t.match(errno, /^[A-Z0-9]+$|^(true|false)$/, `${call} under exhaustion answers ${errno}`);
  t.equal(out.fdsAfterClose, out.fdsAtStart, "closing every guest fd gives back every host fd");
  t.equal(out.reopened, out.opened, "as many files open again afterwards");
  t.equal(out.fdsAtEnd, out.fdsAtStart);
});

t.test("WASI instances dropped without running give their preopens' host fds back (1000 instances under ulimit -n 256)", { skip: linux ? false : "needs bash's ulimit and /proc/self/fd" }, async (t) => {
  // A test runner embedding run-wasi makes an instance per test; not every one is started (a
  // failed instantiation, a reactor, a skipped test). node:wasi releases what an instance holds when
  // it is collected; a drop-in must not run the process out of descriptors instead.
  const dir = tempDir();
  const r = spawnSync("bash", ["-c", `ulimit -n 256 && exec "${process.execPath}" --expose-gc --import tsx "${manyChild}" "${dir}" 1000`], {
    encoding: "utf8",
    timeout: 60_000,
    cwd: path.resolve(path.dirname(manyChild), "../.."),
  });
  t.equal(r.status, 0, `the child ran (stderr: ${r.stderr.slice(0, 300)})`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { created: number; error?: string; before: number; after: number; gc: boolean };
  t.ok(out.gc, "the child can collect garbage");
  t.equal(out.created, 1000, `every instance was created (${out.error ?? "no error"})`);
  t.ok(out.after >= 0 && out.after <= out.before + 16, `host fds after collection: ${out.after} (before: ${out.before})`);
});
