/** MetricAccumulator: aggregates of raw k6 Points, also when merged files interleave in time. */
import { describe, expect, it } from "vitest";
import { MetricAccumulator, parseK6Line } from "../../src/analysis/k6-results.js";

const metric = (name: string, type: string) =>
  JSON.stringify({
    type: "Metric",
    metric: name,
    data: { name, type, contains: "default", thresholds: [], submetrics: null },
  });
const point = (name: string, time: string, value: number) =>
  JSON.stringify({ type: "Point", metric: name, data: { time, value, tags: {} } });

function add(acc: MetricAccumulator, ...lines: string[]): void {
  for (const text of lines) {
    const line = parseK6Line(text);
    if (line !== null) acc.add(line);
  }
}

describe("MetricAccumulator gauges", () => {
  it("takes a gauge's value from its latest Point by time, not the last one read", () => {
    const acc = new MetricAccumulator();
    // Segment 0's file, then segment 1's: the last line read is the earlier Point.
    add(
      acc,
      metric("vus", "gauge"),
      point("vus", "2026-11-29T10:00:00Z", 4),
      point("vus", "2026-11-29T10:00:02Z", 7),
      point("vus", "2026-11-29T10:00:01Z", 5),
    );
    expect(acc.summarize().vus!.values).toEqual({ value: 7, min: 4, max: 7 });
  });

  it("handles more Points than a function call takes arguments", () => {
    const acc = new MetricAccumulator();
    add(acc, metric("vus", "gauge"));
    const start = Date.UTC(2026, 10, 29);
    for (let i = 0; i < 300_000; i++)
      acc.add({
        type: "Point",
        metric: "vus",
        time: new Date(start + i * 1000).toISOString(),
        value: i % 1000,
        tags: {},
      });
    expect(acc.summarize().vus!.values).toEqual({ value: 999, min: 0, max: 999 });
  });
});
