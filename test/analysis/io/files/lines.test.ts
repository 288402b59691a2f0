/** readLines: lines of a stream, each at most a given length (issue #11 row 8). */
import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteLines, readLines } from "../../../../analysis/io/files/lines.js";

async function lines(chunks: (string | Buffer)[], max: number): Promise<(string | null)[]> {
  const out: (string | null)[] = [];
  for await (const line of readLines(Readable.from(chunks), max)) out.push(line);
  return out;
}

describe("readLines", () => {
  it("splits on \\n and \\r\\n across chunks, multi-byte characters included", async () => {
    const euro = Buffer.from("€");
    expect(
      await lines(["a,1\r", "\nb,", "2\n", euro.subarray(0, 1), euro.subarray(1), "\nlast"], 100),
    ).toEqual(["a,1", "b,2", "€", "last"]);
  });

  it("yields null for a line over the cap and goes on with the next", async () => {
    expect(await lines(["ok\n", "x".repeat(10), "x".repeat(10), "\nnext\n"], 15)).toEqual([
      "ok",
      null,
      "next",
    ]);
    expect(await lines([`${"y".repeat(20)}\nz`], 15)).toEqual([null, "z"]);
    expect(await lines(["w".repeat(40)], 15)).toEqual([null]);
  });

  it("gives the same lines as split for any chunking, when no line is over the cap", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
        async (rows, cuts) => {
          const text = rows.join("\n");
          const chunks: string[] = [];
          for (let at = 0, k = 0; at < text.length; k++) {
            const size = cuts[k % cuts.length]!;
            chunks.push(text.slice(at, at + size));
            at += size;
          }
          // A final newline ends the last line; it does not start another.
          const expected = text.split("\n");
          if (expected[expected.length - 1] === "") expected.pop();
          expect(await lines(chunks, 1000)).toEqual(
            expected.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l)),
          );
        },
      ),
    );
  });
});

describe("ByteLines", () => {
  /** The lines ByteLines hands over for `chunks`, decoded (null for a dropped one). */
  function byteLines(chunks: Buffer[], maxBytes: number): (string | null)[] {
    const out: (string | null)[] = [];
    const lines = new ByteLines(
      (b, s, e) => out.push(b === null ? null : b.toString("utf8", s, e)),
      maxBytes,
    );
    for (const c of chunks) lines.push(c);
    lines.end();
    expect(lines.count).toBe(out.length);
    return out;
  }

  it("gives the lines readLines gives, however the bytes are cut into chunks (fast-check)", async () => {
    const text = fc
      .array(fc.constantFrom("a", " ", "\n", "\r", "\r\n", "€", "😀", "\uFEFF", '"'), {
        maxLength: 40,
      })
      .map((xs) => xs.join(""));
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(200), { maxLength: 6 }), async (t, cuts) => {
        const bytes = Buffer.from(t);
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((from, i) => bytes.subarray(from, at[i] ?? bytes.length));
        // Copies: ByteLines must not keep a view of a chunk it was given.
        expect(
          byteLines(
            chunks.map((c) => Buffer.from(c)),
            1000,
          ),
        ).toEqual(await lines([bytes], 1000));
      }),
      { numRuns: 500 },
    );
  });

  it("drops a line that grows past maxBytes across chunks and goes on with the next", () => {
    const x = Buffer.from("x".repeat(10));
    expect(byteLines([Buffer.from("ok\n"), x, x, Buffer.from("\nnext\n")], 15)).toEqual([
      "ok",
      null,
      "next",
    ]);
    expect(byteLines([x, x], 15)).toEqual([null]);
    // A long line inside one chunk is handed over whole: the caller measures it.
    expect(byteLines([Buffer.from(`${"y".repeat(20)}\nz`)], 15)).toEqual(["y".repeat(20), "z"]);
  });

  it("does not keep a view of a chunk the caller reuses", () => {
    const chunk = Buffer.from("abc");
    const out: string[] = [];
    const lines = new ByteLines((b, s, e) => out.push(b!.toString("utf8", s, e)), 100);
    lines.push(chunk);
    chunk.write("XYZ");
    lines.push(Buffer.from("d\n"));
    lines.end();
    expect(out).toEqual(["abcd"]);
  });
});
