/**
 * The configuration vocabulary: one zod schema per section, in AWS's own words where AWS
 * has a word. Every default comes from sim/vocab/defaults.ts (DEFAULTS), pinned by a test.
 *
 * `caplab schema` prints the JSON Schema generated from {@link SimulateConfigSchema}.
 */
import { z } from "zod";
import { TIMELINE_COLUMN_DESCRIPTIONS, TIMELINE_COLUMNS } from "./types.js";
import { ARCHITECTURES, CAPACITY_PROVIDERS, fargateSizeIssue, type PriceTable } from "./fargate.js";
import {
  DEPLOYMENT_DEFAULTS,
  GUARDRAIL_DEFAULTS,
  PLATFORM_DEFAULTS,
  SCALING_DEFAULTS,
  SERVICE_DEFAULTS,
  SLO_DEFAULTS,
  TASK_DEFAULTS,
  US_EAST_1_PRICES,
} from "./defaults.js";

export type PlatformParams = {
  -readonly [K in keyof typeof PLATFORM_DEFAULTS]: (typeof PLATFORM_DEFAULTS)[K] extends number
    ? number
    : (typeof PLATFORM_DEFAULTS)[K] extends boolean
      ? boolean
      : (typeof PLATFORM_DEFAULTS)[K];
};

const positive = (what: string) => z.number({ error: `${what} must be a number` }).positive();
const nonNegative = (what: string) => z.number({ error: `${what} must be a number` }).min(0);

export const PREDEFINED_METRIC_TYPES = [
  "ECSServiceAverageCPUUtilization",
  "ECSServiceAverageMemoryUtilization",
  "ALBRequestCountPerTarget",
  "ECSServiceAverageCPUUtilizationHighResolution",
  "ECSServiceAverageMemoryUtilizationHighResolution",
] as const;
export type PredefinedMetricType = (typeof PREDEFINED_METRIC_TYPES)[number];

/** Metrics the simulator publishes, by CloudWatch namespace and name. */
export const SIMULATED_METRICS = {
  "AWS/ECS": ["CPUUtilization", "MemoryUtilization"],
  "AWS/ApplicationELB": [
    "RequestCount",
    "RequestCountPerTarget",
    "TargetResponseTime",
    "HTTPCode_ELB_5XX_Count",
    "HTTPCode_Target_5XX_Count",
    "HealthyHostCount",
  ],
  "ECS/ContainerInsights": [
    "CpuUtilized",
    "MemoryUtilized",
    "RunningTaskCount",
    "DesiredTaskCount",
    "PendingTaskCount",
  ],
} as const;
export const STATISTICS = ["Average", "Sum", "Maximum", "Minimum", "SampleCount"] as const;
export type Statistic = (typeof STATISTICS)[number];

export const MetricSpecSchema = z
  .object({
    Namespace: z.string(),
    MetricName: z.string(),
    Statistic: z.enum(STATISTICS).default("Average"),
    Dimensions: z.array(z.object({ Name: z.string(), Value: z.string() })).optional(),
    Unit: z.string().optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const names = (SIMULATED_METRICS as Record<string, readonly string[]>)[m.Namespace];
    if (!names) {
      ctx.addIssue({
        code: "custom",
        path: ["Namespace"],
        message: `namespace "${m.Namespace}" is not simulated; use one of ${Object.keys(SIMULATED_METRICS).join(", ")}`,
      });
    } else if (!names.includes(m.MetricName)) {
      ctx.addIssue({
        code: "custom",
        path: ["MetricName"],
        message: `metric "${m.MetricName}" is not simulated in ${m.Namespace}; use one of ${names.join(", ")}`,
      });
    }
  });
export type MetricSpec = z.output<typeof MetricSpecSchema>;

export const TargetTrackingSchema = z
  .object({
    TargetValue: positive("TargetValue"),
    PredefinedMetricSpecification: z
      .object({
        PredefinedMetricType: z.enum(PREDEFINED_METRIC_TYPES),
        ResourceLabel: z.string().optional(),
      })
      .strict()
      .optional(),
    CustomizedMetricSpecification: MetricSpecSchema.optional(),
    ScaleOutCooldown: nonNegative("ScaleOutCooldown").default(SCALING_DEFAULTS.ScaleOutCooldown),
    ScaleInCooldown: nonNegative("ScaleInCooldown").default(SCALING_DEFAULTS.ScaleInCooldown),
    DisableScaleIn: z.boolean().default(SCALING_DEFAULTS.DisableScaleIn),
  })
  .strict()
  .refine(
    (p) =>
      (p.PredefinedMetricSpecification === undefined) !==
      (p.CustomizedMetricSpecification === undefined),
    {
      message: "give exactly one of PredefinedMetricSpecification or CustomizedMetricSpecification",
    },
  );
export type TargetTrackingConfiguration = z.output<typeof TargetTrackingSchema>;

/** CloudWatch's TreatMissingData values (PutMetricAlarm); `missing` is CloudWatch's default. */
export const TREAT_MISSING_DATA = ["missing", "ignore", "breaching", "notBreaching"] as const;
export type TreatMissingData = (typeof TREAT_MISSING_DATA)[number];

export const COMPARISON_OPERATORS = [
  "GreaterThanThreshold",
  "GreaterThanOrEqualToThreshold",
  "LessThanThreshold",
  "LessThanOrEqualToThreshold",
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** The CloudWatch alarm a step-scaling policy is attached to (you own it, unlike TT alarms). */
export const StepAlarmSchema = z
  .object({
    AlarmName: z.string().optional(),
    Metric: MetricSpecSchema,
    Threshold: z.number(),
    ComparisonOperator: z.enum(COMPARISON_OPERATORS),
    /** Period in seconds: 60 or 20 (20 only for AWS/ECS CPU/memory). */
    Period: z.union([z.literal(20), z.literal(60)]).default(60),
    EvaluationPeriods: z.number().int().positive().default(1),
    DatapointsToAlarm: z.number().int().positive().optional(),
    /** How the alarm treats missing datapoints (PutMetricAlarm). @default "missing" */
    TreatMissingData: z.enum(TREAT_MISSING_DATA).default("missing"),
  })
  .strict()
  .refine((a) => (a.DatapointsToAlarm ?? a.EvaluationPeriods) <= a.EvaluationPeriods, {
    message: "DatapointsToAlarm must not be greater than EvaluationPeriods",
    path: ["DatapointsToAlarm"],
  });

export const StepScalingSchema = z
  .object({
    AdjustmentType: z.enum(["ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"]),
    StepAdjustments: z
      .array(
        z
          .object({
            MetricIntervalLowerBound: z.number().optional(),
            MetricIntervalUpperBound: z.number().optional(),
            ScalingAdjustment: z.number().int(),
          })
          .strict(),
      )
      .min(1),
    Cooldown: nonNegative("Cooldown").default(SCALING_DEFAULTS.StepCooldown),
    MetricAggregationType: z.enum(["Average", "Minimum", "Maximum"]).default("Average"),
    MinAdjustmentMagnitude: z.number().int().positive().optional(),
  })
  .strict();

export const PolicySchema = z
  .object({
    PolicyName: z.string().optional(),
    PolicyType: z.enum(["TargetTrackingScaling", "StepScaling"]).optional(),
    TargetTrackingScalingPolicyConfiguration: TargetTrackingSchema.optional(),
    StepScalingPolicyConfiguration: StepScalingSchema.optional(),
    /** caplab extension: the alarm that drives a step-scaling policy. */
    Alarm: StepAlarmSchema.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const tt = p.TargetTrackingScalingPolicyConfiguration !== undefined;
    const step = p.StepScalingPolicyConfiguration !== undefined;
    if (tt === step) {
      ctx.addIssue({
        code: "custom",
        message:
          "give exactly one of TargetTrackingScalingPolicyConfiguration or StepScalingPolicyConfiguration",
      });
    }
    if (step && p.Alarm === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["Alarm"],
        message: "a step-scaling policy needs an Alarm (Metric, Threshold, ComparisonOperator)",
      });
    }
  });
export type PolicyConfig = z.output<typeof PolicySchema>;

export const ScheduledActionSchema = z
  .object({
    ScheduledActionName: z.string().optional(),
    /** `cron(minutes hours day-of-month month day-of-week year)` in UTC, or `at(yyyy-mm-ddThh:mm:ss)`. */
    Schedule: z.string().regex(/^(cron|at)\(.+\)$/, {
      message: 'Schedule must look like "cron(0 8 ? * MON-FRI *)" or "at(2026-01-01T08:00:00)"',
    }),
    ScalableTargetAction: z
      .object({
        MinCapacity: z.number().int().min(0).optional(),
        MaxCapacity: z.number().int().min(0).optional(),
      })
      .strict(),
  })
  .strict();
export type ScheduledActionConfig = z.output<typeof ScheduledActionSchema>;

export const ScalingSchema = z
  .object({
    MinCapacity: z.number().int().min(0),
    MaxCapacity: z.number().int().positive(),
    /** Desired count at the start of the trace. @default enough tasks for the first 10 minutes at 50 % CPU, within Min/Max */
    DesiredCount: z.number().int().min(0).optional(),
    policies: z.array(PolicySchema).default([]),
    scheduledActions: z.array(ScheduledActionSchema).default([]),
  })
  .strict()
  .refine((s) => s.MinCapacity <= s.MaxCapacity, {
    message: "MinCapacity must not be greater than MaxCapacity",
    path: ["MinCapacity"],
  });
export type ScalingConfig = z.output<typeof ScalingSchema>;

export const TaskSizeSchema = z
  .object({
    cpu: z.coerce.string(),
    memory: z.coerce.string(),
    architecture: z.enum(ARCHITECTURES).default(TASK_DEFAULTS.architecture),
    capacityProvider: z.enum(CAPACITY_PROVIDERS).default(TASK_DEFAULTS.capacityProvider),
  })
  .strict()
  .superRefine((t, ctx) => {
    const issue = fargateSizeIssue(t.cpu, t.memory);
    if (issue) ctx.addIssue({ code: "custom", message: issue.message, path: [issue.field] });
  });

export const ServiceModelSchema = z
  .object({
    /** vCPU-milliseconds of CPU work per request. */
    cpuMsPerRequest: positive("cpuMsPerRequest"),
    latencyMs: nonNegative("latencyMs").default(SERVICE_DEFAULTS.latencyMs),
    serviceTimeCv: nonNegative("serviceTimeCv").default(SERVICE_DEFAULTS.serviceTimeCv),
    idleCpuPercent: z.number().min(0).max(100).default(SERVICE_DEFAULTS.idleCpuPercent),
    timeoutSeconds: positive("timeoutSeconds").default(SERVICE_DEFAULTS.timeoutSeconds),
    memoryMiB: z
      .object({
        base: nonNegative("memoryMiB.base"),
        perInflightRequest: nonNegative("memoryMiB.perInflightRequest").default(0),
      })
      .strict(),
  })
  .strict();
export type ServiceModel = z.output<typeof ServiceModelSchema>;

export const PlatformSchema = z
  .object({
    schedulingDelaySeconds: nonNegative("schedulingDelaySeconds"),
    launchSeconds: nonNegative("launchSeconds"),
    appStartSeconds: nonNegative("appStartSeconds"),
    healthCheckIntervalSeconds: z.number().min(5).max(300),
    newTargetHealthyChecks: z.number().int().min(1).max(10),
    healthCheckTimeoutSeconds: z.number().min(2).max(120),
    unhealthyThresholdCount: z.number().int().min(2).max(10),
    healthyThresholdCount: z.number().int().min(2).max(10),
    healthCheckGracePeriodSeconds: z.number().int().min(0).max(2147483647),
    overloadFailsHealthChecks: z.boolean(),
    maximumPercent: z.number().int().min(100).max(1000),
    slowStartSeconds: z
      .number()
      .min(0)
      .max(900)
      .refine((v) => v === 0 || v >= 30, {
        message: "slowStartSeconds must be 0 (off) or between 30 and 900",
      }),
    deregistrationDelaySeconds: z.number().min(0).max(3600),
    drainingEndsWhenIdle: z.boolean(),
    loadBalancingAlgorithm: z.enum(["round_robin", "least_outstanding_requests"]),
    metricPublicationDelaySeconds: nonNegative("metricPublicationDelaySeconds"),
    highResolutionPublicationDelaySeconds: nonNegative("highResolutionPublicationDelaySeconds"),
    highResolutionScaleOutDatapoints: z.number().int().positive(),
    highResolutionScaleInDatapoints: z.number().int().positive(),
    alarmEvaluationRangeExtraPeriods: z.number().int().min(0).max(60),
    highResolutionAlarmEvaluationRangeExtraPeriods: z.number().int().min(0).max(180),
    capacityFormulaDatapoint: z.enum(["latest", "mean"]),
    scaleInBlockedAfterScaleOut: z.boolean(),
    deploymentSurgeInRunningCount: z.boolean(),
    requestCountPerTargetDivisor: z.enum(["healthy", "registered"]),
    zeroTrafficIsMissingData: z.boolean(),
    drainingTasksInServiceMetrics: z.boolean(),
    fargateLaunchesPerSecond: positive("fargateLaunchesPerSecond"),
    oomReplacementDelaySeconds: nonNegative("oomReplacementDelaySeconds"),
    oomModel: z.enum(["poisson", "meanTask"]),
  })
  .strict()
  .partial();

export const PricesSchema = z
  .object({
    x86VcpuHour: nonNegative("x86VcpuHour"),
    x86GbHour: nonNegative("x86GbHour"),
    armVcpuHour: nonNegative("armVcpuHour"),
    armGbHour: nonNegative("armGbHour"),
    spotDiscount: z.number().min(0).max(1),
    minimumBilledSeconds: nonNegative("minimumBilledSeconds"),
  })
  .strict()
  .partial();

export const SloSchema = z
  .object({
    latencyP95Ms: positive("latencyP95Ms").default(SLO_DEFAULTS.latencyP95Ms),
    errorRatePercent: z.number().min(0).max(100).default(SLO_DEFAULTS.errorRatePercent),
    violationBudgetPercent: z.number().min(0).max(100).default(SLO_DEFAULTS.violationBudgetPercent),
  })
  .strict();
export type Slo = z.output<typeof SloSchema>;

/** Where the trace comes from: a file (CSV or trace bundle) or the embedded generator. */
export const TraceSourceSchema = z
  .object({
    /** Path to a CSV (time + count columns) relative to the config file. */
    file: z.string().optional(),
    /** Generate the embedded default week instead of reading a file. */
    generate: z.literal("default-week").optional(),
    timeColumn: z.string().optional(),
    valueColumn: z.string().optional(),
    /** Multiplier on the counts. @default 1 */
    scale: positive("scale").default(1),
    /** Window start (ISO 8601). */
    from: z.string().optional(),
    /** Window end, exclusive (ISO 8601). */
    to: z.string().optional(),
    /** Seed for the generator. @default 1 */
    seed: z.number().int().default(1),
  })
  .strict()
  .refine((t) => (t.file === undefined) !== (t.generate === undefined), {
    message: 'give exactly one of "file" or "generate"',
  });
export type TraceSource = z.output<typeof TraceSourceSchema>;

export const DEPLOYMENT_STRATEGIES = ["rolling", "blue-green", "linear", "canary"] as const;
export type DeploymentStrategy = (typeof DEPLOYMENT_STRATEGIES)[number];
export const THRESHOLD_TYPES = ["COUNT", "BOUNDED_PERCENT", "UNBOUNDED_PERCENT"] as const;

/** The fields of one deployment (DeploymentSchema; gate.yaml's `deployment` adds its own). */
export const DEPLOYMENT_FIELDS = {
  /** When the deployment starts (ISO 8601, inside the trace). */
  at: z
    .string({ error: "at must be an ISO 8601 time such as 2026-01-05T12:00:00Z" })
    .refine((v) => Number.isFinite(Date.parse(v)), {
      message: "at must be an ISO 8601 time such as 2026-01-05T12:00:00Z",
    }),
  strategy: z.enum(DEPLOYMENT_STRATEGIES).default("rolling"),
  minimumHealthyPercent: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(DEPLOYMENT_DEFAULTS.minimumHealthyPercent),
  maximumPercent: z.number().int().min(100).max(1000).default(DEPLOYMENT_DEFAULTS.maximumPercent),
  deploymentCircuitBreaker: z
    .object({
      enable: z.boolean(),
      rollback: z.boolean().default(DEPLOYMENT_DEFAULTS.rollback),
      resetOnHealthyTask: z.boolean().default(DEPLOYMENT_DEFAULTS.resetOnHealthyTask),
      thresholdConfiguration: z
        .object({
          type: z.enum(THRESHOLD_TYPES),
          value: z.number().int().positive(),
        })
        .strict()
        .default({
          type: DEPLOYMENT_DEFAULTS.thresholdType,
          value: DEPLOYMENT_DEFAULTS.thresholdValue,
        }),
    })
    .strict()
    .optional(),
  bakeTimeInMinutes: z
    .number()
    .int()
    .min(0)
    .max(1440)
    .default(DEPLOYMENT_DEFAULTS.bakeTimeInMinutes),
  linearConfiguration: z
    .object({
      stepPercent: z.number().min(3).max(100).default(DEPLOYMENT_DEFAULTS.stepPercent),
      stepBakeTimeInMinutes: z
        .number()
        .int()
        .min(0)
        .max(1440)
        .default(DEPLOYMENT_DEFAULTS.stepBakeTimeInMinutes),
    })
    .strict()
    .default({
      stepPercent: DEPLOYMENT_DEFAULTS.stepPercent,
      stepBakeTimeInMinutes: DEPLOYMENT_DEFAULTS.stepBakeTimeInMinutes,
    }),
  canaryConfiguration: z
    .object({
      canaryPercent: z.number().min(0.1).max(100).default(DEPLOYMENT_DEFAULTS.canaryPercent),
      canaryBakeTimeInMinutes: z
        .number()
        .int()
        .min(0)
        .max(1440)
        .default(DEPLOYMENT_DEFAULTS.canaryBakeTimeInMinutes),
    })
    .strict()
    .default({
      canaryPercent: DEPLOYMENT_DEFAULTS.canaryPercent,
      canaryBakeTimeInMinutes: DEPLOYMENT_DEFAULTS.canaryBakeTimeInMinutes,
    }),
  /**
   * caplab: the new revision's tasks never pass the ALB health check (a broken image or
   * configuration): ECS stops each after UnhealthyThresholdCount failed checks and starts
   * another, and the circuit breaker, if on, counts them. @default false
   */
  failsHealthChecks: z.boolean().default(false),
  /**
   * caplab: how the revision it deploys differs from the one it replaces, in the service's words
   * (`service.memoryMiB`'s fields, each optional: the replaced revision's where left out). Its
   * tasks run with this memory (OOM kills, a base that does not fit, memory utilization); the old
   * revision's keep theirs, also after a rollback; after a completed deployment it is the
   * service's for the rest of the trace. @default the replaced revision's
   */
  newRevision: z
    .object({
      memoryMiB: z
        .object({
          base: nonNegative("newRevision.memoryMiB.base").optional(),
          perInflightRequest: nonNegative("newRevision.memoryMiB.perInflightRequest").optional(),
        })
        .strict()
        .optional(),
    })
    .strict()
    .optional(),
};

/** The rules across fields of a deployment. */
export function checkDeployment(
  d: { strategy: DeploymentStrategy; deploymentCircuitBreaker?: { enable: boolean } | undefined },
  ctx: z.RefinementCtx,
): void {
  if (d.strategy !== "rolling" && d.deploymentCircuitBreaker?.enable) {
    ctx.addIssue({
      code: "custom",
      path: ["deploymentCircuitBreaker"],
      message:
        "the deployment circuit breaker works with the rolling strategy only (ECS API, DeploymentCircuitBreaker); remove it or use strategy: rolling",
    });
  }
}

/**
 * One ECS deployment during the trace (`deployments:`), in the ECS API's words
 * (DeploymentConfiguration): a rolling update with its percents and circuit breaker, or ECS's
 * blue/green, linear or canary traffic shift with its bake times. Defaults:
 * DEPLOYMENT_DEFAULTS; the rules: sim/rules.ts; the model: sim/deploy.ts.
 */
export const DeploymentSchema = z.object(DEPLOYMENT_FIELDS).strict().superRefine(checkDeployment);
export type DeploymentConfig = z.output<typeof DeploymentSchema>;

/**
 * A service's deployment settings in `deployments:`'s words, as `caplab collect` records them
 * (manifest.current.deployment): the controller (`deploymentController.type`) and the
 * DeploymentConfiguration fields caplab models.
 */
export const DeploymentSettingsSchema = z
  .object({
    controller: z.enum(["ECS", "CODE_DEPLOY", "EXTERNAL"]),
    strategy: DEPLOYMENT_FIELDS.strategy,
    minimumHealthyPercent: DEPLOYMENT_FIELDS.minimumHealthyPercent,
    maximumPercent: DEPLOYMENT_FIELDS.maximumPercent,
    deploymentCircuitBreaker: DEPLOYMENT_FIELDS.deploymentCircuitBreaker,
    // (Only when AWS returns them: no default filled in.)
    bakeTimeInMinutes: DEPLOYMENT_FIELDS.bakeTimeInMinutes.unwrap().optional(),
    linearConfiguration: DEPLOYMENT_FIELDS.linearConfiguration.unwrap().optional(),
    canaryConfiguration: DEPLOYMENT_FIELDS.canaryConfiguration.unwrap().optional(),
  })
  .strict();
export type DeploymentSettings = z.output<typeof DeploymentSettingsSchema>;

/**
 * How much trace a verdict needs, and what is reported about gaps (analysis/trace-coverage.ts):
 * `plan` refuses a trace below `minTraceHours`; `simulate` judges it, but says so.
 */
export const GuardrailsSchema = z
  .object({
    minTraceHours: z.number().min(0).default(GUARDRAIL_DEFAULTS.minTraceHours),
    patternHours: z.number().min(0).default(GUARDRAIL_DEFAULTS.patternHours),
    longGapMinutes: z.number().positive().default(GUARDRAIL_DEFAULTS.longGapMinutes),
    minCoveragePercent: z.number().min(0).max(100).default(GUARDRAIL_DEFAULTS.minCoveragePercent),
  })
  .strict();
export type Guardrails = z.output<typeof GuardrailsSchema>;

/** `caplab simulate` config. */
export const SimulateConfigSchema = z
  .object({
    trace: TraceSourceSchema,
    service: ServiceModelSchema,
    task: TaskSizeSchema,
    scaling: ScalingSchema,
    platform: PlatformSchema.default({}),
    prices: PricesSchema.default({}),
    slo: SloSchema.default(SloSchema.parse({})),
    /** ECS deployments during the trace (sim/deploy.ts). @default [] */
    deployments: z.array(DeploymentSchema).default([]),
    /** Seed for everything random in the simulation. @default 1 */
    seed: z.number().int().default(1),
    /** How much trace the verdict needs, and what is reported about gaps: plan's guardrails. */
    guardrails: GuardrailsSchema.default(GuardrailsSchema.parse({})),
  })
  .strict();
export type SimulateConfig = z.output<typeof SimulateConfigSchema>;
export type TaskSizeConfig = z.output<typeof TaskSizeSchema>;

/** The inputs every candidate shares, from a simulate or plan config, defaults filled in. */
export function simulationContext(config: {
  readonly service: ServiceModel;
  readonly platform?: Partial<PlatformParams>;
  readonly prices?: Partial<PriceTable>;
  readonly slo: Slo;
  readonly seed: number;
}): {
  service: ServiceModel;
  platform: PlatformParams;
  prices: PriceTable;
  slo: Slo;
  seed: number;
} {
  return {
    service: config.service,
    platform: resolvePlatform(config.platform),
    prices: resolvePrices(config.prices),
    slo: config.slo,
    seed: config.seed,
  };
}

/** Platform parameters with defaults filled in. */
export function resolvePlatform(p: Partial<PlatformParams> = {}): PlatformParams {
  return { ...PLATFORM_DEFAULTS, ...stripUndefined(p) } as PlatformParams;
}

/** Price table with defaults filled in. */
export function resolvePrices(p: Partial<PriceTable> = {}): PriceTable {
  return { ...US_EAST_1_PRICES, ...stripUndefined(p) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * One row of `timeline.csv` (`caplab simulate`), column by column with what it holds
 * (`caplab schema --timeline` prints it). A row's task counts are all means over its step.
 */
export const TimelineRowSchema = z
  .object({
    time: z.string().describe("Start of the step, ISO 8601 UTC."),
    ...Object.fromEntries(
      TIMELINE_COLUMNS.map((c) => [c, z.number().describe(TIMELINE_COLUMN_DESCRIPTIONS[c])]),
    ),
  })
  .describe(
    "A row of timeline.csv: one trace step. Every task count (runningCount, healthyCount, drainingCount, pendingCount, desiredCount, minCapacity, maxCapacity) is the mean over the step; backlog is at the step's end.",
  );
