/**
 * `caplab collect`: a service's CloudWatch metrics and configuration, as a trace bundle.
 *
 *   snapshotService (ECS) ─┐
 *   snapshotScaling (AAS) ─┤
 *   snapshotTargetGroup (ELBv2) ─┴─ discoverLoadBalancer ─▶ MetricScope ─▶ metricQueries
 *     + the target group's settings ─▶ manifest.current.platform
 *     + discoverTasks (ListMetrics, enhanced observability) ─▶ taskMetricQueries
 *     ─▶ choosePeriod (by data age, ≥ 60 s); the window starts at most 455 days back (retention)
 *     + highResolutionMetricsOf (20-s AWS/ECS CPU/memory, last 3 h) ─▶ highResolutionQueries
 *     ─▶ planChunks (≤ 500 queries, ≤ 100,800 points a call; 20-s series weigh 3 per minute)
 *     ─▶ per chunk: checkpoint ? load : fetchChunk (GetMetricData, NextToken, retries) ─▶ save
 *     ─▶ RawPoints per query (gaps, any order) ─▶ toFixedSeries ─▶ FixedSeries (step grid, NaN = gap)
 *     ─▶ writeBundle (atomic) ─▶ remove the checkpoints
 *
 * The collector fetches and shapes (STYLE.md 7): it places each datapoint on the step grid and
 * computes nothing else.
 */
import type { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { ECSClient, Service, TaskDefinition } from "@aws-sdk/client-ecs";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { MAX_TRACE_STEPS, tooManySteps } from "../../trace.js";
import { writeBundle, type FixedSeries } from "../files/bundle.js";
import type { OutputFolder } from "../files/output.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import {
  warnings,
  BUNDLE_FORMAT,
  type BundleSeries,
  type TraceBundleManifest,
  type WarningSink,
} from "../../../sim/vocab/index.js";
import { collectionKey, openCheckpoints, partialDirFor } from "./checkpoint.js";
import { fetchChunk, type ChunkData, type RawPoints } from "./cloudwatch.js";
import { highResolutionMetricsOf, highResolutionWindow } from "./high-resolution.js";
import {
  HIGH_RESOLUTION_PERIOD,
  highResolutionQueries,
  metricQueries,
  type HighResolutionMetric,
  type MetricQuery,
} from "./metrics.js";
import { DEFAULT_MAX_TASKS, discoverTasks, taskMetricQueries } from "./task-metrics.js";
import { GET_METRIC_DATA_LIMITS, planChunks, type Chunk, type PackingLimits } from "./packing.js";
import { choosePeriod, retainedFrom, STANDARD_PERIOD } from "./period.js";
import { isThrottling, RETRY_DEFAULTS, type RetryOptions } from "./retry.js";
import {
  DESCRIBE_TARGET_GROUP_ATTRIBUTES,
  DESCRIBE_TARGET_GROUPS,
  describeTargetGroup,
  describeTargetGroupAttributes,
  targetGroupRecord,
  toTargetGroupSettings,
  type TargetGroupRecord,
  type TargetGroupSettings,
} from "./elbv2.js";
import {
  chooseTargetGroup,
  discoverLoadBalancer,
  lastPart,
  type DescribedTargetGroup,
  type LoadBalancerScope,
  type ScalingSnapshot,
  snapshotScaling,
  snapshotService,
  toScalingConfig,
  toDeploymentSettings,
  toTaskSize,
} from "./snapshot.js";
import { plural } from "../../../sim/vocab/numbers.js";
import { redactStrings } from "../../../sim/vocab/redact.js";

/** What to collect. */
export interface CollectRequest {
  /** Cluster name or ARN. */
  readonly cluster: string;
  /** Service name or ARN. */
  readonly service: string;
  readonly fromMs: number;
  /** Window end, exclusive. */
  readonly toMs: number;
  /** Requested period, seconds (raised to what the data's age allows). @default 60 */
  readonly periodSeconds: number;
  /** `app/NAME/ID` or an ALB ARN; found from the scaling policies when not given. */
  readonly loadBalancer?: string;
  /** `targetgroup/NAME/ID` or a target group ARN; found from the service when not given. */
  readonly targetGroup?: string;
  /** The bundle folder. */
  readonly out: string;
  /** Region (or endpoint) the data comes from, recorded in the manifest and the checkpoint key. */
  readonly where: string;
  /** Tasks whose per-task and per-container series are collected, at most. @default 50 */
  readonly maxTasks?: number;
  /**
   * Also collect the 20-s `AWS/ECS` CPU and memory series the service publishes, for the part
   * of the window under 3 hours old. @default true
   */
  readonly highResolution?: boolean;
}

/** The outside world, passed in. */
export interface CollectDeps {
  readonly cloudWatch: CloudWatchClient;
  readonly ecs: ECSClient;
  readonly autoScaling: ApplicationAutoScalingClient;
  /** ELBv2: the target group's load balancer and settings (analysis/io/aws/elbv2.ts). */
  readonly elb: ElasticLoadBalancingV2Client;
  readonly caplabVersion: string;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default RETRY_DEFAULTS */
  readonly retry?: RetryOptions;
  /** @default GET_METRIC_DATA_LIMITS */
  readonly limits?: PackingLimits;
  readonly warn?: WarningSink;
  readonly signal?: AbortSignal;
  /** Called once the chunks are planned: how many, and how many the checkpoints already hold. */
  readonly onStart?: (total: number, saved: number) => void;
  /** Called after each chunk (fetched or read back). */
  readonly onChunk?: (done: number, total: number) => void;
  /**
   * The bundle folder, prepared (checked, --force) by the command at its start; else
   * `request.out` is prepared when the bundle is written.
   */
  readonly output?: OutputFolder;
}

export interface CollectResult {
  readonly out: string;
  readonly periodSeconds: number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly chunks: number;
  /** Chunks read back from checkpoints instead of fetched. */
  readonly resumedChunks: number;
  /** GetMetricData calls made by this run (pages; retries not counted). */
  readonly getMetricDataCalls: number;
  readonly retries: number;
  readonly series: number;
  /** The 20-s series collected, and over which window; null when none. */
  readonly highResolution: {
    readonly metrics: readonly HighResolutionMetric[];
    readonly fromMs: number;
    readonly toMs: number;
  } | null;
  readonly manifest: TraceBundleManifest;
}

/** Raised when the collection stops on its signal; the checkpoints are kept. */
export class CollectionInterrupted extends Error {
  constructor(
    readonly saved: number,
    readonly total: number,
    readonly partialDir: string,
  ) {
    super(`collection stopped with ${saved} of ${total} chunks saved in ${partialDir}`);
    this.name = "CollectionInterrupted";
  }
}

/**
 * Places every datapoint of one query on the step grid [fromMs, toMs): slot
 * ⌊(t − fromMs) / step⌋, later datapoints for the same slot replacing earlier ones (so a
 * chunk read twice never yields two points), NaN where nothing came.
 */
export function toFixedSeries(
  parts: readonly RawPoints[],
  fromMs: number,
  toMs: number,
  periodSeconds: number,
): FixedSeries {
  const stepMs = periodSeconds * 1000;
  const values = new Float64Array(Math.round((toMs - fromMs) / stepMs)).fill(NaN);
  for (const p of parts) {
    for (let i = 0; i < p.times.length; i++) {
      const slot = Math.floor((p.times[i]! - fromMs) / stepMs);
      if (slot >= 0 && slot < values.length) values[slot] = p.values[i]!;
    }
  }
  return { startMs: fromMs, stepSeconds: periodSeconds, values };
}

/** Collects the bundle. See the module comment for the phases. */
export async function collect(request: CollectRequest, deps: CollectDeps): Promise<CollectResult> {
  const now = deps.now ?? Date.now;
  const baseRetry = deps.retry ?? RETRY_DEFAULTS;
  const limits = deps.limits ?? GET_METRIC_DATA_LIMITS;
  const notes: string[] = [];
  const warn: WarningSink = (w) => {
    notes.push(w.message);
    deps.warn?.(w);
  };
  let retries = 0;
  let throttled = 0;
  const retry: RetryOptions = {
    ...baseRetry,
    onRetry: (error, attempt, delay) => {
      retries++;
      if (isThrottling(error)) throttled++;
      baseRetry.onRetry?.(error, attempt, delay);
    },
  };
  const signal = deps.signal;

  if (!(request.fromMs < request.toMs))
    throw new UsageError("--from must be before --to; swap them or widen the window.", "bad-flag");

  // 1. What the service is and where its metrics live.
  const serviceSnapshot = await snapshotService(
    deps.ecs,
    request.cluster,
    request.service,
    retry,
    signal,
    warn,
  );
  const clusterName = lastPart(serviceSnapshot.service.clusterArn ?? request.cluster);
  const serviceName = serviceSnapshot.service.serviceName ?? lastPart(request.service);
  const scaling = await snapshotScaling(
    deps.autoScaling,
    deps.cloudWatch,
    clusterName,
    serviceName,
    retry,
    signal,
    warn,
  );
  const targetGroup = await snapshotTargetGroup(
    deps.elb,
    serviceSnapshot.service,
    scaling,
    request,
    retry,
    signal,
    warn,
  );
  const lb = targetGroup.scope;
  notes.push(`Found ${lb.loadBalancer} and ${lb.targetGroup}: ${lb.how}.`);
  const serviceQueries = metricQueries({ clusterName, serviceName, ...lb });
  const family = serviceSnapshot.taskDefinition.family;
  let taskQueries: MetricQuery[] = [];
  if (family) {
    const maxTasks = request.maxTasks ?? DEFAULT_MAX_TASKS;
    const found = await discoverTasks(
      deps.cloudWatch,
      { clusterName, family, maxTasks },
      retry,
      warn,
      signal,
    );
    taskQueries = taskMetricQueries(
      found.tasks,
      serviceQueries.length,
      new Set(serviceQueries.map((q) => q.seriesId)),
    );
    if (found.tasks.length > 0)
      notes.push(
        `Per-task and per-container Container Insights series for ${found.tasks.length} of ${plural(found.found, "task")} of ${family} (enhanced observability).`,
      );
  } else warn(warnings.noPerTaskMetrics("(none)"));
  const standardQueries = [...serviceQueries, ...taskQueries];

  // 2. Period by the data's age; the window on the period grid, and not past now.
  const nowMs = now();
  if (request.periodSeconds < STANDARD_PERIOD)
    warn(warnings.subMinutePeriod(request.periodSeconds));
  const period = choosePeriod(
    Math.max(request.periodSeconds, STANDARD_PERIOD),
    request.fromMs,
    nowMs,
    warn,
  );
  const stepMs = period * 1000;
  const fromMs = retainedFrom(Math.floor(request.fromMs / stepMs) * stepMs, nowMs, period);
  let toMs = Math.ceil(request.toMs / stepMs) * stepMs;
  // The period now is in has no datapoint yet: the window ends at the last whole one.
  const lastComplete = Math.floor(nowMs / stepMs) * stepMs;
  if (request.toMs > nowMs) warn(warnings.windowEndsNow(lastComplete));
  toMs = Math.min(toMs, lastComplete);
  if (toMs <= fromMs && request.toMs <= fromMs)
    throw new UsageError(
      `the window ends at ${iso(request.toMs)}, before the 455 days CloudWatch keeps metrics; nothing that old can be collected.`,
      "bad-flag",
    );
  // What every series will hold, checked before any is allocated (it stays far below the
  // limit: the period grows with the data's age and the window ends at retention).
  if ((toMs - fromMs) / stepMs > MAX_TRACE_STEPS)
    throw new UsageError(
      tooManySteps(
        "The window",
        (toMs - fromMs) / stepMs,
        period,
        fromMs,
        toMs,
        "narrow --from/--to or give a longer --period",
      ),
      "trace-too-long",
    );
  if (
    (fromMs !== request.fromMs && request.fromMs >= fromMs - stepMs) ||
    (toMs !== request.toMs && request.toMs <= lastComplete)
  )
    warn(warnings.windowWidened(period, fromMs, toMs));
  if (toMs <= fromMs)
    throw new UsageError(
      `the window ${iso(fromMs)} to ${iso(toMs)} holds no whole ${period}-s period; widen it or move it into the past.`,
      "bad-flag",
    );

  // 2b. The 20-s series, where the service publishes them and CloudWatch still keeps them.
  const hiMetrics =
    request.highResolution === false
      ? []
      : highResolutionMetricsOf(serviceSnapshot.revisions, scaling.policies);
  let hiWindow: { fromMs: number; toMs: number } | null = null;
  if (hiMetrics.length > 0 && period > STANDARD_PERIOD)
    notes.push(
      `The service publishes ${hiMetrics.join(" and ")} every 20 s; with a ${period}-s period they were collected at ${period} s only.`,
    );
  else if (hiMetrics.length > 0) {
    hiWindow = highResolutionWindow(fromMs, toMs, nowMs);
    if (hiWindow === null) warn(warnings.highResolutionExpired(hiMetrics));
    else
      notes.push(
        `${hiMetrics.join(" and ")} also at 20 s (series *.20s) from ${iso(hiWindow.fromMs)} to ${iso(hiWindow.toMs)}${hiWindow.fromMs > fromMs ? "; CloudWatch keeps 20-s data 3 hours, so the earlier part of the window has 60-s data only" : ""}.`,
      );
  }
  const hiQueries =
    hiWindow === null ? [] : highResolutionQueries({ clusterName, serviceName }, hiMetrics);
  const queries = [...standardQueries, ...hiQueries];
  const byId = new Map(queries.map((q) => [q.queryId, q]));

  // 3. Chunks, checkpoints, fetch.
  const chunks = planAllChunks(standardQueries, hiQueries, hiWindow, fromMs, toMs, period, limits);
  // The key leaves out chunks of 20-s series alone: their window moves with now (retention),
  // and a resumed run re-fetches them (a checkpoint is used only when its bounds match) but
  // keeps every other chunk.
  const hiIds = new Set(hiQueries.map((q) => q.queryId));
  const key = collectionKey({
    v: 2,
    where: request.where,
    queries,
    period,
    fromMs,
    toMs,
    chunks: chunks
      .filter((c) => !c.queryIds.every((id) => hiIds.has(id)))
      .map((c) => [c.startMs, c.endMs, c.queryIds]),
  });
  const partialDir = partialDirFor(request.out);
  const checkpoints = await openCheckpoints(partialDir, key, chunks.length, warn);
  const loaded = new Map<number, ChunkData>();
  for (const c of chunks) {
    const data = await checkpoints.load(c);
    if (data) loaded.set(c.index, data);
  }
  deps.onStart?.(chunks.length, loaded.size);
  const results: ChunkData[] = [];
  let done = 0;
  let calls = 0;
  for (const chunk of chunks) {
    let data = loaded.get(chunk.index);
    if (!data) {
      if (signal?.aborted)
        throw new CollectionInterrupted(results.length, chunks.length, partialDir);
      try {
        data = await fetchChunk(deps.cloudWatch, chunk, byId, period, retry, signal);
      } catch (error) {
        if (signal?.aborted)
          throw new CollectionInterrupted(results.length, chunks.length, partialDir);
        throw error;
      }
      calls += data.pages;
      await checkpoints.save(data);
    }
    results.push(data);
    deps.onChunk?.(++done, chunks.length);
  }

  // 4. Shape and write.
  for (const r of results) notes.push(...r.notes);
  if (retries > 0) notes.push(`${retries} calls were retried (${throttled} throttled).`);
  if (loaded.size > 0)
    notes.push(
      `${loaded.size} of ${chunks.length} chunks were read back from checkpoints of an interrupted run.`,
    );
  const series = new Map<string, FixedSeries>();
  const entries: BundleSeries[] = [];
  for (const q of queries) {
    const parts = results.filter((r) => r.points[q.queryId]).map((r) => r.points[q.queryId]!);
    const own = q.periodSeconds !== undefined && hiWindow !== null;
    series.set(
      q.seriesId,
      own
        ? toFixedSeries(parts, hiWindow!.fromMs, hiWindow!.toMs, q.periodSeconds!)
        : toFixedSeries(parts, fromMs, toMs, period),
    );
    entries.push(seriesEntry(q, q.periodSeconds ?? period));
  }
  const snapshotWarnings: string[] = [];
  const sinkBoth: WarningSink = (w) => {
    snapshotWarnings.push(w.message);
    warn(w);
  };
  const task = toTaskSize(serviceSnapshot, sinkBoth);
  const deployment = toDeploymentSettings(serviceSnapshot.service, sinkBoth);
  // The target group's settings, and the service's own that the health-check model reads:
  // its grace period and maximumPercent (ECS API, Service; DeploymentConfiguration).
  const { healthCheckGracePeriodSeconds: grace, deploymentConfiguration } = serviceSnapshot.service;
  const platform = {
    ...targetGroup.settings,
    ...(grace === undefined || grace === null ? {} : { healthCheckGracePeriodSeconds: grace }),
    ...(deploymentConfiguration?.maximumPercent === undefined
      ? {}
      : { maximumPercent: deploymentConfiguration.maximumPercent }),
  };
  const scalingConfig = toScalingConfig(
    scaling,
    serviceSnapshot.service.desiredCount ?? 0,
    sinkBoth,
  );
  const manifest: TraceBundleManifest = {
    format: BUNDLE_FORMAT,
    caplabVersion: deps.caplabVersion,
    createdAt: new Date(nowMs).toISOString(),
    source: {
      kind: "cloudwatch",
      detail: `ECS service ${serviceName} in cluster ${clusterName} behind ${lb.loadBalancer} (${lb.targetGroup}), ${request.where}`,
    },
    window: { from: iso(fromMs), to: iso(toMs) },
    stepSeconds: period,
    series: entries,
    ...(task && scalingConfig
      ? {
          current: {
            task,
            scaling: scalingConfig,
            ...(deployment ? { deployment } : {}),
            ...(Object.keys(platform).length > 0 ? { platform } : {}),
          },
        }
      : {}),
    files: { service: "service.json", scaling: "scaling.json" },
    notes,
  };
  const collectedAt = iso(nowMs);
  await writeBundle(deps.output ?? request.out, manifest, series, {
    "service.json": json({
      collectedAt,
      service: serviceSnapshot.service,
      taskDefinition: withoutEnvironmentValues(serviceSnapshot.taskDefinition),
      serviceRevisions: serviceSnapshot.revisions,
      targetGroup: targetGroup.record,
    }),
    "scaling.json": json({ collectedAt, ...scaling, current: scalingConfig }),
  });
  await checkpoints.remove();
  return {
    out: request.out,
    periodSeconds: period,
    fromMs,
    toMs,
    chunks: chunks.length,
    resumedChunks: loaded.size,
    getMetricDataCalls: calls,
    retries,
    series: entries.length,
    highResolution: hiWindow === null ? null : { metrics: hiMetrics, ...hiWindow },
    manifest,
  };
}

/** The target group: its load balancer, its settings for the simulator, what service.json keeps. */
interface TargetGroupSnapshot {
  readonly scope: LoadBalancerScope;
  readonly settings: TargetGroupSettings;
  /** null when DescribeTargetGroups failed (the load balancer came from elsewhere). */
  readonly record: TargetGroupRecord | null;
}

/**
 * DescribeTargetGroups of the service's target group (the load balancer when neither
 * --load-balancer nor a policy's ResourceLabel names it, and the health-check interval), then
 * DescribeTargetGroupAttributes (deregistration delay, slow start, routing algorithm). Where
 * the load balancer is known without them, their failure is a warning and the simulator's
 * defaults stand; so is a failed attributes call.
 */
async function snapshotTargetGroup(
  elb: ElasticLoadBalancingV2Client,
  service: Service,
  scaling: ScalingSnapshot,
  request: CollectRequest,
  retry: RetryOptions,
  signal: AbortSignal | undefined,
  warn: WarningSink,
): Promise<TargetGroupSnapshot> {
  const choice = chooseTargetGroup(service, request);
  let described: DescribedTargetGroup;
  try {
    described = { ok: true, group: await describeTargetGroup(elb, choice, retry, signal) };
  } catch (error) {
    if (signal?.aborted) throw error;
    described = { ok: false, error };
  }
  const scope = discoverLoadBalancer(service, scaling.policies, request, described);
  if (!described.ok) {
    warn(
      warnings.targetGroupUnreadable(
        "ELBv2 DescribeTargetGroups",
        errorName(described.error),
        DESCRIBE_TARGET_GROUPS,
        "its health-check interval, deregistration delay, slow start and routing algorithm",
      ),
    );
    return { scope, settings: {}, record: null };
  }
  const group = described.group;
  let attributes = null;
  try {
    attributes = await describeTargetGroupAttributes(elb, group.TargetGroupArn!, retry, signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    warn(
      warnings.targetGroupUnreadable(
        "ELBv2 DescribeTargetGroupAttributes",
        errorName(error),
        DESCRIBE_TARGET_GROUP_ATTRIBUTES,
        "its deregistration delay, slow start and routing algorithm",
      ),
    );
  }
  return {
    scope,
    settings: toTargetGroupSettings(group, attributes, warn),
    record: targetGroupRecord(group, attributes),
  };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}

/**
 * The chunks of both kinds of series. When the 20-s window is the whole window, the 20-s
 * queries share calls with the 60-s ones (GetMetricData takes a period per query), each
 * weighing period / 20 datapoints per step; otherwise they get chunks of their own over
 * their shorter window, numbered after the others.
 */
function planAllChunks(
  standard: readonly MetricQuery[],
  hi: readonly MetricQuery[],
  hiWindow: { fromMs: number; toMs: number } | null,
  fromMs: number,
  toMs: number,
  period: number,
  limits: PackingLimits,
): Chunk[] {
  const ids = (qs: readonly MetricQuery[]) => qs.map((q) => q.queryId);
  if (hiWindow === null || hi.length === 0)
    return planChunks(ids(standard), fromMs, toMs, period, limits);
  if (hiWindow.fromMs === fromMs && hiWindow.toMs === toMs) {
    const all = [...standard, ...hi];
    return planChunks(ids(all), fromMs, toMs, period, limits, [
      ...all.map((q) => period / (q.periodSeconds ?? period)),
    ]);
  }
  const first = planChunks(ids(standard), fromMs, toMs, period, limits);
  const second = planChunks(
    ids(hi),
    hiWindow.fromMs,
    hiWindow.toMs,
    HIGH_RESOLUTION_PERIOD,
    limits,
  );
  return [...first, ...second.map((c, i) => ({ ...c, index: first.length + i }))];
}

function seriesEntry(q: MetricQuery, period: number): BundleSeries {
  return {
    id: q.seriesId,
    file: `series/${q.seriesId}.csv`,
    namespace: q.namespace,
    metricName: q.metricName,
    stat: q.stat,
    dimensions: q.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })),
    unit: q.unit,
    periodSeconds: period,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * The task definition as a bundle keeps it: the value of every plaintext environment
 * variable replaced by `***` (its name kept), and the credentials of URLs in any other string
 * (a command line, a label) taken out. ECS shows `environment` values to anyone who may
 * describe the task definition and AWS advises secrets go in `secrets` instead
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/taskdef-envfiles.html), but
 * they are often there, and a bundle travels further: CI artifacts, shared folders. Nothing
 * in caplab reads them. `secrets` hold ARNs, not values, and are kept.
 */
export function withoutEnvironmentValues(td: TaskDefinition): TaskDefinition {
  return redactStrings({
    ...td,
    containerDefinitions: td.containerDefinitions?.map((c) => ({
      ...c,
      ...(c.environment === undefined
        ? {}
        : {
            environment: c.environment.map((e) => ({
              ...e,
              ...(e.value === undefined ? {} : { value: "***" }),
            })),
          }),
    })),
  });
}
