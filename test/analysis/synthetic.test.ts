import { describe, expect, it } from "vitest";
import { DEFAULT_WEEK, generateDefaultWeek } from "../../analysis/synthetic.js";

const MINUTES_PER_DAY = 1440;
const SPIKE_DAY = Math.floor((DEFAULT_WEEK.spike.startMs - DEFAULT_WEEK.startMs) / 86_400_000);

/** Sum of one day's counts. */
function daySum(values: readonly number[], day: number): number {
  let sum = 0;
  for (let i = day * MINUTES_PER_DAY; i < (day + 1) * MINUTES_PER_DAY; i++) sum += values[i]!;
  return sum;
}

/** Requests per UTC hour of one day. */
function hourly(values: readonly number[], day: number): number[] {
  const out = new Array<number>(24).fill(0);
  for (let m = 0; m < MINUTES_PER_DAY; m++)
    out[Math.floor(m / 60)]! += values[day * MINUTES_PER_DAY + m]!;
  return out;
}

const argmax = (xs: readonly number[]) => xs.indexOf(Math.max(...xs));
const argmin = (xs: readonly number[]) => xs.indexOf(Math.min(...xs));

describe("generateDefaultWeek", () => {
  const week = generateDefaultWeek(1);

  it("has 10,080 one-minute points from Monday 2026-11-02 00:00 UTC", () => {
    expect(week.times).toHaveLength(10_080);
    expect(week.values).toHaveLength(10_080);
    expect(week.times[0]).toBe(Date.parse("2026-11-02T00:00:00Z"));
    expect(new Date(week.times[0]!).getUTCDay()).toBe(1);
    for (let i = 1; i < week.times.length; i++)
      expect(week.times[i]! - week.times[i - 1]!).toBe(60_000);
    expect(week.values.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
  });

  it("is the same for the same seed and differs between seeds", () => {
    expect(generateDefaultWeek(1)).toEqual(week);
    expect(generateDefaultWeek(42).values).toEqual(generateDefaultWeek(42).values);
    expect(generateDefaultWeek(2).values).not.toEqual(week.values);
  });

  it.each([1, 2, 3, 17])("has weekends at 55–65 %% of weekdays (seed %i)", (seed) => {
    const v = generateDefaultWeek(seed).values;
    const weekday = [0, 1, 2, 3, 4].reduce((s, d) => s + daySum(v, d), 0) / 5;
    const weekend = (daySum(v, 5) + daySum(v, 6)) / 2;
    expect(weekend / weekday).toBeGreaterThan(0.55);
    expect(weekend / weekday).toBeLessThan(0.65);
  });

  it("is quietest around 4 am and busiest in the early afternoon (UTC)", () => {
    for (let day = 0; day < 7; day++) {
      const h = hourly(week.values, day);
      expect(argmin(h)).toBeGreaterThanOrEqual(2);
      expect(argmin(h)).toBeLessThanOrEqual(5);
      expect(Math.min(...h) / Math.max(...h)).toBeLessThan(0.3);
      if (day === SPIKE_DAY) continue; // the spike's hour may outdo the afternoon
      expect(argmax(h)).toBeGreaterThanOrEqual(12);
      expect(argmax(h)).toBeLessThanOrEqual(16);
    }
  });

  it("peaks near 90,000 requests a minute (1,500 per second) on weekdays, spike aside", () => {
    for (const day of [0, 1, 3, 4]) {
      const v = week.values.slice(day * MINUTES_PER_DAY, (day + 1) * MINUTES_PER_DAY);
      expect(Math.max(...v)).toBeGreaterThan(80_000);
      expect(Math.max(...v)).toBeLessThan(105_000);
    }
    expect(DEFAULT_WEEK.weekdayPeakPerMinute).toBe(90_000);
  });

  it("has one flash spike on Wednesday, as DEFAULT_WEEK.spike says, over in minutes", () => {
    const { startMs, multiplier, rampMinutes, holdMinutes, decayMinutes } = DEFAULT_WEEK.spike;
    expect(new Date(startMs).getUTCDay()).toBe(3);
    expect(multiplier).toBeGreaterThanOrEqual(2);
    const start = week.times.indexOf(startMs);
    expect(start).toBeGreaterThan(0);
    const usual = week.values[start - 1]!;
    const top = Math.max(...week.values.slice(start, start + rampMinutes + holdMinutes));
    expect(top / usual).toBeGreaterThan(multiplier * 0.85);
    expect(top / usual).toBeLessThan(multiplier * 1.2);
    // Fast ramp: most of the way up by the end of the ramp.
    expect(week.values[start + rampMinutes]! / usual).toBeGreaterThan(1 + 0.8 * (multiplier - 1));
    // Back to ordinary traffic soon after.
    const end = start + rampMinutes + holdMinutes + decayMinutes;
    expect(week.values[end + 2]! / usual).toBeLessThan(1.3);
    // No other sudden jump in the week.
    const jumps: number[] = [];
    for (let i = 1; i < week.values.length; i++) {
      if (week.values[i]! > (1 + (multiplier - 1) / 4) * week.values[i - 1]!) jumps.push(i);
    }
    expect(jumps.length).toBeGreaterThan(0);
    expect(jumps.every((i) => i >= start && i <= start + rampMinutes)).toBe(true);
  });
});
