/**
 * The service's target group as Elastic Load Balancing (ELBv2) describes it: which load
 * balancer it is attached to, and the settings the simulator has parameters for.
 *
 *   target group (ARN, or `targetgroup/NAME/ID` by name)
 *     ──DescribeTargetGroups──▶ TargetGroup { LoadBalancerArns, HealthCheckIntervalSeconds, … }
 *     ──DescribeTargetGroupAttributes──▶ deregistration delay, slow start, routing algorithm
 *     ──toTargetGroupSettings──▶ the `platform:` values a collected bundle records
 *
 * AWS's reference: DescribeTargetGroups
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTargetGroups.html,
 * the TargetGroup structure: API_TargetGroup.html) and DescribeTargetGroupAttributes
 * (API_DescribeTargetGroupAttributes.html; attribute names, ranges and defaults in
 * API_TargetGroupAttribute.html).
 */
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
  type TargetGroup,
  type TargetGroupAttribute,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { warnings, type PlatformParams, type WarningSink } from "../../../sim/vocab/index.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { MalformedResponseError } from "./aws-client.js";

/** The IAM actions `caplab collect` needs for the target group. */
export const DESCRIBE_TARGET_GROUPS = "elasticloadbalancing:DescribeTargetGroups";
export const DESCRIBE_TARGET_GROUP_ATTRIBUTES =
  "elasticloadbalancing:DescribeTargetGroupAttributes";

/** Whether AWS refused a call for want of permission (IAM), as opposed to failing. */
export function isAccessDenied(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === "string" && /^(AccessDenied|UnauthorizedOperation)/.test(name);
}

/** A target group to describe: its ARN when known, else its `targetgroup/NAME/ID` dimension. */
export interface TargetGroupRef {
  /** `targetgroup/NAME/ID`. */
  readonly dimension: string;
  readonly arn?: string;
}

/**
 * DescribeTargetGroups of one target group: by ARN, or by name (unique in an account and
 * Region) when only its dimension is known, keeping the one whose ARN ends with it.
 *
 * @throws MalformedResponseError when AWS answers with no such target group; AWS's own errors
 *   (AccessDenied, TargetGroupNotFound) as they come.
 */
export async function describeTargetGroup(
  elb: ElasticLoadBalancingV2Client,
  ref: TargetGroupRef,
  retry: RetryOptions,
  signal?: AbortSignal,
): Promise<TargetGroup> {
  const input =
    ref.arn !== undefined
      ? { TargetGroupArns: [ref.arn] }
      : { Names: [ref.dimension.split("/")[1]!] };
  const answer = await withRetry(
    () => elb.send(new DescribeTargetGroupsCommand(input), { abortSignal: signal }),
    retry,
    signal,
  );
  const found = (answer.TargetGroups ?? []).find((g) =>
    (g.TargetGroupArn ?? "").endsWith(`:${ref.dimension}`),
  );
  if (!found)
    throw new MalformedResponseError(
      "ElasticLoadBalancingV2 DescribeTargetGroups",
      `no target group ${ref.dimension} in the answer`,
    );
  return found;
}

/** DescribeTargetGroupAttributes of one target group (its ARN). */
export async function describeTargetGroupAttributes(
  elb: ElasticLoadBalancingV2Client,
  arn: string,
  retry: RetryOptions,
  signal?: AbortSignal,
): Promise<TargetGroupAttribute[]> {
  const answer = await withRetry(
    () =>
      elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }), {
        abortSignal: signal,
      }),
    retry,
    signal,
  );
  return answer.Attributes ?? [];
}

/** The `LoadBalancer` dimension (`app/NAME/ID`) of each load balancer a target group is attached to. */
export function loadBalancersOf(group: TargetGroup): string[] {
  return (group.LoadBalancerArns ?? []).map((arn) => {
    const at = arn.indexOf(":loadbalancer/");
    return at < 0 ? arn : arn.slice(at + ":loadbalancer/".length);
  });
}

/** The simulator parameters a target group's settings give (PlatformSchema's names). */
export type TargetGroupSettings = Partial<
  Pick<
    PlatformParams,
    | "healthCheckIntervalSeconds"
    | "healthCheckTimeoutSeconds"
    | "unhealthyThresholdCount"
    | "healthyThresholdCount"
    | "deregistrationDelaySeconds"
    | "slowStartSeconds"
    | "loadBalancingAlgorithm"
  >
>;

/** What service.json records of the target group: its health check, beside the settings. */
export interface TargetGroupRecord {
  readonly TargetGroupArn?: string;
  readonly LoadBalancerArns?: string[];
  readonly HealthCheckPath?: string;
  readonly HealthCheckIntervalSeconds?: number;
  readonly HealthCheckTimeoutSeconds?: number;
  readonly HealthyThresholdCount?: number;
  readonly UnhealthyThresholdCount?: number;
  readonly Matcher?: TargetGroup["Matcher"];
  /** The attributes as AWS returned them; null when they could not be read. */
  readonly Attributes: TargetGroupAttribute[] | null;
}

/** The target group's health check and attributes, as service.json keeps them. */
export function targetGroupRecord(
  group: TargetGroup,
  attributes: TargetGroupAttribute[] | null,
): TargetGroupRecord {
  return {
    TargetGroupArn: group.TargetGroupArn,
    LoadBalancerArns: group.LoadBalancerArns,
    HealthCheckPath: group.HealthCheckPath,
    HealthCheckIntervalSeconds: group.HealthCheckIntervalSeconds,
    HealthCheckTimeoutSeconds: group.HealthCheckTimeoutSeconds,
    HealthyThresholdCount: group.HealthyThresholdCount,
    UnhealthyThresholdCount: group.UnhealthyThresholdCount,
    Matcher: group.Matcher,
    Attributes: attributes,
  };
}

/** A whole number of seconds in [min, max] read from an attribute's string value, or null. */
function seconds(value: string | undefined, min: number, max: number): number | null {
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}

/**
 * The simulator's platform parameters a target group sets (API_TargetGroupAttribute.html):
 * - `HealthCheckIntervalSeconds` (5–300) → healthCheckIntervalSeconds;
 * - `HealthCheckTimeoutSeconds` (2–120) → healthCheckTimeoutSeconds, `UnhealthyThresholdCount`
 *   and `HealthyThresholdCount` (2–10) → unhealthyThresholdCount, healthyThresholdCount
 *   (API_TargetGroup.html): how soon an overloaded task fails its checks (sim/engine.ts);
 * - `deregistration_delay.timeout_seconds` (0–3600, AWS's default 300) → deregistrationDelaySeconds;
 * - `slow_start.duration_seconds` (30–900, or 0: off, AWS's default) → slowStartSeconds;
 * - `load_balancing.algorithm.type` (round_robin, AWS's default; least_outstanding_requests;
 *   weighted_random, modelled as round_robin with a warning) → loadBalancingAlgorithm.
 * An attribute that is absent (attributes null: they could not be read) is left out, so the
 * simulator's default stands; a value out of its range is left out with a warning.
 */
export function toTargetGroupSettings(
  group: TargetGroup,
  attributes: readonly TargetGroupAttribute[] | null,
  warn: WarningSink,
): TargetGroupSettings {
  const out: {
    -readonly [K in keyof TargetGroupSettings]: TargetGroupSettings[K];
  } = {};
  const name = group.TargetGroupName ?? group.TargetGroupArn ?? "the target group";
  const odd = (what: string, value: unknown) =>
    warn(
      warnings.targetGroupSetting(
        `target group ${name} has ${what} ${JSON.stringify(value)}, outside what ELB allows, so the simulator's default is used`,
      ),
    );
  const interval = group.HealthCheckIntervalSeconds;
  if (interval !== undefined) {
    if (Number.isInteger(interval) && interval >= 5 && interval <= 300)
      out.healthCheckIntervalSeconds = interval;
    else odd("HealthCheckIntervalSeconds", interval);
  }
  const whole = (
    key: "HealthCheckTimeoutSeconds" | "UnhealthyThresholdCount" | "HealthyThresholdCount",
    min: number,
    max: number,
    set: (v: number) => void,
  ) => {
    const v = group[key];
    if (v === undefined) return;
    if (Number.isInteger(v) && v >= min && v <= max) set(v);
    else odd(key, v);
  };
  whole("HealthCheckTimeoutSeconds", 2, 120, (v) => (out.healthCheckTimeoutSeconds = v));
  whole("UnhealthyThresholdCount", 2, 10, (v) => (out.unhealthyThresholdCount = v));
  whole("HealthyThresholdCount", 2, 10, (v) => (out.healthyThresholdCount = v));
  const attribute = (key: string) => attributes?.find((a) => a.Key === key)?.Value;
  const delay = attribute("deregistration_delay.timeout_seconds");
  if (delay !== undefined) {
    const v = seconds(delay, 0, 3600);
    if (v === null) odd("deregistration_delay.timeout_seconds", delay);
    else out.deregistrationDelaySeconds = v;
  }
  const slow = attribute("slow_start.duration_seconds");
  if (slow !== undefined) {
    const v = seconds(slow, 0, 900);
    if (v === null || (v > 0 && v < 30)) odd("slow_start.duration_seconds", slow);
    else out.slowStartSeconds = v;
  }
  const algorithm = attribute("load_balancing.algorithm.type");
  if (algorithm === "round_robin" || algorithm === "least_outstanding_requests")
    out.loadBalancingAlgorithm = algorithm;
  else if (algorithm === "weighted_random") {
    out.loadBalancingAlgorithm = "round_robin";
    warn(
      warnings.targetGroupSetting(
        `target group ${name} routes with weighted_random, which is simulated as round_robin`,
      ),
    );
  } else if (algorithm !== undefined) odd("load_balancing.algorithm.type", algorithm);
  return out;
}
