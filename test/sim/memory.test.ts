/** The share of tasks over their memory limit when in-flight counts are Poisson (oomModel "poisson"). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { poissonUpperTail, tasksOverMemory } from "../../sim/memory.js";

/** P(N > k) for N ~ Poisson(mean), summed in log space (the reference). */
function tailByLogSum(mean: number, k: number): number {
  let logTerm = -mean; // n = 0
  let cdf = Math.exp(logTerm);
  for (let n = 1; n <= k; n++) {
    logTerm += Math.log(mean) - Math.log(n);
    cdf += Math.exp(logTerm);
  }
  return 1 - cdf;
}

describe("poissonUpperTail", () => {
  it("matches hand values and a log-space sum", () => {
    expect(poissonUpperTail(2, 2)).toBeCloseTo(1 - 5 * Math.exp(-2), 14);
    expect(poissonUpperTail(1, 0)).toBeCloseTo(1 - Math.exp(-1), 14);
    expect(poissonUpperTail(3, -1)).toBe(1);
    expect(poissonUpperTail(0, 0)).toBe(0);
    for (const mean of [0.5, 4, 13, 30, 50])
      for (let k = 0; k <= 3 * mean + 5; k++)
        expect(poissonUpperTail(mean, k)).toBeCloseTo(tailByLogSum(mean, k), 10);
  });

  it("agrees with the log-space sum above a mean of 50 (regularized gamma)", () => {
    for (const mean of [51, 120, 400, 2000])
      for (const z of [-4, -1, 0, 1, 4]) {
        const k = Math.round(mean + z * Math.sqrt(mean));
        expect(poissonUpperTail(mean, k)).toBeCloseTo(tailByLogSum(mean, k), 9);
      }
  });

  it("grows with the mean and falls with k", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.integer({ min: 0, max: 600 }),
        (mean, more, k) => {
          const p = poissonUpperTail(mean, k);
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
          expect(poissonUpperTail(mean + more, k)).toBeGreaterThanOrEqual(p - 1e-9);
          expect(poissonUpperTail(mean, k + 1)).toBeLessThanOrEqual(p + 1e-9);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("tasksOverMemory", () => {
  it("is the tail past the requests that fit; all when the base does not fit; none without per-request memory", () => {
    // (512 − 300) / 10 = 21.2 requests fit: P(N > 21).
    expect(tasksOverMemory(20, 300, 10, 512)).toBeCloseTo(tailByLogSum(20, 21), 12);
    expect(tasksOverMemory(0, 600, 10, 512)).toBe(1);
    expect(tasksOverMemory(1000, 300, 0, 512)).toBe(0);
  });
});
