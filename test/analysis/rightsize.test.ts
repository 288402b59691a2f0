import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  rightsize,
  rightsizeCandidates,
  rightsizeService,
  taskNeed,
} from "../../analysis/rightsize.js";
import { fewSamplesClause, GATE_DEFAULTS } from "../../analysis/gate.js";
import { SloSchema } from "../../sim/vocab/index.js";
import { loadObservedBundle } from "../../analysis/io/files/observed-bundle.js";
import {
  KNOWN_TASK,
  knownContext,
  writeObservedBundle,
} from "../fixtures/bundles/make-observed-bundle.js";

describe("rightsize", () => {
  it("maps a need to valid Fargate sizes around the per-task pick", () => {
    const sizes = rightsizeCandidates(
      {
        cpuUnits: 600,
        memoryMiB: 1500,
        cpuUnitsPercentile: 500,
        memoryMiBPercentile: 1250,
        cpuSamples: 100,
        memorySamples: 400,
        caution: null,
      },
      KNOWN_TASK,
    );
    expect(sizes.map((t) => `${t.cpu}/${t.memory}`)).toEqual([
      "512/2048",
      "1024/2048",
      "2048/4096",
    ]);
  });

  it("checks each size with the scaling policy on the observed traffic", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-rightsize-"));
    try {
      const { candidate } = await writeObservedBundle(join(dir, "b"), { seed: 4, hours: 4 });
      const { observed } = await loadObservedBundle(join(dir, "b"), () => {});
      const r = rightsize(observed, candidate, knownContext());
      expect(r.rows.some((row) => row.current)).toBe(true);
      expect(r.recommended).not.toBeNull();
      // A smaller task runs more copies under the same CPU target.
      const sorted = [...r.rows].sort((a, b) => Number(a.task.cpu) - Number(b.task.cpu));
      expect(sorted[0]!.kpis!.maxTasks).toBeGreaterThanOrEqual(
        sorted[sorted.length - 1]!.kpis!.maxTasks,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says when its percentiles rest on too few datapoints (the gate's order-statistic rule)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-rightsize-few-"));
    try {
      await writeObservedBundle(join(dir, "b"), { seed: 4, hours: 4 });
      const { observed } = await loadObservedBundle(join(dir, "b"), () => {});
      const need = taskNeed(observed);
      // Four hours of minutes: enough for the CPU's p95 (59), not for the memory's p99 (299).
      expect(need.cpuSamples).toBeGreaterThanOrEqual(59);
      expect(need.memorySamples).toBeLessThan(299);
      expect(need.caution).toMatch(
        new RegExp(
          `^Too few datapoints to size a task on: the memory's p99 rests on ${need.memorySamples} datapoints \\(it needs 299\\);`,
        ),
      );
      // In the gate's words for the same rule (analysis/gate.ts fewSamplesClause).
      expect(need.caution).toContain(
        "; with fewer, even the largest falls below that percentile more often than 5 % of the time. Take the size as a floor, not an answer.",
      );
      expect(need.caution).toContain(fewSamplesClause(GATE_DEFAULTS.latencySampleConfidence));
      expect(need.caution).not.toContain("CPU");
      // Percentiles the datapoints suffice for: no caution.
      expect(taskNeed(observed, { memoryPercentile: 0.95 }).caution).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("rightsizeService replays when it can and otherwise says why it could not", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-rightsize-service-"));
    try {
      const { candidate } = await writeObservedBundle(join(dir, "b"), { seed: 4, hours: 4 });
      const { observed } = await loadObservedBundle(join(dir, "b"), () => {});
      const base = {
        observed,
        hasRequests: true,
        task: candidate.task,
        scaling: candidate.scaling,
        slo: SloSchema.parse({ latencyP95Ms: 300 }),
        config: null,
      };
      // Traffic, a policy and a model calibrated from the bundle: every size simulated.
      const replayed = rightsizeService(base, {}, () => {});
      expect(replayed.simulated).toBe(true);
      expect(replayed.rows.every((row) => row.kpis !== null)).toBe(true);
      // No policy: the per-task answer, priced, with the reason.
      const noPolicy = rightsizeService({ ...base, scaling: null }, {}, () => {});
      expect(noPolicy.simulated).toBe(false);
      expect(noPolicy.reasons.join(" ")).toMatch(/records no scaling policy/);
      const noTraffic = rightsizeService({ ...base, hasRequests: false }, {}, () => {});
      expect(noTraffic.simulated).toBe(false);
      expect(noTraffic.reasons.join(" ")).toMatch(/no requests series to replay/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
