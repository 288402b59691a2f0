import { standardNormalUpperTail } from "./standard-normal.js";

/** The result of {@link twoProportionZTest}. */
export interface TwoProportionResult {
  /** failuresA / totalA. */
  readonly proportionA: number;
  /** failuresB / totalB. */
  readonly proportionB: number;
  /** proportionB − proportionA. */
  readonly difference: number;
  /** (p_B − p_A) / SE with the pooled standard error; 0 when SE = 0. */
  readonly z: number;
  /** Two-sided p-value: are the failure rates different? */
  readonly pValue: number;
  /** One-sided p-value for "B fails more often than A" (B is worse). */
  readonly pValueBWorse: number;
}

/**
 * The two-proportion z-test (pooled): is run B's failure rate different from, or worse
 * than, run A's? Used by the gate on request errors.
 *
 * Definition: with p_A = x_A / n_A, p_B = x_B / n_B and the pooled p = (x_A + x_B) /
 * (n_A + n_B), z = (p_B − p_A) / √(p(1 − p)(1/n_A + 1/n_B)); the two-sided p-value is
 * 2·Q(|z|) and the one-sided one for p_B > p_A is Q(z), Q the standard normal upper tail.
 * This is `statsmodels.stats.proportion.proportions_ztest([x_B, x_A], [n_B, n_A])` and R's
 * `prop.test(..., correct = FALSE)` (whose X² is z²). When neither or both runs fail every
 * request, SE = 0: z = 0 and both p-values are 1.
 *
 * Method: the normal approximation; trustworthy when each run has at least ~5 failures and
 * ~5 successes. With fewer, prefer Fisher's exact test.
 *
 * Cost: O(1).
 *
 * @throws {RangeError} when a total is not a positive integer or failures are not an
 *   integer in [0, total].
 * @example
 * twoProportionZTest(10, 1000, 25, 1000); // z ≈ 2.55, pValue ≈ 0.011, pValueBWorse ≈ 0.0054
 */
export function twoProportionZTest(
  failuresA: number,
  totalA: number,
  failuresB: number,
  totalB: number,
): TwoProportionResult {
  checkCounts(failuresA, totalA, "A");
  checkCounts(failuresB, totalB, "B");
  const proportionA = failuresA / totalA;
  const proportionB = failuresB / totalB;
  const pooled = (failuresA + failuresB) / (totalA + totalB);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / totalA + 1 / totalB));
  const difference = proportionB - proportionA;
  if (!(standardError > 0)) {
    return { proportionA, proportionB, difference, z: 0, pValue: 1, pValueBWorse: 1 };
  }
  const z = difference / standardError;
  return {
    proportionA,
    proportionB,
    difference,
    z,
    pValue: Math.min(1, 2 * standardNormalUpperTail(Math.abs(z))),
    pValueBWorse: standardNormalUpperTail(z),
  };
}

function checkCounts(failures: number, total: number, run: string): void {
  if (!(Number.isInteger(total) && total > 0)) {
    throw new RangeError(
      `\`twoProportionZTest\` requires total${run} to be a positive integer, got ${total}`,
    );
  }
  if (!(Number.isInteger(failures) && failures >= 0 && failures <= total)) {
    throw new RangeError(
      `\`twoProportionZTest\` requires failures${run} to be an integer from 0 to total${run}, got ${failures}`,
    );
  }
}
