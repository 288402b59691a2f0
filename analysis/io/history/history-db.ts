/**
 * Run history in an embedded DuckDB database: every run, gate result and plan, so scheduled
 * runs can be listed, trended, used as a baseline and exported as Parquet.
 *
 * Where the database is (written down once, tested): `--history PATH` flag > `CAPLAB_HISTORY`
 * environment variable > `.caplab/history.duckdb` in the project's root folder, the nearest
 * folder at or above the working directory that holds `.caplab/`, `package.json` or `.git`
 * (else the working directory), so the plans, runs and gates of one project share one history
 * from whichever of its folders they are started ({@link resolveHistoryPath}).
 *
 * Tables (times are ISO 8601 UTC strings, latencies ms, rates percent):
 *   runs                one row per run bundle: figures, capacity, cost
 *   run_seconds         per-second requests, failures and p95 of each run (the gate's Mann-Whitney input)
 *   run_latency_sample  up to 5000 request latencies per run, thinned by rank (the bootstrap's input)
 *   gates               one row per `caplab gate`: verdict, failed checks, every check as JSON
 *   plans               one row per `caplab plan`: the pick, its monthly cost, candidates swept
 *
 * Concurrency: DuckDB lets one process at a time open a database file for writing, and refuses
 * the others with "Could not set lock on file" (https://duckdb.org/docs/stable/connect/concurrency).
 * Many gates and plans of a CI fleet may share one history, so {@link withHistory} takes turns:
 * within a process, one open at a time per file; across processes, a refused open is tried
 * again after an exponential backoff with jitter, for at most the lock timeout
 * ({@link HISTORY_LOCK_TIMEOUT_SECONDS}, `CAPLAB_HISTORY_LOCK_TIMEOUT`). DuckDB's lock is the
 * operating system's file lock, so it goes with the process that held it: a killed process
 * leaves no stale lock. Each recording is one transaction (a gate's run and its verdict
 * together), so a reader never sees half of one. A database that cannot be used (still locked
 * after the timeout, a folder, not DuckDB, truncated, not writable) is a {@link HistoryError}:
 * one sentence that names the path, and exit code 74.
 */
import { existsSync } from "node:fs";
import { setTimeout as sleepFor } from "node:timers/promises";
import { mkdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import type { GateResult, GateRun, RunFigure } from "../../gate.js";
import type { HistoryPlan, HistoryRun } from "../../history.js";
import { HistoryError, UsageError } from "../../../sim/vocab/errors.js";
import { specialFileKind } from "../files/bundle-files.js";
import { capacityFigures, type RunData } from "../../../reports/run-data.js";
import {
  HISTORY_DEFAULTS,
  taskCostPerSecond,
  US_EAST_1_PRICES,
  type PlanResult,
} from "../../../sim/vocab/index.js";

/** The default history database, relative to the project's root ({@link projectRoot}; HISTORY_DEFAULTS). */
export const DEFAULT_HISTORY_PATH = HISTORY_DEFAULTS.path;
/** The environment variable that points at the history database. */
export const HISTORY_ENV = "CAPLAB_HISTORY";
/** What marks a project's root folder, nearest first wins: caplab's own folder, npm's, git's. */
export const PROJECT_ROOT_MARKERS = [".caplab", "package.json", ".git"] as const;

/**
 * The root folder of the project `cwd` is in: the nearest folder at or above `cwd` that holds
 * one of {@link PROJECT_ROOT_MARKERS}; `cwd` itself when none does.
 */
export function projectRoot(cwd: string): string {
  const start = resolve(cwd);
  for (let dir = start; ; dir = dirname(dir)) {
    if (PROJECT_ROOT_MARKERS.some((m) => existsSync(join(dir, m)))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/**
 * The history database's path: the flag, else the environment variable (both resolved against
 * `cwd`), else {@link DEFAULT_HISTORY_PATH} in the project's root folder.
 */
export function resolveHistoryPath(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string {
  if (flag !== undefined && flag !== "") return resolve(cwd, flag);
  const fromEnv = env[HISTORY_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return resolve(cwd, fromEnv);
  return join(projectRoot(cwd), DEFAULT_HISTORY_PATH);
}

export type { HistoryPlan, HistoryRun };

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

/**
 * How long a command waits for other processes to finish with the history before it gives up,
 * seconds (HISTORY_DEFAULTS, sim/vocab/defaults.ts, says why). @default 60
 */
export const HISTORY_LOCK_TIMEOUT_SECONDS = HISTORY_DEFAULTS.lockTimeoutSeconds;
/** The environment variable that sets the lock timeout, seconds. */
export const HISTORY_LOCK_TIMEOUT_ENV = "CAPLAB_HISTORY_LOCK_TIMEOUT";

/**
 * The backoff between attempts to open a locked history: attempt n waits a uniform random time
 * in [cap/2, cap) with cap = min(maxMs, baseMs × 2ⁿ) ("equal jitter", AWS Architecture Blog,
 * "Exponential Backoff And Jitter": https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/),
 * so processes that collided spread out instead of colliding again.
 */
export const HISTORY_LOCK_BACKOFF = { baseMs: 10, maxMs: 500 } as const;

/** How the history is opened; the defaults suit commands, tests shorten the timeout. */
export interface HistoryAccess {
  /** Give up on a locked history after this long, ms. @default HISTORY_LOCK_TIMEOUT_SECONDS × 1000 */
  readonly lockTimeoutMs?: number;
  /** Waits `ms`. @default node:timers/promises setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform [0, 1) source for the jitter. @default Math.random */
  readonly random?: () => number;
  /** The clock for the timeout, ms. @default Date.now */
  readonly clock?: () => number;
}

/**
 * The lock timeout from the environment (`CAPLAB_HISTORY_LOCK_TIMEOUT`, seconds, 0 or more),
 * else {@link HISTORY_LOCK_TIMEOUT_SECONDS}, in ms.
 *
 * @throws UsageError when the variable is set to something that is not a number of seconds.
 */
export function historyLockTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const text = env[HISTORY_LOCK_TIMEOUT_ENV];
  if (text === undefined || text.trim() === "") return HISTORY_LOCK_TIMEOUT_SECONDS * 1000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new UsageError(
      `${HISTORY_LOCK_TIMEOUT_ENV}=${text} is not a number of seconds; set it to, say, ${HISTORY_LOCK_TIMEOUT_SECONDS}, or unset it.`,
      "bad-env",
    );
  return seconds * 1000;
}

/** Opens of one file in this process, one after another (DuckDB's file lock is per process). */
const turns = new Map<string, Promise<unknown>>();

/** DuckDB's refusal when another process holds the file (its message, as of DuckDB 1.x). */
const LOCK_CONFLICT = /Could not set lock on file/i;

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error))
    .split("\n")[0]!
    .replace(/^IO Error: /, "")
    .trim();

const ELSEWHERE = "point --history (or CAPLAB_HISTORY) at another file";

/** A DuckDB or file-system failure to open `path`, in one sentence that says what to do. */
function cannotOpen(path: string, error: unknown): HistoryError {
  const code = (error as { code?: string } | null)?.code ?? "";
  const reason = firstLine(error);
  if (
    ["EACCES", "EPERM", "EROFS", "ENOTDIR", "EEXIST"].includes(code) ||
    /Permission denied|Read-only file system|Cannot open (database|file)/i.test(reason)
  )
    return new HistoryError(
      `cannot write the history ${path} (${reason}); make it writable or ${ELSEWHERE}.`,
      "unwritable",
      path,
      { cause: error },
    );
  return new HistoryError(
    `the history ${path} is not a DuckDB database caplab can read (${reason}); move it aside (caplab then starts a new one) or ${ELSEWHERE}.`,
    "not-a-database",
    path,
    { cause: error },
  );
}

/** The DuckDB instance of `path`, waiting its turn while other processes hold the file. */
async function openInstance(path: string, access: HistoryAccess): Promise<DuckDBInstance> {
  const timeoutMs = access.lockTimeoutMs ?? HISTORY_LOCK_TIMEOUT_SECONDS * 1000;
  const sleep = access.sleep ?? ((ms: number) => sleepFor(ms));
  const random = access.random ?? Math.random;
  const now = access.clock ?? Date.now;
  const deadline = now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await DuckDBInstance.create(path);
    } catch (error) {
      if (!LOCK_CONFLICT.test(firstLine(error))) throw cannotOpen(path, error);
      const cap = Math.min(HISTORY_LOCK_BACKOFF.maxMs, HISTORY_LOCK_BACKOFF.baseMs * 2 ** attempt);
      const wait = cap / 2 + random() * (cap / 2);
      if (now() + wait > deadline) {
        const holder = /\(PID (\d+)\)/.exec(firstLine(error))?.[1];
        throw new HistoryError(
          `the history ${path} stayed locked by another process${holder ? ` (PID ${holder})` : ""} for ${Number((timeoutMs / 1000).toFixed(1))} s; run the command again when that one is done, raise ${HISTORY_LOCK_TIMEOUT_ENV} (seconds), or point --history (or CAPLAB_HISTORY) at another file.`,
          "locked",
          path,
          { cause: error },
        );
      }
      await sleep(wait);
    }
  }
}

/**
 * DuckDB errors that mean the file itself is bad (read or write failures, a damaged block),
 * as opposed to a mistake in caplab's SQL (which stays a bug, with its stack).
 */
const STORAGE_ERROR = /^(IO Error|Serialization Error|Corruption|FATAL Error|INTERNAL Error)/i;

/**
 * Opens (creating when missing) the database, runs `fn`, and closes it, taking turns with
 * other commands in this process and in other processes (see the module comment).
 *
 * @throws HistoryError when the database cannot be used: locked past the timeout, a folder,
 *   not DuckDB, truncated or damaged, or not writable.
 */
export async function withHistory<T>(
  path: string,
  fn: (connection: DuckDBConnection) => Promise<T>,
  access: HistoryAccess = {},
): Promise<T> {
  const key = resolve(path);
  const previous = turns.get(key) ?? Promise.resolve();
  const mine = previous.then(
    () => useHistory(key, fn, access),
    () => useHistory(key, fn, access),
  );
  const settled = mine.then(
    () => undefined,
    () => undefined,
  );
  turns.set(key, settled);
  try {
    return await mine;
  } finally {
    if (turns.get(key) === settled) turns.delete(key);
  }
}

async function useHistory<T>(
  path: string,
  fn: (connection: DuckDBConnection) => Promise<T>,
  access: HistoryAccess,
): Promise<T> {
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory())
    throw new HistoryError(
      `the history ${path} is a folder, not a database file; point --history (or CAPLAB_HISTORY) at a file, such as ${join(path, "history.duckdb")}.`,
      "folder",
      path,
    );
  // DuckDB would open a FIFO and wait for a writer forever, or read a device without end.
  const special = existing === null ? null : specialFileKind(existing);
  if (special !== null)
    throw new HistoryError(
      `the history ${path} is ${special}, not a database file; point --history (or CAPLAB_HISTORY) at a file, such as .caplab/history.duckdb.`,
      "not-a-database",
      path,
    );
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw cannotOpen(path, error);
  }
  const instance = await openInstance(path, access);
  let connection: DuckDBConnection | undefined;
  try {
    connection = await instance.connect();
    try {
      await connection.run(SCHEMA_SQL);
    } catch (error) {
      throw cannotOpen(path, error);
    }
    try {
      return await fn(connection);
    } catch (error) {
      if (!(error instanceof HistoryError) && STORAGE_ERROR.test(firstLine(error)))
        throw cannotOpen(path, error);
      throw error;
    }
  } finally {
    connection?.closeSync();
    instance.closeSync();
  }
}

/** Runs `fn` in one transaction: all of it is recorded, or none of it. */
async function inTransaction(c: DuckDBConnection, fn: () => Promise<void>): Promise<void> {
  await c.run("BEGIN TRANSACTION");
  try {
    await fn();
  } catch (error) {
    await c.run("ROLLBACK").catch(() => undefined);
    throw error;
  }
  await c.run("COMMIT");
}

const finiteOrNull = (v: number | null | undefined): number | null =>
  v === null || v === undefined || !Number.isFinite(v) ? null : v;

/** Inserts a run, replacing an earlier record of the same run id (inside a transaction). */
async function insertRun(
  c: DuckDBConnection,
  run: RunData,
  options: { readonly bundle?: string; readonly now?: Date },
): Promise<void> {
  const capacity = capacityFigures(run);
  const task = run.server?.task ?? null;
  const cost =
    task !== null && capacity.taskHours !== null
      ? capacity.taskHours * 3600 * taskCostPerSecond(task, US_EAST_1_PRICES)
      : null;
  const id = run.meta.runId;
  // A figure the run's files do not give (a k6 summary alone) is NULL, not 0.
  const measured = (v: number, figure: RunFigure): number | null =>
    run.unmeasured[figure] === undefined ? v : null;
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
    measured(run.failedRequests, "failed"),
    measured(run.errorRatePercent, "failed"),
    measured(run.status5xx, "5xx"),
    run.droppedIterations,
    measured(run.latency.p50Ms, "p50"),
    measured(run.latency.p95Ms, "p95"),
    measured(run.latency.p99Ms, "p99"),
    measured(run.latency.maxMs, "max"),
    run.thresholds.filter((t) => !t.ok).length,
    finiteOrNull(capacity.cpuSecondsPerRequest),
    finiteOrNull(capacity.requestsPerTaskSecond),
    finiteOrNull(capacity.taskHours),
    finiteOrNull(cost),
    options.bundle ?? null,
  ];
  await c.run(`INSERT INTO runs VALUES (${values.map((_, i) => `$${i + 1}`).join(", ")})`, values);
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
}

async function insertGate(c: DuckDBConnection, result: GateResult, now: Date): Promise<void> {
  await c.run("INSERT INTO gates VALUES ($1, $2, $3, $4, $5, $6, $7)", [
    now.toISOString(),
    result.run,
    result.baseline,
    result.verdict,
    result.checks.filter((k) => k.verdict === "fail").length,
    result.checks.length,
    JSON.stringify(result.checks),
  ]);
}

/** Records a run (replacing an earlier record of the same run id), in one transaction. */
export async function recordRun(
  path: string,
  run: RunData,
  options: { readonly bundle?: string; readonly now?: Date } & HistoryAccess = {},
): Promise<void> {
  await withHistory(path, (c) => inTransaction(c, () => insertRun(c, run, options)), options);
}

/** Records a gate result. */
export async function recordGate(
  path: string,
  result: GateResult,
  options: { readonly now?: Date } & HistoryAccess = {},
): Promise<void> {
  await withHistory(
    path,
    (c) => inTransaction(c, () => insertGate(c, result, options.now ?? new Date())),
    options,
  );
}

/**
 * Records a gated run and its verdict in one transaction: both are in the history, or
 * neither is (what `caplab gate` does).
 */
export async function recordGatedRun(
  path: string,
  run: RunData,
  result: GateResult,
  options: { readonly bundle?: string; readonly now?: Date } & HistoryAccess = {},
): Promise<void> {
  const now = options.now ?? new Date();
  await withHistory(
    path,
    (c) =>
      inTransaction(c, async () => {
        await insertRun(c, run, { ...options, now });
        await insertGate(c, result, now);
      }),
    options,
  );
}

/** Records a plan: its pick (or none), the pick's monthly cost and the candidates swept. */
export async function recordPlan(
  path: string,
  result: PlanResult,
  options: { readonly out?: string; readonly now?: Date } & HistoryAccess = {},
): Promise<void> {
  const pick = result.recommended;
  await withHistory(
    path,
    (c) =>
      inTransaction(c, async () => {
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
      }),
    options,
  );
}

const num = (v: unknown): number => (typeof v === "bigint" ? Number(v) : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** The last `last` runs (all when undefined) of one scenario (all when undefined), oldest first. */
async function queryRuns(
  c: DuckDBConnection,
  options: { readonly last?: number; readonly scenario?: string },
): Promise<HistoryRun[]> {
  const where = options.scenario !== undefined ? "WHERE r.scenario = $1" : "";
  const params: DuckDBValue[] = options.scenario !== undefined ? [options.scenario] : [];
  const limit = options.last !== undefined ? `LIMIT ${Math.max(0, Math.floor(options.last))}` : "";
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
    errorRatePercent: numOrNull(r.error_rate_percent),
    p50Ms: numOrNull(r.p50_ms),
    p95Ms: numOrNull(r.p95_ms),
    p99Ms: numOrNull(r.p99_ms),
    thresholdsFailed: num(r.thresholds_failed),
    cpuSecondsPerRequest: numOrNull(r.cpu_seconds_per_request),
    costUsd: numOrNull(r.cost_usd),
    gate: strOrNull(r.gate),
  }));
}

/**
 * True when nothing is at `path` yet and its folder could hold it (missing folders included);
 * false when something is there, or the path cannot be a file (a file where a folder should
 * be: opening it then fails in one sentence).
 */
async function noHistoryYet(path: string): Promise<boolean> {
  try {
    await stat(path);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/** The last `last` plans (all when undefined), oldest first; none when there is no history yet. */
export async function listPlans(
  path: string,
  options: { readonly last?: number } & HistoryAccess = {},
): Promise<HistoryPlan[]> {
  // Reading makes no database: an empty .caplab/ would mark the folder as a project's root.
  if (await noHistoryYet(path)) return [];
  const limit = options.last !== undefined ? `LIMIT ${Math.max(0, Math.floor(options.last))}` : "";
  return withHistory(
    path,
    async (c) => {
      const reader = await c.runAndReadAll(
        `SELECT * FROM (SELECT * FROM plans ORDER BY recorded_at DESC ${limit}) ORDER BY recorded_at`,
      );
      return reader.getRowObjectsJS().map((r) => ({
        recordedAt: String(r.recorded_at),
        traceSource: String(r.trace_source),
        recommended: strOrNull(r.recommended),
        monthlyCostUsd: numOrNull(r.monthly_cost_usd),
        sloViolationMinutes: numOrNull(r.slo_violation_minutes),
        candidates: num(r.candidates),
        meetsSlo: r.meets_slo === true,
        out: strOrNull(r.out),
      }));
    },
    options,
  );
}

/**
 * The last `last` runs (all when undefined), oldest first, optionally of one scenario; none
 * when there is no history yet. Order: started_at, then recorded_at.
 */
export async function listRuns(
  path: string,
  options: { readonly last?: number; readonly scenario?: string } & HistoryAccess = {},
): Promise<HistoryRun[]> {
  // Reading makes no database: an empty .caplab/ would mark the folder as a project's root.
  if (await noHistoryYet(path)) return [];
  return withHistory(path, (c) => queryRuns(c, options), options);
}

/**
 * The last `n` recorded runs of `scenario` other than `excludeRunId`, rebuilt as GateRuns
 * from their per-second rows and latency samples (oldest first). Fewer when history is short.
 */
export async function baselineRunsFromHistory(
  path: string,
  options: {
    readonly n: number;
    readonly scenario: string;
    readonly excludeRunId: string;
  } & HistoryAccess,
): Promise<GateRun[]> {
  return withHistory(
    path,
    async (c) => {
      const runs = (await queryRuns(c, { scenario: options.scenario }))
        .filter((r) => r.runId !== options.excludeRunId)
        .slice(-options.n);
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
        const unmeasured: Partial<Record<RunFigure, string>> = {};
        const recorded = (v: number | null, figure: RunFigure, what: string): number => {
          if (v !== null) return v;
          unmeasured[figure] =
            `the history has no ${what} for it (recorded from a k6 summary alone)`;
          return 0;
        };
        out.push({
          label: r.runId,
          requests: num(row?.requests),
          failedRequests: recorded(numOrNull(row?.failed_requests), "failed", "failed requests"),
          status5xx: recorded(numOrNull(row?.status_5xx), "5xx", "5xx count"),
          latencyP95Ms: recorded(r.p95Ms, "p95", "p95"),
          latencyP99Ms: recorded(r.p99Ms, "p99", "p99"),
          latencySample: sample.map((s) => num(s.value_ms)),
          secondP95Ms: seconds.map((s) => num(s.p95_ms)),
          thresholds: [],
          slo: null,
          server: null,
          cpuSecondsPerRequest: numOrNull(row?.cpu_seconds_per_request),
          requestsPerTaskSecond: numOrNull(row?.requests_per_task_second),
          unmeasured,
        });
      }
      return out;
    },
    options,
  );
}

/** Writes every history table as DIR/<table>.parquet; returns the files. */
export async function exportHistoryParquet(
  path: string,
  dir: string,
  access: HistoryAccess = {},
): Promise<string[]> {
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  return withHistory(
    path,
    async (c) => {
      const files: string[] = [];
      for (const table of HISTORY_TABLES) {
        const file = join(out, `${table}.parquet`);
        await c.run(`COPY ${table} TO '${file.replace(/'/g, "''")}' (FORMAT parquet)`);
        files.push(file);
      }
      return files;
    },
    access,
  );
}
