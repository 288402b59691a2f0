/**
 * What `caplab import` prints when it is done: the counts, the window, the series and which
 * commands read the bundle next. Text only; the command prints it.
 */
import { BUNDLE_REQUESTS_SERIES } from "../../../sim/vocab/index.js";
import { formatObserved, renderThresholdResult } from "../../../scenarios/plan/k6-thresholds.js";
import { plural } from "../../../sim/vocab/numbers.js";
import { formatNumber } from "../../../reports/format.js";
import type { RunFigure } from "../../gate.js";
import type { FixedSeries } from "../files/bundle.js";
import type { ImportResult } from "./import.js";
import type { K6RunImport } from "./k6-run.js";
import type { K6SummaryImport, K6SummaryThreshold } from "./k6-summary-run.js";

/** What a trace import did, in a few lines. */
export function renderImportSummary(result: ImportResult, out: string): string {
  const s = result.stats;
  const steps = Math.round(
    (result.window.toMs - result.window.fromMs) / (result.stepSeconds * 1000),
  );
  const first =
    result.kind === "cloudwatch"
      ? [
          `Imported ${result.series.length} series from ${plural(s.files, "input")} (${plural(s.lines, "datapoint or event", "datapoints and events")}, ${s.badLines} bad) into ${out}`,
          result.requestsFrom === undefined
            ? "  requests none: no series counts requests (no RequestCount; --requests names one)"
            : `  requests ${result.requestsFrom}: ${Number(s.requests.toPrecision(12))} in the window`,
        ]
      : [
          `Imported ${plural(Math.round(s.requests), "request")}${result.loadBalancer === undefined ? "" : ` of ${result.loadBalancer}`} from ${plural(s.files, "input")} (${plural(s.lines, "line")}, ${s.badLines} bad) into ${out}`,
          ...(s.withoutTarget
            ? [
                `  and ${plural(s.withoutTarget, "request")} that reached no target (redirects, fixed responses, refusals: series requests-without-target, not in requests)`,
              ]
            : []),
        ];
  return [
    ...first,
    `  window   ${new Date(result.window.fromMs).toISOString()} .. ${new Date(result.window.toMs).toISOString()} (${plural(steps, "step")} of ${result.stepSeconds} s)`,
    `  series   ${seriesList(result.series.map((x) => x.def.id))}`,
    ...usesOf(result, out),
    "",
  ].join("\n");
}

/** What a k6 import did, in a few lines: requests, thresholds with their values, what next. */
export function renderK6ImportSummary(result: K6RunImport | K6SummaryImport, out: string): string {
  if ("kind" in result) return renderSummaryImport(result, out);
  const i = result.ingested;
  const requests = i.metrics.http_reqs?.values.count ?? 0;
  const failed = result.thresholds.filter((t) => !t.ok);
  const lines = [
    `Imported ${plural(requests, "request")} from ${plural(result.files, "input")} (${plural(i.lines, "line")}, ${i.badLineCount} bad) into ${out} (run ${result.manifest.runId}, scenario ${result.manifest.scenario?.name})`,
    result.thresholds.length === 0
      ? result.summaryKind === "machine-readable"
        ? "  thresholds none (k6's machine-readable summary holds none; give --thresholds FILE)"
        : "  thresholds none (give --thresholds FILE or --summary-export FILE)"
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

/** How the import's list of what a summary cannot give names each run figure. */
const FIGURE_NAMES: Readonly<Record<RunFigure, string>> = {
  p50: "p50",
  p90: "p90",
  p95: "p95",
  p99: "p99",
  avg: "mean latency",
  max: "max latency",
  failed: "failed requests",
  "5xx": "5xx counts",
  seconds: "per-second latencies",
  thresholds: "k6's threshold verdicts",
};

/** `http_req_duration p(99)<500: passed (k6's verdict; its summary holds no p(99))`. */
export function renderSummaryThreshold(t: K6SummaryThreshold): string {
  const value =
    t.observed !== undefined
      ? formatObserved(t.observed, t.contains)
      : t.aggregation === ""
        ? "k6's verdict; no value: the expression names no aggregation caplab reads"
        : `k6's verdict; its summary holds no ${t.aggregation}`;
  return `${t.metric} ${t.expression}: ${t.ok ? "passed" : "FAILED"} (${value})`;
}

/** What an import of k6's end-of-test summary alone wrote, and what it cannot give. */
function renderSummaryImport(result: K6SummaryImport, out: string): string {
  const failed = result.thresholds.filter((t) => !t.ok);
  return [
    `Imported k6's end-of-test summary into ${out} (run ${result.manifest.runId}, scenario ${result.manifest.scenario?.name}): ${plural(result.requests, "request")}${result.seconds === null ? "" : ` in ${formatNumber(result.seconds, 1)} s`}, k6's run-wide figures`,
    result.thresholds.length === 0
      ? "  thresholds none in the summary"
      : `  thresholds ${result.thresholds.length - failed.length} passed, ${failed.length} failed (k6's verdicts)`,
    ...result.thresholds.map((t) => `    ${t.ok ? "✓" : "✗"} ${renderSummaryThreshold(t)}`),
    ...result.missing.map(
      (m, i) =>
        `  ${i === 0 ? "missing " : "        "} ${m.figures.map((f) => FIGURE_NAMES[f]).join(", ")}: ${m.why}`,
    ),
    "  trace    none (a summary has no requests per step)",
    `  next     caplab report ${out}; caplab gate ${out} --config gate.yaml (an SLO: the gate judges k6's p95 against it)`,
    "",
  ].join("\n");
}

/**
 * Which commands read the bundle, as the summary's last lines. Every command named here reads
 * it (test/cli/import-command.test.ts runs them on the bundled samples).
 */
function usesOf(result: ImportResult, out: string): string[] {
  const cpu = result.series.filter((s) => CPU_SERIES.test(s.def.id));
  const counts = result.series.filter((s) => TASK_COUNT_SERIES.test(s.def.id));
  const readers = [`caplab report ${out}`, ...(cpu.length > 0 ? [`caplab rightsize ${out}`] : [])];
  // calibrate without a fit keeps a config's values for what the data cannot give.
  const withConfig = `caplab calibrate ${out} --config YOUR.yaml (it keeps the config's values where the data cannot fit them)`;
  if (!result.series.some((s) => s.def.id === BUNDLE_REQUESTS_SERIES))
    return [
      `  use it   ${[...readers, withConfig].join(", ")}; simulate and plan need a requests series (--requests)`,
    ];
  // calibrate fits CPU against requests: both (and a task count) for the same time.
  const inWindow = (list: typeof cpu) => list.some((s) => hasDataIn(s.data, result.window));
  const fits = inWindow(cpu) && inWindow(counts);
  return [
    `  use it   trace: { file: ${out} } in a simulate or plan config`,
    `           ${[...readers, fits ? `caplab calibrate ${out}` : withConfig].join(", ")}${
      cpu.length > 0 && !fits
        ? "; calibrate fits CPU only where CPU and task counts cover the requests' time"
        : ""
    }`,
  ];
}

/** Series that hold CPU used per task, or a share of it. */
const CPU_SERIES = /^(task\.[^.]+\.CpuUtilized|ci\.CpuUtilized|ecs\.CPUUtilization)\.Average$/;
/** Series that give the running-task count (or per-task series to count). */
const TASK_COUNT_SERIES = /^(ci\.RunningTaskCount|task\.[^.]+\.CpuUtilized)\.Average$/;

/** Whether a fixed-step series has a value in [fromMs, toMs). */
function hasDataIn(data: FixedSeries, window: { fromMs: number; toMs: number }): boolean {
  const stepMs = data.stepSeconds * 1000;
  for (let i = 0; i < data.values.length; i++) {
    const t = data.startMs + i * stepMs;
    if (t >= window.fromMs && t < window.toMs && Number.isFinite(data.values[i])) return true;
  }
  return false;
}

/** Series ids for the summary: the first 12, then how many in all. */
function seriesList(ids: readonly string[]): string {
  return ids.length <= 12
    ? ids.join(", ")
    : `${ids.slice(0, 12).join(", ")}, … (${ids.length} in all)`;
}
