/**
 * `caplab collect` as a library call: a service's window into a trace bundle folder.
 *
 *   CollectBundleOptions (--from/--to already times, flags as given)
 *     ──prepareOutputFolder, checkCheckpointFolder──▶ refusals before any AWS call
 *     ──collectClients (default credential chain or a profile's; never printed or written)──▶
 *     ──collect (analysis/io/aws/collect.ts)──▶ the bundle, CollectResult
 *
 * Used by the collect command and by `caplab run --collect` (the server side of a run).
 */
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { fromIni } from "@aws-sdk/credential-providers";
import { parseIsoTime } from "../../trace.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { COLLECT_DEFAULTS, type WarningSink } from "../../../sim/vocab/index.js";
import { caplabVersion } from "../../../sim/io/package-root.js";
import { prepareOutputFolder } from "../files/output.js";
import { parseHttpUrl } from "../files/urls.js";
import {
  awsClientOptions,
  explainAwsFailure,
  guardAwsClient,
  type AwsTimeouts,
} from "./aws-client.js";
import { checkCheckpointFolder, partialDirFor } from "./checkpoint.js";
import { MetricForbiddenError } from "./cloudwatch.js";
import { collect, type CollectResult } from "./collect.js";
import type { PackingLimits } from "./packing.js";
import type { RetryOptions } from "./retry.js";
import { DEFAULT_MAX_TASKS } from "./task-metrics.js";
import { plural } from "../../../sim/vocab/numbers.js";
import { targetGroupSettingsText } from "../../recorded-platform.js";

/** The default period, seconds (CloudWatch's standard resolution; COLLECT_DEFAULTS). @default 60 */
export const DEFAULT_COLLECT_PERIOD = COLLECT_DEFAULTS.periodSeconds;

/** The IAM policy that lists the actions `caplab collect` calls. */
export const COLLECT_POLICY = "examples/iam/collect-policy.json";

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

/** What to collect and where to; the names are those of the collect command's flags. */
export interface CollectBundleOptions {
  readonly cluster: string;
  readonly service: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Seconds. @default {@link DEFAULT_COLLECT_PERIOD} */
  readonly period?: number;
  readonly loadBalancer?: string;
  readonly targetGroup?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly endpointUrl?: string;
  readonly out: string;
  /** Tasks whose per-task and per-container series are collected, at most. @default 50 */
  readonly maxTasks?: number;
  /** false: no 20-s AWS/ECS series. @default true */
  readonly highResolution?: boolean;
  /** Write `out` (and its .partial) even when caplab did not write what is there. */
  readonly force?: boolean;
  readonly timeouts: AwsTimeouts;
}

/** The outside world of a collection; tests change the clients' configuration, retries and clock. */
export interface CollectBundleDeps {
  /** Extra client configuration (credentials, SDK retries). */
  readonly clientConfig?: Record<string, unknown>;
  readonly retry?: RetryOptions;
  readonly limits?: PackingLimits;
  /** The clock, ms. @default Date.now */
  readonly now?: () => number;
  readonly signal?: AbortSignal;
  /** One sentence about the output folder (a backup made, a leftover cleaned). */
  readonly notify: (message: string) => void;
  readonly warn: WarningSink;
  /** Called once the chunks are planned: how many, and how many were saved before. */
  readonly onStart?: (total: number, saved: number, partialDir: string) => void;
  readonly onChunk?: (done: number) => void;
}

/**
 * Collects a service's window into the bundle folder `options.out`.
 *
 * @throws UsageError for a window, endpoint or output caplab refuses, or no Region;
 *   CollectionInterrupted when `deps.signal` aborted after chunks were saved; AWS's own errors
 *   otherwise ({@link explainAwsError} puts them in one sentence).
 */
export async function collectBundle(
  options: CollectBundleOptions,
  deps: CollectBundleDeps,
): Promise<CollectResult> {
  if (options.fromMs >= options.toMs)
    throw new UsageError(
      `--from (${new Date(options.fromMs).toISOString()}) is not before --to (${new Date(options.toMs).toISOString()}); swap them or widen the window.`,
      "bad-flag",
    );
  const period = options.period ?? DEFAULT_COLLECT_PERIOD;
  if (!Number.isInteger(period) || period <= 0)
    throw new UsageError("--period takes a whole number of seconds, such as 60.", "bad-flag");
  if (options.endpointUrl !== undefined) parseHttpUrl("--endpoint-url", options.endpointUrl, "aws");
  // --out and its checkpoint folder are checked before any AWS call.
  const output = await prepareOutputFolder(options.out, {
    command: "collect",
    force: options.force,
    notify: deps.notify,
  });
  const partialDir = partialDirFor(output.path);
  await checkCheckpointFolder(partialDir, { force: options.force, notify: deps.notify });
  const config: Record<string, unknown> = {
    ...awsClientOptions(options.timeouts),
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile
      ? { profile: options.profile, credentials: fromIni({ profile: options.profile }) }
      : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    ...deps.clientConfig,
  };
  const cloudWatch = guardAwsClient(new CloudWatchClient(config));
  const ecs = guardAwsClient(new ECSClient(config));
  const autoScaling = guardAwsClient(new ApplicationAutoScalingClient(config));
  const elb = guardAwsClient(new ElasticLoadBalancingV2Client(config));
  try {
    let where: string;
    try {
      where = options.endpointUrl ?? (await cloudWatch.config.region());
    } catch {
      throw new UsageError("no AWS Region is set; pass --region or set AWS_REGION.", "no-region");
    }
    return await collect(
      {
        cluster: options.cluster,
        service: options.service,
        fromMs: options.fromMs,
        toMs: options.toMs,
        periodSeconds: period,
        loadBalancer: options.loadBalancer,
        targetGroup: options.targetGroup,
        out: output.path,
        where,
        maxTasks: options.maxTasks ?? DEFAULT_MAX_TASKS,
        highResolution: options.highResolution ?? true,
      },
      {
        cloudWatch,
        ecs,
        autoScaling,
        elb,
        caplabVersion: caplabVersion(),
        now: deps.now ?? Date.now,
        retry: deps.retry,
        limits: deps.limits,
        signal: deps.signal,
        output,
        warn: deps.warn,
        onStart: (total, saved) => deps.onStart?.(total, saved, partialDir),
        onChunk: (done) => deps.onChunk?.(done),
      },
    );
  } finally {
    cloudWatch.destroy();
    ecs.destroy();
    autoScaling.destroy();
    elb.destroy();
  }
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
      ? `Current configuration: ${m.current.task.cpu} CPU / ${m.current.task.memory} MiB, ${m.current.scaling.MinCapacity}–${m.current.scaling.MaxCapacity} tasks, ${plural(m.current.scaling.policies.length, "policy", "policies")}.`
      : "Current configuration: not recorded (see the notes in manifest.json).",
    ...(m.current?.platform && targetGroupSettingsText(m.current.platform) !== null
      ? [
          `Target group: ${targetGroupSettingsText(m.current.platform)}; simulate, plan and calibrate take these from the bundle unless a config's platform: sets them.`,
        ]
      : []),
  ];
  return `${lines.join("\n")}\n`;
}
