/**
 * The JSON Schema of each config file, generated from the one zod schema in code and carrying
 * a description of every field (unit, default, source), which `caplab schema` prints and
 * editors show while a config is written (VS Code, JetBrains and the YAML language server read
 * `description` and `default`: https://json-schema.org/understanding-json-schema/reference/annotations).
 *
 * The descriptions live here, one table per section, beside each other as in the README's
 * config reference, and are attached through a zod metadata registry
 * (https://zod.dev/metadata) passed to `z.toJSONSchema`: the schemas themselves stay as they
 * are. A test checks that every property of every schema has a description, so a new field
 * needs one.
 */
import { z } from "zod";
import {
  MetricSpecSchema,
  PLATFORM_DEFAULTS,
  PlanConfigSchema,
  PlatformSchema,
  PolicySchema,
  PricesSchema,
  GuardrailsSchema,
  ParetoSchema,
  RobustnessSchema,
  ScalingSchema,
  ScheduledActionSchema,
  ServiceModelSchema,
  SimulateConfigSchema,
  DeploymentSchema,
  SloSchema,
  SpaceSchema,
  StepAlarmSchema,
  StepScalingSchema,
  TargetTrackingSchema,
  TaskSizeSchema,
  TimelineRowSchema,
  TraceSourceSchema,
  US_EAST_1_PRICES,
} from "../sim/vocab/index.js";
import { GateConfigSchema } from "./gate.js";

/** What a field's documentation holds: a description, and a default where the schema has none. */
interface FieldDoc {
  readonly description: string;
  readonly default?: unknown;
}

type Doc = string | FieldDoc;

/** The schemas `caplab schema` prints: a config file, or a row of `timeline.csv`. */
export const CONFIG_SCHEMA_KINDS = ["simulate", "plan", "gate", "timeline"] as const;
export type ConfigSchemaKind = (typeof CONFIG_SCHEMA_KINDS)[number];

/** The object schema inside optional, default, prefault, nullable and array wrappers. */
function objectIn(schema: z.ZodType): z.ZodObject {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodObject) return s;
    if (
      s instanceof z.ZodOptional ||
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodNullable
    )
      s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodArray) s = s.element as z.ZodType;
    else throw new Error(`config-schema: no object inside ${s.constructor.name}`);
  }
}

/** Attaches `docs` to the fields of `schema` (an object, or one wrapped) in `registry`. */
function describeFields(
  registry: z.core.$ZodRegistry<FieldDoc>,
  schema: z.ZodType,
  docs: Readonly<Record<string, Doc>>,
): void {
  const shape = objectIn(schema).shape as Record<string, z.ZodType>;
  for (const [field, doc] of Object.entries(docs)) {
    const fieldSchema = shape[field];
    if (fieldSchema === undefined) throw new Error(`config-schema: no field ${field}`);
    registry.add(fieldSchema, typeof doc === "string" ? { description: doc } : doc);
  }
}

/** `{ description, default }` for a field whose default is filled in outside the schema. */
const withDefault = (description: string, value: unknown): FieldDoc => ({
  description,
  default: value,
});

const P = PLATFORM_DEFAULTS;
const PRICES = US_EAST_1_PRICES;

/** The registry holding every description (a new one each call: no shared state). */
function configDocs(): z.core.$ZodRegistry<FieldDoc> {
  const r = z.registry<FieldDoc>();
  const section = (schema: z.ZodType, description: string) => r.add(schema, { description });

  describeFields(r, TraceSourceSchema, {
    file: "A CSV (time and count columns; .csv.gz too) or a trace bundle folder (caplab collect, import), relative to this config file.",
    generate: 'Generate the embedded example week instead of reading a file: "default-week".',
    timeColumn: "CSV: the time column (default: detected by name or content).",
    valueColumn: "CSV: the count column (default: detected by name or content).",
    scale: "Multiplier on the counts.",
    from: "Window start, ISO 8601 (default: the data's first step).",
    to: "Window end, exclusive, ISO 8601 (default: the end of the data's last step).",
    seed: "Seed of the generated week.",
  });
  describeFields(r, ServiceModelSchema, {
    cpuMsPerRequest:
      "vCPU-milliseconds of CPU work per request (required; caplab calibrate fits it).",
    latencyMs: "Non-CPU latency per request (database, downstream calls), ms.",
    serviceTimeCv:
      "Coefficient of variation of CPU time per request: 1 = exponential (M/M/c), else Allen–Cunneen.",
    idleCpuPercent: "CPU an idle task uses, percent of the task's CPU.",
    timeoutSeconds:
      "A request waiting longer than this fails as a 5xx, seconds (the ALB idle timeout is 60 s).",
    memoryMiB:
      "A task's memory: base + perInflightRequest × its requests in flight (queued or in service), MiB; a task past its memory is OOM-killed (platform.oomModel).",
  });
  describeFields(r, ServiceModelSchema.shape.memoryMiB, {
    base: "Memory of an idle task, MiB (required).",
    perInflightRequest: "Memory per request in flight, MiB.",
  });
  describeFields(r, TaskSizeSchema, {
    cpu: 'CPU units, as in a task definition ("256" … "16384"); only valid Fargate cpu/memory pairs.',
    memory: 'Memory, MiB, as in a task definition ("512" … "122880").',
    architecture: "runtimePlatform.cpuArchitecture: X86_64 or ARM64 (Graviton, cheaper per hour).",
    capacityProvider: "FARGATE or FARGATE_SPOT (priced at prices.spotDiscount off).",
  });
  describeFields(r, ScalingSchema, {
    MinCapacity: "The scalable target's MinCapacity: the fewest tasks.",
    MaxCapacity: "The scalable target's MaxCapacity: the most tasks.",
    DesiredCount:
      "Tasks at the trace's start (default: enough to serve the first ten minutes at 50 % CPU, within Min/Max: a service that has been running).",
    policies:
      "Scaling policies, as put-scaling-policy takes them: target tracking, or step scaling with its alarm.",
    scheduledActions: "Scheduled actions that change MinCapacity and MaxCapacity (UTC).",
  });
  describeFields(r, PolicySchema, {
    PolicyName: "The policy's name (shown in events and snippets).",
    PolicyType: "TargetTrackingScaling or StepScaling (default: from the configuration given).",
    TargetTrackingScalingPolicyConfiguration:
      "A target-tracking policy: 3 of 3 datapoints above TargetValue scale out, 15 of 15 below 90 % of it scale in.",
    StepScalingPolicyConfiguration: "A step-scaling policy, driven by its Alarm.",
    Alarm: "caplab's addition: the CloudWatch alarm that drives a step-scaling policy.",
  });
  describeFields(r, TargetTrackingSchema, {
    TargetValue:
      "The value of the metric the policy keeps the service at (percent for CPU and memory).",
    PredefinedMetricSpecification:
      "One of the metrics Application Auto Scaling predefines for ECS.",
    CustomizedMetricSpecification:
      "Or a metric the simulator publishes, by Namespace, MetricName and Statistic.",
    ScaleOutCooldown: "Seconds after a scale-out before another scale-out may add less capacity.",
    ScaleInCooldown: "Seconds after a scale-in before another scale-in.",
    DisableScaleIn: "true: the policy never scales in.",
  });
  describeFields(r, TargetTrackingSchema.shape.PredefinedMetricSpecification, {
    PredefinedMetricType:
      "ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization, ALBRequestCountPerTarget, or the …HighResolution (20-s) CPU and memory types.",
    ResourceLabel: "ALBRequestCountPerTarget: app/LB/ID/targetgroup/TG/ID.",
  });
  describeFields(r, MetricSpecSchema, {
    Namespace: "AWS/ECS, AWS/ApplicationELB or ECS/ContainerInsights.",
    MetricName: "A metric the simulator publishes in that namespace.",
    Statistic: "Average, Sum, Maximum, Minimum or SampleCount.",
    Dimensions: "The metric's dimensions (kept for the snippets; the service's own are assumed).",
    Unit: "The metric's unit (kept for the snippets).",
  });
  describeFields(r, MetricSpecSchema.shape.Dimensions, {
    Name: "Dimension name.",
    Value: "Dimension value.",
  });
  describeFields(r, StepScalingSchema, {
    AdjustmentType: "ChangeInCapacity, PercentChangeInCapacity or ExactCapacity.",
    StepAdjustments:
      "Steps by how far the metric is past the alarm's threshold: [lower, upper) above it, (lower, upper] below it.",
    Cooldown: "Seconds after a scaling activity before the policy acts again.",
    MetricAggregationType: "Average, Minimum or Maximum of the alarm's datapoints.",
    MinAdjustmentMagnitude: "PercentChangeInCapacity: the fewest tasks a step changes.",
  });
  describeFields(r, StepScalingSchema.shape.StepAdjustments, {
    MetricIntervalLowerBound: "Lower bound of the step, relative to the threshold (none: −∞).",
    MetricIntervalUpperBound: "Upper bound of the step, relative to the threshold (none: +∞).",
    ScalingAdjustment: "Tasks (or percent, or the count) the step sets.",
  });
  describeFields(r, StepAlarmSchema, {
    AlarmName: "The alarm's name (caplab collect takes it from DescribeAlarms).",
    Metric: "The metric the alarm watches.",
    Threshold: "The alarm's threshold.",
    ComparisonOperator: "How the metric compares with Threshold to breach.",
    Period: "Seconds: 60, or 20 for AWS/ECS CPU and memory at high resolution.",
    EvaluationPeriods: "Periods the alarm evaluates.",
    DatapointsToAlarm:
      "Breaching datapoints among them that set ALARM (default: EvaluationPeriods).",
    TreatMissingData: "missing (CloudWatch's default), ignore, breaching or notBreaching.",
  });
  describeFields(r, ScheduledActionSchema, {
    ScheduledActionName: "The action's name.",
    Schedule:
      "cron(minutes hours day-of-month month day-of-week year) in UTC, or at(yyyy-mm-ddThh:mm:ss).",
    ScalableTargetAction: "The MinCapacity and MaxCapacity set from then on.",
  });
  describeFields(r, ScheduledActionSchema.shape.ScalableTargetAction, {
    MinCapacity: "MinCapacity from the scheduled time on.",
    MaxCapacity: "MaxCapacity from the scheduled time on.",
  });
  describeFields(r, PlatformSchema, {
    schedulingDelaySeconds: withDefault(
      "Seconds from a new desired count until ECS starts provisioning (model choice).",
      P.schedulingDelaySeconds,
    ),
    launchSeconds: withDefault(
      "Fargate provisioning, image pull and start, seconds (53–62 s measured for 413 MB).",
      P.launchSeconds,
    ),
    appStartSeconds: withDefault(
      "Seconds the app boots before it answers health checks.",
      P.appStartSeconds,
    ),
    healthCheckIntervalSeconds: withDefault(
      "ALB HealthCheckIntervalSeconds (ALB default).",
      P.healthCheckIntervalSeconds,
    ),
    newTargetHealthyChecks: withDefault(
      "Health checks a new target passes to be healthy.",
      P.newTargetHealthyChecks,
    ),
    healthCheckTimeoutSeconds: withDefault(
      "ALB HealthCheckTimeoutSeconds: a check unanswered within it fails (ALB default 5); with overloadFailsHealthChecks it waits in the task's queue.",
      P.healthCheckTimeoutSeconds,
    ),
    unhealthyThresholdCount: withDefault(
      "ALB UnhealthyThresholdCount: failed checks in a row before a target is unhealthy (ALB default 2).",
      P.unhealthyThresholdCount,
    ),
    healthyThresholdCount: withDefault(
      "ALB HealthyThresholdCount: passed checks in a row before an unhealthy target is healthy again (ALB default 5).",
      P.healthyThresholdCount,
    ),
    healthCheckGracePeriodSeconds: withDefault(
      "ECS healthCheckGracePeriodSeconds: seconds after a task starts during which ECS ignores its failing ALB checks (ECS default 0).",
      P.healthCheckGracePeriodSeconds,
    ),
    overloadFailsHealthChecks: withDefault(
      "Whether an overloaded task fails its ALB health checks (a check waits in its queue) and ECS replaces it; false: the model before (sim/MODEL-AUDIT.md O5).",
      P.overloadFailsHealthChecks,
    ),
    maximumPercent: withDefault(
      "The service's DeploymentConfiguration.maximumPercent outside deployments: ECS starts replacements for unhealthy tasks before stopping them as far as it allows (ECS default 200).",
      P.maximumPercent,
    ),
    slowStartSeconds: withDefault("ALB slow start, seconds (0 = off, 30–900).", P.slowStartSeconds),
    deregistrationDelaySeconds: withDefault(
      "Draining, seconds; a draining task is billed until it ends.",
      P.deregistrationDelaySeconds,
    ),
    drainingEndsWhenIdle: withDefault(
      "Whether draining ends early once a task has no requests in flight.",
      P.drainingEndsWhenIdle,
    ),
    loadBalancingAlgorithm: withDefault(
      "round_robin or least_outstanding_requests (the model treats both alike).",
      P.loadBalancingAlgorithm,
    ),
    metricPublicationDelaySeconds: withDefault(
      "Seconds after a 60-s datapoint's period until alarms see it (model choice, tuned to AWS's 363-s step-to-scale-out benchmark).",
      P.metricPublicationDelaySeconds,
    ),
    highResolutionPublicationDelaySeconds: withDefault(
      "The same for 20-s datapoints (model choice, tuned to AWS's 86 s).",
      P.highResolutionPublicationDelaySeconds,
    ),
    highResolutionScaleOutDatapoints: withDefault(
      "AlarmHigh's datapoints for 20-s policies (model choice).",
      P.highResolutionScaleOutDatapoints,
    ),
    highResolutionScaleInDatapoints: withDefault(
      "AlarmLow's datapoints for 20-s policies: 15 minutes (model choice).",
      P.highResolutionScaleInDatapoints,
    ),
    alarmEvaluationRangeExtraPeriods: withDefault(
      "Periods a 60-s alarm retrieves beyond EvaluationPeriods (its evaluation range; model choice after the CloudWatch user guide's example).",
      P.alarmEvaluationRangeExtraPeriods,
    ),
    highResolutionAlarmEvaluationRangeExtraPeriods: withDefault(
      "The same for 20-s alarms (model choice).",
      P.highResolutionAlarmEvaluationRangeExtraPeriods,
    ),
    capacityFormulaDatapoint: withDefault(
      "desired = ceil(current × metric / target) with the latest datapoint or the mean (model choice).",
      P.capacityFormulaDatapoint,
    ),
    scaleInBlockedAfterScaleOut: withDefault(
      "Block scale-in for ScaleOutCooldown after a scale-out (model choice).",
      P.scaleInBlockedAfterScaleOut,
    ),
    deploymentSurgeInRunningCount: withDefault(
      "Whether a deployment's tasks beyond the desired count count in the running count a new desired count is computed from (model choice).",
      P.deploymentSurgeInRunningCount,
    ),
    requestCountPerTargetDivisor: withDefault(
      "RequestCountPerTarget divides by healthy targets (as AWS documents) or registered ones (a sensitivity test).",
      P.requestCountPerTargetDivisor,
    ),
    zeroTrafficIsMissingData: withDefault(
      "A minute without requests has no ALB datapoint (ALB publishes only while requests flow).",
      P.zeroTrafficIsMissingData,
    ),
    drainingTasksInServiceMetrics: withDefault(
      "Whether draining (deregistered, DEACTIVATING) tasks count in the AWS/ECS CPUUtilization and MemoryUtilization averages (model choice: AWS does not say; sim/MODEL-AUDIT.md O9).",
      P.drainingTasksInServiceMetrics,
    ),
    fargateLaunchesPerSecond: withDefault(
      "Launches beyond a burst of 100 are paced at this rate, tasks per second.",
      P.fargateLaunchesPerSecond,
    ),
    oomReplacementDelaySeconds: withDefault(
      "Extra seconds before ECS replaces an OOM-killed task, on top of schedulingDelaySeconds (AWS replaces it at once).",
      P.oomReplacementDelaySeconds,
    ),
    oomModel: withDefault(
      "Which tasks of a group run out of memory: poisson (the share whose in-flight count passes what fits) or meanTask (the whole group once its mean does).",
      P.oomModel,
    ),
  });
  describeFields(r, PricesSchema, {
    x86VcpuHour: withDefault("USD per vCPU-hour, x86 (us-east-1).", PRICES.x86VcpuHour),
    x86GbHour: withDefault("USD per GB-hour, x86 (us-east-1).", PRICES.x86GbHour),
    armVcpuHour: withDefault("USD per vCPU-hour, ARM (us-east-1).", PRICES.armVcpuHour),
    armGbHour: withDefault("USD per GB-hour, ARM (us-east-1).", PRICES.armGbHour),
    spotDiscount: withDefault("Fargate Spot's discount, a fraction.", PRICES.spotDiscount),
    minimumBilledSeconds: withDefault(
      "Fargate bills per second with this minimum per task.",
      PRICES.minimumBilledSeconds,
    ),
  });
  describeFields(r, SloSchema, {
    latencyP95Ms: "p95 latency limit per minute, ms.",
    errorRatePercent: "Error-rate limit, percent of requests, over the whole trace and per minute.",
    violationBudgetPercent:
      "SLO-violating minutes a plan may spend, percent of the trace's minutes.",
  });
  const common = {
    trace: "Where the traffic comes from: a file (CSV or bundle) or the generated week.",
    service: "What one request costs a task (caplab calibrate fits it).",
    platform:
      "Model parameters for ECS, Fargate, the ALB, CloudWatch and Application Auto Scaling.",
    prices: "Fargate prices (USD, us-east-1 by default).",
    slo: "The service level objective the minutes are judged against.",
    seed: "Seed for everything random in the simulation.",
  };
  describeFields(r, SimulateConfigSchema, {
    ...common,
    task: "The task size, as in a task definition.",
    scaling: "The scalable target and its policies, in Application Auto Scaling's words.",
    deployments:
      "ECS deployments during the trace (rolling, blue-green, linear, canary), in the ECS API's words (see the README, Deployments under load).",
    guardrails:
      "How much trace the verdict needs (plan's guardrails: shorter is judged, but the verdict says so), and what is reported about gaps.",
  });
  const deploymentDocs = {
    at: "When the deployment starts, ISO 8601, inside the trace.",
    strategy: "rolling (ECS's rolling update) or ECS's blue-green, linear or canary traffic shift.",
    minimumHealthyPercent:
      "Rolling: the fewest healthy tasks during the deployment, percent of the desired count (rounded up).",
    maximumPercent:
      "Rolling: the most RUNNING or PENDING tasks, percent of the desired count (rounded down).",
    deploymentCircuitBreaker:
      "Rolling: stop (and with rollback, roll back) a deployment whose new tasks keep failing.",
    bakeTimeInMinutes:
      "Blue-green, linear, canary: minutes both revisions run after all traffic moved, before the old one stops.",
    linearConfiguration: "Linear: the share of traffic moved per step and the wait between steps.",
    canaryConfiguration: "Canary: the share of traffic moved first and the wait before the rest.",
    failsHealthChecks:
      "caplab: the new revision's tasks never pass the ALB health check (a broken image), to try the circuit breaker.",
    newRevision:
      "caplab: how the revision it deploys differs from the one it replaces (its memory); the old revision's tasks keep theirs, also after a rollback.",
  };
  describeFields(r, DeploymentSchema, deploymentDocs);
  describeFields(r, objectIn(DeploymentSchema.shape.newRevision), {
    memoryMiB:
      "The new revision's memory, in service.memoryMiB's words; each field left out is the replaced revision's.",
  });
  describeFields(r, objectIn(objectIn(DeploymentSchema.shape.newRevision).shape.memoryMiB), {
    base: "Memory of an idle task of the new revision, MiB.",
    perInflightRequest: "Memory per request in flight of the new revision, MiB.",
  });
  describeFields(r, DeploymentSchema.shape.deploymentCircuitBreaker, {
    enable: "Use the circuit breaker (required when the block is given).",
    rollback: "Roll back to the last completed revision when the breaker trips.",
    resetOnHealthyTask: "A new task that turns healthy resets the failure count.",
    thresholdConfiguration:
      "How many failed tasks trip the breaker: COUNT, or a percent of the desired count.",
  });
  describeFields(
    r,
    objectIn(DeploymentSchema.shape.deploymentCircuitBreaker).shape.thresholdConfiguration,
    {
      type: "COUNT, BOUNDED_PERCENT or UNBOUNDED_PERCENT (ECS ThresholdConfiguration).",
      value: "The failed tasks (COUNT) or the percent of the desired count.",
    },
  );
  describeFields(r, DeploymentSchema.shape.linearConfiguration, {
    stepPercent: "Percent of the traffic moved at each step.",
    stepBakeTimeInMinutes: "Minutes between steps.",
  });
  describeFields(r, DeploymentSchema.shape.canaryConfiguration, {
    canaryPercent: "Percent of the traffic moved to the new revision first.",
    canaryBakeTimeInMinutes: "Minutes before the rest of the traffic moves.",
  });
  describeFields(r, PlanConfigSchema, {
    ...common,
    current:
      "Today's task size and scaling, to compare with the pick and sweep with the rest (default: what a bundle recorded).",
    space: "The candidates to sweep (every field has a default).",
    robustness: "How the pick is checked under perturbations and rated for risk.",
    pareto: "How far past the SLO's violation budget the cost-vs-SLO-minutes Pareto front reaches.",
    guardrails:
      "How much trace a plan needs (shorter is refused unless --allow-short-trace), and what is reported about gaps.",
    service_name: "The ECS service's name, in the snippets.",
    cluster_name: "The ECS cluster's name, in the snippets.",
  });
  describeFields(r, SpaceSchema, {
    taskSizes: "Explicit task sizes, instead of the Fargate menu between minCpu and maxCpu.",
    minCpu: "Smallest CPU units on the menu.",
    maxCpu: "Largest CPU units on the menu.",
    memoryPerVcpuGiB:
      "Memory per vCPU for menu sizes, GiB (the smallest valid memory at or above).",
    architectures: "X86_64 and/or ARM64 (Graviton).",
    capacityProviders: "FARGATE and/or FARGATE_SPOT.",
    metrics: "Target-tracking metrics to try.",
    utilizationTargets: "TargetValues for the CPU and memory metrics, percent.",
    requestCountTargets:
      "Explicit ALBRequestCountPerTarget TargetValues, requests per target per minute (instead of the fractions).",
    requestCountTargetFractions:
      "ALBRequestCountPerTarget TargetValues as fractions of one task's capacity per minute.",
    MinCapacity: "MinCapacity values to try.",
    minTasksForAvailability:
      "The availability floor: candidates with a lower MinCapacity are shown but not picked while one at or above it meets the SLO (2: a task in each of two Availability Zones).",
    MaxCapacity: "MaxCapacity values (default: enough for the trace's peak at 30 % CPU).",
    ScaleOutCooldown: "ScaleOutCooldown values to try, seconds.",
    ScaleInCooldown: "ScaleInCooldown values to try, seconds.",
    scheduledMinimums: "Raise MinCapacity during these UTC hours every day (scheduled actions).",
  });
  describeFields(r, SpaceSchema.shape.scheduledMinimums, {
    fromHourUtc: "From this hour (UTC).",
    toHourUtc: "Until this hour (UTC, exclusive).",
    MinCapacity: "MinCapacity during those hours.",
  });
  describeFields(r, RobustnessSchema, {
    topK: "Candidates always checked under the perturbations (the best ones).",
    maxRisk:
      "The riskiest rating the pick may have (Compute Optimizer's scale): the pick is the cheapest candidate within the SLO rated this or lower.",
    minPassed:
      "Perturbations (of the 7, 6 without the deployment one) the pick must also stay within the SLO under (0: the risk rating decides).",
    maxChecked:
      "Candidates checked at most, down the ranking, while looking for one rated maxRisk or lower (at least topK).",
    deployment:
      "The rolling percents the service deploys with, for the deploy-at-the-peak check and the when-to-deploy chart; false leaves both out (default: what collect recorded, else 100 / 200).",
  });
  describeFields(
    r,
    (RobustnessSchema.shape.deployment.unwrap() as z.ZodUnion).options[1] as z.ZodType,
    {
      minimumHealthyPercent: "The service's minimumHealthyPercent.",
      maximumPercent: "The service's maximumPercent.",
    },
  );
  describeFields(r, ParetoSchema, {
    maxBudgetMultiple:
      "The Pareto front is drawn over the candidates with at most this many times the violation budget in SLO-violating minutes (at least 1; null: every candidate). Past it a candidate is a bad miss, off the front, and the sweep stops it early (far-from-slo).",
  });
  describeFields(r, GuardrailsSchema, {
    minTraceHours:
      "Hours of trace with data below which plan refuses, unless --allow-short-trace (Compute Optimizer needs 24), and a simulate verdict says it rests on too little data.",
    patternHours:
      "The pattern the plan is for: a shorter trace gets a warning (a week by default).",
    longGapMinutes: "A run of missing steps at least this long is reported on its own, minutes.",
    minCoveragePercent: "Below this share of steps with data, the coverage is reported as low.",
  });
  describeFields(r, GateConfigSchema, {
    slo: "SLO limits; each falls back to the run's plan.json slo, else its check is skipped.",
    absolute: "Checks on the run alone.",
    regression: "Checks against the baseline (--baseline or --baseline-from-history).",
    deployment:
      "A deployment check: the release's deployment simulated at its planned time against a caplab simulate config; fails when it adds more SLO-violating minutes than allowed.",
    minJudgedChecks:
      "Checks that must be judged (not skipped for want of data) for the gate to pass; with fewer and none failed, the verdict is inconclusive (exit 1). 0 (with requireLatencyCheck: false) lets an all-skipped gate pass.",
    requireLatencyCheck:
      "A pass needs a latency check judged (SLO p95 or p99, a k6 threshold on a time metric such as http_req_duration, or a p95 regression against a baseline); with none and none failed, the verdict is inconclusive (exit 1). false lets the other checks pass the gate.",
    latencySampleConfidence:
      "A latency check's pass on fewer samples than its percentile needs at this confidence (1 − q^n ≥ it: 59 requests for p95, 299 for p99, 5 for the median and the mean) is not judged; a failure stands. 0 turns it off.",
  });
  describeFields(r, GateConfigSchema.shape.deployment, {
    simulate:
      "The caplab simulate config (trace, service, task, scaling, SLO), relative to gate.yaml.",
    maxAddedSloMinutes: "SLO-violating minutes the deployment may add.",
  });
  describeFields(r, GateConfigSchema.shape.slo, {
    latencyP95Ms: "p95 of http_req_duration over the run, ms.",
    latencyP99Ms: "p99 of http_req_duration over the run, ms.",
    errorRatePercent: "Failed requests (http_req_failed), percent.",
  });
  describeFields(r, GateConfigSchema.shape.absolute, {
    k6Thresholds: "Fail when any k6 threshold failed.",
    max5xxPercent: "Largest share of responses with a 5xx status, percent.",
    cpuHeadroomPercent: "Peak CPUUtilization must stay at or below 100 − this, percent.",
    memoryHeadroomPercent: "Peak MemoryUtilization must stay at or below 100 − this, percent.",
    taskCountBelowMaxCapacity: "The most running tasks must stay below MaxCapacity.",
  });
  describeFields(r, GateConfigSchema.shape.regression, {
    confidence: "Confidence level of the bootstrap interval of p95(run) − p95(baseline).",
    resamples: "Bootstrap resamples.",
    seed: "Seed of the bootstrap: the same inputs give the same verdict.",
    maxBootstrapValues: "Most request latencies per side fed to the bootstrap (thinned by rank).",
    p95MarginPercent:
      "Fail when the interval's lower bound exceeds this share of the baseline p95, percent.",
    mannWhitneyAlpha: "Mann-Whitney on per-second p95: fail when the one-sided p is below this…",
    mannWhitneyMinShiftPercent:
      "…and the median per-second p95 is worse by at least this, percent.",
    errorAlpha: "Two-proportion test on failed requests: fail when the one-sided p is below this…",
    errorMinDifferencePercent: "…and the error rate is higher by at least this, percentage points.",
    capacityMarginPercent:
      "Fail when CPU-seconds per request (or requests per task-second) is worse by more than this, percent.",
  });
  section(
    SimulateConfigSchema,
    "caplab simulate config: one service configuration against one trace.",
  );
  section(
    PlanConfigSchema,
    "caplab plan config: the service, its traffic, and the candidates to sweep.",
  );
  section(GateConfigSchema, "gate.yaml for caplab gate: every field is optional.");
  return r;
}

/** The schema of one kind of config. */
function schemaOf(kind: ConfigSchemaKind): z.ZodType {
  switch (kind) {
    case "simulate":
      return SimulateConfigSchema;
    case "plan":
      return PlanConfigSchema;
    case "gate":
      return GateConfigSchema;
    case "timeline":
      return TimelineRowSchema;
  }
}

/**
 * The JSON Schema of a config (its input: defaults are optional), every field described; for
 * `timeline`, a row of `timeline.csv` with what each column holds.
 */
export function configJsonSchema(kind: ConfigSchemaKind): Record<string, unknown> {
  return kind === "timeline"
    ? z.toJSONSchema(TimelineRowSchema, { io: "input" })
    : z.toJSONSchema(schemaOf(kind), { io: "input", metadata: configDocs() });
}
