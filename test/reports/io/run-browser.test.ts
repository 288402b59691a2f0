/**
 * Integration: opens the run report in headless Debian Chromium: every chart draws, nothing
 * logs an error, the hostile scenario, run id, target and threshold names do not run; keeps
 * test-artifacts/run-report.png. Also writes the PNG charts through Chromium. Skipped, with
 * a visible reason, when /usr/bin/chromium is not installed.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadRunBundle } from "../../../analysis/io/files/run-bundle.js";
import { runImportCommand } from "../../../cli/import-command.js";
import { writeRunReport } from "../../../reports/io/write-run-report.js";
import { HOSTILE_NAME, writeRunBundle } from "../../fixtures/runs/make-run-bundle.js";
import {
  chromiumOrWarn,
  chromiumSession,
  chartTextCount,
  keepScreenshot,
  openReport,
  textOverlaps,
} from "../../helpers/browser.js";
import { captureIo, cliContext } from "../../helpers/io.js";

const hasChromium = chromiumOrWarn("run-browser.test.ts");

describe("run report.html in Chromium", () => {
  const session = chromiumSession("caplab-run-browser-", hasChromium);

  it.skipIf(!hasChromium)(
    "draws every chart, logs no error, runs nothing hostile; writes PNGs",
    async () => {
      const bundle = await writeRunBundle(join(session.dir, "bundle"), {
        seed: 21,
        seconds: 45,
        scenario: HOSTILE_NAME,
        runId: HOSTILE_NAME,
        target: `https://x.example.com/${HOSTILE_NAME}`,
        thresholds: { [`http_req_duration{name:${HOSTILE_NAME}}`]: { "p(95)<150": true } },
        server: {
          tasks: 4,
          cpuPercent: 62,
          memoryPercent: 35,
          maxCapacity: 8,
          perTask: { taskIds: ["aa11", "bb22", "cc33", "dd44"], containers: ["app"] },
          scalingActivities: [
            { atSecond: 5, description: "Setting desired count to 4.", cause: "alarm high" },
            { atSecond: 30, description: "Setting desired count to 5.", cause: HOSTILE_NAME },
          ],
        },
      });
      const run = await loadRunBundle(bundle);
      const files = await writeRunReport(run, join(session.dir, "out"), ["html", "md", "png"]);
      expect(files.warnings).toEqual([]);
      expect(files.pngs).toHaveLength(10);
      for (const png of files.pngs)
        expect((await readFile(png)).subarray(1, 4).toString()).toBe("PNG");
      expect(await readFile(files.markdown!, "utf8")).toContain("](run-latency.png)");

      for (const width of [800, 1400]) {
        const { page, errors, dialogs, requests, charts } = await openReport(
          session.browser!,
          files.html!,
          width,
        );
        expect(charts.map((c) => c.id)).toEqual([
          "chart-requests",
          "chart-latency",
          "chart-errors",
          "chart-server-tasks",
          "chart-server-rcpt",
          "chart-server-utilization",
          "chart-server-task-cpu",
          "chart-server-container-cpu",
          "chart-server-task-memory",
          "chart-server-container-memory",
        ]);
        for (const c of charts) expect(c, c.id).toMatchObject({ live: true, error: null });
        expect(await page.$$eval("img", (imgs) => imgs.length)).toBe(0);
        expect(await page.title()).toContain("<img src=x");
        expect(errors).toEqual([]);
        expect(dialogs).toEqual([]);
        expect(requests).toEqual([]);
        expect(await chartTextCount(page)).toBeGreaterThan(100);
        expect(await textOverlaps(page)).toEqual([]);
        // The verdict comes first: PASS or FAIL with the failing thresholds.
        const verdict = await page.$eval("#verdict", (el) => ({
          top: el.getBoundingClientRect().top,
          text: el.textContent ?? "",
        }));
        expect(verdict.top).toBeLessThan(200);
        expect(verdict.text).toMatch(/FAIL: 1 of 1 thresholds failed/);
        await keepScreenshot(page, `run-report-${width}.png`);
      }
    },
  );

  it.skipIf(!hasChromium)(
    "draws a trace bundle's traffic (the ALB log of ../shared/data imported) without overlaps",
    async () => {
      const bundle = join(session.dir, "alb");
      const source = fileURLToPath(
        new URL("../../../../shared/data/alb/dmastrop-tomcat-alb-50-targets.log", import.meta.url),
      );
      expect(
        await runImportCommand([source], { format: "alb", out: bundle }, cliContext(captureIo())),
      ).toBe(0);
      const run = await loadRunBundle(bundle);
      const files = await writeRunReport(run, join(session.dir, "alb-out"), ["html"]);
      for (const width of [800, 1400]) {
        const { page, errors, charts } = await openReport(session.browser!, files.html!, width);
        expect(charts.map((c) => c.id)).toEqual([
          "chart-traffic-requests",
          "chart-traffic-latency",
        ]);
        for (const c of charts) expect(c, c.id).toMatchObject({ live: true, error: null });
        expect(errors).toEqual([]);
        expect(await textOverlaps(page)).toEqual([]);
        expect(await page.$eval("h1", (el) => el.textContent)).toBe("Traffic");
        const verdict = await page.$eval("#verdict", (el) => el.textContent ?? "");
        expect(verdict).toMatch(/NO VERDICT: a trace bundle holds traffic/);
        expect(verdict).toMatch(/23 over 1 min/);
        await keepScreenshot(page, `traffic-report-${width}.png`);
      }
    },
  );
});
