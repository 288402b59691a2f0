/**
 * Fixtures for the simulator's tests: a trace from a list of counts, and a candidate and context
 * from config-shaped input, read through the real schemas (so defaults are filled in exactly as
 * `caplab simulate` fills them), and one call that runs them.
 *
 * @example
 * const r = runSim(traceOf(rep(600, 60)), {
 *   scaling: { MinCapacity: 2, MaxCapacity: 2 },
 *   platform: SIMPLE_PLATFORM,
 * });
 */
import { simulate, type SimulateOptions, type SimulationResult } from "../../sim/engine.js";
import { z } from "zod";
import { deploymentPlans } from "../../sim/deploy.js";
import {
  DeploymentSchema,
  PlanConfigSchema,
  SimulateConfigSchema,
  simulationContext,
  type Candidate,
  type Kpis,
  type PlanConfig,
  type SimulationContext,
  type Trace,
} from "../../sim/vocab/index.js";

/** Monday 2026-01-05 00:00 UTC: a trace start with nothing special about it. */
export const MONDAY = Date.parse("2026-01-05T00:00:00Z");

/**
 * Platform parameters that make timings easy to follow by hand: datapoints visible at once,
 * tasks RUNNING 30 s after the decision and healthy at the next 30-s health check, no draining.
 */
export const SIMPLE_PLATFORM = {
  metricPublicationDelaySeconds: 0,
  highResolutionPublicationDelaySeconds: 0,
  schedulingDelaySeconds: 0,
  launchSeconds: 30,
  healthCheckIntervalSeconds: 30,
  appStartSeconds: 0,
  deregistrationDelaySeconds: 0,
} as const;

/** A service of 10 ms of CPU per request, no idle CPU, 256 MiB: the tests' usual one. */
export const TEST_SERVICE = {
  cpuMsPerRequest: 10,
  idleCpuPercent: 0,
  memoryMiB: { base: 256 },
} as const;

/** A 1 vCPU / 2 GiB x86 task. */
export const TEST_TASK = { cpu: "1024", memory: "2048" } as const;

/** `count` copies of `value`. */
export const rep = (value: number, count: number): number[] => Array<number>(count).fill(value);

export interface TraceOptions {
  /** @default 60 */
  readonly stepSeconds?: number;
  /** @default MONDAY */
  readonly startMs?: number;
  /** @default "test" */
  readonly source?: string;
  /** Flag the steps without requests as gaps (as a trace file with missing rows would). @default false */
  readonly gapsWhereZero?: boolean;
}

/** A trace holding `requests` per step. */
export function traceOf(requests: ArrayLike<number>, options: TraceOptions = {}): Trace {
  const values = Float64Array.from(requests);
  return {
    source: options.source ?? "test",
    startMs: options.startMs ?? MONDAY,
    stepSeconds: options.stepSeconds ?? 60,
    requests: values,
    gap: options.gapsWhereZero
      ? Uint8Array.from(values, (r) => (r === 0 ? 1 : 0))
      : new Uint8Array(values.length),
  };
}

/** What a test gives: the sections of a simulate config (each defaulted as below). */
export interface SimInput {
  /** @default TEST_SERVICE */
  readonly service?: Record<string, unknown>;
  /** @default TEST_TASK */
  readonly task?: Record<string, unknown>;
  /** @default a fixed two-task service */
  readonly scaling?: Record<string, unknown>;
  /** @default {} (the documented defaults) */
  readonly platform?: Record<string, unknown>;
  readonly prices?: Record<string, unknown>;
  readonly slo?: Record<string, unknown>;
  /** The config's `deployments:` (resolved against the trace by {@link runSim}). @default none */
  readonly deployments?: readonly Record<string, unknown>[];
}

/** The candidate and context of a simulate config made of `input`, defaults filled in. */
export function simSetup(input: SimInput = {}): {
  candidate: Candidate;
  context: SimulationContext;
} {
  const config = SimulateConfigSchema.parse({
    trace: { generate: "default-week" },
    service: input.service ?? TEST_SERVICE,
    task: input.task ?? TEST_TASK,
    scaling: input.scaling ?? { MinCapacity: 2, MaxCapacity: 2 },
    platform: input.platform ?? {},
    prices: input.prices ?? {},
    slo: input.slo ?? {},
  });
  return {
    candidate: { task: config.task, scaling: config.scaling },
    context: simulationContext(config),
  };
}

/** The context alone (for sweeps and plans, whose candidates come from a space). */
export function contextOf(input: Omit<SimInput, "task" | "scaling"> = {}): SimulationContext {
  return simSetup(input).context;
}

/** Simulates `input` against `trace` (a full run with timeline and events, by default). */
export function runSim(
  trace: Trace,
  input: SimInput = {},
  options: SimulateOptions = { record: true },
): SimulationResult {
  const { candidate, context } = simSetup(input);
  const deployments = deploymentPlans(
    z.array(DeploymentSchema).parse(input.deployments ?? []),
    trace,
  );
  return simulate(
    trace,
    deployments.length > 0 ? { ...candidate, deployments } : candidate,
    context,
    options,
  );
}

/** A plan config (for spaces and robustness), from its config-shaped sections. */
export function planConfigOf(input: Record<string, unknown>): PlanConfig {
  return PlanConfigSchema.parse({ trace: { generate: "default-week" }, ...input });
}

/**
 * A run's Kpis for the rule tests (risk, pick), so that each test names only the figures it is
 * about: a quiet week (10,080 one-minute steps, a million requests, none failed, 2-4 tasks),
 * then `defaults` (a file's own quiet run), then `k`.
 *
 * @example
 * const kpis = (k: Partial<Kpis> = {}) => kpisWith({ monthlyCostUsd: 56 }, k);
 * kpis({ sloViolationMinutes: 80 }).monthlyCostUsd; // 56
 */
export function kpisWith(defaults: Partial<Kpis>, k: Partial<Kpis> = {}): Kpis {
  return {
    costUsd: 1,
    monthlyCostUsd: 100,
    sloViolationMinutes: 0,
    minutes: 10_080,
    totalRequests: 1e6,
    failedRequests: 0,
    errorRatePercent: 0,
    meanP95LatencyMs: 80,
    worstP95LatencyMs: 200,
    maxTasks: 4,
    minTasks: 2,
    meanTasks: 3,
    scalingActions: 10,
    peakCpuUtilization: 70,
    meanCpuUtilization: 40,
    peakMemoryUtilization: 30,
    cpuHeadroomPercent: 30,
    oomKills: 0,
    ...defaults,
    ...k,
    // A trace without gaps unless a test says otherwise: every minute has data.
    dataMinutes: k.dataMinutes ?? defaults.dataMinutes ?? k.minutes ?? defaults.minutes ?? 10_080,
  };
}
