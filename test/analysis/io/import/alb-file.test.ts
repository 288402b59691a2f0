/**
 * ALB logs read as bytes, streamed or in pieces on worker threads (analysis/io/import/alb-file.ts):
 * the same bundle and the same bad-line reports whatever the threads, pieces and chunks.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALB_SAMPLES, sharedData } from "../../../helpers/shared-data.js";
import { parseAlbLogLine } from "../../../../analysis/access-log.js";
import {
  importTrace,
  type ImportOptions,
  type ImportResult,
} from "../../../../analysis/io/import/import.js";
import {
  albPieceBytes,
  defaultAlbWorkers,
  readAlbFileInPieces,
  readAlbPieces,
  readAlbStream,
} from "../../../../analysis/io/import/alb-file.js";
import { albReader } from "../../../../analysis/io/import/formats.js";
import { StepGrid, StepMean } from "../../../../analysis/io/import/steps.js";
import { Readable } from "node:stream";
import type { Warning } from "../../../../sim/vocab/index.js";
import { UsageError } from "../../../../sim/vocab/errors.js";

let dir: string;
let sampleLines: string[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-alb-file-"));
  sampleLines = (await Promise.all(ALB_SAMPLES.map((f) => readFile(sharedData(f), "utf8"))))
    .flatMap((t) => t.split("\n"))
    .filter((l) => l !== "");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(
  options: Partial<ImportOptions> & Pick<ImportOptions, "sources">,
): Promise<{ result: ImportResult; warnings: Warning[] }> {
  const warnings: Warning[] = [];
  const result = await importTrace({ format: "alb", stepSeconds: 60, ...options }, (w) =>
    warnings.push(w),
  );
  return { result, warnings };
}

/** A result as plain data: series values as arrays (NaN kept), every bundle. */
const plain = (r: ImportResult): unknown =>
  [r, ...(r.more ?? [])].map((p) => ({
    ...p,
    more: undefined,
    series: p.series.map((s) => ({ def: s.def, values: Array.from(s.data.values) })),
  }));

/** Bad lines of every kind the importer reports, and lines the byte reader leaves to the parser. */
const ODD_LINES = [
  "not an alb line",
  'http 2018-07-02T22:23:00.186641Z app/lb/x 1.2.3.4:1 - -1 -1 -1 503 - 0 0 "unclosed',
  "",
  "   ",
  "\uFEFFhttp bom",
  'h2 2018-07-02T22:23:00.186641Z app/lb/ü 1.2.3.4:1 - -1 -1 -1 503 - 0 0 "GET / HTTP/1.1"',
  'https 2018-07-02T22:23:00.186641Z app/tab/1\t1.2.3.4:1 - 0.001 0.002 0.000 200 200 0 0 "GET / HTTP/1.1"',
];

/** A log of `n` lines: sample lines, odd lines, CRLF endings, with or without a final newline. */
function logText(picks: readonly number[], crlf: boolean, finalNewline: boolean): string {
  const all = [...sampleLines, ...ODD_LINES];
  const lines = picks.map((p) => all[p % all.length]!);
  return lines.join(crlf ? "\r\n" : "\n") + (finalNewline ? "\n" : "");
}

describe("ALB import in pieces on worker threads", () => {
  it("gives the same bundles and bad-line reports as one streamed pass (real worker threads)", async () => {
    // Over 1 MiB: read on this thread in several reads, a line carried across each.
    // Odd lines every 100th line after the first 1,000: the bad lines reported are in
    // several pieces, none in the first.
    const picks = Array.from({ length: 3000 }, (_, i) =>
      i > 1000 && i % 100 === 0
        ? sampleLines.length + ((i / 100) % ODD_LINES.length)
        : (i * 7919) % sampleLines.length,
    );
    const file = join(dir, "mixed.log");
    await writeFile(file, logText(picks, false, false));
    const streamed = await run({ sources: [file], workers: 0 });
    expect(streamed.result.stats.badLines).toBeGreaterThan(5);
    expect(streamed.result.stats.lines).toBe(3000);
    expect((await readFile(file)).length).toBeGreaterThan(1 << 20);
    const pieces = await readAlbFileInPieces(
      file,
      { stepSeconds: 60 },
      2,
      (await readFile(file)).length / 9,
    );
    expect(pieces!.length).toBeGreaterThanOrEqual(9);
    for (const workers of [1, 2]) {
      const threaded = await run({ sources: [file], workers, pieceBytes: 50_000 });
      expect(plain(threaded.result)).toEqual(plain(streamed.result));
      expect(threaded.warnings).toEqual(streamed.warnings);
    }
    // Gzipped: streamed on this thread, the same again.
    const gz = join(dir, "mixed.log.gz");
    await writeFile(gz, gzipSync(await readFile(file)));
    const zipped = await run({ sources: [gz], workers: 2 });
    const seriesAndStats = (r: ImportResult) =>
      (plain(r) as ImportResult[]).map((p) => [p.series, p.stats]);
    expect(seriesAndStats(zipped.result)).toEqual(seriesAndStats(streamed.result));
    expect(zipped.warnings.map((w) => w.message.replace(gz, file))).toEqual(
      streamed.warnings.map((w) => w.message),
    );
  });

  it("merges the states of any line-aligned pieces, in file order, into one pass's state (fast-check)", async () => {
    const file = join(dir, "pieces.log");
    const picks = fc.array(fc.nat(1000), { minLength: 1, maxLength: 60 });
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        picks,
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(100), { maxLength: 6 }),
        fc.option(fc.constantFrom("my-loadbalancer", "app/tomcat-load-balancer/d12d886025a14d3f")),
        async (p, crlf, finalNewline, cutLines, only) => {
          runs++;
          const text = logText(p, crlf, finalNewline);
          const bytes = Buffer.from(text);
          await writeFile(file, bytes);
          const spec = { stepSeconds: 60, ...(only === null ? {} : { loadBalancer: only }) };
          const grid = new StepGrid(60);
          // One pass, streamed in small chunks.
          const one = albReader(grid, spec.loadBalancer);
          const bad: [number, string][] = [];
          let lines = 0;
          const chunks = [];
          for (let i = 0; i < bytes.length; i += 97) chunks.push(bytes.subarray(i, i + 97));
          await readAlbStream(
            Readable.from(chunks),
            one,
            (n, why) => bad.push([n, why]),
            (n) => (lines = n),
          );
          // Pieces cut after the chosen lines' line breaks.
          const breaks = [...bytes.keys()].filter((i) => bytes[i] === 10).map((i) => i + 1);
          const cuts = [...new Set(cutLines.map((c) => breaks[c % (breaks.length + 1)] ?? 0))];
          const splits = [0, ...cuts.sort((a, b) => a - b), bytes.length];
          const pieces = await readAlbPieces(file, splits, new Int32Array(1), spec);
          const merged = albReader(grid, spec.loadBalancer);
          const mergedBad: [number, string][] = [];
          let offset = 0;
          for (const piece of pieces) {
            for (const [n, why] of piece.firstBad) mergedBad.push([offset + n, why]);
            offset += piece.lines;
            merged.merge(piece.state);
          }
          expect(offset).toBe(lines);
          expect(pieces.reduce((a, x) => a + x.badLines, 0)).toBe(bad.length);
          // Every bad line a piece kept is the file's line of that number.
          for (const entry of mergedBad) expect(bad).toContainEqual(entry);
          expect(mergedBad.slice(0, 5)).toEqual(bad.slice(0, 5));
          expect(merged.state()).toEqual(one.state());
          expect(merged.outside).toBe(one.outside);
          expect([...merged.others]).toEqual([...one.others]);
          expect(merged.parts().map((x) => x.name)).toEqual(one.parts().map((x) => x.name));
        },
      ),
      { numRuns: 150 },
    );
    expect(runs).toBe(150);
  });

  it("uses worker threads only for large plain files, one per idle core", () => {
    const big = 192 << 20;
    expect(defaultAlbWorkers(big - 1, 8, 0)).toBe(0);
    expect(defaultAlbWorkers(big, 8, 0)).toBe(7);
    expect(defaultAlbWorkers(big, 2, 0.5)).toBe(1);
    expect(defaultAlbWorkers(big, 2, 1.5)).toBe(0);
    expect(defaultAlbWorkers(big, 1, 0)).toBe(0);
    expect(albPieceBytes(1 << 30, 2)).toBe(64 << 20);
    expect(albPieceBytes(1 << 20, 2)).toBe(4 << 20);
  });
});

describe("TargetResponseTime average from whole milliseconds", () => {
  it("differs from a float sum in file order by rounding only, on the real logs", async () => {
    let compared = 0;
    for (const name of ALB_SAMPLES) {
      const { result } = await run({ sources: [sharedData(name)] });
      for (const part of [result, ...(result.more ?? [])]) {
        const avg = part.series.find((s) => s.def.id === "target-response-time-average")!;
        // The old way: seconds added as floats in file order, divided by n.
        const sums = new Map<number, { sum: number; n: number }>();
        for (const line of (await readFile(sharedData(name), "utf8")).split("\n")) {
          const r = parseAlbLogLine(line);
          if (!r.ok || r.value.elb !== part.loadBalancer) continue;
          const t = r.value.targetProcessingTime;
          if (t === null) continue;
          const k = Math.floor(r.value.arrivalMs / 60_000);
          const cell = sums.get(k) ?? { sum: 0, n: 0 };
          cell.sum += t;
          cell.n++;
          sums.set(k, cell);
        }
        const first = Math.floor(avg.data.startMs / 60_000);
        for (const [k, { sum, n }] of sums) {
          const v = avg.data.values[k - first]!;
          compared++;
          expect(Math.abs(v - sum / n), `${name} step ${k}`).toBeLessThanOrEqual(
            4 * Number.EPSILON * Math.max(v, 1e-3),
          );
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(5);
  });

  it("is the same whatever the order of the lines, and within float rounding of the old sum (fast-check)", () => {
    const grid = new StepGrid(60);
    const extent = { first: 0, length: 1, startMs: 0, endMs: 60_000 };
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 200 }),
        fc.nat(),
        (ms, seed) => {
          const shuffled = [...ms].sort(
            (a, b) => ((a * 7919 + seed) % 101) - ((b * 7919 + seed) % 101),
          );
          const mean = (xs: number[]) => {
            const m = new StepMean();
            for (const x of xs) m.add(0, x);
            return m.finish(extent, grid, 1000).values[0]!;
          };
          expect(Object.is(mean(ms), mean(shuffled))).toBe(true);
          // The old way: seconds as the log writes them (3 decimals) added as floats.
          let sum = 0;
          for (const x of ms) sum += Number((x / 1000).toFixed(3));
          expect(Math.abs(mean(ms) - sum / ms.length)).toBeLessThanOrEqual(
            ms.length * Number.EPSILON * Math.max(sum / ms.length, 1e-3),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("a worker that fails during a job", () => {
  it("fails the read with the worker's error, without hanging, and a later read works", async () => {
    const picks = Array.from({ length: 4000 }, (_, i) => (i * 7919) % sampleLines.length);
    const file = join(dir, "fault.log");
    await writeFile(file, logText(picks, false, true));
    const size = (await readFile(file)).length;
    // 40 pieces, one worker that throws when it claims its first: the read rejects with that
    // error (a bug shows its stack: not a UsageError), it does not hang (the test's timeout),
    // and nothing comes back half-read.
    const failed = readAlbFileInPieces(file, { stepSeconds: 60 }, 1, Math.ceil(size / 40), {
      workerThrows: true,
    });
    await expect(failed).rejects.toThrow(/a fault injected when piece \d+ was claimed/);
    await expect(failed).rejects.not.toBeInstanceOf(UsageError);
    // The failed thread is not kept: the next import starts a sound one and reads all of it.
    const pieces = await readAlbFileInPieces(file, { stepSeconds: 60 }, 1, Math.ceil(size / 40));
    expect(pieces!.reduce((n, p) => n + p.lines, 0)).toBe(4000);
    const streamed = await run({ sources: [file], workers: 0 });
    const threaded = await run({ sources: [file], workers: 1, pieceBytes: Math.ceil(size / 40) });
    expect(plain(threaded.result)).toEqual(plain(streamed.result));
  });
});
