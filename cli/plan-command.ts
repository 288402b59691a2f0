/** `caplab plan`: flags → the library's plan(), the outputs written, the plan recorded. */
import { resolve } from "node:path";
import { HTML_TOP_CANDIDATES } from "../reports/html.js";
import { MARKDOWN_TOP_CANDIDATES } from "../reports/plan-markdown.js";
import { renderPlanSummaryAt, writePlanOutputs } from "../reports/io/write-plan-outputs.js";
import {
  assessTrace,
  candidateLabel,
  currentLabel,
  loadTraceSource,
  plan,
  poolSize,
  requireEnoughTrace,
  simulationContext,
  withBundlePlatform,
  type PlanResult,
  type Warning,
} from "../index.js";
import { readPlanConfig } from "../analysis/io/files/plan-config.js";
import { recordPlanResult } from "../analysis/io/history/record-bundle.js";
import { HISTORY_EXIT_CODE } from "../sim/vocab/errors.js";
import { prepareOutputFolder } from "../analysis/io/files/output.js";
import { bundleFidelity } from "../analysis/io/files/bundle-fidelity.js";
import { defaultWorkers } from "../sim/io/pool.js";
import { abortOnInterrupt, printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { historyAccess, jsonText, notifier, warningList } from "./common.js";
import { describeCommand } from "./help.js";
import { COMMAND_HELP } from "./help-text.js";
import { addOutputOptions, wholeNumberOption } from "./options.js";
import { planProgress } from "./progress.js";

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

/** Runs `caplab plan`; returns 0, 3 (no candidate meets the SLO), 74 (not recorded) or 130/143. */
export async function runPlanCommand(
  configPath: string | undefined,
  opts: PlanCommandOptions,
  ctx: CliContext,
): Promise<number> {
  const { io } = ctx;
  const notify = notifier(io);
  const { config: raw, baseDir } = await readPlanConfig(configPath, opts.default ?? false, ctx.cwd);
  // --out is checked before the sweep: a refusal should not come after minutes of work.
  const output = await prepareOutputFolder(opts.out, {
    command: "plan",
    force: opts.force,
    inputs: [
      ...(configPath === undefined ? [] : [configPath]),
      ...(raw.trace.file === undefined ? [] : [resolve(baseDir, raw.trace.file)]),
    ],
    notify,
  });
  const { warnings, warn } = warningList();
  const loaded = await loadTraceSource(raw.trace, baseDir, warn);
  const { trace } = loaded;
  const { config, line } = withBundlePlatform(raw, loaded.platform);
  if (line !== null) io.err(`${line}\n`);
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
  const progress = planProgress(ctx, opts.quiet, trace, workers, config.robustness);
  const interruption = abortOnInterrupt(ctx);
  let result: PlanResult;
  try {
    const { stop: _stop, ...callbacks } = progress;
    result = await plan(trace, config, {
      current,
      coverage,
      candidateLabel,
      currentLabel,
      recordedDeployment: loaded.deployment,
      workers,
      signal: interruption.signal,
      // Candidates stop once they can no longer meet the SLO, be on the Pareto front or in a
      // report's list (sim/prune.ts); the current settings run in full.
      prune: opts.exhaustive
        ? null
        : { keepRanks: Math.max(HTML_TOP_CANDIDATES, MARKDOWN_TOP_CANDIDATES) },
      ...callbacks,
    });
  } catch (error) {
    if (interruption.signal.aborted) {
      progress.stop();
      io.err("Stopped (Ctrl-C); nothing was written.\n");
      return interruption.exitCode();
    }
    throw error;
  } finally {
    progress.stop();
    interruption.stop();
  }
  const fidelityWarnings: Warning[] = [];
  const fidelity = await bundleFidelity(
    config,
    baseDir,
    current,
    simulationContext(config),
    fidelityWarnings,
  );
  printWarnings(io, fidelityWarnings);
  const out = output.path;
  // Everything goes to a temporary sibling folder that is swapped in place of `out`, so an
  // interrupted plan never leaves a mix of old and new files.
  const recommendation = await output.write((dir) =>
    writePlanOutputs(result, config, dir, fidelity),
  );
  const notRecorded = await recordPlanResult(result, out, historyAccess(ctx));
  if (opts.json) io.out(jsonText(recommendation));
  else io.out(renderPlanSummaryAt(result, out, fidelity));
  if (notRecorded !== null) notify(`the plan was written but not recorded: ${notRecorded.message}`);
  // 3 (no candidate meets the SLO) says more than 74 (not recorded), which it outranks.
  if (!result.recommended) return 3;
  return notRecorded === null ? 0 : HISTORY_EXIT_CODE;
}

/** `caplab plan`'s flags and help. */
export const setupPlanCommand: CommandSetup = (command, ctx, exit) => {
  const help = COMMAND_HELP.plan;
  describeCommand(command, help, ctx.columns)
    .argument("[config]", "YAML or JSON plan config (see caplab schema --plan)")
    .option("--default", help.flags.default);
  addOutputOptions(command, { help: "output folder", default: "caplab-out/plan", force: "folder" })
    .addOption(wholeNumberOption("--workers <n>", help.flags.workers, { unit: "threads" }))
    .option("--quiet", "no progress bars")
    .option("--json", "print recommendation.json on stdout instead of the summary")
    .option("--allow-short-trace", help.flags.allowShortTrace)
    .option("--exhaustive", help.flags.exhaustive)
    .action(async (config: string | undefined, opts: PlanCommandOptions) =>
      exit(await runPlanCommand(config, opts, ctx)),
    );
};
