/**
 * k6's end-of-test summaries read into one shape, held case by case to k6's machine-readable
 * writer (grafana/k6 8788307 `internal/lib/summary/machine_readable.go`) and to schema 1.0.0
 * (grafana/k6-summary `schemas/summary/1.0.0`, `schemas/metric/1.0.0`); and the one rule for
 * what a summary cannot give. The machine-readable fixtures are ours
 * (test/fixtures/k6-machine-readable.ts); the older shapes are read from ../shared/data/k6.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MACHINE_READABLE_TREND_STATS,
  parseK6Summary,
  summaryMetricType,
  summaryUnmeasured,
  summaryCounterSeconds,
} from "../../analysis/k6-summary.js";
import { k6Written, MR_RUN, schemaSpelled, withPassed } from "../fixtures/k6-machine-readable.js";

const DATA = join(import.meta.dirname, "../../../shared/data/k6");
const readData = (name: string): unknown => JSON.parse(readFileSync(join(DATA, name), "utf8"));

/** The machine-readable summary with its `results.metrics` entries replaced. */
function withMetrics(metrics: unknown[], extra: Record<string, unknown> = {}): unknown {
  const s = k6Written();
  return { ...s, ...extra, results: { metrics } };
}

describe("the machine-readable summary (schema 1.0.0)", () => {
  it("reads as k6 writes it and as the schema spells it, to the same figures", () => {
    const written = parseK6Summary(k6Written());
    const spelled = parseK6Summary(schemaSpelled());
    expect(written.kind).toBe("machine-readable");
    expect(written).toEqual(spelled);
    expect(written.k6Version).toBe("2.2.0");
    expect(written.metrics.http_req_duration).toEqual(MR_RUN.trend);
    expect(written.contains.http_req_duration).toBe("time");
    expect(written.contains.data_received).toBe("data");
    expect(written.metrics.vus).toEqual({ value: 1, min: 1, max: 5 });
  });

  it("takes config.duration in seconds (the writer's TestRunDuration.Seconds())", () => {
    expect(parseK6Summary(k6Written()).durationMs).toBe(30_500);
    expect(parseK6Summary(withMetrics([], { config: { execution: "local" } })).durationMs).toBe(
      null,
    );
  });

  it("gives a counter, which has only count, k6's rate: count ÷ the run's seconds", () => {
    const s = parseK6Summary(k6Written());
    expect(s.metrics.http_reqs).toEqual({ count: 200, rate: 200 / 30.5 });
    const instant = parseK6Summary(
      withMetrics(
        [{ name: "http_reqs", type: "counter", contains: "default", values: { count: 3 } }],
        {
          config: { duration: 0, execution: "local" },
        },
      ),
    );
    expect(instant.metrics.http_reqs).toEqual({ count: 3 });
  });

  it("reads a rate's matches and total as passes and fails (http_req_failed: matches = failed)", () => {
    const s = parseK6Summary(k6Written());
    expect(s.metrics.http_req_failed).toEqual({ passes: 10, fails: 190, rate: 0.05 });
    const noRate = parseK6Summary(
      withMetrics([
        { name: "r", type: "rate", contains: "default", values: { matches: 1, total: 4 } },
      ]),
    );
    expect(noRate.metrics.r).toEqual({ passes: 1, fails: 3, rate: 0.25 });
  });

  it("keeps a trend's stats as given: a stat written null is absent, p(99) never there", () => {
    const s = parseK6Summary(
      k6Written({ ...MR_RUN, trend: { ...MR_RUN.trend, avg: null, "p(95)": null } }),
    );
    expect(s.metrics.http_req_duration).toEqual({ max: 300, med: 35, min: 5, "p(90)": 80 });
    expect(Object.keys(parseK6Summary(k6Written()).metrics.http_req_duration!).sort()).toEqual(
      [...MACHINE_READABLE_TREND_STATS].sort(),
    );
  });

  it("takes k6's `checks` from checks_succeeded, else sums the per-check results", () => {
    const s = parseK6Summary(k6Written());
    expect(s.metrics.checks).toEqual({ passes: 190, fails: 10, rate: 0.95 });
    expect(s.metrics.checks_failed).toEqual({ passes: 10, fails: 190, rate: 0.05 });
    expect(s.metrics.checks_total).toEqual({ count: 200, rate: 200 / 30.5 });
    const written = k6Written() as { results: { checks: { metrics?: unknown } } };
    delete written.results.checks.metrics;
    expect(parseK6Summary(written).metrics.checks).toEqual({ passes: 190, fails: 10, rate: 0.95 });
    expect(parseK6Summary(withMetrics([])).metrics.checks).toBeUndefined();
  });

  it("keeps a sub-metric (never written by k6 here) apart from its parent", () => {
    const s = parseK6Summary(
      withMetrics([
        { name: "http_req_duration", type: "trend", contains: "time", values: { p95: 100 } },
        {
          name: "http_req_duration{expected_response:true}",
          type: "trend",
          contains: "time",
          values: { p95: 80 },
        },
      ]),
    );
    expect(s.metrics.http_req_duration).toEqual({ "p(95)": 100 });
    expect(s.metrics["http_req_duration{expected_response:true}"]).toEqual({ "p(95)": 80 });
  });

  it("reads the later revision of schema 1.0.0 too (passes/fails, a counter's rate, category, p(99))", () => {
    // grafana/k6-summary `schemas/metric/1.0.0/schema.json` as later revised (0ead455): k6
    // 8788307 does not write it, but a file that follows it is read for what it says.
    const s = parseK6Summary(
      withMetrics([
        {
          name: "http_reqs",
          type: "counter",
          contains: "default",
          category: "http",
          values: { count: 1500, rate: 24.79 },
        },
        {
          name: "http_req_failed",
          type: "rate",
          contains: "default",
          category: "http",
          values: { rate: 0.02, passes: 30, fails: 1470 },
        },
        {
          name: "http_req_duration",
          type: "trend",
          contains: "time",
          category: "http",
          values: { avg: 245, med: 234, "p(95)": 421, "p(99)": 445, count: 1500 },
        },
      ]),
    );
    expect(s.metrics.http_reqs).toEqual({ count: 1500, rate: 24.79 });
    expect(s.metrics.http_req_failed).toEqual({ rate: 0.02, passes: 30, fails: 1470 });
    expect(s.metrics.http_req_duration!["p(99)"]).toBe(445);
    expect(summaryUnmeasured(s).p99).toBeUndefined();
  });

  it("reads results.passed, k6's verdict on the test, where the file has it (schema 1.0.0 as revised)", () => {
    expect(parseK6Summary(withPassed(k6Written(), true)).passed).toBe(true);
    expect(parseK6Summary(withPassed(schemaSpelled(), false)).passed).toBe(false);
    // k6 up to v2.2 writes none; anything but a boolean is not a verdict.
    expect(parseK6Summary(k6Written()).passed).toBe(null);
    expect(parseK6Summary(withPassed(k6Written(), "false")).passed).toBe(null);
    // The older shapes hold no verdict on the whole test.
    expect(parseK6Summary(readData("handleSummary-data.k6-reporter-simple.json")).passed).toBe(
      null,
    );
  });

  it("carries each metric's type as written, checks_succeeded's as checks", () => {
    const s = parseK6Summary(k6Written());
    expect(s.types).toEqual({
      http_reqs: "counter",
      http_req_failed: "rate",
      http_req_duration: "trend",
      data_received: "counter",
      vus: "gauge",
      checks_total: "counter",
      checks_failed: "rate",
      checks_succeeded: "rate",
      checks: "rate",
    });
  });

  it("refuses a schema major version it does not read", () => {
    expect(() => parseK6Summary({ ...k6Written(), version: "2.0.0" })).toThrow(
      /schema version "2\.0\.0": caplab reads version 1\.x/,
    );
    expect(() => parseK6Summary({ ...k6Written(), version: "v1" })).toThrow(/caplab reads/);
  });

  it("reads the same whatever the order of its keys and the spelling of p(N) (fast-check)", () => {
    const stat = fc.constantFrom(...MACHINE_READABLE_TREND_STATS);
    fc.assert(
      fc.property(
        fc.dictionary(stat, fc.double({ min: 0, max: 1e6, noNaN: true })),
        fc.boolean(),
        fc.integer(),
        (trend, k6Spelling, seed) => {
          const entries = Object.entries(trend).map(([k, v]) => [
            k6Spelling ? k.replace(/^p\((\d+)\)$/, "p$1") : k,
            v,
          ]);
          // A deterministic shuffle of the keys.
          const shuffled = entries
            .map((e, i) => ({ e, key: (i * 7919 + seed) % 101 }))
            .sort((a, b) => a.key - b.key)
            .map((x) => x.e);
          const s = parseK6Summary(
            withMetrics([
              { values: Object.fromEntries(shuffled), type: "trend", name: "t", contains: "time" },
            ]),
          );
          expect(s.metrics.t).toEqual(trend);
        },
      ),
    );
  });
});

describe("the older shapes", () => {
  it("keep their kind, and handleSummary data keeps each metric's contains", () => {
    const h = parseK6Summary(readData("handleSummary-data.k6-reporter-simple.json"));
    expect(h.kind).toBe("handle-summary");
    expect(h.contains.http_req_duration).toBe("time");
    expect(h.k6Version).toBe(null);
    const s = parseK6Summary(readData("summary-export.k6-html-reporter-perf.json"));
    expect(s.kind).toBe("summary-export");
    expect(s.contains).toEqual({});
  });
});

describe("each metric's k6 type, carried where the summary is parsed", () => {
  it("handleSummary data: its `type`", () => {
    const h = parseK6Summary(readData("handleSummary-data.k6-reporter-grpc.json"));
    expect(h.types.fake_rate).toBe("rate");
    expect(h.types.grpc_req_duration).toBe("trend");
    expect(h.types.vus).toBe("gauge");
  });

  it("--summary-export, which k6 writes without `type`: told from the values' keys", () => {
    // k6's own test fixture: a custom trend with `count` among its stats, a Rate renamed.
    const legacy = parseK6Summary(readData("summary-export-legacy.k6-test-fixture.json"));
    expect(legacy.types).toMatchObject({
      checks: "rate",
      http_reqs: "counter",
      my_trend: "trend",
      vus: "gauge",
    });
    // The same run as handleSummary data: the same types as its `type` says.
    const data = parseK6Summary(readData("handlesummary-data-legacy.k6-test-fixture.json"));
    for (const [name, type] of Object.entries(legacy.types)) expect(data.types[name]).toBe(type);
    const perf = parseK6Summary(readData("summary-export.k6-html-reporter-perf.json"));
    expect(perf.types.http_req_duration).toBe("trend");
    expect(perf.types.iterations).toBe("counter");
  });

  it("summaryMetricType: each sink's Format keys, nothing for keys no sink writes", () => {
    expect(summaryMetricType({ count: 3, rate: 0.5 })).toBe("counter");
    expect(summaryMetricType({ passes: 9, fails: 1, value: 0.9 })).toBe("rate");
    expect(summaryMetricType({ passes: 9, fails: 1, rate: 0.9 })).toBe("rate");
    expect(summaryMetricType({ value: 1, min: 1, max: 5 })).toBe("gauge");
    expect(summaryMetricType({ avg: 1, "p(99.9)": 5, count: 3 })).toBe("trend");
    expect(summaryMetricType({ count: 3 })).toBe("trend");
    expect(summaryMetricType({})).toBeUndefined();
    expect(summaryMetricType({ foo: 1 })).toBeUndefined();
  });
});

describe("summaryUnmeasured: what a summary cannot give, decided once", () => {
  it("never 5xx nor per-second latencies; in the machine-readable shape, no p(99) and no thresholds", () => {
    const u = summaryUnmeasured(parseK6Summary(k6Written()));
    expect(Object.keys(u).sort()).toEqual(["5xx", "p99", "seconds", "thresholds"]);
    expect(u.p99).toMatch(/machine-readable summary has no p\(99\).*k6 issue #5736/);
    expect(u.thresholds).toMatch(/holds no thresholds.*exit code, 99/);
    // With k6's verdict on the test, the single thresholds are still not there: it says so.
    expect(summaryUnmeasured(parseK6Summary(withPassed(k6Written(), false))).thresholds).toMatch(
      /holds no single thresholds \(k6 issue #4872\), only k6's verdict on the whole test, results\.passed: false$/,
    );
  });

  it("a stat left out of summaryTrendStats says to add it, in every shape", () => {
    const mr = summaryUnmeasured(
      parseK6Summary(k6Written({ ...MR_RUN, trend: { ...MR_RUN.trend, "p(95)": null } })),
    );
    expect(mr.p95).toMatch(/add "p\(95\)" to k6's summaryTrendStats/);
    const legacy = summaryUnmeasured(
      parseK6Summary(readData("summary-export.k6-html-reporter-perf.json")),
    );
    expect(legacy.p99).toMatch(/add "p\(99\)" to k6's summaryTrendStats/);
    expect(legacy.failed).toMatch(/no http_req_failed, which k6 v0\.31 and later write/);
    expect(legacy.thresholds).toBeUndefined();
    expect(legacy.p95).toBeUndefined();
  });

  it("without http_req_duration, every latency figure is missing for that one reason", () => {
    const u = summaryUnmeasured({ kind: "handle-summary", metrics: { http_reqs: { count: 1 } } });
    for (const f of ["avg", "p50", "p90", "p95", "p99", "max"] as const)
      expect(u[f]).toBe("k6's end-of-test summary has no http_req_duration");
  });

  it("a test without HTTP requests (gRPC): every HTTP figure missing for that one reason", () => {
    const u = summaryUnmeasured(
      parseK6Summary(readData("handleSummary-data.k6-reporter-grpc.json")),
    );
    for (const f of ["avg", "p50", "p90", "p95", "p99", "max", "failed", "5xx"] as const)
      expect(u[f]).toBe(
        "k6's end-of-test summary has no HTTP metrics (http_reqs, http_req_duration): the test made no HTTP requests",
      );
  });
});

describe("summaryCounterSeconds: the test's run time when the summary does not say it", () => {
  it("is http_reqs' count over its rate, as k6 computed the rate, and nothing without both", () => {
    expect(summaryCounterSeconds({ http_reqs: { count: 1200, rate: 20 } })).toBe(60);
    expect(summaryCounterSeconds({ http_reqs: { count: 1200 } })).toBeUndefined();
    expect(summaryCounterSeconds({ http_reqs: { count: 0, rate: 0 } })).toBeUndefined();
    expect(summaryCounterSeconds({ iterations: { count: 10, rate: 1 } })).toBeUndefined();
  });
});
