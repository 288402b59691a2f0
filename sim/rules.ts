/**
 * The AWS rules the simulator follows, each named once, with its source. `§` numbers are
 * sections of shared/reference/aws-ecs-scaling.md, which quotes the AWS pages.
 *
 * These are not defaults: no config changes them, because AWS does not let anyone change them
 * (a target-tracking policy's alarms are AWS's own). What AWS leaves open is a named parameter
 * with a default in sim/vocab/defaults.ts (PLATFORM_DEFAULTS: the publication delay, the alarm
 * shape of 20-s policies, which datapoint feeds the capacity formula, …). How a CloudWatch alarm
 * evaluates its datapoints, missing ones included, is in sim/alarm.ts, after the CloudWatch user
 * guide.
 *
 * Where the rules act: sim/autoscaling.ts (alarms, the capacity formula, cooldowns, several
 * policies, step scaling), sim/fleet.ts (launches, health checks, billing), sim/engine.ts
 * (scheduled actions, the month).
 *
 * The functions are small on purpose: they run at every evaluation of every candidate of a
 * sweep, and V8 inlines them.
 */

// ---------------------------------------------------------------------------------------------
// Target tracking: the two alarms Application Auto Scaling creates per policy (§1.2).

/** Period of a target-tracking alarm on a standard-resolution metric, seconds (§1.2). */
export const TARGET_TRACKING_PERIOD_SECONDS = 60;
/** Period of the `…HighResolution` predefined metrics, seconds (§1.9, §1.10). */
export const HIGH_RESOLUTION_PERIOD_SECONDS = 20;
/** AlarmHigh: this many of as many datapoints above the target value scale out: 3 of 3 (§1.2). */
export const SCALE_OUT_DATAPOINTS = 3;
/** AlarmLow: this many of as many datapoints below {@link SCALE_IN_THRESHOLD_FRACTION} of the target scale in: 15 of 15 (§1.2). */
export const SCALE_IN_DATAPOINTS = 15;
/** AlarmLow's threshold as a fraction of the target value: 0.9 · T (§1.2: targets 70 and 80 give 63 and 72). */
export const SCALE_IN_THRESHOLD_FRACTION = 0.9;
/** How both alarms treat missing data (§1.2, §1.6): as missing. */
export const TARGET_TRACKING_TREAT_MISSING_DATA = "missing";

/**
 * The new desired count a target-tracking policy asks for: `ceil(current · metric / target)`,
 * rounded up both ways, "conservatively" (§1.3; AWS does not publish the formula, this one agrees
 * with everything it says). Forgives floating-point noise such as 2.0000000001.
 *
 * @example targetTrackingCapacity(4, 75, 50) // 6
 */
export function targetTrackingCapacity(current: number, metric: number, target: number): number {
  return ceilTolerant((current * metric) / target);
}

/** Rounds up, forgiving floating-point noise such as 2.0000000001. */
export function ceilTolerant(x: number): number {
  return Math.ceil(x - 1e-9);
}

/**
 * The scalable target's bounds: the desired count "will not go below" MinCapacity and "will not
 * go above" MaxCapacity (§1.1). MinCapacity ≤ MaxCapacity always holds (a scheduled action that
 * would break it raises MaxCapacity first).
 */
export function clampCapacity(desired: number, min: number, max: number): number {
  return Math.min(Math.max(desired, min), max);
}

// ---------------------------------------------------------------------------------------------
// Cooldowns (§1.4), and several policies on one scalable target (§1.7).

/**
 * Whether `tau` falls in a cooldown that started at `since` (seconds).
 *
 * - ScaleOutCooldown: inside it, a policy scales out again only to a larger capacity than its
 *   last scale-out set, computed from the capacity before that scale-out (the capacity it added
 *   counts as already there).
 * - ScaleInCooldown: inside it, no scale-in; a scale-out ends every scale-in cooldown at once.
 * - With several policies, any one may scale out and the largest capacity wins; scale-in happens
 *   only when every target-tracking policy with scale-in enabled is ready, and again the largest
 *   capacity wins (§1.7). A step policy scales in on its own alarm.
 */
export function inCooldown(tau: number, since: number, cooldownSeconds: number): boolean {
  return tau < since + cooldownSeconds;
}

// ---------------------------------------------------------------------------------------------
// Step scaling (§1.12; Application Auto Scaling API reference, StepAdjustment).

/**
 * Whether a breach (metric − threshold) falls in a step's interval: `[lower, upper)` for an alarm
 * above its threshold and `(lower, upper]` for one below it, so an `…OrEqualTo…` alarm at exactly
 * its threshold takes the step bounded by 0 (StepAdjustment: "greater than or equal to 50 and
 * less than 60 … lower bound of 0 and an upper bound of 10"; "greater than 40 and less than or
 * equal to 50 … lower bound of -10 and an upper bound of 0").
 */
export function inStepInterval(
  breach: number,
  lower: number,
  upper: number,
  above: boolean,
): boolean {
  return above ? breach >= lower && breach < upper : breach > lower && breach <= upper;
}

/**
 * The change in capacity of a `PercentChangeInCapacity` step: `base · percent / 100`, a value
 * between −1 and 1 becoming ±1 and anything else rounded toward zero, then raised to
 * MinAdjustmentMagnitude (StepScalingPolicyConfiguration, AdjustmentType and
 * MinAdjustmentMagnitude).
 *
 * @example percentChangeInCapacity(10, 25, 0) // 2
 */
export function percentChangeInCapacity(
  base: number,
  percent: number,
  minAdjustmentMagnitude: number,
): number {
  const raw = (base * percent) / 100;
  let delta = raw > 0 && raw < 1 ? 1 : raw < 0 && raw > -1 ? -1 : Math.trunc(raw);
  if (Math.abs(delta) < minAdjustmentMagnitude) {
    delta = Math.sign(delta) * minAdjustmentMagnitude;
  }
  return delta;
}

// ---------------------------------------------------------------------------------------------
// Fargate launches (§2.2).

/**
 * Tasks Fargate starts at once per account and Region (a token bucket's burst; On-Demand and Spot
 * each): past it, launches are paced at PlatformParams.fargateLaunchesPerSecond (20 a second)
 * (ECS developer guide, "Amazon ECS service quotas and throttling",
 * https://docs.amazonaws.cn/en_us/AmazonECS/latest/developerguide/throttling.html).
 */
export const FARGATE_LAUNCH_BURST = 100;

/**
 * How long the last of `count` tasks started together waits for the launch throttle, seconds:
 * nothing within the burst, then one task every 1 / `perSecond` seconds.
 *
 * @example launchThrottleSeconds(140, 20) // 2
 */
export function launchThrottleSeconds(count: number, perSecond: number): number {
  return Math.max(0, count - FARGATE_LAUNCH_BURST) / perSecond;
}

// ---------------------------------------------------------------------------------------------
// ALB health checks (§2.3).

/**
 * Seconds from RUNNING until a new task is healthy: the ALB checks every `interval` seconds from
 * the task's registration; the first check that finds the application up (after `appStart`
 * seconds) is the first that passes, and a newly registered target is healthy after `checks`
 * passes (one: "initial" → "healthy"; HealthyThresholdCount is for targets coming back).
 *
 * @example secondsToHealthy(30, 5, 1) // 30
 */
export function secondsToHealthy(interval: number, appStart: number, checks: number): number {
  return interval * (Math.max(1, Math.ceil(appStart / interval)) + checks - 1);
}

/**
 * ALB slow start: a new target's share of requests rises linearly from 0 to its fair share over
 * the window (§2.3). ∫ min(1, (t − from) / window) dt over [a, b), for a ≥ from.
 */
export function slowStartIntegral(from: number, window: number, a: number, b: number): number {
  if (b <= a) return 0;
  const end = from + window;
  if (a >= end) return b - a;
  if (b <= end) return ((a - from + (b - from)) / (2 * window)) * (b - a);
  return ((a - from + window) / (2 * window)) * (end - a) + (b - end);
}

// ---------------------------------------------------------------------------------------------
// Billing (§6.1).

/**
 * Hours in a month as AWS prices them: "The Calculator assumes 730 hours in a month (365 days in
 * a year × 24 hours in a day / 12 months in year)" (AWS Pricing Calculator, "Pricing
 * assumptions", https://aws.amazon.com/calculator/calculator-assumptions). Fargate itself bills
 * per second, with a one-minute minimum per task (PriceTable.minimumBilledSeconds).
 */
export const HOURS_PER_MONTH = 730;

/** A cost over `seconds`, per {@link HOURS_PER_MONTH}-hour month at the same rate. */
export function monthlyCost(cost: number, seconds: number): number {
  return seconds > 0 ? (cost * HOURS_PER_MONTH * 3600) / seconds : 0;
}

// ---------------------------------------------------------------------------------------------
// ECS deployments (ECS API reference; the sources are gathered in
// /work/notes/research/ecs-deployments.md and listed in the README, "Deployments").

/**
 * Rolling update, lower bound: "The minimum number of healthy tasks during a deployment is the
 * desiredCount multiplied by the minimumHealthyPercent/100, rounded up to the nearest integer
 * value" (ECS API, DeploymentConfiguration.minimumHealthyPercent).
 *
 * @example minimumHealthyTasks(2, 75) // 2 (1.5 rounded up: no task may stop first)
 */
export function minimumHealthyTasks(desired: number, minimumHealthyPercent: number): number {
  return ceilTolerant((desired * minimumHealthyPercent) / 100);
}

/**
 * Rolling update, upper bound: tasks "allowed in the RUNNING or PENDING state during a
 * deployment, as a percentage of the desiredCount (rounded down to the nearest integer)" (ECS
 * API, DeploymentConfiguration.maximumPercent).
 *
 * @example maximumTasks(3, 125) // 3 (3.75 rounded down: no task may start first)
 */
export function maximumTasks(desired: number, maximumPercent: number): number {
  return Math.floor((desired * maximumPercent) / 100 + 1e-9);
}

/**
 * The deployment circuit breaker's failure threshold (ECS API, ThresholdConfiguration): COUNT
 * uses the value; the percent types multiply it by the latest desired count, BOUNDED_PERCENT
 * then clamps it "to a minimum of 3 and a maximum of 200" (the default, BOUNDED_PERCENT 50, is
 * the legacy "0.5 * desired task count", minimum 3, maximum 200). Rounded up, as the developer
 * guide's table does (25 tasks → 13).
 *
 * @example circuitBreakerThreshold(25, "BOUNDED_PERCENT", 50) // 13
 */
export function circuitBreakerThreshold(
  desired: number,
  type: "COUNT" | "BOUNDED_PERCENT" | "UNBOUNDED_PERCENT",
  value: number,
): number {
  if (type === "COUNT") return value;
  const raw = ceilTolerant((desired * value) / 100);
  return type === "BOUNDED_PERCENT" ? Math.min(200, Math.max(3, raw)) : Math.max(1, raw);
}

/**
 * Linear deployment: the steps that move traffic before the last one, "100/stepPercent − 1 if it
 * divides evenly, else floor(100/stepPercent)" (CloudFormation LinearConfiguration: "if
 * StepPercent is 11, the number of deployment steps is 9"); each step waits
 * stepBakeTimeInMinutes, which is "not applied after reaching 100 percent traffic".
 *
 * @example linearSteps(10) // 9
 */
export function linearSteps(stepPercent: number): number {
  const q = 100 / stepPercent;
  const whole = Math.round(q);
  return Math.abs(q - whole) < 1e-9 ? whole - 1 : Math.floor(q);
}
