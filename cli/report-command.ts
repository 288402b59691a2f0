/**
 * `caplab report BUNDLE|PLAN_DIR [--format html,md,png,json] [--out DIR]`: flags →
 * {@link writeReport} (reports/io/write-report.ts), which tells the folder's kind and writes
 * its report; then the warnings and where the files are.
 */
import { writeReport } from "../reports/io/write-report.js";
import { RUN_REPORT_FORMATS, type RunReportFormat } from "../reports/io/write-run-report.js";
import { UsageError } from "../sim/vocab/errors.js";
import { printWarnings, type CliContext, type CommandSetup } from "./context.js";
import { FORCE_HELP } from "../analysis/io/files/output.js";
import { addExamples, helpWidth } from "./help.js";
import { plural } from "../reports/format.js";

export interface ReportOptions {
  /** Comma-separated formats. @default "html,md,json" */
  readonly format?: string;
  /** Output folder. @default the bundle folder itself */
  readonly out?: string;
  /** Replace report files of the same names in --out even when caplab did not write them. */
  readonly force?: boolean;
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
  command
    .summary(
      "write the report of a run bundle, plan folder or simulate folder (HTML, Markdown, PNG, JSON)",
    )
    .description(
      "For a run bundle: request rate, latency percentiles and errors per second, k6 thresholds and their verdicts, dropped iterations and the server side (tasks, CPU, memory, RequestCountPerTarget) when collected. A trace bundle (caplab collect or import) reports the service's side alone. For a plan folder: re-renders report.html, report.md, report.json and plan-*.png from its plan-result.json. For a simulate folder: the verdict against the SLO, traffic, tasks with scaling events, metric against target, p95 against the SLO, cost, the worst minutes and the events table. PNG charts need Chromium (else they are skipped with a warning).",
    )
    .argument(
      "<dir>",
      "run bundle (caplab run --out), trace bundle, plan folder or simulate folder",
    )
    .option("--format <list>", "comma-separated: html, md, png, json", "html,md,json")
    .option("--out <dir>", "output folder (default: the bundle)")
    .option("--force", FORCE_HELP.files)
    .action(async (dir: string, opts: ReportOptions) =>
      exit(await runReportCommand(dir, opts, ctx)),
    );
  addExamples(
    command,
    [
      { command: "caplab report caplab-out/run --format html,md,png" },
      {
        note: "re-render a plan's report, with PNG charts",
        command: "caplab report caplab-out/plan --format html,png",
      },
      {
        note: "charts of one what-if (caplab simulate --out out/nasa)",
        command: "caplab report out/nasa",
      },
    ],
    helpWidth(ctx.columns),
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
  const written = await writeReport(dir, formats, {
    ...opts,
    notify: (message) => io.err(`caplab: ${message}\n`),
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
