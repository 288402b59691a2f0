import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/errors.js";
import type { Io } from "../../src/cli/main.js";
import { parseFormats, parseSeriesCsv, runReportCommand } from "../../src/cli/report-command.js";
import { writeRunBundle } from "../fixtures/runs/make-run-bundle.js";

function io(): Io & { text: () => string } {
  let out = "";
  return { out: (t) => (out += t), err: (t) => (out += t), isTty: false, text: () => out };
}

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-report-cmd-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("caplab report", () => {
  it("writes html, md and json for a run bundle into --out", async () => {
    const bundle = await writeRunBundle(join(dir, "run"), { seed: 5, seconds: 15 });
    const out = io();
    expect(
      await runReportCommand(bundle, { out: join(dir, "out"), format: "html,md,json" }, out),
    ).toBe(0);
    for (const f of ["report.html", "report.md", "report.json"])
      expect(existsSync(join(dir, "out", f))).toBe(true);
    expect(out.text()).toContain("Report: ");
  });

  it("says clearly that caplab plan already writes the plan report", async () => {
    const plan = join(dir, "plan");
    await mkdir(plan, { recursive: true });
    await writeFile(join(plan, "recommendation.json"), "{}");
    await writeFile(join(plan, "report.html"), "<html></html>");
    const out = io();
    expect(await runReportCommand(plan, {}, out)).toBe(0);
    expect(out.text()).toMatch(/caplab plan already wrote its report/);
  });

  it("rejects unknown formats and folders that are not bundles as usage errors", async () => {
    expect(() => parseFormats("html,pdf")).toThrow(UsageError);
    expect(parseFormats(undefined)).toEqual(["html", "md", "json"]);
    const empty = join(dir, "empty");
    await mkdir(empty, { recursive: true });
    await expect(runReportCommand(empty, {}, io())).rejects.toThrow(/neither a run bundle/);
  });

  it("reads a series CSV, leaving out empty values", () => {
    expect(parseSeriesCsv("time,value\n2026-03-02T06:00:00Z,3\n2026-03-02T06:01:00Z,\n")).toEqual([
      { timeMs: Date.UTC(2026, 2, 2, 6), value: 3 },
    ]);
  });
});
