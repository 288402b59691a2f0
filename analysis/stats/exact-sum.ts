/**
 * A sum of doubles kept exactly, so that the same values give the same sum in any order and
 * however they are split and merged (a file read in byte ranges by several threads, k6
 * outputs of several segments).
 *
 * Definition: the sum is held as a list of non-overlapping doubles ("partials") whose exact
 * real sum is the exact real sum of every value added; {@link ExactSum.value} rounds that
 * real number once, to the nearest double (ties to even). So the result depends only on the
 * multiset of values added, never on their order, and it is the correctly rounded sum.
 *
 * Method: Shewchuk's "Adaptive Precision Floating-Point Arithmetic and Fast Robust Geometric
 * Predicates" (1997), as in Python's `math.fsum` (Raymond Hettinger's `msum` recipe, with its
 * final half-even correction, CPython `Modules/mathmodule.c`, `math_fsum_impl`).
 *
 * Cost: `add` is O(partials) two-sum steps; the partials stay few (one to three for
 * latencies in ms), so adding costs a few floating-point operations more than `+=`.
 * Values must be finite (callers check: k6PointValueProblem).
 *
 * @example
 * const s = new ExactSum();
 * for (const x of [1e100, 1, -1e100]) s.add(x);
 * s.value; // 1 (a plain `+=` gives 0)
 */
export class ExactSum {
  #partials = new Float64Array(4);
  #n = 0;

  /** Adds one finite value. */
  add(x: number): void {
    const p = this.#partials;
    let i = 0;
    for (let j = 0; j < this.#n; j++) {
      let y = p[j]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    if (i === p.length) {
      const grown = new Float64Array(2 * p.length);
      grown.set(p);
      this.#partials = grown;
    }
    this.#partials[i] = x;
    this.#n = i + 1;
  }

  /** Adds every value another sum holds (exactly: the order of merges does not matter). */
  addSum(other: ExactSum): void {
    for (let j = 0; j < other.#n; j++) this.add(other.#partials[j]!);
  }

  /** The sum, correctly rounded; 0 for no values. */
  get value(): number {
    const p = this.#partials;
    let n = this.#n;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half to even across the remaining partials, as math.fsum does.
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }

  /** The partials, for sending the sum to another thread (see {@link ExactSum.of}). */
  toArray(): number[] {
    return Array.from(this.#partials.subarray(0, this.#n));
  }

  /** A sum holding the partials of {@link toArray}. */
  static of(partials: readonly number[]): ExactSum {
    const s = new ExactSum();
    for (const x of partials) s.add(x);
    return s;
  }
}
