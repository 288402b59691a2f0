/**
 * `caplab simulate` with `deployments:` (issue #16): the README's example files, run as a user
 * runs them, and the usage error for a deployment outside the trace.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { DEPLOYMENT_COLUMNS, TIMELINE_COLUMNS } from "../../sim/vocab/index.js";
import { captureIo } from "../helpers/io.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const shared = fileURLToPath(new URL("../../../shared/data/traces", import.meta.url));

describe.skipIf(!existsSync(shared))("caplab simulate examples/simulate-deploy.yaml", () => {
  it("runs the three deployments: events with reasons, each revision's columns, the deployments' Kpis", async () => {
    const out = await mkdtemp(join(tmpdir(), "caplab-deploy-"));
    const io = captureIo();
    const code = await main(
      ["simulate", join(repo, "examples/simulate-deploy.yaml"), "--out", out],
      io,
    );
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(/deployment 2 +rolling at 1995-07-05T18:00Z: completed/);
    const csv = await readFile(join(out, "timeline.csv"), "utf8");
    expect(csv.split("\n")[0]).toBe(["time", ...TIMELINE_COLUMNS, ...DEPLOYMENT_COLUMNS].join(","));
    const events: { kind: string; deployment?: number; reason: string }[] = JSON.parse(
      await readFile(join(out, "events.json"), "utf8"),
    );
    const started = events.filter((e) => e.kind === "deployment-started");
    const completed = events.filter((e) => e.kind === "deployment-completed");
    expect(started.map((e) => e.deployment)).toEqual([0, 1, 2]);
    expect(completed.map((e) => e.deployment)).toEqual([0, 1, 2]);
    expect(events.filter((e) => e.kind === "scale-in-suspended")).toHaveLength(3);
    const summary = JSON.parse(await readFile(join(out, "summary.json"), "utf8"));
    expect(summary.deployments.map((d: { outcome: string }) => d.outcome)).toEqual([
      "completed",
      "completed",
      "completed",
    ]);
    // 50 % / 100 % at the week's peak hour breaks the SLO; 100 % / 200 % does not.
    expect(summary.deployments[0].sloViolationMinutes).toBe(0);
    expect(summary.deployments[1].sloViolationMinutes).toBeGreaterThan(0);
    // The canary runs both sets through its bake: the most extra task-minutes.
    expect(summary.deployments[2].extraTaskMinutes).toBeGreaterThan(
      summary.deployments[0].extraTaskMinutes,
    );
    // The folder reports, deployment events and all (it was refused: "item 0 is not a scaling
    // event caplab simulate writes").
    const report = captureIo();
    expect(await main(["report", out], report), report.stderr()).toBe(0);
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md).toMatch(/\| deployment-started \| deployment 1 \(rolling\) \|/);
    expect(md).toMatch(/\| deployment-completed \| deployment 3 over \|/);
    // What was simulated lists each deployment as simulate printed it.
    const line = io.stdout().match(/deployment 2 +(rolling at .*window)/)![1]!;
    expect(md).toContain(`| Deployment 2 | ${line.replaceAll("$", "\\$")} |`);
    expect(md).toMatch(/\| Deployment 3 \| canary at 1995-07-06T14:00Z: completed in \d+ min; /);
  });

  it("runs examples/simulate-deploy-memory.yaml: a release that needs more memory per request deploys cleanly, then runs out of memory at the peaks", async () => {
    const out = await mkdtemp(join(tmpdir(), "caplab-deploy-memory-"));
    const io = captureIo();
    const code = await main(
      ["simulate", join(repo, "examples/simulate-deploy-memory.yaml"), "--out", out],
      io,
    );
    expect(code).toBe(0);
    // The line says what the revision it deployed needs (newRevision.memoryMiB).
    const line =
      /deployment 1 +rolling at 1995-07-04T18:00Z \(new revision: 600 MiB at rest, 80 MiB per request in flight\): completed in 2 min; .* 0 failed requests/;
    expect(io.stdout()).toMatch(line);
    // Task counts in whole tasks: the desired range, and the running tasks' bounds where the
    // kills took them outside it (main printed "0–3.8", a mean's maximum read as a count).
    expect(io.stdout()).toContain(
      "  tasks           2–3 desired (running 0–4 by step means); mean 2.0 running; 16 scaling actions",
    );
    const summary = JSON.parse(await readFile(join(out, "summary.json"), "utf8"));
    expect(summary).toMatchObject({ minDesiredCount: 2, maxDesiredCount: 3, minTasks: 0 });
    expect(summary.maxTasks).toBeCloseTo(3.8, 1);
    expect(summary.deployments[0]).not.toHaveProperty("circuitBreakerTrippedMinutes");
    expect(summary.deployments[0].newRevision).toEqual({
      memoryMiB: { base: 600, perInflightRequest: 80 },
    });
    // And so does the report's "What was simulated", from summary.json.
    const report = captureIo();
    expect(await main(["report", out], report), report.stderr()).toBe(0);
    expect(await readFile(join(out, "report.md"), "utf8")).toContain(
      "| Deployment 1 | rolling at 1995-07-04T18:00Z (new revision: 600 MiB at rest, 80 MiB per request in flight): completed in 2 min; ",
    );
    expect(await readFile(join(out, "report.md"), "utf8")).toContain(
      "| Tasks | 2–3 desired (running 0–4 by step means); mean 2.0 running |",
    );
    expect(summary.oomKills).toBeGreaterThan(50);
    // Every kill comes after the deployment: the old revision's memory had room for the peaks.
    const events: { kind: string; timeMs: number }[] = JSON.parse(
      await readFile(join(out, "events.json"), "utf8"),
    );
    const completed = events.find((e) => e.kind === "deployment-completed")!;
    const kills = events.filter((e) => e.kind === "oom-kill");
    expect(kills.length).toBeGreaterThan(0);
    for (const e of kills) expect(e.timeMs).toBeGreaterThan(completed.timeMs);
  });

  it("tells a circuit breaker's trip on the deployment's line: a new revision whose base does not fit rolls back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-deploy-trip-"));
    const config = (await readFile(join(repo, "examples/simulate-deploy-memory.yaml"), "utf8"))
      .replace("../../shared/data", join(repo, "../shared/data"))
      .replace("{ base: 600, perInflightRequest: 80 }", "{ base: 2500 }");
    await writeFile(join(dir, "c.yaml"), config);
    const io = captureIo();
    const code = await main(["simulate", join(dir, "c.yaml"), "--out", join(dir, "out")], io);
    expect(code).toBe(0);
    expect(io.stdout()).toMatch(
      /deployment 1 +rolling at 1995-07-04T18:00Z \(new revision: 2500 MiB at rest, the rest as the one it replaces\): rolled-back in \d+ min: the circuit breaker tripped at minute [\d.]+ and the rollback completed; /,
    );
  });

  it("refuses a deployment outside the trace with one sentence naming the field (exit 2)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-deploy-bad-"));
    const config = (await readFile(join(repo, "examples/simulate-deploy.yaml"), "utf8"))
      .replace("../../shared/data", join(repo, "../shared/data"))
      .replace("1995-07-04T14:00:00-04:00", "1996-01-01T00:00:00Z");
    await writeFile(join(dir, "c.yaml"), config);
    const io = captureIo();
    const code = await main(["simulate", join(dir, "c.yaml"), "--out", join(dir, "out")], io);
    expect(code).toBe(2);
    expect(io.stderr()).toMatch(/deployments\[0\]\.at 1996-01-01T00:00:00Z is outside the trace/);
  });
});
