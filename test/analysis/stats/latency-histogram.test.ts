import { describe, expect, it } from "vitest";
import { k6Percentile } from "../../../analysis/stats/k6-percentile.js";
import { LatencyHistogram } from "../../../analysis/stats/latency-histogram.js";
import { createRandom, type Random } from "../../../sim/math/random.js";

const PERCENTILES = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

/** Latencies in milliseconds: lognormal around 20 ms with a heavy tail, some sub-millisecond. */
function latencies(random: Random, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.exp(3 + 1.2 * random.normal());
  return out;
}

function histogramOf(values: ArrayLike<number>, significantDigits = 2): LatencyHistogram {
  const histogram = new LatencyHistogram({ significantDigits });
  for (let i = 0; i < values.length; i++) histogram.record(values[i]!);
  return histogram;
}

describe("LatencyHistogram", () => {
  it("keeps every percentile within ε·exact + u/2 of k6Percentile on random data", () => {
    for (const significantDigits of [1, 2, 3]) {
      const values = latencies(createRandom(significantDigits), 200_000);
      const histogram = histogramOf(values, significantDigits);
      const sorted = Float64Array.from(values).sort();
      const epsilon = histogram.relativeError;
      const unit = histogram.lowestDiscernibleValue;
      let worst = 0;
      for (const p of PERCENTILES) {
        const exact = k6Percentile(sorted, p);
        const error = Math.abs(histogram.percentile(p) - exact);
        expect(error).toBeLessThanOrEqual(epsilon * exact + unit / 2 + 1e-12 * exact);
        worst = Math.max(worst, error / exact);
      }
      // The bound is not loose by orders of magnitude: midpoints err by about ε/2 on average.
      expect(worst).toBeGreaterThan(epsilon / 100);
    }
  });

  it("has the documented ε: 1/32, 1/256, 1/2048 for 1, 2, 3 digits", () => {
    expect(new LatencyHistogram({ significantDigits: 1 }).relativeError).toBe(1 / 32);
    expect(new LatencyHistogram().relativeError).toBe(1 / 256);
    expect(new LatencyHistogram({ significantDigits: 3 }).relativeError).toBe(1 / 2048);
  });

  it("is exact for count, min, max, mean, p0 and p100; empty gives 0 like k6", () => {
    const values = [12.1, 15.3, 11.8, 250, 0.0004];
    const histogram = histogramOf(values);
    expect(histogram.count).toBe(5);
    expect(histogram.min).toBe(0.0004);
    expect(histogram.max).toBe(250);
    expect(histogram.mean).toBeCloseTo((12.1 + 15.3 + 11.8 + 250 + 0.0004) / 5, 12);
    expect(histogram.percentile(0)).toBe(0.0004);
    expect(histogram.percentile(1)).toBe(250);
    const empty = new LatencyHistogram();
    expect([empty.count, empty.min, empty.max, empty.mean, empty.percentile(0.95)]).toEqual([
      0, 0, 0, 0, 0,
    ]);
  });

  it("merges to the same histogram as recording everything in one", () => {
    const random = createRandom(9);
    const seconds = Array.from({ length: 10 }, (_, s) =>
      latencies(random, 1000 + 100 * s).map((v) => v * (1 + s / 10)),
    );
    const merged = new LatencyHistogram();
    for (const second of seconds) merged.merge(histogramOf(second));
    const all = histogramOf(seconds.flatMap((second) => Array.from(second)));
    expect(merged.count).toBe(all.count);
    expect(merged.min).toBe(all.min);
    expect(merged.max).toBe(all.max);
    expect(merged.mean).toBeCloseTo(all.mean, 9);
    for (const p of PERCENTILES) expect(merged.percentile(p)).toBe(all.percentile(p));
  });

  it("records a value many times at once, and an empty merge changes nothing", () => {
    const once = new LatencyHistogram();
    once.record(42, 1000);
    once.merge(new LatencyHistogram());
    const repeated = histogramOf(new Array<number>(1000).fill(42));
    expect(once.percentile(0.5)).toBe(repeated.percentile(0.5));
    expect(once.count).toBe(1000);
  });

  it("takes about 1 KiB per doubling of range with 2 digits (1 ms – 10 s: under 16 KiB)", () => {
    const histogram = new LatencyHistogram();
    // Record in an order that grows the window both ways.
    for (const v of [100, 1, 10_000, 5, 3000]) histogram.record(v);
    const doublings = Math.log2(10_000 / 1);
    expect(histogram.bucketCount).toBeGreaterThanOrEqual(Math.floor(128 * doublings));
    expect(histogram.bucketCount * 8).toBeLessThan(16 * 1024);
  });

  it("rejects bad values, counts, percentiles, options and mismatched merges", () => {
    const histogram = new LatencyHistogram();
    expect(() => histogram.record(-1)).toThrow(
      "`LatencyHistogram.record` requires a finite non-negative value, got -1",
    );
    expect(() => histogram.record(Number.NaN)).toThrow(RangeError);
    expect(() => histogram.record(1, 0.5)).toThrow(RangeError);
    expect(() => histogram.percentile(95)).toThrow(RangeError);
    expect(() => new LatencyHistogram({ significantDigits: 6 })).toThrow(RangeError);
    expect(() => new LatencyHistogram({ lowestDiscernibleValue: 0 })).toThrow(RangeError);
    expect(() => histogram.merge(new LatencyHistogram({ significantDigits: 3 }))).toThrow(
      RangeError,
    );
  });
});
