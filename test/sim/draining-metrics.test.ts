/**
 * Draining tasks in the AWS/ECS service averages (sim/MODEL-AUDIT.md O9, unconfirmed):
 * `drainingTasksInServiceMetrics` (default true, the model before it was a parameter) counts a
 * deregistered task's seconds, idle CPU, request work and memory in CPUUtilization and
 * MemoryUtilization while it drains; false leaves them out, numerator and denominator. Neither
 * reading touches the running count (draining tasks are never in it) or billing.
 *
 * The service: 1-vCPU tasks, 100 ms of CPU per request, 5 % idle CPU, 512 MiB of 2048; 10
 * requests a second; four tasks until a scheduled action cuts MaxCapacity to 2 at 00:20, so two
 * of them drain for the 600-s deregistration delay, steps 20 to 29.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type SimulationResult } from "../../sim/engine.js";
import { rep, runSim, SIMPLE_PLATFORM, traceOf } from "../helpers/sim.js";

const SERVICE = { cpuMsPerRequest: 100, idleCpuPercent: 5, memoryMiB: { base: 512 } };
const SCALE_IN = {
  MinCapacity: 2,
  MaxCapacity: 4,
  DesiredCount: 4,
  scheduledActions: [
    { Schedule: "at(2026-01-05T00:20:00)", ScalableTargetAction: { MaxCapacity: 2 } },
  ],
};

function run(inMetrics: boolean, scaling: Record<string, unknown> = SCALE_IN): SimulationResult {
  return runSim(traceOf(rep(600, 60)), {
    service: SERVICE,
    scaling,
    platform: {
      ...SIMPLE_PLATFORM,
      deregistrationDelaySeconds: 600,
      drainingTasksInServiceMetrics: inMetrics,
    },
  });
}

describe("drainingTasksInServiceMetrics", () => {
  // Per 60-s step: 600 requests × 0.1 vCPU-s = 60 vCPU-s of work, and 5 % idle CPU on every
  // task-second counted.
  const work = 600 * 0.1;
  const idle = 0.05;

  it("with true, two idle draining tasks dilute the CPU average by half over the drain", () => {
    const { timeline } = run(true);
    const t = timeline!;
    for (let i = 20; i < 30; i++) {
      expect(t.runningCount[i]).toBe(2);
      expect(t.drainingCount[i]).toBe(2);
      // (2 serving + 2 draining) × 60 s = 240 task-seconds: (60 + 0.05 × 240) / 240 = 30 %.
      expect(t.cpuUtilization[i]).toBeCloseTo((100 * (work + idle * 240)) / 240, 9);
    }
  });

  it("with false, the average counts the two serving tasks only", () => {
    const t = run(false).timeline!;
    for (let i = 20; i < 30; i++) {
      // 2 × 60 = 120 task-seconds: (60 + 0.05 × 120) / 120 = 55 %.
      expect(t.cpuUtilization[i]).toBeCloseTo((100 * (work + idle * 120)) / 120, 9);
      // Memory: each task holds its 512 MiB base, draining or not, so the average is 25 %
      // either way: leaving out only the denominator would have read 50 %.
      expect(t.memoryUtilization[i]).toBeCloseTo(25, 9);
    }
  });

  it("the difference is the draining task-seconds' share, and only over the drain", () => {
    const on = run(true).timeline!;
    const off = run(false).timeline!;
    for (let i = 0; i < 60; i++) {
      const draining = i >= 20 && i < 30;
      if (draining) expect(off.cpuUtilization[i]! - on.cpuUtilization[i]!).toBeCloseTo(25, 9);
      else expect(off.cpuUtilization[i]).toBe(on.cpuUtilization[i]);
      // Counts, requests and cost do not depend on the reading.
      expect(off.runningCount[i]).toBe(on.runningCount[i]);
      expect(off.drainingCount[i]).toBe(on.drainingCount[i]);
      expect(off.servedRequests[i]).toBe(on.servedRequests[i]);
      expect(off.costUsd[i]).toBe(on.costUsd[i]);
    }
  });
});

describe("drainingTasksInServiceMetrics and a CPU policy", () => {
  const cpuPolicy = (target: number) => ({
    MinCapacity: 1,
    MaxCapacity: 20,
    DesiredCount: 2,
    policies: [
      {
        PolicyName: "cpu",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: target,
          ScaleOutCooldown: 60,
          ScaleInCooldown: 60,
          PredefinedMetricSpecification: {
            PredefinedMetricType: "ECSServiceAverageCPUUtilization",
          },
        },
      },
    ],
  });

  it("when nothing drains (no deregistration delay), false and true give the same timeline, events and Kpis, scale-ins and all (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 30, maxLength: 90 }),
        fc.integer({ min: 20, max: 80 }),
        (requests, target) => {
          const runWith = (inMetrics: boolean) =>
            runSim(traceOf(requests), {
              service: SERVICE,
              scaling: cpuPolicy(target),
              platform: {
                ...SIMPLE_PLATFORM,
                deregistrationDelaySeconds: 0,
                drainingTasksInServiceMetrics: inMetrics,
              },
            });
          const on = runWith(true);
          const off = runWith(false);
          expect(off.kpis).toEqual(on.kpis);
          expect(off.timeline).toEqual(on.timeline);
          expect(off.events).toEqual(on.events);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("with a deregistration delay and scale-ins, the policy reads a different average and scales differently", () => {
    // A morning peak, then quiet: the CPU policy scales out and back in; the draining tasks of
    // each scale-in hold the average down with true, not with false.
    const requests = [...rep(600, 20), ...rep(6000, 40), ...rep(600, 120)];
    const runWith = (inMetrics: boolean) =>
      runSim(traceOf(requests), {
        service: SERVICE,
        scaling: cpuPolicy(50),
        platform: {
          ...SIMPLE_PLATFORM,
          deregistrationDelaySeconds: 600,
          drainingTasksInServiceMetrics: inMetrics,
        },
      });
    const on = runWith(true);
    const off = runWith(false);
    const scaleIns = (r: SimulationResult) => r.events.filter((e) => e.kind === "scale-in");
    expect(scaleIns(on).length).toBeGreaterThan(0);
    expect(off.timeline!.cpuUtilization).not.toEqual(on.timeline!.cpuUtilization);
    expect(scaleIns(off)).not.toEqual(scaleIns(on));
    // Diluted by draining tasks, the average reads lower with true over the drains.
    const drainSteps = Array.from(on.timeline!.drainingCount).flatMap((d, i) =>
      d > 0.5 ? [i] : [],
    );
    expect(drainSteps.length).toBeGreaterThan(0);
    const mean = (xs: ArrayLike<number>, at: number[]) =>
      at.reduce((a, i) => a + xs[i]!, 0) / at.length;
    expect(mean(on.timeline!.cpuUtilization, drainSteps)).toBeLessThan(
      mean(off.timeline!.cpuUtilization, drainSteps),
    );
  });
});
