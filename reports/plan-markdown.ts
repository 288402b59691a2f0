/**
 * The plan as Markdown, for a CI job summary or a pull-request comment. Pure: text out.
 *
 * Strings that may come from outside (trace path, policy and scheduled-action names,
 * perturbation names, reasons, labels) pass through {@link markdownInline} (text) or
 * {@link markdownCell} (table cells); the AWS CLI snippet, which holds the service and
 * cluster names, goes in {@link markdownFence}, which nothing inside can close.
 */
import { planBudgetBasis } from "./slo-budget.js";
import { sizeLabel, type CandidateOutcome, type PlanResult } from "../sim/vocab/index.js";
import { outOfReachClause } from "../sim/plan.js";
import { markdownCell, markdownFence, markdownInline } from "./escape.js";
import {
  formatCompact,
  formatCount,
  formatNumber,
  formatPercent,
  formatUsd,
  formatUtc,
  metricShortName,
} from "./format.js";
import { closestOutcomes, formatTarget, rankedOutcomes } from "./plan-charts.js";
import {
  candidateLabel,
  comparisonRows,
  keyFigureRows,
  paretoLimitText,
  perturbationSizesText,
  modelReadingText,
  variesText,
  planVerdict,
  robustnessOfInterest,
  settingsRows,
  traceSpan,
} from "./plan-facts.js";
import { desiredText, EXTREME_COUNTS_NOTE, findExtremes } from "../analysis/extremes.js";
import { deployHoursHeader, deployHoursSentences, deployHoursTable } from "./deploy-hours.js";

/** Candidates listed in the Markdown summary. */
export const MARKDOWN_TOP_CANDIDATES = 10;

/** Renders the plan summary, answer first; `snippets.awsCli` is shown collapsed when given. */
export function renderPlanMarkdown(result: PlanResult, snippets?: { awsCli?: string }): string {
  const out: string[] = [];
  const md = markdownInline;
  const cell = markdownCell;
  const pick = result.recommended;
  const t = result.trace;
  const endMs = t.startMs + t.requests.length * t.stepSeconds * 1000;
  const verdict = planVerdict(result);

  out.push("## caplab capacity plan", "");
  if (pick) {
    out.push(
      `**Recommendation: ${md(verdict.headline)}**`,
      "",
      `**Risk: ${verdict.risk === null ? "not rated" : verdict.risk.replace("-", " ")}** · ${md(verdict.costText ?? "")}`,
      "",
    );
    if (verdict.cautions.length > 0) {
      out.push("> [!WARNING]");
      verdict.cautions.forEach((c, i) => {
        if (i > 0) out.push(">");
        out.push(`> ${md(c)}`);
      });
      out.push("");
    }
    if (verdict.riskText !== null) {
      out.push(
        `Rated ${md(verdict.riskText)}${verdict.currentRiskText !== null ? `; the current setting is rated ${md(verdict.currentRiskText)}` : ""}:`,
        "",
      );
      for (const r of verdict.riskReasons) out.push(`- ${md(r)}`);
      out.push("");
    }
    for (const n of verdict.neighbours) out.push(`- ${md(n)}`);
    if (verdict.neighbours.length > 0) out.push("");
  } else {
    out.push("### No candidate met the SLO", "");
    out.push(
      "> [!WARNING]",
      `> None of the ${result.outcomes.length} candidates stayed within the SLO, so there is no recommendation. ` +
        "The closest ones are listed below; widen the candidate space (larger sizes, lower targets, " +
        "higher MinCapacity) or revisit the SLO.",
      ...verdict.cautions.flatMap((c) => [">", `> ${md(c)}`]),
      "",
    );
  }

  if (pick && result.current) {
    out.push("### Current vs recommended", "");
    out.push(
      table(
        ["", "Current", "Recommended", "Change"],
        comparisonRows(result.current, pick, {
          currentRisk: result.currentRisk,
          risk: result.risk,
          worse: result.worseThanCurrent,
        }).map(([k, c, r, d, worse]) => [
          cell(k),
          cell(c),
          linkMd(k, worse ? `**${cell(r)}** (worse)` : cell(r)),
          cell(d),
        ]),
      ),
    );
    out.push("");
  } else if (pick) {
    out.push(
      table(
        ["Key figure", "Value"],
        keyFigureRows(pick.kpis, result).map(([k, v]) => [k, linkMd(k, cell(v))]),
      ),
    );
    out.push("");
  } else if (result.current) {
    out.push("### Current setting", "");
    out.push(`**${md(result.current.candidate.label)}**`, "");
    out.push(
      table(
        ["Key figure", "Value"],
        keyFigureRows(result.current.kpis, result).map(([k, v]) => [k, cell(v)]),
      ),
    );
    out.push("");
  }

  out.push(
    `Trace ${md(t.source)}: ${formatUtc(t.startMs)} to ${formatUtc(endMs)}, ${traceSpan(result)}.`,
    `SLO: p95 latency ≤ ${formatNumber(result.slo.latencyP95Ms)} ms and error rate ≤ ${formatPercent(result.slo.errorRatePercent, 3)}, ` +
      `with at most ${formatCompact(result.slo.violationBudgetMinutes, 1)} violating minutes${planBudgetBasis(result)}. ` +
      `${result.outcomes.length} candidates simulated, ${result.outcomes.filter((o) => o.meetsSlo).length} within the SLO${outOfReachClause(result.outcomes)}.`,
    "",
  );

  if (result.reasons.length > 0) {
    out.push("### Why", "");
    for (const r of result.reasons) out.push(`- ${md(r)}`);
    out.push("");
  }

  if (pick) {
    out.push("### Worst minutes", "");
    const extremes = findExtremes(pick.timeline, pick.events, result.slo);
    if (extremes.length === 0)
      out.push(
        `No minute of the recommended run has a p95 above ${formatNumber(result.slo.latencyP95Ms)} ms, and no request failed.`,
        "",
      );
    for (const x of extremes) {
      out.push(
        x.kind === "worst-p95"
          ? `**Worst p95: ${formatNumber(x.value)} ms at ${formatUtc(x.timeMs)}.** Why: ${md(x.causes.join("; "))}.`
          : `**Most failed requests: ${formatNumber(x.value)} from ${formatUtc(x.fromMs)} to ${formatUtc(x.toMs)}${x.sharePercent !== null ? ` (${formatCompact(x.sharePercent, 1)} % of all failures)` : ""}.** Why: ${md(x.causes.join("; "))}.`,
        "",
        table(
          [
            "Time (UTC)",
            "Requests",
            "Failed",
            "Running (mean)",
            "Healthy (mean)",
            "Desired",
            "CPU %",
            "p95 (ms)",
          ],
          x.rows.map((r) => {
            const row = [
              formatUtc(r.timeMs),
              formatNumber(r.requests),
              formatNumber(r.failedRequests),
              formatCount(r.runningCount),
              formatCount(r.healthyCount),
              desiredText({ low: r.desiredLow, high: r.desiredHigh }),
              formatNumber(r.cpuUtilization),
              formatNumber(r.latencyP95Ms),
            ];
            return r.extreme ? row.map((v) => `**${v}**`) : row;
          }),
        ),
        "",
        md(EXTREME_COUNTS_NOTE),
        "",
      );
    }
    out.push("### What to set", "");
    out.push(
      table(
        ["Setting", "Value"],
        settingsRows(pick.candidate).map(([k, v]) => [cell(k), cell(v)]),
      ),
    );
    out.push("");
  }

  const robust = robustnessOfInterest(result);
  if (robust) {
    const who =
      pick && robust.candidateId === pick.candidate.id
        ? "The recommendation"
        : md(candidateLabel(result, robust.candidateId));
    out.push("### Robustness", "");
    const sizes = perturbationSizesText(robust.perturbations.map((p) => p.name));
    out.push(
      `${who} stays within the SLO under ${robust.passed} of ${robust.perturbations.length} perturbations.${sizes ? ` ${md(sizes)}` : ""}`,
      "",
    );
    out.push(
      table(
        [
          "Perturbation",
          "Varies",
          "Meets SLO",
          "Margin (min)",
          "SLO minutes",
          "Error rate",
          "Monthly cost",
        ],
        robust.perturbations.map((p) => [
          cell(p.name),
          cell(variesText(p.varies)),
          p.meetsSlo ? "yes" : `**no** (${(p.severity ?? "misses").replace("-", " ")})`,
          formatNumber(p.marginMinutes, 1),
          formatNumber(p.kpis.sloViolationMinutes),
          formatPercent(p.kpis.errorRatePercent, 3),
          // caplab's own figure: one `$` in its cell (two on a line could pair as math on GitHub).
          formatUsd(p.kpis.monthlyCostUsd),
        ]),
      ),
    );
    const reading = modelReadingText(robust.perturbations);
    if (reading) out.push("", md(reading));
    const others = result.robustness.filter((r) => r !== robust);
    if (others.length > 0) {
      out.push("");
      out.push(
        table(
          ["Also checked", "Risk", "Perturbations passed"],
          others.map((r) => [
            cell(candidateLabel(result, r.candidateId)),
            r.risk ? r.risk.rating.replace("-", " ") : "—",
            `${r.passed} of ${r.perturbations.length}`,
          ]),
        ),
      );
    }
    out.push("");
  }

  const hours = result.deployHours ?? [];
  if (hours.length > 0) {
    out.push("### When is it safe to deploy?", "");
    for (const sentence of deployHoursSentences(hours)) out.push(md(sentence));
    out.push("");
    out.push(
      table(
        deployHoursHeader(hours),
        deployHoursTable(hours).map((r) => r.map(cell)),
      ),
    );
    out.push("");
  }

  const listed = pick
    ? rankedOutcomes(result).slice(0, MARKDOWN_TOP_CANDIDATES)
    : closestOutcomes(result, MARKDOWN_TOP_CANDIDATES);
  out.push(
    pick ? `### Top ${listed.length} candidates` : `### Closest ${listed.length} candidates`,
    "",
  );
  out.push(candidateTable(result, listed));
  out.push(
    "",
    `"Pareto" marks a candidate on the cost-vs-SLO-minutes front. ${md(paretoLimitText(result))}`,
    "",
  );

  const notes = result.coverage?.notes ?? [];
  if (notes.length > 0) {
    out.push("### Data", "");
    for (const n of notes) out.push(`- ${md(n)}`);
    out.push("");
  }

  if (snippets?.awsCli) {
    out.push("<details><summary>Apply with the AWS CLI</summary>", "");
    out.push(markdownFence(snippets.awsCli, "sh"));
    out.push("", "</details>", "");
  }

  return out.join("\n");
}

/** Links the recommended run's worst-p95 and error-rate figures to their minutes. */
function linkMd(label: string, text: string): string {
  if (label === "Worst p95 latency") return `[${text}](#worst-minutes)`;
  if (label === "Error rate") return `[${text}](#worst-minutes)`;
  return text;
}

function candidateTable(result: PlanResult, outcomes: readonly CandidateOutcome[]): string {
  const pareto = new Set(result.pareto);
  const pickId = result.recommended?.candidate.id;
  const rated = new Map(result.robustness.map((r) => [r.candidateId, r.risk?.rating ?? null]));
  return table(
    [
      "#",
      "Task size",
      "Metric",
      "Target",
      "Min–Max",
      "Cooldowns",
      "Monthly cost",
      "SLO min",
      "Error rate",
      "Risk",
      "Notes",
    ],
    outcomes.map((o, i) => {
      const c = o.candidate;
      const tt = c.scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration;
      const notes = [
        c.id === pickId ? "**pick**" : "",
        c.id === result.current?.candidate.id ? "current" : "",
        pareto.has(c.id) ? "Pareto" : "",
        o.meetsSlo ? "" : "misses SLO",
      ]
        .filter((s) => s !== "")
        .join(", ");
      const rating = rated.get(c.id);
      return [
        String(i + 1),
        // caplab's own labels and figures: written as they are.
        sizeLabel(c.task),
        metricShortName(c.metric),
        formatTarget(c.metric, c.targetValue),
        `${c.scaling.MinCapacity}–${c.scaling.MaxCapacity}`,
        tt ? `${tt.ScaleOutCooldown}/${tt.ScaleInCooldown} s` : "—",
        formatUsd(o.kpis.monthlyCostUsd),
        formatNumber(o.kpis.sloViolationMinutes),
        formatPercent(o.kpis.errorRatePercent, 3),
        rating ? rating.replace("-", " ") : "—",
        notes,
      ];
    }),
  );
}

/** A GitHub-flavoured table; cells must already be escaped. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}
