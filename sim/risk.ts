/**
 * The risk rating of a candidate (pure): how close it runs to the SLO, how bad its worst
 * minute is, and how it fares under each robustness perturbation, weighted by how badly it
 * fails. The scale is AWS Compute Optimizer's performance-risk scale (very low, low, medium,
 * high: "Resources with a high or medium rating are at risk of not meeting the performance
 * needs of their workloads", API reference, CurrentPerformanceRiskRatings); how caplab
 * arrives at a rating is its own, written down here and in the README.
 *
 *   Kpis of the base run + its worst minute + PerturbationOutcome[] (+ a short trace)
 *     → RiskFactor[] (points, and a floor such as "a breakdown is at least medium")
 *     → rating: 0 points very low, 1–2 low, 3–5 medium, 6 or more high, raised to the floors.
 *
 * A perturbation is weighed for what it varies (PerturbationOutcome.varies). Traffic, the
 * service and operations are futures a planner can judge: a fifth more traffic may or may not
 * come, so a miss under it adds points. A model reading is not a future: it re-runs the traced
 * week itself with the other reading of a fact AWS does not document (MODEL-AUDIT O9: whether
 * draining tasks count in the AWS/ECS averages). A miss under it says that, if AWS behaves the
 * other way, the candidate misses the SLO on the very traffic it was planned on, and no trace
 * can say which way AWS behaves. So besides its points it gets a floor
 * ({@link MODEL_READING_FLOORS}): any miss keeps the rating at medium or above (Compute
 * Optimizer's "at risk of not meeting the performance needs"), a bad miss or a breakdown at
 * high (as a miss of the SLO itself is). Its reason says so: "rests on an unconfirmed AWS
 * behaviour, whether … (see MODEL-AUDIT O9): it misses …".
 */
import {
  RISK_RATINGS,
  type Kpis,
  type ModelReading,
  type PerturbationSeverity,
  type PerturbationVaries,
  type RiskAssessment,
  type RiskFactor,
  type RiskRating,
  type Slo,
  type Timeline,
  type TraceLimit,
} from "./vocab/index.js";
import { fixedGrouped, formatHours as hoursText } from "./vocab/numbers.js";
import { violationBudgetMinutes } from "./search.js";

/** A failed robustness check with at least this share of SLO-violating minutes is a breakdown. */
export const BREAKDOWN_SHARE = 0.25;
/** A miss within this multiple of the violation budget and of the error limit is mild. */
export const MILD_MISS_FACTOR = 2;
/** Using more than this share of the SLO-minute budget, or of the error limit, adds a point. */
export const BUDGET_SHARE_POINT = 0.5;
/** A minute whose p95 or error rate is more than this multiple of the SLO's adds a point. */
export const WORST_MINUTE_FACTOR = 10;
/**
 * The lowest rating of a candidate whose worst minute is far outside the SLO (p95 or error rate
 * more than {@link WORST_MINUTE_FACTOR} × the SLO's) where the current setting's worst minute on
 * the same trace is far outside on neither: a minute the candidate's settings bring, not the
 * traffic, since today's setting serves that traffic within bounds. Compute Optimizer's "at risk
 * of not meeting the performance needs".
 */
export const WORSE_WORST_MINUTE_FLOOR: RiskRating = "medium";

/** Points a perturbation adds, by how badly the candidate fares under it. */
export const SEVERITY_POINTS: Readonly<Record<PerturbationSeverity, number>> = {
  holds: 0,
  misses: 1,
  "misses-badly": 2,
  "breaks-down": 3,
};

/**
 * The lowest rating a miss under a model reading allows (see the module's comment): a mild miss
 * medium, a bad miss or a breakdown high. The same outcome under traffic, the service or
 * operations has no floor but a breakdown's (medium).
 */
export const MODEL_READING_FLOORS: Readonly<
  Record<Exclude<PerturbationSeverity, "holds">, RiskRating>
> = {
  misses: "medium",
  "misses-badly": "high",
  "breaks-down": "high",
};

/** Highest score of each rating: 0 very low, up to 2 low, up to 5 medium, above that high. */
export const RISK_POINTS_UP_TO: Readonly<Record<Exclude<RiskRating, "high">, number>> = {
  "very-low": 0,
  low: 2,
  medium: 5,
};

/** Position on the scale: 0 for very low … 3 for high. */
export function riskRank(rating: RiskRating): number {
  return RISK_RATINGS.indexOf(rating);
}

/** The riskier of two ratings. */
export function riskierOf(a: RiskRating, b: RiskRating): RiskRating {
  return riskRank(a) >= riskRank(b) ? a : b;
}

/** The SLO's violation-minute budget of a run: a share of its minutes with data. */
function budgetOf(slo: Slo, kpis: Kpis): number {
  return violationBudgetMinutes(slo, kpis.dataMinutes);
}

/** "10,080 minutes", or "9,000 minutes with data" when the trace has gaps. */
function minutesOf(kpis: Kpis): string {
  return `${num(kpis.dataMinutes)} minutes${kpis.dataMinutes < kpis.minutes ? " with data" : ""}`;
}

/**
 * How badly a run misses the SLO: "holds" within it; "breaks-down" when at least
 * {@link BREAKDOWN_SHARE} of its minutes with data violate it; "misses" when the violating minutes stay
 * within {@link MILD_MISS_FACTOR} × the budget and the error rate within that multiple of the
 * limit; "misses-badly" otherwise.
 */
export function severityOf(kpis: Kpis, meetsSlo: boolean, slo: Slo): PerturbationSeverity {
  if (meetsSlo) return "holds";
  if (kpis.sloViolationMinutes >= BREAKDOWN_SHARE * kpis.dataMinutes) return "breaks-down";
  const budget = budgetOf(slo, kpis);
  const mild =
    kpis.sloViolationMinutes <= MILD_MISS_FACTOR * budget + 1e-9 &&
    kpis.errorRatePercent <= MILD_MISS_FACTOR * slo.errorRatePercent + 1e-12;
  return mild ? "misses" : "misses-badly";
}

/**
 * The worst minute of a timeline: the highest per-step p95 and the highest per-minute error
 * rate (steps shorter than a minute are summed into their minute). Cost: O(steps).
 */
export function worstMinuteOf(timeline: Timeline): { p95Ms: number; errorRatePercent: number } {
  let p95 = 0;
  let worstError = 0;
  const s = timeline.stepSeconds;
  let minute = -1;
  let requests = 0;
  let failed = 0;
  const close = () => {
    if (requests > 0) worstError = Math.max(worstError, (100 * failed) / requests);
    requests = failed = 0;
  };
  for (let i = 0; i < timeline.length; i++) {
    const v = timeline.latencyP95Ms[i]!;
    if (Number.isFinite(v)) p95 = Math.max(p95, v);
    const m = s >= 60 ? i : Math.floor((i * s) / 60);
    if (m !== minute) {
      close();
      minute = m;
    }
    requests += timeline.requests[i]!;
    failed += timeline.failedRequests[i]!;
  }
  close();
  return { p95Ms: p95, errorRatePercent: worstError };
}

/** What a perturbation outcome needs for the rating. */
export interface PerturbationForRisk {
  readonly name: string;
  /** What it varies: a miss under a model reading gets {@link MODEL_READING_FLOORS}. */
  readonly varies: PerturbationVaries;
  readonly kpis: Kpis;
  readonly severity: PerturbationSeverity;
}

export interface RiskInputs {
  readonly kpis: Kpis;
  readonly meetsSlo: boolean;
  readonly slo: Slo;
  readonly worstMinute: { readonly p95Ms: number; readonly errorRatePercent: number };
  readonly perturbations: readonly PerturbationForRisk[];
  /** The trace is shorter than the plan's minimum (planned anyway): at least medium. */
  readonly shortTrace?: { readonly coveredHours: number; readonly minTraceHours: number } | null;
  /** What the trace leaves unseen (analysis/trace-coverage.ts): each keeps the rating at low or above. */
  readonly dataLimits?: readonly TraceLimit[];
  /** Minutes per trace step (a violating step counts this many): the grain of the SLO minutes. @default 1 */
  readonly stepMinutes?: number;
  /** The candidate's MaxCapacity, when no scheduled action moves it: reaching it adds a point. */
  readonly maxCapacity?: number | null;
  /**
   * The current setting's worst minute on the same trace, when the plan knows the current
   * setting: a worst minute far outside the SLO where this one is within bounds gets
   * {@link WORSE_WORST_MINUTE_FLOOR}.
   */
  readonly currentWorstMinute?: RiskInputs["worstMinute"] | null;
}

/** The factors that come from the trace, alike for every candidate of a plan. */
export const DATA_FACTOR_KINDS: readonly RiskFactor["kind"][] = ["short-trace", "thin-data"];

/** A rating's factors that tell one candidate from another (not the trace's), heaviest first. */
export function candidateFactors(risk: { readonly factors: readonly RiskFactor[] }): RiskFactor[] {
  return risk.factors.filter((f) => !DATA_FACTOR_KINDS.includes(f.kind));
}

/** The lowest rating a risk's data factors allow (the riskiest of their floors), or null. */
export function dataFloor(risk: { readonly factors: readonly RiskFactor[] }): RiskRating | null {
  let floor: RiskRating | null = null;
  for (const f of risk.factors)
    if (DATA_FACTOR_KINDS.includes(f.kind) && f.atLeast !== null)
      floor = floor === null ? f.atLeast : riskierOf(floor, f.atLeast);
  return floor;
}

/**
 * A neighbour's rating with its points and its first `shown` reasons, for a sentence: "medium
 * (5 points): uses 65 % …; has … (and 2 more)".
 */
export function ratingWithReasons(
  n: { readonly rating: RiskRating; readonly points?: number; readonly reasons: readonly string[] },
  shown = 3,
  lead = "",
): string {
  const points = n.points === undefined ? "" : ` (${n.points} point${n.points === 1 ? "" : "s"})`;
  if (n.reasons.length === 0) return `${riskWords(n.rating)}${points}`;
  const more = n.reasons.length - shown;
  return `${riskWords(n.rating)}${points}: ${lead}${n.reasons.slice(0, shown).join("; ")}${more > 0 ? ` (and ${more} more)` : ""}`;
}

/**
 * The reason that tells a rating apart in a list of candidates: its heaviest own factor, else
 * the trace's ("" without any factor, or without a rating).
 */
export function heaviestReason(
  risk: { readonly factors: readonly RiskFactor[] } | null | undefined,
  form: "reason" | "brief" = "reason",
): string {
  if (!risk) return "";
  const f = candidateFactors(risk)[0] ?? risk.factors[0];
  return (form === "brief" ? (f?.brief ?? f?.reason) : f?.reason) ?? "";
}

/**
 * How far a candidate's base run is from missing the SLO, against the chance variation of its
 * own counts: a count of n events (violating minutes, failed requests) varies by about √n from
 * one week to a like one (Poisson), and SLO minutes come in whole steps. A margin smaller than
 * that is within the noise of the data. Null when the margin is wider (or nothing was used).
 */
export function thinMargin(
  kpis: Kpis,
  slo: Slo,
  stepMinutes = 1,
): { readonly minutes: boolean; readonly errors: boolean; readonly reason: string } | null {
  const budget = budgetOf(slo, kpis);
  const v = kpis.sloViolationMinutes;
  const minutesNoise = Math.max(stepMinutes, Math.sqrt(v));
  const minutes = v > 0 && budget - v < minutesNoise - 1e-9;
  const f = kpis.failedRequests;
  const allowed = (slo.errorRatePercent / 100) * kpis.totalRequests;
  const errorsNoise = Math.sqrt(f);
  const errors = f > 0 && allowed - f < errorsNoise - 1e-9;
  if (!minutes && !errors) return null;
  const parts: string[] = [];
  if (minutes)
    parts.push(
      `${num(budget - v, 1)} of its ${num(budget, 1)} SLO-minute budget left, less than ${stepMinutes > Math.sqrt(v) ? `one ${num(stepMinutes, stepMinutes % 1 === 0 ? 0 : 1)}-minute step of the trace` : `the ±${num(minutesNoise, 1)} by which ${num(v)} violating minutes vary by chance (√n)`}`,
    );
  if (errors)
    parts.push(
      `${num(Math.max(0, allowed - f))} failed requests short of the error limit, less than the ±${num(errorsNoise)} by which ${num(f)} failures vary by chance (√n)`,
    );
  return {
    minutes,
    errors,
    reason: `meets the SLO by less than the noise of the data: ${parts.join("; ")}`,
  };
}

/** Fixed decimals with thousands grouped by commas, no locale: num(8239) → "8,239". */
const num = fixedGrouped;

/**
 * Which of a worst minute's figures are far outside the SLO: its p95, its error rate (more than
 * {@link WORST_MINUTE_FACTOR} times the SLO's).
 */
export function farOutside(
  w: { readonly p95Ms: number; readonly errorRatePercent: number },
  slo: { readonly latencyP95Ms: number; readonly errorRatePercent: number },
): { readonly p95: boolean; readonly errors: boolean } {
  return {
    p95: w.p95Ms > WORST_MINUTE_FACTOR * slo.latencyP95Ms,
    errors: w.errorRatePercent > WORST_MINUTE_FACTOR * slo.errorRatePercent,
  };
}

/** Whether a worst minute is far outside the SLO (either figure): the risk factor "worst-minute". */
export function worstMinuteFar(
  w: { readonly p95Ms: number; readonly errorRatePercent: number },
  slo: { readonly latencyP95Ms: number; readonly errorRatePercent: number },
): boolean {
  const far = farOutside(w, slo);
  return far.p95 || far.errors;
}

/** A worst minute for people: "p95 32,473 ms, 27 % of requests failing". */
export function worstMinuteText(w: {
  readonly p95Ms: number;
  readonly errorRatePercent: number;
}): string {
  return `p95 ${num(w.p95Ms)} ms, ${pct(w.errorRatePercent)} of requests failing`;
}

/** A percentage with enough digits to tell small error rates apart: 0.082 %, 1.5 %, 12 %. */
export function pct(v: number): string {
  if (v === 0) return "0 %";
  const digits = v >= 10 ? 0 : v >= 1 ? 1 : 3;
  return `${num(v, digits)} %`;
}

/**
 * Rates a candidate. Factors, each with its points:
 * - misses the SLO itself: high, whatever else;
 * - more than half of the SLO-minute budget used: 1; more than half of the error limit: 1;
 * - a worst minute more than {@link WORST_MINUTE_FACTOR} × the SLO's p95 or error rate: 1, and
 *   {@link WORSE_WORST_MINUTE_FLOOR} when the current setting's worst minute is within bounds;
 * - each perturbation by {@link SEVERITY_POINTS}: a mild miss 1, a bad miss 2, a breakdown 3
 *   (and a breakdown keeps the rating at medium or above; two keep it high);
 * - a miss under a model reading (a fact AWS does not document read the other way) the same
 *   points, as the factor "model-reading", with {@link MODEL_READING_FLOORS}: any miss medium
 *   or above, a bad miss or a breakdown high;
 * - a trace shorter than the plan's minimum keeps the rating at medium or above.
 */
export function rateRisk(inputs: RiskInputs): RiskAssessment {
  const { kpis, slo } = inputs;
  const factors: RiskFactor[] = [];
  const budget = budgetOf(slo, kpis);
  if (!inputs.meetsSlo) {
    factors.push({
      kind: "misses-slo",
      points: 0,
      atLeast: "high",
      reason: `misses the SLO itself: ${num(kpis.sloViolationMinutes)} violating minutes (budget ${num(budget, 1)}), ${pct(kpis.errorRatePercent)} errors (limit ${pct(slo.errorRatePercent)})`,
    });
  } else {
    const used = budget > 0 ? kpis.sloViolationMinutes / budget : 0;
    if (used > BUDGET_SHARE_POINT)
      factors.push({
        kind: "slo-budget",
        points: 1,
        atLeast: null,
        reason: `uses ${num(100 * used)} % of the SLO-minute budget (${num(kpis.sloViolationMinutes)} of ${num(budget, 1)} minutes)`,
      });
    const errorsUsed = slo.errorRatePercent > 0 ? kpis.errorRatePercent / slo.errorRatePercent : 0;
    if (errorsUsed > BUDGET_SHARE_POINT)
      factors.push({
        kind: "error-budget",
        points: 1,
        atLeast: null,
        reason: `has an error rate of ${num(100 * errorsUsed)} % of the limit (${pct(kpis.errorRatePercent)} of ${pct(slo.errorRatePercent)})`,
      });
    const thin = thinMargin(kpis, slo, inputs.stepMinutes ?? 1);
    if (thin)
      factors.push({ kind: "thin-margin", points: 0, atLeast: "medium", reason: thin.reason });
  }
  const max = inputs.maxCapacity;
  if (max != null && max > 0 && kpis.maxTasks >= max - 0.5)
    factors.push({
      kind: "at-max-capacity",
      points: 1,
      atLeast: null,
      // (maxTasks is a step's mean: 206.9 says more than 206 ran at some moment, in whole tasks.)
      reason: `runs at its MaxCapacity of ${num(max)} task${max === 1 ? "" : "s"} at its busiest${kpis.maxTasks > max + 0.5 ? ` (more than ${num(Math.floor(kpis.maxTasks))} running: replacements and draining tasks run beside the desired count)` : ""}, with no room to scale out for more traffic`,
    });
  const w = inputs.worstMinute;
  const { p95: p95Far, errors: errorsFar } = farOutside(w, slo);
  if (p95Far || errorsFar) {
    const parts = [
      p95Far
        ? `p95 ${num(w.p95Ms)} ms (${num(w.p95Ms / slo.latencyP95Ms)}× the ${num(slo.latencyP95Ms)}-ms SLO)`
        : "",
      errorsFar ? `${pct(w.errorRatePercent)} of requests failing` : "",
    ].filter((p) => p !== "");
    // Today's setting keeps its worst minute on the same traffic within bounds: the candidate's
    // settings bring this one, not the traffic.
    const now = inputs.currentWorstMinute ?? null;
    const settingsBringIt = now !== null && !worstMinuteFar(now, slo);
    factors.push({
      kind: "worst-minute",
      points: 1,
      atLeast: settingsBringIt ? WORSE_WORST_MINUTE_FLOOR : null,
      reason: `has a worst minute far outside the SLO: ${parts.join(", ")}${settingsBringIt ? `, where the current setting's worst minute on the same traffic is within bounds (${worstMinuteText(now)})` : ""}`,
    });
  }
  let breakdowns = 0;
  for (const p of inputs.perturbations) {
    const points = SEVERITY_POINTS[p.severity];
    if (p.severity === "holds") continue;
    let reason: string;
    if (p.severity === "breaks-down") {
      breakdowns++;
      reason = `breaks down under ${p.name}: ${num(p.kpis.sloViolationMinutes)} of ${minutesOf(p.kpis)} violate the SLO`;
    } else {
      const what = [minutesOverBudget(p.kpis, slo), errorsOverLimit(p.kpis, slo)];
      reason = `misses the SLO ${p.severity === "misses" ? "mildly " : ""}under ${p.name}: ${what.filter((w) => w !== "").join(", ")}`;
    }
    const breakdownFloor: RiskRating | null =
      p.severity === "breaks-down" ? (breakdowns >= 2 ? "high" : "medium") : null;
    if (p.varies.kind === "model-reading") {
      const floor = MODEL_READING_FLOORS[p.severity];
      factors.push({
        kind: "model-reading",
        points,
        atLeast: breakdownFloor === null ? floor : riskierOf(floor, breakdownFloor),
        reason: modelReadingReason(p.varies, p, slo),
        brief: modelReadingReason(p.varies, p, slo, "brief"),
      });
    } else factors.push({ kind: "perturbation", points, atLeast: breakdownFloor, reason });
  }
  const short = inputs.shortTrace;
  if (short)
    factors.push({
      kind: "short-trace",
      points: 0,
      atLeast: "medium",
      reason: `the trace holds ${hoursText(short.coveredHours)} of data, under the ${hoursText(short.minTraceHours)} minimum (planned with --allow-short-trace)`,
    });
  for (const limit of inputs.dataLimits ?? [])
    factors.push({ kind: "thin-data", points: 0, atLeast: "low", reason: limit.reason });

  const points = factors.reduce((a, f) => a + f.points, 0);
  let rating: RiskRating =
    points <= RISK_POINTS_UP_TO["very-low"]
      ? "very-low"
      : points <= RISK_POINTS_UP_TO.low
        ? "low"
        : points <= RISK_POINTS_UP_TO.medium
          ? "medium"
          : "high";
  for (const f of factors) if (f.atLeast !== null) rating = riskierOf(rating, f.atLeast);
  // Heaviest first: a floor that sets the rating by itself, then points, then lower floors.
  const floorOf = (f: RiskFactor) => riskRank(f.atLeast ?? "very-low");
  const decides = (f: RiskFactor) => (f.atLeast !== null && floorOf(f) >= riskRank(rating) ? 1 : 0);
  const sorted = factors
    .map((f, i) => ({ f, i }))
    .sort(
      (a, b) =>
        decides(b.f) - decides(a.f) ||
        b.f.points - a.f.points ||
        floorOf(b.f) - floorOf(a.f) ||
        a.i - b.i,
    )
    .map(({ f }) => f);
  return { rating, points, factors: sorted, worstMinute: { ...w } };
}

/**
 * The reason of a miss under a model reading, for a planner (one clause, no semicolon: the
 * reasons are joined by them): "rests on an unconfirmed AWS behaviour, whether draining tasks
 * count in the AWS/ECS CPU and memory averages (see MODEL-AUDIT O9): it misses the SLO badly
 * under AWS/ECS average with draining tasks, with 852 violating minutes (budget 50.4) and 3.8 %
 * errors (limit 0.100 %)". Its `brief` form, for a table's cell under a sentence that says what
 * the reading is: "misses the SLO badly under AWS/ECS average with draining tasks (a model
 * reading, MODEL-AUDIT O9), with 852 violating minutes (budget 50.4) and 3.8 % errors (limit
 * 0.100 %)".
 */
export function modelReadingReason(
  reading: ModelReading,
  p: Pick<PerturbationForRisk, "name" | "kpis" | "severity">,
  slo: Slo,
  form: "reason" | "brief" = "reason",
): string {
  const figures = [
    p.severity === "breaks-down"
      ? `${num(p.kpis.sloViolationMinutes)} of its ${minutesOf(p.kpis)} violating the SLO`
      : minutesOverBudget(p.kpis, slo),
    errorsOverLimit(p.kpis, slo),
  ].filter((f) => f !== "");
  const how =
    p.severity === "breaks-down"
      ? "breaks down"
      : p.severity === "misses"
        ? "misses the SLO mildly"
        : "misses the SLO badly";
  return form === "brief"
    ? `${how} under ${p.name} (a model reading, MODEL-AUDIT ${reading.audit}), with ${figures.join(" and ")}`
    : `rests on an unconfirmed AWS behaviour, ${reading.fact} (see MODEL-AUDIT ${reading.audit}): it ${how} under ${p.name}, with ${figures.join(" and ")}`;
}

/** "852 violating minutes (budget 50.4)" when a run's minutes pass its budget, else "". */
function minutesOverBudget(kpis: Kpis, slo: Slo): string {
  const budget = budgetOf(slo, kpis);
  return kpis.sloViolationMinutes > budget + 1e-9
    ? `${num(kpis.sloViolationMinutes)} violating minutes (budget ${num(budget, 1)})`
    : "";
}

/** "3.8 % errors (limit 0.100 %)" when a run's error rate passes the SLO's, else "". */
function errorsOverLimit(kpis: Kpis, slo: Slo): string {
  return kpis.errorRatePercent > slo.errorRatePercent + 1e-12
    ? `${pct(kpis.errorRatePercent)} errors (limit ${pct(slo.errorRatePercent)})`
    : "";
}

/** "very-low" → "very low". */
export function riskWords(rating: RiskRating): string {
  return rating.replace("-", " ");
}
