/**
 * How a CloudWatch metric alarm sets its state from the datapoints it retrieves, missing ones
 * included, as the CloudWatch user guide documents it ("Configuring how CloudWatch alarms
 * treat missing data", section "How alarm state is evaluated when data is missing";
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html,
 * archived text in awsdocs/amazon-cloudwatch-user-guide `doc_source/AlarmThatSendsEmail.md`):
 *
 * - The alarm retrieves more periods than its EvaluationPeriods (N): the *evaluation range*.
 *   Its size is not documented beyond the guide's example (5 periods for a 3-of-3 alarm), so it
 *   is a platform parameter (PlatformParams `alarmEvaluationRangeExtraPeriods`).
 * - At least N real datapoints in the range: the N most recent real ones are evaluated,
 *   consecutive or not; TreatMissingData is not used. ALARM when at least DatapointsToAlarm (M)
 *   of them breach, else OK.
 * - No real datapoint at all: `missing` → INSUFFICIENT_DATA, `ignore` → the current state,
 *   `breaching` → ALARM, `notBreaching` → OK.
 * - Some, but fewer than N: every real datapoint of the range counts, and the missing ones are
 *   filled, as few as possible (N − real), with the treatment: `breaching` fills breach,
 *   `notBreaching` fills do not. For `missing` (and `ignore`, which keeps the current state
 *   where `missing` would go to INSUFFICIENT_DATA or alarm prematurely): ALARM when M real
 *   datapoints breach; ALARM when none is non-breaching and the oldest breaching one is at least
 *   M periods old (the guide's "avoiding premature transitions" rule, also in the AWS knowledge
 *   center article "Why did my CloudWatch alarm send me a notification after a single breached
 *   data point?"); OK when a real datapoint is non-breaching; else INSUFFICIENT_DATA.
 *
 * Both of the guide's tables (3 of 3 and 2 of 3, five datapoints each) hold row by row for every
 * treatment (test/sim/alarm.test.ts). Public emulators differ from the tables: LocalStack's
 * `alarm_scheduler.py` reads the premature rule so that `X - - - -` (3 of 3) stays OK and
 * `- - - - X` goes OK instead of INSUFFICIENT_DATA; fakecloud's `alarm_eval.rs` has no evaluation
 * range. The tables are the reference here.
 *
 * Pure and allocation-free: the datapoints are read from a {@link DatapointSource}.
 */

import type { ComparisonOperator, TreatMissingData } from "./vocab/index.js";

/** CloudWatch's alarm states (StateValue). */
export type AlarmStateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";

/** What an alarm compares and how it treats missing data. */
export interface AlarmSpec {
  readonly threshold: number;
  readonly comparison: ComparisonOperator;
  /** N. */
  readonly evaluationPeriods: number;
  /** M (≤ N). */
  readonly datapointsToAlarm: number;
  readonly treatMissingData: TreatMissingData;
  /** Periods retrieved: N plus the platform's extra periods. */
  readonly rangePeriods: number;
}

/** Where the datapoints come from: datapoint(handle, k) for period k, NaN when missing. */
export interface DatapointSource {
  datapoint(handle: number, k: number): number;
}

/** The result of one evaluation, written into a reused object (no allocation per call). */
export interface AlarmEvaluation {
  state: AlarmStateValue;
  /** Real datapoints in the range. */
  real: number;
  /** The newest real datapoint evaluated (NaN when none). */
  latest: number;
  /** Mean of the real datapoints evaluated: the N most recent, or all of the range's (NaN when none). */
  mean: number;
}

/** A fresh result object for {@link evaluateAlarm}. */
export function alarmEvaluation(): AlarmEvaluation {
  return { state: "INSUFFICIENT_DATA", real: 0, latest: NaN, mean: NaN };
}

/** Whether `value` breaches `threshold` under `comparison`. */
export function breaches(
  comparison: ComparisonOperator,
  value: number,
  threshold: number,
): boolean {
  switch (comparison) {
    case "GreaterThanThreshold":
      return value > threshold;
    case "GreaterThanOrEqualToThreshold":
      return value >= threshold;
    case "LessThanThreshold":
      return value < threshold;
    case "LessThanOrEqualToThreshold":
      return value <= threshold;
  }
}

/**
 * Evaluates an alarm at the period `last` (the newest period it can see) over its evaluation
 * range `[max(first, last − rangePeriods + 1), last]`; periods before `first` are outside the
 * data (not retrieved). `current` is the alarm's state before this evaluation (for `ignore`).
 *
 * Cost: O(rangePeriods) reads.
 *
 * @example
 * // 3 of 3, five periods, missing data treated as missing: `0 - X - X` (oldest first) is OK.
 * const values = [0, NaN, 9, NaN, 9];
 * const source = { datapoint: (_h: number, k: number) => values[k] ?? NaN };
 * const spec = { threshold: 5, comparison: "GreaterThanThreshold", evaluationPeriods: 3,
 *   datapointsToAlarm: 3, treatMissingData: "missing", rangePeriods: 5 } as const;
 * evaluateAlarm(source, 0, 4, 0, spec, "OK", alarmEvaluation()).state; // "OK"
 */
export function evaluateAlarm(
  source: DatapointSource,
  handle: number,
  last: number,
  first: number,
  spec: AlarmSpec,
  current: AlarmStateValue,
  out: AlarmEvaluation,
): AlarmEvaluation {
  const n = spec.evaluationPeriods;
  const m = spec.datapointsToAlarm;
  const threshold = spec.threshold;
  const comparison = spec.comparison;
  let real = 0;
  let evaluatedBreaching = 0;
  let evaluatedSum = 0;
  let latest = NaN;
  let breachingTotal = 0;
  let nonBreachingTotal = 0;
  let allSum = 0;
  /** Age in periods (the newest is 1) of the oldest breaching datapoint seen. */
  let oldestBreachingAge = 0;
  const oldest = Math.max(first, last - spec.rangePeriods + 1);
  for (let k = last; k >= oldest; k--) {
    const v = source.datapoint(handle, k);
    if (Number.isNaN(v)) continue;
    real++;
    const breach = breaches(comparison, v, threshold);
    if (real === 1) latest = v;
    if (real <= n) {
      evaluatedSum += v;
      if (breach) evaluatedBreaching++;
    }
    allSum += v;
    if (breach) {
      breachingTotal++;
      oldestBreachingAge = last - k + 1;
    } else nonBreachingTotal++;
  }
  out.real = real;
  out.latest = latest;
  if (real >= n) {
    out.mean = evaluatedSum / n;
    out.state = evaluatedBreaching >= m ? "ALARM" : "OK";
    return out;
  }
  out.mean = real > 0 ? allSum / real : NaN;
  out.state = fewerThanN(
    spec.treatMissingData,
    real,
    n,
    m,
    breachingTotal,
    nonBreachingTotal,
    oldestBreachingAge,
    current,
  );
  return out;
}

/** The state when fewer than N real datapoints are in the range (see the module comment). */
function fewerThanN(
  treat: TreatMissingData,
  real: number,
  n: number,
  m: number,
  breaching: number,
  nonBreaching: number,
  oldestBreachingAge: number,
  current: AlarmStateValue,
): AlarmStateValue {
  if (real === 0) {
    switch (treat) {
      case "missing":
        return "INSUFFICIENT_DATA";
      case "ignore":
        return current;
      case "breaching":
        return "ALARM";
      case "notBreaching":
        return "OK";
    }
  }
  switch (treat) {
    case "breaching":
      return breaching + (n - real) >= m ? "ALARM" : "OK";
    case "notBreaching":
      return breaching >= m ? "ALARM" : "OK";
    case "missing":
    case "ignore":
      if (breaching >= m) return "ALARM";
      if (nonBreaching === 0 && oldestBreachingAge >= m) {
        return treat === "missing" ? "ALARM" : current;
      }
      if (nonBreaching > 0) return "OK";
      return treat === "missing" ? "INSUFFICIENT_DATA" : current;
  }
}

/**
 * An N-of-N alarm that treats missing data as missing (as target-tracking alarms are),
 * evaluated incrementally as periods are published: O(1) per period and per evaluation, with
 * the state {@link evaluateAlarm} gives (a property test holds them together). The simulator
 * evaluates such alarms at every period of every candidate of a sweep, gaps included (a crash
 * loop leaves one in most minutes), so the range is not read again at each evaluation.
 *
 * Periods must be pushed in order from 0 ({@link push}); {@link evaluate} then answers for the
 * last one pushed, over the range [max(0, last − rangePeriods + 1), last].
 */
export class NOfNMissingAlarm {
  private readonly n: number;
  private readonly range: number;
  private readonly threshold: number;
  /** The comparison, as two flags (no string switch per datapoint). */
  private readonly above: boolean;
  private readonly orEqual: boolean;
  /** Real datapoints among periods 0..k, for the last range + 2 periods (ring by period). */
  private readonly realsUpTo: Int32Array;
  /** The last n real datapoints and their periods (ring by real datapoint). */
  private readonly realValues: Float64Array;
  private readonly realPeriods: Float64Array;
  private reals = 0;
  /** Where the next real datapoint goes in realValues (reals mod n, kept without a division). */
  private realSlot = 0;
  /** Where period `last` is in realsUpTo (last mod its length). */
  private periodSlot = -1;
  private last = -1;
  /** Consecutive breaching real datapoints, counting back from the newest real one. */
  private breachRun = 0;
  /** Period of the newest non-breaching real datapoint. */
  private lastNonBreaching = -Infinity;

  constructor(spec: AlarmSpec) {
    if (spec.datapointsToAlarm !== spec.evaluationPeriods || spec.treatMissingData !== "missing")
      throw new RangeError(
        "NOfNMissingAlarm requires an N-of-N alarm treating missing data as missing",
      );
    this.n = spec.evaluationPeriods;
    this.range = spec.rangePeriods;
    this.threshold = spec.threshold;
    this.above = spec.comparison.startsWith("Greater");
    this.orEqual = spec.comparison.includes("OrEqualTo");
    this.realsUpTo = new Int32Array(this.range + 2);
    this.realValues = new Float64Array(this.n);
    this.realPeriods = new Float64Array(this.n);
  }

  /** The period last pushed (−1 before any). */
  get lastPeriod(): number {
    return this.last;
  }

  /** Adds period `k`'s datapoint (NaN when missing); k must be the period after the last one. */
  push(k: number, value: number): void {
    if (k !== this.last + 1) throw new RangeError("NOfNMissingAlarm takes periods in order");
    this.last = k;
    // (value === value: not NaN, i.e. a real datapoint.)
    if (value === value) {
      const slot = this.realSlot;
      this.realValues[slot] = value;
      this.realPeriods[slot] = k;
      this.realSlot = slot + 1 === this.n ? 0 : slot + 1;
      this.reals++;
      const t = this.threshold;
      const breach = this.above
        ? value > t || (this.orEqual && value === t)
        : value < t || (this.orEqual && value === t);
      if (breach) this.breachRun++;
      else {
        this.breachRun = 0;
        this.lastNonBreaching = k;
      }
    }
    const periodSlot = this.periodSlot + 1 === this.realsUpTo.length ? 0 : this.periodSlot + 1;
    this.periodSlot = periodSlot;
    this.realsUpTo[periodSlot] = this.reals;
  }

  /**
   * The alarm's state at the last period pushed; with ALARM, `out.latest` is the newest real
   * datapoint evaluated and, when `withMean`, `out.mean` their mean (`out.real`: the real
   * datapoints in the range).
   */
  evaluate(out: AlarmEvaluation, withMean = true): AlarmEvaluation {
    const last = this.last;
    const oldest = Math.max(0, last - this.range + 1);
    const size = this.realsUpTo.length;
    // Period oldest − 1 = last − range sits `range` slots before last's (range < size).
    let beforeSlot = this.periodSlot - this.range;
    if (beforeSlot < 0) beforeSlot += size;
    const before = oldest > 0 ? this.realsUpTo[beforeSlot]! : 0;
    const real = last >= 0 ? this.realsUpTo[this.periodSlot]! - before : 0;
    out.real = real;
    out.latest = NaN;
    out.mean = NaN;
    const n = this.n;
    if (real >= n) {
      out.state = this.breachRun >= n ? "ALARM" : "OK";
      if (out.state === "ALARM") this.fill(out, n, withMean);
      return out;
    }
    if (real === 0) {
      out.state = "INSUFFICIENT_DATA";
      return out;
    }
    if (this.lastNonBreaching >= oldest) {
      out.state = "OK";
      return out;
    }
    // Every real datapoint of the range breaches, fewer than N: ALARM when the oldest is at
    // least N periods old (the guide's premature-transition rule), else not enough data.
    const oldestReal = this.realPeriods[this.back(real)]!;
    out.state = last - oldestReal + 1 >= n ? "ALARM" : "INSUFFICIENT_DATA";
    if (out.state === "ALARM") this.fill(out, real, withMean);
    return out;
  }

  /** The slot of the j-th newest real datapoint (1 ≤ j ≤ n). */
  private back(j: number): number {
    const slot = this.realSlot - j;
    return slot < 0 ? slot + this.n : slot;
  }

  /** The newest and (withMean) the mean of the `count` newest real datapoints. */
  private fill(out: AlarmEvaluation, count: number, withMean: boolean): void {
    out.latest = this.realValues[this.back(1)]!;
    if (!withMean) return;
    let sum = 0;
    for (let j = 1; j <= count; j++) sum += this.realValues[this.back(j)]!;
    out.mean = sum / count;
  }
}
