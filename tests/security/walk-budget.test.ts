// One call cannot take the host's descriptors: the walk holds at most MAX_OPENED_PER_RESOLUTION
// directories it opened, and the instance keeps at most KEPT_DIRECTORIES_MAX between calls. Before
// this bound, a chain of links each descending into a deep tree made one path_filestat_get hold
// thousands of host descriptors at once.
import * as fs from "node:fs";
import * as path from "node:path";
import t from "tap";
import type { FsBackend } from "../../src/fs/backend.js";
import { KEPT_DIRECTORIES_MAX } from "../../src/fs/anchors.js";
import { probeDescriptorPaths } from "../../src/fs/host.js";
import { nodeBackend } from "../../src/fs/node.js";
import { MAX_OPENED_PER_RESOLUTION } from "../../src/fs/resolve.js";
import { E, needsSymlinks, sandbox } from "../fs/util.js";

const skip = probeDescriptorPaths() !== undefined ? false : "only the descriptor-anchored walk (Linux) holds directories open";

/** node:fs, counting the descriptors it has open and the most it ever had at once. */
function counting() {
  const live = new Set<number>();
  const state = { most: 0 };
  const backend: FsBackend = {
    ...nodeBackend,
    open(p, flags, mode) {
      const fd = nodeBackend.open(p, flags, mode);
      live.add(fd);
      state.most = Math.max(state.most, live.size);
      return fd;
    },
    close(fd) {
      live.delete(fd);
      nodeBackend.close(fd);
    },
  };
  return { backend, live, state };
}

/** Makes `depth` nested directories named `name` below `dir`; returns the guest path of the deepest. */
function deepTree(dir: string, name: string, depth: number): string {
  const parts = Array.from({ length: depth }, () => name);
  fs.mkdirSync(path.join(dir, ...parts), { recursive: true });
  return parts.join("/");
}

t.test("a path deeper than the walk's budget is ENAMETOOLONG, and holds no more than the budget", { skip }, async (t) => {
  const { backend, live, state } = counting();
  const s = sandbox({ fs: backend });
  const preopenOnly = live.size;
  const deep = deepTree(s.dir, "a", MAX_OPENED_PER_RESOLUTION + 50);
  const shallow = deepTree(s.dir, "b", MAX_OPENED_PER_RESOLUTION - 10);
  fs.writeFileSync(path.join(s.dir, shallow, "f"), "x");
  state.most = 0;
  t.equal(s.stat(`${deep}/x`).errno, E.NAMETOOLONG);
  t.ok(state.most <= preopenOnly + MAX_OPENED_PER_RESOLUTION + 1, `at most the budget open at once (${state.most})`);
  t.equal(s.stat(`${shallow}/f`).errno, E.SUCCESS, "a path within the budget resolves");
  t.ok(live.size <= preopenOnly + KEPT_DIRECTORIES_MAX, `after the calls, only kept directories stay open (${live.size})`);
});

t.test("a chain of links each descending a deep tree cannot make one call hold thousands of descriptors", { skip: skip || needsSymlinks }, async (t) => {
  const { backend, live, state } = counting();
  const s = sandbox({ fs: backend });
  const preopenOnly = live.size;
  // Link i descends 120 directories of its own branch and climbs back, then names link i+1.
  const hops = 39;
  const depth = 120;
  for (let i = 0; i < hops; i++) {
    const branch = deepTree(s.dir, `b${i}`, depth);
    const text = `${branch}/${"../".repeat(depth)}l${i + 1}`;
    fs.symlinkSync(text, path.join(s.dir, `l${i}`));
  }
  fs.writeFileSync(path.join(s.dir, `l${hops}`), "end");
  state.most = 0;
  t.equal(s.stat(`l0`, { follow: true }).errno, E.NAMETOOLONG, "the walk stops at its budget");
  t.ok(state.most <= preopenOnly + MAX_OPENED_PER_RESOLUTION + 1, `at most the budget open at once (${state.most})`);
  t.ok(live.size <= preopenOnly + KEPT_DIRECTORIES_MAX, `after the call, only kept directories stay open (${live.size})`);
  // The same chain, short enough to stay within the budget, still resolves.
  fs.rmSync(path.join(s.dir, "l1"));
  fs.writeFileSync(path.join(s.dir, "l1"), "near");
  t.equal(s.stat(`l0`, { follow: true }).errno, E.SUCCESS, "one hop of 120 directories resolves");
});
