/**
 * Constant arrival rate: a fixed number of requests per second for a fixed time (constant-arrival-rate).
 *
 * Run: CAPLAB_TARGET=https://host k6 run scenarios/constant.ts (or `caplab run constant --target …`).
 * The shape, mix and SLO come from CAPLAB_PLAN / CAPLAB_PLAN_JSON (scenarios/plan/k6-plan.ts).
 */
import type { Options } from "k6/options";
import { scenario } from "./lib/k6-adapter.ts";

const s = scenario("constant");

export const options: Options = s.options;

export default function (): void {
  s.iteration();
}

export const handleSummary = s.handleSummary;
