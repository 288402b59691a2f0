/**
 * A streaming, mergeable latency histogram in the style of HdrHistogram (Gil Tene): it keeps
 * per-second (or per-run) latency percentiles over millions of points in a few kilobytes,
 * where k6's own summary keeps every value.
 */

/** Options of a {@link LatencyHistogram}. */
export interface LatencyHistogramOptions {
  /**
   * Significant decimal digits kept for every value, 1 to 5. Sets the relative error bound
   * {@link LatencyHistogram.relativeError}: 3.1 % for 1 digit, 0.39 % for 2, 0.049 % for 3.
   * @default 2
   */
  readonly significantDigits?: number;
  /**
   * The smallest difference the histogram resolves near zero, in the unit of the recorded
   * values: below `2^⌈log2(2·10^digits)⌉` times this unit the buckets are linear and this
   * wide. With latencies in milliseconds the default is one microsecond.
   * @default 0.001
   */
  readonly lowestDiscernibleValue?: number;
}

import { ExactSum } from "./exact-sum.js";

/** A {@link LatencyHistogram} as plain, structured-cloneable data. */
export interface LatencyHistogramSnapshot {
  readonly significantDigits: number;
  readonly lowestDiscernibleValue: number;
  readonly offset: number;
  readonly counts: Float64Array;
  readonly count: number;
  /** The exact sum's partials (ExactSum). */
  readonly sum: readonly number[];
  readonly min: number;
  readonly max: number;
}

/** The default of {@link LatencyHistogramOptions.significantDigits}. */
const DEFAULT_SIGNIFICANT_DIGITS = 2;
/** The default of {@link LatencyHistogramOptions.lowestDiscernibleValue}: 1 µs in milliseconds. */
const DEFAULT_LOWEST_DISCERNIBLE_VALUE = 0.001;
/** Buckets allocated by the first `record`. */
const INITIAL_BUCKETS = 64;

/**
 * A log-linear histogram of non-negative values (latencies) with a relative error bound.
 *
 * Definition: with digits d, let S = 2^⌈log2(2·10^d)⌉ sub-buckets (256 for d = 2) and
 * H = S / 2. A value v is first measured in units u (`lowestDiscernibleValue`), x = ⌊v / u⌋.
 * Values with x < S get one bucket per unit (linear range); above that, every power-of-two
 * range [2^e, 2^(e+1)) of x is cut into H equal buckets (logarithmic range). That is
 * HdrHistogram's bucket layout, on floating-point values.
 *
 * Error bound: the value reported for a rank is the midpoint of its bucket, clamped to the
 * exact [min, max]; every bucket is at most 1/H of its lower edge wide, so the reported
 * order statistic is within ε·v + u/2 of the true one, with ε = 1 / (2H) =
 * {@link relativeError} (1/256 ≈ 0.39 % for 2 digits). `percentile(p)` interpolates the
 * two order statistics around rank p·(n − 1) exactly as {@link k6Percentile} does, so
 *
 *   |histogram.percentile(p) − k6Percentile(sorted, p)| ≤ ε · k6Percentile(sorted, p) + u/2.
 *
 * `percentile(0)` is the exact minimum and `percentile(1)` the exact maximum; `count`,
 * `min`, `max` and `mean` are exact (the sum is an ExactSum, so histograms merged in any
 * order have the same mean).
 *
 * Memory: 8 bytes per bucket between the smallest and largest value recorded, that is
 * 8·H bytes per doubling of the value range: with 2 digits about 1 KiB per doubling, so
 * 1 ms to 10 s (13.3 doublings) takes about 14 KiB, plus a fixed ~100 bytes. Buckets are
 * allocated on demand, with one power of two (1 KiB) of slack when the range grows.
 *
 * Cost: `record` is O(1) (one logarithm) amortized; `percentile` is O(buckets); `merge` is
 * O(buckets of the other histogram).
 *
 * @example
 * const histogram = new LatencyHistogram(); // 2 significant digits, unit 0.001
 * for (const latency of [12.1, 15.3, 11.8, 250]) histogram.record(latency);
 * histogram.percentile(0.5); // ≈ 13.7 (k6Percentile gives 13.7), within 0.39 % + 0.0005
 * histogram.max; // 250
 */
export class LatencyHistogram {
  /** Significant decimal digits kept for every value. */
  readonly significantDigits: number;
  /** Width of the linear buckets near zero, in the unit of the recorded values. */
  readonly lowestDiscernibleValue: number;
  /** ε of the error bound: half the widest bucket relative to its lower edge, 1 / (2H). */
  readonly relativeError: number;

  /** H, the sub-buckets per power of two in the logarithmic range. */
  readonly #halfSubBucketCount: number;
  /** log2(H). */
  readonly #halfSubBucketMagnitude: number;
  /** Counts of the buckets #offset … #offset + #counts.length − 1. */
  #counts = new Float64Array(0);
  #offset = 0;
  #count = 0;
  /** Exact, so that merges in any order give the same mean. */
  #sum = new ExactSum();
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;

  constructor(options: LatencyHistogramOptions = {}) {
    const digits = options.significantDigits ?? DEFAULT_SIGNIFICANT_DIGITS;
    const unit = options.lowestDiscernibleValue ?? DEFAULT_LOWEST_DISCERNIBLE_VALUE;
    if (!Number.isInteger(digits) || digits < 1 || digits > 5) {
      throw new RangeError(
        `\`LatencyHistogram\` requires significantDigits to be an integer from 1 to 5, got ${digits}`,
      );
    }
    if (!(unit > 0 && Number.isFinite(unit))) {
      throw new RangeError(
        `\`LatencyHistogram\` requires a positive lowestDiscernibleValue, got ${unit}`,
      );
    }
    this.significantDigits = digits;
    this.lowestDiscernibleValue = unit;
    this.#halfSubBucketMagnitude = Math.ceil(Math.log2(2 * 10 ** digits)) - 1;
    this.#halfSubBucketCount = 2 ** this.#halfSubBucketMagnitude;
    this.relativeError = 1 / (2 * this.#halfSubBucketCount);
  }

  /** How many values were recorded. */
  get count(): number {
    return this.#count;
  }

  /** The smallest recorded value, exactly; 0 when empty (as k6). */
  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }

  /** The largest recorded value, exactly; 0 when empty (as k6). */
  get max(): number {
    return this.#count === 0 ? 0 : this.#max;
  }

  /** The arithmetic mean of the recorded values, exactly (from their sum); 0 when empty. */
  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum.value / this.#count;
  }

  /** Buckets currently allocated; the histogram takes about 8 bytes for each. */
  get bucketCount(): number {
    return this.#counts.length;
  }

  /**
   * Records a value, `count` times.
   * @throws {RangeError} for a negative or non-finite value, or a count that is not a
   *   positive integer.
   */
  record(value: number, count = 1): void {
    if (!(value >= 0 && Number.isFinite(value))) {
      throw new RangeError(
        `\`LatencyHistogram.record\` requires a finite non-negative value, got ${value}`,
      );
    }
    if (!(Number.isInteger(count) && count > 0)) {
      throw new RangeError(
        `\`LatencyHistogram.record\` requires a positive integer count, got ${count}`,
      );
    }
    const index = this.#indexOf(value);
    this.#ensure(index, index);
    this.#counts[index - this.#offset]! += count;
    this.#count += count;
    this.#sum.add(count === 1 ? value : value * count);
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
  }

  /**
   * Adds every value of `other` to this histogram (as if they had been recorded here) and
   * returns this histogram. Percentiles of a merge come from the merged buckets, never
   * from averaging percentiles.
   * @throws {RangeError} when the two histograms differ in digits or unit.
   */
  merge(other: LatencyHistogram): this {
    if (
      other.significantDigits !== this.significantDigits ||
      other.lowestDiscernibleValue !== this.lowestDiscernibleValue
    ) {
      throw new RangeError(
        "`LatencyHistogram.merge` requires histograms with the same significantDigits and lowestDiscernibleValue",
      );
    }
    if (other.#count === 0) return this;
    const counts = other.#counts;
    this.#ensure(other.#offset, other.#offset + counts.length - 1);
    const shift = other.#offset - this.#offset;
    for (let i = 0; i < counts.length; i++) this.#counts[shift + i]! += counts[i]!;
    this.#count += other.#count;
    this.#sum.addSum(other.#sum);
    if (other.#min < this.#min) this.#min = other.#min;
    if (other.#max > this.#max) this.#max = other.#max;
    return this;
  }

  /**
   * The histogram as plain data (its buckets as a Float64Array), to send to another thread;
   * {@link LatencyHistogram.fromSnapshot} makes the same histogram again.
   */
  toSnapshot(): LatencyHistogramSnapshot {
    return {
      significantDigits: this.significantDigits,
      lowestDiscernibleValue: this.lowestDiscernibleValue,
      offset: this.#offset,
      counts: this.#counts,
      count: this.#count,
      sum: this.#sum.toArray(),
      min: this.#min,
      max: this.#max,
    };
  }

  /** The histogram a {@link toSnapshot} describes. */
  static fromSnapshot(s: LatencyHistogramSnapshot): LatencyHistogram {
    const h = new LatencyHistogram({
      significantDigits: s.significantDigits,
      lowestDiscernibleValue: s.lowestDiscernibleValue,
    });
    h.#offset = s.offset;
    h.#counts = s.counts as Float64Array<ArrayBuffer>;
    h.#count = s.count;
    h.#sum = ExactSum.of(s.sum);
    h.#min = s.min;
    h.#max = s.max;
    return h;
  }

  /**
   * The percentile p of the recorded values, by k6's definition (interpolation at rank
   * p·(n − 1)), within the error bound of the class comment; 0 when empty.
   * @param p the probability, in [0, 1] (0.95 for `p(95)`).
   * @throws {RangeError} when p is outside [0, 1].
   */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 1)) {
      throw new RangeError(`\`LatencyHistogram.percentile\` requires p in [0, 1], got ${p}`);
    }
    if (this.#count === 0) return 0;
    const rank = p * (this.#count - 1);
    const lowerRank = Math.floor(rank);
    const fraction = rank - lowerRank;
    const below = this.#valueAtRank(lowerRank);
    if (fraction === 0) return below;
    const above = this.#valueAtRank(lowerRank + 1);
    return below + (above - below) * fraction;
  }

  /** The estimate of the order statistic with 0-based rank k (0 ≤ k < count). */
  #valueAtRank(rank: number): number {
    if (rank <= 0) return this.#min;
    if (rank >= this.#count - 1) return this.#max;
    let seen = 0;
    const counts = this.#counts;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i]!;
      if (seen > rank) {
        const midpoint = this.#midpointOf(i + this.#offset);
        return Math.min(this.#max, Math.max(this.#min, midpoint));
      }
    }
    return this.#max;
  }

  /** The bucket index of a value: ⌊x / 2^b⌋ + b·H, with b the power-of-two range above S. */
  #indexOf(value: number): number {
    const units = Math.floor(value / this.lowestDiscernibleValue);
    if (units < 2 * this.#halfSubBucketCount) return units;
    let exponent = Math.floor(Math.log2(units));
    // Math.log2 may round across a power of two; settle 2^e ≤ units < 2^(e+1) exactly.
    if (2 ** exponent > units) exponent--;
    else if (2 ** (exponent + 1) <= units) exponent++;
    const range = exponent - this.#halfSubBucketMagnitude;
    return range * this.#halfSubBucketCount + Math.floor(units / 2 ** range);
  }

  /** The midpoint of a bucket, in the unit of the recorded values. */
  #midpointOf(index: number): number {
    const half = this.#halfSubBucketCount;
    const range = index < 2 * half ? 0 : Math.floor(index / half) - 1;
    const subBucket = index - range * half;
    return (subBucket + 0.5) * 2 ** range * this.lowestDiscernibleValue;
  }

  /** Grows the bucket window to cover the indices from..to. */
  #ensure(from: number, to: number): void {
    const length = this.#counts.length;
    if (length > 0 && from >= this.#offset && to < this.#offset + length) return;
    const start = length === 0 ? from : Math.min(from, this.#offset);
    const end = length === 0 ? to : Math.max(to, this.#offset + length - 1);
    // Slack of one power-of-two range (H buckets) on the side that grew: the window grows at
    // most once per power of two of the values' range, so copying stays amortized O(1).
    const size = Math.max(
      INITIAL_BUCKETS,
      end - start + 1 + (length > 0 ? this.#halfSubBucketCount : 0),
    );
    const newOffset = length > 0 && from < this.#offset ? Math.max(0, end + 1 - size) : start;
    const grown = new Float64Array(size);
    if (length > 0) grown.set(this.#counts, this.#offset - newOffset);
    this.#counts = grown;
    this.#offset = newOffset;
  }
}
