/** Writing outputs so that a crash never leaves a half-written file: temp file, then rename. */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { stringify } from "csv-stringify/sync";
import { TIMELINE_COLUMNS, type Timeline } from "../vocab/index.js";

/** Writes `content` to `path` atomically (same-directory temp file, then rename). */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(tmp, content);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Fills a new temporary folder beside `dir` with `fill`, then puts it in place of `dir` (the
 * old folder is removed just before the rename). On error the temporary folder is removed
 * and `dir` is left as it was.
 */
export async function replaceDirectory<T>(
  dir: string,
  fill: (tmp: string) => Promise<T>,
): Promise<T> {
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${randomBytes(4).toString("hex")}`);
  try {
    await mkdir(tmp, { recursive: true });
    const value = await fill(tmp);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    return value;
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Writes JSON with two-space indentation and a final newline. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** The Timeline as CSV: `time` (ISO 8601 UTC) then every column. */
export function renderTimelineCsv(timeline: Timeline): string {
  const header = ["time", ...TIMELINE_COLUMNS];
  const rows: (string | number)[][] = [];
  for (let i = 0; i < timeline.length; i++) {
    const row: (string | number)[] = [
      new Date(timeline.startMs + i * timeline.stepSeconds * 1000).toISOString(),
    ];
    for (const c of TIMELINE_COLUMNS) {
      const v = timeline[c][i] ?? NaN;
      row.push(Number.isFinite(v) ? Number(v.toPrecision(8)) : "");
    }
    rows.push(row);
  }
  return stringify(rows, { header: true, columns: header });
}
