/**
 * The run report as Markdown (a CI job summary or PR comment) and as JSON for machines.
 * Pure and deterministic: RunData in, text out. Strings from outside are escaped
 * (markdownInline, markdownCell); the facts shown are shared with the HTML through
 * {@link runFactRows}.
 */
import { formatObserved } from "../analysis/k6-results.js";
import { isTimeMetric, tooFewSamples, type RunFigure } from "../analysis/gate.js";
import { GATE_DEFAULTS } from "../sim/vocab/defaults.js";
import { judgedPercentile } from "../scenarios/plan/k6-thresholds.js";
import type { TrafficSloVerdict } from "./traffic-slo.js";
import { thinDataClause } from "../analysis/trace-coverage.js";
import {
  capacityFigures,
  type RunData,
  type ThresholdVerdict,
  type TrafficSide,
} from "./run-data.js";
import { markdownCell, markdownInline } from "./escape.js";
import {
  formatCompact,
  formatHours,
  formatNumber,
  formatPercent,
  formatUtc,
  plural,
} from "./format.js";

/** A labelled value for people. */
export type Row = readonly [label: string, value: string];

/** Seconds between the first and the last second with data (0 without data). */
export function runSeconds(run: RunData): number {
  return run.seconds.length;
}

/** The SLO a trace bundle's traffic was judged against, as a key figure. */
function sloRow(slo: TrafficSloVerdict["slo"]): Row {
  const limits = [
    ...(slo.latencyP95Ms === undefined ? [] : [`p95 ≤ ${formatCompact(slo.latencyP95Ms)} ms`]),
    ...(slo.errorRatePercent === undefined
      ? []
      : [`5xx ≤ ${formatPercent(slo.errorRatePercent, 3)}`]),
  ];
  return [
    "SLO (--slo-…)",
    `${limits.join(", ")} per step; at most ${formatPercent(slo.violationBudgetPercent, 2)} of the minutes violating`,
  ];
}

/** Why a run report has no charts of the load test: no per-second series. */
export function noChartsNote(run: RunData): string {
  return run.figures === "summary"
    ? "No charts: k6's end-of-test summary has no per-second series; import the run's --out json output for them."
    : "No charts: the bundle has no k6 output (k6.json.gz) to draw them from.";
}

/** The key figures of the run (of its traffic, for a trace bundle), in report order. */
export function runFactRows(run: RunData): Row[] {
  if (run.traffic !== null)
    return [
      ...trafficFactRows(run.traffic),
      ...(run.trafficVerdict === undefined ? [] : [sloRow(run.trafficVerdict.slo)]),
    ];
  const fromSummary = run.figures === "summary";
  const seconds = fromSummary ? (run.summarySeconds ?? 0) : runSeconds(run);
  const l = run.latency;
  const u = run.unmeasured;
  /** A figure, or "—" when the run's files do not give it. */
  const fig = (v: number, figure: RunFigure): string =>
    u[figure] === undefined ? formatNumber(v, 1) : "—";
  const percentileGaps = (["p50", "p90", "p95", "p99"] as const).filter((f) => u[f] !== undefined);
  const rows: Row[] = [
    [
      "Requests",
      `${formatNumber(run.requests)} in ${formatNumber(seconds, fromSummary ? 1 : 0)} s (${formatCompact(seconds > 0 ? run.requests / seconds : 0, 1)}/s)${fromSummary ? ", from k6's end-of-test summary (no per-second series)" : ""}`,
    ],
    [
      "Failed requests",
      u.failed !== undefined
        ? `—: ${u.failed}`
        : `${formatNumber(run.failedRequests)} (${formatPercent(run.errorRatePercent, 3)})`,
    ],
    ["5xx responses", u["5xx"] !== undefined ? `—: ${u["5xx"]}` : formatNumber(run.status5xx)],
    [
      "Latency p50 / p90 / p95 / p99",
      `${fig(l.p50Ms, "p50")} / ${fig(l.p90Ms, "p90")} / ${fig(l.p95Ms, "p95")} / ${fig(l.p99Ms, "p99")} ms${
        percentileGaps.length > 0
          ? ` (—: ${[...new Set(percentileGaps.map((f) => u[f]))].join("; ")})`
          : ""
      }`,
    ],
    ["Latency avg / max", `${fig(l.avgMs, "avg")} / ${fig(l.maxMs, "max")} ms`],
    [
      "Dropped iterations",
      run.droppedIterations === 0
        ? "0: k6 dropped none"
        : `${formatNumber(run.droppedIterations)}: the open model did not keep its rate (raise maxVUs or add segments)`,
    ],
  ];
  if (run.slo !== null)
    rows.push([
      "SLO (plan.json)",
      `p95 ≤ ${formatNumber(run.slo.latencyP95Ms)} ms${run.slo.latencyP99Ms !== undefined ? `, p99 ≤ ${formatNumber(run.slo.latencyP99Ms)} ms` : ""}, errors ≤ ${formatPercent(run.slo.errorRatePercent, 3)}`,
    ]);
  rows.push([
    "k6 exit code",
    run.meta.k6ExitCode !== null
      ? String(run.meta.k6ExitCode)
      : run.meta.k6Exit
        ? `not recorded: ${run.meta.k6Exit}`
        : "unknown",
  ]);
  return rows;
}

/**
 * The key figures of a trace bundle's traffic: requests with their mean rate and busiest step,
 * 5xx, TargetResponseTime, and the series they come from.
 */
export function trafficFactRows(t: TrafficSide): Row[] {
  if (t.from.requests === null)
    return [["Requests", "none counted: the bundle has no requests or RequestCount series"]];
  const steps = t.steps;
  const requests = steps.reduce((a, s) => a + s.requests, 0);
  const span = steps.length * t.stepSeconds;
  let busiest = steps[0];
  for (const s of steps) if (busiest === undefined || s.requests > busiest.requests) busiest = s;
  const rows: Row[] = [
    [
      "Requests",
      `${formatNumber(requests)} over ${formatHours(span / 3600)} (${plural(steps.length, "step")} of ${t.stepSeconds} s): ${formatCompact(span > 0 ? requests / span : 0, 2)}/s on average${busiest === undefined ? "" : `; busiest step ${formatNumber(busiest.requests)} at ${formatUtc(busiest.timeMs)}`}`,
    ],
  ];
  const fiveXx = steps.reduce((a, s) => a + (s.http5xx ?? 0), 0);
  rows.push([
    "5xx responses",
    t.from.http5xx.length === 0
      ? "— (the bundle has no 5xx series)"
      : `${formatNumber(fiveXx)} (${formatPercent(requests > 0 ? (fiveXx / requests) * 100 : 0, 3)} of requests)`,
  ]);
  const p95 = steps.filter((s) => s.p95Ms !== null && s.requests > 0);
  if (p95.length > 0) {
    const sorted = p95.map((s) => s.p95Ms!).sort((a, b) => a - b);
    const worst = p95.reduce((w, s) => (s.p95Ms! > w.p95Ms! ? s : w));
    rows.push([
      "Response time p95 per step",
      `median ${formatNumber(sorted[Math.floor((sorted.length - 1) / 2)]!, 1)} ms, worst ${formatNumber(worst.p95Ms!, 1)} ms at ${formatUtc(worst.timeMs)}`,
    ]);
  }
  const avg = steps.filter((s) => s.avgMs !== null && s.requests > 0);
  const weight = avg.reduce((a, s) => a + s.requests, 0);
  if (weight > 0)
    rows.push([
      "Response time, average",
      `${formatNumber(avg.reduce((a, s) => a + s.avgMs! * s.requests, 0) / weight, 1)} ms (weighted by requests)`,
    ]);
  const from = [
    `requests: ${t.from.requests}`,
    ...(t.from.http5xx.length > 0 ? [`5xx: ${t.from.http5xx.join(" + ")}`] : []),
    ...(t.from.p95 !== null || t.from.avg !== null
      ? [`response time: ${[t.from.p95, t.from.avg].filter((x) => x !== null).join(", ")}`]
      : []),
  ];
  rows.push(["Series", from.join("; ")]);
  return rows;
}

/** The server-side figures; empty without a server side. */
export function serverFactRows(run: RunData): Row[] {
  const s = run.server;
  if (s === null) return [];
  const peak = (points: readonly { value: number }[]): string =>
    points.length === 0 ? "—" : formatNumber(Math.max(...points.map((p) => p.value)), 1);
  const percent = (points: readonly { value: number }[]): string =>
    points.length === 0 ? "—" : `${peak(points)} %`;
  const c = capacityFigures(run);
  return [
    [
      "Peak running tasks",
      `${peak(s.taskCount)}${s.maxCapacity !== null ? ` (MaxCapacity ${s.maxCapacity})` : ""}`,
    ],
    ["Peak CPU utilization", percent(s.cpuUtilization)],
    ["Peak memory utilization", percent(s.memoryUtilization)],
    ...((s.cpuUtilization20s?.length ?? 0) > 0
      ? ([["Peak CPU utilization, 20-s data", percent(s.cpuUtilization20s ?? [])]] as Row[])
      : []),
    ["Peak RequestCountPerTarget", peak(s.requestCountPerTarget)],
    [
      "Target 5xx (ALB)",
      s.http5xx.length === 0 ? "—" : formatNumber(s.http5xx.reduce((a, p) => a + p.value, 0)),
    ],
    [
      "CPU-seconds per request",
      c.cpuSecondsPerRequest === null ? "—" : c.cpuSecondsPerRequest.toPrecision(3),
    ],
    [
      "Requests per task-second",
      c.requestsPerTaskSecond === null ? "—" : c.requestsPerTaskSecond.toPrecision(3),
    ],
  ];
}

/** The answer first: PASS or FAIL, and what failed with the values observed. */
export interface RunVerdict {
  /** null: nothing to judge (no k6 thresholds and no k6 exit code, e.g. a trace bundle). */
  readonly pass: boolean | null;
  readonly headline: string;
  /** The failing thresholds, e.g. "http_req_duration p(95)<400: 621 ms". */
  readonly failing: readonly string[];
  /** The verdict rests on less data than a plan needs: a pass is shown amber, not green. */
  readonly thinData?: boolean;
}

/**
 * A threshold's observed value as text in the metric's unit ("621.049 ms", as the gate prints
 * it), or null when the bundle does not give it or k6 did not judge it (an empty Rate).
 */
export function observedText(t: ThresholdVerdict): string | null {
  const v = t.observed;
  if (v === undefined || v === null) return null;
  return formatObserved(v, t.contains ?? "default");
}

/**
 * PASS when every threshold held, k6's summary did not say the test failed (results.passed)
 * and k6 exited 0 (or its exit code is unknown); FAIL otherwise, naming the failing thresholds
 * with their observed values and k6's exit code; NO VERDICT when the bundle has neither
 * thresholds nor k6's verdict nor its exit code (a trace bundle, or k6 output imported without
 * a summary): nothing was judged, so nothing passed.
 */
export function runVerdict(run: RunData): RunVerdict {
  const failed = run.thresholds.filter((t) => !t.ok);
  const exit = run.meta.k6ExitCode;
  const exitBad = exit !== null && exit !== 0;
  // k6's verdict on the whole test, where its summary holds one (results.passed).
  const k6Said = run.k6Passed;
  const pass = failed.length === 0 && !exitBad && k6Said !== false;
  const failing = failed.map((t) => {
    const o = observedText(t);
    return `${t.metric} ${t.expression}${o !== null ? `: observed ${o}` : ""}`;
  });
  if (k6Said === false)
    failing.push("k6 said the test failed (results.passed: false in its summary)");
  const judged = run.trafficVerdict;
  if (run.traffic !== null && judged !== undefined) return trafficVerdictOf(judged);
  if (run.traffic !== null)
    return {
      pass: null,
      headline:
        run.traffic.from.requests === null
          ? "NO VERDICT: a trace bundle holds traffic, not a load test, so nothing was judged; the figures and charts below describe it. It has no requests series, so simulate and plan cannot replay it: import it again with --requests naming the series that counts requests."
          : "NO VERDICT: a trace bundle holds traffic, not a load test, so nothing was judged; the figures and charts below describe it. Point a simulate or plan config at it (trace: { file: BUNDLE }) to test settings against this traffic.",
      failing: [],
    };
  if (run.thresholds.length === 0 && exit === null && k6Said === undefined) {
    return {
      pass: null,
      headline:
        "NO VERDICT: this bundle has no k6 thresholds and no k6 exit code, so nothing was judged; the figures and charts below describe the traffic.",
      failing: [],
    };
  }
  const parts: string[] = [];
  if (k6Said !== undefined)
    parts.push(`k6 said the test ${k6Said ? "passed" : "failed"} (results.passed in its summary)`);
  if (run.thresholds.length === 0) {
    if (k6Said === undefined) parts.push("no k6 thresholds in summary.json");
  } else if (failed.length === 0)
    parts.push(
      run.thresholds.length === 1
        ? "its 1 threshold held"
        : `all ${run.thresholds.length} thresholds held`,
    );
  else parts.push(`${failed.length} of ${run.thresholds.length} thresholds failed`);
  const few = pass ? thinPasses(run.thresholds) : null;
  if (few !== null) parts[parts.length - 1] += `, ${few}`;
  parts.push(
    exit === null
      ? "k6's exit code is unknown"
      : `k6 exited ${exit}${exit === 99 ? " (thresholds crossed)" : ""}`,
  );
  return {
    pass,
    headline: `${pass ? "PASS" : "FAIL"}: ${parts.join("; ")}.`,
    failing,
    ...(few !== null ? { thinData: true } : {}),
  };
}

/**
 * "but http_req_duration avg<1000 on 1 sample only (…): too few …" when a latency threshold that held
 * rests on fewer samples than its percentile needs (the gate's rule at its default confidence,
 * analysis/gate.ts {@link tooFewSamples}); null when none does.
 */
function thinPasses(thresholds: readonly ThresholdVerdict[]): string | null {
  const confidence = GATE_DEFAULTS.latencySampleConfidence;
  const thin = thresholds.flatMap((t) => {
    if (!t.ok || !isTimeMetric(t.metric, t.contains)) return [];
    const fewest = tooFewSamples(t.samples, judgedPercentile(t.expression), confidence);
    return fewest !== null ? [{ t, fewest }] : [];
  });
  if (thin.length === 0) return null;
  const [{ t, fewest }] = thin as [(typeof thin)[number], ...typeof thin];
  const more = thin.length > 1 ? `; and ${plural(thin.length - 1, "other threshold")}` : "";
  return `but ${t.metric} ${t.expression} on ${plural(t.samples!, "sample")} only (a pass needs ${fewest}, so caplab gate does not judge it${more}): too few to rest a decision on`;
}

/**
 * PASS or FAIL of a trace bundle's traffic against the SLO: its violating minutes against the
 * budget, how many of them were slow and how many had errors, and the worst step of each.
 */
function trafficVerdictOf(v: TrafficSloVerdict): RunVerdict {
  const parts = [
    `${formatCompact(v.violatingMinutes)} SLO-violating ${v.violatingMinutes === 1 ? "minute" : "minutes"} of ${formatCompact(v.spanMinutes)}, budget ${formatNumber(v.budgetMinutes, v.budgetMinutes < 1 ? 3 : 1)} (${formatPercent(v.slo.violationBudgetPercent, 2)})`,
  ];
  if (v.latencyJudged && v.slo.latencyP95Ms !== undefined)
    parts.push(
      `${formatCompact(v.slowMinutes)} with p95 above ${formatCompact(v.slo.latencyP95Ms)} ms`,
    );
  if (v.errorsJudged && v.slo.errorRatePercent !== undefined)
    parts.push(
      `${formatCompact(v.errorMinutes)} with 5xx above ${formatPercent(v.slo.errorRatePercent, 3)} of requests`,
    );
  const notes = [
    ...v.notJudged.map((n) => `not judged: ${n}`),
    ...(v.unjudgedLatencyMinutes > 0
      ? [`${formatCompact(v.unjudgedLatencyMinutes)} minutes with requests have no p95`]
      : []),
  ];
  const failing = [
    ...(v.worstSlow === null
      ? []
      : [`worst p95 ${formatNumber(v.worstSlow.p95Ms, 1)} ms at ${formatUtc(v.worstSlow.timeMs)}`]),
    ...(v.worstErrors === null
      ? []
      : [
          `worst 5xx share ${formatPercent(v.worstErrors.percent, 3)} at ${formatUtc(v.worstErrors.timeMs)}`,
        ]),
  ];
  if (v.meets === null)
    return {
      pass: null,
      headline:
        v.judged.length === 0
          ? `NO VERDICT: the SLO cannot be judged on this bundle (${v.notJudged.join("; ")})${v.spanMinutes > 0 ? `. Its requests are what caplab plan and simulate replay: name this folder as a plan config's trace: { file: … } to judge service settings against the SLO on it` : ""}.`
          : `NO VERDICT: within the budget on what could be judged (${parts.join("; ")}), but ${v.notJudged.join("; ")}; leave that limit out to judge the traffic on the other alone.`,
      failing: [],
    };
  const figures = `${parts.join("; ")}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
  const word = v.meets ? "PASS: the traffic meets the SLO" : "FAIL: the traffic misses the SLO";
  return {
    pass: v.meets,
    headline:
      v.thin === null
        ? `${word}: ${figures}.`
        : `${word} ${v.meets ? v.thin : thinDataClause(v.coverage!, "miss")}. Its figures: ${figures}.`,
    failing: v.meets ? [] : failing,
    thinData: v.thinData,
  };
}

/** The run's title line, e.g. "constant · caplab-1a2b3c4d". */
export function runTitle(run: RunData): string {
  return `${run.meta.scenario} · ${run.meta.runId}`;
}

/** A PNG written beside the Markdown, by chart id. */
export interface ChartImage {
  readonly title: string;
  readonly file: string;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

/** The Thresholds section of the Markdown report. */
function thresholdsMarkdown(run: RunData): string[] {
  const cell = markdownCell;
  if (run.thresholds.length === 0)
    return [
      "## Thresholds",
      "",
      run.unmeasured.thresholds === undefined
        ? "No k6 thresholds in this run (summary.json, thresholds.json)."
        : `No k6 thresholds: ${run.unmeasured.thresholds}.`,
      "",
    ];
  const failed = run.thresholds.filter((t) => !t.ok).length;
  return [
    "## Thresholds",
    "",
    `${failed === 0 ? "All" : `${failed} of`} ${run.thresholds.length} thresholds ${failed === 0 ? "held" : "FAILED"}.`,
    "",
    table(
      ["metric", "threshold", "observed", "verdict"],
      run.thresholds.map((t) => [
        cell(t.metric),
        cell(t.expression),
        cell(observedText(t) ?? "—"),
        t.ok ? "✅ held" : "❌ failed",
      ]),
    ),
    "",
  ];
}

/** The Markdown report; `images` are PNG charts beside it (none when PNGs were skipped). */
export function renderRunMarkdown(run: RunData, images: readonly ChartImage[] = []): string {
  const m = markdownInline;
  const cell = markdownCell;
  const out: string[] = [];
  out.push(`# caplab ${run.traffic === null ? "run" : "traffic"}: ${m(runTitle(run))}`, "");
  const when =
    run.meta.startedAt !== null
      ? ` · ${m(run.meta.startedAt)}${run.meta.endedAt !== null ? ` to ${m(run.meta.endedAt)}` : ""}`
      : "";
  out.push(`${run.traffic === null ? "Target" : "Source"} ${m(run.meta.target)}${when}`, "");
  const verdict = runVerdict(run);
  out.push(`**${m(verdict.headline)}**`, "");
  for (const f of verdict.failing) out.push(`- ❌ ${m(f)}`);
  if (verdict.failing.length > 0) out.push("");
  out.push(
    "## Key figures",
    "",
    table(
      ["", ""],
      runFactRows(run).map(([k, v]) => [cell(k), cell(v)]),
    ),
    "",
  );
  // A trace bundle has no k6 thresholds to list.
  if (run.traffic === null) out.push(...thresholdsMarkdown(run));
  const server = serverFactRows(run);
  out.push("## Server side", "");
  if (server.length === 0) out.push("The bundle has no server-side series.", "");
  else
    out.push(
      table(
        ["", ""],
        server.map(([k, v]) => [cell(k), cell(v)]),
      ),
      "",
    );
  if (images.length === 0 && run.traffic === null && run.seconds.length === 0)
    out.push("## Charts", "", m(noChartsNote(run)), "");
  if (images.length > 0) {
    out.push("## Charts", "");
    for (const image of images) out.push(`![${m(image.title)}](${encodeURI(image.file)})`, "");
  }
  if (run.warnings.length > 0) {
    out.push("## Warnings", "");
    for (const w of run.warnings) out.push(`- ${m(w.message)}`);
    out.push("");
  }
  return out.join("\n");
}

/** The run report for machines: the figures, thresholds, per-second rows and server side. */
export function runReportJson(run: RunData): unknown {
  // A trace bundle ran no load test: the load test's figures are null (0 read as an empty
  // run), and its traffic is under `traffic`.
  const k6 = run.traffic === null;
  return {
    format: "caplab-run-report/1",
    meta: run.meta,
    requests: k6 ? run.requests : null,
    failedRequests: k6 ? run.failedRequests : null,
    errorRatePercent: k6 ? run.errorRatePercent : null,
    status5xx: k6 ? run.status5xx : null,
    droppedIterations: k6 ? run.droppedIterations : null,
    latency: k6 ? run.latency : null,
    slo: run.slo,
    verdict: runVerdict(run),
    thresholds: run.thresholds,
    capacity: k6 ? capacityFigures(run) : null,
    seconds: run.seconds,
    server: run.server,
    traffic: run.traffic,
    ...(run.trafficVerdict === undefined ? {} : { trafficVerdict: run.trafficVerdict }),
    warnings: run.warnings,
  };
}
