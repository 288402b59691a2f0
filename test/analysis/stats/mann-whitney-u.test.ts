import { describe, expect, it } from "vitest";
import { mannWhitneyU } from "../../../analysis/stats/mann-whitney-u.js";
import { createRandom } from "../../../sim/math/random.js";

// numpy.round(rng.lognormal(3.0, 0.3, 40)) and numpy.round(rng.lognormal(3.1, 0.3, 35)),
// rng = numpy.random.default_rng(7): per-second p95s in ms, with many ties.
const A = [
  20, 22, 18, 15, 18, 15, 20, 30, 17, 17, 23, 22, 21, 15, 20, 25, 13, 18, 11, 14, 12, 19, 14, 22,
  21, 19, 9, 17, 20, 21, 13, 17, 15, 16, 28, 16, 20, 26, 17, 19,
];
const B = [
  23, 23, 15, 23, 33, 14, 29, 23, 18, 40, 28, 15, 23, 26, 21, 27, 22, 27, 34, 18, 24, 19, 23, 16,
  19, 21, 29, 31, 15, 17, 27, 12, 19, 22, 32,
];

describe("mannWhitneyU", () => {
  // Each row: a, b, then scipy's statistic and p-value from
  //   scipy.stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic", use_continuity=True)
  // and the one-sided p-value from
  //   scipy.stats.mannwhitneyu(b, a, alternative="greater", method="asymptotic", use_continuity=True)
  const cases: [number[], number[], number, number, number][] = [
    [[1, 2, 3], [4, 5, 6, 7], 0.0, 0.05182992721790968, 0.02591496360895484],
    [
      [1, 2, 2, 3, 3, 3, 4],
      [2, 3, 3, 4, 5, 5, 6, 7],
      10.5,
      0.04393680322463132,
      0.02196840161231566,
    ],
    [A, B, 385.5, 0.0008339285904724561, 0.00041696429523622807],
    [[5, 5, 5], [5, 5], 3.0, 1.0, 1.0],
  ];

  it("matches scipy's asymptotic test with tie and continuity corrections", () => {
    for (const [a, b, statistic, pValue, pValueBGreater] of cases) {
      const result = mannWhitneyU(a, b);
      expect(result.uA).toBe(statistic);
      expect(result.pValue).toBeCloseTo(pValue, 14);
      expect(result.pValueBGreater).toBeCloseTo(pValueBGreater, 14);
    }
  });

  it("U_a + U_b = n·m, swapping the samples swaps them, and z points at the larger sample", () => {
    const random = createRandom(3);
    for (let trial = 0; trial < 20; trial++) {
      const a = Array.from({ length: 5 + trial }, () => Math.round(10 * random.normal()));
      const b = Array.from({ length: 30 - trial }, () => Math.round(10 * random.normal() + 3));
      const forward = mannWhitneyU(a, b);
      const backward = mannWhitneyU(b, a);
      expect(forward.uA + forward.uB).toBe(a.length * b.length);
      expect(backward.uA).toBe(forward.uB);
      expect(backward.pValue).toBeCloseTo(forward.pValue, 15);
      expect(Math.sign(forward.z)).toBe(Math.sign(forward.uB - forward.uA));
    }
  });

  it("rejects an empty sample and NaN", () => {
    expect(() => mannWhitneyU([], [1])).toThrow(
      "`mannWhitneyU` requires at least one value in each sample",
    );
    expect(() => mannWhitneyU([1, Number.NaN], [1])).toThrow(RangeError);
  });
});
