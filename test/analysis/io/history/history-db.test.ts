import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateGate } from "../../../../analysis/gate.js";
import {
  baselineRunsFromHistory,
  DEFAULT_HISTORY_PATH,
  exportHistoryParquet,
  HISTORY_TABLES,
  listRuns,
  HISTORY_LOCK_TIMEOUT_SECONDS,
  projectRoot,
  PROJECT_ROOT_MARKERS,
  historyLockTimeoutMs,
  recordGate,
  recordGatedRun,
  recordRun,
  resolveHistoryPath,
} from "../../../../analysis/io/history/history-db.js";
import { UsageError } from "../../../../sim/vocab/errors.js";
import { gateRunOf } from "../../../../reports/run-data.js";
import { runDataOf } from "../../../fixtures/runs/run-data.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-history-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("resolveHistoryPath", () => {
  it("takes the flag over the environment over the project's default", async () => {
    const project = join(dir, "precedence");
    const cwd = join(project, "sub");
    await mkdir(cwd, { recursive: true });
    await writeFile(join(project, "package.json"), "{}\n");
    const env = { CAPLAB_HISTORY: "env/h.duckdb" };
    expect(resolveHistoryPath("flag/h.duckdb", env, cwd)).toBe(join(cwd, "flag/h.duckdb"));
    expect(resolveHistoryPath(undefined, env, cwd)).toBe(join(cwd, "env/h.duckdb"));
    expect(resolveHistoryPath(undefined, {}, cwd)).toBe(join(project, DEFAULT_HISTORY_PATH));
    expect(resolveHistoryPath("", { CAPLAB_HISTORY: "" }, cwd)).toBe(
      join(project, ".caplab/history.duckdb"),
    );
    expect(resolveHistoryPath("/abs.duckdb", env, cwd)).toBe("/abs.duckdb");
  });

  it("finds one history per project: the nearest folder above with .caplab/, package.json or .git", async () => {
    const root = join(dir, "projects");
    const deep = join(root, "app", "services", "api", "load");
    await mkdir(deep, { recursive: true });
    // A git checkout holding an npm package in a subfolder: the package is the project.
    await mkdir(join(root, "app", ".git"));
    await writeFile(join(root, "app", "services", "package.json"), "{}\n");
    expect(projectRoot(deep)).toBe(join(root, "app", "services"));
    expect(projectRoot(join(root, "app"))).toBe(join(root, "app"));
    // A history made by an earlier caplab marks its folder, nearer than package.json.
    await mkdir(join(root, "app", "services", "api", ".caplab"));
    expect(projectRoot(deep)).toBe(join(root, "app", "services", "api"));
    expect(resolveHistoryPath(undefined, {}, deep)).toBe(
      join(root, "app", "services", "api", ".caplab", "history.duckdb"),
    );
    expect(PROJECT_ROOT_MARKERS).toEqual([".caplab", "package.json", ".git"]);
  });

  it("uses the working directory when no folder above is a project", async () => {
    const lone = await mkdtemp(join(tmpdir(), "caplab-no-project-"));
    const ancestors: string[] = [];
    for (let d = lone; dirname(d) !== d; d = dirname(d)) ancestors.push(d);
    const inProject = ancestors.some((d) =>
      PROJECT_ROOT_MARKERS.some((m) => existsSync(join(d, m))),
    );
    if (!inProject) expect(projectRoot(lone)).toBe(lone);
    expect(resolveHistoryPath(undefined, {}, lone)).toBe(
      join(projectRoot(lone), DEFAULT_HISTORY_PATH),
    );
    await rm(lone, { recursive: true, force: true });
  });
});

describe("history round trip", () => {
  it("records runs and a gate, lists them, rebuilds baselines, exports Parquet and reads it back", async () => {
    const db = join(dir, "h", "history.duckdb");
    const runs = [1, 2, 3].map((i) =>
      runDataOf({
        seed: i,
        seconds: 20,
        runId: `run-${i}`,
        startMs: Date.UTC(2026, 2, i, 6),
      }),
    );
    for (const r of runs) await recordRun(db, r, { now: new Date(Date.UTC(2026, 2, 10)) });
    await recordRun(db, runs[2]!, { now: new Date(Date.UTC(2026, 2, 11)) }); // re-record replaces
    const gate = evaluateGate(gateRunOf(runs[2]!), gateRunOf(runs[0]!));
    await recordGate(db, gate, { now: new Date(Date.UTC(2026, 2, 11)) });

    const listed = await listRuns(db);
    expect(listed.map((r) => r.runId)).toEqual(["run-1", "run-2", "run-3"]);
    expect(listed[2]?.p95Ms).toBeCloseTo(runs[2]!.latency.p95Ms, 9);
    expect(listed[2]?.gate).toBe(gate.verdict);
    expect((await listRuns(db, { last: 2 })).map((r) => r.runId)).toEqual(["run-2", "run-3"]);

    const baselines = await baselineRunsFromHistory(db, {
      n: 5,
      scenario: "constant",
      excludeRunId: "run-3",
    });
    expect(baselines.map((b) => b.label)).toEqual(["run-1", "run-2"]);
    expect(baselines[0]?.latencySample).toEqual([...runs[0]!.latencySample]);
    expect(baselines[0]?.secondP95Ms).toEqual(gateRunOf(runs[0]!).secondP95Ms);

    const files = await exportHistoryParquet(db, join(dir, "parquet"));
    expect(files.map((f) => f.replace(/^.*\//, ""))).toEqual(
      HISTORY_TABLES.map((t) => `${t}.parquet`),
    );

    const instance = await DuckDBInstance.create(":memory:");
    const c = await instance.connect();
    try {
      const read = async (sql: string) => (await c.runAndReadAll(sql)).getRowObjectsJS();
      const fromParquet = await read(
        `SELECT run_id, p95_ms, requests FROM read_parquet('${join(dir, "parquet", "runs.parquet")}') ORDER BY run_id`,
      );
      expect(fromParquet.map((r) => [r.run_id, r.p95_ms, Number(r.requests)])).toEqual(
        runs.map((r) => [r.meta.runId, r.latency.p95Ms, r.requests]),
      );
      const sample = await read(
        `SELECT count(*) AS n FROM read_parquet('${join(dir, "parquet", "run_latency_sample.parquet")}')`,
      );
      expect(Number(sample[0]?.n)).toBe(runs.reduce((s, r) => s + r.latencySample.length, 0));
      const gates = await read(
        `SELECT verdict, checks_json FROM read_parquet('${join(dir, "parquet", "gates.parquet")}')`,
      );
      expect(gates[0]?.verdict).toBe(gate.verdict);
      expect(JSON.parse(String(gates[0]?.checks_json))).toEqual(
        JSON.parse(JSON.stringify(gate.checks)),
      );
    } finally {
      c.closeSync();
      instance.closeSync();
    }
  });
});

describe("taking turns", () => {
  it("records eight runs and verdicts started at once in one process, losing none", async () => {
    const db = join(dir, "turns", "history.duckdb");
    const runs = Array.from({ length: 8 }, (_, i) =>
      runDataOf({ seed: 40 + i, seconds: 10, runId: `turn-${i}` }),
    );
    await Promise.all(runs.map((r) => recordGatedRun(db, r, evaluateGate(gateRunOf(r), null))));
    const listed = await listRuns(db);
    expect(listed.map((r) => r.runId).sort()).toEqual(runs.map((r) => r.meta.runId).sort());
    expect(listed.every((r) => r.gate !== null)).toBe(true);
  });

  it("a recording that fails midway leaves nothing of itself behind", async () => {
    const db = join(dir, "atomic", "history.duckdb");
    const run = runDataOf({ seed: 50, seconds: 10, runId: "half" });
    const broken = { ...evaluateGate(gateRunOf(run), null), checks: undefined } as never;
    await expect(recordGatedRun(db, run, broken)).rejects.toThrow();
    expect(await listRuns(db)).toEqual([]);
  });

  it("takes the lock timeout from CAPLAB_HISTORY_LOCK_TIMEOUT, in seconds, and refuses nonsense", () => {
    expect(historyLockTimeoutMs({})).toBe(HISTORY_LOCK_TIMEOUT_SECONDS * 1000);
    expect(historyLockTimeoutMs({ CAPLAB_HISTORY_LOCK_TIMEOUT: "2.5" })).toBe(2500);
    expect(historyLockTimeoutMs({ CAPLAB_HISTORY_LOCK_TIMEOUT: "0" })).toBe(0);
    for (const bad of ["soon", "-1", "Infinity"])
      expect(() => historyLockTimeoutMs({ CAPLAB_HISTORY_LOCK_TIMEOUT: bad })).toThrow(UsageError);
  });
});
