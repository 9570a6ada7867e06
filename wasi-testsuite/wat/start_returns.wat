;; A command whose _start simply returns exits with status 0 (proc_exit is never called), and
;; fd_write reports every byte of a multi-iovec write to stdout.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "ok fd_write/stdout-gathers-")
  (data (i32.const 200) "three-iovecs\n")
  (data (i32.const 300) "ok _start/return-means-exit-0\n")
  (func (export "_start")
    ;; iovecs at 0: (100, 27), (150, 0), (200, 13)
    (i32.store (i32.const 0) (i32.const 100)) (i32.store (i32.const 4) (i32.const 27))
    (i32.store (i32.const 8) (i32.const 150)) (i32.store (i32.const 12) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 200)) (i32.store (i32.const 20) (i32.const 13))
    (if (i32.or (call $fd_write (i32.const 1) (i32.const 0) (i32.const 3) (i32.const 40))
                (i32.ne (i32.load (i32.const 40)) (i32.const 40)))
      (then unreachable))
    (i32.store (i32.const 0) (i32.const 300)) (i32.store (i32.const 4) (i32.const 30))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 40)))))
