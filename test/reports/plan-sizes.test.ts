/**
 * reports/plan-facts.ts: the robustness section says what each default perturbation's size
 * stands for, and says nothing of perturbations it does not know.
 */
import { describe, expect, it } from "vitest";
import { perturbationSizesText } from "../../reports/plan-facts.js";
import { perturbationsWith } from "../../sim/search.js";

describe("perturbationSizesText", () => {
  it("gives a reason for every default perturbation, the deployment at the service's percents too", () => {
    const names = perturbationsWith({ minimumHealthyPercent: 50, maximumPercent: 100 }).map(
      (p) => p.name,
    );
    const text = perturbationSizesText(names);
    expect(text).toMatch(/^Their sizes are caplab's, the same for every plan, not measured/);
    for (const n of names) expect(text).toContain(`${n}, `);
    expect(text).toContain(
      "deploy at the peak (50 % / 100 %), a rolling deployment started at the busiest step.",
    );
  });

  it("says nothing of perturbations it does not know", () => {
    expect(perturbationSizesText(["metric delay + 60 s"])).toBe("");
    expect(perturbationSizesText([])).toBe("");
  });
});
