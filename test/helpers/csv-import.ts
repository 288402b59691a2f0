/** What the CSV import tests share: writing a CSV of lines, and the refusal an import ends in. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { importTrace } from "../../analysis/io/import/import.js";
import { UsageError } from "../../sim/vocab/errors.js";

/** Writes `lines` (each ending in a newline) to `dir/name`; its path. */
export async function writeCsvLines(
  dir: string,
  name: string,
  lines: readonly string[],
): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.join("\n") + "\n");
  return path;
}

/** The UsageError `importTrace` ends in for the CSV at `path` (failing the test if it imports). */
export async function csvImportRefusal(path: string, valueColumn?: string): Promise<UsageError> {
  const error = await importTrace(
    { format: "csv", sources: [path], ...(valueColumn === undefined ? {} : { valueColumn }) },
    () => {},
  ).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}
