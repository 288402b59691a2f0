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
