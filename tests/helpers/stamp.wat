;; Prints (as raw bytes on stdout) what differs from run to run on a host: REALTIME and MONOTONIC,
;; both again after a 1 s relative poll_oneoff sleep, 16 random bytes, MONOTONIC's resolution, and
;; the poll's event count. 60 bytes in all.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_res_get" (func $res (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; subscription at 256: userdata 7, tag CLOCK, clock MONOTONIC, timeout 1 s, relative
  (data (i32.const 256) "\07\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00\00\00\00\00\00\ca\9a\3b\00\00\00\00")
  ;; iovec at 400: { buf = 0, buf_len = 60 }
  (data (i32.const 400) "\00\00\00\00\3c\00\00\00")
  (func (export "_start")
    (drop (call $time (i32.const 0) (i64.const 0) (i32.const 0)))
    (drop (call $time (i32.const 1) (i64.const 0) (i32.const 8)))
    (drop (call $poll (i32.const 256) (i32.const 320) (i32.const 1) (i32.const 56)))
    (drop (call $time (i32.const 0) (i64.const 0) (i32.const 16)))
    (drop (call $time (i32.const 1) (i64.const 0) (i32.const 24)))
    (drop (call $random (i32.const 32) (i32.const 16)))
    (drop (call $res (i32.const 1) (i32.const 48)))
    (drop (call $write (i32.const 1) (i32.const 400) (i32.const 1) (i32.const 500)))))
