/** readLines: lines of a stream, each at most a given length (issue #11 row 8). */
import { Readable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readLines } from "../../../../analysis/io/files/lines.js";

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
