import { describe, expect, it } from "vitest";
import { assessTrace, requireEnoughTrace } from "../../analysis/trace-coverage.js";
import { UsageError } from "../../sim/vocab/errors.js";
import { GuardrailsSchema, type Trace } from "../../sim/vocab/index.js";

const DEFAULTS = GuardrailsSchema.parse({});

function trace(steps: number, stepSeconds = 60, gaps: [number, number][] = []): Trace {
  const gap = new Uint8Array(steps);
  for (const [from, to] of gaps) gap.fill(1, from, to);
  const requests = new Float64Array(steps).map((_, i) => (gap[i] ? 0 : 100));
  return { source: "t.csv", startMs: Date.UTC(2026, 0, 5), stepSeconds, requests, gap };
}

describe("assessTrace", () => {
  it("calls a one-minute trace short, with the minimum named", () => {
    const c = assessTrace(trace(1), DEFAULTS);
    expect(c).toMatchObject({
      short: true,
      belowPattern: true,
      allowedShort: false,
      coveredHours: 1 / 60,
    });
    expect(c.notes).toEqual([
      "The trace holds 1 min of data; a plan needs at least 24 h (guardrails.minTraceHours).",
    ]);
  });

  it("takes a day, warns below a week, and says nothing about a clean week", () => {
    const day = assessTrace(trace(24 * 60), DEFAULTS);
    expect(day.short).toBe(false);
    expect(day.notes[0]).toMatch(
      /holds 24 h of data, less than the 7 days of traffic pattern the plan is meant for \(guardrails\.patternHours\)/,
    );
    expect(assessTrace(trace(7 * 24 * 60), DEFAULTS).notes).toEqual([]);
  });

  it("counts only steps with data: a week with five days of gaps is short of its span", () => {
    const c = assessTrace(trace(7 * 24 * 60, 60, [[0, 6 * 24 * 60 + 23 * 60 + 30]]), DEFAULTS);
    expect(c.spanHours).toBe(168);
    expect(c.coveredHours).toBe(0.5);
    expect(c.short).toBe(true);
  });

  it("reports long gaps and low coverage with their share", () => {
    const c = assessTrace(trace(7 * 24 * 60, 60, [[1000, 1000 + 24 * 60]]), DEFAULTS);
    expect(c.longGaps).toEqual([
      { fromMs: Date.UTC(2026, 0, 5) + 1000 * 60_000, toMs: Date.UTC(2026, 0, 5) + 2440 * 60_000 },
    ]);
    expect(c.longGapPercent).toBeCloseTo(100 / 7, 6);
    expect(c.notes).toContain(
      "1 gap of 60 min or more (14 % of the steps; the first from 2026-01-05T16:40:00Z to 2026-01-06T16:40:00Z): those steps are simulated with no traffic.",
    );
    // 6/7 of the steps have data: below the 90 % coverage guardrail.
    expect(c.notes.some((n) => n.startsWith("Only 86 % of the steps have data"))).toBe(true);
    // A short gap is not reported on its own.
    expect(assessTrace(trace(7 * 24 * 60, 60, [[10, 40]]), DEFAULTS).longGaps).toEqual([]);
  });
});

describe("requireEnoughTrace", () => {
  it("refuses a short trace in one sentence naming the override", () => {
    const c = assessTrace(trace(3), DEFAULTS);
    expect(() => requireEnoughTrace(c, "alb.log")).toThrow(UsageError);
    expect(() => requireEnoughTrace(c, "alb.log")).toThrow(
      "alb.log holds 3 min of traffic data (3 steps of 60 s), less than the 24 h a plan needs (guardrails.minTraceHours); give a longer trace, or add --allow-short-trace to plan on it anyway (every rating is then medium or higher).",
    );
  });
  it("lets it through with --allow-short-trace, or with a lower guardrails.minTraceHours", () => {
    expect(() => requireEnoughTrace(assessTrace(trace(3), DEFAULTS, true), "x")).not.toThrow();
    const lower = GuardrailsSchema.parse({ minTraceHours: 0.05 });
    expect(() => requireEnoughTrace(assessTrace(trace(3), lower), "x")).not.toThrow();
  });
});
