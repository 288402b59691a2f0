/**
 * The real SDK clients against a local server that speaks the wire protocols (CloudWatch AWS
 * JSON 1.0, ECS and Application Auto Scaling JSON 1.1): paging, packing, throttling,
 * PartialData, a collection stopped midway then resumed, and per-task and per-container
 * series found with ListMetrics (enhanced observability).
 */
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readBundleManifest } from "../../../../analysis/io/files/bundle.js";
import { savedChunkCount } from "../../../../analysis/io/aws/checkpoint.js";
import {
  collect,
  CollectionInterrupted,
  type CollectDeps,
  type CollectRequest,
} from "../../../../analysis/io/aws/collect.js";
import type { RetryOptions } from "../../../../analysis/io/aws/retry.js";
import {
  startFakeAws,
  syntheticValue,
  type FakeAws,
  type FakeAwsOptions,
  type FakeTask,
  wireClients,
} from "./fake-aws-server.js";

const FROM = Date.UTC(2026, 10, 20);
const TO = FROM + 2 * 86_400_000; // 2 days at 60 s: 2,880 points per series
const NOW = TO + 3_600_000;
const QUERIES = 26;
/** 600 points per query per call: 5 chunks of 576 minutes. */
const LIMITS = { maxQueries: 500, maxDatapoints: QUERIES * 600 };
const retry: RetryOptions = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 4 };

let servers: FakeAws[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(options: FakeAwsOptions): Promise<FakeAws> {
  const s = await startFakeAws(options);
  servers.push(s);
  return s;
}

function deps(s: FakeAws, extra: Partial<CollectDeps> = {}): CollectDeps {
  return {
    ...wireClients(s),
    caplabVersion: "test",
    now: () => NOW,
    retry,
    limits: LIMITS,
    ...extra,
  };
}

function request(out: string): CollectRequest {
  return {
    cluster: "prod",
    service: "api",
    fromMs: FROM,
    toMs: TO,
    periodSeconds: 60,
    out,
    where: "local",
  };
}

async function seriesFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const f of (await readdir(join(dir, "series"))).sort())
    files.set(f, await readFile(join(dir, "series", f), "utf8"));
  return files;
}

describe("collect over the wire (127.0.0.1)", () => {
  it("pages, packs, retries throttling, notes PartialData, and writes the synthetic data exactly", async () => {
    const s = await server({ pageSize: 250, throttleEvery: 4, partialDataOnPage: 2 });
    const out = join(await mkdtemp(join(tmpdir(), "caplab-wire-")), "bundle");
    const result = await collect(request(out), deps(s));

    // 5 chunks × ⌈576 / 250⌉ = 3 pages each.
    expect(result.chunks).toBe(5);
    expect(result.getMetricDataCalls).toBe(15);
    expect(s.stats.pages).toBe(15);
    expect(s.stats.throttled).toBeGreaterThan(0);
    expect(s.stats.requests.GetMetricData).toBe(15 + s.stats.throttled);
    expect(result.retries).toBe(s.stats.throttled);

    const manifest = await readBundleManifest(out);
    expect(manifest.notes.join("\n")).toMatch(/PartialData/);
    expect(manifest.notes.join("\n")).toMatch(/throttled/);
    expect(manifest.current?.task).toEqual({
      cpu: "512",
      memory: "1024",
      architecture: "ARM64",
      capacityProvider: "FARGATE",
    });

    // Every slot present once; values equal the server's function; its gaps are empty cells.
    const requests = manifest.series.find((x) => x.id === "requests")!;
    const key = `RequestCount|Sum|${JSON.stringify(requests.dimensions)}`;
    const rows = (await readFile(join(out, requests.file), "utf8")).trim().split("\n").slice(1);
    expect(rows).toHaveLength(2880);
    let gaps = 0;
    rows.forEach((row, i) => {
      const [time, value] = row.split(",");
      const t = FROM / 1000 + i * 60;
      expect(time).toBe(new Date(t * 1000).toISOString());
      const expected = syntheticValue(key, t);
      if (expected === null) {
        gaps++;
        expect(value).toBe("");
      } else expect(Number(value)).toBe(expected);
    });
    expect(gaps).toBeGreaterThan(0);
    const scaling = JSON.parse(await readFile(join(out, "scaling.json"), "utf8")) as {
      policies: unknown[];
    };
    expect(scaling.policies).toHaveLength(4);
  });

  it("a collection stopped midway, then resumed, equals an uninterrupted one", async () => {
    const s = await server({ pageSize: 400, throttleEvery: 5, partialDataOnPage: 3 });
    const root = await mkdtemp(join(tmpdir(), "caplab-wire-"));
    const whole = join(root, "whole");
    await collect(request(whole), deps(s));
    const pagesWhole = s.stats.pages;

    // Stop after 2 chunks (Ctrl-C).
    const resumed = join(root, "resumed");
    const controller = new AbortController();
    const stopped = await collect(
      request(resumed),
      deps(s, { signal: controller.signal, onChunk: (done) => done === 2 && controller.abort() }),
    ).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(CollectionInterrupted);
    expect(await savedChunkCount(`${resumed}.partial`)).toBe(2);
    expect(await readdir(root)).not.toContain("resumed");

    const before = s.stats.pages;
    const result = await collect(request(resumed), deps(s));
    expect(result.resumedChunks).toBe(2);
    expect(s.stats.pages - before).toBe(pagesWhole - (pagesWhole / 5) * 2);
    expect(await seriesFiles(resumed)).toEqual(await seriesFiles(whole));
    expect((await readdir(root)).sort()).toEqual(["resumed", "whole"]);
  });

  it("a server that starts failing for good leaves checkpoints that the next run completes", async () => {
    const s = await server({ pageSize: 600, failAfterPages: 3 });
    const root = await mkdtemp(join(tmpdir(), "caplab-wire-"));
    const out = join(root, "bundle");
    const error = await collect(request(out), deps(s)).catch((e: unknown) => e);
    expect((error as Error).name).toBe("InternalFailure");
    expect(await savedChunkCount(`${out}.partial`)).toBe(3);

    s.options.failAfterPages = undefined;
    const result = await collect(request(out), deps(s));
    expect(result.resumedChunks).toBe(3);
    expect(result.getMetricDataCalls).toBe(2);

    const reference = await server({ pageSize: 600 });
    const clean = join(root, "clean");
    await collect(request(clean), deps(reference));
    expect(await seriesFiles(out)).toEqual(await seriesFiles(clean));
  });

  const TASKS: FakeTask[] = [
    { cluster: "prod", family: "api", taskId: "9a8b7c6d", containers: ["app"] },
    { cluster: "prod", family: "api", taskId: "0f1e2d3c4b5a", containers: ["app", "log.router"] },
    { cluster: "prod", family: "worker", taskId: "ffff0000", containers: ["w"] },
    { cluster: "staging", family: "api", taskId: "eeee1111", containers: ["app"] },
  ];

  it("finds the tasks with ListMetrics and writes their per-task and per-container series", async () => {
    const s = await server({ pageSize: 250, tasks: TASKS, listPageSize: 2 });
    const out = join(await mkdtemp(join(tmpdir(), "caplab-wire-")), "bundle");
    const warnings: string[] = [];
    const result = await collect(request(out), deps(s, { warn: (w) => warnings.push(w.code) }));
    // 5 CpuUtilized metrics of prod/api with a TaskId (2 tasks, 3 containers), 2 per page.
    expect(s.stats.requests.ListMetrics).toBe(3);
    expect(warnings).not.toContain("no-per-task-metrics");
    // 26 + 2 × 2 task + 3 × 2 container series = 36; ⌊15,600 / 36⌋ = 433 points a call →
    // 7 chunks of 412 minutes, 2 pages each.
    expect(result.series).toBe(36);
    expect(result.chunks).toBe(7);
    expect(result.getMetricDataCalls).toBe(14);

    const manifest = await readBundleManifest(out);
    const ids = manifest.series.map((x) => x.id).filter((id) => /^(task|container)\./.test(id));
    expect(ids).toEqual([
      "task.0f1e2d3c4b5a.CpuUtilized.Average",
      "task.0f1e2d3c4b5a.MemoryUtilized.Average",
      "container.0f1e2d3c4b5a.app.CpuUtilized.Average",
      "container.0f1e2d3c4b5a.app.MemoryUtilized.Average",
      "container.0f1e2d3c4b5a.log_router.CpuUtilized.Average",
      "container.0f1e2d3c4b5a.log_router.MemoryUtilized.Average",
      "task.9a8b7c6d.CpuUtilized.Average",
      "task.9a8b7c6d.MemoryUtilized.Average",
      "container.9a8b7c6d.app.CpuUtilized.Average",
      "container.9a8b7c6d.app.MemoryUtilized.Average",
    ]);
    const series = manifest.series.find(
      (x) => x.id === "container.0f1e2d3c4b5a.log_router.MemoryUtilized.Average",
    )!;
    expect(series.dimensions).toEqual([
      { Name: "ClusterName", Value: "prod" },
      { Name: "TaskDefinitionFamily", Value: "api" },
      { Name: "TaskId", Value: "0f1e2d3c4b5a" },
      { Name: "ContainerName", Value: "log.router" },
    ]);
    const key = `MemoryUtilized|Average|${JSON.stringify(series.dimensions)}`;
    const rows = (await readFile(join(out, series.file), "utf8")).trim().split("\n").slice(1);
    expect(rows).toHaveLength(2880);
    rows.forEach((row, i) => {
      const value = row.split(",")[1];
      const expected = syntheticValue(key, FROM / 1000 + i * 60);
      if (expected === null) expect(value).toBe("");
      else expect(Number(value)).toBe(expected);
    });
  });

  it("caps the tasks at --max-tasks, and warns when ListMetrics finds none", async () => {
    const s = await server({ pageSize: 600, tasks: TASKS });
    const root = await mkdtemp(join(tmpdir(), "caplab-wire-"));
    const capped: string[] = [];
    const one = await collect(
      { ...request(join(root, "one")), maxTasks: 1 },
      deps(s, { warn: (w) => capped.push(w.code) }),
    );
    expect(capped).toContain("tasks-capped");
    // The first task by TaskId: 2 task + 2 × 2 container series.
    expect(one.series).toBe(26 + 6);

    const off = await server({ pageSize: 600 });
    const none: string[] = [];
    const plain = await collect(
      request(join(root, "plain")),
      deps(off, { warn: (w) => none.push(w.code) }),
    );
    expect(none).toContain("no-per-task-metrics");
    expect(plain.series).toBe(QUERIES);
    expect(off.stats.requests.ListMetrics).toBe(1);
  });
});
