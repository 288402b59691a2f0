import { describe, expect, it } from "vitest";
import { twoProportionZTest } from "../../../analysis/stats/two-proportion-z-test.js";

describe("twoProportionZTest", () => {
  // Each row: failuresA, totalA, failuresB, totalB, then
  //   z      = (xB/nB − xA/nA) / numpy.sqrt(p*(1−p)*(1/nA + 1/nB)),  p = (xA + xB)/(nA + nB)
  //   two    = scipy.stats.chi2_contingency([[xA, nA−xA], [xB, nB−xB]], correction=False).pvalue
  //   oneSided = scipy.stats.norm.sf(z)
  const cases: [number, number, number, number, number, number, number][] = [
    [10, 1000, 25, 1000, 2.557943557892809, 0.010529318065282935, 0.005264659032641463],
    [3, 500, 1, 800, -1.5043981303391403, 0.13247888540336264, 0.933760557298319],
    [120, 20000, 150, 18000, 2.703924427791448, 0.006852587209848954, 0.003426293604924475],
  ];

  it("matches the pooled z and scipy's chi-squared test of the 2×2 table (z² = X²)", () => {
    for (const [fa, na, fb, nb, z, two, oneSided] of cases) {
      const result = twoProportionZTest(fa, na, fb, nb);
      expect(result.z).toBeCloseTo(z, 13);
      expect(result.pValue).toBeCloseTo(two, 14);
      expect(result.pValueBWorse).toBeCloseTo(oneSided, 14);
      expect(result.difference).toBeCloseTo(fb / nb - fa / na, 15);
    }
  });

  it("is symmetric, and gives z = 0, p = 1 when no request or every request fails", () => {
    const forward = twoProportionZTest(10, 1000, 25, 1000);
    const backward = twoProportionZTest(25, 1000, 10, 1000);
    expect(backward.z).toBeCloseTo(-forward.z, 14);
    expect(backward.pValue).toBeCloseTo(forward.pValue, 15);
    expect(backward.pValueBWorse).toBeCloseTo(1 - forward.pValueBWorse, 14);
    expect(twoProportionZTest(0, 100, 0, 300)).toMatchObject({ z: 0, pValue: 1, pValueBWorse: 1 });
    expect(twoProportionZTest(5, 5, 9, 9)).toMatchObject({ z: 0, pValue: 1 });
  });

  it("rejects impossible counts", () => {
    expect(() => twoProportionZTest(1, 0, 1, 10)).toThrow(
      "`twoProportionZTest` requires totalA to be a positive integer, got 0",
    );
    expect(() => twoProportionZTest(1, 10, 11, 10)).toThrow(
      "`twoProportionZTest` requires failuresB to be an integer from 0 to totalB, got 11",
    );
  });
});
