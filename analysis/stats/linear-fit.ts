import { linearRegression, linearRegressionLine, rSquared } from "simple-statistics";
import { studentTQuantile } from "./student-t.js";

/** A confidence interval. */
export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

/** The result of {@link linearFit}. */
export interface LinearFit {
  /** The least-squares slope (e.g. CPU units per request per second). */
  readonly slope: number;
  /** The least-squares intercept (e.g. idle CPU). */
  readonly intercept: number;
  /** The coefficient of determination; 1 when y does not vary and the line fits exactly. */
  readonly rSquared: number;
  /** Standard error of the slope, √(s² / Sxx), s² = SSE / (n − 2). */
  readonly slopeStandardError: number;
  /** Standard error of the intercept, √(s² (1/n + x̄² / Sxx)). */
  readonly interceptStandardError: number;
  /** slope ± t·slopeStandardError, t the Student-t quantile with n − 2 degrees of freedom. */
  readonly slopeInterval: Interval;
  /** intercept ± t·interceptStandardError. */
  readonly interceptInterval: Interval;
  /** n − 2. */
  readonly degreesOfFreedom: number;
  /** The confidence level of the intervals, e.g. 0.95. */
  readonly confidence: number;
}

/**
 * A least-squares straight line y = slope·x + intercept, with R² and confidence intervals
 * for the slope and the intercept. Calibration fits CPU on requests per task with it.
 *
 * Definition: slope and intercept minimize Σ(yᵢ − slope·xᵢ − intercept)² (simple-statistics
 * `linearRegression`, which centres the data first); R² = 1 − SSE/SST (simple-statistics
 * `rSquared`). With Sxx = Σ(xᵢ − x̄)² and s² = SSE / (n − 2), the slope's standard error is
 * √(s² / Sxx) and the intercept's √(s² (1/n + x̄²/Sxx)); each interval is the estimate
 * ± t_{(1+c)/2, n−2} times its standard error ({@link studentTQuantile}). These are the
 * `slope`, `intercept`, `rvalue`², `stderr` and `intercept_stderr` of
 * `scipy.stats.linregress(x, y)`, and R's `confint(lm(y ~ x))`.
 *
 * Method: the intervals assume independent errors of constant variance, normally
 * distributed; with autocorrelated time series (per-second samples) they are too narrow.
 *
 * Cost: O(n).
 *
 * @param x the explanatory values (e.g. requests per second per task).
 * @param y the responses (e.g. CPU utilization), as many as x.
 * @param confidence the level of the intervals, in (0, 1).
 * @throws {RangeError} when x and y differ in length, hold fewer than three points (no
 *   degrees of freedom for the interval), hold non-finite values, or x does not vary.
 * @example
 * linearFit([1, 2, 3, 4], [2.1, 3.9, 6.2, 7.8]).slope; // 1.93
 */
export function linearFit(
  x: readonly number[],
  y: readonly number[],
  confidence = 0.95,
): LinearFit {
  if (x.length !== y.length) {
    throw new RangeError(
      `\`linearFit\` requires as many x as y values, got ${x.length} and ${y.length}`,
    );
  }
  if (x.length < 3) {
    throw new RangeError("`linearFit` requires at least three points");
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`\`linearFit\` requires a confidence in (0, 1), got ${confidence}`);
  }
  const points = x.map((xi, i) => [xi, y[i]!]);
  if (points.some(([xi, yi]) => !Number.isFinite(xi) || !Number.isFinite(yi))) {
    throw new RangeError("`linearFit` requires finite values");
  }
  const n = points.length;
  const meanX = x.reduce((sum, xi) => sum + xi, 0) / n;
  let sxx = 0;
  for (const xi of x) sxx += (xi - meanX) ** 2;
  if (!(sxx > 0)) throw new RangeError("`linearFit` requires at least two distinct x values");

  const { m: slope, b: intercept } = linearRegression(points);
  const line = linearRegressionLine({ m: slope, b: intercept });
  let sse = 0;
  let sst = 0;
  const meanY = y.reduce((sum, yi) => sum + yi, 0) / n;
  for (const [xi, yi] of points as [number, number][]) {
    sse += (yi - line(xi)) ** 2;
    sst += (yi - meanY) ** 2;
  }
  const degreesOfFreedom = n - 2;
  const variance = sse / degreesOfFreedom;
  const slopeStandardError = Math.sqrt(variance / sxx);
  const interceptStandardError = Math.sqrt(variance * (1 / n + (meanX * meanX) / sxx));
  const t = studentTQuantile((1 + confidence) / 2, degreesOfFreedom);
  return {
    slope,
    intercept,
    // simple-statistics divides by SST, which is 0 when y is constant (then the fit is exact).
    rSquared: sst > 0 ? rSquared(points, line) : 1,
    slopeStandardError,
    interceptStandardError,
    slopeInterval: {
      lower: slope - t * slopeStandardError,
      upper: slope + t * slopeStandardError,
    },
    interceptInterval: {
      lower: intercept - t * interceptStandardError,
      upper: intercept + t * interceptStandardError,
    },
    degreesOfFreedom,
    confidence,
  };
}
