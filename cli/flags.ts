/**
 * Parsers of numeric flags, for commander's `argParser`. A value that is not what the flag
 * takes is a {@link UsageError} (exit 2) with one sentence naming the flag, what it takes and
 * what was given, before the command starts: no NaN, negative or zero value reaches a
 * command, and no schema error (ZodError) or stack is shown for a typo.
 *
 * Numbers are written in plain decimal or exponent form (`300`, `0.5`, `1e3`); `Infinity`,
 * hex, an empty string or trailing text are not numbers here, although `Number()` takes some.
 */
import { UsageError } from "../sim/vocab/errors.js";

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number written in `text`, or null when it is not a finite decimal number. */
export function parseDecimal(text: string): number | null {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : null;
}

function refuse(flag: string, takes: string, value: string): never {
  throw new UsageError(`${flag} takes ${takes}, not ${JSON.stringify(value)}.`, "bad-flag");
}

/**
 * A flag that takes a whole number from `min` to `max`.
 *
 * @example wholeNumberFlag("--workers")("abc")
 *   // UsageError: --workers takes a whole number (0 or more), not "abc".
 */
export function wholeNumberFlag(
  flag: string,
  options: { readonly min?: number; readonly max?: number; readonly unit?: string } = {},
): (value: string) => number {
  const min = options.min ?? 0;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const what = `a whole number${options.unit === undefined ? "" : ` of ${options.unit}`}`;
  const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
  return (value) => {
    const n = parseDecimal(value);
    if (n === null || !Number.isInteger(n) || n < min || n > max)
      refuse(flag, `${what} (${range})`, value);
    return n;
  };
}

/**
 * A flag that takes a number above 0 (`positive`) or a number of 0 or more.
 *
 * @example numberFlag("--slo-p95", { unit: "milliseconds", positive: true })("0")
 *   // UsageError: --slo-p95 takes a number of milliseconds above 0, not "0".
 */
export function numberFlag(
  flag: string,
  options: { readonly unit?: string; readonly positive: boolean },
): (value: string) => number {
  const what = `a number${options.unit === undefined ? "" : ` of ${options.unit}`}`;
  return (value) => {
    const n = parseDecimal(value);
    if (n === null || (options.positive ? !(n > 0) : !(n >= 0)))
      refuse(flag, `${what} ${options.positive ? "above 0" : "of 0 or more"}`, value);
    return n;
  };
}
