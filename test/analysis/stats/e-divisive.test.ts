import { describe, expect, it } from "vitest";
import {
  eDivisiveChangePoints,
  energySplitStatistics,
} from "../../../analysis/stats/e-divisive.js";
import { createRandom, type Random } from "../../../sim/math/random.js";

/** Normal noise (sd 1) around the given level for each index. */
function noisy(random: Random, levels: readonly number[]): number[] {
  return levels.map((level) => level + random.normal());
}

function steps(...segments: [length: number, level: number][]): number[] {
  return segments.flatMap(([length, level]) => new Array<number>(length).fill(level));
}

/** q̂ of one split, straight from the definition (O(n²) pairs, no updating). */
function bruteForceQHat(series: readonly number[], tau: number): number {
  const x = series.slice(0, tau);
  const y = series.slice(tau);
  let across = 0;
  for (const xi of x) for (const yj of y) across += Math.abs(xi - yj);
  let withinX = 0;
  x.forEach((xi, i) => x.slice(i + 1).forEach((xk) => (withinX += Math.abs(xi - xk))));
  let withinY = 0;
  y.forEach((yj, j) => y.slice(j + 1).forEach((yk) => (withinY += Math.abs(yj - yk))));
  const p = x.length;
  const q = y.length;
  const energy =
    (2 * across) / (p * q) - withinX / ((p * (p - 1)) / 2) - withinY / ((q * (q - 1)) / 2);
  return ((p * q) / (p + q)) * energy;
}

describe("energySplitStatistics", () => {
  it("matches q̂ computed with numpy from the definition", () => {
    // S = [1.0, 2.5, 0.3, 1.7, 2.2, 5.1, 6.0, 4.8, 5.5, 6.3, 5.9]
    // def qhat(z, tau):
    //     x, y = numpy.array(z[:tau]), numpy.array(z[tau:]); p, q = len(x), len(y)
    //     between = numpy.abs(x[:, None] - y[None, :]).sum()
    //     wx = numpy.abs(x[:, None] - x[None, :]).sum() / 2; wy = numpy.abs(y[:, None] - y[None, :]).sum() / 2
    //     return p*q/(p+q) * (2*between/(p*q) - wx/(p*(p-1)/2) - wy/(q*(q-1)/2))
    // [qhat(S, tau) for tau in range(2, len(S) - 1)]
    const series = [1.0, 2.5, 0.3, 1.7, 2.2, 5.1, 6.0, 4.8, 5.5, 6.3, 5.9];
    const reference = [
      2.927272727272726, 7.849350649350648, 12.29090909090909, 17.16363636363636,
      12.381818181818181, 7.321212121212121, 6.472727272727273, 4.60909090909091,
    ];
    const statistics = energySplitStatistics(series, 2);
    expect(statistics[0]).toBeNaN();
    expect(statistics[1]).toBeNaN();
    expect(statistics[10]).toBeNaN();
    reference.forEach((value, i) => expect(statistics[i + 2]).toBeCloseTo(value, 12));
  });

  it("agrees with the definition on random series (incremental sums are right)", () => {
    const random = createRandom(4);
    const series = noisy(random, steps([17, 0], [13, 1.5]));
    const statistics = energySplitStatistics(series, 3);
    for (let tau = 3; tau <= series.length - 3; tau++) {
      expect(statistics[tau]).toBeCloseTo(bruteForceQHat(series, tau), 9);
    }
  });
});

describe("eDivisiveChangePoints", () => {
  it("finds a mean shift of 3 sd at index 40 of 80", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const series = noisy(createRandom(seed), steps([40, 0], [40, 3]));
      const found = eDivisiveChangePoints(series, { random: createRandom(100 + seed) });
      expect(found).toHaveLength(1);
      expect(Math.abs(found[0]!.index - 40)).toBeLessThanOrEqual(1);
      expect(found[0]!.pValue).toBeLessThanOrEqual(0.05);
    }
  });

  it("finds nothing in pure noise in most seeds (≤ 2 of 20 at significance 0.05)", () => {
    let falseDetections = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const series = noisy(createRandom(1000 + seed), new Array<number>(80).fill(0));
      const found = eDivisiveChangePoints(series, {
        significance: 0.05,
        random: createRandom(seed),
      });
      falseDetections += found.length;
    }
    expect(falseDetections).toBeLessThanOrEqual(2);
  });

  it("finds two shifts, up and back down", () => {
    const series = noisy(createRandom(21), steps([30, 0], [30, 3], [30, 0.5]));
    const found = eDivisiveChangePoints(series, { random: createRandom(22) });
    expect(found.map((point) => point.index)).toHaveLength(2);
    expect(Math.abs(found[0]!.index - 30)).toBeLessThanOrEqual(1);
    expect(Math.abs(found[1]!.index - 60)).toBeLessThanOrEqual(1);
  });

  it("is deterministic for a seed", () => {
    const series = noisy(createRandom(5), steps([25, 0], [25, 1.2]));
    const first = eDivisiveChangePoints(series, { random: createRandom(9) });
    expect(eDivisiveChangePoints(series, { random: createRandom(9) })).toEqual(first);
  });

  it("finds nothing in a series shorter than 2·minSize", () => {
    expect(eDivisiveChangePoints([0, 0, 0, 9, 9], { minSize: 3, random: createRandom(1) })).toEqual(
      [],
    );
  });

  it("rejects bad input and options", () => {
    const random = createRandom(1);
    expect(() => eDivisiveChangePoints([1, Number.NaN], { random })).toThrow(
      "`eDivisiveChangePoints` requires finite values",
    );
    expect(() => eDivisiveChangePoints([1, 2], { random, minSize: 1 })).toThrow(RangeError);
    expect(() => eDivisiveChangePoints([1, 2], { random, significance: 0 })).toThrow(RangeError);
    expect(() => eDivisiveChangePoints([1, 2], { random, permutations: 10 })).toThrow(
      "`eDivisiveChangePoints` requires at least 19 permutations to reach significance 0.05",
    );
  });
});
