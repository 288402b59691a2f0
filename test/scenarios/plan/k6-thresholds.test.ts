/**
 * k6's threshold and sub-metric semantics, table by table as k6's own tests pin them
 * (research/k6-thresholds.md §5; grafana/k6 at 87883075: metrics/thresholds_parser_test.go,
 * metrics/thresholds_test.go, metrics/metric_test.go, internal/metrics/engine/engine_test.go,
 * internal/cmd/run_test.go). Rows marked *derived* were run on a verbatim copy of k6's parser
 * functions; the others are k6's test rows.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultPlan, thresholdsFor } from "../../../scenarios/plan/k6-plan.js";
import { K6Ingest } from "../../../analysis/k6-ingest.js";
import {
  formatGoG,
  parseK6MetricName,
  submetricFilter,
  type K6MetricSummary,
  type K6MetricType,
} from "../../../analysis/k6-results.js";
import {
  compareThreshold,
  evaluateThreshold,
  evaluateThresholds,
  judgeOnValues,
  parseGoFloat,
  parseThresholdExpression,
  parseThresholdsOption,
  renderThresholdResult,
  thresholdNeeds,
  validateThresholds,
  THRESHOLD_OPERATORS,
  judgedPercentile,
} from "../../../scenarios/plan/k6-thresholds.js";

const TIME = "2026-11-29T12:00:00Z";
const metricLine = (name: string, type: K6MetricType, contains = "default") =>
  JSON.stringify({ type: "Metric", data: { name, type, contains, thresholds: [] }, metric: name });
const pointLine = (name: string, value: number, tags: Record<string, string> = {}) =>
  JSON.stringify({ metric: name, type: "Point", data: { time: TIME, value, tags } });

/** The one aggregator over lines, asked for `metrics` (sub-metrics, trends with percentiles). */
function aggregate(lines: readonly string[], metrics: string[] = [], percentiles: number[] = []) {
  const ingest = new K6Ingest({ metrics, percentiles });
  for (const l of lines) ingest.addLine(l);
  return ingest.finish({ durationSeconds: 4 }).metrics;
}

/** A hand-made run: durations 1, 2, 3, 4 ms (1 and 3 for name a), 1 failure in 4, 8 requests. */
function handMade(percentiles = [95, 99.9], subs = ["http_req_duration{name:a}"]) {
  return aggregate(
    [
      metricLine("http_req_duration", "trend", "time"),
      metricLine("http_req_failed", "rate"),
      metricLine("http_reqs", "counter"),
      metricLine("vus", "gauge"),
      ...[1, 2, 3, 4].map((v, i) => pointLine("http_req_duration", v, { name: i % 2 ? "b" : "a" })),
      ...[1, 0, 0, 0].map((v) => pointLine("http_req_failed", v)),
      ...[3, 5].map((v) => pointLine("http_reqs", v)),
      ...[7, 2].map((v) => pointLine("vus", v)),
    ],
    subs,
    percentiles,
  );
}

const parsed = (text: string) => {
  const r = parseThresholdExpression(text);
  return r.ok ? r.value : null;
};

describe("§5.1 expression parsing: k6's own tables (thresholds_parser_test.go)", () => {
  it.each([
    ["count!20", "malformed threshold expression"],
    ["foo>20", "failed parsing method from expression"],
    ["count>abc", "right hand side"],
    ["foo&1", "malformed threshold expression"],
    ["foo&0", "malformed threshold expression"],
  ])("%s is refused: %s", (text, reason) => {
    const r = parseThresholdExpression(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain(reason);
  });

  it("count>20 is method count, operator >, value 20", () => {
    expect(parsed("count>20")).toEqual({
      aggregation: { kind: "count" },
      operator: ">",
      value: 20,
    });
  });

  it.each(["count", "rate", "value", "avg", "min", "max", "med"])(
    "%s is a method (k6's keyword list)",
    (method) => expect(parsed(`${method}<1`)?.aggregation).toEqual({ kind: method }),
  );

  it.each([
    ["p(99)", 99],
    ["p(99.9)", 99.9],
    ["p(0)", 0],
    ["p(100)", 100],
  ])("%s is a percentile of %s", (method, percent) =>
    expect(parsed(`${method}<1`)?.aggregation).toEqual({ kind: "percentile", percent }),
  );

  it.each(["foo", "p()", "p(99", "p(foo)", "p(-1)", "p(101)", "p(NaN)", "p(+Inf)"])(
    "%s is not a method",
    (method) => expect(parsed(`${method}<1`)).toBeNull(),
  );

  it.each([
    ["foo<=bar", "<="],
    ["foo<bar", "<"],
    ["foo>=bar", ">="],
    ["foo>bar", ">"],
    ["foo===bar", "==="],
    ["foo==bar", "=="],
    ["foo!=bar", "!="],
  ])("%s scans as operator %s (the first in k6's order)", (text, operator) => {
    // foo and bar are no method and value, so the scan is seen through the error it leads to.
    const r = parseThresholdExpression(text.replace("foo", "avg").replace("bar", "1"));
    expect(r.ok && r.value.operator).toBe(operator);
    expect(parseThresholdExpression(text)).toMatchObject({ ok: false });
  });

  it("trims both sides: `  avg  <=1` and `avg<=  1  `; foo!bar has no operator", () => {
    expect(parsed("  avg  <=1")).toMatchObject({ operator: "<=", value: 1 });
    expect(parsed("avg<=  1  ")).toMatchObject({ operator: "<=", value: 1 });
    expect(parseThresholdExpression("foo!bar")).toEqual({
      ok: false,
      error:
        'failed parsing threshold expression "foo!bar"; reason: malformed threshold expression',
    });
  });

  it("the operators are tried in k6's order, a longer token before a shorter one it contains", () => {
    expect(THRESHOLD_OPERATORS).toEqual(["<=", "<", ">=", ">", "===", "==", "!="]);
  });
});

describe("§5.2 expression parsing: more cases (derived)", () => {
  it.each([
    ["count > 20", "count", ">", 20],
    ["  p(95)  <  500  ", "p(95)", "<", 500],
    ["rate > 0.95", "rate", ">", 0.95],
    ["max<1\t", "max", "<", 1],
    ["\tmax\n<1", "max", "<", 1],
  ])("%j is fine", (text, method, operator, value) => {
    const r = parsed(text);
    expect(r).not.toBeNull();
    expect(r!.operator).toBe(operator);
    expect(r!.value).toBe(value);
    expect(r!.aggregation.kind === "percentile" ? "p(95)" : r!.aggregation.kind).toBe(method);
  });

  it.each(["p( 95 )<200", "p (95)<200", "P(95)<200", "count=>5", "<5"])(
    "%j fails on its method",
    (text) => expect(parsed(text)).toBeNull(),
  );

  it.each(["count=5", "count<", "p(95)", ""])(
    "%j has no operator with text after it: malformed threshold expression",
    (text) => {
      const r = parseThresholdExpression(text);
      expect(!r.ok && r.error).toMatch(/malformed threshold expression$/);
    },
  );

  it.each(["p(95)<500ms", "rate<0x10", "p(95)<1 <2", "count>>1", "count<=<1", "count<1e400"])(
    "%j fails on its value",
    (text) => expect(parsed(text)).toBeNull(),
  );

  it.each([
    ["p(95)<1e3", 1000],
    ["p(95)<-1", -1],
    ["rate<.5", 0.5],
    ["rate<5.", 5],
    ["rate<1_000", 1000],
    ["rate<Inf", Infinity],
    ["rate<+Inf", Infinity],
  ])("%j reads its value as Go's ParseFloat: %s", (text, value) =>
    expect(parsed(text)?.value).toBe(value),
  );

  it("rate<NaN parses, and NaN fails every comparison but !=", () => {
    expect(parsed("rate<NaN")?.value).toBeNaN();
    for (const op of THRESHOLD_OPERATORS) expect(compareThreshold(0.5, op, NaN)).toBe(op === "!=");
  });

  it("p(99.99) is fine; p(1e1) is p(10), with k6's sink key", () => {
    expect(parsed("p(99.99)<1")?.aggregation).toEqual({ kind: "percentile", percent: 99.99 });
    expect(parsed("p(1e1)<1")?.aggregation).toEqual({ kind: "percentile", percent: 10 });
    expect(judgeOnValues("p(1e1)<1", { "p(10)": 0.5 })).toMatchObject({ aggregation: "p(10)" });
    expect(judgeOnValues("p(95.0)<1", { "p(95)": 2 })).toMatchObject({ ok: false });
  });

  it("a bare p is k6's percentile token without a value: p(0), the minimum", () => {
    expect(parsed("p<200")?.aggregation).toEqual({ kind: "percentile", percent: 0 });
  });

  it("Go's ParseFloat: what it takes and what it refuses", () => {
    expect(parseGoFloat("1_000.5")).toBe(1000.5);
    expect(parseGoFloat("0x1p4")).toBe(16);
    expect(parseGoFloat("infinity")).toBe(Infinity);
    expect(parseGoFloat("-Inf")).toBe(-Infinity);
    for (const bad of ["1__0", "_1", "1_", "0x10", "+nan", " 1", "1 ", "1e", ".", "e5", "1e400"])
      expect(parseGoFloat(bad)).toBeNull();
    expect(parseGoFloat("1e-400")).toBe(0);
  });

  it("percentile keys are Go's %g: p(1e-05), p(99.9)", () => {
    expect(formatGoG(0.00001)).toBe("1e-05");
    expect(formatGoG(99.9)).toBe("99.9");
    expect(formatGoG(1e6)).toBe("1e+06");
    expect(formatGoG(123456)).toBe("123456");
  });
});

describe("judgedPercentile: the percentile a threshold judges, for the gate's fewest samples", () => {
  it("reads p(N), avg and med as a percentile, and nothing else", () => {
    expect(
      [
        "p(95)<500",
        "p(99.9) <= 2000",
        "avg<1000",
        "med<200",
        "p<1",
        "max<5000",
        "count>10",
        "rate<0.01",
        "nope",
      ].map(judgedPercentile),
    ).toEqual([95, 99.9, 50, 50, 0, null, null, null, null]);
  });
});

describe("§5.3 aggregation and metric type (TestThresholdsValidate and scripts)", () => {
  const types: Record<string, K6MetricType> = {
    test_counter: "counter",
    test_gauge: "gauge",
    test_rate: "rate",
    test_trend: "trend",
  };
  const typeOf = (m: string) => types[m];
  it.each([
    ["test_counter", "count==1"],
    ["test_counter", "rate==1"],
    ["test_counter{foo:bar}", "rate==1"],
    ["test_counter{abc:123,easyas:doremi}", "rate==1"],
    ["test_gauge", "value==1"],
    ["test_rate", "rate==1"],
    ["test_trend", "avg==1"],
    ["test_trend", "min==1"],
    ["test_trend", "max==1"],
    ["test_trend", "med==1"],
    ["test_trend", "p(99)==1"],
  ])("%s %s is valid", (key, expression) =>
    expect(validateThresholds({ [key]: [expression] }, typeOf)).toEqual([]),
  );

  it.each([
    ["http_reqs", "value>0", /unsupported aggregation method value on metric of type counter/],
    ["non existing", "rate>0", /no metric name "non existing" found/],
    [
      "test_trend",
      "count<0",
      /supported aggregation methods for this metric are: avg, min, max, med, p/,
    ],
    ["test_trend", "rate<1", /unsupported aggregation method rate on metric of type trend/],
    ["test_trend", "value<1", /unsupported aggregation method value/],
    ["test_counter", "p(95)<200", /unsupported aggregation method p on metric of type counter/],
  ])("%s %s is refused (exit 104): %s", (key, expression, reason) => {
    const problems = validateThresholds({ [key]: [expression] }, (m) =>
      m === "http_reqs" ? "counter" : typeOf(m),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/invalid threshold/);
    expect(problems[0]).toMatch(reason);
  });
});

describe("§5.4 metric names (TestParseMetricName)", () => {
  it.each([
    ["test_metric", "test_metric", []],
    ["test_metric{abc:123}", "test_metric", ["abc:123"]],
    ["test_metric{abc:123,easyas:doremi}", "test_metric", ["abc:123", "easyas:doremi"]],
    ["test_metric{abc:123, easyas:doremi}", "test_metric", ["abc:123", "easyas:doremi"]],
    ["test_metric{group:::mygroup}", "test_metric", ["group:::mygroup"]],
    ["http_req_duration{name:http://${}.com}", "http_req_duration", ["name:http://${}.com"]],
    [
      "http_req_duration{name:http://${}.com,url:ssh://github.com:grafana/k6}",
      "http_req_duration",
      ["name:http://${}.com", "url:ssh://github.com:grafana/k6"],
    ],
    ["m{a: }", "m", ["a:"]],
    ['m{a:""}', "m", ['a:""']],
    ["m{a:''}", "m", ["a:''"]],
    ['checks{check:"status is 200"}', "checks", ['check:"status is 200"']],
    ["m{a:{b:c}}", "m", ["a:{b:c}"]],
    ["m{a:1}{b:2}", "m", ["a:1}{b:2"]],
    ["m{{a:1}}", "m", ["{a:1}"]],
  ])("%s is metric %s with tags %j", (key, metric, tags) =>
    expect(parseK6MetricName(key)).toEqual({ ok: true, value: { metric, tags } }),
  );

  it.each([
    ["test_metric{easyas}", /tag expression "easyas" is malformed/],
    ["test_metric{easyas:}", /tag expression "easyas:" is malformed/],
    ["test_metric{abc:123,easyas:}", /is malformed/],
    ["test_metric{abc:123,easyas:doremi", /unmatched opening\/close curly brace/],
    ["test_metricabc:123,easyas:doremi}", /unmatched opening\/close curly brace/],
    ["test_metric}abc:123,easyas:doremi}", /unmatched/],
    ["test_metric}abc{bar", /closing curly brace appears before opening one/],
    ["test_metric{foo:ba}r", /lacks a closing curly brace in its last position/],
    ["m{}", /tag expression "" is malformed/],
    ["m{ }", /is malformed/],
    ["m{a:1,}", /is malformed/],
    ["m{,a:1}", /is malformed/],
    ['m{name:"a,b"}', /is malformed/],
  ])("%s is refused (exit 104): %s", (key, reason) => {
    const r = parseK6MetricName(key);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(reason);
    expect(validateThresholds({ [key]: ["count<1"] }, () => "counter")[0]).toMatch(
      /^unable to validate threshold expressions; reason: metric/,
    );
  });

  it("a metric name is not trimmed: `m {a:1}` names the metric `m `, which is unknown", () => {
    expect(
      validateThresholds({ "m {a:1}": ["count<1"] }, (m) => (m === "m" ? "counter" : undefined)),
    ).toEqual(['invalid threshold defined on m {a:1}; reason: no metric name "m {a:1}" found']);
  });
});

describe("§5.5 sub-metric tags (TestAddSubmetric, engine side)", () => {
  const tags = (keyValues: string) => Object.fromEntries(submetricFilter(`m{${keyValues}}`)!.tags);
  it.each([
    ["a", { a: "" }],
    ["a:1", { a: "1" }],
    [" a : 1 ", { a: "1" }],
    ["a,b", { a: "", b: "" }],
    [` a:"",b: ''`, { a: "", b: "" }],
    ["a:1,b:2", { a: "1", b: "2" }],
    [" a : 1, b : 2 ", { a: "1", b: "2" }],
    [`a : '1' , b : "2"`, { a: "1", b: "2" }],
    [`" a" : ' 1' , b : "2 " `, { " a": " 1", b: "2 " }],
    [`a:'1"`, { a: "1" }],
    [`a:"'x'"`, { a: "x" }],
    ["a:1,a:2", { a: "2" }],
    ["group:::mygroup", { group: "::mygroup" }],
  ])("{%s} filters on %j", (keyValues, expected) => expect(tags(keyValues)).toEqual(expected));

  it.each([
    ["metric1{test:a", "missing ending bracket, sub-metric format needs to be 'metric{key:value}'"],
    ["metric1{}", "submetric criteria for metric 'metric1' cannot be empty"],
    ["metric1{  }", "submetric criteria for metric 'metric1' cannot be empty"],
  ])("%s: %s", (name, message) => expect(() => submetricFilter(name)).toThrow(message));

  it("a plain name has no filter", () => expect(submetricFilter("metric2")).toBeNull());

  it("quoted tag values match unquoted sample tags: my_trend{k:'x'} is judged, not vacuous", () => {
    const lines = [
      metricLine("my_trend", "trend"),
      pointLine("my_trend", 10, { k: "x" }),
      pointLine("my_trend", 900, { k: "x" }),
      pointLine("my_trend", 1, { k: "y" }),
    ];
    const metrics = aggregate(lines, ["my_trend{k:'x'}"], [95]);
    expect(metrics["my_trend{k:'x'}"]?.samples).toBe(2);
    expect(evaluateThreshold("my_trend{k:'x'}", "p(95)<100", metrics)).toMatchObject({
      ok: false,
      observed: expect.closeTo(855.5, 9),
    });
  });

  it('a sample matches when its tags contain the filter\'s; {a:""} wants an empty a, not a missing one', () => {
    const lines = [
      metricLine("c", "counter"),
      pointLine("c", 1, { a: "", b: "1" }),
      pointLine("c", 2, { b: "1" }),
      pointLine("c", 4, { a: "1", b: "1", extra: "z" }),
    ];
    const metrics = aggregate(lines, ['c{a:""}', "c{a:1,b:1}"]);
    expect(metrics['c{a:""}']?.values.count).toBe(1);
    expect(metrics["c{a:1,b:1}"]?.values.count).toBe(4);
  });
});

describe("§5.6 evaluation (thresholds_test.go, engine_test.go)", () => {
  it.each([
    [{ rate: 1 }, "rate>0.01", true],
    [{ rate: 0.01 }, "rate>=0.01", true],
    [{ rate: 0.01 }, "rate<=0.01", true],
    [{ rate: 0.01 }, "rate==0.01", true],
    [{ rate: 0.01 }, "rate===0.01", true],
    [{ rate: 0.00001 }, "rate<0.01", true],
    [{ rate: 0.00001 }, "rate>0.01", false],
    [{ rate: 0.02 }, "rate!=0.01", true],
    [{ med: 27.2 }, "rate>0.01", true], // no rate in the sink: not judged
    [{ count: 1234.5 }, "count<2000", true], // a counter at duration 0 has no rate
    [{ count: 1234.5 }, "rate<100", true],
    [{ count: 3000 }, "count<2000", false],
    [{ count: 0 }, "p(95)<2000", true],
    [{ rate: 0.0001, "p(95)": 500 }, "rate<0.01", true],
    [{ rate: 0.0001, "p(95)": 500 }, "p(95)<200", false],
  ])("sink %j, %s: passes %s", (values, expression, ok) =>
    expect(judgeOnValues(expression, values)).toMatchObject({ ok }),
  );

  it("an injected operator is an error", () =>
    expect(judgeOnValues("rate&0.1", { rate: 1 })).toMatchObject({
      ok: false,
      error: expect.any(String),
    }));

  const counter = (n: number | null): Record<string, K6MetricSummary> =>
    n === null ? {} : { m1: { type: "counter", values: { count: n, rate: n / 4 }, samples: 1 } };
  const typeOf = (name: string): K6MetricType | undefined =>
    name === "m1" ? "counter" : undefined;
  it("Counter m1 = 6: count>5 holds, count<5 is breached", () => {
    expect(evaluateThreshold("m1", "count>5", counter(6), typeOf).ok).toBe(true);
    expect(evaluateThreshold("m1", "count<5", counter(6), typeOf).ok).toBe(false);
  });

  it("an empty Counter is judged at the end on 0: count>5 is breached", () => {
    expect(evaluateThreshold("m1", "count>5", counter(null), typeOf)).toMatchObject({
      ok: false,
      observed: 0,
      samples: 0,
    });
  });

  it("empty sinks, as k6's final evaluation judges them", () => {
    // A Trend: every aggregate 0 (med<39 passes, med>39 fails); a Gauge 0; a Rate unjudged.
    const known = (name: string): K6MetricType | undefined =>
      ({ t: "trend", g: "gauge", r: "rate" })[name] as K6MetricType | undefined;
    expect(evaluateThreshold("t", "med<39", {}, known).ok).toBe(true);
    expect(evaluateThreshold("t", "med>39", {}, known).ok).toBe(false);
    expect(evaluateThreshold("t", "p(95)<500", {}, known).ok).toBe(true);
    expect(evaluateThreshold("t", "avg>100", {}, known).ok).toBe(false);
    expect(evaluateThreshold("g", "value>0", {}, known).ok).toBe(false);
    expect(evaluateThreshold("r", "rate>0.9", {}, known)).toMatchObject({
      ok: true,
      observed: null,
    });
    expect(renderThresholdResult(evaluateThreshold("r", "rate>0.9", {}, known))).toBe(
      "r rate>0.9: passed (no rate: k6 does not judge it)",
    );
  });

  it("a Rate metric with no samples passes rate>0.9 (k6 #2520), also read from lines", () => {
    const metrics = aggregate([metricLine("rate", "rate")], ["rate{type:read}"]);
    expect(evaluateThreshold("rate{type:read}", "rate>0.9", metrics)).toMatchObject({
      verdict: "passed",
      observed: null,
    });
  });

  it("TrendSink 70, 80, 90: med>39 passes, med<39 fails", () => {
    const metrics = aggregate(
      [metricLine("t", "trend"), ...[70, 80, 90].map((v) => pointLine("t", v))],
      ["t"],
    );
    expect(evaluateThreshold("t", "med>39", metrics).ok).toBe(true);
    expect(evaluateThreshold("t", "med<39", metrics).ok).toBe(false);
  });

  it("a sub-metric with no samples keeps its parent's type: count<0 on a trend's is refused", () => {
    const metrics = aggregate(
      [metricLine("my_trend", "trend"), pointLine("my_trend", 5, { k: "y" })],
      ["my_trend{k:x}"],
    );
    expect(metrics["my_trend{k:x}"]).toMatchObject({ type: "trend", samples: 0 });
    expect(evaluateThreshold("my_trend{k:x}", "count<0", metrics)).toMatchObject({
      verdict: "invalid",
      error: expect.stringMatching(/unsupported aggregation method count on metric of type trend/),
    });
    // And judged on the empty trend's zeros where the aggregation is a trend's.
    expect(evaluateThreshold("my_trend{k:x}", "avg>0", metrics)).toMatchObject({
      ok: false,
      observed: 0,
    });
  });

  it("JSON forms of thresholds (TestThresholdsJSON)", () => {
    expect(parseThresholdsOption({ m: ["rate<0.01"] })).toEqual({
      ok: true,
      value: { m: ["rate<0.01"] },
    });
    expect(parseThresholdsOption({ m: [{ threshold: "rate<0.01" }] })).toEqual({
      ok: true,
      value: { m: [{ threshold: "rate<0.01" }] },
    });
    expect(
      parseThresholdsOption({
        m: [{ threshold: "rate<0.01", abortOnFail: true, delayAbortEval: null }, "p(95)<200"],
      }),
    ).toMatchObject({ ok: true });
    expect(
      parseThresholdsOption({ m: [{ threshold: "rate<0.01", delayAbortEval: "2s" }] }),
    ).toMatchObject({ ok: true });
    expect(parseThresholdsOption({ m: 42 })).toMatchObject({ ok: false });
    expect(parseThresholdsOption(42)).toMatchObject({ ok: false });
  });
});

describe("§5.7 the CLI scripts' thresholds (run_test.go, testdata/thresholds/)", () => {
  const known = (name: string): K6MetricType | undefined =>
    ({ one: "counter", rate: "rate" })[name] as K6MetricType | undefined;
  it.each([
    ["non_existing_metric.js", { "non existing": ["rate>0"] }, /invalid threshold/],
    ["malformed_expression.js", { http_reqs: ["foo&0"] }, /malformed threshold expression/],
    ["unsupported_aggregation_method.js", { http_reqs: ["value>0"] }, /invalid threshold/],
  ])("%s: refused, exit 104 (%s)", (_script, thresholds, reason) => {
    const problems = validateThresholds(thresholds, known);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(reason);
  });

  it.each([
    ["thresholds_on_submetric_without_samples.js", { "one{tag:xyz}": [] }],
    ["name_contains_tokens.js", { "http_req_duration{name:http://${}.com}": ["max < 1000"] }],
    ["empty_sink_no_nan.js", { "rate{type:read}": [{ threshold: "rate>0.9", abortOnFail: true }] }],
  ])("%s: valid, exit 0", (_script, thresholds) => {
    expect(validateThresholds(thresholds, known)).toEqual([]);
    const results = evaluateThresholds(thresholds, {}, known);
    expect(results.every((r) => r.ok)).toBe(true);
  });
});

describe("judging the thresholds of a hand-made run", () => {
  const metrics = handMade();

  it("reads every metric type's aggregate", () => {
    expect(evaluateThreshold("http_req_duration", "p(95)<4", metrics)).toMatchObject({
      ok: true,
      aggregation: "p(95)",
      observed: expect.closeTo(3.85, 12),
      contains: "time",
    });
    expect(evaluateThreshold("http_req_failed", "rate<0.3", metrics)).toMatchObject({
      ok: true,
      observed: 0.25,
    });
    expect(evaluateThreshold("http_reqs", "count==8", metrics).ok).toBe(true);
    expect(evaluateThreshold("http_reqs", "rate<2.5", metrics)).toMatchObject({
      ok: true,
      observed: 2,
    });
    expect(evaluateThreshold("vus", "value==2", metrics).ok).toBe(true);
    // name:a got 1 and 3: p(95) at 0.95 → 1 + 0.95·2 = 2.9.
    expect(evaluateThreshold("http_req_duration{name:a}", "p(95)<2.95", metrics)).toMatchObject({
      ok: true,
      observed: expect.closeTo(2.9, 12),
    });
  });

  it("says when a percentile was not computed instead of guessing", () => {
    expect(evaluateThreshold("http_req_duration", "p(50)<9", handMade([95]))).toMatchObject({
      verdict: "invalid",
      error: expect.stringMatching(/p\(50\) .* not computed/),
    });
  });

  it("renders a failure with its observed value and unit, six significant digits", () => {
    expect(
      renderThresholdResult(evaluateThreshold("http_req_duration", "p(99.9)<3.99", metrics)),
    ).toBe("http_req_duration p(99.9)<3.99: FAILED (3.997 ms)");
    expect(
      renderThresholdResult(
        evaluateThreshold(
          "http_req_duration{name:c}",
          "p(95)<1",
          handMade([95], ["http_req_duration{name:c}"]),
        ),
      ),
    ).toBe("http_req_duration{name:c} p(95)<1: passed (0 ms, no samples: judged on 0, as k6 does)");
  });

  it("says when a sub-metric was not filtered out of its parent's points instead of judging it empty", () => {
    // name:c was not asked for: its parent has 4 samples, so "no aggregates" is not "empty".
    expect(evaluateThreshold("http_req_duration{name:c}", "p(95)<1", handMade())).toMatchObject({
      verdict: "invalid",
      error: expect.stringMatching(/not computed from the points of http_req_duration/),
    });
  });
});

describe("invariants on random samples", () => {
  it("p(100) is max, p(0) is min, p(50) is med; every verdict is the comparison of the observed value", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        (values, limit) => {
          const m = aggregate(
            [metricLine("t", "trend"), ...values.map((v) => pointLine("t", v))],
            ["t"],
            [0, 50, 100],
          );
          const observed = (e: string) => {
            const r = evaluateThreshold("t", e, m);
            if (r.verdict === "invalid" || r.observed === null) throw new Error("not judged");
            expect(r.ok).toBe(r.observed < limit);
            return r.observed;
          };
          expect(observed(`p(100)<${limit}`)).toBe(observed(`max<${limit}`));
          expect(observed(`p(0)<${limit}`)).toBe(observed(`min<${limit}`));
          expect(observed(`p<${limit}`)).toBe(observed(`min<${limit}`));
          expect(observed(`p(50)<${limit}`)).toBe(observed(`med<${limit}`));
          expect(observed(`max<${limit}`)).toBe(Math.max(...values));
        },
      ),
    );
  });
});

describe("evaluateThresholds and thresholdNeeds on a plan and a real k6 run", () => {
  const text = readFileSync(
    fileURLToPath(
      new URL("../../../../shared/data/k6/out-json.xk6-dashboard-result.ndjson", import.meta.url),
    ),
    "utf8",
  );

  it("lists the metrics and percentiles a plan's thresholds need", () => {
    const plan = {
      ...defaultPlan("smoke"),
      slo: { latencyP95Ms: 300, latencyP99Ms: 900, errorRatePercent: 1 },
    };
    expect(thresholdNeeds(thresholdsFor(plan))).toEqual({
      metrics: [
        "http_req_duration",
        "http_req_failed",
        "dropped_iterations",
        "http_req_duration{endpoint:root}",
        "http_req_failed{endpoint:root}",
      ],
      percentiles: [95, 99],
    });
    expect(
      thresholdNeeds({ a: ["p(99.9)<1", { threshold: "p(90)<2", abortOnFail: true }], b: ["x"] }),
    ).toEqual({ metrics: ["a", "b"], percentiles: [90, 99.9] });
  });

  it("judges every threshold in declaration order, reading `{threshold}` objects too", () => {
    const metrics = aggregate(
      text.trim().split("\n"),
      ["http_req_duration{status:200}"],
      [95, 99.9],
    );
    const durations200 = text
      .split("\n")
      .filter((l) => l.includes('"metric":"http_req_duration","type":"Point"'))
      .map((l) => JSON.parse(l).data as { value: number; tags: { status: string } })
      .filter((d) => d.tags.status === "200")
      .map((d) => d.value);
    expect(durations200).toHaveLength(161);
    const max200 = Math.max(...durations200);
    const results = evaluateThresholds(
      {
        http_req_duration: [{ threshold: "p(95)<200", abortOnFail: true }, "p(99.9)<100"],
        "http_req_duration{status:200}": [`max<=${max200}`, `max<${max200}`],
        http_req_failed: ["rate==0"],
        http_reqs: ["count==322"],
      },
      metrics,
    );
    expect(results.map((r) => [r.metric, r.expression, r.ok])).toEqual([
      ["http_req_duration", "p(95)<200", true],
      ["http_req_duration", "p(99.9)<100", false],
      ["http_req_duration{status:200}", `max<=${max200}`, true],
      ["http_req_duration{status:200}", `max<${max200}`, false],
      ["http_req_failed", "rate==0", true],
      ["http_reqs", "count==322", true],
    ]);
  });
});
