/**
 * A task whose base memory does not fit in the task dies as it starts (sim/memory.ts
 * `memoryFit`: inflightThatFits −∞), at its runningAt, in the step it reaches RUNNING in,
 * wherever inside the step that is (sim/engine.ts `kill`, `killDyingAtStart`; sim/fleet.ts
 * `launch` gives its group no healthy time). It never counts as healthy, takes no request,
 * adds nothing to the RUNNING seconds or the memory the metrics average, and is billed as Fargate
 * bills a task that stops: from provisioning to its stop, at least the one-minute minimum.
 *
 * The set-up: four 1-vCPU, 2-GiB tasks of a revision at 256 MiB serve 5 requests a second each,
 * then a rolling deployment (100 % / 200 %) at minute 5 starts four tasks of a revision at
 * 4096 MiB at rest. They never turn healthy, so the old tasks serve everything and no old task is
 * stopped: every serving figure of the timeline is that of the same run without the deployment.
 * 60-s steps, no scheduling delay; the launch time and the OOM replacement delay place runningAt
 * inside a step.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { taskCostPerSecond, US_EAST_1_PRICES } from "../../sim/vocab/index.js";
import type { SimulationResult } from "../../sim/engine.js";
import { MONDAY, SIMPLE_PLATFORM, runSim, TEST_TASK, traceOf } from "../helpers/sim.js";

const SERVICE = { cpuMsPerRequest: 10, idleCpuPercent: 0, memoryMiB: { base: 256 } };
const FOUR = { MinCapacity: 4, MaxCapacity: 4, DesiredCount: 4 };
const MINUTES = 20;
const DEPLOY_AT = 300;
const trace = traceOf(Array.from({ length: MINUTES }, () => 60 * 4 * 5));
const RATE = taskCostPerSecond(
  { ...TEST_TASK, architecture: "X86_64", capacityProvider: "FARGATE" },
  US_EAST_1_PRICES,
);

interface Timing {
  /** Seconds from the decision to RUNNING (no scheduling delay). */
  readonly launchSeconds: number;
  /** OOM replacement delay, seconds. */
  readonly replacementDelay: number;
  /** ALB health-check interval (a task that fitted would turn healthy one interval after RUNNING). */
  readonly interval: number;
}

function run(t: Timing, deploy: boolean): SimulationResult {
  return runSim(trace, {
    service: SERVICE,
    scaling: FOUR,
    platform: {
      ...SIMPLE_PLATFORM,
      launchSeconds: t.launchSeconds,
      oomReplacementDelaySeconds: t.replacementDelay,
      healthCheckIntervalSeconds: t.interval,
    },
    deployments: deploy
      ? [
          {
            at: new Date(MONDAY + DEPLOY_AT * 1000).toISOString(),
            newRevision: { memoryMiB: { base: 4096 } },
          },
        ]
      : [],
  });
}

/** Seconds from the trace's start of the oom-kill events. */
const killTimes = (r: SimulationResult) =>
  r.events.filter((e) => e.kind === "oom-kill").map((e) => (e.timeMs - MONDAY) / 1000);

/** The timeline's serving figures: those the dying tasks must leave as they are without them. */
const SERVING = [
  "runningCount",
  "healthyCount",
  "memoryUtilization",
  "cpuUtilization",
  "requestCountPerTarget",
  "servedRequests",
  "failedRequests",
  "latencyP95Ms",
  "backlog",
] as const;

function expectServingAsWithout(r: SimulationResult, base: SimulationResult): void {
  for (const column of SERVING) {
    const got = Array.from(r.timeline![column]);
    const want = Array.from(base.timeline![column]);
    got.forEach((v, i) => expect(v, `${column}[${i}]`).toBeCloseTo(want[i]!, 9));
  }
}

/**
 * What the deployment's tasks are billed in all: each killed group 60 s (it lives less than the
 * one-minute minimum), the last, still launching at the trace's end, from its launch to the end.
 */
function deploymentCost(t: Timing, kills: readonly number[]): number {
  const lastLaunch = kills.length > 0 ? kills.at(-1)! + t.replacementDelay : DEPLOY_AT;
  const alive = Math.max(0, MINUTES * 60 - lastLaunch);
  return 4 * RATE * (60 * kills.length + alive);
}

describe("a group that dies as it starts, RUNNING 45 s into its step", () => {
  it("a replacement started inside the step (killed at t0 + 15 s, 15 s of replacement delay, 15 s of launch) dies at t0 + 45 s, not at the next step's start", () => {
    const t = { launchSeconds: 15, replacementDelay: 15, interval: 30 };
    const r = run(t, true);
    // The deployment's tasks at 05:15, their replacement at 05:45, and so on every 30 s.
    const kills = killTimes(r);
    expect(kills).toEqual(
      Array.from({ length: Math.ceil((MINUTES * 60 - 315) / 30) }, (_, k) => 315 + 30 * k),
    );
    expect(kills).toContain(345);
    expectServingAsWithout(r, run(t, false));
    expect(r.kpis.costUsd - run(t, false).kpis.costUsd).toBeCloseTo(deploymentCost(t, kills), 12);
    expect(r.kpis.deployments![0]).toMatchObject({
      outcome: "unfinished",
      failedTasks: 4 * kills.length,
      failedRequests: 0,
    });
  });

  it("a group that would turn healthy 5 s after RUNNING (45 s of launch, 5-s checks) dies at t0 + 45 s, never healthy, never routed to", () => {
    const t = { launchSeconds: 45, replacementDelay: 0, interval: 5 };
    const r = run(t, true);
    const kills = killTimes(r);
    expect(kills[0]).toBe(DEPLOY_AT + 45);
    expect(kills).toEqual(
      Array.from({ length: Math.ceil((MINUTES * 60 - 345) / 45) }, (_, k) => 345 + 45 * k),
    );
    expectServingAsWithout(r, run(t, false));
    expect(r.kpis.costUsd - run(t, false).kpis.costUsd).toBeCloseTo(deploymentCost(t, kills), 12);
    // Each kill says that its tasks die as they start.
    for (const e of r.events.filter((e) => e.kind === "oom-kill"))
      expect(e.reason).toMatch(/need 4096 MiB before any request.*each dies as it starts/);
  });

  it("at any launch offset inside a step: every kill at its group's runningAt, memory utilization never over 100 % and that of the old tasks alone (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 59 }),
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom(5, 10, 30),
        (launchSeconds, replacementDelay, interval) => {
          const t = { launchSeconds, replacementDelay, interval };
          const r = run(t, true);
          const base = run(t, false);
          // RUNNING at launch + launchSeconds; a kill's replacement is decided replacementDelay
          // after it: the kills are the chain of runningAts from the deployment's start.
          const period = replacementDelay + launchSeconds;
          const first = DEPLOY_AT + launchSeconds;
          const kills = killTimes(r);
          const expected = Array.from(
            { length: Math.ceil((MINUTES * 60 - first) / period) },
            (_, k) => first + period * k,
          );
          expect(kills).toHaveLength(expected.length);
          kills.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 9));
          for (const m of r.timeline!.memoryUtilization) expect(m).toBeLessThanOrEqual(100);
          expectServingAsWithout(r, base);
          expect(r.kpis.costUsd - base.kpis.costUsd).toBeCloseTo(deploymentCost(t, kills), 12);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("a group a scale-out starts, on 5-minute steps", () => {
  it("dies at its runningAt (30 s after the scale-out) in the step it started in, and the memory metric stays the old tasks'", () => {
    // Two tasks of a revision at 256 MiB, CPU target 50 %; the traffic triples at minute 20,
    // while a deployment of a revision at 4096 MiB runs (from minute 10, never completing): each
    // scale-out starts tasks of the new revision, RUNNING 30 s later, inside the same step.
    const r = runSim(
      traceOf(
        Array.from({ length: 24 }, (_, i) => 300 * (i < 4 ? 100 : 300)),
        { stepSeconds: 300 },
      ),
      {
        service: SERVICE,
        scaling: {
          MinCapacity: 2,
          MaxCapacity: 10,
          DesiredCount: 2,
          policies: [
            {
              PolicyName: "cpu",
              TargetTrackingScalingPolicyConfiguration: {
                TargetValue: 50,
                PredefinedMetricSpecification: {
                  PredefinedMetricType: "ECSServiceAverageCPUUtilization",
                },
              },
            },
          ],
        },
        platform: { ...SIMPLE_PLATFORM, oomReplacementDelaySeconds: 200 },
        deployments: [
          {
            at: new Date(MONDAY + 600_000).toISOString(),
            newRevision: { memoryMiB: { base: 4096 } },
          },
        ],
      },
    );
    const seconds = (e: { timeMs: number }) => (e.timeMs - MONDAY) / 1000;
    const kills = r.events.filter((e) => e.kind === "oom-kill");
    const scaleOuts = r.events.filter(
      (e) => e.kind === "scale-out" && (seconds(e) % 300) + 30 < 300,
    );
    expect(scaleOuts.length).toBeGreaterThan(0);
    for (const s of scaleOuts) {
      expect(
        kills.some((k) => k.step === s.step && seconds(k) === seconds(s) + 30),
        `a kill at ${seconds(s) + 30} s`,
      ).toBe(true);
    }
    // Every step's memory utilization is the old tasks' 256 of 2048 MiB.
    for (const m of r.timeline!.memoryUtilization) expect(m).toBeCloseTo(12.5, 9);
  });
});
