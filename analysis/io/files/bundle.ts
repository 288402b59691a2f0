/**
 * Reading and writing trace bundles (the format is in sim/vocab/bundle.ts). A bundle is an
 * output folder (analysis/io/files/output.ts): written to a temporary sibling folder and swapped into
 * place, so a crash never leaves a half-written bundle where a reader would take it for a
 * whole one, and a folder caplab did not write is never replaced without --force.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CsvError, parse } from "csv-parse";
import {
  BUNDLE_FORMAT_VERSION,
  BUNDLE_MANIFEST,
  BUNDLE_REQUESTS_SERIES,
  bundleFormatFor,
  traceBundleFormatVersion,
  RUN_BUNDLE_FORMAT,
  TraceBundleManifestSchema,
  seriesIdPart,
  type BundleSeries,
  type RawMetricSeries,
  type TraceBundleManifest,
} from "../../../sim/vocab/index.js";
import {
  BundleContentError,
  bundleFile,
  openBundle,
  readBundleJson,
  type BundleRoot,
} from "./bundle-files.js";
import { formatZodIssue } from "./config-file.js";
import { csvErrorReason, MAX_CSV_RECORD_CHARS } from "./csv.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { prepareOutputFolder, type OutputFolder } from "./output.js";
import { excerpt } from "./excerpt.js";
import { redactStrings } from "../../../sim/vocab/redact.js";

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

/**
 * Runs of more than this many steps without data are written as no rows at all (a missing row
 * and an empty value read the same: no data), so a sparse series costs what its data costs.
 */
export const MAX_WRITTEN_GAP_ROWS = 1_000;

/**
 * The CSV text of a fixed-step series: `time,value`, empty value where there is no data, and
 * no rows for a run of more than {@link MAX_WRITTEN_GAP_ROWS} steps without data. Neither
 * cell ever needs quoting (an ISO time, a number), so rows are joined directly: a million
 * steps cost the text and little else.
 */
export function renderSeriesCsv(series: FixedSeries): string {
  const rows: string[] = ["time,value"];
  const stepMs = series.stepSeconds * 1000;
  const n = series.values.length;
  const time = (i: number): string => new Date(series.startMs + i * stepMs).toISOString();
  let i = 0;
  while (i < n) {
    const v = series.values[i] ?? NaN;
    if (Number.isFinite(v)) {
      rows.push(`${time(i)},${String(v)}`);
      i++;
      continue;
    }
    let end = i + 1;
    while (end < n && !Number.isFinite(series.values[end] ?? NaN)) end++;
    if (end - i <= MAX_WRITTEN_GAP_ROWS) for (let k = i; k < end; k++) rows.push(`${time(k)},`);
    i = end;
  }
  rows.push("");
  return rows.join("\n");
}

/**
 * The longest series file name kept as its id names it, in bytes; a longer one is cut. File
 * systems take 255 bytes (NAME_MAX on Linux, macOS' APFS). @default 128
 */
export const MAX_SERIES_FILE_BYTES = 128;

/**
 * The series with file names that every file system can hold apart: `series/ID.csv` as given,
 * unless the name is longer than {@link MAX_SERIES_FILE_BYTES} (an id from a CloudWatch query's
 * `Id` or `Label` may be 1,000 characters: ENAMETOOLONG) or is another series' name but for
 * case (`Cpu` and `cpu` are one file on macOS and Windows, where the second would overwrite
 * the first); then `series/START-HASH.csv`, START the id's first 64 characters and HASH the
 * first 8 hex digits of its SHA-256. Readers take each series' file from the manifest.
 *
 * @example seriesFiles([{ id: "cpu", file: "series/cpu.csv" }, { id: "Cpu", file: "series/Cpu.csv" }])
 *   // files "series/cpu.csv", "series/Cpu-<8 hex>.csv"
 */
export function seriesFiles<S extends { readonly id: string; readonly file: string }>(
  series: readonly S[],
): S[] {
  const used = new Set<string>();
  return series.map((s) => {
    const slash = s.file.lastIndexOf("/") + 1;
    let file = s.file;
    if (
      Buffer.byteLength(s.file.slice(slash)) > MAX_SERIES_FILE_BYTES ||
      used.has(file.toLowerCase())
    ) {
      const stem = `${s.file.slice(0, slash)}${seriesIdPart(s.id.slice(0, 64))}-${createHash("sha256").update(s.id).digest("hex").slice(0, 8)}`;
      file = `${stem}.csv`;
      for (let n = 2; used.has(file.toLowerCase()); n++) file = `${stem}-${n}.csv`;
    }
    used.add(file.toLowerCase());
    return file === s.file ? s : { ...s, file };
  });
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
  const given = TraceBundleManifestSchema.parse(manifest);
  const parsed = { ...given, format: bundleFormatFor(given), series: seriesFiles(given.series) };
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
    // Where the data came from and the notes on it hold what others wrote (paths, URLs,
    // query labels): shown without the credentials of URLs in them.
    const shown = {
      ...parsed,
      source: redactStrings(parsed.source),
      notes: redactStrings(parsed.notes),
    };
    await writeFile(join(dir, BUNDLE_MANIFEST), `${JSON.stringify(shown, null, 2)}\n`);
  });
}

/**
 * Reads and checks a bundle's manifest (confined and bounded: analysis/io/files/bundle-files.ts). Every file
 * it names must be a relative path without `..` (the schema says so, naming the field).
 */
export async function readBundleManifest(dir: string | BundleRoot): Promise<TraceBundleManifest> {
  const root = typeof dir === "string" ? await openBundle(dir) : dir;
  const { path, json } = (await readBundleJson(root, BUNDLE_MANIFEST, null))!;
  const result = TraceBundleManifestSchema.safeParse(json);
  if (!result.success) {
    // A newer caplab's bundle: what this one does not know is not a mistake in it.
    const version = traceBundleFormatVersion((json as { format?: unknown } | null)?.format);
    if (version !== null && version > BUNDLE_FORMAT_VERSION)
      throw new UsageError(
        `${path} was written by a newer caplab (format ${version}; this one reads up to ${BUNDLE_FORMAT_VERSION}): upgrade caplab to read it.`,
        "newer-bundle",
      );
    // A file named outside the bundle comes first, whatever else is wrong.
    const issues = result.error.issues;
    const outside = issues.find(
      (i) =>
        i.code === "custom" &&
        ((i.path[0] === "series" && i.path[2] === "file") || i.path[0] === "files"),
    );
    throw new UsageError(
      formatZodIssue(path, outside ?? issues[0]!),
      outside ? "bundle-path" : "bad-bundle",
    );
  }
  return result.data;
}

export interface ReadBundleSeriesOptions {
  /** The manifest the series comes from: messages then name its field, `series[i].file`. */
  readonly manifest?: TraceBundleManifest;
  /**
   * Called for each row whose time or value cannot be read; the row is skipped. Without it,
   * a bad row makes the read fail.
   */
  readonly onBadRow?: (line: number, reason: string) => void;
}

/**
 * Reads one series of a bundle as a stream (the file confined to the bundle, records capped
 * at MAX_CSV_RECORD_CHARS); rows with an empty value are left out (they are gaps). The
 * series' index in the manifest names it in messages (`series[3].file`).
 */
export async function readBundleSeries(
  dir: string | BundleRoot,
  series: BundleSeries,
  options: ReadBundleSeriesOptions = {},
): Promise<RawMetricSeries> {
  const root = typeof dir === "string" ? await openBundle(dir) : dir;
  const index = options.manifest?.series.indexOf(series) ?? -1;
  const field = index >= 0 ? `series[${index}].file` : `the file of series ${excerpt(series.id)}`;
  const real = await bundleFile(root, series.file, field);
  const path = join(root.dir, series.file);
  const input = createReadStream(real);
  const parser = input.pipe(
    parse({
      columns: true,
      skip_empty_lines: true,
      bom: true,
      info: true,
      max_record_size: MAX_CSV_RECORD_CHARS,
    }),
  );
  const times: number[] = [];
  const values: number[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string | undefined>;
      info: { lines: number };
    }>) {
      const value = record.value ?? "";
      if (value === "") continue;
      const t = Date.parse(record.time ?? "");
      const v = Number(value);
      if (Number.isNaN(t) || !Number.isFinite(v)) {
        const reason = `${excerpt(`${record.time ?? ""},${value}`, 60)} is not a time and a number`;
        if (options.onBadRow) {
          options.onBadRow(info.lines, reason);
          continue;
        }
        throw new BundleContentError(path, reason, info.lines);
      }
      times.push(t);
      values.push(v);
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new BundleContentError(path, csvErrorReason(error), line);
    }
    throw error;
  } finally {
    input.destroy();
  }
  return { source: path, times, values };
}

/**
 * The trace bundle a folder holds: itself, or for a run bundle of `caplab import --format k6`
 * its `files.trace` folder (confined to the run bundle).
 *
 * @throws UsageError for a run bundle without a trace.
 */
async function traceRootOf(root: BundleRoot): Promise<BundleRoot> {
  const { json } = (await readBundleJson(root, BUNDLE_MANIFEST, null))!;
  const m = json as { format?: unknown; files?: Record<string, unknown> } | null;
  if (m?.format !== RUN_BUNDLE_FORMAT) return root;
  const name = m.files?.trace;
  if (name === undefined)
    throw new UsageError(
      `${root.dir} is a run bundle without a trace (no files.trace in its manifest); a trace comes from caplab import --format k6, caplab collect or a CSV of requests per step.`,
      "bad-bundle",
    );
  const real = await bundleFile(root, name, "files.trace", { folder: true });
  return { dir: join(root.dir, name as string), real };
}

/**
 * The requests series of a bundle (of a run bundle's trace/), with its manifest.
 *
 * @throws UsageError when the bundle has none (an import that found no series counting requests).
 */
export async function readBundleRequests(
  dir: string,
): Promise<{ manifest: TraceBundleManifest; raw: RawMetricSeries; periodSeconds: number }> {
  const root = await traceRootOf(await openBundle(dir));
  const manifest = await readBundleManifest(root);
  const series = manifest.series.find((s) => s.id === BUNDLE_REQUESTS_SERIES);
  if (series === undefined)
    throw new UsageError(
      `${dir} has no requests series (its import found none that counts requests), so it cannot be replayed; re-import it with --requests naming the series that counts the service's requests, or give another trace.`,
      "no-requests-series",
    );
  return {
    manifest,
    raw: await readBundleSeries(root, series, { manifest }),
    periodSeconds: series.periodSeconds,
  };
}
