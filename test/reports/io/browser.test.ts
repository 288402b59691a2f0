/**
 * Integration: opens the written report.html in headless Debian Chromium and checks that
 * every chart draws, nothing logs an error and the hostile strings in the fixture do not
 * run. Skipped, with a warning, when /usr/bin/chromium is not installed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePlanReport } from "../../../reports/io/write-plan-report.js";
import {
  chromiumOrWarn,
  keepScreenshot,
  launchChromium,
  openReport,
} from "../../helpers/browser.js";
import { planResultFixture } from "../fixtures/plan-result.js";

const hasChromium = chromiumOrWarn("browser.test.ts");

describe("report.html in Chromium", () => {
  let dir = "";
  let browser: Browser | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "caplab-report-"));
    if (hasChromium) browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const variant of [
    { name: "with a pick and hostile names", options: { hostile: true }, screenshot: "report.png" },
    { name: "without a pick", options: { noPick: true }, screenshot: "report-no-pick.png" },
  ] as const) {
    it.skipIf(!hasChromium)(
      `draws every chart, logs no error, runs nothing hostile (${variant.name})`,
      async () => {
        const out = join(dir, variant.screenshot.replace(".png", ""));
        const { html } = await writePlanReport(planResultFixture(variant.options), out, {
          awsCli:
            "aws ecs update-service --cluster <b>c</b> --service '</script><script>alert(3)</script>'",
        });
        const { page, errors, dialogs, requests, charts } = await openReport(browser!, html);
        expect(charts.map((c) => c.id)).toEqual([
          "chart-traffic",
          "chart-metric",
          "chart-latency",
          "chart-cost",
          "chart-pareto",
          "chart-heatmap",
        ]);
        for (const c of charts) {
          expect(c, c.id).toMatchObject({ live: true, error: null, fallbackLeft: false });
        }
        // Images with onerror would have been created as elements: there must be none.
        expect(await page.$$eval("img", (imgs) => imgs.length)).toBe(0);
        expect(errors).toEqual([]);
        expect(dialogs).toEqual([]);
        expect(requests).toEqual([]);

        await keepScreenshot(page, variant.screenshot);
      },
    );
  }
});
