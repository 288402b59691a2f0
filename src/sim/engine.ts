/**
 * The simulator: one trace, one candidate configuration, one Timeline.
 *
 *   Trace × Candidate × SimulationContext
 *     → per step: scheduled actions → task lifecycle (launch, health checks, slow start,
 *       draining) → arrivals split over healthy targets → per-task M/M/c queue (latency,
 *       CPU, memory, backlog, timeouts, OOM) → simulated CloudWatch datapoints
 *       → Application Auto Scaling (alarms, cooldowns, policies) → new desired count
 *     → Timeline + ScalingEvents → Kpis
 *
 * Pure: time is the step index, nothing is read from outside. The model is a fluid one:
 * tasks of the service are identical, so the healthy tasks share arrivals and backlog
 * evenly (round robin and least outstanding requests coincide, except that slow start
 * gives a new target a share that ramps up). Every modelling choice is a named parameter
 * in PlatformParams or ServiceModel.
 */
// Values from the vocabulary's modules that need no schema library, so that a sweep's worker
// threads start without loading one (the types come from the index as usual).
import { taskCostPerSecond, vcpusOf } from "../vocab/fargate.js";
import type {
  Candidate,
  Kpis,
  ScalingEvent,
  SimulationContext,
  Timeline,
  TimelineColumn,
  Trace,
} from "../vocab/index.js";
import { TIMELINE_COLUMNS } from "../vocab/types.js";
import { AutoScaler } from "./autoscaling.js";
import { tasksOverMemory } from "./memory.js";
import { PeriodStore, Q, Q_COUNT } from "./metrics.js";
import { queueStep, SaturatedStation, type QueueStepMemo, type QueueStepResult } from "./queue.js";
import { scheduleFirings, type ScheduledFiring } from "./schedule.js";

export interface SimulateOptions {
  /** Build the per-step Timeline and the events (reports); off in sweeps. @default true */
  readonly record?: boolean;
  /** Precomputed scheduled-action firings for this trace window (sweeps share them). */
  readonly firings?: readonly ScheduledFiring[];
  /**
   * Queueing results remembered across the candidates of a sweep (one per sweep and
   * context; results are the same without it). Used when `record` is off.
   */
  readonly queueMemo?: QueueStepMemo;
}

export interface SimulationResult {
  readonly kpis: Kpis;
  readonly timeline: Timeline | null;
  readonly events: readonly ScalingEvent[];
}

/** Utilization above which a stable M/M/c queue is treated as saturated. */
export const MAX_STABLE_UTILIZATION = 0.995;
/** Share of a minute's requests allowed above the p95 limit before the minute breaks the SLO. */
const P95_TAIL = 0.05;
/** Under oomModel "poisson", a share of tasks over their memory below 0.1 % kills nobody (no dust cohorts). */
const OOM_NEGLIGIBLE_SHARE = 1e-3;
const CPU_HISTOGRAM_BINS = 1000;

interface LaunchCohort {
  count: number;
  /** Billing starts when Fargate starts provisioning. */
  readonly billedFrom: number;
  /** End of the last step whose cost already included this cohort. */
  billedUntil: number;
  readonly runningAt: number;
  readonly healthyAt: number;
}

interface DrainCohort {
  count: number;
  readonly endsAt: number;
}

interface SlowStartCohort {
  count: number;
  readonly healthyAt: number;
}

/**
 * The running totals behind the Kpis, and the open minute's tallies for SLO minutes.
 *
 * They are fields of an object rather than locals of {@link simulate}'s loop on purpose: as
 * locals, V8 kept them boxed and allocated a number for most updates (about 45 bytes per
 * simulated step, measured), whereas an object's number fields are updated in place.
 */
class Tally {
  totalRequests = 0;
  totalFailed = 0;
  totalCost = 0;
  p95Weighted = 0;
  p95Weight = 0;
  worstP95 = 0;
  maxTasks = 0;
  minTasks = Infinity;
  taskSecondsSum = 0;
  cpuSum = 0;
  cpuSteps = 0;
  peakCpu = 0;
  peakMemory = 0;
  minuteRequests = 0;
  minuteFailed = 0;
  minuteServed = 0;
  minuteSlow = 0;
  violationMinutes = 0;
}

/** Overlap in seconds of [a0, a1) with [b0, b1). */
function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/**
 * Simulates the candidate against the trace.
 *
 * @example const { kpis } = simulate(trace, { task, scaling }, context, { record: false });
 */
export function simulate(
  trace: Trace,
  candidate: Candidate,
  context: SimulationContext,
  options: SimulateOptions = {},
): SimulationResult {
  const record = options.record ?? true;
  const { service, platform, prices, slo } = context;
  const { task, scaling } = candidate;
  const s = trace.stepSeconds;
  const n = trace.requests.length;
  const events: ScalingEvent[] = [];
  const emit = record ? (e: ScalingEvent) => events.push(e) : null;

  // Task facts.
  const vcpus = vcpusOf(task);
  const memoryMiB = Number(task.memory);
  const servers = vcpus >= 1 ? Math.floor(vcpus) : 1;
  const cpuSeconds = service.cpuMsPerRequest / 1000;
  const usable = 1 - service.idleCpuPercent / 100;
  const mu = ((vcpus >= 1 ? 1 : vcpus) * usable) / cpuSeconds;
  const capacityRate = servers * mu;
  const cv = service.serviceTimeCv;
  const latencySeconds = service.latencyMs / 1000;
  const costRate = taskCostPerSecond(task, prices);
  const minBilled = prices.minimumBilledSeconds;

  // Lifecycle delays (seconds).
  const checksUntilHealthy =
    platform.healthCheckIntervalSeconds *
    (Math.max(1, Math.ceil(platform.appStartSeconds / platform.healthCheckIntervalSeconds)) +
      platform.newTargetHealthyChecks -
      1);
  const slowStart = platform.slowStartSeconds;

  // Simulated CloudWatch.
  const stores = new Map<number, PeriodStore>();
  const storeFor = (period: number, lookback: number): PeriodStore => {
    let store = stores.get(period);
    if (!store) {
      store = new PeriodStore(period, lookback);
      stores.set(period, store);
    }
    return store;
  };
  const scaler = new AutoScaler({
    policies: scaling.policies,
    task: { vcpus, memoryMiB },
    platform,
    storeFor,
    startMs: trace.startMs,
    stepSeconds: s,
    emit,
  });
  const storeList = [...stores.values()];
  const evalGrid = scaler.periods.length > 0 ? Math.min(...scaler.periods) : 0;

  const firings =
    options.firings ??
    scheduleFirings(scaling.scheduledActions, trace.startMs, trace.startMs + n * s * 1000);
  let nextFiring = 0;

  // Service state.
  let min = scaling.MinCapacity;
  let max = scaling.MaxCapacity;
  let desired = Math.min(
    Math.max(scaling.DesiredCount ?? settledCount(trace, capacityRate), min),
    max,
  );
  const launching: LaunchCohort[] = [];
  const slowStarting: SlowStartCohort[] = [];
  const draining: DrainCohort[] = [];
  let healthy = desired;
  let backlog = 0;
  let extraCost = 0;
  let oomKills = 0;

  const inService = (): number => {
    let total = healthy;
    for (const c of launching) total += c.count;
    for (const c of slowStarting) total += c.count;
    return total;
  };

  /** Brings the task set to `desired` at time tau (seconds), as the ECS scheduler would. */
  const reconcile = (tau: number, extraDelay = 0): void => {
    const have = inService();
    if (desired > have) {
      const count = desired - have;
      const throttle = Math.max(0, count - 100) / platform.fargateLaunchesPerSecond;
      const billedFrom = tau + extraDelay + platform.schedulingDelaySeconds + throttle;
      const runningAt = billedFrom + platform.launchSeconds;
      launching.push({
        count,
        billedFrom,
        billedUntil: -Infinity,
        runningAt,
        healthyAt: runningAt + checksUntilHealthy,
      });
      return;
    }
    let surplus = have - desired;
    // Not-yet-healthy tasks stop first (newest first), billed at least the minimum.
    while (surplus > 0 && launching.length > 0) {
      const c = launching[launching.length - 1] as LaunchCohort;
      const k = Math.min(surplus, c.count);
      // Billed from provisioning to now, at least the minimum; the steps so far charged
      // up to billedUntil (possibly past tau, when this runs after the step's accounting).
      const due = tau > c.billedFrom ? Math.max(minBilled, tau - c.billedFrom) : 0;
      const charged = Math.max(0, c.billedUntil - c.billedFrom);
      extraCost += k * costRate * (due - charged);
      c.count -= k;
      surplus -= k;
      if (c.count === 0) launching.pop();
    }
    const drainSeconds = platform.drainingEndsWhenIdle
      ? Math.min(platform.deregistrationDelaySeconds, latencySeconds + 1)
      : platform.deregistrationDelaySeconds;
    let toDrain = 0;
    while (surplus > 0 && slowStarting.length > 0) {
      const c = slowStarting[slowStarting.length - 1] as SlowStartCohort;
      const k = Math.min(surplus, c.count);
      c.count -= k;
      surplus -= k;
      toDrain += k;
      if (c.count === 0) slowStarting.pop();
    }
    const k = Math.min(surplus, healthy);
    healthy -= k;
    toDrain += k;
    if (toDrain > 0) draining.push({ count: toDrain, endsAt: tau + drainSeconds });
  };

  // Outputs.
  const columns = record
    ? (Object.fromEntries(TIMELINE_COLUMNS.map((c) => [c, new Float64Array(n)])) as Record<
        TimelineColumn,
        Float64Array
      >)
    : null;
  const q = new Float64Array(Q_COUNT);
  const cpuHistogram = new Float64Array(CPU_HISTOGRAM_BINS + 1);
  const qs: QueueStepResult = { meanWait: 0, p50: 0, p95: 0, p99: 0, exceedance: 0 };
  const sloSeconds = slo.latencyP95Ms / 1000;
  // The queue below the stable limit, remembered by arrival rate across a sweep's candidates.
  const stable =
    !record && options.queueMemo
      ? options.queueMemo.table(servers, mu, cv, sloSeconds - latencySeconds, n)
      : null;
  // Saturated steps all ask the station at the same rate (the stable limit).
  let saturated: SaturatedStation | null = null;
  const tally = new Tally();
  // SLO minutes.
  const errorLimit = slo.errorRatePercent / 100;
  let minuteIndex = 0;

  for (let i = 0; i < n; i++) {
    const t0 = i * s;
    const t1 = t0 + s;

    // Scheduled actions due before this step ends take effect at their time.
    while (nextFiring < firings.length) {
      const f = firings[nextFiring] as ScheduledFiring;
      const tau = (f.timeMs - trace.startMs) / 1000;
      if (tau >= t1) break;
      nextFiring++;
      if (f.MinCapacity !== undefined) min = f.MinCapacity;
      if (f.MaxCapacity !== undefined) max = f.MaxCapacity;
      if (min > max) max = min;
      const before = desired;
      desired = Math.min(Math.max(desired, min), max);
      if (desired !== before) scaler.actions++;
      emit?.({
        kind: "scheduled-action",
        timeMs: f.timeMs,
        step: i,
        name: f.name,
        MinCapacity: min,
        MaxCapacity: max,
        reason: `${f.name}: MinCapacity ${min}, MaxCapacity ${max}${desired !== before ? `; desired ${before} → ${desired}` : ""}.`,
      });
      reconcile(Math.max(tau, t0));
    }

    // Task lifecycle within [t0, t1): task-seconds by state.
    let billedSec = healthy * s;
    let runningSec = healthy * s; // RUNNING or draining: what AWS/ECS averages over
    let healthySec = healthy * s; // weighted by slow start
    let registeredSec = healthy * s;
    let pendingSec = 0;
    let idleRunningSec = 0; // running but not serving (not healthy yet, or draining)
    // Launching cohorts (including those that become healthy in this step).
    for (const c of launching) {
      billedSec += c.count * overlap(c.billedFrom, Infinity, t0, t1);
      c.billedUntil = t1;
      const run = c.count * overlap(c.runningAt, Infinity, t0, t1);
      runningSec += run;
      registeredSec += run;
      idleRunningSec += c.count * overlap(c.runningAt, c.healthyAt, t0, t1);
      pendingSec += c.count * overlap(-Infinity, c.runningAt, t0, t1);
    }
    // Those healthy before the step ends serve from then on (ramped in by slow start when
    // another healthy target exists).
    let becameHealthy = 0;
    while (launching.length > 0 && (launching[0] as LaunchCohort).healthyAt < t1) {
      const c = launching.shift() as LaunchCohort;
      if (slowStart > 0 && healthy + becameHealthy > 0) {
        slowStarting.push({ count: c.count, healthyAt: c.healthyAt });
      } else {
        healthySec += c.count * overlap(c.healthyAt, Infinity, t0, t1);
        becameHealthy += c.count;
      }
    }
    healthy += becameHealthy;
    for (const c of slowStarting) {
      // A cohort that entered slow start in this step was billed above, as launching.
      if (c.healthyAt < t0) {
        billedSec += c.count * s;
        runningSec += c.count * s;
        registeredSec += c.count * s;
      }
      // Its share ramps linearly from 0 to 1 over the slow-start window.
      const from = Math.max(t0, c.healthyAt);
      const w0 = Math.min(1, (from - c.healthyAt) / slowStart);
      const w1 = Math.min(1, (t1 - c.healthyAt) / slowStart);
      healthySec += (c.count * (t1 - from) * (w0 + w1)) / 2;
    }
    while (
      slowStarting.length > 0 &&
      (slowStarting[0] as SlowStartCohort).healthyAt + slowStart <= t1
    ) {
      healthy += (slowStarting.shift() as SlowStartCohort).count;
    }
    for (const c of draining) {
      const d = c.count * overlap(-Infinity, c.endsAt, t0, t1);
      billedSec += d;
      runningSec += d;
      idleRunningSec += d;
    }
    while (draining.length > 0 && (draining[0] as DrainCohort).endsAt <= t1) draining.shift();

    // Traffic and the queue.
    const requests = trace.requests[i] ?? 0;
    const hEff = healthySec / s;
    let served = 0;
    let failed = 0;
    let p50 = 0;
    let p95 = 0;
    let p99 = 0;
    let slowShare = 0;
    let inflightPerTask = 0;
    let latencyMean = 0;
    if (hEff <= 1e-9) {
      // No healthy target: the ALB answers 503; queued requests are lost with their tasks.
      failed = requests + backlog;
      backlog = 0;
      if (requests > 0) {
        slowShare = 1;
        p50 = p95 = p99 = NaN;
      }
    } else {
      const lambda = requests / (s * hEff);
      const rho = lambda / capacityRate;
      if (backlog <= 1e-9 && rho < MAX_STABLE_UTILIZATION) {
        served = requests;
        if (requests > 0) {
          const r = stable
            ? stable.step(lambda, i, qs)
            : queueStep(servers, lambda, mu, cv, sloSeconds - latencySeconds, record, qs);
          latencyMean = r.meanWait + 1 / mu + latencySeconds;
          inflightPerTask = lambda * latencyMean;
          p95 = r.p95 + latencySeconds;
          p50 = r.p50 + latencySeconds;
          p99 = r.p99 + latencySeconds;
          slowShare = sloSeconds > latencySeconds ? r.exceedance : 1;
        }
      } else {
        // Saturated: the healthy tasks serve at full speed and the rest waits in a backlog;
        // a request that would wait longer than the timeout fails.
        const rate = hEff * capacityRate;
        const demand = requests + backlog;
        served = Math.min(demand, rate * s);
        let next = demand - served;
        const maxBacklog = service.timeoutSeconds * rate;
        const timedOut = Math.max(0, next - maxBacklog);
        next -= timedOut;
        failed = timedOut;
        const wait = (backlog + next) / 2 / rate;
        backlog = next;
        saturated ??= new SaturatedStation(servers, MAX_STABLE_UTILIZATION * capacityRate, mu, cv);
        const r = saturated.step(sloSeconds - wait - latencySeconds, record, qs);
        p95 = wait + r.p95 + latencySeconds;
        p50 = wait + r.p50 + latencySeconds;
        p99 = wait + r.p99 + latencySeconds;
        latencyMean = wait + r.meanWait + 1 / mu + latencySeconds;
        inflightPerTask = (served / s / hEff) * latencyMean + backlog / hEff;
        slowShare = p95 > sloSeconds ? 1 : r.exceedance;
      }
    }

    // Memory and OOM: a task whose memory passes its hard limit is killed; ECS replaces it.
    const memoryPerTask =
      service.memoryMiB.base + service.memoryMiB.perInflightRequest * inflightPerTask;
    const servingSec = runningSec - idleRunningSec;
    const memorySec = memoryPerTask * servingSec + service.memoryMiB.base * idleRunningSec;
    if (platform.oomModel === "poisson") {
      const share =
        hEff > 1e-9
          ? tasksOverMemory(
              inflightPerTask,
              service.memoryMiB.base,
              service.memoryMiB.perInflightRequest,
              memoryMiB,
            )
          : 0;
      if (share > OOM_NEGLIGIBLE_SHARE) {
        // The tasks over the limit die; ECS replaces them.
        let killed = healthy * share;
        healthy -= healthy * share;
        for (const c of slowStarting) {
          killed += c.count * share;
          c.count -= c.count * share;
        }
        oomKills += killed;
        // Their requests fail: those in flight (served this step, counted as failed instead)
        // and their share of the backlog.
        const lost = Math.min(served, killed * inflightPerTask);
        served -= lost;
        failed += lost + backlog * share;
        backlog -= backlog * share;
        emit?.({
          kind: "oom-kill",
          timeMs: trace.startMs + t1 * 1000,
          step: i,
          tasks: killed,
          reason: `${killed.toFixed(2)} task(s), ${(100 * share).toFixed(1)} % of those serving, passed the task's ${memoryMiB} MiB with about ${Math.round(inflightPerTask)} requests in flight on average (Poisson); ECS replaces them.`,
        });
        reconcile(t1, platform.oomReplacementDelaySeconds);
      }
    } else if (memoryPerTask > memoryMiB && hEff > 1e-9) {
      let killed = healthy;
      for (const c of slowStarting) killed += c.count;
      oomKills += killed;
      failed += backlog;
      backlog = 0;
      healthy = 0;
      if (slowStarting.length > 0) slowStarting.length = 0;
      emit?.({
        kind: "oom-kill",
        timeMs: trace.startMs + t1 * 1000,
        step: i,
        tasks: killed,
        reason: `${killed} task(s) needed ${Math.round(memoryPerTask)} MiB with ${Math.round(inflightPerTask)} requests in flight, over the task's ${memoryMiB} MiB; ECS replaces them.`,
      });
      reconcile(t1, platform.oomReplacementDelaySeconds);
    }

    // CPU: request work plus idle CPU of every running task.
    const cpuVcpuSec = served * cpuSeconds + (service.idleCpuPercent / 100) * vcpus * runningSec;
    const cpuPct = runningSec > 0 ? Math.min(100, (100 * cpuVcpuSec) / (vcpus * runningSec)) : 0;
    const memPct = runningSec > 0 ? (100 * memorySec) / (memoryMiB * runningSec) : 0;

    // Simulated CloudWatch, then the scaling policies.
    q[Q.requests] = requests;
    q[Q.served] = served;
    q[Q.failed] = failed;
    q[Q.healthyTaskSeconds] = healthySec;
    q[Q.registeredTaskSeconds] = registeredSec;
    q[Q.runningTaskSeconds] = runningSec;
    q[Q.cpuVcpuSeconds] = cpuVcpuSec;
    q[Q.memoryMiBSeconds] = memorySec;
    q[Q.latencyMsTimesServed] = latencyMean * 1000 * served;
    q[Q.desiredTaskSeconds] = desired * s;
    q[Q.pendingTaskSeconds] = pendingSec;
    for (const store of storeList) store.add(q, t0, t1);
    const desiredBefore = desired;
    if (evalGrid > 0) {
      for (
        let tau = Math.floor(t0 / evalGrid + 1 + 1e-9) * evalGrid;
        tau <= t1 + 1e-9;
        tau += evalGrid
      ) {
        const next = scaler.evaluate(tau, i, desired, min, max);
        if (next !== desired) {
          desired = next;
          reconcile(tau);
        }
      }
    }

    // Accounting.
    const stepCost = billedSec * costRate + extraCost;
    extraCost = 0;
    tally.totalCost += stepCost;
    tally.totalRequests += requests;
    tally.totalFailed += failed;
    const runningTasks = runningSec / s;
    const running = healthy + countRunning(launching, t1) + slowStartingCount(slowStarting);
    tally.maxTasks = Math.max(tally.maxTasks, running);
    tally.minTasks = Math.min(tally.minTasks, running);
    tally.taskSecondsSum += runningTasks * s;
    if (runningSec > 0) {
      tally.cpuSum += cpuPct;
      tally.cpuSteps++;
      tally.peakCpu = Math.max(tally.peakCpu, cpuPct);
      tally.peakMemory = Math.max(tally.peakMemory, memPct);
      cpuHistogram[
        Math.min(CPU_HISTOGRAM_BINS, Math.floor((cpuPct / 100) * CPU_HISTOGRAM_BINS))
      ]! += 1;
    }
    if (served > 0 && Number.isFinite(p95)) {
      tally.p95Weighted += p95 * served;
      tally.p95Weight += served;
      tally.worstP95 = Math.max(tally.worstP95, p95);
    }
    // SLO minutes.
    tally.minuteRequests += requests;
    tally.minuteFailed += failed;
    tally.minuteServed += served;
    tally.minuteSlow += served * slowShare;
    let closeWeight = 0;
    if (s >= 60) {
      closeWeight = s / 60;
    } else if (Math.floor(t1 / 60 + 1e-9) > minuteIndex) {
      minuteIndex = Math.floor(t1 / 60 + 1e-9);
      closeWeight = 1;
    }
    if (closeWeight > 0) {
      if (
        breaksSlo(
          tally.minuteRequests,
          tally.minuteFailed,
          tally.minuteServed,
          tally.minuteSlow,
          errorLimit,
        )
      ) {
        tally.violationMinutes += closeWeight;
      }
      tally.minuteRequests = tally.minuteFailed = tally.minuteServed = tally.minuteSlow = 0;
    }

    if (columns) {
      columns.requests[i] = requests;
      columns.servedRequests[i] = served;
      columns.failedRequests[i] = failed;
      columns.backlog[i] = backlog;
      columns.desiredCount[i] = desiredBefore;
      columns.runningCount[i] = running;
      columns.healthyCount[i] = hEff;
      columns.drainingCount[i] = draining.reduce((a, c) => a + c.count, 0);
      columns.pendingCount[i] = pendingSec / s;
      columns.minCapacity[i] = min;
      columns.maxCapacity[i] = max;
      columns.cpuUtilization[i] = cpuPct;
      columns.memoryUtilization[i] = memPct;
      columns.requestCountPerTarget[i] = hEff > 1e-9 ? (requests / hEff) * (60 / s) : 0;
      columns.latencyP50Ms[i] = p50 * 1000;
      columns.latencyP95Ms[i] = p95 * 1000;
      columns.latencyP99Ms[i] = p99 * 1000;
      columns.costUsd[i] = stepCost;
    }
  }
  if (
    s < 60 &&
    tally.minuteRequests > 0 &&
    breaksSlo(
      tally.minuteRequests,
      tally.minuteFailed,
      tally.minuteServed,
      tally.minuteSlow,
      errorLimit,
    )
  ) {
    tally.violationMinutes += (n * s - minuteIndex * 60) / 60;
  }

  // CPU headroom: 100 − p99 of per-step CPU, from the histogram.
  let seen = 0;
  let p99Cpu = 0;
  for (let b = 0; b <= CPU_HISTOGRAM_BINS; b++) {
    seen += cpuHistogram[b] ?? 0;
    if (seen >= 0.99 * tally.cpuSteps) {
      p99Cpu = (b / CPU_HISTOGRAM_BINS) * 100;
      break;
    }
  }
  const seconds = n * s;
  const kpis: Kpis = {
    costUsd: tally.totalCost,
    monthlyCostUsd: seconds > 0 ? (tally.totalCost * 730 * 3600) / seconds : 0,
    sloViolationMinutes: tally.violationMinutes,
    minutes: seconds / 60,
    totalRequests: tally.totalRequests,
    failedRequests: tally.totalFailed,
    errorRatePercent: tally.totalRequests > 0 ? (100 * tally.totalFailed) / tally.totalRequests : 0,
    meanP95LatencyMs: tally.p95Weight > 0 ? (1000 * tally.p95Weighted) / tally.p95Weight : 0,
    worstP95LatencyMs: tally.worstP95 * 1000,
    maxTasks: tally.maxTasks,
    minTasks: Number.isFinite(tally.minTasks) ? tally.minTasks : 0,
    meanTasks: seconds > 0 ? tally.taskSecondsSum / seconds : 0,
    scalingActions: scaler.actions,
    peakCpuUtilization: tally.peakCpu,
    meanCpuUtilization: tally.cpuSteps > 0 ? tally.cpuSum / tally.cpuSteps : 0,
    peakMemoryUtilization: tally.peakMemory,
    cpuHeadroomPercent: 100 - p99Cpu,
    oomKills,
  };
  const timeline: Timeline | null = columns
    ? { startMs: trace.startMs, stepSeconds: s, length: n, ...columns }
    : null;
  return { kpis, timeline, events };
}

/** CPU utilization the service is assumed to have settled at before the trace starts. */
export const INITIAL_UTILIZATION = 0.5;

/**
 * The desired count when the config gives none: enough tasks to serve the first ten
 * minutes' mean rate at {@link INITIAL_UTILIZATION}, as a service that has been running
 * would have (a model choice: starting at MinCapacity would overload most services).
 */
export function settledCount(trace: Trace, perTaskRate: number): number {
  const steps = Math.max(1, Math.min(trace.requests.length, Math.round(600 / trace.stepSeconds)));
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += trace.requests[i] ?? 0;
  const rate = sum / (steps * trace.stepSeconds);
  return Math.ceil(rate / (perTaskRate * INITIAL_UTILIZATION));
}

/** Whether a closed minute breaks the SLO: too large a slow share, or too many errors. */
function breaksSlo(
  requests: number,
  failed: number,
  served: number,
  slow: number,
  errorLimit: number,
): boolean {
  if (!(requests > 0)) return false;
  const slowShare = served > 0 ? slow / served : 0;
  return slowShare > P95_TAIL || failed / requests > errorLimit;
}

/** Tasks of launching cohorts that are RUNNING at time t (not yet healthy). */
function countRunning(launching: readonly LaunchCohort[], t: number): number {
  let k = 0;
  for (const c of launching) if (c.runningAt <= t) k += c.count;
  return k;
}

function slowStartingCount(cohorts: readonly SlowStartCohort[]): number {
  let k = 0;
  for (const c of cohorts) k += c.count;
  return k;
}
