/**
 * Calibration: the simulator's service model fitted from measurements (pure).
 *
 *   ObservedService (a bundle's series on the requests' fixed steps, NaN = no data)
 *     → steady steps (task count unchanged around the step, CPU below saturation, no gap)
 *     → fits: CPU per task on requests per task per second (linearFit → cpuMsPerRequest,
 *       idleCpuPercent); memory per task on in-flight requests per task (Little's law);
 *       non-CPU latency at low load; the knee of p95 over load; launch-to-healthy lags
 *     → Calibration (ServiceModel, platform parameters, fit quality, warnings in a sink)
 */
import { queueStep, taskStation, type QueueStepResult } from "../sim/queue.js";
import { CALIBRATE_DEFAULTS } from "../sim/vocab/defaults.js";
import {
  DEFAULTS,
  SLO_DEFAULTS,
  simulationContext,
  warnings,
  PLATFORM_DEFAULTS,
  resolvePlatform,
  SERVICE_DEFAULTS,
  ServiceModelSchema,
  vcpusOf,
  type PlatformParams,
  type ServiceModel,
  type SimulationContext,
  type Slo,
  type TargetGroupPlatform,
  type TaskSize,
  type WarningSink,
} from "../sim/vocab/index.js";
import { withRecordedPlatform } from "./recorded-platform.js";
import { k6Percentile, linearFit, type LinearFit } from "./stats/index.js";
import { UsageError } from "../sim/vocab/errors.js";

/** A service's measurements on one fixed step grid. Every series has `length` values; NaN = no data. */
export interface ObservedService {
  readonly source: string;
  readonly startMs: number;
  readonly stepSeconds: number;
  readonly length: number;
  /** The task size the data was taken with. */
  readonly task: TaskSize;
  /** Requests per step (the target group's RequestCount, or k6's http_reqs). */
  readonly requests: Float64Array;
  /** ci.RunningTaskCount.Average: RUNNING tasks (serving, starting or draining). */
  readonly runningTasks: Float64Array | null;
  /** tg.HealthyHostCount.Average. */
  readonly healthyTasks: Float64Array | null;
  /** ci.CpuUtilized.Average: CPU units (1024 per vCPU) used per task. */
  readonly cpuUnitsPerTask: Float64Array | null;
  /** ecs.CPUUtilization.Average: percent of the task's CPU. */
  readonly cpuPercent: Float64Array | null;
  /** ci.MemoryUtilized.Average: MiB used per task. */
  readonly memoryMiBPerTask: Float64Array | null;
  /** tg.RequestCountPerTarget.Sum: requests per target per step. */
  readonly requestCountPerTarget: Float64Array | null;
  /** tg.TargetResponseTime.Average, ms. */
  readonly responseTimeMeanMs: Float64Array | null;
  /** tg.TargetResponseTime.p95 (or k6's per-step p95), ms. */
  readonly responseTimeP95Ms: Float64Array | null;
  /** Scale-outs the scaling activities record: when, and the new desired count. */
  readonly scaleOuts: readonly { readonly timeMs: number; readonly desiredCount: number }[];
  /**
   * Every usage datapoint the bundle holds, whether or not it falls on the steps above (per
   * task where the bundle has per-task series): what sizes a task in rightsize. Without it,
   * the series above are used.
   */
  readonly usage?: {
    /** CPU units (1024 per vCPU) used per task. */
    readonly cpuUnits: Float64Array | null;
    /** Percent of the task's CPU (AWS/ECS CPUUtilization). */
    readonly cpuPercent: Float64Array | null;
    /** MiB used per task. */
    readonly memoryMiB: Float64Array | null;
  };
  /**
   * The target group's settings the bundle records (`caplab collect`: health-check interval,
   * deregistration delay, slow start, routing algorithm): the launch-time fit counts the
   * health checks with them, and the calibration's platform carries them. @default none
   */
  readonly platform?: TargetGroupPlatform;
}

/** Options of {@link calibrate}. */
export interface CalibrateOptions {
  /** p95 limit that defines the knee, ms. @default 300 (SLO_DEFAULTS.latencyP95Ms) */
  readonly sloP95Ms?: number;
  /** CPU utilization above which a step counts as saturated and is left out of the fits (CALIBRATE_DEFAULTS). @default 85 */
  readonly saturatedCpuPercent?: number;
  /** Steady steps below which a fit is flagged as resting on too few points. @default 20 */
  readonly minimumPoints?: number;
  /** Utilization (request CPU / capacity) below which a step counts as low load. @default 0.5 */
  readonly lowLoadUtilization?: number;
  /**
   * Today's service model (`--config`): what a parameter the data cannot fit keeps, with a
   * warning, instead of the default; without it, a bundle that cannot give the CPU fit is
   * refused. @default none
   */
  readonly prior?: ServiceModel;
  /**
   * Today's config's `platform:`: what it sets wins over the bundle's recorded platform, and
   * is not repeated in the calibration's. @default none
   */
  readonly platform?: Partial<PlatformParams>;
}

/** A straight-line fit and how many steps it used. */
export interface FitReport {
  readonly points: number;
  readonly fit: LinearFit;
}

export interface Calibration {
  readonly service: ServiceModel;
  /** Platform parameters the data supports (the rest keep their defaults). */
  readonly platform: Partial<PlatformParams>;
  readonly fits: {
    /** vCPU used per task (y) on requests per second per task (x); null when not fitted (a prior's values kept). */
    readonly cpu: FitReport | null;
    /** MiB per task (y) on requests in flight per task (x); null without memory data. */
    readonly memory: FitReport | null;
    /** Non-CPU latency: median over low-load steps, and how many. */
    readonly latency: { readonly points: number; readonly latencyMs: number } | null;
    /** Highest requests/s per task before p95 crossed the SLO; null when it never did. */
    readonly knee: {
      readonly sloP95Ms: number;
      readonly requestsPerSecondPerTask: number | null;
      readonly highestObserved: number;
    } | null;
    /** Seconds from a scale-out activity until the new tasks were healthy. */
    readonly launchToHealthy: {
      readonly scaleOuts: number;
      readonly medianSeconds: number;
      readonly lagsSeconds: readonly number[];
    } | null;
  };
}

/** Thrown when the data cannot support the CPU fit at all (a usage error: the data must change). */
export class CalibrationError extends UsageError {
  constructor(message: string) {
    super(message, "cannot-calibrate");
    this.name = "CalibrationError";
  }
}

// ---------------------------------------------------------------------------------------------

/** Runs of NaN in a series, reported as gap warnings. */
function reportGaps(name: string, values: Float64Array, o: ObservedService, warn: WarningSink) {
  let from = -1;
  for (let i = 0; i <= values.length; i++) {
    const missing = i < values.length && !Number.isFinite(values[i]!);
    if (missing && from < 0) from = i;
    if (!missing && from >= 0) {
      const ms = (k: number) => o.startMs + k * o.stepSeconds * 1000;
      warn(warnings.gapInMeasurements(name, ms(from), ms(i)));
      from = -1;
    }
  }
}

/** vCPU used per task at each step, from CpuUtilized (CPU units) or CPUUtilization (percent). */
export function vcpuUsedPerTask(o: ObservedService): Float64Array | null {
  const vcpus = vcpusOf(o.task);
  if (o.cpuUnitsPerTask) return o.cpuUnitsPerTask.map((u) => u / 1024);
  if (o.cpuPercent) return o.cpuPercent.map((p) => (p / 100) * vcpus);
  return null;
}

/**
 * Requests per second per running task at each step: requests / (step · RunningTaskCount).
 * NaN where either is missing or no task runs.
 */
export function requestsPerTask(o: ObservedService): Float64Array {
  const out = new Float64Array(o.length).fill(NaN);
  if (!o.runningTasks) return out;
  for (let i = 0; i < o.length; i++) {
    const tasks = o.runningTasks[i]!;
    const r = o.requests[i]!;
    if (tasks > 0 && Number.isFinite(r)) out[i] = r / (o.stepSeconds * tasks);
  }
  return out;
}

/**
 * Steps where the task count is settled: RunningTaskCount the same (within 0.01) on the step
 * and both neighbours, so no task is starting or draining and the per-task averages describe
 * serving tasks.
 */
export function steadySteps(o: ObservedService): boolean[] {
  const out: boolean[] = new Array<boolean>(o.length).fill(false);
  const r = o.runningTasks;
  if (!r) return out;
  for (let i = 1; i + 1 < o.length; i++) {
    const a = r[i - 1]!;
    const b = r[i]!;
    const c = r[i + 1]!;
    out[i] = b > 0 && Math.abs(a - b) < 0.01 && Math.abs(c - b) < 0.01;
  }
  return out;
}

function median(values: readonly number[]): number {
  return k6Percentile(Float64Array.from(values).sort(), 0.5);
}

/**
 * Fits the service model from a service's measurements.
 *
 * Method:
 * - CPU: on steady, unsaturated steps, vCPU used per task y against requests per second per
 *   task x; y = slope·x + intercept with slope = CPU seconds per request (cpuMsPerRequest =
 *   1000·slope) and intercept = idle vCPU (idleCpuPercent = 100·intercept / task vCPUs), as
 *   the simulator charges CPU (sim/engine.ts).
 * - Memory: MiB per task against in-flight requests per task, x·TargetResponseTime (Little's
 *   law): intercept = base, slope = perInflightRequest (clamped at 0).
 * - Non-CPU latency: on steady steps below `lowLoadUtilization`, the mean response time minus
 *   the fitted CPU sojourn (M/M/c mean wait plus service, sim/queue.ts), median over steps.
 * - Knee: the highest x whose p95 is within the SLO below the lowest x whose p95 is over it.
 * - Launch to healthy: from each scale-out activity to the moment the healthy (else running)
 *   count starts to rise, placed within its step by how far the step's average rose;
 *   launchSeconds is the median minus the scheduling delay and the health checks (the
 *   recorded target group's interval, else the platform default).
 *
 * Cost: O(steps).
 *
 * @throws CalibrationError when fewer than three steady steps have CPU and task-count data.
 */
export function calibrate(
  o: ObservedService,
  options: CalibrateOptions = {},
  warn: WarningSink = () => {},
): Calibration {
  const sloP95Ms = options.sloP95Ms ?? SLO_DEFAULTS.latencyP95Ms;
  const saturated = options.saturatedCpuPercent ?? CALIBRATE_DEFAULTS.saturatedCpuPercent;
  const minimumPoints = options.minimumPoints ?? CALIBRATE_DEFAULTS.minimumPoints;
  const lowLoad = options.lowLoadUtilization ?? CALIBRATE_DEFAULTS.lowLoadUtilization;
  const vcpus = vcpusOf(o.task);
  const s = o.stepSeconds;

  const prior = options.prior;

  const cpu = vcpuUsedPerTask(o);
  reportGaps("requests", o.requests, o, warn);
  if (cpu) reportGaps("CPU", cpu, o, warn);
  if (o.runningTasks) reportGaps("the running-task count", o.runningTasks, o, warn);
  if (o.memoryMiBPerTask) reportGaps("memory used per task", o.memoryMiBPerTask, o, warn);

  const x = requestsPerTask(o);
  const steady = steadySteps(o);
  const used: number[] = [];
  for (let i = 0; cpu && i < o.length; i++) {
    const y = cpu[i]!;
    if (!steady[i] || !Number.isFinite(x[i]!) || !Number.isFinite(y)) continue;
    if ((100 * y) / vcpus > saturated) continue;
    used.push(i);
  }
  // The CPU fit, or why the data cannot give one.
  let cpuFit: LinearFit | null = null;
  let why: string | null = null;
  if (o.length === 0) why = "the bundle has no requests series to fit CPU against";
  else if (!cpu)
    why =
      "the bundle has no CPU on the requests' steps (ci.CpuUtilized.Average, task.<TaskId>.CpuUtilized.Average or ecs.CPUUtilization.Average for the same time as the requests)";
  else if (!o.runningTasks)
    why =
      "the bundle has no task count on the requests' steps (ci.RunningTaskCount.Average, or per-task series to count)";
  else if (used.length < 3)
    why = `${used.length} steady, unsaturated step${used.length === 1 ? " has" : "s have"} CPU and task counts, and the CPU fit needs at least three (measure longer at steady load)`;
  else {
    cpuFit = linearFit(
      used.map((i) => x[i]!),
      used.map((i) => cpu[i]!),
    );
    if (!(cpuFit.slope > 0)) {
      why = `CPU does not rise with requests per task (slope ${cpuFit.slope}): the load did not vary enough to fit CPU per request`;
      cpuFit = null;
    }
  }
  if (why !== null && prior === undefined)
    throw new CalibrationError(
      `${o.source} cannot be calibrated: ${why}. To keep your own values where the data cannot fit them, give --config with a simulate config.`,
    );
  if (cpuFit !== null && used.length < minimumPoints)
    warn(warnings.tooFewPoints("cpuMsPerRequest", used.length, minimumPoints));
  if (why !== null)
    warn(
      warnings.parameterNotFitted("cpuMsPerRequest and idleCpuPercent", why, "--config's values"),
    );
  const cpuMsPerRequest = cpuFit ? cpuFit.slope * 1000 : prior!.cpuMsPerRequest;
  let idleCpuPercent = cpuFit ? (100 * cpuFit.intercept) / vcpus : prior!.idleCpuPercent;
  if (idleCpuPercent < 0 || idleCpuPercent >= 100) {
    warn(
      warnings.parameterNotFitted(
        "idleCpuPercent",
        `the intercept gives ${idleCpuPercent.toFixed(2)} %`,
        `0 %`,
      ),
    );
    idleCpuPercent = Math.min(99, Math.max(0, idleCpuPercent));
  }

  // Non-CPU latency from low-load steps.
  const { servers, mu } = taskStation(vcpus, cpuMsPerRequest / 1000, idleCpuPercent / 100);
  const qs: QueueStepResult = { meanWait: 0, p50: 0, p95: 0, p99: 0, exceedance: 0 };
  let latency: Calibration["fits"]["latency"] = null;
  let latencyMs: number = prior?.latencyMs ?? SERVICE_DEFAULTS.latencyMs;
  /** What a parameter that cannot be fitted keeps, in words. */
  const kept = (value: number, unit: string): string =>
    `${value}${unit}${prior === undefined ? "" : " (--config)"}`;
  if (o.responseTimeMeanMs) {
    const residuals: number[] = [];
    for (const i of used) {
      const mean = o.responseTimeMeanMs[i]!;
      const lambda = x[i]!;
      if (!Number.isFinite(mean) || !(lambda > 0) || lambda / (servers * mu) > lowLoad) continue;
      queueStep(servers, lambda, mu, SERVICE_DEFAULTS.serviceTimeCv, Infinity, false, qs);
      residuals.push(mean - 1000 * (qs.meanWait + 1 / mu));
    }
    if (residuals.length > 0) {
      latencyMs = Math.max(0, median(residuals));
      latency = { points: residuals.length, latencyMs };
      if (residuals.length < minimumPoints)
        warn(warnings.tooFewPoints("latencyMs", residuals.length, minimumPoints));
    } else {
      // The latency fit reads the CPU fit's steps: without CPU there are none to read.
      warn(
        warnings.parameterNotFitted(
          "latencyMs",
          used.length === 0
            ? "it is read on the steps the CPU fit uses, and the bundle has no CPU on the requests' steps"
            : "no low-load step has a response time",
          kept(latencyMs, " ms"),
        ),
      );
    }
  } else {
    warn(
      warnings.parameterNotFitted(
        "latencyMs",
        "the bundle has no tg.TargetResponseTime.Average",
        kept(latencyMs, " ms"),
      ),
    );
  }

  // Memory on in-flight requests (Little's law).
  let memory: FitReport | null = null;
  let memoryBase = prior?.memoryMiB.base ?? 0;
  let perInflight = prior?.memoryMiB.perInflightRequest ?? 0;
  if (o.memoryMiBPerTask) {
    const mx: number[] = [];
    const my: number[] = [];
    for (const i of used) {
      const m = o.memoryMiBPerTask[i]!;
      if (!Number.isFinite(m)) continue;
      const responseMs = o.responseTimeMeanMs?.[i] ?? NaN;
      const inFlight = x[i]! * ((Number.isFinite(responseMs) ? responseMs : latencyMs) / 1000);
      mx.push(inFlight);
      my.push(m);
    }
    if (mx.length >= 3 && new Set(mx).size > 1) {
      const fit = linearFit(mx, my);
      memory = { points: mx.length, fit };
      perInflight = Math.max(0, fit.slope);
      memoryBase = Math.max(0, perInflight > 0 ? fit.intercept : median(my));
      if (mx.length < minimumPoints)
        warn(warnings.tooFewPoints("memoryMiB", mx.length, minimumPoints));
    } else if (my.length > 0) {
      memoryBase = median(my);
      warn(
        warnings.parameterNotFitted(
          "memoryMiB.perInflightRequest",
          "fewer than three steps",
          kept(perInflight, ""),
        ),
      );
    } else
      warn(
        warnings.parameterNotFitted(
          "memoryMiB",
          "no steady step has memory and requests",
          kept(memoryBase, " MiB"),
        ),
      );
  } else {
    warn(
      warnings.parameterNotFitted(
        "memoryMiB.base",
        "the bundle has no memory used per task on the requests' steps",
        kept(memoryBase, " MiB"),
      ),
    );
  }

  // Knee.
  let knee: Calibration["fits"]["knee"] = null;
  if (o.responseTimeP95Ms) {
    const pts: [number, number][] = [];
    for (let i = 0; i < o.length; i++) {
      const p95 = o.responseTimeP95Ms[i]!;
      if (Number.isFinite(p95) && Number.isFinite(x[i]!)) pts.push([x[i]!, p95]);
    }
    if (pts.length > 0) {
      const highest = Math.max(...pts.map(([v]) => v));
      const over = pts.filter(([, p]) => p > sloP95Ms).map(([v]) => v);
      const firstOver = over.length ? Math.min(...over) : Infinity;
      const within = pts.filter(([v, p]) => p <= sloP95Ms && v < firstOver).map(([v]) => v);
      const kneeValue = over.length && within.length ? Math.max(...within) : null;
      if (over.length === 0) warn(warnings.rampNotSaturated(highest, sloP95Ms));
      knee = { sloP95Ms, requestsPerSecondPerTask: kneeValue, highestObserved: highest };
    }
  }

  // The recorded target group settings the config does not set, then launch to healthy.
  const platform: Partial<PlatformParams> = {
    ...withRecordedPlatform(options.platform, o.platform).taken,
  };
  let launchToHealthy: Calibration["fits"]["launchToHealthy"] = null;
  const counts = o.healthyTasks ?? o.runningTasks;
  const lags: number[] = [];
  for (const a of counts === null ? [] : o.scaleOuts) {
    const first = Math.max(0, Math.floor((a.timeMs - o.startMs) / (s * 1000)));
    // The count is a step average: in the step where the new tasks turn healthy it sits
    // part of the way from the old level to the new one, which says when in the step they
    // did (exact when they turn healthy together, as one scale-out's tasks roughly do).
    const before = counts![first]!;
    const added = a.desiredCount - before;
    if (!(added > 0.5)) continue;
    for (let i = first + 1; i < o.length; i++) {
      const share = (counts![i]! - before) / added;
      if (!(share > 0.01)) continue;
      const healthyMs = o.startMs + (i + 1) * s * 1000 - Math.min(1, share) * s * 1000;
      lags.push((healthyMs - a.timeMs) / 1000);
      break;
    }
  }
  if (lags.length > 0) {
    const m = median(lags);
    launchToHealthy = { scaleOuts: lags.length, medianSeconds: m, lagsSeconds: lags };
    const d = resolvePlatform({ ...o.platform, ...options.platform });
    const checks =
      d.healthCheckIntervalSeconds *
      (Math.max(1, Math.ceil(d.appStartSeconds / d.healthCheckIntervalSeconds)) +
        d.newTargetHealthyChecks -
        1);
    platform.launchSeconds = Math.max(0, Math.round(m - d.schedulingDelaySeconds - checks));
    if (s >= 60) warn(warnings.coarseLaunchTiming(s));
  } else {
    warn(
      warnings.parameterNotFitted(
        "launchSeconds",
        o.scaleOuts.length
          ? "no scale-out reached its desired count in the window"
          : "the bundle records no scale-out activity",
        `${PLATFORM_DEFAULTS.launchSeconds} s`,
      ),
    );
  }

  const service = ServiceModelSchema.parse({
    ...prior,
    cpuMsPerRequest,
    latencyMs,
    serviceTimeCv: prior?.serviceTimeCv ?? SERVICE_DEFAULTS.serviceTimeCv,
    idleCpuPercent,
    timeoutSeconds: prior?.timeoutSeconds ?? SERVICE_DEFAULTS.timeoutSeconds,
    memoryMiB: { base: memoryBase, perInflightRequest: perInflight },
  });
  return {
    service,
    platform,
    fits: {
      cpu: cpuFit === null ? null : { points: used.length, fit: cpuFit },
      memory,
      latency,
      knee,
      launchToHealthy,
    },
  };
}

/**
 * What the simulator replays a calibrated service with: the fitted service model and platform
 * parameters, the default prices, `slo` and the default seed (what `backtest` and `rightsize`
 * use when no config gives a model).
 */
export function calibratedContext(calibration: Calibration, slo: Slo): SimulationContext {
  return simulationContext({
    service: calibration.service,
    platform: calibration.platform,
    slo,
    seed: DEFAULTS.seed,
  });
}
