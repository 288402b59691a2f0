/**
 * `caplab history [list] [--last N] [--scenario NAME] [--history PATH]` and
 * `caplab history export --parquet DIR [--history PATH]`: the recorded runs with their trends
 * and change points (analysis/history.ts), the plans, and every table as Parquet.
 */
import { basename, join } from "node:path";
import { p95ChangePoints } from "../index.js";
import { DEFAULT_HISTORY_LAST } from "../analysis/history.js";
import { exportHistoryParquet, listPlans, listRuns } from "../analysis/io/history/history-db.js";
import { FORCE_HELP, prepareOutputFolder } from "../analysis/io/files/output.js";
import { renderHistory, renderHistoryPlans } from "../reports/history-text.js";
import { UsageError } from "../sim/vocab/errors.js";
import type { CliContext, CommandSetup } from "./context.js";
import { historyAccess, jsonText, notifier } from "./common.js";
import { describeCommand } from "./help.js";
import { COMMAND_HELP } from "./help-text.js";
import { addHistoryOption, wholeNumberOption } from "./options.js";

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
  const { historyPath: path, lockTimeoutMs } = historyAccess(ctx, opts.history);
  const runs = await listRuns(path, {
    last,
    lockTimeoutMs,
    ...(opts.scenario !== undefined ? { scenario: opts.scenario } : {}),
  });
  // Plans have no scenario: --scenario lists runs only.
  const plans = opts.scenario === undefined ? await listPlans(path, { last, lockTimeoutMs }) : [];
  const changes = p95ChangePoints(runs);
  if (opts.json) ctx.io.out(jsonText({ history: path, runs, changePoints: changes, plans }));
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
  const { historyPath: path, lockTimeoutMs } = historyAccess(ctx, opts.history);
  const output = await prepareOutputFolder(opts.parquet, {
    command: "history export",
    flag: "--parquet",
    force: opts.force,
    inputs: [path],
    notify: notifier(ctx.io),
  });
  const files = await output.write((dir) => exportHistoryParquet(path, dir, { lockTimeoutMs }));
  ctx.io.out(
    `Exported ${files.length} tables from ${path}:\n${files.map((f) => `  ${join(output.path, basename(f))}\n`).join("")}`,
  );
  return 0;
}

/** `caplab history`'s subcommands, flags and help. */
export const setupHistoryCommand: CommandSetup = (command, ctx, exit) => {
  describeCommand(command, COMMAND_HELP.history, ctx.columns);
  const list = command.command("list", { isDefault: true });
  describeCommand(list, COMMAND_HELP.historyList, ctx.columns)
    .addOption(
      wholeNumberOption("--last <n>", "runs (and plans) to list", { min: 1, unit: "runs" }).default(
        DEFAULT_HISTORY_LAST,
      ),
    )
    .option("--scenario <name>", "only the runs of this scenario (no plans)");
  addHistoryOption(list)
    .option("--json", "print runs, change points and plans as JSON")
    .action(async (opts: HistoryListOptions) => exit(await runHistoryListCommand(opts, ctx)));
  const exportCommand = command.command("export");
  describeCommand(exportCommand, COMMAND_HELP.historyExport, ctx.columns);
  addHistoryOption(exportCommand.requiredOption("--parquet <dir>", "output folder"))
    .option("--force", FORCE_HELP.folder.replace("--out", "--parquet"))
    .action(async (opts: { parquet: string; history?: string; force?: boolean }) =>
      exit(await runHistoryExportCommand(opts, ctx)),
    );
};
