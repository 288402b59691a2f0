/**
 * Integration: opens the run report in headless Debian Chromium: every chart draws, nothing
 * logs an error, the hostile scenario, run id, target and threshold names do not run; keeps
 * test-artifacts/run-report.png. Also writes the PNG charts through Chromium. Skipped, with
 * a visible reason, when /usr/bin/chromium is not installed.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRunBundle } from "../../src/cli/report-command.js";
import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  writeRunReport,
} from "../../src/reports/write-run-report.js";
import { HOSTILE_NAME, writeRunBundle } from "../fixtures/runs/make-run-bundle.js";

const hasChromium = existsSync(CHROMIUM_PATH);
if (!hasChromium)
  console.warn(
    `run-browser.test.ts: SKIPPED — ${CHROMIUM_PATH} not found; install Debian chromium to run it.`,
  );

describe("run report.html in Chromium", () => {
  let dir = "";
  let browser: Browser | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "caplab-run-browser-"));
    if (hasChromium)
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasChromium)(
    "draws every chart, logs no error, runs nothing hostile; writes PNGs",
    async () => {
      const bundle = await writeRunBundle(join(dir, "bundle"), {
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
      const files = await writeRunReport(run, join(dir, "out"), ["html", "md", "png"]);
      expect(files.warnings).toEqual([]);
      expect(files.pngs).toHaveLength(7);
      for (const png of files.pngs)
        expect((await readFile(png)).subarray(1, 4).toString()).toBe("PNG");
      expect(await readFile(files.markdown!, "utf8")).toContain("](run-latency.png)");

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
      await page.goto(pathToFileURL(files.html!).href, { waitUntil: "load" });
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
          live: f.querySelector(".chart-live svg") !== null,
          error: f.querySelector(".chart-error")?.textContent ?? null,
        })),
      );
      expect(charts.map((c) => c.id)).toEqual([
        "chart-requests",
        "chart-latency",
        "chart-errors",
        "chart-server-tasks",
        "chart-server-utilization",
        "chart-server-task-cpu",
        "chart-server-task-memory",
      ]);
      for (const c of charts) expect(c, c.id).toMatchObject({ live: true, error: null });
      expect(await page.$$eval("img", (imgs) => imgs.length)).toBe(0);
      expect(await page.title()).toContain("<img src=x");
      expect(errors).toEqual([]);
      expect(dialogs).toEqual([]);
      expect(requests).toEqual([]);
      const artifacts = resolve("test-artifacts");
      await mkdir(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "run-report.png"), fullPage: true });
      await page.close();
    },
  );
});
