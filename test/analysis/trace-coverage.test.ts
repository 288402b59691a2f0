import { describe, expect, it } from "vitest";
import {
  assessTrace,
  coverageSummary,
  requireEnoughTrace,
  thinDataClause,
} from "../../analysis/trace-coverage.js";
import { UsageError } from "../../sim/vocab/errors.js";
import { GuardrailsSchema, type Trace } from "../../sim/vocab/index.js";

const DEFAULTS = GuardrailsSchema.parse({});

function trace(
  steps: number,
  stepSeconds = 60,
  gaps: [number, number][] = [],
  busy: [number, number][] = [],
): Trace {
  const gap = new Uint8Array(steps);
  for (const [from, to] of gaps) gap.fill(1, from, to);
  const requests = new Float64Array(steps).map((_, i) =>
    gap[i] ? 0 : busy.some(([a, b]) => i >= a && i < b) ? 400 : 100,
  );
  return { source: "t.csv", startMs: Date.UTC(2026, 0, 5), stepSeconds, requests, gap };
}

const WEEK = 7 * 24 * 60;
const kinds = (t: Trace) => (assessTrace(t, DEFAULTS).limits ?? []).map((l) => l.kind);

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
      "The trace holds 1 min of data; a plan needs at least 24 h (guardrails.minTraceHours); in 1 min no scale-in can be seen (target tracking scales in after 15 one-minute datapoints below 90 % of its target, then a cooldown).",
    ]);
  });

  it("takes a day, warns below a week, and says nothing about a clean week", () => {
    const day = assessTrace(trace(24 * 60), DEFAULTS);
    expect(day.short).toBe(false);
    expect(day.notes[0]).toMatch(
      /spans 24 h, less than the 7 days of traffic pattern the plan is meant for \(guardrails\.patternHours\)/,
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
      "1 gap of 60 min or more (14 % of the steps; the first from 2026-01-05T16:40:00Z to 2026-01-06T16:40:00Z): those steps are simulated with no traffic, billed, and left out of the SLO budget (a share of the minutes with data).",
    );
    // 6/7 of the steps have data: below the 90 % coverage guardrail.
    expect(c.notes.some((n) => n.startsWith("Only 86 % of the steps have data"))).toBe(true);
    // A short gap is not reported on its own.
    expect(assessTrace(trace(7 * 24 * 60, 60, [[10, 40]]), DEFAULTS).longGaps).toEqual([]);
  });

  it("keeps a rating off very low below the pattern or the coverage guardrail, not on a clean week", () => {
    expect(kinds(trace(24 * 60))).toEqual(["below-pattern"]);
    expect(kinds(trace(WEEK))).toEqual([]);
    expect(kinds(trace(8 * 24 * 60, 60, [[0, 24 * 60]]))).toEqual(["low-coverage"]);
    // A short trace is refused or floored at medium: no second word about the pattern.
    expect(kinds(trace(60))).toEqual([]);
  });

  it("finds the busiest hour and says when the trace starts in it: the ramp up to it is not simulated", () => {
    const c = assessTrace(trace(WEEK, 60, [], [[30, 90]]), DEFAULTS);
    expect(c.busiestHour).toMatchObject({
      fromMs: Date.UTC(2026, 0, 5, 0, 30),
      toMs: Date.UTC(2026, 0, 5, 1, 30),
      requests: 60 * 400,
      leadHours: 0.5,
    });
    expect(c.limits).toEqual([
      {
        kind: "peak-at-start",
        reason:
          "the trace starts 30 min before its busiest hour, so the scale-out up to that peak is not simulated",
      },
    ]);
    expect(c.notes).toEqual([
      "The trace's busiest hour (2026-01-05T00:30:00Z to 2026-01-05T01:30:00Z) starts 30 min after the trace does: the simulation starts with tasks already sized for the first ten minutes, so the scale-out up to that peak is never simulated; give a trace that starts hours before its peak (at a quiet time).",
    ]);
    // An hour of trace before it is enough; a flat trace has no peak to miss.
    expect(kinds(trace(WEEK, 60, [], [[60, 120]]))).toEqual([]);
    expect(assessTrace(trace(WEEK), DEFAULTS).notes).toEqual([]);
  });

  it("says when the trace stops in its busiest hour", () => {
    const c = assessTrace(trace(WEEK, 60, [], [[WEEK - 60, WEEK]]), DEFAULTS);
    expect(c.busiestHour?.tailHours).toBe(0);
    expect(kinds(trace(WEEK, 60, [], [[WEEK - 60, WEEK]]))).toEqual(["peak-at-end"]);
    expect(c.notes[0]).toBe(
      "The trace ends 0 min after its busiest hour (2026-01-11T23:00:00Z to 2026-01-12T00:00:00Z): the peak may have gone on, or grown, after the trace stops; give a trace that runs hours past its peak.",
    );
  });

  it("weighs a gap next to traffic near the peak more than the same gap at a quiet time", () => {
    // Busy hours at day 2 noon; a 30-minute gap right after them, or at day 5.
    const noon = 2 * 24 * 60 + 12 * 60;
    const atPeak = trace(WEEK, 60, [[noon + 60, noon + 90]], [[noon, noon + 60]]);
    const c = assessTrace(atPeak, DEFAULTS);
    expect(c.limits?.map((l) => l.kind)).toEqual(["gap-near-peak"]);
    expect(c.notes).toEqual([
      "A gap of 5 min or more lies next to traffic near the peak (from 2026-01-07T13:00:00Z to 2026-01-07T13:30:00Z, beside an hour at 100 % of the busiest hour's rate): the missing minutes may hold the real peak, so the plan may be sized for less; fill the gap or choose a window without it.",
    ]);
    const quiet = trace(WEEK, 60, [[5 * 24 * 60, 5 * 24 * 60 + 30]], [[noon, noon + 60]]);
    expect(assessTrace(quiet, DEFAULTS).limits).toEqual([]);
    // Shorter than PEAK_GAP_MINUTES: not weighed.
    expect(kinds(trace(WEEK, 60, [[noon + 60, noon + 64]], [[noon, noon + 60]]))).toEqual([]);
  });

  it("says what 5-minute steps hide from a plan judged by the minute", () => {
    const c = assessTrace(trace(WEEK / 5, 300), DEFAULTS);
    expect(c.notes).toEqual([
      "The trace has 300-s steps, coarser than the SLO's minute: bursts shorter than a step are averaged out, and a violating step counts as 5 minutes; give 60-s data (a CloudWatch period of 60) for a finer plan.",
    ]);
    expect(c.limits).toEqual([]);
  });
});

describe("requireEnoughTrace", () => {
  it("refuses a short trace in one sentence naming the override", () => {
    const c = assessTrace(trace(3), DEFAULTS);
    expect(() => requireEnoughTrace(c, "alb.log")).toThrow(UsageError);
    expect(() => requireEnoughTrace(c, "alb.log")).toThrow(
      "alb.log holds 3 min of traffic data (3 steps of 60 s), less than the 24 h a plan needs (guardrails.minTraceHours); give a trace of at least 24 h (a week shows the weekly cycle: guardrails.patternHours), or add --allow-short-trace to plan on it anyway (every rating is then medium or higher).",
    );
  });
  it("lets it through with --allow-short-trace, or with a lower guardrails.minTraceHours", () => {
    expect(() => requireEnoughTrace(assessTrace(trace(3), DEFAULTS, true), "x")).not.toThrow();
    const lower = GuardrailsSchema.parse({ minTraceHours: 0.05 });
    expect(() => requireEnoughTrace(assessTrace(trace(3), lower), "x")).not.toThrow();
  });
});

describe("what a verdict says of the data", () => {
  it("qualifies a short trace, naming the minimum, and says nothing of a day", () => {
    const one = assessTrace(trace(1), DEFAULTS);
    expect(thinDataClause(one)).toBe(
      "over 1 min of trace data only: too little to rest a decision on (a plan needs 24 h: guardrails.minTraceHours)",
    );
    expect(coverageSummary(one)).toBe("1 min of trace data (1 step of 60 s)");
    const day = assessTrace(trace(24 * 60), DEFAULTS);
    expect(thinDataClause(day)).toBeNull();
    expect(coverageSummary(day)).toBe("24 h of trace data (1,440 steps of 60 s)");
    // The guardrails decide: with a minimum of 0 nothing is short.
    expect(thinDataClause(assessTrace(trace(1), { ...DEFAULTS, minTraceHours: 0 }))).toBeNull();
  });

  it("names a simulate config's field when its guardrails were applied", () => {
    const c = assessTrace(trace(1), { ...DEFAULTS, minTraceHours: 2 }, false, "sim.yaml");
    expect(c.guardrailsFrom).toBe("sim.yaml");
    expect(thinDataClause(c)).toBe(
      "over 1 min of trace data only: too little to rest a decision on (a verdict needs 2 h: guardrails.minTraceHours in sim.yaml)",
    );
    expect(c.notes[0]).toMatch(
      /^The trace holds 1 min of data; a verdict needs at least 2 h \(guardrails\.minTraceHours in sim\.yaml\);/,
    );
    // A plan's own coverage says nothing of where its guardrails came from.
    expect(assessTrace(trace(1), DEFAULTS)).not.toHaveProperty("guardrailsFrom");
  });

  it("names the span and its share with data when the data is a sliver of it", () => {
    const c = assessTrace(trace(WEEK, 60, [[2, WEEK]]), DEFAULTS);
    expect(thinDataClause(c)).toBe(
      "over 2 min of trace data only (in a span of 7 days, under 0.1 % of the steps with data): too little to rest a decision on (a plan needs 24 h: guardrails.minTraceHours)",
    );
    expect(coverageSummary(c)).toBe(
      "2 min of trace data in a span of 7 days (under 0.1 % of its 10,080 steps of 60 s)",
    );
    // The gap is 99.98 % of the steps: never rounded up to all of them.
    expect(c.notes.find((n) => n.includes("gap"))).toMatch(/\(over 99 % of the steps;/);
  });
});
