import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addCloudWatchDocument,
  cloudWatchTime,
  CloudWatchSeriesBuilder,
  detectCloudWatchShape,
  describeUnknownShape,
  isCloudWatchPeriod,
  parseGetMetricData,
  parseGetMetricStatistics,
  parseLogEvents,
  parseMetricDataQueries,
  parsePerformanceEvent,
  parsePerformanceMessage,
  periodForSpacing,
  listed,
  pickRequestsSeries,
  type CloudWatchSeries,
  type MetricDataQuery,
  type PerformanceEvent,
} from "../../analysis/cloudwatch-json.js";
import type { Warning } from "../../sim/vocab/index.js";

const path = (name: string): string =>
  fileURLToPath(new URL(`../../../shared/data/cloudwatch/${name}`, import.meta.url));
const text = (name: string): string => readFileSync(path(name), "utf8");
const json = (name: string): unknown => JSON.parse(text(name));

const METRIC_MATH = "get-metric-data.awscli-example1-metric-math.json";
const QUERIES = "get-metric-data.awscli-example1-queries.json";
const BILLING = "get-metric-data.awscli-example2-billing.json";
const STATISTICS = "get-metric-statistics.awscli-example-cpu.json";
const EVENTS_JSON = "ecs-container-insights-performance-events.aws-docs.json";
const EVENTS_JSONL = "ecs-container-insights-performance-events.aws-docs.jsonl";

const TASK_ID = "7ac4dfba69214411b4783a3b8189c9ba";
const iso = (ms: number): string => new Date(ms).toISOString();

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!r.ok) throw new Error(`expected ok, got: ${r.error}`);
  return r.value;
}

/** Every series of some documents, with the warnings. */
function seriesOf(
  docs: readonly [source: string, json: unknown][],
  queries: readonly MetricDataQuery[] = [],
): { series: CloudWatchSeries[]; warnings: Warning[]; notes: string[]; bad: string[] } {
  const warnings: Warning[] = [];
  const bad: string[] = [];
  const builder = new CloudWatchSeriesBuilder(queries, (w) => warnings.push(w));
  for (const [source, doc] of docs)
    unwrap(addCloudWatchDocument(builder, source, doc, (i, reason) => bad.push(`${i} ${reason}`)));
  const series = builder.finish();
  return { series, warnings, notes: builder.notes, bad };
}

const byId = (series: readonly CloudWatchSeries[], id: string): CloudWatchSeries => {
  const s = series.find((x) => x.id === id);
  if (s === undefined) throw new Error(`no series ${id} in ${series.map((x) => x.id).join(", ")}`);
  return s;
};

describe("detectCloudWatchShape, on every file of shared/data/cloudwatch", () => {
  it("tells each output by its keys", () => {
    expect(detectCloudWatchShape(json(METRIC_MATH))).toBe("get-metric-data");
    expect(detectCloudWatchShape(json(BILLING))).toBe("get-metric-data");
    expect(detectCloudWatchShape(json(STATISTICS))).toBe("get-metric-statistics");
    expect(detectCloudWatchShape(json(EVENTS_JSON))).toBe("container-insights-events");
    for (const line of text(EVENTS_JSONL).trim().split("\n"))
      expect(detectCloudWatchShape(JSON.parse(line))).toBe("container-insights-events");
    expect(detectCloudWatchShape({ events: [] })).toBe("filter-log-events");
  });

  it("knows none of the queries file, and says what it is", () => {
    expect(detectCloudWatchShape(json(QUERIES))).toBeNull();
    expect(describeUnknownShape(json(QUERIES))).toMatch(
      /--metric-data-queries file \(the queries aws cloudwatch get-metric-data ran\): give it as --queries FILE/,
    );
    expect(detectCloudWatchShape({ foo: 1 })).toBeNull();
    expect(describeUnknownShape({ foo: 1 })).toMatch(
      /^it holds an object with "foo"; --format cloudwatch reads .*get-metric-data.*get-metric-statistics.*Container Insights.*filter-log-events/,
    );
    expect(detectCloudWatchShape([])).toBeNull();
    expect(detectCloudWatchShape("x")).toBeNull();
  });
});

describe("get-metric-data output", () => {
  it("reads the metric-math example: Id, Label, ISO timestamp with offset to epoch ms, value", () => {
    const out = unwrap(parseGetMetricData(json(METRIC_MATH)));
    expect(out.MetricDataResults).toEqual([
      {
        Id: "m3",
        Label: "Avg Total IOPS",
        Timestamps: [Date.UTC(2024, 8, 29, 22, 10)],
        Values: [96.85],
        StatusCode: "Complete",
        Messages: [],
      },
    ]);
    expect(out.Messages).toEqual([]);
    expect(out.NextToken).toBeUndefined();
  });

  it("reads the billing example", () => {
    const out = unwrap(parseGetMetricData(json(BILLING)));
    expect(out.MetricDataResults[0]).toMatchObject({
      Id: "m1",
      Label: "EstimatedCharges",
      Timestamps: [Date.UTC(2024, 8, 26, 12)],
      Values: [542.38],
    });
    const { series, warnings } = seriesOf([["billing.json", json(BILLING)]]);
    expect(series).toEqual([
      {
        id: "m1",
        aliases: ["m1", "EstimatedCharges"],
        metricName: "EstimatedCharges",
        dimensions: [],
        spacingSeconds: null,
        times: [Date.UTC(2024, 8, 26, 12)],
        values: [542.38],
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it("reads the query file that produced the metric-math example", () => {
    const queries = unwrap(parseMetricDataQueries(json(QUERIES)));
    expect(queries.map((q) => q.Id)).toEqual(["m3", "m1", "m2"]);
    expect(queries[0]).toMatchObject({
      Id: "m3",
      Expression: "(m1+m2)/300",
      Label: "Avg Total IOPS",
    });
    expect(queries[1]).toEqual({
      Id: "m1",
      MetricStat: {
        Metric: {
          Namespace: "AWS/EC2",
          MetricName: "EBSReadOps",
          Dimensions: [{ Name: "InstanceId", Value: "i-abcdef" }],
        },
        Period: 300,
        Stat: "Sum",
        Unit: "Count",
      },
      ReturnData: false,
    });
    expect(queries[2]!.MetricStat!.Metric.MetricName).toBe("EBSWriteOps");
    // The --cli-input-json form holds the same list.
    expect(unwrap(parseMetricDataQueries({ MetricDataQueries: json(QUERIES) }))).toEqual(queries);
  });

  it("maps the metric-math result to its query: expression, label, the period of m1 and m2", () => {
    const queries = unwrap(parseMetricDataQueries(json(QUERIES)));
    const { series, warnings, notes } = seriesOf([["math.json", json(METRIC_MATH)]], queries);
    expect(series).toEqual([
      {
        id: "m3",
        aliases: ["m3", "Avg Total IOPS"],
        metricName: "Avg Total IOPS",
        dimensions: [],
        periodSeconds: 300,
        expression: "(m1+m2)/300",
        spacingSeconds: null,
        times: [Date.parse("2024-09-29T22:10:00Z")],
        values: [96.85],
      },
    ]);
    expect(notes).toContain("m3 is metric math: (m1+m2)/300");
    expect(warnings).toEqual([]);
  });

  it("gives a MetricStat result the query's namespace, metric, dimensions, stat, unit and period", () => {
    const queries = unwrap(parseMetricDataQueries(json(QUERIES)));
    const page = {
      MetricDataResults: [
        {
          Id: "m1",
          Label: "EBSReadOps",
          Timestamps: ["2024-09-29T22:15:00+00:00", "2024-09-29T22:10:00+00:00"],
          Values: [2, 1],
          StatusCode: "Complete",
        },
      ],
    };
    const m1 = byId(seriesOf([["p.json", page]], queries).series, "m1");
    expect(m1).toMatchObject({
      namespace: "AWS/EC2",
      metricName: "EBSReadOps",
      stat: "Sum",
      unit: "Count",
      periodSeconds: 300,
      dimensions: [{ Name: "InstanceId", Value: "i-abcdef" }],
      spacingSeconds: 300,
      // CloudWatch returns newest first by default: sorted here.
      times: [Date.parse("2024-09-29T22:10:00Z"), Date.parse("2024-09-29T22:15:00Z")],
      values: [1, 2],
    });
  });

  it("merges pages by Id, notes PartialData and CloudWatch messages, and warns", () => {
    const page = (times: string[], values: number[], status: string, extra = {}) => ({
      MetricDataResults: [
        { Id: "r", Label: "RequestCount", Timestamps: times, Values: values, StatusCode: status },
      ],
      Messages: [],
      ...extra,
    });
    const { series, warnings, notes } = seriesOf([
      [
        "p1.json",
        page(["2025-01-01T00:02:00Z", "2025-01-01T00:01:00Z"], [30, 20], "PartialData", {
          NextToken: "abc",
        }),
      ],
      [
        "p2.json",
        page(["2025-01-01T00:01:00-00:00", "2025-01-01T00:00:00Z"], [20, 10], "Complete", {
          Messages: [
            { Code: "MaxMetricsExceeded", Value: "The maximum number of metrics was exceeded." },
          ],
        }),
      ],
    ]);
    expect(series).toHaveLength(1);
    expect(series[0]!.times.map(iso)).toEqual([
      "2025-01-01T00:00:00.000Z",
      "2025-01-01T00:01:00.000Z",
      "2025-01-01T00:02:00.000Z",
    ]);
    expect(series[0]!.values).toEqual([10, 20, 30]);
    expect(series[0]!.spacingSeconds).toBe(60);
    expect(notes.join("\n")).toMatch(/PartialData for r in p1\.json/);
    expect(notes.join("\n")).toMatch(/CloudWatch \(p2\.json\): MaxMetricsExceeded: The maximum/);
    expect(warnings.map((w) => w.code)).toEqual(["partial-data"]);
  });

  it("warns when the same Id holds different values at one time, or two files label an Id differently", () => {
    const page = (label: string, value: number) => ({
      MetricDataResults: [
        { Id: "m1", Label: label, Timestamps: ["2025-01-01T00:00:00Z"], Values: [value] },
      ],
    });
    const { series, warnings } = seriesOf([
      ["a.json", page("A", 1)],
      ["b.json", page("B", 2)],
    ]);
    expect(series[0]!.values).toEqual([2]);
    expect(warnings.map((w) => w.code)).toEqual(["label-mismatch", "conflicting-datapoints"]);
    expect(warnings[0]!.message).toMatch(
      /b\.json: result m1 is labelled "B", but m1 was "A" before/,
    );
  });

  it("refuses broken output with a sentence naming the place", () => {
    const broken = (r: object) => parseGetMetricData({ MetricDataResults: [r] });
    expect(broken({ Id: "m1", Timestamps: ["2025-01-01T00:00:00Z"], Values: [] })).toEqual({
      ok: false,
      error: "MetricDataResults[0] (m1) has 1 Timestamps but 0 Values",
    });
    expect(broken({ Id: "m1", Timestamps: ["yesterday"], Values: [1] })).toMatchObject({
      ok: false,
      error: 'MetricDataResults[0] (m1) Timestamps[0] is "yesterday", not an ISO 8601 time',
    });
    // A hand-made result with only a Label is named by it.
    expect(
      unwrap(broken({ Label: "RequestCount", Timestamps: [], Values: [] })).MetricDataResults[0],
    ).toMatchObject({ Id: "RequestCount", Label: "RequestCount" });
    expect(broken({ Timestamps: [], Values: [] })).toMatchObject({
      ok: false,
      error: "MetricDataResults[0] has no Id or Label",
    });
    expect(broken({ Id: "m1", Timestamps: ["2025-01-01T00:00:00Z"], Values: ["1"] })).toMatchObject(
      {
        ok: false,
        error: 'MetricDataResults[0] (m1) Values[0] is "1", not a number',
      },
    );
    expect(parseMetricDataQueries([{ Id: "m1" }])).toEqual({
      ok: false,
      error: "query m1 has neither MetricStat nor Expression",
    });
    expect(parseMetricDataQueries([{ Id: "m1", Expression: "m2", Period: "60" }])).toMatchObject({
      ok: false,
      error: expect.stringMatching(/query m1\.Period is "60", not a whole number of seconds/),
    });
  });
});

describe("get-metric-statistics output", () => {
  const out = unwrap(parseGetMetricStatistics(json(STATISTICS)));
  const max = out.statistics[0]!;

  it("sorts the 21 unordered hourly datapoints by time", () => {
    expect(out.Label).toBe("CPUUtilization");
    expect(out.datapoints).toBe(21);
    expect(out.statistics.map((s) => s.stat)).toEqual(["Maximum"]);
    expect(max.unit).toBe("Percent");
    expect(max.times).toHaveLength(21);
    expect(iso(max.times[0]!)).toBe("2014-02-18T23:18:00.000Z");
    expect(iso(max.times[20]!)).toBe("2014-02-19T19:18:00.000Z");
    for (let i = 1; i < max.times.length; i++)
      expect(max.times[i]! - max.times[i - 1]!).toBe(3_600_000);
  });

  it("keeps each value with its time, 17-digit floats read as the doubles they denote", () => {
    const at = (time: string): number => max.values[max.times.indexOf(Date.parse(time))]!;
    expect(max.values[0]).toBe(0.67); // "0.67000000000000004" at 2014-02-18T23:18
    expect(at("2014-02-19T03:18:00Z")).toBe(99.67); // "99.670000000000002"
    expect(at("2014-02-19T00:18:00Z")).toBe(0.33000000000000002);
    expect(at("2014-02-19T18:18:00Z")).toBe(6.6699999999999999);
    expect(at("2014-02-19T08:18:00Z")).toBe(0.68);
    expect(at("2014-02-19T04:18:00Z")).toBe(2);
    expect(max.values[20]).toBe(8);
    expect(max.values.reduce((a, b) => a + b, 0)).toBeCloseTo(125.81, 10); // Python sum() of the file: 125.81000000000004
  });

  it("becomes one series per statistic, with a period of one hour", () => {
    const { series } = seriesOf([["cpu.json", json(STATISTICS)]]);
    expect(series).toHaveLength(1);
    expect(series[0]).toMatchObject({
      id: "CPUUtilization.Maximum",
      aliases: ["CPUUtilization.Maximum", "CPUUtilization"],
      metricName: "CPUUtilization",
      stat: "Maximum",
      unit: "Percent",
      spacingSeconds: 3600,
    });
    expect(periodForSpacing(series[0]!.spacingSeconds!)).toBe(3600);
  });

  it("reads every standard and extended statistic present", () => {
    const doc = {
      Label: "TargetResponseTime",
      Datapoints: [
        {
          Timestamp: "2025-01-01T00:01:00Z",
          Average: 0.2,
          Sum: 4,
          ExtendedStatistics: { p99: 0.9 },
          Unit: "Seconds",
        },
        {
          Timestamp: "2025-01-01T00:00:00Z",
          Average: 0.1,
          Sum: 2,
          ExtendedStatistics: { p99: 0.5 },
          Unit: "Seconds",
        },
      ],
    };
    const stats = unwrap(parseGetMetricStatistics(doc)).statistics;
    expect(stats.map((s) => [s.stat, s.values])).toEqual([
      ["Average", [0.1, 0.2]],
      ["Sum", [2, 4]],
      ["p99", [0.5, 0.9]],
    ]);
    expect(parseGetMetricStatistics({ Label: "x", Datapoints: [{ Average: 1 }] })).toMatchObject({
      ok: false,
      error: "Datapoints[0] Timestamp is missing",
    });
  });
});

describe("Container Insights performance events", () => {
  const events = (json(EVENTS_JSON) as unknown[]).map((e) => unwrap(parsePerformanceEvent(e)));

  it("reads the 4 example events (Container, Task, Service, Cluster) with their numbers", () => {
    expect(events.map((e) => e.Type)).toEqual(["Container", "Task", "Service", "Cluster"]);
    const [container, task, service, cluster] = events as PerformanceEvent[];
    expect(container).toMatchObject({
      Type: "Container",
      Timestamp: 1623963900000,
      ClusterName: "MyCluster",
      TaskId: TASK_ID,
      ContainerName: "sleep",
      TaskDefinitionFamily: "sleep360",
    });
    expect(container!.metrics).toEqual({
      CpuUtilized: 0,
      CpuReserved: 10,
      MemoryUtilized: 0,
      MemoryReserved: 10,
      StorageReadBytes: 0,
      StorageWriteBytes: 0,
      NetworkRxBytes: 0,
      NetworkRxDropped: 0,
      NetworkRxErrors: 0,
      NetworkRxPackets: 14,
      NetworkTxBytes: 0,
      NetworkTxDropped: 0,
      NetworkTxErrors: 0,
      NetworkTxPackets: 0,
    });
    expect(task).toMatchObject({ Type: "Task", Timestamp: 1623963900000, TaskId: TASK_ID });
    // PullStartedAt, CreatedAt, … are times, not metrics.
    expect(Object.keys(task!.metrics)).not.toContain("PullStartedAt");
    expect(task!.metrics).toMatchObject({
      CpuReserved: 10,
      MemoryReserved: 10,
      NetworkRxPackets: 14,
    });
    expect(service).toEqual({
      Type: "Service",
      Timestamp: 1561586460000,
      ClusterName: "myCICluster",
      ServiceName: "myCIService",
      metrics: {
        DesiredTaskCount: 2,
        RunningTaskCount: 2,
        PendingTaskCount: 0,
        DeploymentCount: 1,
        TaskSetCount: 0,
      },
    });
    expect(cluster).toEqual({
      Type: "Cluster",
      Timestamp: 1561587300000,
      ClusterName: "myCICluster",
      metrics: { TaskCount: 5, ContainerInstanceCount: 5, ServiceCount: 2 },
    });
  });

  it("reads the JSONL copy line by line into the same events", () => {
    const lines = text(EVENTS_JSONL).trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => unwrap(parsePerformanceEvent(JSON.parse(l))))).toEqual(events);
  });

  const EXPECTED_IDS = [
    "ci.RunningTaskCount.Average",
    "ci.DesiredTaskCount.Average",
    "ci.PendingTaskCount.Average",
    "ci.DeploymentCount.Average",
    "ci.TaskSetCount.Average",
    `task.${TASK_ID}.CpuUtilized.Average`,
    `task.${TASK_ID}.MemoryUtilized.Average`,
    `container.${TASK_ID}.sleep.CpuUtilized.Average`,
    `container.${TASK_ID}.sleep.MemoryUtilized.Average`,
    "cluster.myCICluster.TaskCount.Average",
    "cluster.myCICluster.ContainerInstanceCount.Average",
    "cluster.myCICluster.ServiceCount.Average",
  ];

  it("becomes the collector's series ids, namespaces, dimensions and units", () => {
    const { series, bad } = seriesOf([["events.json", json(EVENTS_JSON)]]);
    expect(bad).toEqual([]);
    expect(series.map((s) => s.id)).toEqual(EXPECTED_IDS);
    const taskDims = [
      { Name: "ClusterName", Value: "MyCluster" },
      { Name: "TaskDefinitionFamily", Value: "sleep360" },
      { Name: "TaskId", Value: TASK_ID },
    ];
    expect(byId(series, `task.${TASK_ID}.MemoryUtilized.Average`)).toEqual({
      id: `task.${TASK_ID}.MemoryUtilized.Average`,
      aliases: [],
      namespace: "ECS/ContainerInsights",
      metricName: "MemoryUtilized",
      stat: "Average",
      dimensions: taskDims,
      unit: "Megabytes",
      spacingSeconds: null,
      times: [1623963900000],
      values: [0],
    });
    expect(byId(series, `container.${TASK_ID}.sleep.CpuUtilized.Average`)).toMatchObject({
      dimensions: [...taskDims, { Name: "ContainerName", Value: "sleep" }],
      unit: "None",
      values: [0],
    });
    expect(byId(series, "ci.RunningTaskCount.Average")).toMatchObject({
      namespace: "ECS/ContainerInsights",
      dimensions: [
        { Name: "ClusterName", Value: "myCICluster" },
        { Name: "ServiceName", Value: "myCIService" },
      ],
      unit: "Count",
      times: [1561586460000],
      values: [2],
    });
    expect(byId(series, "ci.DeploymentCount.Average").values).toEqual([1]);
    expect(byId(series, "cluster.myCICluster.TaskCount.Average")).toMatchObject({
      dimensions: [{ Name: "ClusterName", Value: "myCICluster" }],
      times: [1561587300000],
      values: [5],
    });
    expect(byId(series, "cluster.myCICluster.ServiceCount.Average").values).toEqual([2]);
  });

  it("reads filter-log-events output whose messages are the events, and counts a bad message", () => {
    const lines = text(EVENTS_JSONL).trim().split("\n");
    const doc = {
      events: [
        ...lines.map((message, i) => ({
          logStreamName: "AgentTelemetry-0d7650e6dec34c1a9200f72098071e8f",
          timestamp: 1623963900000 + i,
          message,
          ingestionTime: 1623963960000,
          eventId: String(i),
        })),
        { timestamp: 1623963900000, message: "not json" },
      ],
      searchedLogStreams: [],
    };
    expect(detectCloudWatchShape(doc)).toBe("filter-log-events");
    const { series, bad } = seriesOf([["logs.json", doc]]);
    expect(series.map((s) => s.id)).toEqual(EXPECTED_IDS);
    expect(bad).toEqual(["5 has a message that is not JSON"]);
    expect(unwrap(parseLogEvents(doc))).toHaveLength(5);
  });

  it("averages Task events of a service per minute into ci.* usage series; several services get their names", () => {
    const task = (id: string, service: string, cpu: number) => ({
      Type: "Task",
      TaskId: id,
      ClusterName: "c",
      TaskDefinitionFamily: "web",
      ServiceName: service,
      Timestamp: 1_700_000_040_000,
      CpuUtilized: cpu,
      MemoryUtilized: 100,
    });
    const one = seriesOf([["e.json", [task("a", "web", 100), task("b", "web", 300)]]]);
    expect(byId(one.series, "ci.CpuUtilized.Average").values).toEqual([200]);
    expect(byId(one.series, "task.a.CpuUtilized.Average").values).toEqual([100]);
    const two = seriesOf([["e.json", [task("a", "web", 100), task("b", "api", 300)]]]);
    expect(two.series.map((s) => s.id)).toContain("service.api.CpuUtilized.Average");
    expect(two.warnings.map((w) => w.code)).toEqual(["several-services"]);
  });

  it("skips other Types with a note and reports events it cannot read", () => {
    const { series, notes, bad } = seriesOf([
      [
        "e.json",
        [
          { Type: "ContainerInstance", Timestamp: 1, CpuUtilized: 1 },
          { Type: "Task", Timestamp: 1623963900000, CpuUtilized: 1 },
          { Type: "Service", ServiceName: "s", Timestamp: "soon" },
          { Type: "Cluster", ClusterName: "c", Timestamp: 1623963900000, TaskCount: 3 },
        ],
      ],
    ]);
    expect(series.map((s) => s.id)).toEqual(["cluster.c.TaskCount.Average"]);
    expect(bad).toEqual([
      "2 a Task event has no TaskId",
      `3 a Service event's Timestamp "soon" is not epoch milliseconds`,
    ]);
    expect(notes).toContain("performance events of other Types were skipped: 1 ContainerInstance");
    expect(
      parsePerformanceMessage({
        timestamp: 5,
        message: '{"Type":"Cluster","ClusterName":"c","TaskCount":1}',
      }),
    ).toMatchObject({
      ok: true,
      value: { Timestamp: 5 },
    });
  });
});

describe("hostile keys", () => {
  it("reads a __proto__ key as an ordinary field, never as a prototype", () => {
    const doc: unknown = JSON.parse(
      '[{"Type":"Cluster","ClusterName":"c","Timestamp":1623963900000,"__proto__":{"TaskCount":7},"TaskCount":3}]',
    );
    const { series } = seriesOf([["e.json", doc]]);
    expect(series.map((s) => [s.id, s.values])).toEqual([["cluster.c.TaskCount.Average", [3]]]);
    expect(({} as Record<string, unknown>).TaskCount).toBeUndefined();
  });
});

describe("pickRequestsSeries", () => {
  const s = (
    id: string,
    metricName: string,
    dims: string[] = [],
    aliases: string[] = [id],
  ): CloudWatchSeries => ({
    id,
    aliases,
    metricName,
    dimensions: dims.map((Name) => ({ Name, Value: "x" })),
    spacingSeconds: null,
    times: [],
    values: [],
  });

  it("takes the RequestCount series, the target group's when the load balancer's is there too", () => {
    const tg = s("m0", "RequestCount", ["TargetGroup", "LoadBalancer"]);
    const lb = s("m1", "RequestCount", ["LoadBalancer"]);
    expect(unwrap(pickRequestsSeries([s("m2", "CPUUtilization"), lb, tg], undefined))).toBe(tg);
    expect(unwrap(pickRequestsSeries([lb], undefined))).toBe(lb);
    expect(
      pickRequestsSeries([lb, s("m3", "RequestCount", ["LoadBalancer"])], undefined),
    ).toMatchObject({
      ok: false,
      error: expect.stringMatching(/several RequestCount series .*m1, m3.*pass --requests/),
    });
  });

  it("takes the one --requests names, by series id, query Id or Label", () => {
    const math = s("m3", "Avg Total IOPS", [], ["m3", "Avg Total IOPS"]);
    const cpu = s(
      "CPUUtilization.Maximum",
      "CPUUtilization",
      [],
      ["CPUUtilization.Maximum", "CPUUtilization"],
    );
    expect(unwrap(pickRequestsSeries([math, cpu], "m3"))).toBe(math);
    expect(unwrap(pickRequestsSeries([math, cpu], "Avg Total IOPS"))).toBe(math);
    expect(unwrap(pickRequestsSeries([math, cpu], "CPUUtilization"))).toBe(cpu);
    expect(pickRequestsSeries([math, cpu], "m9")).toEqual({
      ok: false,
      error:
        "--requests m9 names no series; the series found are m3 (Avg Total IOPS), CPUUtilization.Maximum (CPUUtilization).",
    });
  });

  it("finds none when no series is a RequestCount and --requests names none", () => {
    const charges = s("m1", "EstimatedCharges", [], ["m1", "EstimatedCharges"]);
    expect(pickRequestsSeries([charges], undefined)).toEqual({ ok: true, value: null });
    expect(listed([charges])).toBe("m1 (EstimatedCharges)");
  });
});

describe("times and periods", () => {
  it("reads ISO times with offsets and epoch numbers", () => {
    expect(cloudWatchTime("2024-09-29T22:10:00+00:00")).toBe(1727647800000);
    expect(cloudWatchTime("2024-09-29T18:10:00-04:00")).toBe(1727647800000);
    expect(cloudWatchTime(1623963900000)).toBe(1623963900000);
    expect(cloudWatchTime(1623963900)).toBe(1623963900000);
    expect(cloudWatchTime("tomorrow")).toBeNull();
    expect(cloudWatchTime(1e300)).toBeNull();
    expect(cloudWatchTime(null)).toBeNull();
  });

  it("snaps a spacing to a CloudWatch period", () => {
    expect([1, 4.9, 9.8, 20, 29, 45, 58, 60, 61, 299, 3600, 86_400].map(periodForSpacing)).toEqual([
      1, 5, 10, 20, 30, 60, 60, 60, 60, 300, 3600, 86_400,
    ]);
    expect([1, 5, 10, 20, 30, 60, 300, 3600].every(isCloudWatchPeriod)).toBe(true);
    expect([0, 15, 45, 90, -60, 0.5].some(isCloudWatchPeriod)).toBe(false);
  });
});

describe("the parsers on arbitrary JSON (fast-check)", () => {
  /** Arbitrary JSON, and JSON shaped like each document with arbitrary parts. */
  const anyJson = fc.jsonValue();
  const shaped = fc.oneof(
    anyJson,
    fc.record(
      {
        MetricDataResults: fc.array(
          fc.oneof(
            anyJson,
            fc.record(
              {
                Id: fc.string(),
                Timestamps: fc.array(fc.oneof(anyJson, fc.constant("2025-01-01T00:00:00Z"))),
                Values: fc.array(anyJson),
                StatusCode: anyJson,
                Messages: anyJson,
              },
              { requiredKeys: [] },
            ),
          ),
        ),
        Messages: anyJson,
      },
      { requiredKeys: ["MetricDataResults"] },
    ),
    fc.record(
      {
        Label: anyJson,
        Datapoints: fc.array(
          fc.oneof(
            anyJson,
            fc.record(
              {
                Timestamp: fc.oneof(anyJson, fc.constant("2025-01-01T00:00:00Z")),
                Average: anyJson,
                Maximum: anyJson,
                ExtendedStatistics: anyJson,
                Unit: anyJson,
              },
              { requiredKeys: [] },
            ),
          ),
        ),
      },
      { requiredKeys: ["Datapoints"] },
    ),
    fc.array(
      fc.record(
        {
          Type: fc.oneof(
            fc.constantFrom("Container", "Task", "Service", "Cluster", "Other"),
            anyJson,
          ),
          Timestamp: fc.oneof(anyJson, fc.integer()),
          TaskId: anyJson,
          ContainerName: anyJson,
          ServiceName: anyJson,
          ClusterName: anyJson,
          CpuUtilized: anyJson,
        },
        { requiredKeys: [] },
      ),
    ),
    fc.record({
      events: fc.array(
        fc.record(
          {
            timestamp: anyJson,
            message: fc.oneof(
              anyJson,
              anyJson.map((v) => JSON.stringify(v)),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
    }),
  );

  it("never throw: every input is a value or an error sentence", () => {
    fc.assert(
      fc.property(shaped, fc.option(fc.string()), (doc, requests) => {
        const builder = new CloudWatchSeriesBuilder([], () => {});
        const read = addCloudWatchDocument(builder, "f.json", doc, (_i, reason) => {
          expect(reason.length).toBeGreaterThan(0);
        });
        if (!read.ok) expect(read.error).toMatch(/^\S.*[^.]$/s);
        const series = builder.finish();
        for (const s of series) {
          expect(s.id).toMatch(/^[A-Za-z0-9_.-]+$/);
          expect(s.times.length).toBe(s.values.length);
          for (let i = 1; i < s.times.length; i++)
            expect(s.times[i]!).toBeGreaterThan(s.times[i - 1]!);
        }
        expect(new Set(series.map((s) => s.id)).size).toBe(series.length);
        const picked = pickRequestsSeries(series, requests ?? undefined);
        if (!picked.ok) expect(picked.error).toMatch(/\.$/);
        for (const parse of [
          parseGetMetricData,
          parseGetMetricStatistics,
          parseMetricDataQueries,
          parseLogEvents,
          parsePerformanceEvent,
        ])
          expect(() => parse(doc)).not.toThrow();
        detectCloudWatchShape(doc);
        describeUnknownShape(doc);
      }),
      { numRuns: 500 },
    );
  });
});
