/**
 * Per-task and per-container Container Insights metrics (enhanced observability). With it on,
 * `ECS/ContainerInsights` carries CpuUtilized and MemoryUtilized keyed by
 * {ClusterName, TaskDefinitionFamily, TaskId} (task level) and
 * {ClusterName, TaskDefinitionFamily, TaskId, ContainerName} (container level), not by
 * ServiceName. The tasks are found with ListMetrics (CpuUtilized filtered by ClusterName and
 * the service's task definition family, every page with a fresh input), capped at `maxTasks`,
 * and become ordinary {@link MetricQuery}s packed with the rest.
 */
import {
  ListMetricsCommand,
  type CloudWatchClient,
  type ListMetricsCommandInput,
  type ListMetricsCommandOutput,
} from "@aws-sdk/client-cloudwatch";
import {
  COLLECT_DEFAULTS,
  seriesIdPart,
  warnings,
  type WarningSink,
} from "../../../sim/vocab/index.js";
import type { Dimension, MetricQuery } from "./metrics.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { MalformedResponseError } from "./aws-client.js";

export const CONTAINER_INSIGHTS = "ECS/ContainerInsights";

/** Tasks collected at most, by default (COLLECT_DEFAULTS, sim/vocab/defaults.ts). @default 50 */
export const DEFAULT_MAX_TASKS = COLLECT_DEFAULTS.maxTasks;

/** One task's dimensions, and its containers'. */
export interface TaskDimensions {
  readonly taskId: string;
  /** {ClusterName, TaskDefinitionFamily, TaskId}, as ListMetrics returned them. */
  readonly dimensions: readonly Dimension[];
  /** By container name, sorted; each {ClusterName, TaskDefinitionFamily, TaskId, ContainerName}. */
  readonly containers: readonly {
    readonly name: string;
    readonly dimensions: readonly Dimension[];
  }[];
}

export interface TaskDiscovery {
  /** Sorted by TaskId; at most maxTasks. */
  readonly tasks: TaskDimensions[];
  /** Tasks ListMetrics found before the cap. */
  readonly found: number;
  /** ListMetrics calls (pages; retries not counted). */
  readonly pages: number;
}

/** The whole input of one ListMetrics page: built anew for every call. */
export function listMetricsInput(
  clusterName: string,
  family: string,
  nextToken: string | undefined,
): ListMetricsCommandInput {
  return {
    Namespace: CONTAINER_INSIGHTS,
    MetricName: "CpuUtilized",
    Dimensions: [
      { Name: "ClusterName", Value: clusterName },
      { Name: "TaskDefinitionFamily", Value: family },
    ],
    NextToken: nextToken,
  };
}

const TASK_KEYS = ["ClusterName", "TaskDefinitionFamily", "TaskId"];
const CONTAINER_KEYS = [...TASK_KEYS, "ContainerName"];

function hasExactly(dims: readonly Dimension[], names: readonly string[]): boolean {
  return dims.length === names.length && names.every((n) => dims.some((d) => d.Name === n));
}

/** Finds the tasks of `family` in `clusterName` that have per-task metrics. */
export async function discoverTasks(
  client: CloudWatchClient,
  scope: { readonly clusterName: string; readonly family: string; readonly maxTasks: number },
  retry: RetryOptions,
  warn: WarningSink,
  signal?: AbortSignal,
): Promise<TaskDiscovery> {
  const tasks = new Map<
    string,
    { dimensions?: Dimension[]; containers: Map<string, Dimension[]> }
  >();
  let token: string | undefined;
  let pages = 0;
  const seenTokens = new Set<string>();
  do {
    const input = listMetricsInput(scope.clusterName, scope.family, token);
    const page: ListMetricsCommandOutput | undefined = await withRetry(
      () => client.send(new ListMetricsCommand(input), { abortSignal: signal }),
      retry,
      signal,
    );
    pages++;
    for (const m of page?.Metrics ?? []) {
      const dims: Dimension[] = (m.Dimensions ?? []).map((d) => ({
        Name: d.Name ?? "",
        Value: d.Value ?? "",
      }));
      const value = (name: string) => dims.find((d) => d.Name === name)?.Value;
      if (value("ClusterName") !== scope.clusterName) continue;
      if (value("TaskDefinitionFamily") !== scope.family) continue;
      const taskId = value("TaskId");
      if (!taskId) continue;
      const entry = tasks.get(taskId) ?? { containers: new Map<string, Dimension[]>() };
      tasks.set(taskId, entry);
      if (hasExactly(dims, TASK_KEYS)) entry.dimensions = dims;
      else if (hasExactly(dims, CONTAINER_KEYS))
        entry.containers.set(value("ContainerName")!, dims);
    }
    token = page?.NextToken || undefined;
    if (token !== undefined) {
      if (seenTokens.has(token))
        throw new MalformedResponseError("CloudWatch ListMetrics", "the same NextToken twice");
      seenTokens.add(token);
    }
  } while (token !== undefined);

  const all = [...tasks.entries()]
    .filter(([, e]) => e.dimensions !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (all.length === 0) warn(warnings.noPerTaskMetrics(scope.family));
  else if (all.length > scope.maxTasks) warn(warnings.tasksCapped(all.length, scope.maxTasks));
  return {
    found: all.length,
    pages,
    tasks: all.slice(0, scope.maxTasks).map(([taskId, e]) => ({
      taskId,
      dimensions: e.dimensions!,
      containers: [...e.containers.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, dimensions]) => ({ name, dimensions })),
    })),
  };
}

const METRICS = [
  ["CpuUtilized", "None"],
  ["MemoryUtilized", "Megabytes"],
] as const;

/**
 * CpuUtilized and MemoryUtilized (Average) per task, then per container, query ids
 * `m<firstIndex>`, `m<firstIndex + 1>`, …; series ids unique (a sanitized clash gets `_2`, …).
 */
export function taskMetricQueries(
  tasks: readonly TaskDimensions[],
  firstIndex: number,
  taken: ReadonlySet<string> = new Set(),
): MetricQuery[] {
  const used = new Set(taken);
  const out: MetricQuery[] = [];
  const add = (base: string, metricName: string, unit: string, dims: readonly Dimension[]) => {
    let seriesId = `${base}.${metricName}.Average`;
    for (let n = 2; used.has(seriesId); n++) seriesId = `${base}_${n}.${metricName}.Average`;
    used.add(seriesId);
    out.push({
      seriesId,
      queryId: `m${firstIndex + out.length}`,
      namespace: CONTAINER_INSIGHTS,
      metricName,
      stat: "Average",
      dimensions: dims.map((d) => ({ Name: d.Name, Value: d.Value })),
      unit,
    });
  };
  for (const t of tasks) {
    const task = seriesIdPart(t.taskId);
    for (const [metric, unit] of METRICS) add(`task.${task}`, metric, unit, t.dimensions);
    for (const c of t.containers)
      for (const [metric, unit] of METRICS)
        add(`container.${task}.${seriesIdPart(c.name)}`, metric, unit, c.dimensions);
  }
  return out;
}
