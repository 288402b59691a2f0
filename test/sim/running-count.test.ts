/**
 * The running count Application Auto Scaling computes a new desired count from (sim/MODEL-AUDIT.md
 * C4, C8): the tasks RUNNING at the scaling action. The model's counts are expected values
 * (fractional after an OOM share); the base is that expectation, not rounded, and the formulas
 * round their result up.
 */
import { describe, expect, it } from "vitest";
import { AutoScaler } from "../../sim/autoscaling.js";
import { Fleet } from "../../sim/fleet.js";
import { Q, Q_COUNT, periodStores } from "../../sim/metrics.js";
import { StepSums, Tally } from "../../sim/tally.js";
import { PLATFORM_DEFAULTS, type PlatformParams } from "../../sim/vocab/index.js";

const FLEET_PARAMS = {
  costRate: 0,
  minBilled: 60,
  schedulingDelaySeconds: 0,
  launchSeconds: 30,
  fargateLaunchesPerSecond: 20,
  checksUntilHealthy: 30,
  deregistrationDelaySeconds: 0,
  drainingEndsWhenIdle: false,
  capacityRate: 100,
  latencySeconds: 0,
};

describe("Fleet.runningCount", () => {
  it("is the expected count of RUNNING tasks, not rounded (0.4 of a task is not none)", () => {
    const fleet = new Fleet(1, 1, 10, FLEET_PARAMS, new Tally(), new StepSums());
    fleet.groups[0]!.count = 0.4; // what an OOM share of 60 % leaves
    expect(fleet.runningCount(0)).toBe(0.4);
    fleet.launch(1, 0, 0); // RUNNING at 30 s
    expect(fleet.runningCount(10)).toBe(0.4);
    expect(fleet.runningCount(30)).toBe(1.4);
    // Float dust is no task.
    fleet.groups[0]!.count = 1e-9;
    expect(fleet.runningCount(0)).toBe(0);
  });
});

describe("AutoScaler: a crash loop's fractional running count", () => {
  /** A CPU target-tracking scaler over its own CloudWatch, fed 100 % CPU every minute. */
  function scaleOut(running: number, target: number, desired: number): number {
    const { stores, storeFor } = periodStores();
    const scaler = new AutoScaler({
      policies: [
        {
          PolicyName: "cpu",
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: target,
            ScaleOutCooldown: 60,
            ScaleInCooldown: 300,
            DisableScaleIn: false,
            PredefinedMetricSpecification: {
              PredefinedMetricType: "ECSServiceAverageCPUUtilization",
            },
          },
        },
      ],
      task: { vcpus: 1, memoryMiB: 2048 },
      platform: { ...PLATFORM_DEFAULTS, metricPublicationDelaySeconds: 0 } as PlatformParams,
      storeFor,
      startMs: 0,
      stepSeconds: 60,
      emit: null,
    });
    scaler.tasks = { runningCount: () => running };
    const q = new Float64Array(Q_COUNT);
    for (let i = 0; i < 5; i++) {
      q[Q.runningTaskSeconds] = q[Q.registeredTaskSeconds] = q[Q.serviceTaskSeconds] = running * 60;
      q[Q.cpuVcpuSeconds] = q[Q.serviceCpuVcpuSeconds] = running * 60; // 100 %
      for (const store of stores.values()) store.add(q, i * 60, i * 60 + 60);
      desired = scaler.evaluate(i * 60 + 60, i, desired, 1, 10);
    }
    return desired;
  }

  it("0.4 RUNNING at 100 % CPU on a 30 % target asks for ceil(0.4 × 100 / 30) = 2 (rounded to 0, it asked for none)", () => {
    expect(scaleOut(0.4, 30, 1)).toBe(2);
  });

  it("whole counts are unchanged: 3 RUNNING at 100 % on a 50 % target asks for 6", () => {
    expect(scaleOut(3, 50, 3)).toBe(6);
  });
});
