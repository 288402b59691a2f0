/**
 * The ALB import's per-step p95 (TargetResponseTime p95) is k6's percentile, the definition
 * every other per-step p95 in caplab follows (the k6 import's, from LatencyHistogram; the
 * gate's and calibrate's, k6Percentile): linear interpolation between the two closest ranks at
 * q·(n − 1). It read the order statistic at rank ⌊q·(n − 1)⌋ instead: step 22:22 of the AWS docs
 * sample, target processing times {1, 48, 2, 3, 1} ms, read p95 3 ms against a mean of 11 ms;
 * k6 gives 39 ms.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALB_SAMPLES, sharedData } from "../../../helpers/shared-data.js";
import { importTrace, type ImportResult } from "../../../../analysis/io/import/import.js";
import { importK6Run } from "../../../../analysis/io/import/k6-run.js";
import { k6Percentile } from "../../../../analysis/stats/k6-percentile.js";
import { parseAlbLogLine } from "../../../../analysis/access-log.js";
import { readFile } from "node:fs/promises";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-p95-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const STEP_22_22 = Date.parse("2018-07-02T22:22:00Z");

async function alb(path: string, workers = 0, pieceBytes?: number): Promise<ImportResult> {
  return importTrace(
    {
      format: "alb",
      sources: [path],
      stepSeconds: 60,
      workers,
      ...(pieceBytes === undefined ? {} : { pieceBytes }),
    },
    () => {},
  );
}

/** The value of series `id` at the step starting at `atMs`. */
function at(result: ImportResult, id: string, atMs: number): number {
  const series = result.series.find((s) => s.def.id === id)!;
  const i = (atMs - series.data.startMs) / (series.data.stepSeconds * 1000);
  return series.data.values[i]!;
}

describe("the ALB import's per-step p95", () => {
  it("is k6's p(95) of step 22:22 of the AWS docs sample: 39 ms, not 3 ms below the 11 ms mean", async () => {
    const result = await alb(sharedData("alb/aws-docs-alb-examples.log"));
    const p95 = at(result, "target-response-time-p95", STEP_22_22);
    const mean = at(result, "target-response-time-average", STEP_22_22);
    expect(mean).toBeCloseTo(0.011, 12);
    expect(p95).toBe(k6Percentile([0.001, 0.001, 0.002, 0.003, 0.048], 0.95));
    expect(p95).toBeCloseTo(0.039, 12);
    expect(p95).toBeGreaterThan(mean);
  });

  it.each(ALB_SAMPLES)(
    "%s: every step's p95 is k6's of its target processing times, streamed or in pieces",
    async (sample) => {
      const text = await readFile(sharedData(sample), "utf8");
      // The target processing times per load balancer and step, as the parser reads the lines.
      const streamed = await alb(sharedData(sample));
      const threaded = await alb(sharedData(sample), 2, 300);
      let checked = 0;
      for (const result of [streamed, ...(streamed.more ?? [])]) {
        const twin = [threaded, ...(threaded.more ?? [])].find(
          (r) => r.loadBalancer === result.loadBalancer,
        )!;
        const p95 = result.series.find((s) => s.def.id === "target-response-time-p95")!;
        expect(Array.from(twin.series.find((s) => s.def.id === p95.def.id)!.data.values)).toEqual(
          Array.from(p95.data.values),
        );
        const byStep = new Map<number, number[]>();
        for (const line of text.split("\n")) {
          const parsed = parseAlbLogLine(line);
          if (!parsed.ok || parsed.value.elb !== result.loadBalancer) continue;
          const tpt = parsed.value.targetProcessingTime;
          if (tpt === null) continue;
          const step = Math.floor(parsed.value.arrivalMs / 60_000) * 60_000;
          byStep.set(step, [...(byStep.get(step) ?? []), tpt]);
        }
        checked += byStep.size;
        for (const [step, times] of byStep)
          expect(at(result, "target-response-time-p95", step)).toBeCloseTo(
            k6Percentile(
              times.sort((a, b) => a - b),
              0.95,
            ),
            12,
          );
      }
      expect(checked).toBeGreaterThan(0);
    },
  );

  it("agrees with the k6 import of the same requests (its histogram's bound: 0.39 %)", async () => {
    // The five requests of step 22:22 as k6 --out json points, durations in ms.
    const time = "2018-07-02T22:22:48.364Z";
    const point = (metric: string, value: number): string =>
      JSON.stringify({ metric, type: "Point", data: { time, value, tags: { status: "200" } } });
    const ndjson = join(dir, "same-requests.ndjson");
    await writeFile(
      ndjson,
      [1, 48, 2, 3, 1]
        .flatMap((ms) => [point("http_reqs", 1), point("http_req_duration", ms)])
        .join("\n") + "\n",
    );
    const run = await importK6Run(
      { sources: [ndjson], stepSeconds: 60, now: new Date("2025-01-01T00:00:00Z") },
      join(dir, "run"),
      () => {},
    );
    expect(run.ingested.lines).toBe(10);
    const csv = await readFile(
      join(dir, "run", "trace", "series", "http-req-duration-p95.csv"),
      "utf8",
    );
    const [, row] = csv.trim().split("\n");
    expect(row!.split(",")[0]).toBe("2018-07-02T22:22:00.000Z");
    const k6 = Number(row!.split(",")[1]);
    const fromAlb = at(
      await alb(sharedData("alb/aws-docs-alb-examples.log")),
      "target-response-time-p95",
      STEP_22_22,
    );
    expect(Math.abs(fromAlb - k6)).toBeLessThanOrEqual(fromAlb / 256 + 0.5e-6);
    expect(Math.abs(fromAlb - 0.039)).toBeLessThan(1e-12);
  });
});
