import { describe, expect, it } from "vitest";
import { renderPlanHtml, safeSvg, scriptText } from "../../reports/html.js";
import { escapeHtml, jsonForScript } from "../../reports/format.js";
import { planCharts } from "../../reports/plan-charts.js";
import { HOSTILE, planResultFixture } from "./fixtures/plan-result.js";

const RUNTIME = { vega: "/*vega*/", vegaLite: "/*vega-lite*/", vegaEmbed: "/*vega-embed*/" };

function render(options: Parameters<typeof planResultFixture>[0] = { hostile: true }): string {
  const result = planResultFixture(options);
  return renderPlanHtml(result, planCharts(result), undefined, RUNTIME);
}

/** The document with every <script> element's content removed. */
function outsideScripts(html: string): string {
  return html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, "<script></script>");
}

describe("renderPlanHtml", () => {
  it("escapes hostile names everywhere in the markup", () => {
    const html = render();
    const markup = outsideScripts(html);
    expect(markup).not.toContain("<img");
    expect(markup).not.toContain("alert(2)</script>");
    expect(markup).toContain(escapeHtml(HOSTILE));
    // The only <script> elements are the three runtimes, the chart data and the embed script.
    expect(html.match(/<script\b/g)).toHaveLength(5);
    expect(html.match(/<\/script>/g)).toHaveLength(5);
  });

  it("escapes JSON inside <script> so nothing can break out", () => {
    const html = render();
    const data = /<script type="application\/json" id="caplab-charts">([\s\S]*?)<\/script>/.exec(
      html,
    )?.[1];
    expect(data).toBeDefined();
    expect(data).not.toMatch(/<|\u2028|\u2029/);
    const parsed = JSON.parse(data!) as { id: string }[];
    expect(parsed.map((c) => c.id)).toContain("chart-pareto");
    expect(JSON.stringify(parsed)).toContain(HOSTILE);
    expect(jsonForScript({ s: "</script><!--\u2028\u2029" })).toBe(
      '{"s":"\\u003c/script\\u003e\\u003c!--\\u2028\\u2029"}',
    );
  });

  it("inlines the runtime in order and makes it safe to inline", () => {
    const html = render();
    expect(html.indexOf("/*vega*/")).toBeLessThan(html.indexOf("/*vega-lite*/"));
    expect(html.indexOf("/*vega-lite*/")).toBeLessThan(html.indexOf("/*vega-embed*/"));
    expect(scriptText('a="</script>";b="<!--"\n//# sourceMappingURL=x.js.map')).toBe(
      'a="<\\/script>";b="<\\x21--"\n',
    );
  });

  it("opens offline: no external URL is loaded", () => {
    const html = outsideScripts(render());
    // Only links within the page (the extremes' anchors).
    expect(html).not.toMatch(/<[a-z][^>]*\s(src|href)="(?!#)/i);
    expect(html).not.toMatch(/@import|url\(/i);
  });

  it("shows the recommendation, comparison, robustness, candidates and events", () => {
    const html = render({});
    for (const id of [
      "verdict",
      "worst-minutes",
      "recommendation",
      "charts",
      "comparison",
      "robustness",
      "candidates",
      "events",
      "reasons",
    ]) {
      expect(html).toContain(`<section id="${id}"`);
    }
    expect(html).toContain("&quot;TargetValue&quot;: 50");
    expect(html).toContain("Top 15 of 15 candidates");
  });

  it("answers first: the verdict (pick, risk, cost against current, what is worse) comes before any chart or JSON", () => {
    const html = render({});
    const verdict = html.indexOf('<section id="verdict"');
    expect(verdict).toBeGreaterThan(0);
    for (const later of ['<section id="charts"', "Settings as JSON"])
      expect(html.indexOf(later)).toBeGreaterThan(verdict);
    const block = html.slice(verdict, html.indexOf("</section>", verdict));
    expect(block).toContain("Risk: low");
    expect(block).toContain("a month vs current");
    expect(block).toContain("Lower MinCapacity than the current setting (3 → 2)");
    expect(block).toContain('<table class="compare">');
    // JSON and the CLI are collapsed.
    expect(html).toMatch(/<details><summary>Settings as JSON<\/summary>/);
  });

  it("says clearly when no candidate met the SLO", () => {
    const html = render({ noPick: true });
    expect(html).toContain("No candidate met the SLO");
    expect(html).not.toContain('<section id="events"');
  });

  it("inlines a static SVG only when it carries nothing that runs", () => {
    expect(safeSvg('<svg><rect width="1"/></svg>')).toBe('<svg><rect width="1"/></svg>');
    expect(safeSvg('<svg onload="alert(1)"></svg>')).toBeNull();
    expect(safeSvg("<svg><script>alert(1)</script></svg>")).toBeNull();
    expect(safeSvg("<div></div>")).toBeNull();
    const result = planResultFixture();
    const charts = planCharts(result).map((c) => ({ ...c, fallbackSvg: "<svg><g/></svg>" }));
    const html = renderPlanHtml(result, charts, "<p>trusted</p>", RUNTIME);
    expect(html.match(/<div class="chart-fallback"><svg><g\/><\/svg><\/div>/g)).toHaveLength(7);
    // The CLI snippet is collapsed under the settings.
    expect(html).toContain(
      '<details id="summary"><summary>Apply with the AWS CLI</summary>\n<p>trusted</p>\n</details>',
    );
  });
});
