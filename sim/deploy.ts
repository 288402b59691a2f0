/**
 * ECS deployments under load, for the simulator (sim/engine.ts's `deploy` phase): a new service
 * revision replaces the running one while the trace's traffic goes on.
 *
 *   deployments (config, in time order)
 *     → at its time, one at a time (a deployment due while another runs waits for it: a model
 *       choice, ECS would start it at once and replace both):
 *         rolling      each step: stop old tasks while the healthy ones stay ≥ the minimum
 *                      (minimumHealthyPercent, rounded up), start new ones while RUNNING or
 *                      PENDING tasks stay ≤ the maximum (maximumPercent, rounded down); new
 *                      tasks go through provisioning, RUNNING and the ALB health check; old
 *                      ones drain for the deregistration delay. Done when no old task is left
 *                      and the desired count of new ones is healthy. The circuit breaker counts
 *                      new tasks that fail their health checks and rolls back at its threshold.
 *         blue-green   SCALE_UP: the new revision (green) starts the desired count and takes no
 *         linear       traffic; once all of it is healthy, production traffic moves (all at
 *         canary       once; stepPercent every stepBakeTimeInMinutes; canaryPercent, then the
 *                      rest after canaryBakeTimeInMinutes); after bakeTimeInMinutes with all
 *                      traffic on green, CLEAN_UP stops blue (its tasks drain). Both sets run,
 *                      and are billed, from SCALE_UP to CLEAN_UP.
 *     → while one runs: Application Auto Scaling's scale-in is off (scale-out goes on; its
 *       tasks go to both revisions, DEPLOYMENT_DEFAULTS.scaleOutDuringDeployment)
 *     → events (deployment-started, scale-in-suspended, tasks-replaced, deployment-stuck,
 *       rollback, deployment-completed) and, per deployment, its window's Kpis.
 *
 * Sources (quoted in sim/rules.ts and the README's "Deployments"): ECS API reference
 * DeploymentConfiguration, DeploymentCircuitBreaker, ThresholdConfiguration, Deployment
 * (failedTasks), LinearConfiguration, CanaryConfiguration, ServiceDeployment (lifecycle stages);
 * ECS developer guide (deployment circuit breaker, canary deployments, load-balancer connection
 * draining, troubleshooting service auto scaling); What's New, Nov 2025 (scale-out to both
 * revisions). The exact wave loop of a rolling update is not documented: this one takes the
 * largest steps the percents allow, once per simulated step.
 *
 * Runs only when a run has deployments: without them the engine never creates one.
 */
import type {
  DeploymentKpis,
  DeploymentPlan,
  DeploymentSettings,
  ScalingEvent,
  Trace,
} from "./vocab/index.js";
import type { RollingPercents } from "./search.js";
import { DEPLOYMENT_DEFAULTS } from "./vocab/defaults.js";
import { UsageError } from "./vocab/errors.js";
import type { DeploymentConfig } from "./vocab/config.js";
import { COUNT_TOLERANCE, isReplacing, type Fleet, type TaskGroup } from "./fleet.js";
import type { AutoScaler } from "./autoscaling.js";
import type { Tally } from "./tally.js";
import type { RevisionMemory } from "./memory.js";
import {
  circuitBreakerThreshold,
  linearSteps,
  maximumTasks,
  minimumHealthyTasks,
} from "./rules.js";

/**
 * The deployments of a config with their times resolved against the trace, in time order.
 *
 * @throws UsageError naming `deployments[k].at` when a time falls outside the trace.
 */
export function deploymentPlans(
  deployments: readonly Omit<DeploymentConfig, never>[],
  trace: Pick<Trace, "startMs" | "stepSeconds" | "requests">,
  field: (k: number) => string = (k) => `deployments[${k}].at`,
): DeploymentPlan[] {
  const endMs = trace.startMs + trace.requests.length * trace.stepSeconds * 1000;
  const plans = deployments.map(({ at, ...rest }, k) => {
    const ms = Date.parse(at);
    if (!(ms >= trace.startMs && ms < endMs)) {
      throw new UsageError(
        `${field(k)} ${at} is outside the trace (${new Date(trace.startMs).toISOString()} to ${new Date(endMs).toISOString()}); give a time inside it.`,
        "bad-config",
      );
    }
    return { ...rest, atSeconds: (ms - trace.startMs) / 1000 };
  });
  return plans.sort((a, b) => a.atSeconds - b.atSeconds);
}

/**
 * A rolling deployment at `atSeconds` with ECS's defaults (100 % / 200 %, no circuit breaker),
 * as `deployments:` would give it: the plan's "deploy at the worst hour" checks.
 */
export function defaultRollingDeployment(atSeconds: number): DeploymentPlan {
  const d = DEPLOYMENT_DEFAULTS;
  return {
    atSeconds,
    strategy: "rolling",
    minimumHealthyPercent: d.minimumHealthyPercent,
    maximumPercent: d.maximumPercent,
    bakeTimeInMinutes: d.bakeTimeInMinutes,
    linearConfiguration: {
      stepPercent: d.stepPercent,
      stepBakeTimeInMinutes: d.stepBakeTimeInMinutes,
    },
    canaryConfiguration: {
      canaryPercent: d.canaryPercent,
      canaryBakeTimeInMinutes: d.canaryBakeTimeInMinutes,
    },
    failsHealthChecks: false,
  };
}

/** The start of the trace's busiest step, seconds from its start (the first on ties). */
export function peakSeconds(trace: Pick<Trace, "requests" | "stepSeconds">): number {
  let at = 0;
  for (let i = 1; i < trace.requests.length; i++) {
    if ((trace.requests[i] ?? 0) > (trace.requests[at] ?? 0)) at = i;
  }
  return at * trace.stepSeconds;
}

/** Platform facts a deployment needs. */
export interface DeployerParams {
  readonly healthCheckIntervalSeconds: number;
  /** ALB UnhealthyThresholdCount (PlatformParams). */
  readonly unhealthyThresholdCount: number;
  readonly deregistrationDelaySeconds: number;
  /** USD per task-second of the revision running before the deployment. */
  readonly costRate: number;
  /**
   * Each revision's memory (sim/memory.ts), which a deployment's start extends with its new
   * revision's (`newRevision.memoryMiB`). (A revision whose base memory does not fit in the
   * task's dies as it starts: its groups never pass a health check, healthyAt ∞, sim/fleet.ts
   * `launch`, so none counts as healthy for the deployment nor resets the circuit breaker's
   * count; sim/MODEL-AUDIT.md D11.)
   */
  readonly memory: RevisionMemory;
}

type Stage = "scale-up" | "shifting" | "baking" | "rolling";

/** The deployment in progress and its bookkeeping. */
interface Running {
  readonly index: number;
  readonly plan: DeploymentPlan;
  /** The revision it deploys (after a rollback: the one it rolls back to). */
  primary: number;
  /** The revision it replaces (after a rollback: the failed one). */
  previous: number;
  stage: Stage;
  /** When all production traffic began to move to the new revision (bake-time strategies). */
  shiftFrom: number;
  /** When all of it was on the new revision. */
  shiftedAt: number;
  lastDesired: number;
  failures: number;
  /** Tasks of the new revision stopped for failed health checks since the last wave (sim/engine.ts's replacement of unhealthy tasks reports them; {@link Deployer.settleFailures} counts them). */
  unsettledFailures: number;
  /** The time up to which the circuit breaker has looked for new tasks turning healthy (resetOnHealthyTask). */
  resetCheckedAt: number;
  failedTasks: number;
  /** When the circuit breaker tripped (NaN: it did not). */
  trippedAt: number;
  rolledBack: boolean;
  stuckReported: boolean;
  finished: boolean;
  finishedAt: number;
  outcome: DeploymentKpis["outcome"];
  // The window's tallies.
  windowFrom: number;
  taskSeconds: number;
  desiredSeconds: number;
  cost: number;
  requests: number;
  failed: number;
  violationMinutesAtStart: number;
}

/**
 * The deployments of one run (sim/engine.ts calls {@link step} at each step's start, {@link
 * trafficShare} for the listener weights, {@link account} at its end, and the fleet calls
 * {@link reconcile} while one runs).
 */
export class Deployer {
  private next = 0;
  private current: Running | null = null;
  private revisions = 0;
  readonly kpis: DeploymentKpis[] = [];

  constructor(
    private readonly plans: readonly DeploymentPlan[],
    private readonly fleet: Fleet,
    private readonly scaler: AutoScaler,
    private readonly params: DeployerParams,
    private readonly tally: Tally,
    private readonly startMs: number,
    private readonly emit: ((e: ScalingEvent) => void) | null,
  ) {}

  /** The revision whose tasks count as PRIMARY in the timeline. */
  get primaryRev(): number {
    return this.current?.primary ?? this.fleet.currentRev;
  }

  /** Whether a deployment's window is open (its deployment runs, or its old tasks drain). */
  get open(): boolean {
    return this.current !== null;
  }

  /**
   * The service's DeploymentConfiguration.maximumPercent from the first deployment on (NaN
   * before it): a deployment's configuration is the service's (UpdateService), which ECS's
   * replacement of unhealthy tasks goes by after the deployment too.
   */
  serviceMaximumPercent = NaN;

  /**
   * The limits of ECS's replacement of unhealthy tasks while a deployment runs (sim/engine.ts
   * `replaceUnhealthy`). `ceiling`: RUNNING or PENDING tasks, under which replacements start
   * before the unhealthy tasks stop: a rolling update's maximumPercent (rounded down), the
   * ceiling its own waves start new tasks under, so the two share it; a blue/green, linear or
   * canary one keeps each revision at the desired count and caps nothing (a model choice).
   * `minimumRunning`: past the ceiling "the scheduler stops the unhealthy tasks one-by-one —
   * using the minimumHealthyPercent as a constraint — to clear up capacity to launch replacement
   * tasks" (ECS API DeploymentConfiguration.minimumHealthyPercent), read as: only while the tasks
   * RUNNING stay at minimumHealthyPercent of the desired count (rounded up) or more (unhealthy
   * tasks are RUNNING and, with no healthy target, serve by the ALB's fail open; a model choice).
   */
  replacementLimits(): { ceiling: number; minimumRunning: number; maximumPercent: number } {
    const d = this.current!;
    const desired = this.fleet.desired;
    const rolling = d.stage === "rolling";
    return {
      ceiling: rolling ? this.room(d) : Infinity,
      minimumRunning: rolling ? minimumHealthyTasks(desired, d.plan.minimumHealthyPercent) : 0,
      maximumPercent: d.plan.maximumPercent,
    };
  }

  /**
   * Replacements ECS may start at once while a deployment runs: {@link replacementLimits}'
   * ceiling less the tasks RUNNING or PENDING (unhealthy ones included). The replacement of
   * unhealthy tasks (sim/engine.ts `replaceUnhealthy`) and of killed ones ({@link replaceKilled})
   * share it with a rolling update's waves.
   */
  replacementRoom(): number {
    const d = this.current!;
    return d.stage === "rolling"
      ? this.fleet.roomUnder(
          d.plan.maximumPercent,
          DEPLOYMENT_DEFAULTS.maximumPercentCountsDraining,
        )
      : Infinity;
  }

  /**
   * ECS replaces `count` unhealthy or terminated tasks of revision `rev` at tau (after
   * `extraDelay`) while a deployment runs: with tasks of the same revision ("ECS now replaces
   * unhealthy or terminated tasks using the same service revision they belong to. Unhealthy
   * tasks in your currently running version are replaced with healthy tasks from that same
   * version, independent of the new version's status", What's New, Nov 2025), which a rolling
   * wave leaves alone while they launch. A replacement of the revision being deployed may fail
   * its health checks as the rest of it does (`failsHealthChecks`); one of the old revision is
   * not the deployment's progress (the wave counts only the new revision's tasks).
   */
  launchReplacement(count: number, tau: number, rev: number, extraDelay = 0): TaskGroup {
    const d = this.current!;
    const g =
      rev === d.primary
        ? this.launchPrimary(count, tau, d, extraDelay)
        : this.fleet.launch(count, tau, rev, extraDelay);
    g.replacement = true;
    return g;
  }

  /**
   * ECS replaces `count` tasks of revision `rev` killed for memory at tau (sim/engine.ts
   * `outOfMemory`) while a deployment runs: by tasks of their own revision (What's New, Nov 2025:
   * "unhealthy or terminated tasks"; before it, "ECS would attempt to replace them with the new
   * version to prioritize deployment progress"), as many as {@link replacementRoom} allows (the
   * killed tasks no longer count against it, so it holds them unless the ceiling fell meanwhile:
   * a scheduled action lowering MaxCapacity); the rest is left to the deployment, whose next wave
   * starts the new revision in the room they leave.
   *
   * Of these, `neverHealthy` died before their first passing health check (a base memory over
   * the task's: each dies as it starts). Those of the revision being deployed are failed tasks
   * for the circuit breaker ("When tasks fail to reach in the RUNNING state, the deployment
   * circuit breaker increases the failure count by one", and in its second stage "When a health
   * check fails for the task", ECS developer guide, deployment circuit breaker; "A task from new
   * deployment stopped or failed to start consecutively", AWS re:Post, troubleshoot ECS
   * deployment failures); a task that passed its checks and then died is not (sim/MODEL-AUDIT.md
   * D11, D14). They are counted before the replacements start, so that a breaker they trip rolls
   * back before the failed revision starts again: after a rollback, ECS starts no task of the
   * failed revision ("A deployment in a `FAILED` state doesn't launch any new tasks", ECS
   * developer guide, deployment circuit breaker), and its killed tasks are left to the
   * rollback's waves. Returns the tasks started.
   */
  replaceKilled(
    i: number,
    count: number,
    tau: number,
    rev: number,
    extraDelay: number,
    neverHealthy: number,
  ): number {
    const d = this.current;
    if (d === null || d.finished) return 0;
    if (neverHealthy > 0 && this.countsFailedTasks(rev)) {
      this.countFailures(
        i,
        tau,
        d,
        neverHealthy,
        "died for memory before their first passing health check (failed to start)",
      );
      if (d.finished) return 0; // FAILED without rollback: the scheduler has the fleet again
    }
    if (this.abandons(rev)) return 0;
    const start = Math.min(count, this.replacementRoom());
    if (start > COUNT_TOLERANCE) this.launchReplacement(start, tau, rev, extraDelay);
    return start > COUNT_TOLERANCE ? start : 0;
  }

  /** Whether the deployment in progress has its circuit breaker on. */
  get breakerOn(): boolean {
    return this.current?.plan.deploymentCircuitBreaker?.enable === true;
  }

  /** Whether a task of revision `rev` that fails is a failed task of the deployment in progress (of the revision it deploys, before any rollback). */
  countsFailedTasks(rev: number): boolean {
    const d = this.current;
    return d !== null && !d.finished && !d.rolledBack && rev === d.primary;
  }

  /** Whether the deployment in progress is a rollback away from revision `rev` (ECS starts no task of it again). */
  abandons(rev: number): boolean {
    const d = this.current;
    return d !== null && !d.finished && d.rolledBack && rev === d.previous;
  }

  /**
   * ECS stopped `count` tasks of revision `rev` at tau because they failed their ALB health
   * checks (an overloaded task, sim/MODEL-AUDIT.md O5): a task of the revision being deployed
   * that "fails any of its defined health checks and is stopped" is a failed task (ECS API
   * Deployment.failedTasks), which the circuit breaker counts. The count is settled at the end of
   * the replacement phase ({@link settleFailures}), not in the middle of its loop over the groups.
   */
  stoppedUnhealthy(count: number, rev: number): void {
    const d = this.current;
    if (d === null || d.finished || d.rolledBack || rev !== d.primary || !(count > 0)) return;
    d.unsettledFailures += count;
  }

  /** Counts the failed tasks {@link stoppedUnhealthy} reported, and trips the circuit breaker at its threshold. */
  settleFailures(i: number, tau: number): void {
    const d = this.current;
    if (d === null || d.finished || !(d.unsettledFailures > 0)) return;
    const failed = d.unsettledFailures;
    d.unsettledFailures = 0;
    this.countFailures(i, tau, d, failed, "failed their health checks under load and were stopped");
  }

  /** The phase at a step's start: starts due deployments and moves the one in progress. */
  step(i: number, t0: number): void {
    if (this.current === null && this.next < this.plans.length) {
      const plan = this.plans[this.next]!;
      if (plan.atSeconds < t0 + 1e-9) this.start(i, t0, this.next++);
    }
    const d = this.current;
    if (d === null || d.finished) return;
    this.replaceFailing(i, t0, d);
    if (d.finished) return;
    if (d.stage === "rolling") this.roll(i, t0, d);
    else this.blueGreen(i, t0, d);
  }

  /**
   * What the fleet does on a new desired count or a killed task while a deployment runs: a
   * scale-out's tasks go to both revisions ("ECS applies scale-out to both service revisions",
   * Nov 2025; in proportion to the tasks each has, a model choice), or to the new one only; the
   * deployment's own loop starts the new revision's share at once. Nothing stops here
   * (scale-in is off).
   */
  reconcile(tau: number, extraDelay: number): void {
    const d = this.current;
    if (d === null || d.finished) return;
    const fleet = this.fleet;
    const desired = fleet.desired;
    const grew = desired - d.lastDesired;
    d.lastDesired = desired;
    const both = DEPLOYMENT_DEFAULTS.scaleOutDuringDeployment === "both-revisions";
    const { primary, old, primaryInService, oldInService } = this.counts(d, tau);
    if (d.stage === "rolling") {
      if (grew > COUNT_TOLERANCE && both && old > COUNT_TOLERANCE) {
        const room = this.room(d) - (primary + old);
        const part = Math.min(room, (grew * old) / (old + primary));
        if (part > COUNT_TOLERANCE) fleet.launch(part, tau, d.previous, extraDelay);
      }
      this.startNew(tau, d, extraDelay);
    } else {
      // Blue/green: each revision is kept at the desired count until CLEAN_UP.
      if (desired > primaryInService + COUNT_TOLERANCE) {
        this.launchPrimary(desired - primaryInService, tau, d, extraDelay);
      }
      if (both && desired > oldInService + COUNT_TOLERANCE) {
        fleet.launch(desired - oldInService, tau, d.previous);
      }
    }
  }

  /**
   * The share of the step's requests the PRIMARY revision takes by listener weights (bake-time
   * strategies), or NaN when requests go round robin to every healthy task (rolling, or no
   * deployment).
   */
  trafficShare(t: number): number {
    const d = this.current;
    if (d === null || d.stage === "rolling" || d.finished) return NaN;
    if (d.stage === "scale-up") return 0;
    if (d.stage === "baking") return 1;
    const p = d.plan;
    const since = (t - d.shiftFrom) / 60;
    if (p.strategy === "linear") {
      const { stepPercent, stepBakeTimeInMinutes } = p.linearConfiguration;
      const k =
        stepBakeTimeInMinutes > 0 ? Math.floor(since / stepBakeTimeInMinutes) + 1 : Infinity;
      return k > linearSteps(stepPercent) ? 1 : Math.min(1, (k * stepPercent) / 100);
    }
    if (p.strategy === "canary") {
      const { canaryPercent, canaryBakeTimeInMinutes } = p.canaryConfiguration;
      return since < canaryBakeTimeInMinutes ? canaryPercent / 100 : 1;
    }
    return 1;
  }

  /**
   * The window's tallies at a step's end (sim/engine.ts's account phase): task-seconds billed
   * beyond the desired count, cost, requests, failures; closes the window once the deployment
   * is over and none of the old revision's tasks is left, not even draining.
   */
  account(
    t1: number,
    taskSeconds: number,
    desiredSeconds: number,
    cost: number,
    requests: number,
    failed: number,
  ): void {
    const d = this.current;
    if (d === null) return;
    d.taskSeconds += taskSeconds;
    d.desiredSeconds += desiredSeconds;
    d.cost += cost;
    d.requests += requests;
    d.failed += failed;
    if (!d.finished) return;
    const fleet = this.fleet;
    for (const g of fleet.groups) if (g.rev !== d.primary && g.count > COUNT_TOLERANCE) return;
    for (const g of fleet.draining) if (g.rev !== d.primary && g.count > COUNT_TOLERANCE) return;
    this.close(t1);
  }

  /** Closes the window still open at the trace's end. */
  finish(t1: number): void {
    const d = this.current;
    if (d === null) return;
    if (!d.finished) {
      d.outcome = d.stuckReported ? "stuck" : "unfinished";
      d.finishedAt = t1;
    }
    this.close(t1);
  }

  /**
   * The deployments' figures as {@link finish} then {@link kpis} would give them at t1, with
   * their extra cost at `costRate` USD per task-second, without closing anything: sim/siblings.ts
   * re-prices a run for candidates that differ only in price, some of them stopped mid-run.
   */
  kpisAt(t1: number, costRate: number): DeploymentKpis[] {
    const out = this.kpis.map((k, j) => ({
      ...k,
      extraCostUsd: this.extraTaskSeconds[j]! * costRate,
    }));
    const d = this.current;
    if (d !== null) {
      const outcome = d.finished ? d.outcome : d.stuckReported ? "stuck" : "unfinished";
      const finishedAt = d.finished ? d.finishedAt : t1;
      out.push(this.windowKpis(d, t1, outcome, finishedAt, costRate).kpis);
    }
    return out;
  }

  /** Task-seconds billed beyond the desired count in each closed window ({@link kpis}' order). */
  private readonly extraTaskSeconds: number[] = [];

  private close(t1: number): void {
    const d = this.current!;
    const w = this.windowKpis(d, t1, d.outcome, d.finishedAt, this.params.costRate);
    this.kpis.push(w.kpis);
    this.extraTaskSeconds.push(w.extraTaskSeconds);
    this.current = null;
  }

  private windowKpis(
    d: Running,
    t1: number,
    outcome: DeploymentKpis["outcome"],
    finishedAt: number,
    costRate: number,
  ): { kpis: DeploymentKpis; extraTaskSeconds: number } {
    const extraTaskSeconds = Math.max(0, d.taskSeconds - d.desiredSeconds);
    return {
      extraTaskSeconds,
      kpis: {
        startSeconds: d.plan.atSeconds,
        strategy: d.plan.strategy,
        outcome,
        durationMinutes: (finishedAt - d.windowFrom) / 60,
        windowMinutes: (t1 - d.windowFrom) / 60,
        extraTaskMinutes: extraTaskSeconds / 60,
        extraCostUsd: extraTaskSeconds * costRate,
        sloViolationMinutes: this.tally.violationMinutes - d.violationMinutesAtStart,
        failedRequests: d.failed,
        requests: d.requests,
        failedTasks: d.failedTasks,
        ...(Number.isNaN(d.trippedAt)
          ? {}
          : { circuitBreakerTrippedMinutes: (d.trippedAt - d.windowFrom) / 60 }),
      },
    };
  }

  private start(i: number, t0: number, index: number): void {
    const plan = this.plans[index]!;
    const fleet = this.fleet;
    const previous = fleet.currentRev;
    const primary = ++this.revisions;
    this.params.memory.define(primary, previous, plan.newRevision?.memoryMiB);
    const rolling = plan.strategy === "rolling";
    const d: Running = {
      index,
      plan,
      primary,
      previous,
      stage: rolling ? "rolling" : "scale-up",
      shiftFrom: NaN,
      shiftedAt: NaN,
      lastDesired: fleet.desired,
      failures: 0,
      unsettledFailures: 0,
      resetCheckedAt: t0,
      failedTasks: 0,
      trippedAt: NaN,
      rolledBack: false,
      stuckReported: false,
      finished: false,
      finishedAt: NaN,
      outcome: "unfinished",
      windowFrom: t0,
      taskSeconds: 0,
      desiredSeconds: 0,
      cost: 0,
      requests: 0,
      failed: 0,
      violationMinutesAtStart: this.tally.violationMinutes,
    };
    this.current = d;
    this.serviceMaximumPercent = plan.maximumPercent;
    fleet.deployment = this;
    this.scaler.scaleInSuspended = true;
    const desired = fleet.desired;
    const how = rolling
      ? `rolling update at minimumHealthyPercent ${plan.minimumHealthyPercent} / maximumPercent ${plan.maximumPercent} of ${fmt(desired)} desired: at least ${minimumHealthyTasks(desired, plan.minimumHealthyPercent)} healthy (rounded up), at most ${maximumTasks(desired, plan.maximumPercent)} RUNNING or PENDING (rounded down)${plan.deploymentCircuitBreaker?.enable ? `; circuit breaker on, threshold ${this.threshold(plan, desired)} failed tasks${plan.deploymentCircuitBreaker.rollback ? ", rollback" : ""}` : ""}`
      : `${plan.strategy}: ${fmt(desired)} tasks of the new revision start beside the old ones (SCALE_UP) and take traffic once all are healthy (${shiftText(plan)}), then ${plan.bakeTimeInMinutes} min of bake time before the old ones stop`;
    this.event(
      "deployment-started",
      i,
      t0,
      d,
      `Deployment ${index + 1} (revision ${primary} replaces ${previous}): ${how}.`,
    );
    this.event(
      "scale-in-suspended",
      i,
      t0,
      d,
      "Application Auto Scaling turns off scale-in while an ECS deployment is in progress; scale-out goes on (ECS developer guide).",
    );
  }

  /**
   * Tasks of the primary revision, and of the others, at tau: launching or serving (RUNNING or
   * PENDING, what maximumPercent caps); in service (less the unhealthy ones ECS is replacing:
   * their replacements stand for them, as in Fleet.inService); healthy (passed their first
   * health check and not held unhealthy by the ALB since: an overloaded task that failed
   * UnhealthyThresholdCount checks is not healthy, sim/MODEL-AUDIT.md O5); and, of the old
   * ones not healthy, those ECS's replacement of unhealthy tasks has in hand (fleet.ts
   * `isReplacing`).
   */
  private counts(d: Running, tau: number): Counts {
    const c: Counts = {
      primary: 0,
      old: 0,
      primaryInService: 0,
      oldInService: 0,
      primaryHealthy: 0,
      oldHealthy: 0,
      oldReplacing: 0,
    };
    for (const g of this.fleet.groups) {
      const healthy = g.healthyAt <= tau && !g.unhealthy;
      const inService = Number.isNaN(g.stopAt) ? g.count : 0;
      if (g.rev === d.primary) {
        c.primary += g.count;
        c.primaryInService += inService;
        if (healthy) c.primaryHealthy += g.count;
      } else {
        c.old += g.count;
        c.oldInService += inService;
        if (healthy) c.oldHealthy += g.count;
        else if (isReplacing(g, tau)) c.oldReplacing += g.count;
      }
    }
    return c;
  }

  /** RUNNING or PENDING tasks allowed (maximumPercent, rounded down), less the draining ones if they count (Fleet.ceiling). */
  private room(d: Running): number {
    return this.fleet.ceiling(
      d.plan.maximumPercent,
      DEPLOYMENT_DEFAULTS.maximumPercentCountsDraining,
    );
  }

  private threshold(plan: DeploymentPlan, desired: number): number {
    const t = plan.deploymentCircuitBreaker?.thresholdConfiguration;
    return circuitBreakerThreshold(
      desired,
      t?.type ?? DEPLOYMENT_DEFAULTS.thresholdType,
      t?.value ?? DEPLOYMENT_DEFAULTS.thresholdValue,
    );
  }

  /** Starts new tasks up to the desired count, within maximumPercent. */
  private startNew(tau: number, d: Running, extraDelay = 0): void {
    const desired = this.fleet.desired;
    const { primary, old, primaryInService } = this.counts(d, tau);
    const start = Math.min(desired - primaryInService, this.room(d) - (primary + old));
    if (start > COUNT_TOLERANCE) this.launchPrimary(start, tau, d, extraDelay);
  }

  private launchPrimary(count: number, tau: number, d: Running, extraDelay = 0): TaskGroup {
    const g = this.fleet.launch(count, tau, d.primary, extraDelay);
    if (d.plan.failsHealthChecks && !d.rolledBack) markFailing(g);
    return g;
  }

  /** A rolling update's wave at tau: stop what minimumHealthyPercent allows, start what maximumPercent allows. */
  private roll(i: number, tau: number, d: Running): void {
    const fleet = this.fleet;
    const desired = fleet.desired;
    d.lastDesired = desired;
    const c = this.counts(d, tau);
    // "A task that reaches a healthy state resets the failure count to 0" (ECS API
    // DeploymentCircuitBreaker.resetOnHealthyTask): a new task that turned healthy since the
    // last wave.
    if (d.plan.deploymentCircuitBreaker?.resetOnHealthyTask !== false) {
      for (const g of fleet.groups) {
        if (g.rev === d.primary && g.healthyAt > d.resetCheckedAt && g.healthyAt <= tau) {
          if (g.count > COUNT_TOLERANCE) d.failures = 0;
        }
      }
    }
    d.resetCheckedAt = tau;
    // Old tasks not yet healthy stop at once; healthy ones while enough stay healthy; unhealthy
    // ones, and their replacements still launching, are left to ECS's replacement of unhealthy
    // tasks (by their own revision, Nov 2025).
    const minHealthy = minimumHealthyTasks(desired, d.plan.minimumHealthyPercent);
    const canStopHealthy = Math.max(
      0,
      Math.min(c.oldHealthy, c.oldHealthy + c.primaryHealthy - minHealthy),
    );
    const stopping = c.old - c.oldHealthy - c.oldReplacing + canStopHealthy;
    // (Stopping more old tasks than new ones can replace only happens below 100 % minimum.)
    const stopped =
      stopping > COUNT_TOLERANCE
        ? fleet.stopOtherRevisions(stopping, canStopHealthy, tau, d.primary, true)
        : 0;
    const before = this.counts(d, tau);
    this.startNew(tau, d);
    const after = this.counts(d, tau);
    const started = after.primary - before.primary;
    if (stopped > COUNT_TOLERANCE || started > COUNT_TOLERANCE) {
      this.event(
        "tasks-replaced",
        i,
        tau,
        d,
        `Stopped ${fmt(stopped)} task(s) of revision ${d.previous} (healthy ones drain for ${this.params.deregistrationDelaySeconds} s) and started ${fmt(started)} of revision ${d.primary}: ${fmt(after.primaryHealthy + after.oldHealthy)} healthy (minimum ${minHealthy}), ${fmt(after.primary + after.old)} RUNNING or PENDING (maximum ${maximumTasks(desired, d.plan.maximumPercent)}).`,
        stopped + started,
      );
    }
    if (after.old <= COUNT_TOLERANCE && after.primaryHealthy >= desired - COUNT_TOLERANCE) {
      this.complete(i, tau, d);
      return;
    }
    if (
      !d.stuckReported &&
      stopped <= COUNT_TOLERANCE &&
      started <= COUNT_TOLERANCE &&
      after.primary - after.primaryHealthy <= COUNT_TOLERANCE &&
      after.old > COUNT_TOLERANCE &&
      after.oldReplacing <= COUNT_TOLERANCE
    ) {
      d.stuckReported = true;
      this.event(
        "deployment-stuck",
        i,
        tau,
        d,
        `The service was unable to stop or start tasks during a deployment because of the service deployment configuration: with ${fmt(desired)} desired, minimumHealthyPercent ${d.plan.minimumHealthyPercent} keeps ${minHealthy} healthy (rounded up) and maximumPercent ${d.plan.maximumPercent} allows ${maximumTasks(desired, d.plan.maximumPercent)} (rounded down); the deployment stays in progress and scale-in stays off.`,
      );
    }
  }

  /** Blue/green, linear, canary: SCALE_UP, the traffic shift, the bake time, CLEAN_UP. */
  private blueGreen(i: number, tau: number, d: Running): void {
    const fleet = this.fleet;
    const desired = fleet.desired;
    d.lastDesired = desired;
    if (d.stage === "scale-up") {
      const c = this.counts(d, tau);
      if (c.primaryInService < desired - COUNT_TOLERANCE) {
        this.launchPrimary(desired - c.primaryInService, tau, d);
      }
      if (c.primaryHealthy >= desired - COUNT_TOLERANCE && desired > 0) {
        d.stage = "shifting";
        d.shiftFrom = tau;
      }
    }
    if (d.stage === "shifting" && this.trafficShare(tau) >= 1) {
      d.stage = "baking";
      d.shiftedAt = tau;
    }
    if (d.stage === "baking" && tau >= d.shiftedAt + d.plan.bakeTimeInMinutes * 60 - 1e-9) {
      // Every task of the old revision goes, unhealthy ones and replacements included.
      const { old } = this.counts(d, tau);
      const stopped = fleet.stopOtherRevisions(old, old, tau, d.primary, false);
      this.event(
        "tasks-replaced",
        i,
        tau,
        d,
        `CLEAN_UP: all traffic on revision ${d.primary} for ${d.plan.bakeTimeInMinutes} min (bake time); ${fmt(stopped)} task(s) of revision ${d.previous} stop (healthy ones drain for ${this.params.deregistrationDelaySeconds} s).`,
        stopped,
      );
      this.complete(i, tau, d);
    }
  }

  /**
   * Tasks of the new revision that fail their health checks: the ALB marks each unhealthy after
   * UnhealthyThresholdCount checks and ECS stops it; the circuit breaker counts it ("fails any
   * of its defined health checks and is stopped", ECS API Deployment.failedTasks) and, at its
   * threshold, marks the deployment failed and rolls back to the last completed one.
   */
  private replaceFailing(i: number, tau: number, d: Running): void {
    const fleet = this.fleet;
    const failAfter = this.params.unhealthyThresholdCount * this.params.healthCheckIntervalSeconds;
    let failed = 0;
    for (const g of fleet.groups) {
      if (!g.failing || g.count <= COUNT_TOLERANCE || g.runningAt + failAfter > tau) continue;
      failed += g.count;
      fleet.stop(g, g.count, tau);
    }
    if (failed <= 0) return;
    fleet.removeEmptyGroups();
    this.countFailures(i, tau, d, failed, "failed their health checks");
  }

  /**
   * `failed` tasks of the new revision failed their health checks and were stopped: the
   * deployment's failed tasks, and the circuit breaker's count, which at its threshold marks the
   * deployment FAILED and, with rollback, rolls back to the last completed one.
   */
  private countFailures(i: number, tau: number, d: Running, failed: number, how: string): void {
    const fleet = this.fleet;
    d.failedTasks += failed;
    d.failures += failed;
    const breaker = d.plan.deploymentCircuitBreaker;
    if (!breaker?.enable || d.rolledBack) return;
    const threshold = this.threshold(d.plan, fleet.desired);
    if (d.failures < threshold - COUNT_TOLERANCE) return;
    d.trippedAt = tau;
    if (!breaker.rollback) {
      this.event(
        "deployment-completed",
        i,
        tau,
        d,
        `Deployment ${d.index + 1} FAILED: ${fmt(d.failures)} tasks of revision ${d.primary} ${how} (circuit-breaker threshold ${threshold}); without rollback it launches no new tasks, the old revision's tasks keep serving and scale-in resumes.`,
      );
      d.outcome = "failed";
      d.primary = d.previous;
      this.end(tau, d, d.previous);
      return;
    }
    this.event(
      "rollback",
      i,
      tau,
      d,
      `Circuit breaker: ${fmt(d.failures)} tasks of revision ${d.primary} ${how} (threshold ${threshold}: ${d.plan.deploymentCircuitBreaker?.thresholdConfiguration.type} ${d.plan.deploymentCircuitBreaker?.thresholdConfiguration.value} of ${fmt(fleet.desired)} desired); the deployment is FAILED and ECS rolls back to revision ${d.previous}, the last completed one.`,
      failed,
    );
    d.rolledBack = true;
    const failedRev = d.primary;
    d.primary = d.previous;
    d.previous = failedRev;
  }

  private complete(i: number, tau: number, d: Running): void {
    this.event(
      "deployment-completed",
      i,
      tau,
      d,
      d.rolledBack
        ? `Rollback of deployment ${d.index + 1} completed: every task runs revision ${d.primary} again; scale-in resumes.`
        : `Deployment ${d.index + 1} completed: every task runs revision ${d.primary}; scale-in resumes (old tasks still draining stop at the end of their deregistration delay).`,
    );
    d.outcome = d.rolledBack ? "rolled-back" : "completed";
    this.end(tau, d, d.primary);
  }

  /** The deployment is over: the fleet is back under the scheduler, at the desired count. */
  private end(tau: number, d: Running, current: number): void {
    d.finished = true;
    d.finishedAt = tau;
    this.fleet.currentRev = current;
    this.fleet.deployment = null;
    this.scaler.scaleInSuspended = false;
    this.fleet.reconcile(tau);
  }

  private event(
    kind:
      | "deployment-started"
      | "tasks-replaced"
      | "scale-in-suspended"
      | "deployment-stuck"
      | "rollback"
      | "deployment-completed",
    i: number,
    tau: number,
    d: Running,
    reason: string,
    tasks?: number,
  ): void {
    this.emit?.({
      kind,
      timeMs: this.startMs + tau * 1000,
      step: i,
      deployment: d.index,
      strategy: d.plan.strategy,
      ...(tasks === undefined ? {} : { tasks }),
      reason,
    });
  }
}

/** Tasks of each revision at a moment (Deployer.counts). */
interface Counts {
  primary: number;
  old: number;
  primaryInService: number;
  oldInService: number;
  primaryHealthy: number;
  oldHealthy: number;
  /** Old tasks not healthy that ECS's replacement of unhealthy tasks has in hand. */
  oldReplacing: number;
}

/** New tasks that will never pass the health check (a deployment's failsHealthChecks). */
function markFailing(g: TaskGroup): void {
  g.failing = true;
  g.healthyAt = Infinity;
}

function shiftText(plan: DeploymentPlan): string {
  if (plan.strategy === "linear") {
    const { stepPercent, stepBakeTimeInMinutes } = plan.linearConfiguration;
    return `${stepPercent} % every ${stepBakeTimeInMinutes} min, ${linearSteps(stepPercent)} steps before 100 %`;
  }
  if (plan.strategy === "canary") {
    const { canaryPercent, canaryBakeTimeInMinutes } = plan.canaryConfiguration;
    return `${canaryPercent} % first, the rest after ${canaryBakeTimeInMinutes} min`;
  }
  return "all at once";
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/**
 * The rolling percents a plan deploys the candidates with (issue #16): the config's
 * `robustness.deployment`, else those `caplab collect` recorded for a rolling ECS deployment,
 * else ECS's defaults (undefined); `false` turns the deployment checks off.
 */
export function deploymentPercents(
  configured: RollingPercents | false | undefined,
  recorded: DeploymentSettings | null,
): RollingPercents | false | undefined {
  if (configured !== undefined) return configured;
  if (recorded && recorded.controller === "ECS" && recorded.strategy === "rolling") {
    return {
      minimumHealthyPercent: recorded.minimumHealthyPercent,
      maximumPercent: recorded.maximumPercent,
    };
  }
  return undefined;
}
