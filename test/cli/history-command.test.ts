import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../sim/vocab/errors.js";
import { main } from "../../cli/main.js";
import { runHistoryExportCommand, runHistoryListCommand } from "../../cli/history-command.js";
import { recordRun } from "../../analysis/io/history/history-db.js";
import { runDataOf } from "../fixtures/runs/run-data.js";
import { captureIo, cliContext } from "../helpers/io.js";
import { tinyPlanYaml } from "./tiny-plan.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-history-cmd-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A plan small enough for a test: two sizes, one metric, two targets, on a generated week. */
const TINY_PLAN = tinyPlanYaml("{ topK: 1, maxChecked: 1 }");

describe("caplab history", () => {
  it("lists recorded runs from --history or CAPLAB_HISTORY, and exports Parquet", async () => {
    const db = join(dir, "env.duckdb");
    await recordRun(db, runDataOf({ seed: 1, seconds: 10, runId: "only-run" }));
    const env = { CAPLAB_HISTORY: db };
    const out = captureIo();
    expect(await runHistoryListCommand({}, cliContext(out, { env }))).toBe(0);
    expect(out.text()).toContain("only-run");
    expect(out.text()).toContain(`History: ${db}`);
    const flag = captureIo();
    await runHistoryListCommand({ history: join(dir, "flag.duckdb") }, cliContext(flag, { env }));
    expect(flag.text()).toContain("No runs recorded yet");
    // Reading makes no database (an empty .caplab/ would mark a folder as a project).
    expect(existsSync(join(dir, "flag.duckdb"))).toBe(false);
    const exported = captureIo();
    expect(
      await runHistoryExportCommand({ parquet: join(dir, "pq") }, cliContext(exported, { env })),
    ).toBe(0);
    expect(exported.text()).toContain("runs.parquet");
    await expect(
      runHistoryListCommand({ last: 0 }, cliContext(captureIo(), { env })),
    ).rejects.toThrow(UsageError);
    await expect(runHistoryExportCommand({}, cliContext(captureIo(), { env: {} }))).rejects.toThrow(
      /--parquet DIR/,
    );
  });

  it("records plans started anywhere in a project in the project's one history, and lists them", async () => {
    const project = join(dir, "shop");
    const sub = join(project, "capacity", "q3");
    await mkdir(sub, { recursive: true });
    await writeFile(join(project, "package.json"), "{}\n");
    const config = join(sub, "plan.yaml");
    await writeFile(config, TINY_PLAN);
    const env = {}; // no CAPLAB_HISTORY: the project's default
    for (const [cwd, out] of [
      [project, join(dir, "plan-a")],
      [sub, join(dir, "plan-b")],
    ] as const) {
      const io = captureIo();
      const code = await main(["plan", config, "--out", out, "--workers", "0"], { io, env, cwd });
      expect([0, 3], io.stderr()).toContain(code);
    }
    const history = join(project, ".caplab", "history.duckdb");
    expect(existsSync(history)).toBe(true);
    expect(existsSync(join(sub, ".caplab"))).toBe(false);

    const io = captureIo();
    expect(await main(["history"], { io, env, cwd: sub })).toBe(0);
    const text = io.stdout();
    expect(text).toContain(`History: ${history}`);
    expect(text).toContain("No runs recorded yet");
    const plans = text.slice(text.indexOf("Plans:"));
    expect(plans.trim().split("\n")).toHaveLength(1 + 1 + 2);
    expect(plans).toContain(join(dir, "plan-a"));
    expect(plans).toContain(join(dir, "plan-b"));

    const json = captureIo();
    expect(await main(["history", "--json", "--last", "1"], { io: json, env, cwd: project })).toBe(
      0,
    );
    const listed = JSON.parse(json.stdout()) as { plans: { out: string; candidates: number }[] };
    expect(listed.plans.map((p) => p.out)).toEqual([join(dir, "plan-b")]);
    expect(listed.plans[0]!.candidates).toBe(4);
  });
});
