import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { K6Ingest, parseK6Summary } from "../../src/analysis/k6-ingest.js";
import { ingestK6File, readK6SummaryFile } from "../../src/collect/k6-stream.js";
import { k6Lines } from "../fixtures/runs/make-run-bundle.js";

const DATA = join(import.meta.dirname, "../../../shared/data/k6");

describe("k6 ingestion on the real k6 files", () => {
  it("xk6-dashboard result: counts and percentiles as numpy", async () => {
    const r = await ingestK6File(join(DATA, "out-json.xk6-dashboard-result.ndjson"));
    expect(r.lines).toBe(3597);
    expect(r.pointsByMetric.http_req_duration).toBe(322);
    expect(r.pointsByMetric.http_reqs).toBe(322);
    expect(r.exactPercentiles).toBe(true);
    const d = r.summary.http_req_duration!;
    // numpy.percentile(v, [50, 95, 99]) over the file's http_req_duration values:
    // 121.843412, 125.2926859, 126.49753705
    expect(d.med).toBeCloseTo(121.843412, 9);
    expect(d["p(95)"]).toBeCloseTo(125.2926859, 9);
    expect(d["p(99)"]).toBeCloseTo(126.49753705, 9);
    expect(r.summary.http_req_failed!.passes).toBe(0);
    // Per-second histograms hold every duration, each within the 0.39 % bound.
    expect(r.overall.durations.reduce((a, b) => a + b, 0)).toBe(322);
    expect(Object.keys(r.endpoints).length).toBe(2);
  });

  it("fast path and full parse agree on every real and tricky file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-k6-"));
    try {
      const tricky = [
        '{"type":"Point","data":{"time":"2026-03-02T06:00:00.5+01:00","value":12.5,"tags":{"name":"a\\"b","url":"x}"}},"metric":"http_req_duration"}',
        '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-03-02T05:00:00.7Z","value":7,"tags":{"url":"{\\"name\\":\\"z\\"}","endpoint":"e"},"metadata":{"name":"m"}}}',
        '{"metric":"http_reqs","type":"Point","data":{"time":"2026-03-02T05:00:00.123456789Z","value":1,"tags":null}}',
        "not json",
      ];
      await writeFile(join(dir, "t.ndjson"), `${tricky.join("\r\n")}\n`);
      await writeFile(
        join(dir, "g.json.gz"),
        gzipSync(`${k6Lines({ seed: 5, seconds: 20 }).join("\n")}\n`),
      );
      const files = [
        ...[
          "out-json.xk6-dashboard-result.ndjson",
          "out-json.k6-docs-example.ndjson",
          "out-json.k6-repo-json_test-expected.ndjson",
        ].map((f) => join(DATA, f)),
        join(dir, "t.ndjson"),
        join(dir, "g.json.gz"),
      ];
      for (const f of files) {
        const fast = await ingestK6File(f);
        const slow = await ingestK6File(f, { fastPath: false });
        const strip = (r: typeof fast) =>
          JSON.stringify({
            ...r,
            overall: { ...r.overall, histograms: null },
            endpoints: Object.keys(r.endpoints),
          });
        expect(strip(fast)).toBe(strip(slow));
      }
      const t = await ingestK6File(join(dir, "t.ndjson"));
      expect(Object.keys(t.endpoints).sort()).toEqual(["", 'a"b', "e"]);
      expect(t.badLineCount).toBe(1);
      const g = await ingestK6File(join(dir, "g.json.gz"));
      expect(g.summary.http_reqs!.count).toBe(800);
      expect(g.overall.requests.length).toBe(20);
      expect([...g.overall.requests].every((v) => v === 40)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("falls back to histogram percentiles past maxRawValues, within the bound", () => {
    const lines = k6Lines({ seed: 9, seconds: 30 });
    const exact = new K6Ingest();
    const approx = new K6Ingest({ maxRawValues: 10 });
    for (const l of lines) {
      exact.addLine(l);
      approx.addLine(l);
    }
    const e = exact.finish().summary.http_req_duration!;
    const a = approx.finish();
    expect(a.exactPercentiles).toBe(false);
    expect(Math.abs(a.summary.http_req_duration!["p(95)"]! / e["p(95)"]! - 1)).toBeLessThan(0.004);
  });
});

describe("k6 summaries", () => {
  it("reads summary-export and handleSummary data in one shape", async () => {
    const h = await readK6SummaryFile(join(DATA, "handleSummary-data.k6-reporter-simple.json"));
    expect(h.kind).toBe("handle-summary");
    expect(h.metrics.http_reqs!.count).toBe(878);
    expect(h.metrics.http_req_failed!.rate).toBeCloseTo(0.39749430523917995, 15);
    const s = await readK6SummaryFile(join(DATA, "summary-export.k6-html-reporter-perf.json"));
    expect(s.kind).toBe("summary-export");
    expect(s.metrics.checks).toEqual({ fails: 0, passes: 29, rate: 0 });
    expect(s.metrics.http_req_duration!["p(95)"]).toBeCloseTo(60.26172, 9);
    const legacy = parseK6Summary(
      JSON.parse(readFileSync(join(DATA, "summary-export-legacy.k6-test-fixture.json"), "utf8")),
    );
    expect(legacy.kind).toBe("summary-export");
    expect(() => parseK6Summary({})).toThrow(/no `metrics`/);
  });
});
