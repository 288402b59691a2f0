/**
 * What `caplab plan` writes besides its report, as data and text (pure): recommendation.json,
 * candidates.csv, pareto.json, the terminal summary, and the report.json of `caplab report
 * PLAN_DIR`. reports/io/write-plan-outputs.ts
 * writes them to the plan's folder.
 */
import { stringify } from "csv-stringify/sync";
import { extremeJson, findExtremes } from "../analysis/extremes.js";
import type { FidelityScore } from "../analysis/backtest.js";
import {
  sizeLabel,
  type PlanConfig,
  type PlanResult,
  type SimulatedRun,
} from "../sim/vocab/index.js";
import { formatNumber, taskRange } from "./format.js";
import { paretoLimitText, planVerdict } from "./plan-facts.js";
import { renderSnippets } from "./snippets.js";

/** recommendation.json: the pick in AWS's words, its figures, risk, neighbours and snippets. */
export function recommendationJson(
  result: PlanResult,
  config: PlanConfig,
  fidelity: FidelityScore | null,
) {
  const rec = result.recommended;
  const robustness = rec
    ? result.robustness.find((r) => r.candidateId === rec.candidate.id)
    : undefined;
  const snippets = rec
    ? renderSnippets({
        task: rec.candidate.task,
        scaling: rec.candidate.scaling,
        serviceName: config.service_name,
        clusterName: config.cluster_name,
      })
    : null;
  return {
    recommendation: rec
      ? {
          label: rec.candidate.label,
          taskDefinition: {
            cpu: rec.candidate.task.cpu,
            memory: rec.candidate.task.memory,
            runtimePlatform: {
              cpuArchitecture: rec.candidate.task.architecture,
              operatingSystemFamily: "LINUX",
            },
            capacityProviderStrategy: [
              { capacityProvider: rec.candidate.task.capacityProvider, weight: 1 },
            ],
          },
          scalableTarget: snippets!.scalableTarget,
          targetTrackingScalingPolicyConfiguration: snippets!.policyJson,
          scheduledActions: rec.candidate.scaling.scheduledActions,
          kpis: rec.kpis,
          robustness:
            robustness?.perturbations.map((p) => ({
              perturbation: p.name,
              varies: p.varies,
              meetsSlo: p.meetsSlo,
              marginMinutes: p.marginMinutes,
              kpis: p.kpis,
            })) ?? [],
        }
      : null,
    current: result.current
      ? { label: result.current.candidate.label, kpis: result.current.kpis }
      : null,
    comparison:
      rec && result.current
        ? {
            monthlyCostUsd: {
              current: result.current.kpis.monthlyCostUsd,
              recommended: rec.kpis.monthlyCostUsd,
            },
            sloViolationMinutes: {
              current: result.current.kpis.sloViolationMinutes,
              recommended: rec.kpis.sloViolationMinutes,
            },
            errorRatePercent: {
              current: result.current.kpis.errorRatePercent,
              recommended: rec.kpis.errorRatePercent,
            },
          }
        : null,
    slo: result.slo,
    /** The simulator's error replaying this bundle with its recorded configuration. */
    fidelity,
    reasons: result.reasons,
    /** The pick's risk rating on Compute Optimizer's scale, its score and its reasons. */
    risk: result.risk
      ? {
          rating: result.risk.rating,
          points: result.risk.points,
          maxRisk: result.maxRisk,
          reasons: result.risk.factors.map((f) => f.reason),
          factors: result.risk.factors,
          worstMinute: result.risk.worstMinute,
        }
      : null,
    currentRisk: result.currentRisk
      ? {
          rating: result.currentRisk.rating,
          points: result.currentRisk.points,
          reasons: result.currentRisk.factors.map((f) => f.reason),
        }
      : null,
    /** The cheaper-but-riskier and safer-but-dearer candidates, with the cost difference. */
    neighbours: result.neighbours,
    availability: result.availability,
    /** Figures on which the pick is worse than the current setting. */
    worseThanCurrent: result.worseThanCurrent,
    /** What to watch, in the order the summary shows it. */
    cautions: planVerdict(result).cautions,
    /** The minutes behind the pick's worst p95 and its failed requests. */
    extremes: rec ? findExtremes(rec.timeline, rec.events, result.slo).map(extremeJson) : [],
    coverage: result.coverage,
    snippets,
  };
}

/** The recommendation.json object. */
export type Recommendation = ReturnType<typeof recommendationJson>;

/** candidates.csv: one row per candidate swept, with its Kpis and, if stopped early, why. */
export function candidatesCsv(result: PlanResult): string {
  const pareto = new Set(result.pareto);
  const rows = result.outcomes.map((o) => {
    const c = o.candidate;
    const tt = c.scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration;
    return {
      id: c.id,
      label: c.label,
      cpu: c.task.cpu,
      memory: c.task.memory,
      architecture: c.task.architecture,
      capacityProvider: c.task.capacityProvider,
      metric: c.metric,
      targetValue: c.targetValue,
      MinCapacity: c.scaling.MinCapacity,
      MaxCapacity: c.scaling.MaxCapacity,
      ScaleOutCooldown: tt?.ScaleOutCooldown ?? "",
      ScaleInCooldown: tt?.ScaleInCooldown ?? "",
      scheduledMinimum: c.scaling.scheduledActions.length > 0,
      meetsSlo: o.meetsSlo,
      pareto: pareto.has(c.id),
      ...Object.fromEntries(Object.entries(o.kpis).map(([k, v]) => [k, Number(v.toPrecision(8))])),
      // A candidate the sweep stopped early: why, when (the end of the last step simulated, and
      // that step, 0-based) and which finished candidate dominates it (none when stopped as
      // far-from-slo: past pareto.maxBudgetMultiple × the budget); its figures above are those
      // at that time.
      pruned: o.pruned?.reason ?? "",
      prunedAt: o.pruned ? new Date(stepEndMs(result, o.pruned.step)).toISOString() : "",
      prunedStep: o.pruned?.step ?? "",
      dominatedBy: o.pruned?.dominatedBy ?? "",
    };
  });
  return stringify(rows, { header: true });
}

/** The end of step `step` of the plan's trace, epoch ms. */
function stepEndMs(result: PlanResult, step: number): number {
  return result.trace.startMs + (step + 1) * result.trace.stepSeconds * 1000;
}

/**
 * pareto.json: the candidates on the cost × SLO-minutes front, cheapest first, and how far it
 * reaches (`drawnUpTo`: pareto.maxBudgetMultiple times the violation budget, null when drawn over
 * every candidate); `note` says so when no candidate is within it. Nothing in it depends on
 * which candidates the sweep stopped early, so a pruned plan's is byte for byte the exhaustive
 * one's.
 */
export function paretoJson(result: PlanResult) {
  const byId = new Map(result.outcomes.map((o) => [o.candidate.id, o]));
  const { budgetMultiple, maxMinutes } = result.paretoLimit;
  const drawnUpTo =
    budgetMultiple === null || maxMinutes === null
      ? null
      : { budgetMultiple, sloViolationMinutes: maxMinutes };
  return {
    format: "caplab-pareto/2",
    drawnUpTo,
    ...(result.pareto.length === 0
      ? {
          note:
            drawnUpTo === null
              ? "No candidate was simulated, so there is no Pareto front."
              : `No candidate has at most ${budgetMultiple}× the SLO's violation budget (${maxMinutes} violating minutes), so there is no Pareto front.`,
        }
      : {}),
    front: result.pareto.map((id) => {
      const o = byId.get(id)!;
      return {
        id,
        label: o.candidate.label,
        meetsSlo: o.meetsSlo,
        monthlyCostUsd: o.kpis.monthlyCostUsd,
        sloViolationMinutes: o.kpis.sloViolationMinutes,
      };
    }),
  };
}

/**
 * The short human summary: the verdict first, then what to set and why. `reportHtml` is the
 * report's path as printed (the writer joins it with the platform's separator).
 */
export function renderPlanSummary(
  result: PlanResult,
  out: string,
  fidelity: FidelityScore | null = null,
  reportHtml = `${out}/report.html`,
): string {
  const lines: string[] = [];
  const rec = result.recommended;
  const verdict = planVerdict(result);
  if (rec) {
    const tt = rec.candidate.scaling.policies[0]?.TargetTrackingScalingPolicyConfiguration;
    lines.push("", `Recommendation: ${verdict.headline}`);
    lines.push(
      `  risk             ${verdict.riskText ?? "not rated"}${verdict.currentRiskText !== null ? `; current setting: ${verdict.currentRiskText}` : ""}`,
      `  cost             ${verdict.costText ?? ""}`,
    );
    // A perturbation the pick fails is said next to it, not only under "Why".
    const checked = result.robustness.find((r) => r.candidateId === rec.candidate.id);
    if (checked) {
      const failed = checked.perturbations
        .filter((p) => !p.meetsSlo)
        .map((p) =>
          p.varies.kind === "model-reading"
            ? `${p.name} (a model reading, MODEL-AUDIT ${p.varies.audit})`
            : p.name,
        );
      lines.push(
        `  robustness       holds under ${checked.passed} of ${checked.perturbations.length} perturbations${failed.length > 0 ? `; misses the SLO under ${failed.join(", ")}` : ""}`,
      );
    }
    for (const c of verdict.cautions) lines.push(`  ! ${c}`);
    lines.push(
      "",
      `  task size        cpu ${rec.candidate.task.cpu}, memory ${rec.candidate.task.memory} (${sizeLabel(rec.candidate.task)})`,
    );
    lines.push(
      `  scaling          ${rec.candidate.metric} target ${rec.candidate.targetValue}, MinCapacity ${rec.candidate.scaling.MinCapacity}, MaxCapacity ${rec.candidate.scaling.MaxCapacity}`,
    );
    if (tt)
      lines.push(
        `  cooldowns        ScaleOutCooldown ${tt.ScaleOutCooldown} s, ScaleInCooldown ${tt.ScaleInCooldown} s`,
      );
    lines.push(
      `  expected         $${formatNumber(rec.kpis.monthlyCostUsd)} a month, ${formatNumber(rec.kpis.sloViolationMinutes)} SLO-violating minutes, ${rec.kpis.errorRatePercent.toFixed(3)}% errors, worst p95 ${formatNumber(rec.kpis.worstP95LatencyMs)} ms, tasks ${taskRange(rec.kpis)}`,
    );
  } else {
    lines.push("", verdict.headline);
    for (const c of verdict.cautions) lines.push(`  ! ${c}`);
  }
  lines.push("", "Why", ...result.reasons.map((r) => `  - ${r}`), "");
  if (fidelity?.meanMapePercent != null) {
    lines.push(
      `Model fidelity on this bundle's history: ${fidelity.meanMapePercent.toFixed(1)} % mean error (tasks, CPU, requests per target, p95), scale-outs ${fidelity.scaleOuts.meanAbsoluteLagSeconds?.toFixed(0) ?? "–"} s off on average (caplab backtest).`,
      "",
    );
  }
  lines.push(
    paretoLimitText(result),
    "",
    `Report: ${reportHtml}`,
    `Also:   recommendation.json, candidates.csv, pareto.json, report.md, snippets/ in ${out}`,
    "",
  );
  return lines.join("\n");
}

/** The plan report's figures without the timelines and the trace: what report.json holds. */
export function planReportJson(result: PlanResult) {
  const run = (r: SimulatedRun | null) =>
    r === null ? null : { candidate: r.candidate, kpis: r.kpis, events: r.events.length };
  return {
    format: "caplab-plan-report/1",
    trace: {
      source: result.trace.source,
      startMs: result.trace.startMs,
      stepSeconds: result.trace.stepSeconds,
      steps: result.trace.requests.length,
    },
    slo: result.slo,
    reasons: result.reasons,
    recommended: run(result.recommended),
    current: run(result.current),
    pareto: result.pareto,
    robustness: result.robustness,
    outcomes: result.outcomes,
  };
}
