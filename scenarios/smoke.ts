/**
 * Smoke: a trickle (1 request/s for 30 s by default) to prove the target, the mix and the thresholds work.
 *
 * Run: CAPLAB_TARGET=https://host k6 run scenarios/smoke.ts (or `caplab run smoke --target …`).
 * The shape, mix and SLO come from CAPLAB_PLAN / CAPLAB_PLAN_JSON (scenarios/plan/k6-plan.ts).
 */
import type { Options } from "k6/options";
import { scenario } from "./lib/k6-adapter.ts";

const s = scenario("smoke");

export const options: Options = s.options;

export default function (): void {
  s.iteration();
}

export const handleSummary = s.handleSummary;
