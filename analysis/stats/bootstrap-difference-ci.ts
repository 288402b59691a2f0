import { sampleWithReplacement } from "simple-statistics";
import type { Random } from "../../sim/math/random.js";
import { k6Percentile } from "./k6-percentile.js";

/** Options of {@link bootstrapDifferenceCi}. */
export interface BootstrapOptions {
  /**
   * How many bootstrap resamples to draw. The interval's ends wobble by roughly
   * √(α(1−α)/resamples) in probability; 2000 is a usual choice for 95 % intervals.
   * @default 2000
   */
  readonly resamples?: number;
  /** The confidence level, in (0, 1). @default 0.95 */
  readonly confidence?: number;
  /** The seeded random source (sim/math/random.ts `createRandom(seed)`); the same seed gives the same interval. */
  readonly random: Random;
}

/** The result of {@link bootstrapDifferenceCi}. */
export interface BootstrapInterval {
  /** statistic(b) − statistic(a) on the samples themselves. */
  readonly estimate: number;
  /** Lower end of the percentile interval. */
  readonly lower: number;
  /** Upper end of the percentile interval. */
  readonly upper: number;
  readonly confidence: number;
  readonly resamples: number;
}

/**
 * A percentile-bootstrap confidence interval for the difference statistic(b) −
 * statistic(a) of two independent samples, e.g. the p95 latency of a candidate run minus
 * that of its baseline. An interval entirely above 0 says b is worse beyond noise.
 *
 * Definition: draw `resamples` pairs (a*, b*), each a sample with replacement of its own
 * size from a and from b, and take the (1 − c)/2 and (1 + c)/2 percentiles (linear
 * interpolation, numpy's default and {@link k6Percentile}) of statistic(b*) −
 * statistic(a*). This is `scipy.stats.bootstrap((a, b), lambda a, b: statistic(b) −
 * statistic(a), method="percentile", vectorized=False)` up to the random draws.
 *
 * Method: Efron's percentile bootstrap; independent resampling within each sample (not
 * paired). Samples of per-second values are autocorrelated, so the interval is somewhat
 * optimistic; for tail statistics (p99) of small samples, it is coarse.
 *
 * Cost: O(resamples · (n + m)) draws plus 2·resamples calls of `statistic` (for a
 * percentile, O(resamples · n log n)).
 *
 * @param a the baseline sample.
 * @param b the candidate sample.
 * @param statistic a function of one sample, e.g. `(v) => k6Percentile(v.sort((x, y) => x - y), 0.95)`;
 *   it receives a fresh array it may sort in place.
 * @throws {RangeError} when a sample is empty, the options are out of range, or the
 *   statistic returns a value that is not a number.
 * @example
 * const p95 = (v: number[]) => k6Percentile(v.sort((x, y) => x - y), 0.95);
 * bootstrapDifferenceCi(baseline, candidate, p95, { random: createRandom(1) });
 * // { estimate: 12.5, lower: 4.1, upper: 20.3, confidence: 0.95, resamples: 2000 }
 */
export function bootstrapDifferenceCi(
  a: readonly number[],
  b: readonly number[],
  statistic: (sample: number[]) => number,
  options: BootstrapOptions,
): BootstrapInterval {
  const { resamples = 2000, confidence = 0.95, random } = options;
  if (a.length === 0 || b.length === 0) {
    throw new RangeError("`bootstrapDifferenceCi` requires at least one value in each sample");
  }
  if (!(Number.isInteger(resamples) && resamples >= 1)) {
    throw new RangeError(
      `\`bootstrapDifferenceCi\` requires a positive integer number of resamples, got ${resamples}`,
    );
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(
      `\`bootstrapDifferenceCi\` requires a confidence in (0, 1), got ${confidence}`,
    );
  }
  const estimate = checked(statistic([...b])) - checked(statistic([...a]));
  const draw = (): number => random.next();
  const sourceA = [...a];
  const sourceB = [...b];
  const differences = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const resampledA = sampleWithReplacement(sourceA, sourceA.length, draw);
    const resampledB = sampleWithReplacement(sourceB, sourceB.length, draw);
    differences[r] = checked(statistic(resampledB)) - checked(statistic(resampledA));
  }
  differences.sort();
  return {
    estimate,
    lower: k6Percentile(differences, (1 - confidence) / 2),
    upper: k6Percentile(differences, (1 + confidence) / 2),
    confidence,
    resamples,
  };
}

function checked(value: number): number {
  if (Number.isNaN(value)) {
    throw new RangeError("`bootstrapDifferenceCi` requires a statistic that returns numbers");
  }
  return value;
}
