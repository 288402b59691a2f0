import { describe, expect, it } from "vitest";
import { candidateLabel, currentLabel, shortMetricName } from "../../reports/labels.js";
import { expandSpace, plainLabel } from "../../sim/search.js";
import { currentCandidate } from "../../sim/plan.js";
import { SpaceSchema } from "../../sim/vocab/index.js";
import { contextOf, simSetup, traceOf } from "../helpers/sim.js";

describe("labels", () => {
  const trace = traceOf(new Float64Array(60).fill(6000));
  const service = contextOf().service;

  it("names a candidate of the space by size, metric and target, capacity and cooldowns", () => {
    const space = SpaceSchema.parse({
      taskSizes: [{ cpu: "512", memory: "1024" }],
      metrics: ["ECSServiceAverageCPUUtilizationHighResolution", "ALBRequestCountPerTarget"],
      utilizationTargets: [60],
      requestCountTargets: [1500],
      MinCapacity: [1],
      MaxCapacity: [12],
      ScaleOutCooldown: [60],
      scheduledMinimums: [{ fromHourUtc: 8, toHourUtc: 18, MinCapacity: 4 }],
    });
    const labels = expandSpace(space, trace, service, candidateLabel).map((c) => c.label);
    expect(labels).toEqual([
      "0.5 vCPU / 1 GiB x86 · CPU (20 s) 60% · 1-12 tasks · cooldown 60/300s",
      "0.5 vCPU / 1 GiB x86 · CPU (20 s) 60% · 1-12 tasks · cooldown 60/300s · scheduled min",
      "0.5 vCPU / 1 GiB x86 · ALB req/target 1500/min · 1-12 tasks · cooldown 60/300s",
      "0.5 vCPU / 1 GiB x86 · ALB req/target 1500/min · 1-12 tasks · cooldown 60/300s · scheduled min",
    ]);
    // Without a labeller the simulator names none for people.
    expect(expandSpace(space, trace, service).map((c) => c.label)).toEqual(
      [0, 1, 2, 3].map((id) => plainLabel({ id } as Parameters<typeof plainLabel>[0])),
    );
  });

  it("names the current settings, with how many more policies they have", () => {
    const { candidate } = simSetup({
      task: { cpu: "2048", memory: "4096" },
      scaling: {
        MinCapacity: 4,
        MaxCapacity: 40,
        policies: [
          {
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 50,
              PredefinedMetricSpecification: {
                PredefinedMetricType: "ECSServiceAverageCPUUtilization",
              },
            },
          },
          {
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 2000,
              PredefinedMetricSpecification: { PredefinedMetricType: "ALBRequestCountPerTarget" },
            },
          },
        ],
      },
    });
    expect(currentLabel(candidate)).toBe(
      "current: 2 vCPU / 4 GiB x86 · CPU 50 + 1 more · 4-40 tasks",
    );
    expect(currentCandidate(candidate, 7, currentLabel).label).toBe(currentLabel(candidate));
    expect(shortMetricName("none")).toBe("fixed");
  });
});
