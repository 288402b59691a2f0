/** Writing outputs so that a crash never leaves a half-written file: temp file, then rename. */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
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

/**
 * The Timeline as CSV: `time` (ISO 8601 UTC) then every column. No cell ever needs quoting (a
 * time, numbers, empty for no value), so each row is one joined line: the cost is the text and
 * little else, a million steps (MAX_TRACE_STEPS) included.
 */
export function renderTimelineCsv(timeline: Timeline): string {
  const lines: string[] = [["time", ...TIMELINE_COLUMNS].join(",")];
  const columns = TIMELINE_COLUMNS.map((c) => timeline[c]);
  const cells: string[] = new Array<string>(columns.length + 1);
  for (let i = 0; i < timeline.length; i++) {
    cells[0] = new Date(timeline.startMs + i * timeline.stepSeconds * 1000).toISOString();
    for (let j = 0; j < columns.length; j++) {
      const v = columns[j]![i] ?? NaN;
      cells[j + 1] = Number.isFinite(v) ? String(Number(v.toPrecision(8))) : "";
    }
    lines.push(cells.join(","));
  }
  lines.push("");
  return lines.join("\n");
}
