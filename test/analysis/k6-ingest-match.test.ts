import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  borrowScanBuffer,
  BytePattern,
  RecentValues,
  returnScanBuffer,
  scanEq,
  scanEq2,
  scanOffset,
} from "../../analysis/k6-bytes.js";
import { wasmSources } from "../helpers/wasm.js";

describe("k6 scanner's WebAssembly comparison (analysis/k6-match.wat)", () => {
  it("the checked-in bytes are the .wat assembled (run scripts/assemble-wasm.mjs after a change)", async () => {
    const { checkedIn, assembled } = await wasmSources("k6-match", "analysis/k6-match-wasm.ts");
    expect(checkedIn).toBe(assembled);
  });

  it("eq and eq2 say what a byte-by-byte comparison says, whatever lies past the ends (fast-check)", () => {
    const buffer = borrowScanBuffer();
    expect(buffer).not.toBeNull(); // Node ≥ 20 has WebAssembly SIMD
    const memory = buffer!;
    const base = memory.byteOffset;
    const same = (a: number, b: number, n: number): boolean => {
      for (let k = 0; k < n; k++) if (memory[a + k] !== memory[b + k]) return false;
      return true;
    };
    try {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 0, maxLength: 300 }),
          fc.nat({ max: 40 }),
          fc.nat({ max: 40 }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
          fc.nat(),
          (pattern, gapA, gapB, changes, past, split) => {
            // The pattern at b, a copy at a with a few bytes changed, other bytes after both.
            const n = pattern.length;
            const b = gapB;
            const a = b + n + 16 + gapA;
            memory.set(pattern, b);
            memory.set(past, b + n);
            memory.set(pattern, a);
            memory.set(
              past.map((x) => x ^ 0x5a),
              a + n,
            );
            for (const [at, byte] of changes) if (n > 0) memory[a + (at % n)] = byte;
            const expected = same(a, b, n);
            expect(scanEq(base + a, base + b, n) !== 0).toBe(expected);
            // eq2: the same bytes cut in two anywhere.
            const pn = n === 0 ? 0 : split % (n + 1);
            const first = same(a, b, pn);
            expect(scanEq2(base + a, base + b, pn, base + b + pn, n - pn)).toBe(
              !first ? 0 : expected ? 2 : 1,
            );
          },
        ),
        { numRuns: 2000 },
      );
    } finally {
      returnScanBuffer(memory);
    }
  });

  it("RecentValues.findScan finds what find finds, patterns in the arena or not (fast-check)", () => {
    const memory = borrowScanBuffer()!;
    try {
      const view = new DataView(memory.buffer, memory.byteOffset, memory.length);
      fc.assert(
        fc.property(
          fc.array(fc.uint8Array({ minLength: 0, maxLength: 80 }), { minLength: 1, maxLength: 10 }),
          fc.nat(),
          fc.integer({ min: -1, max: 255 }),
          fc.nat(),
          (values, pick, change, where) => {
            const recent = new RecentValues<number>(4);
            for (const [k, v] of values.entries()) recent.add(v, 0, v.length, k);
            const text = Uint8Array.from(values[pick % values.length]!);
            if (change >= 0 && text.length > 0) text[where % text.length] = change;
            memory.set(text, 7);
            const base = scanOffset(memory);
            const end = 7 + text.length;
            const plain = Uint8Array.from(memory.subarray(0, end + 16));
            const expected = recent.find(new DataView(plain.buffer), plain, 7, end)?.value ?? null;
            expect(recent.findScan(base, view, memory, 7, end)?.value ?? null).toBe(expected);
          },
        ),
        { numRuns: 2000 },
      );
    } finally {
      returnScanBuffer(memory);
    }
  });

  it("a pattern set again is compared as its new bytes, in the arena too", () => {
    const memory = borrowScanBuffer()!;
    try {
      const text = new TextEncoder().encode('"2026-03-02T06:00:00.417+00:00","value":');
      const other = new TextEncoder().encode('"2026-03-02T06:00:01.417+00:00","value":');
      memory.set(text, 0);
      const base = scanOffset(memory);
      const p = new BytePattern(text);
      expect(scanEq(base, p.arenaAt(), p.length)).toBe(1);
      p.set(other, 0, other.length);
      expect(scanEq(base, p.arenaAt(), p.length)).toBe(0);
    } finally {
      returnScanBuffer(memory);
    }
  });
});
