import { median } from "simple-statistics";
import { describe, expect, it } from "vitest";
import { k6Percentile } from "../../../analysis/stats/k6-percentile.js";
import { createRandom } from "../../../sim/math/random.js";

const ascending = (x: number, y: number): number => x - y;

describe("k6Percentile", () => {
  it("matches numpy's linear percentile", () => {
    const values = [3.2, 1.0, 7.5, 2.2, 9.9, 4.4, 4.4, 0.5, 12.0, 6.1, 8.8].sort(ascending);
    // [float(numpy.percentile([3.2, 1.0, 7.5, 2.2, 9.9, 4.4, 4.4, 0.5, 12.0, 6.1, 8.8], q))
    //  for q in [0, 10, 25, 50, 90, 95, 99, 100]]
    const reference = [0.5, 1.0, 2.7, 4.4, 9.9, 10.95, 11.790000000000001, 12.0];
    [0, 10, 25, 50, 90, 95, 99, 100].forEach((q, i) => {
      expect(k6Percentile(values, q / 100)).toBeCloseTo(reference[i]!, 12);
    });
  });

  it("follows k6's sink.go on small samples: one value, none", () => {
    expect(k6Percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(k6Percentile([7], 0.9)).toBe(7);
    expect(k6Percentile([], 0.9)).toBe(0);
  });

  it("p0 = min, p50 = median, p100 = max", () => {
    const random = createRandom(5);
    for (const n of [1, 2, 7, 100, 1001]) {
      const values = Array.from({ length: n }, () => random.normal()).sort(ascending);
      expect(k6Percentile(values, 0)).toBe(values[0]);
      expect(k6Percentile(values, 0.5)).toBeCloseTo(median(values), 14);
      expect(k6Percentile(values, 1)).toBe(values[n - 1]);
    }
  });

  it("rejects p outside [0, 1]", () => {
    expect(() => k6Percentile([1], 95)).toThrow("`k6Percentile` requires p in [0, 1], got 95");
    expect(() => k6Percentile([1], Number.NaN)).toThrow(RangeError);
  });
});
