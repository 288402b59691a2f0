/** The share of tasks over their memory limit when in-flight counts are Poisson (oomModel "poisson"). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryFit, poissonUpperTail, RevisionMemory, tasksOverMemory } from "../../sim/memory.js";

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

describe("memoryFit", () => {
  it("gives the requests in flight that fit, −∞ for a base over the task's memory, ∞ without per-request memory", () => {
    expect(memoryFit({ base: 300, perInflightRequest: 10 }, 512, false).inflightThatFits).toBe(
      21.2,
    );
    expect(memoryFit({ base: 600, perInflightRequest: 10 }, 512, false).inflightThatFits).toBe(
      -Infinity,
    );
    expect(memoryFit({ base: 300, perInflightRequest: 0 }, 512, true).inflightThatFits).toBe(
      Infinity,
    );
  });

  it("under poisson, brackets the means where the share over the limit must be computed", () => {
    const f = memoryFit({ base: 300, perInflightRequest: 10 }, 512, true);
    // Up to negligibleInflight the share is at most 0.1 %; from certainInflight on, all but 1e-9.
    expect(tasksOverMemory(f.negligibleInflight, 300, 10, 512)).toBeLessThanOrEqual(1e-3);
    expect(tasksOverMemory(f.negligibleInflight * 1.01, 300, 10, 512)).toBeGreaterThan(1e-3);
    expect(tasksOverMemory(f.certainInflight, 300, 10, 512)).toBeGreaterThan(1 - 1e-9);
    expect(f.negligibleInflight).toBeLessThan(21.2);
    expect(f.certainInflight).toBeGreaterThan(21.2);
    const mean = memoryFit({ base: 300, perInflightRequest: 10 }, 512, false);
    expect(mean.negligibleInflight).toBe(-Infinity);
    expect(mean.certainInflight).toBe(Infinity);
  });
});

describe("RevisionMemory", () => {
  const service = { base: 1024, perInflightRequest: 64 };

  it("gives revision 0, and any revision not yet defined, the service's memory", () => {
    const m = new RevisionMemory(service, 2048, false);
    expect(m.modelOf(0)).toEqual(service);
    expect(m.modelOf(3)).toEqual(service);
    expect(m.of(0).inflightThatFits).toBe(16);
    expect(m.diesAsItStarts(0)).toBe(false);
  });

  it("takes a new revision's fields where given, the replaced revision's elsewhere", () => {
    const m = new RevisionMemory(service, 2048, false);
    m.define(1, 0, { base: 4096 });
    expect(m.modelOf(1)).toEqual({ base: 4096, perInflightRequest: 64 });
    expect(m.diesAsItStarts(1)).toBe(true);
    expect(m.diesAsItStarts(0)).toBe(false);
    // A rollback leaves revision 0 in force: the next deployment changes it, not revision 1.
    m.define(2, 0, { perInflightRequest: 128 });
    expect(m.modelOf(2)).toEqual({ base: 1024, perInflightRequest: 128 });
    expect(m.of(2).inflightThatFits).toBe(8);
    // A deployment that says nothing keeps the memory of the revision it replaces.
    m.define(3, 2, undefined);
    expect(m.modelOf(3)).toEqual({ base: 1024, perInflightRequest: 128 });
    m.define(4, 3, {});
    expect(m.of(4)).toBe(m.of(3));
  });
});
