/**
 * Overloaded tasks and the ALB's health checks (sim/MODEL-AUDIT.md O5): a check waits in the
 * task's queue like a request and fails past HealthCheckTimeoutSeconds (5 s); after
 * UnhealthyThresholdCount (2) failures in a row at HealthCheckIntervalSeconds (30 s) the ALB
 * stops routing to the target (unless no target is healthy: fail open) and ECS replaces the task,
 * starting the replacement first as far as maximumPercent allows (ELB user guide, "Health checks
 * for Application Load Balancer target groups"; What's New 2023-10-23, "Amazon ECS enhances
 * applications resiliency during unpredictable load spikes").
 *
 * The service: two 1-vCPU tasks of 10 ms of CPU per request, 100 requests a second each; steps
 * of 10 s; SIMPLE_PLATFORM's timings (a replacement RUNNING 30 s after the decision, healthy at
 * its first check 30 s later, no deregistration delay) unless a test says otherwise.
 */
import { describe, expect, it } from "vitest";
import { type SimulationResult } from "../../sim/engine.js";
import { type ScalingEvent } from "../../sim/vocab/index.js";
import { MONDAY, rep, runSim, SIMPLE_PLATFORM, TEST_SERVICE, traceOf } from "../helpers/sim.js";

const STEP = 10;
/** Requests per 10-s step at `perSecond` a second. */
const at = (perSecond: number, seconds: number) => rep(perSecond * STEP, seconds / STEP);

function run(
  requests: number[],
  platform: Record<string, unknown> = {},
  service: Record<string, unknown> = TEST_SERVICE,
  scaling: Record<string, unknown> = { MinCapacity: 2, MaxCapacity: 2 },
): SimulationResult {
  return runSim(traceOf(requests, { stepSeconds: STEP }), {
    service,
    scaling,
    platform: { ...SIMPLE_PLATFORM, ...platform },
  });
}

const of = (r: SimulationResult, kind: ScalingEvent["kind"]) =>
  r.events.filter((e) => e.kind === kind) as (ScalingEvent & { tasks: number })[];
const secondsIn = (e: ScalingEvent) => (e.timeMs - MONDAY) / 1000;

describe("an overloaded task fails its health checks and ECS replaces it", () => {
  // 300 requests a second for two tasks that serve 200: each task's queue grows by 50 a second,
  // so a check waits 0.5 s more every second and fails from 10 s into the overload.
  const overload = (seconds: number) => [...at(100, 120), ...at(300, seconds), ...at(100, 600)];

  it("overloaded for longer than interval × threshold: unhealthy after two failed checks, then replaced", () => {
    const r = run(overload(120));
    const unhealthy = of(r, "target-unhealthy");
    const replaced = of(r, "unhealthy-task-replaced");
    expect(unhealthy).toHaveLength(1);
    expect(unhealthy[0]!.tasks).toBe(2);
    // Checks at 150 s (wait 15 s) and 180 s: the second failure in a row makes them unhealthy.
    expect(secondsIn(unhealthy[0]!)).toBe(180);
    expect(replaced).toHaveLength(1);
    // ECS acts at the start of the next step (180 s).
    expect(secondsIn(replaced[0]!)).toBe(180);
    // Both unhealthy: the ALB fails open and they keep serving until the replacements are
    // healthy (RUNNING at 210 s, first passing check at 240 s); then they are deregistered.
    const t = r.timeline!;
    for (let i = 18; i < 26; i++) expect(t.healthyCount[i]).toBe(2);
    expect(t.runningCount[22]).toBe(4); // two unhealthy, two replacements RUNNING
    expect(t.runningCount[24]).toBe(2);
  });

  it("overloaded for less than the interval: one failed check at most, nothing happens", () => {
    // 20 s of overload: 1,000 queued per task (a 10-s wait), worked off by 40 s after it began;
    // a check waits over 5 s only from 10 s to 30 s into it, and the checks are 30 s apart.
    const r = run(overload(20));
    expect(of(r, "target-unhealthy")).toEqual([]);
    expect(of(r, "unhealthy-task-replaced")).toEqual([]);
    const off = run(overload(20), { overloadFailsHealthChecks: false });
    expect(r.kpis).toEqual(off.kpis);
  });

  it("a task merely busy (95 % utilization for hours) passes every check", () => {
    const r = run(at(190, 4 * 3600));
    expect(of(r, "target-unhealthy")).toEqual([]);
    expect(r.kpis).toEqual(run(at(190, 4 * 3600), { overloadFailsHealthChecks: false }).kpis);
  });

  it("a slow service fails checks below saturation when its mean wait passes the timeout", () => {
    // 2 s of CPU per request on 1 vCPU at 90 %: M/M/1 mean wait ρ/(μ − λ) = 0.9 / 0.05 = 18 s.
    const slow = { ...TEST_SERVICE, cpuMsPerRequest: 2000 };
    const r = run(at(0.9, 600), {}, slow);
    expect(of(r, "target-unhealthy").length).toBeGreaterThan(0);
    // At 50 % the mean wait is 2 s: it passes.
    expect(of(run(at(0.5, 600), {}, slow), "target-unhealthy")).toEqual([]);
  });

  it("the replaced task drains its queue for the deregistration delay", () => {
    const r = run(overload(120), { deregistrationDelaySeconds: 300 });
    const replaced = of(r, "unhealthy-task-replaced");
    expect(replaced).toHaveLength(1);
    const t = r.timeline!;
    // Deregistered at the start of the step after its replacement is healthy (240 s).
    expect(t.drainingCount[23]).toBe(0);
    expect(t.drainingCount[24]).toBe(2);
    expect(t.drainingCount[24 + 29]).toBe(2);
    expect(t.drainingCount[24 + 30]).toBe(0);
    // Requests in = served + failed + still queued.
    let requests = 0;
    let done = 0;
    for (let i = 0; i < t.length; i++) {
      requests += t.requests[i]!;
      done += t.servedRequests[i]! + t.failedRequests[i]!;
    }
    expect(done + t.backlog[t.length - 1]!).toBeCloseTo(requests, 6);
  });
});

describe("fail open, grace period, maximumPercent", () => {
  it("every target unhealthy: the ALB routes to all of them (no 503 for want of a healthy target)", () => {
    const r = run([...at(100, 120), ...at(300, 600)]);
    const t = r.timeline!;
    const first = secondsIn(of(r, "target-unhealthy")[0]!) / STEP;
    for (let i = first + 1; i < t.length; i++) {
      // Some target always takes requests: served at the tasks' full rate (2 × 100 a second).
      expect(t.healthyCount[i]).toBeGreaterThan(0);
      expect(t.servedRequests[i]).toBeGreaterThanOrEqual(2 * 100 * STEP - 1e-6);
    }
  });

  it("healthCheckGracePeriodSeconds keeps ECS from replacing a new task that fails its checks", () => {
    // One task, overloaded for good: it is replaced; its replacement is overloaded in turn.
    const requests = at(150, 1800);
    const scaling = { MinCapacity: 1, MaxCapacity: 1 };
    const replacedAt = (grace: number) =>
      of(
        run(requests, { healthCheckGracePeriodSeconds: grace }, TEST_SERVICE, scaling),
        "unhealthy-task-replaced",
      ).map(secondsIn);
    const none = replacedAt(0);
    const grace = replacedAt(600);
    // The task running when the trace starts is past any grace period: replaced alike.
    expect(grace[0]).toBe(none[0]);
    // Its replacement (RUNNING 30 s after) fails its checks within two minutes of serving;
    // without a grace period ECS replaces it then, with one only 600 s after it started.
    expect(none[1]! - none[0]!).toBeLessThan(200);
    expect(grace[1]! - grace[0]!).toBeGreaterThanOrEqual(600 + 30);
  });

  it("maximumPercent 100 leaves no room: ECS stops the unhealthy tasks first, and the service goes dark (the death spiral)", () => {
    const requests = [...at(100, 120), ...at(300, 1200)];
    const first = run(requests);
    const stopFirst = run(requests, { maximumPercent: 100 });
    // With 200 % the replacements start beside the unhealthy tasks, which serve (fail open)
    // until they are healthy; with 100 % nothing serves while the replacements launch.
    const t = stopFirst.timeline!;
    const dark = Array.from(t.healthyCount).filter((h) => h === 0).length;
    expect(dark).toBeGreaterThan(0);
    expect(Array.from(first.timeline!.healthyCount).filter((h) => h === 0)).toEqual([]);
    expect(stopFirst.kpis.failedRequests).toBeGreaterThan(1.5 * first.kpis.failedRequests);
    // Each replacement is overloaded in turn: replaced again and again.
    expect(of(stopFirst, "unhealthy-task-replaced").length).toBeGreaterThanOrEqual(4);
  });
});

describe("overloadFailsHealthChecks: false", () => {
  it("gives the model before O5: an overloaded task stays healthy, keeps its queue, is never replaced", () => {
    const requests = [...at(100, 120), ...at(300, 600)];
    const off = run(requests, { overloadFailsHealthChecks: false });
    expect(off.events.filter((e) => e.kind !== "insufficient-data")).toEqual([]);
    // Kpis computed with main's build before O5 (the same inputs), bit for bit (dataMinutes,
    // added in p14, is the span: the trace has no gaps).
    expect(off.kpis).toMatchInlineSnapshot(`
      {
        "costUsd": 0.019747999999999974,
        "cpuHeadroomPercent": 0,
        "dataMinutes": 12,
        "errorRatePercent": 25,
        "failedRequests": 48000,
        "maxDesiredCount": 2,
        "maxTasks": 2,
        "meanCpuUtilization": 91.66666666666667,
        "meanP95LatencyMs": 54543.14182877732,
        "meanTasks": 2,
        "minDesiredCount": 2,
        "minTasks": 2,
        "minutes": 12,
        "monthlyCostUsd": 72.0801999999999,
        "oomKills": 0,
        "peakCpuUtilization": 100,
        "peakMemoryUtilization": 12.5,
        "scalingActions": 0,
        "sloViolationMinutes": 10,
        "totalRequests": 192000,
        "worstP95LatencyMs": 65991.46454710799,
      }
    `);
    expect(run(requests).kpis).not.toEqual(off.kpis);
  });
});
