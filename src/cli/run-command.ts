/**
 * `caplab run SCENARIO --target URL [--collect CLUSTER/SERVICE] [--out DIR]`: runs k6 on a
 * scenario and writes one run bundle; with `--segments N --on ecs|k8s`, spreads the test over
 * N execution segments instead.
 *
 *   SCENARIO (name or path) + plan (defaults, --plan FILE, or --trace for trace-replay)
 *     ──local──▶ k6 run --out json=DIR/k6.json.gz --summary-export DIR/summary.json
 *                (k6's progress passed through; its exit code kept and explained)
 *     ──ecs────▶ RunTask × N (collect/ecs-segments.ts), wait, per-task exit codes
 *     ──k8s────▶ DIR/testrun.yaml (k6-operator TestRun, parallelism N)
 *   then DIR/manifest.json: scenario and its sha256, plan, git commit, k6 and caplab versions,
 *   start and end, k6's exit code, what was (not) collected.
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
import { ECSClient } from "@aws-sdk/client-ecs";
import { stringify as toYaml } from "yaml";
import {
  ENV_VARS,
  SHAPE_KINDS,
  defaultPlan,
  executionSegments,
  parsePlan,
  shapeSeconds,
  traceToStages,
  type ScenarioPlan,
  type ShapeKind,
} from "../analysis/k6-plan.js";
import { launchSegments, waitForSegments, type SegmentResult } from "../collect/ecs-segments.js";
import type { TraceSource } from "../vocab/index.js";
import { recordRun, resolveHistoryPath } from "../collect/history-db.js";
import { runCollectCommand } from "./collect-command.js";
import { loadRunBundle } from "./report-command.js";
import { UsageError } from "./errors.js";
import type { Io } from "./main.js";
import { writeJsonAtomic, writeFileAtomic } from "./output.js";
import { loadTraceSource } from "./trace-file.js";

export const RUN_BUNDLE_FORMAT = "caplab-run-bundle/1" as const;

/**
 * Seconds to wait after the test before collecting CloudWatch data: 60-s metrics become
 * available 2–3 min after the minute closes (reference/aws-ecs-scaling.md §2.1). @default 180
 */
export const CLOUDWATCH_PUBLICATION_DELAY_SECONDS = 180;

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
}

/** Server-side collection after a run (the collector from the collect issue). */
export type ServerSideCollector = (request: {
  readonly cluster: string;
  readonly service: string;
  readonly from: Date;
  readonly to: Date;
  readonly out: string;
}) => Promise<{ collected: true; files: Record<string, string> }>;

/** The outside world of `caplab run`, replaceable in tests. */
export interface RunDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly ecs: () => ECSClient;
  /** Collects the server side for the run's window (`caplab collect`); null to skip. */
  readonly collector: ServerSideCollector | null;
}

export const defaultRunDeps: RunDeps = {
  env: process.env,
  now: () => new Date(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  ecs: () => new ECSClient({}),
  collector: async ({ cluster, service, from, to, out }) => {
    const stderrOnly: Io = {
      out: (t) => process.stderr.write(t),
      err: (t) => process.stderr.write(t),
      isTty: false,
    };
    const code = await runCollectCommand(
      { cluster, service, from: from.toISOString(), to: to.toISOString(), out, quiet: true },
      stderrOnly,
    );
    if (code !== 0) throw new Error(`caplab collect ${cluster}/${service} exited with ${code}`);
    return { collected: true, files: { serverSide: "server" } };
  },
};

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A library scenario name → its file (the .ts source in a checkout, else the bundled .js). */
export function resolveScenario(scenario: string): { path: string; kind: ShapeKind | null } {
  if ((SHAPE_KINDS as readonly string[]).includes(scenario)) {
    const kind = scenario as ShapeKind;
    for (const p of [
      join(repoRoot, "src", "scenarios", `${kind}.ts`),
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

/** Runs a process, passing its output through `io`; resolves with its exit code. */
function runProcess(
  bin: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  io: Io,
  echo = true,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
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

/** The target's origin (scheme, host, port): what the manifest records. */
function targetOrigin(target: string): string {
  try {
    const url = new URL(target);
    return `${url.protocol}//${url.host}`;
  } catch {
    throw new UsageError(
      `--target "${target}" is not a URL; write it like https://my-alb.example.com.`,
      "bad-flag",
    );
  }
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
  const { path, kind } = resolveScenario(scenario);
  const plan = await buildPlan(kind, opts);
  const out = resolve(opts.out);
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
  if (plan !== null) await writeJsonAtomic(join(out, "plan.json"), plan);
  const runId = `caplab-${randomBytes(4).toString("hex")}`;

  if (opts.segments !== undefined || opts.on !== undefined) {
    const n = opts.segments ?? 1;
    if (opts.on === "k8s")
      return writeTestRun(n, kind ?? scenario, plan, opts, runId, io, manifestBase, deps);
    if (opts.on === "ecs")
      return runOnEcs(n, kind ?? scenario, plan, opts, runId, io, manifestBase, deps);
    throw new UsageError(
      "--segments needs --on ecs or --on k8s (one machine runs a single segment).",
      "bad-flag",
    );
  }

  const k6 = findK6(deps.env);
  const version = await k6Version(k6, io);
  const startedAt = deps.now();
  const args = [
    "run",
    "--out",
    `json=${join(out, "k6.json.gz")}`,
    "--summary-export",
    join(out, "summary.json"),
    "--tag",
    `testid=${runId}`,
    path,
  ];
  const env = {
    ...deps.env,
    [ENV_VARS.target]: opts.target,
    [ENV_VARS.summary]: join(out, "caplab-summary.json"),
    ...(plan === null ? {} : { [ENV_VARS.plan]: join(out, "plan.json") }),
  };
  io.err(`caplab: k6 ${version ?? "(unknown version)"} run ${path} → ${out}\n`);
  const { code } = await runProcess(k6, args, env, io);
  const endedAt = deps.now();
  io.err(`caplab: ${explainK6Exit(code)}\n`);
  const serverSide = await collectServerSide(opts.collect, startedAt, endedAt, out, io, deps);
  await writeJsonAtomic(join(out, "manifest.json"), {
    ...manifestBase,
    runId,
    on: "local",
    k6Version: version,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    k6ExitCode: code,
    k6Exit: explainK6Exit(code),
    files: {
      k6Json: "k6.json.gz",
      summaryExport: "summary.json",
      caplabSummary: "caplab-summary.json",
      ...serverSide.files,
    },
    serverSide: serverSide.record,
  });
  try {
    await recordRun(
      resolveHistoryPath(undefined, deps.env, process.cwd()),
      await loadRunBundle(out),
      { bundle: out },
    );
  } catch (error) {
    io.err(`caplab: run not recorded in history: ${(error as Error).message}\n`);
  }
  return code ?? 1;
}

async function collectServerSide(
  collect: string | undefined,
  startedAt: Date,
  endedAt: Date,
  out: string,
  io: Io,
  deps: RunDeps,
): Promise<{ record: Record<string, unknown>; files: Record<string, string> }> {
  if (collect === undefined)
    return { record: { collected: false, reason: "no --collect" }, files: {} };
  const [cluster, service, ...rest] = collect.split("/");
  if (!cluster || !service || rest.length > 0)
    throw new UsageError(`--collect takes CLUSTER/SERVICE, not "${collect}".`, "bad-flag");
  const window = { from: startedAt.toISOString(), to: endedAt.toISOString() };
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
  await deps.sleep(CLOUDWATCH_PUBLICATION_DELAY_SECONDS * 1000);
  try {
    const result = await deps.collector({
      cluster,
      service,
      from: startedAt,
      to: endedAt,
      out: join(out, "server"),
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

function segmentArgs(
  segment: { segment: string; sequence: string; index: number },
  script: string,
  runId: string,
): string[] {
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
    "--out",
    "json=/tmp/k6.json.gz",
    script,
  ];
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
): Promise<number> {
  const missing = [
    ["--cluster", opts.cluster],
    ["--task-definition", opts.taskDefinition],
    ["--subnets", opts.subnets?.length ? "ok" : undefined],
  ].filter(([, v]) => v === undefined);
  if (missing.length > 0)
    throw new UsageError(`--on ecs needs ${missing.map(([f]) => f).join(", ")}.`, "bad-flag");
  const cluster = opts.cluster as string;
  const script = opts.scriptInImage ?? `/scenarios/${name}.js`;
  const segments = executionSegments(n);
  const client = deps.ecs();
  const startedAt = deps.now();
  const environment: Record<string, string> = { [ENV_VARS.target]: opts.target };
  if (plan !== null) environment[ENV_VARS.planJson] = JSON.stringify(plan);
  if (deps.env[ENV_VARS.token] !== undefined)
    io.err(
      `caplab: ${ENV_VARS.token} is not forwarded to ECS (overrides are visible in DescribeTasks); give the task definition a secret instead.\n`,
    );
  const launched = await launchSegments(
    client,
    {
      cluster,
      taskDefinition: opts.taskDefinition as string,
      subnets: opts.subnets ?? [],
      securityGroups: opts.securityGroups ?? [],
      containerName: opts.container,
      command: (s) => segmentArgs(s, script, runId),
      environment,
      startedBy: runId,
    },
    segments,
  );
  io.err(`caplab: started ${launched.length} k6 tasks on ${cluster} (${runId})\n`);
  const testSeconds = plan === null ? 3600 : shapeSeconds(plan.shape);
  const results = await waitForSegments(client, cluster, launched, {
    containerName: opts.container,
    timeoutMs: (opts.waitSeconds ?? testSeconds + 900) * 1000,
    sleep: deps.sleep,
    onPoll: (statuses) => io.err(`caplab: tasks ${statuses.join(", ")}\n`),
  });
  const endedAt = deps.now();
  for (const r of results)
    io.err(
      `caplab: segment ${r.segment.segment}: ${explainK6Exit(r.exitCode)}${r.stoppedReason ? ` (${r.stoppedReason})` : ""}\n`,
    );
  const code = overallExit(results);
  await writeJsonAtomic(join(resolve(opts.out), "manifest.json"), {
    ...manifestBase,
    runId,
    on: "ecs",
    k6Version: null,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    k6ExitCode: code,
    k6Exit: explainK6Exit(code),
    segments: results.map((r) => ({
      segment: r.segment.segment,
      sequence: r.segment.sequence,
      taskArn: r.taskArn,
      exitCode: r.exitCode,
      stoppedReason: r.stoppedReason,
    })),
    // TODO: gather each task's /tmp/k6.json.gz (S3 upload or CloudWatch Logs) and merge them
    // with collect/k6-merge.ts mergeK6Outputs; until then the bundle has exit codes only.
    outputs: { gathered: false, reason: "segment outputs are not gathered from ECS yet" },
    serverSide: { collected: false, reason: "server side not collected" },
  });
  return code;
}

/** 0 when every segment exited 0, else the first non-zero k6 code (1 when a task had none). */
function overallExit(results: readonly SegmentResult[]): number {
  const bad = results.find((r) => r.exitCode !== 0);
  return bad === undefined ? 0 : (bad.exitCode ?? 1);
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
  const out = resolve(opts.out);
  await writeFileAtomic(join(out, "testrun.yaml"), toYaml(testRun));
  await writeJsonAtomic(join(out, "manifest.json"), {
    ...manifestBase,
    runId,
    on: "k8s",
    createdAt: deps.now().toISOString(),
    testRun: "testrun.yaml",
    segments: executionSegments(n).map((s) => s.segment),
  });
  io.out(
    `Wrote ${join(out, "testrun.yaml")} (TestRun ${runId}, parallelism ${n}). Apply it with:\n` +
      `  kubectl create configmap ${configMap} --from-file=${name}.js=dist/scenarios/${name}.js\n` +
      `  kubectl apply -f ${join(out, "testrun.yaml")}\n`,
  );
  return 0;
}
