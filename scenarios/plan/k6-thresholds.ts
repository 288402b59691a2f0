/**
 * k6 thresholds, parsed, validated and judged exactly as k6 does (research/k6-thresholds.md;
 * grafana/k6 at 87883075: `metrics/thresholds_parser.go`, `metrics/thresholds.go`,
 * `metrics/metric.go`, `metrics/metric_type.go`; their tables are test/scenarios/plan/
 * k6-thresholds.test.ts):
 *
 *   "p(95)<500" ──parseThresholdExpression──▶ ThresholdExpression {aggregation, operator, value}
 *   { key: [expressions] } ──validateThresholds──▶ what k6 refuses before a test (exit 104):
 *                           a malformed key, an unknown metric, an expression that does not
 *                           parse, an aggregation the metric's type does not have
 *   + the aggregates of the (sub-)metric (K6MetricSummary, from analysis/k6-ingest.ts)
 *     ──evaluateThreshold──▶ ThresholdResult (passed | failed with the observed value; or
 *                            invalid, with the reason k6 would refuse it)
 *
 * Used where k6 did not judge: the segments of a distributed run each see a slice and run
 * with `--no-thresholds`, and `caplab import --format k6` judges the thresholds it is given
 * on the imported points. Pure: strings and numbers in, verdicts out.
 */
import type { K6Threshold, Parsed } from "./k6-plan.js";
import {
  BUILTIN_METRIC_TYPES,
  builtinContains,
  formatObserved,
  parseK6MetricName,
  percentileKey,
  type K6MetricSummary,
  type K6MetricType,
} from "../../analysis/k6-results.js";

/** k6's exit code for an invalid configuration, thresholds included (reference/k6.md §3.6). */
export const K6_INVALID_CONFIG_EXIT_CODE = 104;

/**
 * Operators, in k6's scan order: the first one found with something after it splits the
 * text, so a longer token comes before a shorter one it contains (`<=` before `<`).
 */
export const THRESHOLD_OPERATORS = ["<=", "<", ">=", ">", "===", "==", "!="] as const;
export type ThresholdOperator = (typeof THRESHOLD_OPERATORS)[number];

/**
 * Aggregations written as a bare word. `p` alone is k6's percentile token without a value:
 * k6 accepts it on a trend and judges it as `p(0)`, the minimum.
 */
export const NAMED_AGGREGATIONS = [
  "value",
  "count",
  "rate",
  "avg",
  "min",
  "med",
  "max",
  "p",
] as const;
export type NamedAggregation = (typeof NAMED_AGGREGATIONS)[number];

export type ThresholdAggregation =
  | { readonly kind: Exclude<NamedAggregation, "p"> }
  | {
      readonly kind: "percentile";
      /** 0–100 (k6 ≥ 2.1 refuses anything else), e.g. 99.9 for `p(99.9)`; 0 for a bare `p`. */
      readonly percent: number;
    };

/** A parsed `aggregation operator value`. */
export interface ThresholdExpression {
  readonly aggregation: ThresholdAggregation;
  readonly operator: ThresholdOperator;
  readonly value: number;
}

/** The aggregations k6 accepts on each metric type (`metrics/metric_type.go`); else exit 104. */
export const AGGREGATIONS_BY_TYPE: Readonly<Record<K6MetricType, readonly string[]>> = {
  counter: ["count", "rate"],
  gauge: ["value"],
  rate: ["rate"],
  trend: ["avg", "min", "max", "med", "p"],
};

export { BUILTIN_METRIC_TYPES, formatObserved };

/**
 * A number as Go's `strconv.ParseFloat(text, 64)` reads it, or null where Go fails: decimal
 * with optional sign, fraction and exponent (`.5`, `5.`, `1e3`), `_` between digits
 * (`1_000`), hexadecimal with a `p` exponent (`0x1p4`), `Inf`, `Infinity` and `NaN` in any
 * case (a sign before `Inf` only); nothing else, no spaces; a value beyond the double range
 * (`1e400`) is an error, as Go's ErrRange.
 */
export function parseGoFloat(text: string): number | null {
  const special = /^([+-]?)(inf|infinity)$/i.exec(text);
  if (special !== null) return special[1] === "-" ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const digits = "\\d(?:_?\\d)*";
  const decimal = new RegExp(
    `^[+-]?(?:${digits}(?:\\.(?:${digits})?)?|\\.${digits})(?:[eE][+-]?${digits})?$`,
  );
  if (decimal.test(text)) {
    const v = Number(text.replaceAll("_", ""));
    return Number.isFinite(v) ? v : null;
  }
  const hex =
    /^([+-]?)0[xX]_?((?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d(?:_?\d)*)$/.exec(
      text,
    );
  if (hex !== null && (hex[2] !== "" || (hex[3] ?? "") !== "")) {
    const whole = hex[2]!.replaceAll("_", "");
    const fraction = hex[3] ?? "";
    const mantissa = Number(
      BigInt(`0x${whole}${fraction}` === "0x" ? "0" : `0x${whole}${fraction}`),
    );
    const v = mantissa * 2 ** (Number(hex[4]!.replaceAll("_", "")) - 4 * fraction.length);
    const signed = hex[1] === "-" ? -v : v;
    return Number.isFinite(signed) ? signed : null;
  }
  return null;
}

/**
 * Parses one threshold expression as k6 does: the first operator (in
 * {@link THRESHOLD_OPERATORS}' order) with text after it splits the expression, both sides
 * are trimmed of white space; the left side is a bare aggregation or `p(N)` with N read by
 * Go's ParseFloat without trimming (`p( 95 )` fails) and within 0–100; the right side is
 * read by Go's ParseFloat (`500ms` fails). The error messages are k6's.
 *
 * @example parseThresholdExpression("p(95)<500") // ok: percentile 95, "<", 500
 * @example parseThresholdExpression("count!20") // error: malformed threshold expression
 */
export function parseThresholdExpression(text: string): Parsed<ThresholdExpression> {
  let operator: ThresholdOperator | null = null;
  let left = "";
  let right = "";
  for (const op of THRESHOLD_OPERATORS) {
    const at = text.indexOf(op);
    if (at >= 0 && at + op.length < text.length) {
      operator = op;
      left = goTrimSpace(text.slice(0, at));
      right = goTrimSpace(text.slice(at + op.length));
      break;
    }
  }
  if (operator === null)
    return {
      ok: false,
      error: `failed parsing threshold expression ${goQuote(text)}; reason: malformed threshold expression`,
    };
  let aggregation: ThresholdAggregation;
  if ((NAMED_AGGREGATIONS as readonly string[]).includes(left)) {
    aggregation =
      left === "p"
        ? { kind: "percentile", percent: 0 }
        : { kind: left as Exclude<NamedAggregation, "p"> };
  } else if (left.startsWith("p(") && left.endsWith(")")) {
    const inside = left.slice(2, -1);
    const percent = parseGoFloat(inside);
    if (percent === null)
      return {
        ok: false,
        error: `failed parsing threshold expression's ${goQuote(text)} left hand side; reason: malformed percentile value; reason: strconv.ParseFloat: parsing ${goQuote(inside)}: invalid syntax`,
      };
    if (Number.isNaN(percent) || percent < 0 || percent > 100)
      return {
        ok: false,
        error: `failed parsing threshold expression's ${goQuote(text)} left hand side; reason: malformed percentile value, provide a number between 0 and 100`,
      };
    aggregation = { kind: "percentile", percent };
  } else
    return {
      ok: false,
      error: `failed parsing threshold expression's ${goQuote(text)} left hand side; reason: failed parsing method from expression`,
    };
  const value = parseGoFloat(right);
  if (value === null)
    return {
      ok: false,
      error: `failed parsing threshold expresion's ${goQuote(text)} right hand side; reason: strconv.ParseFloat: parsing ${goQuote(right)}: invalid syntax`,
    };
  return { ok: true, value: { aggregation, operator, value } };
}

/** Go's `strings.TrimSpace`: white space as Unicode defines it, off both ends. */
function goTrimSpace(text: string): string {
  return text.replace(/^[\s\u0085]+|[\s\u0085]+$/gu, "");
}

/** A string in k6's messages: double-quoted as Go's %q writes it (JSON's escapes are close). */
function goQuote(text: string): string {
  return JSON.stringify(text);
}

/**
 * The percentile a threshold expression judges: its `p(N)`, 50 for `avg` and `med` (the gate
 * holds a pass of either to the median's fewest samples); null for the other aggregations and
 * for an expression k6 would refuse.
 *
 * @example judgedPercentile("p(99.9)<2000") // 99.9
 * @example judgedPercentile("max<5000")     // null
 */
export function judgedPercentile(expression: string): number | null {
  const parsed = parseThresholdExpression(expression);
  if (!parsed.ok) return null;
  const a = parsed.value.aggregation;
  if (a.kind === "percentile") return a.percent;
  return a.kind === "avg" || a.kind === "med" ? 50 : null;
}

/** The key of an aggregation in a K6MetricSummary's values, k6's SinkKey: `p(95)`, `rate`, … */
export function aggregationKey(aggregation: ThresholdAggregation): string {
  return aggregation.kind === "percentile" ? percentileKey(aggregation.percent) : aggregation.kind;
}

/** The token k6 checks against a type's aggregations: `p` for any percentile. */
function aggregationToken(aggregation: ThresholdAggregation): string {
  return aggregation.kind === "percentile" ? "p" : aggregation.kind;
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
      /**
       * The aggregate the expression compared, in the metric's unit (ms for time); null when
       * k6 has no value to judge (a Rate without samples, a Counter's rate over no time):
       * then the threshold passes, as in k6.
       */
      readonly observed: number | null;
      /** What the metric holds: `time` (ms), `data` (bytes) or `default`. */
      readonly contains: string;
      /** Samples of the (sub-)metric; 0: k6 judged its empty sink. */
      readonly samples: number;
    }
  | {
      readonly verdict: "invalid";
      readonly metric: string;
      readonly expression: string;
      readonly ok: false;
      /** Why k6 would refuse it before the test (exit 104). */
      readonly error: string;
    };

/**
 * The metrics a run knows, as k6's registry would: k6's built-ins, every metric of the run's
 * aggregates, and any other the caller knows of (e.g. from a summary export).
 */
export type MetricTypeOf = (metric: string) => K6MetricType | undefined;

function registryOf(
  metrics: Readonly<Record<string, K6MetricSummary>>,
  known?: MetricTypeOf,
): MetricTypeOf {
  return (name) =>
    (Object.hasOwn(metrics, name) ? metrics[name]!.type : undefined) ??
    known?.(name) ??
    BUILTIN_METRIC_TYPES[name];
}

/**
 * Why k6 would refuse a threshold key and one of its expressions before the test (k6
 * `Thresholds.Parse` then `Thresholds.Validate`), or null: the expression does not parse;
 * the key is malformed (parseK6MetricName); its metric is not in the registry; the
 * aggregation is not one of the metric's type's. A sub-metric has its parent's type.
 */
export function thresholdProblem(
  key: string,
  expression: string,
  typeOf: MetricTypeOf,
):
  | { problem: string; type?: undefined }
  | { problem: null; type: K6MetricType; parsed: ThresholdExpression } {
  const parsed = parseThresholdExpression(expression);
  if (!parsed.ok) return { problem: parsed.error };
  const name = parseK6MetricName(key);
  if (!name.ok)
    return { problem: `unable to validate threshold expressions; reason: ${name.error}` };
  const type = typeOf(name.value.metric);
  if (type === undefined)
    return {
      problem: `invalid threshold defined on ${key}; reason: no metric name ${goQuote(key)} found`,
    };
  const token = aggregationToken(parsed.value.aggregation);
  if (!AGGREGATIONS_BY_TYPE[type].includes(token))
    return {
      problem: `invalid threshold ${goQuote(expression)} applied on metric ${key}; reason: unsupported aggregation method ${token} on metric of type ${type}. supported aggregation methods for this metric are: ${AGGREGATIONS_BY_TYPE[type].join(", ")}`,
    };
  return { problem: null, type, parsed: parsed.value };
}

/**
 * k6's value of an aggregate of an empty sink (k6 `metrics/thresholds.go` `Run` at the final
 * evaluation): Counter, Gauge and Trend aggregates are 0; a Rate has no `rate` (undefined).
 */
function emptyValue(type: K6MetricType): number | undefined {
  return type === "rate" ? undefined : 0;
}

/**
 * k6's `Threshold.runNoTaint`: the expression compared with its aggregate among a sink's
 * values (`{"rate": 0.01, "p(95)": 500}`); a value the sink lacks passes, unjudged (observed
 * null). Parse errors are invalid.
 */
export function judgeOnValues(
  expression: string,
  values: Readonly<Record<string, number>>,
): { ok: boolean; aggregation: string; observed: number | null } | { ok: false; error: string } {
  const parsed = parseThresholdExpression(expression);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const aggregation = aggregationKey(parsed.value.aggregation);
  const observed = Object.hasOwn(values, aggregation) ? values[aggregation]! : null;
  return {
    ok:
      observed === null
        ? true
        : compareThreshold(observed, parsed.value.operator, parsed.value.value),
    aggregation,
    observed,
  };
}

/**
 * Judges one expression on `key` (a metric or sub-metric) with the run's aggregates, as k6's
 * final evaluation does: invalid where k6 refuses it (see {@link thresholdProblem}); a key
 * without aggregates is an empty sink (Counter, Gauge and Trend judged on 0, Rate not judged,
 * so it passes); a sink without the aggregate's value passes (k6: "a missing sink entry means
 * that no samples are available").
 */
export function evaluateThreshold(
  key: string,
  expression: string,
  metrics: Readonly<Record<string, K6MetricSummary>>,
  known?: MetricTypeOf,
): ThresholdResult {
  const checked = thresholdProblem(key, expression, registryOf(metrics, known));
  if (checked.problem !== null)
    return { verdict: "invalid", metric: key, expression, ok: false, error: checked.problem };
  const { type, parsed } = checked;
  const summary = Object.hasOwn(metrics, key) ? metrics[key] : undefined;
  const aggregation = aggregationKey(parsed.aggregation);
  const parent = parseK6MetricName(key);
  const parentName = parent.ok ? parent.value.metric : key;
  const contains =
    summary?.contains ??
    (Object.hasOwn(metrics, parentName) ? metrics[parentName]!.contains : undefined) ??
    builtinContains(parentName);
  const samples = summary === undefined ? 0 : (summary.samples ?? 1);
  // A sub-metric's samples are its parent's filtered by its tags (k6
  // `internal/metrics/engine/ingester.go`): with a parent that has samples and no aggregates
  // for the sub-metric, they were not filtered, which is not an empty sink.
  const parentSummary =
    parentName !== key && Object.hasOwn(metrics, parentName) ? metrics[parentName] : undefined;
  if (summary === undefined && parentSummary !== undefined && (parentSummary.samples ?? 1) > 0)
    return {
      verdict: "invalid",
      metric: key,
      expression,
      ok: false,
      error: `${key} was not computed from the points of ${parentName}; ask the aggregator for it (thresholdNeeds)`,
    };
  let observed: number | undefined;
  if (summary === undefined) observed = emptyValue(type);
  else {
    observed = summary.values[aggregation];
    if (observed === undefined && type === "trend") {
      if (samples > 0)
        return {
          verdict: "invalid",
          metric: key,
          expression,
          ok: false,
          error: `${aggregation} of ${key} was not computed; ask the aggregator for it (thresholdNeeds)`,
        };
      observed = 0;
    }
  }
  const ok =
    observed === undefined ? true : compareThreshold(observed, parsed.operator, parsed.value);
  return {
    verdict: ok ? "passed" : "failed",
    metric: key,
    expression,
    ok,
    aggregation,
    observed: observed ?? null,
    contains,
    samples,
  };
}

/**
 * A `thresholds` option read from JSON as k6 reads `options.thresholds` (k6
 * `metrics/thresholds.go` `UnmarshalJSON`): an object whose every value is an array of
 * expressions, each a string or `{threshold, abortOnFail?, delayAbortEval?}`.
 *
 * @example parseThresholdsOption({ http_req_failed: ["rate<0.01"] }) // ok
 * @example parseThresholdsOption({ http_req_failed: 42 }) // error
 */
export function parseThresholdsOption(json: unknown): Parsed<Record<string, K6Threshold[]>> {
  if (typeof json !== "object" || json === null || Array.isArray(json))
    return { ok: false, error: "thresholds is not an object of metric names to lists" };
  const out: Record<string, K6Threshold[]> = {};
  for (const [key, list] of Object.entries(json as Record<string, unknown>)) {
    if (!Array.isArray(list))
      return {
        ok: false,
        error: `thresholds[${goQuote(key)}] is not a list of expressions (write ["p(95)<500"])`,
      };
    const entries: K6Threshold[] = [];
    for (const [i, t] of (list as unknown[]).entries()) {
      if (typeof t === "string") entries.push(t);
      else if (
        typeof t === "object" &&
        t !== null &&
        typeof (t as { threshold?: unknown }).threshold === "string"
      ) {
        const { threshold, abortOnFail, delayAbortEval } = t as {
          threshold: string;
          abortOnFail?: unknown;
          delayAbortEval?: unknown;
        };
        if (abortOnFail !== undefined && typeof abortOnFail !== "boolean")
          return {
            ok: false,
            error: `thresholds[${goQuote(key)}][${i}].abortOnFail is not true or false`,
          };
        if (
          delayAbortEval !== undefined &&
          delayAbortEval !== null &&
          typeof delayAbortEval !== "string" &&
          typeof delayAbortEval !== "number"
        )
          return {
            ok: false,
            error: `thresholds[${goQuote(key)}][${i}].delayAbortEval is not a duration`,
          };
        // k6 reads a number as milliseconds, null as not set (lib/types NullDuration).
        const delay =
          typeof delayAbortEval === "number"
            ? `${delayAbortEval}ms`
            : typeof delayAbortEval === "string"
              ? delayAbortEval
              : undefined;
        entries.push({
          threshold,
          ...(abortOnFail === undefined ? {} : { abortOnFail }),
          ...(delay === undefined ? {} : { delayAbortEval: delay }),
        });
      } else
        return {
          ok: false,
          error: `thresholds[${goQuote(key)}][${i}] is neither an expression nor {"threshold": "…"}`,
        };
    }
    out[key] = entries;
  }
  return { ok: true, value: out };
}

/** The expression of a threshold entry (a string, or `{threshold, abortOnFail, …}`). */
export function thresholdText(threshold: K6Threshold): string {
  return typeof threshold === "string" ? threshold : threshold.threshold;
}

/**
 * Every threshold of a k6 `thresholds` option judged on `metrics` (keyed by metric and
 * sub-metric name, as K6Ingested.metrics), in declaration order. `abortOnFail` cannot act
 * after the run; it is ignored here.
 */
export function evaluateThresholds(
  thresholds: Readonly<Record<string, readonly K6Threshold[]>>,
  metrics: Readonly<Record<string, K6MetricSummary>>,
  known?: MetricTypeOf,
): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [metric, list] of Object.entries(thresholds))
    for (const t of list) out.push(evaluateThreshold(metric, thresholdText(t), metrics, known));
  return out;
}

/**
 * What k6 would refuse in a `thresholds` option before the test, one sentence each (exit
 * 104): see {@link thresholdProblem}; a key without expressions is still validated (k6
 * checks its name). `known` gives the types of the metrics the script has besides k6's
 * built-ins. Empty when k6 would run it.
 */
export function validateThresholds(
  thresholds: Readonly<Record<string, readonly K6Threshold[]>>,
  known: MetricTypeOf,
): string[] {
  const typeOf: MetricTypeOf = (name) => known(name) ?? BUILTIN_METRIC_TYPES[name];
  const problems: string[] = [];
  for (const [key, list] of Object.entries(thresholds)) {
    const expressions = list.map(thresholdText);
    if (expressions.length === 0) {
      const name = parseK6MetricName(key);
      if (!name.ok)
        problems.push(`unable to validate threshold expressions; reason: ${name.error}`);
      else if (typeOf(name.value.metric) === undefined)
        problems.push(
          `invalid threshold defined on ${key}; reason: no metric name ${goQuote(key)} found`,
        );
      continue;
    }
    for (const e of expressions) {
      const checked = thresholdProblem(key, e, typeOf);
      if (checked.problem !== null) problems.push(checked.problem);
    }
  }
  return problems;
}

/**
 * What the aggregator must be asked for to judge `thresholds`: every key (metrics whose
 * trends keep raw values, sub-metrics) and every percentile, ascending, without repeats.
 * Keys k6 would refuse are left out.
 *
 * @example thresholdNeeds({ "http_req_duration{endpoint:a}": ["p(99.9)<900"] })
 *   // { metrics: ["http_req_duration{endpoint:a}"], percentiles: [99.9] }
 */
export function thresholdNeeds(thresholds: Readonly<Record<string, readonly K6Threshold[]>>): {
  metrics: string[];
  percentiles: number[];
} {
  const metrics = Object.keys(thresholds).filter((m) => parseK6MetricName(m).ok);
  const percentiles = new Set<number>();
  for (const list of Object.values(thresholds))
    for (const t of list) {
      const parsed = parseThresholdExpression(thresholdText(t));
      if (parsed.ok && parsed.value.aggregation.kind === "percentile")
        percentiles.add(parsed.value.aggregation.percent);
    }
  return { metrics, percentiles: [...percentiles].sort((a, b) => a - b) };
}

/**
 * One line per verdict: `http_req_duration p(95)<300: FAILED (312.5 ms)`,
 * `… : passed (no samples: k6 does not judge an empty rate)`, `… : invalid: <reason>`.
 */
export function renderThresholdResult(result: ThresholdResult): string {
  const head = `${result.metric} ${result.expression}`;
  if (result.verdict === "invalid") return `${head}: invalid: ${result.error}`;
  const verdict = result.ok ? "passed" : "FAILED";
  if (result.observed === null)
    return result.aggregation === ""
      ? `${head}: ${verdict} (k6's verdict; no value: the expression names no aggregation caplab reads)`
      : `${head}: ${verdict} (no ${result.aggregation}: k6 does not judge it)`;
  const empty = result.samples === 0 ? ", no samples: judged on 0, as k6 does" : "";
  return `${head}: ${verdict} (${formatObserved(result.observed, result.contains)}${empty})`;
}
