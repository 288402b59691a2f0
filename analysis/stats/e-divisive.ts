import { shuffleInPlace } from "simple-statistics";
import type { Random } from "../../sim/math/random.js";

/** Options of {@link eDivisiveChangePoints}. */
export interface EDivisiveOptions {
  /**
   * The fewest points on each side of a change point, at least 2.
   * @default 5
   */
  readonly minSize?: number;
  /**
   * A change point is kept when its permutation p-value is at most this.
   * @default 0.05
   */
  readonly significance?: number;
  /**
   * Permutations per significance test; the smallest possible p-value is
   * 1 / (permutations + 1).
   * @default 199
   */
  readonly permutations?: number;
  /** The seeded random source (sim/math/random.ts `createRandom(seed)`); the same seed finds the same points. */
  readonly random: Random;
}

/** A change point found by {@link eDivisiveChangePoints}. */
export interface ChangePoint {
  /** The index of the first value after the change: series[index] starts the new regime. */
  readonly index: number;
  /** q̂ of the split when it was found (see {@link energySplitStatistics}). */
  readonly statistic: number;
  /** The permutation p-value, (1 + permuted q̂ ≥ observed) / (1 + permutations). */
  readonly pValue: number;
}

/**
 * Change points of a series (e.g. the p95 of every scheduled run, oldest first) in the
 * E-divisive style of Matteson and James (2014), as used by MongoDB's
 * signal-processing-algorithms and Apache Otava (formerly DataStax Hunter): it catches
 * shifts in mean or spread, including a slow drift that settles at a new level.
 *
 * Method: start with the whole series as one segment. Repeatedly (1) in every segment of
 * at least 2·minSize points find the split with the largest energy statistic q̂ (α = 1,
 * {@link energySplitStatistics}), and take the largest over all segments; (2) test it by
 * permutation: shuffle the values within each current segment, find the largest q̂ again,
 * `permutations` times; p = (1 + #{permuted ≥ observed}) / (1 + permutations); (3) if
 * p ≤ significance keep the split and go on (bisection), else stop. As in MongoDB's and
 * Otava's implementations, the second half of a split runs to the end of its segment
 * (Matteson and James also search over that end point).
 *
 * Cost: O(n²) per segment scan, so O(permutations · n²) per change point found (the test
 * stops early once significance is out of reach); a few hundred runs take milliseconds.
 *
 * @returns the change points, ordered by index; none for a series shorter than 2·minSize.
 * @throws {RangeError} for non-finite values or options out of range.
 * @example
 * const series = [...Array(40).fill(10), ...Array(40).fill(13)].map((v, i) => v + (i % 3));
 * eDivisiveChangePoints(series, { random: createRandom(1) }); // [{ index: 40, ... }]
 */
export function eDivisiveChangePoints(
  series: readonly number[],
  options: EDivisiveOptions,
): ChangePoint[] {
  const { minSize = 5, significance = 0.05, permutations = 199, random } = options;
  checkSeries("eDivisiveChangePoints", series);
  checkMinSize("eDivisiveChangePoints", minSize);
  if (!(significance > 0 && significance < 1)) {
    throw new RangeError(
      `\`eDivisiveChangePoints\` requires a significance in (0, 1), got ${significance}`,
    );
  }
  if (!(Number.isInteger(permutations) && permutations >= 1)) {
    throw new RangeError(
      `\`eDivisiveChangePoints\` requires a positive integer number of permutations, got ${permutations}`,
    );
  }
  // p = (1 + exceedances) / (1 + permutations) ≤ significance  ⇔  exceedances ≤ this.
  const allowedExceedances = Math.floor(significance * (permutations + 1)) - 1;
  if (allowedExceedances < 0) {
    throw new RangeError(
      `\`eDivisiveChangePoints\` requires at least ${Math.ceil(1 / significance) - 1} permutations to reach significance ${significance}`,
    );
  }
  const draw = (): number => random.next();
  const found: ChangePoint[] = [];
  // Segment boundaries: 0, the change points found so far, n.
  const bounds = [0, series.length];
  const shuffled = [...series];
  for (;;) {
    const best = bestSplitOverSegments(series, bounds, minSize);
    if (best === undefined) break;
    // Permutation test: the same search on data shuffled within each current segment.
    let exceedances = 0;
    for (let r = 0; r < permutations && exceedances <= allowedExceedances; r++) {
      for (let s = 0; s + 1 < bounds.length; s++) {
        const from = bounds[s]!;
        const segment = shuffleInPlace(shuffled.slice(from, bounds[s + 1]), draw);
        for (let i = 0; i < segment.length; i++) shuffled[from + i] = segment[i]!;
      }
      const permuted = bestSplitOverSegments(shuffled, bounds, minSize);
      if (permuted !== undefined && permuted.statistic >= best.statistic) exceedances++;
    }
    // The test stops as soon as significance is out of reach.
    if (exceedances > allowedExceedances) break;
    found.push({ ...best, pValue: (1 + exceedances) / (1 + permutations) });
    bounds.push(best.index);
    bounds.sort((x, y) => x - y);
  }
  return found.sort((x, y) => x.index - y.index);
}

/**
 * The E-divisive energy statistic q̂ of every split of a series into a head and a tail.
 *
 * Definition: for a split before index τ, with X = series[0..τ) (size p) and
 * Y = series[τ..n) (size q),
 *   ê = 2/(pq) Σ|xᵢ − yⱼ| − 1/C(p,2) Σ_{i<k}|xᵢ − x_k| − 1/C(q,2) Σ_{j<k}|yⱼ − y_k|,
 *   q̂(τ) = pq/(p + q) · ê,
 * the (scaled) energy distance between the two parts, with α = 1 (Matteson and James,
 * 2014, eq. 6–7; Székely and Rizzo's energy distance). Large when the parts differ in
 * distribution.
 *
 * Method: the three sums are updated as τ moves right by one, so all splits take O(n²)
 * together, with no n × n matrix.
 *
 * @returns an array of length n: entry τ is q̂(τ) for minSize ≤ τ ≤ n − minSize, NaN
 *   elsewhere.
 * @throws {RangeError} for non-finite values or a minSize below 2.
 * @example
 * energySplitStatistics([0, 0, 0, 5, 5, 5], 2); // [NaN, NaN, 6.67, 15, 6.67, NaN] (rounded)
 */
export function energySplitStatistics(series: readonly number[], minSize = 2): number[] {
  checkSeries("energySplitStatistics", series);
  checkMinSize("energySplitStatistics", minSize);
  const out = new Array<number>(series.length).fill(Number.NaN);
  scanSplits(series, 0, series.length, minSize, (index, statistic) => {
    out[index] = statistic;
  });
  return out;
}

/** The split with the largest q̂ over all segments long enough to split, if any. */
function bestSplitOverSegments(
  series: readonly number[],
  bounds: readonly number[],
  minSize: number,
): { index: number; statistic: number } | undefined {
  let best: { index: number; statistic: number } | undefined;
  for (let s = 0; s + 1 < bounds.length; s++) {
    scanSplits(series, bounds[s]!, bounds[s + 1]!, minSize, (index, statistic) => {
      if (best === undefined || statistic > best.statistic) best = { index, statistic };
    });
  }
  return best;
}

/** Calls visit(τ, q̂(τ)) for every allowed split τ of series[start..end). */
function scanSplits(
  series: readonly number[],
  start: number,
  end: number,
  minSize: number,
  visit: (index: number, statistic: number) => void,
): void {
  if (end - start < 2 * minSize) return;
  // Sums of |zᵢ − zⱼ| over pairs within the head, within the tail, and across.
  let head = 0;
  let tail = 0;
  let across = 0;
  for (let i = start; i < end; i++) {
    for (let j = i + 1; j < end; j++) tail += Math.abs(series[i]! - series[j]!);
  }
  for (let tau = start + 1; tau <= end - minSize; tau++) {
    // Move series[tau − 1] from the tail to the head.
    const moved = series[tau - 1]!;
    let toHead = 0;
    for (let i = start; i < tau - 1; i++) toHead += Math.abs(series[i]! - moved);
    let toTail = 0;
    for (let j = tau; j < end; j++) toTail += Math.abs(series[j]! - moved);
    head += toHead;
    tail -= toTail;
    across += toTail - toHead;
    if (tau - start < minSize) continue;
    const p = tau - start;
    const q = end - tau;
    const energy = (2 * across) / (p * q) - head / ((p * (p - 1)) / 2) - tail / ((q * (q - 1)) / 2);
    visit(tau, ((p * q) / (p + q)) * energy);
  }
}

function checkSeries(name: string, series: readonly number[]): void {
  if (series.some((value) => !Number.isFinite(value))) {
    throw new RangeError(`\`${name}\` requires finite values`);
  }
}

function checkMinSize(name: string, minSize: number): void {
  if (!(Number.isInteger(minSize) && minSize >= 2)) {
    throw new RangeError(
      `\`${name}\` requires a minSize that is an integer of at least 2, got ${minSize}`,
    );
  }
}
