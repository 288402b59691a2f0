/**
 * A bundle read as a service's measurements for `calibrate`, `rightsize`, `backtest` and the
 * fidelity score of `plan` (analysis/calibrate.ts `ObservedService`):
 *
 *   trace bundle (collect, import) or run bundle (its server/ bundle and k6 output)
 *     ──requests──▶ the analysis grid: the requests' steps, or the nearest step the simulator
 *                   takes when their period is not one (each value spread over its steps)
 *     ──every other series──▶ onto that grid: averaged where finer, held where coarser
 *                   (a Sum divided over the steps it covers), each change named in a warning
 *     ──per-task series (task.<TaskId>.CpuUtilized.Average, …, from collect's enhanced
 *                   observability or imported Container Insights events)──▶ the per-task
 *                   means and the running-task count when the service-level series are absent
 *     ──every usage datapoint, on the grid or not──▶ `usage`, which sizes a task (rightsize)
 *
 * A bundle without a requests series (an import that found none) gives an empty grid and its
 * usage: rightsize can still size a task from it.
 */
import { basename, join } from "node:path";
import { TraceError, stepForSpacing, toTrace, STEP_SECONDS_CHOICES } from "../../trace.js";
import { LatencyHistogram } from "../../stats/index.js";
import type { ObservedService } from "../../calibrate.js";
import { ingestK6File, K6LineTooLongError } from "./k6-stream.js";
import {
  BUNDLE_REQUESTS_SERIES,
  warnings,
  type BundleSeries,
  type Candidate,
  type RawMetricSeries,
  type TaskSize,
  type TraceBundleManifest,
  type WarningSink,
} from "../../../sim/vocab/index.js";
import { isBundle, readBundleManifest, readBundleSeries } from "./bundle.js";
import { bundleFile, openBundle, readBundleJson, type BundleRoot } from "./bundle-files.js";
import { UsageError } from "../../../sim/vocab/errors.js";

/** A bundle read for calibration, right-sizing and backtests. */
export interface LoadedBundle {
  readonly observed: ObservedService;
  readonly manifest: TraceBundleManifest;
  /** The service's configuration when the data was taken (manifest.current; only collect writes it). */
  readonly current: Candidate | null;
  /** Whether the bundle has a requests series, so its traffic can be replayed. */
  readonly hasRequests: boolean;
}

export interface LoadObservedOptions {
  /**
   * Today's task size, for a bundle that records none (`--task-cpu`/`--task-memory` or a
   * config's `task`). @default manifest.current's task, else 1 vCPU and 2 GiB with a warning
   */
  readonly task?: TaskSize;
}

/** The task size assumed when neither the bundle nor the command gives one. */
export const ASSUMED_TASK: TaskSize = {
  cpu: "1024",
  memory: "2048",
  architecture: "X86_64",
  capacityProvider: "FARGATE",
};

/** "Setting desired count to 4." → 4. */
const DESIRED = /desired count to (\d+)/i;

/** Per-task Container Insights series: `task.<TaskId>.<Metric>.Average`. */
const PER_TASK = /^task\.[^.]+\.(CpuUtilized|MemoryUtilized)\.Average$/;

/**
 * The ids `caplab import --format alb` gives TargetResponseTime (analysis/io/import/formats.ts),
 * read where a bundle has no `tg.TargetResponseTime.*` of `caplab collect`.
 */
const ALB_IMPORT_RESPONSE_TIME = {
  average: "target-response-time-average",
  p95: "target-response-time-p95",
} as const;

/**
 * Reads a trace bundle (or the server/ bundle of a run bundle, with its k6 results) onto one
 * step grid (see the module comment). Series the bundle lacks are null; steps without data
 * are NaN.
 *
 * @throws UsageError when the folder is not a bundle, or is a run bundle without server/.
 */
export async function loadObservedBundle(
  dir: string,
  warn: WarningSink,
  options: LoadObservedOptions = {},
): Promise<LoadedBundle> {
  if (!(await isBundle(dir)))
    throw new UsageError(
      `${dir} is not a bundle (no manifest.json); give a folder written by caplab collect, import or run.`,
      "bad-bundle",
    );
  // Every file through bundle-files.ts: confined to the bundle, bounded.
  const root = await openBundle(dir);
  const top = (await readBundleJson(root, "manifest.json", null))!.json as {
    format?: unknown;
  } | null;
  let traceRoot: BundleRoot = root;
  let k6Path: string | null = null;
  if (top?.format === "caplab-run-bundle/1") {
    const server = await bundleFile(root, "server", null, { optional: true, folder: true });
    if (server === null || !(await isBundle(server)))
      throw new UsageError(
        `${dir} is a run bundle without server-side data (server/), which this command reads; collect the run's window into it (caplab collect --cluster C --service S --from T1 --to T2 --out ${join(dir, "server")}), or run the next test with --collect CLUSTER/SERVICE.`,
        "bad-bundle",
      );
    traceRoot = { dir: join(dir, "server"), real: server };
    for (const name of ["k6.json.gz", "k6.json"])
      k6Path ??= await bundleFile(root, name, null, { optional: true });
  }
  const manifest = await readBundleManifest(traceRoot);
  const read = async (entry: BundleSeries): Promise<RawMetricSeries> =>
    readBundleSeries(traceRoot, entry, { manifest });

  // The grid: the requests' steps, at a step the simulator takes.
  const requestsEntry = manifest.series.find((s) => s.id === BUNDLE_REQUESTS_SERIES);
  const period = manifest.stepSeconds;
  const stepSeconds = (STEP_SECONDS_CHOICES as readonly number[]).includes(period)
    ? period
    : stepForSpacing(period);
  let startMs = Date.parse(manifest.window.from);
  let requests = new Float64Array(0);
  if (requestsEntry !== undefined) {
    const trace = toTrace(
      await read(requestsEntry),
      {
        from: startMs,
        to: Date.parse(manifest.window.to),
        stepSeconds,
        observationSeconds: requestsEntry.periodSeconds,
      },
      warn,
    );
    startMs = trace.startMs;
    requests = Float64Array.from(trace.requests, (v, i) => (trace.gap[i] ? NaN : v));
  }
  const n = requests.length;
  const grid = { startMs, stepSeconds, length: n };

  const resampled: string[] = [];
  const usage = new Map<string, number[]>();
  const onGrid = async (entry: BundleSeries, scale = 1): Promise<Float64Array | null> => {
    const raw = await read(entry);
    for (const v of raw.values) if (Number.isFinite(v)) push(usage, entry.id, v * scale);
    const out = resample(raw, entry, grid, scale);
    if (out !== null && entry.periodSeconds !== stepSeconds) resampled.push(entry.id);
    if (out === null && raw.values.length > 0 && n > 0)
      warn(
        warnings.seriesOutsideWindow(
          traceRoot.dir,
          entry.id,
          raw.times.length,
          Math.min(...raw.times),
          Math.max(...raw.times),
          startMs,
          startMs + n * stepSeconds * 1000,
          sizesATask(entry.id),
        ),
      );
    return out;
  };
  const series = async (id: string, scale = 1): Promise<Float64Array | null> => {
    const entry = manifest.series.find((s) => s.id === id);
    return entry === undefined ? null : onGrid(entry, scale);
  };

  // Per-task series: their means per step and, where the service-level count is missing,
  // how many tasks reported in each step.
  const perTask = { CpuUtilized: [] as Float64Array[], MemoryUtilized: [] as Float64Array[] };
  for (const entry of manifest.series) {
    const m = PER_TASK.exec(entry.id);
    if (m === null) continue;
    const values = await onGrid(entry);
    perTask[m[1] as keyof typeof perTask].push(values ?? new Float64Array(n).fill(NaN));
  }

  // TargetResponseTime as collect names it, else as an ALB access-log import does (seconds).
  let responseTimeP95Ms =
    (await series("tg.TargetResponseTime.p95", 1000)) ??
    (await series(ALB_IMPORT_RESPONSE_TIME.p95, 1000));
  if (k6Path !== null && responseTimeP95Ms === null && n > 0)
    responseTimeP95Ms = await k6StepP95(k6Path, join(dir, basename(k6Path)), grid);

  const ciCpu = await series("ci.CpuUtilized.Average");
  const ciMemory = await series("ci.MemoryUtilized.Average");
  const observed: ObservedService = {
    source: traceRoot.dir,
    startMs,
    stepSeconds,
    length: n,
    task: manifest.current?.task ?? options.task ?? ASSUMED_TASK,
    ...(manifest.current?.platform ? { platform: manifest.current.platform } : {}),
    requests,
    runningTasks:
      (await series("ci.RunningTaskCount.Average")) ?? countPerStep(perTask.CpuUtilized, n),
    healthyTasks: await series("tg.HealthyHostCount.Average"),
    cpuUnitsPerTask: ciCpu ?? meanPerStep(perTask.CpuUtilized, n),
    cpuPercent: await series("ecs.CPUUtilization.Average"),
    memoryMiBPerTask: ciMemory ?? meanPerStep(perTask.MemoryUtilized, n),
    requestCountPerTarget: await series("tg.RequestCountPerTarget.Sum"),
    responseTimeMeanMs:
      (await series("tg.TargetResponseTime.Average", 1000)) ??
      (await series(ALB_IMPORT_RESPONSE_TIME.average, 1000)),
    responseTimeP95Ms,
    scaleOuts: await scaleOutsOf(traceRoot),
    usage: {
      cpuUnits: samples(usage, (id) => PER_TASK.test(id) && id.includes(".CpuUtilized."), [
        "ci.CpuUtilized.Average",
      ]),
      cpuPercent: samples(usage, () => false, ["ecs.CPUUtilization.Average"]),
      memoryMiB: samples(usage, (id) => PER_TASK.test(id) && id.includes(".MemoryUtilized."), [
        "ci.MemoryUtilized.Average",
      ]),
    },
  };
  if (resampled.length > 0 && n > 0)
    warn(warnings.seriesResampled(traceRoot.dir, resampled, stepSeconds));
  if (manifest.current === undefined && options.task === undefined)
    warn(warnings.noCurrentConfig(traceRoot.dir, "1 vCPU and 2 GiB are assumed"));
  return {
    observed,
    manifest,
    current: manifest.current ?? null,
    hasRequests: requestsEntry !== undefined,
  };
}

/** The series rightsize may size a task from (`usage` below: per task, else the averages). */
function sizesATask(id: string): boolean {
  return (
    (PER_TASK.test(id) && (id.includes(".CpuUtilized.") || id.includes(".MemoryUtilized."))) ||
    ["ci.CpuUtilized.Average", "ci.MemoryUtilized.Average", "ecs.CPUUtilization.Average"].includes(
      id,
    )
  );
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  let list = map.get(key);
  if (list === undefined) map.set(key, (list = []));
  list.push(value);
}

/**
 * Every datapoint of the per-task series `perTask` picks, else of the first of `fallbacks`
 * that has any; null when none has.
 */
function samples(
  usage: ReadonlyMap<string, number[]>,
  perTask: (id: string) => boolean,
  fallbacks: readonly string[],
): Float64Array | null {
  const own = [...usage.entries()].filter(([id]) => perTask(id)).flatMap(([, v]) => v);
  if (own.length > 0) return Float64Array.from(own);
  for (const id of fallbacks) {
    const v = usage.get(id);
    if (v !== undefined && v.length > 0) return Float64Array.from(v);
  }
  return null;
}

/**
 * A series on the grid: each datapoint covers [t, t + its period); where the period is
 * shorter than the step, the datapoints in a step are averaged (summed for a `Sum`); where it
 * is longer, each step it covers takes the value (a `Sum` divided over them). Null when no
 * datapoint falls on the grid.
 */
export function resample(
  raw: RawMetricSeries,
  entry: Pick<BundleSeries, "periodSeconds" | "stat">,
  grid: { readonly startMs: number; readonly stepSeconds: number; readonly length: number },
  scale = 1,
): Float64Array | null {
  const n = grid.length;
  const stepMs = grid.stepSeconds * 1000;
  const sum = new Float64Array(n);
  const count = new Float64Array(n);
  const additive = entry.stat === "Sum";
  const covers = Math.max(1, Math.round(entry.periodSeconds / grid.stepSeconds));
  for (let k = 0; k < raw.times.length; k++) {
    const v = raw.values[k]! * scale;
    const first = Math.floor((raw.times[k]! - grid.startMs) / stepMs);
    for (let i = Math.max(0, first); i < Math.min(n, first + covers); i++) {
      sum[i]! += additive ? v / covers : v;
      count[i]!++;
    }
  }
  let any = false;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (count[i] === 0) out[i] = NaN;
    else {
      any = true;
      out[i] = additive ? sum[i]! : sum[i]! / count[i]!;
    }
  }
  return any ? out : null;
}

/** The mean over the tasks that have a value in each step; null without task series. */
function meanPerStep(tasks: readonly Float64Array[], n: number): Float64Array | null {
  if (tasks.length === 0) return null;
  const out = new Float64Array(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let k = 0;
    for (const t of tasks)
      if (Number.isFinite(t[i])) {
        sum += t[i]!;
        k++;
      }
    if (k > 0) out[i] = sum / k;
  }
  return out.some(Number.isFinite) ? out : null;
}

/** How many tasks reported CPU in each step (RUNNING tasks report every minute); null without task series. */
function countPerStep(tasks: readonly Float64Array[], n: number): Float64Array | null {
  if (tasks.length === 0) return null;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) for (const t of tasks) if (Number.isFinite(t[i])) out[i]!++;
  return out.some((v) => v > 0) ? out : null;
}

/** k6's per-second histograms of a run merged into the grid's steps: each step's p95, ms. */
async function k6StepP95(
  real: string,
  shown: string,
  grid: { readonly startMs: number; readonly stepSeconds: number; readonly length: number },
): Promise<Float64Array> {
  let k6;
  try {
    k6 = await ingestK6File(real);
  } catch (error) {
    if (error instanceof K6LineTooLongError)
      throw new UsageError(
        `${shown} has a line longer than ${error.maxBytes} bytes, so it is not k6 JSON output; re-create the bundle.`,
        "bad-k6-line",
        { cause: error },
      );
    if (error instanceof TraceError)
      throw new UsageError(`${shown}: ${error.message}`, error.code, { cause: error });
    throw error;
  }
  const merged = new Array<LatencyHistogram | null>(grid.length).fill(null);
  k6.overall.histograms.forEach((h, k) => {
    const i = Math.floor(
      (k6.overall.startMs + k * 1000 - grid.startMs) / (grid.stepSeconds * 1000),
    );
    if (h && i >= 0 && i < grid.length) (merged[i] ??= new LatencyHistogram()).merge(h);
  });
  return Float64Array.from(merged, (h) => (h ? h.percentile(0.95) : NaN));
}

/** Scale-outs the scaling activities of scaling.json record: when, and the new desired count. */
async function scaleOutsOf(root: BundleRoot): Promise<ObservedService["scaleOuts"]> {
  const scaleOuts: { timeMs: number; desiredCount: number }[] = [];
  const json = await readBundleJson(root, "scaling.json", null, { optional: true });
  if (json === null || json.json === null || typeof json.json !== "object") return scaleOuts;
  const scaling = json.json as {
    activities?: { StartTime?: string; Description?: string; StatusCode?: string }[];
  };
  let previous = -Infinity;
  const activities = [...(Array.isArray(scaling.activities) ? scaling.activities : [])].sort(
    (a, b) => Date.parse(a.StartTime ?? "") - Date.parse(b.StartTime ?? ""),
  );
  for (const a of activities) {
    const m = DESIRED.exec(a.Description ?? "");
    const t = Date.parse(a.StartTime ?? "");
    if (!m || !Number.isFinite(t)) continue;
    const desired = Number(m[1]);
    if (desired > previous && previous !== -Infinity)
      scaleOuts.push({ timeMs: t, desiredCount: desired });
    previous = desired;
  }
  return scaleOuts;
}
