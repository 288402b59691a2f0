/**
 * Deployments and tasks killed for memory (sim/deploy.ts `Deployer.replaceKilled`, sim/engine.ts
 * `outOfMemory`; sim/MODEL-AUDIT.md D11, D14): "ECS now replaces unhealthy or terminated tasks
 * using the same service revision they belong to" (What's New, Nov 2025). A task of revision R
 * killed for memory while a deployment runs is replaced by a task of revision R, under the
 * maximumPercent ceiling ECS's replacement of unhealthy tasks goes by; a killed task of the new
 * revision is not a failed task for the circuit breaker (it reached RUNNING and passed its health
 * checks), unless it died before its first passing health check (a base memory that does not
 * fit: it failed to start); an old revision's replacement is not the deployment's progress.
 *
 * The service: 1-vCPU, 2-GiB tasks of 10 ms of CPU and 500 ms of latency per request, 1024 MiB
 * at rest and 64 MiB per request in flight (16 fit); oomModel meanTask, so a group dies whole
 * when its mean task passes the limit: 5 requests a second per task (about 2.5 in flight) is
 * safe, 40 (about 21 in flight) kills. 60-s steps, SIMPLE_PLATFORM's timings (RUNNING 30 s after
 * the decision, healthy at the next step's start), a 300-s deregistration delay.
 */
import { describe, expect, it } from "vitest";
import { type ScalingEvent } from "../../sim/vocab/index.js";
import { MONDAY, SIMPLE_PLATFORM, runSim, traceOf } from "../helpers/sim.js";

const at = (minute: number) => new Date(MONDAY + minute * 60_000).toISOString();
const SERVICE = {
  cpuMsPerRequest: 10,
  idleCpuPercent: 0,
  latencyMs: 500,
  memoryMiB: { base: 1024, perInflightRequest: 64 },
};
const PLATFORM = { ...SIMPLE_PLATFORM, deregistrationDelaySeconds: 300, oomModel: "meanTask" };
const FOUR = { MinCapacity: 4, MaxCapacity: 4, DesiredCount: 4 };
/** 40 minutes at 5 requests a second per task of four, 40 a second in the minutes `spikes`. */
const traceWith = (...spikes: number[]) =>
  traceOf(Array.from({ length: 40 }, (_, m) => 60 * 4 * (spikes.includes(m) ? 40 : 5)));
const run = (trace: ReturnType<typeof traceOf>, deployment: Record<string, unknown>) =>
  runSim(trace, { service: SERVICE, scaling: FOUR, platform: PLATFORM, deployments: [deployment] });
const of = (events: readonly ScalingEvent[], kind: ScalingEvent["kind"]) =>
  events.filter((e) => e.kind === kind);

describe("a rolling update whose new revision fails its health checks, and the old tasks killed for memory meanwhile (4 tasks, 100 % / 125 %)", () => {
  // One new task at a time starts and fails its checks; the old four serve everything and die
  // in the spike at minute 12.
  const r = run(traceWith(12), { at: at(10), maximumPercent: 125, failsHealthChecks: true });
  const t = r.timeline!;
  const dc = t.deployment!;

  it("replaces the killed old tasks by old ones, which serve again from the next step", () => {
    const kill = of(r.events, "oom-kill");
    expect(kill).toHaveLength(1);
    expect(kill[0]).toMatchObject({ step: 12, tasks: 4 });
    expect(kill[0]!.reason).toMatch(/with tasks of its revision 0 \(a deployment runs\)/);
    for (let i = 13; i < 40; i++) {
      expect(t.healthyCount[i], `step ${i}`).toBe(4);
      expect(dc.activeRunningCount[i], `step ${i}`).toBe(4);
      expect(t.failedRequests[i], `step ${i}`).toBe(0);
    }
    // Before (p11), the deployment's reconcile started the failing revision in their place: the
    // service had no task that could pass a health check for the rest of the trace, and failed
    // 42,000 requests instead of the spike's 9,600.
    expect(r.kpis.deployments![0]!.failedRequests).toBe(9600);
  });

  it("keeps the new revision within maximumPercent: one task at a time, as before the kill", () => {
    for (let i = 10; i < 40; i++) {
      expect(t.runningCount[i]! + t.pendingCount[i]!).toBeLessThanOrEqual(5 + 1e-9);
      expect(dc.primaryRunningCount[i]).toBeLessThanOrEqual(1 + 1e-9);
    }
  });
});

describe("a rolling update that can move (4 tasks, 100 % / 125 %), killed for memory at minute 11: three old tasks and the first new one", () => {
  const r = run(traceWith(11), { at: at(10), maximumPercent: 125 });
  const t = r.timeline!;
  const dc = t.deployment!;

  it("replaces each revision's killed tasks by its own: three old ones and one new", () => {
    const kills = of(r.events, "oom-kill");
    expect(kills.map((e) => [e.step, (e as { tasks: number }).tasks])).toEqual([
      [11, 3],
      [11, 1],
    ]);
    expect(kills[0]!.reason).toMatch(/revision 0/);
    expect(kills[1]!.reason).toMatch(/revision 1/);
    // The step after the kill, mean RUNNING over it: two of the three old replacements (the
    // wave stops one at the step's start); of the new revision, the wave's task of minute 11, the
    // killed one's replacement, and the wave's next one from half the step.
    expect(dc.primaryRunningCount[12]).toBeCloseTo(2.5, 9);
    expect(dc.activeRunningCount[12]).toBe(2);
  });

  it("does not count the old revision's replacements as progress: the update goes on one task at a time, and completes with every old task gone", () => {
    const d = r.kpis.deployments![0]!;
    expect(d.outcome).toBe("completed");
    // Before, the killed tasks' place went to three new tasks at once, and the deployment
    // completed at minute 12 (2 minutes); now the old replacements go one wave at a time.
    expect(d.durationMinutes).toBe(4);
    const end = of(r.events, "deployment-completed")[0]!.step;
    expect(end).toBe(14);
    expect(dc.activeRunningCount[end]).toBe(0);
    expect(dc.primaryRunningCount[end]).toBe(4);
    for (let i = 12; i < 40; i++) expect(t.healthyCount[i]).toBeGreaterThanOrEqual(4 - 1e-9);
  });
});

describe("the circuit breaker and new tasks killed for memory", () => {
  it("does not count them as failed tasks (they reached RUNNING and passed their health checks): 4 killed at a threshold of 4, no rollback", () => {
    // Eight tasks at 100 % / 150 %: four new ones serve beside four old ones when every serving
    // task dies at minute 11. resetOnHealthyTask off, so that no healthy task clears a count.
    const r = runSim(traceOf(Array.from({ length: 40 }, (_, m) => 60 * 8 * (m === 11 ? 40 : 5))), {
      service: SERVICE,
      scaling: { MinCapacity: 8, MaxCapacity: 8, DesiredCount: 8 },
      platform: PLATFORM,
      deployments: [
        {
          at: at(10),
          maximumPercent: 150,
          deploymentCircuitBreaker: { enable: true, rollback: true, resetOnHealthyTask: false },
        },
      ],
    });
    const killedNew = of(r.events, "oom-kill").filter((e) => /revision 1/.test(e.reason));
    expect(killedNew).toHaveLength(1);
    expect(killedNew[0]).toMatchObject({ step: 11, tasks: 4 });
    expect(of(r.events, "deployment-started")[0]!.reason).toMatch(/threshold 4 failed tasks/);
    expect(of(r.events, "rollback")).toHaveLength(0);
    expect(r.kpis.deployments![0]).toMatchObject({ outcome: "completed", failedTasks: 0 });
  });
});

describe("blue/green: each set's killed tasks are replaced by its own", () => {
  const deployment = { at: at(10), strategy: "blue-green", bakeTimeInMinutes: 10 };

  it("blue killed during SCALE_UP (it serves everything): blue replacements; green stays at the desired count", () => {
    const r = run(traceWith(10), deployment);
    const kill = of(r.events, "oom-kill");
    expect(kill).toHaveLength(1);
    expect(kill[0]!.reason).toMatch(/revision 0/);
    const dc = r.timeline!.deployment!;
    for (let i = 10; i < 21; i++) expect(dc.primaryRunningCount[i]).toBeLessThanOrEqual(4 + 1e-9);
    expect(dc.activeRunningCount[11]).toBe(4);
    expect(r.kpis.deployments![0]).toMatchObject({ outcome: "completed", failedTasks: 0 });
  });

  it("green killed during the bake time (it serves everything): green replacements, blue untouched; it completes on time", () => {
    const r = run(traceWith(12), deployment);
    const kill = of(r.events, "oom-kill");
    expect(kill).toHaveLength(1);
    expect(kill[0]!.reason).toMatch(/revision 1/);
    const dc = r.timeline!.deployment!;
    expect(dc.primaryRunningCount[13]).toBe(4);
    expect(dc.activeRunningCount[13]).toBe(4);
    expect(r.kpis.deployments![0]).toMatchObject({
      outcome: "completed",
      durationMinutes: 11,
      failedTasks: 0,
    });
  });
});

describe("the ceiling falls between a kill and its replacement (8 tasks at 100 % / 150 %; a scheduled action lowers MaxCapacity to 6 at minute 11)", () => {
  // New tasks take 90 s to RUNNING here, so the deployment's first four are still launching when,
  // at minute 11, the scheduled action lowers the desired count to 6 (ceiling floor(6 × 1.5) =
  // 9), the wave stops two old tasks (6 stay healthy), and the spike kills the six left: 4 new +
  // 6 old = 10 RUNNING or PENDING before the kill, over the new ceiling, so only 5 of the 6 have
  // room; the rest is left to the deployment, whose waves start the new revision in it.
  const lower = `at(${new Date(MONDAY + 11 * 60_000).toISOString().slice(0, 19)})`;
  const r = runSim(traceOf(Array.from({ length: 40 }, (_, m) => 60 * 8 * (m === 11 ? 40 : 5))), {
    service: SERVICE,
    scaling: {
      MinCapacity: 8,
      MaxCapacity: 8,
      DesiredCount: 8,
      scheduledActions: [
        {
          ScheduledActionName: "lower",
          Schedule: lower,
          ScalableTargetAction: { MinCapacity: 6, MaxCapacity: 6 },
        },
      ],
    },
    platform: { ...PLATFORM, launchSeconds: 90 },
    deployments: [{ at: at(10), maximumPercent: 150 }],
  });
  const t = r.timeline!;
  const dc = t.deployment!;

  it("replaces only as many killed old tasks as the lowered ceiling leaves room for: 5 of 6", () => {
    const kill = of(r.events, "oom-kill");
    expect(kill).toHaveLength(1);
    expect(kill[0]).toMatchObject({ step: 11, tasks: 6 });
    expect(kill[0]!.reason).toMatch(/revision 0 \(a deployment runs\)/);
    // The five replacements (of revision 0) are PENDING from the kill at 11:00 and RUNNING from
    // 12:30; the new revision's four, RUNNING from 11:30.
    expect(t.pendingCount[11]).toBeCloseTo(5 + 4 / 2, 9);
    expect(dc.activeRunningCount[12]).toBeCloseTo(5 / 2, 9);
    expect(dc.primaryRunningCount[12]).toBe(4);
  });

  it("starts the rest later, as the new revision, in the deployment's waves, and never goes above the ceiling", () => {
    const waves = of(r.events, "tasks-replaced").filter((e) => e.step > 11);
    // Minute 13: the old replacements are healthy; the wave stops 3 and starts the 2 new tasks
    // that bring the new revision to the desired count.
    expect(waves[0]).toMatchObject({ step: 13 });
    expect(waves[0]!.reason).toMatch(
      /Stopped 3 task\(s\) of revision 0 .* started 2 of revision 1/,
    );
    for (let i = 11; i < 40; i++) {
      expect(t.runningCount[i]! + t.pendingCount[i]!, `step ${i}`).toBeLessThanOrEqual(9 + 1e-9);
    }
    expect(r.kpis.deployments![0]).toMatchObject({ outcome: "completed", failedTasks: 0 });
    const end = of(r.events, "deployment-completed")[0]!.step;
    expect(dc.primaryRunningCount[end + 1]).toBe(6);
    expect(dc.activeRunningCount[end + 1]).toBe(0);
  });
});

describe("a deployment whose tasks' base memory does not fit (4096 MiB at rest in a 2-GiB task: each task dies as it starts), circuit breaker on (threshold 3)", () => {
  // Both revisions run the config's service (README, Deployments under load), so the old one
  // crash-loops too; what the breaker sees is the new revision's tasks dying before their first
  // passing health check, which in ECS never pass one: failed tasks ("When tasks fail to reach
  // in the RUNNING state, the deployment circuit breaker increases the failure count by one",
  // and likewise "When a health check fails for the task", ECS developer guide, deployment
  // circuit breaker). Until p13 they were not counted and the deployment never failed.
  const deploy = (rollback: boolean) =>
    runSim(traceOf(Array.from({ length: 30 }, () => 60 * 4 * 5)), {
      service: { ...SERVICE, memoryMiB: { base: 4096 } },
      scaling: FOUR,
      platform: PLATFORM,
      deployments: [{ at: at(10), deploymentCircuitBreaker: { enable: true, rollback } }],
    });

  it("counts the new revision's four as failed tasks and rolls back at once; no task of the failed revision starts again", () => {
    const r = deploy(true);
    const rollback = of(r.events, "rollback");
    expect(rollback).toHaveLength(1);
    expect(rollback[0]).toMatchObject({ step: 10, tasks: 4 });
    expect(rollback[0]!.reason).toMatch(
      /4 tasks of revision 1 died for memory before their first passing health check/,
    );
    const killedNew = of(r.events, "oom-kill").filter((e) => /revision 1/.test(e.reason));
    expect(killedNew).toHaveLength(1);
    // The kill that trips the breaker says so, not that ECS replaces the tasks by their own
    // revision (as it said until p14, with the rollback event following at once).
    expect(killedNew[0]!.reason).toMatch(
      /each dies as it starts; never having passed a health check, each is a failed task of revision 1, and the circuit breaker trips at its threshold: the deployment is FAILED and ECS rolls back to revision 0, starting no task of revision 1 again\.$/,
    );
    expect(killedNew[0]!.reason).not.toMatch(/ECS replaces/);
    // The old revision's tasks die as they start too, but are no failed tasks of this deployment.
    // The rollback never completes: the old revision's tasks never pass a check either. The
    // outcome is "unfinished", and the breaker's trip, half a minute in (the new tasks are
    // RUNNING, and die, 30 s after the wave), is still told.
    expect(r.kpis.deployments![0]).toMatchObject({
      outcome: "unfinished",
      failedTasks: 4,
      circuitBreakerTrippedMinutes: 0.5,
    });
    for (const e of of(r.events, "oom-kill")) {
      if (e.step > 10) expect(e.reason).not.toMatch(/revision 1/);
    }
  });

  it("without rollback, the deployment FAILS and the scheduler keeps the old revision", () => {
    const r = deploy(false);
    expect(of(r.events, "rollback")).toHaveLength(0);
    expect(r.kpis.deployments![0]).toMatchObject({
      outcome: "failed",
      failedTasks: 4,
      circuitBreakerTrippedMinutes: 0.5,
    });
    const failed = of(r.events, "deployment-completed");
    expect(failed[0]).toMatchObject({ step: 10 });
    expect(failed[0]!.reason).toMatch(/FAILED: 4 tasks of revision 1 died for memory/);
    const kill = of(r.events, "oom-kill").find((e) => /failed task of revision 1/.test(e.reason))!;
    expect(kill.step).toBe(10);
    expect(kill.reason).toMatch(
      /the circuit breaker trips at its threshold: the deployment is FAILED and launches no new tasks \(ECS does not replace it\); revision 0's tasks keep serving\.$/,
    );
  });

  it("on 5-minute steps, one task at a time, trips the breaker too: a task started and killed inside a step never counts as healthy, neither completing the deployment nor resetting the count", () => {
    // At the default timings a replacement is RUNNING 65 s after its kill, inside the same
    // 5-minute step, and dies at the next step's start; the deployment's wave came first and,
    // until p13, took it for healthy: the deployment completed in 5 minutes with 1 failed task.
    const r = runSim(
      traceOf(
        Array.from({ length: 24 }, () => 300 * 5),
        { stepSeconds: 300 },
      ),
      {
        service: { ...SERVICE, memoryMiB: { base: 4096 } },
        scaling: { MinCapacity: 1, MaxCapacity: 1, DesiredCount: 1 },
        deployments: [{ at: at(30), deploymentCircuitBreaker: { enable: true, rollback: true } }],
      },
    );
    expect(of(r.events, "rollback")).toHaveLength(1);
    expect(of(r.events, "deployment-completed")).toHaveLength(0);
    expect(r.kpis.deployments![0]).toMatchObject({ outcome: "unfinished", failedTasks: 3 });
  });
});
