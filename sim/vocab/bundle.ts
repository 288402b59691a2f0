/**
 * The trace bundle: what `caplab collect` and `caplab import` write and what `simulate` and
 * `plan` read wherever they take a trace file. A folder:
 *
 *   manifest.json           TraceBundleManifest (this schema)
 *   series/requests.csv     `time,value`: requests per step, fixed step, an empty value = no data
 *                           (absent when an import found no series that counts requests: such a
 *                           bundle feeds calibrate, rightsize and report, not simulate or plan)
 *   series/<id>.csv         other series, same shape (CloudWatch metric, statistic, unit in the manifest)
 *   service.json            optional: the ECS service and task-definition snapshot
 *   scaling.json            optional: the Application Auto Scaling snapshot (target, policies, activities)
 *
 * Times are ISO 8601 UTC. Series keep CloudWatch's namespace, metric name, dimensions,
 * statistic and unit.
 */
import { z } from "zod";
import {
  DeploymentSettingsSchema,
  PlatformSchema,
  ScalingSchema,
  TaskSizeSchema,
} from "./config.js";

/**
 * The trace bundle's format, `caplab-trace-bundle/N`. A version says which manifest fields a
 * bundle may hold:
 *
 * - 1: everything but the two below (and, as bundles were written before version 2 existed,
 *   `current.deployment` and `current.platform` too: a version-1 manifest holding them still reads).
 * - 2: `current.deployment` (the service's deployment settings) and `current.platform` (the
 *   target group's settings), which `caplab collect` records.
 *
 * A bundle is written at the lowest version that holds its fields ({@link bundleFormatFor}), so
 * an import (no `current`) stays at 1, which every caplab reads. A manifest of a version above
 * {@link BUNDLE_FORMAT_VERSION} reads when every field in it is one this caplab knows; else the
 * reader says it was written by a newer caplab (analysis/io/files/bundle.ts).
 */
export const BUNDLE_FORMAT = "caplab-trace-bundle/1" as const;

/** The newest trace bundle format version this caplab reads and writes. */
export const BUNDLE_FORMAT_VERSION = 2;

const BUNDLE_FORMAT_TEXT = /^caplab-trace-bundle\/([1-9]\d{0,5})$/;

/**
 * The version of a trace bundle's `format`, or null when it is not `caplab-trace-bundle/N`.
 *
 * @example traceBundleFormatVersion("caplab-trace-bundle/2") // 2
 */
export function traceBundleFormatVersion(format: unknown): number | null {
  const m = typeof format === "string" ? BUNDLE_FORMAT_TEXT.exec(format) : null;
  return m === null ? null : Number(m[1]);
}

/**
 * The format a manifest is written in: version 2 when it holds `current.deployment` or
 * `current.platform`, else version 1.
 */
export function bundleFormatFor(manifest: { readonly current?: object | undefined }): string {
  const current = manifest.current as { deployment?: unknown; platform?: unknown } | undefined;
  return current?.deployment !== undefined || current?.platform !== undefined
    ? "caplab-trace-bundle/2"
    : BUNDLE_FORMAT;
}

/**
 * Periods CloudWatch takes below a minute (high resolution, data under 3 hours old); above a
 * minute, any multiple of 60 s (reference/aws-ecs-scaling.md §5).
 */
export const SUB_MINUTE_PERIODS = [1, 5, 10, 20, 30] as const;
export const BUNDLE_MANIFEST = "manifest.json";
export const BUNDLE_REQUESTS_SERIES = "requests";

/**
 * A part of a bundle series id (a TaskId, a container or metric name): anything outside
 * [A-Za-z0-9_-] becomes `_`, so ids stay file names. @example seriesIdPart("log router/v2") // "log_router_v2"
 */
export function seriesIdPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "_") || "_";
}

/**
 * Why `path` cannot name a file of a bundle, or null when it can: a bundle names only files
 * inside its own folder, by a relative path without `..` (checked on the text here; the
 * readers in analysis/io/files/bundle-files.ts also check where symbolic links lead).
 *
 * @example bundlePathProblem("series/requests.csv") // null
 * @example bundlePathProblem("../../etc/passwd")    // '".." leads out of the bundle, …'
 */
export function bundlePathProblem(path: string): string | null {
  if (path === "" || path.includes("\0")) return "it is not a file name; re-create the bundle";
  if (path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path))
    return "it is an absolute path, and a bundle names only files inside its own folder; re-create the bundle";
  if (path.split(/[\\/]/).includes(".."))
    return '".." leads out of the bundle, which names only files inside its own folder; re-create the bundle';
  return null;
}

/** A manifest field that names a file of the bundle ({@link bundlePathProblem}). */
const BundlePathSchema = z.string().superRefine((path, ctx) => {
  const problem = bundlePathProblem(path);
  if (problem !== null) ctx.addIssue({ code: "custom", message: problem, input: path });
});

export const BundleSeriesSchema = z
  .object({
    /** Stable id, also the file name: `series/<id>.csv`. */
    id: z.string().regex(/^[A-Za-z0-9_.-]+$/),
    /** The series' CSV, relative to the bundle folder ({@link bundlePathProblem}). */
    file: BundlePathSchema,
    namespace: z.string().optional(),
    metricName: z.string(),
    stat: z.string().optional(),
    dimensions: z.array(z.object({ Name: z.string(), Value: z.string() })).default([]),
    unit: z.string().optional(),
    /** Step of the series, seconds. */
    periodSeconds: z.number().positive(),
  })
  .strict();
export type BundleSeries = z.output<typeof BundleSeriesSchema>;

/**
 * The platform parameters a target group sets (ELBv2: HealthCheckIntervalSeconds and the
 * attributes deregistration_delay.timeout_seconds, slow_start.duration_seconds and
 * load_balancing.algorithm.type), as `caplab collect` records them in manifest.current.
 */
export const TargetGroupPlatformSchema = PlatformSchema.pick({
  healthCheckIntervalSeconds: true,
  healthCheckTimeoutSeconds: true,
  unhealthyThresholdCount: true,
  healthyThresholdCount: true,
  deregistrationDelaySeconds: true,
  slowStartSeconds: true,
  loadBalancingAlgorithm: true,
  // The ECS service's own: its health-check grace period and maximumPercent (DescribeServices).
  healthCheckGracePeriodSeconds: true,
  maximumPercent: true,
});
export type TargetGroupPlatform = z.output<typeof TargetGroupPlatformSchema>;

export const TraceBundleManifestSchema = z
  .object({
    /** `caplab-trace-bundle/N` ({@link BUNDLE_FORMAT}); the writer sets it ({@link bundleFormatFor}). */
    format: z
      .string()
      .regex(BUNDLE_FORMAT_TEXT, "a trace bundle's format is caplab-trace-bundle/N"),
    caplabVersion: z.string(),
    createdAt: z.string(),
    /** What the data came from: "cloudwatch", "alb-access-logs", "nginx", "csv", "k6-json", "simulator". */
    source: z.object({ kind: z.string(), detail: z.string().default("") }).strict(),
    window: z.object({ from: z.string(), to: z.string() }).strict(),
    /** Step of the requests series (without one, the most common period of the others), seconds. */
    stepSeconds: z.number().positive(),
    series: z.array(BundleSeriesSchema),
    /** The service's configuration when the data was taken, in the `simulate` config's words. */
    current: z
      .object({
        task: TaskSizeSchema,
        scaling: ScalingSchema,
        /** The service's deployment settings (`caplab collect`, from DescribeServices). */
        deployment: DeploymentSettingsSchema.optional(),
        /**
         * The target group's settings the simulator has parameters for (`caplab collect`, from
         * ELBv2 DescribeTargetGroups and DescribeTargetGroupAttributes). simulate, plan and
         * calibrate take them unless the config's `platform:` sets them.
         */
        platform: TargetGroupPlatformSchema.optional(),
      })
      .strict()
      .optional(),
    /** Other files in the bundle, by role, relative to the bundle folder. */
    files: z.record(z.string(), BundlePathSchema).default({}),
    /** Counts and notes from the import (bad lines, partial data, retries). */
    notes: z.array(z.string()).default([]),
  })
  .strict();
export type TraceBundleManifest = z.output<typeof TraceBundleManifestSchema>;
