/**
 * Application Auto Scaling for one ECS service, as shared/reference/aws-ecs-scaling.md §1
 * describes it: target-tracking alarms (AlarmHigh 3 of 3 above target, AlarmLow 15 of 15
 * below 90 % of target, TreatMissingData `missing`), the new-desired-count formula, cooldowns,
 * several policies, and step scaling on alarms the user owns; each rule is named in
 * sim/rules.ts. Scheduled actions are applied by the engine.
 *
 * Every alarm is evaluated as CloudWatch documents it, missing datapoints included
 * ({@link evaluateAlarm}, sim/alarm.ts). An alarm is first evaluated once the trace has
 * published as many periods as its EvaluationPeriods; periods before the trace's start are
 * not retrieved (the service's history before the trace is unknown), and until then the alarm
 * is OK.
 *
 * The model choices AWS does not document are parameters (PlatformParams):
 * `capacityFormulaDatapoint`, `scaleInBlockedAfterScaleOut`, `deploymentSurgeInRunningCount`,
 * the high-resolution alarm shape, the evaluation range (`alarmEvaluationRangeExtraPeriods`).
 */
import type {
  AlarmEvidence,
  ComparisonOperator,
  PlatformParams,
  PolicyConfig,
  ScalingEvent,
} from "./vocab/index.js";
import {
  alarmEvaluation,
  evaluateAlarm,
  NOfNMissingAlarm,
  type AlarmEvaluation,
  type AlarmSpec,
  type AlarmStateValue,
} from "./alarm.js";
import {
  customReader,
  predefinedPeriod,
  predefinedReader,
  type MetricTaskFacts,
  type PeriodStore,
} from "./metrics.js";
import {
  ceilTolerant,
  clampCapacity,
  HIGH_RESOLUTION_PERIOD_SECONDS,
  inCooldown,
  inStepInterval,
  percentChangeInCapacity,
  SCALE_IN_DATAPOINTS,
  SCALE_IN_THRESHOLD_FRACTION,
  SCALE_OUT_DATAPOINTS,
  TARGET_TRACKING_PERIOD_SECONDS,
  TARGET_TRACKING_TREAT_MISSING_DATA,
  targetTrackingCapacity,
} from "./rules.js";

/** A policy's reading of its alarms: HIGH wants to scale out (a step policy: its alarm is in ALARM), LOW to scale in. */
type AlarmState = "OK" | "HIGH" | "LOW" | "INSUFFICIENT_DATA";

interface PolicyBase {
  readonly name: string;
  readonly store: PeriodStore;
  readonly handle: number;
  readonly delay: number;
  state: AlarmState;
  lastOutAt: number;
  lastOutFrom: number;
  lastInAt: number;
  /** Time until which a blocked-by-cooldown event was already reported. */
  reportedBlockUntil: number;
}

interface TargetTrackingPolicy extends PolicyBase {
  readonly kind: "target-tracking";
  readonly target: number;
  readonly outN: number;
  readonly inN: number;
  /** AlarmHigh: N of N above the target. */
  readonly high: AlarmSpec;
  /** AlarmLow: N of N below 90 % of the target. */
  readonly low: AlarmSpec;
  readonly scaleOutCooldown: number;
  readonly scaleInCooldown: number;
  readonly disableScaleIn: boolean;
  /** CloudWatch state of AlarmHigh and AlarmLow. */
  highState: AlarmStateValue;
  lowState: AlarmStateValue;
  /** Metric value for the formula at the last evaluation. */
  value: number;
  evidence: AlarmEvidence | null;
  withheldReported: boolean;
  /** The datapoint of the last period pushed to both alarms (NaN: missing, or none yet). */
  newest: number;
  /** AlarmHigh and AlarmLow, evaluated incrementally as the periods are published. */
  readonly highAlarm: NOfNMissingAlarm;
  readonly lowAlarm: NOfNMissingAlarm;
}

interface StepPolicy extends PolicyBase {
  readonly kind: "step";
  readonly threshold: number;
  readonly alarm: AlarmSpec;
  readonly comparison: "above" | "below";
  readonly evaluationPeriods: number;
  readonly cooldown: number;
  readonly adjustmentType: "ChangeInCapacity" | "PercentChangeInCapacity" | "ExactCapacity";
  readonly steps: readonly { lo: number; hi: number; adj: number }[];
  readonly minMagnitude: number;
  /** CloudWatch state of the alarm. */
  alarmState: AlarmStateValue;
  value: number;
  evidence: AlarmEvidence | null;
}

type Policy = TargetTrackingPolicy | StepPolicy;

export interface AutoScalerOptions {
  readonly policies: readonly PolicyConfig[];
  readonly task: MetricTaskFacts;
  readonly platform: PlatformParams;
  /** Returns the store for a period (20 or 60 s), creating it with enough lookback. */
  readonly storeFor: (periodSeconds: number, lookbackPeriods: number) => PeriodStore;
  readonly startMs: number;
  readonly stepSeconds: number;
  /** Receives events; null to skip building them (sweeps). */
  readonly emit: ((event: ScalingEvent) => void) | null;
}

export class AutoScaler {
  private readonly policies: Policy[];
  private readonly emit: ((event: ScalingEvent) => void) | null;
  private readonly startMs: number;
  private readonly stepSeconds: number;
  private readonly formula: PlatformParams["capacityFormulaDatapoint"];
  /** Whether the formula takes the mean of the evaluated datapoints (else the latest). */
  private readonly withMean: boolean;
  private readonly blockInAfterOut: boolean;
  /** Whether a deployment's tasks beyond the desired count count in the running count. */
  private readonly surgeCounts: boolean;
  /** The one policy, when there is only one (the common case in sweeps; saves a filter). */
  private readonly single: Policy[] | null;
  /** Target-tracking policies with scale-in enabled: all must agree to scale in. */
  private readonly scaleInTracking: TargetTrackingPolicy[];
  /** Scratch lists for {@link evaluate}: the policies that want to scale out / in. */
  private readonly outs: Policy[];
  private readonly ins: Policy[];
  /** Scratch result of {@link evaluateAlarm}. */
  private readonly scratch: AlarmEvaluation = alarmEvaluation();
  /** Distinct evaluation periods in use, ascending. */
  readonly periods: readonly number[];
  /** Scale-out and scale-in actions taken. */
  actions = 0;
  /**
   * Scale-in is off while an ECS deployment is in progress: "Application Auto Scaling turns off
   * scale-in processes while Amazon ECS deployments are in progress … scale-out processes
   * continue" (ECS developer guide, troubleshooting service auto scaling). Set by sim/deploy.ts.
   */
  scaleInSuspended = false;
  /**
   * The service's tasks, for the running count a new desired count is computed from (set by
   * sim/engine.ts to its Fleet); without them, the desired count stands in for it.
   */
  tasks: { runningCount(tau: number): number } | null = null;

  constructor(options: AutoScalerOptions) {
    const { platform } = options;
    this.emit = options.emit;
    this.startMs = options.startMs;
    this.stepSeconds = options.stepSeconds;
    this.formula = platform.capacityFormulaDatapoint;
    this.withMean = this.formula === "mean";
    this.blockInAfterOut = platform.scaleInBlockedAfterScaleOut;
    this.surgeCounts = platform.deploymentSurgeInRunningCount;
    this.policies = options.policies.map((config, index) => {
      const name = config.PolicyName ?? `policy-${index + 1}`;
      // The mutable fields are spelled out in each literal below rather than spread from a
      // shared object: V8 gives every object built by a spread its own hidden class, which
      // made the per-step code that reads policies megamorphic (and deoptimize per candidate).
      const tt = config.TargetTrackingScalingPolicyConfiguration;
      if (tt) {
        const predefined = tt.PredefinedMetricSpecification?.PredefinedMetricType;
        const period = predefined ? predefinedPeriod(predefined) : TARGET_TRACKING_PERIOD_SECONDS;
        const high = period === HIGH_RESOLUTION_PERIOD_SECONDS;
        const outN = high ? platform.highResolutionScaleOutDatapoints : SCALE_OUT_DATAPOINTS;
        const inN = high ? platform.highResolutionScaleInDatapoints : SCALE_IN_DATAPOINTS;
        const delay = high
          ? platform.highResolutionPublicationDelaySeconds
          : platform.metricPublicationDelaySeconds;
        const extra = rangeExtra(platform, period);
        const store = options.storeFor(
          period,
          Math.ceil(delay / period) + Math.max(outN, inN) + extra + 2,
        );
        const reader = predefined
          ? predefinedReader(predefined, options.task, platform)
          : customReader(tt.CustomizedMetricSpecification!, options.task, platform);
        const highSpec = ttAlarm(tt.TargetValue, "GreaterThanThreshold", outN, extra);
        const lowSpec = ttAlarm(
          SCALE_IN_THRESHOLD_FRACTION * tt.TargetValue,
          "LessThanThreshold",
          inN,
          extra,
        );
        return {
          name,
          state: "OK" as AlarmState,
          lastOutAt: -Infinity,
          lastOutFrom: 0,
          lastInAt: -Infinity,
          reportedBlockUntil: -Infinity,
          value: NaN,
          evidence: null,
          kind: "target-tracking" as const,
          store,
          handle: store.register(reader),
          delay,
          target: tt.TargetValue,
          outN,
          inN,
          high: highSpec,
          low: lowSpec,
          highState: "OK" as AlarmStateValue,
          lowState: "OK" as AlarmStateValue,
          scaleOutCooldown: tt.ScaleOutCooldown,
          scaleInCooldown: tt.ScaleInCooldown,
          disableScaleIn: tt.DisableScaleIn,
          withheldReported: false,
          newest: NaN,
          highAlarm: new NOfNMissingAlarm(highSpec),
          lowAlarm: new NOfNMissingAlarm(lowSpec),
        };
      }
      const step = config.StepScalingPolicyConfiguration!;
      const alarm = config.Alarm!;
      const period = alarm.Period;
      const delay =
        period === HIGH_RESOLUTION_PERIOD_SECONDS
          ? platform.highResolutionPublicationDelaySeconds
          : platform.metricPublicationDelaySeconds;
      const extra = rangeExtra(platform, period);
      const store = options.storeFor(
        period,
        Math.ceil(delay / period) + alarm.EvaluationPeriods + extra + 2,
      );
      const threshold = alarm.Threshold;
      return {
        name: config.PolicyName ?? alarm.AlarmName ?? name,
        state: "OK" as AlarmState,
        lastOutAt: -Infinity,
        lastOutFrom: 0,
        lastInAt: -Infinity,
        reportedBlockUntil: -Infinity,
        value: NaN,
        evidence: null,
        kind: "step" as const,
        store,
        handle: store.register(customReader(alarm.Metric, options.task, platform)),
        delay,
        threshold,
        alarm: {
          threshold,
          comparison: alarm.ComparisonOperator,
          evaluationPeriods: alarm.EvaluationPeriods,
          datapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods,
          treatMissingData: alarm.TreatMissingData,
          rangePeriods: alarm.EvaluationPeriods + extra,
        },
        comparison: alarm.ComparisonOperator.startsWith("Greater")
          ? ("above" as const)
          : ("below" as const),
        evaluationPeriods: alarm.EvaluationPeriods,
        cooldown: step.Cooldown,
        adjustmentType: step.AdjustmentType,
        steps: step.StepAdjustments.map((s) => ({
          lo: s.MetricIntervalLowerBound ?? -Infinity,
          hi: s.MetricIntervalUpperBound ?? Infinity,
          adj: s.ScalingAdjustment,
        })),
        minMagnitude: step.MinAdjustmentMagnitude ?? 0,
        alarmState: "OK" as AlarmStateValue,
      };
    });
    this.periods = [...new Set(this.policies.map((p) => p.store.period))].sort((a, b) => a - b);
    this.single = this.policies.length === 1 ? this.policies : null;
    this.outs = [...this.policies];
    this.ins = [...this.policies];
    this.scaleInTracking = this.policies.filter(
      (p): p is TargetTrackingPolicy => p.kind === "target-tracking" && !p.disableScaleIn,
    );
  }

  /**
   * Evaluates the policies whose alarms are evaluated at `tau` (seconds since the trace's
   * start; a multiple of each policy's period) and returns the new desired count, or
   * `current` (the desired count) when nothing changes.
   *
   * A new count is computed from the tasks RUNNING at tau ({@link tasks}): "During scaling
   * activities, the actual running task count in a service is the value that Service Auto
   * Scaling uses as its starting point, as opposed to the desired count … This prevents
   * excessive (runaway) scaling that might not be satisfied" (ECS developer guide, "Service
   * auto scaling", considerations; sim/MODEL-AUDIT.md C4). A scale-out still has to raise the
   * desired count, and a scale-in to lower it.
   */
  evaluate(tau: number, step: number, current: number, min: number, max: number): number {
    // Indexed loops throughout, rather than for…of: V8 did not remove the array iterators
    // here, and allocated two objects per evaluation (a sampling heap profile showed them).
    const single = this.single;
    const due = single ?? this.policies.filter((p) => isMultiple(tau, p.store.period));
    if (due.length === 0 || (single !== null && !isMultiple(tau, single[0]!.store.period)))
      return current;
    return this.evaluateDue(due, tau, step, current, min, max);
  }

  /**
   * {@link evaluate} at a `tau` the caller knows to be a multiple of every policy's period
   * when there is one policy (the engine's evaluation grid, in whole seconds): the division
   * that checks it is skipped (it runs at every period of every candidate of a sweep).
   */
  evaluateOnGrid(tau: number, step: number, current: number, min: number, max: number): number {
    const single = this.single;
    if (single === null) return this.evaluate(tau, step, current, min, max);
    return this.evaluateDue(single, tau, step, current, min, max);
  }

  /** {@link evaluate} for the policies `due` at tau. */
  private evaluateDue(
    due: readonly Policy[],
    tau: number,
    step: number,
    current: number,
    min: number,
    max: number,
  ): number {
    let acting = false;
    let high = false;
    for (let k = 0; k < due.length; k++) {
      const p = due[k]!;
      this.observe(p, tau, step);
      if (p.state === "HIGH") acting = high = true;
      else if (p.state === "LOW") acting = true;
    }
    if (!acting) return current;
    // Nothing can change at a bound (the common case at night, when every policy is low).
    if (!high && current <= min) return current;
    // Asked only now: most evaluations have no alarm to act on. A deployment can run more than
    // the desired count (maximumPercent, blue/green's two sets); whether Application Auto
    // Scaling counts them is not documented (deploymentSurgeInRunningCount).
    const running =
      this.tasks === null
        ? current
        : this.surgeCounts
          ? this.tasks.runningCount(tau)
          : Math.min(current, this.tasks.runningCount(tau));

    // Scale-out: any policy may; during its scale-out cooldown only a larger one goes through.
    // The wanting policies go to a list the scaler reuses (written by index: setting an
    // array's length to 0 drops its storage) and the largest want (the first on ties) is
    // tracked as they come: this path runs at every evaluation with an alarm, so it
    // allocates nothing.
    const outs = this.outs;
    let outCount = 0;
    let bestOut: Policy | null = null;
    let bestOutDesired = 0;
    for (let k = 0; k < due.length; k++) {
      const p = due[k]!;
      const desired = this.scaleOutDesired(p, tau, running);
      if (desired === null) continue;
      if (desired > current) {
        outs[outCount++] = p;
        if (bestOut === null || desired > bestOutDesired) {
          bestOut = p;
          bestOutDesired = desired;
        }
      } else if (inCooldown(tau, p.lastOutAt, this.outCooldown(p)))
        this.reportBlocked(p, tau, step, desired, current, "out");
    }
    if (bestOut !== null) {
      const to = clampCapacity(bestOutDesired, min, max);
      if (to > current) {
        for (let k = 0; k < outCount; k++) {
          const p = outs[k] as Policy;
          // Inside the cooldown the base stays the capacity before the initiating
          // scale-out: the metric still reflects it (§1.4).
          if (!inCooldown(tau, p.lastOutAt, this.outCooldown(p))) p.lastOutFrom = running;
          p.lastOutAt = tau;
        }
        // A scale-out ends every scale-in cooldown (§1.4).
        const policies = this.policies;
        for (let k = 0; k < policies.length; k++) policies[k]!.lastInAt = -Infinity;
        this.record(
          "scale-out",
          bestOut,
          tau,
          step,
          current,
          to,
          outCount > 1 ? ` (largest of ${outCount} policies)` : "",
          max,
        );
        return to;
      }
      return current;
    }

    if (this.scaleInSuspended) return current;

    // Scale-in: every target-tracking policy with scale-in enabled must be ready; the
    // largest resulting capacity wins. Step policies scale in on their own alarm.
    // Same bookkeeping as for scale-out: a reused list and the best want so far.
    const ins = this.ins;
    let inCount = 0;
    let bestIn: Policy | null = null;
    let bestInDesired = 0;
    const tracking = this.scaleInTracking;
    // Plain loops rather than filters (no allocation): a low alarm above MinCapacity, held by
    // the cooldown, takes this path at many evaluations.
    let anyDueLow = false;
    let allLow = true;
    for (let k = 0; k < tracking.length; k++) {
      const p = tracking[k]!;
      if (p.state !== "LOW") allLow = false;
      else if (due.includes(p)) anyDueLow = true;
    }
    if (anyDueLow) {
      if (!allLow) {
        const notReady = tracking.filter((p) => p.state !== "LOW");
        for (const p of tracking) {
          if (p.state !== "LOW" || !due.includes(p)) continue;
          if (!p.withheldReported) {
            p.withheldReported = true;
            this.emit?.({
              kind: "scale-in-withheld",
              timeMs: this.timeMs(tau),
              step,
              policy: p.name,
              reason: `${p.name} is ready to scale in, but ${notReady.map((q) => `${q.name} (${q.state})`).join(", ")} is not; scale-in needs every target-tracking policy with scale-in enabled.`,
            });
          }
        }
      } else {
        let blocked: TargetTrackingPolicy | null = null;
        let desired = 0;
        for (let k = 0; k < tracking.length; k++) {
          const p = tracking[k]!;
          if (this.inCooldownUntil(p) > tau) blocked ??= p;
          desired = Math.max(desired, targetTrackingCapacity(running, p.value, p.target));
        }
        if (blocked) {
          this.reportBlocked(blocked, tau, step, desired, current, "in");
        } else if (desired < current) {
          // The policy whose metric is furthest above its target leads (the first on ties).
          let lead = tracking[0] as TargetTrackingPolicy;
          for (let k = 0; k < tracking.length; k++) {
            const p = tracking[k]!;
            if (p.value / p.target > lead.value / lead.target) lead = p;
          }
          ins[inCount++] = lead;
          bestIn = lead;
          bestInDesired = desired;
        }
      }
    }
    for (let k = 0; k < due.length; k++) {
      const p = due[k]!;
      if (p.kind !== "step" || p.state !== "HIGH") continue;
      const desired = this.stepDesired(p, running);
      if (desired >= current) continue;
      if (this.inCooldownUntil(p) > tau) this.reportBlocked(p, tau, step, desired, current, "in");
      else {
        ins[inCount++] = p;
        if (bestIn === null || desired > bestInDesired) {
          bestIn = p;
          bestInDesired = desired;
        }
      }
    }
    if (bestIn !== null) {
      const to = clampCapacity(bestInDesired, min, max);
      if (to < current) {
        for (let k = 0; k < inCount; k++) {
          const w = ins[k] as Policy;
          if (w.kind === "target-tracking") {
            for (let j = 0; j < tracking.length; j++) tracking[j]!.lastInAt = tau;
          } else w.lastInAt = tau;
        }
        this.record("scale-in", bestIn, tau, step, current, to, "", min);
        return to;
      }
    }
    return current;
  }

  /** Reads the policy's published datapoints at tau and sets its alarms' states. */
  private observe(p: Policy, tau: number, step: number): void {
    const period = p.store.period;
    const last = Math.floor((tau - p.delay) / period + 1e-9) - 1;
    const before = p.state;
    if (p.kind === "target-tracking") {
      // Both alarms take the newly published periods, in order (O(1) each), and answer for
      // the last one: this runs for every candidate of a sweep at every period.
      const threshold = p.low.threshold;
      for (let k = p.highAlarm.lastPeriod + 1; k <= last; k++) {
        const v = p.store.datapoint(p.handle, k);
        p.highAlarm.push(k, v);
        p.lowAlarm.push(k, v);
        p.newest = v;
      }
      // An alarm is first evaluated once the trace has published its N periods. AlarmLow is
      // read when it matters: while AlarmHigh is in ALARM the policy scales out whatever
      // AlarmLow says, and an alarm treating missing data as missing has no memory.
      // An alarm whose newest datapoint is real and does not breach is OK without reading its
      // range (NOfNMissingAlarm.evaluate: with N real datapoints in the range, the run of
      // breaching ones is 0; with fewer, a non-breaching one is in the range), and its result
      // is not read: the policy's value comes from an alarm in ALARM. (AlarmHigh breaches above
      // its threshold and AlarmLow below it, ttAlarm; NaN, a missing datapoint, fails both tests.)
      const r = this.scratch;
      const withMean = this.withMean;
      const newest = p.newest;
      let highState = p.highState;
      let lowState = p.lowState;
      if (last >= p.outN - 1) {
        highState = newest <= p.high.threshold ? "OK" : p.highAlarm.evaluate(r, withMean).state;
      }
      if (highState !== "ALARM" && last >= p.inN - 1) {
        lowState = newest >= threshold ? "OK" : p.lowAlarm.evaluate(r, withMean).state;
      }
      // The policy's fields are written only when they change (most evaluations change
      // nothing, and a string stored in an object costs V8 a write barrier).
      if (highState !== p.highState) p.highState = highState;
      if (lowState !== p.lowState) p.lowState = lowState;
      let state: AlarmState;
      if (highState === "ALARM") {
        state = "HIGH";
        p.value = withMean ? r.mean : r.latest;
        if (this.emit) {
          p.evidence = {
            alarm: "AlarmHigh",
            threshold: p.target,
            comparison: "above",
            datapoints: this.evidenceValues(p, p.high, last),
          };
        }
      } else if (lowState === "ALARM") {
        state = "LOW";
        p.value = withMean ? r.mean : r.latest;
        if (this.emit) {
          p.evidence = {
            alarm: "AlarmLow",
            threshold,
            comparison: "below",
            datapoints: this.evidenceValues(p, p.low, last),
          };
        }
      } else if (highState === "INSUFFICIENT_DATA" || lowState === "INSUFFICIENT_DATA") {
        state = "INSUFFICIENT_DATA";
      } else {
        state = "OK";
      }
      if (state !== p.state) p.state = state;
      if (state !== "LOW" && p.withheldReported) p.withheldReported = false;
    } else {
      const spec = p.alarm;
      if (last >= spec.evaluationPeriods - 1) {
        const r = evaluateAlarm(p.store, p.handle, last, 0, spec, p.alarmState, this.scratch);
        p.alarmState = r.state;
        // The newest real datapoint evaluated gives the breach; an alarm in ALARM on filled
        // datapoints alone (TreatMissingData breaching) has none, and applies the step that
        // starts at its threshold (a model choice: AWS does not say what it does then).
        if (r.state === "ALARM") p.value = Number.isNaN(r.latest) ? spec.threshold : r.latest;
      }
      if (p.alarmState === "ALARM") {
        // "HIGH" means "in ALARM" for a step policy; its adjustment's sign gives the direction.
        p.state = "HIGH";
        p.evidence = this.emit
          ? {
              alarm: p.name,
              threshold: p.threshold,
              comparison: p.comparison,
              datapoints: this.evidenceValues(p, spec, last),
            }
          : null;
      } else p.state = p.alarmState === "OK" ? "OK" : "INSUFFICIENT_DATA";
    }
    if (p.state === "INSUFFICIENT_DATA" && before !== "INSUFFICIENT_DATA") {
      this.emit?.({
        kind: "insufficient-data",
        timeMs: this.timeMs(tau),
        step,
        policy: p.name,
        reason: `${p.name}: ${this.insufficientAlarms(p)} INSUFFICIENT_DATA (periods up to ${isoMinute(this.timeMs((last + 1) * period))}, missing datapoints treated as ${p.kind === "step" ? p.alarm.treatMissingData : "missing"}); no scaling on it until data returns.`,
      });
    }
  }

  /**
   * The datapoints an alarm evaluated, oldest first (for evidence; allocates): its N most recent
   * real datapoints, or, with fewer, every period of its range (NaN for the missing ones).
   */
  private evidenceValues(p: Policy, spec: AlarmSpec, last: number): number[] {
    const oldest = Math.max(0, last - spec.rangePeriods + 1);
    const real: number[] = [];
    for (let k = last; k >= oldest && real.length < spec.evaluationPeriods; k--) {
      const v = p.store.datapoint(p.handle, k);
      if (!Number.isNaN(v)) real.push(v);
    }
    if (real.length >= spec.evaluationPeriods) return real.reverse();
    return this.read(p, last, last - oldest + 1);
  }

  /** Which of a policy's alarms are in INSUFFICIENT_DATA, for the event's reason. */
  private insufficientAlarms(p: Policy): string {
    if (p.kind === "step") return `alarm ${p.name}`;
    const high = p.highState === "INSUFFICIENT_DATA";
    const low = p.lowState === "INSUFFICIENT_DATA";
    return high && low ? "AlarmHigh and AlarmLow" : high ? "AlarmHigh" : "AlarmLow";
  }

  /** The `n` datapoints up to period `last`, oldest first (for evidence; allocates). */
  private read(p: Policy, last: number, n: number): number[] {
    const out: number[] = [];
    for (let k = last - n + 1; k <= last; k++) out.push(p.store.datapoint(p.handle, k));
    return out;
  }

  private outCooldown(p: Policy): number {
    return p.kind === "target-tracking" ? p.scaleOutCooldown : p.cooldown;
  }

  private inCooldownUntil(p: Policy): number {
    const inCooldown = p.kind === "target-tracking" ? p.scaleInCooldown : p.cooldown;
    let until = p.lastInAt + inCooldown;
    if (this.blockInAfterOut) until = Math.max(until, p.lastOutAt + this.outCooldown(p));
    return until;
  }

  /**
   * The desired count a policy in alarm asks for when scaling out, from `running` tasks; null
   * when not in alarm.
   */
  private scaleOutDesired(p: Policy, tau: number, running: number): number | null {
    if (p.state !== "HIGH") return null;
    // Within the scale-out cooldown the capacity the last scale-out added counts as
    // already there: the new count is computed from the capacity before it (§1.4).
    const cooling = inCooldown(tau, p.lastOutAt, this.outCooldown(p));
    const base = cooling ? p.lastOutFrom : running;
    if (p.kind === "target-tracking") return targetTrackingCapacity(base, p.value, p.target);
    const desired = this.stepDesired(p, base);
    return cooling ? Math.max(desired, base) : desired;
  }

  /**
   * The capacity a step policy asks for from `base`, by the step its breach falls in
   * (sim/rules.ts: inStepInterval, percentChangeInCapacity).
   */
  private stepDesired(p: StepPolicy, base: number): number {
    const breach = p.value - p.threshold;
    const above = p.comparison === "above";
    let stepAdj: { lo: number; hi: number; adj: number } | null = null;
    const steps = p.steps;
    for (let k = 0; k < steps.length; k++) {
      const s = steps[k]!;
      if (inStepInterval(breach, s.lo, s.hi, above)) {
        stepAdj = s;
        break;
      }
    }
    if (stepAdj === null) return base;
    if (p.adjustmentType === "ExactCapacity") return stepAdj.adj;
    const delta =
      p.adjustmentType === "ChangeInCapacity"
        ? stepAdj.adj
        : percentChangeInCapacity(base, stepAdj.adj, p.minMagnitude);
    // (The base is the expected running count, fractional in a crash loop: the new count is
    // rounded up, as the target-tracking formula rounds; sim/MODEL-AUDIT.md C8.)
    return ceilTolerant(base + delta);
  }

  private reportBlocked(
    p: Policy,
    tau: number,
    step: number,
    wanted: number,
    current: number,
    dir: "out" | "in",
  ): void {
    const until = dir === "out" ? p.lastOutAt + this.outCooldown(p) : this.inCooldownUntil(p);
    if (p.reportedBlockUntil >= until || wanted === current) return;
    p.reportedBlockUntil = until;
    const cooldown =
      p.kind === "step" ? "Cooldown" : dir === "out" ? "ScaleOutCooldown" : "ScaleInCooldown";
    this.emit?.({
      kind: "blocked-by-cooldown",
      timeMs: this.timeMs(tau),
      step,
      policy: p.name,
      wanted,
      current,
      cooldown,
      untilMs: this.timeMs(until),
      reason:
        dir === "out"
          ? `${p.name} wanted ${wanted} tasks, not more than the ${current} its last scale-out set; ${cooldown} runs until ${isoMinute(this.timeMs(until))}.`
          : `${p.name} wanted to scale in from ${current} to ${wanted}; ${cooldown} runs until ${isoMinute(this.timeMs(until))}.`,
    });
  }

  private record(
    kind: "scale-out" | "scale-in",
    p: Policy,
    tau: number,
    step: number,
    from: number,
    to: number,
    note: string,
    bound: number,
  ): void {
    this.actions++;
    if (!this.emit) return;
    const ev = p.evidence;
    const shown = ev
      ? ev.datapoints
          .map((v) => (Number.isNaN(v) ? "–" : String(roundApart(v, ev.threshold))))
          .join(", ")
      : "";
    const clamp =
      kind === "scale-out" && to === bound
        ? ` (capped at MaxCapacity ${bound})`
        : kind === "scale-in" && to === bound
          ? ` (held at MinCapacity ${bound})`
          : "";
    const why = ev
      ? `${ev.alarm} of ${p.name}: ${ev.datapoints.length} datapoints ${ev.comparison} ${round(ev.threshold)} [${shown}]`
      : p.name;
    this.emit({
      kind,
      timeMs: this.timeMs(tau),
      step,
      policy: p.name,
      from,
      to,
      evidence: ev,
      reason: `${why}; desired ${from} → ${to}${clamp}${note}.`,
    });
  }

  private timeMs(tau: number): number {
    return this.startMs + tau * 1000;
  }

  /** The step length the scaler was built for (for tests). */
  get step(): number {
    return this.stepSeconds;
  }
}

/** A target-tracking alarm: N of N, missing data treated as missing (§1.2, sim/rules.ts). */
function ttAlarm(
  threshold: number,
  comparison: ComparisonOperator,
  n: number,
  extra: number,
): AlarmSpec {
  return {
    threshold,
    comparison,
    evaluationPeriods: n,
    datapointsToAlarm: n,
    treatMissingData: TARGET_TRACKING_TREAT_MISSING_DATA,
    rangePeriods: n + extra,
  };
}

/** Periods an alarm of this period retrieves beyond its EvaluationPeriods. */
function rangeExtra(platform: PlatformParams, period: number): number {
  return period === HIGH_RESOLUTION_PERIOD_SECONDS
    ? platform.highResolutionAlarmEvaluationRangeExtraPeriods
    : platform.alarmEvaluationRangeExtraPeriods;
}

function isMultiple(tau: number, period: number): boolean {
  const r = tau / period;
  return Math.abs(r - Math.round(r)) < 1e-9;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/**
 * A datapoint to one decimal, or to as many more (up to six) as it takes not to print equal to
 * the threshold it breached: 50.04 against 50 shows as 50.04, never "50 above 50".
 */
export function roundApart(v: number, threshold: number): number {
  for (let d = 1; d <= 6; d++) {
    const f = 10 ** d;
    const shown = Math.round(v * f) / f;
    if (v === threshold || shown !== Math.round(threshold * 10) / 10) return shown;
  }
  return v;
}

function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + "Z";
}
