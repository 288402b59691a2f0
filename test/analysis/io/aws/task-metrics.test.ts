import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CloudWatchClient,
  ListMetricsCommand,
  type ListMetricsCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readBundleManifest } from "../../../../analysis/io/files/bundle.js";
import { collect } from "../../../../analysis/io/aws/collect.js";
import type { RetryOptions } from "../../../../analysis/io/aws/retry.js";
import { discoverTasks, taskMetricQueries } from "../../../../analysis/io/aws/task-metrics.js";
import { seriesIdPart, type Warning } from "../../../../sim/vocab/index.js";
import { clients, mockAws, TEST_CLIENT_CONFIG } from "./mock-aws.js";

const retry: RetryOptions = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

function taskMetric(taskId: string, family = "api", cluster = "prod") {
  return {
    Namespace: "ECS/ContainerInsights",
    MetricName: "CpuUtilized",
    Dimensions: [
      { Name: "ClusterName", Value: cluster },
      { Name: "TaskDefinitionFamily", Value: family },
      { Name: "TaskId", Value: taskId },
    ],
  };
}

function containerMetric(taskId: string, container: string, family = "api") {
  const m = taskMetric(taskId, family);
  return { ...m, Dimensions: [...m.Dimensions, { Name: "ContainerName", Value: container }] };
}

describe("discoverTasks (ListMetrics)", () => {
  let cw: ReturnType<typeof mockClient>;
  beforeEach(() => {
    cw = mockClient(CloudWatchClient);
  });
  afterEach(() => cw.restore());

  it("pages with a fresh input per call, filters by cluster and family, and keeps containers", async () => {
    cw.on(ListMetricsCommand)
      .resolvesOnce({
        Metrics: [
          taskMetric("bbb"),
          containerMetric("bbb", "app"),
          taskMetric("zzz", "worker"), // another family
          taskMetric("yyy", "api", "staging"), // another cluster
        ],
        NextToken: "t2",
      })
      .resolvesOnce({
        Metrics: [
          taskMetric("aaa"),
          containerMetric("aaa", "log.router"),
          containerMetric("aaa", "app"),
        ],
        NextToken: "t3",
      })
      .resolves({ Metrics: [containerMetric("ccc", "app")] }); // no task-level set: skipped
    const warnings: Warning[] = [];
    const found = await discoverTasks(
      new CloudWatchClient(TEST_CLIENT_CONFIG),
      { clusterName: "prod", family: "api", maxTasks: 50 },
      retry,
      (w) => warnings.push(w),
    );
    expect(found.pages).toBe(3);
    expect(found.found).toBe(2);
    expect(warnings).toEqual([]);
    expect(found.tasks.map((t) => t.taskId)).toEqual(["aaa", "bbb"]);
    expect(found.tasks[0]!.containers.map((c) => c.name)).toEqual(["app", "log.router"]);
    expect(found.tasks[0]!.dimensions).toEqual(taskMetric("aaa").Dimensions);

    const inputs = cw
      .commandCalls(ListMetricsCommand)
      .map((c) => c.args[0].input as ListMetricsCommandInput);
    expect(inputs.map((i) => i.NextToken)).toEqual([undefined, "t2", "t3"]);
    expect(new Set(inputs).size).toBe(3);
    expect(inputs[0]).toEqual({
      Namespace: "ECS/ContainerInsights",
      MetricName: "CpuUtilized",
      Dimensions: [
        { Name: "ClusterName", Value: "prod" },
        { Name: "TaskDefinitionFamily", Value: "api" },
      ],
      NextToken: undefined,
    });

    const queries = taskMetricQueries(found.tasks, 26);
    expect(queries.map((q) => q.seriesId)).toEqual([
      "task.aaa.CpuUtilized.Average",
      "task.aaa.MemoryUtilized.Average",
      "container.aaa.app.CpuUtilized.Average",
      "container.aaa.app.MemoryUtilized.Average",
      "container.aaa.log_router.CpuUtilized.Average",
      "container.aaa.log_router.MemoryUtilized.Average",
      "task.bbb.CpuUtilized.Average",
      "task.bbb.MemoryUtilized.Average",
      "container.bbb.app.CpuUtilized.Average",
      "container.bbb.app.MemoryUtilized.Average",
    ]);
    expect(queries.map((q) => q.queryId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${26 + i}`),
    );
    expect(queries[5]).toMatchObject({
      namespace: "ECS/ContainerInsights",
      metricName: "MemoryUtilized",
      stat: "Average",
      unit: "Megabytes",
      dimensions: containerMetric("aaa", "log.router").Dimensions,
    });
    for (const q of queries) expect(q.seriesId).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it("caps the tasks at maxTasks, the first by TaskId, with a tasks-capped warning", async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `t${String(6 - i).padStart(2, "0")}`);
    cw.on(ListMetricsCommand).resolves({ Metrics: ids.map((id) => taskMetric(id)) });
    const warnings: Warning[] = [];
    const found = await discoverTasks(
      new CloudWatchClient(TEST_CLIENT_CONFIG),
      { clusterName: "prod", family: "api", maxTasks: 3 },
      retry,
      (w) => warnings.push(w),
    );
    expect(found.found).toBe(7);
    expect(found.tasks.map((t) => t.taskId)).toEqual(["t00", "t01", "t02"]);
    expect(warnings.map((w) => w.code)).toEqual(["tasks-capped"]);
    expect(warnings[0]!.message).toMatch(/found 7 tasks.*first 3/);
  });

  it("warns no-per-task-metrics when ListMetrics finds nothing", async () => {
    cw.on(ListMetricsCommand).resolves({ Metrics: [] });
    const warnings: Warning[] = [];
    const found = await discoverTasks(
      new CloudWatchClient(TEST_CLIENT_CONFIG),
      { clusterName: "prod", family: "api", maxTasks: 50 },
      retry,
      (w) => warnings.push(w),
    );
    expect(found.tasks).toEqual([]);
    expect(warnings.map((w) => w.code)).toEqual(["no-per-task-metrics"]);
    expect(warnings[0]!.message).toMatch(/^no per-task metrics \(enhanced observability off\)/);
  });

  it("sanitizes ids and keeps them unique", () => {
    expect(seriesIdPart("log router/v2")).toBe("log_router_v2");
    const dims = taskMetric("x").Dimensions;
    const q = taskMetricQueries(
      [
        {
          taskId: "x",
          dimensions: dims,
          containers: [
            { name: "a.b", dimensions: dims },
            { name: "a_b", dimensions: dims },
          ],
        },
      ],
      0,
    );
    expect(q.map((x) => x.seriesId)).toContain("container.x.a_b_2.CpuUtilized.Average");
    expect(new Set(q.map((x) => x.seriesId)).size).toBe(q.length);
  });
});

describe("collect with per-task metrics (mocked AWS)", () => {
  let aws: ReturnType<typeof mockAws>;
  beforeEach(() => {
    aws = mockAws();
  });
  afterEach(() => aws.restore());

  const FROM = Date.UTC(2026, 10, 1);
  const DAY_MS = 86_400_000;

  it("packs the task and container series into the same GetMetricData chunks", async () => {
    aws.cw.on(ListMetricsCommand).resolves({
      Metrics: [taskMetric("abc123"), containerMetric("abc123", "app")],
    });
    const out = join(await mkdtemp(join(tmpdir(), "caplab-tasks-")), "bundle");
    const warnings: Warning[] = [];
    const result = await collect(
      {
        cluster: "prod",
        service: "api",
        fromMs: FROM,
        toMs: FROM + 7 * DAY_MS,
        periodSeconds: 60,
        out,
        where: "us-east-1",
      },
      {
        ...clients(),
        caplabVersion: "test",
        now: () => FROM + 8 * DAY_MS,
        retry,
        warn: (w) => warnings.push(w),
      },
    );
    // 26 + 4 series over 7 days at 60 s: ⌈30 × 10,080 / 100,800⌉ = 3 calls.
    expect(result.series).toBe(30);
    expect(result.chunks).toBe(3);
    expect(result.getMetricDataCalls).toBe(3);
    expect(warnings.map((w) => w.code)).not.toContain("no-per-task-metrics");
    const manifest = await readBundleManifest(out);
    const task = manifest.series.find((s) => s.id === "task.abc123.CpuUtilized.Average")!;
    expect(task.dimensions).toEqual(taskMetric("abc123").Dimensions);
    const container = manifest.series.find(
      (s) => s.id === "container.abc123.app.MemoryUtilized.Average",
    )!;
    expect(container).toMatchObject({
      namespace: "ECS/ContainerInsights",
      metricName: "MemoryUtilized",
      stat: "Average",
      unit: "Megabytes",
      dimensions: containerMetric("abc123", "app").Dimensions,
    });
  });

  it("without enhanced observability collects as before and warns", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "caplab-tasks-")), "bundle");
    const warnings: Warning[] = [];
    const result = await collect(
      {
        cluster: "prod",
        service: "api",
        fromMs: FROM,
        toMs: FROM + DAY_MS,
        periodSeconds: 60,
        out,
        where: "us-east-1",
      },
      {
        ...clients(),
        caplabVersion: "test",
        now: () => FROM + 8 * DAY_MS,
        retry,
        warn: (w) => warnings.push(w),
      },
    );
    expect(result.series).toBe(26);
    expect(warnings.map((w) => w.code)).toContain("no-per-task-metrics");
    const manifest = await readBundleManifest(out);
    expect(manifest.notes.join("\n")).toMatch(/no per-task metrics \(enhanced observability off\)/);
  });
});
