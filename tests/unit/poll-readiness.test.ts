// poll_oneoff waits for real readiness: a guest polling stdin with a timeout sees its clock fire
// while nothing arrives, then the bytes, in order, then the end; regular files answer as wasmtime
// does; and the poll's host memory does not grow with the number of subscriptions.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import t from "tap";
import { Errno, Eventrwflags, Eventtype, Fdflags, Rights } from "../../src/abi/constants.js";
import { childArgs } from "../helpers/child.js";
import { direct, repoRoot, tempDir } from "../helpers/harness.js";

const posixPipes = process.platform === "win32" ? "needs POSIX pipes as the child's stdin" : false;

/** Shared by the child scripts: subscriptions and events by the preview1 layout, at fixed offsets. */
const POLL_HELPERS = `
const SUBS = 1024, EVENTS = 8192, NEVENTS = 16000;
function sub(i, userdata, tag, fdOrTimeoutNs) {
  const v = g.view(), at = SUBS + i * 48;
  new Uint8Array(g.mem.buffer, at, 48).fill(0);
  v.setBigUint64(at, userdata, true);
  v.setUint8(at + 8, tag);
  if (tag === 0) { v.setUint32(at + 16, 1, true); v.setBigUint64(at + 24, fdOrTimeoutNs, true); }
  else v.setUint32(at + 16, fdOrTimeoutNs, true);
}
function poll(n) {
  const errno = g.w.poll_oneoff(SUBS, EVENTS, n, NEVENTS);
  const v = g.view(), events = [];
  for (let i = 0; i < v.getUint32(NEVENTS, true); i++) {
    const at = EVENTS + i * 32;
    events.push({ userdata: Number(v.getBigUint64(at, true)), error: v.getUint16(at + 8, true), type: v.getUint8(at + 10),
      nbytes: Number(v.getBigUint64(at + 16, true)), flags: v.getUint16(at + 24, true) });
  }
  return { errno, events };
}
function read(fd, max) {
  const v = g.view();
  v.setUint32(0, 2048, true); v.setUint32(4, max, true);
  const errno = g.w.fd_read(fd, 0, 1, 16);
  return { errno, text: errno === 0 ? Buffer.from(g.mem.buffer, 2048, v.getUint32(16, true)).toString() : "" };
}
const log = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
`;

t.test("a guest polling stdin (a pipe) with a timeout: the clock while nothing arrives, then the bytes, in order, then the end", { skip: posixPipes }, async (t) => {
  const body = `
const g = guest({ stdout: () => {} });
${POLL_HELPERS}
// stdin and a 150 ms clock in one call, as a REPL with a prompt timer does.
const pollStdin = () => { sub(0, 1n, 1, 0); sub(1, 2n, 0, 150_000_000n); return poll(2); };
for (let i = 0; i < 2; i++) {
  const start = Date.now();
  const r = pollStdin();
  log({ step: "idle", ms: Date.now() - start, ...r });
}
g.w.fd_fdstat_set_flags(0, ${Fdflags.NONBLOCK});
log({ step: "nonblocking-read", ...read(0, 10) });
g.w.fd_fdstat_set_flags(0, 0);
let ready;
for (let i = 0; i < 100 && !ready; i++) ready = pollStdin().events.find((e) => e.userdata === 1);
log({ step: "ready", event: ready });
log({ step: "read", first: read(0, 2), rest: read(0, 100) });
ready = undefined;
for (let i = 0; i < 100 && !ready; i++) ready = pollStdin().events.find((e) => e.userdata === 1);
log({ step: "more", event: ready, data: read(0, 100) });
ready = undefined;
for (let i = 0; i < 100 && !(ready && ready.flags & 1); i++) ready = pollStdin().events.find((e) => e.userdata === 1);
log({ step: "end", event: ready, data: read(0, 100) });
`;
  const child = spawn(process.execPath, childArgs(body), { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"], timeout: 30_000 });
  t.teardown(() => void child.kill("SIGKILL"));
  const steps: Record<string, any>[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    const step = JSON.parse(line) as Record<string, any>;
    steps.push(step);
    if (step.step === "nonblocking-read") child.stdin!.write("hello");
    if (step.step === "read") child.stdin!.write("world");
    if (step.step === "more") child.stdin!.end();
  }
  const byName = Object.fromEntries(steps.map((s) => [s.step, s]));
  const idle = steps.filter((s) => s.step === "idle");
  t.equal(idle.length, 2);
  for (const s of idle) {
    t.same(s.events, [{ userdata: 2, error: 0, type: Eventtype.CLOCK, nbytes: 0, flags: 0 }], "nothing on stdin: only the clock fires");
    t.ok(s.ms >= 140 && s.ms < 5000, `after its 150 ms (${s.ms} ms)`);
  }
  t.same(byName["nonblocking-read"], { step: "nonblocking-read", errno: Errno.AGAIN, text: "" }, "NONBLOCK read with nothing there: EAGAIN");
  t.same(byName.ready.event, { userdata: 1, error: 0, type: Eventtype.FD_READ, nbytes: 5, flags: 0 }, "then stdin is ready with its 5 bytes");
  t.same(byName.read.first, { errno: 0, text: "he" }, "reads take from what the poll waited on");
  t.same(byName.read.rest, { errno: 0, text: "llo" }, "the rest, in order");
  t.same(byName.more.data, { errno: 0, text: "world" });
  t.same(byName.end.event, { userdata: 1, error: 0, type: Eventtype.FD_READ, nbytes: 1, flags: Eventrwflags.FD_READWRITE_HANGUP }, "the end: HANGUP");
  t.same(byName.end.data, { errno: 0, text: "" }, "and the read gives end of file");
});

t.test("a watched stdin does not keep the Node process alive", { skip: posixPipes }, async (t) => {
  const body = `
const g = guest({ stdout: () => {} });
${POLL_HELPERS}
sub(0, 1n, 1, 0); sub(1, 2n, 0, 50_000_000n);
log(poll(2));
`;
  const start = Date.now();
  // The writer keeps stdin open throughout: only the script's end can end the process.
  const child = spawn(process.execPath, childArgs(body), { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"], timeout: 20_000 });
  t.teardown(() => void child.kill("SIGKILL"));
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  const [status, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on("exit", (s, sig) => resolve([s, sig])));
  child.stdin!.destroy();
  t.same(JSON.parse(out).events, [{ userdata: 2, error: 0, type: Eventtype.CLOCK, nbytes: 0, flags: 0 }], "the poll timed out");
  t.equal(signal, null, "not killed by the timeout");
  t.equal(status, 0);
  t.ok(Date.now() - start < 15_000, "the process ended with the script");
});

t.test("a regular file: ready at once, nbytes 1, HANGUP from its end on (wasmtime's answers)", async (t) => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, "f"), "abc");
  const h = direct({ preopens: { "/d": dir }, stdout: () => {} });
  const [p, len] = h.path(500, "f");
  t.equal(h.call("path_open", 3, 0, p, len, 0, Rights.FD_READ | Rights.FD_WRITE | Rights.FD_SEEK, 0n, 0, 600), Errno.SUCCESS);
  const fd = h.u32(600);
  const pollOne = (tag: number) => {
    const v = h.view();
    new Uint8Array(h.memory.buffer, 1024, 48).fill(0);
    v.setBigUint64(1024, 9n, true);
    v.setUint8(1032, tag);
    v.setUint32(1040, fd, true);
    t.equal(h.call("poll_oneoff", 1024, 2048, 1, 700), Errno.SUCCESS);
    t.equal(h.u32(700), 1);
    return { error: h.u16(2056), nbytes: h.u64(2064), flags: h.u16(2072) };
  };
  t.same(pollOne(Eventtype.FD_READ), { error: 0, nbytes: 1n, flags: 0 }, "bytes left: nbytes 1, no flags");
  t.equal(h.call("fd_seek", fd, 0n, 2, 800), Errno.SUCCESS);
  t.same(pollOne(Eventtype.FD_READ), { error: 0, nbytes: 1n, flags: Eventrwflags.FD_READWRITE_HANGUP }, "at the end: HANGUP");
  t.same(pollOne(Eventtype.FD_WRITE), { error: 0, nbytes: 1n, flags: 0 }, "writable: nbytes 1");
});

t.test("host memory does not grow with the number of subscriptions", async (t) => {
  // 1.5 million clocks already due, in a child whose JavaScript heap is 48 MiB: the events go
  // straight to guest memory (120 MB of it), nothing is kept per subscription.
  const count = 1_500_000;
  const body = `
const g = guest({}, ${Math.ceil((count * 80 + 4096) / 65536)});
const v = g.view();
for (let i = 0; i < ${count}; i++) { v.setBigUint64(4096 + i * 48, BigInt(i), true); v.setUint8(4096 + i * 48 + 8, 0); v.setUint32(4096 + i * 48 + 16, 1, true); }
const events = 4096 + ${count} * 48;
const errno = g.w.poll_oneoff(4096, events, ${count}, 0);
console.log(JSON.stringify({ errno, n: v.getUint32(0, true), last: Number(v.getBigUint64(events + (${count} - 1) * 32, true)) }));
`;
  const r = spawnSync(process.execPath, ["--max-old-space-size=48", ...childArgs(body)], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
  t.equal(r.status, 0, `the child survived (${r.stderr.slice(0, 200)})`);
  t.same(JSON.parse(r.stdout || "{}"), { errno: 0, n: count, last: count - 1 }, "every clock reported");
});
