/** Merging segment outputs on the real k6 NDJSON files in ../shared/data/k6. */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { k6Percentile } from "../../../analysis/stats/index.js";
import { mergeK6Outputs, summarizeK6Output } from "../../../scenarios/io/k6-merge.js";

const data = fileURLToPath(new URL("../../../../shared/data/k6/", import.meta.url));
const dashboard = join(data, "out-json.xk6-dashboard-result.ndjson");

describe("k6Percentile (k6's sink.go formula)", () => {
  it("interpolates at p·(n−1); p50 = median, p100 = max, empty = 0", () => {
    expect(k6Percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(k6Percentile([1, 2, 3, 4], 0.95)).toBeCloseTo(3.85, 12); // numpy.percentile(.., 95)
    expect(k6Percentile([1, 2, 3, 4], 1)).toBe(4);
    expect(k6Percentile([7], 0.9)).toBe(7);
    expect(k6Percentile([], 0.9)).toBe(0);
  });
});

describe("mergeK6Outputs", () => {
  it("two copies of one run: twice the http_reqs, the same percentiles from raw points", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-merge-"));
    const single = await summarizeK6Output(dashboard, ["http_req_duration{status:200}"]);
    const merged = await mergeK6Outputs([dashboard, dashboard], join(dir, "k6.json.gz"), [
      "http_req_duration{status:200}",
    ]);
    expect(single.http_reqs?.values.count).toBe(322);
    expect(merged.metrics.http_reqs?.values.count).toBe(644);
    expect(merged.metrics.iterations?.values.count).toBe(
      2 * (single.iterations?.values.count ?? 0),
    );
    // Statistics that do not depend on n are equal; interpolated percentiles of the doubled
    // sample (index p·(2n−1) instead of p·(n−1)) stay between the same two neighbouring values.
    for (const key of ["min", "med", "max", "avg"]) {
      expect(merged.metrics.http_req_duration?.values[key]).toBeCloseTo(
        single.http_req_duration?.values[key] ?? NaN,
        9,
      );
    }
    const raw = (await readFile(dashboard, "utf8"))
      .split("\n")
      .filter((l) => l.includes('"metric":"http_req_duration","type":"Point"'))
      .map((l) => JSON.parse(l).data.value as number)
      .sort((a, b) => a - b);
    expect(raw.length).toBe(322);
    for (const p of [90, 95, 99]) {
      const doubled = [...raw, ...raw].sort((a, b) => a - b);
      expect(merged.metrics.http_req_duration?.values[`p(${p})`]).toBeCloseTo(
        k6Percentile(doubled, p / 100),
        9,
      );
      expect(single.http_req_duration?.values[`p(${p})`]).toBeCloseTo(
        k6Percentile(raw, p / 100),
        9,
      );
      const i = (p / 100) * (raw.length - 1);
      const lo = raw[Math.floor(i)] ?? NaN;
      const hi = raw[Math.ceil(i)] ?? NaN;
      expect(merged.metrics.http_req_duration?.values[`p(${p})`]).toBeGreaterThanOrEqual(lo);
      expect(merged.metrics.http_req_duration?.values[`p(${p})`]).toBeLessThanOrEqual(hi);
    }
    expect(merged.metrics["http_req_duration{status:200}"]?.values.count).toBe(
      2 * (single["http_req_duration{status:200}"]?.values.count ?? 0),
    );
    expect(merged.metrics.http_req_failed?.values.rate).toBe(single.http_req_failed?.values.rate);
    // The merged file: Metric lines once, every Point tagged with its segment.
    const lines = gunzipSync(await readFile(join(dir, "k6.json.gz")))
      .toString()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const metricLines = lines.filter((l) => l.type === "Metric");
    expect(new Set(metricLines.map((l) => l.metric)).size).toBe(metricLines.length);
    expect(lines.filter((l) => l.type === "Point").length).toBe(merged.points);
    expect(lines.at(-1).data.tags.segment).toBe("1");
  });

  it("reads both envelope generations (docs example with tainted, k6's own test lines)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-merge-"));
    const merged = await mergeK6Outputs(
      [
        join(data, "out-json.k6-docs-example.ndjson"),
        join(data, "out-json.k6-repo-json_test-expected.ndjson"),
      ],
      join(dir, "k6.json"),
    );
    expect(merged.points).toBe(2 + 5);
    expect(merged.metrics.http_req_duration?.values.max).toBe(459.865729);
    expect(merged.metrics.my_metric2?.values.count).toBe(8);
  });
});
