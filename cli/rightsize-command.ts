/**
 * `caplab rightsize BUNDLE [--slo-p95 MS]`: task CPU and memory from Container Insights
 * usage, mapped to Fargate sizes and priced, then each size checked with the current scaling
 * policy by replaying the bundle's traffic through the simulator (analysis/rightsize.ts).
 * The service model is calibrated from the bundle.
 */
import { Option } from "commander";
import {
  DEFAULT_HEADROOM_PERCENT,
  rightsize,
  type RightsizeResult,
} from "../analysis/rightsize.js";
import {
  resolvePlatform,
  resolvePrices,
  SLO_DEFAULTS,
  SloSchema,
  type Warning,
  type WarningSink,
} from "../sim/vocab/index.js";
// Until loadObservedBundle has its library home (analysis/io/files), it is calibrate's.
import { calibrateOrExplain, loadObservedBundle } from "./calibrate-command.js";
import { UsageError } from "../sim/vocab/errors.js";
import { formatCount } from "../reports/format.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { numberFlag } from "./flags.js";
import { addExamples, helpWidth } from "./help.js";

export interface RightsizeCommandOptions {
  readonly sloP95?: number;
  /** Headroom over the usage percentiles, percent. @default 20 */
  readonly headroom?: number;
  readonly json?: boolean;
}

/** The table and the recommendation, as text. */
export function renderRightsize(r: RightsizeResult): string {
  const lines = [
    `Need per task: ${r.need.cpuUnits.toFixed(0)} CPU units (p95 ${r.need.cpuUnitsPercentile.toFixed(0)} + headroom), ${r.need.memoryMiB.toFixed(0)} MiB (p99 ${r.need.memoryMiBPercentile.toFixed(0)} + headroom)`,
    "",
    "  size                      $/month  tasks   SLO-min  OOM  meets SLO",
  ];
  for (const row of r.rows) {
    const k = row.kpis;
    const mark = `${row.current ? " (current)" : ""}${row.perTaskPick ? " (per-task pick)" : ""}`;
    lines.push(
      `  ${(row.label + mark).padEnd(24)} ${k.monthlyCostUsd.toFixed(2).padStart(8)}  ${`${formatCount(k.minTasks)}-${formatCount(k.maxTasks)}`.padStart(5)}  ${k.sloViolationMinutes.toFixed(0).padStart(7)}  ${formatCount(k.oomKills).padStart(3)}  ${row.meetsSlo ? "yes" : "no"}`,
    );
  }
  lines.push("", `Recommended: ${r.recommended ? r.recommended.label : "none"}`, ...r.reasons, "");
  return lines.join("\n");
}

/** `caplab rightsize`'s flags and help. */
export const setupRightsizeCommand: CommandSetup = (command, ctx, exit) => {
  command
    .summary(
      "task CPU/memory from Container Insights usage, checked with the scaling policy by simulation",
    )
    .description(
      "Takes p95 of the CPU and p99 of the memory each task used (Container Insights), adds headroom, maps them to the smallest valid Fargate size, then replays the bundle's traffic with that size, its neighbours and the current one under the current scaling policy (a smaller task runs more copies; the service model is calibrated from the bundle) and recommends the cheapest that meets the SLO without OOM kills. Needs a bundle with Container Insights series and the current configuration (caplab collect).",
    )
    .argument(
      "<bundle>",
      "trace bundle with Container Insights series and the current configuration",
    )
    .addOption(
      new Option("--slo-p95 <ms>", `p95 SLO, ms (default ${SLO_DEFAULTS.latencyP95Ms})`).argParser(
        numberFlag("--slo-p95", { unit: "milliseconds", positive: true }),
      ),
    )
    .addOption(
      new Option(
        "--headroom <percent>",
        `headroom over the usage percentiles, percent (default ${DEFAULT_HEADROOM_PERCENT})`,
      ).argParser(numberFlag("--headroom", { unit: "percent", positive: false })),
    )
    .option("--json", "print the result as JSON")
    .action(async (bundle: string, opts: RightsizeCommandOptions) =>
      exit(await runRightsizeCommand(bundle, opts, ctx)),
    );
  addExamples(
    command,
    [{ command: "caplab rightsize traces/api-week --slo-p95 300 --headroom 25" }],
    helpWidth(ctx.columns),
  );
};

/** Runs `caplab rightsize` and returns the exit code. */
export async function runRightsizeCommand(
  bundle: string,
  opts: RightsizeCommandOptions,
  ctx: CliContext,
): Promise<number> {
  const { io } = ctx;
  const warnings: Warning[] = [];
  const warn: WarningSink = (w) => warnings.push(w);
  const loaded = await loadObservedBundle(bundle, warn);
  if (loaded.current === null)
    throw new UsageError(
      `${bundle} records no task size and scaling (manifest.current); collect it with caplab collect.`,
      "bad-bundle",
    );
  const slo = SloSchema.parse(opts.sloP95 === undefined ? {} : { latencyP95Ms: opts.sloP95 });
  const calibration = calibrateOrExplain(loaded.observed, { sloP95Ms: slo.latencyP95Ms }, warn);
  const result = rightsize(
    loaded.observed,
    loaded.current,
    {
      service: calibration.service,
      platform: resolvePlatform(calibration.platform),
      prices: resolvePrices(),
      slo,
      seed: 1,
    },
    { headroomPercent: opts.headroom },
  );
  printWarnings(io, warnings);
  io.out(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderRightsize(result));
  return 0;
}
