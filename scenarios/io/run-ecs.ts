/**
 * A load test spread over N ECS Fargate tasks, one k6 execution segment each.
 *
 *   RunTask × N, each `--no-thresholds` (ecs-segments.ts)
 *     [--sync-start: all RUNNING, k6 REST API ready, PATCH resume (segment-start.ts)]
 *     ──wait──▶ per-task exit codes
 *     ──gather (--results s3://… | logs: segment-outputs.ts)──▶ DIR/segments/<i>/k6.json.gz
 *     ──mergeAndJudge (run-merge.ts)──▶ DIR/k6.json.gz, DIR/thresholds.json
 *     ──▶ DIR/manifest.json; exit as k6 would (99 when a threshold failed)
 *
 * Ctrl-C stops the tasks (k6 ends the test and writes its output) and what they wrote is
 * still gathered; a second Ctrl-C exits at once.
 */
import { RUN_DEFAULTS } from "../../sim/vocab/defaults.js";
import { join } from "node:path";
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  ENV_VARS,
  executionSegments,
  requestSecretsSet,
  shapeSeconds,
  type ExecutionSegment,
  type ScenarioPlan,
} from "../plan/k6-plan.js";
import { explainK6Exit } from "../plan/k6-exit.js";
import type { ThresholdResult } from "../plan/k6-thresholds.js";
import { UsageError } from "../../sim/vocab/errors.js";
import {
  awsTimeoutsOf,
  explainAwsFailure,
  guardAwsClient,
  type AwsTimeouts,
} from "../../analysis/io/aws/aws-client.js";
import { writeJsonAtomic } from "../../analysis/io/files/output.js";
import { redactK6OutputsIn } from "../../analysis/io/files/k6-redact-files.js";
import { writeRunManifest } from "../../analysis/io/files/run-bundle.js";
import {
  launchSegments,
  SegmentLaunchError,
  SegmentStartError,
  stopSegments,
  waitForRunning,
  waitForSegments,
  type LaunchedSegment,
  type SegmentResult,
} from "./ecs-segments.js";
import {
  awsLogsConfig,
  fetchLogsOutput,
  fetchS3Output,
  LOGS_SETTLE_SECONDS,
  parseResultsFlag,
  RESULTS_URI_ENV,
  runResultsUri,
  segmentResultsUri,
  TASK_OUTPUT_FILE,
  TASK_SUMMARY_FILE,
  type AwsLogsConfig,
  type ResultsDestination,
  type SegmentOutput,
} from "./segment-outputs.js";
import {
  K6_API_PORT,
  K6UnreachableError,
  resumeK6,
  SYNC_START_TIMEOUT_SECONDS,
  waitForK6Apis,
} from "./segment-start.js";
import { mergeAndJudge } from "./run-merge.js";
import { collectServerSide } from "./server-side.js";
import type { ManifestBase, RunJob, RunOptions, RunOutcome, RunWorld } from "./run.js";
import { plural } from "../../sim/vocab/numbers.js";

/** The IAM policy that lists the actions `caplab run --on ecs` calls. */
export const RUN_POLICY = "examples/iam/run-policy.json";

/** How the segments of an ECS run are started and where they leave their output. */
interface SegmentMode {
  readonly results: ResultsDestination;
  /** The k6 REST API port for a synchronised start; null to start each task at once. */
  readonly syncPort: number | null;
}

function segmentArgs(
  segment: ExecutionSegment,
  script: string,
  runId: string,
  mode: SegmentMode,
): string[] {
  const output =
    mode.results.kind === "logs"
      ? // JSON lines on stdout for the awslogs driver; --quiet keeps progress lines out of it
        // (k6's own messages go to stderr).
        ["--quiet", "--out", "json=/dev/stdout"]
      : ["--out", `json=${TASK_OUTPUT_FILE}`, "--summary-export", TASK_SUMMARY_FILE];
  const sync = mode.syncPort === null ? [] : ["--paused", "--address", `0.0.0.0:${mode.syncPort}`];
  return [
    "run",
    "--execution-segment",
    segment.segment,
    "--execution-segment-sequence",
    segment.sequence,
    // Each instance sees only its slice; thresholds are evaluated on the merged points.
    "--no-thresholds",
    "--tag",
    `testid=${runId}`,
    "--tag",
    `instance_id=${segment.index}`,
    ...output,
    ...sync,
    script,
  ];
}

/** A TCP port from a flag, 1–65535. */
function portFlag(flag: string, value: number | undefined, fallback: number): number {
  const port = value ?? fallback;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`${flag} takes a TCP port (1–65535), not ${value}.`, "bad-flag");
  return port;
}

/**
 * `caplab run --segments N --on ecs`: checks the flags and the task definition, then fills
 * `output` with the run bundle ({@link runSegments}); the bundle is recorded in the history
 * when k6 points were merged.
 */
export async function runOnEcs(job: RunJob): Promise<RunOutcome> {
  const { segments: n, name, plan, opts, runId, manifestBase, world, output } = job;
  const { io } = world;
  const missingFlags = [
    ["--cluster", opts.cluster],
    ["--task-definition", opts.taskDefinition],
    ["--subnets", opts.subnets?.length ? "ok" : undefined],
    ["--results s3://bucket/prefix or --results logs", opts.results],
  ].filter(([, v]) => v === undefined);
  if (missingFlags.length > 0)
    throw new UsageError(`--on ecs needs ${missingFlags.map(([f]) => f).join(", ")}.`, "bad-flag");
  const cluster = opts.cluster as string;
  const taskDefinition = opts.taskDefinition as string;
  const container = opts.container ?? RUN_DEFAULTS.k6Container;
  const results = parseResultsFlag(opts.results as string);
  if (!opts.syncStart && (opts.syncPort !== undefined || opts.syncTimeout !== undefined))
    throw new UsageError("--sync-port and --sync-timeout go with --sync-start.", "bad-flag");
  const mode: SegmentMode = {
    results,
    syncPort: opts.syncStart ? portFlag("--sync-port", opts.syncPort, K6_API_PORT) : null,
  };
  const out = output.path;
  const script = opts.scriptInImage ?? `/scenarios/${name}.js`;
  const segments = executionSegments(n);
  const timeouts = awsTimeoutsOf(opts);
  const client = guardAwsClient(world.ecs(timeouts));
  const explain = (error: unknown) =>
    explainAwsFailure(error, {
      timeouts,
      policy: RUN_POLICY,
      later: "run it again later",
    });
  // --results logs reads the log group from the task definition: check it before any task runs.
  let logsConfig: AwsLogsConfig | null = null;
  if (results.kind === "logs") {
    try {
      logsConfig = await awsLogsConfig(client, taskDefinition, container);
    } catch (error) {
      const explained = error instanceof UsageError ? null : explain(error);
      if (explained === null) throw error;
      if (explained.exitCode !== 1)
        throw new UsageError(explained.message, "aws-refused", { cause: error });
      io.err(`caplab: ${explained.message}\n`);
      return { code: 1, bundle: null };
    }
    io.err(
      `caplab: segment outputs will be read from CloudWatch Logs ${logsConfig.group}, streams ${logsConfig.streamPrefix}/${container}/<task id>\n`,
    );
  }
  let result: { code: number; merged: boolean };
  try {
    result = await output.write(
      async (dir, signal) => {
        const ran = await runSegments(
          segments,
          { cluster, taskDefinition, container, script, results, logsConfig, mode },
          plan,
          opts,
          runId,
          manifestBase,
          world,
          { client, timeouts, explain },
          dir,
          signal,
        );
        // The kept copies of k6's output (segments and merged) without URL credentials.
        await redactK6OutputsIn(dir);
        return ran;
      },
      { interrupt: "finish" },
    );
  } catch (error) {
    // The run was given up (AWS kept failing): the message is printed, nothing is kept.
    if (error instanceof RunAbandoned) return { code: error.exitCode, bundle: null };
    throw error;
  }
  return { code: result.code, bundle: result.merged ? out : null };
}

/** A run given up after its reason was printed; `--out` is left as it was. */
class RunAbandoned extends Error {
  constructor(readonly exitCode: number) {
    super(`the run was given up (exit ${exitCode})`);
    this.name = "RunAbandoned";
  }
}

/** The ECS run's AWS side: the client, the timeouts and how an AWS failure is explained. */
interface EcsAws {
  readonly client: ECSClient;
  readonly timeouts: AwsTimeouts;
  readonly explain: (error: unknown) => ReturnType<typeof explainAwsFailure>;
}

/** Where and how the segments of an ECS run go. */
interface EcsTarget {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly container: string;
  readonly script: string;
  readonly results: ResultsDestination;
  readonly logsConfig: AwsLogsConfig | null;
  readonly mode: SegmentMode;
}

/**
 * Launches the segments, waits for them, gathers and merges their outputs into `out` and
 * writes the manifest; returns the exit code and whether k6 points were merged. `signal`
 * aborting (Ctrl-C) before the launch stops the run with nothing started; after it, the tasks
 * are stopped and what they wrote is gathered.
 */
async function runSegments(
  segments: readonly ExecutionSegment[],
  target: EcsTarget,
  plan: ScenarioPlan | null,
  opts: RunOptions,
  runId: string,
  manifestBase: ManifestBase,
  world: RunWorld,
  aws: EcsAws,
  out: string,
  signal: AbortSignal,
): Promise<{ code: number; merged: boolean }> {
  const { io } = world;
  const { cluster, taskDefinition, container, script, results, logsConfig, mode } = target;
  const { client, timeouts, explain } = aws;
  if (plan !== null) await writeJsonAtomic(join(out, "plan.json"), plan);
  const startedAt = world.now();
  const environment: Record<string, string> = { [ENV_VARS.target]: opts.target };
  if (plan !== null) environment[ENV_VARS.planJson] = JSON.stringify(plan);
  const secrets = requestSecretsSet(world.env);
  if (secrets.length > 0)
    io.err(
      `caplab: ${secrets.join(", ")} ${secrets.length === 1 ? "is" : "are"} not forwarded to ECS (RunTask overrides are visible to anyone allowed DescribeTasks); give the task definition ${secrets.length === 1 ? "a secret" : "secrets"} of that name instead (containerDefinitions[].secrets, from Secrets Manager or SSM Parameter Store).\n`,
    );
  // Stopped before any task started: nothing to keep.
  if (signal.aborted) throw signal.reason;
  io.err(`caplab: starting ${segments.length} k6 tasks on ${cluster} (${runId})…\n`);
  let launched: LaunchedSegment[];
  try {
    launched = await launchSegments(
      client,
      {
        cluster,
        taskDefinition,
        subnets: opts.subnets ?? [],
        securityGroups: opts.securityGroups ?? [],
        containerName: container,
        command: (s) => segmentArgs(s, script, runId, mode),
        environment,
        segmentEnvironment: (s): Record<string, string> =>
          results.kind === "s3"
            ? { [RESULTS_URI_ENV]: segmentResultsUri(results, runId, s.index) }
            : {},
        startedBy: runId,
      },
      segments,
    );
  } catch (error) {
    // Nothing ran yet, or some tasks did: stop those, then say in one sentence what failed.
    const started = error instanceof SegmentLaunchError ? error.launched : [];
    const failures =
      started.length === 0
        ? []
        : await stopSegments(client, cluster, started, "caplab: launch failed");
    const stopped =
      started.length === 0
        ? "no task was started"
        : failures.length === 0
          ? `the ${started.length} task${started.length === 1 ? "" : "s"} already started ${started.length === 1 ? "was" : "were"} stopped (StopTask)`
          : `stop the tasks already started by hand: aws ecs list-tasks --cluster ${cluster} --started-by ${runId}`;
    const cause = error instanceof SegmentLaunchError ? (error.cause ?? null) : error;
    const explained = cause === null ? null : explain(cause);
    // Not an AWS failure caplab knows (a bug, or a UsageError): as it is, tasks stopped.
    if (explained === null && cause !== null) throw error;
    const what = (explained?.message ?? (error as Error).message).replace(/\.$/, "");
    if (explained?.exitCode === 1) {
      io.err(`caplab: ${what}; ${stopped}.\n`);
      throw new RunAbandoned(1);
    }
    throw new UsageError(`${what}; ${stopped}.`, "segment-not-launched", { cause: error });
  }
  io.err(`caplab: started ${launched.length} k6 tasks on ${cluster} (${runId})\n`);
  // Ctrl-C stops the tasks (k6 ends the test and writes its output, the entrypoint uploads it),
  // and the run goes on to gather and merge what they wrote. A second Ctrl-C exits at once.
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) return;
    interrupted = true;
    io.err(
      `caplab: interrupted; stopping the ${launched.length} k6 tasks (StopTask), then gathering what they wrote. Ctrl-C again to exit without gathering.\n`,
    );
    void stopSegments(client, cluster, launched, `caplab run ${runId} interrupted`).then(
      (failures) => {
        for (const f of failures)
          io.err(
            `caplab: could not stop ${f.taskArn} (${f.error}); stop it with aws ecs stop-task.\n`,
          );
      },
    );
  };
  const stopListening = world.onInterrupt(onInterrupt);
  // A signal that came while the tasks were being launched.
  if (signal.aborted) onInterrupt();
  try {
    const testSeconds = plan === null ? RUN_DEFAULTS.scriptTestSeconds : shapeSeconds(plan.shape);
    const waitMs = (opts.waitSeconds ?? testSeconds + RUN_DEFAULTS.ecsWaitMarginSeconds) * 1000;
    const clock = () => world.now().getTime();
    let loadStartedAt: Date | null = null;
    if (mode.syncPort !== null) {
      await synchronisedStart(client, cluster, launched, runId, mode.syncPort, opts, world);
      loadStartedAt = world.now();
    }
    io.err(`caplab: waiting for the k6 tasks to stop (at most ${Math.round(waitMs / 1000)} s)…\n`);
    const stopped = await waitForSegments(client, cluster, launched, {
      containerName: container,
      timeoutMs: waitMs,
      sleep: world.sleep,
      now: clock,
      onPoll: (statuses) => io.err(`caplab: tasks ${statuses.join(", ")}\n`),
    });
    const endedAt = world.now();
    for (const r of stopped)
      io.err(
        `caplab: segment ${r.segment.segment}: ${explainK6Exit(r.exitCode)}${r.stoppedReason ? ` (${r.stoppedReason})` : ""}\n`,
      );

    const gathered = await gatherOutputs(stopped, results, logsConfig, runId, out, world, timeouts);
    const found = gathered.flatMap((g, index) => (g.found ? [{ ...g, index }] : []));
    const missingIndexes = gathered.flatMap((g, index) => (g.found ? [] : [index]));
    const { merged, verdicts } = await mergeAndJudge(found, missingIndexes, plan, out, io);
    const exit = ecsExit(stopped, missingIndexes.length, gathered.length, verdicts ?? []);
    io.err(`caplab: ${exit.explanation}\n`);
    const serverSide = await collectServerSide(
      opts.collect,
      loadStartedAt ?? startedAt,
      endedAt,
      out,
      world,
      signal,
      timeouts,
    );
    await writeRunManifest(join(out, "manifest.json"), {
      ...manifestBase,
      runId,
      on: "ecs",
      k6Version: null,
      startedAt: startedAt.toISOString(),
      ...(loadStartedAt === null ? {} : { loadStartedAt: loadStartedAt.toISOString() }),
      endedAt: endedAt.toISOString(),
      k6ExitCode: exit.code,
      k6Exit: exit.explanation,
      syncStart: mode.syncPort === null ? null : { port: mode.syncPort },
      ...(interrupted ? { interrupted: true } : {}),
      segments: gathered.map((g, i) => {
        const r = stopped[i] as SegmentResult;
        return {
          index: r.segment.index,
          segment: r.segment.segment,
          sequence: r.segment.sequence,
          taskArn: r.taskArn,
          exitCode: r.exitCode,
          stoppedReason: r.stoppedReason,
          output: g.found
            ? {
                found: true,
                file: join("segments", String(i), "k6.json.gz"),
                source: g.source,
                points: merged?.pointsPerInput[found.findIndex((f) => f.index === i)] ?? null,
                otherLines: g.otherLines,
                extras: g.extras.map((e) => join("segments", String(i), e)),
              }
            : { found: false, source: g.source, reason: g.reason },
        };
      }),
      outputs: {
        gathered: missingIndexes.length === 0,
        from: results.kind,
        ...(results.kind === "s3"
          ? { uri: runResultsUri(results, runId) }
          : { logGroup: logsConfig?.group }),
        merged: found.map((f) => f.index),
        missing: missingIndexes,
        points: merged?.points ?? 0,
      },
      files: {
        ...(merged === null ? {} : { k6Json: "k6.json.gz" }),
        // thresholds.json has the {thresholds: [{metric, expression, ok}]} that report and gate
        // read from a caplab summary.
        caplabSummary: "thresholds.json",
        thresholds: "thresholds.json",
        segments: "segments",
        ...serverSide.files,
      },
      serverSide: serverSide.record,
    });
    return { code: exit.code, merged: merged !== null };
  } catch (error) {
    const explained = error instanceof UsageError ? null : explain(error);
    if (explained === null) throw error;
    io.err(
      `caplab: ${explained.message.replace(/\.$/, "")}; the k6 tasks of ${runId} may still be running: see them with aws ecs list-tasks --cluster ${cluster} --started-by ${runId} and stop them with aws ecs stop-task.\n`,
    );
    throw new RunAbandoned(explained.exitCode);
  } finally {
    stopListening();
  }
}

/**
 * Waits for every task to run and every k6 to be ready, then resumes them all. On failure
 * every task is stopped (a paused k6 would wait forever) and a UsageError says what to fix.
 */
async function synchronisedStart(
  client: ECSClient,
  cluster: string,
  launched: readonly LaunchedSegment[],
  runId: string,
  port: number,
  opts: RunOptions,
  world: RunWorld,
): Promise<void> {
  const { io } = world;
  const clock = () => world.now().getTime();
  const timeoutMs = (opts.syncTimeout ?? SYNC_START_TIMEOUT_SECONDS) * 1000;
  const stopAll = async (why: string): Promise<string> => {
    const failures = await stopSegments(client, cluster, launched, `caplab: ${why}`);
    return failures.length === 0
      ? `${launched.length === 1 ? "the task was" : `all ${launched.length} tasks were`} stopped (StopTask)`
      : `StopTask failed for ${failures.map((f) => `${f.taskArn} (${f.error})`).join(", ")}: stop them by hand (aws ecs list-tasks --cluster ${cluster} --started-by ${runId})`;
  };
  try {
    io.err(`caplab: synchronised start: waiting for the ${launched.length} tasks to be RUNNING…\n`);
    const running = await waitForRunning(client, cluster, launched, {
      timeoutMs: (opts.waitSeconds ?? RUN_DEFAULTS.ecsWaitMarginSeconds) * 1000,
      sleep: world.sleep,
      now: clock,
      onPoll: (statuses) => io.err(`caplab: tasks ${statuses.join(", ")}\n`),
    });
    io.err(
      `caplab: synchronised start: waiting for k6 on ${running.map((r) => `${r.privateIp}:${port}`).join(", ")}…\n`,
    );
    await waitForK6Apis(running, {
      port,
      timeoutMs,
      sleep: world.sleep,
      now: clock,
      onPoll: (ready, total) =>
        io.err(`caplab: k6 ready on ${ready} of ${plural(total, "task")}\n`),
    });
    const refused = await resumeK6(running, { port });
    if (refused.length > 0)
      throw new K6UnreachableError(
        `${refused.length} of ${running.length} k6 did not accept the resume: ${refused.map((r) => `segment ${r.segment.segment.segment} (${r.segment.taskArn}, ${r.segment.privateIp}: ${r.problem})`).join("; ")}`,
        refused,
      );
    io.err(
      `caplab: synchronised start: resumed k6 on ${running.length === 1 ? "its task" : `all ${running.length} tasks`}\n`,
    );
  } catch (error) {
    if (error instanceof K6UnreachableError) {
      const stopped = await stopAll("k6 REST API unreachable for a synchronised start");
      throw new UsageError(
        `${error.message}. caplab must reach the tasks' private IPs on port ${port}: run it inside the VPC and let the tasks' security group allow TCP ${port} from it (or drop --sync-start); ${stopped}.`,
        "k6-unreachable",
        { cause: error },
      );
    }
    if (error instanceof SegmentStartError) {
      const stopped = await stopAll("a segment could not start");
      throw new UsageError(`${error.message} ${stopped}.`, "segment-not-started", {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Gathers every segment's output into `out/segments/<i>/` (`out` is the run's fresh
 * temporary folder, so nothing stale of a previous run is there).
 */
async function gatherOutputs(
  stopped: readonly SegmentResult[],
  results: ResultsDestination,
  logsConfig: AwsLogsConfig | null,
  runId: string,
  out: string,
  world: RunWorld,
  timeouts: AwsTimeouts,
): Promise<SegmentOutput[]> {
  const { io } = world;
  let s3: S3Client | undefined;
  const s3Client = (): S3Client => (s3 ??= guardAwsClient(world.s3(timeouts)));
  let logs: CloudWatchLogsClient | undefined;
  if (logsConfig !== null) {
    io.err(
      `caplab: waiting ${LOGS_SETTLE_SECONDS} s for CloudWatch Logs to take the tasks' last lines…\n`,
    );
    await world.sleep(LOGS_SETTLE_SECONDS * 1000);
    logs = guardAwsClient(world.logs(logsConfig.region, timeouts));
  }
  const gathered: SegmentOutput[] = [];
  for (const r of stopped) {
    const i = r.segment.index;
    const dir = join(out, "segments", String(i));
    const label = `${i} (${r.segment.segment})`;
    io.err(`caplab: gathering the output of segment ${label} (${i + 1}/${stopped.length})…\n`);
    const output =
      results.kind === "s3"
        ? await fetchS3Output(s3Client, segmentResultsUri(results, runId, i), dir, label)
        : await fetchLogsOutput(
            logs as CloudWatchLogsClient,
            logsConfig as AwsLogsConfig,
            r.taskArn,
            dir,
            label,
          );
    io.err(
      output.found
        ? `caplab: segment ${label}: ${plural(output.points, "point")} from ${output.source}${output.otherLines > 0 ? ` (${plural(output.otherLines, "other line")} skipped)` : ""}\n`
        : `caplab: ${output.reason}\n`,
    );
    gathered.push(output);
  }
  return gathered;
}

/**
 * The run's exit code, with k6's precedence (reference/k6.md §3.6: another error beats
 * crossed thresholds): a segment's own non-zero code (1 when a task had none); 104 when a
 * threshold is not valid k6; 1 when a segment's output is missing (the data is incomplete,
 * so no verdict on it can pass); 99 when a threshold failed on the merged points; else 0.
 */
function ecsExit(
  results: readonly SegmentResult[],
  missing: number,
  total: number,
  verdicts: readonly ThresholdResult[],
): { code: number; explanation: string } {
  const bad = results.find((r) => r.exitCode !== 0);
  if (bad !== undefined) {
    const code = bad.exitCode ?? 1;
    return {
      code,
      explanation: `segment ${bad.segment.segment}: ${explainK6Exit(bad.exitCode)}${bad.exitCode === null ? " (exit 1)" : ""}`,
    };
  }
  if (verdicts.some((v) => v.verdict === "invalid"))
    return { code: 104, explanation: explainK6Exit(104) };
  if (missing > 0)
    return {
      code: 1,
      explanation: `exit 1: ${missing} of ${total} segment outputs are missing, so the run is incomplete`,
    };
  if (verdicts.some((v) => !v.ok))
    return {
      code: 99,
      explanation: `${explainK6Exit(99)} (judged by caplab on the merged points of all segments)`,
    };
  return { code: 0, explanation: explainK6Exit(0) };
}
