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
import { regularizedGamma } from "./math/incomplete-gamma.js";

/** Up to this mean the terms are summed directly; above, the regularized gamma function. */
const EXACT_UP_TO = 50;

/**
 * P(N > k) for N ~ Poisson(mean): the terms summed for means up to 50, else P(k + 1, mean),
 * the regularized lower incomplete gamma function (sim/math/incomplete-gamma.ts).
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
  return regularizedGamma(whole + 1, mean).lower;
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
