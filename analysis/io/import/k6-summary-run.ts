/**
 * `caplab import --format k6` of k6's end-of-test summary alone (`--summary-export FILE`, or
 * handleSummary's data given as the only SOURCE): a RUN bundle whose figures are k6's own
 * run-wide ones, for a CI job that keeps the summary and not the `--out json` output.
 *
 *   summary FILE ──parseK6Summary──▶ k6's verdicts (thresholdVerdicts) with k6's numbers
 *     ──▶ DIR/summary.json (as k6 wrote it), DIR/thresholds.json, DIR/manifest.json
 *
 * `report` shows the run-wide figures and `gate` judges the SLO on k6's own percentiles; what a
 * summary cannot give (5xx, per-second series, a percentile not in `summaryTrendStats`) is
 * skipped with why (reports/run-data.ts `runDataOfSummary`). No trace: simulate and plan need
 * the requests per step.
 */
import { randomBytes } from "node:crypto";
import { chmod, copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { IMPORT_DEFAULTS } from "../../../sim/vocab/defaults.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import type { RunBundleManifest } from "../../../sim/vocab/index.js";
import { parseK6Summary } from "../../k6-ingest.js";
import { builtinContains, parentMetricName } from "../../k6-results.js";
import { aggregationKey, parseThresholdExpression } from "../../../scenarios/plan/k6-thresholds.js";
import { thresholdVerdicts } from "../../../reports/run-data.js";
import { caplabVersion } from "../../../sim/io/package-root.js";
import { excerpt } from "../files/excerpt.js";
import { writeJsonAtomic } from "../files/output.js";
import { redactThreshold, summaryCounterSeconds, writeRunManifest } from "../files/run-bundle.js";
import { readJsonInput, type K6RunThreshold } from "./k6-run.js";

export interface K6SummaryImportOptions {
  /** k6's `--summary-export` file or handleSummary's data. */
  readonly summaryExport: string;
  /** How the user gave it: `--summary-export` or as the only SOURCE. */
  readonly givenAs: "--summary-export" | "SOURCE";
  /** @default IMPORT_DEFAULTS.k6Scenario ("k6") */
  readonly scenario?: string;
  /** @default `import-` and 8 random hex digits */
  readonly runId?: string;
  readonly now: Date;
}

export interface K6SummaryImport {
  readonly kind: "summary";
  readonly manifest: RunBundleManifest;
  /** k6's verdicts, with k6's numbers where the summary has the aggregate. */
  readonly thresholds: readonly K6RunThreshold[];
  /** `http_reqs` count (0 when the summary has none, e.g. a gRPC test). */
  readonly requests: number;
  /** The test's run time, seconds, when the summary gives it. */
  readonly seconds: number | null;
  /** What the summary cannot give, in words (the import's summary lists it). */
  readonly missing: readonly string[];
}

/**
 * Imports a k6 summary alone into the run bundle folder `dir` (fresh and empty: an output
 * folder's staging folder).
 *
 * @throws UsageError for a missing or unreadable file, or one that is not a k6 summary
 */
export async function importK6Summary(
  options: K6SummaryImportOptions,
  dir: string,
): Promise<K6SummaryImport> {
  const path = options.summaryExport;
  const json = await readJsonInput("--summary-export", path);
  let summary: ReturnType<typeof parseK6Summary>;
  try {
    summary = parseK6Summary(json);
  } catch (error) {
    throw new UsageError(
      `${options.givenAs === "SOURCE" ? "" : "--summary-export "}${path} is not a k6 summary (${excerpt((error as Error).message)}); give the file k6 --summary-export wrote, or handleSummary's data.`,
      "bad-config",
      { cause: error },
    );
  }
  const metrics = summary.metrics;
  const values = metrics as Readonly<Record<string, Readonly<Record<string, number>>>>;
  const thresholds = thresholdVerdicts(json).map((v): K6RunThreshold => {
    const parsed = parseThresholdExpression(v.expression);
    const key = parsed.ok ? aggregationKey(parsed.value.aggregation) : "";
    const observed = Object.hasOwn(values, v.metric) ? values[v.metric]![key] : undefined;
    return redactThreshold({
      verdict: v.ok ? "passed" : "failed",
      metric: v.metric,
      expression: v.expression,
      ok: v.ok,
      aggregation: key,
      observed: observed ?? null,
      contains: containsOf(json, v.metric),
      samples: observed === undefined ? 0 : 1,
      judgedBy: "k6",
    });
  });
  const seconds =
    summary.durationMs !== null ? summary.durationMs / 1000 : summaryCounterSeconds(values);
  const d = metrics.http_req_duration;
  const missing = [
    "5xx counts and per-second series (a summary has none)",
    ...["p(95)", "p(99)"]
      .filter((k) => d !== undefined && d[k] === undefined)
      .map((k) => `${k} of http_req_duration (not in k6's summaryTrendStats)`),
    ...(metrics.http_req_failed === undefined ? ["failed requests (no http_req_failed)"] : []),
  ];

  await mkdir(dir, { recursive: true });
  await copyFile(path, join(dir, "summary.json"));
  await chmod(join(dir, "summary.json"), 0o644);
  const from = [`${options.givenAs === "SOURCE" ? "" : "--summary-export "}${path}`];
  await writeJsonAtomic(join(dir, "thresholds.json"), {
    format: "caplab-thresholds/1",
    evaluated: true,
    on: "k6's end-of-test summary (k6's verdicts)",
    from,
    failed: thresholds.filter((t) => !t.ok).length,
    thresholds,
  });
  const manifest = await writeRunManifest(join(dir, "manifest.json"), {
    format: "caplab-run-bundle/1",
    runId: options.runId ?? `import-${randomBytes(4).toString("hex")}`,
    on: "import",
    scenario: { name: options.scenario ?? IMPORT_DEFAULTS.k6Scenario },
    target: null,
    plan: null,
    gitCommit: null,
    caplabVersion: caplabVersion(),
    k6Version: null,
    createdAt: options.now.toISOString(),
    k6ExitCode: null,
    k6Exit: "k6 ran elsewhere; caplab import --format k6 read its end-of-test summary",
    import: {
      sources: [],
      summaryExport: path,
      thresholdsFrom: from,
      lines: 0,
      badLines: 0,
    },
    files: { summaryExport: "summary.json", thresholds: "thresholds.json" },
    serverSide: {
      collected: false,
      reason:
        "imported k6 summary: collect the service's window with caplab collect into DIR/server",
    },
    notes: [
      "k6's end-of-test summary alone: the run's figures are k6's run-wide ones; no per-second series, no 5xx counts and no trace (import the --out json output for those)",
      ...(seconds === undefined
        ? []
        : [`the test's run time from the summary: ${Math.round(seconds * 1000) / 1000} s`]),
    ],
  });
  return {
    kind: "summary",
    manifest,
    thresholds,
    requests: metrics.http_reqs?.count ?? 0,
    seconds: seconds ?? null,
    missing,
  };
}

/** What a summary's metric holds (`time`, `data`, `default`): its `contains`, else k6's built-in. */
function containsOf(json: unknown, metric: string): string {
  const metrics = (json as { metrics?: Record<string, { contains?: unknown }> } | null)?.metrics;
  const parent = parentMetricName(metric);
  const own = metrics?.[metric]?.contains ?? metrics?.[parent]?.contains;
  return typeof own === "string" ? own : builtinContains(parent);
}
