/**
 * k6's percentile of a sorted sample, the definition behind every `p(N)` and `med` in a k6
 * summary and threshold.
 *
 * Definition: with the n values sorted ascending and p in [0, 1], let i = p·(n − 1); the
 * percentile is the linear interpolation between values[⌊i⌋] and values[⌈i⌉]. One value
 * gives that value; no values give 0, as k6 does. This is also numpy's default
 * (`numpy.percentile(values, 100 * p)`, method "linear") and R's `quantile(type = 7)`.
 *
 * Method: k6 `metrics/sink.go`, `TrendSink.P` (see reference/k6.md §3.5).
 *
 * Cost: O(1); the caller sorts once, O(n log n), and may ask for many percentiles.
 *
 * @param sortedValues the sample, sorted ascending (not checked, as in simple-statistics'
 *   `quantileSorted`).
 * @param p the probability, in [0, 1] (0.95 for k6's `p(95)`).
 * @returns the percentile; 0 for an empty sample.
 * @throws {RangeError} when p is outside [0, 1].
 * @example
 * k6Percentile([1, 2, 3, 4], 0.5); // 2.5
 * k6Percentile([1, 2, 3, 4], 0.95); // 3.85
 */
export function k6Percentile(sortedValues: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`\`k6Percentile\` requires p in [0, 1], got ${p}`);
  }
  const n = sortedValues.length;
  if (n === 0) return 0;
  const index = p * (n - 1);
  const lower = Math.floor(index);
  const fraction = index - lower;
  const below = sortedValues[lower] as number;
  if (fraction === 0) return below;
  const above = sortedValues[lower + 1] as number;
  return below + (above - below) * fraction;
}
