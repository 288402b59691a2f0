/**
 * `caplab import SOURCE… --format alb|nginx|csv|k6 --out DIR`: access logs, k6 results or a
 * CSV series into a trace bundle (src/vocab/bundle.ts) that `simulate` and `plan` read with
 * `trace: { file: DIR }`. The reading is in collect/import/; this file checks the flags,
 * writes the bundle and prints.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { STEP_SECONDS_CHOICES } from "../analysis/trace.js";
import {
  IMPORT_FORMATS,
  importTrace,
  type ImportFormat,
  type ImportResult,
} from "../collect/import/import.js";
import {
  BUNDLE_FORMAT,
  TraceBundleManifestSchema,
  type TraceBundleManifest,
  type Warning,
} from "../vocab/index.js";
import { writeBundle, type FixedSeries } from "../io/bundle.js";
import { UsageError } from "../io/errors.js";
import type { Io } from "./main.js";
import { printWarnings } from "./main.js";
import { parseTimeCell } from "../io/trace-file.js";

export { IMPORT_FORMATS };

/** Step of the imported series when --step is not given. @default 60 seconds */
export const DEFAULT_IMPORT_STEP_SECONDS = 60;

export interface ImportCommandOptions {
  readonly format?: string;
  readonly step?: string;
  readonly from?: string;
  readonly to?: string;
  readonly timeColumn?: string;
  readonly valueColumn?: string;
  readonly endpointUrl?: string;
  readonly region?: string;
  readonly out: string;
  readonly quiet?: boolean;
}

export interface ImportDeps {
  readonly now: () => Date;
  /** Makes the S3 client; the default reads --endpoint-url and --region. */
  readonly s3?: () => S3Client;
}

export async function runImportCommand(
  sources: readonly string[],
  opts: ImportCommandOptions,
  io: Io,
  deps: ImportDeps = { now: () => new Date() },
): Promise<number> {
  const format = parseFormat(opts.format);
  const stepSeconds = parseStep(opts.step);
  const fromMs = parseWindowTime("--from", opts.from);
  const toMs = parseWindowTime("--to", opts.to);
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
    throw new UsageError(
      `--from (${opts.from}) is not before --to (${opts.to}); swap them.`,
      "bad-flag",
    );
  }
  if (sources.length === 0) {
    throw new UsageError(
      "caplab import needs at least one SOURCE (a file, a folder or s3://bucket/prefix).",
      "bad-flag",
    );
  }
  if (format !== "csv" && (opts.timeColumn !== undefined || opts.valueColumn !== undefined)) {
    throw new UsageError("--time-column and --value-column go with --format csv only.", "bad-flag");
  }

  let client: S3Client | undefined;
  const s3 =
    deps.s3 ??
    ((): S3Client =>
      (client ??= new S3Client({
        region:
          opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
        ...(opts.endpointUrl !== undefined
          ? { endpoint: opts.endpointUrl, forcePathStyle: true }
          : {}),
      })));

  const warnings: Warning[] = [];
  const progress = io.isTty && !opts.quiet;
  let result: ImportResult;
  try {
    result = await importTrace(
      {
        format,
        sources,
        stepSeconds,
        fromMs,
        toMs,
        timeColumn: opts.timeColumn,
        valueColumn: opts.valueColumn,
        s3,
        onProgress: progress
          ? (p) =>
              io.err(
                `\rimport: ${p.files} input${p.files === 1 ? "" : "s"}, ${p.lines} lines\x1b[K`,
              )
          : undefined,
      },
      (w) => warnings.push(w),
    );
  } finally {
    if (progress) io.err("\r\x1b[K");
    client?.destroy();
  }

  const out = resolve(opts.out);
  const manifest = renderManifest(result, {
    sources,
    caplabVersion: await caplabVersion(),
    createdAt: deps.now().toISOString(),
  });
  const data = new Map<string, FixedSeries>(result.series.map((s) => [s.def.id, s.data]));
  await writeBundle(out, manifest, data);

  printWarnings(io, warnings);
  if (!opts.quiet) io.out(renderImportSummary(result, opts.out));
  return 0;
}

/** The bundle manifest of an import. */
export function renderManifest(
  result: ImportResult,
  meta: { sources: readonly string[]; caplabVersion: string; createdAt: string },
): TraceBundleManifest {
  const detail = [meta.sources.join(" "), result.detail].filter((s) => s !== "").join("; ");
  return TraceBundleManifestSchema.parse({
    format: BUNDLE_FORMAT,
    caplabVersion: meta.caplabVersion,
    createdAt: meta.createdAt,
    source: { kind: result.kind, detail },
    window: {
      from: new Date(result.window.fromMs).toISOString(),
      to: new Date(result.window.toMs).toISOString(),
    },
    stepSeconds: result.stepSeconds,
    series: result.series.map((s) => s.def),
    notes: [...result.notes],
  });
}

/** What an import did, in a few lines. */
export function renderImportSummary(result: ImportResult, out: string): string {
  const s = result.stats;
  const steps = Math.round(
    (result.window.toMs - result.window.fromMs) / (result.stepSeconds * 1000),
  );
  return [
    `Imported ${s.requests} requests from ${s.files} input${s.files === 1 ? "" : "s"} (${s.lines} lines, ${s.badLines} bad) into ${out}`,
    `  window   ${new Date(result.window.fromMs).toISOString()} .. ${new Date(result.window.toMs).toISOString()} (${steps} steps of ${result.stepSeconds} s)`,
    `  series   ${result.series.map((x) => x.def.id).join(", ")}`,
    `  use it   trace: { file: ${out} } in a simulate or plan config`,
    "",
  ].join("\n");
}

function parseFormat(text: string | undefined): ImportFormat {
  if (text === undefined)
    throw new UsageError(
      `caplab import needs --format (${IMPORT_FORMATS.join(", ")}).`,
      "bad-flag",
    );
  if (!(IMPORT_FORMATS as readonly string[]).includes(text)) {
    throw new UsageError(
      `--format ${text} is not one of ${IMPORT_FORMATS.join(", ")}; pick the one the SOURCE is written in.`,
      "bad-flag",
    );
  }
  return text as ImportFormat;
}

function parseStep(text: string | undefined): number {
  if (text === undefined) return DEFAULT_IMPORT_STEP_SECONDS;
  const n = Number(text);
  if (!(STEP_SECONDS_CHOICES as readonly number[]).includes(n)) {
    throw new UsageError(
      `--step ${text} is not one of ${STEP_SECONDS_CHOICES.join(", ")} (seconds).`,
      "bad-flag",
    );
  }
  return n;
}

function parseWindowTime(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseTimeCell(text.trim());
  if (ms === null) {
    throw new UsageError(
      `${flag} "${text}" is not a time; write it as ISO 8601 (2025-04-08T00:00:00Z) or unix seconds.`,
      "bad-flag",
    );
  }
  return ms;
}

async function caplabVersion(): Promise<string> {
  const pkg = JSON.parse(
    await readFile(new URL("../../package.json", import.meta.url), "utf8"),
  ) as { version: string };
  return pkg.version;
}
