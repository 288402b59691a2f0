/**
 * caplab's library: what `import … from "caplab"` gives, for capacity studies in a script or a
 * notebook. The CLI is built on the same functions.
 *
 *   a trace (loadTraceSource: a CSV, a bundle, or the generated week; toTrace for your own
 *   series) × a service model × a candidate (task size and scaling, in AWS's words)
 *     ──simulate──▶ Timeline, scaling events, Kpis
 *   a plan config ──plan──▶ every candidate swept, ranked, checked under perturbations, picked
 *   access logs, k6 results, CloudWatch ──parse*, evaluateThreshold, collectBundle, importTrace──▶
 *   traces and verdicts; calibrate, backtest, rightsize, evaluateGate judge what was measured.
 *
 * @example A capacity study: how many tasks at 40, 50 and 60 % CPU on the NASA trace?
 *   import { loadTraceSource, simulate, simulationContext, SimulateConfigSchema } from "caplab";
 *
 *   const config = SimulateConfigSchema.parse({ trace: { file: "nasa.csv" }, … });
 *   const { trace } = await loadTraceSource(config.trace, ".", console.warn);
 *   for (const target of [40, 50, 60]) {
 *     const candidate = { task: config.task, scaling: withTarget(config.scaling, target) };
 *     const { kpis } = simulate(trace, candidate, simulationContext(config));
 *     console.log(target, kpis.maxTasks, kpis.monthlyCostUsd, kpis.sloViolationMinutes);
 *   }
 *
 * Pure functions (simulate, plan's ranking, the parsers, the statistics) take everything as
 * arguments: no files, no clock, no randomness but a seeded source. Functions that read files,
 * call AWS or start worker threads say so (load…, collectBundle, importTrace, plan, runSweep).
 */

import { plan as planWith, type PlanOptions } from "./sim/io/plan.js";
import { candidateLabel, currentLabel } from "./reports/labels.js";
import type { PlanConfig, PlanResult, Trace } from "./sim/vocab/index.js";

// The vocabulary: configs as zod schemas (parse a YAML or JSON object with them), defaults,
// Fargate sizes and prices, and the types every phase passes on.
export {
  DEFAULTS,
  PLATFORM_DEFAULTS,
  PlanConfigSchema,
  ScalingSchema,
  ServiceModelSchema,
  SimulateConfigSchema,
  SLO_DEFAULTS,
  SloSchema,
  SPACE_DEFAULTS,
  TaskSizeSchema,
  TraceSourceSchema,
  US_EAST_1_PRICES,
  FARGATE_CPUS,
  FARGATE_MEMORY_BY_CPU,
  fargateMenu,
  fargateSizeProblem,
  resolvePlatform,
  resolvePrices,
  simulationContext,
  sizeLabel,
  taskCostPerSecond,
  TIMELINE_COLUMNS,
  TIMELINE_COLUMN_DESCRIPTIONS,
  type Candidate,
  type CandidateOutcome,
  type Kpis,
  type PlanCandidate,
  type PlanConfig,
  type PlanResult,
  type PlatformParams,
  type PriceTable,
  type RawMetricSeries,
  type ScalingConfig,
  type ScalingEvent,
  type ServiceModel,
  type SimulateConfig,
  type SimulationContext,
  type Slo,
  type TaskSize,
  type Timeline,
  type Trace,
  type TraceSource,
  type Warning,
  type WarningSink,
} from "./sim/vocab/index.js";
export { HistoryError, UsageError } from "./sim/vocab/errors.js";

// Simulate and plan.
export { simulate, type SimulateOptions, type SimulationResult } from "./sim/engine.js";
export { deploymentPlans } from "./sim/deploy.js";
export { type PlanOptions } from "./sim/io/plan.js";
export { runSweep, poolSize, type SweepOptions } from "./sim/io/pool.js";
export {
  DEFAULT_PERTURBATIONS,
  expandSpace,
  frontLimitMinutes,
  meetsSlo,
  paretoFront,
  rankOutcomes,
  violationBudgetMinutes,
  type Perturbation,
} from "./sim/search.js";
export { assemblePlan, robustnessOf, type PlanInputs } from "./sim/plan.js";
export { createRandom, type Random } from "./sim/math/random.js";
export { candidateLabel, currentLabel, shortMetricName } from "./reports/labels.js";
export { assessTrace, requireEnoughTrace } from "./analysis/trace-coverage.js";

/**
 * Sweeps `config`'s space over `trace` and picks (sim/io/plan.ts), with the candidates named
 * as caplab names them (reports/labels.ts) unless `options` names them otherwise.
 */
export function plan(
  trace: Trace,
  config: PlanConfig,
  options: PlanOptions = {},
): Promise<PlanResult> {
  return planWith(trace, config, { candidateLabel, currentLabel, ...options });
}

// Traces: from files, from your own series, generated.
export { loadTrace, loadTraceSource, readTraceCsv } from "./analysis/io/files/trace-file.js";
export {
  recordedPlatformLine,
  withBundlePlatform,
  withRecordedPlatform,
} from "./analysis/recorded-platform.js";
export { loadConfig } from "./analysis/io/files/config-file.js";
export { resampleTrace, toTrace, type ToTraceOptions } from "./analysis/trace.js";
export { generateDefaultWeek } from "./analysis/synthetic.js";
export { DEFAULT_PLAN_CONFIG } from "./analysis/default-plan.js";
export { renderTimelineCsv } from "./analysis/io/files/output.js";

// Measurements: access logs, k6, CloudWatch, collected from AWS or imported from files.
export {
  parseAlbLogLine,
  parseCombinedLogLine,
  QuantileSketch,
  type AlbLogRecord,
  type CombinedLogRecord,
} from "./analysis/access-log.js";
export { parseK6Line, type K6Line } from "./analysis/k6-results.js";
export {
  evaluateThreshold,
  evaluateThresholds,
  parseThresholdExpression,
  type ThresholdResult,
} from "./scenarios/plan/k6-thresholds.js";
export {
  defaultPlan,
  parsePlan,
  thresholdsFor,
  traceToStages,
  type ScenarioPlan,
} from "./scenarios/plan/k6-plan.js";
export { explainK6Exit, K6_EXIT_CODES } from "./scenarios/plan/k6-exit.js";
export {
  importTrace,
  IMPORT_FORMATS,
  type ImportFormat,
  type ImportResult,
} from "./analysis/io/import/import.js";
export {
  importBundles,
  type ImportFlags,
  type ImportOutcome,
  type ImportWorld,
} from "./analysis/io/import/import-bundles.js";
export { collectBundle, type CollectBundleOptions } from "./analysis/io/aws/collect-bundle.js";
export { runScenario, type RunOptions, type RunWorld } from "./scenarios/io/run.js";

// Judging what was measured.
export {
  calibrate,
  calibratedContext,
  type Calibration,
  type ObservedService,
} from "./analysis/calibrate.js";
export { backtest, type FidelityScore } from "./analysis/backtest.js";
export {
  rightsize,
  rightsizeService,
  type RightsizeInputs,
  type RightsizeResult,
} from "./analysis/rightsize.js";
export {
  evaluateGate,
  GATE_DEFAULTS,
  GateConfigSchema,
  type GateConfig,
  type GateResult,
  type GateRun,
} from "./analysis/gate.js";
export {
  historyTrends,
  p95ChangePoints,
  type HistoryPlan,
  type HistoryRun,
} from "./analysis/history.js";
export * as stats from "./analysis/stats/index.js";

// The outputs and reports, as the commands write them.
export { writePlanOutputs } from "./reports/io/write-plan-outputs.js";
export { writeReport, type WriteReportOptions } from "./reports/io/write-report.js";

// What to paste, and the configs' JSON Schemas.
export { renderSnippets, type Snippets } from "./reports/snippets.js";
export { configJsonSchema, type ConfigSchemaKind } from "./analysis/config-schema.js";
