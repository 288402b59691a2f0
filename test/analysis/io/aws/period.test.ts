import { describe, expect, it } from "vitest";
import {
  allowedPeriod,
  choosePeriod,
  periodUnitForAge,
} from "../../../../analysis/io/aws/period.js";
import type { Warning } from "../../../../sim/vocab/index.js";

const HOUR = 3600;
const DAY = 86_400;

describe("periodUnitForAge (CloudWatch retention)", () => {
  it.each([
    [HOUR, 1],
    [3 * HOUR + 1, 60],
    [14 * DAY, 60],
    [15 * DAY + 1, 300],
    [63 * DAY + 1, 3600],
    [400 * DAY, 3600],
  ])("data %i s old needs multiples of %i s", (age, unit) => {
    expect(periodUnitForAge(age)).toBe(unit);
  });
});

describe("allowedPeriod", () => {
  it.each([
    [60, HOUR, 60],
    [20, HOUR, 20],
    [7, HOUR, 10],
    [45, HOUR, 60],
    [90, HOUR, 120],
    [20, 2 * DAY, 60],
    [120, 2 * DAY, 120],
    [60, 20 * DAY, 300],
    [420, 20 * DAY, 600],
    [60, 100 * DAY, 3600],
    [7200, 100 * DAY, 7200],
  ])("--period %i for data %i s old → %i", (requested, age, expected) => {
    expect(allowedPeriod(requested, age)).toBe(expected);
  });
});

describe("choosePeriod", () => {
  const now = Date.UTC(2026, 10, 29);
  it("keeps an allowed period without a warning", () => {
    const warnings: Warning[] = [];
    expect(choosePeriod(60, now - 7 * DAY * 1000, now, (w) => warnings.push(w))).toBe(60);
    expect(warnings).toEqual([]);
  });
  it("raises the period with a named warning", () => {
    const warnings: Warning[] = [];
    expect(choosePeriod(60, now - 30 * DAY * 1000, now, (w) => warnings.push(w))).toBe(300);
    expect(warnings.map((w) => w.code)).toEqual(["period-raised"]);
    expect(warnings[0]!.message).toMatch(/--period 60 raised to 300 s.*30 days/);
  });
  it("warns when the window starts before what CloudWatch keeps", () => {
    const warnings: Warning[] = [];
    choosePeriod(3600, now - 500 * DAY * 1000, now, (w) => warnings.push(w));
    expect(warnings.map((w) => w.code)).toEqual(["beyond-retention"]);
  });
});
