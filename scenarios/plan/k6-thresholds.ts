/**
 * k6 threshold expressions, parsed and judged as k6 does (reference/k6.md §3.1 and §3.5;
 * grafana/k6 `metrics/thresholds_parser.go`, `metrics/thresholds.go`):
 *
 *   "p(95)<500" ──parseThresholdExpression──▶ ThresholdExpression {aggregation, operator, value}
 *   + the metric's aggregates (K6MetricSummary of the merged raw Points)
 *     ──evaluateThreshold──▶ ThresholdResult (passed | failed, with the observed value; or
 *                            invalid, with the reason k6 would refuse it: exit 104)
 *
 * Used where k6 cannot judge: each execution segment of a distributed run sees only its
 * slice, so segments run with `--no-thresholds` and caplab evaluates the plan's thresholds
 * on the merged points. Pure: strings and numbers in, verdicts out.
 */
import type { K6Threshold, Parsed } from "./k6-plan.js";
import {
  parseSubMetric,
  type K6MetricSummary,
  type K6MetricType,
} from "../../analysis/k6-results.js";

/**
 * Operators, in k6's scan order: the first one found in the text splits it, so a longer
 * token comes before a shorter one it contains (`<=` before `<`, `===` before `==`).
 */
export const THRESHOLD_OPERATORS = ["<=", "<", ">=", ">", "===", "==", "!="] as const;
export type ThresholdOperator = (typeof THRESHOLD_OPERATORS)[number];

/** Aggregations written as a bare word; `p(N)` is the percentile one. */
export const NAMED_AGGREGATIONS = ["count", "rate", "value", "avg", "min", "med", "max"] as const;
export type NamedAggregation = (typeof NAMED_AGGREGATIONS)[number];

export type ThresholdAggregation =
  | { readonly kind: NamedAggregation }
  | {
      readonly kind: "percentile";
      /** 0–100 (k6 ≥ 2.1 refuses anything else), e.g. 99.9 for `p(99.9)`. */
      readonly percent: number;
    };

/** A parsed `aggregation operator value`. */
export interface ThresholdExpression {
  readonly aggregation: ThresholdAggregation;
  readonly operator: ThresholdOperator;
  readonly value: number;
}

/** Which aggregations k6 accepts for each metric type (checked at start-up: else exit 104). */
export const AGGREGATIONS_BY_TYPE: Readonly<
  Record<K6MetricType, readonly (NamedAggregation | "percentile")[]>
> = {
  counter: ["count", "rate"],
  gauge: ["value"],
  rate: ["rate"],
  trend: ["avg", "min", "med", "max", "percentile"],
};

/** Types of k6's built-in metrics (reference/k6.md §3.3), for metrics that got no sample. */
export const BUILTIN_METRIC_TYPES: Readonly<Record<string, K6MetricType>> = {
  vus: "gauge",
  vus_max: "gauge",
  iterations: "counter",
  iteration_duration: "trend",
  dropped_iterations: "counter",
  checks: "rate",
  group_duration: "trend",
  data_sent: "counter",
  data_received: "counter",
  http_reqs: "counter",
  http_req_failed: "rate",
  http_req_duration: "trend",
  http_req_blocked: "trend",
  http_req_connecting: "trend",
  http_req_tls_handshaking: "trend",
  http_req_sending: "trend",
  http_req_waiting: "trend",
  http_req_receiving: "trend",
  ws_sessions: "counter",
  ws_msgs_sent: "counter",
  ws_msgs_received: "counter",
  ws_ping: "trend",
  ws_session_duration: "trend",
  ws_connecting: "trend",
  grpc_req_duration: "trend",
};

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** "p(99.9)" → its key in a K6MetricSummary's values: k6's summary name for it. */
export function aggregationKey(aggregation: ThresholdAggregation): string {
  return aggregation.kind === "percentile" ? `p(${aggregation.percent})` : aggregation.kind;
}

/**
 * Parses one threshold expression, `aggregation operator value` with optional spaces, e.g.
 * `p(95)<500`, `p(99.9) <= 1000`, `rate<0.01`, `count>0`. Like k6, the operator is found
 * first (see {@link THRESHOLD_OPERATORS} for the order), then both sides are trimmed.
 *
 * @example parseThresholdExpression("p(95)<500") // ok: percentile 95, "<", 500
 */
export function parseThresholdExpression(text: string): Parsed<ThresholdExpression> {
  let operator: ThresholdOperator | null = null;
  let at = -1;
  for (const op of THRESHOLD_OPERATORS) {
    at = text.indexOf(op);
    if (at >= 0) {
      operator = op;
      break;
    }
  }
  if (operator === null)
    return {
      ok: false,
      error: `threshold "${text}" has no operator; write it like p(95)<500 (operators: ${THRESHOLD_OPERATORS.join(" ")})`,
    };
  const left = text.slice(0, at).trim();
  const right = text.slice(at + operator.length).trim();
  if (!DECIMAL.test(right))
    return { ok: false, error: `threshold "${text}" compares with "${right}", not a number` };
  const value = Number(right);
  if ((NAMED_AGGREGATIONS as readonly string[]).includes(left))
    return {
      ok: true,
      value: { aggregation: { kind: left as NamedAggregation }, operator, value },
    };
  const p = /^p\((.*)\)$/.exec(left);
  if (p === null)
    return {
      ok: false,
      error: `threshold "${text}" aggregates with "${left}"; use one of ${NAMED_AGGREGATIONS.join(", ")} or p(N)`,
    };
  // As k6: no spaces inside the parentheses.
  const inside = p[1] ?? "";
  const percent = Number(inside);
  if (!DECIMAL.test(inside) || percent < 0 || percent > 100)
    return {
      ok: false,
      error: `threshold "${text}" asks for percentile "${inside}"; N in p(N) must be a number from 0 to 100`,
    };
  return { ok: true, value: { aggregation: { kind: "percentile", percent }, operator, value } };
}

/** `observed operator value`, with k6's meaning of each operator (`==` and `===` alike). */
export function compareThreshold(
  observed: number,
  operator: ThresholdOperator,
  value: number,
): boolean {
  switch (operator) {
    case "<":
      return observed < value;
    case "<=":
      return observed <= value;
    case ">":
      return observed > value;
    case ">=":
      return observed >= value;
    case "==":
    case "===":
      return observed === value;
    case "!=":
      return observed !== value;
  }
}

/** The verdict on one threshold of one (sub-)metric. */
export type ThresholdResult =
  | {
      readonly verdict: "passed" | "failed";
      /** `http_req_duration` or a sub-metric such as `http_req_duration{endpoint:home}`. */
      readonly metric: string;
      readonly expression: string;
      /** true = passed (k6's handleSummary polarity). */
      readonly ok: boolean;
      /** `p(95)`, `rate`, … */
      readonly aggregation: string;
      /** The aggregate the expression compared, in the metric's unit (ms for time trends). */
      readonly observed: number;
      /** false when the metric got no Point: k6 then judges on its empty values (0). */
      readonly hadSamples: boolean;
    }
  | {
      readonly verdict: "invalid";
      readonly metric: string;
      readonly expression: string;
      readonly ok: false;
      /** Why k6 would refuse it at start-up (exit 104). */
      readonly error: string;
    };

/** The (sub-)metric's type: from its Metric line, else k6's built-ins, else the aggregation's. */
function metricType(
  metric: string,
  summary: K6MetricSummary | undefined,
  aggregation: ThresholdAggregation,
): K6MetricType {
  if (summary !== undefined) return summary.type;
  const builtin = BUILTIN_METRIC_TYPES[parseSubMetric(metric).metric];
  if (builtin !== undefined) return builtin;
  switch (aggregation.kind) {
    case "count":
      return "counter";
    case "value":
      return "gauge";
    case "rate":
      return "rate";
    default:
      return "trend";
  }
}

/**
 * Judges one expression against the aggregates of `metric` (absent when it got no Point).
 * Invalid when the expression does not parse, when k6 would refuse the aggregation for the
 * metric's type, or when the summary lacks a percentile (compute it: {@link thresholdNeeds}).
 */
export function evaluateThreshold(
  metric: string,
  expression: string,
  summary: K6MetricSummary | undefined,
): ThresholdResult {
  const parsed = parseThresholdExpression(expression);
  if (!parsed.ok) return { verdict: "invalid", metric, expression, ok: false, error: parsed.error };
  const { aggregation, operator, value } = parsed.value;
  const type = metricType(metric, summary, aggregation);
  const kind = aggregation.kind;
  const key = aggregationKey(aggregation);
  if (!AGGREGATIONS_BY_TYPE[type].includes(kind))
    return {
      verdict: "invalid",
      metric,
      expression,
      ok: false,
      error: `${metric} is a ${type} metric: its thresholds aggregate with ${AGGREGATIONS_BY_TYPE[
        type
      ]
        .map((a) => (a === "percentile" ? "p(N)" : a))
        .join(", ")}, not ${key}`,
    };
  // A metric that got no Point: k6 judges its empty sink, where every aggregate is 0.
  let observed = 0;
  if (summary !== undefined) {
    const v = summary.values[key];
    if (v === undefined)
      return {
        verdict: "invalid",
        metric,
        expression,
        ok: false,
        error: `${key} of ${metric} was not computed; ask the accumulator for it (thresholdNeeds)`,
      };
    observed = v;
  }
  const ok = compareThreshold(observed, operator, value);
  return {
    verdict: ok ? "passed" : "failed",
    metric,
    expression,
    ok,
    aggregation: key,
    observed,
    hadSamples: summary !== undefined,
  };
}

/** The expression of a threshold entry (a string, or `{threshold, abortOnFail, …}`). */
export function thresholdText(threshold: K6Threshold): string {
  return typeof threshold === "string" ? threshold : threshold.threshold;
}

/**
 * Every threshold of a k6 `thresholds` option, judged on `metrics` (keyed by metric and
 * sub-metric name, as MetricAccumulator.summarize returns them), in declaration order.
 * `abortOnFail` cannot act after the run; it is ignored here.
 */
export function evaluateThresholds(
  thresholds: Readonly<Record<string, readonly K6Threshold[]>>,
  metrics: Readonly<Record<string, K6MetricSummary>>,
): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [metric, list] of Object.entries(thresholds))
    for (const t of list) out.push(evaluateThreshold(metric, thresholdText(t), metrics[metric]));
  return out;
}

/**
 * What an accumulator must compute to judge `thresholds`: the sub-metrics named (keys with
 * `{tag:value}`) and every percentile asked for, ascending, without repeats.
 *
 * @example thresholdNeeds({ "http_req_duration{endpoint:a}": ["p(99.9)<900"] })
 *   // { subMetrics: ["http_req_duration{endpoint:a}"], percentiles: [99.9] }
 */
export function thresholdNeeds(thresholds: Readonly<Record<string, readonly K6Threshold[]>>): {
  subMetrics: string[];
  percentiles: number[];
} {
  const subMetrics = Object.keys(thresholds).filter((m) => m.includes("{"));
  const percentiles = new Set<number>();
  for (const list of Object.values(thresholds))
    for (const t of list) {
      const parsed = parseThresholdExpression(thresholdText(t));
      if (parsed.ok && parsed.value.aggregation.kind === "percentile")
        percentiles.add(parsed.value.aggregation.percent);
    }
  return { subMetrics, percentiles: [...percentiles].sort((a, b) => a - b) };
}

/** A number as k6's summary prints it: at most 6 significant digits. */
function show(n: number): string {
  return String(Number(n.toPrecision(6)));
}

/**
 * One line per verdict, e.g. `http_req_duration p(95)<300: FAILED, p(95) = 312.5` or
 * `… : invalid: <reason>`; a metric without samples says so.
 */
export function renderThresholdResult(result: ThresholdResult): string {
  const head = `${result.metric} ${result.expression}`;
  if (result.verdict === "invalid") return `${head}: invalid: ${result.error}`;
  const verdict = result.ok ? "passed" : "FAILED";
  const empty = result.hadSamples ? "" : " (no samples: judged on 0, as k6 does)";
  return `${head}: ${verdict}, ${result.aggregation} = ${show(result.observed)}${empty}`;
}
