/**
 * Reading a config file: YAML or JSON (the YAML parser reads both) checked against a zod
 * schema. Every mistake becomes a {@link UsageError} whose message is one sentence naming
 * the file, the line or field, and what to change.
 *
 *   bytes ──decodeConfigText──▶ text (UTF-8, or UTF-16 by its byte order mark)
 *     ──parseYamlText──▶ plain data (aliases bounded by {@link MAX_YAML_ALIAS_COUNT})
 *     ──schema──▶ config
 *
 * Every config caplab reads (simulate, plan, backtest, gate.yaml) goes through
 * {@link readYamlFile}, so they all fail the same way.
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { UsageError } from "../../../sim/vocab/errors.js";
import { checkWholeFile } from "./small-file.js";

/**
 * The most nodes YAML aliases (`*name`) may expand to in one config: the yaml library's
 * `maxAliasCount` (its default, 100, is kept). A "billion laughs" document, whose aliases of
 * aliases expand exponentially, is refused instead of filling the memory.
 * @default 100
 */
export const MAX_YAML_ALIAS_COUNT = 100;

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
  const data = await readYamlFile(path);
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
    const typo = misspelledField(parsed.error.issues);
    throw new UsageError(
      typo !== null
        ? `${path}: ${typo.found} is not a known field, and ${typo.meant} is missing; fix the spelling.`
        : looksLikePlanConfig(data, parsed.error.issues)
          ? `${path} is a plan config (it has ${["space", "current"].filter((k) => Object.hasOwn(data as object, k)).join(" and ")}, and no task or scaling): run caplab plan ${path}, or give simulate one setting with task: and scaling: (a plan config's current: holds them).`
          : formatZodIssue(path, first),
      "bad-config",
      { cause: parsed.error },
    );
  }
  return { config: parsed.data, baseDir: dirname(resolve(path)) };
}

/** A plan config given to simulate: task or scaling missing at the top, and space or current there. */
function looksLikePlanConfig(data: unknown, issues: readonly Issue[]): boolean {
  if (typeof data !== "object" || data === null) return false;
  const missingTop = issues.some(
    (i) =>
      i.code === "invalid_type" &&
      i.path.length === 1 &&
      (i.path[0] === "task" || i.path[0] === "scaling"),
  );
  return missingTop && (Object.hasOwn(data, "space") || Object.hasOwn(data, "current"));
}

/**
 * A key zod did not know beside a required field it found missing at the same place, spelt
 * nearly alike (`cpuMsPerReqest` for `cpuMsPerRequest`: at most 2 edits, or another case):
 * then the missing field is that typo, and naming it helps more than "is missing".
 */
function misspelledField(issues: readonly Issue[]): { found: string; meant: string } | null {
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const at = fieldPath(issue.path);
    for (const missing of issues) {
      if (missing.code !== "invalid_type" || ("input" in missing && missing.input !== undefined))
        continue;
      const name = missing.path.at(-1);
      if (typeof name !== "string" || fieldPath(missing.path.slice(0, -1)) !== at) continue;
      const key = issue.keys.find(
        (k) => k.toLowerCase() === name.toLowerCase() || editDistance(k, name) <= 2,
      );
      if (key !== undefined)
        return { found: at ? `${at}.${key}` : key, meant: at ? `${at}.${name}` : name };
    }
  }
  return null;
}

/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length]!;
}

/**
 * Reads a YAML or JSON file (a config) into plain data.
 *
 * @throws UsageError for a missing, unreadable or non-text file, a syntax error (with its
 *   line), or aliases that expand beyond {@link MAX_YAML_ALIAS_COUNT}.
 */
export async function readYamlFile(path: string): Promise<unknown> {
  return parseYamlText(path, decodeConfigText(path, await readConfigBytes(path)));
}

async function readConfigBytes(path: string): Promise<Uint8Array> {
  await checkWholeFile(path, "config file");
  try {
    return await readFile(path);
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

/**
 * The text of a config file. YAML 1.2 streams may be UTF-8, UTF-16 or UTF-32 (YAML 1.2.2,
 * §5.2 "Character Encodings", https://yaml.org/spec/1.2.2/#52-character-encodings): the
 * encoding is told by a byte order mark, else by where the first character's zero bytes
 * are. UTF-8 and UTF-16 (either byte order, with or without a mark) are decoded; UTF-32, bytes
 * that are not valid in their encoding, and text holding NUL characters are refused.
 *
 * @throws UsageError naming the file and what to save it as.
 */
export function decodeConfigText(path: string, bytes: Uint8Array): string {
  const b = (i: number): number | undefined => bytes[i];
  const saveAs = "save it as UTF-8 (or UTF-16 with a byte order mark)";
  if (
    (b(0) === 0 && b(1) === 0 && (b(2) === 0xfe || b(2) === 0)) ||
    (b(0) === 0xff && b(1) === 0xfe && b(2) === 0 && b(3) === 0) ||
    (b(0) !== 0 && b(1) === 0 && b(2) === 0 && b(3) === 0 && bytes.length >= 4)
  )
    throw new UsageError(
      `${path} is UTF-32 text, which caplab does not read; ${saveAs}.`,
      "bad-encoding",
    );
  let encoding: "utf-8" | "utf-16le" | "utf-16be" = "utf-8";
  let start = 0;
  if (b(0) === 0xef && b(1) === 0xbb && b(2) === 0xbf) start = 3;
  else if (b(0) === 0xff && b(1) === 0xfe) [encoding, start] = ["utf-16le", 2];
  else if (b(0) === 0xfe && b(1) === 0xff) [encoding, start] = ["utf-16be", 2];
  else if (b(0) === 0 && b(1) !== undefined) encoding = "utf-16be";
  else if (b(0) !== undefined && b(1) === 0) encoding = "utf-16le";
  if (encoding !== "utf-8" && (bytes.length - start) % 2 !== 0)
    throw new UsageError(
      `${path} looks like ${encoding.toUpperCase()} text but has an odd number of bytes; ${saveAs}.`,
      "bad-encoding",
    );
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes.subarray(start));
  } catch (error) {
    throw new UsageError(
      `${path} is not valid ${encoding.toUpperCase()} text; ${saveAs}.`,
      "bad-encoding",
      { cause: error },
    );
  }
  const nul = text.indexOf("\0");
  if (nul >= 0)
    throw new UsageError(
      `${path} line ${lineOf(text, nul)} holds a NUL character, so it is not a text file; ${saveAs}.`,
      "bad-encoding",
    );
  return text;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses YAML (or JSON, which is YAML) into plain data and turns the first syntax error, an
 * unresolved alias or an alias expansion beyond {@link MAX_YAML_ALIAS_COUNT} into a
 * UsageError naming `path`.
 */
export function parseYamlText(path: string, text: string): unknown {
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
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (error) {
    // The yaml library throws a ReferenceError for both (yaml/dist/nodes/Alias.js).
    const message = (error as Error).message;
    if (/Excessive alias count/.test(message))
      throw new UsageError(
        `${path}: its YAML aliases (*name) expand to more than ${MAX_YAML_ALIAS_COUNT} nodes; write the values out instead of aliasing aliases.`,
        "config-syntax",
        { cause: error },
      );
    if (/Unresolved alias/.test(message))
      throw new UsageError(
        `${path}: ${lowerFirst(message.replace(/\.$/, ""))}; define the anchor (&name) before using it.`,
        "config-syntax",
        { cause: error },
      );
    throw error;
  }
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
    // A simulate config given to plan: its task and scaling are the plan's `current`.
    const current = keys.filter((k) => k === "task" || k === "scaling");
    if (current.length > 0)
      return `${file}: ${keys.join(", ")} ${keys.length === 1 ? "is not a known field" : "are not known fields"} here; a plan config takes today's task size and scaling under current: (current: { ${current.join(", ")} }), to compare its pick with, and searches the rest (see caplab plan --help).`;
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
