/**
 * Application Auto Scaling rules (shared/reference/aws-ecs-scaling.md §1), one table row per
 * rule, driven through the real `simulate` with hand-made one-minute traces.
 *
 * Service model chosen so CPU is easy to compute by hand: 1 vCPU tasks, 10 ms of CPU per
 * request, no idle CPU. With n healthy tasks and R requests in a minute, CPU% = R / (60·n)
 * and RequestCountPerTarget = R / n, so `load(n, pct)` requests put n tasks at pct % CPU.
 *
 * Platform (SIMPLE): no publication or scheduling delay, launch 30 s, health check every
 * 30 s, no app boot, no deregistration delay. So a datapoint for minute i is visible to the
 * alarm evaluated at the end of minute i (event `step` i, `timeMs` = start + (i + 1) min),
 * and a new task is RUNNING 30 s and healthy 60 s after the desired count rises.
 */
import { describe, expect, it } from "vitest";
import { roundApart } from "../../sim/autoscaling.js";
import { type SimulationResult } from "../../sim/engine.js";
import { type ScalingEvent } from "../../sim/vocab/index.js";
import { MONDAY, rep, runSim, SIMPLE_PLATFORM, traceOf } from "../helpers/sim.js";

const START = MONDAY;

const SIMPLE = SIMPLE_PLATFORM;
/** New tasks never become RUNNING inside the trace: the metric depends on the trace alone. */
const NEVER_LAUNCH = { ...SIMPLE, launchSeconds: 3600 };

interface RunOptions {
  /** Platform overrides; SIMPLE when omitted; `{}` means the defaults. */
  readonly platform?: Record<string, unknown>;
  readonly startMs?: number;
  readonly stepSeconds?: number;
}

function run(
  requests: readonly number[],
  scaling: Record<string, unknown>,
  options: RunOptions = {},
): SimulationResult {
  return runSim(
    traceOf(requests, {
      source: "autoscaling.test",
      startMs: options.startMs ?? START,
      stepSeconds: options.stepSeconds,
      gapsWhereZero: true,
    }),
    { scaling, platform: options.platform ?? SIMPLE },
  );
}

/** Requests per minute that put n healthy tasks at pct % CPU. */
const load = (n: number, pct: number): number => 60 * n * pct;
/** Event time of an evaluation at the end of one-minute step i. */
const endOf = (step: number, startMs = START): number => startMs + (step + 1) * 60_000;

/** The events of one kind (an intersection, since scale-out and scale-in share a member). */
type EventOf<K extends ScalingEvent["kind"]> = ScalingEvent & { readonly kind: K };
function ofKind<K extends ScalingEvent["kind"]>(r: SimulationResult, kind: K): EventOf<K>[] {
  return r.events.filter((e): e is EventOf<K> => e.kind === kind);
}
const outs = (r: SimulationResult) => ofKind(r, "scale-out");
const ins = (r: SimulationResult) => ofKind(r, "scale-in");
const column = (r: SimulationResult, name: "desiredCount" | "healthyCount" | "minCapacity") => [
  ...(r.timeline?.[name] ?? []),
];

function tt(name: string, type: string, target: number, extra: Record<string, unknown> = {}) {
  return {
    PolicyName: name,
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue: target,
      PredefinedMetricSpecification: { PredefinedMetricType: type },
      ...extra,
    },
  };
}
const cpu = (target: number, extra: Record<string, unknown> = {}) =>
  tt("cpu", "ECSServiceAverageCPUUtilization", target, extra);
const cpu20 = (target: number) =>
  tt("cpu20", "ECSServiceAverageCPUUtilizationHighResolution", target);
const req = (target: number) => tt("req", "ALBRequestCountPerTarget", target);

/** The rows' usual scaling: 1 to 20 tasks, starting at `desired`, with these policies. */
const onTasks = (desired: number, ...policies: unknown[]) => ({
  MinCapacity: 1,
  MaxCapacity: 20,
  DesiredCount: desired,
  policies,
});

const rounded = (values: readonly number[]) => values.map((v) => Math.round(v * 1e6) / 1e6);

interface Row {
  readonly rule: string;
  readonly requests: readonly number[];
  readonly scaling: Record<string, unknown>;
  readonly options?: RunOptions;
  readonly check: (r: SimulationResult) => void;
}

// Shared traces.
/** 10 quiet minutes at 40 %, then 3 minutes at 75 % on 4 tasks, then quiet again. */
const THREE_HIGH = [...rep(load(4, 40), 10), ...rep(load(4, 75), 3), ...rep(load(4, 40), 10)];

const rows: Row[] = [
  // §1.2 AlarmHigh: 3 of 3 datapoints > target.
  {
    rule: "§1.2 scale-out after 3 consecutive datapoints above target, at the third",
    requests: THREE_HIGH,
    scaling: onTasks(4, cpu(50)),
    check: (r) => {
      const [first, ...rest] = outs(r);
      expect(rest).toEqual([]);
      expect(first).toMatchObject({ step: 12, timeMs: endOf(12), policy: "cpu", from: 4, to: 6 });
      expect(first?.evidence).toMatchObject({ alarm: "AlarmHigh", threshold: 50 });
      expect(rounded(first?.evidence?.datapoints ?? [])).toEqual([75, 75, 75]);
      // The timeline shows the new desired count from the next step on.
      expect(column(r, "desiredCount").slice(10, 15)).toEqual([4, 4, 4, 6, 6]);
    },
  },
  {
    rule: "§1.2 two datapoints above, then one below → no scale-out",
    requests: [
      ...rep(load(4, 40), 10),
      ...[75, 75, 40, 75, 75, 40, 75, 75].map((p) => load(4, p)),
      ...rep(load(4, 40), 10),
    ],
    scaling: onTasks(4, cpu(50)),
    check: (r) => {
      expect(outs(r)).toEqual([]);
      expect(new Set(column(r, "desiredCount"))).toEqual(new Set([4]));
    },
  },
  {
    rule: "§1.2 a datapoint exactly at target is not above it (GreaterThanThreshold)",
    requests: rep(load(4, 50), 30),
    scaling: onTasks(4, cpu(50)),
    check: (r) => {
      expect(new Set(r.timeline?.cpuUtilization)).toEqual(new Set([50]));
      expect(outs(r)).toEqual([]);
      expect(ins(r)).toEqual([]);
    },
  },
  {
    rule: "§1.2 just above target counts: 50.5 % on 4 tasks → ceil(4.04) = 5",
    requests: rep(load(4, 50.5), 30),
    scaling: onTasks(4, cpu(50)),
    check: (r) => {
      expect(outs(r)[0]).toMatchObject({ step: 2, from: 4, to: 5 });
    },
  },
  // §1.2 AlarmLow: 15 of 15 datapoints < 0.9 × target.
  {
    rule: "§1.2 scale-in after 15 consecutive datapoints below 0.9 × target, at the 15th",
    requests: rep(load(8, 40), 20),
    scaling: onTasks(8, cpu(50)),
    check: (r) => {
      const [first, ...rest] = ins(r);
      expect(rest).toEqual([]);
      // ceil(8 × 40 / 50) = ceil(6.4) = 7
      expect(first).toMatchObject({ step: 14, timeMs: endOf(14), from: 8, to: 7 });
      expect(first?.evidence).toMatchObject({ alarm: "AlarmLow", threshold: 45 });
      expect(rounded(first?.evidence?.datapoints ?? [])).toEqual(rep(40, 15));
    },
  },
  {
    rule: "§1.2 14 low datapoints are not enough (broken by one at 0.95 × target)",
    requests: [
      ...rep(load(8, 40), 14),
      load(8, 47.5),
      ...rep(load(8, 40), 14),
      ...rep(load(8, 47.5), 10),
    ],
    scaling: onTasks(8, cpu(50)),
    check: (r) => {
      expect(ins(r)).toEqual([]);
      expect(new Set(column(r, "desiredCount"))).toEqual(new Set([8]));
    },
  },
  {
    rule: "§1.2 0.95 × target is not low: 40 minutes at 47.5 % never scale in",
    requests: rep(load(8, 47.5), 40),
    scaling: onTasks(8, cpu(50)),
    check: (r) => {
      expect(ins(r)).toEqual([]);
      expect(outs(r)).toEqual([]);
    },
  },
  {
    rule: "§1.2 exactly 0.9 × target is not below it (LessThanThreshold)",
    requests: rep(load(8, 45), 30),
    scaling: onTasks(8, cpu(50)),
    check: (r) => {
      expect(new Set(r.timeline?.cpuUtilization)).toEqual(new Set([45]));
      expect(ins(r)).toEqual([]);
    },
  },
  // §1.3 desired = clamp(ceil(current × M / T), min, max).
  {
    rule: "§1.3 saturated: 4 tasks at 100 % CPU with target 50 → 8",
    requests: rep(load(4, 100), 5),
    scaling: onTasks(4, cpu(50)),
    check: (r) => {
      expect(outs(r)).toEqual([
        expect.objectContaining({ step: 2, from: 4, to: 8, policy: "cpu" }),
      ]);
    },
  },
  {
    rule: "§1.1/§1.3 MaxCapacity caps the scale-out",
    requests: rep(load(4, 100), 30),
    scaling: { MinCapacity: 1, MaxCapacity: 5, DesiredCount: 4, policies: [cpu(50)] },
    check: (r) => {
      const [first] = outs(r);
      expect(first).toMatchObject({ step: 2, from: 4, to: 5 });
      expect(first?.reason).toContain("capped at MaxCapacity 5");
      expect(Math.max(...column(r, "desiredCount"))).toBe(5);
      expect(Math.max(...(r.timeline?.runningCount ?? []))).toBeLessThanOrEqual(5);
    },
  },
  {
    rule: "§1.1/§1.3 MinCapacity floors the scale-in: 8 tasks at 10 % want 2, get 6",
    requests: rep(load(8, 10), 40),
    scaling: { MinCapacity: 6, MaxCapacity: 20, DesiredCount: 8, policies: [cpu(50)] },
    check: (r) => {
      const all = ins(r);
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({ step: 14, from: 8, to: 6 });
      expect(all[0]?.reason).toContain("held at MinCapacity 6");
      expect(Math.min(...column(r, "desiredCount"))).toBe(6);
    },
  },
  // §1.4 Cooldowns.
  {
    rule: "§1.4 ScaleOutCooldown: a smaller scale-out inside it is blocked (blocked-by-cooldown)",
    requests: [...rep(load(4, 75), 3), ...rep(load(4, 60), 20)],
    scaling: { MinCapacity: 1, MaxCapacity: 100, DesiredCount: 4, policies: [cpu(50)] },
    options: { platform: NEVER_LAUNCH },
    check: (r) => {
      const o = outs(r);
      expect(o[0]).toMatchObject({ step: 2, from: 4, to: 6 });
      // At step 3 the alarm is still HIGH (75, 75, 60): ceil(4 × 60/50) = 5, not above 6.
      expect(ofKind(r, "blocked-by-cooldown")[0]).toMatchObject({
        step: 3,
        policy: "cpu",
        wanted: 5,
        current: 6,
        cooldown: "ScaleOutCooldown",
        untilMs: endOf(2) + 300_000,
      });
      // After the cooldown the count is computed from the 4 RUNNING tasks (the new ones never
      // start): 5 is still not above 6, so nothing more (the desired count as the base, once
      // modelled, gave ceil(6 × 60/50) = 8 at step 7: see the running-count test below).
      expect(o).toHaveLength(1);
    },
  },
  {
    rule: "§1.4 ScaleOutCooldown: a larger scale-out inside it goes through",
    requests: [...rep(load(4, 75), 3), ...rep(load(4, 100), 3)],
    scaling: { MinCapacity: 1, MaxCapacity: 100, DesiredCount: 4, policies: [cpu(50)] },
    options: { platform: NEVER_LAUNCH },
    check: (r) => {
      // Step 3: computed from the 4 tasks before the first scale-out: ceil(4 × 100/50) = 8 > 6.
      expect(outs(r).slice(0, 2)).toEqual([
        expect.objectContaining({ step: 2, from: 4, to: 6 }),
        expect.objectContaining({ step: 3, from: 6, to: 8 }),
      ]);
    },
  },
  {
    rule: "§1.4 ScaleInCooldown blocks a second scale-in until it ends",
    requests: [...rep(load(8, 20), 15), ...rep(load(4, 10), 10)],
    scaling: onTasks(8, cpu(50)),
    check: (r) => {
      // Step 14: ceil(8 × 20/50) = 4. Step 15: 4 tasks at 10 % want 1, but the cooldown runs.
      expect(ofKind(r, "blocked-by-cooldown")).toEqual([
        expect.objectContaining({
          step: 15,
          wanted: 1,
          current: 4,
          cooldown: "ScaleInCooldown",
          untilMs: endOf(14) + 300_000,
        }),
      ]);
      expect(ins(r)).toEqual([
        expect.objectContaining({ step: 14, from: 8, to: 4 }),
        expect.objectContaining({ step: 19, from: 4, to: 1 }),
      ]);
    },
  },
  {
    rule: "§1.4 a scale-out ends the scale-in cooldown",
    requests: [...rep(load(8, 20), 15), ...rep(load(4, 75), 3), ...rep(load(4, 10), 25)],
    scaling: onTasks(8, cpu(50, { ScaleInCooldown: 3600 })),
    check: (r) => {
      expect(outs(r)).toEqual([expect.objectContaining({ step: 17, from: 4, to: 6 })]);
      // Without the scale-out the hour-long ScaleInCooldown would block this (next row).
      expect(ins(r)).toEqual([
        expect.objectContaining({ step: 14, from: 8, to: 4 }),
        expect.objectContaining({ step: 32, from: 6, to: 1 }),
      ]);
      expect(ofKind(r, "blocked-by-cooldown")).toEqual([]);
    },
  },
  {
    rule: "§1.4 (control) without a scale-out the long ScaleInCooldown blocks the second scale-in",
    requests: [...rep(load(8, 20), 15), ...rep(load(4, 40), 3), ...rep(load(4, 10), 25)],
    scaling: onTasks(8, cpu(50, { ScaleInCooldown: 3600 })),
    check: (r) => {
      expect(outs(r)).toEqual([]);
      expect(ins(r)).toEqual([expect.objectContaining({ step: 14, from: 8, to: 4 })]);
      expect(ofKind(r, "blocked-by-cooldown")).toEqual([
        expect.objectContaining({ cooldown: "ScaleInCooldown", untilMs: endOf(14) + 3_600_000 }),
      ]);
    },
  },
  // §1.5 DisableScaleIn.
  {
    rule: "§1.5 DisableScaleIn never scales in",
    requests: rep(load(8, 10), 60),
    scaling: onTasks(8, cpu(50, { DisableScaleIn: true })),
    check: (r) => {
      expect(ins(r)).toEqual([]);
      expect(ofKind(r, "scale-in-withheld")).toEqual([]);
      expect(new Set(column(r, "desiredCount"))).toEqual(new Set([8]));
    },
  },
  // §1.7 Several policies.
  {
    rule: "§1.7 either policy can scale out: only the request-count one is high",
    // 45 % CPU (OK for CPU 50), 2700 requests per target (> 2400).
    requests: rep(load(4, 45), 6),
    scaling: onTasks(4, cpu(50), req(2400)),
    check: (r) => {
      const [first] = outs(r);
      // ceil(4 × 2700/2400) = ceil(4.5) = 5
      expect(first).toMatchObject({ step: 2, policy: "req", from: 4, to: 5 });
      expect(first?.evidence).toMatchObject({ threshold: 2400, datapoints: [2700, 2700, 2700] });
    },
  },
  {
    rule: "§1.7 either policy can scale out: only the CPU one is high",
    // 55 % CPU (> 50), 3300 requests per target (OK for 3600).
    requests: rep(load(4, 55), 6),
    scaling: onTasks(4, cpu(50), req(3600)),
    check: (r) => {
      expect(outs(r)[0]).toMatchObject({ step: 2, policy: "cpu", from: 4, to: 5 });
    },
  },
  {
    rule: "§1.7 both high: the larger capacity wins (CPU 8 over requests 6)",
    requests: rep(load(4, 90), 6),
    scaling: onTasks(4, cpu(50), req(3600)),
    check: (r) => {
      const [first] = outs(r);
      expect(first).toMatchObject({ step: 2, policy: "cpu", from: 4, to: 8 });
      expect(first?.reason).toContain("largest of 2 policies");
    },
  },
  {
    rule: "§1.7 both high: the larger capacity wins (requests 9 over CPU 8)",
    requests: rep(load(4, 90), 6),
    scaling: onTasks(4, cpu(50), req(2400)),
    check: (r) => {
      expect(outs(r)[0]).toMatchObject({ step: 2, policy: "req", from: 4, to: 9 });
    },
  },
  {
    rule: "§1.7 scale-in only when all are low: CPU low, requests at target → scale-in-withheld",
    // 40 % CPU (< 45), 2400 requests per target (not < 2160).
    requests: rep(load(8, 40), 30),
    scaling: onTasks(8, cpu(50), req(2400)),
    check: (r) => {
      expect(ins(r)).toEqual([]);
      expect(ofKind(r, "scale-in-withheld")).toEqual([
        expect.objectContaining({ step: 14, policy: "cpu" }),
      ]);
    },
  },
  {
    rule: "§1.7 scale-in when all are low; the larger capacity wins (requests 6 over CPU 5)",
    // 30 % CPU → ceil(8 × 30/50) = 5; 1800 per target → ceil(8 × 1800/2400) = 6.
    requests: rep(load(8, 30), 20),
    scaling: onTasks(8, cpu(50), req(2400)),
    check: (r) => {
      expect(ins(r)).toEqual([expect.objectContaining({ step: 14, from: 8, to: 6 })]);
      // Afterwards 6 tasks run at 40 % CPU (low) and 2400 per target (not low): withheld.
      expect(ofKind(r, "scale-in-withheld")).toEqual([
        expect.objectContaining({ step: 15, policy: "cpu" }),
      ]);
    },
  },
  // §1.6 Missing data (CloudWatch user guide, "How alarm state is evaluated when data is missing").
  {
    rule: "§1.6 short zero-traffic gaps are skipped: AlarmLow alarms on the real datapoints around them",
    // 1200 per target, below 0.9 × 2400, with 3-minute gaps of missing ALB data.
    requests: [
      ...rep(load(8, 20), 10),
      ...rep(0, 3),
      ...rep(load(8, 20), 14),
      ...rep(0, 3),
      ...rep(load(8, 20), 14),
    ],
    scaling: onTasks(8, req(2400)),
    check: (r) => {
      // At step 14 the 15 periods retrieved hold 12 real datapoints, all low, the oldest 15
      // periods old: fewer than 15, but none is not low, so AlarmLow goes to ALARM (the guide's
      // premature-transition rule) and ceil(8 × 1200 / 2400) = 4.
      expect(ins(r)).toEqual([expect.objectContaining({ step: 14, from: 8, to: 4 })]);
      const evidence = ins(r)[0]?.evidence?.datapoints ?? [];
      expect(evidence.map((v) => (Number.isNaN(v) ? "-" : String(v))).join(" ")).toBe(
        "1200 ".repeat(10) + "- - - 1200 1200",
      );
      expect(ofKind(r, "insufficient-data")).toEqual([]);
    },
  },
  {
    rule: "§1.6 a gap longer than the evaluation range: INSUFFICIENT_DATA, no scale-in until 15 real datapoints return",
    // 2300 per target (neither high nor low), 20 silent minutes, then 1200 per target (low).
    requests: [...rep(8 * 2300, 10), ...rep(0, 20), ...rep(load(8, 20), 20)],
    scaling: onTasks(8, req(2400)),
    check: (r) => {
      // Step 14: AlarmHigh's five periods (10–14) are all missing.
      expect(ofKind(r, "insufficient-data")).toEqual([
        expect.objectContaining({ step: 14, policy: "req" }),
      ]);
      expect(ofKind(r, "insufficient-data")[0]?.reason).toContain("AlarmHigh");
      // From step 30 the low datapoints are too few and too recent to alarm; at step 44 the
      // 15 most recent of the 17 retrieved are real and low.
      expect(ins(r)).toEqual([expect.objectContaining({ step: 44, from: 8, to: 4 })]);
    },
  },
  {
    rule: "§1.6 (control) with zeroTrafficIsMissingData off the same trace scales in",
    requests: [
      ...rep(load(8, 20), 10),
      ...rep(0, 3),
      ...rep(load(8, 20), 14),
      ...rep(0, 3),
      ...rep(load(8, 20), 14),
    ],
    scaling: onTasks(8, req(2400)),
    options: { platform: { ...SIMPLE, zeroTrafficIsMissingData: false } },
    check: (r) => {
      expect(ofKind(r, "insufficient-data")).toEqual([]);
      // 1200 per target → ceil(8 × 1200/2400) = 4
      expect(ins(r)[0]).toMatchObject({ step: 14, from: 8, to: 4 });
    },
  },
  {
    rule: "§1.6 no metrics at zero tasks: a CPU policy never scales out from 0",
    requests: rep(10_000, 30),
    scaling: { MinCapacity: 0, MaxCapacity: 20, DesiredCount: 0, policies: [cpu(50)] },
    check: (r) => {
      expect(outs(r)).toEqual([]);
      // AlarmHigh is first evaluated once the trace has published its 3 periods, all missing.
      expect(ofKind(r, "insufficient-data")).toEqual([
        expect.objectContaining({ step: 2, policy: "cpu" }),
      ]);
      expect(new Set(column(r, "desiredCount"))).toEqual(new Set([0]));
      expect(r.kpis.failedRequests).toBe(r.kpis.totalRequests);
    },
  },
  // §1.10 / §2.1 timing.
  {
    rule: "§2.1 a 120-s publication delay shifts the scale-out by 120 s",
    requests: THREE_HIGH,
    scaling: onTasks(4, cpu(50)),
    options: { platform: { ...SIMPLE, metricPublicationDelaySeconds: 120 } },
    check: (r) => {
      expect(outs(r)[0]).toMatchObject({ step: 14, timeMs: endOf(12) + 120_000, to: 6 });
    },
  },
  {
    rule: "§1.10 the 20-s policy reacts 2 minutes sooner than the 60-s one on the same step",
    requests: THREE_HIGH,
    scaling: onTasks(4, cpu20(50)),
    check: (r) => {
      const [first] = outs(r);
      // Three 20-s datapoints of the first high minute, seen at its end.
      expect(first).toMatchObject({ step: 10, timeMs: endOf(10), from: 4, to: 6 });
      expect(first?.evidence?.datapoints).toHaveLength(3);
      expect(endOf(12) - (first?.timeMs ?? 0)).toBe(120_000);
    },
  },
  // §1.12 Step scaling.
  {
    rule: "§1.12 step scaling: +2 when CPU > 70 for 2 of 3 datapoints",
    requests: [
      ...rep(load(4, 40), 10),
      ...[80, 40, 80].map((p) => load(4, p)),
      ...rep(load(4, 40), 5),
    ],
    scaling: onTasks(4, stepPolicy()),
    options: { platform: NEVER_LAUNCH },
    check: (r) => {
      const all = outs(r);
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({ step: 12, policy: "step", from: 4, to: 6 });
      expect(all[0]?.evidence).toMatchObject({ threshold: 70, comparison: "above" });
      expect(rounded(all[0]?.evidence?.datapoints ?? [])).toEqual([80, 40, 80]);
    },
  },
  {
    rule: "§1.12 step scaling: 1 of 3 datapoints above the threshold is not enough",
    requests: [...rep(load(4, 40), 10), load(4, 80), ...rep(load(4, 40), 10)],
    scaling: onTasks(4, stepPolicy()),
    options: { platform: NEVER_LAUNCH },
    check: (r) => {
      expect(outs(r)).toEqual([]);
    },
  },
  // §1.12 Step bounds (Application Auto Scaling API reference, StepAdjustment): [lower, upper)
  // above the threshold, (lower, upper] below it. aws-cdk's scaleOnMetric with scalingSteps
  // [{ upper: 10, change: -1 }, { lower: 50, change: +1 }] makes exactly these two alarms and
  // steps (aws-cdk-lib aws-applicationautoscaling/lib/step-scaling-policy.ts).
  {
    rule: "§1.12 aws-cdk scaleOnMetric scale-in step ≤ 10: fires at exactly 10 (LessThanOrEqualToThreshold, (−∞, 0])",
    requests: rep(load(4, 10), 3),
    scaling: onTasks(
      4,
      cdkStep("lower", 10, "LessThanOrEqualToThreshold", [{ upper: 0, adj: -1 }]),
    ),
    options: { platform: NEVER_LAUNCH },
    check: (r) => {
      expect(r.timeline?.cpuUtilization[0]).toBe(10);
      expect(ins(r)).toEqual([expect.objectContaining({ step: 0, from: 4, to: 3 })]);
    },
  },
  {
    rule: "§1.12 aws-cdk scaleOnMetric scale-out step ≥ 50: fires at exactly 50 (GreaterThanOrEqualToThreshold, [0, ∞))",
    requests: rep(load(4, 50), 3),
    scaling: onTasks(
      4,
      cdkStep("upper", 50, "GreaterThanOrEqualToThreshold", [{ lower: 0, adj: 1 }]),
    ),
    options: { platform: NEVER_LAUNCH },
    check: (r) => {
      expect(outs(r)).toEqual([expect.objectContaining({ step: 0, from: 4, to: 5 })]);
    },
  },
  {
    rule: "§1.12 below the threshold a shared bound belongs to the lower step: 40 with threshold 50 is in (−∞, −10], not (−10, 0]",
    requests: rep(load(4, 40), 3),
    scaling: onTasks(
      4,
      cdkStep("lower", 50, "LessThanOrEqualToThreshold", [
        { lower: -10, upper: 0, adj: -1 },
        { upper: -10, adj: -3 },
      ]),
    ),
    options: { platform: NEVER_LAUNCH },
    check: (r) => {
      expect(ins(r)).toEqual([expect.objectContaining({ step: 0, from: 4, to: 1 })]);
    },
  },
  {
    rule: "§1.12 below the threshold, just inside the upper step: 41 with threshold 50 is in (−10, 0]",
    requests: rep(load(4, 41), 3),
    scaling: onTasks(
      4,
      cdkStep("lower", 50, "LessThanOrEqualToThreshold", [
        { lower: -10, upper: 0, adj: -1 },
        { upper: -10, adj: -3 },
      ]),
    ),
    options: { platform: NEVER_LAUNCH },
    check: (r) => {
      expect(ins(r)).toEqual([expect.objectContaining({ step: 0, from: 4, to: 3 })]);
    },
  },
  {
    rule: "§1.12 above the threshold a shared bound belongs to the upper step: 60 with threshold 50 is in [10, ∞), not [0, 10)",
    requests: rep(load(4, 60), 3),
    scaling: onTasks(
      4,
      cdkStep("upper", 50, "GreaterThanOrEqualToThreshold", [
        { lower: 0, upper: 10, adj: 1 },
        { lower: 10, adj: 3 },
      ]),
    ),
    options: { platform: NEVER_LAUNCH },
    check: (r) => {
      expect(outs(r)).toEqual([expect.objectContaining({ step: 0, from: 4, to: 7 })]);
    },
  },
  {
    rule: "§1.12 above the threshold, just inside the lower step: 59 with threshold 50 is in [0, 10)",
    requests: rep(load(4, 59), 3),
    scaling: onTasks(
      4,
      cdkStep("upper", 50, "GreaterThanOrEqualToThreshold", [
        { lower: 0, upper: 10, adj: 1 },
        { lower: 10, adj: 3 },
      ]),
    ),
    options: { platform: NEVER_LAUNCH },
    check: (r) => {
      expect(outs(r)).toEqual([expect.objectContaining({ step: 0, from: 4, to: 5 })]);
    },
  },
  {
    rule: "§1.12 a strict LessThanThreshold alarm does not fire at its threshold",
    requests: rep(load(4, 10), 3),
    scaling: onTasks(4, cdkStep("lower", 10, "LessThanThreshold", [{ upper: 0, adj: -1 }])),
    options: { platform: NEVER_LAUNCH },
    check: (r) => {
      expect(ins(r)).toEqual([]);
    },
  },
  // Step alarms carry their own TreatMissingData (§1.6): 5 busy minutes, then 20 silent ones
  // (missing ALB datapoints) under a "RequestCount < 1000 for 3 of 3 → −1" alarm.
  ...(["breaching", "missing", "notBreaching"] as const).map((treat): Row => ({
    rule: `§1.6 a step alarm with TreatMissingData ${treat} over a silent stretch`,
    requests: [...rep(load(4, 40), 5), ...rep(0, 20)],
    scaling: onTasks(4, requestCountScaleIn(treat)),
    options: { platform: NEVER_LAUNCH },
    check: (r) => {
      if (treat === "breaching") {
        // Steps 5–6: the 3 most recent real datapoints (periods 2–4) are not low: OK, the
        // fills are not used. Step 7: 2 real, not low, plus 1 breaching fill: 1 of 3; step 8:
        // 1 real + 2 fills: 2 of 3. Step 9: no real datapoint in periods 5–9: ALARM (the step
        // at the threshold, −1), then again every minute after the 60-s Cooldown.
        expect(ins(r).map((e) => [e.step, e.from, e.to])).toEqual([
          [9, 4, 3],
          [10, 3, 2],
          [11, 2, 1],
        ]);
        expect(ofKind(r, "insufficient-data")).toEqual([]);
      } else if (treat === "missing") {
        expect(ins(r)).toEqual([]);
        expect(ofKind(r, "insufficient-data")).toEqual([
          expect.objectContaining({ step: 9, policy: "quiet" }),
        ]);
        expect(ofKind(r, "insufficient-data")[0]?.reason).toContain("treated as missing");
      } else {
        expect(ins(r)).toEqual([]);
        expect(ofKind(r, "insufficient-data")).toEqual([]);
      }
    },
  })),
];

/** A step policy as aws-cdk's scaleOnMetric makes it: one alarm, steps relative to its threshold. */
function cdkStep(
  name: string,
  threshold: number,
  ComparisonOperator: string,
  steps: readonly { lower?: number; upper?: number; adj: number }[],
) {
  return {
    PolicyName: name,
    StepScalingPolicyConfiguration: {
      AdjustmentType: "ChangeInCapacity",
      StepAdjustments: steps.map((s) => ({
        ...(s.lower !== undefined ? { MetricIntervalLowerBound: s.lower } : {}),
        ...(s.upper !== undefined ? { MetricIntervalUpperBound: s.upper } : {}),
        ScalingAdjustment: s.adj,
      })),
    },
    Alarm: {
      Metric: { Namespace: "AWS/ECS", MetricName: "CPUUtilization", Statistic: "Average" },
      Threshold: threshold,
      ComparisonOperator,
      Period: 60,
      EvaluationPeriods: 1,
    },
  };
}

function requestCountScaleIn(TreatMissingData: string) {
  return {
    PolicyName: "quiet",
    StepScalingPolicyConfiguration: {
      AdjustmentType: "ChangeInCapacity",
      StepAdjustments: [{ MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }],
      Cooldown: 60,
    },
    Alarm: {
      Metric: { Namespace: "AWS/ApplicationELB", MetricName: "RequestCount", Statistic: "Sum" },
      Threshold: 1000,
      ComparisonOperator: "LessThanThreshold",
      Period: 60,
      EvaluationPeriods: 3,
      TreatMissingData,
    },
  };
}

function stepPolicy() {
  return {
    PolicyName: "step",
    StepScalingPolicyConfiguration: {
      AdjustmentType: "ChangeInCapacity",
      StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 2 }],
    },
    Alarm: {
      Metric: { Namespace: "AWS/ECS", MetricName: "CPUUtilization", Statistic: "Average" },
      Threshold: 70,
      ComparisonOperator: "GreaterThanThreshold",
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    },
  };
}

describe("Application Auto Scaling rules (reference §1)", () => {
  it.each(rows)("$rule", (row) => {
    row.check(run(row.requests, row.scaling, row.options));
  });

  // Reference §1.4: "during the cooldown the capacity already added counts as part of
  // desired for the next scale-out calculation"; model: "a scale-out inside the scale-out
  // cooldown is allowed only if the newly computed desired exceeds the desired set by the
  // previous scale-out". Here the metric stays at 100 % (the new tasks are not running yet,
  // as happens for minutes with the default publication and launch delays), so the policy
  // computes the same desired count (8) every minute and must not add more.
  // (A regression test: the base once moved inside the cooldown and desired doubled every minute.)
  it("§1.4 a steady metric inside the scale-out cooldown does not scale out again", () => {
    const r = run(
      [...rep(load(4, 75), 3), ...rep(load(4, 100), 5)],
      { MinCapacity: 1, MaxCapacity: 100, DesiredCount: 4, policies: [cpu(50)] },
      { platform: NEVER_LAUNCH },
    );
    expect(outs(r).map((e) => [e.step, e.from, e.to])).toEqual([
      [2, 4, 6],
      [3, 6, 8],
    ]);
  });

  // ECS developer guide, "Service auto scaling" (considerations): "During scaling activities,
  // the actual running task count in a service is the value that Service Auto Scaling uses as
  // its starting point, as opposed to the desired count … This prevents excessive (runaway)
  // scaling that might not be satisfied". Here the new tasks never start and the 60-s
  // cooldown ends long before they would: computed from the 4 RUNNING tasks, the policy asks
  // for ceil(4 × 100 / 50) = 8 again and again; from the desired count it would double it
  // every minute up to MaxCapacity.
  it("the running count, not the desired count, is the base: no runaway while tasks do not start", () => {
    const r = run(
      [...rep(load(4, 75), 3), ...rep(load(4, 100), 8)],
      {
        MinCapacity: 1,
        MaxCapacity: 100,
        DesiredCount: 4,
        policies: [cpu(50, { ScaleOutCooldown: 60 })],
      },
      { platform: NEVER_LAUNCH },
    );
    expect(outs(r).map((e) => [e.step, e.from, e.to])).toEqual([
      [2, 4, 6],
      [3, 6, 8],
    ]);
    expect(column(r, "desiredCount").at(-1)).toBe(8);
  });

  it("a scale-in starts from the running count too", () => {
    // 8 tasks, two of them killed for good cannot be shown without OOM; instead desired is 8
    // with 6 RUNNING: a scheduled MinCapacity raise to 8 whose tasks never start.
    const startMs = Date.parse("2026-01-05T07:59:00Z");
    const r = run(
      rep(load(6, 20), 30),
      {
        MinCapacity: 1,
        MaxCapacity: 20,
        DesiredCount: 6,
        policies: [cpu(50, { ScaleInCooldown: 60 })],
        scheduledActions: [
          {
            ScheduledActionName: "raise",
            Schedule: "cron(0 8 * * ? *)",
            ScalableTargetAction: { MinCapacity: 8 },
          },
          {
            ScheduledActionName: "lower",
            Schedule: "cron(2 8 * * ? *)",
            ScalableTargetAction: { MinCapacity: 1 },
          },
        ],
      },
      { startMs, platform: NEVER_LAUNCH },
    );
    // CPU stays at 20 % on the 6 RUNNING tasks: ceil(6 × 20 / 50) = 3, not ceil(8 × 20 / 50) = 4.
    expect(ins(r)[0]).toMatchObject({ from: 8, to: 3 });
  });

  it("scheduled action: cron(0 8 * * ? *) raises MinCapacity at 08:00 UTC and desired follows", () => {
    const startMs = Date.parse("2026-01-05T07:30:00Z");
    const r = run(
      rep(load(2, 10), 60),
      {
        MinCapacity: 2,
        MaxCapacity: 10,
        DesiredCount: 2,
        policies: [cpu(50)],
        scheduledActions: [
          {
            ScheduledActionName: "morning",
            Schedule: "cron(0 8 * * ? *)",
            ScalableTargetAction: { MinCapacity: 5 },
          },
        ],
      },
      { startMs },
    );
    expect(ofKind(r, "scheduled-action")).toEqual([
      expect.objectContaining({
        step: 30,
        timeMs: Date.parse("2026-01-05T08:00:00Z"),
        name: "morning",
        MinCapacity: 5,
        MaxCapacity: 10,
      }),
    ]);
    const desired = column(r, "desiredCount");
    const min = column(r, "minCapacity");
    expect(desired.slice(0, 30)).toEqual(rep(2, 30));
    expect(desired.slice(30)).toEqual(rep(5, 30));
    expect(min.slice(28, 32)).toEqual([2, 2, 5, 5]);
    // Launched at 08:00, RUNNING at 08:00:30, healthy at 08:01.
    expect(column(r, "healthyCount").slice(29, 33)).toEqual([2, 2, 5, 5]);
    // The CPU policy is low the whole time but never goes under the new MinCapacity.
    expect(ins(r)).toEqual([]);
  });
});

describe("calibration against the AWS benchmark (reference §1.10)", () => {
  const steps = [...rep(load(4, 30), 20), ...rep(load(4, 100), 20)];
  const stepAtMs = START + 20 * 60_000;

  it("default platform, 60-s CPU policy: scale-out 300–400 s after the load step (AWS: 363 s)", () => {
    const r = run(
      steps,
      { MinCapacity: 1, MaxCapacity: 50, DesiredCount: 4, policies: [cpu(50)] },
      {
        platform: {},
      },
    );
    const seconds = ((outs(r)[0]?.timeMs ?? Infinity) - stepAtMs) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(300);
    expect(seconds).toBeLessThanOrEqual(400);
    expect(seconds).toBe(360); // measured with the defaults (publication delay 150 s)
  });

  it("default platform, 20-s CPU policy: scale-out 60–120 s after the load step (AWS: 86 s)", () => {
    const r = run(
      steps,
      { MinCapacity: 1, MaxCapacity: 50, DesiredCount: 4, policies: [cpu20(50)] },
      {
        platform: {},
      },
    );
    const seconds = ((outs(r)[0]?.timeMs ?? Infinity) - stepAtMs) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(60);
    expect(seconds).toBeLessThanOrEqual(120);
    expect(seconds).toBe(80); // measured with the defaults (publication delay 20 s)
  });
});

describe("an event's datapoints as printed", () => {
  it("never print equal to the threshold they breached", () => {
    expect(roundApart(58.04, 50)).toBe(58);
    expect(roundApart(50.04, 50)).toBe(50.04);
    expect(roundApart(44.996, 45)).toBe(44.996);
    expect(roundApart(50.0000001, 50)).toBe(50.0000001);
    expect(roundApart(50, 50)).toBe(50);
  });
});
