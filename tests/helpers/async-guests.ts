// WAT guests for the async host's tests (tests/unit/async.test.ts and the example's test): each
// does one kind of waiting, as a C program would through wasi-libc.
import { wat } from "./harness.js";

/** Does this Node have JavaScript Promise Integration (Node 24 and later)? */
export const hasJspi = typeof (WebAssembly as { Suspending?: unknown }).Suspending === "function";
/** The skip reason for a test that needs it. */
export const needsJspi = hasJspi ? false : `no JSPI before Node 24 (this is Node ${process.versions.node})`;

const P1 = "wasi_snapshot_preview1";

/** Sleeps `ms` in poll_oneoff (a relative monotonic clock), writes "slept\n" to stdout. Exit code: poll's errno. */
export const sleeper = (ms: number) =>
  wat(`(module
  (import "${P1}" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "${P1}" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "${P1}" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "slept\\n")
  (func (export "_start") (local $e i32)
    (i32.store (i32.const 80) (i32.const 1))
    (i64.store (i32.const 88) (i64.const ${BigInt(ms) * 1_000_000n}))
    (local.set $e (call $poll (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 200)))
    (if (local.get $e) (then (call $exit (local.get $e))))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))))`);

/** cat: reads stdin in chunks of at most 4096 bytes and writes each to stdout, until the end. Exit 2/3: a read/write errno. */
export const cat = () =>
  wat(`(module
  (import "${P1}" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "${P1}" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "${P1}" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $n i32)
    (loop $next
      (i32.store (i32.const 0) (i32.const 1024))
      (i32.store (i32.const 4) (i32.const 4096))
      (if (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)) (then (call $exit (i32.const 2))))
      (local.set $n (i32.load (i32.const 16)))
      (if (i32.eqz (local.get $n)) (then (return)))
      (i32.store (i32.const 4) (local.get $n))
      (if (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)) (then (call $exit (i32.const 3))))
      (br $next))))`);

/** Writes a 64 KiB block `count` times to stdout. Exit 3: a write's errno; 4: a short write. */
export const writer = (count: number) =>
  wat(`(module
  (import "${P1}" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "${P1}" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 2)
  (func (export "_start") (local $i i32)
    (memory.fill (i32.const 65536) (i32.const 120) (i32.const 65536))
    (loop $next
      (i32.store (i32.const 0) (i32.const 65536))
      (i32.store (i32.const 4) (i32.const 65536))
      (if (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)) (then (call $exit (i32.const 3))))
      (if (i32.ne (i32.load (i32.const 16)) (i32.const 65536)) (then (call $exit (i32.const 4))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const ${count}))))))`);

/** Calls sched_yield `count` times. Exit 5: an errno from it. */
export const yielder = (count: number) =>
  wat(`(module
  (import "${P1}" "sched_yield" (func $yield (result i32)))
  (import "${P1}" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32)
    (loop $next
      (if (call $yield) (then (call $exit (i32.const 5))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const ${count}))))))`);

/**
 * Polls stdin for reading (userdata 1) and a monotonic clock of `ms` (userdata 2): exits with the
 * userdata of the first event, or 100 + poll's errno.
 */
export const stdinPoller = (ms: number) =>
  wat(`(module
  (import "${P1}" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "${P1}" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $e i32)
    (i64.store (i32.const 64) (i64.const 1))
    (i32.store8 (i32.const 72) (i32.const 1))
    (i32.store (i32.const 80) (i32.const 0))
    (i64.store (i32.const 112) (i64.const 2))
    (i32.store8 (i32.const 120) (i32.const 0))
    (i32.store (i32.const 128) (i32.const 1))
    (i64.store (i32.const 136) (i64.const ${BigInt(ms) * 1_000_000n}))
    (local.set $e (call $poll (i32.const 64) (i32.const 256) (i32.const 2) (i32.const 200)))
    (if (local.get $e) (then (call $exit (i32.add (i32.const 100) (local.get $e)))))
    (call $exit (i32.wrap_i64 (i64.load (i32.const 256))))))`);

/**
 * Opens "held.txt" in the preopen (fd 3), then reads stdin once. Exit 6: path_open's errno; 2: the read's.
 */
export const openThenRead = () =>
  wat(`(module
  (import "${P1}" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "${P1}" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "${P1}" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 512) "held.txt")
  (func (export "_start")
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 512) (i32.const 8) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 600))
      (then (call $exit (i32.const 6))))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 16))
    (if (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)) (then (call $exit (i32.const 2))))))`);
