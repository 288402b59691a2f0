/**
 * Integration: sharing simulations between price-only siblings (issue #17, "share work";
 * sim/siblings.ts) as `caplab plan` runs it. The NASA and ELB example plans widened to ARM and
 * Fargate Spot (`space.architectures: [X86_64, ARM64]`, `space.capacityProviders: [FARGATE,
 * FARGATE_SPOT]`: four siblings of every size and policy) give the same plan pruned and shared
 * as with `--exhaustive` (every candidate simulated on its own, to the end): pareto.json byte
 * for byte, recommendation.json and plan-result.json's decisions the same but for the counts
 * of candidates within the SLO (they leave out those stopped as out of reach, as
 * test/cli/plan-prune.test.ts explains), and every candidate simulated to the end with the
 * same figures; a stopped one's row has lower bounds and names a finished candidate that
 * dominates it.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { parse as parseYaml, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { HISTORY_ENV } from "../../analysis/io/history/history-db.js";
import { readPlanResult } from "../../analysis/io/files/plan-result-file.js";
import type { CandidateOutcome } from "../../sim/vocab/index.js";
import { captureIo } from "../helpers/io.js";
import { decided, withoutCounts } from "../helpers/plan-compare.js";

let dir = "";
const saved = process.env[HISTORY_ENV];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-share-"));
  process.env[HISTORY_ENV] = join(dir, "history.duckdb");
});
afterAll(async () => {
  if (saved === undefined) delete process.env[HISTORY_ENV];
  else process.env[HISTORY_ENV] = saved;
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** An example plan widened to ARM and Spot, its trace file found from the repository. */
async function widened(example: string): Promise<string> {
  const config = parseYaml(await readFile(join("examples", example), "utf8")) as {
    trace: { file: string };
    space?: Record<string, unknown>;
  };
  config.trace.file = resolve("examples", config.trace.file);
  config.space = {
    ...config.space,
    architectures: ["X86_64", "ARM64"],
    capacityProviders: ["FARGATE", "FARGATE_SPOT"],
  };
  const file = join(dir, example);
  await writeFile(file, stringify(config));
  return file;
}

async function plan(file: string, name: string, exhaustive: boolean) {
  const out = join(dir, `${name}-${exhaustive ? "exhaustive" : "shared"}`);
  const io = captureIo();
  const flags = ["--out", out, "--workers", "2", "--quiet"];
  const code = await main(["plan", file, ...flags, ...(exhaustive ? ["--exhaustive"] : [])], io);
  expect(code, io.stderr()).toBe(0);
  const read = (f: string) => readFile(join(out, f), "utf8");
  return {
    recommendation: await read("recommendation.json"),
    pareto: await read("pareto.json"),
    csv: parseCsv(await read("candidates.csv"), { columns: true }) as Record<string, string>[],
    result: (await readPlanResult(out)).result,
  };
}

describe("plan shared between ARM and Spot siblings against --exhaustive", () => {
  for (const [name, example] of [
    ["nasa", "plan-nasa.yaml"],
    ["elb", "plan-elb.yaml"],
  ] as const) {
    it(
      `gives the same plan for ${name} widened to ARM and Spot`,
      { timeout: 900_000 },
      async () => {
        const file = await widened(example);
        const full = await plan(file, name, true);
        const shared = await plan(file, name, false);
        const arms = full.result.outcomes.filter((o) => o.candidate.task.architecture === "ARM64");
        const spots = full.result.outcomes.filter(
          (o) => o.candidate.task.capacityProvider === "FARGATE_SPOT",
        );
        expect(arms.length * 2).toBeGreaterThanOrEqual(full.result.outcomes.length - 1);
        expect(spots.length * 2).toBeGreaterThanOrEqual(full.result.outcomes.length - 1);

        expect(shared.pareto).toBe(full.pareto);
        expect(withoutCounts(shared.recommendation)).toBe(withoutCounts(full.recommendation));
        expect(decided(shared.result)).toBe(decided(full.result));
        expect(full.result.recommended).not.toBeNull();

        const byId = new Map<number, CandidateOutcome>(
          full.result.outcomes.map((o) => [o.candidate.id, o]),
        );
        let stopped = 0;
        shared.result.outcomes.forEach((o, i) => {
          const exact = full.result.outcomes[i]!;
          expect(o.candidate.id).toBe(exact.candidate.id);
          if (!o.pruned) {
            expect(o).toEqual(exact);
            // candidates.csv's row, byte for byte.
            expect(shared.csv[i]).toEqual(full.csv[i]);
            return;
          }
          stopped++;
          expect(o.kpis.costUsd).toBeLessThanOrEqual(exact.kpis.costUsd);
          expect(o.kpis.sloViolationMinutes).toBeLessThanOrEqual(exact.kpis.sloViolationMinutes);
          expect(shared.csv[i]!.pruned).toBe(o.pruned.reason);
          // Stopped past the front's limit (far-from-slo), it needs no dominating candidate.
          if (o.pruned.dominatedBy === undefined) return;
          const by = byId.get(o.pruned.dominatedBy)!;
          expect(by.kpis.monthlyCostUsd).toBeLessThanOrEqual(exact.kpis.monthlyCostUsd);
        });
        expect(stopped).toBeGreaterThan(0);
      },
    );
  }
});
