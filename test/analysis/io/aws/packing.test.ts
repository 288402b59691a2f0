import { describe, expect, it } from "vitest";
import {
  GET_METRIC_DATA_LIMITS,
  minimumCalls,
  planChunks,
} from "../../../../analysis/io/aws/packing.js";

const ids = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);
const DAY_MS = 86_400_000;

describe("planChunks", () => {
  it("packs 30 queries over 15 days at 60 s into 7 calls (the minimum)", () => {
    const chunks = planChunks(ids(30), 0, 15 * DAY_MS, 60);
    expect(chunks).toHaveLength(7);
    expect(minimumCalls(30, 15 * 1440)).toBe(7);
    for (const c of chunks) {
      const points = (c.endMs - c.startMs) / 60_000;
      expect(c.queryIds.length * points).toBeLessThanOrEqual(GET_METRIC_DATA_LIMITS.maxDatapoints);
    }
  });

  it("covers the window exactly once, on whole periods", () => {
    const chunks = planChunks(ids(26), 0, 7 * DAY_MS, 60);
    expect(chunks).toHaveLength(3);
    expect(chunks[0]!.startMs).toBe(0);
    expect(chunks.at(-1)!.endMs).toBe(7 * DAY_MS);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.startMs).toBe(chunks[i - 1]!.endMs);
    for (const c of chunks) expect((c.endMs - c.startMs) % 60_000).toBe(0);
  });

  it("splits more than 500 queries into groups", () => {
    const chunks = planChunks(ids(600), 0, DAY_MS, 60);
    expect(chunks.every((c) => c.queryIds.length <= 500)).toBe(true);
    expect(new Set(chunks.flatMap((c) => c.queryIds)).size).toBe(600);
    // 500 × 1440 = 720,000 points → 8 calls; 100 × 1440 = 144,000 → 2 calls.
    expect(chunks).toHaveLength(10);
    expect(minimumCalls(600, 1440)).toBe(9);
  });

  it("takes one call when everything fits", () => {
    expect(planChunks(ids(26), 0, 3 * 3_600_000, 60)).toHaveLength(1);
  });
});
