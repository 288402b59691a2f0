/**
 * The embedded default plan that `npm start` runs: a generated week of web traffic (daily
 * cycle, quieter weekend, noise, one flash spike; seeded) against an example service, with
 * a typical hand-picked current setting to compare with. No AWS account, no files needed.
 */
import type { z } from "zod";
import type { PlanConfigSchema } from "../sim/vocab/index.js";

/** The example service: a JSON API that spends 8 ms of CPU and 25 ms waiting per request. */
export const DEFAULT_PLAN_CONFIG: z.input<typeof PlanConfigSchema> = {
  trace: { generate: "default-week", seed: 1 },
  service: {
    cpuMsPerRequest: 8,
    latencyMs: 25,
    idleCpuPercent: 2,
    timeoutSeconds: 30,
    memoryMiB: { base: 350, perInflightRequest: 0.05 },
  },
  slo: { latencyP95Ms: 250, errorRatePercent: 0.1, violationBudgetPercent: 0.5 },
  current: {
    task: { cpu: "2048", memory: "4096" },
    scaling: {
      MinCapacity: 4,
      MaxCapacity: 40,
      policies: [
        {
          PolicyName: "cpu50",
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: 50,
            PredefinedMetricSpecification: {
              PredefinedMetricType: "ECSServiceAverageCPUUtilization",
            },
          },
        },
      ],
    },
  },
  service_name: "example-api",
  cluster_name: "example",
};
