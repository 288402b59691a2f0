/**
 * Numbers as caplab writes them for people, with no locale: digits grouped by thousands with a
 * comma. One home for the simulator's sentences (sim/risk.ts, sim/vocab/warnings.ts), the
 * analysis's (analysis/extremes.ts) and the reports' formats (reports/format.ts).
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
