/** `caplab simulate CONFIG`: one configuration against one trace. */
import { join, resolve } from "node:path";
import {
  deploymentPlans,
  loadConfig,
  loadTraceSource,
  renderTimelineCsv,
  simulate,
  SimulateConfigSchema,
  simulationContext,
  withBundlePlatform,
  type SimulationContext,
} from "../index.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { jsonText, notifier, warningList } from "./common.js";
import { describeCommand } from "./help.js";
import { COMMAND_HELP } from "./help-text.js";
import { addOutputOptions } from "./options.js";
import {
  prepareOutputFolder,
  writeFileAtomic,
  writeJsonAtomic,
} from "../analysis/io/files/output.js";
import {
  formatCompact,
  formatNumber,
  formatOomKills,
  plural,
  taskRange,
} from "../reports/format.js";
import { deploymentSummary } from "../analysis/deployment-outcome.js";
import { assessTrace, coverageSummary, thinDataReason } from "../analysis/trace-coverage.js";
import { sloBudget } from "../reports/slo-budget.js";

export interface SimulateCommandOptions {
  readonly out: string;
  readonly json?: boolean;
  readonly force?: boolean;
}

/** `caplab simulate`'s flags and help. */
export const setupSimulateCommand: CommandSetup = (command, ctx, exit) => {
  describeCommand(command, COMMAND_HELP.simulate, ctx.columns).argument(
    "<config>",
    "YAML or JSON config (see caplab schema)",
  );
  addOutputOptions(command, {
    help: "output folder",
    default: "caplab-out/simulate",
    force: "folder",
  })
    .option("--json", "print the summary (Kpis) as JSON on stdout")
    .action(async (config: string, opts: SimulateCommandOptions) =>
      exit(await runSimulateCommand(config, opts, ctx)),
    );
};

/** Runs `caplab simulate`; returns the exit code. */
export async function runSimulateCommand(
  configPath: string,
  opts: SimulateCommandOptions,
  ctx: CliContext,
): Promise<number> {
  const { io } = ctx;
  const { config, baseDir } = await loadConfig(configPath, SimulateConfigSchema);
  const output = await prepareOutputFolder(opts.out, {
    command: "simulate",
    force: opts.force,
    inputs: [
      configPath,
      ...(config.trace.file === undefined ? [] : [resolve(baseDir, config.trace.file)]),
    ],
    notify: notifier(io),
  });
  const { warnings, warn } = warningList();
  const loaded = await loadTraceSource(config.trace, baseDir, warn);
  const { trace } = loaded;
  // A collected bundle's target group settings, where the config's platform: is silent.
  const recorded = withBundlePlatform(config, loaded.platform);
  const context: SimulationContext = simulationContext(recorded.config);
  const deployments = deploymentPlans(config.deployments, trace);
  const result = simulate(
    trace,
    {
      task: config.task,
      scaling: config.scaling,
      ...(deployments.length > 0 ? { deployments } : {}),
    },
    context,
    { record: true },
  );
  // Plan's coverage assessment against the config's guardrails: simulate does not refuse a
  // short trace, but its verdict says so (naming this config's field) and the notes are warnings.
  const coverage = assessTrace(trace, config.guardrails, false, configPath);
  // Each deployment's Kpis with the revision it deployed, for the lines below and the report.
  const revisions = (result.kpis.deployments ?? []).map((d, k) => {
    const newRevision = deployments[k]?.newRevision;
    return newRevision === undefined ? d : { ...d, newRevision };
  });
  const kpis = revisions.length > 0 ? { ...result.kpis, deployments: revisions } : result.kpis;
  const budget = sloBudget(config.slo, kpis);
  const verdictData = { thinData: coverage.short, sloBudget: budget, coverage };
  const out = output.path;
  const summary = {
    ...kpis,
    trace: {
      source: trace.source,
      startMs: trace.startMs,
      stepSeconds: trace.stepSeconds,
      steps: trace.requests.length,
    },
    // What was simulated, so that `caplab report` can draw the target and the SLO.
    task: config.task,
    scaling: config.scaling,
    slo: config.slo,
    ...verdictData,
  };
  await output.write(async (dir) => {
    await writeFileAtomic(join(dir, "timeline.csv"), renderTimelineCsv(result.timeline!));
    await writeJsonAtomic(join(dir, "events.json"), result.events);
    await writeJsonAtomic(join(dir, "summary.json"), summary);
  });
  printWarnings(io, warnings);
  for (const note of coverage.notes) io.err(`warning: ${note}\n`);
  if (recorded.line !== null) io.err(`${recorded.line}\n`);
  if (opts.json) {
    io.out(jsonText({ ...kpis, ...verdictData }));
  } else {
    const k = kpis;
    io.out(
      [
        `Simulated ${plural(Number(k.minutes.toFixed(0)), "minute")} of ${trace.source} (${trace.stepSeconds}-s steps).`,
        `  cost            $${formatNumber(k.costUsd, 2)} ($${formatNumber(k.monthlyCostUsd)} a month)`,
        `  tasks           ${taskRange(k)}; mean ${k.meanTasks.toFixed(1)} running; ${k.scalingActions} scaling actions`,
        `  latency         mean p95 ${formatNumber(k.meanP95LatencyMs)} ms, worst p95 ${formatNumber(k.worstP95LatencyMs)} ms`,
        `  errors          ${k.errorRatePercent.toFixed(3)}% (${formatNumber(k.failedRequests)} of ${formatNumber(k.totalRequests)} ${Math.round(k.totalRequests) === 1 ? "request" : "requests"} failed)`,
        ...(k.oomKills > 0 ? [`  OOM kills       ${formatOomKills(k.oomKills)}`] : []),
        `  SLO             ${formatNumber(k.sloViolationMinutes)} violating ${k.sloViolationMinutes === 1 ? "minute" : "minutes"} (budget ${formatCompact(budget.minutes, budget.minutes < 1 ? 3 : 1)}: ${budget.basis})`,
        `  data            ${coverageSummary(coverage)}${coverage.short ? `: ${thinDataReason(coverage)}` : ""}`,
        ...(k.deployments ?? []).map(
          (d, n) => `  deployment ${n + 1}    ${deploymentSummary(d, trace.startMs)}`,
        ),
        `Wrote ${join(out, "timeline.csv")}, events.json, summary.json`,
        `Next: caplab report ${out} (the verdict against the SLO, charts of traffic, tasks and latency, the worst minutes)`,
        "",
      ].join("\n"),
    );
  }
  return 0;
}
