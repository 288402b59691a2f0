/**
 * `caplab import SOURCE… --format k6 --out DIR`: the k6 branch of `caplab import`, which
 * writes a run bundle (analysis/io/import/k6-run.ts) instead of a trace bundle, records the
 * run in the history as `caplab run` does, and prints what it found.
 */
import { resolve } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { AwsTimeouts } from "../analysis/io/aws/aws-client.js";
import { explainS3ImportFailure } from "../analysis/io/import/sources.js";
import { loadRunBundle } from "../analysis/io/files/run-bundle.js";
import type { OutputFolder } from "../analysis/io/files/output.js";
import {
  historyLockTimeoutMs,
  recordRun,
  resolveHistoryPath,
} from "../analysis/io/history/history-db.js";
import { importK6Run, type K6RunImport } from "../analysis/io/import/k6-run.js";
import { renderThresholdResult } from "../scenarios/plan/k6-thresholds.js";
import { HISTORY_EXIT_CODE, HistoryError, UsageError } from "../sim/vocab/errors.js";
import type { Warning } from "../sim/vocab/index.js";
import type { ImportCommandOptions } from "./import-command.js";
import { printWarnings, type CliContext } from "./context.js";

/** Runs the k6 import into `output`; returns the exit code (0, or 74 when not recorded). */
export async function importK6RunCommand(
  sources: readonly string[],
  opts: ImportCommandOptions,
  window: {
    readonly stepSeconds: number;
    readonly fromMs?: number;
    readonly toMs?: number;
    readonly s3: () => S3Client;
  },
  output: OutputFolder,
  ctx: CliContext,
  timeouts: AwsTimeouts,
): Promise<number> {
  const { io, env, cwd } = ctx;
  const warnings: Warning[] = [];
  let result: K6RunImport;
  try {
    result = await output.write((dir) =>
      importK6Run(
        {
          sources,
          stepSeconds: window.stepSeconds,
          ...(window.fromMs === undefined ? {} : { fromMs: window.fromMs }),
          ...(window.toMs === undefined ? {} : { toMs: window.toMs }),
          ...(opts.summaryExport === undefined ? {} : { summaryExport: opts.summaryExport }),
          ...(opts.thresholds === undefined ? {} : { thresholdsFile: opts.thresholds }),
          ...(opts.scenario === undefined ? {} : { scenario: opts.scenario }),
          ...(opts.runId === undefined ? {} : { runId: opts.runId }),
          s3: window.s3,
          now: ctx.now(),
        },
        dir,
        (w) => warnings.push(w),
      ),
    );
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const explained = explainS3ImportFailure(error, opts.endpointUrl, timeouts);
    if (explained === null) throw error;
    io.err(`caplab: ${explained.message}\n`);
    return explained.exitCode;
  }
  printWarnings(io, warnings);
  const out = output.path;
  if (!opts.quiet) io.out(renderK6ImportSummary(result, out));
  if (opts.record === false) return 0;
  try {
    await recordRun(resolveHistoryPath(opts.history, env, cwd), await loadRunBundle(out), {
      bundle: resolve(out),
      lockTimeoutMs: historyLockTimeoutMs(env),
    });
    return 0;
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    io.err(`caplab: the run bundle is complete but not recorded: ${error.message}\n`);
    return HISTORY_EXIT_CODE;
  }
}

/** What a k6 import did, in a few lines: requests, thresholds with their values, what next. */
export function renderK6ImportSummary(result: K6RunImport, out: string): string {
  const i = result.ingested;
  const requests = i.metrics.http_reqs?.values.count ?? 0;
  const failed = result.thresholds.filter((t) => !t.ok);
  const lines = [
    `Imported ${requests} requests from ${result.files} input${result.files === 1 ? "" : "s"} (${i.lines} lines, ${i.badLineCount} bad) into ${out} (run ${result.manifest.runId}, scenario ${result.manifest.scenario?.name})`,
    result.thresholds.length === 0
      ? "  thresholds none (give --thresholds FILE or --summary-export FILE)"
      : `  thresholds ${result.thresholds.length - failed.length} passed, ${failed.length} failed (from ${result.thresholdsFrom.join(", ")})`,
    ...result.thresholds.map((t) => `    ${t.ok ? "✓" : "✗"} ${renderThresholdResult(t)}`),
    result.trace === null
      ? "  trace    none (no http_reqs)"
      : `  trace    ${new Date(result.trace.fromMs).toISOString()} .. ${new Date(result.trace.toMs).toISOString()} at ${result.trace.stepSeconds} s: trace: { file: ${out} } in a simulate or plan config`,
    `  next     caplab report ${out}; caplab gate ${out} --baseline-from-history 5`,
    "",
  ];
  return lines.join("\n");
}
