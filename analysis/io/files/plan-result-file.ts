/**
 * plan-result.json: the whole PlanResult of `caplab plan`, so that `caplab report PLAN_DIR`
 * can re-render the plan report without re-running the sweep.
 *
 *   { "format": "caplab-plan-result/1", "awsCli": string | null, "result": PlanResult }
 *
 * The typed-array columns (trace.requests, trace.gap, every Timeline column) are plain JSON
 * arrays; in them NaN is `null` and ±Infinity is `1e999` / `-1e999` (JSON.parse reads those
 * back as ±Infinity). Elsewhere a non-finite number is `{"$": "NaN" | "Infinity" |
 * "-Infinity"}`. Numbers keep their shortest round-trip form (integers stay short), so the
 * re-rendered report is byte for byte the one `caplab plan` wrote. No indentation: the
 * default plan's two timelines (10,080 steps × 18 columns each) dominate the size.
 */
import { TIMELINE_COLUMNS, type PlanResult, type Timeline } from "../../../sim/vocab/index.js";
import { BundleContentError, openBundle, readBundleJson } from "./bundle-files.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { excerpt } from "./excerpt.js";

export const PLAN_RESULT_FILE = "plan-result.json";
export const PLAN_RESULT_FORMAT = "caplab-plan-result/1";

/** What plan-result.json holds besides the result: the AWS CLI snippet the report shows. */
export interface PlanResultFile {
  readonly result: PlanResult;
  readonly awsCli: string | null;
}

/** A number in a typed-array column. */
function columnNumber(v: number): string {
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return "null";
  return v > 0 ? "1e999" : "-1e999";
}

/** Appends the JSON text of `value` to `parts`; typed arrays become plain arrays. */
function write(value: unknown, parts: string[]): void {
  if (value === null || value === undefined) {
    parts.push("null");
  } else if (typeof value === "number") {
    parts.push(Number.isFinite(value) ? String(value) : `{"$":"${String(value)}"}`);
  } else if (typeof value === "string" || typeof value === "boolean") {
    parts.push(JSON.stringify(value));
  } else if (value instanceof Float64Array || value instanceof Uint8Array) {
    const items: string[] = new Array<string>(value.length);
    for (let i = 0; i < value.length; i++) items[i] = columnNumber(value[i]!);
    parts.push(`[${items.join(",")}]`);
  } else if (Array.isArray(value)) {
    parts.push("[");
    value.forEach((v: unknown, i) => {
      if (i > 0) parts.push(",");
      write(v, parts);
    });
    parts.push("]");
  } else if (typeof value === "object") {
    parts.push("{");
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || typeof v === "function") continue;
      if (!first) parts.push(",");
      first = false;
      parts.push(JSON.stringify(k), ":");
      write(v, parts);
    }
    parts.push("}");
  } else {
    parts.push("null");
  }
}

/** The text of plan-result.json (with a final newline). */
export function renderPlanResultJson(result: PlanResult, awsCli: string | null): string {
  const parts: string[] = [];
  write({ format: PLAN_RESULT_FORMAT, awsCli, result }, parts);
  parts.push("\n");
  return parts.join("");
}

/** Undoes the `{"$": "NaN"}` encoding of non-finite numbers outside the columns. */
function revive(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const tag = (value as { $?: unknown }).$;
    if (keys.length === 1 && typeof tag === "string") {
      if (tag === "NaN") return NaN;
      if (tag === "Infinity") return Infinity;
      if (tag === "-Infinity") return -Infinity;
    }
  }
  return value;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** A column back as a typed array; null (NaN) and anything not a number fail the check. */
function column(
  v: unknown,
  make: (n: number) => Float64Array | Uint8Array,
  where: string,
): Float64Array | Uint8Array {
  if (!Array.isArray(v)) throw new Error(`${where} is not an array`);
  const out = make(v.length);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (x === null) out[i] = NaN;
    else if (typeof x === "number") out[i] = x;
    else throw new Error(`${where}[${i}] is not a number`);
  }
  return out;
}

function restoreTimeline(v: unknown, where: string): Timeline {
  if (!isObject(v)) throw new Error(`${where} is missing`);
  if (typeof v.length !== "number" || typeof v.startMs !== "number")
    throw new Error(`${where} has no length or startMs`);
  const t: Json = { ...v };
  for (const c of TIMELINE_COLUMNS) {
    const col = column(v[c], (n) => new Float64Array(n), `${where}.${c}`);
    if (col.length !== v.length)
      throw new Error(`${where}.${c} has ${col.length} steps, not ${v.length}`);
    t[c] = col;
  }
  return t as unknown as Timeline;
}

function restoreRun(v: unknown, where: string): unknown {
  if (v === null) return null;
  if (!isObject(v) || !isObject(v.candidate) || !isObject(v.kpis) || !Array.isArray(v.events))
    throw new Error(`${where} is not a simulated run`);
  return { ...v, timeline: restoreTimeline(v.timeline, `${where}.timeline`) };
}

/** Checks the parsed file and turns its columns back into typed arrays. */
export function restorePlanResult(parsed: unknown): PlanResultFile {
  if (!isObject(parsed)) throw new Error("not a JSON object");
  if (parsed.format !== PLAN_RESULT_FORMAT)
    throw new Error(
      `format is ${typeof parsed.format === "string" ? excerpt(parsed.format, 40) : typeof parsed.format}, not ${PLAN_RESULT_FORMAT}`,
    );
  const r = parsed.result;
  if (!isObject(r)) throw new Error("no result");
  const trace = r.trace;
  if (
    !isObject(trace) ||
    typeof trace.startMs !== "number" ||
    typeof trace.stepSeconds !== "number"
  )
    throw new Error("result.trace is missing");
  const requests = column(trace.requests, (n) => new Float64Array(n), "result.trace.requests");
  const gap = column(trace.gap, (n) => new Uint8Array(n), "result.trace.gap");
  if (gap.length !== requests.length)
    throw new Error("result.trace.gap and requests differ in length");
  for (const key of ["outcomes", "pareto", "robustness", "reasons"] as const)
    if (!Array.isArray(r[key])) throw new Error(`result.${key} is not an array`);
  for (const [i, o] of (r.outcomes as unknown[]).entries())
    if (!isObject(o) || !isObject(o.candidate) || !isObject(o.kpis))
      throw new Error(`result.outcomes[${i}] is not a candidate outcome`);
  if (!isObject(r.slo)) throw new Error("result.slo is missing");
  const result = {
    ...r,
    trace: { ...trace, requests, gap },
    recommended: restoreRun(r.recommended ?? null, "result.recommended"),
    current: restoreRun(r.current ?? null, "result.current"),
  } as unknown as PlanResult;
  const awsCli = typeof parsed.awsCli === "string" ? parsed.awsCli : null;
  return { result, awsCli };
}

/**
 * The largest plan-result.json read, bytes: a plan of MAX_TRACE_STEPS steps writes about a
 * tenth of it. @default 256 MiB
 */
export const MAX_PLAN_RESULT_BYTES = 256 << 20;

/**
 * Reads DIR/plan-result.json.
 *
 * @throws UsageError (one sentence) when the file is missing, not JSON or not a plan result.
 */
export async function readPlanResult(dir: string): Promise<PlanResultFile> {
  // Through analysis/io/files/bundle-files.ts: inside the plan folder, a regular file, bounded.
  let read;
  try {
    read = await readBundleJson(await openBundle(dir), PLAN_RESULT_FILE, null, {
      optional: true,
      maxBytes: MAX_PLAN_RESULT_BYTES,
      reviver: revive,
    });
  } catch (error) {
    if (error instanceof BundleContentError)
      throw new UsageError(`${error.path}: ${error.reason}; run caplab plan again.`, error.code, {
        cause: error,
      });
    throw error;
  }
  if (read === null)
    throw new UsageError(
      `${dir} has no ${PLAN_RESULT_FILE}; run caplab plan again (plans written before it was kept cannot be re-rendered).`,
      "missing-file",
    );
  try {
    return restorePlanResult(read.json);
  } catch (error) {
    throw new UsageError(
      `${read.path} is not a caplab plan result (${(error as Error).message}); run caplab plan again.`,
      "bad-bundle",
      { cause: error },
    );
  }
}
