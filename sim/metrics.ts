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
import type { MetricSpec, PlatformParams, PredefinedMetricType } from "./vocab/index.js";

/** The per-step quantities the simulator accumulates, in task-seconds, requests, etc. */
export const Q = {
  requests: 0,
  served: 1,
  failed: 2,
  healthyTaskSeconds: 3,
  registeredTaskSeconds: 4,
  /** Running or draining task-seconds (Container Insights' RunningTaskCount). */
  runningTaskSeconds: 5,
  cpuVcpuSeconds: 6,
  memoryMiBSeconds: 7,
  latencyMsTimesServed: 8,
  desiredTaskSeconds: 9,
  pendingTaskSeconds: 10,
  /**
   * 5xx responses the targets themselves sent (HTTPCode_Target_5XX_Count): none in the model,
   * whose every failure is the load balancer's own (see {@link customReader}); never written.
   */
  targetErrors: 11,
  /**
   * The task-seconds, vCPU-seconds and MiB-seconds the AWS/ECS service averages (CPUUtilization,
   * MemoryUtilization) count: those of runningTaskSeconds, cpuVcpuSeconds and memoryMiBSeconds,
   * less the draining tasks' without PlatformParams.drainingTasksInServiceMetrics
   * (sim/MODEL-AUDIT.md O9).
   */
  serviceTaskSeconds: 12,
  serviceCpuVcpuSeconds: 13,
  serviceMemoryMiBSeconds: 14,
} as const;
export const Q_COUNT = 15;

/**
 * What a datapoint is computed from: the period's sums, by {@link readDatapoint}. A reader is
 * plain data rather than a closure, so the per-period code stays monomorphic and returns its
 * value without boxing it (this runs for every period of every candidate in a sweep).
 */
export interface MetricReader {
  readonly formula: ReaderFormula;
  /** Quantity ({@link Q}) the formula reads or divides by, per formula. */
  readonly quantity: number;
  /** The constant of the formula: vCPUs, memory in MiB. */
  readonly scale: number;
  /** ALB metrics: whether a period without requests is missing (NaN). */
  readonly missingWithoutTraffic: boolean;
}

/** The formulas {@link readDatapoint} knows, one per simulated metric shape. */
const F = {
  /** AWS/ECS per-task utilization: 100 · sums[quantity] / (scale · the service's task-seconds). */
  ecsUtilization: 0,
  /** ALB RequestCountPerTarget: requests / (sums[quantity] / period). */
  requestsPerTarget: 1,
  /** An ALB count: sums[quantity]. */
  albSum: 2,
  /** ALB TargetResponseTime, seconds. */
  responseTime: 3,
  /** An average over the period: sums[quantity] · scale / period, NaN without running tasks. */
  ecsPerSecond: 4,
  /** An average count over the period: sums[quantity] / period. */
  perSecond: 5,
} as const;
export type ReaderFormula = (typeof F)[keyof typeof F];

/** The fixed facts of the task that the readers need. */
export interface MetricTaskFacts {
  readonly vcpus: number;
  readonly memoryMiB: number;
}

const CPU_UTILIZATION = {
  Namespace: "AWS/ECS",
  MetricName: "CPUUtilization",
  Statistic: "Average",
} as const;
const MEMORY_UTILIZATION = {
  Namespace: "AWS/ECS",
  MetricName: "MemoryUtilization",
  Statistic: "Average",
} as const;

/** The CloudWatch metric and statistic behind each predefined target-tracking metric type. */
const PREDEFINED_METRICS: Record<
  PredefinedMetricType,
  Pick<MetricSpec, "Namespace" | "MetricName" | "Statistic">
> = {
  ECSServiceAverageCPUUtilization: CPU_UTILIZATION,
  ECSServiceAverageCPUUtilizationHighResolution: CPU_UTILIZATION,
  ECSServiceAverageMemoryUtilization: MEMORY_UTILIZATION,
  ECSServiceAverageMemoryUtilizationHighResolution: MEMORY_UTILIZATION,
  ALBRequestCountPerTarget: {
    Namespace: "AWS/ApplicationELB",
    MetricName: "RequestCountPerTarget",
    Statistic: "Sum",
  },
};

/** A reader for a predefined target-tracking metric (its CloudWatch metric and statistic). */
export function predefinedReader(
  type: PredefinedMetricType,
  task: MetricTaskFacts,
  platform: PlatformParams,
): MetricReader {
  return customReader(PREDEFINED_METRICS[type], task, platform);
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
  const reader = (formula: ReaderFormula, quantity: number, scale = 1): MetricReader => ({
    formula,
    quantity,
    scale,
    missingWithoutTraffic,
  });
  const key = `${spec.Namespace}:${spec.MetricName}`;
  switch (key) {
    case "AWS/ECS:CPUUtilization":
      return reader(F.ecsUtilization, Q.serviceCpuVcpuSeconds, task.vcpus);
    case "AWS/ECS:MemoryUtilization":
      return reader(F.ecsUtilization, Q.serviceMemoryMiBSeconds, task.memoryMiB);
    case "AWS/ApplicationELB:RequestCountPerTarget":
      return reader(
        F.requestsPerTarget,
        platform.requestCountPerTargetDivisor === "healthy"
          ? Q.healthyTaskSeconds
          : Q.registeredTaskSeconds,
      );
    case "AWS/ApplicationELB:RequestCount":
      return reader(F.albSum, Q.requests);
    case "AWS/ApplicationELB:TargetResponseTime":
      return reader(F.responseTime, Q.latencyMsTimesServed);
    // Every failed request of the model is a response the load balancer generates (ELB user
    // guide, "Troubleshoot your Application Load Balancers"): 504 for a request the target did
    // not answer within the idle timeout (service.timeoutSeconds), 502 for one a target closed
    // the connection on (an OOM kill) or whose deregistration delay elapsed, 503 when no target
    // is registered or healthy. Those are HTTPCode_ELB_5XX_Count; HTTPCode_Target_5XX_Count is
    // "HTTP errors generated by a target", which the model's targets never send (sim/MODEL-AUDIT.md
    // O10): 0 whenever requests flow.
    case "AWS/ApplicationELB:HTTPCode_ELB_5XX_Count":
      return reader(F.albSum, Q.failed);
    case "AWS/ApplicationELB:HTTPCode_Target_5XX_Count":
      return reader(F.albSum, Q.targetErrors);
    case "AWS/ApplicationELB:HealthyHostCount":
      return reader(F.perSecond, Q.healthyTaskSeconds);
    case "ECS/ContainerInsights:CpuUtilized":
      return reader(F.ecsPerSecond, Q.cpuVcpuSeconds, 1024);
    case "ECS/ContainerInsights:MemoryUtilized":
      return reader(F.ecsPerSecond, Q.memoryMiBSeconds);
    case "ECS/ContainerInsights:RunningTaskCount":
      return reader(F.perSecond, Q.runningTaskSeconds);
    case "ECS/ContainerInsights:DesiredTaskCount":
      return reader(F.perSecond, Q.desiredTaskSeconds);
    case "ECS/ContainerInsights:PendingTaskCount":
      return reader(F.perSecond, Q.pendingTaskSeconds);
    default:
      // The config schema only admits simulated metrics; reaching this is a bug.
      throw new Error(`no simulated metric ${key}`);
  }
}

/** The quantities ({@link Q}) {@link readDatapoint} reads for `reader`. */
function readerInputs(reader: MetricReader): number[] {
  switch (reader.formula) {
    case F.ecsUtilization:
      return [Q.serviceTaskSeconds, reader.quantity];
    case F.ecsPerSecond:
      return [Q.runningTaskSeconds, reader.quantity];
    case F.perSecond:
      return [reader.quantity];
    case F.responseTime:
      return [Q.requests, Q.served, reader.quantity];
    default:
      return [Q.requests, reader.quantity];
  }
}

/**
 * The datapoint `reader` computes from a period's sums (indexed by {@link Q}), or NaN when
 * CloudWatch would have none: AWS/ECS metrics without a running task, ALB metrics without a
 * request (with zeroTrafficIsMissingData), and ratios with nothing to divide by.
 */
export function readDatapoint(reader: MetricReader, sums: Float64Array, period: number): number {
  const quantity = reader.quantity;
  switch (reader.formula) {
    case F.ecsUtilization: {
      const running = sums[Q.serviceTaskSeconds]!;
      return running <= 0 ? NaN : (100 * sums[quantity]!) / (reader.scale * running);
    }
    case F.ecsPerSecond:
      return sums[Q.runningTaskSeconds]! <= 0 ? NaN : (sums[quantity]! * reader.scale) / period;
    case F.perSecond:
      return sums[quantity]! / period;
  }
  // The ALB metrics.
  const requests = sums[Q.requests]!;
  if (reader.missingWithoutTraffic && requests <= 0) return NaN;
  switch (reader.formula) {
    case F.requestsPerTarget: {
      const targets = sums[quantity]! / period;
      return targets > 0 ? requests / targets : NaN;
    }
    case F.albSum:
      return sums[quantity]!;
    default: {
      const served = sums[Q.served]!;
      return served > 0 ? sums[quantity]! / served / 1000 : NaN;
    }
  }
}

/**
 * The simulated CloudWatch's period stores, one per period length, made as the alarms ask for
 * them: `storeFor` is what the AutoScaler takes (AutoScalerOptions.storeFor; policies reading
 * the same period share a store), `stores` what each step publishes to.
 */
export function periodStores(): {
  readonly stores: Map<number, PeriodStore>;
  readonly storeFor: (period: number, lookback: number) => PeriodStore;
} {
  const stores = new Map<number, PeriodStore>();
  const storeFor = (period: number, lookback: number): PeriodStore => {
    let store = stores.get(period);
    if (!store) {
      store = new PeriodStore(period, lookback);
      stores.set(period, store);
    }
    return store;
  };
  return { stores, storeFor };
}

/**
 * A simulated CloudWatch metric at one period: the running sums of the open period and a
 * ring of recent datapoints for each reader registered.
 */
export class PeriodStore {
  readonly period: number;
  private readonly sums = new Float64Array(Q_COUNT);
  /** The quantities some reader reads, ascending: the only sums kept. */
  private used = new Int32Array(0);
  private openIndex = 0;
  private readonly readers: MetricReader[] = [];
  private readonly rings: Float64Array[] = [];
  private readonly ringSize: number;

  constructor(periodSeconds: number, lookbackPeriods: number) {
    this.period = periodSeconds;
    this.ringSize = Math.max(8, lookbackPeriods + 4);
  }

  /**
   * Registers a reader; returns its handle for {@link datapoint}. Register every reader before
   * the first {@link add}: only the quantities registered readers read are summed.
   */
  register(reader: MetricReader): number {
    this.readers.push(reader);
    this.rings.push(new Float64Array(this.ringSize).fill(NaN));
    const used = new Set([...this.used, ...readerInputs(reader)]);
    this.used = Int32Array.from([...used].sort((a, b) => a - b));
    return this.readers.length - 1;
  }

  /**
   * Adds a step's quantities (`values`, indexed by {@link Q}) spread over [t0, t1) seconds,
   * closing every period that ends at or before t1. Only the quantities the readers read are
   * summed.
   *
   * A step longer than the period closes several periods, and those it covers whole (from
   * empty sums, with the same share of the step) have the same sums, hence the same
   * datapoints: the first is computed, the others copied.
   */
  add(values: Float64Array, t0: number, t1: number): void {
    const p = this.period;
    if (t0 === this.openIndex * p && t1 === (this.openIndex + 1) * p) {
      // The step is the open period, whole (the common case: 60-s steps and periods). The
      // general path below does the same with a share of 1.
      const sums = this.sums;
      const used = this.used;
      for (let k = 0; k < used.length; k++) {
        const q = used[k]!;
        sums[q]! += values[q]!;
      }
      this.close();
      return;
    }
    const span = t1 - t0;
    const sums = this.sums;
    let t = t0;
    // The seconds of this step that filled the last period closed here from empty sums, if any.
    let wholeSeconds = NaN;
    while (t < t1 - 1e-9) {
      const periodEnd = (this.openIndex + 1) * p;
      const until = Math.min(t1, periodEnd);
      const seconds = until - t;
      const closes = until >= periodEnd - 1e-9;
      if (closes && seconds === wholeSeconds) {
        this.repeat();
      } else {
        // Past this step's first period, a period starts empty (the sums are zeroed when a
        // period closes); the first only when the step starts at or before its start.
        const fromEmpty = t !== t0 || t0 <= this.openIndex * p;
        const f = seconds / span;
        const used = this.used;
        for (let k = 0; k < used.length; k++) {
          const q = used[k]!;
          sums[q]! += values[q]! * f;
        }
        if (closes) {
          this.close();
          wholeSeconds = fromEmpty ? seconds : NaN;
        }
      }
      t = until;
    }
  }

  private close(): void {
    const slot = this.openIndex % this.ringSize;
    for (let r = 0; r < this.readers.length; r++) {
      this.rings[r]![slot] = readDatapoint(this.readers[r]!, this.sums, this.period);
    }
    const used = this.used;
    for (let k = 0; k < used.length; k++) this.sums[used[k]!] = 0;
    this.openIndex++;
  }

  /** Closes the open period with the datapoints of the one before (its sums were the same). */
  private repeat(): void {
    const slot = this.openIndex % this.ringSize;
    const previous = (this.openIndex - 1) % this.ringSize;
    for (let r = 0; r < this.readers.length; r++) {
      const ring = this.rings[r]!;
      ring[slot] = ring[previous]!;
    }
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
