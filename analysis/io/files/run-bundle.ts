/**
 * Reading and writing run bundles (the format is sim/vocab/run-bundle.ts): what `caplab run`
 * and `caplab import --format k6` write and `report`, `gate`, `history` read.
 *
 *   RunBundleManifest ──writeRunManifest (validated by the schema)──▶ DIR/manifest.json
 *
 *   run bundle ──loadRunBundle──▶ RunData (reports/run-data.ts)
 *     manifest.json ──RunBundleManifestSchema──▶ the run's meta, its files by role
 *     summary.json (k6's --summary-export: `true` = FAILED), thresholds.json or
 *       caplab-summary.json ──▶ the threshold verdicts
 *     k6.json.gz ──ingestK6File (the one aggregator; the thresholds' metrics and percentiles
 *       asked for)──▶ per second, latency, every metric's aggregates ──▶ observed values
 *     plan.json ──▶ the SLO;  server/ (a trace bundle) ──▶ the server side
 *
 * Every file is read through bundle-files.ts: a manifest field or symbolic link that leads
 * out of the bundle is a UsageError.
 */
import { gzipDamaged, isGzipDamage } from "./lines.js";
import { join, resolve } from "node:path";
import {
  traceBundleFormatVersion,
  BUNDLE_REQUESTS_SERIES,
  RUN_BUNDLE_FORMAT,
  RunBundleManifestSchema,
  warnings as warning,
  type RunBundleManifest,
  type RunBundleManifestInput,
  type Warning,
} from "../../../sim/vocab/index.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { TraceError } from "../../trace.js";
import type { K6Ingested } from "../../k6-ingest.js";
import { parseK6Summary, summaryCounterSeconds, type K6SummaryKind } from "../../k6-summary.js";
import { thresholdNeeds, type ThresholdResult } from "../../../scenarios/plan/k6-thresholds.js";
import { redactSecrets, redactStrings } from "../../../sim/vocab/redact.js";
import type { SloTargets } from "../../../scenarios/plan/k6-plan.js";
import {
  hasServerFigures,
  MAX_NAMED_BAD_K6_LINES,
  runDataOf,
  scalingEventsOf,
  serverSideFromSeries,
  thresholdVerdicts,
  trafficFromSeries,
  withObservedValues,
  type NamedSeries,
  type RunData,
  type ScalingEventRow,
  type ServerSide,
  type SummaryFacts,
  type ThresholdVerdict,
} from "../../../reports/run-data.js";
import { readBundleManifest, readBundleSeries } from "./bundle.js";
import {
  BundleContentError,
  bundleFile,
  openBundle,
  readBundleJson,
  type BundleRoot,
} from "./bundle-files.js";
import { formatZodIssue } from "./config-file.js";
import { excerpt } from "./excerpt.js";
import { ingestK6File, K6LineTooLongError } from "./k6-stream.js";
import { writeJsonAtomic } from "./output.js";

export { RUN_BUNDLE_FORMAT };

/**
 * Writes a run bundle's manifest after checking it against RunBundleManifestSchema, so a
 * bundle caplab writes is always one it reads back. (Callers that build the manifest in
 * pieces may pass a plain record: the check is at run time.)
 *
 * @throws Error naming the field when the manifest does not fit the schema (a bug in caplab).
 */
export async function writeRunManifest(
  path: string,
  manifest: RunBundleManifestInput | Readonly<Record<string, unknown>>,
): Promise<RunBundleManifest> {
  const parsed = RunBundleManifestSchema.safeParse(manifest);
  if (!parsed.success)
    throw new Error(
      `writeRunManifest: ${formatZodIssue(path, parsed.error.issues[0]!)} (a run manifest caplab wrote does not fit its own schema)`,
    );
  // Its fields hold what other programs said (k6's version line, sources, notes): shown
  // without the credentials of URLs in them.
  const shown = redactStrings(parsed.data);
  await writeJsonAtomic(path, shown);
  return shown;
}

/**
 * A run bundle's manifest, checked against the schema.
 * @throws UsageError when the folder has no manifest, or one that is not a run bundle's.
 */
export async function readRunManifest(
  root: BundleRoot,
): Promise<{ readonly path: string; readonly manifest: RunBundleManifest }> {
  const read = await readBundleJson(root, "manifest.json", null, { optional: true });
  if (read === null)
    throw new UsageError(
      `${root.dir} is not a run bundle (no manifest.json); pass the --out folder of caplab run or caplab import --format k6.`,
      "missing-file",
    );
  const format = (read.json as { format?: unknown } | null)?.format;
  if (format !== RUN_BUNDLE_FORMAT)
    throw new UsageError(
      `${read.path} is not a ${RUN_BUNDLE_FORMAT} manifest (format ${excerpt(String(format), 40)}).`,
      "bad-bundle",
    );
  const parsed = RunBundleManifestSchema.safeParse(read.json);
  if (!parsed.success) {
    // A file named outside the bundle comes first, whatever else is wrong, in the words
    // bundle-files.ts uses for it.
    const issues = parsed.error.issues;
    const outside = issues.find((i) => i.code === "custom");
    if (outside !== undefined) {
      const field = outside.path
        .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
        .join("");
      const value = outside.path.reduce<unknown>(
        (o, p) => (o as Record<PropertyKey, unknown> | null)?.[p as PropertyKey],
        read.json,
      );
      throw new UsageError(
        `${read.path}: ${field} (${excerpt(String(value))}) is not a file of the bundle: ${outside.message}.`,
        "bundle-path",
      );
    }
    throw new UsageError(formatZodIssue(read.path, issues[0]!), "bad-bundle");
  }
  return { path: read.path, manifest: parsed.data };
}

/**
 * An optional JSON file of a bundle (bundle-files.ts: confined, bounded); a file that is not
 * JSON becomes a warning that quotes at most a short excerpt, a file outside the bundle stays
 * an error.
 */
async function optionalJson(
  root: BundleRoot,
  name: unknown,
  field: string | null,
  warnings: Warning[],
): Promise<unknown> {
  try {
    return (await readBundleJson(root, name, field, { optional: true }))?.json ?? null;
  } catch (error) {
    if (error instanceof BundleContentError) {
      warnings.push(warning.unreadableFile(error.path, error.reason));
      return null;
    }
    throw error;
  }
}

/**
 * A threshold with the credentials of URLs in its metric, expression and error taken out
 * (`redactSecrets`): k6 names a sub-metric by a tag's value, and the `url` and `name` tags
 * are request URLs (`http_req_duration{name:https://api/x?token=…}`), which reports, the
 * gate's files and the history would otherwise repeat.
 */
export function redactThreshold<T extends { readonly metric: string; readonly expression: string }>(
  t: T,
): T {
  const error = (t as { readonly error?: unknown }).error;
  return {
    ...t,
    metric: redactSecrets(t.metric),
    expression: redactSecrets(t.expression),
    ...(typeof error === "string" ? { error: redactSecrets(error) } : {}),
  };
}

/** Verdicts of a thresholds.json or caplab-summary.json: `{thresholds: [{metric, expression, ok, …}]}`. */
function caplabVerdicts(json: unknown): ThresholdVerdict[] {
  const list = (json as { thresholds?: unknown } | null)?.thresholds;
  if (!Array.isArray(list)) return [];
  const out: ThresholdVerdict[] = [];
  for (const t of list as Partial<ThresholdResult & { judgedBy: string }>[]) {
    if (typeof t !== "object" || t === null) continue;
    if (typeof t.metric !== "string" || typeof t.expression !== "string") continue;
    if (typeof t.ok !== "boolean") continue;
    const observed = "observed" in t && (typeof t.observed === "number" || t.observed === null);
    const samples = (t as { samples?: unknown }).samples;
    out.push({
      metric: t.metric,
      expression: t.expression,
      ok: t.ok,
      ...("aggregation" in t && typeof t.aggregation === "string"
        ? { aggregation: t.aggregation }
        : {}),
      ...(observed ? { observed: t.observed as number | null } : {}),
      ...("contains" in t && typeof t.contains === "string" ? { contains: t.contains } : {}),
      ...(Number.isSafeInteger(samples) && (samples as number) >= 0
        ? { samples: samples as number }
        : {}),
      judgedBy: t.judgedBy === "k6" ? "k6" : "caplab",
    });
  }
  return out;
}

/** Options of {@link loadRunBundle}. */
export interface LoadRunBundleOptions {
  /** Worker threads for a large plain k6 output (ingestK6File). @default one per core but one, from 64 MiB */
  readonly workers?: number;
  /**
   * "refuse": a trace bundle (import of access logs or CloudWatch data, collect) is a UsageError
   * saying what to do, before its series are read: it holds traffic, not a load test's results,
   * so the gate would judge nothing in it. @default "load" (the report shows its traffic)
   */
  readonly traceBundles?: "load" | "refuse";
}

/**
 * Reads a run bundle into RunData. The k6 NDJSON goes through the one aggregator
 * (ingestK6File: streamed, gunzipped on the fly, in parallel byte ranges when plain and
 * large), asked for every metric, sub-metric and percentile the run's thresholds name, so
 * each threshold carries the value it was judged on.
 *
 * Lines of the k6 output that are not k6 JSON (or hold a value k6 cannot have measured) are
 * skipped and counted in the warnings.
 *
 * @throws UsageError when `dir` is not a run bundle, a file leads out of it, or a line of the
 *   k6 output is too long to be k6 JSON.
 */
export async function loadRunBundle(
  dir: string,
  options: LoadRunBundleOptions = {},
): Promise<RunData> {
  const root = await openBundle(dir);
  const peek = await readBundleJson(root, "manifest.json", null, { optional: true });
  if (traceBundleFormatVersion((peek?.json as { format?: unknown } | null)?.format) !== null) {
    if (options.traceBundles === "refuse")
      throw new UsageError(
        `${dir} is a trace bundle (${(await readBundleManifest(root)).source.kind}): it holds traffic, not a load test's results, so the gate has nothing to judge; gate a run bundle (caplab run, or caplab import --format k6), see this traffic with caplab report ${dir}, or replay it with trace: { file: ${dir} } in a simulate or plan config.`,
        "bad-bundle",
      );
    return loadTraceBundle(dir, root);
  }
  const { manifest } = await readRunManifest(root);
  const warnings: Warning[] = [];
  const files = manifest.files;
  /** The name a role's file has (the manifest's, else the default) and the field that named it. */
  const named = (role: string, fallback: string): [string, string | null] =>
    files[role] !== undefined ? [files[role], `files.${role}`] : [fallback, null];

  // The verdicts first: they say which aggregates the k6 output must give.
  let verdicts: ThresholdVerdict[] = [];
  let summary: SummaryFacts & { readonly kind: K6SummaryKind; readonly passed: boolean | null } = {
    kind: "summary-export",
    metrics: {},
    types: {},
    contains: {},
    passed: null,
  };
  let summaryRead = false;
  let durationSeconds: number | undefined;
  const [summaryName, summaryField] = named("summaryExport", "summary.json");
  if ((await bundleFile(root, summaryName, summaryField, { optional: true })) !== null) {
    const json = await optionalJson(root, summaryName, summaryField, warnings);
    if (json !== null) {
      try {
        verdicts = thresholdVerdicts(json);
        const parsed = parseK6Summary(json);
        summary = parsed;
        summaryRead = true;
        if (parsed.durationMs !== null) durationSeconds = parsed.durationMs / 1000;
      } catch (error) {
        warnings.push(
          warning.unreadableFile(join(dir, summaryName), excerpt((error as Error).message)),
        );
      }
    }
  }
  // Thresholds caplab judged (a distributed run's, an import's) add the ones k6 did not.
  for (const [role, fallback] of [
    ["thresholds", "thresholds.json"],
    ["caplabSummary", "caplab-summary.json"],
  ] as const) {
    const [name, field] = named(role, fallback);
    if (files[role] === undefined && role === "thresholds") continue;
    const more = caplabVerdicts(await optionalJson(root, name, field, warnings));
    const seen = new Set(verdicts.map((v) => `${v.metric}\u0000${v.expression}`));
    verdicts.push(...more.filter((v) => !seen.has(`${v.metric}\u0000${v.expression}`)));
  }

  const needs = thresholdNeeds(
    Object.fromEntries(
      [...new Set(verdicts.map((v) => v.metric))].map((m) => [
        m,
        verdicts.filter((v) => v.metric === m).map((v) => v.expression),
      ]),
    ),
  );
  let ingested: K6Ingested | null = null;
  const [k6Name, k6Field] = named("k6Json", "k6.json.gz");
  const k6Real = await bundleFile(root, k6Name, k6Field, { optional: true });
  const k6Path = join(dir, k6Name);
  if (k6Real !== null) {
    try {
      ingested = await ingestK6File(k6Real, {
        metrics: needs.metrics,
        percentiles: needs.percentiles,
        ...(durationSeconds === undefined ? {} : { durationSeconds }),
        ...(options.workers === undefined ? {} : { workers: options.workers }),
      });
    } catch (error) {
      if (error instanceof K6LineTooLongError)
        throw new UsageError(
          `${k6Path} ${error.line === undefined ? "has a line" : `line ${error.line} is`} longer than ${error.maxBytes} bytes, so it is not k6 JSON output; re-create the bundle.`,
          "bad-k6-line",
          { cause: error },
        );
      if (error instanceof TraceError)
        throw new UsageError(`${dir}: ${error.message}`, error.code, { cause: error });
      if (isGzipDamage(error))
        throw gzipDamaged(k6Path, error, undefined, "or re-create the bundle");
      throw error;
    }
    for (const b of ingested.badLines.slice(0, MAX_NAMED_BAD_K6_LINES))
      warnings.push(
        warning.badK6Line(
          k6Path,
          b.line,
          b.refused ? `is refused: ${b.reason}` : `is not k6 JSON (${excerpt(b.reason)})`,
        ),
      );
    if (ingested.badLineCount > MAX_NAMED_BAD_K6_LINES)
      warnings.push(
        warning.moreBadK6Lines(
          k6Path,
          ingested.badLineCount - MAX_NAMED_BAD_K6_LINES,
          ingested.badLineCount,
        ),
      );
  } else if (!summaryRead) warnings.push(warning.noK6Output(dir));
  // (With a summary, the report says its figures are k6's run-wide ones and which it lacks.)
  // Judged on the names as k6 wrote them; shown with the credentials of URLs in them taken out.
  const thresholds = withObservedValues(verdicts, ingested?.metrics ?? null, summary).map(
    redactThreshold,
  );

  const plan = (await optionalJson(root, "plan.json", null, warnings)) as {
    slo?: SloTargets;
  } | null;
  const slo: SloTargets | null = plan?.slo ?? null;

  const serverReal = await bundleFile(root, "server", null, { optional: true, folder: true });
  const server =
    serverReal === null
      ? null
      : await loadServerSide({ dir: join(dir, "server"), real: serverReal }, warnings);
  const meta = {
    runId: manifest.runId ?? resolve(dir).replace(/^.*[\\/]/, ""),
    scenario: manifest.scenario?.name ?? "unknown",
    target: manifest.target ?? "unknown",
    startedAt: manifest.startedAt ?? null,
    endedAt: manifest.endedAt ?? null,
    k6ExitCode: manifest.k6ExitCode ?? null,
    k6Exit: manifest.k6Exit ?? null,
    gitCommit: manifest.gitCommit ?? null,
  };
  // Without k6 output, the summary's run-wide figures (k6's own) are the run's.
  const summarySeconds = durationSeconds ?? summaryCounterSeconds(summary.metrics);
  return runDataOf(ingested, meta, {
    thresholds,
    slo,
    server,
    warnings,
    ...(summaryRead
      ? {
          summary: {
            kind: summary.kind,
            metrics: summary.metrics,
            seconds: summarySeconds ?? null,
            passed: summary.passed,
          },
        }
      : {}),
  });
}

/**
 * A trace bundle (`caplab collect` or `import`) as a run without k6 output: its series are
 * the server side, so the report shows the service's side alone (requests, tasks, CPU, memory,
 * per task and container, RequestCountPerTarget) over the bundle's window.
 */
async function loadTraceBundle(dir: string, root: BundleRoot): Promise<RunData> {
  const warnings: Warning[] = [];
  const read = await readServerSeries(root, warnings);
  const traffic = trafficFromSeries(read?.series ?? [], BUNDLE_REQUESTS_SERIES);
  const all = read && serverSideFromSeries(read.series, read.context);
  // The traffic shows the 5xx: a server side of 5xx counts alone says nothing more.
  const server = all !== null && hasServerFigures(all) ? all : null;
  const manifest = await readBundleManifest(root);
  const source = `${manifest.source.kind}${manifest.source.detail === "" ? "" : `: ${manifest.source.detail}`}`;
  const meta = {
    runId: resolve(dir).replace(/^.*[\\/]/, ""),
    scenario: `trace bundle (${manifest.source.kind})`,
    target: source.length > 200 ? `${source.slice(0, 200)}…` : source,
    startedAt: manifest.window.from,
    endedAt: manifest.window.to,
    k6ExitCode: null,
    gitCommit: null,
  };
  return runDataOf(null, meta, { thresholds: [], slo: null, server, traffic, warnings });
}

/**
 * The trace bundle in a run bundle's server/ (what the collector writes there); null when it
 * has no manifest. A series or manifest that cannot be read is a warning; a file named
 * outside the bundle is an error.
 */
async function loadServerSide(root: BundleRoot, warnings: Warning[]): Promise<ServerSide | null> {
  const read = await readServerSeries(root, warnings);
  return read && serverSideFromSeries(read.series, read.context);
}

/**
 * A trace bundle's series and what its manifest and scaling.json say around them; null when
 * it has no manifest (see {@link loadServerSide}).
 */
async function readServerSeries(
  root: BundleRoot,
  warnings: Warning[],
): Promise<{
  series: NamedSeries[];
  context: Parameters<typeof serverSideFromSeries>[1];
} | null> {
  if ((await bundleFile(root, "manifest.json", null, { optional: true })) === null) return null;
  let manifest;
  try {
    manifest = await readBundleManifest(root);
  } catch (error) {
    if (error instanceof UsageError && error.code === "bad-bundle") {
      warnings.push(
        warning.unreadableFile(
          join(root.dir, "manifest.json"),
          "not a caplab trace bundle manifest",
        ),
      );
      return null;
    }
    throw error;
  }
  const series: NamedSeries[] = [];
  for (const [i, s] of manifest.series.entries()) {
    const path = join(root.dir, s.file);
    if ((await bundleFile(root, s.file, `series[${i}].file`, { optional: true })) === null) {
      warnings.push(warning.unreadableFile(path, "missing"));
      continue;
    }
    let badRows = 0;
    let raw;
    try {
      raw = await readBundleSeries(root, s, { manifest, onBadRow: () => badRows++ });
    } catch (error) {
      if (error instanceof BundleContentError) {
        const at = error.line === undefined ? "" : `line ${error.line}: `;
        warnings.push(warning.unreadableFile(error.path, `${at}${error.reason}`));
        continue;
      }
      throw error;
    }
    if (badRows > 0)
      warnings.push(
        warning.unreadableFile(
          path,
          `${badRows} row${badRows === 1 ? " is" : "s are"} not a time and a number and were left out`,
        ),
      );
    series.push({
      id: s.id,
      metricName: s.metricName,
      dimensions: s.dimensions,
      ...(s.stat !== undefined ? { stat: s.stat } : {}),
      periodSeconds: s.periodSeconds,
      points: raw.times.map((timeMs, i) => ({ timeMs, value: raw.values[i]! })),
    });
  }
  // scaling.json (caplab collect): DescribeScalingActivities items, kept when they fall in
  // the window of the series (AWS returns up to six weeks of them).
  let scalingEvents: ScalingEventRow[] = [];
  const [scalingName, scalingField] =
    manifest.files.scaling !== undefined
      ? [manifest.files.scaling, "files.scaling"]
      : ["scaling.json", null];
  const scaling = await optionalJson(root, scalingName, scalingField, warnings);
  if (scaling !== null) {
    try {
      const from = Date.parse(manifest.window.from);
      const to = Date.parse(manifest.window.to);
      scalingEvents = scalingEventsOf(
        scaling,
        Number.isFinite(from) ? from : -Infinity,
        Number.isFinite(to) ? to : Infinity,
      );
    } catch (error) {
      warnings.push(
        warning.unreadableFile(join(root.dir, scalingName), excerpt((error as Error).message)),
      );
    }
  }
  return {
    series,
    context: {
      maxCapacity: manifest.current?.scaling.MaxCapacity ?? null,
      task: manifest.current?.task ?? null,
      scalingEvents,
    },
  };
}
