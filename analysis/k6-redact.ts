/**
 * k6's own output (`--out json` lines, `--summary-export` and handleSummary JSON) with the
 * credentials its URLs carry taken out, for the copies a bundle keeps. Pure.
 *
 * k6 tags every HTTP sample with its request URL (`url`, and `name` unless the script names
 * it), so a run against `https://api/x?api_key=…` or a presigned URL (`X-Amz-Signature=…`)
 * writes the secret into every Point line of `k6.json.gz`; bundles travel (CI artifacts,
 * shared folders). The secret's value becomes `***` (sim/vocab/redact.ts decides what is a
 * secret: userinfo, credential-named query parameters, credential header lines); every other
 * byte stays, and a line without one is kept exactly as it was.
 *
 * A line is JSON text, where k6 (Go's encoders) writes `&` as `\u0026`: the test for a secret
 * reads the line with that escape undone, and a line that holds one is parsed, its strings
 * (keys too) redacted, and written again as compact JSON (the same fields in the same order,
 * the same values but the secrets; a number may be spelt differently, `1e-07` as `1e-7`).
 * Text that is not JSON is redacted as text.
 */
import { redactSecrets, redactStrings } from "../sim/vocab/redact.js";

/**
 * One line of k6 output with its secrets taken out; the line itself when it holds none.
 * @example redactK6OutputLine('{"type":"Point","data":{"tags":{"url":"https://h/?a=1\\u0026token=abc"}}}')
 *   // '{"type":"Point","data":{"tags":{"url":"https://h/?a=1&token=***"}}}'
 */
export function redactK6OutputLine(line: string): string {
  const plain = line.includes("\\u") ? line.replace(/\\u0026/gi, "&") : line;
  // A JSON line holds a secret only after `=` (a query), before `@` (userinfo) or in a header
  // line after an escaped line break; most lines have none of these, and are kept at once.
  if (
    plain.startsWith("{") &&
    !plain.includes("=") &&
    !plain.includes("@") &&
    !plain.includes("\\n") &&
    !plain.includes("\\r")
  )
    return line;
  if (redactSecrets(plain) === plain) return line;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return redactSecrets(plain);
  }
  return JSON.stringify(redactStrings(value));
}

/**
 * A whole JSON document of k6's (`summary.json`, handleSummary data) with its secrets taken
 * out, indented with `indent` (compact when undefined); null when it holds none (or is not JSON: it is kept as it is, and
 * its readers say what is wrong with it).
 */
export function redactK6Document(text: string, indent: string | undefined): string | null {
  const plain = text.includes("\\u") ? text.replace(/\\u0026/gi, "&") : text;
  if (redactSecrets(plain) === plain) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const redacted = redactStrings(value);
  if (JSON.stringify(redacted) === JSON.stringify(value)) return null;
  return `${JSON.stringify(redacted, null, indent)}\n`;
}
