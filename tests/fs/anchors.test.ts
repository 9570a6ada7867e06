// The kept directories' cache (src/fs/anchors.ts) on its own: every directory it keeps stays
// reachable from its origin, so that closing the origin lets go of it. A fuzz run found the one
// kept directory below an origin replaced (a walk that had found the old one stale and went round
// again) leaving the new one out of the tree: its descriptor outlived every guest descriptor.
import t from "tap";
import { AnchorCache, type Anchor } from "../../src/fs/anchors.js";

let nextFd = 100;
const anchor = (origin: number, name: string, parent?: Anchor): Anchor => {
  const fd = nextFd++;
  return { fd, path: `/proc/self/fd/${fd}`, origin, parent, name, expected: `/box/${name}`, children: new Map(), used: true };
};

t.test("a kept directory that replaces the only one below its origin goes when the origin does", async (t) => {
  const retired: number[] = [];
  const cache = new AnchorCache((fd) => retired.push(fd));
  const old = anchor(1, "w1");
  cache.put(old);
  const fresh = anchor(1, "w1");
  cache.put(fresh);
  t.same(retired, [old.fd], "the one it replaced is let go");
  t.equal(cache.of(1)?.get("w1"), fresh, "the new one is found from its origin");
  cache.forgetOrigin(1);
  t.same(retired, [old.fd, fresh.fd], "closing the origin lets the new one go");
  t.equal(cache.size, 0);
});

t.test("a kept directory put when eviction empties its origin's level goes when the origin does", async (t) => {
  const retired: number[] = [];
  const cache = new AnchorCache((fd) => retired.push(fd), 1);
  const first = anchor(1, "a");
  cache.put(first);
  first.used = false;
  const second = anchor(1, "b");
  cache.put(second);
  t.same(retired, [first.fd], "the least recently used is evicted");
  t.equal(cache.of(1)?.get("b"), second, "the new one is found from its origin");
  cache.forgetOrigin(1);
  t.same(retired, [first.fd, second.fd]);
  t.equal(cache.size, 0);
});

t.test("below a kept parent, a replacement and its children stay in the tree", async (t) => {
  const retired: number[] = [];
  const cache = new AnchorCache((fd) => retired.push(fd));
  const parent = anchor(2, "p");
  cache.put(parent);
  const old = anchor(2, "c", parent);
  cache.put(old);
  const fresh = anchor(2, "c", parent);
  cache.put(fresh);
  const grandchild = anchor(2, "g", fresh);
  cache.put(grandchild);
  cache.forgetOrigin(2);
  t.same(retired.sort(), [parent.fd, old.fd, fresh.fd, grandchild.fd].sort());
  t.equal(cache.size, 0);
});
