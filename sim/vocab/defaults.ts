/**
 * Every default of caplab, in one place, each with its unit and its source (STYLE.md point 4).
 * A config file, a flag or an environment variable overrides them (flags > environment > file >
 * these); `caplab schema` prints the config's JSON Schema with them. test/sim/vocab/defaults.test.ts
 * pins every value: change one on purpose, with its source.
 *
 * Sources: `§` numbers are sections of shared/reference/aws-ecs-scaling.md. A value marked
 * "model choice" is not documented by AWS: it is a named parameter of the simulator, never a
 * hidden constant. The AWS rules the simulator follows (3 of 3, 15 of 15, 0.9 × target, the
 * cooldowns, the launch burst) are not defaults, since no one may change them: they are in
 * sim/rules.ts.
 *
 * Not here: the k6 load plan's defaults (`PLAN_DEFAULTS`, scenarios/plan/k6-plan.ts), because k6
 * runs that file as it is, and it can import nothing; test/scenarios/plan pins them, with its SLO
 * to {@link SLO_DEFAULTS}.
 *
 * This module imports nothing but types: the sweep's worker threads load it without the schema
 * library.
 */
import type { PriceTable } from "./fargate.js";

// ---------------------------------------------------------------------------------------------
// The simulation (`caplab simulate`, `caplab plan`: the config's `platform`, `service`, `slo`,
// `scaling`, `prices` and `task` sections).

/**
 * Modelling parameters for the platform (ECS, Fargate, ALB, CloudWatch, Application Auto
 * Scaling). Each default names its unit and source; those AWS does not document are marked
 * UNCONFIRMED in shared/reference/aws-ecs-scaling.md and are model choices.
 */
export const PLATFORM_DEFAULTS = {
  /** Seconds from a desired-count increase until ECS starts provisioning the task (UNCONFIRMED; AWS benchmark implies ≈ 23 s trigger→provisioned, §2.2). @default 10 */
  schedulingDelaySeconds: 10,
  /** Seconds from provisioning to RUNNING: ENI, image pull, container start (§2.2: 53–62 s for a 413 MB image). @default 55 */
  launchSeconds: 55,
  /** Seconds from RUNNING until the application answers health checks (app boot). @default 5 */
  appStartSeconds: 5,
  /** ALB HealthCheckIntervalSeconds (§2.3). @default 30 */
  healthCheckIntervalSeconds: 30,
  /** Health checks a newly registered target must pass to become healthy: one (§2.3, "initial" → "healthy"). @default 1 */
  newTargetHealthyChecks: 1,
  /**
   * ALB HealthCheckTimeoutSeconds: a check that gets no answer within it fails (ELB user guide,
   * "Health checks for Application Load Balancer target groups": 5 for instance and ip targets,
   * 2–120). With overloadFailsHealthChecks, the check waits in the task's queue like a request.
   * @default 5
   */
  healthCheckTimeoutSeconds: 5,
  /** ALB UnhealthyThresholdCount: failed checks in a row before a target is unhealthy (same page; 2–10). @default 2 */
  unhealthyThresholdCount: 2,
  /** ALB HealthyThresholdCount: passed checks in a row before an unhealthy target is healthy again (same page; 2–10). @default 5 */
  healthyThresholdCount: 5,
  /**
   * ECS service `healthCheckGracePeriodSeconds`: how long "the Amazon ECS service scheduler
   * ignores unhealthy Elastic Load Balancing … health checks after a task has first started"
   * (ECS API CreateService; default 0). The ALB still stops routing to an unhealthy target in it;
   * ECS only waits before replacing it. @default 0
   */
  healthCheckGracePeriodSeconds: 0,
  /**
   * Whether an overloaded task fails its ALB health checks: the check waits in the task's queue
   * like a request and fails when its wait passes healthCheckTimeoutSeconds; after
   * unhealthyThresholdCount failures in a row the ALB stops routing to the task and ECS replaces
   * it (sim/MODEL-AUDIT.md O5). false: only a deployment's failsHealthChecks tasks fail checks
   * (the model before O5, kept for comparison). @default true
   */
  overloadFailsHealthChecks: true,
  /**
   * The service's DeploymentConfiguration.maximumPercent outside deployments (ECS API; 200 for
   * REPLICA services): ECS "will first start a healthy replacement for each unhealthy task …
   * before terminating it", as many at once as maximumPercent allows; past it, it stops unhealthy
   * tasks first (What's New, 2023-10-23; ECS API DeploymentConfiguration). A deployment in
   * `deployments:` carries its own, which is the service's from its start on (UpdateService sets
   * the service's DeploymentConfiguration; sim/deploy.ts). @default 200
   */
  maximumPercent: 200,
  /** ALB slow start window, seconds; 0 = off (§2.3). @default 0 */
  slowStartSeconds: 0,
  /** ALB deregistration delay, seconds (§2.3). A draining task is billed until it ends. @default 300 */
  deregistrationDelaySeconds: 300,
  /** Whether draining ends early once the task has no requests in flight (AWS: it can; with keep-alive clients it often does not). @default false */
  drainingEndsWhenIdle: false,
  /** ALB routing algorithm. @default "round_robin" */
  loadBalancingAlgorithm: "round_robin" as "round_robin" | "least_outstanding_requests",
  /** Seconds after a 60-s datapoint's period ends before an alarm can see it (UNCONFIRMED; tuned so a load step triggers scale-out ≈ 363 s later, §1.10). @default 150 */
  metricPublicationDelaySeconds: 150,
  /** Same, for 20-s high-resolution datapoints (UNCONFIRMED; tuned to the 86-s benchmark, §1.10). @default 20 */
  highResolutionPublicationDelaySeconds: 20,
  /** Datapoints above target for AlarmHigh on 20-s policies (UNCONFIRMED, §1.10). @default 3 */
  highResolutionScaleOutDatapoints: 3,
  /** Datapoints below 90 % of target for AlarmLow on 20-s policies (UNCONFIRMED; 45 × 20 s keeps the 15-minute scale-in window). @default 45 */
  highResolutionScaleInDatapoints: 45,
  /**
   * Periods a 60-s CloudWatch alarm retrieves beyond its EvaluationPeriods: its evaluation range
   * is EvaluationPeriods plus this. The CloudWatch user guide's example retrieves 5 periods for a
   * 3-of-3 alarm and says only that the number depends on the period length and resolution
   * (UNCONFIRMED otherwise, §1.6): 5 for AlarmHigh, 17 for AlarmLow. @default 2
   */
  alarmEvaluationRangeExtraPeriods: 2,
  /**
   * Same, for 20-s alarms (UNCONFIRMED: nothing is documented for them). The guide counts
   * periods, not time, so the same count keeps a 20-s alarm's missing-data rules the same in
   * periods: a gap of one or two periods is skipped, a longer one is filled by TreatMissingData.
   * @default 2
   */
  highResolutionAlarmEvaluationRangeExtraPeriods: 2,
  /** Which alarm datapoints feed the new-desired-count formula: the latest one, or the mean of the evaluated ones (UNCONFIRMED, §1.3). @default "latest" */
  capacityFormulaDatapoint: "latest" as "latest" | "mean",
  /** Block scale-in for ScaleOutCooldown after a scale-out (UNCONFIRMED, §1.4). @default false */
  scaleInBlockedAfterScaleOut: false,
  /**
   * Divisor of RequestCountPerTarget: healthy or all registered targets. AWS documents healthy
   * ones ("divided by the number of healthy targets in the target group. If there are no
   * healthy targets …, it is divided by the total number of registered targets": ELB user guide,
   * ALB CloudWatch metrics; sim/MODEL-AUDIT.md O7); "registered" is kept for sensitivity tests.
   * @default "healthy"
   */
  requestCountPerTargetDivisor: "healthy" as "healthy" | "registered",
  /**
   * Whether the tasks a deployment runs beyond the desired count (maximumPercent's surge,
   * blue/green's two sets) count in the running count Application Auto Scaling computes a new
   * desired count from (UNCONFIRMED: the ECS developer guide says the running count is the
   * starting point, not what it is during a deployment; sim/MODEL-AUDIT.md D10). false caps it
   * at the desired count. @default false
   */
  deploymentSurgeInRunningCount: false,
  /** Treat minutes without requests as missing ALB datapoints (ALB publishes only while requests flow, §1.6). @default true */
  zeroTrafficIsMissingData: true,
  /**
   * Whether tasks ECS has deregistered (DEACTIVATING: draining for deregistrationDelaySeconds,
   * finishing their queue) still count in the AWS/ECS service CPUUtilization and
   * MemoryUtilization averages, numerator and denominator (UNCONFIRMED: the ECS developer guide
   * says these metrics "are collected for resources that have tasks in the RUNNING state" and
   * divides by "the number of tasks in the service", without saying whether a DEACTIVATING task
   * is one; sim/MODEL-AUDIT.md O9). true dilutes a CPU or memory policy's average with idle
   * draining tasks after a scale-in or during a replacement. Not the running count Application
   * Auto Scaling scales from, nor the timeline's runningCount (draining tasks are never in
   * them), nor Container Insights' metrics or meanTasks (draining tasks always are). @default true
   */
  drainingTasksInServiceMetrics: true,
  /** Tasks Fargate will start per second per account and Region, sustained, past the launch burst (§2.2; sim/rules.ts). @default 20 */
  fargateLaunchesPerSecond: 20,
  /**
   * Seconds before ECS starts replacing a task that stopped after reaching RUNNING (an OOM kill),
   * on top of schedulingDelaySeconds. ECS replaces such a task at once: the service throttle's
   * back-off (up to 15 minutes) applies only to tasks that never reach RUNNING (ECS developer
   * guide, "Service throttle logic"), and the model has no such tasks. @default 0
   */
  oomReplacementDelaySeconds: 0,
  /**
   * Which tasks of a group run out of memory (a caplab choice: the tasks of a group, launched
   * together, carry the same mean in-flight work). "poisson": the share whose requests in flight,
   * Poisson around the group's mean, pass what fits in the task's memory, so kills start below
   * the mean limit and are partial; "meanTask": the whole group once its mean task passes it.
   * Either way they die when the limit is reached inside the step, their in-flight requests
   * fail, and ECS replaces them at once. @default "poisson"
   */
  oomModel: "poisson" as "poisson" | "meanTask",
} as const;

/** Service-model defaults (what one request costs a task). */
export const SERVICE_DEFAULTS = {
  /** Non-CPU latency per request (database, downstream calls), milliseconds. @default 0 */
  latencyMs: 0,
  /** Coefficient of variation of CPU service time; 1 = exponential (M/M/c). @default 1 */
  serviceTimeCv: 1,
  /** CPU used by an idle task, percent of the task's CPU. @default 1 */
  idleCpuPercent: 1,
  /** Request timeout, seconds: a request still waiting after this fails as a 5xx (ALB idle timeout default 60 s). @default 60 */
  timeoutSeconds: 60,
} as const;

/** SLO defaults. */
export const SLO_DEFAULTS = {
  /** p95 latency limit per minute, milliseconds. @default 300 */
  latencyP95Ms: 300,
  /** Error-rate limit, percent of requests, over the whole trace and per minute. @default 0.1 */
  errorRatePercent: 0.1,
  /** SLO-violating minutes a plan may spend, as a percent of the trace's minutes. @default 0.5 */
  violationBudgetPercent: 0.5,
} as const;

/** Target-tracking and step-scaling cooldown defaults for ECS services (§1.4). */
export const SCALING_DEFAULTS = {
  /** @default 300 seconds (Application Auto Scaling API reference, TargetTrackingScalingPolicyConfiguration, for ECS services) */
  ScaleOutCooldown: 300,
  /** @default 300 seconds (same) */
  ScaleInCooldown: 300,
  /** @default false */
  DisableScaleIn: false,
  /** Step scaling policy Cooldown. @default 300 seconds */
  StepCooldown: 300,
} as const;

/**
 * The desired count at the trace's start when the config gives none (`scaling.DesiredCount`): a
 * service that has been running, not a cold start (model choice: starting at MinCapacity would
 * overload most services in their first minutes).
 */
export const DESIRED_COUNT_DEFAULTS = {
  /** The traffic whose mean rate sizes the service: the trace's first this many seconds. @default 600 (ten minutes) */
  settledWindowSeconds: 600,
  /** CPU utilization the service has settled at serving that rate, as a fraction. @default 0.5 */
  settledUtilization: 0.5,
} as const;

/**
 * ECS deployments (`deployments:` in a simulate config; /work/notes/research/ecs-deployments.md
 * gathers the sources: ECS API reference `DeploymentConfiguration`, `DeploymentCircuitBreaker`,
 * `ThresholdConfiguration`, `LinearConfiguration`, `CanaryConfiguration`; the ECS developer
 * guide's deployment pages). The AWS rules (rounding, the threshold's bounds) are in sim/rules.ts.
 */
export const DEPLOYMENT_DEFAULTS = {
  /** Rolling: lower limit of RUNNING healthy tasks, percent of the desired count (ECS API DeploymentConfiguration, REPLICA services). @default 100 */
  minimumHealthyPercent: 100,
  /** Rolling: upper limit of RUNNING or PENDING tasks, percent of the desired count (same). @default 200 */
  maximumPercent: 200,
  /** ECS-native blue/green (and linear, canary): minutes both revisions run after all production traffic moved (DeploymentConfiguration.bakeTimeInMinutes; required by AWS for BLUE_GREEN, 0–1440; caplab's default, a model choice). @default 0 */
  bakeTimeInMinutes: 0,
  /** Linear: traffic moved per step, percent (LinearConfiguration.stepPercent, 3.0–100.0). @default 10 */
  stepPercent: 10,
  /** Linear: minutes between steps (LinearConfiguration.stepBakeTimeInMinutes, 0–1440). @default 6 */
  stepBakeTimeInMinutes: 6,
  /** Canary: traffic moved first, percent (CanaryConfiguration.canaryPercent, 0.1–100.0). @default 5 */
  canaryPercent: 5,
  /** Canary: minutes before the rest moves (CanaryConfiguration.canaryBakeTimeInMinutes, 0–1440). @default 10 */
  canaryBakeTimeInMinutes: 10,
  /** Circuit breaker on: ECS's API leaves `deploymentCircuitBreaker` off unless set (`enable` is required when it is). @default false */
  circuitBreaker: false,
  /** Circuit breaker `rollback`: on failure, roll back to the last completed deployment. @default true */
  rollback: true,
  /** ThresholdConfiguration.type (ECS API, 2026). @default "BOUNDED_PERCENT" */
  thresholdType: "BOUNDED_PERCENT" as "COUNT" | "BOUNDED_PERCENT" | "UNBOUNDED_PERCENT",
  /** ThresholdConfiguration.value: percent of the desired count, or a count for COUNT. @default 50 */
  thresholdValue: 50,
  /** DeploymentCircuitBreaker.resetOnHealthyTask: a task of the new revision that turns healthy resets the failure count to 0. @default true */
  resetOnHealthyTask: true,
  /**
   * Whether deregistered tasks still draining count toward maximumPercent's RUNNING-or-PENDING
   * limit (UNCONFIRMED: AWS does not say; model choice: they do not, their desired status is
   * STOPPED). @default false
   */
  maximumPercentCountsDraining: false,
  /**
   * What a scale-out during a rolling deployment launches: "both-revisions" (the Nov 2025
   * change: "ECS applies scale-out to both service revisions", split in proportion to the tasks
   * each has; https://aws.amazon.com/about-aws/whats-new/2025/11/amazon-ecs-service-availability-rolling-deployments)
   * or "new-revision" (before it). @default "both-revisions"
   */
  scaleOutDuringDeployment: "both-revisions" as "both-revisions" | "new-revision",
} as const;

/**
 * Fargate prices, us-east-1, On-Demand, USD (§6.1: Linux/x86 and Linux/ARM per vCPU-hour and
 * per GB-hour; per-second billing with a one-minute minimum; Spot "up to 70 %" off).
 */
export const US_EAST_1_PRICES: PriceTable = {
  x86VcpuHour: 0.04048,
  x86GbHour: 0.004445,
  armVcpuHour: 0.03238,
  armGbHour: 0.00356,
  spotDiscount: 0.7,
  minimumBilledSeconds: 60,
};

/** A task size's defaults (`task`, `current.task`, `space.taskSizes[]`). */
export const TASK_DEFAULTS = {
  /** A task definition's `runtimePlatform.cpuArchitecture`. @default "X86_64" */
  architecture: "X86_64",
  /** @default "FARGATE" (On-Demand) */
  capacityProvider: "FARGATE",
} as const;

// ---------------------------------------------------------------------------------------------
// The plan (`caplab plan`: the config's `space` and `robustness`).

/** Defaults of the candidate space: what an engineer would try by hand. */
export const SPACE_DEFAULTS = {
  /** Fargate CPU bounds (CPU units) when no explicit task sizes are given. */
  minCpu: 256,
  maxCpu: 4096,
  /** Memory per vCPU in GiB for menu sizes (the smallest valid memory at or above it). */
  memoryPerVcpuGiB: [2],
  architectures: ["X86_64"] as const,
  capacityProviders: ["FARGATE"] as const,
  metrics: [
    "ECSServiceAverageCPUUtilization",
    "ECSServiceAverageCPUUtilizationHighResolution",
    "ALBRequestCountPerTarget",
  ] as const,
  /** Target values for the CPU and memory metrics, percent. */
  utilizationTargets: [40, 50, 60, 70, 80],
  /**
   * Target values for ALBRequestCountPerTarget, as fractions of one task's CPU capacity in
   * requests per minute (so they scale with the task size).
   */
  requestCountTargetFractions: [0.4, 0.5, 0.6, 0.7, 0.8],
  /** Both at or above the availability floor: one task per Availability Zone in two or three AZs. */
  MinCapacity: [2, 3],
  ScaleOutCooldown: [60, 300],
  ScaleInCooldown: [300],
  /**
   * When `MaxCapacity` is not given: one per task size, enough tasks for the trace's peak at this
   * CPU utilization, percent (and at least one more than the largest MinCapacity). @default 30
   */
  autoMaxCapacityCpuPercent: 30,
  /**
   * The availability floor: the pick's MinCapacity is at least this, so the service keeps a
   * task in each of two Availability Zones at its quietest. AWS: "we recommend configuring
   * your multi-task services to run across multiple Availability Zones" (ECS developer guide,
   * service rebalancing); Trusted Advisor's check c1z7dfpz01 flags an ECS service whose tasks
   * all run in one AZ. @default 2 tasks
   */
  minTasksForAvailability: 2,
} as const;

/**
 * Defaults of the plan's Pareto front (`pareto`): cost against SLO-violating minutes, drawn over
 * the candidates within a multiple of the SLO's violation budget.
 */
export const PARETO_DEFAULTS = {
  /**
   * The front is drawn over the candidates with at most this many times the violation budget in
   * SLO-violating minutes (meetsSlo's slack included); null draws it over every candidate. Twice
   * the budget is the line the robustness checks draw between a mild miss and a bad one
   * (sim/risk.ts, MILD_MISS_FACTOR): past it a candidate is a bad miss, not a trade-off, and the
   * sweep stops it as `far-from-slo` (sim/prune.ts). Product choice (issue #17). @default 2
   */
  maxBudgetMultiple: 2 as number | null,
} as const;

/** Defaults of the robustness checks (`robustness`). */
export const ROBUSTNESS_DEFAULTS = {
  /** How many of the best candidates are re-run under perturbations, at least. @default 5 */
  topK: 5,
  /**
   * The riskiest rating the pick may have (Compute Optimizer's performance-risk scale): the pick
   * is the cheapest candidate within the SLO rated this or lower. @default "low"
   */
  maxRisk: "low" as "very-low" | "low" | "medium" | "high",
  /** Perturbations (of the 7, 6 without the deployment one) a pick must also stay within the SLO under (0: the risk rating decides). @default 0 */
  minPassed: 0,
  /** Candidates re-run at most while looking for one rated maxRisk or lower. @default 40 */
  maxChecked: 40,
} as const;

/** Defaults of the data a plan needs (`guardrails`). */
export const GUARDRAIL_DEFAULTS = {
  /**
   * Hours of trace (steps with data) below which `plan` refuses, unless --allow-short-trace.
   * Compute Optimizer "requires 24 hours of metrics in the past 14 days to generate
   * recommendations for Amazon ECS service on Fargate" (User Guide, viewing ECS
   * recommendations). @default 24 hours
   */
  minTraceHours: 24,
  /**
   * The length of the pattern the plan is used for: a shorter trace gets a warning (a day
   * cannot show a weekend). @default 168 hours (a week)
   */
  patternHours: 168,
  /** A run of gap steps at least this long is reported on its own, with its share. @default 60 minutes */
  longGapMinutes: 60,
  /** Below this share of steps with data, the coverage is reported as low. @default 90 % */
  minCoveragePercent: 90,
} as const;

// ---------------------------------------------------------------------------------------------
// The gate (`gate.yaml`).

/**
 * Every default of the gate (gate.yaml overrides them; `caplab gate` has no flag for them).
 * Pinned by test/analysis/gate.test.ts too.
 */
export const GATE_DEFAULTS = {
  /** Fail when any k6 threshold in summary.json failed. @default true */
  k6Thresholds: true,
  /** Largest share of responses with a 5xx status (client side), percent. @default 0.1 % */
  max5xxPercent: 0.1,
  /** Peak CPUUtilization must stay at or below 100 − this, percent. @default 20 % */
  cpuHeadroomPercent: 20,
  /** Peak MemoryUtilization must stay at or below 100 − this, percent. @default 20 % */
  memoryHeadroomPercent: 20,
  /** The most running tasks must stay below MaxCapacity (room left to scale). @default true */
  taskCountBelowMaxCapacity: true,
  /** Confidence level of the bootstrap interval. @default 0.95 */
  confidence: 0.95,
  /** Bootstrap resamples. @default 1000 */
  resamples: 1000,
  /** Seed of the bootstrap's random source: the same inputs give the same verdict. @default 1 */
  seed: 1,
  /** Most request latencies per side fed to the bootstrap (thinned by rank). @default 5000 */
  maxBootstrapValues: 5000,
  /** Fail when the p95 difference's CI lower bound exceeds this share of the baseline p95, percent. @default 10 % */
  p95MarginPercent: 10,
  /** Mann-Whitney on per-second p95: fail when the one-sided p is below this… @default 0.01 */
  mannWhitneyAlpha: 0.01,
  /** …and the median per-second p95 is worse by at least this, percent. @default 5 % */
  mannWhitneyMinShiftPercent: 5,
  /** Two-proportion test on failed requests: fail when the one-sided p is below this… @default 0.01 */
  errorAlpha: 0.01,
  /** …and the error rate is higher by at least this many percentage points. @default 0.5 */
  errorMinDifferencePercent: 0.5,
  /** Fail when CPU-seconds per request (or requests per task-second) is worse by more than this, percent. @default 10 % */
  capacityMarginPercent: 10,
  /** gate.yaml `deployment`: SLO-violating minutes the release's deployment may add. @default 0 */
  maxAddedSloMinutes: 0,
  /**
   * Checks that must be judged (not skipped for want of data) for the gate to pass; with fewer
   * and none failed, the verdict is "inconclusive" and the gate exits 1: a gate that judged
   * nothing has not shown the release is good. 0 (with requireLatencyCheck: false) lets a gate with every check skipped pass.
   * @default 1
   */
  minJudgedChecks: 1,
  /**
   * A pass needs at least one latency check judged (the SLO's p95 or p99, a k6 threshold on a
   * time metric such as http_req_duration, or a p95 regression against a baseline); with none,
   * and none failed, the verdict is "inconclusive" (exit 1): a performance gate that judged only
   * 5xx or headroom has not shown the release is fast enough. false lets the others pass it.
   * @default true
   */
  requireLatencyCheck: true,
  /**
   * A latency check's pass needs enough samples: for a percentile q, at least the n for which
   * the largest of n samples lies at or above the true q-th percentile with this probability
   * (1 − (q/100)^n ≥ it: 59 samples for p(95), 299 for p(99), 29 for p(90), 5 for the median,
   * and the mean); with fewer, a pass is not judged (a failure stands). Model choice: the
   * order-statistic bound, the least a sample must hold to say anything of that percentile.
   * 0 turns it off. @default 0.95
   */
  latencySampleConfidence: 0.95,
} as const;

// ---------------------------------------------------------------------------------------------
// AWS calls (`collect`, `import s3://…`, `run --on ecs`).

/** How long and how often caplab asks AWS (the flags `--connect-timeout`, `--request-timeout`). */
export const AWS_CALL_DEFAULTS = {
  /** Seconds to establish a connection (TCP and TLS). `AWS_CONNECT_TIMEOUT_SECONDS`. @default 10 */
  connectTimeoutSeconds: 10,
  /**
   * Seconds to wait for an answer to begin (from sending the request to the response's headers),
   * and the longest silence while its body arrives. The AWS CLI's `--cli-read-timeout` default
   * (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-options.html). @default 60
   */
  requestTimeoutSeconds: 60,
  /**
   * Attempts per AWS call, the first included: the SDK's standard retry mode, whose default is 3
   * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html). @default 3
   */
  maxAttempts: 3,
} as const;

/**
 * caplab's own retries around the SDK's, for what outlasts them (sustained throttling, a burst of
 * 5xx, a dropped connection): full-jitter exponential backoff, attempt n waits
 * random × min(maxDelay, base × 2ⁿ) ("Exponential Backoff And Jitter", AWS Architecture Blog).
 */
export const RETRY_DEFAULTS = {
  /** Attempts in all, the first included. @default 6 */
  maxAttempts: 6,
  /** Backoff base, milliseconds. @default 500 */
  baseDelayMs: 500,
  /** Backoff cap, milliseconds. @default 20000 */
  maxDelayMs: 20_000,
} as const;

/** `caplab collect`. */
export const COLLECT_DEFAULTS = {
  /** `--period`, seconds: the ALB and Container Insights metrics are published once a minute (§2.1). @default 60 */
  periodSeconds: 60,
  /** `--max-tasks`: tasks whose per-task and per-container series are collected at most. @default 50 */
  maxTasks: 50,
} as const;

/** `caplab import`. */
export const IMPORT_DEFAULTS = {
  /** `--step`, seconds: the trace bundle's step for per-request logs. @default 60 */
  stepSeconds: 60,
  /**
   * A log silent for longer than this, seconds, between two lines is taken to be missing there:
   * those steps are gaps (no data, not written), not zero traffic, so a bundle's size follows its
   * data, not its window. @default 86400 (a day: longer than any nightly lull)
   */
  sparseQuietSeconds: 86_400,
  /**
   * `--region`'s last fallback for `s3://` sources, after AWS_REGION and AWS_DEFAULT_REGION: the
   * region the AWS SDKs' own examples use; a bucket elsewhere answers with its region in the
   * error, which caplab prints. @default "us-east-1"
   */
  s3Region: "us-east-1",
  /**
   * `--format k6 --scenario`'s fallback when the points carry no `scenario` tag (k6 tags every
   * point with its scenario, "default" for a script's `default` function: k6 docs, "Tags and
   * Groups", system tags): the name the history pools such runs by. @default "k6"
   */
  k6Scenario: "k6",
  /**
   * Plain files from this size are read by worker threads by default. A worker costs its start
   * (a new isolate loading the aggregator's modules: 40–60 ms) and its warm-up (its copy of the
   * scanner starts as unoptimized code, and on two cores both threads share them with V8's
   * compiler threads), once per process (an idle worker is kept 5 s for the next file). With
   * the WebAssembly scanner one warm thread reads ~1.5 GB/s, so a one-file process (a CLI
   * command) on an idle 2-core machine did not gain from a cold worker up to 802 MB (threads
   * against one thread 0.63× at 128 MiB, 0.70× at 256 MiB, 0.81× at 401 MB, 0.94× at 802 MB;
   * bench/README.md, "Threads by default"); a warm worker gains 1.3× at 401 MB. @default 1 GiB
   */
  k6ThreadMinBytes: 1 << 30,
  /**
   * Plain local ALB logs from this size are read in pieces by worker threads, one per idle core
   * (analysis/io/import/alb-file.ts): under it a new worker's start and warm-up (0.18–0.25 CPU
   * s, against ~700 MB per CPU s of parsing) outweigh its share of the work; about 1.2× on two
   * idle cores from here, estimated from CPU figures (bench/README.md, "ALB import"). @default 192 MiB
   */
  albThreadMinBytes: 192 << 20,
  /**
   * Latencies a step's quantile keeps as they are (ALB `target_processing_time`: the per-step
   * p95): up to this many, the p95 is k6's exactly (linear interpolation between the two
   * closest ranks, analysis/stats/k6-percentile.ts); past it, from the sketch's buckets, within
   * 1 % of k6's (QuantileSketch in analysis/access-log.ts). 8 bytes each, so at most 1 KiB a
   * step. @default 128
   */
  latencyExactValues: 128,
} as const;

/** `caplab run`. */
export const RUN_DEFAULTS = {
  /**
   * Seconds `run --collect` waits after the test before collecting CloudWatch data: the upper
   * end of the 2–3 minutes after which a 60-s datapoint can be read (§2.1, §1.10: publication
   * latency is not documented; 2–3 min is what AWS's 363-s step-to-scale-out benchmark leaves
   * for it). The simulator's `metricPublicationDelaySeconds` (150 s) is the middle of that
   * range, tuned so that simulated alarms fire when AWS's do; this wait takes the upper end
   * because a minute read too early is missing from the bundle for good, while 30 s more
   * waiting costs nothing. @default 180
   */
  collectWaitSeconds: 180,
  /** `--on ecs --container`: the k6 container's name in the task definition. @default "k6" */
  k6Container: "k6",
  /**
   * `--on ecs`: seconds caplab waits for the tasks beyond the test's length (image pull, VU
   * init, the summary and the upload: ECS launches take about a minute, §2.2), and at most for
   * them to be RUNNING before a synchronised start. Model choice. @default 900
   */
  ecsWaitMarginSeconds: 900,
  /** `--on ecs` with a script of its own (no plan): the test length assumed for that wait. @default 3600 */
  scriptTestSeconds: 3600,
  /**
   * `--sync-timeout`: seconds to wait for every k6 to answer on its REST API once the tasks
   * run, before giving up (VU init can be slow). @default 300
   */
  syncStartTimeoutSeconds: 300,
} as const;

/** `caplab calibrate` (and the models `rightsize` and `backtest` calibrate). */
export const CALIBRATE_DEFAULTS = {
  /**
   * CPU utilization above which a step counts as saturated and is left out of the fits: past
   * it, queueing, not the work per request, drives CPU time. Model choice. @default 85 %
   */
  saturatedCpuPercent: 85,
  /** Steady steps below which a fit is flagged as resting on too few points. Model choice. @default 20 */
  minimumPoints: 20,
  /** Utilization (request CPU / capacity) below which a step counts as low load (the latency fit). Model choice. @default 0.5 */
  lowLoadUtilization: 0.5,
} as const;

// ---------------------------------------------------------------------------------------------
// The run history (`gate`, `plan`, `run`, `history`).

export const HISTORY_DEFAULTS = {
  /**
   * Where the history lives without `--history` or `CAPLAB_HISTORY`, relative to the project's
   * root (the nearest folder with .caplab/, package.json or .git, else the working folder), so
   * the runs, gates and plans of one project land in one database.
   */
  path: ".caplab/history.duckdb",
  /**
   * Seconds a command waits for another caplab's lock on the history before it gives up (exit
   * 74): a recording holds the file for well under a second, so a minute covers a fleet of
   * commands finishing at once. `CAPLAB_HISTORY_LOCK_TIMEOUT` overrides it. @default 60
   */
  lockTimeoutSeconds: 60,
  /** `caplab history --last`: runs listed. @default 30 */
  last: 30,
  /**
   * Fewest runs on each side of a p95 change point (E-Divisive's minimum segment size; Apache
   * Otava, the former Hunter, uses the same test). Fewer than twice this many runs: no change
   * points. Model choice. @default 4 runs
   */
  changePointMinSize: 4,
  /** Seed of the change-point permutation test: the same history gives the same points. @default 1 */
  changePointSeed: 1,
} as const;

// ---------------------------------------------------------------------------------------------
// Rightsizing (`caplab rightsize`).

/** What a task is sized on: usage percentiles plus headroom (the flags `--headroom`). */
export const RIGHTSIZE_DEFAULTS = {
  /**
   * Headroom added on top of the usage percentiles, percent: Compute Optimizer's default CPU and
   * memory headroom, PERCENT_20 (PutRecommendationPreferences, utilizationPreferences: "When
   * this preference isn't specified, we use … PERCENT_20 for headroom"; there for EC2
   * instances, here for Fargate tasks). @default 20 %
   */
  headroomPercent: 20,
  /** Percentile of per-task CPU used that sizes the CPU, in (0, 1]. Model choice. @default 0.95 */
  cpuPercentile: 0.95,
  /** Percentile of per-task memory used that sizes the memory, in (0, 1]: memory runs out, CPU only slows. Model choice. @default 0.99 */
  memoryPercentile: 0.99,
} as const;

// ---------------------------------------------------------------------------------------------

/** Every default above, in one object (what the pinning test prints). */
/**
 * The sweep's exact pruning and its worker threads (sim/prune.ts, sim/io/pool.ts). None changes
 * a plan, only how much a sweep simulates and how its work is handed out; bench/README.md
 * ("Sweep") has the figures behind them.
 */
export const SWEEP_DEFAULTS = {
  /** How often, in seconds of trace, a simulation checks whether it can stop. @default 600 */
  pruneCheckSeconds: 600,
  /**
   * The ordering pass simulates this fraction of the trace around its busiest step, within
   * orderWindowMinSeconds and orderWindowMaxSeconds (on 600 candidates × 14 days a day's pass
   * cost 7.1 % of the exhaustive sweep's steps and left 83.7 % to simulate, a six-hour one 1.8 %
   * and 85.2 %). @default 1/50
   */
  orderWindowFraction: 1 / 50,
  /** @default 21,600 seconds (six hours) */
  orderWindowMinSeconds: 6 * 3600,
  /** @default 86,400 seconds (a day) */
  orderWindowMaxSeconds: 86_400,
  /**
   * Candidates in the sweep's first wave (the waves then double). No candidate of the first
   * wave stops early, so a small one lets more stop: on plan --default's 300 candidates, 38
   * stopped with 16 and 21 with 64 (a wave's last batches leave a worker idle, so not much
   * smaller). @default 16
   */
  firstWave: 16,
  /** Candidates per message to a worker thread (fewer as a wave ends). @default 4 */
  batchSize: 4,
} as const;

export const DEFAULTS = {
  platform: PLATFORM_DEFAULTS,
  service: SERVICE_DEFAULTS,
  slo: SLO_DEFAULTS,
  scaling: SCALING_DEFAULTS,
  desiredCount: DESIRED_COUNT_DEFAULTS,
  deployment: DEPLOYMENT_DEFAULTS,
  prices: US_EAST_1_PRICES,
  task: TASK_DEFAULTS,
  seed: 1,
  space: SPACE_DEFAULTS,
  robustness: ROBUSTNESS_DEFAULTS,
  pareto: PARETO_DEFAULTS,
  guardrails: GUARDRAIL_DEFAULTS,
  gate: GATE_DEFAULTS,
  awsCalls: AWS_CALL_DEFAULTS,
  retry: RETRY_DEFAULTS,
  collect: COLLECT_DEFAULTS,
  import: IMPORT_DEFAULTS,
  run: RUN_DEFAULTS,
  history: HISTORY_DEFAULTS,
  rightsize: RIGHTSIZE_DEFAULTS,
  calibrate: CALIBRATE_DEFAULTS,
  sweep: SWEEP_DEFAULTS,
} as const;
