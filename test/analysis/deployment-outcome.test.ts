/** A deployment's outcome in words (analysis/deployment-outcome.ts), for simulate's lines and the gate. */
import { describe, expect, it } from "vitest";
import { deploymentOutcomeText, newRevisionText } from "../../analysis/deployment-outcome.js";

describe("deploymentOutcomeText", () => {
  it("is the outcome and its minutes when the circuit breaker did not trip (simulate's text before p14)", () => {
    expect(deploymentOutcomeText({ outcome: "completed", durationMinutes: 4.2 })).toBe(
      "completed in 4 min",
    );
    expect(deploymentOutcomeText({ outcome: "stuck", durationMinutes: 120 })).toBe(
      "stuck in 120 min",
    );
  });

  it("tells a trip whose rollback had not finished at the trace's end, which the outcome alone hides", () => {
    expect(
      deploymentOutcomeText({
        outcome: "unfinished",
        durationMinutes: 40,
        circuitBreakerTrippedMinutes: 32,
      }),
    ).toBe(
      "unfinished: the circuit breaker tripped at minute 32 and the rollback had not finished at the trace's end, 40 min after the start",
    );
  });

  it("says when it tripped for a rollback or a failure too", () => {
    expect(
      deploymentOutcomeText({
        outcome: "rolled-back",
        durationMinutes: 1,
        circuitBreakerTrippedMinutes: 0.5,
      }),
    ).toBe(
      "rolled-back in 1 min: the circuit breaker tripped at minute 0.5 and the rollback completed",
    );
    expect(
      deploymentOutcomeText({
        outcome: "failed",
        durationMinutes: 3,
        circuitBreakerTrippedMinutes: 3,
      }),
    ).toBe(
      "failed in 3 min: the circuit breaker tripped at minute 3 and, without rollback, the old revision's tasks kept serving",
    );
  });
});

describe("newRevisionText", () => {
  it("says what the deployed revision needs, and that the rest is the replaced one's", () => {
    expect(newRevisionText({ memoryMiB: { base: 600, perInflightRequest: 80 } })).toBe(
      "new revision: 600 MiB at rest, 80 MiB per request in flight",
    );
    expect(newRevisionText({ memoryMiB: { perInflightRequest: 0.5 } })).toBe(
      "new revision: 0.5 MiB per request in flight, the rest as the one it replaces",
    );
  });

  it("is null when the deployment redeploys the same revision", () => {
    expect([undefined, {}, { memoryMiB: {} }].map(newRevisionText)).toEqual([null, null, null]);
  });
});
