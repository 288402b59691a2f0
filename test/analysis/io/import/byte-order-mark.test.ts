/**
 * An access log saved with a UTF-8 byte order mark (a Windows editor, PowerShell's Out-File)
 * imports as without it, on every path that reads one: the ALB log streamed on this thread
 * (the WebAssembly scan, alb-scan.ts), gunzipped, read in pieces on worker threads
 * (alb-file.ts), and the nginx text reader (forEachLine in sources.ts). Line 1 was reported
 * bad, shown with the invisible mark: `line 1 "<U+FEFF>http" is not a request type`. The mark is
 * only ever at byte 0 of a file: one inside it (before a line, or at the start of a piece)
 * stays a character of its line.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALB_SAMPLES, sharedData } from "../../../helpers/shared-data.js";
import {
  importTrace,
  type ImportOptions,
  type ImportResult,
} from "../../../../analysis/io/import/import.js";
import { readAlbFileInPieces, readAlbStream } from "../../../../analysis/io/import/alb-file.js";
import { albReader } from "../../../../analysis/io/import/formats.js";
import { forEachLine } from "../../../../analysis/io/import/sources.js";
import { StepGrid } from "../../../../analysis/io/import/steps.js";
import {
  opensWithByteOrderMark,
  withoutByteOrderMark,
} from "../../../../analysis/io/files/lines.js";
import type { Warning } from "../../../../sim/vocab/index.js";

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const NGINX_SAMPLES = [
  "nginx/nginx_logs.elastic-examples.first14575.log",
  "nginx/apache_logs.elastic-examples.combined.log",
] as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-bom-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(
  options: Partial<ImportOptions> & Pick<ImportOptions, "sources" | "format">,
): Promise<{ result: ImportResult; warnings: string[] }> {
  const warnings: Warning[] = [];
  const result = await importTrace({ stepSeconds: 60, ...options }, (w) => warnings.push(w));
  // Warnings name the file: the copies are compared under the original's name.
  const name = options.sources[0]!;
  return { result, warnings: warnings.map((w) => w.message.replaceAll(name, "LOG")) };
}

/** A result as plain data: series values as arrays (NaN kept), every bundle, stats and notes. */
const plain = (r: ImportResult): unknown =>
  [r, ...(r.more ?? [])].map((p) => ({
    ...p,
    more: undefined,
    notes: p.notes.map((n) => n.replace(/^\S+: /, "")),
    series: p.series.map((s) => ({ def: s.def, values: Array.from(s.data.values) })),
  }));

/** The sample with a byte order mark before it: plain and gzipped copies. */
async function withMark(sample: string): Promise<{ plain: string; gzipped: string }> {
  const bytes = Buffer.concat([BOM, await readFile(sharedData(sample))]);
  const path = join(dir, `bom-${basename(sample)}`);
  await writeFile(path, bytes);
  await writeFile(`${path}.gz`, gzipSync(bytes));
  return { plain: path, gzipped: `${path}.gz` };
}

describe("an ALB access log that opens with a byte order mark", () => {
  it.each(ALB_SAMPLES)(
    "%s imports as without it: plain, gzipped and in pieces on worker threads",
    async (sample) => {
      const original = await run({ format: "alb", sources: [sharedData(sample)], workers: 0 });
      const copies = await withMark(sample);
      const streamed = await run({ format: "alb", sources: [copies.plain], workers: 0 });
      const gunzipped = await run({ format: "alb", sources: [copies.gzipped], workers: 2 });
      // Pieces of a few hundred bytes: the first holds the mark, the others start on later lines.
      const threaded = await run({
        format: "alb",
        sources: [copies.plain],
        workers: 2,
        pieceBytes: 400,
      });
      for (const copy of [streamed, gunzipped, threaded]) {
        expect(plain(copy.result)).toEqual(plain(original.result));
        expect(copy.warnings).toEqual(original.warnings);
      }
      expect(streamed.warnings.join("\n")).not.toContain("line 1 ");
    },
  );

  it("reads the AWS docs sample's 7 requests, none bad, where line 1 was bad", async () => {
    const copies = await withMark("alb/aws-docs-alb-examples.log");
    const { result } = await run({ format: "alb", sources: [copies.plain], workers: 0 });
    expect(result.stats).toMatchObject({ lines: 7, badLines: 0, requests: 7 });
  });

  it("is read in pieces with the mark in the first only (the pieces were cut)", async () => {
    const copies = await withMark("alb/dmastrop-tomcat-alb-50-targets.log");
    const pieces = await readAlbFileInPieces(copies.plain, { stepSeconds: 60 }, 2, 400);
    expect(pieces!.length).toBeGreaterThan(5);
    expect(pieces!.reduce((n, p) => n + p.badLines, 0)).toBe(0);
    expect(pieces!.reduce((n, p) => n + p.lines, 0)).toBe(23);
  });

  it("gives the same lines whatever the chunks, even the mark split over several (fast-check)", async () => {
    const text = await readFile(sharedData("alb/nawab312-real-alb.log"));
    const bytes = Buffer.concat([BOM, text]);
    const read = async (chunks: Buffer[]): Promise<unknown> => {
      const grid = new StepGrid(60);
      const reader = albReader(grid);
      const bad: [number, string][] = [];
      let count = 0;
      await readAlbStream(
        Readable.from(chunks),
        reader,
        (n, why) => bad.push([n, why]),
        (n) => (count = n),
      );
      return { count, bad, state: reader.state() };
    };
    const whole = await read([text]);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 6 }),
        async (sizes) => {
          const chunks: Buffer[] = [];
          let at = 0;
          for (const size of sizes) {
            chunks.push(bytes.subarray(at, Math.min(bytes.length, at + size)));
            at += size;
            if (at >= bytes.length) break;
          }
          if (at < bytes.length) chunks.push(bytes.subarray(at));
          expect(await read(chunks)).toEqual(whole);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keeps a mark inside the file: that line stays bad, and a short line 1 is not a mark", async () => {
    const lines = (await readFile(sharedData("alb/nawab312-real-alb.log"), "utf8"))
      .split("\n")
      .filter((l) => l !== "");
    const path = join(dir, "inner-mark.log");
    await writeFile(path, [lines[0], `\uFEFF${lines[1]}`, lines[2]].join("\n") + "\n");
    const inner = await run({ format: "alb", sources: [path], workers: 0 });
    expect(inner.result.stats.badLines).toBe(1);
    expect(inner.warnings.join("\n")).toContain("line 2 ");
    // In pieces, the second line starts a piece: its mark is still a character of it.
    const threaded = await run({ format: "alb", sources: [path], workers: 1, pieceBytes: 300 });
    expect(plain(threaded.result)).toEqual(plain(inner.result));
    expect(threaded.warnings).toEqual(inner.warnings);
    // Two bytes of a mark and a newline: a bad line 1, then the log.
    const short = join(dir, "short.log");
    await writeFile(
      short,
      Buffer.concat([BOM.subarray(0, 2), Buffer.from("\n" + lines.join("\n") + "\n")]),
    );
    const cut = await run({ format: "alb", sources: [short], workers: 0 });
    expect(cut.result.stats).toMatchObject({ lines: 4, badLines: 1 });
  });
});

describe("an nginx or Apache log that opens with a byte order mark", () => {
  it.each(NGINX_SAMPLES)("%s imports as without it, plain and gzipped", async (sample) => {
    const original = await run({ format: "nginx", sources: [sharedData(sample)] });
    const copies = await withMark(sample);
    for (const path of [copies.plain, copies.gzipped]) {
      const copy = await run({ format: "nginx", sources: [path] });
      expect(plain(copy.result)).toEqual(plain(original.result));
      expect(copy.warnings).toEqual(original.warnings);
    }
  });
});

describe("forEachLine", () => {
  it("drops a mark at the start of the stream only, however the chunks cut it", async () => {
    const lines = async (chunks: Buffer[]): Promise<string[]> => {
      const out: string[] = [];
      await forEachLine(Readable.from(chunks), (text) => out.push(text ?? "<long>"));
      return out;
    };
    const bytes = Buffer.from("\uFEFFa\r\n\uFEFFb\n", "utf8");
    expect(await lines([bytes])).toEqual(["a", "\uFEFFb"]);
    expect(await lines([...bytes].map((b) => Buffer.from([b])))).toEqual(["a", "\uFEFFb"]);
  });
});

describe("opensWithByteOrderMark and withoutByteOrderMark", () => {
  it("find the mark at the given start only", () => {
    const bytes = Buffer.concat([Buffer.from("x"), BOM, Buffer.from("y")]);
    expect(opensWithByteOrderMark(bytes, 1, bytes.length)).toBe(true);
    expect(opensWithByteOrderMark(bytes, 0, bytes.length)).toBe(false);
    expect(opensWithByteOrderMark(bytes, 1, 3)).toBe(false);
    expect(withoutByteOrderMark("\uFEFF\uFEFFa")).toBe("\uFEFFa");
    expect(withoutByteOrderMark("a\uFEFF")).toBe("a\uFEFF");
  });
});
