/**
 * Integration: opens the written report.html in headless Debian Chromium and checks that
 * every chart draws, nothing logs an error and the hostile strings in the fixture do not
 * run. Skipped, with a warning, when /usr/bin/chromium is not installed.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePlanReport } from "../../src/reports/write-plan-report.js";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../src/reports/write-run-report.js";
import { planResultFixture } from "./fixtures/plan-result.js";

const CHROMIUM = CHROMIUM_PATH;
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `browser.test.ts: SKIPPED — ${CHROMIUM} not found; install Debian chromium to run it.`,
  );
}

const ARTIFACTS = resolve("test-artifacts");

describe("report.html in Chromium", () => {
  let dir = "";
  let browser: Browser | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "caplab-report-"));
    if (hasChromium) {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [...CHROMIUM_ARGS],
      });
    }
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
        const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
        const errors: string[] = [];
        const dialogs: string[] = [];
        const requests: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        page.on("pageerror", (e) => errors.push(String(e)));
        page.on("dialog", (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        page.on("request", (r) => {
          if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) requests.push(r.url());
        });

        await page.goto(pathToFileURL(html).href, { waitUntil: "load" });
        await page.waitForFunction(
          () => {
            const figures = Array.from(document.querySelectorAll("figure.chart"));
            return (
              figures.length > 0 &&
              figures.every(
                (f) => f.classList.contains("is-live") || f.querySelector(".chart-error") !== null,
              )
            );
          },
          undefined,
          { timeout: 30_000 },
        );

        const charts = await page.$$eval("figure.chart", (figures) =>
          figures.map((f) => ({
            id: f.id,
            live: f.querySelector(".chart-live svg, .chart-live canvas") !== null,
            error: f.querySelector(".chart-error")?.textContent ?? null,
            fallbackLeft: f.querySelector(".chart-fallback") !== null,
          })),
        );
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

        await mkdir(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, variant.screenshot), fullPage: true });
        await page.close();
      },
    );
  }
});
