/**
 * `caplab run` as a library call: a k6 scenario against a target, into one run bundle.
 *
 *   SCENARIO (library name or script path) + plan (the shape's defaults, --plan FILE, or
 *   --trace for trace-replay)
 *     ──local──▶ run-local.ts: k6 on this machine
 *     ──ecs────▶ run-ecs.ts: N Fargate tasks, one execution segment each, outputs merged and
 *                thresholds judged on the merged points
 *     ──k8s────▶ run-k8s.ts: a k6-operator TestRun to apply
 *   each writing DIR/manifest.json: scenario and its sha256, plan, git commit, k6 and caplab
 *   versions, start and end, k6's exit code, what was (not) collected.
 *
 * The target goes to k6 through the environment (CAPLAB_TARGET), never the command line; the
 * manifest records its origin only, and never a token or header. Everything outside (the
 * environment, the clock, the AWS clients, the collector, Ctrl-C) comes in as a
 * {@link RunWorld}.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import { S3Client } from "@aws-sdk/client-s3";
import {
  defaultPlan,
  parsePlan,
  traceToStages,
  type ScenarioPlan,
  type ShapeKind,
} from "../plan/k6-plan.js";
import { UsageError } from "../../sim/vocab/errors.js";
import {
  isCredentialHeader,
  redactQuerySecrets,
  secretQueryNames,
} from "../../sim/vocab/redact.js";
import { RUN_BUNDLE_FORMAT, type Env, type Io, type TraceSource } from "../../sim/vocab/index.js";
import { caplabVersion } from "../../sim/io/package-root.js";
import { awsClientOptions, type AwsTimeouts } from "../../analysis/io/aws/aws-client.js";
import { prepareOutputFolder, type OutputFolder } from "../../analysis/io/files/output.js";
import { parseHttpUrl } from "../../analysis/io/files/urls.js";
import { jsonErrorReason } from "../../analysis/io/files/excerpt.js";
import { checkWholeFile } from "../../analysis/io/files/small-file.js";
import { loadTraceSource } from "../../analysis/io/files/trace-file.js";
import { gitCommit, resolveScenario } from "./k6-process.js";
import { runLocal } from "./run-local.js";
import { runOnEcs } from "./run-ecs.js";
import { writeTestRun } from "./run-k8s.js";
import { parseCollectFlag, type ServerSideCollector } from "./server-side.js";

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
  /** Give up waiting for ECS tasks after this many seconds. @default test length + RUN_DEFAULTS.ecsWaitMarginSeconds (900) */
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

/** The outside world of a run, replaceable in tests. */
export interface RunWorld {
  /** k6's output passes through; caplab's progress goes to stderr. */
  readonly io: Io;
  /** k6's environment (tokens, headers, K6_BIN, PATH) and AWS_* for the clients. */
  readonly env: Env;
  /** Where the git commit of the run is read. */
  readonly cwd: string;
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
  /** Collects the server side for the run's window (`--collect`); null to skip. */
  readonly collector: ServerSideCollector | null;
  /**
   * Calls `handler` on the first Ctrl-C (SIGINT) or SIGTERM while ECS segments run; returns
   * the function that stops listening. A second signal is not caught (the default: exit).
   */
  readonly onInterrupt: (handler: () => void) => () => void;
}

/** The parts of a {@link RunWorld} that do not depend on who runs it: AWS, sleep, run ids. */
export const defaultRunDeps: Pick<RunWorld, "sleep" | "ecs" | "s3" | "logs" | "runId"> = {
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  ecs: (timeouts) => new ECSClient(awsClientOptions(timeouts)),
  s3: (timeouts) => new S3Client({ ...awsClientOptions(timeouts), followRegionRedirects: true }),
  logs: (region, timeouts) =>
    new CloudWatchLogsClient({
      ...awsClientOptions(timeouts),
      ...(region === null ? {} : { region }),
    }),
  runId: () => `caplab-${randomBytes(4).toString("hex")}`,
};

/**
 * How a run ended: the exit code (k6's, or caplab's when it gave up) and the run bundle's
 * folder when there is one to record in the history (null: nothing was run, or a k8s TestRun
 * was only written).
 */
export interface RunOutcome {
  readonly code: number;
  readonly bundle: string | null;
}

/** The manifest fields every kind of run writes (the run-bundle schema describes them). */
export type ManifestBase = Record<string, unknown>;

/**
 * One run as {@link runScenario} hands it to the way it runs: local k6 (run-local.ts), ECS
 * segments (run-ecs.ts) or a k8s TestRun (run-k8s.ts).
 */
export interface RunJob {
  /** The k6 script's path (local runs). */
  readonly script: string;
  /** The scenario's name: the script's name in the image (ECS) and in the ConfigMap (k8s). */
  readonly name: string;
  /** Execution segments (--segments; 1 when not given). */
  readonly segments: number;
  /** The load plan (plan.json), or null for a script's own options. */
  readonly plan: ScenarioPlan | null;
  readonly opts: RunOptions;
  readonly runId: string;
  /** The manifest's fields every way of running writes. */
  readonly manifestBase: ManifestBase;
  readonly world: RunWorld;
  /** The run bundle's folder, prepared (filled in a temporary sibling, then swapped in). */
  readonly output: OutputFolder;
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

/**
 * Where a plan carries a credential, as a sentence naming the field, or null: an endpoint's
 * path with a credential-named query parameter (`/x?api_key=…`, sim/vocab/redact.ts
 * secretQueryNames) or a header with a credential's name (`Authorization`, `Cookie`,
 * `X-Api-Key`, …: isCredentialHeader). The plan goes as CAPLAB_PLAN_JSON into every RunTask
 * override and testrun.yaml, and is kept as plan.json in the run bundle.
 */
export function planCredentialProblem(plan: ScenarioPlan): string | null {
  for (const [i, e] of plan.mix.endpoints.entries()) {
    const names = secretQueryNames(e.path);
    if (names.length > 0)
      return `plan.mix.endpoints[${i}].path ${redactQuerySecrets(e.path)} carries a credential in its query (${names.join(", ")})`;
    for (const header of Object.keys(e.headers ?? {}))
      if (isCredentialHeader(header))
        return `plan.mix.endpoints[${i}].headers holds ${header}, a credential`;
  }
  return null;
}

/** The scenario's plan: --plan file, --trace for a replay, or the shape's defaults. */
export async function loadScenarioPlan(
  kind: ShapeKind | null,
  opts: Pick<RunOptions, "plan" | "trace" | "scale" | "compress">,
  cwd: string,
): Promise<ScenarioPlan | null> {
  let plan: ScenarioPlan | null = null;
  if (opts.plan !== undefined) {
    await checkWholeFile(opts.plan, "--plan");
    let text: string;
    try {
      text = await readFile(opts.plan, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(
        code === "ENOENT"
          ? `--plan ${opts.plan} does not exist; check the path.`
          : `--plan ${opts.plan} cannot be read (${code ?? "unknown error"}).`,
        "missing-file",
        { cause: error },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      // In words that quote a short escaped excerpt, never Node's message, which quotes the
      // file as it is.
      throw new UsageError(
        `--plan ${opts.plan} is not JSON: ${jsonErrorReason(text, error)}.`,
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
      cwd,
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

/** Flags that only some ways of running take, refused in one sentence before anything runs. */
function checkFlagCombinations(opts: RunOptions): void {
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
}

/**
 * Runs a scenario into the run bundle `opts.out` (locally, on ECS, or as a k8s TestRun) and
 * says how it ended. Usage errors throw before anything is written or started.
 */
export async function runScenario(
  scenario: string,
  opts: RunOptions,
  world: RunWorld,
): Promise<RunOutcome> {
  const origin = targetOrigin(opts.target);
  checkFlagCombinations(opts);
  const { path, kind } = resolveScenario(scenario);
  await checkWholeFile(path, "scenario");
  const plan = await loadScenarioPlan(kind, opts, world.cwd);
  const credential = plan === null ? null : planCredentialProblem(plan);
  if (credential !== null)
    throw new UsageError(
      `${opts.plan ?? "the plan"}: ${credential}, which caplab refuses (the plan is written into plan.json, every ECS RunTask override and a k6-operator testrun.yaml); give a token with CAPLAB_TOKEN or a header with CAPLAB_HEADER_<NAME> in the environment instead.`,
      "credentials-in-url",
    );
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
    notify: (message) => world.io.err(`caplab: ${message}\n`),
  });
  const manifestBase: ManifestBase = {
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
    gitCommit: await gitCommit(resolve(world.cwd)),
    caplabVersion: caplabVersion(),
  };
  const job: RunJob = {
    script: path,
    name: kind ?? scenario,
    segments: opts.segments ?? 1,
    plan,
    opts,
    runId: world.runId(),
    manifestBase,
    world,
    output,
  };
  if (opts.segments === undefined && opts.on === undefined) return runLocal(job);
  if (opts.on === "k8s") return writeTestRun(job);
  if (opts.on === "ecs") return runOnEcs(job);
  throw new UsageError(
    "--segments needs --on ecs or --on k8s (one machine runs a single segment).",
    "bad-flag",
  );
}
