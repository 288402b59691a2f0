import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isWholeCount, mostTasks, runningBounds, taskRange } from "../../../sim/vocab/numbers.js";

describe("taskRange: task counts in whole tasks", () => {
  it("gives the desired counts as they are, and adds the running bounds only where running left them", () => {
    expect(
      taskRange({ minTasks: 2, maxTasks: 27.3, minDesiredCount: 2, maxDesiredCount: 28 }),
    ).toBe("2–28 desired");
    // simulate-deploy-memory.yaml: the new revision dies as it starts (main printed "0–3.8").
    expect(taskRange({ minTasks: 0, maxTasks: 3.8, minDesiredCount: 2, maxDesiredCount: 3 })).toBe(
      "2–3 desired (running 0–4 by step means)",
    );
    expect(
      taskRange({ minTasks: 180, maxTasks: 1206.9, minDesiredCount: 180, maxDesiredCount: 1180 }),
    ).toBe("180–1,180 desired (running 180–1,207 by step means)");
  });

  it("gives Kpis without desired counts (an older summary.json) the floor and ceiling of the step means", () => {
    expect(taskRange({ minTasks: 0.4, maxTasks: 3.8 })).toBe("0–4 running (by step means)");
    expect(taskRange({ minTasks: 2, maxTasks: 3 })).toBe("2–3 running (by step means)");
    expect(mostTasks({ minTasks: 0.4, maxTasks: 3.8 })).toBe(4);
    expect(mostTasks({ minTasks: 0.4, maxTasks: 3.8, maxDesiredCount: 3 })).toBe(3);
  });

  it("never prints a decimal, and its running bounds hold every mean (so each is a count some moment reached)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.option(fc.tuple(fc.nat(300), fc.nat(300)), { nil: undefined }),
        (a, b, desired) => {
          const k = {
            minTasks: Math.min(a, b),
            maxTasks: Math.max(a, b),
            ...(desired
              ? { minDesiredCount: Math.min(...desired), maxDesiredCount: Math.max(...desired) }
              : {}),
          };
          expect(taskRange(k)).not.toMatch(/\d\.\d/);
          const { low, high } = runningBounds(k);
          expect(Number.isInteger(low) && Number.isInteger(high)).toBe(true);
          expect(low).toBeLessThanOrEqual(k.minTasks + 1e-9);
          expect(high).toBeGreaterThanOrEqual(k.maxTasks - 1e-9);
          expect(low).toBeGreaterThan(k.minTasks - 1);
          expect(high).toBeLessThan(k.maxTasks + 1);
        },
      ),
    );
  });
});

describe("isWholeCount", () => {
  it("takes float dust as whole and an expected value as not", () => {
    expect(isWholeCount(3)).toBe(true);
    expect(isWholeCount(3.0000000001)).toBe(true);
    expect(isWholeCount(2.9999999999)).toBe(true);
    expect(isWholeCount(94.06)).toBe(false);
    expect(isWholeCount(0.008)).toBe(false);
  });
});
