import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { idleK6WorkerCount, ingestK6File } from "../../analysis/io/files/k6-stream.js";
import { k6Lines } from "../fixtures/runs/make-run-bundle.js";

// The worker threads of ingestK6File: kept idle for the next file only for a while, and a
// thread that fails during a job fails the whole read (one error, no hang, no half result).
// A file of its own: the idle threads are the process's (vitest runs each file apart).
describe("k6 ingestion's worker threads", () => {
  let dir = "";
  let file = "";
  let reference = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "caplab-k6-workers-"));
    file = join(dir, "k6.ndjson");
    await writeFile(file, `${k6Lines({ seed: 5, seconds: 120, rps: 60 }).join("\n")}\n`);
    reference = JSON.stringify((await ingestK6File(file, { workers: 0 })).summary);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Small pieces: more than the threads can claim at once, so that every thread claims some.
  const threads = { workers: 1, pieceBytes: 16_384 } as const;

  it("an idle worker exits once its idle time is up", async () => {
    const r = await ingestK6File(file, { ...threads, idleWorkerMs: 30 });
    expect(JSON.stringify(r.summary)).toBe(reference);
    expect(idleK6WorkerCount()).toBe(1); // kept for the next file…
    await vi.waitFor(() => expect(idleK6WorkerCount()).toBe(0), { timeout: 10_000 }); // …not for good
    // The next read starts a new thread, with the same result.
    const again = await ingestK6File(file, { ...threads, idleWorkerMs: 30 });
    expect(JSON.stringify(again.summary)).toBe(reference);
    await vi.waitFor(() => expect(idleK6WorkerCount()).toBe(0), { timeout: 10_000 });
  });

  it("a worker whose idle time just ran out is not given the next file", async () => {
    // Its thread is being terminated (that takes a while): a job sent to it would end
    // without a result.
    // 1 ms: the timer fires while the next read opens the file and cuts it into pieces.
    for (let k = 0; k < 10; k++) {
      const r = await ingestK6File(file, { ...threads, idleWorkerMs: 1 });
      expect(JSON.stringify(r.summary)).toBe(reference);
    }
    await vi.waitFor(() => expect(idleK6WorkerCount()).toBe(0), { timeout: 10_000 });
  });

  it("a worker failing mid-file, new or kept, fails the read with its error; the next read is whole", async () => {
    for (const warm of [false, true]) {
      // Warm: a thread kept from the read before takes the job as a message.
      if (warm) await ingestK6File(file, { ...threads, idleWorkerMs: 60_000 });
      expect(idleK6WorkerCount()).toBe(warm ? 1 : 0);
      const faults = { workerThrows: true };
      await expect(ingestK6File(file, { ...threads, faults })).rejects.toThrow(
        /k6 ingestion worker: test fault on claiming piece \d+/,
      );
      await vi.waitFor(() => expect(idleK6WorkerCount()).toBe(0)); // the failed thread is gone
      const after = await ingestK6File(file, { ...threads, idleWorkerMs: 30 });
      expect(JSON.stringify(after.summary)).toBe(reference);
      await vi.waitFor(() => expect(idleK6WorkerCount()).toBe(0), { timeout: 10_000 });
    }
  });

  it("a read stopped by a line too long fails with it, and the reads after it, two at once, are whole", async () => {
    // The scan stops with the next chunk's read in flight; its buffer goes back to the scan
    // memory's pool only once that read ended (readAhead's finally). Whether a read could
    // land late in a buffer lent again is a race this test cannot force: it checks the rest.
    const long = join(dir, "long.ndjson");
    const lines = k6Lines({ seed: 5, seconds: 120, rps: 60 }).join("\n");
    await writeFile(long, `${lines}\n${"x".repeat(3 << 20)}\n${lines}\n`);
    for (let k = 0; k < 3; k++) {
      await expect(ingestK6File(long, { workers: 0 })).rejects.toThrow(/longer than/);
      const [a, b] = await Promise.all([
        ingestK6File(file, { workers: 0 }),
        ingestK6File(file, { workers: 0 }),
      ]);
      expect(JSON.stringify(a.summary)).toBe(reference);
      expect(JSON.stringify(b.summary)).toBe(reference);
    }
  });
});
