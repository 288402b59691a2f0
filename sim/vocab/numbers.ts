/**
 * Numbers as caplab writes them for people, with no locale: digits grouped by thousands with a
 * comma, and counts with their noun. One home for the simulator's sentences (sim/risk.ts, sim/vocab/warnings.ts), the
 * analysis's (analysis/extremes.ts, the import and run summaries) and the reports' formats
 * (reports/format.ts).
 */

/** Digits grouped by thousands with a comma, e.g. `groupThousands("-12345.6")` → "-12,345.6". */
export function groupThousands(text: string): string {
  const negative = text.startsWith("-");
  const [int, frac] = (negative ? text.slice(1) : text).split(".");
  const grouped = (int ?? "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${grouped}${frac !== undefined ? `.${frac}` : ""}`;
}

/** `v` with `digits` fixed decimals, grouped by thousands: `fixedGrouped(8239.4)` → "8,239". */
export function fixedGrouped(v: number, digits = 0): string {
  return groupThousands(v.toFixed(digits));
}

/**
 * A count with its noun in the right number, as the CLI's summaries print counts:
 * `plural(1, "step")` → "1 step", `plural(3, "step")` → "3 steps", `plural(0, "entry",
 * "entries")` → "0 entries". English takes the plural for every count but exactly one. The
 * count's digits are grouped by thousands as reports/format.ts's formatNumber groups them ("20,200
 * steps"), its decimals kept as `String` writes them.
 */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  const text = String(n);
  return `${/e/i.test(text) ? text : groupThousands(text)} ${n === 1 ? noun : nouns}`;
}
