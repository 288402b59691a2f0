import { copyFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  importTrace,
  MAX_REPORTED_BAD_LINES,
  type ImportOptions,
  type ImportResult,
} from "../../../../analysis/io/import/import.js";
import { importK6Run } from "../../../../analysis/io/import/k6-run.js";
import { forEachLine, gunzipIfCompressed } from "../../../../analysis/io/import/sources.js";
import { renderSeriesCsv } from "../../../../analysis/io/files/bundle.js";
import type { Warning } from "../../../../sim/vocab/index.js";

const data = (name: string): string =>
  fileURLToPath(new URL(`../../../../../shared/data/${name}`, import.meta.url));

async function run(
  options: Partial<ImportOptions> & Pick<ImportOptions, "format" | "sources">,
): Promise<{ result: ImportResult; warnings: Warning[] }> {
  const warnings: Warning[] = [];
  const result = await importTrace({ stepSeconds: 60, ...options }, (w) => warnings.push(w));
  return { result, warnings };
}

const values = (result: ImportResult, id: string): number[] =>
  Array.from(result.series.find((s) => s.def.id === id)!.data.values);
const sum = (xs: readonly number[]): number =>
  xs.reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0);

describe("importTrace --format alb", () => {
  it("counts every line of every sample file, one bundle per load balancer", async () => {
    // file: [lines, load balancers, lines whose request reached no target]
    const expected: Record<string, [number, number, number]> = {
      "alb/aws-docs-alb-examples.log": [7, 1, 0],
      "alb/elastic-integrations-test-alb.log": [3, 3, 2],
      "alb/nawab312-real-alb.log": [3, 1, 2],
      "alb/dmastrop-tomcat-alb-50-targets.log": [23, 1, 0],
    };
    for (const [file, [n, balancers, withoutTarget]] of Object.entries(expected)) {
      const { result, warnings } = await run({ format: "alb", sources: [data(file)] });
      const parts = [result, ...(result.more ?? [])];
      expect(parts.length, file).toBe(balancers);
      expect(new Set(parts.map((p) => p.loadBalancer)).size, file).toBe(balancers);
      for (const part of parts) {
        expect(part.stats, file).toMatchObject({ lines: n, badLines: 0 });
        expect(sum(values(part, "requests")), file).toBe(part.stats.requests);
        // Each bundle is one load balancer's, and says so in its dimensions.
        for (const s of part.series)
          expect(s.def.dimensions, `${file} ${s.def.id}`).toEqual([
            { Name: "LoadBalancer", Value: part.loadBalancer },
          ]);
      }
      const total = (id: string) => parts.reduce((a, p) => a + sum(values(p, id)), 0);
      expect(total("requests") + total("requests-without-target"), file).toBe(n);
      expect(total("requests-without-target"), file).toBe(withoutTarget);
      // The AWS docs' two minutes are five months apart: the months between are gaps.
      expect(
        warnings.map((w) => w.code),
        file,
      ).toEqual(file.includes("aws-docs") ? ["sparse-data"] : []);
    }
  });

  it("imports only the load balancer --load-balancer names, by app/NAME/ID or NAME", async () => {
    const file = data("alb/elastic-integrations-test-alb.log");
    for (const name of [
      "app/admin-LoadB-1EGHQRJIOLMFR/3011821a43ee0c5e",
      "admin-LoadB-1EGHQRJIOLMFR",
    ]) {
      const { result, warnings } = await run({
        format: "alb",
        sources: [file],
        loadBalancer: name,
      });
      expect(result.loadBalancer).toBe("app/admin-LoadB-1EGHQRJIOLMFR/3011821a43ee0c5e");
      expect(result.more).toEqual([]);
      expect(new Date(result.window.fromMs).toISOString()).toBe("2022-05-12T06:41:00.000Z");
      expect(warnings.map((w) => w.code)).toEqual(["other-load-balancers"]);
      expect(warnings[0]!.message).toMatch(/^2 requests of other load balancers/);
    }
    await expect(run({ format: "alb", sources: [file], loadBalancer: "nope" })).rejects.toThrow(
      /none of its lines is of --load-balancer nope; it holds app\/my-loadbalancer/,
    );
  });

  it("keeps a log's long silences as gaps, so the bundle grows with the data, not the window", async () => {
    const { result } = await run({
      format: "alb",
      sources: [data("alb/aws-docs-alb-examples.log")],
    });
    const requests = values(result, "requests");
    // 2018-07-02 22:22 to 2018-11-30 22:23: 217,441 one-minute steps, two with data.
    expect(requests).toHaveLength(217_441);
    expect(requests.filter((v) => !Number.isNaN(v))).toEqual([5, 2]);
    expect(result.notes.join(" ")).toMatch(/1 stretch of more than 24 h without a line is a gap/);
    const csv = renderSeriesCsv(result.series[0]!.data);
    expect(csv).toBe("time,value\n2018-07-02T22:22:00.000Z,5\n2018-11-30T22:22:00.000Z,2\n");
  });

  it("puts the dmastrop burst (23 requests over 1.7 s) into 1-s steps by arrival", async () => {
    const { result } = await run({
      format: "alb",
      sources: [data("alb/dmastrop-tomcat-alb-50-targets.log")],
      stepSeconds: 1,
    });
    expect(new Date(result.window.fromMs).toISOString()).toBe("2025-04-08T00:42:18.000Z");
    expect(new Date(result.window.toMs).toISOString()).toBe("2025-04-08T00:42:21.000Z");
    expect(values(result, "requests")).toEqual([2, 16, 5]);
    expect(values(result, "elb-5xx")).toEqual([0, 0, 0]);
    expect(values(result, "requests-without-target")).toEqual([0, 0, 0]);
    const mean = values(result, "target-response-time-average");
    expect(mean[0]).toBeCloseTo(0.002, 9); // two requests, 0.002 s each
    expect(result.series.find((s) => s.def.id === "requests")!.def).toMatchObject({
      namespace: "AWS/ApplicationELB",
      metricName: "RequestCount",
      stat: "Sum",
      unit: "Count",
      dimensions: [{ Name: "LoadBalancer", Value: "app/tomcat-load-balancer/d12d886025a14d3f" }],
    });
  });

  it("counts ELB 5xx, requests that never reached a target, and latency gaps", async () => {
    const { result } = await run({
      format: "alb",
      sources: [data("alb/aws-docs-alb-examples.log")],
    });
    // 2018-07-02 22:22 (5 lines) and 2018-11-30 22:22 (the two Lambda lines).
    const requests = values(result, "requests");
    expect(requests[0]).toBe(5);
    expect(requests[requests.length - 1]).toBe(2);
    expect(sum(values(result, "elb-5xx"))).toBe(1);
    expect(sum(values(result, "target-5xx"))).toBe(0);
    expect(sum(values(result, "requests-without-target"))).toBe(0); // Lambda answered
    expect(values(result, "target-response-time-average")[1]).toBeNaN();

    const nawab = await run({ format: "alb", sources: [data("alb/nawab312-real-alb.log")] });
    expect(sum(values(nawab.result, "requests-without-target"))).toBe(2);
  });
});

describe("importTrace --format nginx", () => {
  it("reads the nginx sample (14,575 requests, no 5xx)", async () => {
    const { result, warnings } = await run({
      format: "nginx",
      sources: [data("nginx/nginx_logs.elastic-examples.first14575.log")],
    });
    expect(result.stats).toMatchObject({ lines: 14575, requests: 14575, badLines: 0 });
    expect(sum(values(result, "http-5xx"))).toBe(0);
    expect(new Date(result.window.fromMs).toISOString()).toBe("2015-05-17T08:05:00.000Z");
    expect(new Date(result.window.toMs).toISOString()).toBe("2015-05-22T09:06:00.000Z");
    expect(warnings).toEqual([]);
  });

  it("skips Apache line 8899, reports it with its line number, and imports the rest", async () => {
    const { result, warnings } = await run({
      format: "nginx",
      sources: [data("nginx/apache_logs.elastic-examples.combined.log")],
    });
    expect(result.stats).toMatchObject({ lines: 10000, requests: 9999, badLines: 1 });
    expect(sum(values(result, "http-5xx"))).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe("bad-line");
    expect(warnings[0]!.message).toMatch(/apache_logs\.elastic-examples\.combined\.log line 8899 /);
    expect(result.notes.join("\n")).toMatch(/combined\.log: 1 bad line skipped/);
    expect(result.notes[0]).toMatch(/9,999 requests in the window, 1 bad line skipped/);
  });

  it("imports the Apache sample rewritten as vhost_combined exactly as the combined original", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-"));
    const original = data("nginx/apache_logs.elastic-examples.combined.log");
    const text = await readFile(original, "utf8");
    // Debian's other_vhosts_access.log: `%v:%p ` before each combined line.
    const hosts = ["www.example.com:443", "api.example.com:80"];
    const vhost = text
      .split("\n")
      .map((l, i) => (l === "" ? l : `${hosts[i % 2]} ${l}`))
      .join("\n");
    await writeFile(join(dir, "other_vhosts_access.log"), vhost);
    const a = await run({ format: "nginx", sources: [original] });
    const b = await run({ format: "nginx", sources: [join(dir, "other_vhosts_access.log")] });
    expect(b.result.stats).toEqual(a.result.stats);
    expect(values(b.result, "requests")).toEqual(values(a.result, "requests"));
    expect(values(b.result, "http-5xx")).toEqual(values(a.result, "http-5xx"));
    expect(b.result.detail).toBe(
      "vhost_combined log format (virtual hosts www.example.com:443, api.example.com:80)",
    );
    expect(a.result.detail).toBe("combined log format");
  });

  it("reports the first 5 bad lines and counts the rest", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-"));
    const good = '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 1 "-" "x"';
    const text = Array.from({ length: 20 }, (_, i) => (i % 2 ? "garbage" : good)).join("\n");
    await writeFile(join(dir, "a.log"), text);
    const { result, warnings } = await run({ format: "nginx", sources: [join(dir, "a.log")] });
    expect(result.stats).toMatchObject({ requests: 10, badLines: 10 });
    const lines = warnings
      .filter((w) => w.code === "bad-line")
      .map((w) => /line (\d+)/.exec(w.message)![1]);
    expect(lines).toEqual(["2", "4", "6", "8", "10"]);
    expect(lines).toHaveLength(MAX_REPORTED_BAD_LINES);
    expect(warnings.find((w) => w.code === "more-bad-lines")!.message).toMatch(/^5 more bad lines/);
  });

  it("reads gzip (by name or by magic bytes), folders recursively, and stops at a cut gzip", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-"));
    const apache = await readFile(data("nginx/apache_logs.elastic-examples.combined.log"));
    await mkdir(join(dir, "logs", "2015", "05"), { recursive: true });
    await writeFile(join(dir, "logs", "2015", "05", "apache.log.gz"), gzipSync(apache));
    await copyFile(
      data("nginx/nginx_logs.elastic-examples.first14575.log"),
      join(dir, "logs", "nginx.log"),
    );
    await writeFile(join(dir, "logs", "notes.txt"), "not a log");
    const folder = await run({ format: "nginx", sources: [join(dir, "logs")] });
    expect(folder.result.stats).toMatchObject({ files: 2, requests: 9999 + 14575, badLines: 1 });

    // gzip without .gz in the name (FireLens objects)
    await writeFile(join(dir, "firelens-object"), gzipSync(apache));
    const magic = await run({ format: "nginx", sources: [join(dir, "firelens-object")] });
    expect(magic.result.stats.requests).toBe(9999);

    const gz = gzipSync(apache);
    await writeFile(join(dir, "cut.log.gz"), gz.subarray(0, gz.length >> 1));
    // A trace missing its end would read as a quiet end: the import stops, naming the file.
    await expect(
      run({
        format: "nginx",
        sources: [
          join(dir, "cut.log.gz"),
          data("nginx/nginx_logs.elastic-examples.first14575.log"),
        ],
      }),
    ).rejects.toThrow(
      /cut\.log\.gz cannot be read to its end: its gzip data ends early after [\d,]+ lines; copy or download it again/,
    );
  });

  it("keeps to --from/--to and counts what falls outside", async () => {
    const { result, warnings } = await run({
      format: "nginx",
      sources: [data("nginx/apache_logs.elastic-examples.combined.log")],
      fromMs: Date.parse("2015-05-18T00:00:00Z"),
      toMs: Date.parse("2015-05-19T00:00:00Z"),
    });
    expect(result.window).toEqual({
      fromMs: Date.parse("2015-05-18T00:00:00Z"),
      toMs: Date.parse("2015-05-19T00:00:00Z"),
    });
    expect(values(result, "requests")).toHaveLength(1440);
    expect(result.stats.requests + result.stats.outsideWindow).toBe(9999);
    expect(warnings.some((w) => w.code === "requests-outside-window")).toBe(true);
  });
});

describe("importK6Run (import --format k6)", () => {
  async function k6Run(sources: string[], stepSeconds: number) {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-k6-"));
    const warnings: Warning[] = [];
    const result = await importK6Run(
      { sources, stepSeconds, now: new Date("2025-01-01T00:00:00Z") },
      join(dir, "run"),
      (w) => warnings.push(w),
    );
    const trace = JSON.parse(
      await readFile(join(dir, "run", "trace", "manifest.json"), "utf8"),
    ) as { window: { from: string }; series: { id: string; unit: string }[] };
    const column = async (id: string): Promise<number[]> =>
      (await readFile(join(dir, "run", "trace", "series", `${id}.csv`), "utf8"))
        .trim()
        .split("\n")
        .slice(1)
        .map((row) => Number(row.split(",")[1]));
    return { result, warnings, trace, column };
  }

  it("counts the 322 http_reqs of the xk6-dashboard run, with durations and failures", async () => {
    const { result, warnings, trace, column } = await k6Run(
      [data("k6/out-json.xk6-dashboard-result.ndjson")],
      5,
    );
    expect(warnings).toEqual([]);
    expect(result.ingested).toMatchObject({ lines: 3597, badLineCount: 0 });
    expect(result.manifest.scenario?.name).toBe("contacts");
    expect(sum(await column("requests"))).toBe(322);
    // 2023-09-08T21:03:10+02:00 .. 21:03:30+02:00 in 5-s steps
    expect(trace.window.from).toBe("2023-09-08T19:03:10.000Z");
    const durations = await column("http-req-duration-average");
    expect(durations.every((d) => Number.isNaN(d) || (d > 0.01 && d < 5))).toBe(true); // seconds
    expect(trace.series.find((s) => s.id === "http-req-duration-p95")!.unit).toBe("Seconds");
  });

  it("reads both line shapes gzipped, counting a bad line; an output without http_reqs has no trace", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-"));
    const older =
      '{"type":"Point","data":{"time":"2017-05-09T14:34:45.239531499+02:00","value":1,"tags":null},"metric":"http_reqs"}\n' +
      '{"type":"Point","data":{"time":"2017-05-09T14:34:45.239531499+02:00","value":1,"tags":null},"metric":"http_req_failed"}\n' +
      "{not json\n";
    await writeFile(join(dir, "run.json.gz"), gzipSync(older));
    const { result, warnings, column } = await k6Run([join(dir, "run.json.gz")], 60);
    expect(result.ingested.badLineCount).toBe(1);
    expect(sum(await column("requests"))).toBe(1);
    expect(await column("http-req-failed")).toEqual([1]);
    expect(warnings[0]!.message).toMatch(/run\.json\.gz line 3 /);

    const out = join(dir, "docs");
    const none = await importK6Run(
      { sources: [data("k6/out-json.k6-docs-example.ndjson")], now: new Date(0) },
      out,
      () => {},
    );
    expect(none.trace).toBeNull();
  });
});

describe("importTrace --format csv", () => {
  it("reads a CSV series through readTraceCsv onto the step grid", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-import-"));
    await writeFile(
      join(dir, "rate.csv"),
      [
        "when,hits",
        ...[0, 1, 2, 4, 5, 6].map((m) => `2025-01-01T00:0${m}:00Z,${10 * (m + 1)}`),
      ].join("\n"),
    );
    const { result } = await run({
      format: "csv",
      sources: [join(dir, "rate.csv")],
      timeColumn: "when",
      valueColumn: "hits",
    });
    expect(result.kind).toBe("csv");
    expect(values(result, "requests")).toEqual([10, 20, 30, NaN, 50, 60, 70]);
    expect(result.stats.requests).toBe(240);
    expect(result.notes).toContain("steps with no row are gaps (empty values)");
  });
});

describe("forEachLine", () => {
  it("splits across chunk borders, handles CRLF and a last line without newline", async () => {
    const seen: [string | null, number][] = [];
    const n = await forEachLine(
      Readable.from([Buffer.from("a\r\nb"), Buffer.from("c\n\nd")]),
      (t, i) => seen.push([t, i]),
    );
    expect(n).toBe(4);
    expect(seen).toEqual([
      ["a", 1],
      ["bc", 2],
      ["", 3],
      ["d", 4],
    ]);
  });

  it("un-gzips by magic bytes", async () => {
    const stream = await gunzipIfCompressed(Readable.from([gzipSync("x\ny\n")]));
    const seen: string[] = [];
    await forEachLine(stream, (t) => seen.push(t!));
    expect(seen).toEqual(["x", "y"]);
  });
});
