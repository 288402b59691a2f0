/** The count-and-noun helper every CLI summary prints counts with (reports/format.ts). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { plural } from "../../reports/format.js";

describe("plural", () => {
  it("takes the singular for exactly one, the plural otherwise (0, fractions, many)", () => {
    expect(plural(1, "request")).toBe("1 request");
    expect(plural(0, "request")).toBe("0 requests");
    expect(plural(2, "step")).toBe("2 steps");
    expect(plural(1.5, "minute")).toBe("1.5 minutes");
    expect(plural(1, "policy", "policies")).toBe("1 policy");
    expect(plural(3, "policy", "policies")).toBe("3 policies");
  });

  it("groups the count's digits by thousands, as the other counts are printed", () => {
    expect(plural(20_200, "step")).toBe("20,200 steps");
    expect(plural(1_322_452.5, "line")).toBe("1,322,452.5 lines");
    expect(plural(999, "line")).toBe("999 lines");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), (n) => {
        const text = plural(n, "line");
        expect(text).toBe(`${n.toLocaleString("en-US")} ${n === 1 ? "line" : "lines"}`);
      }),
    );
  });
});
