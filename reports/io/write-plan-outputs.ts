/**
 * Writes a plan's folder (`caplab plan --out`): recommendation.json, candidates.csv,
 * pareto.json, snippets/, report.html and report.md (write-plan-report.ts) and
 * plan-result.json, from which `caplab report PLAN_DIR` renders the report again. The caller
 * gives a fresh folder (analysis/io/files/output.ts swaps it in whole).
 */
import { join } from "node:path";
import type { FidelityScore } from "../../analysis/backtest.js";
import { writeFileAtomic, writeJsonAtomic } from "../../analysis/io/files/output.js";
import {
  PLAN_RESULT_FILE,
  renderPlanResultJson,
} from "../../analysis/io/files/plan-result-file.js";
import type { PlanConfig, PlanResult } from "../../sim/vocab/index.js";
import {
  candidatesCsv,
  paretoJson,
  recommendationJson,
  renderPlanSummary,
  type Recommendation,
} from "../plan-outputs.js";
import { writePlanReport } from "./write-plan-report.js";

/** Writes every output of the plan into `out`; returns recommendation.json's object. */
export async function writePlanOutputs(
  result: PlanResult,
  config: PlanConfig,
  out: string,
  fidelity: FidelityScore | null,
): Promise<Recommendation> {
  const recommendation = recommendationJson(result, config, fidelity);
  await writeJsonAtomic(join(out, "recommendation.json"), recommendation);
  await writeFileAtomic(join(out, "candidates.csv"), candidatesCsv(result));
  await writeJsonAtomic(join(out, "pareto.json"), paretoJson(result));
  const snippets = recommendation.snippets;
  if (snippets) {
    await writeFileAtomic(join(out, "snippets", "cloudformation.yaml"), snippets.cloudformation);
    await writeFileAtomic(join(out, "snippets", "terraform.tf"), snippets.terraform);
    await writeFileAtomic(join(out, "snippets", "aws-cli.sh"), snippets.awsCli);
  }
  await writePlanReport(result, out, snippets ? { awsCli: snippets.awsCli } : undefined);
  // The whole result, so that `caplab report PLAN_DIR` can re-render the report.
  await writeFileAtomic(
    join(out, PLAN_RESULT_FILE),
    renderPlanResultJson(result, snippets ? snippets.awsCli : null),
  );
  return recommendation;
}

/** {@link renderPlanSummary} with the report's path joined as the platform joins paths. */
export function renderPlanSummaryAt(
  result: PlanResult,
  out: string,
  fidelity: FidelityScore | null,
): string {
  return renderPlanSummary(result, out, fidelity, join(out, "report.html"));
}
