/**
 * `caplab plan`'s deployment percents (issue #16): robustness.deployment, else what
 * `caplab collect` recorded, else ECS's defaults.
 */
import { describe, expect, it } from "vitest";
import { deploymentPercents } from "../../sim/deploy.js";

describe("deploymentPercents", () => {
  it("takes the config's, else a recorded rolling ECS deployment's, else ECS's defaults", () => {
    const recorded = {
      controller: "ECS" as const,
      strategy: "rolling" as const,
      minimumHealthyPercent: 50,
      maximumPercent: 150,
    };
    expect(deploymentPercents(undefined, recorded)).toEqual({
      minimumHealthyPercent: 50,
      maximumPercent: 150,
    });
    expect(deploymentPercents(false, recorded)).toBe(false);
    expect(
      deploymentPercents({ minimumHealthyPercent: 100, maximumPercent: 200 }, recorded),
    ).toEqual({ minimumHealthyPercent: 100, maximumPercent: 200 });
    expect(
      deploymentPercents(undefined, { ...recorded, controller: "CODE_DEPLOY" }),
    ).toBeUndefined();
    expect(deploymentPercents(undefined, null)).toBeUndefined();
  });
});
