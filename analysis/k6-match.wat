;; Byte comparison for the k6 line scanner (analysis/k6-bytes.ts, BytePattern.matches):
;; 16 bytes a step with WebAssembly SIMD. The memory is the scanner's, given by the host:
;; the chunks of a file are read straight into it, and the patterns the scanner compares
;; them with (a metric's line prefix, a time, a `tags` tail) are copied into it.
;;
;; Assembled by scripts/assemble-wasm.mjs (wabt) into analysis/k6-match-wasm.ts;
;; test/analysis/k6-ingest-match.test.ts re-assembles this file and compares the bytes.
;; Instructions: https://webassembly.github.io/spec/core/syntax/instructions.html#vector-instructions
(module
  (import "k6" "memory" (memory 1))

  ;; eq(a, b, n): 1 when the n bytes at a equal the n bytes at b, else 0. Reads up to 15
  ;; bytes past both ends (the host keeps 16 bytes of slack after everything it compares);
  ;; those bytes are masked out, so they never change the answer.
  (func $eq (export "eq") (param $a i32) (param $b i32) (param $n i32) (result i32)
    (block $rest
      (loop $step
        (br_if $rest (i32.lt_u (local.get $n) (i32.const 16)))
        (if (v128.any_true (v128.xor (v128.load (local.get $a)) (v128.load (local.get $b))))
          (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 16)))
        (br $step)))
    ;; The last n < 16 bytes: lane k counts when k < n.
    (i32.eqz
      (v128.any_true
        (v128.and
          (v128.xor (v128.load (local.get $a)) (v128.load (local.get $b)))
          (i8x16.gt_u
            (i8x16.splat (local.get $n))
            (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))))))

  ;; eq2(a, p, pn, t, tn): 2 when the bytes at a are the pn bytes at p then the tn bytes at t,
  ;; 1 when only the first pn are, else 0 (a line's prefix and time in one call).
  (func (export "eq2") (param $a i32) (param $p i32) (param $pn i32) (param $t i32) (param $tn i32)
    (result i32)
    (if (i32.eqz (call $eq (local.get $a) (local.get $p) (local.get $pn)))
      (then (return (i32.const 0))))
    (i32.add (i32.const 1)
      (call $eq (i32.add (local.get $a) (local.get $pn)) (local.get $t) (local.get $tn)))))
