/**
 * Reads the output folder of `caplab simulate` back, for `caplab report`:
 *
 *   timeline.csv (one row per step, `time` + TIMELINE_COLUMNS) ─┐
 *   events.json (ScalingEvent[])                                ├─▶ SimulateOutput
 *   summary.json (Kpis, trace, and the task, scaling and SLO) ──┘
 *
 * summary.json's `coverage` (how much trace the run rests on) is checked against
 * {@link CoverageSchema}; a folder written before it existed reads with a null coverage.
 *
 * Every file is read through bundle-files.ts (confined to the folder, regular files, bounded);
 * the CSV as a stream with csv-parse's record cap. A folder written before summary.json held
 * the task, scaling and SLO still reads: those are null, and the report says what it leaves
 * out.
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { CsvError, parse } from "csv-parse";
import { z } from "zod";
import {
  GuardrailsSchema,
  ScalingSchema,
  SloSchema,
  TaskSizeSchema,
  TIMELINE_COLUMNS,
  type Kpis,
  type SimulateOutput,
  type TraceCoverage,
  type ScalingEvent,
  type ScalingEventKind,
  type Timeline,
  type TimelineColumn,
} from "../../../sim/vocab/index.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import {
  BundleContentError,
  bundleFile,
  openBundle,
  readBundleJson,
  type BundleRoot,
} from "./bundle-files.js";
import { csvErrorReason, MAX_CSV_RECORD_CHARS } from "./csv.js";
import { excerpt } from "./excerpt.js";
import { MAX_TRACE_STEPS } from "../../trace.js";

/** The files `caplab simulate` writes. */
export const SIMULATE_FILES = {
  timeline: "timeline.csv",
  events: "events.json",
  summary: "summary.json",
} as const;

/** Every kind of event `caplab simulate` writes: the compiler holds this to ScalingEvent's kinds. */
const EVENT_KINDS: Readonly<Record<ScalingEventKind, true>> = {
  "scale-out": true,
  "scale-in": true,
  "blocked-by-cooldown": true,
  "scale-in-withheld": true,
  "insufficient-data": true,
  "scheduled-action": true,
  "oom-kill": true,
  "target-unhealthy": true,
  "target-healthy": true,
  "unhealthy-task-replaced": true,
  "deployment-started": true,
  "tasks-replaced": true,
  "scale-in-suspended": true,
  "deployment-stuck": true,
  rollback: true,
  "deployment-completed": true,
};

const hours = z.number().min(0);
/** summary.json's `coverage`: a TraceCoverage (sim/vocab/plan.ts) as analysis/trace-coverage.ts makes it. */
const CoverageSchema = z.object({
  steps: z.number().int().min(0),
  stepSeconds: z.number().positive(),
  coveredHours: hours,
  spanHours: hours,
  coveragePercent: z.number().min(0).max(100),
  activePercent: z.number().min(0).max(100),
  longGaps: z.array(z.object({ fromMs: z.number(), toMs: z.number() })),
  longGapPercent: z.number().min(0).max(100),
  guardrails: GuardrailsSchema,
  short: z.boolean(),
  belowPattern: z.boolean(),
  allowedShort: z.boolean(),
  notes: z.array(z.string()),
  busiestHour: z
    .object({
      fromMs: z.number(),
      toMs: z.number(),
      requests: z.number(),
      leadHours: hours,
      tailHours: hours,
    })
    .nullable()
    .optional(),
  limits: z
    .array(
      z.object({
        kind: z.enum([
          "below-pattern",
          "peak-at-start",
          "peak-at-end",
          "gap-near-peak",
          "low-coverage",
        ]),
        reason: z.string(),
      }),
    )
    .optional(),
  guardrailsFrom: z.string().optional(),
});

/** Reads timeline.csv into a Timeline (empty cells are NaN). */
async function readTimeline(root: BundleRoot, stepHint: number | null): Promise<Timeline> {
  const real = await bundleFile(root, SIMULATE_FILES.timeline, null);
  const path = join(root.dir, SIMULATE_FILES.timeline);
  const columns = Object.fromEntries(TIMELINE_COLUMNS.map((c) => [c, [] as number[]])) as Record<
    TimelineColumn,
    number[]
  >;
  const times: number[] = [];
  const input = createReadStream(real);
  const parser = input.pipe(
    parse({
      columns: true,
      skip_empty_lines: true,
      bom: true,
      info: true,
      max_record_size: MAX_CSV_RECORD_CHARS,
    }),
  );
  try {
    let checked = false;
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string | undefined>;
      info: { lines: number };
    }>) {
      if (!checked) {
        const missing = ["time", ...TIMELINE_COLUMNS].filter((c) => !(c in record));
        if (missing.length > 0)
          throw new BundleContentError(
            path,
            `it has no ${missing.slice(0, 3).join(", ")} column${missing.length === 1 ? "" : "s"}, so caplab simulate did not write it`,
          );
        checked = true;
      }
      const t = Date.parse(record.time ?? "");
      if (Number.isNaN(t))
        throw new BundleContentError(
          path,
          `${excerpt(record.time ?? "", 40)} is not a time`,
          info.lines,
        );
      if (times.length >= MAX_TRACE_STEPS)
        throw new BundleContentError(path, `it has more than ${MAX_TRACE_STEPS} rows`, info.lines);
      times.push(t);
      for (const c of TIMELINE_COLUMNS) {
        const cell = record[c] ?? "";
        const v = cell === "" ? NaN : Number(cell);
        if (cell !== "" && !Number.isFinite(v))
          throw new BundleContentError(
            path,
            `${c} ${excerpt(cell, 40)} is not a number`,
            info.lines,
          );
        columns[c].push(v);
      }
    }
  } catch (error) {
    if (error instanceof CsvError) throw new BundleContentError(path, csvErrorReason(error));
    throw error;
  } finally {
    input.destroy();
  }
  const startMs = times[0] ?? 0;
  const stepSeconds = times.length >= 2 ? (times[1]! - times[0]!) / 1000 : (stepHint ?? 60);
  const out: Record<string, unknown> = { startMs, stepSeconds, length: times.length };
  for (const c of TIMELINE_COLUMNS) out[c] = Float64Array.from(columns[c]);
  return out as unknown as Timeline;
}

/** Whether `dir` holds what `caplab simulate` writes. */
export async function isSimulateFolder(dir: string): Promise<boolean> {
  const root = await openBundle(dir);
  for (const name of Object.values(SIMULATE_FILES))
    if ((await bundleFile(root, name, null, { optional: true })) === null) return false;
  return true;
}

/**
 * Reads a simulate output folder.
 *
 * @throws UsageError (one sentence naming the file) when a file is missing, not what caplab
 *   simulate writes, or leads out of the folder.
 */
export async function readSimulateFolder(dir: string): Promise<SimulateOutput> {
  const root = await openBundle(dir);
  try {
    const summary = (await readBundleJson(root, SIMULATE_FILES.summary, null))?.json;
    if (summary === null || typeof summary !== "object" || Array.isArray(summary))
      throw new BundleContentError(join(dir, SIMULATE_FILES.summary), "it is not a JSON object");
    const s = summary as Record<string, unknown>;
    if (typeof s.sloViolationMinutes !== "number" || typeof s.monthlyCostUsd !== "number")
      throw new BundleContentError(
        join(dir, SIMULATE_FILES.summary),
        "it holds no Kpis (sloViolationMinutes, monthlyCostUsd), so caplab simulate did not write it",
      );
    const trace =
      s.trace !== null && typeof s.trace === "object"
        ? (s.trace as { source?: unknown; stepSeconds?: unknown })
        : null;
    const task = TaskSizeSchema.safeParse(s.task);
    const scaling = ScalingSchema.safeParse(s.scaling);
    const slo = SloSchema.safeParse(s.slo);
    const coverage = s.coverage === undefined ? null : CoverageSchema.safeParse(s.coverage);
    if (coverage !== null && !coverage.success)
      throw new BundleContentError(
        join(dir, SIMULATE_FILES.summary),
        `its coverage is not what caplab simulate writes (${["coverage", ...(coverage.error.issues[0]?.path ?? [])].join(".")}: ${coverage.error.issues[0]?.message ?? "invalid"})`,
      );
    const events = (await readBundleJson(root, SIMULATE_FILES.events, null))?.json;
    if (!Array.isArray(events))
      throw new BundleContentError(join(dir, SIMULATE_FILES.events), "it is not a JSON array");
    events.forEach((e: unknown, i) => {
      const ev = e as { kind?: unknown; timeMs?: unknown; step?: unknown } | null;
      if (
        ev === null ||
        typeof ev !== "object" ||
        typeof ev.kind !== "string" ||
        !Object.hasOwn(EVENT_KINDS, ev.kind) ||
        typeof ev.timeMs !== "number" ||
        typeof ev.step !== "number"
      )
        throw new BundleContentError(
          join(dir, SIMULATE_FILES.events),
          `item ${i} is not a scaling event caplab simulate writes`,
        );
    });
    const stepHint = typeof trace?.stepSeconds === "number" ? trace.stepSeconds : null;
    const timeline = await readTimeline(root, stepHint);
    return {
      dir,
      timeline,
      events: events as ScalingEvent[],
      // A folder written before Kpis had dataMinutes: its budget was over the span, as then.
      kpis: {
        ...(s as unknown as Kpis),
        dataMinutes: typeof s.dataMinutes === "number" ? s.dataMinutes : (s.minutes as number),
      },
      trace:
        trace && typeof trace.source === "string"
          ? { source: trace.source, stepSeconds: stepHint ?? timeline.stepSeconds }
          : null,
      task: task.success && s.task !== undefined ? task.data : null,
      scaling: scaling.success && s.scaling !== undefined ? scaling.data : null,
      slo: slo.success && s.slo !== undefined ? slo.data : null,
      coverage: coverage === null ? null : (coverage.data as TraceCoverage),
    };
  } catch (error) {
    if (error instanceof BundleContentError)
      throw new UsageError(
        `${error.path}${error.line !== undefined ? ` line ${error.line}` : ""}: ${error.reason}; run caplab simulate again.`,
        "bad-bundle",
        { cause: error },
      );
    throw error;
  }
}
