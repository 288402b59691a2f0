import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeTaskDefinitionCommand, type TaskDefinition } from "@aws-sdk/client-ecs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCollectCommand } from "../../../../cli/collect-command.js";
import { explainAwsError } from "../../../../analysis/io/aws/collect-bundle.js";
import { readBundleManifest } from "../../../../analysis/io/files/bundle.js";
import { UsageError } from "../../../../sim/vocab/errors.js";
import { fetchChunk } from "../../../../analysis/io/aws/cloudwatch.js";
import { collect, toFixedSeries } from "../../../../analysis/io/aws/collect.js";
import { metricQueries } from "../../../../analysis/io/aws/metrics.js";
import type { RetryOptions } from "../../../../analysis/io/aws/retry.js";
import { LB, TASK_DEFINITION, TG } from "./fixtures.js";
import { clients, mockAws, syntheticMetricData, TEST_CLIENT_CONFIG } from "./mock-aws.js";
import { captureIo, cliContext } from "../../../helpers/io.js";

const FROM = Date.UTC(2026, 10, 20);
const NOW = Date.UTC(2026, 10, 28);
const DAY_MS = 86_400_000;
const sleeps: number[] = [];
const fastRetry: RetryOptions = {
  maxAttempts: 4,
  baseDelayMs: 10,
  maxDelayMs: 50,
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  random: () => 0.5,
};
const queries = metricQueries({
  clusterName: "prod",
  serviceName: "api",
  loadBalancer: LB,
  targetGroup: TG,
});
const byId = new Map(queries.map((q) => [q.queryId, q]));
const chunk = { index: 0, startMs: FROM, endMs: FROM + 10 * 60_000, queryIds: ["m0", "m1"] };

function throttling(): Error {
  return Object.assign(new Error("Rate exceeded"), {
    name: "Throttling",
    $metadata: { httpStatusCode: 400 },
  });
}

const capture = captureIo;

let aws: ReturnType<typeof mockAws>;
beforeEach(() => {
  aws = mockAws();
  sleeps.length = 0;
});
afterEach(() => aws.restore());

describe("fetchChunk", () => {
  it("follows NextToken with a fresh input per page", async () => {
    const full = syntheticMetricData({
      StartTime: new Date(chunk.startMs),
      EndTime: new Date(chunk.endMs),
      MetricDataQueries: chunk.queryIds.map((Id) => ({
        Id,
        MetricStat: { Metric: {}, Period: 60, Stat: "Sum" },
      })),
    });
    const half = (from: number, to: number) =>
      full.MetricDataResults!.map((r) => ({
        ...r,
        Timestamps: r.Timestamps!.slice(from, to),
        Values: r.Values!.slice(from, to),
      }));
    aws.cw
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: half(0, 6), NextToken: "page-2" })
      .resolvesOnce({ MetricDataResults: half(6, 10) });
    const data = await fetchChunk(clients().cloudWatch, chunk, byId, 60, fastRetry);
    const calls = aws.cw.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, "page-2"]);
    expect(calls[0]!.args[0].input).not.toBe(calls[1]!.args[0].input);
    expect(data.pages).toBe(2);
    expect(data.points.m0!.times).toHaveLength(10);
    expect(data.points.m0!.times[9]).toBe(chunk.startMs + 9 * 60_000);
  });

  it("keeps paging through PartialData and notes it", async () => {
    aws.cw
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: "m0", Timestamps: [new Date(FROM)], Values: [1], StatusCode: "PartialData" },
        ],
        NextToken: "more",
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: "m0", Timestamps: [new Date(FROM + 60_000)], Values: [2], StatusCode: "Complete" },
        ],
      });
    const data = await fetchChunk(clients().cloudWatch, chunk, byId, 60, fastRetry);
    expect(data.points.m0!.values).toEqual([1, 2]);
    expect(data.notes).toEqual([
      expect.stringMatching(/PartialData for requests over .*the following pages were fetched/),
    ]);
  });

  it("retries throttling with backoff, then succeeds", async () => {
    aws.cw
      .on(GetMetricDataCommand)
      .rejectsOnce(throttling())
      .rejectsOnce(throttling())
      .callsFake(syntheticMetricData);
    const data = await fetchChunk(clients().cloudWatch, chunk, byId, 60, fastRetry);
    expect(data.points.m1!.values).toHaveLength(10);
    expect(aws.cw.commandCalls(GetMetricDataCommand)).toHaveLength(3);
    expect(sleeps).toEqual([5, 10]); // full jitter at 0.5: 0.5 × 10, 0.5 × 20
  });

  it("retries a result with StatusCode InternalError", async () => {
    aws.cw
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: "m0", StatusCode: "InternalError" }] })
      .callsFake(syntheticMetricData);
    const data = await fetchChunk(clients().cloudWatch, chunk, byId, 60, fastRetry);
    expect(data.points.m0!.values).toHaveLength(10);
  });

  it("gives up after maxAttempts with a message that says what to do", async () => {
    aws.cw.on(GetMetricDataCommand).rejects(throttling());
    const error = await fetchChunk(clients().cloudWatch, chunk, byId, 60, fastRetry).catch(
      (e: unknown) => e,
    );
    expect(aws.cw.commandCalls(GetMetricDataCommand)).toHaveLength(4);
    expect(explainAwsError(error, "/x/out.partial")?.message).toMatch(
      /AWS kept failing after every retry \(Throttling: Rate exceeded\); run the same command again later: .*\/x\/out\.partial/,
    );
  });
});

describe("toFixedSeries", () => {
  it("puts points on the grid, gaps as NaN, a point seen twice once", () => {
    const s = toFixedSeries(
      [
        { times: [FROM, FROM + 120_000], values: [1, 3] },
        { times: [FROM + 120_000, FROM + 600_000], values: [3, 9] },
      ],
      FROM,
      FROM + 240_000,
      60,
    );
    expect(Array.from(s.values)).toEqual([1, NaN, 3, NaN]);
  });
});

describe("collect with mocked AWS", () => {
  it("writes a bundle and calls exactly the actions of examples/iam/collect-policy.json", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-collect-"));
    const out = join(dir, "bundle");
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
      { ...clients(), caplabVersion: "test", now: () => NOW, retry: fastRetry },
    );
    expect(result.chunks).toBe(3);
    expect(result.getMetricDataCalls).toBe(3);
    const manifest = await readBundleManifest(out);
    expect(manifest.series).toHaveLength(26);
    expect(manifest.current?.scaling.policies).toHaveLength(3);
    expect(await readdir(dir)).toEqual(["bundle"]);

    const policy = JSON.parse(
      await readFile(
        new URL("../../../../examples/iam/collect-policy.json", import.meta.url),
        "utf8",
      ),
    ) as {
      Statement: { Action: string[] }[];
    };
    const allowed = new Set(policy.Statement.flatMap((s) => s.Action));
    expect(new Set(aws.actions())).toEqual(allowed);
    // 7 days at 60 s: 3 GetMetricData calls (the minimum, ⌈26 × 10,080 / 100,800⌉), 11
    // snapshot calls (one of them the second page of DescribeScalingPolicies, two of them the
    // target group's) and 1 ListMetrics.
    expect(aws.actions()).toHaveLength(15);
  });

  it("keeps the task definition's environment variable names, never their values", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-collect-"));
    const out = join(dir, "bundle");
    const registeredAt = new Date("2026-01-01T00:00:00Z");
    aws.ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        ...TASK_DEFINITION,
        registeredAt,
        containerDefinitions: [
          {
            name: "app",
            cpu: 0,
            environment: [
              { name: "DB_PASSWORD", value: "hunter2-Zq9SECRET" },
              { name: "WEBHOOK", value: "https://hooks.example.com/x?token=Zq9SECRET-2" },
            ],
            secrets: [
              { name: "API_KEY", valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/k" },
            ],
            command: ["serve", "--upstream", "https://user:Zq9SECRET-3@db.example.com"],
          },
        ],
      },
    });
    await collect(
      {
        cluster: "prod",
        service: "api",
        fromMs: FROM,
        toMs: FROM + DAY_MS,
        periodSeconds: 60,
        out,
        where: "us-east-1",
      },
      { ...clients(), caplabVersion: "test", now: () => NOW, retry: fastRetry },
    );
    const text = await readFile(join(out, "service.json"), "utf8");
    expect(text).not.toContain("Zq9SECRET");
    const td = (JSON.parse(text) as { taskDefinition: TaskDefinition }).taskDefinition;
    const app = td.containerDefinitions![0]!;
    expect(app.environment).toEqual([
      { name: "DB_PASSWORD", value: "***" },
      { name: "WEBHOOK", value: "***" },
    ]);
    expect(app.secrets![0]!.valueFrom).toMatch(/^arn:aws:ssm:/);
    expect(app.command).toEqual(["serve", "--upstream", "https://***@db.example.com"]);
    expect(td.registeredAt).toBe(registeredAt.toISOString());
    expect(td.cpu).toBe(TASK_DEFINITION.cpu);
  });

  it("puts the window on the period grid, ends it at now, and discards another collection's checkpoints", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-collect-"));
    const out = join(dir, "bundle");
    const { writeJsonAtomic } = await import("../../../../analysis/io/files/output.js");
    await writeJsonAtomic(join(`${out}.partial`, "plan.json"), { key: "another", chunks: 9 });
    const warnings: string[] = [];
    const result = await collect(
      {
        cluster: "prod",
        service: "api",
        fromMs: NOW - 2 * 3_600_000 + 30_000,
        toMs: NOW + 3_600_000,
        periodSeconds: 60,
        out,
        where: "us-east-1",
      },
      {
        ...clients(),
        caplabVersion: "test",
        now: () => NOW + 90_000,
        retry: fastRetry,
        warn: (w) => warnings.push(w.code),
      },
    );
    expect(result.fromMs).toBe(NOW - 2 * 3_600_000);
    expect(result.toMs).toBe(NOW + 60_000);
    expect(warnings).toEqual(
      expect.arrayContaining(["checkpoints-discarded", "window-adjusted", "not-simulated"]),
    );
    expect(await readdir(dir)).toEqual(["bundle"]);
  });

  it("turns AccessDenied into one sentence naming the IAM policy (exit 2: fix the set-up)", async () => {
    aws.cw.on(GetMetricDataCommand).rejects(
      Object.assign(new Error("User is not authorized to perform: cloudwatch:GetMetricData"), {
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const dir = await mkdtemp(join(tmpdir(), "caplab-collect-"));
    const io = capture();
    const code = await runCollectCommand(
      {
        cluster: "prod",
        service: "api",
        from: "2026-11-20T00:00:00Z",
        to: "2026-11-21T00:00:00Z",
        out: join(dir, "b"),
      },
      cliContext(io),
      { clientConfig: TEST_CLIENT_CONFIG, retry: fastRetry, now: () => NOW },
    );
    expect(code).toBe(2);
    expect(io.text()).toMatch(
      /caplab: AWS refused the call \(AccessDenied: User is not authorized to perform: cloudwatch:GetMetricData\); .*examples\/iam\/collect-policy\.json\.\n$/,
    );
    expect(io.text()).not.toMatch(/test-secret|AKIDTEST/);
  });

  it("says which flag to check when the service is missing (UsageError)", async () => {
    aws.ecs.reset();
    const { DescribeServicesCommand } = await import("@aws-sdk/client-ecs");
    aws.ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [], failures: [{ arn: "api", reason: "MISSING" }] });
    const dir = await mkdtemp(join(tmpdir(), "caplab-collect-"));
    const run = runCollectCommand(
      { cluster: "prod", service: "api", from: "now-1d", to: "now", out: join(dir, "b") },
      cliContext(capture()),
      { clientConfig: TEST_CLIENT_CONFIG, retry: fastRetry, now: () => NOW },
    );
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow(
      /ECS service "api" was not found in cluster "prod" \(MISSING\); check --cluster/,
    );
  });
});
