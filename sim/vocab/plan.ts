/**
 * The capacity-planning vocabulary: the candidate space in the config, and the plan result
 * that reports and snippets are built from.
 */
import { z } from "zod";
import {
  GuardrailsSchema,
  PlatformSchema,
  PREDEFINED_METRIC_TYPES,
  PricesSchema,
  ScalingSchema,
  ServiceModelSchema,
  SloSchema,
  TaskSizeSchema,
  TraceSourceSchema,
  type Guardrails,
  type PredefinedMetricType,
} from "./config.js";
import { ARCHITECTURES, CAPACITY_PROVIDERS, type TaskSize } from "./fargate.js";
import { PARETO_DEFAULTS, ROBUSTNESS_DEFAULTS, SPACE_DEFAULTS } from "./defaults.js";
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
    /**
     * The availability floor: candidates with a lower MinCapacity are simulated and shown but
     * never picked (unless no candidate at or above it meets the SLO, which the report says).
     * 1 accepts a single task in one Availability Zone. @default 2 tasks
     */
    minTasksForAvailability: z
      .number()
      .int()
      .min(1)
      .default(SPACE_DEFAULTS.minTasksForAvailability),
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

/**
 * Compute Optimizer's performance-risk scale (`CurrentPerformanceRiskRatings`: veryLow, low,
 * medium, high; "Resources with a high or medium rating are at risk of not meeting the
 * performance needs of their workloads"), lowest first.
 */
export const RISK_RATINGS = ["very-low", "low", "medium", "high"] as const;
export type RiskRating = (typeof RISK_RATINGS)[number];

export const RobustnessSchema = z
  .object({
    /** How many of the best candidates are re-run under perturbations, at least. @default 5 */
    topK: z.number().int().min(0).default(ROBUSTNESS_DEFAULTS.topK),
    /**
     * The riskiest rating the pick may have: the pick is the cheapest candidate within the SLO
     * rated this or lower (see the README, "How the pick is made"). @default "low"
     */
    maxRisk: z.enum(RISK_RATINGS).default(ROBUSTNESS_DEFAULTS.maxRisk),
    /**
     * Perturbations (of the 7, 6 without the deployment one) a candidate must also stay within
     * the SLO under to be picked.
     * @default 0 (the risk rating decides; "low" already allows at most two mild misses)
     */
    minPassed: z.number().int().min(0).default(ROBUSTNESS_DEFAULTS.minPassed),
    /**
     * Candidates are checked in rank order until one is rated `maxRisk` or lower, up to this
     * many in all; if none is, the least risky of them is picked and the report says so.
     * @default 40
     */
    maxChecked: z.number().int().min(0).default(ROBUSTNESS_DEFAULTS.maxChecked),
    /**
     * The rolling percents the service deploys with, for the "deploy at the peak" perturbation
     * and the "when is it safe to deploy" chart (issue #16); `false` leaves both out.
     * @default the bundle's recorded deploymentConfiguration (`caplab collect`) when it is a
     * rolling ECS deployment, else ECS's defaults (100 / 200)
     */
    deployment: z
      .union([
        z.literal(false),
        z
          .object({
            minimumHealthyPercent: z.number().int().min(0).max(100),
            maximumPercent: z.number().int().min(100).max(1000),
          })
          .strict(),
      ])
      .optional(),
  })
  .strict()
  .refine((r) => r.maxChecked >= r.topK, {
    message: "maxChecked must be at least topK; raise maxChecked or lower topK",
    path: ["maxChecked"],
  });

export const ParetoSchema = z
  .object({
    /**
     * The cost-vs-SLO-minutes Pareto front is drawn over the candidates whose SLO-violating
     * minutes are at most this many times the violation budget: past twice the budget (the
     * default) a candidate is a bad miss, not a trade-off a planner takes, so it is off the
     * front, and the sweep stops it once its minutes pass the line (`far-from-slo`). At least 1;
     * null draws the front over every candidate, to see the cheap end of the curve (the sweep
     * then runs such candidates until a finished one dominates them). @default 2
     */
    maxBudgetMultiple: z
      .number()
      .min(1, {
        message: "maxBudgetMultiple must be at least 1 (the budget), or null for no limit",
      })
      .nullable()
      .default(PARETO_DEFAULTS.maxBudgetMultiple),
  })
  .strict();

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
    /** How far past the SLO's budget the Pareto front reaches (sim/search.ts, paretoFront). */
    pareto: ParetoSchema.default(ParetoSchema.parse({})),
    /** How much trace a plan needs, and what is reported about gaps. */
    guardrails: GuardrailsSchema.default(GuardrailsSchema.parse({})),
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
   * `cannot-meet-slo`: its violating minutes or failed requests already passed what the SLO
   * allows, enough finished candidates have fewer violating minutes, and one dominates it.
   * `out-of-reach`: it may meet the SLO, but enough finished candidates within the SLO at the
   * availability floor are cheaper than it can end up (`cheaperWithinSlo`) that the pick, its
   * neighbours, the robustness checks and the report's lists cannot reach it, and one dominates it.
   * `far-from-slo`: its violating minutes already passed the Pareto front's limit (`pareto.
   * maxBudgetMultiple` times the budget, twice by default), so it is off the front and cannot
   * meet the SLO, and enough finished candidates have fewer violating minutes; it needs no
   * dominating candidate.
   */
  readonly reason: "cannot-meet-slo" | "out-of-reach" | "far-from-slo";
  /**
   * Id of a finished candidate that dominates it (as cheap or cheaper, with as few or fewer SLO
   * minutes); absent for `far-from-slo`, which needs none.
   */
  readonly dominatedBy?: number;
  /**
   * For `out-of-reach`: how many finished candidates within the SLO at the availability floor
   * rank before it, whatever its final figures (at least the sweep's keepRanks).
   */
  readonly cheaperWithinSlo?: number;
}

export interface CandidateOutcome {
  readonly candidate: PlanCandidate;
  /** Its figures; for a pruned candidate, those at the step it was stopped (lower bounds). */
  readonly kpis: Kpis;
  /**
   * Within the SLO: violation minutes within budget and error rate within its limit (false when
   * pruned: a candidate stopped as `out-of-reach` is not known to miss it).
   */
  readonly meetsSlo: boolean;
  /** Set when the sweep stopped it early. */
  readonly pruned?: PrunedAt;
}

/**
 * How a candidate fares under a perturbation, by how badly it fails: within the SLO; a mild
 * miss (violating minutes within twice the budget, errors within twice the limit); a bad
 * miss; a breakdown (at least a quarter of the minutes violate the SLO).
 */
export const PERTURBATION_SEVERITIES = ["holds", "misses", "misses-badly", "breaks-down"] as const;
export type PerturbationSeverity = (typeof PERTURBATION_SEVERITIES)[number];

/**
 * What a robustness perturbation varies, so that a miss under it is weighed for what it says:
 * - "traffic": more of it, or a spike (the future may bring it);
 * - "service": the service or its platform (slower launches, costlier requests);
 * - "operations": something the team does to the service (a deployment at the peak);
 * - "model-reading": the other reading of a fact AWS does not document (a parameter marked
 *   unconfirmed in sim/MODEL-AUDIT.md), on the same traffic: a miss under it says that the
 *   outcome rests on which way AWS behaves, which no trace shows (sim/risk.ts rates it so).
 */
export const PERTURBATION_KINDS = ["traffic", "service", "operations", "model-reading"] as const;
export type PerturbationKind = (typeof PERTURBATION_KINDS)[number];

/** The fact a "model-reading" perturbation reads the other way. */
export interface ModelReading {
  readonly kind: "model-reading";
  /** The platform parameter it flips, e.g. "drainingTasksInServiceMetrics". */
  readonly parameter: string;
  /** Its row in sim/MODEL-AUDIT.md, e.g. "O9". */
  readonly audit: string;
  /** What AWS does not document, for people: "whether draining tasks count in …". */
  readonly fact: string;
}

/** What a perturbation varies (PERTURBATION_KINDS), with the fact when it is a model reading. */
export type PerturbationVaries =
  { readonly kind: Exclude<PerturbationKind, "model-reading"> } | ModelReading;

/** A perturbation applied to the trace, service or platform when checking robustness. */
export interface PerturbationOutcome {
  readonly name: string;
  /** What the perturbation varies: a miss under a model reading is a model risk (sim/risk.ts). */
  readonly varies: PerturbationVaries;
  readonly kpis: Kpis;
  readonly meetsSlo: boolean;
  /** Violation-minute budget left (negative = over budget). */
  readonly marginMinutes: number;
  readonly severity: PerturbationSeverity;
}

/** One reason behind a risk rating: what was measured, in a sentence, and what it weighs. */
export interface RiskFactor {
  readonly kind:
    | "misses-slo"
    | "slo-budget"
    | "error-budget"
    | "thin-margin"
    | "at-max-capacity"
    | "worst-minute"
    | "perturbation"
    | "model-reading"
    | "short-trace"
    | "thin-data";
  /** Points added to the candidate's risk score. */
  readonly points: number;
  /** The lowest rating this factor allows (a breakdown: medium). */
  readonly atLeast: RiskRating | null;
  /** For people, e.g. "uses 64 % of the SLO-minute budget (32 of 50.4 minutes)". */
  readonly reason: string;
  /**
   * The same in fewer words, for a table's cell under a sentence that says the rest (a
   * model-reading miss: what the reading is, once, under the robustness table). Absent: `reason`.
   */
  readonly brief?: string;
}

/** A candidate's risk rating, its score and every factor that raised it. */
export interface RiskAssessment {
  readonly rating: RiskRating;
  readonly points: number;
  /**
   * The factors that weigh (points > 0 or a floor), heaviest first: a floor that sets the rating
   * by itself, then by points, then lower floors.
   */
  readonly factors: readonly RiskFactor[];
  /** The worst minute of the base run: its p95 and its error rate (percent). */
  readonly worstMinute: { readonly p95Ms: number; readonly errorRatePercent: number };
}

export interface RobustnessOutcome {
  readonly candidateId: number;
  readonly perturbations: readonly PerturbationOutcome[];
  /** Perturbations under which the candidate stays within the SLO. */
  readonly passed: number;
  readonly risk: RiskAssessment;
}

/** A simulated run kept in full for the report. */
export interface SimulatedRun {
  readonly candidate: PlanCandidate;
  readonly kpis: Kpis;
  readonly timeline: Timeline;
  readonly events: readonly ScalingEvent[];
}

/** A candidate next to the pick: cheaper but riskier, or safer but dearer. */
export interface PlanNeighbour {
  readonly candidateId: number;
  readonly label: string;
  readonly monthlyCostUsd: number;
  /** Its monthly cost minus the pick's, USD (negative: cheaper). */
  readonly costDifferenceUsd: number;
  readonly rating: RiskRating;
  /** Its risk points (absent in plans written before it existed). */
  readonly points?: number;
  /** Its own risk factors (not the trace's, which are the pick's too), heaviest first, for people. */
  readonly reasons: readonly string[];
}

/** The availability floor and where the pick and the current setting stand. */
export interface PlanAvailability {
  /** space.minTasksForAvailability. */
  readonly floor: number;
  readonly recommendedMinCapacity: number | null;
  readonly currentMinCapacity: number | null;
  /** Candidates within the SLO left out of the pick for a MinCapacity below the floor. */
  readonly belowFloorMeetingSlo: number;
  /** No candidate at or above the floor met the SLO, so the pick is below it. */
  readonly pickBelowFloor: boolean;
}

/** A figure on which the pick is worse than the current setting. */
export interface WorseThanCurrent {
  readonly figure: "errorRatePercent" | "worstP95LatencyMs" | "sloViolationMinutes" | "MinCapacity";
  readonly current: number;
  readonly recommended: number;
}

/** How much trace the plan stands on: its span, gaps and coverage (analysis/trace-coverage.ts). */
export interface TraceCoverage {
  readonly steps: number;
  readonly stepSeconds: number;
  /** Steps with data (not gaps), in hours. */
  readonly coveredHours: number;
  readonly spanHours: number;
  /** Share of steps with data, percent. */
  readonly coveragePercent: number;
  /** Share of steps with at least one request, percent. */
  readonly activePercent: number;
  /** Runs of gap steps at least `guardrails.longGapMinutes` long. */
  readonly longGaps: readonly { readonly fromMs: number; readonly toMs: number }[];
  /** Share of steps inside those long gaps, percent. */
  readonly longGapPercent: number;
  readonly guardrails: Guardrails;
  /** Fewer covered hours than `minTraceHours`: refused unless --allow-short-trace. */
  readonly short: boolean;
  /** A span shorter than `patternHours`: a warning, and every rating low or higher. */
  readonly belowPattern: boolean;
  /** The plan went ahead on a short trace because --allow-short-trace was given. */
  readonly allowedShort: boolean;
  /** What to tell people about the data, one sentence each (empty when there is nothing to say). */
  readonly notes: readonly string[];
  /**
   * The trace's busiest hour (the 60 minutes with the most requests) and how much trace lies
   * before and after it; null without any request. Absent in plans written before it existed.
   */
  readonly busiestHour?: {
    readonly fromMs: number;
    readonly toMs: number;
    readonly requests: number;
    readonly leadHours: number;
    readonly tailHours: number;
  } | null;
  /**
   * What the data leaves unseen, as clauses for the risk rating: each keeps every rating at low
   * or above (risk factor "thin-data"). Absent in plans written before it existed.
   */
  readonly limits?: readonly TraceLimit[];
  /**
   * The config whose `guardrails:` were applied, when it is not a plan's (a simulate config:
   * its path as given), so that the notes name that file's field; absent for a plan's own, and
   * for the default guardrails of backtest, rightsize and the traffic verdict.
   */
  readonly guardrailsFrom?: string;
}

/** A weakness of the trace that keeps a rating off "very low" (analysis/trace-coverage.ts). */
export interface TraceLimit {
  readonly kind:
    "below-pattern" | "peak-at-start" | "peak-at-end" | "gap-near-peak" | "low-coverage";
  /** A clause, e.g. "the trace holds 2 days of data, under the 7 days of pattern a plan is meant for". */
  readonly reason: string;
}

export interface PlanResult {
  readonly trace: Trace;
  readonly outcomes: readonly CandidateOutcome[];
  /**
   * Candidate ids on the cost-vs-SLO-minutes Pareto front, cheapest first, drawn over the
   * candidates within `paretoLimit` (empty when none is).
   */
  readonly pareto: readonly number[];
  /**
   * How far the front reaches: `budgetMultiple` times the violation budget, i.e. at most
   * `maxMinutes` SLO-violating minutes (both null: over every candidate); `beyond`: candidates
   * known to lie past it (finished, or stopped with more minutes already), `unknown`: candidates
   * stopped early for another reason, which may lie past it too.
   */
  readonly paretoLimit: {
    readonly budgetMultiple: number | null;
    readonly maxMinutes: number | null;
    readonly beyond: number;
    readonly unknown: number;
  };
  /** Candidates re-run under perturbations, with their risk ratings, in the order checked. */
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
  /** The riskiest rating the pick was allowed (robustness.maxRisk). */
  readonly maxRisk: RiskRating;
  /** The pick's rating and reasons; null without a pick. */
  readonly risk: RiskAssessment | null;
  /** The current setting's rating (its robustness run too); null without a current setting. */
  readonly currentRisk: RiskAssessment | null;
  readonly neighbours: {
    /** The candidate ranked just before the pick, turned down for its risk. */
    readonly riskier: PlanNeighbour | null;
    /** The first candidate ranked after the pick with a lower rating. */
    readonly safer: PlanNeighbour | null;
  };
  readonly availability: PlanAvailability;
  /** Figures on which the pick is worse than the current setting (empty: none, or no current). */
  readonly worseThanCurrent: readonly WorseThanCurrent[];
  /** The trace's span, gaps and coverage; null when not assessed. */
  readonly coverage: TraceCoverage | null;
  /**
   * The SLO cost of a rolling deployment of the pick started at each hour of the trace's first
   * week, under each setting (sim/deploy-hours.ts); absent without a pick.
   */
  readonly deployHours?: readonly DeployHourOutcome[];
}

/** A deployment of the pick at one hour (sim/deploy-hours.ts). */
export interface DeployHourOutcome {
  /** The hour's start, epoch ms. */
  readonly startMs: number;
  /** The rolling setting, e.g. "100 % / 200 % (ECS defaults)". */
  readonly setting: string;
  /** SLO-violating minutes the deployment added. */
  readonly sloViolationMinutes: number;
  /** Failed requests it added. */
  readonly failedRequests: number;
  /** USD it added. */
  readonly extraCostUsd: number;
}

/** Size key used in charts, e.g. "1024/2048 X86_64 FARGATE". */
export function sizeKey(t: TaskSize): string {
  return `${t.cpu}/${t.memory} ${t.architecture} ${t.capacityProvider}`;
}
