/**
 * `caplab import` of k6 `--out csv` output: the same run saved as CSV and as JSON must give the
 * same run bundle figures, and report and gate must take it.
 *
 * The CSV is made from a real k6 run's `--out json` output (../shared/data/k6/
 * out-json.xk6-dashboard-result.ndjson) as k6 writes it (grafana/k6 `internal/output/csv/
 * output.go`: MakeHeader with k6's default indexable system tags sorted, SampleToRow with
 * Go's `%f` values, `extra_tags` as `k=v&…`, the chosen K6_CSV_TIME_FORMAT). Its JSON twin
 * holds the same Points with the values k6's CSV keeps (six decimals) and without Metric lines,
 * which a CSV cannot carry; so the two imports must agree exactly.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { stringify } from "csv-stringify/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importK6Run } from "../../../../analysis/io/import/k6-run.js";
import { K6_CSV_DEFAULT_TAG_COLUMNS } from "../../../../analysis/k6-csv.js";
import type { Warning } from "../../../../sim/vocab/index.js";
import { fakeS3Client, startFakeS3 } from "./s3-server.js";
import { runCaplab } from "../../../helpers/io.js";
import { sharedData } from "../../../helpers/shared-data.js";

const TAG_COLUMNS: readonly string[] = K6_CSV_DEFAULT_TAG_COLUMNS;

interface Point {
  metric: string;
  data: { time: string; value: number; tags?: Record<string, string> | null };
}

/** The k6 Points of an NDJSON text. */
function pointsOf(ndjson: string): Point[] {
  return ndjson
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { type: string } & Point)
    .filter((l) => l.type === "Point");
}

/** A K6_CSV_TIME_FORMAT, from an RFC 3339 time with nanoseconds. */
function timeCell(
  time: string,
  format: "unix" | "unix_milli" | "unix_nano" | "rfc3339_nano",
): string {
  if (format === "rfc3339_nano") return time;
  const ms = Date.parse(time);
  const fraction = (/\.(\d+)/.exec(time)?.[1] ?? "").padEnd(9, "0");
  const seconds = Math.floor(ms / 1000);
  if (format === "unix") return String(seconds);
  if (format === "unix_milli") return `${seconds}${fraction.slice(0, 3)}`;
  return `${seconds}${fraction}`;
}

/** The CSV k6 writes for these Points, and the JSON twin with the same values (see above). */
function asK6Csv(
  points: readonly Point[],
  format: Parameters<typeof timeCell>[1],
): { csv: string; json: string } {
  const rows: string[][] = [
    ["metric_name", "timestamp", "metric_value", ...TAG_COLUMNS, "extra_tags", "metadata"],
  ];
  const json: string[] = [];
  for (const p of points) {
    const tags = p.data.tags ?? {};
    const extra = Object.entries(tags)
      .filter(([k]) => !TAG_COLUMNS.includes(k))
      .map(([k, v]) => `${k}=${v}`)
      .join("&");
    const value = p.data.value.toFixed(6);
    rows.push([
      p.metric,
      timeCell(p.data.time, format),
      value,
      ...TAG_COLUMNS.map((t) => tags[t] ?? ""),
      extra,
      "",
    ]);
    // The JSON twin: the CSV's value, its time, and no empty tags (a CSV cell cannot tell an
    // empty tag from a missing one).
    const kept = Object.fromEntries(Object.entries(tags).filter(([, v]) => v !== ""));
    const ms = Date.parse(p.data.time);
    const time =
      format === "unix"
        ? new Date(Math.floor(ms / 1000) * 1000).toISOString()
        : format === "unix_milli"
          ? new Date(ms).toISOString()
          : p.data.time;
    json.push(
      JSON.stringify({
        metric: p.metric,
        type: "Point",
        data: { time, value: Number(value), tags: kept },
      }),
    );
  }
  return { csv: stringify(rows, { record_delimiter: "\n" }), json: `${json.join("\n")}\n` };
}

/** `caplab import FILE --format k6 --no-record --out OUT [EXTRA…]`. */
const importK6 = (file: string, out: string, ...extra: string[]) =>
  runCaplab(["import", file, "--format", "k6", ...extra, "--no-record", "--out", out]);

let dir: string;
let points: Point[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-k6-csv-"));
  points = pointsOf(await readFile(sharedData("k6/out-json.xk6-dashboard-result.ndjson"), "utf8"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The figures of a run bundle that do not depend on how it was made: its trace, thresholds and
 * run report (per-second series included), less the run's id.
 */
async function figures(bundle: string): Promise<Record<string, unknown>> {
  const series = join(bundle, "trace", "series");
  const out: Record<string, unknown> = {};
  for (const f of (await readdir(series)).sort()) out[f] = await readFile(join(series, f), "utf8");
  out.thresholds = JSON.parse(await readFile(join(bundle, "thresholds.json"), "utf8")).thresholds;
  const r = await runCaplab(["report", bundle, "--format", "json", "--out", `${bundle}-report`]);
  expect(r.code, r.err).toBe(0);
  const report = JSON.parse(await readFile(join(`${bundle}-report`, "report.json"), "utf8"));
  delete report.meta.runId;
  out.report = report;
  return out;
}

const THRESHOLDS = {
  thresholds: {
    http_req_duration: ["p(95)<200", "avg<100"],
    http_req_failed: ["rate<0.01"],
    "http_req_duration{status:200}": ["p(99)<300"],
    http_reqs: ["count>100"],
  },
};

describe("caplab import of k6 --out csv output", () => {
  it("gives the same trace and threshold verdicts as the same Points in JSON, in every time format and gzipped", async () => {
    const thresholds = join(dir, "thresholds.json");
    await writeFile(thresholds, JSON.stringify(THRESHOLDS));
    for (const format of ["unix", "unix_milli", "unix_nano", "rfc3339_nano"] as const) {
      const { csv, json } = asK6Csv(points, format);
      const csvFile = join(dir, `${format}.csv`);
      const gzFile = join(dir, `${format}.csv.gz`);
      const jsonFile = join(dir, `${format}.ndjson`);
      await writeFile(csvFile, csv);
      await writeFile(gzFile, gzipSync(csv));
      await writeFile(jsonFile, json);
      const results: Record<string, unknown>[] = [];
      for (const [name, file] of [
        ["json", jsonFile],
        ["csv", csvFile],
        ["gz", gzFile],
      ] as const) {
        const out = join(dir, `${format}-${name}`);
        const r = await importK6(file, out, "--thresholds", thresholds);
        expect(r.code, r.err).toBe(0);
        expect(r.out).toContain("Imported 322 requests");
        results.push(await figures(out));
      }
      expect(results[1], format).toEqual(results[0]);
      expect(results[2], format).toEqual(results[0]);
      // Something to compare: every threshold judged on points, with a value.
      const judged = results[0]!.thresholds as { observed: number | null }[];
      expect(judged.length).toBe(5);
      expect(judged.every((t) => typeof t.observed === "number")).toBe(true);
    }
  });

  it("is sniffed without --format, and report and gate take the bundle", async () => {
    const csvFile = join(dir, "sniffed.csv");
    await writeFile(csvFile, asK6Csv(points, "unix").csv);
    const out = join(dir, "sniffed");
    const r = await runCaplab(["import", csvFile, "--no-record", "--out", out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`Read ${csvFile} as k6 --out csv output`);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.notes.join(" ")).toMatch(
      /k6 --out csv output converted to Point lines in k6\.json\.gz: 3,?58\d rows read, 0 bad rows skipped/,
    );
    const report = await runCaplab([
      "report",
      out,
      "--format",
      "md,json",
      "--out",
      join(dir, "report"),
    ]);
    expect(report.code, report.err).toBe(0);
    const md = await readFile(join(dir, "report", "report.md"), "utf8");
    expect(md).toContain("| Requests | 322 in 21 s (15.3/s) |");
    expect(md).toContain("| Latency p50 / p90 / p95 / p99 | 121.8 / 124.9 / 125.3 / 126.5 ms |");
    // The gate judges k6's p95 (125.3 ms) against the SLO: it passes 200 ms and fails 100 ms.
    for (const [slo, code] of [
      [200, 0],
      [100, 1],
    ] as const) {
      const gate = join(dir, `gate-${slo}.yaml`);
      await writeFile(gate, `slo: { latencyP95Ms: ${slo}, errorRatePercent: 1 }\n`);
      const g = await runCaplab([
        "gate",
        out,
        "--config",
        gate,
        "--history",
        join(dir, "history.duckdb"),
        "--out",
        join(dir, `gate-${slo}`),
      ]);
      expect(g.code, g.out + g.err).toBe(code);
    }
  });

  it("reads a CSV that opens with a byte order mark as without it, with --format k6 and sniffed", async () => {
    const { csv } = asK6Csv(points, "unix");
    const plain = join(dir, "no-mark.csv");
    const marked = join(dir, "mark.csv");
    await writeFile(plain, csv);
    await writeFile(marked, `\uFEFF${csv}`);
    const want = await importK6(plain, join(dir, "no-mark"));
    expect(want.code, want.err).toBe(0);
    for (const format of [["--format", "k6"], []]) {
      const out = join(dir, `mark-${format.length}`);
      const r = await runCaplab(["import", marked, ...format, "--no-record", "--out", out]);
      expect(r.code, r.err).toBe(0);
      expect(r.err).not.toContain("line 1");
      expect(await figures(out)).toEqual(await figures(join(dir, "no-mark")));
    }
  });

  it("types a custom metric from the summary export, and refuses a threshold on one nothing types", async () => {
    // k6's own CSV test rows: my_metric, a Gauge in that test, at 1 twice.
    const csv = sharedData("k6/csv-output.k6-test-fixture.csv");
    const thresholds = join(dir, "gauge-thresholds.json");
    await writeFile(thresholds, JSON.stringify({ thresholds: { my_metric: ["value<5"] } }));
    const untyped = await importK6(csv, join(dir, "untyped"), "--thresholds", thresholds);
    expect(untyped.code).toBe(2);
    expect(untyped.err).toContain(
      'The threshold "value<5" on my_metric cannot be judged: my_metric is a custom metric of the k6 --out csv output, which records no metric types',
    );
    // The summary export types it (handleSummary data, as k6 writes it for a Gauge).
    const summary = join(dir, "gauge-summary.json");
    await writeFile(
      summary,
      JSON.stringify({
        root_group: {
          name: "",
          path: "",
          id: "d41d8cd98f00b204e9800998ecf8427e",
          groups: [],
          checks: [],
        },
        options: {
          summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)"],
          summaryTimeUnit: "",
          noColor: false,
        },
        state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 2000 },
        metrics: {
          my_metric: { type: "gauge", contains: "default", values: { value: 1, min: 1, max: 1 } },
        },
      }),
    );
    const out = join(dir, "typed");
    const typed = await importK6(csv, out, "--summary-export", summary, "--thresholds", thresholds);
    expect(typed.code, typed.err).toBe(0);
    expect(typed.out).toMatch(/my_metric value<5: passed \(1\)/);
    // The Metric line follows the Points, so line N is still the CSV's line N.
    const lines = gunzipSync(await readFile(join(out, "k6.json.gz")))
      .toString("utf8")
      .trimEnd()
      .split("\n");
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[3]!)).toMatchObject({
      type: "Metric",
      metric: "my_metric",
      data: { type: "gauge" },
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ type: "Point", metric: "my_metric" });
  });

  it("warns of each bad row by its line, and refuses a file with no good row or no row", async () => {
    const { csv } = asK6Csv(points.slice(0, 30), "unix");
    const lines = csv.split("\n");
    lines[4] = lines[4]!.replace(/^([^,]*),\d+,/, "$1,yesterday,");
    lines[9] = lines[9]!.replace(/^([^,]*),(\d+),[^,]*,/, "$1,$2,NaN,");
    const bad = join(dir, "bad.csv");
    await writeFile(bad, lines.join("\n"));
    const r = await importK6(bad, join(dir, "bad"));
    expect(r.code, r.err).toBe(0);
    // 30 rows: 28 Points and the 2 bad rows, counted as the summary counts bad lines.
    expect(r.out).toContain("(30 lines, 2 bad)");
    expect(r.err).toContain(
      `${bad} line 5 is not a k6 --out csv row: it has a timestamp in none of k6's time formats`,
    );
    expect(r.err).toContain(
      `${bad} line 10 is not a k6 --out csv row: it has a metric_value that is not a finite number ("NaN")`,
    );

    const allBad = join(dir, "all-bad.csv");
    await writeFile(allBad, `${lines[0]}\n${lines[4]}\n`);
    const a = await importK6(allBad, join(dir, "all-bad"));
    expect(a.code).toBe(2);
    expect(a.err).toContain(
      `Nothing to import from ${allBad}: none of its 1 row reads as a k6 --out csv row`,
    );

    const empty = join(dir, "header-only.csv");
    await writeFile(empty, `${lines[0]}\n`);
    const e = await importK6(empty, join(dir, "empty"));
    expect(e.code).toBe(2);
    expect(e.err).toContain("holds k6 --out csv's header and no samples");

    const notK6 = join(dir, "not-k6.csv");
    await writeFile(
      notK6,
      "metric_name,timestamp,metric_value,status\nhttp_reqs,1562324643,1,200\n",
    );
    const n = await importK6(notK6, join(dir, "not-k6"));
    expect(n.code).toBe(2);
    expect(n.err).toContain(
      "opens like k6 --out csv output, but its header does not end with extra_tags,metadata",
    );
  });
  it("reads quoted fields as csv-parse does: commas, quotes and line breaks in tags", async () => {
    const header = [
      "metric_name",
      "timestamp",
      "metric_value",
      "error",
      "url",
      "extra_tags",
      "metadata",
    ];
    const rows = [
      ["http_reqs", "1562324643", "1.000000", "", "http://x/a?b=1,2", "name=a,b", ""],
      [
        "http_req_duration",
        "1562324643",
        "12.500000",
        'said "no"\nthen stopped',
        "http://x/",
        "",
        "",
      ],
      ["http_reqs", "1562324644", "1.000000", "", "http://x/c", "", ""],
    ];
    const text = stringify([header, ...rows], { record_delimiter: "\n" });
    expect(text).toContain('"said ""no""\nthen stopped"'); // quoted as Go's encoding/csv quotes it
    const file = join(dir, "quoted.csv");
    await writeFile(
      file,
      `${text}http_reqs,1562324645,1.000000,"bad"x,http://x/,,\nhttp_reqs,1562324645,1.000000,"open,,,\n`,
    );
    const out = join(dir, "quoted");
    const r = await importK6(file, out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `${file} line 6 is not a k6 --out csv row: it is not CSV: a closing quote is followed by other characters`,
    );
    expect(r.err).toContain(
      `${file} line 7 is not a k6 --out csv row: it opens a quoted field that is never closed`,
    );
    const lines = gunzipSync(await readFile(join(out, "k6.json.gz")))
      .toString("utf8")
      .split("\n");
    // Line N of the CSV is line N of the Points (the header, the bad rows: blank lines).
    expect(JSON.parse(lines[1]!)).toEqual({
      metric: "http_reqs",
      type: "Point",
      data: {
        time: "2019-07-05T11:04:03Z",
        value: 1,
        tags: { url: "http://x/a?b=1,2", name: "a,b" },
      },
    });
    expect(JSON.parse(lines[2]!).data.tags).toEqual({
      error: 'said "no"\nthen stopped',
      url: "http://x/",
    });
    expect(lines[3]).toBe("");
    expect(JSON.parse(lines[4]!).data.tags).toEqual({ url: "http://x/c" });
  });
  it("reads k6 CSV objects from s3:// beside JSON ones, through the real SDK", async () => {
    const half = Math.floor(points.length / 2);
    const first = asK6Csv(points.slice(0, half), "unix_milli");
    const second = asK6Csv(points.slice(half), "unix_milli");
    const s3 = await startFakeS3(
      "k6-results",
      new Map([
        ["runs/1/part-1.csv.gz", gzipSync(first.csv)],
        ["runs/1/part-2.ndjson", Buffer.from(second.json)],
      ]),
      1,
    );
    const client = fakeS3Client(s3);
    try {
      const warnings: Warning[] = [];
      const out = join(dir, "from-s3");
      const result = await importK6Run(
        { sources: ["s3://k6-results/runs/1/"], s3: () => client, now: new Date(0) },
        out,
        (w) => warnings.push(w),
      );
      expect(warnings).toEqual([]);
      expect(result.files).toBe(2);
      expect(result.ingested.metrics.http_reqs?.values.count).toBe(322);
      expect((result.manifest.notes ?? []).join(" ")).toContain(
        `${half.toLocaleString("en-US")} rows read, 0 bad rows skipped`,
      );
      // The same Points as the whole run's JSON twin, imported from a file.
      const twin = join(dir, "s3-twin.ndjson");
      await writeFile(twin, first.json + second.json);
      const local = await importK6Run(
        { sources: [twin], now: new Date(0) },
        join(dir, "s3-twin"),
        () => {},
      );
      expect(result.ingested.metrics).toEqual(local.ingested.metrics);
    } finally {
      client.destroy();
      await s3.close();
    }
  }, 20_000);
});
