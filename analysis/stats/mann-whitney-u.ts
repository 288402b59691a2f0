import { standardNormalUpperTail } from "./standard-normal.js";

/** The result of {@link mannWhitneyU}. */
export interface MannWhitneyResult {
  /** U of sample a: pairs (aᵢ, bⱼ) with aᵢ > bⱼ, plus half the ties. scipy's `statistic`. */
  readonly uA: number;
  /** U of sample b: pairs with bⱼ > aᵢ, plus half the ties; uA + uB = n·m. */
  readonly uB: number;
  /**
   * (uB − n·m/2) / σ, without continuity correction: positive when b tends to be larger
   * (slower, for latencies). 0 when every value ties (σ = 0).
   */
  readonly z: number;
  /** Two-sided p-value, as scipy's `alternative="two-sided"`; 1 when every value ties. */
  readonly pValue: number;
  /**
   * One-sided p-value for "b is stochastically greater than a" (for latencies: b is
   * slower), as `scipy.stats.mannwhitneyu(b, a, alternative="greater")`.
   */
  readonly pValueBGreater: number;
}

/**
 * The Mann–Whitney U test (Wilcoxon rank-sum test) of two independent samples: does one
 * tend to take larger values than the other? Used by the gate on per-second latencies.
 *
 * Definition: rank the pooled n + m values (ties get their average rank); with R_a the
 * rank sum of a, U_a = R_a − n(n + 1)/2 and U_b = n·m − U_a. Under the null hypothesis
 * U is approximately normal with mean μ = n·m/2 and, with tᵢ the sizes of the tie groups,
 * σ² = n·m/12 · ((N + 1) − Σ(tᵢ³ − tᵢ) / (N(N − 1))), N = n + m.
 *
 * Method: the normal approximation with tie and continuity corrections, as
 * `scipy.stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic",
 * use_continuity=True)`: p = 2·Q((max(U_a, U_b) − μ − 1/2) / σ), capped at 1; the
 * one-sided p = Q((U_b − μ − 1/2) / σ). No exact small-sample distribution: with fewer
 * than about 8 values per sample and no ties, scipy's default (`method="auto"`) uses the
 * exact distribution instead and will differ. When every value ties, σ = 0 and scipy
 * gives NaN; this gives p = 1 (no evidence of a difference).
 *
 * Cost: O(N log N) for the sort.
 *
 * @throws {RangeError} when a sample is empty or holds a value that is not a number.
 * @example
 * mannWhitneyU([1, 2, 3], [4, 5, 6, 7]); // { uA: 0, uB: 12, pValue: 0.0518..., ... }
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) {
    throw new RangeError("`mannWhitneyU` requires at least one value in each sample");
  }
  const pooled: { value: number; fromA: boolean }[] = [];
  for (const value of a) pooled.push({ value, fromA: true });
  for (const value of b) pooled.push({ value, fromA: false });
  if (pooled.some((entry) => Number.isNaN(entry.value))) {
    throw new RangeError("`mannWhitneyU` requires numbers, got NaN");
  }
  pooled.sort((x, y) => x.value - y.value);

  const total = n + m;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let start = 0; start < total;) {
    let end = start + 1;
    while (end < total && pooled[end]!.value === pooled[start]!.value) end++;
    const tied = end - start;
    const averageRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) if (pooled[i]!.fromA) rankSumA += averageRank;
    tieTerm += tied ** 3 - tied;
    start = end;
  }

  const uA = rankSumA - (n * (n + 1)) / 2;
  const uB = n * m - uA;
  const mu = (n * m) / 2;
  const sigma = Math.sqrt(((n * m) / 12) * (total + 1 - tieTerm / (total * (total - 1))));
  if (!(sigma > 0)) return { uA, uB, z: 0, pValue: 1, pValueBGreater: 1 };
  const twoSided = 2 * standardNormalUpperTail((Math.max(uA, uB) - mu - 0.5) / sigma);
  return {
    uA,
    uB,
    z: (uB - mu) / sigma,
    pValue: Math.min(1, twoSided),
    pValueBGreater: standardNormalUpperTail((uB - mu - 0.5) / sigma),
  };
}
