/**
 * Opening a written report in headless Debian Chromium, for the browser tests: one browser per
 * file, a page that records console errors, dialogs and any request that leaves the file, and
 * the state of every `figure.chart` once each has drawn or failed. Skipped, with a visible
 * reason, when Chromium is not installed.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../reports/io/write-run-report.js";

/** Whether Chromium is installed; warns (naming the test file) when it is not. */
export function chromiumOrWarn(testFile: string): boolean {
  const has = existsSync(CHROMIUM_PATH);
  if (!has)
    console.warn(
      `${testFile}: SKIPPED — ${CHROMIUM_PATH} not found; install Debian chromium to run it.`,
    );
  return has;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
}

/** A browser test file's temporary folder and its one browser (none without Chromium). */
export interface ChromiumSession {
  readonly dir: string;
  readonly browser: Browser | undefined;
}

/**
 * Registers, in the calling describe block, the hooks that make a temporary folder (`prefix`
 * in the OS temp dir) and launch Chromium before its tests, and close and remove both after.
 */
export function chromiumSession(prefix: string, hasChromium: boolean): ChromiumSession {
  const session: { dir: string; browser: Browser | undefined } = { dir: "", browser: undefined };
  beforeAll(async () => {
    session.dir = await mkdtemp(join(tmpdir(), prefix));
    if (hasChromium) session.browser = await launchChromium();
  });
  afterAll(async () => {
    await session.browser?.close();
    if (session.dir) await rm(session.dir, { recursive: true, force: true });
  });
  return session;
}

/** One chart of an opened report. */
export interface ChartState {
  readonly id: string;
  /** The live vega view drew (an SVG or a canvas). */
  readonly live: boolean;
  readonly error: string | null;
  /** The static SVG fallback is still in the page. */
  readonly fallbackLeft: boolean;
}

export interface OpenedReport {
  readonly page: Page;
  readonly errors: string[];
  readonly dialogs: string[];
  /** Requests for anything but file: and data: URLs (an offline report makes none). */
  readonly requests: string[];
  readonly charts: ChartState[];
}

/** Opens `html` (at `width` × 900 px) and waits until every chart is live or shows its error. */
export async function openReport(
  browser: Browser,
  html: string,
  width = 1100,
): Promise<OpenedReport> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
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
  return { page, errors, dialogs, requests, charts };
}

/** Two text elements of a chart whose boxes intersect. */
export interface TextOverlap {
  readonly chart: string;
  readonly a: string;
  readonly b: string;
}

/**
 * Every pair of visible text elements within one live chart (SVG renderer) whose bounding
 * boxes intersect by more than half a pixel: axis labels, titles, legends, reference-line
 * labels, heatmap cells. Text vega hid (labelOverlap sets opacity 0) and empty text are left
 * out.
 */
export async function textOverlaps(page: Page): Promise<TextOverlap[]> {
  return page.evaluate(() => {
    const found: { chart: string; a: string; b: string }[] = [];
    for (const figure of Array.from(document.querySelectorAll("figure.chart"))) {
      const svg = figure.querySelector(".chart-live svg");
      if (!svg) continue;
      const boxes: { text: string; r: DOMRect }[] = [];
      for (const t of Array.from(svg.querySelectorAll("text"))) {
        const text = t.textContent ?? "";
        if (text.trim() === "") continue;
        let hidden = false;
        for (let n: Element | null = t; n && n !== svg; n = n.parentElement) {
          const style = getComputedStyle(n);
          if (
            style.display === "none" ||
            style.visibility === "hidden" ||
            Number(style.opacity) === 0 ||
            n.getAttribute("opacity") === "0"
          ) {
            hidden = true;
            break;
          }
        }
        const r = t.getBoundingClientRect();
        if (!hidden && r.width > 0 && r.height > 0) boxes.push({ text, r });
      }
      const tolerance = 0.5;
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i]!.r;
          const b = boxes[j]!.r;
          if (
            a.left < b.right - tolerance &&
            b.left < a.right - tolerance &&
            a.top < b.bottom - tolerance &&
            b.top < a.bottom - tolerance
          )
            found.push({ chart: figure.id, a: boxes[i]!.text, b: boxes[j]!.text });
        }
    }
    return found;
  });
}

/** The number of text elements drawn in live charts (so an overlap check is not vacuous). */
export async function chartTextCount(page: Page): Promise<number> {
  return page.$$eval("figure.chart .chart-live svg text", (texts) => texts.length);
}

/** Saves a full-page screenshot under test-artifacts/ and closes the page. */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  const artifacts = resolve("test-artifacts");
  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, name), fullPage: true });
  await page.close();
}
