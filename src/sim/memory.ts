/**
 * Which tasks run out of memory when the fluid model's mean task is near its limit
 * (platform.oomModel "poisson"): the share of tasks whose requests in flight pass the number
 * that fits in memory, with in-flight counts Poisson around the mean.
 *
 * Poisson is the exact count of an M/G/∞ station (requests that mostly wait on non-CPU
 * latency) and the least variable count a queue can have, so the share is a floor on what a
 * real service sees. It is the share at an instant, not the chance of passing the limit at
 * some moment of the step.
 */
import { gammaln } from "simple-statistics";

/** Up to this mean the terms are summed directly; above, the regularized gamma function. */
const EXACT_UP_TO = 50;

/**
 * P(N > k) for N ~ Poisson(mean): the terms summed for means up to 50, else P(k + 1, mean),
 * the regularized lower incomplete gamma function (series below a + 1, Lentz's continued
 * fraction above; simple-statistics' gammaln).
 *
 * Cost: O(k) up to a mean of 50, O(√mean) iterations above.
 * @example poissonUpperTail(2, 2) // 0.3233235838169366 (1 − 5e⁻²)
 */
export function poissonUpperTail(mean: number, k: number): number {
  if (!(mean >= 0) || Number.isNaN(k)) throw new RangeError("poissonUpperTail requires a mean ≥ 0");
  if (k < 0) return 1;
  if (mean === 0) return 0;
  const whole = Math.floor(k);
  if (mean <= EXACT_UP_TO) {
    let term = Math.exp(-mean);
    let cdf = term;
    for (let n = 1; n <= whole; n++) {
      term *= mean / n;
      cdf += term;
      if (term < 1e-17 * cdf && n > mean) break;
    }
    return Math.max(0, 1 - cdf);
  }
  return regularizedLowerGamma(whole + 1, mean);
}

/**
 * P(a, x) = γ(a, x) / Γ(a), the regularized lower incomplete gamma function, for a > 0, x ≥ 0
 * (Numerical Recipes §6.2: the series for x < a + 1, else 1 − the continued fraction for Q).
 */
export function regularizedLowerGamma(a: number, x: number): number {
  if (x <= 0) return 0;
  const front = Math.exp(-x + a * Math.log(x) - gammaln(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.min(1, sum * front);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let n = 1; n < 10_000; n++) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.max(0, 1 - front * h);
}

/**
 * The share of serving tasks over their memory limit: memory = base + perInflight × N per
 * task, N ~ Poisson(meanInflight). 1 when the base alone does not fit; 0 or 1 when memory does
 * not depend on requests.
 *
 * @example tasksOverMemory(20, 300, 10, 512) // P(N > 21) for N ~ Poisson(20) ≈ 0.356
 */
export function tasksOverMemory(
  meanInflight: number,
  baseMiB: number,
  perInflightMiB: number,
  limitMiB: number,
): number {
  if (baseMiB > limitMiB) return 1;
  if (perInflightMiB <= 0) return 0;
  return poissonUpperTail(meanInflight, (limitMiB - baseMiB) / perInflightMiB);
}
