/**
 * The service's tasks, as ECS runs them for the simulator (sim/engine.ts): groups of tasks that
 * launch together and stay alike (their count an expected value, fractional after an OOM share),
 * the draining ones, the scalable target's MinCapacity, MaxCapacity and desired count, and the
 * Fargate bill.
 *
 * - Launch: a new desired count starts a group after the scheduling delay and the Fargate launch
 *   throttle (sim/rules.ts); it is billed from provisioning, RUNNING after `launchSeconds`,
 *   healthy at its first passing health check (never, when its revision's base memory does not
 *   fit: it dies as it starts, at its runningAt).
 * - Stop: a lower desired count stops tasks that are not yet healthy first (newest first, billed
 *   at least the one-minute minimum), then deregisters healthy ones, which drain with their
 *   queue for the deregistration delay, billed.
 * - Merge: groups that have caught up with each other (same queue, fully ramped in, past the
 *   billing minimum) become one, so the common case is a single group.
 *
 * - Revisions: every group belongs to a service revision (`rev`, 0 before any deployment). An
 *   ECS deployment (sim/deploy.ts) starts groups of its revision and stops the older ones; while
 *   it runs ({@link Fleet.deployment}), it decides what a scale-out or a replacement starts.
 *
 * (sim/engine.ts drives it step by step.)
 */
import { launchThrottleSeconds, maximumTasks } from "./rules.js";
import type { StepSums, Tally } from "./tally.js";

/** Backlog per task below which a group counts as empty. */
export const EMPTY_BACKLOG = 1e-9;
/** Tasks below which a difference between desired and running tasks is float noise, not a task. */
export const COUNT_TOLERANCE = 1e-6;
/**
 * Groups of serving tasks kept apart at most; past it the two with the closest queues merge
 * (their queue per task averaged). Partial OOM kills under a lasting overload would otherwise
 * add a group at every step.
 */
const MAX_SERVING_GROUPS = 8;

/**
 * Tasks launched together (or, the first group, running when the trace starts). Identical from
 * then on; they leave the group when stopped (scale-in), drained, or killed (OOM).
 */
export class TaskGroup {
  // Every number field starts as a double (NaN), so that V8 stores them as doubles from the
  // first group on, rather than changing their layout (and dropping optimized code) later.
  /** Tasks in the group (an expected value: fractional after an OOM share). */
  count = NaN;
  /** When ECS decided to start it (−∞: before the trace). */
  createdAt = NaN;
  /** Billing starts when Fargate starts provisioning (−∞: before the trace). */
  billedFrom = NaN;
  /** Time up to which the group's cost has been charged. */
  billedUntil = NaN;
  runningAt = NaN;
  healthyAt = NaN;
  /** Ramped in by ALB slow start from healthyAt (decided when it becomes healthy). */
  slowStart = false;
  /** Whether slowStart has been decided. */
  slowStartDecided = false;
  /** Requests queued per task, at the end of the last step. */
  backlog = NaN;
  /** The last step whose task-seconds include this group. */
  accountedStep = -1;
  /** The same at the start of this step (scratch). */
  backlogStart = NaN;
  /** The service revision its tasks run (0: the one running when the trace starts). */
  rev = NaN;
  /** Its tasks never pass the ALB health check (a deployment's `failsHealthChecks`). */
  failing = false;
  /**
   * ALB health checks of a serving group (overloadFailsHealthChecks; sim/engine.ts
   * `healthChecks`): the failed checks in a row, and, while the ALB holds its tasks unhealthy,
   * the passed ones in a row that bring them back (HealthyThresholdCount).
   */
  failedChecks = 0;
  passedChecks = 0;
  /** The ALB holds its tasks unhealthy: it routes nothing to them unless every target is (fail open). */
  unhealthy = false;
  /**
   * ECS is replacing its tasks (unhealthy): a replacement started, and they are deregistered
   * (to drain) at this time, when the replacement is healthy; NaN otherwise. Such a group is
   * out of {@link Fleet.inService}: the replacement stands for it.
   */
  stopAt = NaN;
  /**
   * ECS started it to replace unhealthy tasks of its revision (sim/engine.ts `replaceUnhealthy`
   * during a deployment): a rolling update's wave leaves it alone while it launches, as it leaves
   * the unhealthy tasks it stands for (sim/deploy.ts).
   */
  replacement = false;

  // This step's figures (scratch, per task unless said otherwise).
  /** Start of serving in this step (NaN: not serving). */
  servingFrom = NaN;
  /** Mean traffic weight while serving in this step (slow start ramps it from 0 to 1). */
  weight = NaN;
  /**
   * The same before a deployment's listener weights scale it (sim/engine.ts `splitTraffic`):
   * what its serving time counts with in the step's healthy task-seconds, which a kill takes back.
   */
  healthyWeight = NaN;
  /** Requests arriving per task per second while serving in this step. */
  lambda = NaN;
  /** Spare capacity in requests after this step's kills (scratch). */
  spare = NaN;
  /** Requests in flight per task at the start and the end of the serving window. */
  inflight0 = NaN;
  inflight1 = NaN;
  /** Requests served and timed out per task over the serving window. */
  served = NaN;
  timedOut = NaN;
  /** Requests served by the whole group this step, and their latency (seconds) and slow share. */
  groupServed = NaN;
  p50 = NaN;
  p95 = NaN;
  p99 = NaN;
  slow = NaN;
  /** Mean latency of its requests this step, seconds. */
  meanLatency = NaN;

  /**
   * (Re)starts the group: the fleet reuses groups that emptied, so that a service restarting
   * tasks at every step (an OOM crash loop) allocates nothing.
   */
  init(
    count: number,
    createdAt: number,
    billedFrom: number,
    runningAt: number,
    healthyAt: number,
    initial: boolean,
    rev = 0,
  ): this {
    this.rev = rev;
    this.failing = false;
    this.failedChecks = 0;
    this.passedChecks = 0;
    this.unhealthy = false;
    this.stopAt = NaN;
    this.replacement = false;
    this.count = count;
    this.createdAt = createdAt;
    this.billedFrom = billedFrom;
    this.billedUntil = initial ? 0 : -Infinity;
    this.runningAt = runningAt;
    this.healthyAt = healthyAt;
    this.slowStart = false;
    this.slowStartDecided = initial;
    this.backlog = 0;
    this.backlogStart = 0;
    this.accountedStep = -1;
    this.servingFrom = NaN;
    this.weight = 1;
    this.healthyWeight = 1;
    this.groupServed = 0;
    return this;
  }
}

/** Deregistered tasks, still RUNNING (and billed) until their deregistration delay ends. */
export class DrainGroup {
  count: number;
  readonly billedFrom: number;
  billedUntil: number;
  readonly endsAt: number;
  /** Requests still queued per task: the task finishes them while draining. */
  backlog: number;
  /** The service revision its tasks ran. */
  readonly rev: number;

  constructor(
    count: number,
    billedFrom: number,
    billedUntil: number,
    endsAt: number,
    backlog: number,
    rev = 0,
  ) {
    this.rev = rev;
    this.count = count;
    this.billedFrom = billedFrom;
    this.billedUntil = billedUntil;
    this.endsAt = endsAt;
    this.backlog = backlog;
  }
}

/** The fixed facts {@link Fleet} needs. */
export interface FleetParams {
  readonly costRate: number;
  readonly minBilled: number;
  readonly schedulingDelaySeconds: number;
  readonly launchSeconds: number;
  readonly fargateLaunchesPerSecond: number;
  readonly checksUntilHealthy: number;
  readonly deregistrationDelaySeconds: number;
  readonly drainingEndsWhenIdle: boolean;
  readonly capacityRate: number;
  readonly latencySeconds: number;
  /**
   * Whether a task of revision `rev` dies as it starts (its base memory alone does not fit in
   * the task, sim/memory.ts): its group never passes a health check (healthyAt ∞), and the
   * simulator kills it at its runningAt (sim/engine.ts `killDyingAtStart`). None when absent.
   */
  readonly diesAsItStarts?: (rev: number) => boolean;
}

/**
 * The service's tasks as ECS runs them: the scalable target's bounds and desired count, the
 * groups launching and serving, the draining ones, and their billing. A class rather than
 * closures of `simulate`: its methods run at every step of every candidate of a sweep, and
 * fresh closures per call made V8 throw away simulate's optimized code ("wrong call target").
 */
export class Fleet {
  /** Launching and serving groups, oldest first. */
  readonly groups: TaskGroup[];
  readonly draining: DrainGroup[] = [];

  constructor(
    public desired: number,
    public min: number,
    public max: number,
    private readonly params: FleetParams,
    private readonly tally: Tally,
    private readonly sums: StepSums,
  ) {
    this.groups = [new TaskGroup().init(desired, -Infinity, -Infinity, -Infinity, -Infinity, true)];
  }

  /** Groups that emptied, for reuse. */
  private readonly spareGroups: TaskGroup[] = [];
  /** Groups launched so far (to tell whether a phase started any). */
  launches = 0;

  /** Removes the groups left without tasks (keeping them for reuse); returns the requests they still held, which fail. */
  removeEmptyGroups(): number {
    const groups = this.groups;
    let kept = 0;
    let dropped = 0;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      if (g.count > COUNT_TOLERANCE) groups[kept++] = g;
      else {
        if (g.count > 0) dropped += g.count * g.backlog;
        if (this.spareGroups.length < 16) this.spareGroups.push(g);
      }
    }
    truncate(groups, kept);
    return dropped;
  }

  /** Charges `count` tasks of a group up to `until` (seconds), from where it was charged. */
  charge(g: TaskGroup | DrainGroup, count: number, until: number): void {
    const from = Math.max(g.billedUntil, g.billedFrom);
    if (until > from) {
      this.tally.stepCost += count * this.params.costRate * (until - from);
      if (this.tally.siblings !== null) this.tally.siblings.charge(count, until - from);
    }
  }

  /** Charges `count` tasks stopping at `tau`: to tau, at least the one-minute minimum in all. */
  chargeStop(g: TaskGroup | DrainGroup, count: number, tau: number): void {
    if (!(tau > g.billedFrom)) return; // never provisioned: not billed
    this.charge(g, count, tau);
    const lived = tau - g.billedFrom;
    const minBilled = this.params.minBilled;
    if (lived < minBilled) {
      this.tally.stepCost += count * this.params.costRate * (minBilled - lived);
      if (this.tally.siblings !== null) this.tally.siblings.charge(count, minBilled - lived);
    }
  }

  /**
   * Stops `count` tasks of `g` at tau without draining (tasks not yet healthy, or never): billed
   * at least the one-minute minimum; the requests they queued fail.
   */
  stop(g: TaskGroup, count: number, tau: number): void {
    this.chargeStop(g, count, tau);
    this.sums.failed += count * g.backlog;
    g.count -= count;
  }

  /**
   * Tasks launching or serving (draining ones are no longer in service, nor unhealthy ones ECS
   * is replacing: their replacements are).
   */
  inService(): number {
    let total = 0;
    const groups = this.groups;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      if (Number.isNaN(g.stopAt)) total += g.count;
    }
    return total;
  }

  /** Tasks RUNNING or PENDING in groups (what maximumPercent caps), unhealthy ones included. */
  upCount(): number {
    let total = 0;
    const groups = this.groups;
    for (let k = 0; k < groups.length; k++) total += groups[k]!.count;
    return total;
  }

  /**
   * The ceiling under which ECS starts tasks beside the ones it will stop: the RUNNING or PENDING
   * tasks maximumPercent allows at the desired count ("rounded down", ECS API
   * DeploymentConfiguration; sim/rules.ts `maximumTasks`), less the draining tasks when they
   * count against it (`countsDraining`: a deployment's DEPLOYMENT_DEFAULTS
   * .maximumPercentCountsDraining, sim/MODEL-AUDIT.md D4). A rolling update's waves start new
   * tasks under it, and ECS's replacement of unhealthy or killed tasks starts replacements under
   * it, during a rolling update (sim/deploy.ts) and outside deployments (sim/engine.ts
   * `replaceUnhealthy`) alike.
   */
  ceiling(maximumPercent: number, countsDraining: boolean): number {
    let max = maximumTasks(this.desired, maximumPercent);
    if (countsDraining) for (const g of this.draining) max -= g.count;
    return max;
  }

  /** Tasks that can start at once under {@link ceiling}: it, less the tasks RUNNING or PENDING (unhealthy ones included); 0 at least. */
  roomUnder(maximumPercent: number, countsDraining: boolean): number {
    return Math.max(0, this.ceiling(maximumPercent, countsDraining) - this.upCount());
  }

  /**
   * ECS's running count at tau: the tasks RUNNING then, as the expected value the groups' counts
   * are (fractional after an OOM share), not rounded. AWS counts whole tasks at the moment of
   * the scaling action; the model knows only their expectation, and the capacity formulas round
   * their result up as AWS does (sim/rules.ts `targetTrackingCapacity`; step scaling's result
   * alike), so a crash loop's 0.4 of a task asks for one when its metric is high (rounded to
   * the nearest task, it counted as none and asked for nothing: sim/MODEL-AUDIT.md C8). The
   * timeline's runningCount is the same expectation, averaged over the step. Draining tasks are
   * not counted: ECS deregisters a task while it is DEACTIVATING, past RUNNING (ECS developer
   * guide, task lifecycle); unhealthy tasks ECS is replacing are (they are RUNNING).
   */
  runningCount(tau: number): number {
    let total = 0;
    const groups = this.groups;
    for (let k = 0; k < groups.length; k++) {
      const g = groups[k]!;
      if (g.runningAt <= tau) total += g.count;
    }
    return total < COUNT_TOLERANCE ? 0 : total;
  }

  /** The revision new tasks run outside deployments (the last one completed). */
  currentRev = 0;
  /**
   * The deployment in progress (sim/deploy.ts), or null: while there is one, it decides what a
   * new desired count or a killed task starts, and nothing is stopped but by it.
   */
  deployment: { reconcile(tau: number, extraDelay: number): void } | null = null;

  /** Starts `count` tasks of revision `rev` at tau (after `extraDelay` and the usual delays). */
  launch(count: number, tau: number, rev: number, extraDelay = 0): TaskGroup {
    const p = this.params;
    const throttle = launchThrottleSeconds(count, p.fargateLaunchesPerSecond);
    const billedFrom = tau + extraDelay + p.schedulingDelaySeconds + throttle;
    const runningAt = billedFrom + p.launchSeconds;
    // A task that dies as it starts never passes a health check.
    const healthyAt =
      p.diesAsItStarts !== undefined && p.diesAsItStarts(rev)
        ? Infinity
        : runningAt + p.checksUntilHealthy;
    const g = this.spareGroups.pop() ?? new TaskGroup();
    this.launches++;
    this.groups.push(g.init(count, tau, billedFrom, runningAt, healthyAt, false, rev));
    return g;
  }

  /**
   * Stops up to `count` tasks of the revisions other than `keepRev` at tau, oldest group first:
   * those not yet healthy at once (billed at least the minimum), registered ones deregistered to
   * drain. `registeredCount` of them at most may be registered ones. With `spareReplacing`, the
   * tasks ECS is replacing because they are unhealthy, and their replacements still launching,
   * are left to that replacement ({@link isReplacing}). Returns the tasks stopped.
   */
  stopOtherRevisions(
    count: number,
    registeredCount: number,
    tau: number,
    keepRev: number,
    spareReplacing: boolean,
  ): number {
    const groups = this.groups;
    let left = count;
    for (let k = 0; k < groups.length && left > COUNT_TOLERANCE; k++) {
      const g = groups[k]!;
      if (g.rev === keepRev || g.healthyAt <= tau || g.count <= 0) continue;
      if (spareReplacing && isReplacing(g, tau)) continue;
      const stop = Math.min(left, g.count);
      this.stop(g, stop, tau);
      left -= stop;
    }
    let healthyLeft = Math.min(left, registeredCount);
    for (let k = 0; k < groups.length && healthyLeft > COUNT_TOLERANCE; k++) {
      const g = groups[k]!;
      if (g.rev === keepRev || g.healthyAt > tau || g.count <= 0) continue;
      if (spareReplacing && isReplacing(g, tau)) continue;
      const stop = Math.min(healthyLeft, g.count);
      this.deregister(g, stop, tau);
      healthyLeft -= stop;
      left -= stop;
    }
    this.sums.failed += this.removeEmptyGroups();
    return count - left;
  }

  /** Deregisters `stop` healthy tasks of `g` at tau: they drain (billed) with their queue. */
  deregister(g: TaskGroup, stop: number, tau: number): void {
    const p = this.params;
    this.charge(g, stop, tau);
    const drainSeconds = p.drainingEndsWhenIdle
      ? Math.min(p.deregistrationDelaySeconds, g.backlog / p.capacityRate + p.latencySeconds + 1)
      : p.deregistrationDelaySeconds;
    this.draining.push(
      new DrainGroup(
        stop,
        g.billedFrom,
        Math.max(tau, g.billedUntil),
        tau + drainSeconds,
        g.backlog,
        g.rev,
      ),
    );
    g.count -= stop;
  }

  /** Brings the task set to `desired` at time tau (seconds), as the ECS scheduler would. */
  reconcile(tau: number, extraDelay = 0): void {
    const groups = this.groups;
    if (this.deployment !== null) {
      this.deployment.reconcile(tau, extraDelay);
      return;
    }
    const have = this.inService();
    if (this.desired > have + COUNT_TOLERANCE) {
      this.launch(this.desired - have, tau, this.currentRev, extraDelay);
      return;
    }
    let surplus = have - this.desired;
    // Not-yet-healthy tasks stop first (newest first), billed at least the minimum.
    for (let k = groups.length - 1; k >= 0 && surplus > COUNT_TOLERANCE; k--) {
      const g = groups[k] as TaskGroup;
      if (g.healthyAt <= tau || !Number.isNaN(g.stopAt)) continue;
      const stop = Math.min(surplus, g.count);
      // (A group that turned healthy later in this step already queued requests in the step's
      // traffic, computed before its evaluations: stopped, they fail.)
      this.stop(g, stop, tau);
      surplus -= stop;
    }
    // Then healthy ones, newest first: deregistered, they drain (billed) with their queue.
    for (let k = groups.length - 1; k >= 0 && surplus > COUNT_TOLERANCE; k--) {
      const g = groups[k] as TaskGroup;
      if (g.healthyAt > tau || g.count <= 0 || !Number.isNaN(g.stopAt)) continue;
      const stop = Math.min(surplus, g.count);
      this.deregister(g, stop, tau);
      surplus -= stop;
    }
    this.sums.failed += this.removeEmptyGroups();
  }

  /**
   * Merges serving groups that have caught up with each other: fully ramped in, past the
   * one-minute billing minimum (so their provisioning times no longer matter), and with the
   * same queue per task. Keeps the common case at one group; past {@link MAX_SERVING_GROUPS}
   * such groups, the two with the closest queues merge (their queue averaged).
   */
  mergeCaughtUp(t1: number, slowStartSeconds: number, minBilled: number): void {
    const groups = this.groups;
    if (groups.length < 2) return;
    let caught = 0;
    for (let k = 0; k < groups.length; k++) {
      if (caughtUp(groups[k]!, t1, slowStartSeconds, minBilled)) caught++;
    }
    if (caught < 2) return;
    let merged = false;
    for (let a = 0; a < groups.length; a++) {
      const ga = groups[a]!;
      if (!caughtUp(ga, t1, slowStartSeconds, minBilled)) continue;
      for (let b = a + 1; b < groups.length; b++) {
        const gb = groups[b]!;
        if (!caughtUp(gb, t1, slowStartSeconds, minBilled) || gb.rev !== ga.rev) continue;
        const scale = Math.max(1, ga.backlog, gb.backlog);
        if (Math.abs(ga.backlog - gb.backlog) > 1e-9 * scale) continue;
        mergeInto(ga, gb);
        caught--;
        merged = true;
      }
    }
    // (Merged groups have no tasks left: nothing is dropped.)
    if (merged) this.removeEmptyGroups();
    while (caught > MAX_SERVING_GROUPS) {
      let best = Infinity;
      let ia = -1;
      let ib = -1;
      for (let a = 0; a < groups.length; a++) {
        const ga = groups[a]!;
        if (!caughtUp(ga, t1, slowStartSeconds, minBilled)) continue;
        for (let b = a + 1; b < groups.length; b++) {
          const gb = groups[b]!;
          if (!caughtUp(gb, t1, slowStartSeconds, minBilled) || gb.rev !== ga.rev) continue;
          const gap = Math.abs(ga.backlog - gb.backlog);
          if (gap < best) {
            best = gap;
            ia = a;
            ib = b;
          }
        }
      }
      if (ia < 0) break; // (only groups of different revisions left)
      mergeInto(groups[ia]!, groups[ib]!);
      caught--;
      this.removeEmptyGroups();
    }
  }

  /** Moves desired, MinCapacity or MaxCapacity at tau, keeping the step's time-weighted sums. */
  markChange(tau: number): void {
    const sums = this.sums;
    const dt = tau - sums.changedAt;
    if (dt > 0) {
      const tally = this.tally;
      if (this.desired > tally.maxDesired) tally.maxDesired = this.desired;
      if (this.desired < tally.minDesired) tally.minDesired = this.desired;
      sums.desired += this.desired * dt;
      sums.min += this.min * dt;
      sums.max += this.max * dt;
      sums.changedAt = tau;
    }
  }
}

/**
 * Whether ECS's replacement of unhealthy tasks has `g` in hand at tau: unhealthy (to be
 * replaced once healthCheckGracePeriodSeconds have passed), being replaced, or a replacement
 * still launching. A rolling update's wave neither stops these nor counts them as healthy.
 */
export function isReplacing(g: TaskGroup, tau: number): boolean {
  return g.unhealthy || !Number.isNaN(g.stopAt) || (g.replacement && g.healthyAt > tau);
}

/** Overlap in seconds of [a0, a1) with [b0, b1). */
export function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/**
 * Removes the groups left without tasks (a count below {@link COUNT_TOLERANCE}: float dust), in
 * place (no allocation). Returns the requests still queued on what was removed, which fail.
 */
export function removeEmpty(list: { count: number; backlog: number }[]): number {
  let kept = 0;
  let dropped = 0;
  for (let k = 0; k < list.length; k++) {
    const g = list[k]!;
    if (g.count > COUNT_TOLERANCE) list[kept++] = g;
    else if (g.count > 0) dropped += g.count * g.backlog;
  }
  truncate(list, kept);
  return dropped;
}

/**
 * Shortens `list` to `length` items. By pops rather than `list.length = length`: setting the
 * length is a call into V8's runtime (about a tenth of a microsecond, measured with
 * `node --cpu-prof` as 2.4 % of a crash-looping sweep, where groups empty at every step); a pop
 * is inlined.
 */
function truncate(list: unknown[], length: number): void {
  while (list.length > length) list.pop();
}

function caughtUp(g: TaskGroup, t1: number, slowStartSeconds: number, minBilled: number): boolean {
  return (
    g.slowStartDecided &&
    !g.unhealthy &&
    Number.isNaN(g.stopAt) &&
    g.healthyAt + (g.slowStart ? slowStartSeconds : 0) <= t1 &&
    t1 - g.billedFrom >= minBilled &&
    g.count > 0
  );
}

/**
 * Moves `gb`'s tasks into `ga`, their queues per task averaged (and their health checks failed
 * in a row: the larger count; neither is unhealthy nor being replaced, see caughtUp).
 */
function mergeInto(ga: TaskGroup, gb: TaskGroup): void {
  if (gb.failedChecks > ga.failedChecks) ga.failedChecks = gb.failedChecks;
  ga.backlog = (ga.backlog * ga.count + gb.backlog * gb.count) / (ga.count + gb.count);
  ga.count += gb.count;
  gb.count = 0;
}
