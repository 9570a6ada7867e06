// Starting and stopping the swapper process (swapper.mjs) from a test or the race measurement.
import { spawn } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const swapperPath = path.join(path.dirname(fileURLToPath(import.meta.url)), "swapper.mjs");

export interface Swapper {
  /** Stops the swapper, waits for it to exit, and returns how many swaps it made. */
  stop(): Promise<{ swaps: number; failures: number }>;
}

/** Starts a swapper on `dir/name` (see swapper.mjs) and resolves once it is swapping. */
export async function startSwapper(mode: "dir" | "file" | "appear", dir: string, name: string, target: string): Promise<Swapper> {
  const stopFile = path.join(dir, `.stop-${name}-${process.pid}-${Date.now()}`);
  const stopPath = path.join(path.dirname(dir), path.basename(stopFile)); // beside dir: the guest cannot see it
  const child = spawn(process.execPath, [swapperPath, mode, dir, name, target, stopPath], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => (out += chunk));
  const exited = once(child, "exit");
  while (!out.includes("ready\n")) {
    await Promise.race([once(child.stdout, "data"), exited.then(() => Promise.reject(new Error(`swapper exited early: ${out}`)))]);
  }
  // Give it a moment to be in full swing.
  await new Promise((r) => setTimeout(r, 20));
  return {
    async stop() {
      fs.writeFileSync(stopPath, "");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(stopPath, { force: true });
      const m = /swaps (\d+) failures (\d+)/.exec(out);
      return { swaps: Number(m?.[1] ?? 0), failures: Number(m?.[2] ?? 0) };
    },
  };
}
