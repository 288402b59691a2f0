/**
 * The phases of the pipeline, each with its own type (STYLE.md point 2):
 *
 *   RawMetricSeries (timestamps, may have gaps)
 *     → Trace (fixed step, gaps explicit)
 *     → Timeline (one row per step of a simulated service)
 *     → Kpis (one row per candidate)
 *     → report specs.
 */
import type {
  DeploymentConfig,
  PlatformParams,
  ScalingConfig,
  ServiceModel,
  Slo,
} from "./config.js";
import type { PriceTable, TaskSize } from "./fargate.js";
import type { TraceCoverage } from "./plan.js";

/** Timestamped observations as read from a file or an API; unordered, may repeat or skip. */
export interface RawMetricSeries {
  /** Where it came from (file path, metric id), for messages. */
  readonly source: string;
  /** Epoch milliseconds. */
  readonly times: readonly number[];
  readonly values: readonly number[];
}

/** Requests per fixed step. A step without data is flagged in `gap` and holds 0 requests. */
export interface Trace {
  readonly source: string;
  /** Epoch milliseconds of the first step's start. */
  readonly startMs: number;
  /** Step length in seconds (1 s to 300 s). */
  readonly stepSeconds: number;
  /** Requests arriving in each step. */
  readonly requests: Float64Array;
  /** 1 where the source had no data for the step (the step holds 0 requests). */
  readonly gap: Uint8Array;
}

/** Everything the simulator needs besides the trace: one candidate configuration. */
export interface Candidate {
  readonly task: TaskSize;
  readonly scaling: ScalingConfig;
  /** ECS deployments during the trace, in time order (none: the common case, at no cost). */
  readonly deployments?: readonly DeploymentPlan[];
}

/** A deployment of the simulate config's `deployments:`, its time resolved (sim/deploy.ts). */
export type DeploymentPlan = Omit<DeploymentConfig, "at"> & {
  /** Seconds from the trace's start. */
  readonly atSeconds: number;
};

/** Inputs that stay the same across candidates. */
export interface SimulationContext {
  readonly service: ServiceModel;
  readonly platform: PlatformParams;
  readonly prices: PriceTable;
  readonly slo: Slo;
  /** Seed for every random draw (none in the default model; used by noise options). */
  readonly seed: number;
}

/** Names of the per-step columns of a Timeline, in CSV order. */
export const TIMELINE_COLUMNS = [
  "requests",
  "servedRequests",
  "failedRequests",
  "backlog",
  "desiredCount",
  "runningCount",
  "healthyCount",
  "drainingCount",
  "pendingCount",
  "minCapacity",
  "maxCapacity",
  "cpuUtilization",
  "memoryUtilization",
  "requestCountPerTarget",
  "latencyP50Ms",
  "latencyP95Ms",
  "latencyP99Ms",
  "costUsd",
] as const;
export type TimelineColumn = (typeof TIMELINE_COLUMNS)[number];

/**
 * Columns a Timeline adds when the run has deployments (timeline.csv appends them after
 * {@link TIMELINE_COLUMNS}). PRIMARY and ACTIVE are ECS's words for a service's deployments: the
 * most recent one, and older ones whose tasks are being replaced.
 */
export const DEPLOYMENT_COLUMNS = [
  "primaryRunningCount",
  "activeRunningCount",
  "primaryTrafficPercent",
] as const;
export type DeploymentColumn = (typeof DEPLOYMENT_COLUMNS)[number];
export const DEPLOYMENT_COLUMN_DESCRIPTIONS: Readonly<Record<DeploymentColumn, string>> = {
  primaryRunningCount:
    "Tasks of the PRIMARY revision (the latest deployment's; after a rollback, the one rolled back to) RUNNING and not draining, mean over the step.",
  activeRunningCount:
    "Tasks of the older (ACTIVE) revisions RUNNING and not draining, mean over the step; primaryRunningCount + activeRunningCount = runningCount.",
  primaryTrafficPercent:
    "Share of the requests the PRIMARY revision's tasks take, percent (blue/green, linear and canary move it by listener weights; rolling: its share of the healthy tasks).",
};

/**
 * What each Timeline column (and timeline.csv column) holds. One basis for the counts: every
 * task count, and desired, MinCapacity and MaxCapacity, is the mean over the step (task-seconds
 * ÷ step seconds, as Container Insights' 1-minute averages), so a count that changes inside a
 * step shows a fraction, and the counts of one row add up over the same time.
 */
export const TIMELINE_COLUMN_DESCRIPTIONS: Readonly<Record<TimelineColumn, string>> = {
  requests: "Requests arriving in the step (from the trace).",
  servedRequests: "Requests answered in the step, including queued ones from earlier steps.",
  failedRequests:
    "Requests that failed in the step: no healthy target (503), timed out in a queue, or lost with a task killed for running out of memory.",
  backlog:
    "Requests queued on the tasks at the end of the step (the one count not averaged): served + failed + backlog change = requests, at every step.",
  desiredCount: "The service's desired count, mean over the step.",
  runningCount:
    "Tasks RUNNING and not draining (serving, or started and waiting for their first passing health check), mean over the step.",
  healthyCount:
    "Tasks taking traffic, mean over the step; a task in ALB slow start counts by its share of traffic. Never more than runningCount.",
  drainingCount:
    "Deregistered tasks still RUNNING (and billed) during the deregistration delay, mean over the step; add it to runningCount for ECS's RUNNING count.",
  pendingCount:
    "Tasks started but not yet RUNNING (scheduling, provisioning, image pull), mean over the step.",
  minCapacity: "The scalable target's MinCapacity, mean over the step (scheduled actions move it).",
  maxCapacity: "The scalable target's MaxCapacity, mean over the step.",
  cpuUtilization:
    "AWS/ECS CPUUtilization: CPU used ÷ CPU of the tasks RUNNING in the step (task-seconds, draining included unless drainingTasksInServiceMetrics is false), percent.",
  memoryUtilization:
    "AWS/ECS MemoryUtilization: memory used ÷ memory of the tasks RUNNING in the step (draining included unless drainingTasksInServiceMetrics is false), percent.",
  requestCountPerTarget:
    "Requests per healthy target per minute (the ALB metric's unit, scaled from the step length).",
  latencyP50Ms:
    "Median response time of the step's served requests, ms (empty when requests arrived and none was served).",
  latencyP95Ms: "95th percentile response time, ms.",
  latencyP99Ms: "99th percentile response time, ms.",
  costUsd:
    "USD billed for the step (Fargate per-second billing, one-minute minimum); never negative.",
};

/**
 * One row per trace step (TIMELINE_COLUMN_DESCRIPTIONS says what each column holds). Units:
 * requests are counts per step; task counts are means over the step; utilizations are percent
 * of the task's CPU / memory (service average over running tasks, as AWS/ECS reports it);
 * requestCountPerTarget is requests per healthy target per minute (the ALB metric's unit,
 * scaled from the step length); latencies are milliseconds; cost is USD billed in the step.
 */
export type Timeline = {
  readonly startMs: number;
  readonly stepSeconds: number;
  readonly length: number;
  /** Present when the run has deployments ({@link DEPLOYMENT_COLUMNS}). */
  readonly deployment?: { readonly [K in DeploymentColumn]: Float64Array };
} & { readonly [K in TimelineColumn]: Float64Array };

/** Why an alarm acted: the datapoints it saw and the threshold. */
export interface AlarmEvidence {
  readonly alarm: string;
  readonly threshold: number;
  readonly comparison: "above" | "below";
  /** The evaluated datapoints, oldest first. */
  readonly datapoints: readonly number[];
}

/** Scaling events, each with its reason, for reports and tests. */
export type ScalingEvent =
  | {
      readonly kind: "scale-out" | "scale-in";
      readonly timeMs: number;
      readonly step: number;
      readonly policy: string;
      readonly from: number;
      readonly to: number;
      readonly evidence: AlarmEvidence | null;
      readonly reason: string;
    }
  | {
      readonly kind: "blocked-by-cooldown";
      readonly timeMs: number;
      readonly step: number;
      readonly policy: string;
      readonly wanted: number;
      readonly current: number;
      readonly cooldown: "ScaleOutCooldown" | "ScaleInCooldown" | "Cooldown";
      readonly untilMs: number;
      readonly reason: string;
    }
  | {
      readonly kind: "scale-in-withheld";
      readonly timeMs: number;
      readonly step: number;
      readonly policy: string;
      readonly reason: string;
    }
  | {
      readonly kind: "insufficient-data";
      readonly timeMs: number;
      readonly step: number;
      readonly policy: string;
      readonly reason: string;
    }
  | {
      readonly kind: "scheduled-action";
      readonly timeMs: number;
      readonly step: number;
      readonly name: string;
      readonly MinCapacity: number;
      readonly MaxCapacity: number;
      readonly reason: string;
    }
  | {
      /**
       * OOM kills; ALB health checks an overloaded task fails or passes again; ECS replacing
       * unhealthy tasks (sim/MODEL-AUDIT.md O5).
       */
      readonly kind: "oom-kill" | "target-unhealthy" | "target-healthy" | "unhealthy-task-replaced";
      readonly timeMs: number;
      readonly step: number;
      readonly tasks: number;
      readonly reason: string;
    }
  | {
      /** ECS deployments (sim/deploy.ts): each with the deployment's index in `deployments:`. */
      readonly kind:
        | "deployment-started"
        | "tasks-replaced"
        | "scale-in-suspended"
        | "deployment-stuck"
        | "rollback"
        | "deployment-completed";
      readonly timeMs: number;
      readonly step: number;
      readonly deployment: number;
      readonly strategy: string;
      /** Tasks started and stopped (tasks-replaced), or failed (rollback). */
      readonly tasks?: number;
      readonly reason: string;
    };
export type ScalingEventKind = ScalingEvent["kind"];

/** Key figures of one simulated run. */
export interface Kpis {
  /** USD for the whole trace. */
  readonly costUsd: number;
  /** USD per 730-hour month at the trace's average rate. */
  readonly monthlyCostUsd: number;
  /** Minutes whose p95 latency or error rate broke the SLO. */
  readonly sloViolationMinutes: number;
  /** Minutes in the trace: its span, gaps included (cost and the monthly rate run over it). */
  readonly minutes: number;
  /**
   * Minutes with data: the span less its gaps (`trace.gap`), in the SLO's minutes (a minute of
   * sub-minute steps counts when any of its steps has data). The SLO's violation budget is a
   * share of these, not of the span: a gap is replayed as zero traffic and can never violate.
   */
  readonly dataMinutes: number;
  readonly totalRequests: number;
  readonly failedRequests: number;
  /** Failed over total requests, percent. */
  readonly errorRatePercent: number;
  /** Request-weighted mean of per-step p95 latency, ms. */
  readonly meanP95LatencyMs: number;
  /** Worst per-minute p95 latency, ms. */
  readonly worstP95LatencyMs: number;
  /**
   * Most and fewest running tasks in a step: the timeline's runningCount, a mean over the step,
   * so not a whole number (27.3 says that some moment of that step ran more than 27). Reports
   * print the desired counts below as the task range, and these only as a mean's bounds.
   */
  readonly maxTasks: number;
  readonly minTasks: number;
  /**
   * Most and fewest tasks desired at any moment of the run (ECS's desired count, as Application
   * Auto Scaling and scheduled actions set it): whole numbers, each held for some time within the
   * run. Absent from Kpis written before they were added (a summary.json read back).
   */
  readonly maxDesiredCount?: number;
  readonly minDesiredCount?: number;
  /** Time-weighted mean of running tasks, draining ones included. */
  readonly meanTasks: number;
  /** Scale-out plus scale-in actions. */
  readonly scalingActions: number;
  readonly peakCpuUtilization: number;
  readonly meanCpuUtilization: number;
  readonly peakMemoryUtilization: number;
  /** 100 − the 99th percentile of per-step CPU utilization: spare CPU at busy times. */
  readonly cpuHeadroomPercent: number;
  /** Tasks killed for running out of memory (an expected value: oomModel "poisson" kills shares). */
  readonly oomKills: number;
  /** One per deployment of the run, in order (absent without deployments). */
  readonly deployments?: readonly DeploymentKpis[];
}

/**
 * What one deployment cost, over its window: from its start until the last task of the revisions
 * it replaced stopped (drained), or the trace's end.
 */
export interface DeploymentKpis {
  /** Seconds from the trace's start. */
  readonly startSeconds: number;
  readonly strategy: string;
  /** "completed"; "rolled-back" or "failed" (the circuit breaker, with or without rollback); "stuck" (the percents allow no progress) or "unfinished" at the trace's end. */
  readonly outcome: "completed" | "rolled-back" | "failed" | "stuck" | "unfinished";
  /** Minutes from the start until its traffic and tasks were all on one revision (completed or rolled back). */
  readonly durationMinutes: number;
  /** Minutes of the window (the duration plus the replaced tasks' draining). */
  readonly windowMinutes: number;
  /** Task-minutes billed in the window beyond the desired count: provisioning, starting, draining, both sets at once. */
  readonly extraTaskMinutes: number;
  /** The same in USD, at the old revision's task price. */
  readonly extraCostUsd: number;
  /** SLO-violating minutes in the window. */
  readonly sloViolationMinutes: number;
  /** Requests that failed in the window. */
  readonly failedRequests: number;
  /** Requests that arrived in the window. */
  readonly requests: number;
  /** Tasks of the new revision the circuit breaker counted as failed. */
  readonly failedTasks: number;
  /**
   * Minutes from the deployment's start to the circuit breaker's trip (absent when it did not trip): with
   * `rolled-back` or `failed`, and with `unfinished` (or `stuck`) when the rollback had not
   * finished at the trace's end.
   */
  readonly circuitBreakerTrippedMinutes?: number;
  /**
   * The revision it deployed, as the config gave it (`deployments[].newRevision`): written to
   * summary.json by `caplab simulate` for its report; the simulator leaves it out.
   */
  readonly newRevision?: {
    readonly memoryMiB?: { readonly base?: number; readonly perInflightRequest?: number };
  };
}

/** A parse result. */
export type Result<T, E = string> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/**
 * A `caplab simulate` output folder, read back (analysis/io/files/simulate-folder.ts reads it;
 * reports/simulate-report.ts lays it out).
 */
export interface SimulateOutput {
  readonly dir: string;
  readonly timeline: Timeline;
  readonly events: readonly ScalingEvent[];
  readonly kpis: Kpis;
  readonly trace: { readonly source: string; readonly stepSeconds: number } | null;
  /** The configuration simulated; null for a folder written before summary.json held it. */
  readonly task: TaskSize | null;
  readonly scaling: ScalingConfig | null;
  readonly slo: Slo | null;
  /**
   * How much trace the run rests on (analysis/trace-coverage.ts assessTrace, against the
   * simulate config's `guardrails:`, the defaults where it has none); null for a folder
   * written before summary.json held it.
   */
  readonly coverage: TraceCoverage | null;
}
