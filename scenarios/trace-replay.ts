/**
 * Trace replay: a caplab trace (or bundle) as ramping-arrival-rate stages, scaled and optionally time-compressed; `caplab run trace-replay --trace FILE` writes the plan.
 *
 * Run: CAPLAB_TARGET=https://host k6 run scenarios/trace-replay.ts (or `caplab run trace-replay --target …`).
 * The shape, mix and SLO come from CAPLAB_PLAN / CAPLAB_PLAN_JSON (scenarios/plan/k6-plan.ts).
 */
import type { Options } from "k6/options";
import { scenario } from "./lib/k6-adapter.ts";

const s = scenario("trace-replay");

export const options: Options = s.options;

export default function (): void {
  s.iteration();
}

export const handleSummary = s.handleSummary;
