/**
 * `caplab rightsize BUNDLE [--slo-p95 MS] [--config FILE] [--task-cpu N --task-memory N]`: task
 * CPU and memory from Container Insights usage, mapped to Fargate sizes and priced, then each
 * size checked with today's scaling policy by replaying the bundle's traffic through the
 * simulator (analysis/rightsize.ts). Today's task size and policy come from the bundle
 * (collect records them) or from --config and the task flags (analysis/io/files/todays-config.ts);
 * the service model from --config, else calibrated from the bundle. What the replay lacks
 * (traffic, a policy, a model) leaves the per-task answer, priced, with the reason.
 */
import { Option } from "commander";
import {
  DEFAULT_HEADROOM_PERCENT,
  rightsizeService,
  type RightsizeResult,
} from "../analysis/rightsize.js";
import { SLO_DEFAULTS, SloSchema, type Warning, type WarningSink } from "../sim/vocab/index.js";
import { loadObservedBundle } from "../analysis/io/files/observed-bundle.js";
import { readTodaysConfig, type TodaysConfigFlags } from "../analysis/io/files/todays-config.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { numberFlag } from "./flags.js";
import { addExamples, helpWidth } from "./help.js";
import { formatCount } from "../reports/format.js";

export interface RightsizeCommandOptions extends TodaysConfigFlags {
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
    r.simulated
      ? "  size                      $/month  tasks   SLO-min  OOM  meets SLO"
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
        : `  ${name} ${k.monthlyCostUsd.toFixed(2).padStart(8)}  ${`${formatCount(k.minTasks)}-${formatCount(k.maxTasks)}`.padStart(5)}  ${k.sloViolationMinutes.toFixed(0).padStart(7)}  ${formatCount(k.oomKills).padStart(3)}  ${row.meetsSlo ? "yes" : "no"}`,
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
      "Takes p95 of the CPU and p99 of the memory each task used (Container Insights), adds headroom, maps them to the smallest valid Fargate size, then replays the bundle's traffic with that size, its neighbours and today's under today's scaling policy (a smaller task runs more copies; the service model is --config's, else calibrated from the bundle) and recommends the cheapest that meets the SLO without OOM kills. Today's task size and policy come from the bundle (caplab collect records them), else from --config and --task-cpu/--task-memory; without a policy, traffic or a model it gives the per-task answer, priced, and says why.",
    )
    .argument(
      "<bundle>",
      "trace bundle (caplab collect or import) or run bundle with Container Insights or AWS/ECS CPU series",
    )
    .option(
      "--config <file>",
      "today's simulate config (service, task, scaling), when the bundle records none",
    )
    .option(
      "--task-cpu <units>",
      "today's task cpu (e.g. 512); overrides the bundle's and --config's",
    )
    .option("--task-memory <MiB>", "today's task memory (e.g. 1024)")
    .addOption(
      new Option(
        "--slo-p95 <ms>",
        `p95 SLO, ms (default: --config's, else ${SLO_DEFAULTS.latencyP95Ms})`,
      ).argParser(numberFlag("--slo-p95", { unit: "milliseconds", positive: true })),
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
    [
      { command: "caplab rightsize traces/api-week --slo-p95 300 --headroom 25" },
      {
        note: "an imported bundle: today's task size and policy from a config",
        command: "caplab rightsize bundles/ci --config examples/simulate-nasa.yaml",
      },
    ],
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
  printWarnings(io, warnings);
  io.out(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderRightsize(result));
  return 0;
}
