import { describe, expect, it } from "vitest";
import { findExtremes } from "../../analysis/extremes.js";
import { TIMELINE_COLUMNS, type ScalingEvent, type Timeline } from "../../sim/vocab/index.js";

const START = Date.UTC(2026, 10, 4, 10, 0);

/** A two-hour timeline at 60 s: flat traffic, a 3× spike at minute 90 for 5 minutes. */
function timeline(): Timeline {
  const n = 120;
  const cols = Object.fromEntries(
    TIMELINE_COLUMNS.map((c) => [c, new Float64Array(n)]),
  ) as unknown as Record<(typeof TIMELINE_COLUMNS)[number], Float64Array>;
  for (let i = 0; i < n; i++) {
    const spike = i >= 90 && i < 95;
    cols.requests[i] = spike ? 3000 : 1000;
    cols.failedRequests[i] = i >= 91 && i < 94 ? 200 : 0;
    cols.runningCount[i] = i >= 97 ? 6 : 2;
    cols.healthyCount[i] = i >= 98 ? 6 : 2;
    cols.desiredCount[i] = i >= 95 ? 6 : 2;
    cols.maxCapacity[i] = 10;
    cols.cpuUtilization[i] = spike ? 100 : 40;
    cols.latencyP95Ms[i] = i === 92 ? 30_000 : spike ? 5_000 : 80;
  }
  return { startMs: START, stepSeconds: 60, length: n, ...cols } as Timeline;
}

const scaleOut: ScalingEvent = {
  kind: "scale-out",
  timeMs: START + 95 * 60_000,
  step: 95,
  policy: "cpu",
  from: 2,
  to: 6,
  evidence: null,
  reason: "AlarmHigh",
};

describe("findExtremes", () => {
  it("links the worst p95 and the failed requests to their minutes and says what caused them", () => {
    const [p95, errors] = findExtremes(timeline(), [scaleOut], { latencyP95Ms: 250 });
    expect(p95).toMatchObject({
      kind: "worst-p95",
      step: 92,
      value: 30_000,
      fromStep: 90,
      toStep: 95,
      sharePercent: null,
    });
    expect(p95!.causes).toEqual([
      "a traffic spike: 3,000 requests a minute at 11:32 UTC, 3.0× the hour before",
      "the service scaled out from 2 to 6 tasks only at 11:35 UTC, 3 min later, with CPU at 100 % on 2.0 tasks meanwhile",
    ]);
    expect(p95!.rows.map((r) => r.step)).toEqual([88, 89, 90, 91, 92, 93, 94, 95, 96]);
    expect(p95!.rows.filter((r) => r.extreme).map((r) => r.step)).toEqual([92]);
    expect(errors).toMatchObject({
      kind: "most-errors",
      fromStep: 91,
      toStep: 94,
      value: 600,
      sharePercent: 100,
    });
  });

  it("names a scale-out decided before the minute, and the tasks not yet serving", () => {
    const t = timeline();
    const early = { ...scaleOut, timeMs: START + 88 * 60_000, step: 88 };
    t.desiredCount.fill(6, 88);
    const [p95] = findExtremes(t, [early], { latencyP95Ms: 250 });
    expect(p95!.causes[1]).toBe(
      "a scale-out from 2 to 6 tasks was decided at 11:28 UTC (4 min before); 2.0 of 6.0 desired tasks were serving",
    );
  });

  it("names overloaded tasks failing their health checks and ECS replacing them (O5)", () => {
    const health = (kind: "target-unhealthy" | "unhealthy-task-replaced", minute: number) =>
      ({
        kind,
        timeMs: START + minute * 60_000 + 35_000,
        step: minute,
        tasks: 2,
        reason: "",
      }) as const;
    const events: ScalingEvent[] = [
      scaleOut,
      health("target-unhealthy", 86), // within the lookback of the window starting at 90
      health("unhealthy-task-replaced", 87),
      health("target-unhealthy", 92),
      health("target-unhealthy", 30), // an hour before: explains nothing here
    ];
    const [p95, errors] = findExtremes(timeline(), events, { latencyP95Ms: 250 });
    expect(p95!.causes).toContain(
      "overloaded tasks failed their ALB health checks 2 times, 2 at 11:26 and 2 at 11:32 UTC (a check waited in the queue past HealthCheckTimeoutSeconds); ECS replaced them, and a replacement serves only once healthy",
    );
    // The failures' window starts at 91: 11:26 is still within five minutes before it.
    expect(errors!.causes.at(-1)).toMatch(
      /^overloaded tasks failed their ALB health checks 2 times/,
    );
    const late = findExtremes(timeline(), [scaleOut, health("target-unhealthy", 92)], {
      latencyP95Ms: 250,
    })[0]!;
    expect(late.causes.at(-1)).toBe(
      "2 overloaded tasks failed their ALB health checks at 11:32 UTC (a check waited in the queue past HealthCheckTimeoutSeconds)",
    );
  });

  it("has nothing to explain for a run within the SLO without failures", () => {
    const t = timeline();
    t.latencyP95Ms.fill(80);
    t.failedRequests.fill(0);
    expect(findExtremes(t, [], { latencyP95Ms: 250 })).toEqual([]);
  });
});
