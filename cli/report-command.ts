/**
 * `caplab report BUNDLE|PLAN_DIR [--format html,md,png,json] [--out DIR]`: flags →
 * {@link writeReport} (reports/io/write-report.ts), which tells the folder's kind and writes
 * its report; then the warnings and where the files are.
 */
import { writeReport } from "../reports/io/write-report.js";
import { RUN_REPORT_FORMATS, type RunReportFormat } from "../reports/io/write-run-report.js";
import { UsageError } from "../sim/vocab/errors.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { notifier } from "./common.js";
import { describeCommand } from "./help.js";
import { COMMAND_HELP } from "./help-text.js";
import { addOutputOptions, numberOption, sloP95Option } from "./options.js";
import { SLO_DEFAULTS } from "../sim/vocab/defaults.js";
import type { TrafficSlo } from "../reports/traffic-slo.js";
import { plural } from "../reports/format.js";

export interface ReportOptions {
  /** Comma-separated formats. @default "html,md,json" */
  readonly format?: string;
  /** Output folder. @default the bundle folder itself */
  readonly out?: string;
  /** Replace report files of the same names in --out even when caplab did not write them. */
  readonly force?: boolean;
  /** A trace bundle's SLO: p95 limit (ms), 5xx share limit (percent), budget (percent). */
  readonly sloP95?: number;
  readonly sloErrors?: number;
  readonly sloBudget?: number;
}

/** The SLO --slo-p95, --slo-errors and --slo-budget give, or undefined without the first two. */
export function trafficSloOf(opts: ReportOptions): TrafficSlo | undefined {
  if (opts.sloP95 === undefined && opts.sloErrors === undefined) {
    if (opts.sloBudget !== undefined)
      throw new UsageError(
        "--slo-budget needs a limit to count violating minutes against: add --slo-p95 MS, --slo-errors PERCENT or both.",
        "bad-flag",
      );
    return undefined;
  }
  return {
    ...(opts.sloP95 === undefined ? {} : { latencyP95Ms: opts.sloP95 }),
    ...(opts.sloErrors === undefined ? {} : { errorRatePercent: opts.sloErrors }),
    violationBudgetPercent: opts.sloBudget ?? SLO_DEFAULTS.violationBudgetPercent,
  };
}

/** "html,md" → the formats; a UsageError names an unknown one. */
export function parseFormats(text: string | undefined): RunReportFormat[] {
  if (text === undefined) return ["html", "md", "json"];
  const formats = text
    .split(",")
    .map((f) => f.trim().toLowerCase())
    .filter((f) => f !== "");
  for (const f of formats)
    if (!(RUN_REPORT_FORMATS as readonly string[]).includes(f))
      throw new UsageError(
        `--format ${f} is not one of ${RUN_REPORT_FORMATS.join(", ")}; write e.g. --format html,md.`,
        "bad-flag",
      );
  if (formats.length === 0)
    throw new UsageError(
      `--format needs at least one of ${RUN_REPORT_FORMATS.join(", ")}.`,
      "bad-flag",
    );
  return formats as RunReportFormat[];
}

/** `caplab report`'s flags and help. */
export const setupReportCommand: CommandSetup = (command, ctx, exit) => {
  describeCommand(command, COMMAND_HELP.report, ctx.columns)
    .argument(
      "<dir>",
      "run bundle (caplab run --out), trace bundle, plan folder or simulate folder",
    )
    .option("--format <list>", "comma-separated: html, md, png, json", "html,md,json")
    .addOption(sloP95Option("trace bundle: judge its traffic's p95 per step against MS"))
    .addOption(
      numberOption(
        "--slo-errors <percent>",
        "trace bundle: judge its 5xx share per step against PERCENT of requests",
        { unit: "percent", positive: false },
      ),
    )
    .addOption(
      numberOption(
        "--slo-budget <percent>",
        `trace bundle: violating minutes allowed, percent of its minutes (default ${SLO_DEFAULTS.violationBudgetPercent})`,
        { unit: "percent", positive: false },
      ),
    );
  addOutputOptions(command, { help: "output folder (default: the bundle)", force: "files" }).action(
    async (dir: string, opts: ReportOptions) => exit(await runReportCommand(dir, opts, ctx)),
  );
};

/** Runs `caplab report`; returns the exit code. */
export async function runReportCommand(
  dir: string,
  opts: ReportOptions,
  ctx: CliContext,
): Promise<number> {
  const { io } = ctx;
  const formats = parseFormats(opts.format);
  const slo = trafficSloOf(opts);
  const written = await writeReport(dir, formats, {
    ...(opts.out === undefined ? {} : { out: opts.out }),
    ...(opts.force === undefined ? {} : { force: opts.force }),
    ...(slo === undefined ? {} : { slo }),
    notify: notifier(io),
  });
  printWarnings(io, written.allWarnings);
  const lines = [
    written.html && `Report: ${written.html}`,
    written.markdown && `Markdown: ${written.markdown}`,
    written.json && `JSON: ${written.json}`,
    written.pngs.length > 0 && `PNG: ${plural(written.pngs.length, "chart")} in ${written.out}`,
  ].filter((l): l is string => typeof l === "string");
  io.out(`${lines.join("\n")}\n`);
  return 0;
}
