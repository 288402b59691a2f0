/**
 * The cells of a CSV series of request counts: which header names mean time and count, and how
 * a time cell and a number cell read. Shared by the CSV reader (analysis/io/files/trace-file.ts)
 * and the sniff that tells a CSV series from other files (analysis/input-kind.ts).
 */
import { parseIsoTime } from "./trace.js";

/** Names of time columns, in order of preference (compared case-insensitively). */
export const TIME_COLUMN_NAMES = [
  "timestamp",
  "time",
  "period",
  "unix_time",
  "date",
  "datetime",
  "t",
];

/** Names of count columns, in order of preference (compared case-insensitively). */
export const VALUE_COLUMN_NAMES = ["requests", "count", "value", "RequestCount", "Sum", "sum"];

/** Unix times at or above this are milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
export const UNIX_MILLISECONDS_FROM = 1e11;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number written in plain decimal or exponent form; null for anything else (including ""). */
export function parseNumberCell(text: string): number | null {
  return NUMBER.test(text) ? Number(text) : null;
}

/** The latest time a Date holds, ms from the epoch (ECMA-262 §21.4.1.1). */
const MAX_TIME_MS = 8.64e15;

/**
 * Epoch ms of a time cell: ISO 8601 with or without an offset (without one it is UTC),
 * `YYYY-MM-DD HH:MM:SS` (UTC), unix seconds, or unix milliseconds (told apart by magnitude,
 * {@link UNIX_MILLISECONDS_FROM}). Null when the cell is none of these.
 */
export function parseTimeCell(text: string): number | null {
  const n = parseNumberCell(text);
  if (n === null) return parseIsoTime(text);
  const ms = Math.abs(n) >= UNIX_MILLISECONDS_FROM ? n : n * 1000;
  // A JavaScript Date spans ±8.64e15 ms (ECMA-262, "Time Values and Time Range"); beyond it
  // (1e300, Infinity) a number is not a time.
  return Math.abs(ms) <= MAX_TIME_MS ? ms : null;
}

/**
 * What a CSV count column's values look like, gathered row by row: how many, how many are not
 * whole numbers, and their range.
 */
export interface CountColumnShape {
  rows: number;
  fractional: number;
  min: number;
  max: number;
}

/** An empty {@link CountColumnShape}, to add values to with {@link addToShape}. */
export function emptyShape(): CountColumnShape {
  return { rows: 0, fractional: 0, min: Infinity, max: -Infinity };
}

export function addToShape(shape: CountColumnShape, value: number): void {
  shape.rows++;
  if (!Number.isInteger(value)) shape.fractional++;
  if (value < shape.min) shape.min = value;
  if (value > shape.max) shape.max = value;
}

/**
 * Whether a count column looks like a percentage: every value within 0 to 100 and more than half
 * of them not whole numbers. Requests per step from CloudWatch `RequestCount` Sum, an access log
 * or a counter are whole numbers; CPUUtilization's are fractional percents. A per-second rate or
 * an average of requests may look so too, which is why this alone only warns.
 *
 * @example looksLikePercentage({ rows: 4, fractional: 3, min: 0.1, max: 88.2 }) // true
 */
export function looksLikePercentage(shape: CountColumnShape): boolean {
  return shape.rows > 0 && shape.min >= 0 && shape.max <= 100 && shape.fractional * 2 > shape.rows;
}

/**
 * The word in a file's name that says it holds a utilization (`cpu`, `mem`, `memory`,
 * `utilization`, `util`), as a word of its own (between separators), or null.
 *
 * @example utilizationWord("data/nab-cpu_utilization_asg.csv") // "cpu"
 * @example utilizationWord("memcached-requests.csv") // null
 */
export function utilizationWord(path: string): string | null {
  const name = (path.split(/[\\/]/).pop() ?? "").toLowerCase();
  const m = /(?:^|[^a-z])(cpu|mem|memory|utili[sz]ation|util)(?=[^a-z]|$)/.exec(name);
  return m === null ? null : m[1]!;
}
