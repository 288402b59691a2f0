/**
 * The simulator: one trace, one candidate configuration, one Timeline.
 *
 *   Trace × Candidate × SimulationContext
 *     → per step, in this order (each a method of {@link Simulation}, named after its phase):
 *         scheduledActions   scheduled actions move MinCapacity / MaxCapacity (and desired)
 *         deploy             ECS deployments (sim/deploy.ts): start and stop tasks of each
 *                            revision; listener weights split traffic between them (only when
 *                            the candidate has deployments)
 *         taskLifecycle      task-seconds by state: pending, RUNNING, healthy (slow start), draining
 *         route              arrivals split over the healthy targets; none healthy → 503
 *         queue              each group an M/M/c station: latency, served, backlog, timeouts
 *         outOfMemory        memory per group; the share over the limit dies when the limit is
 *                            reached, is replaced at once (ECS), its requests re-routed
 *         drain              deregistered tasks finish their queue
 *         latency            the step's p50 / p95 / p99 over the groups
 *         publishMetrics     CPU and memory utilization; simulated CloudWatch datapoints
 *         scale              Application Auto Scaling: alarms, cooldowns, policies → desired
 *         bill               Fargate per-second billing of every task up to the step's end
 *         account            the Kpis' tallies, SLO minutes, the timeline's row
 *     → Timeline + ScalingEvents → Kpis
 *
 * Pure: time is the step index, nothing is read from outside. The model is a fluid one over
 * groups of tasks (sim/fleet.ts): the tasks launched together form a group and stay identical
 * (counts are expected values, so an OOM share can leave a fraction of a task). Each group
 * carries its own requests queued per task: round robin gives every healthy target the same
 * arrivals (slow start ramps a new one in), but a backlog stays with the tasks that hold it, and
 * a new task starts empty. Groups that have caught up (same backlog, fully ramped) merge back
 * into one, so the common case is a single group. The AWS rules are in sim/rules.ts; every
 * modelling choice is a named parameter in PlatformParams or ServiceModel (defaults in
 * sim/vocab/defaults.ts).
 *
 * The timeline's counts are all means over the step (task-seconds ÷ step seconds), like
 * Container Insights' 1-minute averages (TIMELINE_COLUMN_DESCRIPTIONS).
 */
// Values from the vocabulary's modules that need no schema library, so that a sweep's worker
// threads start without loading one (the types come from the index as usual).
import { taskCostPerSecond, vcpusOf } from "./vocab/fargate.js";
import type {
  Candidate,
  DeploymentKpis,
  Kpis,
  PrunedAt,
  ScalingEvent,
  SimulationContext,
  Timeline,
  TimelineColumn,
  Trace,
} from "./vocab/index.js";
import { DEPLOYMENT_COLUMNS, TIMELINE_COLUMNS, type DeploymentColumn } from "./vocab/types.js";
import { DESIRED_COUNT_DEFAULTS } from "./vocab/defaults.js";
import { AutoScaler } from "./autoscaling.js";
import {
  COUNT_TOLERANCE,
  DrainGroup,
  EMPTY_BACKLOG,
  Fleet,
  overlap,
  removeEmpty,
  TaskGroup,
} from "./fleet.js";
import {
  memoryFit,
  OOM_NEGLIGIBLE_SHARE,
  RevisionMemory,
  tasksOverMemory,
  type MemoryFit,
} from "./memory.js";
import { PeriodStore, Q, Q_COUNT, periodStores } from "./metrics.js";
import { shouldStop, type StopRule } from "./prune.js";
import {
  queueStep,
  SaturatedStation,
  taskStation,
  type QueueStepMemo,
  type QueueStepResult,
  type QueueStepTable,
} from "./queue.js";
import { clampCapacity, monthlyCost, secondsToHealthy, slowStartIntegral } from "./rules.js";
import { scheduleFirings, type ScheduledFiring } from "./schedule.js";
import { breaksSlo, StepSums, Tally, traceDataMinutes } from "./tally.js";
import { Deployer } from "./deploy.js";
import { SiblingCosts, type SiblingOutcome, type SiblingRun } from "./siblings.js";

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
  /**
   * Stop early when the candidate can no longer matter to the sweep it belongs to (sim/prune.ts);
   * `id` is the candidate's. The Kpis are then the figures at the step it stopped.
   */
  readonly stop?: { readonly rule: StopRule; readonly id: number };
  /**
   * Price the run for candidates that differ from this one only in price (sim/siblings.ts):
   * each member's Kpis, and under `stop` each is checked with its own cost and id; the run goes
   * on until every member is stopped or finished. Record must be off.
   */
  readonly siblings?: SiblingRun;
}

export interface SimulationResult {
  readonly kpis: Kpis;
  readonly timeline: Timeline | null;
  /** In time order; events at the same moment in the order the phases emitted them (inTimeOrder). */
  readonly events: readonly ScalingEvent[];
  /** When and why the simulation stopped early (SimulateOptions.stop); null when it ran to the end. */
  readonly pruned: PrunedAt | null;
  /** With SimulateOptions.siblings: each member's outcome (`kpis` and `pruned` are the first's). */
  readonly siblings?: readonly SiblingOutcome[];
}

/** Utilization above which a stable M/M/c queue is treated as saturated. */
export const MAX_STABLE_UTILIZATION = 0.995;
const CPU_HISTOGRAM_BINS = 1000;

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
  return new Simulation(trace, candidate, context, options).run();
}

/**
 * One run of {@link simulate}: the candidate's facts, its state, and one method per phase of a
 * step. (Small methods on one object, with indexed loops, keep V8's optimized code for each
 * phase: this runs millions of times in a sweep.)
 */
class Simulation {
  private readonly record: boolean;
  private readonly stop: { readonly rule: StopRule; readonly id: number } | null;
  private readonly siblingRun: SiblingRun | null;
  private readonly trace: Trace;
  private readonly s: number;
  private readonly n: number;
  private readonly events: ScalingEvent[] = [];
  private readonly emit: ((e: ScalingEvent) => void) | null;

  // Task and service facts.
  private readonly vcpus: number;
  private readonly memoryMiB: number;
  private readonly servers: number;
  private readonly cpuSeconds: number;
  private readonly idleFraction: number;
  private readonly mu: number;
  private readonly capacityRate: number;
  private readonly cv: number;
  private readonly latencySeconds: number;
  /** The service's memory in the task (`service.memoryMiB`): every revision's, unless {@link perRevision}. */
  private readonly serviceFit: MemoryFit;
  /**
   * Each revision's memory (sim/memory.ts): the service's, and a deployment's new revision's
   * (its `newRevision.memoryMiB`); null without deployments.
   */
  private readonly revisionMemory: RevisionMemory | null;
  /** Whether a deployment gives its new revision memory of its own (else every task has {@link serviceFit}). */
  private readonly perRevision: boolean;
  /** Memory no revision's exceeds (the largest base and per-request figures), for pruning's floor. */
  private readonly worstFit: MemoryFit;
  /** Whether some revision's base memory does not fit in the task (its tasks die as they start). */
  private readonly someRevisionDies: boolean;
  /** A request's time in a task running flat out: its CPU plus the non-CPU latency. */
  private readonly timePerRequest: number;
  private readonly maxBacklog: number;
  private readonly poissonOom: boolean;
  private readonly oomReplacementDelaySeconds: number;
  // ALB health checks of overloaded tasks and ECS's replacement of unhealthy ones
  // (PlatformParams.overloadFailsHealthChecks; sim/MODEL-AUDIT.md O5).
  private readonly checks: boolean;
  private readonly checkInterval: number;
  private readonly checkTimeout: number;
  private readonly unhealthyThreshold: number;
  private readonly healthyThreshold: number;
  private readonly gracePeriod: number;
  /** The service's maximumPercent, which caps how many replacements ECS starts first. */
  private readonly maximumPercent: number;
  /** The lowest of it and the deployments' (a rolling one's caps the replacements while it runs). */
  private readonly lowestMaximumPercent: number;
  /** Whether a group is unhealthy or being replaced (then the step starts with {@link unhealthyTasks}). */
  private healthWatch = false;
  private readonly slowStartSeconds: number;
  private readonly minBilled: number;
  /** USD per second of one task. */
  private readonly costRate: number;
  private readonly sloSeconds: number;
  private readonly errorLimit: number;

  // Simulated CloudWatch and Application Auto Scaling.
  private readonly scaler: AutoScaler;
  private readonly storeList: PeriodStore[];
  private readonly evalGrid: number;
  /**
   * Whether every step's evaluation times are t0 + grid, t0 + 2·grid, …, t1 exactly: whole-second
   * steps and grid, the step a multiple of the grid (60-s steps with 60-s or 20-s policies).
   */
  private readonly wholeGrid: boolean;
  private readonly firings: readonly ScheduledFiring[];
  private nextFiring = 0;

  // Queues.
  private readonly qs: QueueStepResult = { meanWait: 0, p50: 0, p95: 0, p99: 0, exceedance: 0 };
  /** The queue below the stable limit, remembered by arrival rate across a sweep's candidates. */
  private readonly stable: QueueStepTable | null;
  /** Saturated steps all ask the station at the same rate (the stable limit). */
  private saturated: SaturatedStation | null = null;

  // State.
  private readonly tally = new Tally();
  private readonly sums = new StepSums();
  private readonly fleet: Fleet;
  private readonly groups: TaskGroup[];
  private readonly draining: DrainGroup[];
  private minuteIndex = 0;
  /** Kpis.dataMinutes: the trace's minutes with data (the SLO budget's base). */
  private readonly dataMinutes: number;

  // Outputs.
  private readonly q = new Float64Array(Q_COUNT);
  private readonly cpuHistogram = new Float64Array(CPU_HISTOGRAM_BINS + 1);
  private readonly columns: Record<TimelineColumn, Float64Array> | null;
  private readonly deploymentColumns: Record<DeploymentColumn, Float64Array> | null;

  /** ECS deployments (null without them: the common case, which they then cost nothing). */
  private readonly deployer: Deployer | null;

  // The step's scratch.
  /** Requests per weighted healthy task-second. */
  private perWeightSecond = 0;
  /** When the step's first healthy target started serving (t1 when none did). */
  private firstServing = 0;
  private killedInStep = 0;
  private killedTimeSum = 0;
  /**
   * While a deployment runs, the step's kills by revision (ECS replaces each with its own,
   * {@link Simulation.replaceKilled}): the revisions in the order of their first kill, the
   * tasks killed and their count-weighted times, and those killed before their first passing
   * health check (failed to start, for the circuit breaker).
   */
  private readonly killedRevs: number[] = [];
  private readonly killedByRev: number[] = [];
  private readonly killedTimeByRev: number[] = [];
  private readonly killedNeverHealthyByRev: number[] = [];
  /**
   * With a timeline, the step's kill events whose tasks are failed tasks of the deployment
   * ({@link kill}), to be told when they trip the circuit breaker ({@link trippedByKills}).
   */
  private readonly countedKills: { event: number; rev: number; lead: string; one: boolean }[] = [];
  /** Task-seconds the step's killed tasks of the PRIMARY revision ran before their kill (deployment columns). */
  private killedPrimaryRunning = 0;
  private p50 = NaN;
  private p95 = NaN;
  private p99 = NaN;
  private groupServed = 0;
  private latencySum = 0;
  /** Whether any target is healthy in the step (else every arrival gets a 503). */
  private serving = false;
  /**
   * The step's requests for which the ALB chose a target (those that got a 503 for want of a
   * healthy one left out): what RequestCount and RequestCountPerTarget count.
   */
  private routed = 0;
  /** RUNNING and healthy task-seconds, CPU and memory utilization (percent) of the step. */
  private runningSec = 0;
  /**
   * The task-seconds the AWS/ECS service averages (cpuPct, memPct) count: runningSec, less the
   * draining tasks' without drainingTasksInServiceMetrics (sim/MODEL-AUDIT.md O9).
   */
  private serviceSec = 0;
  /** PlatformParams.drainingTasksInServiceMetrics. */
  private readonly drainingInServiceMetrics: boolean;
  private healthySec = 0;
  private cpuPct = 0;
  private memPct = 0;

  constructor(
    trace: Trace,
    candidate: Candidate,
    context: SimulationContext,
    options: SimulateOptions,
  ) {
    const record = options.record ?? true;
    const { service, platform, prices, slo } = context;
    const { task, scaling } = candidate;
    this.record = record;
    this.stop = options.stop ?? null;
    this.siblingRun = options.siblings ?? null;
    if (this.siblingRun !== null) {
      if (record) throw new RangeError("simulate: siblings need record: false");
      this.tally.siblings = new SiblingCosts(this.siblingRun.rates);
    }
    this.trace = trace;
    this.s = trace.stepSeconds;
    this.n = trace.requests.length;
    this.dataMinutes = traceDataMinutes(trace);
    const events = this.events;
    this.emit = record ? (e: ScalingEvent) => events.push(e) : null;

    const vcpus = vcpusOf(task);
    const memoryMiB = Number(task.memory);
    this.vcpus = vcpus;
    this.memoryMiB = memoryMiB;
    this.cpuSeconds = service.cpuMsPerRequest / 1000;
    this.idleFraction = service.idleCpuPercent / 100;
    const station = taskStation(vcpus, this.cpuSeconds, this.idleFraction);
    this.servers = station.servers;
    this.mu = station.mu;
    this.capacityRate = station.capacityRate;
    this.cv = service.serviceTimeCv;
    this.latencySeconds = service.latencyMs / 1000;
    this.poissonOom = platform.oomModel === "poisson";
    this.serviceFit = memoryFit(service.memoryMiB, memoryMiB, this.poissonOom);
    const changes = (candidate.deployments ?? []).flatMap((d) =>
      d.newRevision?.memoryMiB === undefined ? [] : [d.newRevision.memoryMiB],
    );
    this.perRevision = changes.length > 0;
    this.revisionMemory =
      (candidate.deployments ?? []).length > 0
        ? new RevisionMemory(service.memoryMiB, memoryMiB, this.poissonOom, this.serviceFit)
        : null;
    this.worstFit = this.perRevision
      ? memoryFit(
          {
            base: Math.max(service.memoryMiB.base, ...changes.map((c) => c.base ?? 0)),
            perInflightRequest: Math.max(
              service.memoryMiB.perInflightRequest,
              ...changes.map((c) => c.perInflightRequest ?? 0),
            ),
          },
          memoryMiB,
          this.poissonOom,
        )
      : this.serviceFit;
    this.someRevisionDies = this.worstFit.inflightThatFits === -Infinity;
    this.timePerRequest = 1 / this.mu + this.latencySeconds;
    this.maxBacklog = service.timeoutSeconds * this.capacityRate;
    this.oomReplacementDelaySeconds = platform.oomReplacementDelaySeconds;
    // (With deployments too: their waves count an unhealthy task as not healthy and leave it to
    // the replacement below, by its own revision; a deployment's failsHealthChecks tasks never
    // serve, and keep their own model, sim/deploy.ts `replaceFailing`.)
    this.checks = platform.overloadFailsHealthChecks;
    this.checkInterval = platform.healthCheckIntervalSeconds;
    this.checkTimeout = platform.healthCheckTimeoutSeconds;
    this.unhealthyThreshold = platform.unhealthyThresholdCount;
    this.healthyThreshold = platform.healthyThresholdCount;
    this.gracePeriod = platform.healthCheckGracePeriodSeconds;
    this.maximumPercent = platform.maximumPercent;
    this.lowestMaximumPercent = Math.min(
      platform.maximumPercent,
      ...(candidate.deployments ?? []).map((d) => d.maximumPercent),
    );
    this.slowStartSeconds = platform.slowStartSeconds;
    this.minBilled = prices.minimumBilledSeconds;
    this.costRate = taskCostPerSecond(task, prices);
    this.drainingInServiceMetrics = platform.drainingTasksInServiceMetrics;
    this.sloSeconds = slo.latencyP95Ms / 1000;
    this.errorLimit = slo.errorRatePercent / 100;

    // Simulated CloudWatch.
    const { stores, storeFor } = periodStores();
    this.scaler = new AutoScaler({
      policies: scaling.policies,
      task: { vcpus, memoryMiB },
      platform,
      storeFor,
      startMs: trace.startMs,
      stepSeconds: this.s,
      emit: this.emit,
    });
    this.storeList = [...stores.values()];
    this.evalGrid = this.scaler.periods.length > 0 ? Math.min(...this.scaler.periods) : 0;
    this.wholeGrid =
      this.evalGrid > 0 &&
      Number.isInteger(this.s) &&
      Number.isInteger(this.evalGrid) &&
      this.s % this.evalGrid === 0;
    this.firings =
      options.firings ??
      scheduleFirings(
        scaling.scheduledActions,
        trace.startMs,
        trace.startMs + this.n * this.s * 1000,
      );

    this.stable =
      !record && options.queueMemo
        ? options.queueMemo.table(
            this.servers,
            this.mu,
            this.cv,
            this.sloSeconds - this.latencySeconds,
            this.n,
          )
        : null;

    const checksUntilHealthy = secondsToHealthy(
      platform.healthCheckIntervalSeconds,
      platform.appStartSeconds,
      platform.newTargetHealthyChecks,
    );
    this.fleet = new Fleet(
      clampCapacity(
        scaling.DesiredCount ?? settledCount(trace, this.capacityRate),
        scaling.MinCapacity,
        scaling.MaxCapacity,
      ),
      scaling.MinCapacity,
      scaling.MaxCapacity,
      {
        costRate: this.costRate,
        minBilled: this.minBilled,
        schedulingDelaySeconds: platform.schedulingDelaySeconds,
        launchSeconds: platform.launchSeconds,
        fargateLaunchesPerSecond: platform.fargateLaunchesPerSecond,
        checksUntilHealthy,
        deregistrationDelaySeconds: platform.deregistrationDelaySeconds,
        drainingEndsWhenIdle: platform.drainingEndsWhenIdle,
        capacityRate: this.capacityRate,
        latencySeconds: this.latencySeconds,
        // (Only when some revision's base does not fit: otherwise no launch asks.)
        ...(this.someRevisionDies
          ? { diesAsItStarts: (rev: number) => this.diesAsItStarts(rev) }
          : {}),
      },
      this.tally,
      this.sums,
    );
    this.groups = this.fleet.groups;
    this.draining = this.fleet.draining;
    this.scaler.tasks = this.fleet;
    this.columns = record
      ? (Object.fromEntries(TIMELINE_COLUMNS.map((c) => [c, new Float64Array(this.n)])) as Record<
          TimelineColumn,
          Float64Array
        >)
      : null;
    const deployments = candidate.deployments ?? [];
    this.deployer =
      deployments.length > 0
        ? new Deployer(
            deployments,
            this.fleet,
            this.scaler,
            {
              healthCheckIntervalSeconds: platform.healthCheckIntervalSeconds,
              unhealthyThresholdCount: platform.unhealthyThresholdCount,
              deregistrationDelaySeconds: platform.deregistrationDelaySeconds,
              costRate: taskCostPerSecond(task, prices),
              memory: this.revisionMemory!,
            },
            this.tally,
            trace.startMs,
            this.emit,
          )
        : null;
    this.deploymentColumns =
      record && this.deployer !== null
        ? (Object.fromEntries(
            DEPLOYMENT_COLUMNS.map((c) => [c, new Float64Array(this.n)]),
          ) as Record<DeploymentColumn, Float64Array>)
        : null;
  }

  run(): SimulationResult {
    if (this.siblingRun !== null) return this.runSiblings(this.siblingRun);
    const pruned = this.stop === null ? this.steps(0, this.n) : this.stepsUntilPruned(this.stop);
    return this.result(pruned);
  }

  /**
   * Steps [from, to). (The loop has a method of its own: a loop inside a function that V8
   * compiles for its first call, on stack, and drops when that call returns, would start each
   * candidate in the interpreter again.)
   */
  private steps(from: number, to: number): null {
    for (let i = from; i < to; i++) this.step(i);
    return null;
  }

  /**
   * Steps to the end, or until the candidate can no longer matter to its sweep (sim/prune.ts):
   * checked every rule.everySteps steps, with its cost so far plus the tasks it is sure to pay
   * for until the end as the lower bound of its cost.
   */
  private stepsUntilPruned(stop: {
    readonly rule: StopRule;
    readonly id: number;
  }): PrunedAt | null {
    const every = stop.rule.everySteps;
    const n = this.n;
    const floorTasks = this.billedFloor(stop.rule.peakStepRequests);
    const tally = this.tally;
    for (let from = 0; from < n; from += every) {
      const to = Math.min(n, from + every);
      this.steps(from, to);
      if (to === n) break;
      const why = this.whyStop(stop.rule, stop.id, tally.totalCost, this.costRate, floorTasks, to);
      if (why !== null) return { step: to - 1, ...why };
    }
    return null;
  }

  /**
   * sim/prune.ts's test after the steps before `to`, for the candidate `id` that has spent
   * `spent` USD at `rate` USD per task-second and pays for at least `floorTasks` tasks until the
   * end (the same operations for a shared run's siblings, so the same decisions).
   */
  private whyStop(
    rule: StopRule,
    id: number,
    spent: number,
    rate: number,
    floorTasks: number,
    to: number,
  ): Pick<PrunedAt, "reason" | "dominatedBy" | "cheaperWithinSlo"> | null {
    const seconds = this.n * this.s;
    const ahead = floorTasks * rate * (seconds - to * this.s) * (1 - 1e-9);
    const tally = this.tally;
    return shouldStop(
      rule,
      id,
      monthlyCost(spent + ahead, seconds),
      tally.violationMinutes,
      tally.totalFailed,
    );
  }

  /**
   * A shared run (sim/siblings.ts): steps until every member is stopped (each checked with its
   * own cost and id, its Kpis taken when it stops) or the end, where the rest finish.
   */
  private runSiblings(run: SiblingRun): SimulationResult {
    const costs = this.tally.siblings!;
    const m = costs.rates.length;
    const out: (SiblingOutcome | null)[] = new Array<SiblingOutcome | null>(m).fill(null);
    const stop = this.stop;
    const n = this.n;
    if (stop === null) this.steps(0, n);
    else {
      const rule = stop.rule;
      const floorTasks = this.billedFloor(rule.peakStepRequests);
      let open = m;
      for (let from = 0; from < n && open > 0; from += rule.everySteps) {
        const to = Math.min(n, from + rule.everySteps);
        this.steps(from, to);
        if (to === n) break;
        for (let k = 0; k < m; k++) {
          if (out[k] !== null || run.stoppable?.[k] === false) continue;
          const spent = costs.totalCost[k]!;
          const rate = costs.rates[k]!;
          const why = this.whyStop(rule, run.ids[k]!, spent, rate, floorTasks, to);
          if (why === null) continue;
          const pruned: PrunedAt = { step: to - 1, ...why };
          out[k] = { kpis: this.kpisWith(spent, this.deployer?.kpisAt(n * this.s, rate)), pruned };
          open--;
        }
      }
      if (open === 0) return this.sharedResult(out as SiblingOutcome[]);
    }
    this.closeLastMinute();
    for (let k = 0; k < m; k++) {
      if (out[k] !== null) continue;
      const deployments = this.deployer?.kpisAt(n * this.s, costs.rates[k]!);
      out[k] = { kpis: this.kpisWith(costs.totalCost[k]!, deployments), pruned: null };
    }
    return this.sharedResult(out as SiblingOutcome[]);
  }

  private sharedResult(out: SiblingOutcome[]): SimulationResult {
    const first = out[0]!;
    return {
      kpis: first.kpis,
      timeline: null,
      events: this.events,
      pruned: first.pruned,
      siblings: out,
    };
  }

  /**
   * Tasks the candidate is sure to pay for at every moment until the trace's end (0 when that
   * cannot be shown), for pruning's lower bound on its cost.
   *
   * Without OOM kills, the healthy tasks never number fewer than the lowest MinCapacity the
   * candidate can have: the first tasks are healthy from the start, ECS stops tasks only down
   * to the desired count (the ones not yet healthy first), and healthy tasks are billed. Kills
   * cannot happen when those tasks alone serve the trace's busiest step below saturation
   * without a share of them running out of memory (no slow start: every healthy task takes its
   * full share). Cost: one queueing solve.
   */
  private billedFloor(peakStepRequests: number): number {
    let floor = this.fleet.min;
    for (const f of this.firings)
      if (f.MinCapacity !== undefined) floor = Math.min(floor, f.MinCapacity);
    // Less a margin for float dust (a group emptied to 1e-9 of a task is dropped).
    floor -= 1e-3;
    const worst = this.worstFit;
    if (!(floor > 0) || this.slowStartSeconds > 0 || worst.inflightThatFits === -Infinity) return 0;
    const lambda = peakStepRequests / (floor * this.s);
    if (!(lambda < MAX_STABLE_UTILIZATION * this.capacityRate)) return 0;
    // Below saturation a health check fails only when the mean wait passes its timeout (a slow
    // service); ECS then starts a replacement before stopping the task, unless maximumPercent
    // leaves no room, when the billed tasks dip below the floor until it is provisioned.
    if (this.checks && this.lowestMaximumPercent < 200) {
      const r = queueStep(this.servers, lambda, this.mu, this.cv, Infinity, false, this.qs);
      if (!(r.meanWait <= this.checkTimeout)) return 0;
    }
    if (worst.perInflightMiB > 0) {
      const r = queueStep(this.servers, lambda, this.mu, this.cv, Infinity, false, this.qs);
      const inflight = lambda * (r.meanWait + this.timePerRequest);
      const fits = this.poissonOom ? worst.negligibleInflight : worst.inflightThatFits;
      if (!(inflight <= fits)) return 0;
    }
    return floor;
  }

  /** One step, [t0, t1): the phases in order (see the module comment). */
  private step(i: number): void {
    const s = this.s;
    const t0 = i * s;
    const t1 = t0 + s;
    this.sums.reset(t0);
    this.tally.stepCost = 0;
    const requests = this.trace.requests[i] ?? 0;
    const firstEvent = this.events.length;

    this.scheduledActions(i, t0, t1);
    if (this.deployer !== null) this.deploy(i, t0);
    if (this.healthWatch) this.unhealthyTasks(i, t0);
    this.taskLifecycle(i, t0, t1);
    if (this.deployer !== null) this.splitTraffic(t0, t1);
    const launches = this.fleet.launches;
    this.route(t0, t1, requests);
    this.queue(i, t1);
    if (this.checks) this.healthCheckPass(i, t0, t1);
    this.outOfMemory(i, t0, t1);
    if (this.sums.rerouted > 0) this.reroute(t1);
    if (this.fleet.launches !== launches) this.replacementsStarted(i, t0, t1);
    this.drain(t0, t1);
    this.latency(requests);
    this.publishMetrics(t0, t1);
    const scaled = this.fleet.launches;
    this.scale(i, t0, t1);
    if (this.fleet.launches !== scaled && this.someRevisionDies) this.scaledOutDying(i, t0, t1);
    this.bill(t1);
    this.fleet.mergeCaughtUp(t1, this.slowStartSeconds, this.minBilled);
    this.account(i, requests);
    if (this.events.length - firstEvent > 1) inTimeOrder(this.events, firstEvent);
  }

  /** Scheduled actions due before the step ends take effect at their time. */
  private scheduledActions(i: number, t0: number, t1: number): void {
    const fleet = this.fleet;
    const firings = this.firings;
    while (this.nextFiring < firings.length) {
      const f = firings[this.nextFiring] as ScheduledFiring;
      const tau = (f.timeMs - this.trace.startMs) / 1000;
      if (tau >= t1) break;
      this.nextFiring++;
      const at = Math.max(tau, t0);
      fleet.markChange(at);
      if (f.MinCapacity !== undefined) fleet.min = f.MinCapacity;
      if (f.MaxCapacity !== undefined) fleet.max = f.MaxCapacity;
      if (fleet.min > fleet.max) fleet.max = fleet.min;
      const before = fleet.desired;
      fleet.desired = clampCapacity(fleet.desired, fleet.min, fleet.max);
      if (fleet.desired !== before) this.scaler.actions++;
      this.emit?.({
        kind: "scheduled-action",
        timeMs: f.timeMs,
        step: i,
        name: f.name,
        MinCapacity: fleet.min,
        MaxCapacity: fleet.max,
        reason: `${f.name}: MinCapacity ${fleet.min}, MaxCapacity ${fleet.max}${fleet.desired !== before ? `; desired ${before} → ${fleet.desired}` : ""}.`,
      });
      fleet.reconcile(at);
    }
  }

  /** ECS deployments: the one in progress starts and stops tasks at the step's start (sim/deploy.ts). */
  private deploy(i: number, t0: number): void {
    this.deployer!.step(i, t0);
  }

  /**
   * Listener weights (blue/green, linear, canary): the primary revision's healthy tasks take its
   * share of the requests and the others the rest, each split round robin (an ALB weighted
   * forward to two target groups); a revision without a healthy task leaves all to the other.
   */
  private splitTraffic(t0: number, t1: number): void {
    const w = this.deployer!.trafficShare(t0);
    if (Number.isNaN(w)) return;
    const primary = this.deployer!.primaryRev;
    const groups = this.groups;
    let hp = 0;
    let ho = 0;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      if (Number.isNaN(g.servingFrom) || g.count <= 0) continue;
      const h = g.count * (t1 - g.servingFrom) * g.weight;
      if (g.rev === primary) hp += h;
      else ho += h;
    }
    const all = hp + ho;
    if (!(hp > 1e-9 && ho > 1e-9)) return;
    const fp = (w * all) / hp;
    const fo = ((1 - w) * all) / ho;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      if (Number.isNaN(g.servingFrom)) continue;
      g.weight *= g.rev === primary ? fp : fo;
    }
  }

  /**
   * The task lifecycle: task-seconds by state within [t0, t1) (pending, RUNNING, idle until
   * healthy, draining), and who serves from when (healthy, ramped in by ALB slow start).
   */
  private taskLifecycle(i: number, t0: number, t1: number): void {
    const sums = this.sums;
    this.firstServing = t1;
    const groups = this.groups;
    const slowStartSeconds = this.slowStartSeconds;
    let unhealthy = false;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      const c = g.count;
      g.accountedStep = i;
      sums.pending += c * overlap(g.createdAt, g.runningAt, t0, t1);
      const run = c * overlap(g.runningAt, Infinity, t0, t1);
      sums.running += run;
      sums.registered += run;
      const idle = c * overlap(g.runningAt, g.healthyAt, t0, t1);
      sums.idleRunning += idle;
      sums.memory += idle * this.memoryOf(g.rev).baseMiB;
      if (g.healthyAt < t1) {
        if (!g.slowStartDecided) {
          // Slow start applies when another healthy target already takes traffic.
          g.slowStartDecided = true;
          if (slowStartSeconds > 0) {
            for (let o = 0; o < groups.length; o++) {
              const other = groups[o]!;
              if (other !== g && other.count > 0 && other.healthyAt < g.healthyAt) {
                g.slowStart = true;
                break;
              }
            }
          }
        }
        const from = Math.max(t0, g.healthyAt);
        g.servingFrom = from;
        if (g.unhealthy) {
          // The ALB routes nothing to an unhealthy target (but see failOpen); it works off its
          // queue.
          g.weight = 0;
          g.healthyWeight = 0;
          unhealthy = true;
          continue;
        }
        g.weight = g.slowStart
          ? slowStartIntegral(g.healthyAt, slowStartSeconds, from, t1) / (t1 - from)
          : 1;
        g.healthyWeight = g.weight;
        sums.healthy += c * (t1 - from) * g.weight;
        if (c > 0 && from < this.firstServing) this.firstServing = from;
      } else g.servingFrom = NaN;
    }
    if (unhealthy) this.failOpen(t0, t1);
    const draining = this.draining;
    for (let k = 0; k < draining.length; k++) {
      const d = draining[k]!;
      const dr = d.count * overlap(-Infinity, d.endsAt, t0, t1);
      sums.running += dr;
      sums.idleRunning += dr;
      sums.draining += dr;
    }
  }

  /**
   * Routing: the ALB splits the step's arrivals over the healthy targets, the same per unit of
   * slow-start weight (round robin; the fluid model treats least outstanding requests alike).
   * Requests that arrive while no target is healthy get a 503: all of them without one, else
   * those before the first target of the step turned healthy (arrivals are spread evenly over
   * the step).
   */
  private route(t0: number, t1: number, requests: number): void {
    const sums = this.sums;
    const healthy = sums.healthy > 1e-9;
    const uncovered = healthy ? (requests * (this.firstServing - t0)) / (t1 - t0) : requests;
    sums.failed += uncovered;
    this.routed = requests - uncovered;
    this.serving = healthy;
    this.perWeightSecond = healthy ? (requests - uncovered) / sums.healthy : 0;
  }

  /**
   * Queueing: each serving group is an M/M/c station (sim/queue.ts) fed at its share of the
   * arrivals: below the stable limit, its steady-state latency; saturated, or working off a
   * queue, it serves flat out, the rest waits, and a request that would wait longer than the
   * timeout fails.
   */
  private queue(i: number, t1: number): void {
    const groups = this.groups;
    const healthy = this.serving;
    const capacityRate = this.capacityRate;
    const latencySeconds = this.latencySeconds;
    const sloSeconds = this.sloSeconds;
    const qs = this.qs;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      g.groupServed = 0;
      if (!healthy || Number.isNaN(g.servingFrom)) continue;
      const window = t1 - g.servingFrom;
      const lambda = this.perWeightSecond * g.weight;
      const b0 = g.backlog;
      g.lambda = lambda;
      g.backlogStart = b0;
      if (b0 <= EMPTY_BACKLOG && lambda < MAX_STABLE_UTILIZATION * capacityRate) {
        // A stable M/M/c queue. A backlog of dust left by the step before (at most
        // EMPTY_BACKLOG per task: a saturated step's demand a hair over its capacity) is served
        // with the step's arrivals, not dropped, so that requests stay conserved.
        g.served = lambda * window + b0;
        g.timedOut = 0;
        g.backlog = 0;
        if (lambda > 0) {
          const r = this.stable
            ? this.stable.step(lambda, i, qs)
            : queueStep(
                this.servers,
                lambda,
                this.mu,
                this.cv,
                sloSeconds - latencySeconds,
                this.record,
                qs,
              );
          g.meanLatency = r.meanWait + this.timePerRequest;
          g.inflight0 = g.inflight1 = lambda * g.meanLatency;
          g.p95 = r.p95 + latencySeconds;
          g.p50 = r.p50 + latencySeconds;
          g.p99 = r.p99 + latencySeconds;
          g.slow = sloSeconds > latencySeconds ? r.exceedance : 1;
        } else {
          g.inflight0 = g.inflight1 = 0;
          g.p50 = g.p95 = g.p99 = NaN;
          g.slow = 0;
          g.meanLatency = 0;
        }
      } else {
        // Saturated, or working off a queue: the tasks serve at full speed, the rest waits; a
        // request that would wait longer than the timeout fails.
        const demand = b0 + lambda * window;
        const served = Math.min(demand, capacityRate * window);
        const next = demand - served;
        const timedOut = Math.max(0, next - this.maxBacklog);
        g.served = served;
        g.timedOut = timedOut;
        g.backlog = next - timedOut;
        const inService = window > 0 ? (served / window) * this.timePerRequest : 0;
        g.inflight0 = b0 + inService;
        g.inflight1 = g.backlog + inService;
        const wait = (b0 + g.backlog) / 2 / capacityRate;
        this.saturated ??= new SaturatedStation(
          this.servers,
          MAX_STABLE_UTILIZATION * capacityRate,
          this.mu,
          this.cv,
        );
        const r = this.saturated.step(sloSeconds - wait - latencySeconds, this.record, qs);
        g.p95 = wait + r.p95 + latencySeconds;
        g.p50 = wait + r.p50 + latencySeconds;
        g.p99 = wait + r.p99 + latencySeconds;
        g.slow = g.p95 > sloSeconds ? 1 : r.exceedance;
        g.meanLatency = wait + r.meanWait + this.timePerRequest;
      }
    }
  }

  /**
   * The groups whose health checks can fail or are failing this step (after {@link queue}): one
   * comparison per group for a task that is merely busy.
   */
  private healthCheckPass(i: number, t0: number, t1: number): void {
    if (!this.serving) return;
    const groups = this.groups;
    const limit = MAX_STABLE_UTILIZATION * this.capacityRate;
    // A queue a check waits longer than the timeout behind.
    const failingBacklog = this.checkTimeout * this.capacityRate;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      if (Number.isNaN(g.servingFrom)) continue;
      const watched = g.failedChecks > 0 || g.unhealthy;
      if (!(g.backlogStart <= EMPTY_BACKLOG && g.lambda < limit)) {
        // Saturated: the backlog moves linearly within the step, so a check can fail only if it
        // starts or ends above the failing backlog.
        if (watched || g.backlogStart > failingBacklog || g.backlog > failingBacklog) {
          this.healthChecks(i, g, t0, t1, 0, true);
        }
      } else {
        // Below saturation the queue's wait is the mean latency less a request's own time.
        const stableWait = g.lambda > 0 ? g.meanLatency - this.timePerRequest : 0;
        if (watched || stableWait > this.checkTimeout) {
          this.healthChecks(i, g, t0, t1, stableWait, false);
        }
      }
    }
  }

  /**
   * The ALB's health checks of a serving group in (t0, t1] (overloadFailsHealthChecks). The ALB
   * checks each target every HealthCheckIntervalSeconds from its registration (the grid its
   * first passing check is on); a check is an HTTP request, so it waits in the task's queue like
   * one and fails when no answer comes within HealthCheckTimeoutSeconds ("Health checks for
   * Application Load Balancer target groups", ELB user guide). Its wait is the queue ahead of it
   * (its own work, a trivial handler, is taken as nil): working off a backlog, the requests
   * queued at its time over the task's full rate (FIFO: the backlog moves linearly within the
   * step, capped by the timeout); below saturation, the M/M/c mean wait (`stableWait`). A mean
   * rather than a percentile: past saturation the backlog is the wait and the M/M/c spread around
   * it is milliseconds; below it, a 5-s wait needs a service time near a second, where the mean is
   * what a check sees on average (and a merely busy task passes). UnhealthyThresholdCount failures
   * in a row make the target unhealthy: the ALB stops routing to it from the next step;
   * HealthyThresholdCount passes in a row bring it back. ECS replaces an unhealthy task
   * ({@link unhealthyTasks}) once healthCheckGracePeriodSeconds have passed since it started.
   */
  private healthChecks(
    i: number,
    g: TaskGroup,
    t0: number,
    t1: number,
    stableWait: number,
    saturated: boolean,
  ): void {
    const interval = this.checkInterval;
    const from = g.servingFrom;
    // The check grid: from the target's registration (its first passing check, healthyAt, is on
    // it); the tasks running when the trace starts, from 0. The check at `from` itself is the
    // one that made a new target healthy (or belongs to the step before).
    const phase = g.healthyAt > -Infinity ? g.healthyAt : 0;
    let tau = phase + interval * (Math.floor((from - phase) / interval + 1e-9) + 1);
    const cap = this.capacityRate;
    for (; tau <= t1 + 1e-9; tau += interval) {
      const wait = saturated
        ? Math.min(this.maxBacklog, Math.max(0, g.backlogStart + (g.lambda - cap) * (tau - from))) /
          cap
        : stableWait;
      if (wait > this.checkTimeout) {
        g.passedChecks = 0;
        g.failedChecks++;
        if (!g.unhealthy && g.failedChecks >= this.unhealthyThreshold) {
          g.unhealthy = true;
          this.healthWatch = true;
          this.emit?.({
            kind: "target-unhealthy",
            timeMs: this.trace.startMs + tau * 1000,
            step: i,
            tasks: g.count,
            reason: `${round2(g.count)} task(s) failed ${g.failedChecks} health checks in a row: a check waits about ${wait.toFixed(1)} s in the queue, over the ${this.checkTimeout}-s HealthCheckTimeoutSeconds; the ALB stops routing to them (unless no target is healthy: fail open).`,
          });
        }
      } else {
        g.failedChecks = 0;
        if (g.unhealthy && ++g.passedChecks >= this.healthyThreshold) {
          g.unhealthy = false;
          g.passedChecks = 0;
          this.emit?.({
            kind: "target-healthy",
            timeMs: this.trace.startMs + tau * 1000,
            step: i,
            tasks: g.count,
            reason: `${round2(g.count)} task(s) passed ${this.healthyThreshold} health checks in a row (HealthyThresholdCount): healthy again, the ALB routes to them.`,
          });
        }
      }
    }
  }

  /**
   * Every healthy-looking target gone, the ALB fails open: "If a target group contains only
   * unhealthy registered targets, the load balancer routes requests to all those targets,
   * regardless of their health status" (ELB user guide, target group health checks). The
   * unhealthy tasks take the step's requests until the first healthy target serves (all of it
   * when none does); RequestCountPerTarget then divides by them, as AWS divides by the registered
   * targets when none is healthy (sim/MODEL-AUDIT.md O7).
   */
  private failOpen(t0: number, t1: number): void {
    const healthyFrom = this.firstServing;
    if (!(healthyFrom > t0)) return;
    const sums = this.sums;
    const groups = this.groups;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      if (!g.unhealthy || Number.isNaN(g.servingFrom) || g.count <= 0) continue;
      const from = g.servingFrom;
      if (!(healthyFrom > from)) continue;
      g.weight = (healthyFrom - from) / (t1 - from);
      g.healthyWeight = g.weight;
      sums.healthy += g.count * (healthyFrom - from);
      if (from < this.firstServing) this.firstServing = from;
    }
  }

  /**
   * ECS and the unhealthy tasks, at the step's start: a task ECS replaced is deregistered (it
   * drains with its queue for the deregistration delay, as any stopped task: "Amazon ECS
   * deregisters it and stops the task", ECS developer guide, service throttle logic) once its
   * replacement is healthy; an unhealthy task past healthCheckGracePeriodSeconds is replaced.
   * Since October 2023 "Amazon ECS will first start a healthy replacement for each unhealthy
   * task … and wait until the replacement becomes healthy, before terminating an old task",
   * as many at once as maximumPercent allows (What's New, 2023-10-23, "Amazon ECS enhances
   * applications resiliency during unpredictable load spikes"); past that, "the scheduler stops
   * the unhealthy tasks one-by-one … to clear up capacity to launch replacement tasks" (ECS API
   * DeploymentConfiguration.minimumHealthyPercent): those stop at once here.
   */
  private unhealthyTasks(i: number, t0: number): void {
    const fleet = this.fleet;
    const groups = this.groups;
    let watch = false;
    let stopped = false;
    const n = groups.length;
    for (let k = 0; k < n; k++) {
      const g = groups[k]!;
      if (!Number.isNaN(g.stopAt)) {
        if (g.stopAt <= t0) {
          if (g.count > 0) {
            this.deployer?.stoppedUnhealthy(g.count, g.rev);
            fleet.deregister(g, g.count, g.stopAt);
          }
          stopped = true;
        } else watch = true;
      } else if (g.unhealthy && g.count > COUNT_TOLERANCE) {
        watch = true;
        if (t0 >= g.runningAt + this.gracePeriod)
          stopped = this.replaceUnhealthy(i, g, t0) || stopped;
      }
    }
    if (stopped) this.sums.failed += fleet.removeEmptyGroups();
    this.deployer?.settleFailures(i, t0);
    let still = watch;
    if (!still) for (let k = 0; k < groups.length && !still; k++) still = groups[k]!.unhealthy;
    this.healthWatch = still;
  }

  /**
   * ECS replaces the unhealthy tasks of `g` at tau; returns whether some stopped at once. While
   * a deployment runs (sim/deploy.ts), the replacements run the unhealthy tasks' own revision
   * (What's New, Nov 2025: "ECS now replaces unhealthy or terminated tasks using the same service
   * revision they belong to"), under a rolling update's maximumPercent, the ceiling its waves
   * start new tasks under too; tasks of the revision being deployed that stop count as its
   * failed tasks, for the circuit breaker ({@link Deployer.stoppedUnhealthy}).
   */
  private replaceUnhealthy(i: number, g: TaskGroup, tau: number): boolean {
    const fleet = this.fleet;
    const c = g.count;
    const deployer = fleet.deployment !== null ? this.deployer : null;
    const limits = deployer?.replacementLimits();
    const percent = limits?.maximumPercent ?? this.serviceMaximumPercent();
    // (Outside deployments draining tasks do not count against maximumPercent: the model as it
    // was, D4's reading being a deployment's.)
    const room = deployer?.replacementRoom() ?? fleet.roomUnder(percent, false);
    const first = Math.min(c, room);
    const stopNow = c - first < COUNT_TOLERANCE ? 0 : c - first;
    if (
      limits !== undefined &&
      stopNow > 0 &&
      fleet.runningCount(tau) - stopNow < limits.minimumRunning - COUNT_TOLERANCE
    ) {
      // No room to start their replacements first, and stopping them would leave fewer tasks
      // RUNNING than minimumHealthyPercent: they keep running, unhealthy, until there is.
      return false;
    }
    if (stopNow > 0) {
      deployer?.stoppedUnhealthy(stopNow, g.rev);
      fleet.deregister(g, stopNow, tau);
    }
    g.stopAt = Infinity; // out of inService, so that reconcile starts its replacement
    let launched: boolean;
    if (deployer !== null) {
      g.stopAt = deployer.launchReplacement(c, tau, g.rev).healthyAt;
      launched = true;
    } else {
      const launches = fleet.launches;
      fleet.reconcile(tau);
      launched = fleet.launches !== launches;
      if (launched) g.stopAt = fleet.groups[fleet.groups.length - 1]!.healthyAt;
    }
    if (!launched && g.count > 0) fleet.deregister(g, g.count, tau); // nothing to wait for
    this.emit?.({
      kind: "unhealthy-task-replaced",
      timeMs: this.trace.startMs + tau * 1000,
      step: i,
      tasks: c,
      reason: launched
        ? `ECS replaces ${round2(c)} unhealthy task(s)${deployer !== null ? ` of revision ${g.rev} with tasks of that revision (a deployment runs)` : ""}: ${stopNow > 0 ? `${round2(stopNow)} stop at once (maximumPercent ${percent} leaves no room), ` : ""}${round2(first)} keep running until the replacements are healthy (the ALB routes to them only while no target is healthy), then drain.`
        : `ECS stops ${round2(c)} unhealthy task(s): the desired count is met without them.`,
    });
    return stopNow > 0 || !launched;
  }

  /** The service's maximumPercent outside deployments: the last deployment's, else the platform's. */
  private serviceMaximumPercent(): number {
    const last = this.deployer?.serviceMaximumPercent ?? NaN;
    return Number.isNaN(last) ? this.maximumPercent : last;
  }

  /** The memory of revision `rev`'s tasks: the service's, or with {@link perRevision} the revision's own. */
  private memoryOf(rev: number): MemoryFit {
    return this.perRevision ? this.revisionMemory!.of(rev) : this.serviceFit;
  }

  /**
   * Memory and OOM, group by group: the share over the limit dies when the limit is reached
   * inside the step; its queued and in-flight requests fail, the requests on their way to it go
   * to the other targets, and ECS replaces it at once (it had reached RUNNING, so the service
   * throttle does not apply).
   */
  private outOfMemory(i: number, t0: number, t1: number): void {
    const sums = this.sums;
    const groups = this.groups;
    const servingNow = sums.healthy > 1e-9;
    this.killedInStep = 0;
    this.killedTimeSum = 0;
    this.killedPrimaryRunning = 0;
    const groupCount = groups.length;
    for (let k = 0; k < groupCount; k++) {
      const g = groups[k]!;
      const serving = servingNow && !Number.isNaN(g.servingFrom);
      const c = g.count;
      const m = this.memoryOf(g.rev);
      const baseMiB = m.baseMiB;
      const perInflightMiB = m.perInflightMiB;
      const fits = m.inflightThatFits;
      if (serving) {
        g.groupServed = c * g.served;
        sums.served += g.groupServed;
        sums.failed += c * g.timedOut;
        sums.memory +=
          c * (t1 - g.servingFrom) * (baseMiB + (perInflightMiB * (g.inflight0 + g.inflight1)) / 2);
      }
      // Not serving yet: base memory only, which fits unless the base alone does not.
      if (!(g.runningAt < t1) || c <= 0) continue;
      const peak = serving ? Math.max(g.inflight0, g.inflight1) : 0;
      const share =
        fits === -Infinity
          ? 1
          : !serving || perInflightMiB <= 0
            ? 0
            : this.poissonOom
              ? peak <= m.negligibleInflight
                ? 0
                : peak > m.certainInflight
                  ? 1
                  : tasksOverMemory(peak, baseMiB, perInflightMiB, this.memoryMiB)
              : peak > fits
                ? 1
                : 0;
      if (!(share > (this.poissonOom ? OOM_NEGLIGIBLE_SHARE : 0))) continue;
      this.kill(i, g, share, peak, serving, t0, t1);
    }
    if (this.killedInStep > 0) this.replaceKills(i, this.killedInStep, this.killedTimeSum);
  }

  /**
   * ECS replaces `killed` tasks killed at a count-weighted time sum of `timeSum`: one replacement
   * group (per revision while a deployment runs), started at their mean time.
   */
  private replaceKills(i: number, killed: number, timeSum: number): void {
    if (this.fleet.deployment !== null) this.replaceKilled(i);
    else this.fleet.reconcile(timeSum / killed, this.oomReplacementDelaySeconds);
  }

  /**
   * ECS replaces the step's killed tasks while a deployment runs: each revision's by tasks of
   * that revision ("ECS now replaces unhealthy or terminated tasks using the same service
   * revision they belong to", What's New, Nov 2025), under the ceiling the replacement of
   * unhealthy tasks goes by (sim/deploy.ts `Deployer.replaceKilled`); the new revision's tasks
   * that died before their first passing health check are failed tasks for the circuit breaker
   * (D11). Before, they went through the deployment's reconcile, which started the new revision
   * in their place and moved a rolling update along for nothing (sim/MODEL-AUDIT.md D14).
   */
  private replaceKilled(i: number): void {
    const revs = this.killedRevs;
    const deployer = this.deployer!;
    for (let k = 0; k < revs.length; k++) {
      const killed = this.killedByRev[k]!;
      const rev = revs[k]!;
      const counted = deployer.countsFailedTasks(rev);
      deployer.replaceKilled(
        i,
        killed,
        this.killedTimeByRev[k]! / killed,
        rev,
        this.oomReplacementDelaySeconds,
        this.killedNeverHealthyByRev[k]!,
      );
      if (counted && !deployer.countsFailedTasks(rev) && this.countedKills.length > 0) {
        this.trippedByKills(rev);
      }
    }
    this.countedKills.length = 0;
    while (revs.length > 0) {
      revs.pop();
      this.killedByRev.pop();
      this.killedTimeByRev.pop();
      this.killedNeverHealthyByRev.pop();
    }
  }

  /** Kills `share` of group `g` at the moment its memory passes the limit in [t0, t1). */
  private kill(
    i: number,
    g: TaskGroup,
    share: number,
    peak: number,
    serving: boolean,
    t0: number,
    t1: number,
  ): void {
    const sums = this.sums;
    const m = this.memoryOf(g.rev);
    const fits = m.inflightThatFits;
    const c = g.count;
    // When: the base alone does not fit → as it starts, at its runningAt (it never serves: its
    // healthyAt is ∞, sim/fleet.ts `launch`); the mean crosses the limit inside the window →
    // then; already over → at the window's start; a Poisson share with the mean below the limit
    // → the window's middle (a model choice).
    const start = serving ? g.servingFrom : Math.max(t0, g.runningAt);
    const window = t1 - start;
    let tau: number;
    if (fits === -Infinity || g.inflight0 >= fits) tau = start;
    else if (g.inflight1 > fits) {
      tau = start + (window * (fits - g.inflight0)) / (g.inflight1 - g.inflight0);
    } else tau = start + window / 2;
    // (A remainder below a millionth of a task is float dust: the whole group dies.)
    const killed = c - share * c < COUNT_TOLERANCE ? c : share * c;
    const before = tau - start;
    const after = t1 - tau;
    // Take the killed tasks' seconds after tau back out of the step's sums (a group started after
    // the step's metrics, by a scale-out, is not in them: sim/engine.ts `scaledOutDying`).
    if (g.accountedStep === i) {
      const ranAfter = killed * overlap(g.runningAt, Infinity, tau, t1);
      sums.running -= ranAfter;
      sums.registered -= ranAfter;
      const idleAfter = killed * overlap(g.runningAt, g.healthyAt, tau, t1);
      sums.idleRunning -= idleAfter;
      sums.memory -= idleAfter * m.baseMiB;
    }
    if (serving) {
      const f = window > 0 ? before / window : 0;
      // (By the weight the healthy sum took: a deployment's listener weights move traffic, not
      // healthy targets.)
      sums.healthy -= killed * after * g.healthyWeight;
      // Per killed task: what it had by tau, and what was lost with it.
      const arrived = g.backlogStart + g.lambda * before;
      const timedOut = g.timedOut * f;
      const servedBy = Math.min(g.served * f, Math.max(0, arrived - timedOut));
      const queued = arrived - timedOut - servedBy;
      const inflight = g.inflight0 + (g.inflight1 - g.inflight0) * f;
      const lostInService = Math.min(servedBy, Math.max(0, inflight - queued));
      // Replace their full-step figures with these.
      const servedChange = killed * (servedBy - lostInService - g.served);
      sums.served += servedChange;
      g.groupServed += servedChange;
      sums.failed += killed * (timedOut + queued + lostInService - g.timedOut);
      sums.memory -=
        killed * after * (m.baseMiB + (m.perInflightMiB * (g.inflight0 + g.inflight1)) / 2);
      sums.rerouted += killed * g.lambda * after;
    }
    this.fleet.chargeStop(g, killed, tau);
    g.count -= killed;
    this.tally.oomKills += killed;
    this.killedInStep += killed;
    this.killedTimeSum += killed * tau;
    if (this.deployer !== null && g.rev === this.deployer.primaryRev) {
      this.killedPrimaryRunning += killed * overlap(g.runningAt, tau, t0, t1);
    }
    // Killed before its first passing health check (failed to start, for the circuit breaker):
    // in the model only a task whose base memory does not fit, which dies as it starts and
    // never passes one (its healthyAt is ∞); a task that takes requests, and so grows its
    // memory, has passed one.
    const failedToStart = !(g.healthyAt <= tau);
    if (this.fleet.deployment !== null) {
      const neverHealthy = failedToStart ? killed : 0;
      const k = this.killedRevs.indexOf(g.rev);
      if (k < 0) {
        this.killedRevs.push(g.rev);
        this.killedByRev.push(killed);
        this.killedTimeByRev.push(killed * tau);
        this.killedNeverHealthyByRev.push(neverHealthy);
      } else {
        this.killedByRev[k] = this.killedByRev[k]! + killed;
        this.killedTimeByRev[k] = this.killedTimeByRev[k]! + killed * tau;
        this.killedNeverHealthyByRev[k] = this.killedNeverHealthyByRev[k]! + neverHealthy;
      }
    }
    if (this.emit === null) return;
    // What ECS does about them (the words for one task dying as it starts, or for several).
    const one = fits === -Infinity;
    const them = one ? "it" : "them";
    const deployer = this.fleet.deployment !== null ? this.deployer : null;
    const counted = failedToStart && deployer !== null && deployer.countsFailedTasks(g.rev);
    const replaced =
      deployer === null
        ? `ECS replaces ${them} at once`
        : deployer.abandons(g.rev)
          ? `ECS does not start revision ${g.rev} again (a rollback away from it runs): the rollback's waves start revision ${deployer.primaryRev} in ${one ? "its" : "their"} place`
          : `ECS replaces ${them} at once with tasks of its revision ${g.rev} (a deployment runs)${
              counted ? `; ${failedTasksClause(one, deployer.breakerOn)}` : ""
            }`;
    const lead =
      fits === -Infinity
        ? `${round2(killed)} task(s) need ${m.baseMiB} MiB before any request, over the task's ${this.memoryMiB} MiB: each dies as it starts`
        : `${round2(killed)} task(s) (${(100 * share).toFixed(1)} % of ${round2(c)}) passed the task's ${this.memoryMiB} MiB with about ${Math.round(peak)} requests in flight (${Math.floor(fits)} fit; ${this.poissonOom ? "Poisson" : "mean task"}); their queued and in-flight requests fail`;
    this.emit({
      kind: "oom-kill",
      timeMs: this.trace.startMs + tau * 1000,
      step: i,
      tasks: killed,
      reason: `${lead}; ${replaced}.`,
    });
    if (counted) this.countedKills.push({ event: this.events.length - 1, rev: g.rev, lead, one });
  }

  /**
   * The step's kill events of revision `rev` whose failed tasks tripped the circuit breaker
   * ({@link replaceKilled}) say so, in place of the replacement by their own revision they would
   * have had: the deployment is FAILED and rolls back (ECS starts no task of the failed revision
   * again), or without rollback launches no new tasks.
   */
  private trippedByKills(rev: number): void {
    const deployer = this.deployer!;
    const rolledBack = deployer.abandons(rev);
    for (const k of this.countedKills) {
      if (k.rev !== rev) continue;
      const what = rolledBack
        ? `the deployment is FAILED and ECS rolls back to revision ${deployer.primaryRev}, starting no task of revision ${rev} again`
        : `the deployment is FAILED and launches no new tasks (ECS does not replace ${k.one ? "it" : "them"}); revision ${deployer.primaryRev}'s tasks keep serving`;
      const e = this.events[k.event]!;
      this.events[k.event] = {
        ...e,
        reason: `${k.lead}; never having passed a health check, ${k.one ? "each is" : "they are"} a failed task of revision ${rev}, and the circuit breaker trips at its threshold: ${what}.`,
      };
    }
  }

  /**
   * The task lifecycle of groups started inside the step (replacements): pending, then RUNNING
   * (and billed) from their time on; they take traffic from the next step. Those that die as
   * they start and reach RUNNING within the step die then ({@link killDyingAtStart}), and so
   * do their replacements that reach RUNNING within it.
   */
  private replacementsStarted(i: number, t0: number, t1: number): void {
    const sums = this.sums;
    const groups = this.groups;
    do {
      for (let k = 0; k < groups.length; k++) {
        const g = groups[k]!;
        if (g.accountedStep === i) continue;
        g.accountedStep = i;
        g.servingFrom = NaN;
        sums.pending += g.count * overlap(g.createdAt, g.runningAt, t0, t1);
        const run = g.count * overlap(g.runningAt, Infinity, t0, t1);
        sums.running += run;
        sums.registered += run;
        sums.idleRunning += run;
        sums.memory += run * this.memoryOf(g.rev).baseMiB;
      }
    } while (this.someRevisionDies && this.killDyingAtStart(i, t0, t1));
  }

  /**
   * Groups a scale-out started in the step (after its metrics, so in none of its sums) that die
   * as they start and reach RUNNING within it: they die then, as do their replacements that
   * reach RUNNING within the step. (Their pending and RUNNING seconds are left out of the step's
   * metrics, as those of every task a scale-out starts: they count from the next step.)
   */
  private scaledOutDying(i: number, t0: number, t1: number): void {
    while (this.killDyingAtStart(i, t0, t1));
  }

  /** Whether a task of revision `rev` dies as it starts: its base memory alone does not fit. */
  private diesAsItStarts(rev: number): boolean {
    return this.memoryOf(rev).inflightThatFits === -Infinity;
  }

  /**
   * Kills, at its runningAt, every group that dies as it starts (its revision's base memory
   * does not fit) and reaches RUNNING within the step, and has ECS replace them as it replaces
   * any killed task. Returns whether replacements started (which may die within the step too).
   * A group whose launch takes no time (runningAt = createdAt: no scheduling delay, launch time
   * or replacement delay) is left to the next step's {@link outOfMemory}, so that a crash loop
   * with no delay in it kills once a step rather than without end.
   */
  private killDyingAtStart(i: number, t0: number, t1: number): boolean {
    const groups = this.groups;
    const killedBefore = this.killedInStep;
    const timeBefore = this.killedTimeSum;
    const n = groups.length;
    for (let k = 0; k < n; k++) {
      const g = groups[k]!;
      if (!(g.count > 0 && g.runningAt < t1 && g.runningAt > g.createdAt)) continue;
      if (!this.diesAsItStarts(g.rev)) continue;
      this.kill(i, g, 1, 0, false, t0, t1);
    }
    const killed = this.killedInStep - killedBefore;
    if (!(killed > 0)) return false;
    const launches = this.fleet.launches;
    this.replaceKills(i, killed, this.killedTimeSum - timeBefore);
    this.sums.failed += this.fleet.removeEmptyGroups();
    return this.fleet.launches !== launches;
  }

  /**
   * Requests on their way to killed tasks go to the targets still healthy: served with their
   * spare capacity after the kills, queued there past it (failed past the timeout), failed when
   * no target is left.
   */
  private reroute(t1: number): void {
    const sums = this.sums;
    const groups = this.groups;
    const killedAt = this.killedTimeSum / this.killedInStep;
    let room = 0;
    let survivors = 0;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      g.spare = 0;
      if (Number.isNaN(g.servingFrom) || g.count <= 0 || (g.unhealthy && g.weight <= 0)) continue;
      survivors += g.count;
      if (g.backlog > EMPTY_BACKLOG) continue; // already flat out
      const after = t1 - Math.max(killedAt, g.servingFrom);
      g.spare = g.count * Math.max(0, this.capacityRate - g.lambda) * Math.max(0, after);
      room += g.spare;
    }
    let left = sums.rerouted;
    if (room > 0) {
      const taken = Math.min(left, room);
      for (let k = 0; k < groups.length; k++) {
        const g = groups[k]!;
        if (!(g.spare > 0)) continue;
        const share = (taken * g.spare) / room;
        sums.served += share;
        g.groupServed += share;
      }
      left -= taken;
    }
    if (left > 0 && survivors > COUNT_TOLERANCE) {
      const each = left / survivors;
      for (let k = 0; k < groups.length; k++) {
        const g = groups[k]!;
        if (Number.isNaN(g.servingFrom) || g.count <= 0 || (g.unhealthy && g.weight <= 0)) continue;
        const queued = Math.min(this.maxBacklog, g.backlog + each);
        sums.failed += g.count * (g.backlog + each - queued);
        g.backlog = queued;
      }
    } else if (left > 0) {
      // No target is left to take them: the ALB chooses none (a 503), so RequestCount skips them.
      sums.failed += left;
      this.routed -= left;
    }
  }

  /** Draining tasks finish their queue at full speed and take no new requests. */
  private drain(t0: number, t1: number): void {
    const sums = this.sums;
    const draining = this.draining;
    let ended = false;
    for (let k = 0; k < draining.length; k++) {
      const d = draining[k]!;
      const left = overlap(-Infinity, d.endsAt, t0, t1);
      const memory = d.count * left * this.memoryOf(d.rev).baseMiB;
      sums.memory += memory;
      sums.drainingMemory += memory;
      if (d.backlog > 0) {
        const work = Math.min(d.backlog, this.capacityRate * left);
        sums.served += d.count * work;
        sums.drainingServed += d.count * work;
        if ((d.backlog - work) / 2 / this.capacityRate + this.timePerRequest > this.sloSeconds) {
          sums.slow += d.count * work;
        }
        d.backlog -= work;
      }
      if (d.endsAt <= t1) {
        sums.failed += d.count * d.backlog; // cut off when the deregistration delay ends
        d.backlog = 0;
        this.fleet.chargeStop(d, d.count, d.endsAt);
        d.count = 0;
        ended = true;
      }
    }
    if (ended) sums.failed += removeEmpty(draining);
    if (this.killedInStep > 0) sums.failed += this.fleet.removeEmptyGroups();
  }

  /**
   * The step's latency percentiles: one serving group gives its own; several, the value of the
   * slowest groups that hold the percentile's tail (an approximation; the SLO's slow share is
   * exact, a weighted sum).
   */
  private latency(requests: number): void {
    const sums = this.sums;
    const groups = this.groups;
    let groupServed = 0;
    let latencySum = 0;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      if (g.groupServed > 0) {
        groupServed += g.groupServed;
        sums.slow += g.groupServed * g.slow;
        latencySum += g.groupServed * g.meanLatency;
      }
    }
    this.groupServed = groupServed;
    this.latencySum = latencySum;
    this.p50 = this.p95 = this.p99 = NaN;
    if (groupServed > 0) {
      // (One group, the common case, gives its own; no call.)
      this.p95 = groups.length === 1 ? groups[0]!.p95 : mixedQuantile(groups, groupServed, 0.95, 1);
      if (this.record) {
        this.p50 = mixedQuantile(groups, groupServed, 0.5, 0);
        this.p99 = mixedQuantile(groups, groupServed, 0.99, 2);
      }
    }
    // No request, no latency (NaN: requests no target took), also when all a group served is a
    // backlog's dust (at most EMPTY_BACKLOG a task, served in the stable branch with no
    // arrivals, so with no quantile of its own).
    if (requests <= 0 && Number.isNaN(this.p95)) this.p50 = this.p95 = this.p99 = 0;
  }

  /**
   * Metrics publication: the step's CPU (request work plus every running task's idle CPU) and
   * memory utilization, as AWS/ECS averages them over the RUNNING task-seconds (draining tasks
   * included, or left out with their work and memory: drainingTasksInServiceMetrics), and the
   * step's quantities added to the simulated CloudWatch periods (sim/metrics.ts), which close
   * into datapoints that the alarms see after the publication delay.
   */
  private publishMetrics(t0: number, t1: number): void {
    const sums = this.sums;
    const served = sums.served;
    const runningSec = Math.max(0, sums.running);
    const vcpus = this.vcpus;
    const cpuVcpuSec = served * this.cpuSeconds + this.idleFraction * vcpus * runningSec;
    this.runningSec = runningSec;
    let serviceSec = runningSec;
    let serviceCpu = cpuVcpuSec;
    let serviceMemory = sums.memory;
    if (!this.drainingInServiceMetrics) {
      serviceSec = Math.max(0, sums.running - sums.draining);
      serviceCpu =
        (served - sums.drainingServed) * this.cpuSeconds + this.idleFraction * vcpus * serviceSec;
      serviceMemory = sums.memory - sums.drainingMemory;
    }
    this.serviceSec = serviceSec;
    this.cpuPct = serviceSec > 0 ? Math.min(100, (100 * serviceCpu) / (vcpus * serviceSec)) : 0;
    this.memPct = serviceSec > 0 ? (100 * serviceMemory) / (this.memoryMiB * serviceSec) : 0;
    const healthySec = Math.max(0, sums.healthy);
    this.healthySec = healthySec;

    const q = this.q;
    // ALB's RequestCount "is only incremented for requests where the load balancer node was
    // able to choose a target. Requests that are rejected before a target is chosen are not
    // reflected in this metric" (ELB user guide, Application Load Balancer CloudWatch metrics);
    // RequestCountPerTarget divides it by the healthy targets.
    q[Q.requests] = this.routed;
    q[Q.served] = served;
    q[Q.failed] = sums.failed;
    q[Q.healthyTaskSeconds] = healthySec;
    q[Q.registeredTaskSeconds] = Math.max(0, sums.registered);
    q[Q.runningTaskSeconds] = runningSec;
    q[Q.cpuVcpuSeconds] = cpuVcpuSec;
    q[Q.memoryMiBSeconds] = sums.memory;
    q[Q.serviceTaskSeconds] = serviceSec;
    q[Q.serviceCpuVcpuSeconds] = serviceCpu;
    q[Q.serviceMemoryMiBSeconds] = serviceMemory;
    // TargetResponseTime: the mean latency of the groups' requests (draining tasks' left out).
    q[Q.latencyMsTimesServed] =
      this.groupServed > 0 ? (1000 * this.latencySum * served) / this.groupServed : 0;
    // Desired task-seconds as they stand before this step's evaluations.
    q[Q.desiredTaskSeconds] = sums.desired + this.fleet.desired * (t1 - sums.changedAt);
    q[Q.pendingTaskSeconds] = sums.pending;
    const stores = this.storeList;
    for (let k = 0; k < stores.length; k++) stores[k]!.add(q, t0, t1);
  }

  /**
   * Scaling decisions: the policies' alarm evaluations due in (t0, t1] (Application Auto
   * Scaling, sim/autoscaling.ts); a new desired count acts at once (ECS launches or stops tasks).
   */
  private scale(i: number, t0: number, t1: number): void {
    const grid = this.evalGrid;
    const fleet = this.fleet;
    if (this.wholeGrid) {
      // The loop below in whole numbers: t0 = i·s is a multiple of the grid, so its first
      // time, ⌊t0 / grid + 1 + 10⁻⁹⌋ · grid, is t0 + grid exactly, and its last is t1. With one
      // policy the grid is its period, so evaluateOnGrid need not check that it is due.
      for (let tau = t0 + grid; tau <= t1; tau += grid) {
        const next = this.scaler.evaluateOnGrid(tau, i, fleet.desired, fleet.min, fleet.max);
        if (next !== fleet.desired) this.rescale(next, tau, t1);
      }
    } else if (grid > 0) {
      for (let tau = Math.floor(t0 / grid + 1 + 1e-9) * grid; tau <= t1 + 1e-9; tau += grid) {
        const next = this.scaler.evaluate(tau, i, fleet.desired, fleet.min, fleet.max);
        if (next !== fleet.desired) this.rescale(next, tau, t1);
      }
    }
    fleet.markChange(t1);
  }

  /** A new desired count at tau (in the step that ends at t1): ECS launches or stops tasks. */
  private rescale(next: number, tau: number, t1: number): void {
    const fleet = this.fleet;
    fleet.markChange(Math.min(tau, t1));
    fleet.desired = next;
    fleet.reconcile(tau);
  }

  /** Billing: every group and draining task up to the step's end. */
  private bill(t1: number): void {
    const fleet = this.fleet;
    const groups = this.groups;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      fleet.charge(g, g.count, t1);
      g.billedUntil = t1;
    }
    const draining = this.draining;
    for (let k = 0; k < draining.length; k++) {
      const d = draining[k]!;
      fleet.charge(d, d.count, t1);
      d.billedUntil = t1;
    }
  }

  /** Accounting: the step's Kpi tallies, its SLO minute, and its timeline row. */
  private account(i: number, requests: number): void {
    const runningSec = this.runningSec;
    const healthySec = this.healthySec;
    const cpuPct = this.cpuPct;
    const memPct = this.memPct;
    const tally = this.tally;
    const sums = this.sums;
    const s = this.s;
    const served = sums.served;
    // Read after the evaluations: requests on tasks a scale-in stopped fail.
    const failed = sums.failed;
    const slowShare = served > 0 ? Math.min(1, sums.slow / served) : requests > 0 ? 1 : 0;
    const stepCost = tally.stepCost;
    tally.totalCost += stepCost;
    if (tally.siblings !== null) tally.siblings.endStep();
    tally.totalRequests += requests;
    tally.totalFailed += failed;
    const runningCount = Math.max(0, sums.registered) / s;
    tally.maxTasks = Math.max(tally.maxTasks, runningCount);
    tally.minTasks = Math.min(tally.minTasks, runningCount);
    tally.taskSecondsSum += runningSec;
    if (this.serviceSec > 0) {
      tally.cpuSum += cpuPct;
      tally.cpuSteps++;
      tally.peakCpu = Math.max(tally.peakCpu, cpuPct);
      tally.peakMemory = Math.max(tally.peakMemory, memPct);
      this.cpuHistogram[
        Math.min(CPU_HISTOGRAM_BINS, Math.floor((cpuPct / 100) * CPU_HISTOGRAM_BINS))
      ]! += 1;
    }
    const p95 = this.p95;
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
    const t1 = (i + 1) * s;
    let closeWeight = 0;
    if (s >= 60) {
      closeWeight = s / 60;
    } else if (Math.floor(t1 / 60 + 1e-9) > this.minuteIndex) {
      this.minuteIndex = Math.floor(t1 / 60 + 1e-9);
      closeWeight = 1;
    }
    if (closeWeight > 0) {
      if (
        breaksSlo(
          tally.minuteRequests,
          tally.minuteFailed,
          tally.minuteServed,
          tally.minuteSlow,
          this.errorLimit,
        )
      ) {
        tally.violationMinutes += closeWeight;
      }
      tally.minuteRequests = tally.minuteFailed = tally.minuteServed = tally.minuteSlow = 0;
    }

    if (this.deployer !== null) this.accountDeployment(i, requests, failed, stepCost, runningCount);

    const columns = this.columns;
    if (columns) {
      // The requests still queued (only the timeline shows them).
      let backlogAfter = 0;
      const groups = this.groups;
      for (let k = 0; k < groups.length; k++) backlogAfter += groups[k]!.count * groups[k]!.backlog;
      const draining = this.draining;
      for (let k = 0; k < draining.length; k++) {
        backlogAfter += draining[k]!.count * draining[k]!.backlog;
      }
      columns.requests[i] = requests;
      columns.servedRequests[i] = served;
      columns.failedRequests[i] = failed;
      columns.backlog[i] = backlogAfter;
      columns.desiredCount[i] = sums.desired / s;
      columns.runningCount[i] = runningCount;
      columns.healthyCount[i] = healthySec / s;
      columns.drainingCount[i] = sums.draining / s;
      columns.pendingCount[i] = sums.pending / s;
      columns.minCapacity[i] = sums.min / s;
      columns.maxCapacity[i] = sums.max / s;
      columns.cpuUtilization[i] = cpuPct;
      columns.memoryUtilization[i] = memPct;
      columns.requestCountPerTarget[i] = healthySec > 1e-9 ? (requests / healthySec) * 60 : 0;
      columns.latencyP50Ms[i] = this.p50 * 1000;
      columns.latencyP95Ms[i] = p95 * 1000;
      columns.latencyP99Ms[i] = this.p99 * 1000;
      columns.costUsd[i] = stepCost;
    }
  }

  /** A deployment's window tallies, and the timeline's columns of each revision. */
  private accountDeployment(
    i: number,
    requests: number,
    failed: number,
    stepCost: number,
    runningCount: number,
  ): void {
    const s = this.s;
    const t0 = i * s;
    const t1 = t0 + s;
    const deployer = this.deployer!;
    const primary = deployer.primaryRev;
    const columns = this.deploymentColumns;
    if (columns) {
      // (The step's killed tasks ran until their kill; they are no longer in their group.)
      let running = this.killedPrimaryRunning;
      let served = 0;
      let primaryServed = 0;
      for (const g of this.groups) {
        served += g.groupServed;
        if (g.rev !== primary) continue;
        running += g.count * overlap(g.runningAt, Infinity, t0, t1);
        primaryServed += g.groupServed;
      }
      columns.primaryRunningCount[i] = Math.min(runningCount, running / s);
      columns.activeRunningCount[i] = Math.max(0, runningCount - running / s);
      columns.primaryTrafficPercent[i] = served > 0 ? (100 * primaryServed) / served : NaN;
    }
    const sums = this.sums;
    deployer.account(
      t1,
      Math.max(0, sums.pending + sums.running),
      sums.desired,
      stepCost,
      requests,
      failed,
    );
  }

  private result(pruned: PrunedAt | null): SimulationResult {
    if (pruned === null) this.closeLastMinute();
    const deployer = this.deployer;
    if (deployer !== null) deployer.finish(this.n * this.s);
    const kpis = this.kpisWith(this.tally.totalCost, deployer !== null ? deployer.kpis : undefined);
    const columns = this.columns;
    const timeline: Timeline | null = columns
      ? {
          startMs: this.trace.startMs,
          stepSeconds: this.s,
          length: this.n,
          ...columns,
          ...(this.deploymentColumns ? { deployment: this.deploymentColumns } : {}),
        }
      : null;
    return { kpis, timeline, events: this.events, pruned };
  }

  /** A run to the end: the last minute of a trace of sub-minute steps counts when it breaks the SLO. */
  private closeLastMinute(): void {
    const tally = this.tally;
    const s = this.s;
    const n = this.n;
    if (
      s < 60 &&
      tally.minuteRequests > 0 &&
      breaksSlo(
        tally.minuteRequests,
        tally.minuteFailed,
        tally.minuteServed,
        tally.minuteSlow,
        this.errorLimit,
      )
    ) {
      tally.violationMinutes += (n * s - this.minuteIndex * 60) / 60;
    }
  }

  /** The Kpis so far, with this cost and these deployments (absent without deployments). */
  private kpisWith(costUsd: number, deployments: readonly DeploymentKpis[] | undefined): Kpis {
    const tally = this.tally;
    const s = this.s;
    const n = this.n;
    // CPU headroom: 100 − p99 of per-step CPU, from the histogram.
    let seen = 0;
    let p99Cpu = 0;
    for (let b = 0; b <= CPU_HISTOGRAM_BINS; b++) {
      seen += this.cpuHistogram[b] ?? 0;
      if (seen >= 0.99 * tally.cpuSteps) {
        p99Cpu = (b / CPU_HISTOGRAM_BINS) * 100;
        break;
      }
    }
    const seconds = n * s;
    const kpis: Kpis = {
      costUsd,
      monthlyCostUsd: monthlyCost(costUsd, seconds),
      sloViolationMinutes: tally.violationMinutes,
      minutes: seconds / 60,
      dataMinutes: this.dataMinutes,
      totalRequests: tally.totalRequests,
      failedRequests: tally.totalFailed,
      errorRatePercent:
        tally.totalRequests > 0 ? (100 * tally.totalFailed) / tally.totalRequests : 0,
      meanP95LatencyMs: tally.p95Weight > 0 ? (1000 * tally.p95Weighted) / tally.p95Weight : 0,
      worstP95LatencyMs: tally.worstP95 * 1000,
      maxTasks: tally.maxTasks,
      minTasks: Number.isFinite(tally.minTasks) ? tally.minTasks : 0,
      meanTasks: seconds > 0 ? tally.taskSecondsSum / seconds : 0,
      maxDesiredCount: Number.isFinite(tally.minDesired) ? tally.maxDesired : this.fleet.desired,
      minDesiredCount: Number.isFinite(tally.minDesired) ? tally.minDesired : this.fleet.desired,
      scalingActions: this.scaler.actions,
      peakCpuUtilization: tally.peakCpu,
      meanCpuUtilization: tally.cpuSteps > 0 ? tally.cpuSum / tally.cpuSteps : 0,
      peakMemoryUtilization: tally.peakMemory,
      cpuHeadroomPercent: 100 - p99Cpu,
      oomKills: tally.oomKills,
      ...(deployments !== undefined ? { deployments } : {}),
    };
    return kpis;
  }
}

/**
 * Puts `events[from..]` (one step's) in time order, in place: a stable insertion sort, so events
 * at the same time keep the order the phases emitted them in (a kill before its replacement's
 * words, a scale-out before the kills of the tasks it started). A step's phases emit in phase
 * order, not time order: a health check late in the step before a kill early in it, the kills of
 * tasks a scale-out started (which die as they start) after the scale-out's later evaluations.
 * Called at the step's end, after the circuit breaker has rewritten its kill events by index
 * (`trippedByKills`). Cost: linear when already in order, as nearly every step is.
 */
export function inTimeOrder(events: ScalingEvent[], from: number): void {
  for (let k = from + 1; k < events.length; k++) {
    const e = events[k]!;
    let j = k - 1;
    if (!(events[j]!.timeMs > e.timeMs)) continue;
    while (j >= from && events[j]!.timeMs > e.timeMs) {
      events[j + 1] = events[j]!;
      j--;
    }
    events[j + 1] = e;
  }
}

/**
 * The desired count when the config gives none: enough tasks to serve the mean rate of the
 * trace's first DESIRED_COUNT_DEFAULTS.settledWindowSeconds (ten minutes) at
 * DESIRED_COUNT_DEFAULTS.settledUtilization (50 % CPU), as a service that has been running
 * would have (a model choice: starting at MinCapacity would overload most services).
 */
export function settledCount(trace: Trace, perTaskRate: number): number {
  const { settledWindowSeconds, settledUtilization } = DESIRED_COUNT_DEFAULTS;
  const steps = Math.max(
    1,
    Math.min(trace.requests.length, Math.round(settledWindowSeconds / trace.stepSeconds)),
  );
  let sum = 0;
  for (let i = 0; i < steps; i++) sum += trace.requests[i] ?? 0;
  const rate = sum / (steps * trace.stepSeconds);
  return Math.ceil(rate / (perTaskRate * settledUtilization));
}

/**
 * A percentile of the step's latency over several groups: walking the groups from the slowest
 * (by this percentile) down, the value of the one at which their share of the served requests
 * reaches the percentile's tail (1 − p). Exact for one group; for several, it lies between the
 * groups' own values. `which`: 0 p50, 1 p95, 2 p99.
 */
function mixedQuantile(
  groups: readonly TaskGroup[],
  total: number,
  p: number,
  which: 0 | 1 | 2,
): number {
  if (groups.length === 1) {
    const g = groups[0]!;
    return which === 0 ? g.p50 : which === 1 ? g.p95 : g.p99;
  }
  const tail = (1 - p) * total;
  let best = NaN;
  for (const g of groups) {
    if (!(g.groupServed > 0)) continue;
    const v = which === 0 ? g.p50 : which === 1 ? g.p95 : g.p99;
    if (!(v <= best) && !Number.isNaN(v)) {
      // The requests of groups at least this slow.
      let atLeast = 0;
      for (const o of groups) {
        if (!(o.groupServed > 0)) continue;
        const w = which === 0 ? o.p50 : which === 1 ? o.p95 : o.p99;
        if (w >= v) atLeast += o.groupServed;
      }
      if (atLeast >= tail) best = v;
    }
  }
  return best;
}

/** What a kill of tasks that never passed a health check is to the deployment (`one`: each of them dies as it starts). */
function failedTasksClause(one: boolean, breakerOn: boolean): string {
  return `never having passed a health check, ${one ? "each is" : "they are"} a failed task ${breakerOn ? "for the circuit breaker" : "of the deployment (its circuit breaker is off)"}`;
}

function round2(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
