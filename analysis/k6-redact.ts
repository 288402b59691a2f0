/**
 * k6's own output (`--out json` lines, `--summary-export` and handleSummary JSON) with the
 * credentials its URLs carry taken out, for the copies a bundle keeps. Pure.
 *
 * k6 tags every HTTP sample with its request URL (`url`, and `name` unless the script names
 * it), so a run against `https://api/x?api_key=…` or a presigned URL (`X-Amz-Signature=…`)
 * writes the secret into every Point line of `k6.json.gz`; bundles travel (CI artifacts,
 * shared folders). The secret's value becomes `***` (sim/vocab/redact.ts decides what is a
 * secret: userinfo, credential-named query parameters, credential header lines); every other
 * byte stays.
 *
 * The text is JSON, where k6 (Go's encoders) writes `&` as `\u0026`: each string in it (keys
 * too) that could hold a secret is decoded, redacted, and written back as JSON only when it
 * changed; the rest of the text (numbers, spacing, other strings, their escapes) is kept as
 * it is, and a line without a secret is the same line.
 */
import { redactSecrets } from "../sim/vocab/redact.js";

/** A JSON string literal: a quote, then characters or escapes, then a quote (the loop unrolled). */
const JSON_STRING = /"[^"\\]*(?:\\.[^"\\]*)*"/g;

/** A query parameter name that redactSecrets takes the value of ends in one of these words. */
const SECRET_PARAM_END =
  /(?:token|secret|passw(?:or)?d|pwd|signature|sig|credentials?|key|auth|authorization|session[-_]?id|jwt)(?:\[\])?$/i;
/** A header name that redactSecrets takes the value of holds one of these words. */
const SECRET_HEADER_END =
  /(?:auth|cookie|token|secret|passw|pwd|key|session|signature|credential|jwt)[\w-]*[ \t]*$/i;

/**
 * Whether `text` may hold what redactSecrets takes out (a test pins that it holds whenever
 * redactSecrets changes a string, in its JSON form too): an `@` (userinfo), a line break or
 * an escaped one (header lines after the first), a credential word right before an `=` (a
 * query parameter) or before a `:` (a header line). Most strings and lines of k6's output have
 * none, and are not parsed or searched further; the look is at the few `=` and `:` only.
 */
export function mayHoldSecret(text: string): boolean {
  if (text.includes("@") || text.includes("\\n") || text.includes("\\r")) return true;
  if (text.includes("\n") || text.includes("\r")) return true;
  for (let i = text.indexOf("="); i !== -1; i = text.indexOf("=", i + 1))
    if (SECRET_PARAM_END.test(text.slice(Math.max(0, i - 24), i))) return true;
  // A `":` ends a JSON key, not a header name.
  for (let i = text.indexOf(":"); i !== -1; i = text.indexOf(":", i + 1))
    if (text[i - 1] !== '"' && SECRET_HEADER_END.test(text.slice(Math.max(0, i - 64), i)))
      return true;
  return false;
}

/** How many distinct strings a redactor remembers before it starts over. @default 10000 */
const MAX_REMEMBERED_STRINGS = 10_000;

/**
 * A JSON string literal with the secrets of its value taken out (written back as JSON only
 * when it changed): `token` itself when it holds none or is not a string literal.
 */
function redactJsonString(token: string): string {
  if (!mayHoldSecret(token)) return token;
  let value: unknown;
  try {
    value = JSON.parse(token);
  } catch {
    return token;
  }
  if (typeof value !== "string") return token;
  const redacted = redactSecrets(value);
  return redacted === value ? token : JSON.stringify(redacted);
}

/**
 * A function that takes the secrets out of k6's JSON text (a line, or a whole document): each
 * string in it (keys too) that could hold one is decoded (`\u0026` is `&`), redacted, and
 * written back as JSON only when it changed; the rest of the text (numbers, spacing, other
 * strings and their escapes) is kept as it is, and text without a secret is returned as it
 * came. Text that does not start as a JSON object or array is redacted as text.
 *
 * It remembers the strings it has seen (at most {@link MAX_REMEMBERED_STRINGS}): k6 writes one
 * URL into a Point line of each of a request's metrics, and a load test requests few URLs, so
 * most strings are looked up, not redacted again (a million Point lines: seconds, not minutes).
 *
 * @example k6Redactor()('{"type":"Point","data":{"tags":{"url":"https://h/?a=1\\u0026token=abc"}}}')
 *   // '{"type":"Point","data":{"tags":{"url":"https://h/?a=1&token=***"}}}'
 */
export function k6Redactor(): (text: string) => string {
  let seen = new Map<string, string>();
  const string = (token: string): string => {
    let out = seen.get(token);
    if (out === undefined) {
      if (seen.size >= MAX_REMEMBERED_STRINGS) seen = new Map();
      out = redactJsonString(token);
      seen.set(token, out);
    }
    return out;
  };
  return (text) => {
    const first = text.trimStart()[0];
    if (first !== "{" && first !== "[") return redactSecrets(text);
    // One search of the whole text first: most of k6's lines hold no secret-like string.
    if (!mayHoldSecret(text)) return text;
    return text.replace(JSON_STRING, string);
  };
}

/**
 * One line of k6 output with its secrets taken out; the line itself when it holds none
 * ({@link k6Redactor}; a redactor of its own per call: for many lines, make one and keep it).
 */
export function redactK6OutputLine(line: string): string {
  return k6Redactor()(line);
}

/**
 * A whole JSON document of k6's (`summary.json`, handleSummary data) with the secrets in its
 * strings taken out, its layout kept; null when it holds none.
 */
export function redactK6Document(text: string): string | null {
  const redacted = k6Redactor()(text);
  return redacted === text ? null : redacted;
}
