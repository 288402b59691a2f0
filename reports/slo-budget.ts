/**
 * The SLO's violation budget of a run in words, for `caplab simulate`'s line, its report and the
 * plan's reports: a share of the minutes with data (Kpis.dataMinutes, sim/tally.ts), not of the
 * trace's span, since a gap is replayed as zero traffic and cannot violate.
 */
import { formatCompact, formatHours } from "./format.js";
import type { PlanResult } from "../sim/vocab/index.js";
import { violationBudgetMinutes } from "../sim/search.js";

/**
 * The SLO's violation budget of a run, and where it comes from: a share of the minutes with
 * data (Kpis.dataMinutes), not of the trace's span; `basis` says so in words ("0.5 % of 2 min
 * with data", or "0.5 % of its 7 days" without gaps).
 *
 * @example sloBudget({ violationBudgetPercent: 0.5, … }, { minutes: 217_441, dataMinutes: 2, … })
 *   // { minutes: 0.01, percent: 0.5, dataMinutes: 2, spanMinutes: 217441, basis: "0.5 % of the 2 min with data, 151 days of gaps left out" }
 */
export function sloBudget(
  slo: { readonly violationBudgetPercent: number },
  kpis: { readonly minutes: number; readonly dataMinutes: number },
): {
  readonly minutes: number;
  readonly percent: number;
  readonly dataMinutes: number;
  readonly spanMinutes: number;
  readonly basis: string;
} {
  const percent = slo.violationBudgetPercent;
  const gaps = kpis.dataMinutes < kpis.minutes - 1e-9;
  return {
    minutes: violationBudgetMinutes(slo, kpis.dataMinutes),
    percent,
    dataMinutes: kpis.dataMinutes,
    spanMinutes: kpis.minutes,
    basis: gaps
      ? `${formatCompact(percent, 2)} % of the ${formatHours(kpis.dataMinutes / 60)} with data, ${formatHours((kpis.minutes - kpis.dataMinutes) / 60)} of gaps left out`
      : `${formatCompact(percent, 2)} % of its ${formatHours(kpis.minutes / 60)}`,
  };
}

/**
 * " (0.5 % of the 14 days with data, 40 min of gaps left out)" after a plan's budget when its
 * trace has gaps (every candidate's Kpis share the trace's minutes); "" without gaps, or for a
 * plan result written before Kpis had dataMinutes.
 */
export function planBudgetBasis(result: PlanResult): string {
  const kpis = result.outcomes[0]?.kpis;
  if (kpis?.dataMinutes === undefined || kpis.dataMinutes >= kpis.minutes - 1e-9) return "";
  const percent = (100 * result.slo.violationBudgetMinutes) / kpis.dataMinutes;
  return ` (${sloBudget({ violationBudgetPercent: percent }, kpis).basis})`;
}
