/**
 * Reading a config file: YAML or JSON (the YAML parser reads both) checked against a zod
 * schema. Every mistake becomes a {@link UsageError} whose message is one sentence naming
 * the file, the line or field, and what to change.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { UsageError } from "./errors.js";

/**
 * Reads, parses and validates a config file.
 *
 * @returns the validated config (defaults filled in by the schema) and the directory of the
 *   file, which relative paths in the config (such as `trace.file`) are resolved against.
 * @throws UsageError for a missing or unreadable file, a YAML/JSON syntax error (with its
 *   line), or a value the schema rejects (the first issue, with its field path).
 */
export async function loadConfig<T>(
  path: string,
  schema: z.ZodType<T>,
): Promise<{ config: T; baseDir: string }> {
  const text = await readConfigText(path);
  const data = parseConfigText(path, text);
  if (data === null || data === undefined) {
    throw new UsageError(
      `${path} is empty; write the config in YAML or JSON (caplab schema prints its fields).`,
      "bad-config",
    );
  }
  const parsed = schema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    if (first === undefined) {
      throw new UsageError(
        `${path} is not a valid config; check it against caplab schema.`,
        "bad-config",
      );
    }
    throw new UsageError(formatZodIssue(path, first), "bad-config", { cause: parsed.error });
  }
  return { config: parsed.data, baseDir: dirname(resolve(path)) };
}

async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new UsageError(`config file ${path} does not exist; check the path.`, "missing-file");
    }
    if (code === "EISDIR") {
      throw new UsageError(
        `${path} is a directory; give the path of a YAML or JSON config file.`,
        "missing-file",
      );
    }
    throw new UsageError(
      `config file ${path} cannot be read (${code ?? String(error)}); check its permissions.`,
      "unreadable-file",
      { cause: error },
    );
  }
}

/** Parses YAML (or JSON, which is YAML) and turns the first syntax error into a UsageError. */
function parseConfigText(path: string, text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const where = error.linePos?.[0];
    const what = (error.message.split("\n")[0] ?? error.message)
      .replace(/ at line \d+, column \d+:?\s*$/, "")
      .replace(/\.$/, "");
    const at = where ? ` line ${where.line}, column ${where.col}` : "";
    throw new UsageError(
      `${path}${at}: ${lowerFirst(what)}; fix the YAML syntax there.`,
      "config-syntax",
      { cause: error },
    );
  }
  return doc.toJS();
}

/** A zod issue as the parts formatZodIssue needs (zod 4 `$ZodIssue`, loosely typed). */
type Issue = z.core.$ZodIssue;

/**
 * One sentence for one zod issue: the file, the field path in the config's own spelling
 * (`scaling.policies[0].TargetTrackingScalingPolicyConfiguration.TargetValue`), what was
 * found, and zod's message, which says what is expected.
 *
 * @example formatZodIssue("sim.yaml", issue)
 *   // 'sim.yaml: scaling.MinCapacity is 60: MinCapacity must not be greater than MaxCapacity.'
 */
export function formatZodIssue(file: string, issue: Issue): string {
  const field = fieldPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => (field ? `${field}.${k}` : k));
    return `${file}: ${keys.join(", ")} ${keys.length === 1 ? "is not a known field" : "are not known fields"}; remove ${keys.length === 1 ? "it" : "them"} or fix the spelling.`;
  }
  const message =
    issue.code === "too_small" || issue.code === "too_big"
      ? bound(issue)
      : stripPeriod(issue.message);
  const input = "input" in issue ? issue.input : undefined;
  if (issue.code === "invalid_type" && input === undefined) {
    return `${file}: ${field || "the file"} is missing; add it (${lowerFirst(message)}).`;
  }
  const found = input === undefined || typeof input === "object" ? "" : ` is ${show(input)}`;
  return `${file}: ${field || "the top level"}${found}: ${message}.`;
}

/**
 * The limit a too-small or too-big value broke, in words. Written out here rather than taken
 * from zod, because a schema's `error` option (e.g. "TargetValue must be a number") replaces
 * zod's message for every kind of issue, bounds included.
 */
function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === "too_small";
  const limit = String(small ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive ?? true;
  switch (issue.origin) {
    case "number":
    case "int":
    case "bigint":
    case "date": {
      const relation = small
        ? inclusive
          ? "at least"
          : "greater than"
        : inclusive
          ? "at most"
          : "less than";
      return `it must be ${relation} ${limit}`;
    }
    case "array":
    case "set":
      return `it must have ${small ? "at least" : "at most"} ${limit} item${limit === "1" ? "" : "s"}`;
    case "string":
      return `it must be ${small ? "at least" : "at most"} ${limit} characters long`;
    default:
      return stripPeriod(issue.message);
  }
}

/** `["scaling", "policies", 0, "TargetValue"]` → `scaling.policies[0].TargetValue`. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

function show(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function stripPeriod(text: string): string {
  return text.trim().replace(/\.$/, "");
}

function lowerFirst(text: string): string {
  return text.length > 1 && /^[A-Z][a-z]/.test(text)
    ? text[0]!.toLowerCase() + text.slice(1)
    : text;
}
