/**
 * `caplab backtest BUNDLE [CONFIG]`: replays a bundle's observed traffic through the
 * simulator with the service's actual configuration and scores the simulator against what
 * was observed (analysis/backtest.ts). Without CONFIG the service model is calibrated from
 * the bundle itself and the task size and scaling come from manifest.current; a CONFIG (a
 * `caplab simulate` config; its trace is ignored) supplies all of them instead.
 */
import { join } from "node:path";
import { backtest, observedCoverage, type FidelityScore } from "../analysis/backtest.js";
import { coverageSummary, thinDataReason } from "../analysis/trace-coverage.js";
import {
  simulationContext,
  SloSchema,
  type Candidate,
  type SimulationContext,
  type TraceCoverage,
} from "../sim/vocab/index.js";
import { calibrate, calibratedContext } from "../analysis/calibrate.js";
import { withRecordedPlatform } from "../analysis/recorded-platform.js";
import { loadObservedBundle } from "../analysis/io/files/observed-bundle.js";
import { readTodaysConfig } from "../analysis/io/files/todays-config.js";
import { UsageError } from "../sim/vocab/errors.js";
import { prepareOutputFiles, writeJsonAtomic } from "../analysis/io/files/output.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { jsonText, notifier, warningList } from "./common.js";
import { describeCommand } from "./help.js";
import { COMMAND_HELP } from "./help-text.js";
import { addOutputOptions } from "./options.js";

export interface BacktestCommandOptions {
  /** Folder for backtest.json. @default the bundle folder */
  readonly out?: string;
  readonly json?: boolean;
  /** Replace a backtest.json in --out even when caplab did not write it. */
  readonly force?: boolean;
}

const pct = (v: number | null) => (v === null ? "n/a" : `${v.toFixed(1)} %`);

/** The short stdout summary; a score on less data than a plan needs says so under it. */
export function renderBacktestSummary(
  f: FidelityScore,
  path: string,
  coverage: TraceCoverage | null = null,
): string {
  const m = f.mapePercent;
  const lag = f.scaleOuts.meanAbsoluteLagSeconds;
  return [
    `Backtest written to ${path}`,
    `  MAPE: running tasks ${pct(m.runningCount)}, CPU ${pct(m.cpuUtilization)}, requests per target ${pct(m.requestCountPerTarget)}, p95 response time ${pct(m.targetResponseTimeP95)}`,
    `  fidelity score (mean MAPE): ${pct(f.meanMapePercent)}`,
    ...(coverage?.short
      ? [`  data: ${coverageSummary(coverage)}: ${thinDataReason(coverage)}`]
      : []),
    `  scale-outs: ${f.scaleOuts.observed} observed, ${f.scaleOuts.simulated} simulated, ${f.scaleOuts.pairs.length} matched; mean |lag| ${lag === null ? "n/a" : `${lag.toFixed(0)} s`}`,
    ...(f.meanMapePercent === null
      ? [
          "  Nothing was scored: the bundle has no observed running tasks, CPU, RequestCountPerTarget or p95 response time over the requests' time to compare with; backtest a bundle of caplab collect, which records them.",
        ]
      : []),
    "",
  ].join("\n");
}

/** `caplab backtest`'s flags and help. */
export const setupBacktestCommand: CommandSetup = (command, ctx, exit) => {
  describeCommand(command, COMMAND_HELP.backtest, ctx.columns)
    .argument("<bundle>", "trace bundle (caplab collect)")
    .argument(
      "[config]",
      "simulate config (service, task, scaling; its trace is ignored; default: the bundle's recorded configuration)",
    );
  addOutputOptions(command, {
    help: "folder for backtest.json (default: the bundle)",
    force: "files",
  })
    .option("--json", "print backtest.json on stdout")
    .action(async (bundle: string, config: string | undefined, opts: BacktestCommandOptions) =>
      exit(await runBacktestCommand(bundle, config, opts, ctx)),
    );
};

/** Runs `caplab backtest` and returns the exit code. */
export async function runBacktestCommand(
  bundle: string,
  configPath: string | undefined,
  opts: BacktestCommandOptions,
  ctx: CliContext,
): Promise<number> {
  const { io } = ctx;
  const { warnings, warn } = warningList();
  const today = await readTodaysConfig({ config: configPath });
  const loaded = await loadObservedBundle(bundle, warn, { task: today.task });
  if (!loaded.hasRequests)
    throw new UsageError(
      `${bundle} has no requests series, so there is no traffic to replay; re-import it with --requests naming the series that counts the service's requests.`,
      "no-requests-series",
    );
  const output = await prepareOutputFiles(opts.out ?? bundle, {
    command: "backtest",
    force: opts.force,
    notify: notifier(io),
  });
  let candidate: Candidate;
  let context: SimulationContext;
  let modelSource: string;
  if (today.config !== null && configPath !== undefined) {
    const config = today.config;
    candidate = { task: config.task, scaling: config.scaling };
    // A collected bundle's target group settings, where the config's platform: is silent.
    context = simulationContext({
      ...config,
      platform: withRecordedPlatform(config.platform, loaded.observed.platform).platform,
    });
    modelSource = configPath;
  } else {
    if (loaded.current === null)
      throw new UsageError(
        `${bundle} records no task size and scaling; give a CONFIG (caplab backtest BUNDLE CONFIG).`,
        "bad-bundle",
      );
    candidate = loaded.current;
    context = calibratedContext(calibrate(loaded.observed, {}, warn), SloSchema.parse({}));
    modelSource = "calibrated from the bundle";
  }
  const observed = { ...loaded.observed, task: candidate.task };
  const result = backtest(observed, candidate, context, warn);
  const coverage = observedCoverage(loaded.observed);
  printWarnings(io, warnings);
  for (const note of coverage.notes) io.err(`warning: ${note}\n`);
  const path = join(output.path, "backtest.json");
  const report = {
    bundle,
    model: modelSource,
    service: context.service,
    task: candidate.task,
    scaling: candidate.scaling,
    fidelity: result.fidelity,
    simulatedKpis: result.kpis,
    // Less data than a plan needs (guardrails.minTraceHours): the score rests on too little.
    thinData: coverage.short,
    coverage,
    warnings,
  };
  await output.write((dir) => writeJsonAtomic(join(dir, "backtest.json"), report));
  io.out(opts.json ? jsonText(report) : renderBacktestSummary(result.fidelity, path, coverage));
  return 0;
}
