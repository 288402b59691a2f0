/**
 * Text helpers shared by the Markdown and HTML reports: deterministic number formats (no
 * locale) and the HTML escapers for strings that came from outside (config, file paths); the
 * Markdown and terminal ones are in escape.ts.
 */
import { groupThousands, isWholeCount } from "../sim/vocab/numbers.js";

/**
 * A count the simulator gives as a mean or an expected value (tasks, OOM kills): whole numbers
 * as they are, others to one decimal, e.g. `formatCount(4)` → "4", `formatCount(2.46)` → "2.5".
 */
export function formatCount(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 10) / 10) : "—";
}

/**
 * Tasks killed for running out of memory, as a run's figures give them: a whole number as it
 * is; a fraction is an expected value, which only oomModel "poisson" gives (it kills the share
 * of a group whose requests in flight pass what fits, sim/memory.ts), e.g. `formatOomKills(94.06)`
 * → "about 94.1 (expected value, oomModel poisson)", `formatOomKills(3)` → "3". The JSON
 * outputs keep the number.
 */
export function formatOomKills(v: number): string {
  if (!Number.isFinite(v)) return "—";
  if (isWholeCount(v)) return formatNumber(Math.round(v));
  return `about ${formatCompact(v, 1)} (expected value, oomModel poisson)`;
}

/** plural() lives with the other number formats in sim/vocab/numbers.ts; re-exported here. */
export { plural, taskRange } from "../sim/vocab/numbers.js";

/** A number with fixed decimals and thousands separators; "—" when not finite. */
export function formatNumber(v: number, decimals = 0): string {
  if (!Number.isFinite(v)) return "—";
  const fixed = v.toFixed(decimals);
  return groupThousands(fixed === "-0" || /^-0\.0*$/.test(fixed) ? fixed.slice(1) : fixed);
}

/** A number with at most `maxDecimals` decimals and no trailing zeros, e.g. 2 → "2", 2.5 → "2.5". */
export function formatCompact(v: number, maxDecimals = 1): string {
  const s = formatNumber(v, maxDecimals);
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

/** formatHours (a span of time: "15 min", "6 h", "7 days") lives in sim/vocab/numbers.ts too. */
export { formatHours } from "../sim/vocab/numbers.js";

/** US dollars, e.g. "$1,234.56". */
export function formatUsd(v: number, decimals = 2): string {
  if (!Number.isFinite(v)) return "—";
  const s = formatNumber(Math.abs(v), decimals);
  return v < 0 && s !== formatNumber(0, decimals) ? `-$${s}` : `$${s}`;
}

/** A signed difference in dollars, e.g. "+$12.00" or "-$3.50". */
export function formatUsdDelta(v: number): string {
  if (!Number.isFinite(v)) return "—";
  const s = formatUsd(Math.abs(v));
  if (s === "$0.00") return s;
  return v < 0 ? `-${s}` : `+${s}`;
}

/** A percentage with up to `decimals` decimals, e.g. "0.02 %". */
export function formatPercent(v: number, decimals = 2): string {
  return `${formatNumber(v, decimals)} %`;
}

/** UTC time to the minute, e.g. "2026-03-02 06:00Z". */
export function formatUtc(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
}

/** A duration in seconds as people say it, e.g. "300 s (5 min)". */
export function formatSeconds(s: number): string {
  if (s >= 120 && s % 60 === 0) return `${s} s (${s / 60} min)`;
  return `${s} s`;
}

/** A short name for a metric, e.g. "CPU (20 s)" (one table, in reports/labels.ts). */
export { shortMetricName as metricShortName } from "./labels.js";

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * JSON safe inside an HTML `<script>` element: `<` (so neither `</script>` nor `<!--` can
 * appear), `>` and `&` become `\u` escapes, as do U+2028 and U+2029 (line terminators in
 * older JavaScript). The result parses to the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
