;; The field scan of ALB access log lines, 16 bytes a step (WebAssembly SIMD), for
;; analysis/io/import/alb-scan.ts. Assembled by wabt's wat2wasm (npm `wabt`) into the bytes
;; checked in as alb-scan-wasm.ts; test/analysis/io/import/alb-scan.test.ts assembles this
;; file again and compares, so the two cannot drift. To rebuild after a change:
;;   node scripts/assemble-wasm.mjs
;;
;; scan(from, to, out, max) reads the lines in memory[from, to), where `to` is just after a
;; newline, and writes one record of 50 i32 (200 bytes) per line at out, out + 200, …, at most
;; `max` of them; it returns how many it wrote (the next line starts after the last record's
;; newline). A record:
;;   [0]  the line's field count when it is plainly readable, else -1 ("let JavaScript read it")
;;   [1]  the line's first byte
;;   [2]  the line's end: its newline, or the `\r` before it
;;   [3]  its newline
;;   [4 .. 25]   starts of fields 0..21 (those the import reads are among them)
;;   [26 .. 47]  ends of fields 0..21
;;   [48], [49]  for fields 1 and 21 (the times): when the field is `YYYY-MM-DDTHH:MM:SS[.f…]Z`
;;               and its minute (first 16 bytes) is the minute of the same field of the line
;;               before, in this call, which was plainly readable and of that shape too: its
;;               milliseconds past that minute (seconds × 1000 + the fraction's first three
;;               digits); else -1. The reader adds them to the minute it read on that line
;;               (readAlbRequestScanned), which is what parseIsoTime gives for the whole time.
;; A line is plainly readable when the scan of readAlbRequestBytes (analysis/access-log.ts)
;; would split it the same way and not give up: fields separated by runs of spaces; a field
;; that opens with `"` runs to the next `"` not escaped by `\` and is followed by a space or
;; the end of the line; at most 64 fields; no tab; no escape in a field the import reads
;; (0, 1, 2, 4..11, 21); no `\r` before the newline. Any other line is -1, and the JavaScript
;; reader (readAlbRequestBytes, then parseAlbLogLine) reads it and says what is wrong.
;;
;; The search for the end of a field is the SIMD part: 16 bytes are compared with each byte
;; that can end the field (space, tab, newline; in quotes: quote, backslash, tab, newline), the
;; comparisons OR-ed into one mask (i8x16.bitmask), and its lowest set bit (i32.ctz) is the
;; first byte that matters. The loads may read up to 15 bytes past `to`: the caller keeps 16
;; bytes of memory after its data (their values do not matter: the newline before `to` stops
;; every search). The instructions are the WebAssembly 2.0 vector ones
;; (https://webassembly.github.io/spec/core/syntax/instructions.html#vector-instructions:
;; v128.load, i8x16.splat, i8x16.eq, v128.or, i8x16.bitmask), which Node has had since 16.4.
(module
  ;; 77 pages of 64 KiB: records for 4,096 lines (800 KiB), then the data (4 MiB and 64 bytes
  ;; of slack); see alb-scan.ts.
  (memory (export "memory") 77)

  ;; Fields whose escapes the import would have to unescape: 0, 1, 2, 4..11, 21.
  (global $readFields i32 (i32.const 0x200ff7))

  ;; Milliseconds past the minute of the time in [s, e) when it is `YYYY-MM-DDTHH:MM:SS[.f…]Z`
  ;; (seconds 00–60, 1–9 fraction digits, truncated to three), else -1: the checks and the sum
  ;; of fieldTime's fast path (analysis/access-log.ts).
  (func $offset (param $s i32) (param $e i32) (result i32)
    (local $n i32) (local $s1 i32) (local $s2 i32) (local $sec i32) (local $ms i32) (local $p i32)
    (local $d i32) (local $digits i32)
    (local.set $n (i32.sub (local.get $e) (local.get $s)))
    (if (i32.eqz
          (i32.or (i32.eq (local.get $n) (i32.const 20))
            (i32.and (i32.ge_u (local.get $n) (i32.const 22))
              (i32.le_u (local.get $n) (i32.const 30)))))
      (then (return (i32.const -1))))
    (if (i32.ne (i32.load8_u offset=0 (i32.sub (local.get $e) (i32.const 1))) (i32.const 90))
      (then (return (i32.const -1))))
    (if (i32.ne (i32.load8_u offset=16 (local.get $s)) (i32.const 58))
      (then (return (i32.const -1))))
    (local.set $s1 (i32.sub (i32.load8_u offset=17 (local.get $s)) (i32.const 48)))
    (local.set $s2 (i32.sub (i32.load8_u offset=18 (local.get $s)) (i32.const 48)))
    (if (i32.or (i32.gt_u (local.get $s1) (i32.const 9)) (i32.gt_u (local.get $s2) (i32.const 9)))
      (then (return (i32.const -1))))
    (local.set $sec (i32.add (i32.mul (local.get $s1) (i32.const 10)) (local.get $s2)))
    (if (i32.gt_u (local.get $sec) (i32.const 60)) (then (return (i32.const -1))))
    (if (i32.gt_u (local.get $n) (i32.const 20))
      (then
        (if (i32.ne (i32.load8_u offset=19 (local.get $s)) (i32.const 46))
          (then (return (i32.const -1))))
        (local.set $p (i32.add (local.get $s) (i32.const 20)))
        (block $end
          (loop $fraction
            (br_if $end (i32.ge_u (local.get $p) (i32.sub (local.get $e) (i32.const 1))))
            (local.set $d (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
            (if (i32.gt_u (local.get $d) (i32.const 9)) (then (return (i32.const -1))))
            (if (i32.lt_u (local.get $digits) (i32.const 3))
              (then
                (local.set $ms
                  (i32.add (i32.mul (local.get $ms) (i32.const 10)) (local.get $d)))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
            (br $fraction)))
        (block $padded
          (loop $pad
            (br_if $padded (i32.ge_u (local.get $digits) (i32.const 3)))
            (local.set $ms (i32.mul (local.get $ms) (i32.const 10)))
            (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
            (br $pad)))))
    (i32.add (i32.mul (local.get $sec) (i32.const 1000)) (local.get $ms)))

  (func (export "scan") (param $from i32) (param $to i32) (param $out i32) (param $max i32)
    (result i32)
    (local $n i32) (local $s i32) (local $i i32) (local $j i32) (local $c i32) (local $m i32)
    (local $count i32) (local $rec i32) (local $esc i32) (local $e i32)
    (local $v v128) (local $sp v128) (local $tab v128) (local $nl v128) (local $q v128)
    (local $bs v128)
    ;; The minutes of fields 1 and 21 of the line before, and whether they count.
    (local $minute1 v128) (local $minute21 v128) (local $ok1 i32) (local $ok21 i32)
    (local $off i32) (local $at i32)
    (local.set $sp (i8x16.splat (i32.const 32)))
    (local.set $tab (i8x16.splat (i32.const 9)))
    (local.set $nl (i8x16.splat (i32.const 10)))
    (local.set $q (i8x16.splat (i32.const 34)))
    (local.set $bs (i8x16.splat (i32.const 92)))
    (block $done
      (loop $lines
        (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
        (br_if $done (i32.ge_u (local.get $n) (local.get $max)))
        (local.set $rec (i32.add (local.get $out) (i32.mul (local.get $n) (i32.const 200))))
        (local.set $s (local.get $from))
        (local.set $i (local.get $from))
        (local.set $count (i32.const 0))
        (block $next
          (block $fallback
            (block $lineok
              (loop $fields
                (local.set $c (i32.load8_u (local.get $i)))
                (if (i32.eq (local.get $c) (i32.const 10))
                  (then (local.set $e (local.get $i)) (br $lineok)))
                (if (i32.eq (local.get $c) (i32.const 32))
                  (then (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $fields)))
                (br_if $fallback (i32.eq (local.get $c) (i32.const 9)))
                (br_if $fallback (i32.eq (local.get $count) (i32.const 64)))
                (if (i32.eq (local.get $c) (i32.const 34))
                  (then
                    ;; A quoted field: to the next quote that no backslash escapes.
                    (local.set $j (i32.add (local.get $i) (i32.const 1)))
                    (local.set $esc (i32.const 0))
                    (block $closed
                      (loop $quoted
                        (local.set $v (v128.load align=1 (local.get $j)))
                        (local.set $m
                          (i8x16.bitmask
                            (v128.or
                              (v128.or (i8x16.eq (local.get $v) (local.get $q))
                                (i8x16.eq (local.get $v) (local.get $bs)))
                              (v128.or (i8x16.eq (local.get $v) (local.get $tab))
                                (i8x16.eq (local.get $v) (local.get $nl))))))
                        (if (i32.eqz (local.get $m))
                          (then (local.set $j (i32.add (local.get $j) (i32.const 16)))
                            (br $quoted)))
                        (local.set $j (i32.add (local.get $j) (i32.ctz (local.get $m))))
                        (local.set $c (i32.load8_u (local.get $j)))
                        (br_if $closed (i32.eq (local.get $c) (i32.const 34)))
                        (if (i32.eq (local.get $c) (i32.const 92))
                          (then
                            ;; An escape: the next byte is taken as it is, unless it ends the line.
                            (br_if $fallback
                              (i32.eq (i32.load8_u offset=1 (local.get $j)) (i32.const 10)))
                            (local.set $esc (i32.const 1))
                            (local.set $j (i32.add (local.get $j) (i32.const 2)))
                            (br $quoted)))
                        ;; A tab, or the line ended inside the quotes.
                        (br $fallback)))
                    (if (i32.and (local.get $esc)
                          (i32.and (i32.lt_u (local.get $count) (i32.const 22))
                            (i32.and (i32.shr_u (global.get $readFields) (local.get $count))
                              (i32.const 1))))
                      (then (br $fallback)))
                    (if (i32.lt_u (local.get $count) (i32.const 22))
                      (then
                        (i32.store offset=16
                          (i32.add (local.get $rec) (i32.shl (local.get $count) (i32.const 2)))
                          (i32.add (local.get $i) (i32.const 1)))
                        (i32.store offset=104
                          (i32.add (local.get $rec) (i32.shl (local.get $count) (i32.const 2)))
                          (local.get $j))))
                    (local.set $count (i32.add (local.get $count) (i32.const 1)))
                    (local.set $i (i32.add (local.get $j) (i32.const 1)))
                    ;; A space or the end of the line must follow the closing quote.
                    (local.set $c (i32.load8_u (local.get $i)))
                    (br_if $fields (i32.eq (local.get $c) (i32.const 32)))
                    (br_if $fields (i32.eq (local.get $c) (i32.const 10)))
                    (br $fallback)))
                ;; A plain field: to the next space, tab or newline.
                (local.set $j (i32.add (local.get $i) (i32.const 1)))
                (loop $plain
                  (local.set $v (v128.load align=1 (local.get $j)))
                  (local.set $m
                    (i8x16.bitmask
                      (v128.or
                        (v128.or (i8x16.eq (local.get $v) (local.get $sp))
                          (i8x16.eq (local.get $v) (local.get $tab)))
                        (i8x16.eq (local.get $v) (local.get $nl)))))
                  (if (i32.eqz (local.get $m))
                    (then (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $plain))))
                ;; A tab that ends it is refused where the next field would start.
                (local.set $j (i32.add (local.get $j) (i32.ctz (local.get $m))))
                (if (i32.lt_u (local.get $count) (i32.const 22))
                  (then
                    (i32.store offset=16
                      (i32.add (local.get $rec) (i32.shl (local.get $count) (i32.const 2)))
                      (local.get $i))
                    (i32.store offset=104
                      (i32.add (local.get $rec) (i32.shl (local.get $count) (i32.const 2)))
                      (local.get $j))))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))
                (local.set $i (local.get $j))
                (br $fields)))
            ;; The line ends at $e. A `\r` before the newline is not part of the line for the
            ;; JavaScript reader: let it read such lines.
            (br_if $fallback
              (i32.and (i32.gt_u (local.get $e) (local.get $s))
                (i32.eq (i32.load8_u offset=0 (i32.sub (local.get $e) (i32.const 1)))
                  (i32.const 13))))
            (i32.store offset=0 (local.get $rec) (local.get $count))
            (i32.store offset=8 (local.get $rec) (local.get $e))
            ;; The times' milliseconds past the minute of the line before (record [48], [49]).
            (local.set $off (i32.const -1))
            (if (i32.ge_u (local.get $count) (i32.const 13))
              (then
                (local.set $at (i32.load offset=20 (local.get $rec)))
                (local.set $off (call $offset (local.get $at) (i32.load offset=108 (local.get $rec))))
                (local.set $v (v128.load align=1 (local.get $at)))
                (if (i32.eqz
                      (i32.and (i32.ge_s (local.get $off) (i32.const 0))
                        (i32.and (local.get $ok1)
                          (i8x16.all_true (i8x16.eq (local.get $v) (local.get $minute1))))))
                  (then (local.set $ok1 (i32.const 0)))
                  (else (local.set $ok1 (i32.const 1))))
                (i32.store offset=192 (local.get $rec)
                  (select (local.get $off) (i32.const -1) (local.get $ok1)))
                (local.set $minute1 (local.get $v))))
            (local.set $ok1 (i32.ge_s (local.get $off) (i32.const 0)))
            (if (i32.lt_u (local.get $count) (i32.const 13))
              (then (i32.store offset=192 (local.get $rec) (i32.const -1))))
            (local.set $off (i32.const -1))
            (if (i32.gt_u (local.get $count) (i32.const 21))
              (then
                (local.set $at (i32.load offset=100 (local.get $rec)))
                (local.set $off (call $offset (local.get $at) (i32.load offset=188 (local.get $rec))))
                (local.set $v (v128.load align=1 (local.get $at)))
                (if (i32.eqz
                      (i32.and (i32.ge_s (local.get $off) (i32.const 0))
                        (i32.and (local.get $ok21)
                          (i8x16.all_true (i8x16.eq (local.get $v) (local.get $minute21))))))
                  (then (local.set $ok21 (i32.const 0)))
                  (else (local.set $ok21 (i32.const 1))))
                (i32.store offset=196 (local.get $rec)
                  (select (local.get $off) (i32.const -1) (local.get $ok21)))
                (local.set $minute21 (local.get $v))))
            (local.set $ok21 (i32.ge_s (local.get $off) (i32.const 0)))
            (if (i32.le_u (local.get $count) (i32.const 21))
              (then (i32.store offset=196 (local.get $rec) (i32.const -1))))
            (br $next))
          ;; Not plainly readable: find the newline from the line's start.
          (local.set $j (local.get $s))
          (loop $seek
            (local.set $m
              (i8x16.bitmask (i8x16.eq (v128.load align=1 (local.get $j)) (local.get $nl))))
            (if (i32.eqz (local.get $m))
              (then (local.set $j (i32.add (local.get $j) (i32.const 16))) (br $seek))))
          (local.set $e (i32.add (local.get $j) (i32.ctz (local.get $m))))
          (i32.store offset=0 (local.get $rec) (i32.const -1))
          (local.set $ok1 (i32.const 0))
          (local.set $ok21 (i32.const 0))
          (i32.store offset=8 (local.get $rec)
            (i32.sub (local.get $e)
              (i32.and (i32.gt_u (local.get $e) (local.get $s))
                (i32.eq (i32.load8_u (i32.sub (local.get $e) (i32.const 1))) (i32.const 13))))))
        (i32.store offset=4 (local.get $rec) (local.get $s))
        (i32.store offset=12 (local.get $rec) (local.get $e))
        (local.set $from (i32.add (local.get $e) (i32.const 1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $lines)))
    (local.get $n)))
