/** k6 threshold expressions: parsing as k6's thresholds_parser.go, judging on merged aggregates. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultPlan, thresholdsFor } from "../../../scenarios/plan/k6-plan.js";
import { MetricAccumulator, parseK6Line } from "../../../analysis/k6-results.js";
import {
  compareThreshold,
  evaluateThreshold,
  evaluateThresholds,
  parseThresholdExpression,
  renderThresholdResult,
  thresholdNeeds,
  THRESHOLD_OPERATORS,
} from "../../../scenarios/plan/k6-thresholds.js";

const point = (metric: string, value: number, tags: Record<string, string> = {}) =>
  ({ type: "Point", metric, time: "2026-11-29T12:00:00Z", value, tags }) as const;
const metric = (name: string, metricType: "counter" | "gauge" | "rate" | "trend") =>
  ({ type: "Metric", metric: name, metricType, contains: "default" }) as const;

/** A hand-made run: durations 1, 2, 3, 4 ms (two of them for /a), 1 failure in 4, 8 requests. */
function handMade(percentiles = [95, 99.9]) {
  const acc = new MetricAccumulator(["http_req_duration{name:a}"]);
  acc.add(metric("http_req_duration", "trend"));
  acc.add(metric("http_req_failed", "rate"));
  acc.add(metric("http_reqs", "counter"));
  acc.add(metric("vus", "gauge"));
  [1, 2, 3, 4].forEach((v, i) =>
    acc.add(point("http_req_duration", v, { name: i % 2 === 0 ? "a" : "b" })),
  );
  [1, 0, 0, 0].forEach((v) => acc.add(point("http_req_failed", v)));
  [3, 5].forEach((v) => acc.add(point("http_reqs", v)));
  [7, 2].forEach((v) => acc.add(point("vus", v)));
  return acc.summarize(4, percentiles);
}

describe("parseThresholdExpression", () => {
  it("reads aggregation, operator and value, with or without spaces", () => {
    expect(parseThresholdExpression("p(95)<500")).toEqual({
      ok: true,
      value: { aggregation: { kind: "percentile", percent: 95 }, operator: "<", value: 500 },
    });
    expect(parseThresholdExpression("p(99.9) <= 1000")).toEqual({
      ok: true,
      value: { aggregation: { kind: "percentile", percent: 99.9 }, operator: "<=", value: 1000 },
    });
    expect(parseThresholdExpression("rate<0.01")).toMatchObject({
      value: { aggregation: { kind: "rate" }, operator: "<", value: 0.01 },
    });
    expect(parseThresholdExpression("count > 0")).toMatchObject({
      value: { aggregation: { kind: "count" }, operator: ">", value: 0 },
    });
    for (const [text, kind, operator] of [
      ["avg>=1.5", "avg", ">="],
      ["med===3", "med", "==="],
      ["max==4", "max", "=="],
      ["min!=0", "min", "!="],
      ["value<1e3", "value", "<"],
    ] as const)
      expect(parseThresholdExpression(text)).toMatchObject({
        ok: true,
        value: { aggregation: { kind }, operator },
      });
  });

  it("refuses what k6 refuses (exit 104), saying what is wrong", () => {
    // The first two are cases of k6's own TestParseThresholdExpression.
    expect(parseThresholdExpression("count!20")).toMatchObject({
      ok: false,
      error: expect.stringMatching(/has no operator/),
    });
    expect(parseThresholdExpression("foo>20")).toMatchObject({
      error: expect.stringMatching(/aggregates with "foo"/),
    });
    expect(parseThresholdExpression("p(95)")).toMatchObject({ ok: false });
    expect(parseThresholdExpression("avg<fast")).toMatchObject({
      error: expect.stringMatching(/compares with "fast", not a number/),
    });
    for (const bad of ["p(101)<5", "p(-1)<5", "p(x)<5", "p()<5", "p( 95 )<5"])
      expect(parseThresholdExpression(bad)).toMatchObject({
        ok: false,
        error: expect.stringMatching(/from 0 to 100/),
      });
  });

  it("scans operators in k6's order: a longer token wins over the shorter one it contains", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...THRESHOLD_OPERATORS),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
        (operator, percent, value) => {
          const parsed = parseThresholdExpression(`p(${percent}) ${operator} ${value}`);
          expect(parsed).toEqual({
            ok: true,
            value: {
              aggregation: { kind: "percentile", percent },
              operator,
              value: value === 0 ? 0 : value,
            },
          });
        },
      ),
    );
  });
});

describe("compareThreshold", () => {
  it("each operator is the negation of its opposite; == and === alike", () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 }), (a, b) => {
        expect(compareThreshold(a, "<", b)).toBe(!compareThreshold(a, ">=", b));
        expect(compareThreshold(a, ">", b)).toBe(!compareThreshold(a, "<=", b));
        expect(compareThreshold(a, "==", b)).toBe(!compareThreshold(a, "!=", b));
        expect(compareThreshold(a, "==", b)).toBe(compareThreshold(a, "===", b));
      }),
    );
  });
});

describe("evaluateThreshold", () => {
  const metrics = handMade();

  it("judges each aggregation on hand-computed values", () => {
    const judge = (m: string, e: string) => evaluateThreshold(m, e, metrics[m]);
    // [1, 2, 3, 4]: p(95) at index 0.95·3 = 2.85 → 3 + 0.85 = 3.85 (numpy.percentile).
    expect(judge("http_req_duration", "p(95)<3.9")).toMatchObject({
      verdict: "passed",
      observed: expect.closeTo(3.85, 12),
    });
    expect(judge("http_req_duration", "p(95)<3.84")).toMatchObject({ verdict: "failed" });
    expect(judge("http_req_duration", "p(99.9)<=3.998")).toMatchObject({
      verdict: "passed",
      observed: expect.closeTo(3.997, 12),
    });
    expect(judge("http_req_duration", "avg==2.5")).toMatchObject({ ok: true, observed: 2.5 });
    expect(judge("http_req_duration", "med==2.5")).toMatchObject({ ok: true });
    expect(judge("http_req_duration", "min>=1")).toMatchObject({ ok: true, observed: 1 });
    expect(judge("http_req_duration", "max<4")).toMatchObject({ ok: false, observed: 4 });
    expect(judge("http_req_failed", "rate<0.25")).toMatchObject({ ok: false, observed: 0.25 });
    expect(judge("http_req_failed", "rate<=0.25")).toMatchObject({ ok: true });
    expect(judge("http_reqs", "count==8")).toMatchObject({ ok: true, observed: 8 });
    expect(judge("http_reqs", "rate==2")).toMatchObject({ ok: true, observed: 2 }); // 8 in 4 s
    expect(judge("vus", "value==2")).toMatchObject({ ok: true, observed: 2 }); // the last one
  });

  it("judges a sub-metric on its own Points only", () => {
    // name:a got 1 and 3: avg 2, p(95) at 0.95 → 1 + 0.95·2 = 2.9.
    expect(
      evaluateThreshold(
        "http_req_duration{name:a}",
        "p(95)<2.95",
        metrics["http_req_duration{name:a}"],
      ),
    ).toMatchObject({ ok: true, observed: expect.closeTo(2.9, 12), aggregation: "p(95)" });
  });

  it("judges a metric without Points on zeros, as k6 judges an empty sink, and says so", () => {
    expect(evaluateThreshold("dropped_iterations", "count<=0", undefined)).toMatchObject({
      verdict: "passed",
      observed: 0,
      hadSamples: false,
    });
    expect(evaluateThreshold("checks", "rate>0.99", undefined)).toMatchObject({
      verdict: "failed",
      observed: 0,
    });
    expect(
      renderThresholdResult(evaluateThreshold("http_req_duration{name:c}", "p(95)<1", undefined)),
    ).toBe(
      "http_req_duration{name:c} p(95)<1: passed, p(95) = 0 (no samples: judged on 0, as k6 does)",
    );
  });

  it("refuses an aggregation the metric's type does not have, as k6 does at start-up", () => {
    expect(evaluateThreshold("http_req_duration", "rate<0.1", metrics.http_req_duration)).toEqual({
      verdict: "invalid",
      metric: "http_req_duration",
      expression: "rate<0.1",
      ok: false,
      error:
        "http_req_duration is a trend metric: its thresholds aggregate with avg, min, med, max, p(N), not rate",
    });
    expect(evaluateThreshold("http_reqs", "p(95)<1", metrics.http_reqs)).toMatchObject({
      verdict: "invalid",
      error: expect.stringMatching(/counter metric: .* count, rate, not p\(95\)/),
    });
    // Known without a Point too: http_req_failed is a Rate.
    expect(evaluateThreshold("http_req_failed", "count<1", undefined)).toMatchObject({
      verdict: "invalid",
    });
    expect(evaluateThreshold("x", "nope", undefined)).toMatchObject({ verdict: "invalid" });
  });

  it("says when a percentile was not computed instead of guessing", () => {
    expect(
      evaluateThreshold("http_req_duration", "p(50)<9", handMade([95]).http_req_duration),
    ).toMatchObject({
      verdict: "invalid",
      error: expect.stringMatching(/p\(50\) .* not computed/),
    });
  });

  it("renders a failure with its observed value, six significant digits", () => {
    expect(
      renderThresholdResult(
        evaluateThreshold("http_req_duration", "p(99.9)<3.99", metrics.http_req_duration),
      ),
    ).toBe("http_req_duration p(99.9)<3.99: FAILED, p(99.9) = 3.997");
  });
});

describe("invariants on random samples", () => {
  it("p(100) is max, p(0) is min, p(50) is med; every verdict is the comparison of the observed value", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        (values, limit) => {
          const acc = new MetricAccumulator();
          acc.add(metric("t", "trend"));
          for (const v of values) acc.add(point("t", v));
          const m = acc.summarize(1, [0, 50, 100]).t;
          const observed = (e: string) => {
            const r = evaluateThreshold("t", e, m);
            if (r.verdict === "invalid") throw new Error(r.error);
            expect(r.ok).toBe(r.observed < limit);
            return r.observed;
          };
          expect(observed(`p(100)<${limit}`)).toBe(observed(`max<${limit}`));
          expect(observed(`p(0)<${limit}`)).toBe(observed(`min<${limit}`));
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

  it("lists the sub-metrics and percentiles a plan's thresholds need", () => {
    const plan = {
      ...defaultPlan("smoke"),
      slo: { latencyP95Ms: 300, latencyP99Ms: 900, errorRatePercent: 1 },
    };
    expect(thresholdNeeds(thresholdsFor(plan))).toEqual({
      subMetrics: ["http_req_duration{endpoint:root}", "http_req_failed{endpoint:root}"],
      percentiles: [95, 99],
    });
    expect(
      thresholdNeeds({ a: ["p(99.9)<1", { threshold: "p(90)<2", abortOnFail: true }], b: ["x"] }),
    ).toEqual({ subMetrics: [], percentiles: [90, 99.9] });
  });

  it("judges every threshold in declaration order, reading `{threshold}` objects too", () => {
    const needs = { subMetrics: ["http_req_duration{status:200}"], percentiles: [95, 99.9] };
    const acc = new MetricAccumulator(needs.subMetrics);
    for (const line of text.trim().split("\n")) {
      const parsed = parseK6Line(line);
      if (parsed !== null) acc.add(parsed);
    }
    const metrics = acc.summarize(undefined, needs.percentiles);
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
