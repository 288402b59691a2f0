/**
 * The moto tier: `caplab run --segments 3 --on ecs` against an AWS we did not write. RunTask,
 * DescribeTasks, DescribeTaskDefinition and StopTask go to moto's ECS; the segments' outputs
 * are gathered from moto's S3 and from moto's CloudWatch Logs. caplab's own AWS clients are
 * used as a user gets them (defaultRunDeps), pointed at moto by AWS_ENDPOINT_URL.
 *
 * What the tasks do is played by the test: moto's tasks run nothing, so while caplab waits for
 * them (its first pause between DescribeTasks calls), each task "writes" its segment of a real
 * k6 `--out json` file (../shared/data/k6) where it would: the entrypoint's upload to
 * CAPLAB_RESULTS_URI, or the awslogs driver's stream `prefix/container/<task id>`. Each task
 * learns its segment and destination from its own RunTask override, read back from moto.
 *
 * moto's tasks go RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED, one step per
 * DescribeTasks, and their containers exit 0. --sync-start is not run here: it would reach
 * for the tasks' private IPs, which moto makes up in 10.0.0.0/8.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Task,
} from "@aws-sdk/client-ecs";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  defaultRunDeps,
  runRunCommand,
  type RunDeps,
  type RunOptions,
} from "../../cli/run-command.js";
import { captureIo, cliContext } from "../helpers/io.js";
import {
  awsEnv,
  CREDENTIALS,
  MOTO,
  MOTO_SKIP_REASON,
  REGION,
  sdkConfig,
  startMoto,
  warnIfSkipped,
  type Moto,
} from "./moto.js";
import { createNetwork, type Network } from "./world.js";

warnIfSkipped("test/moto/run-ecs.test.ts");

const CLUSTER = "load";
const BUCKET = "caplab-results";
const LOG_GROUP = "/ecs/caplab-k6";
const data = fileURLToPath(new URL("../../../shared/data/k6/", import.meta.url));

/** A real k6 run's lines dealt round-robin to `n` segments, each with its Metric lines first. */
function cutIntoSegments(text: string, n: number): { files: string[][]; points: number[] } {
  const metricLines = new Map<string, string>();
  const files: string[][] = Array.from({ length: n }, () => []);
  const seen = Array.from({ length: n }, () => new Set<string>());
  const points = new Array<number>(n).fill(0);
  let k = 0;
  for (const line of text.trim().split("\n")) {
    const parsed = JSON.parse(line) as { type: string; metric: string };
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
  }
  return { files, points };
}

const segments = cutIntoSegments(
  readFileSync(join(data, "out-json.xk6-dashboard-result.ndjson"), "utf8"),
  3,
);

function envOf(task: Task): Record<string, string> {
  const override = task.overrides?.containerOverrides?.find((c) => c.name === "k6");
  return Object.fromEntries((override?.environment ?? []).map((e) => [e.name!, e.value!]));
}

const entrypointPath = fileURLToPath(
  new URL("../../examples/ecs-k6/entrypoint.sh", import.meta.url),
);

/** A stand-in k6: writes the segment's output (FAKE_OUTPUT) and the summary where it is told. */
const FAKE_K6 = `#!/bin/sh
cp "$FAKE_OUTPUT" "$CAPLAB_K6_OUTPUT"
echo '{"metrics":{}}' > "$CAPLAB_K6_SUMMARY"
exit 0
`;

/** Runs the entrypoint with `args` (the task's command) under /bin/sh. */
function entrypoint(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", [entrypointPath, ...args], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe.skipIf(MOTO === null)(
  `caplab run --on ecs against moto (${MOTO?.motoServer ?? MOTO_SKIP_REASON})`,
  () => {
    let moto: Moto;
    let network: Network;
    /** A folder with the stand-in `k6`. */
    let fakeK6: string;
    const saved = { ...process.env };

    beforeAll(async () => {
      moto = await startMoto(MOTO!);
      fakeK6 = await mkdtemp(join(tmpdir(), "caplab-moto-k6-"));
      await writeFile(join(fakeK6, "k6"), FAKE_K6);
      await chmod(join(fakeK6, "k6"), 0o755);
      network = (await createNetwork(moto.url, "k6")).network;
      // caplab's default clients, as a user's shell would point them at moto.
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: moto.url,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_REGION: REGION,
        AWS_CONFIG_FILE: join(tmpdir(), "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), "no-aws-credentials"),
      });
      const ecs = new ECSClient(sdkConfig(moto.url));
      const s3 = new S3Client({ ...sdkConfig(moto.url), forcePathStyle: true });
      const logs = new CloudWatchLogsClient(sdkConfig(moto.url));
      try {
        await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
        // The task definition users start from, as it is, but for one field moto needs: its
        // RunTask fails (HTTP 500) on a container with neither memory nor memoryReservation,
        // which AWS requires for the EC2 launch type only.
        const example = JSON.parse(
          readFileSync(
            fileURLToPath(new URL("../../examples/ecs-k6/task-definition.json", import.meta.url)),
            "utf8",
          ),
        ) as RegisterTaskDefinitionCommandInput;
        await ecs.send(
          new RegisterTaskDefinitionCommand({
            ...example,
            containerDefinitions: example.containerDefinitions!.map((c) => ({
              ...c,
              memoryReservation: 512,
            })),
          }),
        );
        await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
        await logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
      } finally {
        ecs.destroy();
        s3.destroy();
        logs.destroy();
      }
    }, 120_000);

    afterAll(async () => {
      process.env = saved;
      await moto?.stop();
    });

    /** The tasks of `runId` as moto describes them (each DescribeTasks moves a task one step on). */
    async function tasksOf(runId: string): Promise<Task[]> {
      const ecs = new ECSClient(sdkConfig(moto.url));
      try {
        const arns = (await ecs.send(new ListTasksCommand({ cluster: CLUSTER, startedBy: runId })))
          .taskArns;
        if (!arns?.length) return [];
        return (
          (await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns }))).tasks ?? []
        );
      } finally {
        ecs.destroy();
      }
    }

    /** What the k6 tasks write, played once, at caplab's first pause. */
    type Play = (tasks: Task[]) => Promise<void>;

    function deps(runId: string, play: Play, sleeps: number[]): RunDeps {
      let now = Date.now();
      let played = false;
      return {
        ...defaultRunDeps,
        env: { PATH: "", CAPLAB_HISTORY: process.env.CAPLAB_HISTORY },
        now: () => new Date(now),
        sleep: async (ms) => {
          sleeps.push(ms);
          now += ms;
          if (!played) {
            played = true;
            await play(await tasksOf(runId));
          }
        },
        runId: () => runId,
        collector: null,
      };
    }

    function options(out: string, extra: Partial<RunOptions>): RunOptions {
      return {
        target: "https://svc.example.com",
        out,
        segments: 3,
        on: "ecs",
        cluster: CLUSTER,
        taskDefinition: "caplab-k6",
        subnets: [...network.subnets],
        securityGroups: [network.securityGroup],
        ...extra,
      };
    }

    function mergedPoints(out: string): { data: { tags: Record<string, string> } }[] {
      return gunzipSync(readFileSync(join(out, "k6.json.gz")))
        .toString()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { type: string; data: { tags: Record<string, string> } })
        .filter((l) => l.type === "Point");
    }

    it("--results s3://…: RunTask × 3 on moto's ECS, each upload fetched from moto's S3, merged (exit 0)", async () => {
      const runId = "caplab-5e9a1b2c";
      const uploaded = new Map<number, Buffer>();
      const seen: Task[] = [];
      const play: Play = async (tasks) => {
        seen.push(...tasks);
        // Each task runs examples/ecs-k6/entrypoint.sh with its RunTask command and
        // environment: a stand-in k6 writes the segment's output, and the entrypoint uploads it
        // with the real AWS CLI to moto's S3.
        await Promise.all(
          tasks.map(async (task) => {
            const env = envOf(task);
            const index = Number(/\/(\d+)\/$/.exec(env.CAPLAB_RESULTS_URI!)![1]);
            const dir = await mkdtemp(join(tmpdir(), "caplab-moto-task-"));
            const output = join(dir, "segment.json.gz");
            await writeFile(output, gzipSync(`${segments.files[index]!.join("\n")}\n`));
            uploaded.set(index, await readFile(output));
            const result = await entrypoint(task.overrides!.containerOverrides![0]!.command!, {
              ...(await awsEnv(moto.url)),
              ...env,
              PATH: `${fakeK6}:${dirname(MOTO!.aws!)}:/usr/bin:/bin`,
              FAKE_OUTPUT: output,
              CAPLAB_K6_OUTPUT: join(dir, "k6.json.gz"),
              CAPLAB_K6_SUMMARY: join(dir, "summary.json"),
            });
            expect(result.stderr).toBe("");
            expect(result.code).toBe(0);
          }),
        );
      };
      const out = join(await mkdtemp(join(tmpdir(), "caplab-moto-run-")), "s3");
      const io = captureIo();
      const sleeps: number[] = [];
      const code = await runRunCommand(
        "smoke",
        options(out, { results: `s3://${BUCKET}/k6` }),
        cliContext(io),
        deps(runId, play, sleeps),
      );
      expect(io.stderr()).toMatch(/k6 exited 0: success/);
      expect(code).toBe(0);

      // What moto's ECS made of caplab's RunTask calls: three Fargate tasks in the run's subnets,
      // started by the run id, each with its own segment, command and upload folder.
      expect(seen).toHaveLength(3);
      for (const task of seen) {
        expect(task.launchType).toBe("FARGATE");
        expect(task.startedBy).toBe(runId);
        expect(task.taskDefinitionArn).toMatch(/:task-definition\/caplab-k6:1$/);
        const subnet = task.attachments?.[0]?.details?.find((d) => d.name === "subnetId")?.value;
        expect(network.subnets).toContain(subnet);
        const override = task.overrides!.containerOverrides![0]!;
        const env = envOf(task);
        expect(override.command).toContain("--no-thresholds");
        expect(override.command![override.command!.indexOf("--execution-segment") + 1]).toBe(
          env.CAPLAB_SEGMENT,
        );
        expect(env.CAPLAB_TARGET).toBe("https://svc.example.com");
      }
      expect(seen.map((t) => envOf(t).CAPLAB_RESULTS_URI).sort()).toEqual([
        `s3://${BUCKET}/k6/${runId}/0/`,
        `s3://${BUCKET}/k6/${runId}/1/`,
        `s3://${BUCKET}/k6/${runId}/2/`,
      ]);
      // DescribeTasks was polled until moto's tasks reached STOPPED (four steps from RUNNING).
      expect(io.stderr()).toContain("caplab: tasks STOPPED, STOPPED, STOPPED\n");

      // Fetched from moto's S3 byte for byte, merged, every point once with its segment.
      for (const [i, body] of uploaded)
        expect(await readFile(join(out, "segments", String(i), "k6.json.gz"))).toEqual(body);
      const points = mergedPoints(out);
      expect(points).toHaveLength(segments.points.reduce((a, b) => a + b, 0));
      for (let i = 0; i < 3; i++)
        expect(points.filter((p) => p.data.tags.segment === String(i))).toHaveLength(
          segments.points[i]!,
        );
      const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
      expect(manifest.outputs).toMatchObject({
        gathered: true,
        from: "s3",
        merged: [0, 1, 2],
        missing: [],
      });
      expect(manifest.segments.map((s: { exitCode: number }) => s.exitCode)).toEqual([0, 0, 0]);
    }, 180_000);

    it("--results logs: each task's awslogs stream read from moto's CloudWatch Logs, merged (exit 0)", async () => {
      const runId = "caplab-0a1b2c3d";
      const play: Play = async (tasks) => {
        const logs = new CloudWatchLogsClient(sdkConfig(moto.url));
        try {
          for (const task of tasks) {
            // The awslogs driver: stream prefix/container/task id, k6's stdout and stderr lines.
            const index = ["0:1/3", "1/3:2/3", "2/3:1"].indexOf(envOf(task).CAPLAB_SEGMENT!);
            const stream = `k6/k6/${task.taskArn!.slice(task.taskArn!.lastIndexOf("/") + 1)}`;
            await logs.send(
              new CreateLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName: stream }),
            );
            const lines = [
              'time="2026-12-04T12:00:01Z" level=info msg="execution: local"',
              ...segments.files[index]!,
              "     ✓ http_req_failed................: 0.00%",
            ];
            const t0 = Date.now();
            // PutLogEvents takes at most 10,000 events (and 1 MB) per call.
            for (let i = 0; i < lines.length; i += 500)
              await logs.send(
                new PutLogEventsCommand({
                  logGroupName: LOG_GROUP,
                  logStreamName: stream,
                  logEvents: lines
                    .slice(i, i + 500)
                    .map((message, j) => ({ timestamp: t0 + i + j, message })),
                }),
              );
          }
        } finally {
          logs.destroy();
        }
      };
      const out = join(await mkdtemp(join(tmpdir(), "caplab-moto-run-")), "logs");
      const io = captureIo();
      const sleeps: number[] = [];
      const code = await runRunCommand(
        "smoke",
        options(out, { results: "logs" }),
        cliContext(io),
        deps(runId, play, sleeps),
      );
      expect(io.stderr()).toContain(
        `caplab: segment outputs will be read from CloudWatch Logs ${LOG_GROUP}, streams k6/k6/<task id>\n`,
      );
      expect(code).toBe(0);
      expect(sleeps).toContain(10_000);
      const points = mergedPoints(out);
      expect(points).toHaveLength(segments.points.reduce((a, b) => a + b, 0));
      const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
      expect(manifest.outputs).toMatchObject({
        gathered: true,
        from: "logs",
        logGroup: LOG_GROUP,
        merged: [0, 1, 2],
      });
      // Each stream: k6's JSON lines kept, its two other lines counted.
      expect(
        manifest.segments.map((s: { output: { otherLines: number } }) => s.output.otherLines),
      ).toEqual([2, 2, 2]);
      expect(manifest.segments.map((s: { output: { points: number } }) => s.output.points)).toEqual(
        segments.points,
      );
    }, 180_000);

    it("Ctrl-C: StopTask for every task on moto's ECS, which reports them STOPPED with caplab's reason", async () => {
      const runId = "caplab-deadbeef";
      let interrupt: (() => void) | null = null;
      const base = deps(runId, async () => {}, []);
      const io = captureIo();
      const out = join(await mkdtemp(join(tmpdir(), "caplab-moto-run-")), "stopped");
      let stoppedSeen: Task[] = [];
      const code = await runRunCommand(
        "smoke",
        options(out, { results: `s3://${BUCKET}/k6` }),
        cliContext(io),
        {
          ...base,
          onInterrupt: (handler) => {
            interrupt = handler;
            return () => {};
          },
          sleep: async (ms) => {
            if (interrupt !== null) {
              const press = interrupt;
              interrupt = null;
              press();
              // StopTask calls go out in the background; let them reach moto.
              for (let i = 0; i < 100 && stoppedSeen.length < 3; i++) {
                await new Promise((r) => setTimeout(r, 50));
                const ecs = new ECSClient(sdkConfig(moto.url));
                try {
                  const arns =
                    (
                      await ecs.send(
                        new ListTasksCommand({
                          cluster: CLUSTER,
                          startedBy: runId,
                          desiredStatus: "STOPPED",
                        }),
                      )
                    ).taskArns ?? [];
                  stoppedSeen =
                    arns.length === 3
                      ? ((
                          await ecs.send(
                            new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns }),
                          )
                        ).tasks ?? [])
                      : [];
                } finally {
                  ecs.destroy();
                }
              }
            }
            await base.sleep!(ms);
          },
        },
      );
      expect(io.stderr()).toMatch(/interrupted; stopping the 3 k6 tasks/);
      expect(io.stderr()).not.toMatch(/could not stop/);
      expect(stoppedSeen.map((t) => [t.lastStatus, t.stoppedReason])).toEqual([
        ["STOPPED", `caplab run ${runId} interrupted`],
        ["STOPPED", `caplab run ${runId} interrupted`],
        ["STOPPED", `caplab run ${runId} interrupted`],
      ]);
      // Nothing was uploaded: every segment is named missing (exit 1), and the run says it was stopped.
      expect(code).toBe(1);
      const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
      expect(manifest.interrupted).toBe(true);
      expect(manifest.outputs.missing).toEqual([0, 1, 2]);
    }, 180_000);
  },
);
