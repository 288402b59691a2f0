/**
 * k6 load plans from data (STYLE.md point 6: k6 only at the edge):
 *
 *   ScenarioPlan (JSON: shape + request mix + SLO)
 *     ──k6Options──▶ k6 `options` (one open-model scenario, thresholds, trend stats)
 *     ──buildRequest──▶ the HTTP request one iteration issues (weighted endpoint, tags)
 *   Trace (requests per step) ──traceToStages──▶ `ramping-arrival-rate` stages (totals kept)
 *   N ──executionSegments──▶ `--execution-segment` / `--execution-segment-sequence` strings
 *   environment ──targetFromEnv──▶ base URL + headers (the only place secrets are read)
 *
 * One file, three importers: vitest and cli/run-command.ts import it as `k6-plan.js`; the
 * k6 adapter (scenarios/lib/) imports it as `../plan/k6-plan.ts` and k6 strips its types
 * file by file. So it stays self-contained: no node:*, no k6, no `URL`, no relative value
 * imports (k6 would need `.ts` there, Node `.js`), only plain ES2022 that Sobek runs.
 */

// ---------------------------------------------------------------------------------------------
// Vocabulary

/** The shapes the scenario library offers, each an open model (arrival-rate executor). */
export const SHAPE_KINDS = [
  "smoke",
  "constant",
  "breakpoint",
  "spike",
  "soak",
  "trace-replay",
] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];

/** One `ramping-arrival-rate` stage: reach `target` iterations per time unit after `durationSeconds`. */
export interface ArrivalStage {
  readonly durationSeconds: number;
  readonly target: number;
}

/** A load shape. Rates are iterations (= requests) per second unless a `timeUnit` says otherwise. */
export type Shape =
  | { readonly kind: "smoke"; readonly rate: number; readonly durationSeconds: number }
  | { readonly kind: "constant"; readonly rate: number; readonly durationSeconds: number }
  | {
      readonly kind: "breakpoint";
      readonly startRate: number;
      readonly stepRate: number;
      readonly stepSeconds: number;
      readonly steps: number;
    }
  | {
      readonly kind: "spike";
      readonly baseRate: number;
      readonly spikeRate: number;
      readonly baseSeconds: number;
      readonly rampSeconds: number;
      readonly spikeSeconds: number;
    }
  | {
      readonly kind: "soak";
      readonly rate: number;
      readonly rampSeconds: number;
      readonly durationSeconds: number;
    }
  | {
      readonly kind: "trace-replay";
      /** Iterations per `timeUnit` at the start. */
      readonly startRate: number;
      /** k6 duration string, e.g. "1s" or "1m"; the same for every stage. */
      readonly timeUnit: string;
      readonly stages: readonly ArrivalStage[];
    };

/** One endpoint of the request mix. */
export interface Endpoint {
  /** Tag value and sub-metric key (`http_req_duration{endpoint:NAME}`): letters, digits, `_.-`. */
  readonly name: string;
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";
  /** Path and query below the target URL, starting with "/". */
  readonly path: string;
  /** Relative weight (> 0). */
  readonly weight: number;
  readonly body?: string;
  /** Non-secret headers for this endpoint (secrets come from the environment only). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra tags on this endpoint's samples. */
  readonly tags?: Readonly<Record<string, string>>;
  /** This endpoint's own p95 limit, ms. @default the SLO's `latencyP95Ms` */
  readonly latencyP95Ms?: number;
}

/** Weighted endpoints plus the pause after each request (holds the VU, not the arrival rate). */
export interface RequestMix {
  readonly endpoints: readonly Endpoint[];
  /** Seconds a VU sleeps after its request. @default 0 */
  readonly thinkTimeSeconds: number;
}

/** The SLO in threshold terms (caplab's `slo` config plus an optional p99). */
export interface SloTargets {
  /** p95 of http_req_duration over the run, ms. @default 300 (SLO_DEFAULTS.latencyP95Ms) */
  readonly latencyP95Ms: number;
  /** p99 of http_req_duration over the run, ms; no p99 threshold when absent. */
  readonly latencyP99Ms?: number;
  /** Failed requests, percent. @default 0.1 (SLO_DEFAULTS.errorRatePercent) */
  readonly errorRatePercent: number;
}

/** Everything a scenario needs besides the target: what `caplab run` writes as plan.json. */
export interface ScenarioPlan {
  readonly shape: Shape;
  readonly mix: RequestMix;
  readonly slo: SloTargets;
  /** VUs to allocate; computed from the peak rate when absent ({@link vusFor}). */
  readonly vus?: { readonly preAllocatedVUs: number; readonly maxVUs: number };
  /** Dropped iterations allowed, percent of planned iterations. @default 1 */
  readonly droppedIterationsBudgetPercent?: number;
}

/** The defaults of every shape and of the plan, in one place (pinned by a test). */
export const PLAN_DEFAULTS = {
  smoke: { kind: "smoke", rate: 1, durationSeconds: 30 },
  constant: { kind: "constant", rate: 10, durationSeconds: 300 },
  breakpoint: { kind: "breakpoint", startRate: 10, stepRate: 10, stepSeconds: 60, steps: 20 },
  spike: {
    kind: "spike",
    baseRate: 10,
    spikeRate: 100,
    baseSeconds: 60,
    rampSeconds: 10,
    spikeSeconds: 60,
  },
  soak: { kind: "soak", rate: 10, rampSeconds: 300, durationSeconds: 3600 },
  "trace-replay": { kind: "trace-replay", startRate: 0, timeUnit: "1s", stages: [] },
  mix: {
    endpoints: [{ name: "root", method: "GET", path: "/", weight: 1 }],
    thinkTimeSeconds: 0,
  },
  /** Same numbers as SLO_DEFAULTS in sim/vocab/config.ts (a test pins them together). */
  slo: { latencyP95Ms: 300, errorRatePercent: 0.1 },
  droppedIterationsBudgetPercent: 1,
  /** VUs = peak rate × (p95 latency + think time) × this, at least 2. */
  vuHeadroom: 2,
  /** maxVUs = preAllocatedVUs × this. */
  maxVusFactor: 5,
  /** Trend statistics in summaries: k6's defaults plus p(99) and count. */
  summaryTrendStats: ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"],
} as const satisfies Record<ShapeKind, Shape> & Record<string, unknown>;

/** The plan a shape gets when nothing but its name is given. */
export function defaultPlan(kind: ShapeKind): ScenarioPlan {
  return { shape: PLAN_DEFAULTS[kind], mix: PLAN_DEFAULTS.mix, slo: PLAN_DEFAULTS.slo };
}

// ---------------------------------------------------------------------------------------------
// k6 options (structural copies of @types/k6's; scenarios assign them to `Options`, so tsc
// with @types/k6 checks these shapes where k6 reads them)

export interface K6ArrivalScenario {
  readonly executor: "constant-arrival-rate";
  readonly rate: number;
  readonly timeUnit: string;
  readonly duration: string;
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
  readonly tags: Record<string, string>;
}
export interface K6RampingArrivalScenario {
  readonly executor: "ramping-arrival-rate";
  readonly startRate: number;
  readonly timeUnit: string;
  readonly stages: { duration: string; target: number }[];
  readonly preAllocatedVUs: number;
  readonly maxVUs: number;
  readonly tags: Record<string, string>;
}
export type K6Scenario = K6ArrivalScenario | K6RampingArrivalScenario;
export type K6Threshold =
  string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };
export interface K6PlanOptions {
  scenarios: Record<string, K6Scenario>;
  thresholds: Record<string, K6Threshold[]>;
  summaryTrendStats: string[];
  discardResponseBodies: boolean;
}

/** "90s" for 90: k6 duration strings, whole seconds (ms precision when needed). */
export function k6Duration(seconds: number): string {
  if (Number.isInteger(seconds)) return `${seconds}s`;
  return `${Math.round(seconds * 1000)}ms`;
}

/** Seconds in a k6 duration string of one unit ("1s", "1m", "500ms", "1h"); null otherwise. */
export function parseTimeUnit(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (m === null) return null;
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as "ms" | "s" | "m" | "h"];
  return Number(m[1]) * factor;
}

/**
 * The arrival-rate stages of a shape, in iterations per `timeUnit`. Steps are instant jumps
 * (0-duration stages, which k6 documents for `ramping-arrival-rate`) followed by holds.
 */
export function shapeStages(shape: Shape): {
  startRate: number;
  timeUnit: string;
  stages: ArrivalStage[];
} {
  switch (shape.kind) {
    case "smoke":
    case "constant":
      return {
        startRate: shape.rate,
        timeUnit: "1s",
        stages: [{ durationSeconds: shape.durationSeconds, target: shape.rate }],
      };
    case "breakpoint": {
      const stages: ArrivalStage[] = [];
      for (let i = 0; i < shape.steps; i++) {
        const rate = shape.startRate + i * shape.stepRate;
        stages.push({ durationSeconds: 0, target: rate });
        stages.push({ durationSeconds: shape.stepSeconds, target: rate });
      }
      return { startRate: shape.startRate, timeUnit: "1s", stages };
    }
    case "spike":
      return {
        startRate: shape.baseRate,
        timeUnit: "1s",
        stages: [
          { durationSeconds: shape.baseSeconds, target: shape.baseRate },
          { durationSeconds: shape.rampSeconds, target: shape.spikeRate },
          { durationSeconds: shape.spikeSeconds, target: shape.spikeRate },
          { durationSeconds: shape.rampSeconds, target: shape.baseRate },
          { durationSeconds: shape.baseSeconds, target: shape.baseRate },
        ],
      };
    case "soak":
      return {
        startRate: 0,
        timeUnit: "1s",
        stages: [
          { durationSeconds: shape.rampSeconds, target: shape.rate },
          { durationSeconds: shape.durationSeconds, target: shape.rate },
          { durationSeconds: shape.rampSeconds, target: 0 },
        ],
      };
    case "trace-replay":
      return { startRate: shape.startRate, timeUnit: shape.timeUnit, stages: [...shape.stages] };
  }
}

/**
 * Iterations the shape asks for: the area under the piecewise-linear rate, per stage
 * `duration × (from + to) / 2`, divided by the time unit. Example: 10/s held for 60 s → 600.
 */
export function plannedIterations(shape: Shape): number {
  const { startRate, timeUnit, stages } = shapeStages(shape);
  const unit = parseTimeUnit(timeUnit) ?? 1;
  let from = startRate;
  let total = 0;
  for (const s of stages) {
    total += (s.durationSeconds * (from + s.target)) / 2 / unit;
    from = s.target;
  }
  return total;
}

/** The highest rate of the shape, iterations per second. */
export function peakRatePerSecond(shape: Shape): number {
  const { startRate, timeUnit, stages } = shapeStages(shape);
  const unit = parseTimeUnit(timeUnit) ?? 1;
  return Math.max(startRate, ...stages.map((s) => s.target)) / unit;
}

/** Seconds from start to end of the shape (without k6's graceful stop). */
export function shapeSeconds(shape: Shape): number {
  return shapeStages(shape).stages.reduce((sum, s) => sum + s.durationSeconds, 0);
}

/**
 * VUs an open-model scenario needs (Little's law): peak rate × (p95 latency + think time) ×
 * headroom, at least 2; `maxVUs` leaves room for a slower service. Example: 100/s, 300 ms,
 * no think time → 60 pre-allocated, 300 max.
 */
export function vusFor(plan: ScenarioPlan): { preAllocatedVUs: number; maxVUs: number } {
  if (plan.vus !== undefined) return plan.vus;
  const busySeconds = plan.slo.latencyP95Ms / 1000 + plan.mix.thinkTimeSeconds;
  const pre = Math.max(
    2,
    Math.ceil(peakRatePerSecond(plan.shape) * busySeconds * PLAN_DEFAULTS.vuHeadroom),
  );
  return { preAllocatedVUs: pre, maxVUs: pre * PLAN_DEFAULTS.maxVusFactor };
}

/** The k6 scenario (executor options) of a plan. The scenario is named after the shape. */
export function scenarioFor(plan: ScenarioPlan): K6Scenario {
  const vus = vusFor(plan);
  const tags = { shape: plan.shape.kind };
  const shape = plan.shape;
  if (shape.kind === "smoke" || shape.kind === "constant") {
    return {
      executor: "constant-arrival-rate",
      rate: shape.rate,
      timeUnit: "1s",
      duration: k6Duration(shape.durationSeconds),
      ...vus,
      tags,
    };
  }
  const { startRate, timeUnit, stages } = shapeStages(shape);
  return {
    executor: "ramping-arrival-rate",
    startRate,
    timeUnit,
    stages: stages.map((s) => ({ duration: k6Duration(s.durationSeconds), target: s.target })),
    ...vus,
    tags,
  };
}

/** `http_req_duration{endpoint:NAME}`: the sub-metric of one endpoint's samples. */
export function endpointMetric(metric: string, endpoint: string): string {
  return `${metric}{endpoint:${endpoint}}`;
}

/**
 * Thresholds from the SLO, in k6's syntax: p95 (and p99) of `http_req_duration`,
 * `http_req_failed` rate, the same per endpoint through sub-metrics, and a budget on
 * `dropped_iterations` (an open-model test that cannot keep its rate fails). For the
 * breakpoint shape the run-wide ones abort the test (`abortOnFail`) after one step of data.
 */
export function thresholdsFor(plan: ScenarioPlan): Record<string, K6Threshold[]> {
  const { slo, mix, shape } = plan;
  const latency = [`p(95)<${slo.latencyP95Ms}`];
  if (slo.latencyP99Ms !== undefined) latency.push(`p(99)<${slo.latencyP99Ms}`);
  const failed = [`rate<${slo.errorRatePercent / 100}`];
  const abort = (expr: string): K6Threshold =>
    shape.kind === "breakpoint"
      ? { threshold: expr, abortOnFail: true, delayAbortEval: k6Duration(shape.stepSeconds) }
      : expr;
  const budgetPercent =
    plan.droppedIterationsBudgetPercent ?? PLAN_DEFAULTS.droppedIterationsBudgetPercent;
  const thresholds: Record<string, K6Threshold[]> = {
    http_req_duration: latency.map(abort),
    http_req_failed: failed.map(abort),
    dropped_iterations: [`count<=${Math.floor((plannedIterations(shape) * budgetPercent) / 100)}`],
  };
  for (const e of mix.endpoints) {
    thresholds[endpointMetric("http_req_duration", e.name)] = [
      `p(95)<${e.latencyP95Ms ?? slo.latencyP95Ms}`,
    ];
    thresholds[endpointMetric("http_req_failed", e.name)] = failed;
  }
  return thresholds;
}

/** The whole `options` object of a scenario script. */
export function k6Options(plan: ScenarioPlan): K6PlanOptions {
  return {
    scenarios: { [plan.shape.kind]: scenarioFor(plan) },
    thresholds: thresholdsFor(plan),
    summaryTrendStats: [...PLAN_DEFAULTS.summaryTrendStats],
    discardResponseBodies: true,
  };
}

// ---------------------------------------------------------------------------------------------
// Request mix

/**
 * The endpoint for a uniform draw `u` in [0, 1): endpoints take slices of [0, 1) in
 * proportion to their weights. Example: weights 3 and 1 → u < 0.75 picks the first.
 */
export function pickEndpoint(mix: RequestMix, u: number): Endpoint {
  const total = mix.endpoints.reduce((sum, e) => sum + e.weight, 0);
  let edge = 0;
  for (const e of mix.endpoints) {
    edge += e.weight / total;
    if (u < edge) return e;
  }
  const last = mix.endpoints[mix.endpoints.length - 1];
  if (last === undefined) throw new Error("pickEndpoint requires at least one endpoint");
  return last;
}

/** The target and its headers, as read from the environment. */
export interface Target {
  /** Scheme and host (and base path), no trailing slash, no credentials, no query. */
  readonly baseUrl: string;
  /** Headers for every request, secrets included: they go to k6 `params.headers` only. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The environment variables the scenarios read (k6 `-e`/`__ENV`, or the process env). */
export const ENV_VARS = {
  /** Base URL of the service under test, e.g. https://my-alb.example.com. */
  target: "CAPLAB_TARGET",
  /** A bearer token; sent as `Authorization: Bearer …` unless CAPLAB_TOKEN_HEADER names another header. */
  token: "CAPLAB_TOKEN",
  tokenHeader: "CAPLAB_TOKEN_HEADER",
  /** `CAPLAB_HEADER_X_API_KEY=v` sends `X-Api-Key: v`. */
  headerPrefix: "CAPLAB_HEADER_",
  /** Path of a plan JSON (ScenarioPlan), read with k6 `open()`. */
  plan: "CAPLAB_PLAN",
  /** A plan JSON inline (used for ECS tasks, where there is no shared file). */
  planJson: "CAPLAB_PLAN_JSON",
  /** Where handleSummary writes caplab's summary JSON. */
  summary: "CAPLAB_SUMMARY",
} as const;

/** Result of a parse: a value or one sentence that says what to change. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** "X_API_KEY" → "X-Api-Key". */
function headerName(envSuffix: string): string {
  return envSuffix
    .split("_")
    .filter((p) => p !== "")
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1).toLowerCase())
    .join("-");
}

/**
 * The names of the request secrets set in `env` (CAPLAB_TOKEN, CAPLAB_HEADER_<NAME>, sorted):
 * a local k6 gets them through its environment; caplab never puts them in a RunTask override
 * or a testrun.yaml, and says so with the safe way.
 */
export function requestSecretsSet(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.keys(env)
    .filter(
      (k) =>
        env[k] !== undefined &&
        (k === ENV_VARS.token ||
          (k.startsWith(ENV_VARS.headerPrefix) && k.length > ENV_VARS.headerPrefix.length)),
    )
    .sort();
}

/**
 * The target from environment variables ({@link ENV_VARS}). Credentials in the URL are
 * refused: k6 writes the full URL into every sample's `url` tag, so they would reach outputs.
 */
export function targetFromEnv(env: Readonly<Record<string, string | undefined>>): Parsed<Target> {
  const raw = env[ENV_VARS.target];
  if (raw === undefined || raw === "")
    return { ok: false, error: `set ${ENV_VARS.target} to the service's URL (https://host).` };
  const m = /^(https?):\/\/([^/?#\s]+)(\/[^?#\s]*)?$/.exec(raw);
  if (m === null)
    return {
      ok: false,
      error: `${ENV_VARS.target} must be an http(s) URL without query or fragment, like https://host/base.`,
    };
  const authority = m[2] ?? "";
  if (authority.includes("@"))
    return {
      ok: false,
      error: `${ENV_VARS.target} must not carry credentials (they would appear in k6's url tag); use ${ENV_VARS.token} or ${ENV_VARS.headerPrefix}<NAME>.`,
    };
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith(ENV_VARS.headerPrefix) && value !== undefined)
      headers[headerName(key.slice(ENV_VARS.headerPrefix.length))] = value;
  }
  const token = env[ENV_VARS.token];
  if (token !== undefined && token !== "") {
    const name = env[ENV_VARS.tokenHeader];
    if (name === undefined || name === "") headers["Authorization"] = `Bearer ${token}`;
    else headers[name] = token;
  }
  const path = (m[3] ?? "").replace(/\/+$/, "");
  return { ok: true, value: { baseUrl: `${m[1]}://${authority}${path}`, headers } };
}

/** What one iteration sends: arguments of k6 `http.request(method, url, body, params)`. */
export interface RequestSpec {
  readonly method: Endpoint["method"];
  readonly url: string;
  readonly body: string | null;
  readonly params: {
    headers: Record<string, string>;
    /** `endpoint` and `name` are the endpoint's name (low-cardinality URL grouping). */
    tags: Record<string, string>;
  };
}

/** The request for one endpoint. Tags come from the plan only, never from headers or env. */
export function buildRequest(endpoint: Endpoint, target: Target): RequestSpec {
  return {
    method: endpoint.method,
    url: `${target.baseUrl}${endpoint.path}`,
    body: endpoint.body ?? null,
    params: {
      headers: { ...endpoint.headers, ...target.headers },
      tags: { ...endpoint.tags, endpoint: endpoint.name, name: endpoint.name },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Plan validation (hand-written: k6 cannot load zod)

const ENDPOINT_NAME = /^[A-Za-z0-9_.-]+$/;
const METHODS: readonly Endpoint["method"][] = [
  "GET",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "HEAD",
  "OPTIONS",
];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isPositive = (v: unknown): v is number => typeof v === "number" && v > 0 && isFinite(v);
const isNonNegative = (v: unknown): v is number => typeof v === "number" && v >= 0 && isFinite(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;

/** Field checks per shape kind: each must hold on the JSON value. */
const SHAPE_FIELDS: Record<ShapeKind, Record<string, (v: unknown) => boolean>> = {
  smoke: { rate: isPositive, durationSeconds: isPositive },
  constant: { rate: isPositive, durationSeconds: isPositive },
  breakpoint: {
    startRate: isNonNegative,
    stepRate: isPositive,
    stepSeconds: isPositive,
    steps: isCount,
  },
  spike: {
    baseRate: isNonNegative,
    spikeRate: isPositive,
    baseSeconds: isNonNegative,
    rampSeconds: isNonNegative,
    spikeSeconds: isPositive,
  },
  soak: { rate: isPositive, rampSeconds: isNonNegative, durationSeconds: isPositive },
  "trace-replay": {
    startRate: isNonNegative,
    timeUnit: (v) => typeof v === "string" && parseTimeUnit(v) !== null,
    stages: (v) =>
      Array.isArray(v) &&
      v.length > 0 &&
      v.every((s) => isObject(s) && isNonNegative(s.durationSeconds) && Number.isInteger(s.target)),
  },
};

/**
 * A ScenarioPlan from JSON, missing parts filled from {@link PLAN_DEFAULTS}. A bare
 * `{"shape": {"kind": "spike"}}` is the default spike; given fields override the defaults.
 */
export function parsePlan(value: unknown): Parsed<ScenarioPlan> {
  if (!isObject(value)) return { ok: false, error: "a plan is a JSON object with a shape." };
  const shapeIn = value.shape;
  if (!isObject(shapeIn) || !SHAPE_KINDS.includes(shapeIn.kind as ShapeKind))
    return { ok: false, error: `plan.shape.kind must be one of ${SHAPE_KINDS.join(", ")}.` };
  const kind = shapeIn.kind as ShapeKind;
  const shape = { ...PLAN_DEFAULTS[kind], ...shapeIn } as Record<string, unknown>;
  for (const [field, check] of Object.entries(SHAPE_FIELDS[kind])) {
    if (!check(shape[field]))
      return { ok: false, error: `plan.shape.${field} is missing or out of range for ${kind}.` };
  }
  const mixIn = isObject(value.mix) ? value.mix : {};
  const mix = { ...PLAN_DEFAULTS.mix, ...mixIn } as Record<string, unknown>;
  const endpoints = mix.endpoints;
  if (!Array.isArray(endpoints) || endpoints.length === 0)
    return { ok: false, error: "plan.mix.endpoints needs at least one endpoint." };
  for (const [i, e] of endpoints.entries()) {
    if (!isObject(e) || typeof e.name !== "string" || !ENDPOINT_NAME.test(e.name))
      return {
        ok: false,
        error: `plan.mix.endpoints[${i}].name must be letters, digits, "_", "." or "-".`,
      };
    if (!METHODS.includes(e.method as Endpoint["method"]))
      return { ok: false, error: `plan.mix.endpoints[${i}].method must be one of ${METHODS}.` };
    if (typeof e.path !== "string" || !e.path.startsWith("/"))
      return { ok: false, error: `plan.mix.endpoints[${i}].path must start with "/".` };
    if (!isPositive(e.weight))
      return { ok: false, error: `plan.mix.endpoints[${i}].weight must be above 0.` };
  }
  if (new Set(endpoints.map((e: { name: string }) => e.name)).size !== endpoints.length)
    return { ok: false, error: "plan.mix.endpoints names must be unique." };
  if (!isNonNegative(mix.thinkTimeSeconds))
    return { ok: false, error: "plan.mix.thinkTimeSeconds must be 0 or more." };
  const slo = { ...PLAN_DEFAULTS.slo, ...(isObject(value.slo) ? value.slo : {}) } as Record<
    string,
    unknown
  >;
  if (!isPositive(slo.latencyP95Ms) || !isNonNegative(slo.errorRatePercent))
    return { ok: false, error: "plan.slo needs latencyP95Ms > 0 and errorRatePercent ≥ 0." };
  if (slo.latencyP99Ms !== undefined && !isPositive(slo.latencyP99Ms))
    return { ok: false, error: "plan.slo.latencyP99Ms must be above 0." };
  const plan = { ...value, shape, mix, slo } as unknown as ScenarioPlan;
  return { ok: true, value: plan };
}

// ---------------------------------------------------------------------------------------------
// Trace replay

/** How a trace becomes a replay. */
export interface ReplayOptions {
  /** Multiplier on the requests. @default 1 */
  readonly scale?: number;
  /** Time compression: 60 plays an hour of trace in a minute (and 60× the rate). @default 1 */
  readonly compress?: number;
  /** Most hold stages in the replay; trace steps are summed into coarser ones to stay under it. @default 1000 */
  readonly maxSteps?: number;
}

/** Time units tried for the stage targets, finest first: k6 targets are whole numbers. */
const REPLAY_TIME_UNITS = [
  ["1s", 1],
  ["1m", 60],
  ["1h", 3600],
] as const;

/**
 * `ramping-arrival-rate` stages that replay a trace: each (possibly merged) step becomes an
 * instant jump (0 s stage) to its mean rate and a hold for the step's length, so the
 * requests of every step are kept. k6 stage targets are integers, so targets are rounded
 * with the remainder carried to the next step (error diffusion) and the time unit is the
 * finest of 1s, 1m, 1h that keeps the total within 0.1 %. Cost: O(steps).
 *
 * Example: steps of 60 s holding 600 and 1200 requests, compress 2 → holds of 30 s at 20/s
 * and 40/s: 600 + 1200 = 1800 iterations.
 */
export function traceToStages(
  trace: { readonly stepSeconds: number; readonly requests: ArrayLike<number> },
  options: ReplayOptions = {},
): Extract<Shape, { kind: "trace-replay" }> {
  const scale = options.scale ?? 1;
  const compress = options.compress ?? 1;
  const maxSteps = options.maxSteps ?? 1000;
  if (!(scale > 0) || !(compress > 0))
    throw new Error("traceToStages requires scale and compress above 0");
  if (trace.requests.length === 0) throw new Error("traceToStages requires at least one step");
  const merge = Math.ceil(trace.requests.length / maxSteps);
  const stepSeconds = (trace.stepSeconds * merge) / compress;
  const sums: number[] = [];
  for (let i = 0; i < trace.requests.length; i += merge) {
    let sum = 0;
    for (let j = i; j < Math.min(i + merge, trace.requests.length); j++)
      sum += trace.requests[j] ?? 0;
    sums.push(sum * scale);
  }
  // The last merged step may be shorter; keep its rate honest.
  const lastLength = trace.requests.length - (sums.length - 1) * merge;
  const lengths = sums.map((_, i) =>
    i === sums.length - 1 ? (trace.stepSeconds * lastLength) / compress : stepSeconds,
  );
  const total = sums.reduce((a, b) => a + b, 0);
  let best: Extract<Shape, { kind: "trace-replay" }> | null = null;
  for (const [timeUnit, unitSeconds] of REPLAY_TIME_UNITS) {
    const stages: ArrivalStage[] = [];
    let carry = 0;
    let kept = 0;
    for (const [i, sum] of sums.entries()) {
      const length = lengths[i] ?? stepSeconds;
      const exact = (sum / length) * unitSeconds + carry;
      const target = Math.max(0, Math.round(exact));
      carry = exact - target;
      kept += (target * length) / unitSeconds;
      stages.push({ durationSeconds: 0, target }, { durationSeconds: length, target });
    }
    best = { kind: "trace-replay", startRate: stages[0]?.target ?? 0, timeUnit, stages };
    if (total === 0 || Math.abs(kept - total) / total <= 0.001) break;
  }
  if (best === null) throw new Error("unreachable");
  return best;
}

// ---------------------------------------------------------------------------------------------
// Execution segments

/** One instance's slice of a distributed run. */
export interface ExecutionSegment {
  readonly index: number;
  /** `--execution-segment`, e.g. "1/3:2/3". */
  readonly segment: string;
  /** `--execution-segment-sequence`, the same for all, e.g. "0,1/3,2/3,1". */
  readonly sequence: string;
}

/** "0", "1", or the reduced fraction "k/n". */
function fraction(k: number, n: number): string {
  if (k === 0) return "0";
  if (k === n) return "1";
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = gcd(k, n);
  return `${k / g}/${n / g}`;
}

/**
 * N equal execution segments and their shared sequence, as k6-operator cuts them.
 * Example: 3 → 0:1/3, 1/3:2/3, 2/3:1 with sequence 0,1/3,2/3,1.
 */
export function executionSegments(n: number): ExecutionSegment[] {
  if (!Number.isInteger(n) || n < 1) throw new Error("executionSegments requires a whole n ≥ 1");
  const cuts = Array.from({ length: n + 1 }, (_, k) => fraction(k, n));
  const sequence = cuts.join(",");
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    segment: `${cuts[i]}:${cuts[i + 1]}`,
    sequence,
  }));
}

// ---------------------------------------------------------------------------------------------
// End-of-test summary (from k6's handleSummary data; no secrets: it never sees headers)

/** The parts of k6's `handleSummary(data)` argument that caplab reads (reference/k6.md §4.3). */
export interface K6SummaryData {
  readonly metrics: Readonly<
    Record<
      string,
      {
        readonly type: string;
        readonly values: Readonly<Record<string, number>>;
        /** `ok: true` = passed (handleSummary polarity). */
        readonly thresholds?: Readonly<Record<string, { readonly ok: boolean }>>;
      }
    >
  >;
  readonly state?: { readonly testRunDurationMs?: number };
}

/** caplab's own summary of a run, written next to k6's by the scenarios' handleSummary. */
export interface RunSummary {
  readonly shape: ShapeKind;
  readonly plannedIterations: number;
  readonly iterations: number;
  readonly droppedIterations: number;
  /** Dropped over planned, percent: above 0 means the open model did not keep its rate. */
  readonly droppedPercent: number;
  readonly durationSeconds: number;
  readonly httpReqs: number;
  readonly latencyP95Ms: number | null;
  readonly latencyP99Ms: number | null;
  readonly failedRate: number | null;
  readonly thresholds: readonly { metric: string; expression: string; ok: boolean }[];
  /** Breakpoint only: the step running when the test ended and the last one that held. */
  readonly knee: {
    readonly aborted: boolean;
    readonly stepAtEnd: number;
    readonly rateAtEnd: number;
    readonly lastGoodRate: number | null;
  } | null;
}

/** What the run did against what the plan asked for. */
export function runSummary(plan: ScenarioPlan, data: K6SummaryData): RunSummary {
  const value = (metric: string, key: string): number | null =>
    data.metrics[metric]?.values[key] ?? null;
  const planned = plannedIterations(plan.shape);
  const dropped = value("dropped_iterations", "count") ?? 0;
  const durationSeconds = (data.state?.testRunDurationMs ?? 0) / 1000;
  const thresholds = Object.entries(data.metrics).flatMap(([metric, m]) =>
    Object.entries(m.thresholds ?? {}).map(([expression, t]) => ({ metric, expression, ok: t.ok })),
  );
  let knee: RunSummary["knee"] = null;
  const shape = plan.shape;
  if (shape.kind === "breakpoint") {
    const step = Math.min(shape.steps - 1, Math.floor(durationSeconds / shape.stepSeconds));
    const failed = thresholds.some((t) => !t.ok);
    const aborted = failed && durationSeconds < shapeSeconds(shape);
    const rateAt = (i: number): number => shape.startRate + i * shape.stepRate;
    knee = {
      aborted,
      stepAtEnd: step,
      rateAtEnd: rateAt(step),
      lastGoodRate: !failed ? rateAt(step) : step > 0 ? rateAt(step - 1) : null,
    };
  }
  return {
    shape: shape.kind,
    plannedIterations: Math.round(planned),
    iterations: value("iterations", "count") ?? 0,
    droppedIterations: dropped,
    droppedPercent: planned > 0 ? (dropped / planned) * 100 : 0,
    durationSeconds,
    httpReqs: value("http_reqs", "count") ?? 0,
    latencyP95Ms: value("http_req_duration", "p(95)"),
    latencyP99Ms: value("http_req_duration", "p(99)"),
    failedRate: value("http_req_failed", "rate"),
    thresholds,
    knee,
  };
}

/** A few lines for the terminal. */
export function renderRunSummary(s: RunSummary): string {
  const ms = (v: number | null): string => (v === null ? "n/a" : `${v.toFixed(1)} ms`);
  const lines = [
    `caplab ${s.shape}: ${s.iterations} of ${s.plannedIterations} planned iterations in ${s.durationSeconds.toFixed(1)} s, ${s.httpReqs} requests`,
    `  http_req_duration p95 ${ms(s.latencyP95Ms)}, p99 ${ms(s.latencyP99Ms)}; http_req_failed ${s.failedRate === null ? "n/a" : `${(s.failedRate * 100).toFixed(2)} %`}`,
  ];
  if (s.droppedIterations > 0)
    lines.push(
      `  dropped_iterations ${s.droppedIterations} (${s.droppedPercent.toFixed(2)} % of planned): the open model did not keep its rate; raise maxVUs or split the load over more segments`,
    );
  else lines.push("  dropped_iterations 0: the arrival rate was kept");
  for (const t of s.thresholds) lines.push(`  ${t.ok ? "✓" : "✗"} ${t.metric}: ${t.expression}`);
  if (s.knee !== null) {
    lines.push(
      s.knee.aborted
        ? `  knee: thresholds crossed at step ${s.knee.stepAtEnd + 1} (${s.knee.rateAtEnd}/s); last step that held: ${s.knee.lastGoodRate === null ? "none" : `${s.knee.lastGoodRate}/s`}`
        : `  knee: not reached; every step up to ${s.knee.rateAtEnd}/s held`,
    );
  }
  return `${lines.join("\n")}\n`;
}
