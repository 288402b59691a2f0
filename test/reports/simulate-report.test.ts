/**
 * The simulate report's verdict line (reports/simulate-report.ts simulateVerdict): its count of
 * SLO-violating minutes takes the noun's number from the count it prints ("1 SLO-violating
 * minute", as `caplab simulate` prints it), where it said "1 SLO-violating minutes" on
 * examples/simulate-deploy.yaml.
 */
import { describe, expect, it } from "vitest";
import { simulateVerdict } from "../../reports/simulate-report.js";
import { SloSchema, type SimulateOutput } from "../../sim/vocab/index.js";
import { kpisWith } from "../helpers/sim.js";

function output(sloViolationMinutes: number): SimulateOutput {
  return {
    dir: "sim",
    timeline: { stepSeconds: 60, length: 10_080 } as unknown as SimulateOutput["timeline"],
    events: [],
    kpis: kpisWith({}, { sloViolationMinutes }),
    trace: null,
    task: null,
    scaling: null,
    slo: SloSchema.parse({ latencyP95Ms: 300, errorRatePercent: 0.1 }),
    coverage: null,
  };
}

describe("simulateVerdict", () => {
  it("says 1 SLO-violating minute, and minutes for any other count as printed", () => {
    expect(simulateVerdict(output(1)).headline).toMatch(
      /^Meets the SLO: 1 SLO-violating minute \(/,
    );
    expect(simulateVerdict(output(1.2)).headline).toContain(" 1 SLO-violating minute (");
    expect(simulateVerdict(output(0)).headline).toContain(" 0 SLO-violating minutes (");
    expect(simulateVerdict(output(1.5)).headline).toContain(" 2 SLO-violating minutes (");
    expect(simulateVerdict(output(67)).headline).toMatch(
      /^Misses the SLO \(too many violating minutes\): 67 SLO-violating minutes \(/,
    );
  });
});
