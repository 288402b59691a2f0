/**
 * Run history in an embedded DuckDB database: every run, gate result and plan, so scheduled
 * runs can be listed, trended, used as a baseline and exported as Parquet.
 *
 * Where the database is (written down once, tested): `--history PATH` flag > `CAPLAB_HISTORY`
 * environment variable > `.caplab/history.duckdb` in the working directory
 * ({@link resolveHistoryPath}).
 *
 * Tables (times are ISO 8601 UTC strings, latencies ms, rates percent):
 *   runs                one row per run bundle: figures, capacity, cost
 *   run_seconds         per-second requests, failures and p95 of each run (the gate's Mann-Whitney input)
 *   run_latency_sample  up to 5000 request latencies per run, thinned by rank (the bootstrap's input)
 *   gates               one row per `caplab gate`: verdict, failed checks, every check as JSON
 *   plans               one row per `caplab plan`: the pick, its monthly cost, candidates swept
 */
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import type { GateResult, GateRun } from "../analysis/gate.js";
import { capacityFigures, type RunData } from "../reports/spec/run-data.js";
import { taskCostPerSecond, US_EAST_1_PRICES, type PlanResult } from "../vocab/index.js";

/** The default history database, relative to the working directory. */
export const DEFAULT_HISTORY_PATH = ".caplab/history.duckdb";
/** The environment variable that points at the history database. */
export const HISTORY_ENV = "CAPLAB_HISTORY";

/** The history database's path: flag > environment > default (resolved against `cwd`). */
export function resolveHistoryPath(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string {
  const fromEnv = env[HISTORY_ENV];
  const chosen =
    flag !== undefined && flag !== ""
      ? flag
      : fromEnv !== undefined && fromEnv !== ""
        ? fromEnv
        : DEFAULT_HISTORY_PATH;
  return resolve(cwd, chosen);
}

export const HISTORY_TABLES = [
  "runs",
  "run_seconds",
  "run_latency_sample",
  "gates",
  "plans",
] as const;

const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR PRIMARY KEY, recorded_at VARCHAR, started_at VARCHAR, ended_at VARCHAR,
  scenario VARCHAR, target VARCHAR, git_commit VARCHAR, k6_exit_code INTEGER,
  requests BIGINT, failed_requests BIGINT, error_rate_percent DOUBLE, status_5xx BIGINT,
  dropped_iterations BIGINT, p50_ms DOUBLE, p95_ms DOUBLE, p99_ms DOUBLE, max_ms DOUBLE,
  thresholds_failed INTEGER, cpu_seconds_per_request DOUBLE, requests_per_task_second DOUBLE,
  task_hours DOUBLE, cost_usd DOUBLE, bundle VARCHAR);
CREATE TABLE IF NOT EXISTS run_seconds (
  run_id VARCHAR, time_ms BIGINT, requests DOUBLE, failed DOUBLE, p95_ms DOUBLE);
CREATE TABLE IF NOT EXISTS run_latency_sample (run_id VARCHAR, value_ms DOUBLE);
CREATE TABLE IF NOT EXISTS gates (
  recorded_at VARCHAR, run_id VARCHAR, baseline VARCHAR, verdict VARCHAR,
  failed_checks INTEGER, checks INTEGER, checks_json VARCHAR);
CREATE TABLE IF NOT EXISTS plans (
  recorded_at VARCHAR, trace_source VARCHAR, recommended VARCHAR, monthly_cost_usd DOUBLE,
  slo_violation_minutes DOUBLE, candidates INTEGER, meets_slo BOOLEAN, out VARCHAR);
`;

/** Opens (creating when missing) the database, runs `fn`, and closes it. */
export async function withHistory<T>(
  path: string,
  fn: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    await connection.run(SCHEMA_SQL);
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const finiteOrNull = (v: number | null | undefined): number | null =>
  v === null || v === undefined || !Number.isFinite(v) ? null : v;

/** Records a run (replacing an earlier record of the same run id). */
export async function recordRun(
  path: string,
  run: RunData,
  options: { readonly bundle?: string; readonly now?: Date } = {},
): Promise<void> {
  const capacity = capacityFigures(run);
  const task = run.server?.task ?? null;
  const cost =
    task !== null && capacity.taskHours !== null
      ? capacity.taskHours * 3600 * taskCostPerSecond(task, US_EAST_1_PRICES)
      : null;
  const id = run.meta.runId;
  await withHistory(path, async (c) => {
    await c.run("BEGIN TRANSACTION");
    for (const table of ["runs", "run_seconds", "run_latency_sample"])
      await c.run(`DELETE FROM ${table} WHERE run_id = $1`, [id]);
    const values: DuckDBValue[] = [
      id,
      (options.now ?? new Date()).toISOString(),
      run.meta.startedAt,
      run.meta.endedAt,
      run.meta.scenario,
      run.meta.target,
      run.meta.gitCommit,
      run.meta.k6ExitCode,
      run.requests,
      run.failedRequests,
      run.errorRatePercent,
      run.status5xx,
      run.droppedIterations,
      run.latency.p50Ms,
      run.latency.p95Ms,
      run.latency.p99Ms,
      run.latency.maxMs,
      run.thresholds.filter((t) => !t.ok).length,
      finiteOrNull(capacity.cpuSecondsPerRequest),
      finiteOrNull(capacity.requestsPerTaskSecond),
      finiteOrNull(capacity.taskHours),
      finiteOrNull(cost),
      options.bundle ?? null,
    ];
    await c.run(
      `INSERT INTO runs VALUES (${values.map((_, i) => `$${i + 1}`).join(", ")})`,
      values,
    );
    const seconds = await c.createAppender("run_seconds");
    for (const s of run.seconds) {
      seconds.appendVarchar(id);
      seconds.appendBigInt(BigInt(s.timeMs));
      seconds.appendDouble(s.requests);
      seconds.appendDouble(s.failed);
      if (s.p95Ms === null) seconds.appendNull();
      else seconds.appendDouble(s.p95Ms);
      seconds.endRow();
    }
    seconds.closeSync();
    const sample = await c.createAppender("run_latency_sample");
    for (const v of run.latencySample) {
      sample.appendVarchar(id);
      sample.appendDouble(v);
      sample.endRow();
    }
    sample.closeSync();
    await c.run("COMMIT");
  });
}

/** Records a gate result. */
export async function recordGate(
  path: string,
  result: GateResult,
  options: { readonly now?: Date } = {},
): Promise<void> {
  await withHistory(path, async (c) => {
    await c.run("INSERT INTO gates VALUES ($1, $2, $3, $4, $5, $6, $7)", [
      (options.now ?? new Date()).toISOString(),
      result.run,
      result.baseline,
      result.verdict,
      result.checks.filter((k) => k.verdict === "fail").length,
      result.checks.length,
      JSON.stringify(result.checks),
    ]);
  });
}

/** Records a plan: its pick (or none), the pick's monthly cost and the candidates swept. */
export async function recordPlan(
  path: string,
  result: PlanResult,
  options: { readonly out?: string; readonly now?: Date } = {},
): Promise<void> {
  const pick = result.recommended;
  await withHistory(path, async (c) => {
    await c.run("INSERT INTO plans VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", [
      (options.now ?? new Date()).toISOString(),
      result.trace.source,
      pick?.candidate.label ?? null,
      finiteOrNull(pick?.kpis.monthlyCostUsd),
      finiteOrNull(pick?.kpis.sloViolationMinutes),
      result.outcomes.length,
      pick !== null,
      options.out ?? null,
    ]);
  });
}

/** A run as the history lists it. */
export interface HistoryRun {
  readonly runId: string;
  readonly recordedAt: string;
  readonly startedAt: string | null;
  readonly scenario: string;
  readonly target: string;
  readonly gitCommit: string | null;
  readonly requests: number;
  readonly errorRatePercent: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly thresholdsFailed: number;
  readonly cpuSecondsPerRequest: number | null;
  readonly costUsd: number | null;
  /** The latest gate verdict recorded for the run, if any. */
  readonly gate: string | null;
}

const num = (v: unknown): number => (typeof v === "bigint" ? Number(v) : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * The last `last` runs (all when undefined), oldest first, optionally of one scenario.
 * Order: started_at, then recorded_at.
 */
export async function listRuns(
  path: string,
  options: { readonly last?: number; readonly scenario?: string } = {},
): Promise<HistoryRun[]> {
  return withHistory(path, async (c) => {
    const where = options.scenario !== undefined ? "WHERE r.scenario = $1" : "";
    const params: DuckDBValue[] = options.scenario !== undefined ? [options.scenario] : [];
    const limit =
      options.last !== undefined ? `LIMIT ${Math.max(0, Math.floor(options.last))}` : "";
    const reader = await c.runAndReadAll(
      `SELECT * FROM (
         SELECT r.*, (SELECT g.verdict FROM gates g WHERE g.run_id = r.run_id
                      ORDER BY g.recorded_at DESC LIMIT 1) AS gate
         FROM runs r ${where}
         ORDER BY coalesce(r.started_at, r.recorded_at) DESC, r.recorded_at DESC ${limit}
       ) ORDER BY coalesce(started_at, recorded_at), recorded_at`,
      params,
    );
    return reader.getRowObjectsJS().map((r) => ({
      runId: String(r.run_id),
      recordedAt: String(r.recorded_at),
      startedAt: strOrNull(r.started_at),
      scenario: String(r.scenario),
      target: String(r.target),
      gitCommit: strOrNull(r.git_commit),
      requests: num(r.requests),
      errorRatePercent: num(r.error_rate_percent),
      p50Ms: num(r.p50_ms),
      p95Ms: num(r.p95_ms),
      p99Ms: num(r.p99_ms),
      thresholdsFailed: num(r.thresholds_failed),
      cpuSecondsPerRequest: numOrNull(r.cpu_seconds_per_request),
      costUsd: numOrNull(r.cost_usd),
      gate: strOrNull(r.gate),
    }));
  });
}

/**
 * The last `n` recorded runs of `scenario` other than `excludeRunId`, rebuilt as GateRuns
 * from their per-second rows and latency samples (oldest first). Fewer when history is short.
 */
export async function baselineRunsFromHistory(
  path: string,
  options: { readonly n: number; readonly scenario: string; readonly excludeRunId: string },
): Promise<GateRun[]> {
  const runs = (await listRuns(path, { scenario: options.scenario }))
    .filter((r) => r.runId !== options.excludeRunId)
    .slice(-options.n);
  if (runs.length === 0) return [];
  return withHistory(path, async (c) => {
    const out: GateRun[] = [];
    for (const r of runs) {
      const row = (
        await c.runAndReadAll("SELECT * FROM runs WHERE run_id = $1", [r.runId])
      ).getRowObjectsJS()[0];
      const seconds = (
        await c.runAndReadAll(
          "SELECT p95_ms FROM run_seconds WHERE run_id = $1 AND p95_ms IS NOT NULL ORDER BY time_ms",
          [r.runId],
        )
      ).getRowObjectsJS();
      const sample = (
        await c.runAndReadAll(
          "SELECT value_ms FROM run_latency_sample WHERE run_id = $1 ORDER BY value_ms",
          [r.runId],
        )
      ).getRowObjectsJS();
      out.push({
        label: r.runId,
        requests: num(row?.requests),
        failedRequests: num(row?.failed_requests),
        status5xx: num(row?.status_5xx),
        latencyP95Ms: r.p95Ms,
        latencyP99Ms: r.p99Ms,
        latencySample: sample.map((s) => num(s.value_ms)),
        secondP95Ms: seconds.map((s) => num(s.p95_ms)),
        thresholds: [],
        slo: null,
        server: null,
        cpuSecondsPerRequest: numOrNull(row?.cpu_seconds_per_request),
        requestsPerTaskSecond: numOrNull(row?.requests_per_task_second),
      });
    }
    return out;
  });
}

/** Writes every history table as DIR/<table>.parquet; returns the files. */
export async function exportHistoryParquet(path: string, dir: string): Promise<string[]> {
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  return withHistory(path, async (c) => {
    const files: string[] = [];
    for (const table of HISTORY_TABLES) {
      const file = join(out, `${table}.parquet`);
      await c.run(`COPY ${table} TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`);
      files.push(file);
    }
    return files;
  });
}
