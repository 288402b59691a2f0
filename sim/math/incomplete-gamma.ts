import { gammaln } from "simple-statistics";

/** Relative precision the continued fraction and the series stop at. */
const EPSILON = 1e-16;
/** A number near the smallest double, to keep Lentz's continued fraction off zero. */
const TINY = 1e-300;
/** Enough terms for the series up to a ≈ 10⁵ (it needs about 3√a). */
const MAX_ITERATIONS = 10_000;

/**
 * The regularized incomplete gamma functions P(a, x) = γ(a, x) / Γ(a) (lower) and
 * Q(a, x) = Γ(a, x) / Γ(a) = 1 − P (upper), for a > 0 and x ≥ 0, each computed directly where
 * it is small so that neither loses digits to 1 − (almost 1).
 *
 * Method: the power series of P below x < a + 1, the continued fraction of Q (modified Lentz)
 * above (Numerical Recipes, 3rd ed., §6.2); simple-statistics' gammaln for the prefactor.
 *
 * Uses: the normal tail (erfc(z/√2) = Q(1/2, z²/2)) and the Poisson tail
 * (P(N > k) = P(k + 1, mean) for N ~ Poisson(mean)).
 *
 * Cost: O(√a) terms for the series, a few dozen for the continued fraction.
 *
 * @example regularizedGamma(1, 1) // { lower: 0.6321205588285577, upper: 0.36787944117144233 } (1 − e⁻¹, e⁻¹)
 */
export function regularizedGamma(a: number, x: number): { lower: number; upper: number } {
  if (!(a > 0) || !(x >= 0)) throw new RangeError("`regularizedGamma` requires a > 0 and x ≥ 0");
  if (x === 0) return { lower: 0, upper: 1 };
  const prefactor = Math.exp(-x + a * Math.log(x) - gammaln(a));
  if (x < a + 1) {
    // P(a, x) = e^(−x) x^a / Γ(a) · Σ x^n / (a (a+1) … (a+n)).
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
    }
    const lower = Math.min(1, sum * prefactor);
    return { lower, upper: 1 - lower };
  }
  // Continued fraction of Q(a, x), modified Lentz.
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  const upper = Math.min(1, prefactor * h);
  return { lower: 1 - upper, upper };
}
