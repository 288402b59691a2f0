import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { regularizedGamma } from "../../../sim/math/incomplete-gamma.js";

describe("regularizedGamma", () => {
  it("P(1, x) = 1 − e^(−x), on both branches", () => {
    for (const x of [0.1, 1, 1.9, 2.1, 10, 40]) {
      const { lower, upper } = regularizedGamma(1, x);
      expect(lower).toBeCloseTo(1 - Math.exp(-x), 14);
      expect(upper).toBeCloseTo(Math.exp(-x), 14);
    }
  });

  it("P(k + 1, λ) is the Poisson tail P(N > k), and P + Q = 1", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0.01, max: 60, noNaN: true }),
        (k, mean) => {
          let term = Math.exp(-mean);
          let cdf = term;
          for (let n = 1; n <= k; n++) cdf += term *= mean / n;
          const { lower, upper } = regularizedGamma(k + 1, mean);
          expect(lower).toBeCloseTo(1 - cdf, 10);
          expect(lower + upper).toBeCloseTo(1, 14);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a ≤ 0 and x < 0 in one sentence", () => {
    expect(() => regularizedGamma(0, 1)).toThrow("`regularizedGamma` requires a > 0 and x ≥ 0");
    expect(() => regularizedGamma(1, -1)).toThrow(RangeError);
  });
});
