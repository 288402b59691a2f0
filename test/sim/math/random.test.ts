import { describe, expect, it } from "vitest";
import { createRandom } from "../../../sim/math/random.js";

function draws(count: number, draw: () => number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = draw();
  return out;
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function variance(values: Float64Array): number {
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) * (v - m);
  return sum / (values.length - 1);
}

describe("createRandom", () => {
  it("gives the same sequence for the same seed", () => {
    const a = createRandom(42);
    const b = createRandom(42);
    expect(draws(1000, () => a.next())).toEqual(draws(1000, () => b.next()));
    const c = createRandom(42);
    const d = createRandom(42);
    expect(draws(100, () => c.gamma(0.3, 2))).toEqual(draws(100, () => d.gamma(0.3, 2)));
  });

  it("gives different sequences for different seeds", () => {
    const a = createRandom(1);
    const b = createRandom(2);
    expect(draws(10, () => a.next())).not.toEqual(draws(10, () => b.next()));
  });

  it("matches the published Mulberry32 sequence for seed 1", () => {
    // Reference: the usual Mulberry32 code, re-implemented in Python with 32-bit masks.
    const random = createRandom(1);
    expect(random.next()).toBe(0.6270739405881613);
    expect(random.next()).toBe(0.002735721180215478);
  });

  it("draws next() from [0, 1) with mean ≈ 1/2 and variance ≈ 1/12", () => {
    const random = createRandom(7);
    const values = draws(200_000, () => random.next());
    expect(values.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(0);
    expect(values.reduce((a, b) => Math.max(a, b))).toBeLessThan(1);
    // Standard error of the mean: √(1/12/200000) ≈ 0.00065.
    expect(mean(values)).toBeCloseTo(0.5, 2);
    expect(variance(values)).toBeCloseTo(1 / 12, 2);
  });

  it("draws exponential(rate) with mean ≈ 1/rate", () => {
    const random = createRandom(11);
    for (const rate of [0.5, 3, 200]) {
      const values = draws(100_000, () => random.exponential(rate));
      // Standard error: (1/rate)/√100000 ≈ 0.3 % of the mean.
      expect(mean(values) * rate).toBeCloseTo(1, 1.5);
      expect(values.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(0);
    }
  });

  it("draws normal() with mean ≈ 0 and variance ≈ 1", () => {
    const random = createRandom(13);
    const values = draws(100_000, () => random.normal());
    expect(mean(values)).toBeCloseTo(0, 1.5);
    expect(variance(values)).toBeCloseTo(1, 1.5);
  });

  it("draws gamma(shape, scale) with mean kθ and variance kθ², also for shape < 1", () => {
    const random = createRandom(17);
    for (const [shape, scale] of [
      [4, 0.25],
      [0.25, 4],
      [1, 2],
    ] as const) {
      const values = draws(200_000, () => random.gamma(shape, scale));
      expect(mean(values) / (shape * scale)).toBeCloseTo(1, 1.5);
      expect(variance(values) / (shape * scale * scale)).toBeCloseTo(1, 1);
    }
  });

  it("rejects a non-positive rate, shape or scale", () => {
    const random = createRandom(1);
    expect(() => random.exponential(0)).toThrow("exponential requires a positive rate");
    expect(() => random.gamma(-1, 1)).toThrow("gamma requires a positive shape");
    expect(() => random.gamma(1, 0)).toThrow("gamma requires a positive scale");
  });
});
