import { describe, expect, it } from "vitest";
import { desiredInForce, desiredText, findExtremes } from "../../analysis/extremes.js";
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
      "the service scaled out from 2 to 6 tasks only at 11:35 UTC, 3 min later, with CPU at 100 % on 2 tasks meanwhile",
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
      "a scale-out from 2 to 6 tasks was decided at 11:28 UTC (4 min before); 2 of the 6 desired tasks were serving",
    );
  });

  it("says a step's task counts are means, and gives the desired counts in force as whole numbers", () => {
    const t = timeline();
    const early = { ...scaleOut, timeMs: START + 88 * 60_000, step: 88 };
    t.desiredCount.fill(6, 88);
    // A scheduled action at 11:32:30 raises MinCapacity to 7: desired 6, then 7, mean 6.5; of
    // the tasks, 1.5 served on average and 3.5 ran.
    const raise: ScalingEvent = {
      kind: "scheduled-action",
      timeMs: START + 92 * 60_000 + 30_000,
      step: 92,
      name: "peak",
      MinCapacity: 7,
      MaxCapacity: 10,
      reason: "",
    };
    t.desiredCount[92] = 6.5;
    t.healthyCount[92] = 1.5;
    t.runningCount[92] = 3.5;
    const [p95] = findExtremes(t, [early, raise], { latencyP95Ms: 250 });
    expect(p95!.causes[1]).toBe(
      "a scale-out from 2 to 6 tasks was decided at 11:28 UTC (4 min before); on average 1.5 of the 6–7 desired tasks were serving",
    );
    expect(p95!.causes[1]).not.toMatch(/\d\.\d of \d\.\d desired/);
    const row = p95!.rows.find((r) => r.step === 92)!;
    expect([row.desiredLow, row.desiredHigh, row.desiredCount]).toEqual([6, 7, 6.5]);
    expect(p95!.rows.find((r) => r.step === 91)).toMatchObject({ desiredLow: 6, desiredHigh: 6 });
    // No scale-out near, and no events: the mean 6.5 lies between 6 and 7.
    const late = findExtremes(t, [], { latencyP95Ms: 250 })[0]!;
    expect(late.causes[1]).toBe(
      "on average 1.5 of the 6–7 desired tasks were serving: new tasks were still starting",
    );
    // Every task serving, CPU high: the running count is a mean too.
    t.healthyCount[92] = 6.5;
    expect(findExtremes(t, [], { latencyP95Ms: 250 })[0]!.causes[1]).toBe(
      "no scale-out: CPU at 100 % on an average of 3.5 tasks",
    );
    t.healthyCount[92] = 0;
    expect(findExtremes(t, [raise], { latencyP95Ms: 250 })[0]!.causes[1]).toBe(
      "none of the 6–7 desired tasks was serving: new tasks were still starting",
    );
  });

  it("says OOM kills are expected values when the Poisson model makes them fractions", () => {
    const kill = (minute: number, tasks: number): ScalingEvent => ({
      kind: "oom-kill",
      timeMs: START + minute * 60_000 + 20_000,
      step: minute,
      tasks,
      reason: "",
    });
    const [p95] = findExtremes(timeline(), [scaleOut, kill(91, 4.25), kill(92, 5.25)], {
      latencyP95Ms: 250,
    });
    expect(p95!.causes).toContain(
      "about 9.5 tasks were killed for running out of memory (an expected value: oomModel poisson kills the share of a group whose requests in flight pass what fits)",
    );
    expect(p95!.causes.join("; ")).not.toMatch(/; 9\.5 tasks were killed/);
    const [whole] = findExtremes(timeline(), [scaleOut, kill(91, 4), kill(92, 5)], {
      latencyP95Ms: 250,
    });
    expect(whole!.causes).toContain("9 tasks were killed for running out of memory");
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

describe("desiredInForce", () => {
  /** One step of 300 s (or 60 s) with the given desired mean and MaxCapacity 10. */
  function step(mean: number, stepSeconds = 300): Timeline {
    const cols = Object.fromEntries(
      TIMELINE_COLUMNS.map((c) => [c, new Float64Array(1)]),
    ) as unknown as Record<(typeof TIMELINE_COLUMNS)[number], Float64Array>;
    cols.desiredCount[0] = mean;
    cols.maxCapacity[0] = 10;
    return { startMs: START, stepSeconds, length: 1, ...cols } as Timeline;
  }
  const out = (atSeconds: number, from: number, to: number): ScalingEvent => ({
    ...scaleOut,
    timeMs: START + atSeconds * 1000,
    step: 0,
    from,
    to,
  });

  it("is the mean itself when nothing changed inside the step", () => {
    expect(desiredInForce(step(3), [], 0)).toEqual({ low: 3, high: 3 });
    // A change at the step's end (a 60-s evaluation in a 60-s step) is the next step's.
    expect(desiredInForce(step(2, 60), [out(60, 2, 5)], 0)).toEqual({ low: 2, high: 2 });
  });

  it("reads a scale-out inside the step from its event: 2 for 180 s, 3 for 120 s averages 2.4", () => {
    expect(desiredInForce(step(2.4), [out(180, 2, 3)], 0)).toEqual({ low: 2, high: 3 });
    // 2 → 4 at 225 s: mean 2.5, and 4 was in force (floor and ceiling of the mean would say 2–3).
    expect(desiredInForce(step(2.5), [out(225, 2, 4)], 0)).toEqual({ low: 2, high: 4 });
  });

  it("finds the count before a scheduled action from the mean (the action clamps it)", () => {
    const action: ScalingEvent = {
      kind: "scheduled-action",
      timeMs: START + 150_000,
      step: 0,
      name: "night",
      MinCapacity: 1,
      MaxCapacity: 2,
      reason: "",
    };
    // 5 for 150 s, then clamped to 2 for 150 s: mean 3.5.
    expect(desiredInForce(step(3.5), [action], 0)).toEqual({ low: 2, high: 5 });
  });

  it("falls back to the whole numbers around the mean when the events do not account for it", () => {
    expect(desiredInForce(step(2.5), [], 0)).toEqual({ low: 2, high: 3 });
    expect(desiredText({ low: 2, high: 3 })).toBe("2–3");
    expect(desiredText({ low: 4, high: 4 })).toBe("4");
  });
});
