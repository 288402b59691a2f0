import { describe, expect, it } from "vitest";
import { standardNormalUpperTail } from "../../../analysis/stats/standard-normal.js";
import { studentTCdf, studentTQuantile } from "../../../analysis/stats/student-t.js";

const PROBABILITIES = [1e-10, 1e-4, 0.025, 0.3, 0.9, 0.975, 0.9999];
// [float(scipy.stats.t.ppf(p, df)) for p in [1e-10, 1e-4, 0.025, 0.3, 0.9, 0.975, 0.9999]]
// for df in [1, 2, 3, 4.5, 10, 30, 1000, 100000]   (scipy 1.17.1)
const T_PPF: Record<number, number[]> = {
  1: [
    -3183098861.8379064, -3183.0987571181513, -12.706204736174705, -0.7265425280053609,
    3.0776835371752544, 12.706204736174694, 3183.098757118502,
  ],
  2: [
    -70710.67810804816, -70.70007107496428, -4.302652729749464, -0.6172133998483678,
    1.8856180831641272, 4.302652729749462, 70.70007107496818,
  ],
  3: [
    -2225.769284683093, -22.203742273204178, -3.1824463052837086, -0.5843897274398188,
    1.637744353696209, 3.1824463052837078, 22.203742273205,
  ],
  4.5: [
    -241.117429191934, -11.020996368612229, -2.658912347204404, -0.5635058039393779,
    1.5008853175085577, 2.6589123472044034, 11.02099636861251,
  ],
  10: [
    -25.466008021697725, -5.693820101457513, -2.2281388519862753, -0.5415280387550154,
    1.372183641110336, 2.228138851986274, 5.693820101457592,
  ],
  30: [
    -9.377489780407144, -4.233985957272021, -2.042272456301238, -0.5300190039065046,
    1.3104150253913955, 2.0422724563012378, 4.23398595727206,
  ],
  1000: [
    -6.427876283134213, -3.7328516045753686, -1.9623390808264085, -0.524567707309227,
    1.2823987214609247, 1.9623390808264083, 3.7328516045753966,
  ],
  100000: [
    -6.362000419843692, -3.719154382641344, -1.95998770753461, -0.5244021842335457,
    1.2815600314493614, 1.9599877075346095, 3.7191543826413724,
  ],
};

function relativeError(ours: number, reference: number): number {
  return Math.abs(ours - reference) / Math.abs(reference);
}

describe("studentTQuantile", () => {
  it("matches scipy.stats.t.ppf to 1e-12 relative", () => {
    let worst = 0;
    for (const [df, row] of Object.entries(T_PPF)) {
      PROBABILITIES.forEach((p, i) => {
        const error = relativeError(studentTQuantile(p, Number(df)), row[i]!);
        worst = Math.max(worst, error);
      });
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it("is the inverse of studentTCdf and antisymmetric", () => {
    for (const df of [1, 2.5, 7, 60]) {
      for (const p of [0.001, 0.2, 0.6, 0.95]) {
        const t = studentTQuantile(p, df);
        expect(studentTCdf(t, df)).toBeCloseTo(p, 13);
        expect(studentTQuantile(1 - p, df)).toBeCloseTo(-t, 10);
      }
    }
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(studentTQuantile(0, 7)).toBe(Number.NEGATIVE_INFINITY);
    expect(studentTQuantile(1, 7)).toBe(Number.POSITIVE_INFINITY);
  });

  it("rejects p outside [0, 1] and non-positive degrees of freedom", () => {
    expect(() => studentTQuantile(1.5, 3)).toThrow(
      "`studentTQuantile` requires p in [0, 1], got 1.5",
    );
    expect(() => studentTQuantile(0.5, 0)).toThrow(
      "`studentTQuantile` requires positive, finite degrees of freedom, got 0",
    );
  });
});

describe("studentTCdf", () => {
  it("matches scipy.stats.t.cdf", () => {
    // [float(scipy.stats.t.cdf(t, df)) for t, df in [(-3, 2), (2, 10), (0.5, 4.5), (-40, 3), (1.5, 1000)]]
    const cases: [number, number, number][] = [
      [-3, 2, 0.04773298313335456],
      [2, 10, 0.9633059826146299],
      [0.5, 4.5, 0.6797252489629764],
      [-40, 3, 1.7190340394579253e-5],
      [1.5, 1000, 0.9330349805889568],
    ];
    for (const [t, df, reference] of cases) {
      expect(relativeError(studentTCdf(t, df), reference)).toBeLessThan(1e-13);
    }
  });
});

describe("standardNormalUpperTail", () => {
  it("matches scipy.stats.norm.sf to 1e-13 relative, far into the tail", () => {
    // [float(scipy.stats.norm.sf(z)) for z in [-3, -0.5, 0, 0.5, 1.959963984540054, 3, 6, 10, 30]]
    const z = [-3, -0.5, 0, 0.5, 1.959963984540054, 3, 6, 10, 30];
    const reference = [
      0.9986501019683699, 0.6914624612740131, 0.5, 0.3085375387259869, 0.025, 0.0013498980316300933,
      9.865876450376946e-10, 7.61985302416047e-24, 4.906713927147908e-198,
    ];
    z.forEach((value, i) => {
      expect(relativeError(standardNormalUpperTail(value), reference[i]!)).toBeLessThan(1e-13);
    });
  });

  it("Q(z) + Q(−z) = 1", () => {
    for (const z of [0.1, 1, 2.5, 4]) {
      expect(standardNormalUpperTail(z) + standardNormalUpperTail(-z)).toBeCloseTo(1, 15);
    }
  });
});
