/**
 * Simulated CloudWatch: per-step quantities are summed into fixed periods (60 s, or 20 s for
 * high-resolution metrics), and each closed period yields one datapoint per metric, as
 * CloudWatch would publish it. A period without the data AWS needs (no running task for
 * AWS/ECS metrics; no request for ALB metrics, by default) yields NaN: a missing datapoint.
 *
 * Model notes: all tasks of a service are identical in the fluid model, so the Average,
 * Maximum and Minimum statistics of per-task metrics coincide; SampleCount is not modelled
 * and reads as Average.
 */
import type { MetricSpec, PlatformParams, PredefinedMetricType } from "../vocab/index.js";

/** The per-step quantities the simulator accumulates, in task-seconds, requests, etc. */
export const Q = {
  requests: 0,
  served: 1,
  failed: 2,
  healthyTaskSeconds: 3,
  registeredTaskSeconds: 4,
  /** Running or draining task-seconds: the tasks AWS/ECS metrics average over. */
  runningTaskSeconds: 5,
  cpuVcpuSeconds: 6,
  memoryMiBSeconds: 7,
  latencyMsTimesServed: 8,
  desiredTaskSeconds: 9,
  pendingTaskSeconds: 10,
} as const;
export const Q_COUNT = 11;

/** What a datapoint is computed from: a function of the period's sums. */
export type MetricReader = (sums: Float64Array, offset: number, periodSeconds: number) => number;

/** The fixed facts of the task that the readers need. */
export interface MetricTaskFacts {
  readonly vcpus: number;
  readonly memoryMiB: number;
}

/** A reader for a predefined target-tracking metric (its CloudWatch metric and statistic). */
export function predefinedReader(
  type: PredefinedMetricType,
  task: MetricTaskFacts,
  platform: PlatformParams,
): MetricReader {
  switch (type) {
    case "ECSServiceAverageCPUUtilization":
    case "ECSServiceAverageCPUUtilizationHighResolution":
      return customReader(
        { Namespace: "AWS/ECS", MetricName: "CPUUtilization", Statistic: "Average" },
        task,
        platform,
      );
    case "ECSServiceAverageMemoryUtilization":
    case "ECSServiceAverageMemoryUtilizationHighResolution":
      return customReader(
        { Namespace: "AWS/ECS", MetricName: "MemoryUtilization", Statistic: "Average" },
        task,
        platform,
      );
    case "ALBRequestCountPerTarget":
      return customReader(
        { Namespace: "AWS/ApplicationELB", MetricName: "RequestCountPerTarget", Statistic: "Sum" },
        task,
        platform,
      );
  }
}

/** Period in seconds of a predefined metric type. */
export function predefinedPeriod(type: PredefinedMetricType): 20 | 60 {
  return type.endsWith("HighResolution") ? 20 : 60;
}

/** A reader for a CloudWatch metric the simulator publishes (see SIMULATED_METRICS). */
export function customReader(
  spec: Pick<MetricSpec, "Namespace" | "MetricName" | "Statistic">,
  task: MetricTaskFacts,
  platform: PlatformParams,
): MetricReader {
  const missingWithoutTraffic = platform.zeroTrafficIsMissingData;
  const divisor =
    platform.requestCountPerTargetDivisor === "healthy"
      ? Q.healthyTaskSeconds
      : Q.registeredTaskSeconds;
  const alb =
    (f: MetricReader): MetricReader =>
    (s, o, p) =>
      missingWithoutTraffic && (s[o + Q.requests] ?? 0) <= 0 ? NaN : f(s, o, p);
  const ecs =
    (f: MetricReader): MetricReader =>
    (s, o, p) =>
      (s[o + Q.runningTaskSeconds] ?? 0) <= 0 ? NaN : f(s, o, p);
  const at = (s: Float64Array, o: number, q: number) => s[o + q] ?? 0;
  const key = `${spec.Namespace}:${spec.MetricName}`;
  switch (key) {
    case "AWS/ECS:CPUUtilization":
      return ecs(
        (s, o) =>
          (100 * at(s, o, Q.cpuVcpuSeconds)) / (task.vcpus * at(s, o, Q.runningTaskSeconds)),
      );
    case "AWS/ECS:MemoryUtilization":
      return ecs(
        (s, o) =>
          (100 * at(s, o, Q.memoryMiBSeconds)) / (task.memoryMiB * at(s, o, Q.runningTaskSeconds)),
      );
    case "AWS/ApplicationELB:RequestCountPerTarget":
      return alb((s, o, p) => {
        const targets = at(s, o, divisor) / p;
        return targets > 0 ? at(s, o, Q.requests) / targets : NaN;
      });
    case "AWS/ApplicationELB:RequestCount":
      return alb((s, o) => at(s, o, Q.requests));
    case "AWS/ApplicationELB:TargetResponseTime":
      return alb((s, o) => {
        const served = at(s, o, Q.served);
        return served > 0 ? at(s, o, Q.latencyMsTimesServed) / served / 1000 : NaN;
      });
    case "AWS/ApplicationELB:HTTPCode_Target_5XX_Count":
      return alb((s, o) => at(s, o, Q.failed));
    case "AWS/ApplicationELB:HealthyHostCount":
      return (s, o, p) => at(s, o, Q.healthyTaskSeconds) / p;
    case "ECS/ContainerInsights:CpuUtilized":
      return ecs((s, o, p) => (at(s, o, Q.cpuVcpuSeconds) * 1024) / p);
    case "ECS/ContainerInsights:MemoryUtilized":
      return ecs((s, o, p) => at(s, o, Q.memoryMiBSeconds) / p);
    case "ECS/ContainerInsights:RunningTaskCount":
      return (s, o, p) => at(s, o, Q.runningTaskSeconds) / p;
    case "ECS/ContainerInsights:DesiredTaskCount":
      return (s, o, p) => at(s, o, Q.desiredTaskSeconds) / p;
    case "ECS/ContainerInsights:PendingTaskCount":
      return (s, o, p) => at(s, o, Q.pendingTaskSeconds) / p;
    default:
      // The config schema only admits simulated metrics; reaching this is a bug.
      throw new Error(`no simulated metric ${key}`);
  }
}

/**
 * A simulated CloudWatch metric at one period: the running sums of the open period and a
 * ring of recent datapoints for each reader registered.
 */
export class PeriodStore {
  readonly period: number;
  private readonly sums = new Float64Array(Q_COUNT);
  private openIndex = 0;
  private readonly readers: MetricReader[] = [];
  private readonly rings: Float64Array[] = [];
  private readonly ringSize: number;

  constructor(periodSeconds: number, lookbackPeriods: number) {
    this.period = periodSeconds;
    this.ringSize = Math.max(8, lookbackPeriods + 4);
  }

  /** Registers a reader; returns its handle for {@link datapoint}. */
  register(reader: MetricReader): number {
    this.readers.push(reader);
    this.rings.push(new Float64Array(this.ringSize).fill(NaN));
    return this.readers.length - 1;
  }

  /**
   * Adds a step's quantities (`values`, indexed by {@link Q}) spread over [t0, t1) seconds,
   * closing every period that ends at or before t1.
   */
  add(values: Float64Array, t0: number, t1: number): void {
    const p = this.period;
    const span = t1 - t0;
    const sums = this.sums;
    let t = t0;
    while (t < t1 - 1e-9) {
      const periodEnd = (this.openIndex + 1) * p;
      const until = Math.min(t1, periodEnd);
      const f = (until - t) / span;
      // Both arrays have Q_COUNT entries, so the reads need no `?? 0`.
      for (let q = 0; q < Q_COUNT; q++) sums[q]! += values[q]! * f;
      t = until;
      if (until >= periodEnd - 1e-9) this.close();
    }
  }

  private close(): void {
    const slot = this.openIndex % this.ringSize;
    for (let r = 0; r < this.readers.length; r++) {
      (this.rings[r] as Float64Array)[slot] = (this.readers[r] as MetricReader)(
        this.sums,
        0,
        this.period,
      );
    }
    // A loop: for 11 entries it is cheaper than the TypedArray.prototype.fill builtin.
    for (let q = 0; q < Q_COUNT; q++) this.sums[q] = 0;
    this.openIndex++;
  }

  /** Index of the period now open (periods before it are closed). */
  get closedCount(): number {
    return this.openIndex;
  }

  /** Datapoint of `handle` for closed period `k`; NaN if missing or fallen out of the ring. */
  datapoint(handle: number, k: number): number {
    if (k < 0 || k >= this.openIndex || k < this.openIndex - this.ringSize) return NaN;
    return (this.rings[handle] as Float64Array)[k % this.ringSize] ?? NaN;
  }
}
