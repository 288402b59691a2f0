import { describe, expect, it } from "vitest";
import {
  parseCollectFlag,
  SERVER_SIDE_COLLECT_WAIT_SECONDS,
} from "../../../scenarios/io/server-side.js";
import { PLATFORM_DEFAULTS } from "../../../sim/vocab/index.js";

describe("the server side of a run", () => {
  it("waits for the upper end of CloudWatch's 2–3 minutes, never less than the simulator's delay", () => {
    // reference/aws-ecs-scaling.md §1.10: a 60-s datapoint is readable 2–3 min after its minute.
    expect(SERVER_SIDE_COLLECT_WAIT_SECONDS).toBe(3 * 60);
    // The simulator's 150 s is the middle of that range (when alarms see a datapoint); reading
    // the run's last minutes must wait at least as long.
    expect(SERVER_SIDE_COLLECT_WAIT_SECONDS).toBeGreaterThanOrEqual(
      PLATFORM_DEFAULTS.metricPublicationDelaySeconds,
    );
  });

  it("takes --collect CLUSTER/SERVICE and refuses anything else in one sentence", () => {
    expect(parseCollectFlag(undefined)).toBeNull();
    expect(parseCollectFlag("prod/web")).toEqual({ cluster: "prod", service: "web" });
    for (const bad of ["prod", "prod/", "/web", "a/b/c"])
      expect(() => parseCollectFlag(bad)).toThrow(`--collect takes CLUSTER/SERVICE, not "${bad}".`);
  });
});
