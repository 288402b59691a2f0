/**
 * The one thin adapter between k6 and caplab's plans (STYLE.md point 6): the only place that
 * imports `k6/*` values and reads `__ENV` / `open()`. Everything it decides comes from
 * scenarios/plan/k6-plan.ts, which vitest tests without k6.
 *
 *   __ENV (CAPLAB_TARGET, CAPLAB_TOKEN, CAPLAB_HEADER_*, CAPLAB_PLAN / CAPLAB_PLAN_JSON)
 *     ──scenario(kind)──▶ { options, iteration, handleSummary } for a scenario file
 *
 * Secrets (token, headers) go to `params.headers` and nowhere else: not into tags, names,
 * options or the summary.
 */
import { sleep } from "k6";
import http from "k6/http";
import type { Options } from "k6/options";
import {
  ENV_VARS,
  buildRequest,
  defaultPlan,
  k6Options,
  parsePlan,
  pickEndpoint,
  renderRunSummary,
  runSummary,
  targetFromEnv,
  type K6SummaryData,
  type ScenarioPlan,
  type ShapeKind,
  type Target,
} from "../plan/k6-plan.ts";

/** What a scenario file exports, built from the plan in the environment. */
export interface Scenario {
  readonly plan: ScenarioPlan;
  readonly options: Options;
  /** The default function: one request of the mix, then the think time. */
  readonly iteration: () => void;
  readonly handleSummary: (data: K6SummaryData) => Record<string, string>;
}

/** The plan: CAPLAB_PLAN_JSON, else the file CAPLAB_PLAN, else the shape's defaults. */
function loadPlan(kind: ShapeKind): ScenarioPlan {
  const inline = __ENV[ENV_VARS.planJson];
  const path = __ENV[ENV_VARS.plan];
  const text = inline ?? (path === undefined || path === "" ? undefined : open(path));
  if (text === undefined) {
    if (kind === "trace-replay")
      throw new Error(
        `trace-replay needs a plan with stages: set ${ENV_VARS.plan} (caplab run writes one).`,
      );
    return defaultPlan(kind);
  }
  const parsed = parsePlan(JSON.parse(text));
  if (!parsed.ok) throw new Error(parsed.error);
  if (parsed.value.shape.kind !== kind)
    throw new Error(
      `this is the ${kind} scenario but the plan is a ${parsed.value.shape.kind} plan.`,
    );
  return parsed.value;
}

/** The target and its headers from the environment. */
function loadTarget(): Target {
  const target = targetFromEnv(__ENV);
  if (!target.ok) throw new Error(target.error);
  return target.value;
}

/** Builds a scenario in k6's init context; throws (k6 exit 107) on a bad plan or target. */
export function scenario(kind: ShapeKind): Scenario {
  const plan = loadPlan(kind);
  const target = loadTarget();
  const think = plan.mix.thinkTimeSeconds;
  return {
    plan,
    options: k6Options(plan),
    iteration: () => {
      const request = buildRequest(pickEndpoint(plan.mix, Math.random()), target);
      http.request(request.method, request.url, request.body, request.params);
      if (think > 0) sleep(think);
    },
    handleSummary: (data) => {
      const summary = runSummary(plan, data);
      const out: Record<string, string> = { stdout: renderRunSummary(summary) };
      const path = __ENV[ENV_VARS.summary];
      if (path !== undefined && path !== "") out[path] = `${JSON.stringify(summary, null, 2)}\n`;
      return out;
    },
  };
}
