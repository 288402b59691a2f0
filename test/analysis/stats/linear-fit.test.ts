import { describe, expect, it } from "vitest";
import { linearFit } from "../../../analysis/stats/linear-fit.js";

const X = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const Y = [3.1, 4.9, 7.2, 8.8, 11.3, 12.9, 15.2, 16.8, 19.1, 21.2];

describe("linearFit", () => {
  it("matches scipy.stats.linregress and t.ppf intervals", () => {
    // res = scipy.stats.linregress(X, Y); t = scipy.stats.t.ppf(0.975, len(X) - 2)
    // [res.slope, res.intercept, res.rvalue**2, res.stderr, res.intercept_stderr,
    //  res.slope ∓ t*res.stderr, res.intercept ∓ t*res.intercept_stderr]
    const fit = linearFit(X, Y);
    expect(fit.slope).toBeCloseTo(2.006666666666667, 13);
    expect(fit.intercept).toBeCloseTo(1.0133333333333336, 13);
    expect(fit.rSquared).toBeCloseTo(0.9990937479636895, 13);
    expect(fit.slopeStandardError).toBeCloseTo(0.02136739704703798, 13);
    expect(fit.interceptStandardError).toBeCloseTo(0.13258121200902503, 13);
    expect(fit.slopeInterval.lower).toBeCloseTo(1.957393360717648, 13);
    expect(fit.slopeInterval.upper).toBeCloseTo(2.0559399726156857, 13);
    expect(fit.interceptInterval.lower).toBeCloseTo(0.7076005101901417, 13);
    expect(fit.interceptInterval.upper).toBeCloseTo(1.3190661564765256, 13);
    expect(fit.degreesOfFreedom).toBe(8);
  });

  it("takes other confidence levels", () => {
    // slope ∓ scipy.stats.t.ppf(0.95, 8) * res.stderr
    const fit = linearFit(X, Y, 0.9);
    expect(fit.slopeInterval.lower).toBeCloseTo(1.966932965420704, 13);
    expect(fit.slopeInterval.upper).toBeCloseTo(2.04640036791263, 13);
  });

  it("stays accurate with x far from zero (epoch seconds)", () => {
    // X2 = [1.7e9 + 60*i for i in range(12)]
    // Y2 = [50 + 0.001*i + (0.3 if i % 2 else -0.3) for i in range(12)]
    // res = scipy.stats.linregress(X2, Y2): slope, rvalue**2, stderr
    const x = Array.from({ length: 12 }, (_, i) => 1.7e9 + 60 * i);
    const y = Array.from({ length: 12 }, (_, i) => 50 + 0.001 * i + (i % 2 ? 0.3 : -0.3));
    const fit = linearFit(x, y);
    expect(fit.slope).toBeCloseTo(0.0002264568764568762, 12);
    expect(fit.rSquared).toBeCloseTo(0.02436033511389979, 9);
    expect(fit.slopeStandardError).toBeCloseTo(0.0004531986502383075, 12);
  });

  it("an exact line has R² = 1 and a zero-width interval that holds the slope", () => {
    const fit = linearFit([0, 1, 2, 3], [5, 7, 9, 11]);
    expect(fit.rSquared).toBe(1);
    expect(fit.slopeInterval.lower).toBeCloseTo(2, 12);
    expect(fit.slopeInterval.upper).toBeCloseTo(2, 12);
    expect(linearFit([0, 1, 2], [4, 4, 4]).rSquared).toBe(1);
  });

  it("rejects too few points, mismatched lengths and constant x", () => {
    expect(() => linearFit([1, 2], [1, 2])).toThrow("`linearFit` requires at least three points");
    expect(() => linearFit([1, 2, 3], [1, 2])).toThrow(RangeError);
    expect(() => linearFit([2, 2, 2], [1, 2, 3])).toThrow(
      "`linearFit` requires at least two distinct x values",
    );
    expect(() => linearFit([1, 2, 3], [1, 2, 3], 95)).toThrow(RangeError);
  });
});
