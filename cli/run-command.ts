/**
 * `caplab run SCENARIO --target URL [--collect CLUSTER/SERVICE] [--out DIR]`: runs k6 on a
 * scenario and writes one run bundle; with `--segments N --on ecs|k8s`, spreads the test over
 * N execution segments instead.
 *
 *   SCENARIO (name or path) + plan (defaults, --plan FILE, or --trace for trace-replay)
 *     ──local──▶ k6 run --out json=DIR/k6.json.gz --summary-export DIR/summary.json
 *                (k6's progress passed through; its exit code kept and explained)
 *     ──ecs────▶ RunTask × N, each `--no-thresholds` (scenarios/io/ecs-segments.ts)
 *                [--sync-start: all RUNNING, k6 REST API ready, PATCH resume (segment-start.ts)]
 *                ──wait──▶ per-task exit codes
 *                ──gather (--results s3://… | logs: scenarios/io/segment-outputs.ts)──▶
 *                  DIR/segments/<i>/k6.json.gz ──mergeK6Outputs──▶ DIR/k6.json.gz
 *                ──evaluateThresholds(thresholdsFor(plan), merged aggregates)──▶
 *                  DIR/thresholds.json; exit as k6 would (99 when one failed)
 *     ──k8s────▶ DIR/testrun.yaml (k6-operator TestRun, parallelism N)
 *   then DIR/manifest.json: scenario and its sha256, plan, git commit, k6 and caplab versions,
 *   start and end, k6's exit code, what was (not) collected. A run bundle from ECS has the
 *   same files as a one-machine one (k6.json.gz; thresholds.json stands for the summary), so
 *   report, gate and calibrate read it unchanged.
 *
 * The target goes to k6 through the environment (CAPLAB_TARGET), never the command line;
 * the manifest records its origin only, and never a token or header.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import { S3Client } from "@aws-sdk/client-s3";
import { stringify as toYaml } from "yaml";
import {
  ENV_VARS,
  SHAPE_KINDS,
  defaultPlan,
  executionSegments,
  parsePlan,
  shapeSeconds,
  thresholdsFor,
  traceToStages,
  type ExecutionSegment,
  type ScenarioPlan,
  type ShapeKind,
} from "../scenarios/plan/k6-plan.js";
import {
  evaluateThresholds,
  renderThresholdResult,
  thresholdNeeds,
  type ThresholdResult,
} from "../scenarios/plan/k6-thresholds.js";
import {
  launchSegments,
  SegmentLaunchError,
  stopSegments,
  waitForRunning,
  waitForSegments,
  SegmentStartError,
  type LaunchedSegment,
  type SegmentResult,
} from "../scenarios/io/ecs-segments.js";
import { mergeK6Outputs, type MergeResult } from "../scenarios/io/k6-merge.js";
import {
  awsLogsConfig,
  fetchLogsOutput,
  fetchS3Output,
  LOGS_SETTLE_SECONDS,
  parseResultsFlag,
  RESULTS_URI_ENV,
  runResultsUri,
  segmentResultsUri,
  TASK_OUTPUT_FILE,
  TASK_SUMMARY_FILE,
  type AwsLogsConfig,
  type ResultsDestination,
  type SegmentOutput,
} from "../scenarios/io/segment-outputs.js";
import {
  K6_API_PORT,
  K6UnreachableError,
  resumeK6,
  SYNC_START_TIMEOUT_SECONDS,
  waitForK6Apis,
} from "../scenarios/io/segment-start.js";
import { RUN_BUNDLE_FORMAT, type TraceSource } from "../sim/vocab/index.js";
import {
  historyLockTimeoutMs,
  recordRun,
  resolveHistoryPath,
} from "../analysis/io/history/history-db.js";
import {
  awsClientOptions,
  awsTimeoutsOf,
  explainAwsFailure,
  guardAwsClient,
  type AwsTimeouts,
} from "../analysis/io/aws/aws-client.js";
import { runCollectCommand } from "./collect-command.js";
import { loadRunBundle, writeRunManifest } from "../analysis/io/files/run-bundle.js";
import { printable } from "../reports/escape.js";
import { HISTORY_EXIT_CODE, HistoryError, UsageError } from "../sim/vocab/errors.js";
import type { Io } from "./main.js";
import {
  prepareOutputFolder,
  writeFileAtomic,
  writeJsonAtomic,
  type OutputFolder,
} from "../analysis/io/files/output.js";
import { parseHttpUrl } from "../analysis/io/files/urls.js";
import { loadTraceSource } from "../analysis/io/files/trace-file.js";
import { PACKAGE_ROOT_URL } from "../sim/io/package-root.js";
import { RUN_DEFAULTS } from "../sim/vocab/defaults.js";

export { RUN_BUNDLE_FORMAT };

/** The IAM policy that lists the actions `caplab run --on ecs` calls. */
export const RUN_POLICY = "examples/iam/run-policy.json";

/**
 * Seconds to wait after the test before collecting CloudWatch data: 60-s metrics become
 * available 2–3 min after the minute closes (RUN_DEFAULTS, sim/vocab/defaults.ts). @default 180
 */
export const CLOUDWATCH_PUBLICATION_DELAY_SECONDS = RUN_DEFAULTS.collectWaitSeconds;

/** What k6's exit codes mean (reference/k6.md §3.6). */
export const K6_EXIT_CODES: Readonly<Record<number, string>> = {
  0: "success: thresholds passed (or none defined)",
  97: "cloud test run failed",
  98: "lost progress sync with the cloud",
  99: "thresholds crossed: the SLO was not met (or abortOnFail stopped the test)",
  100: "setup() timed out",
  101: "teardown() timed out",
  102: "a timeout (handleSummary or other)",
  103: "stopped through the REST API",
  104: "invalid config: bad options, thresholds or flags",
  105: "aborted by SIGINT or SIGTERM",
  106: "the REST API address could not be bound",
  107: "script exception while loading the script (bad plan, missing CAPLAB_TARGET, syntax error)",
  108: "the script called exec.test.abort()",
  109: "k6 panicked",
  110: "the script called exec.test.fail(): the run finished but is marked failed",
  255: "an error without a specific exit code",
};

/** "k6 exited 99: thresholds crossed: …". */
export function explainK6Exit(code: number | null): string {
  if (code === null) return "k6 did not report an exit code (killed by a signal?)";
  return `k6 exited ${code}: ${K6_EXIT_CODES[code] ?? "an exit code caplab does not know"}`;
}

export interface RunOptions {
  readonly target: string;
  readonly out: string;
  readonly collect?: string;
  readonly plan?: string;
  readonly trace?: string;
  readonly scale?: number;
  readonly compress?: number;
  readonly segments?: number;
  readonly on?: string;
  readonly cluster?: string;
  readonly taskDefinition?: string;
  readonly subnets?: readonly string[];
  readonly securityGroups?: readonly string[];
  readonly container?: string;
  /** Where the scenario is inside the k6 image / ConfigMap. @default /scenarios/<name>.js */
  readonly scriptInImage?: string;
  /** Give up waiting for ECS tasks after this many seconds. @default test length + 900 */
  readonly waitSeconds?: number;
  /** `--on ecs`: where segment outputs are gathered from, `s3://bucket/prefix` or `logs`. */
  readonly results?: string;
  /** `--on ecs`: start every segment paused and resume them together (k6 REST API). */
  readonly syncStart?: boolean;
  /** Port of k6's REST API in the tasks. @default 6565 (K6_API_PORT) */
  readonly syncPort?: number;
  /** Seconds to wait for every k6 to be ready once the tasks run. @default 300 */
  readonly syncTimeout?: number;
  /** Write --out even when caplab did not write what is there (it is kept as a backup). */
  readonly force?: boolean;
  /** `--on ecs`: seconds to wait for a connection to AWS. @default 10 */
  readonly connectTimeout?: number;
  /** `--on ecs`: seconds to wait for each AWS answer, and the longest silence within one. @default 60 */
  readonly requestTimeout?: number;
}

/** Server-side collection after a run (the collector from the collect issue). */
export type ServerSideCollector = (request: {
  readonly cluster: string;
  readonly service: string;
  readonly from: Date;
  readonly to: Date;
  readonly out: string;
  readonly timeouts: AwsTimeouts;
}) => Promise<{ collected: true; files: Record<string, string> }>;

/** The outside world of `caplab run`, replaceable in tests. */
export interface RunDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** The ECS client, with the run's AWS timeouts (`--connect-timeout`, `--request-timeout`). */
  readonly ecs: (timeouts: AwsTimeouts) => ECSClient;
  /** The S3 client segment outputs are fetched with (`--results s3://…`). */
  readonly s3: (timeouts: AwsTimeouts) => S3Client;
  /** The CloudWatch Logs client (`--results logs`), in the log group's region when it has one. */
  readonly logs: (region: string | null, timeouts: AwsTimeouts) => CloudWatchLogsClient;
  /** A new run id: `caplab-` and 8 hex digits. */
  readonly runId: () => string;
  /** Collects the server side for the run's window (`caplab collect`); null to skip. */
  readonly collector: ServerSideCollector | null;
  /**
   * Calls `handler` on the first Ctrl-C (SIGINT) or SIGTERM while segments run; returns the
   * function that stops listening. A second signal is not caught (the default: exit).
   */
  readonly onInterrupt?: (handler: () => void) => () => void;
}

/** SIGINT or SIGTERM, once each listener, removed again by the returned function. */
export function onProcessInterrupt(handler: () => void): () => void {
  const once = () => {
    process.off("SIGINT", once);
    process.off("SIGTERM", once);
    handler();
  };
  process.once("SIGINT", once);
  process.once("SIGTERM", once);
  return () => {
    process.off("SIGINT", once);
    process.off("SIGTERM", once);
  };
}

export const defaultRunDeps: RunDeps = {
  env: process.env,
  now: () => new Date(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  ecs: (timeouts) => new ECSClient(awsClientOptions(timeouts)),
  s3: (timeouts) => new S3Client({ ...awsClientOptions(timeouts), followRegionRedirects: true }),
  logs: (region, timeouts) =>
    new CloudWatchLogsClient({
      ...awsClientOptions(timeouts),
      ...(region === null ? {} : { region }),
    }),
  runId: () => `caplab-${randomBytes(4).toString("hex")}`,
  collector: async ({ cluster, service, from, to, out, timeouts }) => {
    const stderrOnly: Io = {
      out: (t) => process.stderr.write(printable(t)),
      err: (t) => process.stderr.write(printable(t)),
      isTty: false,
    };
    const code = await runCollectCommand(
      {
        cluster,
        service,
        from: from.toISOString(),
        to: to.toISOString(),
        out,
        quiet: true,
        connectTimeout: timeouts.connectTimeoutSeconds,
        requestTimeout: timeouts.requestTimeoutSeconds,
      },
      stderrOnly,
    );
    if (code !== 0) throw new Error(`caplab collect ${cluster}/${service} exited with ${code}`);
    return { collected: true, files: { serverSide: "server" } };
  },
};

const repoRoot = fileURLToPath(new URL(".", PACKAGE_ROOT_URL));

/** A library scenario name → its file (the .ts source in a checkout, else the bundled .js). */
export function resolveScenario(scenario: string): { path: string; kind: ShapeKind | null } {
  if ((SHAPE_KINDS as readonly string[]).includes(scenario)) {
    const kind = scenario as ShapeKind;
    for (const p of [
      join(repoRoot, "scenarios", `${kind}.ts`),
      join(repoRoot, "dist", "scenarios", `${kind}.js`),
    ])
      if (existsSync(p)) return { path: p, kind };
  }
  const path = resolve(scenario);
  if (!existsSync(path))
    throw new UsageError(
      `scenario "${scenario}" is neither a file nor one of ${SHAPE_KINDS.join(", ")}.`,
      "missing-file",
    );
  const base = path.replace(/^.*[\\/]/, "").replace(/\.(ts|js)$/, "");
  const kind = (SHAPE_KINDS as readonly string[]).includes(base) ? (base as ShapeKind) : null;
  return { path, kind };
}

/** The k6 binary: K6_BIN, else `k6` on PATH. */
export function findK6(env: Readonly<Record<string, string | undefined>>): string {
  const explicit = env.K6_BIN;
  if (explicit !== undefined && explicit !== "") {
    if (!existsSync(explicit))
      throw new UsageError(
        `K6_BIN points to ${explicit}, which does not exist; fix the path or unset it.`,
        "k6-missing",
      );
    return explicit;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, process.platform === "win32" ? "k6.exe" : "k6");
    if (existsSync(candidate)) return candidate;
  }
  throw new UsageError(
    "k6 was not found on PATH; install it (https://grafana.com/docs/k6/latest/set-up/install-k6/) or set K6_BIN to the binary (the npm package named k6 is an empty placeholder).",
    "k6-missing",
  );
}

/**
 * Runs a process, passing its output through `io`; resolves with its exit code. With
 * `interrupt`, the process runs in a process group of its own (a Ctrl-C at the terminal
 * reaches caplab only) and gets SIGINT once when `interrupt` aborts: k6 then ends the test,
 * writes its outputs and exits 105, exactly once however the signal reached caplab.
 */
function runProcess(
  bin: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  io: Io,
  echo = true,
  interrupt?: AbortSignal,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: interrupt !== undefined,
    });
    const forward = () => child.kill("SIGINT");
    interrupt?.addEventListener("abort", forward, { once: true });
    child.on("close", () => interrupt?.removeEventListener("abort", forward));
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (echo) io.out(chunk.toString());
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (echo) io.err(chunk.toString());
    });
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout }));
  });
}

/** "k6 v2.3.0 (…)" → "v2.3.0 (…)"; null when `k6 version` fails. */
async function k6Version(bin: string, io: Io): Promise<string | null> {
  try {
    const { code, stdout } = await runProcess(bin, ["version"], { ...process.env }, io, false);
    return code === 0 ? stdout.trim().replace(/^k6\s+/, "") : null;
  } catch {
    return null;
  }
}

/** The commit checked out at or above `dir`, read from .git (no git process); null if none. */
export async function gitCommit(dir: string): Promise<string | null> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const head = join(d, ".git", "HEAD");
    if (existsSync(head)) {
      const text = (await readFile(head, "utf8")).trim();
      if (/^[0-9a-f]{40}$/.test(text)) return text;
      const ref = /^ref: (.+)$/.exec(text)?.[1];
      if (ref === undefined) return null;
      const loose = join(d, ".git", ref);
      if (existsSync(loose)) return (await readFile(loose, "utf8")).trim();
      const packed = join(d, ".git", "packed-refs");
      if (!existsSync(packed)) return null;
      const line = (await readFile(packed, "utf8")).split("\n").find((l) => l.endsWith(` ${ref}`));
      return line?.split(" ")[0] ?? null;
    }
    if (dirname(d) === d) return null;
  }
}

async function caplabVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/**
 * The target's origin (scheme, host, port): what the manifest records. A target that is not
 * an http(s) URL, or that carries a user name or password, is refused here, before anything
 * is written, started or sent on any path (local k6, a script, --on ecs, --on k8s).
 */
function targetOrigin(target: string): string {
  const url = parseHttpUrl("--target", target, "target");
  return `${url.protocol}//${url.host}`;
}

/** The scenario's plan: --plan file, --trace for a replay, or the shape's defaults. */
async function buildPlan(kind: ShapeKind | null, opts: RunOptions): Promise<ScenarioPlan | null> {
  let plan: ScenarioPlan | null = null;
  if (opts.plan !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(opts.plan, "utf8"));
    } catch (error) {
      throw new UsageError(
        `--plan ${opts.plan} is not a readable JSON file: ${(error as Error).message}.`,
        "bad-config",
        { cause: error },
      );
    }
    const parsed = parsePlan(json);
    if (!parsed.ok) throw new UsageError(`${opts.plan}: ${parsed.error}`, "bad-config");
    plan = parsed.value;
  } else if (kind !== null) {
    plan = defaultPlan(kind);
  }
  if (opts.trace !== undefined) {
    const { trace } = await loadTraceSource(
      { file: opts.trace, scale: 1, seed: 1 } as TraceSource,
      process.cwd(),
      () => {},
    );
    const shape = traceToStages(trace, { scale: opts.scale ?? 1, compress: opts.compress ?? 1 });
    plan = { ...(plan ?? defaultPlan("trace-replay")), shape };
  } else if (kind === "trace-replay" && opts.plan === undefined) {
    throw new UsageError(
      "trace-replay needs --trace FILE (a trace CSV or bundle) or --plan FILE.",
      "bad-flag",
    );
  }
  if (plan !== null && kind !== null && plan.shape.kind !== kind)
    throw new UsageError(
      `the ${kind} scenario cannot run a ${plan.shape.kind} plan; pick the matching scenario.`,
      "bad-config",
    );
  return plan;
}

/** Runs `caplab run` and returns the process exit code (k6's, or 2 for a usage error). */
export async function runRunCommand(
  scenario: string,
  opts: RunOptions,
  io: Io,
  deps: RunDeps = defaultRunDeps,
): Promise<number> {
  const origin = targetOrigin(opts.target);
  const ecsOnly = (
    [
      ["--results", opts.results],
      ["--sync-start", opts.syncStart],
      ["--sync-port", opts.syncPort],
      ["--sync-timeout", opts.syncTimeout],
    ] as const
  ).filter(([, v]) => v !== undefined && v !== false);
  if (ecsOnly.length > 0 && opts.on !== "ecs")
    throw new UsageError(
      `${ecsOnly.map(([f]) => f).join(", ")} go${ecsOnly.length === 1 ? "es" : ""} with --segments N --on ecs only.`,
      "bad-flag",
    );
  if (
    (opts.connectTimeout !== undefined || opts.requestTimeout !== undefined) &&
    opts.on !== "ecs" &&
    opts.collect === undefined
  )
    throw new UsageError(
      "--connect-timeout and --request-timeout bound AWS calls: they go with --on ecs or --collect.",
      "bad-flag",
    );
  const { path, kind } = resolveScenario(scenario);
  const plan = await buildPlan(kind, opts);
  parseCollectFlag(opts.collect);
  // The bundle is written into a fresh temporary folder that is swapped in when the run is
  // over: a run that fails before k6 ran leaves --out as it was, and one that ran (whatever
  // k6's exit code, Ctrl-C included) leaves a whole, marked bundle.
  const output = await prepareOutputFolder(opts.out, {
    command: "run",
    force: opts.force,
    inputs: [
      path,
      ...(opts.plan === undefined ? [] : [opts.plan]),
      ...(opts.trace === undefined ? [] : [opts.trace]),
    ],
    notify: (message) => io.err(`caplab: ${message}\n`),
  });
  const out = output.path;
  const manifestBase = {
    format: RUN_BUNDLE_FORMAT,
    scenario: {
      name: kind ?? scenario,
      path,
      sha256: createHash("sha256")
        .update(await readFile(path))
        .digest("hex"),
    },
    target: origin,
    plan: plan === null ? null : "plan.json",
    gitCommit: await gitCommit(process.cwd()),
    caplabVersion: await caplabVersion(),
  };
  const runId = deps.runId();

  if (opts.segments !== undefined || opts.on !== undefined) {
    const n = opts.segments ?? 1;
    if (opts.on === "k8s")
      return writeTestRun(n, kind ?? scenario, plan, opts, runId, io, manifestBase, deps, output);
    if (opts.on === "ecs")
      return runOnEcs(n, kind ?? scenario, plan, opts, runId, io, manifestBase, deps, output);
    throw new UsageError(
      "--segments needs --on ecs or --on k8s (one machine runs a single segment).",
      "bad-flag",
    );
  }

  const k6 = findK6(deps.env);
  const version = await k6Version(k6, io);
  const code = await output.write(
    async (dir, signal) => {
      if (plan !== null) await writeJsonAtomic(join(dir, "plan.json"), plan);
      const args = [
        "run",
        "--out",
        `json=${join(dir, "k6.json.gz")}`,
        "--summary-export",
        join(dir, "summary.json"),
        "--tag",
        `testid=${runId}`,
        path,
      ];
      const env = {
        ...deps.env,
        [ENV_VARS.target]: opts.target,
        [ENV_VARS.summary]: join(dir, "caplab-summary.json"),
        ...(plan === null ? {} : { [ENV_VARS.plan]: join(dir, "plan.json") }),
      };
      // Stopped before k6 started: nothing to keep.
      if (signal.aborted) throw signal.reason;
      const startedAt = deps.now();
      io.err(`caplab: k6 ${version ?? "(unknown version)"} run ${path} → ${out}\n`);
      const { code } = await runProcess(k6, args, env, io, true, signal);
      const endedAt = deps.now();
      io.err(`caplab: ${explainK6Exit(code)}\n`);
      const serverSide = await collectServerSide(
        opts.collect,
        startedAt,
        endedAt,
        dir,
        io,
        deps,
        signal,
        awsTimeoutsOf(opts),
      );
      await writeRunManifest(join(dir, "manifest.json"), {
        ...manifestBase,
        runId,
        on: "local",
        k6Version: version,
        startedAt: startedAt.toISOString(),
        endedAt: endedAt.toISOString(),
        k6ExitCode: code,
        k6Exit: explainK6Exit(code),
        ...(signal.aborted ? { interrupted: true } : {}),
        files: {
          k6Json: "k6.json.gz",
          summaryExport: "summary.json",
          caplabSummary: "caplab-summary.json",
          ...serverSide.files,
        },
        serverSide: serverSide.record,
      });
      return code;
    },
    { interrupt: "finish" },
  );
  return recordInHistory(out, code ?? 1, io, deps);
}

/**
 * Adds the run bundle to the history database. When the history cannot be written the run
 * is still complete on disk: one sentence says so, and the exit code becomes 74 unless k6's
 * own code is already non-zero (which says more, and which it outranks).
 */
async function recordInHistory(out: string, code: number, io: Io, deps: RunDeps): Promise<number> {
  let run: Awaited<ReturnType<typeof loadRunBundle>>;
  try {
    run = await loadRunBundle(out);
  } catch (error) {
    // k6 stopped before writing a readable output: nothing to record; k6's code says why.
    io.err(`caplab: run not recorded in history: ${(error as Error).message}\n`);
    return code;
  }
  try {
    await recordRun(resolveHistoryPath(undefined, deps.env, process.cwd()), run, {
      bundle: out,
      lockTimeoutMs: historyLockTimeoutMs(deps.env),
    });
    return code;
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    io.err(`caplab: the run bundle is complete but not recorded: ${error.message}\n`);
    return code === 0 ? HISTORY_EXIT_CODE : code;
  }
}

/** `--collect CLUSTER/SERVICE`, checked before the test starts; null without the flag. */
function parseCollectFlag(
  collect: string | undefined,
): { readonly cluster: string; readonly service: string } | null {
  if (collect === undefined) return null;
  const [cluster, service, ...rest] = collect.split("/");
  if (!cluster || !service || rest.length > 0)
    throw new UsageError(`--collect takes CLUSTER/SERVICE, not "${collect}".`, "bad-flag");
  return { cluster, service };
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function sleepUnlessAborted(
  sleep: RunDeps["sleep"],
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return Promise.race([
    sleep(ms),
    new Promise<void>((done) => signal.addEventListener("abort", () => done(), { once: true })),
  ]);
}

async function collectServerSide(
  collect: string | undefined,
  startedAt: Date,
  endedAt: Date,
  out: string,
  io: Io,
  deps: RunDeps,
  signal: AbortSignal,
  timeouts: AwsTimeouts,
): Promise<{ record: Record<string, unknown>; files: Record<string, string> }> {
  const target = parseCollectFlag(collect);
  if (target === null) return { record: { collected: false, reason: "no --collect" }, files: {} };
  const { cluster, service } = target;
  const window = { from: startedAt.toISOString(), to: endedAt.toISOString() };
  const skipped = (reason: string) => {
    io.err(
      `caplab: ${reason}; collect ${cluster}/${service} for ${window.from} – ${window.to} later.\n`,
    );
    return { record: { collected: false, reason, cluster, service, window }, files: {} };
  };
  if (signal.aborted) return skipped("server side not collected: the run was interrupted");
  if (deps.collector === null) {
    const reason = "server side not collected: no collector in this build";
    io.err(
      `caplab: ${reason}; collect ${cluster}/${service} for ${window.from} – ${window.to} later.\n`,
    );
    return { record: { collected: false, reason, cluster, service, window }, files: {} };
  }
  io.err(
    `caplab: waiting ${CLOUDWATCH_PUBLICATION_DELAY_SECONDS} s for CloudWatch to publish the last minutes…\n`,
  );
  await sleepUnlessAborted(deps.sleep, CLOUDWATCH_PUBLICATION_DELAY_SECONDS * 1000, signal);
  if (signal.aborted) return skipped("server side not collected: the run was interrupted");
  try {
    const result = await deps.collector({
      cluster,
      service,
      from: startedAt,
      to: endedAt,
      out: join(out, "server"),
      timeouts,
    });
    return { record: { collected: true, cluster, service, window }, files: result.files };
  } catch (error) {
    // The load test happened: keep its results and say what is missing.
    const reason = `server side not collected: ${(error as Error).message}`;
    io.err(`caplab: ${reason}; run caplab collect for ${window.from} – ${window.to} later.\n`);
    return { record: { collected: false, reason, cluster, service, window }, files: {} };
  }
}

type ManifestBase = Record<string, unknown>;

/** How the segments of an ECS run are started and where they leave their output. */
interface SegmentMode {
  readonly results: ResultsDestination;
  /** The k6 REST API port for a synchronised start; null to start each task at once. */
  readonly syncPort: number | null;
}

function segmentArgs(
  segment: ExecutionSegment,
  script: string,
  runId: string,
  mode: SegmentMode,
): string[] {
  const output =
    mode.results.kind === "logs"
      ? // JSON lines on stdout for the awslogs driver; --quiet keeps progress lines out of it
        // (k6's own messages go to stderr).
        ["--quiet", "--out", "json=/dev/stdout"]
      : ["--out", `json=${TASK_OUTPUT_FILE}`, "--summary-export", TASK_SUMMARY_FILE];
  const sync = mode.syncPort === null ? [] : ["--paused", "--address", `0.0.0.0:${mode.syncPort}`];
  return [
    "run",
    "--execution-segment",
    segment.segment,
    "--execution-segment-sequence",
    segment.sequence,
    // Each instance sees only its slice; thresholds are evaluated on the merged points.
    "--no-thresholds",
    "--tag",
    `testid=${runId}`,
    "--tag",
    `instance_id=${segment.index}`,
    ...output,
    ...sync,
    script,
  ];
}

/** A TCP port from a flag, 1–65535. */
function portFlag(flag: string, value: number | undefined, fallback: number): number {
  const port = value ?? fallback;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`${flag} takes a TCP port (1–65535), not ${value}.`, "bad-flag");
  return port;
}

async function runOnEcs(
  n: number,
  name: string,
  plan: ScenarioPlan | null,
  opts: RunOptions,
  runId: string,
  io: Io,
  manifestBase: ManifestBase,
  deps: RunDeps,
  output: OutputFolder,
): Promise<number> {
  const missingFlags = [
    ["--cluster", opts.cluster],
    ["--task-definition", opts.taskDefinition],
    ["--subnets", opts.subnets?.length ? "ok" : undefined],
    ["--results s3://bucket/prefix or --results logs", opts.results],
  ].filter(([, v]) => v === undefined);
  if (missingFlags.length > 0)
    throw new UsageError(`--on ecs needs ${missingFlags.map(([f]) => f).join(", ")}.`, "bad-flag");
  const cluster = opts.cluster as string;
  const taskDefinition = opts.taskDefinition as string;
  const container = opts.container ?? "k6";
  const results = parseResultsFlag(opts.results as string);
  if (!opts.syncStart && (opts.syncPort !== undefined || opts.syncTimeout !== undefined))
    throw new UsageError("--sync-port and --sync-timeout go with --sync-start.", "bad-flag");
  const mode: SegmentMode = {
    results,
    syncPort: opts.syncStart ? portFlag("--sync-port", opts.syncPort, K6_API_PORT) : null,
  };
  const out = output.path;
  const script = opts.scriptInImage ?? `/scenarios/${name}.js`;
  const segments = executionSegments(n);
  const timeouts = awsTimeoutsOf(opts);
  const client = guardAwsClient(deps.ecs(timeouts));
  const explain = (error: unknown) =>
    explainAwsFailure(error, {
      timeouts,
      policy: RUN_POLICY,
      later: "run it again later",
    });
  // --results logs reads the log group from the task definition: check it before any task runs.
  let logsConfig: AwsLogsConfig | null = null;
  if (results.kind === "logs") {
    try {
      logsConfig = await awsLogsConfig(client, taskDefinition, container);
    } catch (error) {
      const explained = error instanceof UsageError ? null : explain(error);
      if (explained === null) throw error;
      if (explained.exitCode !== 1)
        throw new UsageError(explained.message, "aws-refused", { cause: error });
      io.err(`caplab: ${explained.message}\n`);
      return 1;
    }
    io.err(
      `caplab: segment outputs will be read from CloudWatch Logs ${logsConfig.group}, streams ${logsConfig.streamPrefix}/${container}/<task id>\n`,
    );
  }
  let result: { code: number; merged: boolean };
  try {
    result = await output.write(
      (dir, signal) =>
        runSegments(
          segments,
          { cluster, taskDefinition, container, script, results, logsConfig, mode },
          plan,
          opts,
          runId,
          io,
          manifestBase,
          deps,
          { client, timeouts, explain },
          dir,
          signal,
        ),
      { interrupt: "finish" },
    );
  } catch (error) {
    // The run was given up (AWS kept failing): the message is printed, nothing is kept.
    if (error instanceof RunAbandoned) return error.exitCode;
    throw error;
  }
  return result.merged ? recordInHistory(out, result.code, io, deps) : result.code;
}

/** A run given up after its reason was printed; `--out` is left as it was. */
class RunAbandoned extends Error {
  constructor(readonly exitCode: number) {
    super(`the run was given up (exit ${exitCode})`);
    this.name = "RunAbandoned";
  }
}

/** The ECS run's AWS side: the client, the timeouts and how an AWS failure is explained. */
interface EcsAws {
  readonly client: ECSClient;
  readonly timeouts: AwsTimeouts;
  readonly explain: (error: unknown) => ReturnType<typeof explainAwsFailure>;
}

/** Where and how the segments of an ECS run go. */
interface EcsTarget {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly container: string;
  readonly script: string;
  readonly results: ResultsDestination;
  readonly logsConfig: AwsLogsConfig | null;
  readonly mode: SegmentMode;
}

/**
 * Launches the segments, waits for them, gathers and merges their outputs into `out` and
 * writes the manifest; returns the exit code and whether k6 points were merged. `signal`
 * aborting (Ctrl-C) before the launch stops the run with nothing started; after it, the tasks
 * are stopped and what they wrote is gathered.
 */
async function runSegments(
  segments: readonly ExecutionSegment[],
  target: EcsTarget,
  plan: ScenarioPlan | null,
  opts: RunOptions,
  runId: string,
  io: Io,
  manifestBase: ManifestBase,
  deps: RunDeps,
  aws: EcsAws,
  out: string,
  signal: AbortSignal,
): Promise<{ code: number; merged: boolean }> {
  const { cluster, taskDefinition, container, script, results, logsConfig, mode } = target;
  const { client, timeouts, explain } = aws;
  if (plan !== null) await writeJsonAtomic(join(out, "plan.json"), plan);
  const startedAt = deps.now();
  const environment: Record<string, string> = { [ENV_VARS.target]: opts.target };
  if (plan !== null) environment[ENV_VARS.planJson] = JSON.stringify(plan);
  if (deps.env[ENV_VARS.token] !== undefined)
    io.err(
      `caplab: ${ENV_VARS.token} is not forwarded to ECS (overrides are visible in DescribeTasks); give the task definition a secret instead.\n`,
    );
  // Stopped before any task started: nothing to keep.
  if (signal.aborted) throw signal.reason;
  io.err(`caplab: starting ${segments.length} k6 tasks on ${cluster} (${runId})…\n`);
  let launched: LaunchedSegment[];
  try {
    launched = await launchSegments(
      client,
      {
        cluster,
        taskDefinition,
        subnets: opts.subnets ?? [],
        securityGroups: opts.securityGroups ?? [],
        containerName: container,
        command: (s) => segmentArgs(s, script, runId, mode),
        environment,
        segmentEnvironment: (s): Record<string, string> =>
          results.kind === "s3"
            ? { [RESULTS_URI_ENV]: segmentResultsUri(results, runId, s.index) }
            : {},
        startedBy: runId,
      },
      segments,
    );
  } catch (error) {
    // Nothing ran yet, or some tasks did: stop those, then say in one sentence what failed.
    const started = error instanceof SegmentLaunchError ? error.launched : [];
    const failures =
      started.length === 0
        ? []
        : await stopSegments(client, cluster, started, "caplab: launch failed");
    const stopped =
      started.length === 0
        ? "no task was started"
        : failures.length === 0
          ? `the ${started.length} task${started.length === 1 ? "" : "s"} already started ${started.length === 1 ? "was" : "were"} stopped (StopTask)`
          : `stop the tasks already started by hand: aws ecs list-tasks --cluster ${cluster} --started-by ${runId}`;
    const cause = error instanceof SegmentLaunchError ? (error.cause ?? null) : error;
    const explained = cause === null ? null : explain(cause);
    // Not an AWS failure caplab knows (a bug, or a UsageError): as it is, tasks stopped.
    if (explained === null && cause !== null) throw error;
    const what = (explained?.message ?? (error as Error).message).replace(/\.$/, "");
    if (explained?.exitCode === 1) {
      io.err(`caplab: ${what}; ${stopped}.\n`);
      throw new RunAbandoned(1);
    }
    throw new UsageError(`${what}; ${stopped}.`, "segment-not-launched", { cause: error });
  }
  io.err(`caplab: started ${launched.length} k6 tasks on ${cluster} (${runId})\n`);
  // Ctrl-C stops the tasks (k6 ends the test and writes its output, the entrypoint uploads it),
  // and the run goes on to gather and merge what they wrote. A second Ctrl-C exits at once.
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) return;
    interrupted = true;
    io.err(
      `caplab: interrupted; stopping the ${launched.length} k6 tasks (StopTask), then gathering what they wrote. Ctrl-C again to exit without gathering.\n`,
    );
    void stopSegments(client, cluster, launched, `caplab run ${runId} interrupted`).then(
      (failures) => {
        for (const f of failures)
          io.err(
            `caplab: could not stop ${f.taskArn} (${f.error}); stop it with aws ecs stop-task.\n`,
          );
      },
    );
  };
  const stopListening = (deps.onInterrupt ?? onProcessInterrupt)(onInterrupt);
  // A signal that came while the tasks were being launched.
  if (signal.aborted) onInterrupt();
  try {
    const testSeconds = plan === null ? 3600 : shapeSeconds(plan.shape);
    const waitMs = (opts.waitSeconds ?? testSeconds + 900) * 1000;
    const clock = () => deps.now().getTime();
    let loadStartedAt: Date | null = null;
    if (mode.syncPort !== null) {
      await synchronisedStart(client, cluster, launched, runId, mode.syncPort, opts, io, deps);
      loadStartedAt = deps.now();
    }
    io.err(`caplab: waiting for the k6 tasks to stop (at most ${Math.round(waitMs / 1000)} s)…\n`);
    const stopped = await waitForSegments(client, cluster, launched, {
      containerName: container,
      timeoutMs: waitMs,
      sleep: deps.sleep,
      now: clock,
      onPoll: (statuses) => io.err(`caplab: tasks ${statuses.join(", ")}\n`),
    });
    const endedAt = deps.now();
    for (const r of stopped)
      io.err(
        `caplab: segment ${r.segment.segment}: ${explainK6Exit(r.exitCode)}${r.stoppedReason ? ` (${r.stoppedReason})` : ""}\n`,
      );

    const gathered = await gatherOutputs(
      stopped,
      results,
      logsConfig,
      runId,
      out,
      io,
      deps,
      timeouts,
    );
    const found = gathered.flatMap((g, index) => (g.found ? [{ ...g, index }] : []));
    const missingIndexes = gathered.flatMap((g, index) => (g.found ? [] : [index]));
    const { merged, verdicts } = await mergeAndJudge(found, missingIndexes, plan, out, io);
    const exit = ecsExit(stopped, missingIndexes.length, gathered.length, verdicts ?? []);
    io.err(`caplab: ${exit.explanation}\n`);
    const serverSide = await collectServerSide(
      opts.collect,
      loadStartedAt ?? startedAt,
      endedAt,
      out,
      io,
      deps,
      signal,
      timeouts,
    );
    await writeRunManifest(join(out, "manifest.json"), {
      ...manifestBase,
      runId,
      on: "ecs",
      k6Version: null,
      startedAt: startedAt.toISOString(),
      ...(loadStartedAt === null ? {} : { loadStartedAt: loadStartedAt.toISOString() }),
      endedAt: endedAt.toISOString(),
      k6ExitCode: exit.code,
      k6Exit: exit.explanation,
      syncStart: mode.syncPort === null ? null : { port: mode.syncPort },
      ...(interrupted ? { interrupted: true } : {}),
      segments: gathered.map((g, i) => {
        const r = stopped[i] as SegmentResult;
        return {
          index: r.segment.index,
          segment: r.segment.segment,
          sequence: r.segment.sequence,
          taskArn: r.taskArn,
          exitCode: r.exitCode,
          stoppedReason: r.stoppedReason,
          output: g.found
            ? {
                found: true,
                file: join("segments", String(i), "k6.json.gz"),
                source: g.source,
                points: merged?.pointsPerInput[found.findIndex((f) => f.index === i)] ?? null,
                otherLines: g.otherLines,
                extras: g.extras.map((e) => join("segments", String(i), e)),
              }
            : { found: false, source: g.source, reason: g.reason },
        };
      }),
      outputs: {
        gathered: missingIndexes.length === 0,
        from: results.kind,
        ...(results.kind === "s3"
          ? { uri: runResultsUri(results, runId) }
          : { logGroup: logsConfig?.group }),
        merged: found.map((f) => f.index),
        missing: missingIndexes,
        points: merged?.points ?? 0,
      },
      files: {
        ...(merged === null ? {} : { k6Json: "k6.json.gz" }),
        // thresholds.json has the {thresholds: [{metric, expression, ok}]} that report and gate
        // read from a caplab summary.
        caplabSummary: "thresholds.json",
        thresholds: "thresholds.json",
        segments: "segments",
        ...serverSide.files,
      },
      serverSide: serverSide.record,
    });
    return { code: exit.code, merged: merged !== null };
  } catch (error) {
    const explained = error instanceof UsageError ? null : explain(error);
    if (explained === null) throw error;
    io.err(
      `caplab: ${explained.message.replace(/\.$/, "")}; the k6 tasks of ${runId} may still be running: see them with aws ecs list-tasks --cluster ${cluster} --started-by ${runId} and stop them with aws ecs stop-task.\n`,
    );
    throw new RunAbandoned(explained.exitCode);
  } finally {
    stopListening();
  }
}

/**
 * Merges the gathered outputs into `out/k6.json.gz` and judges the plan's thresholds on the
 * merged aggregates; writes `out/thresholds.json` (also when there is nothing to judge, saying
 * why) and prints each failing threshold with its observed value.
 */
async function mergeAndJudge(
  found: readonly { readonly file: string; readonly index: number }[],
  missingIndexes: readonly number[],
  plan: ScenarioPlan | null,
  out: string,
  io: Io,
): Promise<{ merged: MergeResult | null; verdicts: ThresholdResult[] | null }> {
  const thresholds = plan === null ? null : thresholdsFor(plan);
  const needs = thresholdNeeds(thresholds ?? {});
  let merged: MergeResult | null = null;
  if (found.length > 0) {
    io.err(`caplab: merging ${found.length} segment outputs into ${join(out, "k6.json.gz")}…\n`);
    merged = await mergeK6Outputs(
      found.map((f) => f.file),
      join(out, "k6.json.gz"),
      {
        metrics: needs.metrics,
        percentiles: [...new Set([90, 95, 99, ...needs.percentiles])].sort((a, b) => a - b),
        segmentTags: found.map((f) => String(f.index)),
      },
    );
    io.err(`caplab: ${merged.points} k6 points merged\n`);
  }
  let verdicts: ThresholdResult[] | null = null;
  if (thresholds !== null && merged !== null) {
    verdicts = evaluateThresholds(thresholds, merged.metrics);
    const bad = verdicts.filter((v) => !v.ok);
    for (const v of bad) io.err(`caplab: threshold ${renderThresholdResult(v)}\n`);
    const empty = verdicts.filter((v) => v.verdict !== "invalid" && v.samples === 0).length;
    const of =
      missingIndexes.length > 0
        ? ` of ${found.length} of ${found.length + missingIndexes.length} segments`
        : "";
    io.err(
      `caplab: thresholds on the merged points${of}: ${verdicts.length - bad.length} passed, ${bad.length} failed${empty > 0 ? ` (${empty} on metrics without samples, judged on 0 as k6 does)` : ""}; see thresholds.json\n`,
    );
  }
  await writeJsonAtomic(join(out, "thresholds.json"), {
    format: "caplab-thresholds/1",
    evaluated: verdicts !== null,
    ...(verdicts !== null
      ? {}
      : {
          reason:
            plan === null
              ? "the scenario is a script without a plan: caplab does not know its thresholds (pass --plan)"
              : "no segment output was gathered",
        }),
    on: "the merged raw points of every gathered segment",
    segmentsMerged: found.map((f) => f.index),
    segmentsMissing: missingIndexes,
    failed: verdicts?.filter((v) => !v.ok).length ?? 0,
    // {metric, expression, ok, …} per threshold: what `caplab report` and `caplab gate` read.
    thresholds: verdicts ?? [],
  });
  return { merged, verdicts };
}

/**
 * Waits for every task to run and every k6 to be ready, then resumes them all. On failure
 * every task is stopped (a paused k6 would wait forever) and a UsageError says what to fix.
 */
async function synchronisedStart(
  client: ECSClient,
  cluster: string,
  launched: readonly LaunchedSegment[],
  runId: string,
  port: number,
  opts: RunOptions,
  io: Io,
  deps: RunDeps,
): Promise<void> {
  const clock = () => deps.now().getTime();
  const timeoutMs = (opts.syncTimeout ?? SYNC_START_TIMEOUT_SECONDS) * 1000;
  const stopAll = async (why: string): Promise<string> => {
    const failures = await stopSegments(client, cluster, launched, `caplab: ${why}`);
    return failures.length === 0
      ? `all ${launched.length} tasks were stopped (StopTask)`
      : `StopTask failed for ${failures.map((f) => `${f.taskArn} (${f.error})`).join(", ")}: stop them by hand (aws ecs list-tasks --cluster ${cluster} --started-by ${runId})`;
  };
  try {
    io.err(`caplab: synchronised start: waiting for the ${launched.length} tasks to be RUNNING…\n`);
    const running = await waitForRunning(client, cluster, launched, {
      timeoutMs: (opts.waitSeconds ?? 900) * 1000,
      sleep: deps.sleep,
      now: clock,
      onPoll: (statuses) => io.err(`caplab: tasks ${statuses.join(", ")}\n`),
    });
    io.err(
      `caplab: synchronised start: waiting for k6 on ${running.map((r) => `${r.privateIp}:${port}`).join(", ")}…\n`,
    );
    await waitForK6Apis(running, {
      port,
      timeoutMs,
      sleep: deps.sleep,
      now: clock,
      onPoll: (ready, total) => io.err(`caplab: k6 ready on ${ready} of ${total} tasks\n`),
    });
    const refused = await resumeK6(running, { port });
    if (refused.length > 0)
      throw new K6UnreachableError(
        `${refused.length} of ${running.length} k6 did not accept the resume: ${refused.map((r) => `segment ${r.segment.segment.segment} (${r.segment.taskArn}, ${r.segment.privateIp}: ${r.problem})`).join("; ")}`,
        refused,
      );
    io.err(`caplab: synchronised start: resumed k6 on all ${running.length} tasks\n`);
  } catch (error) {
    if (error instanceof K6UnreachableError) {
      const stopped = await stopAll("k6 REST API unreachable for a synchronised start");
      throw new UsageError(
        `${error.message}. caplab must reach the tasks' private IPs on port ${port}: run it inside the VPC and let the tasks' security group allow TCP ${port} from it (or drop --sync-start); ${stopped}.`,
        "k6-unreachable",
        { cause: error },
      );
    }
    if (error instanceof SegmentStartError) {
      const stopped = await stopAll("a segment could not start");
      throw new UsageError(`${error.message} ${stopped}.`, "segment-not-started", {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Gathers every segment's output into `out/segments/<i>/` (`out` is the run's fresh
 * temporary folder, so nothing stale of a previous run is there).
 */
async function gatherOutputs(
  stopped: readonly SegmentResult[],
  results: ResultsDestination,
  logsConfig: AwsLogsConfig | null,
  runId: string,
  out: string,
  io: Io,
  deps: RunDeps,
  timeouts: AwsTimeouts,
): Promise<SegmentOutput[]> {
  let s3: S3Client | undefined;
  const s3Client = (): S3Client => (s3 ??= guardAwsClient(deps.s3(timeouts)));
  let logs: CloudWatchLogsClient | undefined;
  if (logsConfig !== null) {
    io.err(
      `caplab: waiting ${LOGS_SETTLE_SECONDS} s for CloudWatch Logs to take the tasks' last lines…\n`,
    );
    await deps.sleep(LOGS_SETTLE_SECONDS * 1000);
    logs = guardAwsClient(deps.logs(logsConfig.region, timeouts));
  }
  const gathered: SegmentOutput[] = [];
  for (const r of stopped) {
    const i = r.segment.index;
    const dir = join(out, "segments", String(i));
    const label = `${i} (${r.segment.segment})`;
    io.err(`caplab: gathering the output of segment ${label} (${i + 1}/${stopped.length})…\n`);
    const output =
      results.kind === "s3"
        ? await fetchS3Output(s3Client, segmentResultsUri(results, runId, i), dir, label)
        : await fetchLogsOutput(
            logs as CloudWatchLogsClient,
            logsConfig as AwsLogsConfig,
            r.taskArn,
            dir,
            label,
          );
    io.err(
      output.found
        ? `caplab: segment ${label}: ${output.points} points from ${output.source}${output.otherLines > 0 ? ` (${output.otherLines} other lines skipped)` : ""}\n`
        : `caplab: ${output.reason}\n`,
    );
    gathered.push(output);
  }
  return gathered;
}

/**
 * The run's exit code, with k6's precedence (reference/k6.md §3.6: another error beats
 * crossed thresholds): a segment's own non-zero code (1 when a task had none); 104 when a
 * threshold is not valid k6; 1 when a segment's output is missing (the data is incomplete,
 * so no verdict on it can pass); 99 when a threshold failed on the merged points; else 0.
 */
function ecsExit(
  results: readonly SegmentResult[],
  missing: number,
  total: number,
  verdicts: readonly ThresholdResult[],
): { code: number; explanation: string } {
  const bad = results.find((r) => r.exitCode !== 0);
  if (bad !== undefined) {
    const code = bad.exitCode ?? 1;
    return {
      code,
      explanation: `segment ${bad.segment.segment}: ${explainK6Exit(bad.exitCode)}${bad.exitCode === null ? " (exit 1)" : ""}`,
    };
  }
  if (verdicts.some((v) => v.verdict === "invalid"))
    return { code: 104, explanation: explainK6Exit(104) };
  if (missing > 0)
    return {
      code: 1,
      explanation: `exit 1: ${missing} of ${total} segment outputs are missing, so the run is incomplete`,
    };
  if (verdicts.some((v) => !v.ok))
    return {
      code: 99,
      explanation: `${explainK6Exit(99)} (judged by caplab on the merged points of all segments)`,
    };
  return { code: 0, explanation: explainK6Exit(0) };
}

async function writeTestRun(
  n: number,
  name: string,
  plan: ScenarioPlan | null,
  opts: RunOptions,
  runId: string,
  io: Io,
  manifestBase: ManifestBase,
  deps: RunDeps,
  output: OutputFolder,
): Promise<number> {
  const configMap = `caplab-${name}`;
  const env: { name: string; value: string }[] = [{ name: ENV_VARS.target, value: opts.target }];
  if (plan !== null) env.push({ name: ENV_VARS.planJson, value: JSON.stringify(plan) });
  const testRun = {
    apiVersion: "k6.io/v1alpha1",
    kind: "TestRun",
    metadata: { name: runId },
    spec: {
      parallelism: n,
      script: { configMap: { name: configMap, file: `${name}.js` } },
      arguments: `--tag testid=${runId} --no-thresholds --out json=/tmp/k6.json.gz`,
      separate: false,
      runner: { env },
    },
  };
  const out = output.path;
  await output.write(async (dir) => {
    if (plan !== null) await writeJsonAtomic(join(dir, "plan.json"), plan);
    await writeFileAtomic(join(dir, "testrun.yaml"), toYaml(testRun));
    await writeRunManifest(join(dir, "manifest.json"), {
      ...manifestBase,
      runId,
      on: "k8s",
      createdAt: deps.now().toISOString(),
      testRun: "testrun.yaml",
      segments: executionSegments(n).map((s) => s.segment),
    });
  });
  io.out(
    `Wrote ${join(out, "testrun.yaml")} (TestRun ${runId}, parallelism ${n}). Apply it with:\n` +
      `  kubectl create configmap ${configMap} --from-file=${name}.js=dist/scenarios/${name}.js\n` +
      `  kubectl apply -f ${join(out, "testrun.yaml")}\n`,
  );
  return 0;
}
