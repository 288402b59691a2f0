/** `caplab plan`: sweep the space, pick, and write the recommendation and its report. */
import { join, resolve } from "node:path";
import { Option } from "commander";
import { stringify } from "csv-stringify/sync";
import { candidateLabel, currentLabel } from "../reports/labels.js";
import { HTML_TOP_CANDIDATES } from "../reports/html.js";
import { MARKDOWN_TOP_CANDIDATES } from "../reports/plan-markdown.js";
import { writePlanReport } from "../reports/io/write-plan-report.js";
import {
  backtest,
  loadConfig,
  loadTraceSource,
  plan,
  PlanConfigSchema,
  poolSize,
  renderSnippets,
  simulationContext,
  sizeLabel,
  type Candidate,
  type FidelityScore,
  type PlanConfig,
  type PlanResult,
  type SimulationContext,
  type Warning,
} from "../index.js";
import { warnings as warning } from "../sim/vocab/index.js";
import { DEFAULT_PLAN_CONFIG } from "./default-config.js";
import {
  historyLockTimeoutMs,
  recordPlan,
  resolveHistoryPath,
} from "../analysis/io/history/history-db.js";
import { HISTORY_EXIT_CODE, HistoryError, UsageError } from "../sim/vocab/errors.js";
import {
  FORCE_HELP,
  prepareOutputFolder,
  writeFileAtomic,
  writeJsonAtomic,
} from "../analysis/io/files/output.js";
import { defaultWorkers } from "../sim/io/pool.js";
import { PLAN_RESULT_FILE, renderPlanResultJson } from "../analysis/io/files/plan-result-file.js";
import { isBundle } from "../analysis/io/files/bundle.js";
import { loadObservedBundle } from "../analysis/io/files/observed-bundle.js";
import { formatCount } from "../reports/format.js";
import { interruptExitCode, printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { wholeNumberFlag } from "./flags.js";
import { addExamples, helpWidth } from "./help.js";
import { progressBar } from "./progress.js";
import { planVerdict } from "../reports/plan-facts.js";
import { findExtremes } from "../analysis/extremes.js";
import { assessTrace, requireEnoughTrace } from "../analysis/trace-coverage.js";

export interface PlanCommandOptions {
  readonly default?: boolean;
  readonly out: string;
  readonly workers?: number;
  readonly quiet?: boolean;
  readonly json?: boolean;
  /** Write --out even when caplab did not write what is there (it is kept as a backup). */
  readonly force?: boolean;
  /** Plan on a trace shorter than guardrails.minTraceHours (ratings are then medium or higher). */
  readonly allowShortTrace?: boolean;
  /** Simulate every candidate to the end (no pruning, sim/prune.ts). */
  readonly exhaustive?: boolean;
}

async function readPlanConfig(
  path: string | undefined,
  useDefault: boolean,
  cwd: string,
): Promise<{ config: PlanConfig; baseDir: string }> {
  if (path && useDefault)
    throw new UsageError("give either a config file or --default, not both.", "bad-flag");
  if (path) return loadConfig(path, PlanConfigSchema);
  if (useDefault) return { config: PlanConfigSchema.parse(DEFAULT_PLAN_CONFIG), baseDir: cwd };
  throw new UsageError(
    "plan needs a config file, or --default for the embedded example (see caplab plan --help).",
    "missing-config",
  );
}

/** Runs `caplab plan`; returns 0, 3 (no candidate meets the SLO), 74 (not recorded) or 130/143. */
export async function runPlanCommand(
  configPath: string | undefined,
  opts: PlanCommandOptions,
  ctx: CliContext,
): Promise<number> {
  const { io } = ctx;
  const { config, baseDir } = await readPlanConfig(configPath, opts.default ?? false, ctx.cwd);
  // --out is checked before the sweep: a refusal should not come after minutes of work.
  const output = await prepareOutputFolder(opts.out, {
    command: "plan",
    force: opts.force,
    inputs: [
      ...(configPath === undefined ? [] : [configPath]),
      ...(config.trace.file === undefined ? [] : [resolve(baseDir, config.trace.file)]),
    ],
    notify: (message) => io.err(`caplab: ${message}\n`),
  });
  const warnings: Warning[] = [];
  const loaded = await loadTraceSource(config.trace, baseDir, (w) => warnings.push(w));
  const trace = loaded.trace;
  printWarnings(io, warnings);
  // Too little data is refused before the sweep, in one sentence naming the override.
  const coverage = assessTrace(trace, config.guardrails, opts.allowShortTrace ?? false);
  requireEnoughTrace(coverage, trace.source);
  for (const note of coverage.notes) io.err(`warning: ${note}\n`);
  // The config's current settings win over the ones a bundle recorded.
  const current = config.current
    ? { task: config.current.task, scaling: config.current.scaling }
    : loaded.current;
  const requested = opts.workers ?? defaultWorkers();
  const { workers, capped } = poolSize(requested);
  if (capped)
    io.err(
      `warning: --workers ${requested} is more than the ${workers} cores here; using ${workers} (more threads than cores only cost memory).\n`,
    );
  const days = (trace.requests.length * trace.stepSeconds) / 86400;
  const sweepBar = progressBar(ctx, opts.quiet, "candidates");
  const robustnessBar = progressBar(ctx, opts.quiet, "robustness runs");
  const controller = new AbortController();
  let stoppedBy: "SIGINT" | "SIGTERM" = "SIGINT";
  const stopListening = ctx.onInterrupt((signal) => {
    stoppedBy = signal;
    controller.abort(new Error("interrupted"));
  });
  const started = ctx.now().getTime();
  let result: PlanResult;
  try {
    result = await plan(trace, config, {
      current,
      coverage,
      candidateLabel,
      currentLabel,
      recordedDeployment: loaded.deployment,
      workers,
      signal: controller.signal,
      // Candidates stop once they can no longer meet the SLO, be on the Pareto front or in a
      // report's list (sim/prune.ts); the current settings run in full.
      prune: opts.exhaustive
        ? null
        : { keepRanks: Math.max(HTML_TOP_CANDIDATES, MARKDOWN_TOP_CANDIDATES) },
      onSweepStart: (candidates) => {
        io.err(
          `Planning ${candidates} candidates over ${days.toFixed(1)} days of ${trace.source} (${trace.stepSeconds}-s steps) on ${workers || 1} ${workers > 1 ? "workers" : "thread"}…\n`,
        );
        sweepBar?.start(candidates, 0);
      },
      onSweepProgress: (done) => sweepBar?.update(done),
      onSweepEnd: (swept) => {
        sweepBar?.stop();
        const stopped = swept.filter((r) => r.pruned !== null).length;
        io.err(
          `Swept ${swept.length} candidates in ${((ctx.now().getTime() - started) / 1000).toFixed(1)} s${stopped > 0 ? ` (${stopped} stopped early: they could no longer meet the SLO nor change the plan; candidates.csv says when)` : ""}; rating the best ${config.robustness.topK} under perturbations (more, up to ${config.robustness.maxChecked}, until one is rated ${config.robustness.maxRisk} risk or lower)…\n`,
        );
      },
      onRobustnessProgress: (done, total) => {
        if (done === 1) robustnessBar?.start(total, 0);
        robustnessBar?.setTotal(total);
        robustnessBar?.update(done);
      },
    });
  } catch (error) {
    if (controller.signal.aborted) {
      sweepBar?.stop();
      io.err("Stopped (Ctrl-C); nothing was written.\n");
      return interruptExitCode(stoppedBy);
    }
    throw error;
  } finally {
    sweepBar?.stop();
    robustnessBar?.stop();
    stopListening();
  }
  const context = simulationContext(config);
  const fidelity = await bundleFidelity(config, baseDir, current, context, warnings);
  const out = output.path;
  // Everything goes to a temporary sibling folder that is swapped in place of `out`, so an
  // interrupted plan never leaves a mix of old and new files.
  const recommendation = await output.write((dir) =>
    writePlanOutputs(result, config, dir, fidelity),
  );
  let notRecorded: HistoryError | null = null;
  try {
    await recordPlan(resolveHistoryPath(undefined, ctx.env, ctx.cwd), result, {
      out,
      lockTimeoutMs: historyLockTimeoutMs(ctx.env),
    });
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    notRecorded = error;
  }
  if (opts.json) io.out(`${JSON.stringify(recommendation, null, 2)}\n`);
  else io.out(renderPlanSummary(result, out, fidelity));
  if (notRecorded !== null)
    io.err(`caplab: the plan was written but not recorded: ${notRecorded.message}\n`);
  // 3 (no candidate meets the SLO) says more than 74 (not recorded), which it outranks.
  if (!result.recommended) return 3;
  return notRecorded === null ? 0 : HISTORY_EXIT_CODE;
}

/** `caplab plan`'s flags and help. */
export const setupPlanCommand: CommandSetup = (command, ctx, exit) => {
  command
    .summary(
      "search task sizes and scaling policies for the cheapest that meets the SLO (npm start runs it)",
    )
    .description(
      "Sweeps the config's candidate space (task sizes × target-tracking metrics × target values × capacities × cooldowns) on all cores, ranks candidates by cost within the SLO, re-runs the best under perturbations (traffic ×1.2 and ×1.5, launch time ×1.5, CPU per request ×1.2, a ×3 spike), and writes recommendation.json, candidates.csv, pareto.json, snippets (CloudFormation, Terraform, AWS CLI), report.html, report.md and plan-result.json. The plan is recorded in the project's history. Exit 0, 3 when no candidate meets the SLO (the outputs are still written). Every field but trace and service has a default (caplab schema --plan).",
    )
    .argument("[config]", "YAML or JSON plan config (see caplab schema --plan)")
    .option(
      "--default",
      "plan the embedded default: a generated week of traffic and an example service",
    )
    .option("--out <dir>", "output folder", "caplab-out/plan")
    .option("--force", FORCE_HELP.folder)
    .addOption(
      new Option(
        "--workers <n>",
        "worker threads, at most one per core (0 = in this thread; default: every core)",
      ).argParser(wholeNumberFlag("--workers", { unit: "threads" })),
    )
    .option("--quiet", "no progress bars")
    .option("--json", "print recommendation.json on stdout instead of the summary")
    .option(
      "--allow-short-trace",
      "plan on a trace shorter than guardrails.minTraceHours (default 24 h); every risk rating is then medium or higher",
    )
    .option(
      "--exhaustive",
      "simulate every candidate to the end (by default one stops once it can no longer change the plan)",
    )
    .action(async (config: string | undefined, opts: PlanCommandOptions) =>
      exit(await runPlanCommand(config, opts, ctx)),
    );
  addExamples(
    command,
    [
      { note: "the embedded example week, no files needed", command: "caplab plan --default" },
      { command: "caplab plan examples/plan-nasa.yaml --out out/plan --workers 2" },
    ],
    helpWidth(ctx.columns),
  );
};

/**
 * How well the simulator reproduces the service's own history, when the trace is a bundle
 * that records the configuration (`caplab backtest`); null otherwise.
 */
async function bundleFidelity(
  config: PlanConfig,
  baseDir: string,
  current: Candidate | null,
  context: SimulationContext,
  warnings: Warning[],
): Promise<FidelityScore | null> {
  if (config.trace.file === undefined || current === null) return null;
  const path = resolve(baseDir, config.trace.file);
  if (!(await isBundle(path))) return null;
  try {
    const { observed } = await loadObservedBundle(path, (w) => warnings.push(w), {
      task: current.task,
    });
    return backtest(observed, current, context).fidelity;
  } catch (error) {
    warnings.push(warning.noFidelity((error as Error).message));
    return null;
  }
}

function recommendationJson(
  result: PlanResult,
  config: PlanConfig,
  fidelity: FidelityScore | null,
) {
  const rec = result.recommended;
  const robustness = rec
    ? result.robustness.find((r) => r.candidateId === rec.candidate.id)
    : undefined;
  const snippets = rec
    ? renderSnippets({
        task: rec.candidate.task,
        scaling: rec.candidate.scaling,
        serviceName: config.service_name,
        clusterName: config.cluster_name,
      })
    : null;
  return {
    recommendation: rec
      ? {
          label: rec.candidate.label,
          taskDefinition: {
            cpu: rec.candidate.task.cpu,
            memory: rec.candidate.task.memory,
            runtimePlatform: {
              cpuArchitecture: rec.candidate.task.architecture,
              operatingSystemFamily: "LINUX",
            },
            capacityProviderStrategy: [
              { capacityProvider: rec.candidate.task.capacityProvider, weight: 1 },
            ],
          },
          scalableTarget: snippets!.scalableTarget,
          targetTrackingScalingPolicyConfiguration: snippets!.policyJson,
          scheduledActions: rec.candidate.scaling.scheduledActions,
          kpis: rec.kpis,
          robustness:
            robustness?.perturbations.map((p) => ({
              perturbation: p.name,
              meetsSlo: p.meetsSlo,
              marginMinutes: p.marginMinutes,
              kpis: p.kpis,
            })) ?? [],
        }
      : null,
    current: result.current
      ? { label: result.current.candidate.label, kpis: result.current.kpis }
      : null,
    comparison:
      rec && result.current
        ? {
            monthlyCostUsd: {
              current: result.current.kpis.monthlyCostUsd,
              recommended: rec.kpis.monthlyCostUsd,
            },
            sloViolationMinutes: {
              current: result.current.kpis.sloViolationMinutes,
              recommended: rec.kpis.sloViolationMinutes,
            },
            errorRatePercent: {
              current: result.current.kpis.errorRatePercent,
              recommended: rec.kpis.errorRatePercent,
            },
          }
        : null,
    slo: result.slo,
    /** The simulator's error replaying this bundle with its recorded configuration. */
    fidelity,
    reasons: result.reasons,
    /** The pick's risk rating on Compute Optimizer's scale, its score and its reasons. */
    risk: result.risk
      ? {
          rating: result.risk.rating,
          points: result.risk.points,
          maxRisk: result.maxRisk,
          reasons: result.risk.factors.map((f) => f.reason),
          factors: result.risk.factors,
          worstMinute: result.risk.worstMinute,
        }
      : null,
    currentRisk: result.currentRisk
      ? {
          rating: result.currentRisk.rating,
          points: result.currentRisk.points,
          reasons: result.currentRisk.factors.map((f) => f.reason),
        }
      : null,
    /** The cheaper-but-riskier and safer-but-dearer candidates, with the cost difference. */
    neighbours: result.neighbours,
    availability: result.availability,
    /** Figures on which the pick is worse than the current setting. */
    worseThanCurrent: result.worseThanCurrent,
    /** What to watch, in the order the summary shows it. */
    cautions: planVerdict(result).cautions,
    /** The minutes behind the pick's worst p95 and its failed requests. */
    extremes: rec
      ? findExtremes(rec.timeline, rec.events, result.slo).map((x) => ({
          kind: x.kind,
          time: new Date(x.timeMs).toISOString(),
          from: new Date(x.fromMs).toISOString(),
          to: new Date(x.toMs).toISOString(),
          value: x.value,
          sharePercent: x.sharePercent,
          causes: x.causes,
        }))
      : [],
    coverage: result.coverage,
    snippets,
  };
}

function candidatesCsv(result: PlanResult): string {
  const pareto = new Set(result.pareto);
  const rows = result.outcomes.map((o) => {
    const c = o.candidate;
    const tt = c.scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration;
    return {
      id: c.id,
      label: c.label,
      cpu: c.task.cpu,
      memory: c.task.memory,
      architecture: c.task.architecture,
      capacityProvider: c.task.capacityProvider,
      metric: c.metric,
      targetValue: c.targetValue,
      MinCapacity: c.scaling.MinCapacity,
      MaxCapacity: c.scaling.MaxCapacity,
      ScaleOutCooldown: tt?.ScaleOutCooldown ?? "",
      ScaleInCooldown: tt?.ScaleInCooldown ?? "",
      scheduledMinimum: c.scaling.scheduledActions.length > 0,
      meetsSlo: o.meetsSlo,
      pareto: pareto.has(c.id),
      ...Object.fromEntries(Object.entries(o.kpis).map(([k, v]) => [k, Number(v.toPrecision(8))])),
      // A candidate the sweep stopped early: why, when (the end of the last step simulated) and
      // which finished candidate dominates it; its figures above are those at that time.
      pruned: o.pruned?.reason ?? "",
      prunedAt: o.pruned ? new Date(stepEndMs(result, o.pruned.step)).toISOString() : "",
      dominatedBy: o.pruned?.dominatedBy ?? "",
    };
  });
  return stringify(rows, { header: true });
}

/** The end of step `step` of the plan's trace, epoch ms. */
function stepEndMs(result: PlanResult, step: number): number {
  return result.trace.startMs + (step + 1) * result.trace.stepSeconds * 1000;
}

async function writePlanOutputs(
  result: PlanResult,
  config: PlanConfig,
  out: string,
  fidelity: FidelityScore | null,
) {
  const recommendation = recommendationJson(result, config, fidelity);
  await writeJsonAtomic(join(out, "recommendation.json"), recommendation);
  await writeFileAtomic(join(out, "candidates.csv"), candidatesCsv(result));
  const byId = new Map(result.outcomes.map((o) => [o.candidate.id, o]));
  await writeJsonAtomic(
    join(out, "pareto.json"),
    result.pareto.map((id) => {
      const o = byId.get(id)!;
      return {
        id,
        label: o.candidate.label,
        meetsSlo: o.meetsSlo,
        monthlyCostUsd: o.kpis.monthlyCostUsd,
        sloViolationMinutes: o.kpis.sloViolationMinutes,
      };
    }),
  );
  const snippets = recommendation.snippets;
  if (snippets) {
    await writeFileAtomic(join(out, "snippets", "cloudformation.yaml"), snippets.cloudformation);
    await writeFileAtomic(join(out, "snippets", "terraform.tf"), snippets.terraform);
    await writeFileAtomic(join(out, "snippets", "aws-cli.sh"), snippets.awsCli);
  }
  await writePlanReport(result, out, snippets ? { awsCli: snippets.awsCli } : undefined);
  // The whole result, so that `caplab report PLAN_DIR` can re-render the report.
  await writeFileAtomic(
    join(out, PLAN_RESULT_FILE),
    renderPlanResultJson(result, snippets ? snippets.awsCli : null),
  );
  return recommendation;
}

/** The short human summary: the verdict first, then what to set and why. */
export function renderPlanSummary(
  result: PlanResult,
  out: string,
  fidelity: FidelityScore | null = null,
): string {
  const lines: string[] = [];
  const rec = result.recommended;
  const verdict = planVerdict(result);
  if (rec) {
    const tt = rec.candidate.scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration;
    lines.push("", `Recommendation: ${verdict.headline}`);
    lines.push(
      `  risk             ${verdict.riskText ?? "not rated"}${verdict.currentRiskText !== null ? `; current setting: ${verdict.currentRiskText}` : ""}`,
      `  cost             ${verdict.costText ?? ""}`,
    );
    for (const c of verdict.cautions) lines.push(`  ! ${c}`);
    lines.push(
      "",
      `  task size        cpu ${rec.candidate.task.cpu}, memory ${rec.candidate.task.memory} (${sizeLabel(rec.candidate.task)})`,
    );
    lines.push(
      `  scaling          ${rec.candidate.metric} target ${rec.candidate.targetValue}, MinCapacity ${rec.candidate.scaling.MinCapacity}, MaxCapacity ${rec.candidate.scaling.MaxCapacity}`,
    );
    if (tt)
      lines.push(
        `  cooldowns        ScaleOutCooldown ${tt.ScaleOutCooldown} s, ScaleInCooldown ${tt.ScaleInCooldown} s`,
      );
    lines.push(
      `  expected         $${rec.kpis.monthlyCostUsd.toFixed(0)} a month, ${rec.kpis.sloViolationMinutes.toFixed(0)} SLO-violating minutes, ${rec.kpis.errorRatePercent.toFixed(3)}% errors, worst p95 ${rec.kpis.worstP95LatencyMs.toFixed(0)} ms, ${formatCount(rec.kpis.minTasks)}–${formatCount(rec.kpis.maxTasks)} tasks`,
    );
  } else {
    lines.push("", verdict.headline);
    for (const c of verdict.cautions) lines.push(`  ! ${c}`);
  }
  lines.push("", "Why", ...result.reasons.map((r) => `  - ${r}`), "");
  if (fidelity?.meanMapePercent != null) {
    lines.push(
      `Model fidelity on this bundle's history: ${fidelity.meanMapePercent.toFixed(1)} % mean error (tasks, CPU, requests per target, p95), scale-outs ${fidelity.scaleOuts.meanAbsoluteLagSeconds?.toFixed(0) ?? "–"} s off on average (caplab backtest).`,
      "",
    );
  }
  lines.push(
    `Report: ${join(out, "report.html")}`,
    `Also:   recommendation.json, candidates.csv, pareto.json, report.md, snippets/ in ${out}`,
    "",
  );
  return lines.join("\n");
}
