/**
 * Integration: `caplab simulate` of the embedded week, then its report (read back from the
 * folder) in headless Debian Chromium at 800 and 1400 px: every chart draws, nothing logs an
 * error, no two text boxes of a chart intersect, the verdict comes first, and the PNGs are
 * written. Keeps the screenshots in test-artifacts/. Skipped, with a warning, without Chromium.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../../cli/main.js";
import { readSimulateFolder } from "../../../analysis/io/files/simulate-folder.js";
import { writeSimulateReport } from "../../../reports/io/write-simulate-report.js";
import {
  chartTextCount,
  chromiumOrWarn,
  chromiumSession,
  keepScreenshot,
  openReport,
  textOverlaps,
} from "../../helpers/browser.js";
import { captureIo } from "../../helpers/io.js";

const hasChromium = chromiumOrWarn("simulate-browser.test.ts");

describe("the simulate report in Chromium", () => {
  const session = chromiumSession("caplab-simulate-browser-", hasChromium);

  it.skipIf(!hasChromium)(
    "draws every chart, logs no error and overlaps no text at 800 and 1400 px; writes PNGs",
    async () => {
      await writeFile(
        join(session.dir, "sim.yaml"),
        [
          "trace: { generate: default-week, seed: 1 }",
          "service: { cpuMsPerRequest: 8, latencyMs: 25, idleCpuPercent: 2, timeoutSeconds: 30, memoryMiB: { base: 350, perInflightRequest: 0.05 } }",
          'task: { cpu: "1024", memory: "2048" }',
          "scaling: { MinCapacity: 2, MaxCapacity: 90, policies: [{ PolicyName: alb, TargetTrackingScalingPolicyConfiguration: { TargetValue: 4410, PredefinedMetricSpecification: { PredefinedMetricType: ALBRequestCountPerTarget } } }] }",
          "slo: { latencyP95Ms: 250, errorRatePercent: 0.1 }",
          "",
        ].join("\n"),
      );
      const sim = join(session.dir, "sim");
      expect(
        await main(["simulate", join(session.dir, "sim.yaml"), "--out", sim], captureIo()),
      ).toBe(0);
      const files = await writeSimulateReport(
        await readSimulateFolder(sim),
        join(session.dir, "report"),
        ["html", "md", "png"],
      );
      expect(files.warnings).toEqual([]);
      expect(files.pngs).toHaveLength(5);
      for (const png of files.pngs)
        expect((await readFile(png)).subarray(1, 4).toString()).toBe("PNG");
      for (const width of [800, 1400]) {
        const { page, errors, requests, charts } = await openReport(
          session.browser!,
          files.html!,
          width,
        );
        expect(charts.map((c) => c.id)).toEqual([
          "chart-traffic",
          "chart-tasks",
          "chart-metric",
          "chart-latency",
          "chart-cost",
        ]);
        for (const c of charts) expect(c, c.id).toMatchObject({ live: true, error: null });
        expect(errors).toEqual([]);
        expect(requests).toEqual([]);
        expect(await chartTextCount(page)).toBeGreaterThan(50);
        expect(await textOverlaps(page)).toEqual([]);
        const verdict = await page.$eval("#verdict", (el) => ({
          top: el.getBoundingClientRect().top,
          text: el.textContent ?? "",
        }));
        expect(verdict.top).toBeLessThan(200);
        expect(verdict.text).toMatch(/(Meets|Misses) the SLO/);
        // The worst p95 links to the minutes behind it, which name the flash spike.
        expect(await page.$eval('a[href="#worst-p95"]', (a) => a.textContent)).toMatch(/ms$/);
        expect(await page.$eval("#worst-p95 + p", (p) => p.textContent)).toMatch(/a traffic spike/);
        await keepScreenshot(page, `simulate-report-${width}.png`);
      }
    },
  );
});
