/**
 * The SLO budget's basis in words: a share of the minutes with data, the gaps said when there
 * are any (the sparse AWS example log, NAB ELB's 40 missing minutes), nothing more without.
 */
import { describe, expect, it } from "vitest";
import { planBudgetBasis, sloBudget } from "../../reports/slo-budget.js";
import type { PlanResult } from "../../sim/vocab/index.js";

describe("sloBudget", () => {
  it("is a share of the minutes with data, and says how many minutes of gaps it leaves out", () => {
    expect(
      sloBudget({ violationBudgetPercent: 0.5 }, { minutes: 217_441, dataMinutes: 2 }),
    ).toEqual({
      minutes: 0.01,
      percent: 0.5,
      dataMinutes: 2,
      spanMinutes: 217_441,
      basis: "0.5 % of the 2 min with data, 151 days of gaps left out",
    });
    expect(
      sloBudget({ violationBudgetPercent: 1 }, { minutes: 20_200, dataMinutes: 20_160 }).basis,
    ).toBe("1 % of the 14 days with data, 40 min of gaps left out");
    expect(
      sloBudget({ violationBudgetPercent: 0.5 }, { minutes: 10_080, dataMinutes: 10_080 }).basis,
    ).toBe("0.5 % of its 7 days");
  });
});

describe("planBudgetBasis", () => {
  const result = (kpis: object) =>
    ({ slo: { violationBudgetMinutes: 201.6 }, outcomes: [{ kpis }] }) as unknown as PlanResult;
  it("follows the plan's budget only when its trace has gaps", () => {
    expect(planBudgetBasis(result({ minutes: 20_200, dataMinutes: 20_160 }))).toBe(
      " (1 % of the 14 days with data, 40 min of gaps left out)",
    );
    expect(planBudgetBasis(result({ minutes: 20_160, dataMinutes: 20_160 }))).toBe("");
    // A plan result written before Kpis had dataMinutes.
    expect(planBudgetBasis(result({ minutes: 20_200 }))).toBe("");
  });
});
