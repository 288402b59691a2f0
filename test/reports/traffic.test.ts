/**
 * A trace bundle's traffic (reports/run-data.ts trafficFromSeries), its key figures
 * (run-markdown.ts trafficFactRows) and its chart buckets (run-charts.ts bucketTraffic).
 */
import { describe, expect, it } from "vitest";
import { bucketTraffic, trafficCharts } from "../../reports/run-charts.js";
import { trafficFromSeries, type NamedSeries } from "../../reports/run-data.js";
import { trafficFactRows } from "../../reports/run-markdown.js";

const t0 = Date.UTC(2026, 0, 5, 0, 0);
const at = (i: number) => t0 + i * 60_000;
const series = (
  id: string,
  metricName: string,
  values: readonly number[],
  stat = "Sum",
  periodSeconds = 60,
): NamedSeries => ({
  id,
  metricName,
  stat,
  periodSeconds,
  points: values.map((value, i) => ({ timeMs: at(i), value })),
});

describe("trafficFromSeries", () => {
  it("takes requests, sums the 5xx series of the same step, and reads TargetResponseTime in ms", () => {
    const t = trafficFromSeries(
      [
        series("elb-5xx", "HTTPCode_ELB_5XX_Count", [1, 0, 2]),
        series("target-5xx", "HTTPCode_Target_5XX_Count", [0, 3, 1]),
        series("requests", "RequestCount", [100, 200, 50]),
        series("target-response-time-p95", "TargetResponseTime", [0.2, 0.4, 0.1], "p95"),
        series("target-response-time-average", "TargetResponseTime", [0.1, 0.2, 0.05], "Average"),
        // Another step: not paired with the requests.
        series("x", "HTTPCode_Target_5XX_Count", [99], "Sum", 300),
      ],
      "requests",
    );
    expect(t.stepSeconds).toBe(60);
    expect(t.steps.map((s) => [s.requests, s.http5xx, s.p95Ms, s.avgMs])).toEqual([
      [100, 1, 200, 100],
      [200, 3, 400, 200],
      [50, 3, 100, 50],
    ]);
    expect(t.from.http5xx).toEqual([
      "elb-5xx (HTTPCode_ELB_5XX_Count)",
      "target-5xx (HTTPCode_Target_5XX_Count)",
    ]);
    const rows = Object.fromEntries(trafficFactRows(t));
    expect(rows.Requests).toBe(
      "350 over 3 min (3 steps of 60 s): 1.94/s on average; busiest step 200 at 2026-01-05 00:01Z",
    );
    expect(rows["5xx responses"]).toBe("7 (2.000 % of requests)");
    expect(rows["Response time p95 per step"]).toBe(
      "median 200.0 ms, worst 400.0 ms at 2026-01-05 00:01Z",
    );
    // (100·100 + 200·200 + 50·50) / 350
    expect(rows["Response time, average"]).toBe("150.0 ms (weighted by requests)");
  });

  it("falls back to RequestCount, and says so when the bundle counts no requests at all", () => {
    const t = trafficFromSeries([series("rc", "RequestCount", [5, 6])], "requests");
    expect(t.steps.map((s) => s.requests)).toEqual([5, 6]);
    expect(t.steps[0]!.http5xx).toBeNull();
    expect(Object.fromEntries(trafficFactRows(t))["5xx responses"]).toBe(
      "— (the bundle has no 5xx series)",
    );
    const none = trafficFromSeries([series("cpu", "CPUUtilization", [50], "Average")], "requests");
    expect(none.from.requests).toBeNull();
    expect(trafficFactRows(none)).toEqual([
      ["Requests", "none counted: the bundle has no requests or RequestCount series"],
    ]);
    expect(trafficCharts(none)).toEqual([]);
  });
});

describe("bucketTraffic", () => {
  it("sums counts, keeps the worst p95 and weights the average by requests", () => {
    const steps = [
      { timeMs: at(0), requests: 10, http5xx: 1, p95Ms: 5, avgMs: 2 },
      { timeMs: at(1), requests: 30, http5xx: null, p95Ms: 9, avgMs: 4 },
      { timeMs: at(2), requests: 0, http5xx: 0, p95Ms: null, avgMs: null },
    ];
    expect(bucketTraffic(steps, 2)).toEqual([
      { timeMs: at(0), requests: 40, http5xx: 1, p95Ms: 9, avgMs: 3.5 },
      { timeMs: at(2), requests: 0, http5xx: 0, p95Ms: null, avgMs: null },
    ]);
    expect(bucketTraffic(steps, 1)).toEqual(steps);
  });
});
