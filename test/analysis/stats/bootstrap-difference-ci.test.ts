import { mean } from "simple-statistics";
import { describe, expect, it } from "vitest";
import { bootstrapDifferenceCi } from "../../../analysis/stats/bootstrap-difference-ci.js";
import { k6Percentile } from "../../../analysis/stats/k6-percentile.js";
import { createRandom } from "../../../sim/math/random.js";

const p95 = (values: number[]): number =>
  k6Percentile(
    values.sort((x, y) => x - y),
    0.95,
  );

// rng = numpy.random.default_rng(3)
// BA = numpy.round(rng.normal(100, 10, 30), 1).tolist(); BB = numpy.round(rng.normal(106, 10, 30), 1).tolist()
const BA = [
  120.4, 74.4, 104.2, 94.3, 95.5, 97.8, 79.8, 97.7, 91.3, 133.2, 102.3, 96.5, 97.2, 93.3, 89.4,
  96.1, 104.8, 97.6, 109.6, 98.0, 100.2, 115.5, 105.5, 94.9, 98.2, 105.4, 119.4, 97.3, 97.6, 110.0,
];
const BB = [
  97.1, 103.1, 114.8, 111.8, 106.9, 112.7, 77.7, 116.2, 96.4, 89.3, 108.8, 113.0, 101.6, 95.2,
  106.3, 105.5, 120.1, 113.5, 107.9, 117.1, 103.9, 96.7, 111.8, 111.8, 103.9, 98.2, 108.3, 81.1,
  112.9, 110.9,
];

describe("bootstrapDifferenceCi", () => {
  it("agrees with scipy.stats.bootstrap (percentile) up to resampling noise", () => {
    // r = scipy.stats.bootstrap((BA, BB), lambda a, b: numpy.mean(b) - numpy.mean(a),
    //     method="percentile", vectorized=False, n_resamples=20000,
    //     random_state=numpy.random.default_rng(0), confidence_level=0.95)
    // r.confidence_interval → (-0.936750000000013, 9.886666666666686); estimate 4.570000000000007
    const ci = bootstrapDifferenceCi(BA, BB, mean, {
      resamples: 20_000,
      random: createRandom(1),
    });
    expect(ci.estimate).toBeCloseTo(4.570000000000007, 12);
    // The ends of a 20 000-resample interval wobble by about 0.1 here (MC standard error).
    expect(Math.abs(ci.lower - -0.936750000000013)).toBeLessThan(0.35);
    expect(Math.abs(ci.upper - 9.886666666666686)).toBeLessThan(0.35);
  });

  it("is deterministic for a seed and different for another seed", () => {
    const options = { resamples: 500, random: createRandom(7) };
    const first = bootstrapDifferenceCi(BA, BB, p95, options);
    const again = bootstrapDifferenceCi(BA, BB, p95, { resamples: 500, random: createRandom(7) });
    const other = bootstrapDifferenceCi(BA, BB, p95, { resamples: 500, random: createRandom(8) });
    expect(again).toEqual(first);
    expect(other.lower).not.toBe(first.lower);
  });

  it("the interval for identical samples contains 0 and is ordered", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const ci = bootstrapDifferenceCi(BA, [...BA], p95, {
        resamples: 400,
        random: createRandom(seed),
      });
      expect(ci.estimate).toBe(0);
      expect(ci.lower).toBeLessThanOrEqual(0);
      expect(ci.upper).toBeGreaterThanOrEqual(0);
    }
  });

  it("a clear p95 regression gives an interval above 0", () => {
    const random = createRandom(11);
    const baseline = Array.from({ length: 300 }, () => 50 + 10 * random.normal());
    const candidate = Array.from({ length: 300 }, () => 65 + 10 * random.normal());
    const ci = bootstrapDifferenceCi(baseline, candidate, p95, { random: createRandom(2) });
    expect(ci.lower).toBeGreaterThan(0);
    expect(ci.lower).toBeLessThan(ci.estimate);
    expect(ci.upper).toBeGreaterThan(ci.estimate);
    expect(ci).toMatchObject({ confidence: 0.95, resamples: 2000 });
  });

  it("rejects empty samples and bad options", () => {
    const random = createRandom(1);
    expect(() => bootstrapDifferenceCi([], [1], mean, { random })).toThrow(
      "`bootstrapDifferenceCi` requires at least one value in each sample",
    );
    expect(() => bootstrapDifferenceCi([1], [1], mean, { random, confidence: 1 })).toThrow(
      RangeError,
    );
    expect(() => bootstrapDifferenceCi([1], [1], mean, { random, resamples: 0 })).toThrow(
      RangeError,
    );
    expect(() => bootstrapDifferenceCi([1], [1], () => Number.NaN, { random })).toThrow(RangeError);
  });
});
