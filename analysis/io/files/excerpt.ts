/**
 * Quoting what a file holds in a message, safely: never more than a short excerpt, with every
 * control character, quote and backslash escaped, so that neither a terminal, a log nor a
 * report can be steered by it and a large or secret file never spills into an error.
 */
import { redactSecrets } from "../../../sim/vocab/redact.js";

/** The longest excerpt of a file's content that a message quotes, in characters. @default 80 */
export const MAX_EXCERPT_CHARS = 80;

/**
 * Characters escaped in an excerpt: C0 and C1 controls, DEL, line and paragraph separators,
 * the bidirectional overrides and isolates (they reorder what a terminal shows), quote and
 * backslash.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it finds
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069"\\]/g;

function escapeChar(c: string): string {
  switch (c) {
    case '"':
      return '\\"';
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    default:
      return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  }
}

/**
 * `text` in double quotes, escaped, cut to `max` characters of the original (then "…" follows
 * the closing quote), with the credentials of URLs in it taken out (`redactSecrets`).
 *
 * @example excerpt('a,"b"\u001b[2J') // '"a,\\"b\\"\\u001b[2J"'
 * @example excerpt("x".repeat(100), 3) // '"xxx"…'
 */
export function excerpt(text: string, max = MAX_EXCERPT_CHARS): string {
  // Credentials in URLs (a presigned S3 URL in a bad line) go before the cut, so that no
  // part of one is shown.
  const full = redactSecrets(text);
  const cut = full.length > max;
  let head = cut ? full.slice(0, max) : full;
  // Never end on half of a surrogate pair.
  if (cut && /[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  return `"${head.replace(UNSAFE, escapeChar)}"${cut ? "…" : ""}`;
}

/**
 * Why `text` is not JSON, in words that quote at most a short escaped excerpt of it (never
 * the parser's own message, which in Node quotes the input as it is).
 *
 * @example jsonErrorReason('{"a": 1,}', error) // 'not valid JSON at line 1, column 9 (near "{\\"a\\": 1,}")'
 */
export function jsonErrorReason(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  const at = /at position (\d+)/.exec(message);
  const position = at ? Number(at[1]) : /end of JSON input/i.test(message) ? text.length : null;
  if (position === null) return `not valid JSON (it starts ${excerpt(text.trimStart(), 40)})`;
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - before.lastIndexOf("\n");
  const near = text.slice(Math.max(0, position - 20), position + 20);
  return `not valid JSON at line ${line}, column ${column} (near ${excerpt(near, 40)})`;
}
