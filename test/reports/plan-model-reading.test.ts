/**
 * The reports show what each perturbation varies, and what a model reading (MODEL-AUDIT O9)
 * says about the pick: a miss under it is a model risk (sim/risk.ts), holding under it means
 * the SLO does not rest on the guess.
 */
import { describe, expect, it } from "vitest";
import { renderPlanHtml } from "../../reports/html.js";
import { renderPlanMarkdown } from "../../reports/plan-markdown.js";
import { renderPlanSummary } from "../../reports/plan-outputs.js";
import { modelReadingText, variesText } from "../../reports/plan-facts.js";
import { planCharts } from "../../reports/plan-charts.js";
import { modelReadingReason } from "../../sim/risk.js";
import { otherDrainingReading } from "../../sim/search.js";
import type { PerturbationOutcome, PlanResult } from "../../sim/vocab/index.js";
import { planResultFixture } from "./fixtures/plan-result.js";

const RUNTIME = { vega: "/*vega*/", vegaLite: "/*vega-lite*/", vegaEmbed: "/*vega-embed*/" };
const READING = otherDrainingReading(false);

/** The fixture with the pick's robustness holding or missing under the other reading of O9. */
function withReading(meets: boolean): PlanResult {
  const base = planResultFixture();
  const pickId = base.recommended!.candidate.id;
  return {
    ...base,
    robustness: base.robustness.map((r) => {
      if (r.candidateId !== pickId) return r;
      const first = r.perturbations[0]!;
      const reading: PerturbationOutcome = {
        ...first,
        name: READING.name,
        varies: READING.varies,
        meetsSlo: meets,
        severity: meets ? "holds" : "misses-badly",
        marginMinutes: meets ? 5 : -840,
        kpis: { ...first.kpis, sloViolationMinutes: meets ? 7 : 852, errorRatePercent: 3.8 },
      };
      return { ...r, perturbations: [...r.perturbations, reading] };
    }),
  };
}

describe("what a perturbation varies, in the reports", () => {
  it("names each kind in words, a model reading with its audit row", () => {
    expect(variesText({ kind: "traffic" })).toBe("traffic");
    expect(variesText({ kind: "service" })).toBe("the service");
    expect(variesText({ kind: "operations" })).toBe("operations");
    expect(variesText(READING.varies)).toBe("the model (MODEL-AUDIT O9)");
  });

  it("says a miss under a model reading is a model risk, in the HTML and the Markdown", () => {
    const result = withReading(false);
    const text = modelReadingText(
      result.robustness.find((r) => r.candidateId === result.recommended!.candidate.id)!
        .perturbations,
    );
    expect(text).toBe(
      "A miss under AWS/ECS average with draining tasks is a model risk, not a traffic one: the run keeps the traced traffic and reads the other way what AWS does not document, whether draining tasks count in the AWS/ECS CPU and memory averages (platform.drainingTasksInServiceMetrics, MODEL-AUDIT O9), which no trace can show; so the rating is at least medium, and high for a bad miss or a breakdown.",
    );
    const html = renderPlanHtml(result, planCharts(result), undefined, RUNTIME);
    const section = html.slice(html.indexOf('<section id="robustness">'));
    expect(section).toContain("<th>Varies</th>");
    expect(section).toContain(
      "<td>AWS/ECS average with draining tasks</td><td>the model (MODEL-AUDIT O9)</td>",
    );
    expect(section).toContain("<td>traffic × 1.5</td><td>traffic</td>");
    expect(section).toContain("is a model risk, not a traffic one");
    const md = renderPlanMarkdown(result);
    expect(md).toContain(
      "| AWS/ECS average with draining tasks | the model (MODEL-AUDIT O9) | **no** (misses badly) |",
    );
    expect(md).toContain("is a model risk, not a traffic one");
    // The terminal names it a model reading next to the pick.
    expect(renderPlanSummary(result, "out")).toMatch(
      /misses the SLO under [^\n]*AWS\/ECS average with draining tasks \(a model reading, MODEL-AUDIT O9\)/,
    );
  });

  it("says the pick does not rest on the guess when it holds under the other reading", () => {
    const result = withReading(true);
    const md = renderPlanMarkdown(result);
    expect(md).toContain(
      "It holds under the other reading of what AWS does not document, whether draining tasks count in the AWS/ECS CPU and memory averages (platform.drainingTasksInServiceMetrics, MODEL-AUDIT O9): its SLO does not rest on which way AWS behaves.",
    );
    expect(md).not.toContain("model risk");
    // Without a model reading among the perturbations, nothing is said.
    expect(modelReadingText(planResultFixture().robustness[0]!.perturbations)).toBe("");
  });

  it("gives a model-reading miss its brief form in the rated candidates' table, where the sentence under the robustness table says what the reading is", () => {
    const base = withReading(false);
    const miss = {
      name: READING.name,
      kpis: { ...base.recommended!.kpis, sloViolationMinutes: 852, errorRatePercent: 3.8 },
      severity: "misses-badly" as const,
    };
    const slo = { ...base.slo, violationBudgetPercent: 0.5 };
    const reading = READING.varies;
    if (reading.kind !== "model-reading")
      throw new Error("the draining reading is a model reading");
    const long = modelReadingReason(reading, miss, slo);
    const brief = modelReadingReason(reading, miss, slo, "brief");
    expect(brief).toMatch(
      /^misses the SLO badly under AWS\/ECS average with draining tasks \(a model reading, MODEL-AUDIT O9\), with 852 violating minutes \(budget [\d.]+\) and 3\.8 % errors/,
    );
    expect(brief.length).toBeLessThan(long.length - 80);
    const result: PlanResult = {
      ...base,
      robustness: base.robustness.map((r, i) =>
        i === 0
          ? {
              ...r,
              risk: {
                ...r.risk!,
                factors: [
                  { kind: "model-reading", points: 2, atLeast: "high", reason: long, brief },
                ],
              },
            }
          : r,
      ),
    };
    const html = renderPlanHtml(result, planCharts(result), undefined, RUNTIME);
    const table = html.slice(html.indexOf("Candidates rated, in rank order"));
    expect(table).toContain(`<td>${brief.replaceAll("&", "&amp;").replaceAll("<", "&lt;")}</td>`);
    expect(table).not.toContain("rests on an unconfirmed AWS behaviour");
  });
});
