/**
 * The capacity-planning vocabulary: the candidate space in the config, and the plan result
 * that reports and snippets are built from.
 */
import { z } from "zod";
import {
  PlatformSchema,
  PREDEFINED_METRIC_TYPES,
  PricesSchema,
  ScalingSchema,
  ServiceModelSchema,
  SloSchema,
  TaskSizeSchema,
  TraceSourceSchema,
  type PredefinedMetricType,
} from "./config.js";
import { ARCHITECTURES, CAPACITY_PROVIDERS, type TaskSize } from "./fargate.js";
import { ROBUSTNESS_DEFAULTS, SPACE_DEFAULTS } from "./defaults.js";
import type { Candidate, Kpis, ScalingEvent, Timeline, Trace } from "./types.js";

export const SpaceSchema = z
  .object({
    /** Explicit task sizes; when absent, the Fargate menu between minCpu and maxCpu. */
    taskSizes: z
      .array(TaskSizeSchema)
      .min(1, { message: "taskSizes must list at least one size" })
      .optional(),
    minCpu: z.number().int().positive().default(SPACE_DEFAULTS.minCpu),
    maxCpu: z.number().int().positive().default(SPACE_DEFAULTS.maxCpu),
    memoryPerVcpuGiB: z
      .array(z.number().positive())
      .min(1)
      .default([...SPACE_DEFAULTS.memoryPerVcpuGiB]),
    architectures: z
      .array(z.enum(ARCHITECTURES))
      .min(1)
      .default([...SPACE_DEFAULTS.architectures]),
    capacityProviders: z
      .array(z.enum(CAPACITY_PROVIDERS))
      .min(1)
      .default([...SPACE_DEFAULTS.capacityProviders]),
    metrics: z
      .array(z.enum(PREDEFINED_METRIC_TYPES))
      .min(1)
      .default([...SPACE_DEFAULTS.metrics]),
    utilizationTargets: z
      .array(z.number().positive().max(100))
      .min(1)
      .default([...SPACE_DEFAULTS.utilizationTargets]),
    /** Explicit ALBRequestCountPerTarget targets (requests per target per minute); overrides the fractions. */
    requestCountTargets: z.array(z.number().positive()).min(1).optional(),
    requestCountTargetFractions: z
      .array(z.number().positive().max(1))
      .min(1)
      .default([...SPACE_DEFAULTS.requestCountTargetFractions]),
    MinCapacity: z
      .array(z.number().int().min(0))
      .min(1)
      .default([...SPACE_DEFAULTS.MinCapacity]),
    /** MaxCapacity values; when absent, one per task size, large enough for the trace's peak at 30 % CPU. */
    MaxCapacity: z.array(z.number().int().positive()).min(1).optional(),
    ScaleOutCooldown: z
      .array(z.number().min(0))
      .min(1)
      .default([...SPACE_DEFAULTS.ScaleOutCooldown]),
    ScaleInCooldown: z
      .array(z.number().min(0))
      .min(1)
      .default([...SPACE_DEFAULTS.ScaleInCooldown]),
    /** Optional scheduled minimums: raise MinCapacity during these UTC hours every day. */
    scheduledMinimums: z
      .array(
        z
          .object({
            fromHourUtc: z.number().int().min(0).max(23),
            toHourUtc: z.number().int().min(1).max(24),
            MinCapacity: z.number().int().min(0),
          })
          .strict(),
      )
      .optional(),
  })
  .strict()
  .refine((s) => s.minCpu <= s.maxCpu, {
    message: "minCpu must not be greater than maxCpu",
    path: ["minCpu"],
  });
export type SpaceConfig = z.output<typeof SpaceSchema>;

export const RobustnessSchema = z
  .object({
    /** How many of the best candidates are re-run under perturbations, at least. @default 5 */
    topK: z.number().int().min(0).default(ROBUSTNESS_DEFAULTS.topK),
    /**
     * Perturbations (of the 5) a candidate must stay within the SLO under to be recommended:
     * the pick is the cheapest candidate that does. @default 3 (a majority; a caplab choice)
     */
    minPassed: z.number().int().min(0).default(ROBUSTNESS_DEFAULTS.minPassed),
    /**
     * When none of the best `topK` passes `minPassed`, candidates further down the ranking are
     * checked, up to this many in all; if none passes, the one that passes the most is picked
     * and the report says so. @default 25
     */
    maxChecked: z.number().int().min(0).default(ROBUSTNESS_DEFAULTS.maxChecked),
  })
  .strict()
  .refine((r) => r.maxChecked >= r.topK, {
    message: "maxChecked must be at least topK; raise maxChecked or lower topK",
    path: ["maxChecked"],
  });

/** `caplab plan` config: the simulate config's context, an optional current setting, and a space. */
export const PlanConfigSchema = z
  .object({
    trace: TraceSourceSchema,
    service: ServiceModelSchema,
    platform: PlatformSchema.default({}),
    prices: PricesSchema.default({}),
    slo: SloSchema.default(SloSchema.parse({})),
    seed: z.number().int().default(1),
    /** The service's current settings, to compare against. */
    current: z.object({ task: TaskSizeSchema, scaling: ScalingSchema }).strict().optional(),
    space: SpaceSchema.default(SpaceSchema.parse({})),
    robustness: RobustnessSchema.default(RobustnessSchema.parse({})),
    /** Names used in snippets. */
    service_name: z.string().default("my-service"),
    cluster_name: z.string().default("my-cluster"),
  })
  .strict();
export type PlanConfig = z.output<typeof PlanConfigSchema>;

/** One point of the space, with what it is for labels and charts. */
export interface PlanCandidate extends Candidate {
  readonly id: number;
  /** The policy's metric, or "none" for a fixed-capacity candidate. */
  readonly metric: PredefinedMetricType | "none";
  readonly targetValue: number;
  readonly label: string;
}

/**
 * Why and when a sweep stopped simulating a candidate early (sim/prune.ts): it could no longer
 * change the plan's Pareto front, ranking, lists or pick.
 */
export interface PrunedAt {
  /** The last step simulated (0-based). */
  readonly step: number;
  /**
   * `cannot-meet-slo`: its violating minutes or failed requests already pass what the SLO allows;
   * `beyond-reach`: it already costs more than the best candidates the plan looks at.
   */
  readonly reason: "cannot-meet-slo" | "beyond-reach";
  /** Id of a finished candidate that dominates it (as cheap or cheaper, with as few or fewer SLO minutes). */
  readonly dominatedBy: number;
}

export interface CandidateOutcome {
  readonly candidate: PlanCandidate;
  /** Its figures; for a pruned candidate, those at the step it was stopped (lower bounds). */
  readonly kpis: Kpis;
  /** Within the SLO: violation minutes within budget and error rate within its limit (false when pruned). */
  readonly meetsSlo: boolean;
  /** Set when the sweep stopped it early. */
  readonly pruned?: PrunedAt;
}

/** A perturbation applied to the trace, service or platform when checking robustness. */
export interface PerturbationOutcome {
  readonly name: string;
  readonly kpis: Kpis;
  readonly meetsSlo: boolean;
  /** Violation-minute budget left (negative = over budget). */
  readonly marginMinutes: number;
}

export interface RobustnessOutcome {
  readonly candidateId: number;
  readonly perturbations: readonly PerturbationOutcome[];
  /** Perturbations under which the candidate stays within the SLO. */
  readonly passed: number;
}

/** A simulated run kept in full for the report. */
export interface SimulatedRun {
  readonly candidate: PlanCandidate;
  readonly kpis: Kpis;
  readonly timeline: Timeline;
  readonly events: readonly ScalingEvent[];
}

export interface PlanResult {
  readonly trace: Trace;
  readonly outcomes: readonly CandidateOutcome[];
  /** Candidate ids on the cost-vs-SLO-minutes Pareto front, cheapest first. */
  readonly pareto: readonly number[];
  readonly robustness: readonly RobustnessOutcome[];
  /** The pick; null when no candidate meets the SLO. */
  readonly recommended: SimulatedRun | null;
  readonly current: SimulatedRun | null;
  /** Why the pick was made, in sentences for people. */
  readonly reasons: readonly string[];
  readonly slo: {
    readonly latencyP95Ms: number;
    readonly errorRatePercent: number;
    readonly violationBudgetMinutes: number;
  };
}

/** Size key used in charts, e.g. "1024/2048 X86_64 FARGATE". */
export function sizeKey(t: TaskSize): string {
  return `${t.cpu}/${t.memory} ${t.architecture} ${t.capacityProvider}`;
}
