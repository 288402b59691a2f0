/**
 * `caplab collect`: the CLI face of analysis/io/aws/collect.ts. Builds the three AWS clients
 * (default credential chain, or the --profile's credentials through fromIni; credentials are
 * never printed or written), turns flags into a CollectRequest, shows a progress bar on a
 * terminal, and says what to do when AWS says no.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { ECSClient } from "@aws-sdk/client-ecs";
import { fromIni } from "@aws-sdk/credential-providers";
import { SingleBar } from "cli-progress";
import { Option, type Command } from "commander";
import { parseIsoTime } from "../analysis/trace.js";
import { collect, CollectionInterrupted, type CollectResult } from "../analysis/io/aws/collect.js";
import { checkCheckpointFolder, partialDirFor } from "../analysis/io/aws/checkpoint.js";
import { MetricForbiddenError } from "../analysis/io/aws/cloudwatch.js";
import type { PackingLimits } from "../analysis/io/aws/packing.js";
import {
  AWS_CONNECT_TIMEOUT_SECONDS,
  AWS_MAX_ATTEMPTS,
  AWS_REQUEST_TIMEOUT_SECONDS,
  awsClientOptions,
  awsTimeoutsOf,
  explainAwsFailure,
  guardAwsClient,
  parseSecondsFlag,
  type AwsTimeouts,
} from "../analysis/io/aws/aws-client.js";
import type { RetryOptions } from "../analysis/io/aws/retry.js";
import { DEFAULT_MAX_TASKS } from "../analysis/io/aws/task-metrics.js";
import type { Warning } from "../sim/vocab/index.js";
import { UsageError } from "../sim/vocab/errors.js";
import { COLLECT_DEFAULTS } from "../sim/vocab/defaults.js";
import { FORCE_HELP, prepareOutputFolder } from "../analysis/io/files/output.js";
import { parseHttpUrl } from "../analysis/io/files/urls.js";
import { printWarnings, type Io } from "./main.js";
import { wholeNumberFlag } from "./flags.js";
import { PACKAGE_ROOT_URL } from "../sim/io/package-root.js";

export interface CollectCommandOptions {
  readonly cluster: string;
  readonly service: string;
  readonly from: string;
  readonly to: string;
  /** Seconds. @default 60 */
  readonly period?: number;
  readonly loadBalancer?: string;
  readonly targetGroup?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly out: string;
  readonly quiet?: boolean;
  /** Tasks whose per-task and per-container series are collected, at most. @default 50 */
  readonly maxTasks?: number;
  /** `--no-high-resolution` sets false: no 20-s AWS/ECS series. @default true */
  readonly highResolution?: boolean;
  /** Write --out (and its .partial) even when caplab did not write what is there. */
  readonly force?: boolean;
  /** Seconds to wait for a connection to AWS. @default AWS_CONNECT_TIMEOUT_SECONDS (10) */
  readonly connectTimeout?: number;
  /** Seconds to wait for an answer to begin, and the longest silence within one. @default 60 */
  readonly requestTimeout?: number;
}

/** What tests change: extra client configuration (credentials, SDK retries), retry, limits, clock, signal. */
export interface CollectCommandDeps {
  readonly clientConfig?: Record<string, unknown>;
  readonly retry?: RetryOptions;
  readonly limits?: PackingLimits;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

/** The default period, seconds (CloudWatch's standard resolution; COLLECT_DEFAULTS). @default 60 */
export const DEFAULT_COLLECT_PERIOD = COLLECT_DEFAULTS.periodSeconds;

const repoRoot = fileURLToPath(new URL(".", PACKAGE_ROOT_URL));

async function caplabVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

const RELATIVE = /^now(?:-(\d+(?:\.\d+)?)([mhd]))?$/;
const UNIT_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;

/** `--from`/`--to`: ISO 8601 (UTC unless an offset is given), `now`, or `now-7d` (m, h, d). */
export function parseCollectTime(flag: string, text: string, nowMs: number): number {
  const rel = RELATIVE.exec(text.trim());
  if (rel) {
    const amount = Number(rel[1] ?? 0);
    const unit = (rel[2] ?? "m") as keyof typeof UNIT_SECONDS;
    return nowMs - amount * UNIT_SECONDS[unit] * 1000;
  }
  const ms = parseIsoTime(text);
  if (ms === null)
    throw new UsageError(
      `${flag} "${text}" is not a time; give ISO 8601 (2026-03-01T00:00:00Z), now, or now-7d.`,
      "bad-flag",
    );
  return ms;
}

/** The IAM policy that lists the actions `caplab collect` calls. */
export const COLLECT_POLICY = "examples/iam/collect-policy.json";

/**
 * An AWS failure in one sentence that says what to change, with its exit code (2: change the
 * set-up; 1: AWS kept failing, run again later and the chunks fetched so far are kept), or
 * null when it is not one we know (a bug: its stack is shown).
 */
export function explainAwsError(
  error: unknown,
  partialDir: string,
  where: { readonly endpointUrl?: string; readonly timeouts?: AwsTimeouts } = {},
): { readonly message: string; readonly exitCode: 1 | 2 } | null {
  const e = error as { name?: string; message?: string } | null;
  const name = e?.name ?? "";
  const msg = (e?.message ?? "").split("\n")[0]!;
  if (error instanceof MetricForbiddenError)
    return {
      message: `CloudWatch answered Forbidden for a metric (${error.queryId}); grant cloudwatch:GetMetricData as in ${COLLECT_POLICY}.`,
      exitCode: 2,
    };
  if (name === "ClusterNotFoundException")
    return {
      message: `the ECS cluster was not found (${msg}); check --cluster and --region.`,
      exitCode: 2,
    };
  if (name === "ServiceNotFoundException")
    return {
      message: `the ECS service was not found (${msg}); check --service and --region.`,
      exitCode: 2,
    };
  return explainAwsFailure(error, {
    ...where,
    policy: COLLECT_POLICY,
    profileFlag: true,
    regionFlag: true,
    later: `run the same command again later: the chunks already fetched are kept in ${partialDir}`,
  });
}

function parseRequest(opts: CollectCommandOptions, nowMs: number) {
  const fromMs = parseCollectTime("--from", opts.from, nowMs);
  const toMs = parseCollectTime("--to", opts.to, nowMs);
  if (fromMs >= toMs)
    throw new UsageError(
      `--from (${opts.from}) is not before --to (${opts.to}); swap them or widen the window.`,
      "bad-flag",
    );
  const period = opts.period ?? DEFAULT_COLLECT_PERIOD;
  if (!Number.isInteger(period) || period <= 0)
    throw new UsageError("--period takes a whole number of seconds, such as 60.", "bad-flag");
  return { fromMs, toMs, period };
}

export async function runCollectCommand(
  opts: CollectCommandOptions,
  io: Io,
  deps: CollectCommandDeps = {},
): Promise<number> {
  const now = deps.now ?? Date.now;
  const { fromMs, toMs, period } = parseRequest(opts, now());
  if (opts.endpointUrl !== undefined) parseHttpUrl("--endpoint-url", opts.endpointUrl, "aws");
  // --out and its checkpoint folder are checked before any AWS call.
  const notify = (message: string) => io.err(`caplab: ${message}\n`);
  const output = await prepareOutputFolder(opts.out, {
    command: "collect",
    force: opts.force,
    notify,
  });
  const out = output.path;
  const partialDir = partialDirFor(out);
  await checkCheckpointFolder(partialDir, { force: opts.force, notify });
  const timeouts = awsTimeoutsOf(opts);
  const config: Record<string, unknown> = {
    ...awsClientOptions(timeouts),
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.profile
      ? { profile: opts.profile, credentials: fromIni({ profile: opts.profile }) }
      : {}),
    ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
    ...deps.clientConfig,
  };
  const cloudWatch = guardAwsClient(new CloudWatchClient(config));
  const ecs = guardAwsClient(new ECSClient(config));
  const autoScaling = guardAwsClient(new ApplicationAutoScalingClient(config));

  const warnings: Warning[] = [];
  const showBar = io.isTty && !opts.quiet;
  const bar = showBar
    ? new SingleBar({
        format: "  {bar} {percentage}% | {value}/{total} chunks | ETA {eta_formatted}",
        hideCursor: true,
        stream: process.stderr,
      })
    : null;
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error("interrupted"));
  const signal = deps.signal
    ? AbortSignal.any([deps.signal, controller.signal])
    : controller.signal;
  process.once("SIGINT", onSigint);
  let result: CollectResult;
  try {
    let where: string;
    try {
      where = opts.endpointUrl ?? (await cloudWatch.config.region());
    } catch {
      throw new UsageError("no AWS Region is set; pass --region or set AWS_REGION.", "no-region");
    }
    result = await collect(
      {
        cluster: opts.cluster,
        service: opts.service,
        fromMs,
        toMs,
        periodSeconds: period,
        loadBalancer: opts.loadBalancer,
        targetGroup: opts.targetGroup,
        out,
        where,
        maxTasks: opts.maxTasks ?? DEFAULT_MAX_TASKS,
        highResolution: opts.highResolution ?? true,
      },
      {
        cloudWatch,
        ecs,
        autoScaling,
        caplabVersion: await caplabVersion(),
        now,
        retry: deps.retry,
        limits: deps.limits,
        signal,
        output,
        warn: (w) => warnings.push(w),
        onStart: (total, saved) => {
          if (!opts.quiet)
            io.err(
              `Collecting ${opts.service} in ${opts.cluster}: ${total} GetMetricData chunks${saved ? ` (${saved} already saved in ${partialDir})` : ""}…\n`,
            );
          bar?.start(total, saved);
        },
        onChunk: (done) => bar?.update(done),
      },
    );
  } catch (error) {
    bar?.stop();
    printWarnings(io, warnings);
    if (error instanceof CollectionInterrupted) {
      io.err(
        `Stopped with ${error.saved} of ${error.total} chunks saved in ${error.partialDir}; run the same command again to resume.\n`,
      );
      return 130;
    }
    if (signal.aborted) {
      io.err(`Stopped before any chunk was saved; run the same command again to start over.\n`);
      return 130;
    }
    if (error instanceof UsageError) throw error;
    const explained = explainAwsError(error, partialDir, {
      endpointUrl: opts.endpointUrl,
      timeouts,
    });
    if (explained === null) throw error;
    io.err(`caplab: ${explained.message}\n`);
    return explained.exitCode;
  } finally {
    bar?.stop();
    process.off("SIGINT", onSigint);
    cloudWatch.destroy();
    ecs.destroy();
    autoScaling.destroy();
  }
  printWarnings(io, warnings);
  io.out(renderCollectSummary(result));
  return 0;
}

/** The summary printed after a collection. */
export function renderCollectSummary(r: CollectResult): string {
  const m = r.manifest;
  const days = (r.toMs - r.fromMs) / 86_400_000;
  const lines = [
    `Wrote ${r.out}: ${r.series} series over ${days.toFixed(2)} days at ${r.periodSeconds}-s steps (${m.window.from} to ${m.window.to}).`,
    ...(r.highResolution
      ? [
          `20-s data: ${r.highResolution.metrics.join(" and ")} (AWS/ECS, series *.20s) from ${new Date(r.highResolution.fromMs).toISOString()} to ${new Date(r.highResolution.toMs).toISOString()}.`,
        ]
      : []),
    `GetMetricData: ${r.getMetricDataCalls} calls for ${r.chunks} chunks${r.resumedChunks ? `, ${r.resumedChunks} read back from checkpoints` : ""}${r.retries ? `, ${r.retries} retries` : ""}.`,
    m.current
      ? `Current configuration: ${m.current.task.cpu} CPU / ${m.current.task.memory} MiB, ${m.current.scaling.MinCapacity}–${m.current.scaling.MaxCapacity} tasks, ${m.current.scaling.policies.length} policies.`
      : "Current configuration: not recorded (see the notes in manifest.json).",
  ];
  return `${lines.join("\n")}\n`;
}

/** Adds `caplab collect` to the program (main.ts: `addCollectCommand(program, io, setCode)`). */
export function addCollectCommand(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command("collect")
    .summary("pull a service's CloudWatch metrics and scaling configuration into a trace bundle")
    .description(
      "Reads, for the window, the ALB's request, latency, error and host metrics, the service's AWS/ECS and " +
        "Container Insights metrics (per task and per container too, with enhanced observability; AWS/ECS CPU and memory at 20 s too " +
        "where the service publishes them and the data is under 3 hours old), and snapshots the service, its task definition and its Application Auto " +
        "Scaling target, policies, scheduled actions and activities. Writes a trace bundle that simulate and plan " +
        "take wherever they take a trace file. An interrupted run resumes where it stopped when run again. " +
        "Read-only: the IAM actions it needs are in examples/iam/collect-policy.json.\n\n" +
        "Example: caplab collect --cluster prod --service api --from now-7d --to now --out traces/api-week",
    )
    .requiredOption("--cluster <name>", "ECS cluster name or ARN")
    .requiredOption("--service <name>", "ECS service name or ARN")
    .requiredOption("--from <time>", "window start: ISO 8601 (UTC), now, or now-7d")
    .requiredOption("--to <time>", "window end, exclusive: ISO 8601 (UTC), now, or now-1h")
    .addOption(
      new Option(
        "--period <seconds>",
        "step, 60 s or more; raised to what the data's age allows (older than 15 days: 300, 63 days: 3600)",
      )
        .default(DEFAULT_COLLECT_PERIOD)
        .argParser(wholeNumberFlag("--period", { min: 1, unit: "seconds" })),
    )
    .addOption(
      new Option(
        "--max-tasks <n>",
        "per-task and per-container series (enhanced observability) for at most this many tasks",
      )
        .default(DEFAULT_MAX_TASKS)
        .argParser(wholeNumberFlag("--max-tasks", { unit: "tasks" })),
    )
    .option(
      "--no-high-resolution",
      "skip the 20-s AWS/ECS CPU and memory series (collected by default where the service has them, last 3 h only)",
    )
    .option("--load-balancer <app/NAME/ID>", "the ALB (LoadBalancer dimension or ARN)")
    .option("--target-group <targetgroup/NAME/ID>", "the target group (dimension or ARN)")
    .option("--region <region>", "AWS Region (default: AWS_REGION or the profile's)")
    .option("--profile <name>", "shared-config profile for credentials and Region")
    .option("--endpoint-url <url>", "send every AWS call to this endpoint (a local stub)")
    .addOption(connectTimeoutOption())
    .addOption(requestTimeoutOption())
    .requiredOption("--out <dir>", "bundle folder to write")
    .option("--force", FORCE_HELP.folder)
    .option("--quiet", "no progress bar or progress messages")
    .action(async (opts: CollectCommandOptions) => {
      setCode(await runCollectCommand(opts, io));
    });
}

/** `--connect-timeout SECONDS`, for every command that calls AWS. */
export function connectTimeoutOption(): Option {
  return new Option(
    "--connect-timeout <seconds>",
    `seconds to wait for a connection to AWS (default ${AWS_CONNECT_TIMEOUT_SECONDS})`,
  ).argParser(parseSecondsFlag("--connect-timeout"));
}

/** `--request-timeout SECONDS`, for every command that calls AWS. */
export function requestTimeoutOption(): Option {
  return new Option(
    "--request-timeout <seconds>",
    `seconds to wait for each AWS answer, and the longest silence within one; a call is tried ${AWS_MAX_ATTEMPTS} times (default ${AWS_REQUEST_TIMEOUT_SECONDS})`,
  ).argParser(parseSecondsFlag("--request-timeout"));
}
