/**
 * Gaps in the trace (steps without data, `trace.gap`): the SLO's violation budget is a share of
 * the minutes with data (Kpis.dataMinutes), not of the span, and no gap step violates the SLO.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { traceDataMinutes } from "../../sim/tally.js";
import { meetsSlo, violationBudgetMinutes } from "../../sim/search.js";
import { severityOf } from "../../sim/risk.js";
import { SloSchema } from "../../sim/vocab/index.js";
import { kpisWith, rep, runSim, SIMPLE_PLATFORM, traceOf } from "../helpers/sim.js";

const slo = SloSchema.parse({ latencyP95Ms: 250, errorRatePercent: 0.1 });

describe("traceDataMinutes", () => {
  it("counts the steps with data, at a minute or more per step", () => {
    expect(traceDataMinutes({ stepSeconds: 60, gap: Uint8Array.of(0, 1, 1, 0) })).toBe(2);
    expect(traceDataMinutes({ stepSeconds: 300, gap: Uint8Array.of(0, 1, 0) })).toBe(10);
    expect(traceDataMinutes({ stepSeconds: 60, gap: new Uint8Array(10_080) })).toBe(10_080);
  });

  it("counts a minute of sub-minute steps whole when any of its steps has data", () => {
    // Minutes [1, 0] and [1, 1] (30-s steps): the first has data, the second not; the last
    // half minute has data.
    expect(traceDataMinutes({ stepSeconds: 30, gap: Uint8Array.of(1, 0, 1, 1, 0) })).toBe(1.5);
    expect(traceDataMinutes({ stepSeconds: 1, gap: new Uint8Array(90).fill(1) })).toBe(0);
  });

  it("equals the span without gaps, and never passes it (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 5, 10, 15, 20, 30, 60, 120, 300),
        fc.array(fc.boolean(), { maxLength: 400 }),
        (stepSeconds, flags) => {
          const gap = Uint8Array.from(flags, (g) => (g ? 1 : 0));
          const span = (gap.length * stepSeconds) / 60;
          const data = traceDataMinutes({ stepSeconds, gap });
          expect(data).toBeLessThanOrEqual(span + 1e-9);
          expect(data).toBeGreaterThanOrEqual(0);
          if (!flags.includes(true)) expect(data).toBeCloseTo(span, 9);
          if (!flags.includes(false)) expect(data).toBe(0);
        },
      ),
    );
  });
});

describe("a trace with gaps", () => {
  // A day: 2 hours of traffic, 20 hours without data, 2 hours of traffic.
  const requests = [...rep(3000, 120), ...rep(0, 1200), ...rep(3000, 120)];
  const trace = traceOf(requests, { gapsWhereZero: true });
  const input = {
    scaling: { MinCapacity: 2, MaxCapacity: 2 },
    platform: SIMPLE_PLATFORM,
  };

  it("has its minutes with data in the Kpis, and its span in minutes", () => {
    const { kpis } = runSim(trace, input, { record: false });
    expect(kpis.minutes).toBe(1440);
    expect(kpis.dataMinutes).toBe(240);
    // The tasks ran through the gap: billing is over the span.
    const withoutGaps = runSim(traceOf(requests), input, { record: false }).kpis;
    expect(withoutGaps.dataMinutes).toBe(1440);
    expect(kpis.costUsd).toBeCloseTo(withoutGaps.costUsd, 9);
  });

  it("never counts a gap step as an SLO-violating minute (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.boolean()), {
          minLength: 30,
          maxLength: 240,
        }),
        fc.constantFrom(10, 60),
        (steps, stepSeconds) => {
          const values = steps.map(([r, g]) => (g ? 0 : r));
          const t = {
            ...traceOf(values, { stepSeconds }),
            gap: Uint8Array.from(steps, ([, g]) => (g ? 1 : 0)),
          };
          const r = runSim(t, {
            scaling: { MinCapacity: 1, MaxCapacity: 1 },
            platform: SIMPLE_PLATFORM,
          });
          const k = r.kpis;
          expect(k.sloViolationMinutes).toBeLessThanOrEqual(k.dataMinutes + 1e-9);
          // Overloaded as it is (one task, up to 20,000 a step), a gap step has no arrivals:
          // its minute breaks the SLO only through another step of the same minute.
          if (stepSeconds === 60) {
            const tl = r.timeline!;
            for (let i = 0; i < t.gap.length; i++)
              if (t.gap[i] === 1) expect(tl.requests[i]).toBe(0);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it("budgets its SLO minutes over the minutes with data", () => {
    // 0.5 % of 240 minutes with data: 1.2 minutes, not 0.5 % of the day's 1440 (7.2).
    expect(violationBudgetMinutes(slo, 240)).toBeCloseTo(1.2, 9);
    const k = kpisWith({ minutes: 1440, dataMinutes: 240 });
    expect(meetsSlo({ ...k, sloViolationMinutes: 1 }, slo)).toBe(true);
    expect(meetsSlo({ ...k, sloViolationMinutes: 2 }, slo)).toBe(false);
    // Over the span the 2 minutes would have been within the budget.
    expect(meetsSlo({ ...k, dataMinutes: 1440, sloViolationMinutes: 2 }, slo)).toBe(true);
  });

  it("rates a breakdown against the minutes with data", () => {
    // 60 of 240 minutes with data violate: a quarter of them, a breakdown (BREAKDOWN_SHARE),
    // though only 4 % of the span.
    const k = kpisWith({ minutes: 1440, dataMinutes: 240, sloViolationMinutes: 60 });
    expect(severityOf(k, false, slo)).toBe("breaks-down");
  });
});
