/**
 * Spike: base rate, a fast ramp to the spike rate, a hold, and back: how scaling copes with a sudden surge.
 *
 * Run: CAPLAB_TARGET=https://host k6 run scenarios/spike.ts (or `caplab run spike --target …`).
 * The shape, mix and SLO come from CAPLAB_PLAN / CAPLAB_PLAN_JSON (scenarios/plan/k6-plan.ts).
 */
import type { Options } from "k6/options";
import { scenario } from "./lib/k6-adapter.ts";

const s = scenario("spike");

export const options: Options = s.options;

export default function (): void {
  s.iteration();
}

export const handleSummary = s.handleSummary;
