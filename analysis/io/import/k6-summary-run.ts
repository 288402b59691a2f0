/**
 * `caplab import --format k6` of k6's end-of-test summary alone (`--summary-export FILE`, or
 * handleSummary's data given as the only SOURCE): a RUN bundle whose figures are k6's own
 * run-wide ones, for a CI job that keeps the summary and not the `--out json` output.
 *
 *   summary FILE ──parseK6Summary──▶ k6's verdicts (thresholdVerdicts) with k6's numbers
 *     ──▶ DIR/summary.json (as k6 wrote it), DIR/thresholds.json, DIR/manifest.json
 *
 * Any of k6's three summary shapes (`--summary-export`, handleSummary's data, the versioned
 * machine-readable summary; analysis/k6-summary.ts). `report` shows the run-wide figures and
 * `gate` judges the SLO on k6's own percentiles; what a summary cannot give (5xx, per-second
 * series, a percentile it does not hold) is decided once (analysis/k6-summary.ts
 * `summaryUnmeasured`): listed here, skipped with why by the report and the gate. No trace:
 * simulate and plan need the requests per step.
 */
import { randomBytes } from "node:crypto";
import { chmod, copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { IMPORT_DEFAULTS } from "../../../sim/vocab/defaults.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import type { RunBundleManifest } from "../../../sim/vocab/index.js";
import { parseK6Summary, summaryCounterSeconds, summaryUnmeasured } from "../../k6-summary.js";
import type { RunFigure } from "../../gate.js";
import { builtinContains, parentMetricName } from "../../k6-results.js";
import { aggregationKey, parseThresholdExpression } from "../../../scenarios/plan/k6-thresholds.js";
import { thresholdVerdicts } from "../../../reports/run-data.js";
import { caplabVersion } from "../../../sim/io/package-root.js";
import { excerpt } from "../files/excerpt.js";
import { writeJsonAtomic } from "../files/output.js";
import { redactThreshold, writeRunManifest } from "../files/run-bundle.js";
import { readJsonInput } from "./k6-run.js";

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

/**
 * k6's verdict on one threshold, from its summary: with k6's number where the summary holds the
 * aggregate; without one where it does not (a percentile outside summaryTrendStats: k6 judged
 * it on its sink, the summary kept only the stats asked for). No sample count: a summary has
 * none for a threshold.
 */
export interface K6SummaryThreshold {
  readonly metric: string;
  readonly expression: string;
  /** true = passed (k6's handleSummary polarity). */
  readonly ok: boolean;
  /** `p(95)`, `rate`, …; "" when the expression does not parse. */
  readonly aggregation: string;
  /** k6's number, in the metric's unit; absent when the summary does not hold the aggregate. */
  readonly observed?: number;
  /** What the metric holds: `time` (ms), `data` (bytes) or `default`. */
  readonly contains: string;
  readonly judgedBy: "k6";
}

export interface K6SummaryImport {
  readonly kind: "summary";
  readonly manifest: RunBundleManifest;
  /** k6's verdicts, with k6's numbers where the summary has the aggregate. */
  readonly thresholds: readonly K6SummaryThreshold[];
  /** `http_reqs` count (0 when the summary has none, e.g. a gRPC test). */
  readonly requests: number;
  /** The test's run time, seconds, when the summary gives it. */
  readonly seconds: number | null;
  /**
   * What the summary cannot give: the figures that share a reason, and the reason
   * (analysis/k6-summary.ts `summaryUnmeasured`); the import's summary lists them.
   */
  readonly missing: readonly { readonly figures: readonly RunFigure[]; readonly why: string }[];
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
  const json = await readJsonInput(options.givenAs, path);
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
  // A value the summary does not hold stays absent: not null ("k6 does not judge it") nor 0
  // samples ("judged on an empty sink"); k6 judged it on its sink.
  const thresholds = thresholdVerdicts(json).map((v): K6SummaryThreshold => {
    const parsed = parseThresholdExpression(v.expression);
    const key = parsed.ok ? aggregationKey(parsed.value.aggregation) : "";
    const observed = Object.hasOwn(values, v.metric) ? values[v.metric]![key] : undefined;
    return redactThreshold({
      metric: v.metric,
      expression: v.expression,
      ok: v.ok,
      aggregation: key,
      ...(observed === undefined ? {} : { observed }),
      contains: containsOf(summary.contains, v.metric),
      judgedBy: "k6",
    });
  });
  const seconds =
    summary.durationMs !== null ? summary.durationMs / 1000 : summaryCounterSeconds(values);
  const missing: { figures: RunFigure[]; why: string }[] = [];
  for (const [figure, why] of Object.entries(summaryUnmeasured(summary)) as [RunFigure, string][]) {
    const same = missing.find((m) => m.why === why);
    if (same === undefined) missing.push({ figures: [figure], why });
    else same.figures.push(figure);
  }

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
    k6Version: summary.k6Version,
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
function containsOf(contains: Readonly<Record<string, string>>, metric: string): string {
  const parent = parentMetricName(metric);
  return (
    (Object.hasOwn(contains, metric) ? contains[metric] : undefined) ??
    (Object.hasOwn(contains, parent) ? contains[parent] : undefined) ??
    builtinContains(parent)
  );
}
