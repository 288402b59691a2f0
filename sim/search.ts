/**
 * Capacity planning over a candidate space (pure):
 *
 *   SpaceConfig × Trace → PlanCandidate[]            (expandSpace)
 *   PlanCandidate[] → Kpis[]                         (the caller runs `simulate`, on workers)
 *   Kpis[] → CandidateOutcome[], Pareto front, order  (rankOutcomes, paretoFront)
 *   best K × perturbations → robustness, the pick     (perturbations, choose)
 */
import {
  fargateMenu,
  FARGATE_MEMORY_BY_CPU,
  SPACE_DEFAULTS,
  vcpusOf,
  type Candidate,
  type CandidateOutcome,
  type Kpis,
  type ModelReading,
  type PerturbationVaries,
  type PlanCandidate,
  type PolicyConfig,
  type PredefinedMetricType,
  type RobustnessOutcome,
  type ScheduledActionConfig,
  type ServiceModel,
  type SimulationContext,
  type Slo,
  type SpaceConfig,
  type TaskSize,
  type Trace,
} from "./vocab/index.js";
import { UsageError } from "./vocab/errors.js";
import { taskStation } from "./queue.js";
import { defaultRollingDeployment, peakSeconds } from "./deploy.js";

/** Thrown when a space yields no candidate or contradicts itself (a usage error: the config must change). */
export class SpaceError extends UsageError {
  constructor(message: string) {
    super(message, "bad-space");
    this.name = "SpaceError";
  }
}

/** CPU utilization at the trace's peak that sizes the automatic MaxCapacity (SPACE_DEFAULTS). */
export const AUTO_MAX_CAPACITY_CPU_PERCENT = SPACE_DEFAULTS.autoMaxCapacityCpuPercent;

/** Requests per minute one task can serve at 100 % CPU: its station's c · μ (sim/queue.ts). */
export function taskCapacityPerMinute(task: Pick<TaskSize, "cpu">, service: ServiceModel): number {
  const station = taskStation(
    vcpusOf(task),
    service.cpuMsPerRequest / 1000,
    service.idleCpuPercent / 100,
  );
  return 60 * station.capacityRate;
}

/** Task sizes of the space: the explicit list, or the Fargate menu at the given memory ratios. */
export function spaceTaskSizes(space: SpaceConfig): TaskSize[] {
  if (space.taskSizes) return space.taskSizes.map((t) => ({ ...t }));
  const out = new Map<string, TaskSize>();
  for (const architecture of space.architectures) {
    for (const provider of space.capacityProviders) {
      const menu = fargateMenu(space.minCpu, space.maxCpu, architecture, provider);
      for (const ratio of space.memoryPerVcpuGiB) {
        for (const cpu of new Set(menu.map((t) => Number(t.cpu)))) {
          const want = ratio * (cpu / 1024) * 1024;
          const options = FARGATE_MEMORY_BY_CPU[cpu] ?? [];
          const memory = options.find((m) => m >= want) ?? options[options.length - 1];
          if (memory === undefined) continue;
          const size: TaskSize = {
            cpu: String(cpu),
            memory: String(memory),
            architecture,
            capacityProvider: provider,
          };
          out.set(`${size.cpu}/${size.memory}/${architecture}/${provider}`, size);
        }
      }
    }
  }
  if (out.size === 0) {
    throw new SpaceError(
      `space: no Fargate size between minCpu ${space.minCpu} and maxCpu ${space.maxCpu}; use CPU values such as 256, 512, 1024, 2048, 4096.`,
    );
  }
  return [...out.values()];
}

/** Peak requests per second of the trace. */
export function peakRequestsPerSecond(trace: Trace): number {
  let peak = 0;
  for (let i = 0; i < trace.requests.length; i++) peak = Math.max(peak, trace.requests[i] ?? 0);
  return peak / trace.stepSeconds;
}

function isUtilizationMetric(m: PredefinedMetricType): boolean {
  return m !== "ALBRequestCountPerTarget";
}

/** Scheduled actions that raise MinCapacity during the given UTC hours every day. */
export function scheduledMinimumActions(
  windows: NonNullable<SpaceConfig["scheduledMinimums"]>,
  baseMin: number,
): ScheduledActionConfig[] {
  return windows.flatMap((w, i) => [
    {
      ScheduledActionName: `caplab-min-${i + 1}-start`,
      Schedule: `cron(0 ${w.fromHourUtc} * * ? *)`,
      ScalableTargetAction: { MinCapacity: w.MinCapacity },
    },
    {
      ScheduledActionName: `caplab-min-${i + 1}-end`,
      Schedule: `cron(0 ${w.toHourUtc % 24} * * ? *)`,
      ScalableTargetAction: { MinCapacity: baseMin },
    },
  ]);
}

/** Names a candidate for people (reports/labels.ts has caplab's: candidateLabel). */
export type CandidateLabeller = (candidate: Omit<PlanCandidate, "label">) => string;

/** A label that says only which candidate it is, for callers that bring none. */
export const plainLabel: CandidateLabeller = (c) => `candidate #${c.id}`;

/**
 * Every candidate of the space, in a stable order (ids are positions), each named by `label`.
 * Cost: sizes × metrics × targets × MinCapacity × MaxCapacity × cooldowns × schedules.
 */
export function expandSpace(
  space: SpaceConfig,
  trace: Trace,
  service: ServiceModel,
  label: CandidateLabeller = plainLabel,
): PlanCandidate[] {
  const sizes = spaceTaskSizes(space);
  const peak = peakRequestsPerSecond(trace);
  const out: PlanCandidate[] = [];
  for (const task of sizes) {
    const perMinute = taskCapacityPerMinute(task, service);
    const autoMax = Math.max(
      Math.max(...space.MinCapacity) + 1,
      Math.ceil((peak * 60) / (perMinute * (AUTO_MAX_CAPACITY_CPU_PERCENT / 100))),
    );
    const maxima = space.MaxCapacity ?? [autoMax];
    for (const metric of space.metrics) {
      const targets = isUtilizationMetric(metric)
        ? space.utilizationTargets
        : (space.requestCountTargets ??
          space.requestCountTargetFractions.map((f) => Math.max(1, Math.round(f * perMinute))));
      for (const TargetValue of [...new Set(targets)]) {
        for (const MinCapacity of space.MinCapacity) {
          for (const MaxCapacity of maxima) {
            if (MinCapacity > MaxCapacity) continue; // not a valid scalable target
            for (const ScaleOutCooldown of space.ScaleOutCooldown) {
              for (const ScaleInCooldown of space.ScaleInCooldown) {
                const schedules = space.scheduledMinimums
                  ? [[], scheduledMinimumActions(space.scheduledMinimums, MinCapacity)]
                  : [[]];
                for (const scheduledActions of schedules) {
                  const policy: PolicyConfig = {
                    PolicyName: `caplab-${metric}`,
                    PolicyType: "TargetTrackingScaling",
                    TargetTrackingScalingPolicyConfiguration: {
                      TargetValue,
                      PredefinedMetricSpecification: { PredefinedMetricType: metric },
                      ScaleOutCooldown,
                      ScaleInCooldown,
                      DisableScaleIn: false,
                    },
                  };
                  const candidate = {
                    id: out.length,
                    task,
                    metric,
                    targetValue: TargetValue,
                    scaling: { MinCapacity, MaxCapacity, policies: [policy], scheduledActions },
                  };
                  out.push({ ...candidate, label: label(candidate) });
                }
              }
            }
          }
        }
      }
    }
  }
  if (
    out.length === 0 &&
    space.MaxCapacity &&
    Math.min(...space.MinCapacity) > Math.max(...space.MaxCapacity)
  ) {
    throw new SpaceError(
      `space: every MinCapacity (${space.MinCapacity.join(", ")}) is greater than every MaxCapacity (${space.MaxCapacity.join(", ")}); lower MinCapacity or raise MaxCapacity.`,
    );
  }
  if (out.length === 0)
    throw new SpaceError(
      "space: it yields no candidate; list at least one metric and one target value.",
    );
  return out;
}

/**
 * The SLO's violation-minute budget for a trace with `dataMinutes` minutes of data
 * (Kpis.dataMinutes, sim/tally.ts traceDataMinutes): a share of the minutes with data, not of
 * the trace's span, so that gaps (replayed as zero traffic, never violating) grant no minutes.
 *
 * @example violationBudgetMinutes({ violationBudgetPercent: 0.5, … }, 10_080) // 50.4
 */
export function violationBudgetMinutes(
  slo: Pick<Slo, "violationBudgetPercent">,
  dataMinutes: number,
): number {
  return (slo.violationBudgetPercent / 100) * dataMinutes;
}

/** Whether the Kpis are within the SLO (the violation budget over their minutes with data). */
export function meetsSlo(kpis: Kpis, slo: Slo): boolean {
  return (
    kpis.sloViolationMinutes <= violationBudgetMinutes(slo, kpis.dataMinutes) + 1e-9 &&
    kpis.errorRatePercent <= slo.errorRatePercent + 1e-12
  );
}

/** Order of candidates that miss the SLO: fewest violation minutes, lowest error rate, cheapest. */
export function closestToSlo(a: CandidateOutcome, b: CandidateOutcome): number {
  return (
    a.kpis.sloViolationMinutes - b.kpis.sloViolationMinutes ||
    a.kpis.errorRatePercent - b.kpis.errorRatePercent ||
    a.kpis.monthlyCostUsd - b.kpis.monthlyCostUsd ||
    a.candidate.id - b.candidate.id
  );
}

/** Costs within this fraction of each other count as a tie, broken by stability. */
export const COST_TIE_FRACTION = 0.01;

/**
 * Orders outcomes: those meeting the SLO first, cheapest first; near-ties in cost
 * (within {@link COST_TIE_FRACTION}) go to fewer scaling actions, then more CPU headroom;
 * the rest by fewest violation minutes. Returns a new array.
 */
export function rankOutcomes(outcomes: readonly CandidateOutcome[]): CandidateOutcome[] {
  const meeting = outcomes
    .filter((o) => o.meetsSlo)
    .sort(
      (a, b) => a.kpis.monthlyCostUsd - b.kpis.monthlyCostUsd || a.candidate.id - b.candidate.id,
    );
  const ranked: CandidateOutcome[] = [];
  let i = 0;
  while (i < meeting.length) {
    const head = meeting[i] as CandidateOutcome;
    let j = i + 1;
    while (
      j < meeting.length &&
      (meeting[j] as CandidateOutcome).kpis.monthlyCostUsd <=
        head.kpis.monthlyCostUsd * (1 + COST_TIE_FRACTION)
    )
      j++;
    ranked.push(
      ...meeting
        .slice(i, j)
        .sort(
          (a, b) =>
            a.kpis.scalingActions - b.kpis.scalingActions ||
            b.kpis.cpuHeadroomPercent - a.kpis.cpuHeadroomPercent ||
            a.kpis.monthlyCostUsd - b.kpis.monthlyCostUsd ||
            a.candidate.id - b.candidate.id,
        ),
    );
    i = j;
  }
  const missing = outcomes.filter((o) => !o.meetsSlo).sort(closestToSlo);
  return [...ranked, ...missing];
}

/**
 * The most SLO-violating minutes a candidate on the Pareto front may have: `multiple` times the
 * violation budget over a trace with `minutes` of data, plus meetsSlo's slack (so 0 minutes stay within a
 * budget of 0); Infinity for a null multiple (no limit). One function for the plan and the
 * sweep's stop rule (sim/prune.ts), so that both compare with the same number.
 */
export function frontLimitMinutes(slo: Slo, minutes: number, multiple: number | null): number {
  return multiple === null ? Infinity : multiple * violationBudgetMinutes(slo, minutes) + 1e-9;
}

/**
 * Ids on the Pareto front of (monthly cost, SLO-violation minutes), both minimized,
 * cheapest first, over the outcomes with at most `maxMinutes` violating minutes
 * ({@link frontLimitMinutes}; the rest are off it). Cost: O(n log n).
 */
export function paretoFront(
  outcomes: readonly CandidateOutcome[],
  maxMinutes: number = Infinity,
): number[] {
  const sorted = outcomes
    .filter((o) => o.kpis.sloViolationMinutes <= maxMinutes)
    .sort(
      (a, b) =>
        a.kpis.monthlyCostUsd - b.kpis.monthlyCostUsd ||
        a.kpis.sloViolationMinutes - b.kpis.sloViolationMinutes ||
        a.candidate.id - b.candidate.id,
    );
  const front: number[] = [];
  let best = Infinity;
  for (const o of sorted) {
    if (o.kpis.sloViolationMinutes < best) {
      front.push(o.candidate.id);
      best = o.kpis.sloViolationMinutes;
    }
  }
  return front;
}

/** A named change to the inputs, for robustness checks. */
export interface Perturbation {
  readonly name: string;
  /**
   * What it varies: traffic, the service, operations, or the model's reading of a fact AWS does
   * not document; the risk rating weighs a miss under a model reading as a model risk
   * (sim/risk.ts).
   */
  readonly varies: PerturbationVaries;
  readonly apply: (
    trace: Trace,
    context: SimulationContext,
  ) => { trace: Trace; context: SimulationContext };
  /** A change to the candidate itself (a deployment during the trace), after `apply`. */
  readonly candidate?: <C extends Candidate>(candidate: C, trace: Trace) => C;
}

function scaleTrace(trace: Trace, factor: number): Trace {
  return { ...trace, requests: trace.requests.map((v) => v * factor) };
}

/** Multiplies traffic by `factor` for `minutes` starting at the trace's busiest step. */
export function injectSpike(trace: Trace, factor: number, minutes: number): Trace {
  let at = 0;
  for (let i = 1; i < trace.requests.length; i++)
    if ((trace.requests[i] ?? 0) > (trace.requests[at] ?? 0)) at = i;
  // Put the spike half a day away from the peak so it lands on ordinary traffic.
  const shift = Math.round((12 * 3600) / trace.stepSeconds);
  const start = trace.requests.length > shift * 2 ? (at + shift) % trace.requests.length : at;
  const steps = Math.max(1, Math.round((minutes * 60) / trace.stepSeconds));
  const requests = trace.requests.slice();
  for (let i = start; i < Math.min(requests.length, start + steps); i++)
    requests[i] = (requests[i] ?? 0) * factor;
  return { ...trace, requests };
}

/** A rolling deployment's percents (ECS's DeploymentConfiguration). */
export interface RollingPercents {
  readonly minimumHealthyPercent: number;
  readonly maximumPercent: number;
}

/** The name of the deployment perturbation (with its percents when they are not ECS's defaults). */
export const DEPLOY_AT_PEAK = "deploy at the peak";

/**
 * Issue #16: a rolling deployment (ECS's defaults, 100 % / 200 %, unless the service's own
 * percents are given) started at the trace's busiest step, with scale-in off while it runs
 * (sim/deploy.ts).
 */
export function deployAtPeak(percents?: RollingPercents): Perturbation {
  return {
    name: percents
      ? `${DEPLOY_AT_PEAK} (${percents.minimumHealthyPercent} % / ${percents.maximumPercent} %)`
      : DEPLOY_AT_PEAK,
    varies: { kind: "operations" },
    apply: (trace, context) => ({ trace, context }),
    candidate: (candidate, trace) => ({
      ...candidate,
      deployments: [{ ...defaultRollingDeployment(peakSeconds(trace)), ...percents }],
    }),
  };
}

/** The names of the perturbation that reads the AWS/ECS averages the other way (O9). */
export const WITHOUT_DRAINING = "AWS/ECS average without draining tasks";
export const WITH_DRAINING = "AWS/ECS average with draining tasks";

/** The undocumented fact the draining-tasks perturbation reads the other way (MODEL-AUDIT O9). */
export const DRAINING_READING: ModelReading = {
  kind: "model-reading",
  parameter: "drainingTasksInServiceMetrics",
  audit: "O9",
  fact: "whether draining tasks count in the AWS/ECS CPU and memory averages",
};

/**
 * The other reading of a fact AWS does not document (sim/MODEL-AUDIT.md O9): whether draining
 * tasks count in the AWS/ECS CPU and memory averages a CPU or memory policy scales on. Given the
 * platform's setting (`drainingTasksInServiceMetrics`), the perturbation runs the candidate under
 * the opposite one. A reading of the model, not a change of traffic: a pick that holds under it
 * does not rest on the guess.
 */
export function otherDrainingReading(drainingTasksInServiceMetrics: boolean): Perturbation {
  const flipped = !drainingTasksInServiceMetrics;
  return {
    name: flipped ? WITH_DRAINING : WITHOUT_DRAINING,
    varies: DRAINING_READING,
    apply: (trace, context) => ({
      trace,
      context: {
        ...context,
        platform: { ...context.platform, drainingTasksInServiceMetrics: flipped },
      },
    }),
  };
}

/**
 * The default perturbations with the deployment one at the service's percents (`percents`),
 * at ECS's defaults (undefined), or left out (`false`, robustness.deployment: false), and the
 * draining-tasks reading opposite to the platform's (`drainingTasksInServiceMetrics`, default
 * true).
 */
export function perturbationsWith(
  percents: RollingPercents | false | undefined,
  drainingTasksInServiceMetrics = true,
): Perturbation[] {
  const others = DEFAULT_PERTURBATIONS.filter(
    (p) =>
      p.varies.kind !== "operations" &&
      !(p.varies.kind === "model-reading" && p.varies.parameter === DRAINING_READING.parameter),
  );
  const reading = otherDrainingReading(drainingTasksInServiceMetrics);
  return percents === false ? [...others, reading] : [...others, reading, deployAtPeak(percents)];
}

/**
 * The default robustness perturbations (issue #3): growth, slower launches, costlier requests, a
 * spike, the other reading of draining tasks in the AWS/ECS averages (O9), a deployment at the
 * peak.
 */
export const DEFAULT_PERTURBATIONS: readonly Perturbation[] = [
  {
    name: "traffic x1.2",
    varies: { kind: "traffic" },
    apply: (trace, context) => ({ trace: scaleTrace(trace, 1.2), context }),
  },
  {
    name: "traffic x1.5",
    varies: { kind: "traffic" },
    apply: (trace, context) => ({ trace: scaleTrace(trace, 1.5), context }),
  },
  {
    name: "launch time x1.5",
    varies: { kind: "service" },
    apply: (trace, context) => ({
      trace,
      context: {
        ...context,
        platform: { ...context.platform, launchSeconds: context.platform.launchSeconds * 1.5 },
      },
    }),
  },
  {
    name: "CPU per request x1.2",
    varies: { kind: "service" },
    apply: (trace, context) => ({
      trace,
      context: {
        ...context,
        service: { ...context.service, cpuMsPerRequest: context.service.cpuMsPerRequest * 1.2 },
      },
    }),
  },
  {
    name: "spike x3 for 10 min",
    varies: { kind: "traffic" },
    apply: (trace, context) => ({ trace: injectSpike(trace, 3, 10), context }),
  },
  otherDrainingReading(true),
  deployAtPeak(),
];

/**
 * The pick among the ranked outcomes: of the best `robustness` entries (in rank order),
 * the one that stays within the SLO under the most perturbations; ties go to rank order.
 */
export function choose(
  ranked: readonly CandidateOutcome[],
  robustness: readonly RobustnessOutcome[],
): CandidateOutcome | null {
  const meeting = ranked.filter((o) => o.meetsSlo);
  if (meeting.length === 0) return null;
  if (robustness.length === 0) return meeting[0] ?? null;
  let best: CandidateOutcome | null = null;
  let bestPassed = -1;
  for (const r of robustness) {
    const o = meeting.find((m) => m.candidate.id === r.candidateId);
    if (o && r.passed > bestPassed) {
      best = o;
      bestPassed = r.passed;
    }
  }
  return best ?? meeting[0] ?? null;
}
