/**
 * The pre-release gate's decisions. Pure: a run (and optionally a baseline) and a config in,
 * a verdict per check out; the seeded random source for the bootstrap comes from the config.
 *
 *   GateConfig (gate.yaml, {@link GateConfigSchema}; defaults in {@link GATE_DEFAULTS})
 *   GateRun (the run) + GateRun | null (the baseline: one run, or {@link poolBaselines})
 *     ──evaluateGate──▶ GateResult: absolute checks (SLO, k6 thresholds, 5xx, server
 *                       headroom, task count) then regression checks (bootstrap CI of the
 *                       p95 difference, Mann-Whitney on per-second p95, two-proportion test
 *                       on errors, capacity), each "pass" | "fail" | "skip" with its numbers.
 *
 * The gate fails when any check fails; a skipped check (no data for it) does not fail it, but a
 * gate that failed none is "inconclusive", which does not pass either (exit 1), when it judged
 * fewer than `minJudgedChecks` checks (default 1: it has shown nothing about the release) or,
 * with `requireLatencyCheck` (default true), no check of latency: a performance gate that
 * judged only 5xx or headroom has not shown the release is as fast as it must be.
 */
import { z } from "zod";
import { createRandom } from "../sim/math/random.js";
import { formatObserved, K6_DURATION_METRICS, parentMetricName } from "./k6-results.js";
import { GATE_DEFAULTS } from "../sim/vocab/defaults.js";
import { plural } from "../sim/vocab/numbers.js";
import { checkDeployment, DEPLOYMENT_FIELDS } from "../sim/vocab/config.js";
import { deploymentOutcomeText } from "./deployment-outcome.js";
import type { DeploymentKpis, Kpis } from "../sim/vocab/types.js";
import {
  bootstrapDifferenceCi,
  k6Percentile,
  mannWhitneyU,
  twoProportionZTest,
} from "./stats/index.js";

/**
 * Every default of the gate (gate.yaml overrides them; `caplab gate` has no flag for them): in
 * sim/vocab/defaults.ts with the others. Pinned by test/analysis/gate.test.ts.
 */
export { GATE_DEFAULTS };

const D = GATE_DEFAULTS;
const percent = z.number().min(0).max(100);

/** gate.yaml. Every field is optional; see {@link GATE_DEFAULTS}. */
export const GateConfigSchema = z
  .object({
    /** SLO limits; each falls back to the run's plan.json `slo`, else that check is skipped. */
    slo: z
      .object({
        /** p95 of http_req_duration over the run, ms. */
        latencyP95Ms: z.number().positive().optional(),
        /** p99 of http_req_duration over the run, ms. */
        latencyP99Ms: z.number().positive().optional(),
        /** Failed requests (http_req_failed), percent. */
        errorRatePercent: percent.optional(),
      })
      .strict()
      .prefault({}),
    absolute: z
      .object({
        k6Thresholds: z.boolean().default(D.k6Thresholds),
        max5xxPercent: percent.default(D.max5xxPercent),
        cpuHeadroomPercent: percent.default(D.cpuHeadroomPercent),
        memoryHeadroomPercent: percent.default(D.memoryHeadroomPercent),
        taskCountBelowMaxCapacity: z.boolean().default(D.taskCountBelowMaxCapacity),
      })
      .strict()
      .prefault({}),
    regression: z
      .object({
        confidence: z.number().gt(0).lt(1).default(D.confidence),
        resamples: z.number().int().min(100).max(100_000).default(D.resamples),
        seed: z.number().int().default(D.seed),
        maxBootstrapValues: z.number().int().min(100).default(D.maxBootstrapValues),
        p95MarginPercent: z.number().min(0).default(D.p95MarginPercent),
        mannWhitneyAlpha: z.number().gt(0).lt(1).default(D.mannWhitneyAlpha),
        mannWhitneyMinShiftPercent: z.number().min(0).default(D.mannWhitneyMinShiftPercent),
        errorAlpha: z.number().gt(0).lt(1).default(D.errorAlpha),
        errorMinDifferencePercent: percent.default(D.errorMinDifferencePercent),
        capacityMarginPercent: z.number().min(0).default(D.capacityMarginPercent),
      })
      .strict()
      .prefault({}),
    /**
     * A deployment check (issue #16): the release's deployment, simulated at its planned time
     * against a `caplab simulate` config (its trace, service, task, scaling and SLO), fails the
     * gate when it adds more SLO-violating minutes than allowed.
     */
    deployment: z
      .object({
        /** The simulate config, relative to gate.yaml. */
        simulate: z.string(),
        /** SLO-violating minutes the deployment may add. @default 0 */
        maxAddedSloMinutes: z.number().min(0).default(D.maxAddedSloMinutes),
        ...DEPLOYMENT_FIELDS,
      })
      .strict()
      .superRefine(checkDeployment)
      .optional(),
    /**
     * Checks that must be judged (not skipped for want of data) for the gate to pass; with fewer,
     * and none failed, the verdict is "inconclusive" (exit 1). 0 (with requireLatencyCheck: false) lets an all-skipped gate pass.
     */
    minJudgedChecks: z.number().int().min(0).default(D.minJudgedChecks),
    /**
     * A pass needs at least one latency check judged ({@link GateCheck.latency}); with none, and
     * none failed, the verdict is "inconclusive" (exit 1). false lets the other checks pass it.
     */
    requireLatencyCheck: z.boolean().default(D.requireLatencyCheck),
    /**
     * A latency check's pass on fewer samples than the percentile needs at this confidence
     * ({@link fewestSamples}) is not judged; 0 turns it off.
     */
    latencySampleConfidence: z.number().min(0).lt(1).default(D.latencySampleConfidence),
  })
  .strict();
export type GateConfig = z.output<typeof GateConfigSchema>;

/** The gate config with every default (what an empty gate.yaml means). */
export const DEFAULT_GATE_CONFIG: GateConfig = GateConfigSchema.parse({});

/** The server side of a run as the gate sees it; null fields when a series is missing. */
export interface GateServerSide {
  readonly peakCpuPercent: number | null;
  readonly peakMemoryPercent: number | null;
  readonly maxTasks: number | null;
  readonly maxCapacity: number | null;
}

/**
 * A run figure its files may not give: a k6 end-of-test summary alone has no status codes and
 * no per-second series, and only the percentiles of k6's `summaryTrendStats`.
 */
export type RunFigure =
  | "p50"
  | "p90"
  | "p95"
  | "p99"
  | "avg"
  | "max"
  | "failed"
  | "5xx"
  | "seconds"
  /** k6's verdicts on its thresholds (k6's machine-readable summary holds none). */
  | "thresholds";

/** Figures a run does not give, each with why (the check that needs it is skipped with it). */
export type Unmeasured = Readonly<Partial<Record<RunFigure, string>>>;

/** What the gate needs of a run (or of pooled baseline runs). */
export interface GateRun {
  /** How to name it in verdicts, e.g. the run id. */
  readonly label: string;
  readonly requests: number;
  readonly failedRequests: number;
  readonly status5xx: number;
  /** Run-wide p95 / p99 of http_req_duration, ms. */
  readonly latencyP95Ms: number;
  readonly latencyP99Ms: number;
  /** Request latencies (a sample of them is fine), ms. */
  readonly latencySample: readonly number[];
  /** The p95 of each second that had requests, ms. */
  readonly secondP95Ms: readonly number[];
  readonly thresholds: readonly {
    readonly metric: string;
    readonly expression: string;
    readonly ok: boolean;
    /** The value it was judged on, in the metric's unit; null: not judged (an empty Rate). */
    readonly observed?: number | null;
    /**
     * Samples of its (sub-)metric; 0: judged on an empty sink. A threshold that passed on no
     * samples, or that k6 did not judge (observed null), is skipped: not judged, so it cannot
     * make the gate pass. Unknown (absent): the verdict stands.
     */
    readonly samples?: number;
    /** What the metric holds (`time`: ms). */
    readonly contains?: string;
    /**
     * The percentile its expression judges (50 for `avg` and `med`; scenarios/plan/k6-thresholds.ts
     * `judgedPercentile`); null for `min`, `max`, `count`, `rate`, `value`. A pass of a time
     * metric's on fewer samples than {@link fewestSamples} is not judged.
     */
    readonly percent?: number | null;
    /** k6's verdict, or caplab's on the k6 output (a distributed run, an import). */
    readonly judgedBy?: "k6" | "caplab";
  }[];
  /** The plan's SLO, used where gate.yaml sets none. */
  readonly slo: {
    readonly latencyP95Ms: number;
    readonly latencyP99Ms?: number;
    readonly errorRatePercent: number;
  } | null;
  readonly server: GateServerSide | null;
  /** vCPU-seconds per request; null without server-side CPU, task count and task size. */
  readonly cpuSecondsPerRequest: number | null;
  /** Requests per task-second; null without a task count. */
  readonly requestsPerTaskSecond: number | null;
  /** Figures the run's files do not give (their numbers above are then 0 and not judged). */
  readonly unmeasured?: Unmeasured;
  /**
   * k6's own verdict on the whole test, where its summary holds one (the machine-readable
   * summary's `results.passed`, which k6's threshold evaluations and other criteria decide).
   */
  readonly k6Passed?: boolean;
}

export const CHECK_VERDICTS = ["pass", "fail", "skip"] as const;
export type CheckVerdict = (typeof CHECK_VERDICTS)[number];

/** One check of the gate: what it compared, its verdict and the numbers behind it. */
export interface GateCheck {
  /** Stable id, e.g. "slo-p95", "k6-threshold", "regression-p95-bootstrap". */
  readonly id: string;
  readonly group: "absolute" | "regression";
  /** A short name for people (may hold a k6 metric name from outside). */
  readonly name: string;
  readonly verdict: CheckVerdict;
  /**
   * It judges latency: the SLO's p95 and p99, a k6 threshold on a time metric, the p95
   * regressions against a baseline (what `requireLatencyCheck` asks for).
   */
  readonly latency?: true;
  /** One sentence with the numbers: what was measured against what. */
  readonly detail: string;
  readonly numbers: Readonly<Record<string, number | null>>;
}

export const GATE_VERDICTS = ["pass", "fail", "inconclusive"] as const;
/**
 * "fail": a check failed; "inconclusive": none failed, but fewer than `minJudgedChecks` were
 * judged, or no latency check was while `requireLatencyCheck` holds; "pass": otherwise.
 */
export type GateVerdict = (typeof GATE_VERDICTS)[number];

export interface GateResult {
  readonly verdict: GateVerdict;
  /** Checks judged (pass or fail; the rest were skipped for want of data). */
  readonly judged: number;
  /** The fewest judged checks a pass needs (gate.yaml `minJudgedChecks`). */
  readonly minJudged: number;
  /** Latency checks judged ({@link GateCheck.latency}). */
  readonly latencyJudged: number;
  /** Whether a pass needs a latency check judged (gate.yaml `requireLatencyCheck`). */
  readonly latencyRequired: boolean;
  readonly run: string;
  readonly baseline: string | null;
  readonly checks: readonly GateCheck[];
}

/**
 * Runs every check; the gate fails when any check fails, and is inconclusive when none failed
 * but fewer than `config.minJudgedChecks` were judged, or (with `config.requireLatencyCheck`)
 * no latency check was.
 */
export function evaluateGate(
  run: GateRun,
  baseline: GateRun | null,
  config: GateConfig = DEFAULT_GATE_CONFIG,
  deployment: GateCheck | null = null,
): GateResult {
  const checks = [
    ...absoluteChecks(run, config),
    ...(deployment ? [deployment] : []),
    ...(baseline === null
      ? [skipped("regression", "regression", "regression against a baseline", "no baseline given")]
      : regressionChecks(run, baseline, config)),
  ];
  const judged = checks.filter((c) => c.verdict !== "skip").length;
  const latencyJudged = checks.filter((c) => c.verdict !== "skip" && c.latency === true).length;
  const minJudged = config.minJudgedChecks;
  const latencyRequired = config.requireLatencyCheck;
  return {
    verdict: checks.some((c) => c.verdict === "fail")
      ? "fail"
      : judged < minJudged || (latencyRequired && latencyJudged === 0)
        ? "inconclusive"
        : "pass",
    judged,
    minJudged,
    latencyJudged,
    latencyRequired,
    run: run.label,
    baseline: baseline?.label ?? null,
    checks,
  };
}

/**
 * The deployment check: the simulate config run with the release's deployment against the same
 * run without it; the SLO-violating minutes and failed requests it adds (at least 0), and the
 * deployment's own window (sim/deploy.ts). Fails past `maxAddedSloMinutes`, or when the
 * deployment does not complete (rolled back, failed, stuck, unfinished).
 */
export function deploymentCheck(
  without: Kpis,
  withIt: Kpis,
  window: DeploymentKpis,
  settings: { readonly at: string; readonly strategy: string; readonly maxAddedSloMinutes: number },
): GateCheck {
  const added = Math.max(0, withIt.sloViolationMinutes - without.sloViolationMinutes);
  const failed = Math.max(0, withIt.failedRequests - without.failedRequests);
  const over = added > settings.maxAddedSloMinutes + 1e-9;
  const done = window.outcome === "completed";
  return {
    id: "deployment-slo",
    group: "absolute",
    name: `deployment at ${settings.at} (${settings.strategy})`,
    verdict: over || !done ? "fail" : "pass",
    detail: `A ${settings.strategy} deployment at ${settings.at} ${done ? `completes in ${round(window.durationMinutes, 1)} min and` : `ends ${deploymentOutcomeText(window)}; it`} adds ${round(added, 1)} SLO-violating minutes (at most ${round(settings.maxAddedSloMinutes, 1)} allowed) and ${Math.round(failed)} failed requests; ${round(window.extraTaskMinutes, 1)} extra task-minutes.`,
    numbers: {
      addedSloMinutes: added,
      maxAddedSloMinutes: settings.maxAddedSloMinutes,
      addedFailedRequests: failed,
      durationMinutes: window.durationMinutes,
      extraTaskMinutes: window.extraTaskMinutes,
      extraCostUsd: window.extraCostUsd,
    },
  };
}

/**
 * The fewest samples on which a pass of a check of the `percent`-th percentile rests (the
 * median's for the mean): the least n for which the largest of n samples lies at or above the
 * true percentile with probability `confidence`, 1 − (percent/100)^n ≥ confidence, the
 * order-statistic bound; with fewer, no statistic of the sample bounds that percentile. 0 for
 * the minimum (`p(0)`), and null for the maximum (`p(100)`, `max`: what was observed is judged).
 *
 * @example fewestSamples(95, 0.95) // 59
 * @example fewestSamples(99, 0.95) // 299
 */
export function fewestSamples(percent: number, confidence: number): number | null {
  if (percent >= 100) return null;
  if (percent <= 0 || confidence <= 0) return 0;
  return Math.ceil(Math.log(1 - confidence) / Math.log(percent / 100) - 1e-9);
}

/**
 * The samples a statistic of the `percent`-th percentile needs ({@link fewestSamples}) when
 * `samples` are fewer; null when they are enough, unknown, or the statistic is not a
 * percentile (`percent` null: `max`, `min`, `count`, `rate`). The gate's rule and the run
 * report's amber PASS (reports/run-markdown.ts) both ask it.
 *
 * @example tooFewSamples(12, 95, 0.95) // 59
 * @example tooFewSamples(59, 95, 0.95) // null
 */
export function tooFewSamples(
  samples: number | undefined,
  percent: number | null,
  confidence: number,
): number | null {
  return shortOfSamples(samples, percent, confidence)?.fewest ?? null;
}

/** {@link tooFewSamples} with what it was asked, known to be there: null when the samples are enough or unknown. */
function shortOfSamples(
  samples: number | undefined,
  percent: number | null,
  confidence: number,
): { readonly fewest: number; readonly samples: number; readonly percent: number } | null {
  if (samples === undefined || percent === null) return null;
  const fewest = fewestSamples(percent, confidence);
  return fewest !== null && samples < fewest ? { fewest, samples, percent } : null;
}

/**
 * Why a percentile needs {@link fewestSamples}, in the words the gate and rightsize both say it:
 * "with fewer, even the largest falls below the p95 more often than 5 % of the time".
 */
export function fewSamplesClause(confidence: number, statistic = "that percentile"): string {
  return `with fewer, even the largest falls below ${statistic} more often than ${round((1 - confidence) * 100, 2)} % of the time`;
}

/**
 * A latency check's pass turned into "not judged" when it rests on fewer samples than
 * {@link fewestSamples} asks for ({@link tooFewSamples}); else the check as it is.
 */
function unlessTooFewSamples(
  check: GateCheck,
  samples: number | undefined,
  percent: number | null,
  confidence: number,
  what: string,
): GateCheck {
  const short = check.verdict === "pass" ? shortOfSamples(samples, percent, confidence) : null;
  if (short === null) return check;
  const statistic = short.percent === 50 ? "the median" : `the p${round(short.percent, 3)}`;
  const { latency: _latency, ...rest } = check;
  return {
    ...rest,
    verdict: "skip",
    detail: `not judged: ${check.detail.replace(/\.$/, "")}, but on ${plural(short.samples, what)} only: a pass needs ${short.fewest} (${fewSamplesClause(confidence, statistic)}; gate.yaml latencySampleConfidence: ${confidence}).`,
    numbers: { ...check.numbers, samples: short.samples, fewestSamples: short.fewest },
  };
}

/** The mark of a latency check ({@link GateCheck.latency}). */
const LATENCY = { latency: true } as const;

/** A threshold's metric holds times: its summary says so, or it is one of k6's time trends ({@link K6_DURATION_METRICS}). */
export function isTimeMetric(metric: string, contains: string | undefined): boolean {
  if (contains !== undefined) return contains === "time";
  return K6_DURATION_METRICS.has(parentMetricName(metric).trim());
}

function skipped(id: string, group: GateCheck["group"], name: string, reason: string): GateCheck {
  return { id, group, name, verdict: "skip", detail: `skipped: ${reason}.`, numbers: {} };
}

const ms = (v: number): string => `${round(v, 1)} ms`;
const pct = (v: number, digits = 2): string => `${round(v, digits)} %`;

/** v rounded to `digits` decimals, without trailing zeros, e.g. round(1.2049, 2) → "1.2". */
function round(v: number, digits: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toFixed(digits)));
}

/**
 * k6's own verdict on the whole test (GateRun.k6Passed: the machine-readable summary's
 * `results.passed`, "Determined by threshold evaluations and other test criteria", grafana/k6-summary
 * schema 1.0.0): the k6-thresholds check where the summary names no single threshold.
 */
function k6VerdictCheck(passed: boolean): GateCheck {
  return {
    id: "k6-threshold",
    group: "absolute",
    name: "k6 thresholds (k6's verdict on the test)",
    verdict: passed ? "pass" : "fail",
    detail: passed
      ? "passed: k6 said the test passed (results.passed: true in its summary), so its thresholds held."
      : "FAILED: k6 said the test failed (results.passed: false in its summary): its thresholds failed, or another of k6's criteria did (k6's exit code says which: 99 for thresholds).",
    numbers: { passed: passed ? 1 : 0 },
  };
}

/** The SLO, k6-threshold, 5xx and server-side checks of one run. */
export function absoluteChecks(run: GateRun, config: GateConfig): GateCheck[] {
  const out: GateCheck[] = [];
  const a = config.absolute;
  const sloP95 = config.slo.latencyP95Ms ?? run.slo?.latencyP95Ms;
  const sloP99 = config.slo.latencyP99Ms ?? run.slo?.latencyP99Ms;
  const sloErrors = config.slo.errorRatePercent ?? run.slo?.errorRatePercent;
  const noRequests = run.requests === 0;
  const unmeasured = run.unmeasured ?? {};

  const limit = (
    id: string,
    name: string,
    value: number,
    max: number | undefined,
    show: (v: number) => string,
    needs: RunFigure,
    latency = false,
  ): GateCheck => {
    if (max === undefined) return skipped(id, "absolute", name, "no limit set (gate.yaml or plan)");
    // What the run's files cannot give first: a summary without http_req_duration (a gRPC
    // test) has no HTTP requests, and says why.
    const missing = unmeasured[needs];
    if (missing !== undefined) return skipped(id, "absolute", name, missing);
    if (noRequests) return skipped(id, "absolute", name, "the run has no requests");
    return {
      id,
      group: "absolute",
      name,
      verdict: value <= max ? "pass" : "fail",
      detail: `${show(value)} ${value <= max ? "≤" : ">"} limit ${show(max)}.`,
      numbers: { value, limit: max },
      ...(latency ? LATENCY : {}),
    };
  };
  const errorRate = noRequests ? 0 : (run.failedRequests / run.requests) * 100;
  const confidence = config.latencySampleConfidence;
  out.push(
    unlessTooFewSamples(
      limit("slo-p95", "SLO p95 latency", run.latencyP95Ms, sloP95, ms, "p95", true),
      run.requests,
      95,
      confidence,
      "request",
    ),
  );
  out.push(
    unlessTooFewSamples(
      limit("slo-p99", "SLO p99 latency", run.latencyP99Ms, sloP99, ms, "p99", true),
      run.requests,
      99,
      confidence,
      "request",
    ),
  );
  out.push(
    limit("slo-error-rate", "SLO error rate", errorRate, sloErrors, (v) => pct(v, 3), "failed"),
  );

  if (a.k6Thresholds) {
    if (run.k6Passed !== undefined) out.push(k6VerdictCheck(run.k6Passed));
    else if (run.thresholds.length === 0)
      out.push(
        skipped(
          "k6-threshold",
          "absolute",
          "k6 thresholds",
          unmeasured.thresholds ?? "the run has none (summary.json, thresholds.json)",
        ),
      );
    for (const t of run.thresholds) {
      const who =
        t.judgedBy === "k6"
          ? "k6's verdict"
          : t.judgedBy === "caplab"
            ? "judged by caplab on the k6 output, as k6 judges"
            : "k6's verdict, or caplab's on the merged points of a distributed run";
      const name = `k6 threshold ${t.metric}: ${t.expression}`;
      if (t.ok && (t.observed === null || t.samples === 0)) {
        // k6 passes a threshold whose sink has no value for it (an empty Rate: "a missing sink
        // entry means that no samples are available", k6 `metrics/thresholds.go` `Run`) and
        // judges an empty Trend, Counter or Gauge as 0 at the end of the test (k6
        // `internal/metrics/engine/engine.go` `evaluateThresholds(ignoreEmptySinks=false)`,
        // release notes v0.38.0 #1346): a pass on nothing, so not judged here.
        out.push({
          id: "k6-threshold",
          group: "absolute",
          name,
          verdict: "skip",
          detail:
            t.observed === null
              ? `not judged: no samples of ${t.metric}, and k6 does not judge a threshold without a value (it passes it).`
              : `not judged: no samples of ${t.metric}; k6 judges its empty sink as ${formatObserved(t.observed ?? 0, t.contains ?? "default")} and passes it.`,
          numbers: { samples: 0 },
        });
        continue;
      }
      const value =
        t.observed === undefined
          ? ""
          : t.observed === null
            ? "no value, as k6; "
            : `${formatObserved(t.observed, t.contains ?? "default")}${t.samples === 0 ? ", no samples" : ""}; `;
      const time = t.observed !== null && isTimeMetric(t.metric, t.contains);
      const check: GateCheck = {
        id: "k6-threshold",
        group: "absolute",
        name,
        verdict: t.ok ? "pass" : "fail",
        detail: `${t.ok ? "passed" : "FAILED"} (${value}${who}).`,
        numbers: t.observed === undefined ? {} : { observed: t.observed },
        ...(time ? LATENCY : {}),
      };
      out.push(
        time
          ? unlessTooFewSamples(check, t.samples, t.percent ?? null, confidence, "sample")
          : check,
      );
    }
  }

  const share5xx = noRequests ? 0 : (run.status5xx / run.requests) * 100;
  out.push(
    noRequests || unmeasured["5xx"] !== undefined
      ? skipped("5xx", "absolute", "5xx responses", unmeasured["5xx"] ?? "the run has no requests")
      : {
          id: "5xx",
          group: "absolute",
          name: "5xx responses",
          verdict: share5xx <= a.max5xxPercent ? "pass" : "fail",
          detail: `${run.status5xx} of ${run.requests} responses were 5xx (${pct(share5xx, 3)}); limit ${pct(a.max5xxPercent, 3)}.`,
          numbers: { count: run.status5xx, percent: share5xx, limitPercent: a.max5xxPercent },
        },
  );

  const server = run.server;
  const headroom = (
    id: string,
    name: string,
    peak: number | null | undefined,
    room: number,
  ): GateCheck => {
    if (peak === null || peak === undefined)
      return skipped(id, "absolute", name, "no server-side series for it");
    const max = 100 - room;
    return {
      id,
      group: "absolute",
      name,
      verdict: peak <= max ? "pass" : "fail",
      detail: `peak ${pct(peak, 1)} ${peak <= max ? "≤" : ">"} ${pct(max, 1)} (headroom ${pct(room, 1)}).`,
      numbers: { peakPercent: peak, limitPercent: max },
    };
  };
  out.push(
    headroom("server-cpu", "server CPU headroom", server?.peakCpuPercent, a.cpuHeadroomPercent),
  );
  out.push(
    headroom(
      "server-memory",
      "server memory headroom",
      server?.peakMemoryPercent,
      a.memoryHeadroomPercent,
    ),
  );
  if (a.taskCountBelowMaxCapacity) {
    const name = "task count below MaxCapacity";
    if (server?.maxTasks == null || server.maxCapacity == null)
      out.push(skipped("server-max-capacity", "absolute", name, "no task count or MaxCapacity"));
    else
      out.push({
        id: "server-max-capacity",
        group: "absolute",
        name,
        verdict: server.maxTasks < server.maxCapacity ? "pass" : "fail",
        detail: `at most ${round(server.maxTasks, 1)} running tasks, MaxCapacity ${server.maxCapacity}${server.maxTasks < server.maxCapacity ? "" : ": no room left to scale out"}.`,
        numbers: { maxTasks: server.maxTasks, maxCapacity: server.maxCapacity },
      });
  }
  return out;
}

/** The p95 of a sample (k6's definition). */
function p95(values: ArrayLike<number>): number {
  return k6Percentile(Float64Array.from(values).sort(), 0.95);
}

/** The median of a sample. */
function median(values: ArrayLike<number>): number {
  return k6Percentile(Float64Array.from(values).sort(), 0.5);
}

/**
 * At most `size` values of a sample, evenly spaced by rank after sorting: keeps its
 * percentiles while bounding the bootstrap's cost.
 */
function thinByRank(values: readonly number[], size: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n <= size) return Array.from(sorted);
  const out: number[] = [];
  for (let i = 0; i < size; i++) out.push(sorted[Math.round((i * (n - 1)) / (size - 1))] ?? 0);
  return out;
}

/** Bootstrap CI of the p95 difference, Mann-Whitney, two-proportion test and capacity. */
export function regressionChecks(run: GateRun, base: GateRun, config: GateConfig): GateCheck[] {
  const r = config.regression;
  const out: GateCheck[] = [];

  // 1. Bootstrap CI of p95(run) − p95(baseline) over request latencies.
  const name1 = "p95 regression (bootstrap CI)";
  const noSeconds = run.unmeasured?.seconds ?? base.unmeasured?.seconds;
  if (run.latencySample.length < 20 || base.latencySample.length < 20) {
    out.push(
      skipped(
        "regression-p95-bootstrap",
        "regression",
        name1,
        noSeconds ?? "fewer than 20 latencies",
      ),
    );
  } else {
    const a = thinByRank(base.latencySample, r.maxBootstrapValues);
    const b = thinByRank(run.latencySample, r.maxBootstrapValues);
    const ci = bootstrapDifferenceCi(a, b, p95, {
      random: createRandom(r.seed),
      resamples: r.resamples,
      confidence: r.confidence,
    });
    const baseP95 = p95(a);
    const margin = (r.p95MarginPercent / 100) * baseP95;
    const fail = ci.lower > margin;
    out.push({
      id: "regression-p95-bootstrap",
      group: "regression",
      name: name1,
      verdict: fail ? "fail" : "pass",
      ...LATENCY,
      detail: `p95 ${ms(p95(b))} vs baseline ${ms(baseP95)}: difference ${ms(ci.estimate)}, ${round(ci.confidence * 100, 1)} % CI [${ms(ci.lower)}, ${ms(ci.upper)}]; lower bound ${fail ? ">" : "≤"} margin ${ms(margin)} (${pct(r.p95MarginPercent, 1)} of baseline).`,
      numbers: {
        baselineP95Ms: baseP95,
        runP95Ms: p95(b),
        differenceMs: ci.estimate,
        lowerMs: ci.lower,
        upperMs: ci.upper,
        marginMs: margin,
      },
    });
  }

  // 2. Mann-Whitney on per-second p95.
  const name2 = "per-second p95 shift (Mann-Whitney)";
  if (run.secondP95Ms.length < 5 || base.secondP95Ms.length < 5) {
    out.push(
      skipped("regression-mann-whitney", "regression", name2, noSeconds ?? "fewer than 5 seconds"),
    );
  } else {
    const mw = mannWhitneyU(base.secondP95Ms, run.secondP95Ms);
    const mRun = median(run.secondP95Ms);
    const mBase = median(base.secondP95Ms);
    const shift = mBase > 0 ? ((mRun - mBase) / mBase) * 100 : 0;
    const fail = mw.pValueBGreater < r.mannWhitneyAlpha && shift >= r.mannWhitneyMinShiftPercent;
    out.push({
      id: "regression-mann-whitney",
      group: "regression",
      name: name2,
      verdict: fail ? "fail" : "pass",
      ...LATENCY,
      detail: `median per-second p95 ${ms(mRun)} vs ${ms(mBase)} (${shift >= 0 ? "+" : ""}${pct(shift, 1)}); one-sided p = ${mw.pValueBGreater.toPrecision(3)} (fails when p < ${r.mannWhitneyAlpha} and the shift ≥ +${pct(r.mannWhitneyMinShiftPercent, 1)}).`,
      numbers: {
        runMedianMs: mRun,
        baselineMedianMs: mBase,
        shiftPercent: shift,
        z: mw.z,
        pValue: mw.pValueBGreater,
      },
    });
  }

  // 3. Two-proportion z-test on failed requests.
  const name3 = "error-rate regression (two-proportion test)";
  const noFailed = run.unmeasured?.failed ?? base.unmeasured?.failed;
  if (run.requests === 0 || base.requests === 0 || noFailed !== undefined) {
    out.push(
      skipped("regression-errors", "regression", name3, noFailed ?? "a run has no requests"),
    );
  } else {
    const t = twoProportionZTest(
      base.failedRequests,
      base.requests,
      run.failedRequests,
      run.requests,
    );
    const diff = t.difference * 100;
    const fail = t.pValueBWorse < r.errorAlpha && diff >= r.errorMinDifferencePercent;
    out.push({
      id: "regression-errors",
      group: "regression",
      name: name3,
      verdict: fail ? "fail" : "pass",
      detail: `errors ${pct(t.proportionB * 100, 3)} vs baseline ${pct(t.proportionA * 100, 3)} (${diff >= 0 ? "+" : ""}${round(diff, 3)} points); one-sided p = ${t.pValueBWorse.toPrecision(3)} (fails when p < ${r.errorAlpha} and the rise ≥ ${round(r.errorMinDifferencePercent, 3)} points).`,
      numbers: {
        runPercent: t.proportionB * 100,
        baselinePercent: t.proportionA * 100,
        differencePoints: diff,
        z: t.z,
        pValue: t.pValueBWorse,
      },
    });
  }

  // 4. Capacity: CPU-seconds per request (higher is worse), else requests per task-second.
  out.push(capacityCheck(run, base, r.capacityMarginPercent));
  return out;
}

function capacityCheck(run: GateRun, base: GateRun, marginPercent: number): GateCheck {
  const name = "capacity regression";
  const compare = (
    what: string,
    now: number,
    before: number,
    higherIsWorse: boolean,
    digits: number,
  ): GateCheck => {
    const change = before !== 0 ? ((now - before) / before) * 100 : 0;
    const worse = higherIsWorse ? change : -change;
    const fail = worse > marginPercent;
    return {
      id: "regression-capacity",
      group: "regression",
      name,
      verdict: fail ? "fail" : "pass",
      detail: `${what} ${now.toPrecision(digits)} vs baseline ${before.toPrecision(digits)} (${worse >= 0 ? "worse" : "better"} by ${pct(Math.abs(worse), 1)}; limit ${pct(marginPercent, 1)}).`,
      numbers: { run: now, baseline: before, worsePercent: worse, marginPercent },
    };
  };
  if (run.cpuSecondsPerRequest !== null && base.cpuSecondsPerRequest !== null)
    return compare(
      "CPU-seconds per request",
      run.cpuSecondsPerRequest,
      base.cpuSecondsPerRequest,
      true,
      3,
    );
  if (run.requestsPerTaskSecond !== null && base.requestsPerTaskSecond !== null)
    return compare(
      "requests per task-second",
      run.requestsPerTaskSecond,
      base.requestsPerTaskSecond,
      false,
      3,
    );
  return skipped("regression-capacity", "regression", name, "no server-side data on both sides");
}

/**
 * Several baseline runs as one (e.g. the last N scheduled runs): latencies, per-second p95s
 * and request counts pooled; capacity figures averaged over the runs that have them.
 *
 * @throws {RangeError} for an empty list.
 */
export function poolBaselines(runs: readonly GateRun[], label?: string): GateRun {
  const first = runs[0];
  if (first === undefined) throw new RangeError("`poolBaselines` requires at least one run");
  if (runs.length === 1 && label === undefined) return first;
  const mean = (xs: (number | null)[]): number | null => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length === 0 ? null : v.reduce((s, x) => s + x, 0) / v.length;
  };
  const latencySample = runs.flatMap((r) => r.latencySample);
  const noFailed = runs.find((r) => r.unmeasured?.failed !== undefined);
  return {
    label: label ?? runs.map((r) => r.label).join(", "),
    requests: runs.reduce((s, r) => s + r.requests, 0),
    failedRequests: runs.reduce((s, r) => s + r.failedRequests, 0),
    status5xx: runs.reduce((s, r) => s + r.status5xx, 0),
    latencyP95Ms: p95(latencySample),
    latencyP99Ms: k6Percentile(Float64Array.from(latencySample).sort(), 0.99),
    latencySample,
    secondP95Ms: runs.flatMap((r) => r.secondP95Ms),
    thresholds: [],
    slo: first.slo,
    server: null,
    cpuSecondsPerRequest: mean(runs.map((r) => r.cpuSecondsPerRequest)),
    requestsPerTaskSecond: mean(runs.map((r) => r.requestsPerTaskSecond)),
    // A run without a failed-request count would dilute the pooled error rate: none is pooled.
    ...(noFailed === undefined
      ? {}
      : {
          unmeasured: { failed: `baseline run ${noFailed.label}: ${noFailed.unmeasured!.failed!}` },
        }),
  };
}

/**
 * Exit code of `caplab gate` for a result: 0 pass, 1 fail or inconclusive (neither lets a
 * release through; 2 is for usage errors).
 */
export function gateExitCode(result: GateResult): 0 | 1 {
  return result.verdict === "pass" ? 0 : 1;
}
