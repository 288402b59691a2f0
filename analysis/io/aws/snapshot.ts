/**
 * Snapshots of the service's configuration when the data is taken, and their conversion to
 * the `simulate` config's words (manifest.current):
 *
 *   DescribeServices ─▶ Service ─┬─ DescribeTaskDefinition ─▶ TaskDefinition ──▶ task size
 *                                ├─ loadBalancers[].targetGroupArn ─▶ `targetgroup/NAME/ID`
 *                                │    ─ ELBv2 DescribeTargetGroups (analysis/io/aws/elbv2.ts) ─▶ `app/NAME/ID`
 *                                └─ currentServiceRevisions ─▶ DescribeServiceRevisions ─▶ monitoring
 *   DescribeScalableTargets, DescribeScalingPolicies, DescribeScheduledActions,
 *   DescribeScalingActivities (Application Auto Scaling) + DescribeAlarms (the alarms of
 *   step-scaling policies) ─▶ ScalingSnapshot ──toScalingConfig──▶ ScalingSchema form
 *
 * Everything that cannot be said in the simulate config's words (predictive scaling, metric
 * math, rate() schedules, time zones other than UTC) is left out of `current` with a warning;
 * it stays in scaling.json as AWS returned it.
 */
import {
  paginateDescribeScalableTargets,
  paginateDescribeScalingActivities,
  paginateDescribeScalingPolicies,
  paginateDescribeScheduledActions,
  type ApplicationAutoScalingClient,
  type ScalableTarget,
  type ScalingActivity,
  type ScalingPolicy,
  type ScheduledAction,
} from "@aws-sdk/client-application-auto-scaling";
import {
  paginateDescribeAlarms,
  type CloudWatchClient,
  type MetricAlarm,
} from "@aws-sdk/client-cloudwatch";
import {
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  type Service,
  type ServiceRevision,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import type { TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import { UsageError } from "../../../sim/vocab/errors.js";
import {
  warnings,
  PolicySchema,
  ScalingSchema,
  ScheduledActionSchema,
  TaskSizeSchema,
  TREAT_MISSING_DATA,
  type PolicyConfig,
  DeploymentSettingsSchema,
  type DeploymentSettings,
  type Result,
  type ScalingConfig,
  type ScheduledActionConfig,
  type TaskSizeConfig,
  type WarningSink,
} from "../../../sim/vocab/index.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { MalformedResponseError } from "./aws-client.js";

/** The last part of an ARN or a path (`arn:…:cluster/prod` → `prod`); a plain name as is. */
export function lastPart(nameOrArn: string): string {
  return nameOrArn.slice(nameOrArn.lastIndexOf("/") + 1);
}

export interface ServiceSnapshot {
  readonly service: Service;
  readonly taskDefinition: TaskDefinition;
  /**
   * The service's current revisions (DescribeServiceRevisions): where the `monitoring`
   * configuration (20-s CPU/memory metrics) is visible. Empty when they could not be read.
   */
  readonly revisions: ServiceRevision[];
}

/** DescribeServiceRevisions takes at most this many ARNs per call. */
const REVISIONS_PER_CALL = 20;

/**
 * DescribeServices, then DescribeTaskDefinition of the service's task definition, then
 * DescribeServiceRevisions of its current revisions (optional: a failure is a warning).
 */
export async function snapshotService(
  ecs: ECSClient,
  cluster: string,
  service: string,
  retry: RetryOptions,
  signal?: AbortSignal,
  warn: WarningSink = () => {},
): Promise<ServiceSnapshot> {
  const described = await withRetry(
    () =>
      ecs.send(new DescribeServicesCommand({ cluster, services: [service] }), {
        abortSignal: signal,
      }),
    retry,
    signal,
  );
  const found = described.services?.[0];
  if (!found) {
    const reason = described.failures?.[0]?.reason ?? "not returned";
    throw new UsageError(
      `ECS service "${service}" was not found in cluster "${cluster}" (${reason}); check --cluster, --service and --region.`,
      "service-not-found",
    );
  }
  if (!found.taskDefinition)
    throw new MalformedResponseError("ECS DescribeServices", `no taskDefinition for ${service}`);
  const td = await withRetry(
    () =>
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: found.taskDefinition }), {
        abortSignal: signal,
      }),
    retry,
    signal,
  );
  if (!td.taskDefinition)
    throw new MalformedResponseError(
      "ECS DescribeTaskDefinition",
      `no taskDefinition for ${found.taskDefinition}`,
    );
  const arns = (found.currentServiceRevisions ?? []).flatMap((r) => (r.arn ? [r.arn] : []));
  const revisions: ServiceRevision[] = [];
  try {
    for (let i = 0; i < arns.length; i += REVISIONS_PER_CALL) {
      const page = await withRetry(
        () =>
          ecs.send(
            new DescribeServiceRevisionsCommand({
              serviceRevisionArns: arns.slice(i, i + REVISIONS_PER_CALL),
            }),
            { abortSignal: signal },
          ),
        retry,
        signal,
      );
      revisions.push(...(page.serviceRevisions ?? []));
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    warn(warnings.revisionsUnreadable(error instanceof Error ? error.name : "Error"));
  }
  return { service: found, taskDefinition: td.taskDefinition, revisions };
}

export interface ScalingSnapshot {
  /** `service/<cluster>/<service>`. */
  readonly resourceId: string;
  readonly scalableTargets: ScalableTarget[];
  readonly policies: ScalingPolicy[];
  readonly scheduledActions: ScheduledAction[];
  readonly activities: ScalingActivity[];
  /** The CloudWatch alarms step-scaling policies are attached to. */
  readonly alarms: MetricAlarm[];
}

const ECS_DIMENSION = "ecs:service:DesiredCount" as const;

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

/** Application Auto Scaling state of the service, every list paginated; alarms of step policies. */
export async function snapshotScaling(
  aas: ApplicationAutoScalingClient,
  cloudWatch: CloudWatchClient,
  clusterName: string,
  serviceName: string,
  retry: RetryOptions,
  signal?: AbortSignal,
  warn: WarningSink = () => {},
): Promise<ScalingSnapshot> {
  const resourceId = `service/${clusterName}/${serviceName}`;
  const common = {
    ServiceNamespace: "ecs",
    ResourceId: resourceId,
    ScalableDimension: ECS_DIMENSION,
  } as const;
  const list = <T>(pages: () => AsyncIterable<T>) => withRetry(() => all(pages()), retry, signal);
  const scalableTargets = (
    await list(() =>
      paginateDescribeScalableTargets(
        { client: aas },
        { ServiceNamespace: "ecs", ResourceIds: [resourceId], ScalableDimension: ECS_DIMENSION },
      ),
    )
  ).flatMap((p) => p.ScalableTargets ?? []);
  const policies = (
    await list(() => paginateDescribeScalingPolicies({ client: aas }, { ...common }))
  ).flatMap((p) => p.ScalingPolicies ?? []);
  const scheduledActions = (
    await list(() => paginateDescribeScheduledActions({ client: aas }, { ...common }))
  ).flatMap((p) => p.ScheduledActions ?? []);
  // The activities only time past scale-outs (backtest, calibrate): a failure is a warning,
  // as some emulators (moto 5.2) do not implement the call.
  let activities: ScalingActivity[] = [];
  try {
    activities = (
      await list(() => paginateDescribeScalingActivities({ client: aas }, { ...common }))
    ).flatMap((p) => p.ScalingActivities ?? []);
  } catch (error) {
    if (signal?.aborted) throw error;
    warn(warnings.activitiesUnreadable(error instanceof Error ? error.name : "Error"));
  }
  const alarmNames = [
    ...new Set(
      policies
        .filter((p) => p.PolicyType === "StepScaling")
        .flatMap((p) => (p.Alarms ?? []).map((a) => a.AlarmName ?? ""))
        .filter((n) => n !== ""),
    ),
  ];
  const alarms: MetricAlarm[] = [];
  // DescribeAlarms takes at most 100 names per call.
  for (let i = 0; i < alarmNames.length; i += 100) {
    const names = alarmNames.slice(i, i + 100);
    const pages = await list(() =>
      paginateDescribeAlarms(
        { client: cloudWatch },
        { AlarmNames: names, AlarmTypes: ["MetricAlarm"] },
      ),
    );
    alarms.push(...pages.flatMap((p) => p.MetricAlarms ?? []));
  }
  return { resourceId, scalableTargets, policies, scheduledActions, activities, alarms };
}

// ---------------------------------------------------------------------------------------------
// Discovery of the ALB and target group

const LOAD_BALANCER = /^app\/[^/]+\/[0-9a-f]+$/;
const TARGET_GROUP = /^targetgroup\/[^/]+\/[0-9a-f]+$/;

/**
 * The CloudWatch `TargetGroup` dimension (`targetgroup/NAME/ID`) of a target group ARN
 * (`arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID`), or of the dimension
 * itself; null when it is neither.
 */
export function targetGroupDimension(arnOrDimension: string): string | null {
  const at = arnOrDimension.indexOf("targetgroup/");
  if (at < 0) return null;
  const dim = arnOrDimension.slice(at);
  return TARGET_GROUP.test(dim) ? dim : null;
}

/** The `LoadBalancer` dimension (`app/NAME/ID`) of an ALB ARN or of the dimension itself. */
export function loadBalancerDimension(arnOrDimension: string): string | null {
  const at = arnOrDimension.startsWith("app/") ? 0 : arnOrDimension.indexOf(":loadbalancer/app/");
  const dim =
    at === 0 ? arnOrDimension : at > 0 ? arnOrDimension.slice(at + ":loadbalancer/".length) : "";
  return LOAD_BALANCER.test(dim) ? dim : null;
}

export interface LoadBalancerScope {
  readonly loadBalancer: string;
  readonly targetGroup: string;
  /** How each was found, for the manifest's notes. */
  readonly how: string;
}

/** The target group to read metrics for, and how it was chosen. */
export interface TargetGroupChoice {
  /** `targetgroup/NAME/ID`. */
  readonly dimension: string;
  /** Its ARN, when the flag or the service gave one. */
  readonly arn?: string;
  readonly how: string;
}

/**
 * The target group: `--target-group` (dimension or ARN), else the service's first
 * `loadBalancers[].targetGroupArn`.
 *
 * @throws UsageError naming the flag to pass when there is none, or the flag is not one.
 */
export function chooseTargetGroup(
  service: Service,
  given: { readonly targetGroup?: string },
): TargetGroupChoice {
  if (given.targetGroup !== undefined) {
    const dimension = targetGroupDimension(given.targetGroup);
    if (!dimension)
      throw new UsageError(
        `--target-group "${given.targetGroup}" is not a target group; give targetgroup/NAME/ID or its ARN.`,
        "bad-flag",
      );
    return {
      dimension,
      ...(given.targetGroup.startsWith("arn:") ? { arn: given.targetGroup } : {}),
      how: "target group from --target-group",
    };
  }
  const arns = (service.loadBalancers ?? []).map((lb) => lb.targetGroupArn ?? "").filter((a) => a);
  const dimension = arns.length > 0 ? targetGroupDimension(arns[0]!) : null;
  if (!dimension)
    throw new UsageError(
      `ECS service "${service.serviceName}" has no ALB target group; pass --load-balancer app/NAME/ID and --target-group targetgroup/NAME/ID (the requests series comes from the ALB).`,
      "no-load-balancer",
    );
  return {
    dimension,
    arn: arns[0]!,
    how: `target group from the service's loadBalancers${arns.length > 1 ? ` (first of ${arns.length})` : ""}`,
  };
}

/**
 * What ELBv2 DescribeTargetGroups said of the target group: its description, or the error
 * it failed with (after retries). Absent when it was not asked.
 */
export type DescribedTargetGroup =
  | { readonly ok: true; readonly group: TargetGroup }
  | { readonly ok: false; readonly error: unknown };

const DENIED = /^(AccessDenied|UnauthorizedOperation)/;

/**
 * The ALB and target group to read metrics for. The target group comes from
 * {@link chooseTargetGroup}. The load balancer, in this order: `--load-balancer`; the
 * ResourceLabel (`app/…/…/targetgroup/…/…`) of an ALBRequestCountPerTarget policy on the same
 * target group; the one load balancer DescribeTargetGroups lists in the target group's
 * `LoadBalancerArns` (`described`; its last part, `app/NAME/ID`, is the CloudWatch
 * `LoadBalancer` dimension). A target group attached to several is not guessed at.
 *
 * @throws UsageError naming the flag to pass (or the IAM action to allow) when either cannot
 *   be found; `described.error` as it is when DescribeTargetGroups failed otherwise.
 */
export function discoverLoadBalancer(
  service: Service,
  policies: readonly ScalingPolicy[],
  given: { readonly loadBalancer?: string; readonly targetGroup?: string },
  described?: DescribedTargetGroup,
): LoadBalancerScope {
  const choice = chooseTargetGroup(service, given);
  const targetGroup = choice.dimension;
  const how: string[] = [choice.how];
  const scope = (loadBalancer: string, found: string): LoadBalancerScope => ({
    loadBalancer,
    targetGroup,
    how: [...how, found].join("; "),
  });
  if (given.loadBalancer !== undefined) {
    const loadBalancer = loadBalancerDimension(given.loadBalancer);
    if (!loadBalancer)
      throw new UsageError(
        `--load-balancer "${given.loadBalancer}" is not an Application Load Balancer; give app/NAME/ID or its ARN.`,
        "bad-flag",
      );
    return scope(loadBalancer, "load balancer from --load-balancer");
  }
  for (const p of policies) {
    const label =
      p.TargetTrackingScalingPolicyConfiguration?.PredefinedMetricSpecification?.ResourceLabel;
    const m = label?.match(/^(app\/[^/]+\/[0-9a-f]+)\/(targetgroup\/[^/]+\/[0-9a-f]+)$/);
    if (m && m[2] === targetGroup)
      return scope(m[1]!, `load balancer from the ResourceLabel of policy "${p.PolicyName}"`);
  }
  const flag = "pass --load-balancer app/NAME/ID (the last part of the ALB's ARN)";
  if (described === undefined)
    throw new UsageError(
      `the load balancer of target group ${targetGroup} cannot be found from ECS alone; ${flag}.`,
      "no-load-balancer",
    );
  if (!described.ok) {
    const e = described.error as { name?: string; message?: string } | null;
    const name = e?.name ?? "";
    if (DENIED.test(name))
      throw new UsageError(
        `AWS refused elasticloadbalancing:DescribeTargetGroups (${name}), so the load balancer of target group ${targetGroup} cannot be found; allow that action (examples/iam/collect-policy.json) or ${flag}.`,
        "no-load-balancer",
      );
    if (name === "TargetGroupNotFoundException" || name === "TargetGroupNotFound")
      throw new UsageError(
        `ELB has no target group ${targetGroup} in this Region (${name}); check --region and --target-group, or ${flag}.`,
        "no-load-balancer",
      );
    throw described.error;
  }
  const arns = described.group.LoadBalancerArns ?? [];
  if (arns.length === 0)
    throw new UsageError(
      `target group ${targetGroup} is attached to no load balancer (DescribeTargetGroups lists none), so it has no ALB metrics; attach it to a listener's rule, or ${flag}.`,
      "no-load-balancer",
    );
  if (arns.length > 1)
    throw new UsageError(
      `target group ${targetGroup} is attached to ${arns.length} load balancers (${arns.map((a) => loadBalancerDimension(a) ?? a).join(", ")}), so which one's traffic to collect is not guessed; pass --load-balancer with one of them.`,
      "no-load-balancer",
    );
  const loadBalancer = loadBalancerDimension(arns[0]!);
  if (!loadBalancer)
    throw new UsageError(
      `target group ${targetGroup} is attached to ${arns[0]}, which is not an Application Load Balancer; caplab reads ALB metrics: ${flag}.`,
      "no-load-balancer",
    );
  return scope(
    loadBalancer,
    "load balancer from the target group's LoadBalancerArns (ELBv2 DescribeTargetGroups)",
  );
}

// ---------------------------------------------------------------------------------------------
// Conversion to the simulate config's words

const COOLDOWN_KEYS = ["ScaleOutCooldown", "ScaleInCooldown"] as const;

function alarmToConfig(alarm: MetricAlarm): Result<NonNullable<PolicyConfig["Alarm"]>> {
  if (alarm.Metrics && alarm.Metrics.length > 0)
    return { ok: false, error: `alarm "${alarm.AlarmName}" uses metric math` };
  if (alarm.ExtendedStatistic)
    return { ok: false, error: `alarm "${alarm.AlarmName}" uses ${alarm.ExtendedStatistic}` };
  if (alarm.Period !== 60 && alarm.Period !== 20)
    return {
      ok: false,
      error: `alarm "${alarm.AlarmName}" has a ${alarm.Period}-s period (60 or 20 are simulated)`,
    };
  return {
    ok: true,
    value: {
      AlarmName: alarm.AlarmName,
      Metric: {
        Namespace: alarm.Namespace ?? "",
        MetricName: alarm.MetricName ?? "",
        Statistic: (alarm.Statistic ?? "Average") as "Average",
        Dimensions: (alarm.Dimensions ?? []).map((d) => ({
          Name: d.Name ?? "",
          Value: d.Value ?? "",
        })),
        ...(alarm.Unit ? { Unit: alarm.Unit } : {}),
      },
      Threshold: alarm.Threshold ?? 0,
      ComparisonOperator: alarm.ComparisonOperator as "GreaterThanThreshold",
      Period: alarm.Period,
      EvaluationPeriods: alarm.EvaluationPeriods ?? 1,
      ...(alarm.DatapointsToAlarm ? { DatapointsToAlarm: alarm.DatapointsToAlarm } : {}),
      // The alarm's own setting (DescribeAlarms); CloudWatch's default when absent.
      TreatMissingData: TREAT_MISSING_DATA.find((t) => t === alarm.TreatMissingData) ?? "missing",
    },
  };
}

function firstIssue(error: {
  issues: readonly { path: PropertyKey[]; message: string }[];
}): string {
  const issue = error.issues[0];
  if (!issue) return "invalid";
  const path = issue.path.map(String).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

/**
 * One Application Auto Scaling policy in the simulate config's form (PolicySchema), or why it
 * cannot be simulated. Step-scaling policies take their alarm from `alarms` (by name).
 */
export function toPolicyConfig(
  policy: ScalingPolicy,
  alarms: readonly MetricAlarm[],
): Result<PolicyConfig> {
  const name = policy.PolicyName ?? "(unnamed)";
  let candidate: Record<string, unknown>;
  if (policy.PolicyType === "TargetTrackingScaling") {
    const tt = policy.TargetTrackingScalingPolicyConfiguration;
    if (!tt)
      return {
        ok: false,
        error: `policy "${name}" has no TargetTrackingScalingPolicyConfiguration`,
      };
    const custom = tt.CustomizedMetricSpecification;
    if (custom?.Metrics && custom.Metrics.length > 0)
      return {
        ok: false,
        error: `policy "${name}" tracks a metric-math expression, which is not simulated`,
      };
    const config: Record<string, unknown> = { TargetValue: tt.TargetValue };
    if (tt.PredefinedMetricSpecification) {
      config.PredefinedMetricSpecification = {
        PredefinedMetricType: tt.PredefinedMetricSpecification.PredefinedMetricType,
        ...(tt.PredefinedMetricSpecification.ResourceLabel
          ? { ResourceLabel: tt.PredefinedMetricSpecification.ResourceLabel }
          : {}),
      };
    }
    if (custom) {
      config.CustomizedMetricSpecification = {
        Namespace: custom.Namespace,
        MetricName: custom.MetricName,
        Statistic: custom.Statistic ?? "Average",
        ...(custom.Dimensions
          ? { Dimensions: custom.Dimensions.map((d) => ({ Name: d.Name, Value: d.Value })) }
          : {}),
        ...(custom.Unit ? { Unit: custom.Unit } : {}),
      };
    }
    for (const key of COOLDOWN_KEYS) if (tt[key] !== undefined) config[key] = tt[key];
    if (tt.DisableScaleIn !== undefined) config.DisableScaleIn = tt.DisableScaleIn;
    candidate = {
      PolicyName: name,
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: config,
    };
  } else if (policy.PolicyType === "StepScaling") {
    const step = policy.StepScalingPolicyConfiguration;
    if (!step)
      return { ok: false, error: `policy "${name}" has no StepScalingPolicyConfiguration` };
    const alarmName = policy.Alarms?.[0]?.AlarmName;
    const alarm = alarms.find((a) => a.AlarmName === alarmName);
    if (!alarm)
      return { ok: false, error: `step-scaling policy "${name}" has no alarm that could be read` };
    const converted = alarmToConfig(alarm);
    if (!converted.ok)
      return { ok: false, error: `step-scaling policy "${name}": ${converted.error}` };
    candidate = {
      PolicyName: name,
      PolicyType: "StepScaling",
      StepScalingPolicyConfiguration: {
        AdjustmentType: step.AdjustmentType,
        StepAdjustments: (step.StepAdjustments ?? []).map((s) => ({
          ...(s.MetricIntervalLowerBound !== undefined
            ? { MetricIntervalLowerBound: s.MetricIntervalLowerBound }
            : {}),
          ...(s.MetricIntervalUpperBound !== undefined
            ? { MetricIntervalUpperBound: s.MetricIntervalUpperBound }
            : {}),
          ScalingAdjustment: s.ScalingAdjustment,
        })),
        ...(step.Cooldown !== undefined ? { Cooldown: step.Cooldown } : {}),
        ...(step.MetricAggregationType
          ? { MetricAggregationType: step.MetricAggregationType }
          : {}),
        ...(step.MinAdjustmentMagnitude !== undefined
          ? { MinAdjustmentMagnitude: step.MinAdjustmentMagnitude }
          : {}),
      },
      Alarm: converted.value,
    };
  } else {
    return {
      ok: false,
      error: `policy "${name}" is ${policy.PolicyType ?? "of no type"}, which is not simulated`,
    };
  }
  const parsed = PolicySchema.safeParse(candidate);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: `policy "${name}" cannot be simulated (${firstIssue(parsed.error)})` };
}

/** A scheduled action in the simulate config's form, or why not (rate(), a time zone other than UTC). */
export function toScheduledActionConfig(action: ScheduledAction): Result<ScheduledActionConfig> {
  const name = action.ScheduledActionName ?? "(unnamed)";
  if (action.Timezone && !/^(UTC|Etc\/UTC|GMT|Etc\/GMT)$/.test(action.Timezone))
    return {
      ok: false,
      error: `scheduled action "${name}" runs in time zone ${action.Timezone}; only UTC is simulated`,
    };
  const parsed = ScheduledActionSchema.safeParse({
    ScheduledActionName: name,
    Schedule: action.Schedule,
    ScalableTargetAction: {
      ...(action.ScalableTargetAction?.MinCapacity !== undefined
        ? { MinCapacity: action.ScalableTargetAction.MinCapacity }
        : {}),
      ...(action.ScalableTargetAction?.MaxCapacity !== undefined
        ? { MaxCapacity: action.ScalableTargetAction.MaxCapacity }
        : {}),
    },
  });
  return parsed.success
    ? { ok: true, value: parsed.data }
    : {
        ok: false,
        error: `scheduled action "${name}" cannot be simulated (${firstIssue(parsed.error)})`,
      };
}

/** The scaling section of manifest.current, or null when the service has no scalable target. */
export function toScalingConfig(
  snapshot: ScalingSnapshot,
  desiredCount: number,
  warn: WarningSink,
): ScalingConfig | null {
  const target = snapshot.scalableTargets[0];
  let min: number;
  let max: number;
  if (target) {
    min = target.MinCapacity ?? 0;
    max = target.MaxCapacity ?? 0;
  } else {
    // No auto scaling: the desired count is fixed.
    min = desiredCount;
    max = desiredCount;
  }
  const policies: PolicyConfig[] = [];
  for (const p of snapshot.policies) {
    const r = toPolicyConfig(p, snapshot.alarms);
    if (r.ok) policies.push(r.value);
    else warn(warnings.notSimulated(r.error));
  }
  const scheduledActions: ScheduledActionConfig[] = [];
  for (const a of snapshot.scheduledActions) {
    const r = toScheduledActionConfig(a);
    if (r.ok) scheduledActions.push(r.value);
    else warn(warnings.notSimulated(r.error));
  }
  const parsed = ScalingSchema.safeParse({
    MinCapacity: min,
    MaxCapacity: max,
    policies,
    scheduledActions,
  });
  if (!parsed.success) {
    warn(
      warnings.notSimulated(
        `the scaling configuration (MinCapacity ${min}, MaxCapacity ${max}) ${firstIssue(parsed.error)}`,
      ),
    );
    return null;
  }
  return parsed.data;
}

/** deploymentConfiguration.strategy (ECS API) → `deployments:` strategy. */
const STRATEGIES = {
  ROLLING: "rolling",
  BLUE_GREEN: "blue-green",
  LINEAR: "linear",
  CANARY: "canary",
} as const;

/**
 * The deployment settings of manifest.current (issue #16): DescribeServices'
 * `deploymentController.type` and `deploymentConfiguration` (percents, circuit breaker with its
 * threshold, strategy, bake times) in `deployments:`'s words. A field AWS leaves out takes ECS's
 * default (ECS API, DeploymentConfiguration: 100 % / 200 %, ROLLING, ECS controller). Null,
 * with a warning, when they cannot be said in those words.
 */
export function toDeploymentSettings(
  service: Service,
  warn: WarningSink,
): DeploymentSettings | null {
  const c = service.deploymentConfiguration ?? {};
  const breaker = c.deploymentCircuitBreaker;
  const threshold = breaker?.thresholdConfiguration;
  const strategy = STRATEGIES[(c.strategy ?? "ROLLING") as keyof typeof STRATEGIES];
  const parsed = DeploymentSettingsSchema.safeParse({
    controller: service.deploymentController?.type ?? "ECS",
    strategy,
    ...(c.minimumHealthyPercent === undefined
      ? {}
      : { minimumHealthyPercent: c.minimumHealthyPercent }),
    ...(c.maximumPercent === undefined ? {} : { maximumPercent: c.maximumPercent }),
    ...(breaker
      ? {
          deploymentCircuitBreaker: {
            enable: breaker.enable ?? false,
            rollback: breaker.rollback ?? false,
            ...(breaker.resetOnHealthyTask === undefined
              ? {}
              : { resetOnHealthyTask: breaker.resetOnHealthyTask }),
            ...(threshold?.type && threshold.value !== undefined
              ? { thresholdConfiguration: { type: threshold.type, value: threshold.value } }
              : {}),
          },
        }
      : {}),
    ...(c.bakeTimeInMinutes === undefined ? {} : { bakeTimeInMinutes: c.bakeTimeInMinutes }),
    ...(c.linearConfiguration ? { linearConfiguration: c.linearConfiguration } : {}),
    ...(c.canaryConfiguration ? { canaryConfiguration: c.canaryConfiguration } : {}),
  });
  if (!parsed.success) {
    warn(
      warnings.notSimulated(
        `the deployment configuration of service "${service.serviceName}" (${firstIssue(parsed.error)})`,
      ),
    );
    return null;
  }
  return parsed.data;
}

/**
 * The task size of manifest.current: cpu and memory of the task definition, its
 * runtimePlatform's architecture, and FARGATE_SPOT when the service's capacity provider
 * strategy weighs Spot most. Null (with a warning) when it is not a Fargate size.
 */
export function toTaskSize(
  snapshot: Pick<ServiceSnapshot, "service" | "taskDefinition">,
  warn: WarningSink,
): TaskSizeConfig | null {
  const { service, taskDefinition: td } = snapshot;
  const strategy = service.capacityProviderStrategy ?? [];
  let capacityProvider = "FARGATE";
  if (strategy.length > 0) {
    const top = [...strategy].sort((a, b) => (b.weight ?? 0) - (a.weight ?? 0))[0]!;
    capacityProvider = top.capacityProvider ?? "FARGATE";
    if (strategy.length > 1)
      warn(
        warnings.mixedCapacityProviders(
          service.serviceName ?? "",
          strategy.map((s) => `${s.capacityProvider} (weight ${s.weight ?? 0})`).join(", "),
          capacityProvider,
        ),
      );
  }
  const parsed = TaskSizeSchema.safeParse({
    cpu: td.cpu,
    memory: td.memory,
    architecture: td.runtimePlatform?.cpuArchitecture ?? "X86_64",
    capacityProvider,
  });
  if (!parsed.success) {
    warn(
      warnings.notSimulated(
        `task definition ${td.family}:${td.revision} (cpu ${td.cpu}, memory ${td.memory}, ${capacityProvider}) is not a Fargate task size (${firstIssue(parsed.error)})`,
      ),
    );
    return null;
  }
  return parsed.data;
}
