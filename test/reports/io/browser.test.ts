/**
 * Integration: opens the written report.html in headless Debian Chromium at 800 and 1400 px
 * wide and checks that every chart draws, nothing logs an error, the hostile strings in the
 * fixture do not run, no two text boxes of any chart intersect, and the first screen at
 * 1400 px holds the recommendation, its risk and current-vs-recommended. Keeps the
 * screenshots in test-artifacts/. Skipped, with a warning, when /usr/bin/chromium is not
 * installed.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writePlanReport } from "../../../reports/io/write-plan-report.js";
import {
  chartTextCount,
  chromiumOrWarn,
  chromiumSession,
  keepScreenshot,
  openReport,
  textOverlaps,
} from "../../helpers/browser.js";
import { planResultFixture } from "../fixtures/plan-result.js";

const hasChromium = chromiumOrWarn("browser.test.ts");

describe("report.html in Chromium", () => {
  const session = chromiumSession("caplab-report-", hasChromium);

  for (const variant of [
    {
      name: "with a pick and hostile names",
      options: { hostile: true, deployHours: true },
      screenshot: "report",
    },
    { name: "without a pick", options: { noPick: true }, screenshot: "report-no-pick" },
  ] as const) {
    it.skipIf(!hasChromium)(
      `draws every chart, logs no error, runs nothing hostile, overlaps no text at 800 and 1400 px (${variant.name})`,
      async () => {
        const out = join(session.dir, variant.screenshot);
        const { html } = await writePlanReport(planResultFixture(variant.options), out, {
          awsCli:
            "aws ecs update-service --cluster <b>c</b> --service '</script><script>alert(3)</script>'",
        });
        for (const width of [800, 1400]) {
          const { page, errors, dialogs, requests, charts } = await openReport(
            session.browser!,
            html,
            width,
          );
          expect(charts.map((c) => c.id)).toEqual([
            "chart-traffic",
            "chart-tasks",
            "chart-metric",
            "chart-latency",
            "chart-cost",
            "chart-pareto",
            "chart-heatmap",
            ...(variant.options.noPick ? [] : ["chart-deploy-hours"]),
          ]);
          for (const c of charts) {
            expect(c, c.id).toMatchObject({ live: true, error: null, fallbackLeft: false });
          }
          // Images with onerror would have been created as elements: there must be none.
          expect(await page.$$eval("img", (imgs) => imgs.length)).toBe(0);
          expect(errors).toEqual([]);
          expect(dialogs).toEqual([]);
          expect(requests).toEqual([]);
          expect(await chartTextCount(page)).toBeGreaterThan(100);
          expect(await textOverlaps(page)).toEqual([]);
          // No chart is wider than its column.
          const overflow = await page.$$eval("figure.chart .chart-live", (lives) =>
            lives.filter((l) => l.scrollWidth > l.clientWidth + 1).map((l) => l.parentElement?.id),
          );
          expect(overflow).toEqual([]);
          if (width === 1400 && !("noPick" in variant.options)) {
            // The first screen (1400 × 900) holds the recommendation, its risk and the comparison.
            const verdict = await page.$eval("#verdict", (el) => {
              const r = el.getBoundingClientRect();
              return {
                bottom: r.bottom,
                text: el.textContent ?? "",
                compare: el.querySelector("table.compare") !== null,
              };
            });
            expect(verdict.bottom).toBeLessThanOrEqual(900);
            expect(verdict.text).toContain("Risk: low");
            expect(verdict.text).toMatch(/Current\s*Recommended/);
            expect(verdict.compare).toBe(true);
          }
          await keepScreenshot(page, `${variant.screenshot}-${width}.png`);
        }
      },
    );
  }
});
