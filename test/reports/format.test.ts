/** The count-and-noun helper every CLI summary prints counts with (reports/format.ts). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatHours, formatOomKills, plural } from "../../reports/format.js";

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

describe("formatHours", () => {
  it("says a span in the largest unit that fits, with at most one decimal", () => {
    const cases: [number, string][] = [
      [0, "0 s"],
      [40 / 3600, "40 s"],
      [1 / 60, "1 min"],
      [0.25, "15 min"],
      [1, "1 h"],
      [6, "6 h"],
      [36.5, "36.5 h"],
      [47.99, "48 h"],
      [48, "2 days"],
      [168, "7 days"],
      [169, "7 days"],
      [180, "7.5 days"],
      [24 * 1234, "1,234 days"],
    ];
    for (const [hours, text] of cases) expect([hours, formatHours(hours)]).toEqual([hours, text]);
  });

  it("never gives a trailing zero, a minus or more than one decimal", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), (hours) => {
        const text = formatHours(hours);
        expect(text).toMatch(/^\d{1,3}(,\d{3})*(\.[1-9])? (s|min|h|days)$/);
      }),
    );
  });
});

describe("formatOomKills", () => {
  it("says a fraction of a kill is an expected value, and keeps whole kills whole", () => {
    expect(formatOomKills(94.06)).toBe("about 94.1 (expected value, oomModel poisson)");
    expect(formatOomKills(1234.5)).toBe("about 1,234.5 (expected value, oomModel poisson)");
    expect(formatOomKills(3)).toBe("3");
    expect(formatOomKills(0)).toBe("0");
    expect(formatOomKills(Number.NaN)).toBe("—");
  });
});
