/**
 * The run bundle: what `caplab run` and `caplab import --format k6` write and what `report`,
 * `gate`, `history` and `calibrate` read (analysis/io/files/run-bundle.ts). A folder:
 *
 *   manifest.json         RunBundleManifest (this schema)
 *   k6.json.gz            k6's `--out json` NDJSON, gzipped (files.k6Json)
 *   summary.json          optional: k6's `--summary-export` (files.summaryExport)
 *   caplab-summary.json   optional: the scenario's handleSummary verdicts (files.caplabSummary)
 *   thresholds.json       optional: thresholds caplab judged on the points (files.thresholds):
 *                         a distributed run's, or an import's
 *   plan.json             optional: the scenario plan (its `slo` is the gate's default SLO)
 *   segments/<i>/         `--on ecs`: each segment's gathered output
 *   server/               optional: a trace bundle of the server side (caplab collect)
 *   trace/                `import --format k6`: the requests per step as a trace bundle, so
 *                         `simulate` and `plan` take the bundle as a trace (files.trace)
 *   testrun.yaml          `--on k8s`: the k6-operator TestRun to apply
 *
 * Times are ISO 8601 UTC. Every file the manifest names is a path inside the bundle
 * ({@link bundlePathProblem}).
 */
import { z } from "zod";
import { bundlePathProblem } from "./bundle.js";

export const RUN_BUNDLE_FORMAT = "caplab-run-bundle/1" as const;

/** A manifest field that names a file of the bundle ({@link bundlePathProblem}). */
const BundlePathSchema = z.string().superRefine((path, ctx) => {
  const problem = bundlePathProblem(path);
  if (problem !== null) ctx.addIssue({ code: "custom", message: problem, input: path });
});

/** Where the run's load came from. */
export const RUN_ORIGINS = ["local", "ecs", "k8s", "import"] as const;

/** One execution segment of a distributed run on ECS. */
const EcsSegmentSchema = z
  .object({
    index: z.number().int().nonnegative(),
    /** k6's `--execution-segment`, e.g. `1/3:2/3`. */
    segment: z.string(),
    sequence: z.string(),
    taskArn: z.string(),
    exitCode: z.number().int().nullable(),
    stoppedReason: z.string().nullable().optional(),
    output: z.union([
      z
        .object({
          found: z.literal(true),
          file: BundlePathSchema,
          source: z.string(),
          points: z.number().int().nonnegative().nullable(),
          otherLines: z.number().int().nonnegative(),
          extras: z.array(BundlePathSchema),
        })
        .strict(),
      z.object({ found: z.literal(false), source: z.string(), reason: z.string() }).strict(),
    ]),
  })
  .strict();

export const RunBundleManifestSchema = z
  .object({
    format: z.literal(RUN_BUNDLE_FORMAT),
    /** The run's id (`caplab-` and 8 hex digits for `caplab run`); default: the folder's name. */
    runId: z.string().min(1).optional(),
    on: z.enum(RUN_ORIGINS).optional(),
    scenario: z
      .object({
        /** A library scenario (`constant`, …), a script's name, or the scenario k6 tagged. */
        name: z.string(),
        /** The script run (`caplab run`). */
        path: z.string().optional(),
        sha256: z.string().optional(),
      })
      .strict()
      .optional(),
    /** The target's origin (scheme, host, port): never a user, password or path. */
    target: z.string().nullable().optional(),
    /** plan.json when the scenario has a plan. */
    plan: BundlePathSchema.nullable().optional(),
    gitCommit: z.string().nullable().optional(),
    caplabVersion: z.string().optional(),
    k6Version: z.string().nullable().optional(),
    /** When the bundle was written (`--on k8s`, `import`). */
    createdAt: z.string().optional(),
    startedAt: z.string().optional(),
    /** `--sync-start`: when the segments were resumed together. */
    loadStartedAt: z.string().optional(),
    endedAt: z.string().optional(),
    /** k6's exit code (the run's, for a distributed run); null when k6 gave none or was not run here. */
    k6ExitCode: z.number().int().nullable().optional(),
    /** The exit code explained. */
    k6Exit: z.string().optional(),
    /** Ctrl-C or SIGTERM stopped the run; the bundle holds what k6 wrote until then. */
    interrupted: z.boolean().optional(),
    syncStart: z.object({ port: z.number().int() }).strict().nullable().optional(),
    /** `--on ecs`: each segment; `--on k8s`: the segments' `--execution-segment` values. */
    segments: z.union([z.array(EcsSegmentSchema), z.array(z.string())]).optional(),
    /** `--on ecs`: how the segments' outputs were gathered and merged. */
    outputs: z
      .object({
        gathered: z.boolean(),
        from: z.enum(["s3", "logs"]),
        uri: z.string().optional(),
        logGroup: z.string().optional(),
        merged: z.array(z.number().int()),
        missing: z.array(z.number().int()),
        points: z.number().int().nonnegative(),
      })
      .strict()
      .optional(),
    /** `--on k8s`: the TestRun file. */
    testRun: BundlePathSchema.optional(),
    /** `caplab import --format k6`: what was read, and where the thresholds came from. */
    import: z
      .object({
        sources: z.array(z.string()),
        summaryExport: z.string().nullable(),
        /** Where the judged thresholds came from: `--thresholds FILE`, the summary export, the k6 output's Metric lines. */
        thresholdsFrom: z.array(z.string()),
        lines: z.number().int().nonnegative(),
        badLines: z.number().int().nonnegative(),
      })
      .strict()
      .optional(),
    /** Files of the bundle by role: k6Json, summaryExport, caplabSummary, thresholds, segments, trace, serverSide. */
    files: z.record(z.string(), BundlePathSchema).default({}),
    /** Whether the server side was collected, and if not why (with the window to collect later). */
    serverSide: z
      .object({
        collected: z.boolean(),
        reason: z.string().optional(),
        cluster: z.string().optional(),
        service: z.string().optional(),
        window: z.object({ from: z.string(), to: z.string() }).strict().optional(),
      })
      .strict()
      .optional(),
    /** Counts and notes (bad lines, where values came from). */
    notes: z.array(z.string()).optional(),
  })
  .strict();
export type RunBundleManifest = z.output<typeof RunBundleManifestSchema>;
export type RunBundleManifestInput = z.input<typeof RunBundleManifestSchema>;
