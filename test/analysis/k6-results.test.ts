/** k6's vocabulary: a gauge's value from the one aggregator, parseK6Line on wrong shapes, value checks. */
import { describe, expect, it } from "vitest";
import { K6Ingest } from "../../analysis/k6-ingest.js";
import { k6PointValueProblem, parseK6Line } from "../../analysis/k6-results.js";

const metric = (name: string, type: string) =>
  JSON.stringify({
    type: "Metric",
    metric: name,
    data: { name, type, contains: "default", thresholds: [], submetrics: null },
  });
const point = (name: string, time: string, value: number) =>
  JSON.stringify({ type: "Point", metric: name, data: { time, value, tags: {} } });

function ingest(...lines: string[]): K6Ingest {
  const i = new K6Ingest();
  for (const text of lines) i.addLine(text);
  return i;
}

describe("gauges in the one aggregator", () => {
  it("takes a gauge's value from its latest Point by time, not the last one read", () => {
    // Segment 0's file, then segment 1's: the last line read is the earlier Point.
    const i = ingest(
      metric("vus", "gauge"),
      point("vus", "2026-11-29T10:00:00Z", 4),
      point("vus", "2026-11-29T10:00:02Z", 7),
      point("vus", "2026-11-29T10:00:01Z", 5),
    );
    expect(i.finish().metrics.vus!.values).toEqual({ value: 7, min: 4, max: 7 });
  });

  it("of two Points at the same time, takes the later line's, as k6 takes the last one added", () => {
    const i = ingest(
      metric("vus", "gauge"),
      point("vus", "2026-11-29T10:00:00Z", 4),
      point("vus", "2026-11-29T10:00:00Z", 3),
    );
    expect(i.finish().metrics.vus!.values.value).toBe(3);
  });

  it("handles more Points than a function call takes arguments", () => {
    const start = Date.UTC(2026, 10, 29);
    const i = ingest(metric("vus", "gauge"));
    for (let k = 0; k < 300_000; k++)
      i.addLine(point("vus", new Date(start + k * 1000).toISOString(), k % 1000));
    expect(i.finish().metrics.vus!.values).toEqual({ value: 999, min: 0, max: 999 });
  });
});

describe("parseK6Line on wrong shapes (issue #11, row 12)", () => {
  it.each([
    [
      '{"type":"Point","metric":"http_reqs","data":null}',
      /http_reqs line's data is null, not an object/,
    ],
    ["null", /is an object with metric, type and data, not null/],
    ["[1,2]", /not an array/],
    ['"text"', /not a string/],
    [
      '{"type":"Point","metric":"http_reqs","data":{"time":"2026-01-01T00:00:00Z","valu',
      /^it is not valid JSON$/,
    ],
    ['{"type":"Point","metric":"http_reqs","data":[1]}', /data is an array, not an object/],
    [
      '{"type":"Point","metric":"http_reqs","data":{"time":"2026-01-01T00:00:00Z","value":1,"tags":5}}',
      /tags are not an object of strings/,
    ],
    [
      '{"type":"Point","metric":"http_reqs","data":{"time":"2026-01-01T00:00:00Z","value":1,"tags":{"a":{}}}}',
      /tags are not an object of strings/,
    ],
    [
      '{"type":"Point","metric":"http_reqs","data":{"time":"2026-01-01T00:00:00Z","value":"1"}}',
      /no numeric value/,
    ],
  ])("%s is refused with a reason, not a TypeError", (text, reason) => {
    let error: unknown;
    try {
      parseK6Line(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toMatch(/Cannot read properties/);
  });
});

describe("k6PointValueProblem", () => {
  it.each([
    ["http_req_duration", -5, /http_req_duration -5 ms is negative/],
    ["http_req_waiting", -0.001, /negative/],
    ["iteration_duration", 2 * 86_400_000, /longer than a day/],
    ["http_reqs", 1e300, /count 1e\+300 is above 2\^53 − 1/],
    ["http_reqs", -1, /count -1 is negative/],
    ["dropped_iterations", Infinity, /not a finite number/],
    ["http_req_failed", NaN, /not a finite number/],
    ["my_custom_trend", -Infinity, /not a finite number/],
  ])("%s %s is absurd", (metric, value, reason) => {
    expect(k6PointValueProblem(metric, value)).toMatch(reason);
  });

  it.each([
    ["http_req_duration", 0],
    ["http_req_duration", 59_999.9],
    ["http_reqs", 1],
    ["http_req_failed", 1],
    ["my_custom_gauge", -40],
    ["vus", 0],
  ])("%s %s is fine", (metric, value) => {
    expect(k6PointValueProblem(metric, value)).toBeNull();
  });
});
