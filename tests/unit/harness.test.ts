import t from "tap";
import { Errno } from "../../src/abi/constants.js";
import { direct, runWat } from "../helpers/harness.js";

t.test("direct harness writes to a stdout callback", async (t) => {
  const chunks: string[] = [];
  const h = direct({ stdout: (c) => chunks.push(Buffer.from(c).toString()) });
  const len = h.write(100, "hi\n");
  h.iovecs(0, [100, len]);
  t.equal(h.call("fd_write", 1, 0, 1, 200), Errno.SUCCESS);
  t.equal(h.u32(200), 3);
  t.same(chunks, ["hi\n"]);
});

t.test("runWat runs _start and reports the exit code", async (t) => {
  const r = await runWat(`(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start") (call $exit (i32.const 7))))`);
  t.equal(r.exitCode, 7);
});
