import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExactSum } from "../../../analysis/stats/exact-sum.js";

const sum = (values: readonly number[]): number => {
  const s = new ExactSum();
  for (const v of values) s.add(v);
  return s.value;
};

describe("ExactSum", () => {
  it("is Python's math.fsum on its reference values", () => {
    // [repr(math.fsum(v)) for v in ([0.1] * 10, [1e16, 1, 1, -1e16], [0.1, 0.2, 0.3],
    //  [1, 1e-16, 1e-16], [2**53, 1, 1e-5], [1e100, 1, -1e100])] (CPython 3)
    expect(sum(Array.from({ length: 10 }, () => 0.1))).toBe(1);
    expect(sum([1e16, 1, 1, -1e16])).toBe(2);
    expect(sum([0.1, 0.2, 0.3])).toBe(0.6);
    expect(sum([1, 1e-16, 1e-16])).toBe(1.0000000000000002);
    expect(sum([2 ** 53, 1, 1e-5])).toBe(9007199254740994);
    expect(sum([1e100, 1, -1e100])).toBe(1);
    expect(sum([])).toBe(0);
  });

  it("gives the same sum in any order and however it is split and merged", () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e200, max: 1e200 });
    fc.assert(
      fc.property(
        fc.array(finite, { maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        (values, parts, seed) => {
          const reference = sum(values);
          // Shuffled by a simple seeded permutation, split into parts, merged in reverse.
          const shuffled = values
            .map((v, i) => ({ v, k: (i * 7919 + seed) % 104729 }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.v);
          const sums = Array.from({ length: parts }, () => new ExactSum());
          shuffled.forEach((v, i) => sums[i % parts]!.add(v));
          const merged = new ExactSum();
          for (const s of sums.reverse()) merged.addSum(ExactSum.of(s.toArray()));
          expect(Object.is(merged.value, reference) || merged.value === reference).toBe(true);
        },
      ),
    );
  });

  it("is exact where += is not, and equals += on integers", () => {
    expect(sum([0.1, 0.2])).toBe(0.30000000000000004); // one rounding: the same as +=
    const ints = Array.from({ length: 1000 }, (_, i) => (i * 37) % 101);
    expect(sum(ints)).toBe(ints.reduce((a, b) => a + b, 0));
  });
});
