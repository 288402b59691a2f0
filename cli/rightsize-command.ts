/**
 * `caplab rightsize BUNDLE [--slo-p95 MS] [--config FILE] [--task-cpu N --task-memory N]`: task
 * CPU and memory from Container Insights usage, mapped to Fargate sizes and priced, then each
 * size checked with today's scaling policy by replaying the bundle's traffic through the
 * simulator (analysis/rightsize.ts). Today's task size and policy come from the bundle
 * (collect records them) or from --config and the task flags (analysis/io/files/todays-config.ts);
 * the service model from --config, else calibrated from the bundle. What the replay lacks
 * (traffic, a policy, a model) leaves the per-task answer, priced, with the reason.
 */
import {
  DEFAULT_HEADROOM_PERCENT,
  rightsizeService,
  type RightsizeResult,
} from "../analysis/rightsize.js";
import { SLO_DEFAULTS, SloSchema, type TraceCoverage } from "../sim/vocab/index.js";
import { observedCoverage } from "../analysis/backtest.js";
import { coverageSummary, thinDataReason } from "../analysis/trace-coverage.js";
import { loadObservedBundle } from "../analysis/io/files/observed-bundle.js";
import { readTodaysConfig, type TodaysConfigFlags } from "../analysis/io/files/todays-config.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { jsonText, warningList } from "./common.js";
import { describeCommand } from "./help.js";
import { COMMAND_HELP } from "./help-text.js";
import { addTodaysConfigOptions, numberOption, sloP95Option } from "./options.js";
import { formatCount, plural } from "../reports/format.js";
import { isWholeCount, runningBounds, type TaskCounts } from "../sim/vocab/numbers.js";

export interface RightsizeCommandOptions extends TodaysConfigFlags {
  readonly sloP95?: number;
  /** Headroom over the usage percentiles, percent. @default 20 */
  readonly headroom?: number;
  readonly json?: boolean;
}

/** The table and the recommendation, as text; one on less data than a plan needs says so. */
export function renderRightsize(r: RightsizeResult, coverage: TraceCoverage | null = null): string {
  const lines = [
    `Need per task: ${r.need.cpuUnits.toFixed(0)} CPU units (p95 ${r.need.cpuUnitsPercentile.toFixed(0)} of ${plural(r.need.cpuSamples, "datapoint")} + headroom), ${r.need.memoryMiB.toFixed(0)} MiB (p99 ${r.need.memoryMiBPercentile.toFixed(0)} of ${plural(r.need.memorySamples, "datapoint")} + headroom)`,
    "",
    r.simulated
      ? "  size                      $/month  desired  SLO-min  OOM  meets SLO"
      : "  size                      $/task-month",
  ];
  const named = r.rows.map(
    (row) =>
      `${row.label}${row.current ? " (current)" : ""}${row.perTaskPick ? " (per-task pick)" : ""}`,
  );
  const width = Math.max(24, ...named.map((n) => n.length));
  lines[2] = lines[2]!.replace("size".padEnd(24), "size".padEnd(width));
  for (const [i, row] of r.rows.entries()) {
    const k = row.kpis;
    const name = named[i]!.padEnd(width);
    lines.push(
      k === null
        ? `  ${name} ${row.taskMonthlyCostUsd.toFixed(2).padStart(12)}`
        : `  ${name} ${k.monthlyCostUsd.toFixed(2).padStart(8)}  ${wholeTaskSpan(k).padStart(7)}  ${k.sloViolationMinutes.toFixed(0).padStart(7)}  ${formatCount(k.oomKills).padStart(3)}  ${row.meetsSlo ? "yes" : "no"}`,
    );
  }
  if (r.rows.some((row) => row.kpis !== null && !isWholeCount(row.kpis.oomKills)))
    lines.push(
      "  (OOM: a fraction is an expected value of oomModel poisson, not a count of kills)",
    );
  lines.push("", `Recommended: ${r.recommended ? r.recommended.label : "none"}`, ...r.reasons);
  if (r.need.caution !== null) lines.push(r.need.caution);
  if (coverage?.short) lines.push(`On ${coverageSummary(coverage)}: ${thinDataReason(coverage)}.`);
  lines.push("");
  return lines.join("\n");
}

/** `caplab rightsize`'s flags and help. */
export const setupRightsizeCommand: CommandSetup = (command, ctx, exit) => {
  describeCommand(command, COMMAND_HELP.rightsize, ctx.columns).argument(
    "<bundle>",
    "trace bundle (caplab collect or import) or run bundle with Container Insights or AWS/ECS CPU series",
  );
  addTodaysConfigOptions(command, {
    config: "today's simulate config (service, task, scaling), when the bundle records none",
    taskCpu: "today's task cpu (e.g. 512); overrides the bundle's and --config's",
    taskMemory: "today's task memory (e.g. 1024)",
  })
    .addOption(sloP95Option(`p95 SLO, ms (default: --config's, else ${SLO_DEFAULTS.latencyP95Ms})`))
    .addOption(
      numberOption(
        "--headroom <percent>",
        `headroom over the usage percentiles, percent (default ${DEFAULT_HEADROOM_PERCENT})`,
        { unit: "percent", positive: false },
      ),
    )
    .option("--json", "print the result as JSON")
    .action(async (bundle: string, opts: RightsizeCommandOptions) =>
      exit(await runRightsizeCommand(bundle, opts, ctx)),
    );
};

/** Runs `caplab rightsize` and returns the exit code. */
export async function runRightsizeCommand(
  bundle: string,
  opts: RightsizeCommandOptions,
  ctx: CliContext,
): Promise<number> {
  const { io } = ctx;
  const { warnings, warn } = warningList();
  const today = await readTodaysConfig(opts);
  const loaded = await loadObservedBundle(bundle, warn, { task: today.task });
  const task = today.task ?? loaded.current?.task ?? loaded.observed.task;
  const scaling = today.config?.scaling ?? loaded.current?.scaling ?? null;
  const slo = SloSchema.parse({
    ...(today.config?.slo ?? {}),
    ...(opts.sloP95 === undefined ? {} : { latencyP95Ms: opts.sloP95 }),
  });

  const result = rightsizeService(
    {
      observed: loaded.observed,
      hasRequests: loaded.hasRequests,
      task,
      scaling,
      slo,
      config: today.config,
    },
    { headroomPercent: opts.headroom },
    warn,
  );
  // The trace's coverage, where there is a requests series to replay; without one, what the
  // size rests on is its datapoints (need.caution), not a trace.
  const coverage = loaded.hasRequests ? observedCoverage(loaded.observed) : null;
  const thinData = coverage?.short ?? result.need.caution !== null;
  printWarnings(io, warnings);
  for (const note of coverage?.notes ?? []) io.err(`warning: ${note}\n`);
  io.out(
    opts.json ? jsonText({ ...result, thinData, coverage }) : renderRightsize(result, coverage),
  );
  return 0;
}

/** The desired-task column: "2-27", whole tasks (the running bounds for Kpis without desired counts). */
function wholeTaskSpan(k: TaskCounts): string {
  return k.minDesiredCount !== undefined && k.maxDesiredCount !== undefined
    ? `${k.minDesiredCount}-${k.maxDesiredCount}`
    : `${runningBounds(k).low}-${runningBounds(k).high}`;
}
