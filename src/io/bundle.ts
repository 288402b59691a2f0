/**
 * Reading and writing trace bundles (the format is in src/vocab/bundle.ts). A bundle is an
 * output folder (src/io/output.ts): written to a temporary sibling folder and swapped into
 * place, so a crash never leaves a half-written bundle where a reader would take it for a
 * whole one, and a folder caplab did not write is never replaced without --force.
 */
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import {
  BUNDLE_MANIFEST,
  BUNDLE_REQUESTS_SERIES,
  TraceBundleManifestSchema,
  type BundleSeries,
  type RawMetricSeries,
  type TraceBundleManifest,
} from "../vocab/index.js";
import { formatZodIssue } from "./config-file.js";
import { UsageError } from "./errors.js";
import { prepareOutputFolder, type OutputFolder } from "./output.js";

/** A fixed-step series: value i covers [startMs + i·step, startMs + (i+1)·step); NaN = no data. */
export interface FixedSeries {
  readonly startMs: number;
  readonly stepSeconds: number;
  readonly values: ArrayLike<number>;
}

/** Whether `path` is a bundle folder (a folder with a manifest.json). */
export async function isBundle(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isDirectory()) return false;
    return (await stat(join(path, BUNDLE_MANIFEST))).isFile();
  } catch {
    return false;
  }
}

/** The CSV text of a fixed-step series: `time,value`, empty value where there is no data. */
export function renderSeriesCsv(series: FixedSeries): string {
  const rows: [string, string | number][] = [];
  for (let i = 0; i < series.values.length; i++) {
    const v = series.values[i] ?? NaN;
    rows.push([
      new Date(series.startMs + i * series.stepSeconds * 1000).toISOString(),
      Number.isFinite(v) ? v : "",
    ]);
  }
  return stringify(rows, { header: true, columns: ["time", "value"] });
}

/**
 * Writes a bundle as the output folder `out` (a path, or one a command prepared at its start
 * with its --force and inputs): every file into a fresh temporary folder, then one swap. An
 * existing bundle at `out` is replaced; a folder caplab did not write is refused.
 */
export async function writeBundle(
  out: string | OutputFolder,
  manifest: TraceBundleManifest,
  series: ReadonlyMap<string, FixedSeries>,
  extraFiles: Readonly<Record<string, string>> = {},
): Promise<void> {
  const parsed = TraceBundleManifestSchema.parse(manifest);
  const folder =
    typeof out === "string" ? await prepareOutputFolder(out, { command: "bundle" }) : out;
  await folder.write(async (dir) => {
    await mkdir(join(dir, "series"), { recursive: true });
    for (const s of parsed.series) {
      const data = series.get(s.id);
      if (!data) throw new Error(`writeBundle: no data for series "${s.id}"`);
      await writeFile(join(dir, s.file), renderSeriesCsv(data));
    }
    for (const [name, content] of Object.entries(extraFiles)) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), content);
    }
    await writeFile(join(dir, BUNDLE_MANIFEST), `${JSON.stringify(parsed, null, 2)}\n`);
  });
}

/** Reads and checks a bundle's manifest. */
export async function readBundleManifest(dir: string): Promise<TraceBundleManifest> {
  const path = join(dir, BUNDLE_MANIFEST);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new UsageError(
      `${path} is not readable JSON (${(error as Error).message}); re-create the bundle.`,
      "bad-bundle",
    );
  }
  const result = TraceBundleManifestSchema.safeParse(json);
  if (!result.success)
    throw new UsageError(formatZodIssue(path, result.error.issues[0]!), "bad-bundle");
  return result.data;
}

/** Reads one series of a bundle; rows with an empty value are left out (they are gaps). */
export async function readBundleSeries(
  dir: string,
  series: BundleSeries,
): Promise<RawMetricSeries> {
  const path = join(dir, series.file);
  const rows = parse(await readFile(path, "utf8"), {
    columns: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
  const times: number[] = [];
  const values: number[] = [];
  rows.forEach((row, i) => {
    const value = row.value ?? "";
    if (value === "") return;
    const t = Date.parse(row.time ?? "");
    const v = Number(value);
    if (Number.isNaN(t) || !Number.isFinite(v)) {
      throw new UsageError(
        `${path} line ${i + 2}: "${row.time},${value}" is not a time and a number; re-create the bundle.`,
        "bad-bundle",
      );
    }
    times.push(t);
    values.push(v);
  });
  return { source: path, times, values };
}

/** The requests series of a bundle, with its manifest. */
export async function readBundleRequests(
  dir: string,
): Promise<{ manifest: TraceBundleManifest; raw: RawMetricSeries }> {
  const manifest = await readBundleManifest(dir);
  const series = manifest.series.find((s) => s.id === BUNDLE_REQUESTS_SERIES)!;
  return { manifest, raw: await readBundleSeries(dir, series) };
}
