import { copyFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { onPeriodGrid } from "../../../../analysis/io/import/cloudwatch.js";
import {
  importTrace,
  MAX_REPORTED_BAD_LINES,
  type ImportOptions,
  type ImportResult,
} from "../../../../analysis/io/import/import.js";
import type { Warning } from "../../../../sim/vocab/index.js";

const data = (name: string): string =>
  fileURLToPath(new URL(`../../../../../shared/data/cloudwatch/${name}`, import.meta.url));

const EVENTS_JSON = "ecs-container-insights-performance-events.aws-docs.json";
const EVENTS_JSONL = "ecs-container-insights-performance-events.aws-docs.jsonl";
const TASK_ID = "7ac4dfba69214411b4783a3b8189c9ba";

async function run(
  options: Partial<ImportOptions> & Pick<ImportOptions, "sources">,
): Promise<{ result: ImportResult; warnings: Warning[] }> {
  const warnings: Warning[] = [];
  const result = await importTrace({ format: "cloudwatch", ...options }, (w) => warnings.push(w));
  return { result, warnings };
}

const values = (result: ImportResult, id: string): number[] => {
  const s = result.series.find((x) => x.def.id === id);
  if (s === undefined) throw new Error(`no series ${id}`);
  return Array.from(s.data.values);
};

/** A get-metric-data page for an ALB's RequestCount, as `aws cloudwatch get-metric-data` prints it. */
function requestCountPage(points: [string, number][], status = "Complete"): string {
  return JSON.stringify(
    {
      MetricDataResults: [
        {
          Id: "req",
          Label: "RequestCount",
          // Newest first, as CloudWatch returns them by default.
          Timestamps: points.map((p) => p[0]).reverse(),
          Values: points.map((p) => p[1]).reverse(),
          StatusCode: status,
        },
        {
          Id: "lat",
          Label: "TargetResponseTime",
          Timestamps: [points[0]![0]],
          Values: [0.25],
          StatusCode: "Complete",
        },
      ],
      Messages: [],
    },
    null,
    4,
  );
}

const ALB_QUERIES = JSON.stringify([
  {
    Id: "req",
    MetricStat: {
      Metric: {
        Namespace: "AWS/ApplicationELB",
        MetricName: "RequestCount",
        Dimensions: [
          { Name: "TargetGroup", Value: "targetgroup/web/0123456789abcdef" },
          { Name: "LoadBalancer", Value: "app/web/0123456789abcdef" },
        ],
      },
      Period: 60,
      Stat: "Sum",
    },
  },
  {
    Id: "lat",
    MetricStat: {
      Metric: {
        Namespace: "AWS/ApplicationELB",
        MetricName: "TargetResponseTime",
        Dimensions: [{ Name: "LoadBalancer", Value: "app/web/0123456789abcdef" }],
      },
      Period: 60,
      Stat: "p95",
      Unit: "Seconds",
    },
  },
]);

describe("importTrace --format cloudwatch", () => {
  it("turns two get-metric-data pages and their queries into a RequestCount bundle", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-cw-"));
    await writeFile(join(dir, "queries.json"), ALB_QUERIES);
    await writeFile(
      join(dir, "page1.json"),
      requestCountPage(
        [
          ["2025-04-08T10:00:00+00:00", 120],
          ["2025-04-08T10:01:00+00:00", 150],
        ],
        "PartialData",
      ),
    );
    // The next page: 10:02 has no datapoint (a gap), 10:03 has one.
    await writeFile(join(dir, "page2.json"), requestCountPage([["2025-04-08T12:03:00+02:00", 90]]));
    const { result, warnings } = await run({
      sources: [dir],
      queriesFile: join(dir, "queries.json"),
    });
    expect(result.kind).toBe("cloudwatch");
    expect(result.stepSeconds).toBe(60);
    expect(result.window).toEqual({
      fromMs: Date.parse("2025-04-08T10:00:00Z"),
      toMs: Date.parse("2025-04-08T10:04:00Z"),
    });
    expect(result.series.map((s) => s.def.id)).toEqual(["requests", "lat"]);
    expect(values(result, "requests")).toEqual([120, 150, NaN, 90]);
    expect(result.series[0]!.def).toEqual({
      id: "requests",
      file: "series/requests.csv",
      namespace: "AWS/ApplicationELB",
      metricName: "RequestCount",
      stat: "Sum",
      dimensions: [
        { Name: "TargetGroup", Value: "targetgroup/web/0123456789abcdef" },
        { Name: "LoadBalancer", Value: "app/web/0123456789abcdef" },
      ],
      periodSeconds: 60,
    });
    expect(result.series[1]!.def).toMatchObject({ stat: "p95", unit: "Seconds" });
    expect(result.stats).toMatchObject({ files: 2, requests: 360, badLines: 0 });
    expect(result.requestsFrom).toBe("req (RequestCount)");
    // The queries file in the folder is not read as a source.
    expect(result.notes[0]).toMatch(/from 2 inputs \(get-metric-data \(2 inputs\)\)/);
    expect(result.notes.join("\n")).toMatch(/PartialData for req in .*page1\.json/);
    expect(warnings.map((w) => w.code)).toEqual(["partial-data"]);
  });

  it("streams Container Insights JSONL, counting bad lines with file and line number", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-cw-"));
    const good = await readFile(data(EVENTS_JSONL), "utf8");
    const lines = [
      ...good.trim().split("\n"),
      "not json",
      '{"Type":"Task","Timestamp":1623963960000}',
      "",
      '{"hello":"world"}',
      ...Array.from({ length: 5 }, () => "{broken"),
    ];
    await writeFile(join(dir, "perf.jsonl.gz"), gzipSync(lines.join("\n")));
    const { result, warnings } = await run({
      sources: [join(dir, "perf.jsonl.gz")],
      requests: `task.${TASK_ID}.CpuUtilized.Average`,
    });
    expect(result.stats).toMatchObject({ files: 1, lines: 4, badLines: 8 });
    const messages = warnings.map((w) => w.message);
    expect(messages[0]).toMatch(/perf\.jsonl\.gz line 5 is not JSON; the line was skipped\./);
    expect(messages[1]).toMatch(/line 6 a Task event has no TaskId/);
    expect(messages[2]).toMatch(/line 8 is not a Container Insights performance event/);
    expect(warnings.filter((w) => w.code === "bad-line")).toHaveLength(MAX_REPORTED_BAD_LINES);
    expect(messages).toContain(
      "3 more bad lines were skipped (the bundle's manifest notes count them per file).",
    );
    expect(result.notes).toContain(`${join(dir, "perf.jsonl.gz")}: 8 bad lines skipped`);
    expect(result.series.map((s) => s.def.id)).toContain(
      `container.${TASK_ID}.sleep.MemoryUtilized.Average`,
    );
    expect(values(result, "requests")).toEqual([0]);
  });

  it("reads JSONL whose first line is broken line by line, and an array's bad elements as bad events", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-cw-"));
    const good = (await readFile(data(EVENTS_JSONL), "utf8")).trim().split("\n");
    await writeFile(join(dir, "cut.jsonl"), ['{"Version":"0","Type":"Cont', ...good].join("\n"));
    const cut = await run({
      sources: [join(dir, "cut.jsonl")],
      requests: "ci.RunningTaskCount.Average",
    });
    expect(cut.result.stats).toMatchObject({ lines: 4, badLines: 1 });
    expect(cut.warnings[0]!.message).toMatch(
      /cut\.jsonl line 1 is not JSON; the line was skipped\./,
    );

    const events = JSON.parse(await readFile(data(EVENTS_JSON), "utf8")) as unknown[];
    await writeFile(join(dir, "array.json"), JSON.stringify([null, ...events], null, 2));
    const array = await run({
      sources: [join(dir, "array.json")],
      requests: "ci.RunningTaskCount.Average",
    });
    expect(array.result.stats).toMatchObject({ lines: 4, badLines: 1 });
    expect(array.warnings[0]!.message).toMatch(
      /array\.json event 1 is null, not a performance event object; the event was skipped\./,
    );
    expect(array.result.notes).toContain(`${join(dir, "array.json")}: 1 bad event skipped`);
  });

  it("reads filter-log-events output, whole or as one log event per line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-cw-"));
    const messages = (await readFile(data(EVENTS_JSONL), "utf8")).trim().split("\n");
    const events = messages.map((message, i) => ({
      logStreamName: "AgentTelemetry-0d7650e6dec34c1a9200f72098071e8f",
      timestamp: 1623963900000 + i,
      message,
    }));
    await writeFile(
      join(dir, "logs.json"),
      JSON.stringify({ events, searchedLogStreams: [] }, null, 4),
    );
    await writeFile(join(dir, "logs.jsonl"), events.map((e) => JSON.stringify(e)).join("\n"));
    const requests = "ci.RunningTaskCount.Average";
    const whole = await run({ sources: [join(dir, "logs.json")], requests });
    const lines = await run({ sources: [join(dir, "logs.jsonl")], requests });
    const events4 = await run({ sources: [data(EVENTS_JSON)], requests });
    expect(whole.result.series).toEqual(events4.result.series);
    expect(lines.result.series).toEqual(events4.result.series);
    expect(lines.result.notes[0]).toMatch(
      /read 4 datapoints and events from 1 input \(filter-log-events/,
    );
  });

  it("reads the JSON array and the JSONL copy of the events into the same series", async () => {
    const requests = "cluster.myCICluster.TaskCount.Average";
    const a = await run({ sources: [data(EVENTS_JSON)], requests });
    const b = await run({ sources: [data(EVENTS_JSONL)], requests });
    expect(b.result.series).toEqual(a.result.series);
    expect(a.result.window).toEqual({ fromMs: 1561587300000, toMs: 1561587360000 });
    expect(values(a.result, "ci.RunningTaskCount.Average")).toEqual([2]);
    expect(a.result.notes[0]).toMatch(/Container Insights events \(1 input\)/);
  });

  it("keeps the hourly get-metric-statistics period; --from/--to cut it and leave the rest out", async () => {
    const sources = [data("get-metric-statistics.awscli-example-cpu.json")];
    const whole = await run({ sources, requests: "CPUUtilization" });
    expect(whole.result.stepSeconds).toBe(3600);
    expect(values(whole.result, "requests")).toHaveLength(21);
    expect(whole.warnings.map((w) => w.code)).toEqual(["requests-period-not-a-trace-step"]);
    const cut = await run({
      sources,
      requests: "CPUUtilization.Maximum",
      fromMs: Date.parse("2014-02-19T03:00:00Z"),
      toMs: Date.parse("2014-02-19T06:00:00Z"),
    });
    expect(values(cut.result, "requests")).toEqual([99.67, 2, 0.33]);
    expect(cut.result.stats.outsideWindow).toBe(18);
    expect(cut.warnings.map((w) => w.message)).toContain(
      "18 datapoints fell outside --from/--to and were left out.",
    );
  });

  it("gives a series without a stated period --step, and warns when a query states another", async () => {
    const billing = data("get-metric-data.awscli-example2-billing.json");
    const { result } = await run({ sources: [billing], requests: "m1", stepSeconds: 21_600 });
    expect(result.stepSeconds).toBe(21_600);
    const math = await run({
      sources: [data("get-metric-data.awscli-example1-metric-math.json")],
      queriesFile: `file://${data("get-metric-data.awscli-example1-queries.json")}`,
      requests: "Avg Total IOPS",
      stepSeconds: 60,
    });
    expect(math.result.stepSeconds).toBe(300);
    expect(math.warnings.map((w) => w.code)).toContain("period-stated-by-query");
  });

  it("refuses a whole JSON document over the size cap, but streams JSONL of any size", async () => {
    await expect(
      run({ sources: [data(EVENTS_JSON)], requests: "x", maxJsonBytes: 1000 }),
    ).rejects.toThrow(
      /ecs-container-insights-performance-events\.aws-docs\.json is larger than 1000 bytes, the most --format cloudwatch reads as one JSON document; split it .* \(JSONL, e\.g\. jq -r '\.events\[\]\.message'\), which is read as a stream\.$/,
    );
    const { result } = await run({
      sources: [data(EVENTS_JSONL)],
      requests: "ci.RunningTaskCount.Average",
      maxJsonBytes: 1000,
    });
    expect(values(result, "requests")).toEqual([2]);
  });

  it("names the file and the shapes it reads when a file is none of them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-cw-"));
    await writeFile(join(dir, "odd.json"), '{\n  "Metrics": []\n}\n');
    await expect(run({ sources: [join(dir, "odd.json")] })).rejects.toThrow(
      /odd\.json is none of the CloudWatch shapes: it holds an object with "Metrics"; --format cloudwatch reads `aws cloudwatch get-metric-data` output .* or `aws logs filter-log-events` output/,
    );
    await writeFile(join(dir, "text.json"), "Hello\nworld\n");
    await expect(run({ sources: [join(dir, "text.json")] })).rejects.toThrow(
      /text\.json is not valid JSON \(it starts "Hello\\nworld\\n"\); --format cloudwatch reads/,
    );
    await writeFile(join(dir, "empty.json"), "\n\n");
    await expect(run({ sources: [join(dir, "empty.json")] })).rejects.toThrow(
      /empty\.json is empty/,
    );
    // The query file given as a SOURCE: the message says where it goes.
    await expect(
      run({ sources: [data("get-metric-data.awscli-example1-queries.json")] }),
    ).rejects.toThrow(
      /queries\.json is a --metric-data-queries file \(the queries aws cloudwatch get-metric-data ran\), not data to import: give it as --queries .*queries\.json, and the get-metric-data output it produced as SOURCE\.$/,
    );
    await expect(
      run({ sources: [data(EVENTS_JSON)], queriesFile: join(dir, "missing.json") }),
    ).rejects.toThrow(/--queries .*missing\.json does not exist/);
  });

  it("keeps every series but requests when no series counts them, and warns; a --requests that names none is refused", async () => {
    const { result, warnings } = await run({ sources: [data(EVENTS_JSON)] });
    expect(result.series.map((s) => s.def.id)).not.toContain("requests");
    expect(result.series).toHaveLength(12);
    expect(result.requestsFrom).toBeUndefined();
    expect(result.stats.requests).toBe(0);
    // The window spans every series: the Service event of 2019 to the Task events of 2021.
    expect(new Date(result.window.fromMs).toISOString()).toBe("2019-06-26T22:01:00.000Z");
    expect(new Date(result.window.toMs).toISOString()).toBe("2021-06-17T21:06:00.000Z");
    expect(warnings.map((w) => w.code)).toEqual(["no-requests-series"]);
    await expect(run({ sources: [data(EVENTS_JSON)], requests: "nope" })).rejects.toThrow(
      /--requests nope names no series; the series found are ci\.RunningTaskCount\.Average/,
    );
  });

  it("reads a folder's *.json and *.jsonl files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-cw-"));
    await mkdir(join(dir, "a"));
    await copyFile(data(EVENTS_JSONL), join(dir, "a", "perf.jsonl"));
    await copyFile(data("get-metric-data.awscli-example2-billing.json"), join(dir, "b.json"));
    await writeFile(join(dir, "notes.txt"), "not read");
    const { result } = await run({ sources: [dir], requests: "EstimatedCharges" });
    expect(result.stats.files).toBe(2);
    expect(result.series[0]!.def.metricName).toBe("EstimatedCharges");
  });
});

describe("onPeriodGrid", () => {
  it("puts datapoints in their period, NaN where none fell, the later of two in one period kept", () => {
    const s = { id: "s", times: [0, 60_000, 90_000, 240_000], values: [1, 2, 3, 4] };
    const r = onPeriodGrid(s, 60);
    expect(Array.from(r.data.values)).toEqual([1, 3, NaN, NaN, 4]);
    expect(r).toMatchObject({ endMs: 300_000, outside: 0, collisions: 1 });
    const w = onPeriodGrid(s, 60, 60_000, 180_000);
    expect(w.data.startMs).toBe(60_000);
    expect(Array.from(w.data.values)).toEqual([3, NaN]);
    expect(w.outside).toBe(2);
  });
});
