import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main, type Io } from "../../cli/main.js";
import { writeObservedBundle } from "../fixtures/bundles/make-observed-bundle.js";

describe("plan on a bundle", () => {
  it("reports the simulator's fidelity on the bundle's own history next to the pick", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-plan-fidelity-"));
    await writeObservedBundle(join(dir, "observed"), { seed: 7 });
    await writeFile(
      join(dir, "plan.yaml"),
      [
        "trace: { file: observed }",
        "service: { cpuMsPerRequest: 20, latencyMs: 30, idleCpuPercent: 2, memoryMiB: { base: 400, perInflightRequest: 2 } }",
        'space: { taskSizes: [{ cpu: "1024", memory: "2048" }], metrics: [ECSServiceAverageCPUUtilization], utilizationTargets: [50, 70], MinCapacity: [1], ScaleOutCooldown: [300] }',
        "robustness: { topK: 1 }",
      ].join("\n"),
    );
    let out = "";
    const io: Io = { out: (t) => (out += t), err: () => {}, isTty: false };
    const code = await main(
      [
        "plan",
        join(dir, "plan.yaml"),
        "--out",
        join(dir, "plan"),
        "--workers",
        "0",
        "--allow-short-trace",
      ],
      io,
    );
    expect([0, 3]).toContain(code);
    const rec = JSON.parse(await readFile(join(dir, "plan", "recommendation.json"), "utf8"));
    // The bundle was made by the simulator with this very model: the replay is near-exact.
    expect(rec.fidelity.meanMapePercent).toBeLessThan(5);
    expect(rec.current.label).toMatch(/^current:/);
    if (code === 0)
      expect(out).toMatch(/Model fidelity on this bundle's history: \d+\.\d % mean error/);
  });
});
