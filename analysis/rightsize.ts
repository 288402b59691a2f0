/**
 * Right-sizing with horizontal scaling in view (pure):
 *
 *   ObservedService → usage percentiles per task (CPU units, MiB) × (1 + headroom)
 *     → the per-task pick (smallest Fargate size that holds them) and its neighbours
 *     → each simulated on the observed traffic under the current scaling policy (a smaller
 *       task under the same target tracking runs more copies)
 *     → RightsizeResult: cost and SLO per size, the cheapest that meets the SLO
 *
 * Without traffic to replay, a scaling policy or a service model, {@link rightsizeFromUsage}
 * gives the per-task answer alone, priced, and says which is missing.
 */
import { simulate } from "../sim/engine.js";
import { UsageError } from "../sim/vocab/errors.js";
import { GATE_DEFAULTS, RIGHTSIZE_DEFAULTS } from "../sim/vocab/defaults.js";
import { isWholeCount, mostTasks, plural, taskRange } from "../sim/vocab/numbers.js";
import { fewSamplesClause, tooFewSamples } from "./gate.js";
import { meetsSlo } from "../sim/search.js";
import {
  FARGATE_CPUS,
  FARGATE_MEMORY_BY_CPU,
  sizeLabel,
  vcpusOf,
  type Candidate,
  taskCostPerSecond,
  type Kpis,
  type PriceTable,
  resolvePrices,
  type ScalingConfig,
  type SimulateConfig,
  simulationContext,
  type SimulationContext,
  type Slo,
  type TaskSize,
  type WarningSink,
} from "../sim/vocab/index.js";
import { observedTrace, startingAsObserved } from "./backtest.js";
import { withRecordedPlatform } from "./recorded-platform.js";
import { calibrate, calibratedContext, type ObservedService } from "./calibrate.js";
import { k6Percentile } from "./stats/index.js";

/** Headroom added on top of the usage percentiles, percent (RIGHTSIZE_DEFAULTS). @default 20 */
export const DEFAULT_HEADROOM_PERCENT = RIGHTSIZE_DEFAULTS.headroomPercent;

export interface RightsizeOptions {
  /** Percentile of per-task CPU used that sizes the CPU, in (0, 1]. @default 0.95 */
  readonly cpuPercentile?: number;
  /** Percentile of per-task memory used that sizes the memory. @default 0.99 */
  readonly memoryPercentile?: number;
  /** Headroom added on top of the percentiles, percent. @default 20 */
  readonly headroomPercent?: number;
}

/** The per-task need: usage percentiles with headroom. */
export interface TaskNeed {
  readonly cpuUnits: number;
  readonly memoryMiB: number;
  readonly cpuUnitsPercentile: number;
  readonly memoryMiBPercentile: number;
  /** The CPU and memory datapoints the percentiles rest on. */
  readonly cpuSamples: number;
  readonly memorySamples: number;
  /**
   * When they are too few for their percentiles (the gate's order-statistic rule,
   * analysis/gate.ts tooFewSamples, at its default confidence): a sentence saying so; else null.
   */
  readonly caution: string | null;
}

/**
 * Per-task CPU units and MiB needed: the chosen percentiles (k6/numpy linear percentile) of
 * every CPU and memory datapoint the bundle holds per task (`o.usage`: per-task Container
 * Insights series where there are, else the service's ci.* averages, else AWS/ECS
 * CPUUtilization as a share of the task's CPU), times 1 + headroom.
 *
 * @throws UsageError when there is no CPU usage at all.
 */
export function taskNeed(o: ObservedService, options: RightsizeOptions = {}): TaskNeed {
  const cpuP = options.cpuPercentile ?? RIGHTSIZE_DEFAULTS.cpuPercentile;
  const memP = options.memoryPercentile ?? RIGHTSIZE_DEFAULTS.memoryPercentile;
  const factor = 1 + (options.headroomPercent ?? DEFAULT_HEADROOM_PERCENT) / 100;
  const finite = (a: Float64Array | null | undefined) =>
    a ? Float64Array.from([...a].filter(Number.isFinite)).sort() : new Float64Array(0);
  const units = (percent: Float64Array | null | undefined) =>
    percent ? percent.map((p) => (p / 100) * Number(o.task.cpu)) : null;
  const usage = o.usage ?? {
    cpuUnits: o.cpuUnitsPerTask,
    cpuPercent: o.cpuPercent,
    memoryMiB: o.memoryMiBPerTask,
  };
  const cpu = finite(usage.cpuUnits ?? units(usage.cpuPercent));
  const mem = finite(usage.memoryMiB);
  if (cpu.length === 0)
    throw new UsageError(
      `${o.source} has no CPU usage to size a task from (Container Insights CpuUtilized per task or service, or AWS/ECS CPUUtilization); collect the service's metrics or import its Container Insights performance events.`,
      "no-usage",
    );
  const cpuUnitsPercentile = k6Percentile(cpu, cpuP);
  const memoryMiBPercentile = mem.length ? k6Percentile(mem, memP) : 0;
  return {
    cpuUnits: cpuUnitsPercentile * factor,
    memoryMiB: memoryMiBPercentile * factor,
    cpuUnitsPercentile,
    memoryMiBPercentile,
    cpuSamples: cpu.length,
    memorySamples: mem.length,
    caution: sampleCaution(cpu.length, cpuP, mem.length, memP),
  };
}

/**
 * "Too few datapoints to size a task on: the CPU's p95 rests on 1 (it needs 59 …)…" when
 * the CPU's or memory's datapoints are too few for their percentiles; null when both suffice.
 */
function sampleCaution(cpu: number, cpuP: number, mem: number, memP: number): string | null {
  const confidence = GATE_DEFAULTS.latencySampleConfidence;
  const few = (n: number, p: number, what: string) => {
    const needs = tooFewSamples(n, p * 100, confidence);
    return needs === null
      ? null
      : `the ${what}'s p${Number((p * 100).toFixed(3))} rests on ${plural(n, "datapoint")} (it needs ${needs})`;
  };
  const parts = [
    few(cpu, cpuP, "CPU"),
    mem === 0 ? "the bundle has no memory datapoint" : few(mem, memP, "memory"),
  ].filter((p): p is string => p !== null);
  if (parts.length === 0) return null;
  return `Too few datapoints to size a task on: ${parts.join("; ")}; ${fewSamplesClause(confidence)}. Take the size as a floor, not an answer.`;
}

/** The smallest valid memory (MiB) for a Fargate CPU that holds `memoryMiB`; null when none does. */
function memoryFor(cpu: number, memoryMiB: number): number | null {
  return (FARGATE_MEMORY_BY_CPU[cpu] ?? []).find((m) => m >= memoryMiB) ?? null;
}

/**
 * The sizes to check: the smallest Fargate size that holds the need (the per-task answer),
 * one CPU step below and above it, and the current size; each with the smallest memory that
 * holds the memory need. Same architecture and capacity provider as the current size.
 */
export function rightsizeCandidates(need: TaskNeed, current: TaskSize): TaskSize[] {
  const fits = FARGATE_CPUS.filter(
    (c) => c >= need.cpuUnits && memoryFor(c, need.memoryMiB) !== null,
  );
  const pick = fits[0] ?? FARGATE_CPUS[FARGATE_CPUS.length - 1]!;
  const at = FARGATE_CPUS.indexOf(pick);
  const cpus = [FARGATE_CPUS[at - 1], pick, FARGATE_CPUS[at + 1]].filter(
    (c): c is number => c !== undefined,
  );
  const out = new Map<string, TaskSize>();
  for (const cpu of cpus) {
    const memory = memoryFor(cpu, need.memoryMiB);
    if (memory === null) continue;
    out.set(`${cpu}/${memory}`, { ...current, cpu: String(cpu), memory: String(memory) });
  }
  out.set(`${current.cpu}/${current.memory}`, { ...current });
  return [...out.values()].sort(
    (a, b) => Number(a.cpu) - Number(b.cpu) || Number(a.memory) - Number(b.memory),
  );
}

export interface RightsizeRow {
  readonly task: TaskSize;
  readonly label: string;
  readonly current: boolean;
  /** Whether it is the per-task answer (smallest size that holds the need). */
  readonly perTaskPick: boolean;
  /** One task of this size for a 730-hour month, USD. */
  readonly taskMonthlyCostUsd: number;
  /** The replay's Kpis; null when not simulated ({@link rightsizeFromUsage}). */
  readonly kpis: Kpis | null;
  /** Whether the replay met the SLO without OOM kills; null when not simulated. */
  readonly meetsSlo: boolean | null;
}

export interface RightsizeResult {
  readonly need: TaskNeed;
  readonly rows: readonly RightsizeRow[];
  /**
   * The cheapest size that meets the SLO without OOM kills in the replay; null when none
   * does. Not simulated: the per-task pick.
   */
  readonly recommended: RightsizeRow | null;
  /** Whether each size was checked by replaying the traffic under the scaling policy. */
  readonly simulated: boolean;
  readonly reasons: readonly string[];
}

/** Hours in the month costs are quoted for (365 × 24 / 12), as the simulator's monthlyCostUsd. */
const HOURS_PER_MONTH = 730;

/** One task of `task` running a 730-hour month, USD. */
function taskMonthlyCost(task: TaskSize, prices: PriceTable): number {
  return taskCostPerSecond(task, prices) * HOURS_PER_MONTH * 3600;
}

/**
 * The per-task answer alone: the smallest Fargate size that holds the usage percentiles with
 * headroom, its neighbours and today's size, each priced per task, none simulated (`why`
 * says what the replay lacked: traffic, a scaling policy or a service model).
 */
export function rightsizeFromUsage(
  o: ObservedService,
  today: TaskSize,
  prices: PriceTable,
  why: string,
  options: RightsizeOptions = {},
): RightsizeResult {
  const need = taskNeed(o, options);
  const sizes = rightsizeCandidates(need, today);
  const pick = perTaskPickOf(sizes, need);
  const rows: RightsizeRow[] = sizes.map((task) => ({
    task,
    label: sizeLabel(task),
    current: task.cpu === today.cpu && task.memory === today.memory,
    perTaskPick: task === pick,
    taskMonthlyCostUsd: taskMonthlyCost(task, prices),
    kpis: null,
    meetsSlo: null,
  }));
  const recommended = rows.find((r) => r.perTaskPick) ?? null;
  return {
    need,
    rows,
    recommended,
    simulated: false,
    reasons: [
      ...(recommended === null
        ? ["No Fargate size holds the need; the largest is listed."]
        : [
            `${recommended.label} is the smallest Fargate size that holds the usage (p95 CPU, p99 memory, plus headroom): $${recommended.taskMonthlyCostUsd.toFixed(2)} a task a month.`,
          ]),
      `Not checked by simulation: ${why}.`,
    ],
  };
}

/** The smallest of `sizes` that holds `need`. */
function perTaskPickOf(sizes: readonly TaskSize[], need: TaskNeed): TaskSize | undefined {
  return sizes.find((t) => Number(t.cpu) >= need.cpuUnits && Number(t.memory) >= need.memoryMiB);
}

/**
 * Sizes the task from its usage, then checks each candidate size jointly with the current
 * scaling policy by simulating the observed traffic (starting at the observed capacity, in
 * vCPUs: a half-size task starts with twice the copies).
 *
 * Cost: one simulation per candidate size (≤ 4).
 */
export function rightsize(
  o: ObservedService,
  current: Candidate,
  context: SimulationContext,
  options: RightsizeOptions = {},
): RightsizeResult {
  const need = taskNeed(o, options);
  const trace = observedTrace(o);
  const start = startingAsObserved(o, current);
  const startVcpus = (start.scaling.DesiredCount ?? 1) * vcpusOf(current.task);
  const sizes = rightsizeCandidates(need, current.task);
  const perTask = perTaskPickOf(sizes, need);
  const rows: RightsizeRow[] = sizes.map((task) => {
    const { MinCapacity, MaxCapacity } = current.scaling;
    const desired = Math.min(
      MaxCapacity,
      Math.max(MinCapacity, Math.ceil(startVcpus / vcpusOf(task) - 1e-9)),
    );
    const candidate: Candidate = { task, scaling: { ...current.scaling, DesiredCount: desired } };
    const { kpis } = simulate(trace, candidate, context, { record: false });
    return {
      task,
      label: sizeLabel(task),
      current: task.cpu === current.task.cpu && task.memory === current.task.memory,
      perTaskPick: task === perTask,
      taskMonthlyCostUsd: taskMonthlyCost(task, context.prices),
      kpis,
      meetsSlo: meetsSlo(kpis, context.slo) && kpis.oomKills === 0,
    };
  });
  const ok = rows
    .filter((r) => r.meetsSlo)
    .sort((a, b) => a.kpis!.monthlyCostUsd - b.kpis!.monthlyCostUsd);
  const recommended = ok[0] ?? null;
  const reasons: string[] = [];
  const cur = rows.find((r) => r.current);
  if (recommended === null) {
    reasons.push(
      "No size meets the SLO under the current scaling policy; revisit the policy (caplab plan) before the size.",
    );
  } else if (cur && recommended !== cur) {
    const saving = cur.kpis!.monthlyCostUsd - recommended.kpis!.monthlyCostUsd;
    reasons.push(
      `${recommended.label} meets the SLO under the current policy at $${recommended.kpis!.monthlyCostUsd.toFixed(2)}/month, $${saving.toFixed(2)} less than ${cur.label}; it ran ${taskRange(recommended.kpis!)} tasks in the replay.`,
    );
  } else {
    reasons.push(
      `The current size ${recommended.label} is the cheapest that meets the SLO in the replay.`,
    );
  }
  for (const r of rows)
    if (r.perTaskPick && !r.meetsSlo)
      reasons.push(
        `${r.label}, what per-task usage alone suggests, misses the SLO once scaling is simulated (${r.kpis!.sloViolationMinutes.toFixed(0)} violation minutes, ${oomKills(r.kpis!.oomKills)}, up to ${mostTasks(r.kpis!)} desired of MaxCapacity ${current.scaling.MaxCapacity} tasks).`,
      );
  return { need, rows, recommended, simulated: true, reasons };
}

/**
 * A run's OOM kills: "3 OOM kills", or, a fraction being the expected value oomModel "poisson"
 * gives (it kills the share of a group past its memory), "an expected 94.1 OOM kills (oomModel
 * poisson)".
 */
function oomKills(v: number): string {
  if (isWholeCount(v)) return `${Math.round(v)} OOM kills`;
  return `an expected ${Math.round(v * 10) / 10} OOM kills (oomModel poisson)`;
}

/** What rightsizing a service starts from: what was observed and today's settings. */
export interface RightsizeInputs {
  readonly observed: ObservedService;
  /** Whether the bundle has a requests series (traffic to replay). */
  readonly hasRequests: boolean;
  /** Today's task size. */
  readonly task: TaskSize;
  /** Today's scaling policy; null when neither the bundle nor a config records one. */
  readonly scaling: ScalingConfig | null;
  readonly slo: Slo;
  /** Today's simulate config (service model, platform, prices), or null: the model is calibrated. */
  readonly config: SimulateConfig | null;
}

/**
 * Rightsizes a service as `caplab rightsize` does: {@link rightsize} by replay when there is
 * traffic, a scaling policy and a service model (the config's, else calibrated from the
 * observations), else {@link rightsizeFromUsage} with the reason the replay could not run.
 */
export function rightsizeService(
  inputs: RightsizeInputs,
  options: RightsizeOptions,
  warn: WarningSink,
): RightsizeResult {
  const { observed, scaling, slo, config } = inputs;
  let context: SimulationContext | null = null;
  let why: string | null = null;
  if (!inputs.hasRequests || observed.length === 0)
    why = "the bundle has no requests series to replay";
  else if (scaling === null)
    why =
      "the bundle records no scaling policy (only caplab collect writes one); give --config with today's scaling";
  else if (config !== null)
    // A collected bundle's target group settings, where the config's platform: is silent.
    context = {
      ...simulationContext({
        ...config,
        platform: withRecordedPlatform(config.platform, observed.platform).platform,
      }),
      slo,
    };
  else {
    try {
      context = calibratedContext(calibrate(observed, { sloP95Ms: slo.latencyP95Ms }, warn), slo);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      why = `no service model: ${error.message.replace(/\.$/, "")}`;
    }
  }
  return context === null || scaling === null
    ? rightsizeFromUsage(observed, inputs.task, resolvePrices(config?.prices), why!, options)
    : rightsize(observed, { task: inputs.task, scaling }, context, options);
}
