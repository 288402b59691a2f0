import { describe, expect, it } from "vitest";
import { compile, type TopLevelSpec } from "vega-lite";
import {
  bucketSize,
  costHeatmap,
  downsample,
  heatmapCells,
  MAX_POINTS,
  metricColumn,
  paretoChart,
  planCharts,
} from "../../reports/plan-charts.js";
import { minuteTicks } from "../../reports/plan-charts.js";
import { logTicks } from "../../reports/timeline-charts.js";
import { renderPlanMarkdown } from "../../reports/plan-markdown.js";
import { formatUsd, jsonForScript } from "../../reports/format.js";
import { markdownInline } from "../../reports/escape.js";
import { TIMELINE_COLUMNS, type PlanResult, type Timeline } from "../../sim/vocab/index.js";
import { planResultFixture } from "./fixtures/plan-result.js";
import { outOfReachClause } from "../../sim/plan.js";
import { paretoFront } from "../../sim/search.js";
import { paretoJson, renderPlanSummary } from "../../reports/plan-outputs.js";
import { paretoLimitText } from "../../reports/plan-facts.js";

/** Layers of a spec, flattened (vconcat panels and nested layers). */
function units(spec: unknown): Record<string, unknown>[] {
  const s = spec as Record<string, unknown>;
  const children = [
    ...((s.layer as unknown[] | undefined) ?? []),
    ...((s.vconcat as unknown[] | undefined) ?? []),
  ];
  return children.length === 0 ? [s] : [s, ...children.flatMap(units)];
}

function dataValues(spec: unknown): Record<string, unknown>[][] {
  return units(spec)
    .map((u) => (u.data as { values?: Record<string, unknown>[] } | undefined)?.values)
    .filter((v): v is Record<string, unknown>[] => v !== undefined);
}

/** The spec of one chart of the plan report. */
function chartSpec(result: PlanResult, id: string): TopLevelSpec {
  const chart = planCharts(result).find((c) => c.id === id);
  if (!chart) throw new Error(`no chart ${id}`);
  return chart.spec;
}

function variants(): [string, PlanResult][] {
  return [
    ["pick and current", planResultFixture()],
    ["no pick", planResultFixture({ noPick: true })],
    ["no current", planResultFixture({ noCurrent: true })],
    ["nothing to draw", planResultFixture({ noPick: true, noCurrent: true })],
  ];
}

describe("downsample", () => {
  it("keeps spikes with max and totals with sum", () => {
    expect(downsample([1, 5, 2, 2, 9], 2, "max")).toEqual([5, 2, 9]);
    expect(downsample([1, 5, 2, 2, 9], 2, "sum")).toEqual([6, 4, 9]);
    expect(downsample(new Float64Array([3, 4]), 1, "sum")).toEqual([3, 4]);
  });
  it("rejects a bucket that is not a whole number of at least 1", () => {
    expect(() => downsample([1], 0, "max")).toThrow(/at least 1/);
    expect(() => downsample([1], 1.5, "max")).toThrow(/whole/);
  });
  it("caps a week at 1-minute steps at MAX_POINTS buckets", () => {
    const b = bucketSize(10_080);
    expect(b).toBe(6);
    expect(Math.ceil(10_080 / b)).toBeLessThanOrEqual(MAX_POINTS);
    expect(bucketSize(360)).toBe(1);
  });
});

describe("plan chart specs", () => {
  for (const [name, result] of variants()) {
    it(`every spec compiles (${name})`, () => {
      const charts = planCharts(result);
      expect(charts.map((c) => c.id)).toEqual([
        "chart-traffic",
        "chart-tasks",
        "chart-metric",
        "chart-latency",
        "chart-cost",
        "chart-pareto",
        "chart-heatmap",
      ]);
      for (const chart of charts) {
        const out = compile(chart.spec);
        expect(out.spec, chart.id).toBeDefined();
        expect(chart.spec.$schema).toBe("https://vega.github.io/schema/vega-lite/v6.json");
        // As wide as the report's column: readable from 800 px to wide screens.
        expect((chart.spec as { width?: unknown }).width, chart.id).toBe("container");
      }
      // A chart with nothing to draw says so instead of drawing an empty frame.
      if (name === "nothing to draw")
        expect(charts.filter((c) => c.note !== undefined).map((c) => c.id)).toEqual([
          "chart-tasks",
          "chart-metric",
          "chart-latency",
          "chart-cost",
        ]);
      else expect(charts.filter((c) => c.note !== undefined)).toEqual([]);
    });
  }

  it("draws requests per minute and running tasks per run, with events carrying reasons", () => {
    const result = planResultFixture();
    const [traffic] = dataValues(chartSpec(result, "chart-traffic"));
    const spec = chartSpec(result, "chart-tasks");
    const [tasks, events] = dataValues(spec);
    expect(traffic).toHaveLength(360);
    expect(traffic?.[0]).toEqual({ t: result.trace.startMs, rpm: expect.any(Number) });
    expect(new Set(tasks?.map((r) => r.run))).toEqual(new Set(["recommended", "current"]));
    expect(events?.length).toBe(
      result.recommended?.events.filter(
        (e) => e.kind !== "insufficient-data" && e.kind !== "scale-in-withheld",
      ).length,
    );
    expect(events?.every((e) => typeof e.reason === "string" && e.reason !== "")).toBe(true);
    const layers = units(spec);
    const eventLayer = layers.find((u) => (u.mark as { type?: string })?.type === "point");
    const tooltip = (eventLayer?.encoding as { tooltip: { field: string }[] }).tooltip;
    expect(tooltip.map((t) => t.field)).toContain("reason");
  });

  it("leaves the current run out when it is unknown", () => {
    const tasks = dataValues(chartSpec(planResultFixture({ noCurrent: true }), "chart-tasks"))[0];
    expect(new Set(tasks?.map((r) => r.run))).toEqual(new Set(["recommended"]));
  });

  it("downsamples a week of 1-minute steps to at most MAX_POINTS per series, keeping the spike", () => {
    const base = planResultFixture();
    const week = stretch(base, 10_080);
    const [traffic] = dataValues(chartSpec(week, "chart-traffic"));
    const [tasks] = dataValues(chartSpec(week, "chart-tasks"));
    expect(traffic?.length).toBeLessThanOrEqual(MAX_POINTS);
    const recommended = tasks?.filter((r) => r.run === "recommended") ?? [];
    expect(recommended.length).toBeLessThanOrEqual(MAX_POINTS);
    const peak = Math.max(...(week.recommended?.timeline.runningCount ?? []));
    expect(Math.max(...recommended.map((r) => r.value as number))).toBe(peak);
    // Bucket sums as per-minute rates keep the total number of requests.
    const bucketMinutes = 6;
    const total = (traffic ?? []).reduce((s, r) => s + (r.rpm as number) * bucketMinutes, 0);
    const exact = week.trace.requests.reduce((s, v) => s + v, 0);
    expect(Math.abs(total - exact) / exact).toBeLessThan(1e-4);
  });

  it("draws the pick's metric against a rule at its target", () => {
    const result = planResultFixture();
    const pick = result.recommended!;
    expect(metricColumn("ALBRequestCountPerTarget")).toBe("requestCountPerTarget");
    expect(metricColumn("ECSServiceAverageMemoryUtilizationHighResolution")).toBe(
      "memoryUtilization",
    );
    const spec = chartSpec(result, "chart-metric");
    const values = dataValues(spec);
    expect(values).toContainEqual([{ target: pick.candidate.targetValue }]);
    const line = units(spec).find((u) => (u.mark as { type?: string })?.type === "line");
    expect((line?.encoding as { y: { title: string } }).y.title).toBe("CPU utilization (%)");
  });

  it("scatters every candidate, connects the Pareto front in order and marks the pick", () => {
    const result = planResultFixture();
    const spec = paretoChart(result);
    const [all, budget, front, marks] = dataValues(spec);
    expect(budget).toEqual([{ budget: result.slo.violationBudgetMinutes }]);
    expect(all).toHaveLength(result.outcomes.length);
    expect(front?.map((r) => r.id)).toEqual(result.pareto);
    expect(marks?.[0]).toMatchObject({ kind: "pick", label: result.recommended?.candidate.label });
    const scatter = units(spec).find(
      (u) => u.data !== undefined && (u.data as { values: unknown[] }).values === all,
    );
    const enc = scatter?.encoding as Record<string, { field?: string }[] & { field?: string }>;
    expect(enc.x?.field).toBe("cost");
    expect(enc.y?.field).toBe("minutes");
    // Readable ticks between 0 and the largest value, the budget's order of magnitude among them.
    const ticks = (enc.y as unknown as { axis: { values: number[] } }).axis.values;
    expect(ticks.slice(0, 5)).toEqual([0, 1, 2, 5, 10]);
    // The budget line is labelled.
    const labels = units(spec)
      .map((u) => (u.encoding as { text?: { value?: string } } | undefined)?.text?.value)
      .filter((t) => t !== undefined);
    expect(labels).toContain(`SLO budget ${result.slo.violationBudgetMinutes} min`);
    expect(enc.color?.field).toBe("metric");
    expect((enc.tooltip as unknown as { field: string }[]).map((t) => t.field)).toContain("label");
  });

  it("maps monthly cost by target × size for the pick's metric and marks missed cells", () => {
    const result = planResultFixture();
    const cells = heatmapCells(result, "ECSServiceAverageCPUUtilization");
    expect(cells).toHaveLength(9);
    expect(cells.filter((c) => c.pick)).toHaveLength(1);
    expect(cells.some((c) => !c.meetsSlo)).toBe(true);
    // The 1 vCPU / 60 % cell holds two candidates (MinCapacity 1 and 2).
    expect(cells.find((c) => c.target === 60 && c.size.startsWith("1 vCPU"))?.candidates).toBe(2);
    // Every size has the same CPU targets: the columns are the target values, and a cell
    // that misses the SLO shows "×" alone (no label wider than its cell).
    expect(new Set(cells.map((c) => c.column))).toEqual(new Set(["50 %", "60 %", "70 %"]));
    expect(cells.filter((c) => !c.meetsSlo).every((c) => c.text === "×")).toBe(true);
    const spec = costHeatmap(result) as unknown as {
      encoding: { x: { field: string; sort: string[] }; y: { sort: string[] } };
    };
    expect(spec.encoding.x.field).toBe("column");
    expect(spec.encoding.x.sort).toEqual(["50 %", "60 %", "70 %"]);
    expect(spec.encoding.y.sort).toEqual([
      "0.5 vCPU / 1 GiB x86",
      "1 vCPU / 2 GiB x86",
      "2 vCPU / 4 GiB x86",
    ]);
  });

  it("leaves candidates the sweep stopped early out of the scatter, and shows them in a cell only alone", () => {
    const base = planResultFixture();
    // Every candidate that misses the SLO marked as stopped early, with fewer minutes than any.
    const missing = base.outcomes.filter((o) => !o.meetsSlo);
    expect(missing.length).toBeGreaterThan(0);
    const result: PlanResult = {
      ...base,
      outcomes: base.outcomes.map((o) =>
        o.meetsSlo
          ? o
          : {
              ...o,
              kpis: { ...o.kpis, sloViolationMinutes: 0 },
              pruned: { step: 5, reason: "cannot-meet-slo", dominatedBy: 0 },
            },
      ),
    };
    const spec = paretoChart(result);
    const [all] = dataValues(spec);
    expect(all).toHaveLength(base.outcomes.length - missing.length);
    expect(all?.every((r) => result.outcomes.find((o) => o.candidate.id === r.id)?.meetsSlo)).toBe(
      true,
    );
    expect((spec as { description: string }).description).toContain(
      `${missing.length} stopped early`,
    );
    const before = heatmapCells(base, "ECSServiceAverageCPUUtilization");
    const after = heatmapCells(result, "ECSServiceAverageCPUUtilization");
    // A cell with a candidate within the SLO shows it whatever the stopped ones claim; a cell
    // of stopped candidates alone still shows one of them.
    expect(after.map((c) => [c.target, c.size, c.label, c.meetsSlo])).toEqual(
      before.map((c) => [c.target, c.size, c.label, c.meetsSlo]),
    );
  });

  it("says how many were stopped as out of reach, and marks a cell of such candidates alone 'dearer'", () => {
    const base = planResultFixture();
    // The costliest cell's candidates all stopped as out of reach (they may meet the SLO).
    const metric = "ECSServiceAverageCPUUtilization";
    const dearest = [...heatmapCells(base, metric)].sort((a, b) => b.cost - a.cost)[0]!;
    const inCell = (o: PlanResult["outcomes"][number]) =>
      o.candidate.metric === metric &&
      o.candidate.targetValue === dearest.target &&
      heatmapCells({ ...base, outcomes: [o] }, metric)[0]?.size === dearest.size;
    const stopped = base.outcomes.filter(inCell).length;
    expect(stopped).toBeGreaterThan(0);
    const result: PlanResult = {
      ...base,
      outcomes: base.outcomes.map((o) =>
        inCell(o)
          ? {
              ...o,
              meetsSlo: false,
              pruned: { step: 5, reason: "out-of-reach", dominatedBy: 0, cheaperWithinSlo: 40 },
            }
          : o,
      ),
    };
    const cell = heatmapCells(result, metric).find(
      (c) => c.target === dearest.target && c.size === dearest.size,
    )!;
    expect(cell.stopped).toBe(true);
    expect(cell.meetsSlo).toBe(false);
    expect(cell.text).toContain("dearer");
    const charts = planCharts(result);
    const caption = (id: string) => charts.find((c) => c.id === id)!.caption;
    expect(caption("chart-pareto")).toContain(
      `${stopped} stopped early, ${stopped} once too dear to change the plan (dearer than 40 or more candidates within the SLO)`,
    );
    expect(caption("chart-heatmap")).toContain("“dearer”");
    expect(outOfReachClause(result.outcomes)).toBe(
      `; ${stopped} more stopped early as too dear to change the plan (dearer than 40 candidates within it; they may meet it too)`,
    );
    expect(outOfReachClause(base.outcomes)).toBe("");
  });

  it("specs are plain JSON that survives script embedding", () => {
    const result = planResultFixture({ hostile: true });
    for (const chart of planCharts(result)) {
      const json = jsonForScript(chart.spec);
      expect(json).not.toMatch(/<|\u2028|\u2029/);
      expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(chart.spec)) as TopLevelSpec);
    }
  });
});

describe("ticks", () => {
  it("minuteTicks runs 0, 1, 2, 5, 10, … up to the data", () => {
    expect(minuteTicks(50.4)).toEqual([0, 1, 2, 5, 10, 20, 50]);
    expect(minuteTicks(8239)).toEqual([
      0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000,
    ]);
  });
  it("logTicks covers the data with 1-2-5 steps", () => {
    expect(logTicks(40, 39_807)).toEqual([
      20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000,
    ]);
  });
});

describe("plan markdown", () => {
  it("matches the golden summary", async () => {
    const md = renderPlanMarkdown(planResultFixture(), {
      awsCli: "aws application-autoscaling put-scaling-policy --service-namespace ecs ...",
    });
    await expect(md).toMatchFileSnapshot("__snapshots__/plan.md");
  });

  it("says clearly that no candidate met the SLO and lists the closest", async () => {
    const md = renderPlanMarkdown(planResultFixture({ noPick: true }));
    expect(md).toContain("### No candidate met the SLO");
    expect(md).toContain("### Closest 10 candidates");
    expect(md).not.toContain("### Recommendation");
    await expect(md).toMatchFileSnapshot("__snapshots__/plan-no-pick.md");
  });

  it("escapes outside strings and fences the CLI snippet safely", () => {
    const md = renderPlanMarkdown(planResultFixture({ hostile: true }), {
      awsCli: "echo ```\naws ecs update-service",
    });
    // The only raw HTML is caplab's own <details> around the CLI snippet.
    const outside = md.replace(
      /^<details><summary>Apply with the AWS CLI<\/summary>$|^<\/details>$/gm,
      "",
    );
    expect(outside).not.toMatch(/(^|[^\\])<[A-Za-z/!?]/m);
    expect(md).toContain("\\<img src=x onerror=alert(1)>");
    expect(md).toContain("````sh\necho ```\naws ecs update-service\n````");
    expect(markdownInline("a|b*c_d\ne")).toBe("a\\|b\\*c_d e");
    expect(formatUsd(1234.5)).toBe("$1,234.50");
  });
});

/** The fixture repeated to `steps` steps, for the downsampling test. */
function stretch(result: PlanResult, steps: number): PlanResult {
  const repeat = (a: Float64Array) => {
    const out = new Float64Array(steps);
    for (let i = 0; i < steps; i++) out[i] = a[i % a.length] ?? 0;
    return out;
  };
  const tl = (t: Timeline): Timeline => {
    const cols = Object.fromEntries(TIMELINE_COLUMNS.map((c) => [c, repeat(t[c])]));
    return { ...t, ...cols, length: steps } as Timeline;
  };
  return {
    ...result,
    trace: { ...result.trace, requests: repeat(result.trace.requests), gap: new Uint8Array(steps) },
    recommended: result.recommended && {
      ...result.recommended,
      timeline: tl(result.recommended.timeline),
    },
    current: result.current && { ...result.current, timeline: tl(result.current.timeline) },
  };
}

describe("the Pareto front's limit (pareto.maxBudgetMultiple)", () => {
  const base = planResultFixture();
  const budget = base.slo.violationBudgetMinutes;
  /** The fixture with its front drawn up to `multiple` × the budget. */
  function limited(multiple: number, unknown = 0): PlanResult {
    const max = multiple * budget;
    const beyond = base.outcomes.filter((o) => o.kpis.sloViolationMinutes > max + 1e-9).length;
    return {
      ...base,
      pareto: paretoFront(base.outcomes, max + 1e-9),
      paretoLimit: { budgetMultiple: multiple, maxMinutes: max, beyond, unknown },
    };
  }

  it("says how far the front reaches and how many lie past it, in the caption, the Markdown and the summary", () => {
    const result = limited(2);
    const beyond = result.paretoLimit.beyond;
    expect(beyond).toBeGreaterThan(0);
    expect(result.pareto.length).toBeGreaterThan(0);
    expect(result.pareto.length).toBeLessThan(base.pareto.length);
    const text = `The Pareto front is drawn up to 2× the SLO budget (${2 * budget} violating minutes); ${beyond} candidates lie past it.`;
    expect(paretoLimitText(result)).toBe(text);
    expect(planCharts(result).find((c) => c.id === "chart-pareto")!.caption).toContain(text);
    expect(renderPlanMarkdown(result)).toContain(markdownInline(text));
    expect(renderPlanSummary(result, "/tmp/out")).toContain(text);
    // The chart draws the limit as a line of its own, and compiles.
    const spec = chartSpec(result, "chart-pareto");
    expect(dataValues(spec)).toContainEqual([{ frontLimit: 2 * budget }]);
    expect(() => compile(spec)).not.toThrow();
    expect(paretoJson(result)).toEqual({
      format: "caplab-pareto/2",
      drawnUpTo: { budgetMultiple: 2, sloViolationMinutes: 2 * budget },
      front: result.pareto.map((id) => expect.objectContaining({ id })),
    });
    // A candidate stopped past the limit is left out of the scatter, and the caption says why.
    const far = base.outcomes.find((o) => !o.meetsSlo)!;
    const stopped: PlanResult = {
      ...result,
      outcomes: result.outcomes.map((o) =>
        o === far ? { ...o, pruned: { step: 41, reason: "far-from-slo" } } : o,
      ),
    };
    expect(planCharts(stopped).find((c) => c.id === "chart-pareto")!.caption).toContain(
      "1 stopped early, 1 once past 2× the SLO budget (off the front),",
    );
    expect(dataValues(paretoChart(stopped))[0]).toHaveLength(base.outcomes.length - 1);
    // Candidates stopped early for another reason may lie past it too.
    expect(paretoLimitText(limited(2, 3))).toContain(`at least ${beyond} candidates lie past it`);
  });

  it("says plainly when no candidate is within the limit, and the chart and pareto.json hold", () => {
    const none: PlanResult = {
      ...limited(2),
      pareto: [],
      paretoLimit: {
        budgetMultiple: 2,
        maxMinutes: 2 * budget,
        beyond: base.outcomes.length,
        unknown: 0,
      },
    };
    const text = paretoLimitText(none);
    expect(text).toMatch(
      /^No candidate is within 2× the SLO budget \(4 violating minutes\), so there is no Pareto front: \d+ candidates lie past it\./,
    );
    expect(planCharts(none).find((c) => c.id === "chart-pareto")!.caption).toContain(text);
    expect(renderPlanSummary(none, "/tmp/out")).toContain("there is no Pareto front");
    expect(renderPlanMarkdown(none)).toContain("there is no Pareto front");
    expect(() => compile(chartSpec(none, "chart-pareto"))).not.toThrow();
    expect(paretoJson(none)).toEqual({
      format: "caplab-pareto/2",
      drawnUpTo: { budgetMultiple: 2, sloViolationMinutes: 2 * budget },
      note: "No candidate has at most 2× the SLO's violation budget (4 violating minutes), so there is no Pareto front.",
      front: [],
    });
  });

  it("reads sensibly with a budget of 0 and with no limit", () => {
    const zero: PlanResult = {
      ...base,
      slo: { ...base.slo, violationBudgetMinutes: 0 },
      paretoLimit: { budgetMultiple: 2, maxMinutes: 0, beyond: 1, unknown: 0 },
    };
    expect(paretoLimitText(zero)).toBe(
      "The Pareto front is drawn over the candidates with no SLO-violating minute (the SLO allows none); 1 candidate lies past it.",
    );
    expect(paretoLimitText({ ...zero, pareto: [] })).toMatch(
      /^No candidate is free of SLO-violating minutes \(the SLO allows none\), so there is no Pareto front/,
    );
    expect(() => compile(chartSpec(zero, "chart-pareto"))).not.toThrow();
    expect(paretoLimitText(base)).toBe(
      "The Pareto front is drawn over every candidate (pareto.maxBudgetMultiple: null).",
    );
    expect(paretoJson(base).drawnUpTo).toBeNull();
  });
});
