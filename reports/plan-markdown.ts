/**
 * The plan as Markdown, for a CI job summary or a pull-request comment. Pure: text out.
 *
 * Strings that may come from outside (trace path, policy and scheduled-action names,
 * perturbation names, reasons, labels) pass through {@link markdownInline} (text) or
 * {@link markdownCell} (table cells); the AWS CLI snippet, which holds the service and
 * cluster names, goes in {@link markdownFence}, which nothing inside can close.
 */
import type { CandidateOutcome, PlanResult } from "../sim/vocab/index.js";
import { markdownCell, markdownFence, markdownInline } from "./escape.js";
import {
  formatCompact,
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
  robustnessOfInterest,
  settingsRows,
  traceSpan,
} from "./plan-facts.js";

/** Candidates listed in the Markdown summary. */
export const MARKDOWN_TOP_CANDIDATES = 10;

/** Renders the plan summary; `snippets.awsCli` is shown in a shell code block when given. */
export function renderPlanMarkdown(result: PlanResult, snippets?: { awsCli?: string }): string {
  const out: string[] = [];
  const md = markdownInline;
  const cell = markdownCell;
  const pick = result.recommended;
  const t = result.trace;
  const endMs = t.startMs + t.requests.length * t.stepSeconds * 1000;

  out.push("## caplab capacity plan", "");
  out.push(
    `Trace ${md(t.source)}: ${formatUtc(t.startMs)} to ${formatUtc(endMs)}, ${traceSpan(result)}.`,
    `SLO: p95 latency ≤ ${formatNumber(result.slo.latencyP95Ms)} ms and error rate ≤ ${formatPercent(result.slo.errorRatePercent, 3)}, ` +
      `with at most ${formatCompact(result.slo.violationBudgetMinutes, 1)} violating minutes. ` +
      `${result.outcomes.length} candidates simulated, ${result.outcomes.filter((o) => o.meetsSlo).length} within the SLO.`,
    "",
  );

  if (pick) {
    out.push("### Recommendation", "");
    out.push(`**${md(pick.candidate.label)}**`, "");
    out.push(
      table(
        ["Setting", "Value"],
        settingsRows(pick.candidate).map(([k, v]) => [cell(k), cell(v)]),
      ),
    );
    out.push("");
    out.push(
      table(
        ["Key figure", "Value"],
        keyFigureRows(pick.kpis, result).map(([k, v]) => [k, cell(v)]),
      ),
    );
    out.push("");
  } else {
    out.push("### No candidate met the SLO", "");
    out.push(
      "> [!WARNING]",
      `> None of the ${result.outcomes.length} candidates stayed within the SLO, so there is no recommendation. ` +
        "The closest ones are listed below; widen the candidate space (larger sizes, lower targets, " +
        "higher MinCapacity) or revisit the SLO.",
      "",
    );
  }

  if (pick && result.current) {
    out.push("### Current vs recommended", "");
    out.push(
      table(
        ["", "Current", "Recommended", "Change"],
        comparisonRows(result.current, pick).map((r) => r.map(cell)),
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

  const robust = robustnessOfInterest(result);
  if (robust) {
    const who =
      pick && robust.candidateId === pick.candidate.id
        ? "The recommendation"
        : md(candidateLabel(result, robust.candidateId));
    out.push("### Robustness", "");
    out.push(
      `${who} stays within the SLO under ${robust.passed} of ${robust.perturbations.length} perturbations.`,
      "",
    );
    out.push(
      table(
        ["Perturbation", "Meets SLO", "Margin (min)", "SLO minutes", "Error rate", "Monthly cost"],
        robust.perturbations.map((p) => [
          cell(p.name),
          p.meetsSlo ? "yes" : "**no**",
          formatNumber(p.marginMinutes, 1),
          formatNumber(p.kpis.sloViolationMinutes),
          formatPercent(p.kpis.errorRatePercent, 3),
          cell(formatUsd(p.kpis.monthlyCostUsd)),
        ]),
      ),
    );
    const others = result.robustness.filter((r) => r !== robust);
    if (others.length > 0) {
      out.push("");
      out.push(
        table(
          ["Also checked", "Perturbations passed"],
          others.map((r) => [
            cell(candidateLabel(result, r.candidateId)),
            `${r.passed} of ${r.perturbations.length}`,
          ]),
        ),
      );
    }
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
  out.push("");

  if (result.reasons.length > 0) {
    out.push("### Why", "");
    for (const r of result.reasons) out.push(`- ${md(r)}`);
    out.push("");
  }

  if (snippets?.awsCli) {
    out.push("### Apply with the AWS CLI", "");
    out.push(markdownFence(snippets.awsCli, "sh"));
    out.push("");
  }

  return out.join("\n");
}

function candidateTable(result: PlanResult, outcomes: readonly CandidateOutcome[]): string {
  const pareto = new Set(result.pareto);
  const pickId = result.recommended?.candidate.id;
  return table(
    [
      "#",
      "Candidate",
      "Metric",
      "Target",
      "Min–Max",
      "Monthly cost",
      "SLO min",
      "Error rate",
      "Meets SLO",
      "Notes",
    ],
    outcomes.map((o, i) => {
      const c = o.candidate;
      const notes = [c.id === pickId ? "**pick**" : "", pareto.has(c.id) ? "Pareto" : ""]
        .filter((s) => s !== "")
        .join(", ");
      return [
        String(i + 1),
        markdownCell(c.label),
        markdownCell(metricShortName(c.metric)),
        markdownCell(formatTarget(c.metric, c.targetValue)),
        `${c.scaling.MinCapacity}–${c.scaling.MaxCapacity}`,
        markdownCell(formatUsd(o.kpis.monthlyCostUsd)),
        formatNumber(o.kpis.sloViolationMinutes),
        formatPercent(o.kpis.errorRatePercent, 3),
        o.meetsSlo ? "yes" : "no",
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
