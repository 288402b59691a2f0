/**
 * `caplab run --segments N --on ecs` end to end, with the real AWS SDK clients against
 * loopback servers that speak the wire protocols (ECS and CloudWatch Logs JSON 1.1, S3 REST
 * XML) and fake k6 REST APIs on 127.0.0.2…; the segments' outputs are a real k6 `--out json`
 * file (../shared/data/k6) cut into three, as three tasks would have written it.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import { S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultPlan } from "../../scenarios/plan/k6-plan.js";
import { runGateCommand } from "../../cli/gate-command.js";
import { loadRunBundle } from "../../analysis/io/files/run-bundle.js";
import {
  defaultRunDeps,
  runRunCommand,
  type RunDeps,
  type RunOptions,
} from "../../cli/run-command.js";
import { captureIo, cliContext } from "../helpers/io.js";
import { startFakeS3, type FakeS3 } from "../analysis/io/import/s3-server.js";
import {
  awslogsTaskDefinition,
  startFakeEcs,
  startFakeK6s,
  startFakeLogs,
  type FakeEcs,
  type FakeEcsOptions,
  type FakeLogs,
} from "./run-ecs-fakes.js";

const data = fileURLToPath(new URL("../../../shared/data/k6/", import.meta.url));
const RUN_ID = "caplab-0badcafe";
const BUCKET = "results";
const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

// ---------------------------------------------------------------------------------------------
// The segments' outputs: a real 20-s k6 run, its Points dealt round-robin to three segments,
// each segment's file with a Metric line before its first Point of that metric (as k6 writes).

interface Segments {
  readonly files: string[][];
  readonly points: number[];
  /** Every http_req_duration value of the run, ascending. */
  readonly durations: number[];
}

function cutIntoSegments(text: string, n: number): Segments {
  const metricLines = new Map<string, string>();
  const files: string[][] = Array.from({ length: n }, () => []);
  const seen = Array.from({ length: n }, () => new Set<string>());
  const points = new Array<number>(n).fill(0);
  const durations: number[] = [];
  let k = 0;
  for (const line of text.trim().split("\n")) {
    const parsed = JSON.parse(line) as { type: string; metric: string; data: { value: number } };
    if (parsed.type === "Metric") {
      metricLines.set(parsed.metric, line);
      continue;
    }
    const s = k++ % n;
    if (!seen[s]!.has(parsed.metric)) {
      seen[s]!.add(parsed.metric);
      files[s]!.push(metricLines.get(parsed.metric)!);
    }
    files[s]!.push(line);
    points[s]!++;
    if (parsed.metric === "http_req_duration") durations.push(parsed.data.value);
  }
  return { files, points, durations: durations.sort((a, b) => a - b) };
}

/** numpy.percentile's default (linear) method, written out here independently of src/. */
function linearPercentile(sorted: readonly number[], p: number): number {
  const i = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(i);
  return sorted[lo]! + (sorted[Math.ceil(i)]! - sorted[lo]!) * (i - lo);
}

let segments: Segments;
let dir: string;

beforeAll(async () => {
  segments = cutIntoSegments(
    await readFile(join(data, "out-json.xk6-dashboard-result.ndjson"), "utf8"),
    3,
  );
  dir = await mkdtemp(join(tmpdir(), "caplab-run-ecs-"));
});

// ---------------------------------------------------------------------------------------------
// Wiring

interface World {
  ecs: FakeEcs;
  s3?: FakeS3;
  logs?: FakeLogs;
  logsRegions: (string | null)[];
  sleeps: number[];
}

/** Worlds opened by s3World, closed after each test. */
const open: World[] = [];
afterEach(async () => {
  for (const w of open.splice(0)) {
    await w.ecs.close();
    await w.s3?.close();
  }
});

/** A fake ECS and a fake S3 holding the segments' uploads (but those in `skip`). */
async function s3World(ecs: FakeEcsOptions = {}, skip: readonly number[] = []): Promise<World> {
  const world: World = {
    ecs: await startFakeEcs(ecs),
    s3: await startFakeS3(BUCKET, s3Objects(skip)),
    logsRegions: [],
    sleeps: [],
  };
  open.push(world);
  return world;
}

function deps(world: World): RunDeps {
  let now = Date.UTC(2026, 10, 29, 12);
  return {
    ...defaultRunDeps,
    env: { PATH: "", CAPLAB_HISTORY: process.env.CAPLAB_HISTORY },
    now: () => new Date(now),
    sleep: async (ms) => {
      world.sleeps.push(ms);
      now += ms;
    },
    ecs: () =>
      new ECSClient({
        endpoint: world.ecs.endpoint,
        region: "us-east-1",
        credentials: CREDENTIALS,
        maxAttempts: 1,
      }),
    s3: () =>
      new S3Client({
        endpoint: world.s3?.endpoint ?? "http://127.0.0.1:1",
        forcePathStyle: true,
        region: "us-east-1",
        credentials: CREDENTIALS,
        maxAttempts: 1,
      }),
    logs: (region) => {
      world.logsRegions.push(region);
      return new CloudWatchLogsClient({
        endpoint: world.logs?.endpoint ?? "http://127.0.0.1:1",
        region: region ?? "us-east-1",
        credentials: CREDENTIALS,
        maxAttempts: 1,
      });
    },
    runId: () => RUN_ID,
    collector: null,
  };
}

function options(out: string, extra: Partial<RunOptions>): RunOptions {
  return {
    target: "https://svc.example.com",
    out,
    segments: 3,
    on: "ecs",
    cluster: "load",
    taskDefinition: "caplab-k6:3",
    subnets: ["subnet-1"],
    securityGroups: ["sg-1"],
    ...extra,
  };
}

/** The IAM actions behind every request the fakes of `world` served (for the policy test). */
function actionsOf(world: World): Set<string> {
  const actions = new Set<string>();
  for (const c of world.ecs.calls) {
    actions.add(`ecs:${c.op}`);
    // RunTask hands the task definition's roles to ECS: IAM checks iam:PassRole on them.
    if (c.op === "RunTask") actions.add("iam:PassRole");
  }
  for (const r of world.s3?.requests ?? [])
    actions.add(r.includes("list-type=2") ? "s3:ListBucket" : "s3:GetObject");
  for (const c of world.logs?.calls ?? []) actions.add(`logs:${c.op}`);
  return actions;
}

function s3Objects(skip: readonly number[] = []): Map<string, Buffer> {
  const objects = new Map<string, Buffer>();
  segments.files.forEach((lines, i) => {
    if (skip.includes(i)) return;
    objects.set(`k6/${RUN_ID}/${i}/k6.json.gz`, gzipSync(`${lines.join("\n")}\n`));
  });
  // Segment 0 also left its summary and something caplab does not want: two list pages.
  if (!skip.includes(0)) {
    objects.set(`k6/${RUN_ID}/0/summary.json`, Buffer.from('{"metrics":{}}\n'));
    objects.set(`k6/${RUN_ID}/0/stdout.txt`, Buffer.from("k6 says hello\n"));
  }
  objects.set(`k6/caplab-another/0/k6.json.gz`, gzipSync("not this run\n"));
  return objects;
}

async function writePlan(name: string, latencyP95Ms: number): Promise<string> {
  const path = join(dir, `${name}.json`);
  const plan = defaultPlan("smoke");
  await writeFile(path, JSON.stringify({ ...plan, slo: { ...plan.slo, latencyP95Ms } }));
  return path;
}

function mergedLines(
  out: string,
): { type: string; metric: string; data: { tags: Record<string, string> } }[] {
  return gunzipSync(readFileSync(join(out, "k6.json.gz")))
    .toString()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

/**
 * An S3 run whose tasks would run for ever, stopped by Ctrl-C at the first wait between polls:
 * caplab stops the tasks (StopTask), then gathers and merges what they uploaded.
 */
async function interruptedS3Run(name: string) {
  const world = await s3World({ mayStop: () => false });
  let interrupt: (() => void) | null = null;
  let listening = false;
  const base = deps(world);
  const io = captureIo();
  const out = join(dir, name);
  const code = await runRunCommand(
    "smoke",
    options(out, { results: `s3://${BUCKET}/k6` }),
    cliContext(io),
    {
      ...base,
      onInterrupt: (handler) => {
        interrupt = handler;
        listening = true;
        return () => (listening = false);
      },
      // The first wait between polls is where the user presses Ctrl-C.
      sleep: async (ms) => {
        if (world.sleeps.length === 0) interrupt?.();
        await base.sleep!(ms);
        await new Promise((r) => setTimeout(r, 5));
      },
    },
  );
  return { world, io, code, out, listening: () => listening };
}

// ---------------------------------------------------------------------------------------------

describe("caplab run --on ecs --results s3://…", () => {
  it("gathers every segment's upload, merges them, judges the plan's thresholds on the merged points (all pass: exit 0)", async () => {
    const world = await s3World();
    const io = captureIo();
    const out = join(dir, "s3-pass");
    const code = await runRunCommand(
      "smoke",
      options(out, { results: `s3://${BUCKET}/k6/` }),
      cliContext(io),
      deps(world),
    );
    expect(io.stderr()).toMatch(/k6 exited 0: success/);
    expect(code).toBe(0);

    // Each task is told where to upload, and writes its JSON where the entrypoint looks.
    const runs = world.ecs.calls.filter((c) => c.op === "RunTask");
    expect(world.ecs.tasks.map((t) => t.environment.CAPLAB_RESULTS_URI)).toEqual([
      `s3://${BUCKET}/k6/${RUN_ID}/0/`,
      `s3://${BUCKET}/k6/${RUN_ID}/1/`,
      `s3://${BUCKET}/k6/${RUN_ID}/2/`,
    ]);
    expect(runs).toHaveLength(3);
    for (const t of world.ecs.tasks) {
      expect(t.command).toContain("--no-thresholds");
      expect(t.command[t.command.indexOf("--out") + 1]).toBe("json=/tmp/k6.json.gz");
      expect(t.command).not.toContain("--paused");
    }

    // Fetched as uploaded (byte for byte), the summary kept, the stray file not.
    for (let i = 0; i < 3; i++)
      expect(await readFile(join(out, "segments", String(i), "k6.json.gz"))).toEqual(
        gzipSync(`${segments.files[i]!.join("\n")}\n`),
      );
    expect(await readdir(join(out, "segments", "0"))).toEqual(["k6.json.gz", "summary.json"]);
    // Segment 0's prefix holds three objects: ListObjectsV2 (two keys a page) was followed.
    expect(
      world.s3!.requests.filter((r) => r.includes(`prefix=k6%2F${RUN_ID}%2F0%2F`)),
    ).toHaveLength(2);

    // Merged: every point once, each tagged with its segment.
    const lines = mergedLines(out);
    const points = lines.filter((l) => l.type === "Point");
    const total = segments.points.reduce((a, b) => a + b, 0);
    expect(total).toBe(3582);
    expect(points).toHaveLength(total);
    for (let i = 0; i < 3; i++)
      expect(points.filter((p) => p.data.tags.segment === String(i))).toHaveLength(
        segments.points[i]!,
      );
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.outputs).toMatchObject({
      gathered: true,
      from: "s3",
      uri: `s3://${BUCKET}/k6/${RUN_ID}/`,
      merged: [0, 1, 2],
      missing: [],
      points: total,
    });
    expect(manifest.segments.map((s: { output: { points: number } }) => s.output.points)).toEqual(
      segments.points,
    );
    expect(manifest.k6ExitCode).toBe(0);

    // Thresholds: p95 of the 322 durations, computed here, is under the default 300 ms.
    const thresholds = JSON.parse(await readFile(join(out, "thresholds.json"), "utf8"));
    const p95 = thresholds.thresholds.find(
      (t: { metric: string; expression: string }) =>
        t.metric === "http_req_duration" && t.expression === "p(95)<300",
    );
    expect(p95.observed).toBeCloseTo(linearPercentile(segments.durations, 95), 9);
    expect(p95.ok).toBe(true);
    expect(thresholds.failed).toBe(0);
    expect(thresholds.thresholds.every((t: { ok: boolean }) => t.ok)).toBe(true);

    // The bundle reads like a one-machine bundle: report and gate take it unchanged.
    const run = await loadRunBundle(out);
    expect(run.requests).toBe(segments.durations.length);
    expect(run.latency.p95Ms).toBeCloseTo(linearPercentile(segments.durations, 95), 6);
    expect(run.thresholds.map((t) => `${t.metric} ${t.expression} ${t.ok}`)).toContain(
      "http_req_duration p(95)<300 true",
    );
    const gateIo = captureIo();
    await runGateCommand(
      out,
      { record: false, out: join(dir, "s3-pass-gate") },
      cliContext(gateIo),
    );
    const gate = JSON.parse(await readFile(join(dir, "s3-pass-gate", "gate.json"), "utf8"));
    const k6Checks = gate.checks.filter((c: { id: string }) => c.id === "k6-threshold");
    expect(k6Checks).toHaveLength(thresholds.thresholds.length);
    // Those that passed on no samples (the per-endpoint p95: the data carry no endpoint tag;
    // dropped_iterations: none) are not judged; the others pass.
    const empty = new Set(
      thresholds.thresholds
        .filter((t: { samples: number }) => t.samples === 0)
        .map((t: { metric: string; expression: string }) => `${t.metric}: ${t.expression}`),
    );
    expect(empty).toContain("http_req_duration{endpoint:root}: p(95)<300");
    for (const c of k6Checks as { name: string; verdict: string; detail: string }[])
      if (empty.has(c.name.replace(/^k6 threshold /, ""))) {
        expect(c.verdict, c.name).toBe("skip");
        expect(c.detail).toMatch(/^not judged: no samples of /);
      } else expect(c.verdict, c.name).toBe("pass");
    expect(k6Checks.some((c: { verdict: string }) => c.verdict === "pass")).toBe(true);
    // Nothing half-written is left behind.
    expect((await readdir(out)).filter((f) => f.includes(".tmp"))).toEqual([]);
  });

  it("exits 99 when a threshold fails on the merged points, printing it with its observed value", async () => {
    const p95 = linearPercentile(segments.durations, 95);
    expect(p95).toBeGreaterThan(125); // 125.29…: a 125 ms SLO fails, computed independently
    const world = await s3World();
    const io = captureIo();
    const out = join(dir, "s3-fail");
    const code = await runRunCommand(
      "smoke",
      options(out, { results: `s3://${BUCKET}/k6`, plan: await writePlan("slo-125", 125) }),
      cliContext(io),
      deps(world),
    );
    expect(code).toBe(99);
    expect(io.stderr()).toContain(
      `caplab: threshold http_req_duration p(95)<125: FAILED (${Number(p95.toPrecision(6))} ms)`,
    );
    expect(io.stderr()).toMatch(/k6 exited 99: thresholds crossed/);
    // The per-endpoint p95 has no samples (the data carry no endpoint tag): judged on 0.
    const thresholds = JSON.parse(await readFile(join(out, "thresholds.json"), "utf8"));
    expect(thresholds.failed).toBe(1);
    expect(
      thresholds.thresholds.find(
        (t: { metric: string }) => t.metric === "http_req_duration{endpoint:root}",
      ),
    ).toMatchObject({ ok: true, observed: 0, samples: 0 });
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.k6ExitCode).toBe(99);
    // What report and gate read: the thresholds with k6's `ok` polarity.
    const failed = (await loadRunBundle(out)).thresholds.filter((t) => !t.ok);
    expect(failed.map(({ metric, expression, ok }) => ({ metric, expression, ok }))).toEqual([
      { metric: "http_req_duration", expression: "p(95)<125", ok: false },
    ]);
  });

  it("Ctrl-C stops every task, then gathers and merges what they uploaded (exit = k6's 105)", async () => {
    const { world, io, code, out, listening } = await interruptedS3Run("s3-interrupted");
    expect(io.stderr()).toMatch(/interrupted; stopping the 3 k6 tasks/);
    expect(world.ecs.calls.filter((c) => c.op === "StopTask")).toHaveLength(3);
    expect(code).toBe(105);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.interrupted).toBe(true);
    expect(manifest.outputs.merged).toEqual([0, 1, 2]);
    expect(listening()).toBe(false);
  });

  it("a segment's own error code beats crossed thresholds", async () => {
    const world = await s3World({ exitCodes: { "2/3:1": 107 } });
    const io = captureIo();
    const code = await runRunCommand(
      "smoke",
      options(join(dir, "s3-107"), {
        results: `s3://${BUCKET}/k6`,
        plan: await writePlan("slo-125b", 125),
      }),
      cliContext(io),
      deps(world),
    );
    expect(code).toBe(107);
    expect(io.stderr()).toMatch(/segment 2\/3:1: k6 exited 107: script exception/);
  });

  it("a missing upload is one sentence naming the segment and where caplab looked; the others are merged (exit 1)", async () => {
    const world = await s3World({}, [1]);
    const io = captureIo();
    const out = join(dir, "s3-missing");
    const code = await runRunCommand(
      "smoke",
      options(out, { results: `s3://${BUCKET}/k6` }),
      cliContext(io),
      deps(world),
    );
    expect(code).toBe(1);
    expect(io.stderr()).toContain(
      `caplab: segment 1 (1/3:2/3): no k6.json.gz under s3://${BUCKET}/k6/${RUN_ID}/1/ (nothing there); the task's entrypoint uploads it when k6 ends (examples/ecs-k6).\n`,
    );
    expect(io.stderr()).toMatch(/1 of 3 segment outputs are missing/);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.outputs).toMatchObject({ gathered: false, merged: [0, 2], missing: [1] });
    expect(manifest.segments[1].output).toMatchObject({
      found: false,
      source: `s3://${BUCKET}/k6/${RUN_ID}/1/k6.json.gz`,
    });
    const points = mergedLines(out).filter((l) => l.type === "Point");
    expect(points).toHaveLength(segments.points[0]! + segments.points[2]!);
    expect(new Set(points.map((p) => p.data.tags.segment))).toEqual(new Set(["0", "2"]));
    const thresholds = JSON.parse(await readFile(join(out, "thresholds.json"), "utf8"));
    expect(thresholds).toMatchObject({ segmentsMerged: [0, 2], segmentsMissing: [1] });
    expect(existsSync(join(out, "segments", "1"))).toBe(false);
  });

  it("--on ecs needs --results, and says which values it takes", async () => {
    const world: World = { ecs: await startFakeEcs(), logsRegions: [], sleeps: [] };
    try {
      await expect(
        runRunCommand(
          "smoke",
          options(join(dir, "no-results"), {}),
          cliContext(captureIo()),
          deps(world),
        ),
      ).rejects.toMatchObject({
        message: expect.stringMatching(/--results s3:\/\/bucket\/prefix or --results logs/),
      });
      await expect(
        runRunCommand(
          "smoke",
          options(join(dir, "bad-results"), { results: "http://bucket" }),
          cliContext(captureIo()),
          deps(world),
        ),
      ).rejects.toMatchObject({
        code: "bad-flag",
        message: expect.stringMatching(/not "http:\/\/bucket"/),
      });
      await expect(
        runRunCommand(
          "smoke",
          options(join(dir, "port-alone"), { results: "logs", syncPort: 7000 }),
          cliContext(captureIo()),
          deps(world),
        ),
      ).rejects.toMatchObject({ message: "--sync-port and --sync-timeout go with --sync-start." });
      await expect(
        runRunCommand(
          "smoke",
          {
            target: "https://svc.example.com",
            out: join(dir, "local"),
            results: "logs",
            syncStart: true,
          },
          cliContext(captureIo()),
          deps(world),
        ),
      ).rejects.toMatchObject({
        message: "--results, --sync-start go with --segments N --on ecs only.",
      });
      expect(world.ecs.calls).toEqual([]);
    } finally {
      await world.ecs.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

/** A k6 task's log stream: k6's JSON lines on stdout, its own messages (stderr) among them. */
function logStream(lines: readonly string[]): string[] {
  const out = [
    "         /\\      Grafana   /‾‾/  ",
    "    /\\  /  \\     |\\  __   /  /   ",
    'time="2026-11-29T12:00:01Z" level=info msg="execution: local, paused: false"',
  ];
  lines.forEach((line, i) => {
    out.push(line);
    if (i % 1000 === 999) out.push('time="2026-11-29T12:00:09Z" level=warn msg="slow response"');
  });
  out.push("     ✓ http_req_failed................: 0.00%  0 out of 322", "");
  return out;
}

/** A fake ECS whose task definition logs to awslogs, and fake Logs holding each task's stream. */
async function logsWorld(): Promise<World & { logs: FakeLogs; streams: Map<string, string[]> }> {
  // The streams are named after the task IDs, known once RunTask answered: IDs are 000Nc0ffee(N-1).
  const streams = new Map<string, string[]>();
  segments.files.forEach((lines, i) =>
    streams.set(
      `/ecs/caplab-k6:k6/k6/${(i + 1).toString(16).padStart(4, "0")}c0ffee${i}`,
      logStream(lines),
    ),
  );
  return {
    ecs: await startFakeEcs({ taskDefinition: awslogsTaskDefinition() }),
    logs: await startFakeLogs(streams, 500),
    logsRegions: [],
    sleeps: [],
    streams,
  };
}

describe("caplab run --on ecs --results logs", () => {
  it("reads each task's awslogs stream from the head, page by page, keeps the k6 lines and counts the others", async () => {
    const world = await logsWorld();
    const { streams } = world;
    try {
      const io = captureIo();
      const out = join(dir, "logs");
      const code = await runRunCommand(
        "smoke",
        options(out, { results: "logs" }),
        cliContext(io),
        deps(world),
      );
      expect(code).toBe(0);
      expect(world.ecs.calls[0]).toEqual({
        op: "DescribeTaskDefinition",
        body: { taskDefinition: "caplab-k6:3" },
      });
      for (const t of world.ecs.tasks) {
        expect(t.command[t.command.indexOf("--out") + 1]).toBe("json=/dev/stdout");
        expect(t.environment.CAPLAB_RESULTS_URI).toBeUndefined();
      }
      // The log group's region (awslogs-region) picks the client's region.
      expect(world.logsRegions).toEqual(["us-east-1"]);
      // CloudWatch Logs had time to take the last lines before caplab read.
      expect(world.sleeps).toContain(10_000);

      // Paging: from the head, the token followed until it came back unchanged.
      const calls = world.logs.calls.filter((c) =>
        String(c.body.logStreamName).endsWith(world.ecs.tasks[0]!.id),
      );
      const events = streams.get(`/ecs/caplab-k6:k6/k6/${world.ecs.tasks[0]!.id}`)!.length;
      expect(calls.length).toBe(Math.ceil(events / 500) + 2);
      expect(calls.every((c) => c.body.startFromHead === true)).toBe(true);
      expect(calls[0]!.body.nextToken).toBeUndefined();
      expect(calls.at(-1)!.body.nextToken).toBe(`f/${events}`);

      const lines = mergedLines(out);
      const total = segments.points.reduce((a, b) => a + b, 0);
      expect(lines.filter((l) => l.type === "Point")).toHaveLength(total);
      const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
      expect(manifest.outputs).toMatchObject({
        gathered: true,
        from: "logs",
        logGroup: "/ecs/caplab-k6",
        points: total,
      });
      // Banner (2), k6's start line, one warning per 1000 lines, the summary line; blank lines are no lines.
      expect(
        manifest.segments.map((s: { output: { otherLines: number } }) => s.output.otherLines),
      ).toEqual(segments.files.map((f) => 4 + Math.floor(f.length / 1000)));
      expect(manifest.segments[0].output.source).toBe(
        `logs:/ecs/caplab-k6/k6/k6/${world.ecs.tasks[0]!.id}`,
      );
      const thresholds = JSON.parse(await readFile(join(out, "thresholds.json"), "utf8"));
      expect(
        thresholds.thresholds.find((t: { expression: string }) => t.expression === "p(95)<300")
          .observed,
      ).toBeCloseTo(linearPercentile(segments.durations, 95), 9);
    } finally {
      await world.ecs.close();
      await world.logs.close();
    }
  });

  it("a task without a log stream is a missing output naming the stream and group", async () => {
    const world: World = {
      ecs: await startFakeEcs({ taskDefinition: awslogsTaskDefinition() }),
      logsRegions: [],
      sleeps: [],
    };
    world.logs = await startFakeLogs(
      new Map([[`/ecs/caplab-k6:k6/k6/0001c0ffee0`, logStream(segments.files[0]!)]]),
    );
    try {
      const io = captureIo();
      const out = join(dir, "logs-missing");
      const code = await runRunCommand(
        "smoke",
        options(out, { results: "logs", segments: 2 }),
        cliContext(io),
        deps(world),
      );
      expect(code).toBe(1);
      expect(io.stderr()).toContain(
        "caplab: segment 1 (1/2:1): no log stream k6/k6/0002c0ffee1 in log group /ecs/caplab-k6 (CloudWatch Logs); did the task start k6?\n",
      );
      const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
      expect(manifest.outputs).toMatchObject({ merged: [0], missing: [1] });
    } finally {
      await world.ecs.close();
      await world.logs.close();
    }
  });

  it("refuses, before starting any task, a task definition without awslogs settings, naming the field", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [awslogsTaskDefinition(null), /container "k6" has no logConfiguration; --results logs needs/],
      [
        awslogsTaskDefinition({ "awslogs-group": "/g" }, "awsfirelens"),
        /logConfiguration\.logDriver is "awsfirelens", not "awslogs"/,
      ],
      [
        awslogsTaskDefinition({ "awslogs-stream-prefix": "k6" }),
        /logConfiguration\.options\."awslogs-group" is not set/,
      ],
      [
        awslogsTaskDefinition({ "awslogs-group": "/g" }),
        /logConfiguration\.options\."awslogs-stream-prefix" is not set/,
      ],
    ];
    for (const [taskDefinition, message] of cases) {
      const world: World = {
        ecs: await startFakeEcs({ taskDefinition }),
        logsRegions: [],
        sleeps: [],
      };
      try {
        await expect(
          runRunCommand(
            "smoke",
            options(join(dir, "logs-bad"), { results: "logs" }),
            cliContext(captureIo()),
            deps(world),
          ),
        ).rejects.toMatchObject({
          code: "bad-task-definition",
          message: expect.stringMatching(message),
        });
        expect(world.ecs.calls.map((c) => c.op)).toEqual(["DescribeTaskDefinition"]);
      } finally {
        await world.ecs.close();
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("caplab run --on ecs --sync-start", () => {
  it("starts every k6 paused, waits until all are RUNNING and ready, then resumes all of them", async () => {
    const ips = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
    const k6 = await startFakeK6s(ips);
    const world: World = {
      ecs: await startFakeEcs({
        pollsPending: 1,
        ipOf: (i) => ips[i]!,
        // A paused k6 never ends: the task stops only after its k6 was resumed.
        mayStop: (task) => k6.k6s[task.index]!.paused === false,
      }),
      s3: await startFakeS3(BUCKET, s3Objects()),
      logsRegions: [],
      sleeps: [],
    };
    try {
      const io = captureIo();
      const code = await runRunCommand(
        "smoke",
        options(join(dir, "sync"), {
          results: `s3://${BUCKET}/k6`,
          syncStart: true,
          syncPort: k6.port,
        }),
        cliContext(io),
        deps(world),
      );
      expect(code).toBe(0);
      for (const t of world.ecs.tasks) {
        const at = t.command.indexOf("--paused");
        expect(at).toBeGreaterThan(0);
        expect(t.command.slice(at, at + 3)).toEqual([
          "--paused",
          "--address",
          `0.0.0.0:${k6.port}`,
        ]);
      }
      // Every k6 got exactly one resume, with k6's JSON:API body…
      for (const one of k6.k6s) {
        expect(one.patches).toEqual([
          { data: { type: "status", id: "default", attributes: { paused: false } } },
        ]);
        expect(one.paused).toBe(false);
      }
      // …and only once every one of them had initialised its VUs (status 4 = paused before run).
      const firstPatch = k6.events.findIndex((e) => e.endsWith("PATCH"));
      for (const ip of ips) {
        const ready = k6.events.indexOf(`${ip} GET 4`);
        expect(ready).toBeGreaterThanOrEqual(0);
        expect(ready).toBeLessThan(firstPatch);
      }
      expect(k6.events.filter((e) => e.endsWith("GET 1"))).toHaveLength(3);
      expect(world.ecs.calls.filter((c) => c.op === "StopTask")).toEqual([]);
      expect(io.stderr()).toMatch(/resumed k6 on all 3 tasks/);
      const manifest = JSON.parse(await readFile(join(dir, "sync", "manifest.json"), "utf8"));
      expect(manifest.syncStart).toEqual({ port: k6.port });
      expect(Date.parse(manifest.loadStartedAt)).toBeGreaterThan(Date.parse(manifest.startedAt));
    } finally {
      await world.ecs.close();
      await world.s3!.close();
      await k6.close();
    }
  });

  it("names the tasks whose k6 it cannot reach, stops every task, and sends no resume", async () => {
    const reachable = ["127.0.0.5", "127.0.0.6"];
    const k6 = await startFakeK6s(reachable);
    const ips = [...reachable, "127.0.0.7"]; // nothing listens there
    const world: World = {
      ecs: await startFakeEcs({ ipOf: (i) => ips[i]!, mayStop: () => false }),
      logsRegions: [],
      sleeps: [],
    };
    try {
      const error = (await runRunCommand(
        "smoke",
        options(join(dir, "sync-unreachable"), {
          results: `s3://${BUCKET}/k6`,
          syncStart: true,
          syncPort: k6.port,
          syncTimeout: 30,
        }),
        cliContext(captureIo()),
        deps(world),
      ).catch((e: unknown) => e)) as Error & { code?: string };
      expect(error).toMatchObject({ code: "k6-unreachable" });
      const third = world.ecs.tasks[2]!;
      expect(error.message).toContain(
        `k6 did not get ready on 1 of 3 tasks within 30 s: segment 2/3:1 (${third.arn}, http://127.0.0.7:${k6.port}/v1/status: connect ECONNREFUSED 127.0.0.7:${k6.port})`,
      );
      expect(error.message).not.toContain("127.0.0.5:");
      expect(error.message).toMatch(/run it inside the VPC/);
      expect(error.message).toMatch(/all 3 tasks were stopped \(StopTask\)/);
      const stops = world.ecs.calls.filter((c) => c.op === "StopTask");
      expect(stops.map((c) => c.body.task)).toEqual(world.ecs.tasks.map((t) => t.arn));
      expect(stops[0]!.body).toMatchObject({
        cluster: "load",
        reason: expect.stringMatching(/^caplab: /),
      });
      expect(k6.k6s.flatMap((k) => k.patches)).toEqual([]);
      expect(k6.k6s.every((k) => k.gets > 1)).toBe(true);
    } finally {
      await world.ecs.close();
      await k6.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("examples/iam/run-policy.json", () => {
  it("allows exactly the actions the ECS run path sends: an S3 run stopped with Ctrl-C, and a logs run", async () => {
    const s3 = (await interruptedS3Run("iam-s3")).world;
    const logs = await logsWorld();
    try {
      expect(
        await runRunCommand(
          "smoke",
          options(join(dir, "iam-logs"), { results: "logs" }),
          cliContext(captureIo()),
          deps(logs),
        ),
      ).toBe(0);
    } finally {
      await logs.ecs.close();
      await logs.logs.close();
    }
    const sent = new Set([...actionsOf(s3), ...actionsOf(logs)]);
    const policy = JSON.parse(
      await readFile(new URL("../../examples/iam/run-policy.json", import.meta.url), "utf8"),
    ) as { Statement: { Action: string[] }[] };
    const allowed = new Set(policy.Statement.flatMap((s) => s.Action));
    expect([...sent].sort()).toEqual([...allowed].sort());
  });
});
