import { describe, expect, it } from "vitest";
import { formatZodIssue } from "../../../analysis/io/files/config-file.js";
import {
  DeploymentSchema,
  fargateMenu,
  fargateSizeProblem,
  resolvePlatform,
  SimulateConfigSchema,
  taskCostPerSecond,
  US_EAST_1_PRICES,
} from "../../../sim/vocab/index.js";

describe("the vocabulary", () => {
  it("accepts only valid Fargate cpu/memory pairs", () => {
    expect(fargateSizeProblem("1024", "2048")).toBeNull();
    expect(fargateSizeProblem("16384", "122880")).toBeNull();
    expect(fargateSizeProblem("256", "4096")).toMatch(/use one of 512, 1024, 2048/);
    expect(fargateSizeProblem("8192", "18432")).toMatch(/4 GB steps|16384, 20480/);
    expect(fargateSizeProblem("3000", "4096")).toMatch(/not a Fargate CPU value/);
    expect(fargateMenu(256, 16384)).toHaveLength(3 + 4 + 7 + 13 + 23 + 12 + 12);
  });

  it("prices a task per second from the table", () => {
    const x86 = {
      cpu: "1024",
      memory: "2048",
      architecture: "X86_64",
      capacityProvider: "FARGATE",
    } as const;
    expect(taskCostPerSecond(x86, US_EAST_1_PRICES) * 3600).toBeCloseTo(0.04048 + 2 * 0.004445, 12);
    expect(
      taskCostPerSecond({ ...x86, architecture: "ARM64" }, US_EAST_1_PRICES) * 3600,
    ).toBeCloseTo(0.03238 + 2 * 0.00356, 12);
    expect(
      taskCostPerSecond({ ...x86, capacityProvider: "FARGATE_SPOT" }, US_EAST_1_PRICES) /
        taskCostPerSecond(x86, US_EAST_1_PRICES),
    ).toBeCloseTo(0.3, 12);
  });

  it("fills config defaults and keeps user values (file > defaults)", () => {
    const c = SimulateConfigSchema.parse({
      trace: { generate: "default-week" },
      service: { cpuMsPerRequest: 5, memoryMiB: { base: 100 } },
      task: { cpu: 512, memory: 1024 },
      scaling: {
        MinCapacity: 1,
        MaxCapacity: 3,
        policies: [
          {
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 60,
              PredefinedMetricSpecification: { PredefinedMetricType: "ALBRequestCountPerTarget" },
            },
          },
        ],
      },
      platform: { launchSeconds: 90 },
    });
    expect(c.task.cpu).toBe("512");
    expect(c.scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration?.ScaleOutCooldown).toBe(
      300,
    );
    expect(resolvePlatform(c.platform).launchSeconds).toBe(90);
    expect(resolvePlatform(c.platform).healthCheckIntervalSeconds).toBe(30);
    expect(c.slo.latencyP95Ms).toBe(300);
  });

  it("reads a deployment's newRevision.memoryMiB, each field optional, and names a bad one in one sentence", () => {
    const at = "2026-01-05T12:00:00Z";
    expect(DeploymentSchema.parse({ at }).newRevision).toBeUndefined();
    expect(
      DeploymentSchema.parse({ at, newRevision: { memoryMiB: { base: 1536 } } }).newRevision,
    ).toEqual({ memoryMiB: { base: 1536 } });
    const issue = (input: unknown) => {
      const r = SimulateConfigSchema.shape.deployments.safeParse([input], { reportInput: true });
      expect(r.success).toBe(false);
      const first = r.error!.issues[0]!;
      return formatZodIssue("sim.yaml", { ...first, path: ["deployments", ...first.path] });
    };
    expect(issue({ at, newRevision: { memoryMiB: { base: -1 } } })).toBe(
      "sim.yaml: deployments[0].newRevision.memoryMiB.base is -1: it must be at least 0.",
    );
    expect(issue({ at, newRevision: { memoryMiB: { perInflightRequest: "lots" } } })).toBe(
      'sim.yaml: deployments[0].newRevision.memoryMiB.perInflightRequest is "lots": newRevision.memoryMiB.perInflightRequest must be a number.',
    );
    expect(issue({ at, newRevision: { memoryMiB: { basis: 1536 } } })).toBe(
      "sim.yaml: deployments[0].newRevision.memoryMiB.basis is not a known field; remove it or fix the spelling.",
    );
  });
});
