/**
 * Breakpoint: a step ramp (startRate + i × stepRate, each held stepSeconds) that finds the knee; the SLO thresholds abort the test (abortOnFail) once crossed.
 *
 * Run: CAPLAB_TARGET=https://host k6 run scenarios/breakpoint.ts (or `caplab run breakpoint --target …`).
 * The shape, mix and SLO come from CAPLAB_PLAN / CAPLAB_PLAN_JSON (scenarios/plan/k6-plan.ts).
 */
import type { Options } from "k6/options";
import { scenario } from "./lib/k6-adapter.ts";

const s = scenario("breakpoint");

export const options: Options = s.options;

export default function (): void {
  s.iteration();
}

export const handleSummary = s.handleSummary;
