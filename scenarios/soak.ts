/**
 * Soak: a long hold at a steady rate after a ramp: leaks, drift, slow degradation.
 *
 * Run: CAPLAB_TARGET=https://host k6 run scenarios/soak.ts (or `caplab run soak --target …`).
 * The shape, mix and SLO come from CAPLAB_PLAN / CAPLAB_PLAN_JSON (scenarios/plan/k6-plan.ts).
 */
import type { Options } from "k6/options";
import { scenario } from "./lib/k6-adapter.ts";

const s = scenario("soak");

export const options: Options = s.options;

export default function (): void {
  s.iteration();
}

export const handleSummary = s.handleSummary;
