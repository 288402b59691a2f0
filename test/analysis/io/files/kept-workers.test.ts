/**
 * Worker threads kept between jobs (analysis/io/files/kept-workers.ts), the pool the k6 and
 * ALB readers share: real threads running a small echo worker.
 */
import { availableParallelism } from "node:os";
import { describe, expect, it, vi } from "vitest";
import { KeptWorkers } from "../../../../analysis/io/files/kept-workers.js";

interface Job {
  readonly value: number;
  readonly fail?: "throw" | "exit";
}
interface Answer {
  readonly threadId: number;
  readonly value: number;
}

const pool = (errorOf?: (e: Error) => Error) =>
  new KeptWorkers<Job, Answer>(import.meta.url, "kept-workers-echo", "echo worker", errorOf);

describe("KeptWorkers", () => {
  it("keeps a thread for the next job, and ends it once idle for idleMs", async () => {
    const workers = pool();
    const first = await workers.run({ value: 1 }, 60_000);
    expect(first.value).toBe(2);
    expect(workers.idleCount).toBe(1);
    const second = await workers.run({ value: 5 }, 30);
    // The same thread, warm.
    expect(second).toEqual({ threadId: first.threadId, value: 10 });
    expect(workers.idleCount).toBe(1);
    await vi.waitFor(() => expect(workers.idleCount).toBe(0), { timeout: 10_000 });
    // A later job starts a new thread.
    const third = await workers.run({ value: 7 }, 1);
    expect(third.value).toBe(14);
    expect(third.threadId).not.toBe(first.threadId);
  });

  it("keeps at most one idle thread per core but this one's", async () => {
    const workers = pool();
    const n = Math.max(1, availableParallelism() - 1) + 1;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) => workers.run({ value: i }, 60_000)),
    );
    expect(new Set(answers.map((a) => a.threadId)).size).toBe(n);
    expect(workers.idleCount).toBe(n - 1);
  });

  it("rejects a job whose thread throws, with the error errorOf makes of it, and keeps no thread", async () => {
    const workers = pool((e) => new Error(`mapped: ${e.message}`));
    await expect(workers.run({ value: 4, fail: "throw" })).rejects.toThrow("mapped: job 4 failed");
    expect(workers.idleCount).toBe(0);
    // A kept thread that throws on its next job is not kept either.
    await workers.run({ value: 1 }, 60_000);
    expect(workers.idleCount).toBe(1);
    await expect(workers.run({ value: 9, fail: "throw" })).rejects.toThrow("mapped: job 9 failed");
    expect(workers.idleCount).toBe(0);
  });

  it("rejects a job whose thread ends without a result", async () => {
    const workers = pool();
    await expect(workers.run({ value: 1, fail: "exit" })).rejects.toThrow(
      "echo worker exited with code 3 without a result",
    );
    expect(workers.idleCount).toBe(0);
  });
});
