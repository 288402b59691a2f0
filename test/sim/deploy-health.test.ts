/**
 * Deployments and overloaded tasks' health checks together (sim/deploy.ts, sim/engine.ts
 * `unhealthyTasks`; sim/MODEL-AUDIT.md O5, D6, D12, D13): an overloaded task that fails
 * UnhealthyThresholdCount checks is not healthy for a rolling update's minimumHealthyPercent; a
 * task of the revision being deployed that fails its checks and is stopped is a failed task for
 * the circuit breaker ("fails any of its defined health checks and is stopped", ECS API
 * Deployment.failedTasks); ECS replaces an unhealthy task with one of its own revision ("ECS now
 * replaces unhealthy or terminated tasks using the same service revision they belong to",
 * What's New, Nov 2025), under the same maximumPercent as the deployment's surge; a service with
 * headroom deploys exactly as before. (The invariants under overload are in the property of
 * test/sim/deploy.test.ts, which runs loads up to 2.5× and kills tasks for memory too.)
 *
 * The service: 1-vCPU tasks of 10 ms per request (6,000 requests a minute flat out), 60-s steps,
 * SIMPLE_PLATFORM's timings with a 300-s deregistration delay.
 */
import { describe, expect, it } from "vitest";
import { type ScalingEvent } from "../../sim/vocab/index.js";
import { MONDAY, SIMPLE_PLATFORM, rep, runSim, traceOf } from "../helpers/sim.js";

const PER_TASK_MINUTE = 6000;
const at = (minute: number) => new Date(MONDAY + minute * 60_000).toISOString();
const FOUR = { MinCapacity: 4, MaxCapacity: 4, DesiredCount: 4 };
const PLATFORM = { ...SIMPLE_PLATFORM, deregistrationDelaySeconds: 300 };
const WITHOUT_O5 = { ...PLATFORM, overloadFailsHealthChecks: false };
const of = (events: readonly ScalingEvent[], kind: ScalingEvent["kind"]) =>
  events.filter((e) => e.kind === kind);

describe("a rolling update at the peak of a service with no room for it (4 tasks at 80 %, 50 % / 100 %)", () => {
  // Half the tasks stop first; the other two carry 160 % and fail their checks within the
  // minute, and so does every pair that serves alone after them.
  const trace = traceOf(rep(0.8 * 4 * PER_TASK_MINUTE, 40));
  const deployment = (breaker?: Record<string, unknown>) => ({
    at: at(10),
    minimumHealthyPercent: 50,
    maximumPercent: 100,
    ...(breaker ? { deploymentCircuitBreaker: { enable: true, rollback: true, ...breaker } } : {}),
  });

  it("counts the new tasks that fail their checks and are stopped as failed tasks, and the circuit breaker rolls back", () => {
    const r = runSim(trace, {
      scaling: FOUR,
      platform: PLATFORM,
      deployments: [deployment({ resetOnHealthyTask: false })],
    });
    const rollback = of(r.events, "rollback");
    expect(rollback).toHaveLength(1);
    expect(rollback[0]!.reason).toMatch(/failed their health checks under load/);
    // The first new pair turns unhealthy at minute 11, the second at 13: 4 ≥ threshold 3.
    expect(rollback[0]!.step).toBe(14);
    expect(r.kpis.deployments![0]!.failedTasks).toBe(4);
    // Before, overloaded tasks stayed healthy and the same deployment completed in a minute.
    const before = runSim(trace, {
      scaling: FOUR,
      platform: WITHOUT_O5,
      deployments: [deployment({ resetOnHealthyTask: false })],
    });
    expect(of(before.events, "rollback")).toHaveLength(0);
    expect(before.kpis.deployments![0]!.outcome).toBe("completed");
  });

  it("with resetOnHealthyTask (the default), every replacement that turns healthy resets the count: pairs of 2 never reach 3", () => {
    const r = runSim(trace, { scaling: FOUR, platform: PLATFORM, deployments: [deployment({})] });
    expect(of(r.events, "rollback")).toHaveLength(0);
    const d = r.kpis.deployments![0]!;
    expect(d.outcome).toBe("unfinished");
    expect(d.failedTasks).toBeGreaterThan(3);
  });

  it("never counts an unhealthy task as healthy: at most two healthy, whichever pair serves", () => {
    const r = runSim(trace, { scaling: FOUR, platform: PLATFORM, deployments: [deployment()] });
    const t = r.timeline!;
    for (let i = 10; i < 40; i++) expect(t.healthyCount[i]).toBeLessThanOrEqual(2 + 1e-9);
    expect(of(r.events, "unhealthy-task-replaced").length).toBeGreaterThan(10);
  });
});

describe("ECS replaces an unhealthy task with one of its own revision while a deployment runs", () => {
  it("blue/green: blue tasks overloaded during SCALE_UP are replaced by blue tasks; green is not touched", () => {
    // Green takes 20 minutes to start; the traffic doubles meanwhile on blue's 4 tasks.
    const trace = traceOf([
      ...rep(0.5 * 4 * PER_TASK_MINUTE, 8),
      ...rep(1.3 * 4 * PER_TASK_MINUTE, 4),
      ...rep(0.5 * 4 * PER_TASK_MINUTE, 48),
    ]);
    const r = runSim(trace, {
      scaling: FOUR,
      platform: { ...PLATFORM, launchSeconds: 1200 },
      deployments: [{ at: at(5), strategy: "blue-green", bakeTimeInMinutes: 5 }],
    });
    const replaced = of(r.events, "unhealthy-task-replaced");
    expect(replaced.length).toBeGreaterThan(0);
    expect(replaced[0]!.reason).toMatch(/of revision 0 with tasks of that revision/);
    // Green stays at the desired count: no task of revision 1 stands in for blue's.
    const dc = r.timeline!.deployment!;
    expect(r.kpis.deployments![0]!.failedTasks).toBe(0);
    expect(r.kpis.deployments![0]!.outcome).toBe("completed");
    for (let i = 5; i < 25; i++) expect(dc.primaryRunningCount[i]).toBeLessThanOrEqual(4 + 1e-9);
  });

  it("a stuck rolling update (3 tasks at 100 % / 125 %) stays stuck under overload: no room to start a replacement first, and stopping one would leave fewer RUNNING than the minimum", () => {
    const trace = traceOf([
      ...rep(6000, 5),
      ...rep(1.3 * 3 * PER_TASK_MINUTE, 3),
      ...rep(6000, 12),
    ]);
    const r = runSim(trace, {
      scaling: { MinCapacity: 3, MaxCapacity: 3, DesiredCount: 3 },
      platform: PLATFORM,
      deployments: [{ at: at(2), maximumPercent: 125 }],
    });
    expect(of(r.events, "target-unhealthy").length).toBeGreaterThan(0);
    expect(of(r.events, "unhealthy-task-replaced")).toHaveLength(0);
    expect(r.kpis.deployments![0]!.outcome).toBe("stuck");
    // (From minute 2 on, PRIMARY is the new revision: none of its tasks ever starts.)
    for (let i = 2; i < 20; i++) expect(r.timeline!.deployment!.primaryRunningCount[i]).toBe(0);
  });
});

describe("a deployment of a service with headroom: exactly as before", () => {
  const trace = traceOf(rep(0.5 * 4 * PER_TASK_MINUTE, 60));
  const cases: Record<string, Record<string, unknown>> = {
    "rolling 100 / 200": { at: at(10) },
    "rolling 50 / 100": { at: at(10), minimumHealthyPercent: 50, maximumPercent: 100 },
    "blue/green": { at: at(10), strategy: "blue-green", bakeTimeInMinutes: 5 },
    linear: {
      at: at(10),
      strategy: "linear",
      linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 },
    },
    canary: { at: at(10), strategy: "canary" },
    "failsHealthChecks with the circuit breaker": {
      at: at(10),
      failsHealthChecks: true,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    },
  };
  for (const [name, deployment] of Object.entries(cases)) {
    it(`${name}: Kpis, timeline and events bit for bit those with overloadFailsHealthChecks off`, () => {
      const on = runSim(trace, { scaling: FOUR, platform: PLATFORM, deployments: [deployment] });
      const off = runSim(trace, { scaling: FOUR, platform: WITHOUT_O5, deployments: [deployment] });
      expect(on.kpis).toEqual(off.kpis);
      expect(on.timeline).toEqual(off.timeline);
      expect(on.events).toEqual(off.events);
    });
  }
});
