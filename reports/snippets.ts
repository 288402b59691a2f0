/**
 * Deployment snippets for a recommendation: the Application Auto Scaling request bodies in
 * AWS's own JSON shapes, and the same setting as a CloudFormation fragment, Terraform and
 * AWS CLI commands.
 *
 *   { task, scaling, serviceName, clusterName }
 *     → AWS shapes (policy configurations, scalable target, scheduled actions, step alarms)
 *     → four renderings of those shapes: policyJson / scalableTarget, CloudFormation YAML,
 *       Terraform HCL, AWS CLI.
 *
 * Every text form is built from the AWS shapes, so the forms cannot drift apart. Names and
 * labels come from the user and are only ever written through the quoting of the target
 * language ({@link hclString}, {@link shellQuote}, the `yaml` package's scalars); comments are
 * written line by line with {@link commentLines}, so a line break in a name cannot end one.
 *
 * Pure: no I/O; `renderX` returns values and text.
 */
import { Document, Scalar, stringify, visit } from "yaml";
import type { MetricSpec, PredefinedMetricType, ScalingConfig } from "../sim/vocab/config.js";
import type { TaskSize } from "../sim/vocab/fargate.js";

/** What to render: a task size, its scaling setting and the names of the service. */
export interface SnippetInput {
  readonly task: TaskSize;
  readonly scaling: ScalingConfig;
  readonly serviceName: string;
  readonly clusterName: string;
  /**
   * `app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>` for ALBRequestCountPerTarget
   * policies that do not state their own ResourceLabel. @default {@link RESOURCE_LABEL_PLACEHOLDER}
   */
  readonly resourceLabel?: string;
}

/** The text forms plus the request bodies they are built from. */
export interface Snippets {
  /** One configuration per policy, in `scaling.policies` order (TT or step, see {@link PolicyJson}). */
  readonly policyJson: PolicyJson[];
  /** The `RegisterScalableTarget` request body. */
  readonly scalableTarget: ScalableTargetJson;
  readonly cloudformation: string;
  readonly terraform: string;
  readonly awsCli: string;
}

/**
 * `ResourceLabel` used when none is known (format: reference §1.9). Deliberately not a valid
 * label: AWS rejects it until the user replaces it, and every form says so in a comment.
 */
export const RESOURCE_LABEL_PLACEHOLDER =
  "app/<load-balancer-name>/<id>/targetgroup/<target-group-name>/<id>";

/** The ALB target-group dimension value used in alarms when none is known. */
export const TARGET_GROUP_PLACEHOLDER = "targetgroup/<target-group-name>/<id>";

const isPlaceholder = (v: unknown): boolean =>
  v === RESOURCE_LABEL_PLACEHOLDER || v === TARGET_GROUP_PLACEHOLDER;
const PLACEHOLDER_COMMENT = " REPLACE with your load balancer / target group ARN suffix";

/** `TargetTrackingScalingPolicyConfiguration`, as `put-scaling-policy` takes it. */
export interface TargetTrackingPolicyJson {
  TargetValue: number;
  PredefinedMetricSpecification?: {
    PredefinedMetricType: PredefinedMetricType;
    ResourceLabel?: string;
  };
  CustomizedMetricSpecification?: CustomizedMetricJson;
  ScaleOutCooldown: number;
  ScaleInCooldown: number;
  DisableScaleIn: boolean;
}

export interface CustomizedMetricJson {
  MetricName: string;
  Namespace: string;
  Dimensions?: { Name: string; Value: string }[];
  Statistic: MetricSpec["Statistic"];
  Unit?: string;
}

/** `StepScalingPolicyConfiguration`, as `put-scaling-policy` takes it. */
export interface StepScalingPolicyJson {
  AdjustmentType: "ChangeInCapacity" | "PercentChangeInCapacity" | "ExactCapacity";
  StepAdjustments: {
    MetricIntervalLowerBound?: number;
    MetricIntervalUpperBound?: number;
    ScalingAdjustment: number;
  }[];
  MinAdjustmentMagnitude?: number;
  Cooldown: number;
  MetricAggregationType: "Average" | "Minimum" | "Maximum";
}

export type PolicyJson = TargetTrackingPolicyJson | StepScalingPolicyJson;

/** `RegisterScalableTarget` request body for an ECS service. */
export interface ScalableTargetJson {
  ServiceNamespace: "ecs";
  ResourceId: string;
  ScalableDimension: "ecs:service:DesiredCount";
  MinCapacity: number;
  MaxCapacity: number;
}

/** One policy in AWS's shapes, with the name every form uses. */
type PolicyPlan =
  | {
      readonly kind: "target-tracking";
      readonly name: string;
      readonly json: TargetTrackingPolicyJson;
    }
  | {
      readonly kind: "step";
      readonly name: string;
      readonly json: StepScalingPolicyJson;
      readonly alarm: AlarmJson;
    };

/** The `PutMetricAlarm` fields of a step policy's alarm (the policy ARN is added per form). */
interface AlarmJson {
  AlarmName: string;
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Statistic: MetricSpec["Statistic"];
  Unit?: string;
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold: number;
  ComparisonOperator: string;
  /** Only when not CloudWatch's default (`missing`). */
  TreatMissingData?: string;
}

interface ScheduledActionJson {
  ScheduledActionName: string;
  Schedule: string;
  ScalableTargetAction: { MinCapacity?: number; MaxCapacity?: number };
}

/** Everything the forms are rendered from. */
interface Plan {
  readonly task: TaskSize;
  readonly serviceName: string;
  readonly clusterName: string;
  readonly target: ScalableTargetJson;
  readonly policies: readonly PolicyPlan[];
  readonly scheduled: readonly ScheduledActionJson[];
  /** Which of {@link RESOURCE_LABEL_PLACEHOLDER} and {@link TARGET_GROUP_PLACEHOLDER} appear. */
  readonly placeholders: ReadonlySet<string>;
}

/**
 * Renders a recommendation as AWS request bodies, a CloudFormation fragment, Terraform and
 * AWS CLI commands.
 *
 * @example
 * renderSnippets({ task, scaling, serviceName: "web", clusterName: "prod" }).awsCli
 * // "aws application-autoscaling register-scalable-target \\\n  --service-namespace ecs ..."
 */
export function renderSnippets(rec: SnippetInput): Snippets {
  const plan = planOf(rec);
  return {
    policyJson: plan.policies.map((p) => p.json),
    scalableTarget: plan.target,
    cloudformation: renderCloudFormation(plan),
    terraform: renderTerraform(plan),
    awsCli: renderAwsCli(plan),
  };
}

// ---------------------------------------------------------------------------------------------
// AWS shapes

function planOf(rec: SnippetInput): Plan {
  const { scaling } = rec;
  const names = new UniqueNames();
  const placeholders = new Set<string>();
  const dims = (metric: MetricSpec): { Name: string; Value: string }[] => {
    const d = metricDimensions(metric, rec);
    if (d.some((x) => x.Value === TARGET_GROUP_PLACEHOLDER)) {
      placeholders.add(TARGET_GROUP_PLACEHOLDER);
    }
    return d;
  };
  const policies = scaling.policies.map((p, i): PolicyPlan => {
    const tt = p.TargetTrackingScalingPolicyConfiguration;
    if (tt !== undefined) {
      const pre = tt.PredefinedMetricSpecification;
      const custom = tt.CustomizedMetricSpecification;
      // ResourceLabel only for ALBRequestCountPerTarget: AWS rejects it on the other types.
      const label =
        pre?.PredefinedMetricType === "ALBRequestCountPerTarget"
          ? (pre.ResourceLabel ?? rec.resourceLabel ?? RESOURCE_LABEL_PLACEHOLDER)
          : undefined;
      if (label === RESOURCE_LABEL_PLACEHOLDER) placeholders.add(RESOURCE_LABEL_PLACEHOLDER);
      const json: TargetTrackingPolicyJson = {
        TargetValue: tt.TargetValue,
        ...(pre !== undefined
          ? {
              PredefinedMetricSpecification: {
                PredefinedMetricType: pre.PredefinedMetricType,
                ...(label !== undefined ? { ResourceLabel: label } : {}),
              },
            }
          : {}),
        ...(custom !== undefined
          ? {
              CustomizedMetricSpecification: {
                MetricName: custom.MetricName,
                Namespace: custom.Namespace,
                Dimensions: dims(custom),
                Statistic: custom.Statistic,
                ...(custom.Unit !== undefined ? { Unit: custom.Unit } : {}),
              },
            }
          : {}),
        ScaleOutCooldown: tt.ScaleOutCooldown,
        ScaleInCooldown: tt.ScaleInCooldown,
        DisableScaleIn: tt.DisableScaleIn,
      };
      const metric = pre?.PredefinedMetricType ?? custom?.MetricName ?? "metric";
      const name = names.take(p.PolicyName ?? `${metric}-target-${tt.TargetValue}`);
      return { kind: "target-tracking", name, json };
    }
    const step = p.StepScalingPolicyConfiguration;
    const alarm = p.Alarm;
    if (step === undefined || alarm === undefined) {
      throw new Error(
        `policy ${i + 1} needs a TargetTrackingScalingPolicyConfiguration, or a StepScalingPolicyConfiguration with an Alarm`,
      );
    }
    const name = names.take(p.PolicyName ?? `step-scaling-${i + 1}`);
    const json: StepScalingPolicyJson = {
      AdjustmentType: step.AdjustmentType,
      StepAdjustments: step.StepAdjustments.map((s) => ({
        ...(s.MetricIntervalLowerBound !== undefined
          ? { MetricIntervalLowerBound: s.MetricIntervalLowerBound }
          : {}),
        ...(s.MetricIntervalUpperBound !== undefined
          ? { MetricIntervalUpperBound: s.MetricIntervalUpperBound }
          : {}),
        ScalingAdjustment: s.ScalingAdjustment,
      })),
      ...(step.MinAdjustmentMagnitude !== undefined
        ? { MinAdjustmentMagnitude: step.MinAdjustmentMagnitude }
        : {}),
      Cooldown: step.Cooldown,
      MetricAggregationType: step.MetricAggregationType,
    };
    const alarmJson: AlarmJson = {
      AlarmName: alarm.AlarmName ?? `${name}-alarm`,
      Namespace: alarm.Metric.Namespace,
      MetricName: alarm.Metric.MetricName,
      Dimensions: dims(alarm.Metric),
      Statistic: alarm.Metric.Statistic,
      ...(alarm.Metric.Unit !== undefined ? { Unit: alarm.Metric.Unit } : {}),
      Period: alarm.Period,
      EvaluationPeriods: alarm.EvaluationPeriods,
      ...(alarm.DatapointsToAlarm !== undefined
        ? { DatapointsToAlarm: alarm.DatapointsToAlarm }
        : {}),
      Threshold: alarm.Threshold,
      ComparisonOperator: alarm.ComparisonOperator,
      ...(alarm.TreatMissingData !== "missing" ? { TreatMissingData: alarm.TreatMissingData } : {}),
    };
    return { kind: "step", name, json, alarm: alarmJson };
  });
  const scheduledNames = new UniqueNames();
  const scheduled = scaling.scheduledActions.map((a, i): ScheduledActionJson => ({
    ScheduledActionName: scheduledNames.take(a.ScheduledActionName ?? `scheduled-action-${i + 1}`),
    Schedule: a.Schedule,
    ScalableTargetAction: {
      ...(a.ScalableTargetAction.MinCapacity !== undefined
        ? { MinCapacity: a.ScalableTargetAction.MinCapacity }
        : {}),
      ...(a.ScalableTargetAction.MaxCapacity !== undefined
        ? { MaxCapacity: a.ScalableTargetAction.MaxCapacity }
        : {}),
    },
  }));
  return {
    task: rec.task,
    serviceName: rec.serviceName,
    clusterName: rec.clusterName,
    target: {
      ServiceNamespace: "ecs",
      ResourceId: `service/${rec.clusterName}/${rec.serviceName}`,
      ScalableDimension: "ecs:service:DesiredCount",
      MinCapacity: scaling.MinCapacity,
      MaxCapacity: scaling.MaxCapacity,
    },
    policies,
    scheduled,
    placeholders,
  };
}

/**
 * The metric's dimensions as given, or, when none are given, the ones that pick this
 * service's series: ClusterName + ServiceName for the ECS namespaces, a TargetGroup
 * placeholder for the ALB (reference §1.9, §3.1).
 */
function metricDimensions(
  metric: MetricSpec,
  names: { readonly serviceName: string; readonly clusterName: string },
): { Name: string; Value: string }[] {
  if (metric.Dimensions !== undefined) return metric.Dimensions.map((d) => ({ ...d }));
  if (metric.Namespace === "AWS/ApplicationELB") {
    return [{ Name: "TargetGroup", Value: TARGET_GROUP_PLACEHOLDER }];
  }
  return [
    { Name: "ClusterName", Value: names.clusterName },
    { Name: "ServiceName", Value: names.serviceName },
  ];
}

/** Hands out names, suffixing `-2`, `-3`, … on repeats (policy names are unique per target). */
class UniqueNames {
  private readonly seen = new Set<string>();
  take(name: string): string {
    let out = name;
    for (let n = 2; this.seen.has(out); n++) out = `${name}-${n}`;
    this.seen.add(out);
    return out;
  }
}

/** Comment lines shared by the text forms: what to set outside the scaling resources. */
function notes(plan: Plan, style: "cloudformation" | "terraform" | "cli"): string[] {
  const out: string[] = [];
  if (plan.placeholders.has(RESOURCE_LABEL_PLACEHOLDER)) {
    out.push(
      `REPLACE the ResourceLabel placeholder ${RESOURCE_LABEL_PLACEHOLDER} before deploying: it is the final part of your load balancer's ARN, "/", and the final part of your target group's ARN (e.g. app/my-alb/778d41231b141a0f/targetgroup/my-tg/943f017f100becff).`,
    );
  }
  if (plan.placeholders.has(TARGET_GROUP_PLACEHOLDER)) {
    out.push(
      `REPLACE the TargetGroup dimension placeholder ${TARGET_GROUP_PLACEHOLDER} before deploying: it is the final part of your target group's ARN.`,
    );
  }
  if (
    plan.policies.some(
      (p) =>
        p.kind === "target-tracking" &&
        p.json.PredefinedMetricSpecification?.PredefinedMetricType.endsWith("HighResolution"),
    )
  ) {
    out.push(
      "The HighResolution metric types need 20-second metrics turned on for the service (ECS service monitoringConfiguration, CPUUtilization/MemoryUtilization at ResolutionSeconds 20).",
    );
  }
  if (plan.policies.some((p) => p.kind === "step")) {
    out.push(
      style === "cli"
        ? "Step scaling: the CloudWatch alarm is not created by put-scaling-policy; create it separately (aws cloudwatch put-metric-alarm) with --alarm-actions set to the PolicyARN that put-scaling-policy prints."
        : "Step scaling: the CloudWatch alarm that triggers each step policy is created separately; it is included below.",
    );
  }
  return out;
}

/**
 * Prefixes every physical line of `text` with `# `. Splits on every character some YAML, HCL
 * or shell reader treats as a line break, so nothing in `text` can end the comment early.
 */
function commentLines(text: string): string {
  return text
    .split(/\r\n|[\r\n\u0085\u2028\u2029]/)
    .map((l) => (l === "" ? "#" : `# ${l}`))
    .join("\n");
}

// ---------------------------------------------------------------------------------------------
// CloudFormation

const TARGET_ID = "ServiceScalableTarget";
const policyLogicalId = (i: number): string => `ScalingPolicy${i + 1}`;
const alarmLogicalId = (i: number): string => `ScalingAlarm${i + 1}`;

/** `!Ref LogicalId` as a YAML node (short form of CloudFormation's `Ref`). */
function ref(logicalId: string): Scalar {
  const node = new Scalar(logicalId);
  node.tag = "!Ref";
  return node;
}

const UNICODE_BREAKS = /[\u0085\u2028\u2029]/;
const UNICODE_BREAKS_GLOBAL = /[\u0085\u2028\u2029]/g;

/** YAML options: no block scalars, no line folding, line breaks in strings written as `\n`. */
const YAML_OPTIONS = {
  blockQuote: false,
  lineWidth: 0,
  minContentWidth: 0,
  doubleQuotedAsJSON: true,
} as const;

function renderCloudFormation(plan: Plan): string {
  const resources: Record<string, unknown> = {};
  resources[TARGET_ID] = {
    Type: "AWS::ApplicationAutoScaling::ScalableTarget",
    Properties: {
      ServiceNamespace: plan.target.ServiceNamespace,
      ResourceId: plan.target.ResourceId,
      ScalableDimension: plan.target.ScalableDimension,
      MinCapacity: plan.target.MinCapacity,
      MaxCapacity: plan.target.MaxCapacity,
      ...(plan.scheduled.length > 0 ? { ScheduledActions: plan.scheduled } : {}),
    },
  };
  plan.policies.forEach((p, i) => {
    resources[policyLogicalId(i)] = {
      Type: "AWS::ApplicationAutoScaling::ScalingPolicy",
      Properties: {
        PolicyName: p.name,
        PolicyType: p.kind === "step" ? "StepScaling" : "TargetTrackingScaling",
        ScalingTargetId: ref(TARGET_ID),
        ...(p.kind === "step"
          ? { StepScalingPolicyConfiguration: p.json }
          : { TargetTrackingScalingPolicyConfiguration: p.json }),
      },
    };
    if (p.kind === "step") {
      resources[alarmLogicalId(i)] = {
        Type: "AWS::CloudWatch::Alarm",
        Properties: { ...p.alarm, AlarmActions: [ref(policyLogicalId(i))] },
      };
    }
  });

  const header = [
    "Application Auto Scaling for the ECS service (CloudFormation fragment: merge into your template's Resources).",
    "The scalable target uses the service-linked role for ECS; add RoleARN only if you use your own role.",
    ...notes(plan, "cloudformation"),
  ];
  const doc = new Document({ Resources: resources }, { aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_, node) {
      if (isPlaceholder(node.value)) node.comment = PLACEHOLDER_COMMENT;
      if (typeof node.value === "string" && UNICODE_BREAKS.test(node.value)) {
        node.type = "QUOTE_DOUBLE";
      }
    },
  });
  // `yaml` leaves NEL, LS and PS raw; YAML 1.1 readers (as CloudFormation's) take them for line
  // breaks. They occur only inside the double-quoted scalars forced above, so escape them there.
  const body = doc
    .toString(YAML_OPTIONS)
    .replace(UNICODE_BREAKS_GLOBAL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `${commentLines(header.join("\n"))}\n${body}${taskDefinitionHintYaml(plan.task)}`;
}

function taskDefinitionHintYaml(task: TaskSize): string {
  const taskDefinition = {
    TaskDefinition: {
      Type: "AWS::ECS::TaskDefinition",
      Properties: {
        RequiresCompatibilities: ["FARGATE"],
        Cpu: task.cpu,
        Memory: task.memory,
        ...(task.architecture === "ARM64"
          ? { RuntimePlatform: { CpuArchitecture: "ARM64", OperatingSystemFamily: "LINUX" } }
          : {}),
      },
    },
  };
  let text =
    "Set these on your AWS::ECS::TaskDefinition (the rest of it is yours):\n" +
    stringify(taskDefinition, YAML_OPTIONS);
  if (task.capacityProvider === "FARGATE_SPOT") {
    text +=
      "Run the service on Fargate Spot: on your AWS::ECS::Service, replace LaunchType with\n" +
      stringify(
        { CapacityProviderStrategy: [{ CapacityProvider: "FARGATE_SPOT", Weight: 1 }] },
        YAML_OPTIONS,
      ) +
      "(the cluster needs FARGATE_SPOT among its capacity providers).\n";
  }
  return `\n${commentLines(text.trimEnd())}\n`;
}

// ---------------------------------------------------------------------------------------------
// Terraform

/**
 * An HCL quoted string: escapes `\`, `"`, control characters and the template sequences
 * `${` and `%{` (as `$${` and `%%{`), so the value is read back exactly and never evaluated.
 */
export function hclString(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    const next = value[i + 1];
    if (c === "\\") out += "\\\\";
    else if (c === '"') out += '\\"';
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if ((c === "$" || c === "%") && next === "{") out += c + c;
    else if (isControlOrLineBreak(c.charCodeAt(0))) {
      out += `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
    } else out += c;
  }
  return `"${out}"`;
}

/** C0 controls, DEL, NEL and the Unicode line/paragraph separators. */
function isControlOrLineBreak(code: number): boolean {
  return code < 0x20 || code === 0x7f || code === 0x85 || code === 0x2028 || code === 0x2029;
}

function hclNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`cannot write ${n} as a Terraform number`);
  return String(n);
}

type HclValue = string | number | boolean | HclRaw;
/** An expression written as is (references between resources). */
class HclRaw {
  constructor(readonly text: string) {}
}

/** An HCL block body: attributes, then nested blocks (repeated blocks as arrays). */
interface HclBody {
  readonly [key: string]: HclValue | HclBody | readonly HclBody[] | undefined;
}

function hclValue(v: HclValue): string {
  if (v instanceof HclRaw) return v.text;
  if (typeof v === "string") return hclString(v);
  if (typeof v === "number") return hclNumber(v);
  return v ? "true" : "false";
}

function isBlock(v: unknown): v is HclBody {
  return typeof v === "object" && v !== null && !(v instanceof HclRaw) && !Array.isArray(v);
}

function hclBody(body: HclBody, indent: string): string {
  const lines: string[] = [];
  const attrs = Object.entries(body).filter(
    (e): e is [string, HclValue] => e[1] !== undefined && !isBlock(e[1]) && !Array.isArray(e[1]),
  );
  const width = Math.max(0, ...attrs.map(([k]) => k.length));
  for (const [k, v] of attrs) {
    const note = isPlaceholder(v) ? ` #${PLACEHOLDER_COMMENT}` : "";
    lines.push(`${indent}${k.padEnd(width)} = ${hclValue(v)}${note}`);
  }
  for (const [k, v] of Object.entries(body)) {
    const blocks = Array.isArray(v) ? (v as readonly HclBody[]) : isBlock(v) ? [v] : [];
    for (const b of blocks) {
      lines.push("", `${indent}${k} {`, hclBody(b, `${indent}  `), `${indent}}`);
    }
  }
  return lines.join("\n").replace(/^\n/, "");
}

function hclResource(type: string, name: string, body: HclBody): string {
  return `resource "${type}" "${name}" {\n${hclBody(body, "  ")}\n}\n`;
}

const dimensionsMap = (dims: readonly { Name: string; Value: string }[]): string =>
  `{\n${dims
    .map((d) => {
      const note = isPlaceholder(d.Value) ? ` #${PLACEHOLDER_COMMENT}` : "";
      return `    ${hclString(d.Name)} = ${hclString(d.Value)}${note}`;
    })
    .join("\n")}\n  }`;

function renderTerraform(plan: Plan): string {
  const t = "aws_appautoscaling_target.ecs_service";
  const out: string[] = [];
  const header = ["Application Auto Scaling for the ECS service.", ...notes(plan, "terraform")];
  out.push(commentLines(header.join("\n")));
  out.push(
    hclResource("aws_appautoscaling_target", "ecs_service", {
      service_namespace: plan.target.ServiceNamespace,
      resource_id: plan.target.ResourceId,
      scalable_dimension: plan.target.ScalableDimension,
      min_capacity: plan.target.MinCapacity,
      max_capacity: plan.target.MaxCapacity,
    }),
  );
  const targetRefs = {
    service_namespace: new HclRaw(`${t}.service_namespace`),
    resource_id: new HclRaw(`${t}.resource_id`),
    scalable_dimension: new HclRaw(`${t}.scalable_dimension`),
  };
  plan.policies.forEach((p, i) => {
    const id = `policy_${i + 1}`;
    if (p.kind === "target-tracking") {
      const j = p.json;
      const pre = j.PredefinedMetricSpecification;
      const custom = j.CustomizedMetricSpecification;
      out.push(
        hclResource("aws_appautoscaling_policy", id, {
          name: p.name,
          policy_type: "TargetTrackingScaling",
          ...targetRefs,
          target_tracking_scaling_policy_configuration: {
            target_value: j.TargetValue,
            scale_in_cooldown: j.ScaleInCooldown,
            scale_out_cooldown: j.ScaleOutCooldown,
            disable_scale_in: j.DisableScaleIn,
            predefined_metric_specification:
              pre === undefined
                ? undefined
                : {
                    predefined_metric_type: pre.PredefinedMetricType,
                    resource_label: pre.ResourceLabel,
                  },
            customized_metric_specification:
              custom === undefined
                ? undefined
                : {
                    metric_name: custom.MetricName,
                    namespace: custom.Namespace,
                    statistic: custom.Statistic,
                    unit: custom.Unit,
                    dimensions: (custom.Dimensions ?? []).map((d) => ({
                      name: d.Name,
                      value: d.Value,
                    })),
                  },
          },
        }),
      );
    } else {
      const j = p.json;
      out.push(
        hclResource("aws_appautoscaling_policy", id, {
          name: p.name,
          policy_type: "StepScaling",
          ...targetRefs,
          step_scaling_policy_configuration: {
            adjustment_type: j.AdjustmentType,
            cooldown: j.Cooldown,
            metric_aggregation_type: j.MetricAggregationType,
            min_adjustment_magnitude: j.MinAdjustmentMagnitude,
            step_adjustment: j.StepAdjustments.map((s) => ({
              metric_interval_lower_bound: s.MetricIntervalLowerBound,
              metric_interval_upper_bound: s.MetricIntervalUpperBound,
              scaling_adjustment: s.ScalingAdjustment,
            })),
          },
        }),
      );
      const a = p.alarm;
      out.push(
        hclResource("aws_cloudwatch_metric_alarm", `policy_${i + 1}_alarm`, {
          alarm_name: a.AlarmName,
          namespace: a.Namespace,
          metric_name: a.MetricName,
          statistic: a.Statistic,
          unit: a.Unit,
          period: a.Period,
          evaluation_periods: a.EvaluationPeriods,
          datapoints_to_alarm: a.DatapointsToAlarm,
          threshold: a.Threshold,
          comparison_operator: a.ComparisonOperator,
          treat_missing_data: a.TreatMissingData,
          dimensions: new HclRaw(dimensionsMap(a.Dimensions)),
          alarm_actions: new HclRaw(`[aws_appautoscaling_policy.${id}.arn]`),
        }),
      );
    }
  });
  plan.scheduled.forEach((s, i) => {
    out.push(
      hclResource("aws_appautoscaling_scheduled_action", `scheduled_${i + 1}`, {
        name: s.ScheduledActionName,
        ...targetRefs,
        schedule: s.Schedule,
        scalable_target_action: {
          min_capacity: s.ScalableTargetAction.MinCapacity,
          max_capacity: s.ScalableTargetAction.MaxCapacity,
        },
      }),
    );
  });
  out.push(taskDefinitionHintHcl(plan.task));
  return out.join("\n");
}

function taskDefinitionHintHcl(task: TaskSize): string {
  const lines = [
    "Set these on your aws_ecs_task_definition (the rest of it is yours):",
    `  requires_compatibilities = ["FARGATE"]`,
    `  cpu                      = ${hclString(task.cpu)}`,
    `  memory                   = ${hclString(task.memory)}`,
  ];
  if (task.architecture === "ARM64") {
    lines.push(
      "  runtime_platform {",
      '    cpu_architecture        = "ARM64"',
      '    operating_system_family = "LINUX"',
      "  }",
    );
  }
  if (task.capacityProvider === "FARGATE_SPOT") {
    lines.push(
      "Run the service on Fargate Spot: on your aws_ecs_service, replace launch_type with",
      "  capacity_provider_strategy {",
      '    capacity_provider = "FARGATE_SPOT"',
      "    weight            = 1",
      "  }",
      "(the cluster needs FARGATE_SPOT in aws_ecs_cluster_capacity_providers).",
    );
  }
  return `${commentLines(lines.join("\n"))}\n`;
}

// ---------------------------------------------------------------------------------------------
// AWS CLI

/**
 * A POSIX shell word that reads back as `value`: single-quoted, each `'` written as `'\''`.
 * Nothing inside single quotes is special (no `$`, backquote, `\` or line-break handling).
 */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** One command, one argument per continued line. */
function command(head: string, args: readonly (readonly [string, string])[]): string {
  return [head, ...args.map(([flag, value]) => `  ${flag} ${value}`)].join(" \\\n");
}

function renderAwsCli(plan: Plan): string {
  const out: string[] = [];
  const header = [
    "Application Auto Scaling for the ECS service (AWS CLI v2, POSIX shell).",
    ...notes(plan, "cli"),
  ];
  out.push(commentLines(header.join("\n")));
  const target: [string, string][] = [
    ["--service-namespace", plan.target.ServiceNamespace],
    ["--resource-id", shellQuote(plan.target.ResourceId)],
    ["--scalable-dimension", plan.target.ScalableDimension],
  ];
  out.push(
    command("aws application-autoscaling register-scalable-target", [
      ...target,
      ["--min-capacity", String(plan.target.MinCapacity)],
      ["--max-capacity", String(plan.target.MaxCapacity)],
    ]),
  );
  for (const p of plan.policies) {
    const config: [string, string] =
      p.kind === "step"
        ? ["--step-scaling-policy-configuration", shellQuote(JSON.stringify(p.json))]
        : ["--target-tracking-scaling-policy-configuration", shellQuote(JSON.stringify(p.json))];
    out.push(
      command("aws application-autoscaling put-scaling-policy", [
        ...target,
        ["--policy-name", shellQuote(p.name)],
        ["--policy-type", p.kind === "step" ? "StepScaling" : "TargetTrackingScaling"],
        config,
      ]),
    );
    if (p.kind === "step") {
      const alarm = {
        ...p.alarm,
        AlarmActions: ["<PolicyARN printed by put-scaling-policy above>"],
      };
      out.push(
        commentLines(
          "Create the alarm for this step policy separately, e.g.\n" +
            `aws cloudwatch put-metric-alarm --cli-input-json ${shellQuote(JSON.stringify(alarm))}`,
        ),
      );
    }
  }
  for (const s of plan.scheduled) {
    out.push(
      command("aws application-autoscaling put-scheduled-action", [
        ...target,
        ["--scheduled-action-name", shellQuote(s.ScheduledActionName)],
        ["--schedule", shellQuote(s.Schedule)],
        ["--scalable-target-action", shellQuote(JSON.stringify(s.ScalableTargetAction))],
      ]),
    );
  }
  out.push(taskDefinitionHintCli(plan));
  return `${out.join("\n\n")}\n`;
}

function taskDefinitionHintCli(plan: Plan): string {
  const { task } = plan;
  const lines = [
    "Task size: register a task definition revision with these settings (the rest of it is yours), e.g.",
    "aws ecs register-task-definition --family <family> --requires-compatibilities FARGATE \\",
    `  --cpu ${shellQuote(task.cpu)} --memory ${shellQuote(task.memory)} \\`,
  ];
  if (task.architecture === "ARM64") {
    lines.push("  --runtime-platform cpuArchitecture=ARM64,operatingSystemFamily=LINUX \\");
  }
  lines.push("  --network-mode awsvpc --container-definitions file://containers.json");
  if (task.capacityProvider === "FARGATE_SPOT") {
    lines.push(
      "Run the service on Fargate Spot (the cluster needs FARGATE_SPOT among its capacity providers):",
      `aws ecs update-service --cluster ${shellQuote(plan.clusterName)} --service ${shellQuote(plan.serviceName)} \\`,
      "  --capacity-provider-strategy capacityProvider=FARGATE_SPOT,weight=1 --force-new-deployment",
    );
  }
  return commentLines(lines.join("\n"));
}
