/**
 * `caplab history [list] [--last N] [--scenario NAME] [--history PATH]` and
 * `caplab history export --parquet DIR [--history PATH]`: the recorded runs with their trends
 * and change points (analysis/history.ts), the plans, and every table as Parquet.
 */
import { basename, join } from "node:path";
import { Option } from "commander";
import { p95ChangePoints } from "../index.js";
import { DEFAULT_HISTORY_LAST } from "../analysis/history.js";
import {
  exportHistoryParquet,
  historyLockTimeoutMs,
  listPlans,
  listRuns,
  resolveHistoryPath,
} from "../analysis/io/history/history-db.js";
import { FORCE_HELP, prepareOutputFolder } from "../analysis/io/files/output.js";
import { renderHistory, renderHistoryPlans } from "../reports/history-text.js";
import { UsageError } from "../sim/vocab/errors.js";
import type { CliContext, CommandSetup } from "./context.js";
import { HISTORY_FLAG_HELP, wholeNumberFlag } from "./flags.js";
import { addExamples, helpWidth } from "./help.js";

export interface HistoryListOptions {
  readonly last?: number;
  readonly scenario?: string;
  readonly history?: string;
  readonly json?: boolean;
}

/** `caplab history [list]`. */
export async function runHistoryListCommand(
  opts: HistoryListOptions,
  ctx: CliContext,
): Promise<number> {
  const last = opts.last ?? DEFAULT_HISTORY_LAST;
  if (!Number.isInteger(last) || last < 1)
    throw new UsageError("--last takes a whole number of runs, 1 or more.", "bad-flag");
  const path = resolveHistoryPath(opts.history, ctx.env, ctx.cwd);
  const lockTimeoutMs = historyLockTimeoutMs(ctx.env);
  const runs = await listRuns(path, {
    last,
    lockTimeoutMs,
    ...(opts.scenario !== undefined ? { scenario: opts.scenario } : {}),
  });
  // Plans have no scenario: --scenario lists runs only.
  const plans = opts.scenario === undefined ? await listPlans(path, { last, lockTimeoutMs }) : [];
  const changes = p95ChangePoints(runs);
  if (opts.json)
    ctx.io.out(
      `${JSON.stringify({ history: path, runs, changePoints: changes, plans }, null, 2)}\n`,
    );
  else
    ctx.io.out(
      `History: ${path}\n${renderHistory(runs, changes)}${opts.scenario === undefined ? `\n${renderHistoryPlans(plans)}` : ""}`,
    );
  return 0;
}

/** `caplab history export --parquet DIR`. */
export async function runHistoryExportCommand(
  opts: { readonly parquet?: string; readonly history?: string; readonly force?: boolean },
  ctx: CliContext,
): Promise<number> {
  if (opts.parquet === undefined || opts.parquet === "")
    throw new UsageError(
      "history export needs --parquet DIR (the folder for the .parquet files).",
      "bad-flag",
    );
  const path = resolveHistoryPath(opts.history, ctx.env, ctx.cwd);
  const output = await prepareOutputFolder(opts.parquet, {
    command: "history export",
    flag: "--parquet",
    force: opts.force,
    inputs: [path],
    notify: (message) => ctx.io.err(`caplab: ${message}\n`),
  });
  const files = await output.write((dir) =>
    exportHistoryParquet(path, dir, { lockTimeoutMs: historyLockTimeoutMs(ctx.env) }),
  );
  ctx.io.out(
    `Exported ${files.length} tables from ${path}:\n${files.map((f) => `  ${join(output.path, basename(f))}\n`).join("")}`,
  );
  return 0;
}

/** `caplab history`'s subcommands, flags and help. */
export const setupHistoryCommand: CommandSetup = (command, ctx, exit) => {
  const width = helpWidth(ctx.columns);
  command
    .summary("list recorded runs and plans with trends and p95 change points; export as Parquet")
    .description(
      "Every caplab run, gate and plan is recorded in one DuckDB database per project (--history, else $CAPLAB_HISTORY, else .caplab/history.duckdb in the project's root folder). `history` (or `history list`) shows the runs, their trends and change points, and the plans; `history export` writes every table as Parquet.",
    );
  const list = command
    .command("list", { isDefault: true })
    .summary("runs with trends and p95 change points, then plans (the default)")
    .description(
      "Runs (oldest first) with p95, errors, CPU-seconds per request, cost and gate verdict; the trend of each; E-divisive change points in p95 (Apache Otava's method, seeded); then the plans with their pick and its monthly cost.",
    )
    .addOption(
      new Option("--last <n>", "runs (and plans) to list")
        .default(DEFAULT_HISTORY_LAST)
        .argParser(wholeNumberFlag("--last", { min: 1, unit: "runs" })),
    )
    .option("--scenario <name>", "only the runs of this scenario (no plans)")
    .option("--history <path>", HISTORY_FLAG_HELP)
    .option("--json", "print runs, change points and plans as JSON")
    .action(async (opts: HistoryListOptions) => exit(await runHistoryListCommand(opts, ctx)));
  addExamples(
    list,
    [
      { command: "caplab history" },
      { command: "caplab history --scenario constant --last 10 --json" },
    ],
    width,
  );
  const exportCommand = command
    .command("export")
    .summary("every table as Parquet")
    .description(
      "Writes runs, run_seconds, run_latency_sample, gates and plans as DIR/<table>.parquet, which DuckDB or Athena read from S3.",
    )
    .requiredOption("--parquet <dir>", "output folder")
    .option("--history <path>", HISTORY_FLAG_HELP)
    .option("--force", FORCE_HELP.folder.replace("--out", "--parquet"))
    .action(async (opts: { parquet: string; history?: string; force?: boolean }) =>
      exit(await runHistoryExportCommand(opts, ctx)),
    );
  addExamples(exportCommand, [{ command: "caplab history export --parquet out/history" }], width);
  addExamples(
    command,
    [{ command: "caplab history" }, { command: "caplab history export --parquet out/history" }],
    width,
  );
};
