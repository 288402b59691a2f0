/**
 * The WebAssembly field scan of ALB lines (analysis/io/import/alb-scan.ts, alb-scan.wat): the
 * bytes checked in are the .wat assembled, and whatever the bytes and however they are cut
 * into chunks, it reads what the JavaScript line cutter and reader read (readAlbRequestBytes,
 * then parseAlbLogLine), with the same bad lines, numbered the same.
 */
import { readFile } from "node:fs/promises";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ALB_SAMPLES, sharedData } from "../../../helpers/shared-data.js";
import { splitLogFields } from "../../../../analysis/access-log.js";
import { albReader, type AlbReaderState } from "../../../../analysis/io/import/alb-reader.js";
import { albByteLines, AlbScanLines } from "../../../../analysis/io/import/alb-scan.js";
import { opensWithByteOrderMark } from "../../../../analysis/io/files/lines.js";
import { StepGrid } from "../../../../analysis/io/import/steps.js";
import { wasmSources } from "../../../helpers/wasm.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let samples: Uint8Array[];
beforeAll(async () => {
  const texts = await Promise.all(ALB_SAMPLES.map((f) => readFile(sharedData(f), "utf8")));
  samples = texts
    .flatMap((t) => t.split("\n"))
    .filter((l) => l !== "")
    .map((l) => encoder.encode(l));
});

interface Read {
  readonly state: AlbReaderState;
  readonly bad: (readonly [number, string])[];
  readonly lines: number;
}

/**
 * The bytes read in chunks of the given sizes (cycled) by the WebAssembly scan or in JavaScript.
 * They are a file's from its byte 0: the scan drops a byte order mark there (alb-scan.ts), so
 * the JavaScript reader, which cuts lines only, is given the bytes after it.
 */
function readWith(kind: "wasm" | "js", file: Uint8Array, chunkSizes: readonly number[]): Read {
  const bytes =
    kind === "js" && opensWithByteOrderMark(file, 0, file.length) ? file.subarray(3) : file;
  const reader = albReader(new StepGrid(60));
  const bad: [number, string][] = [];
  const onBad = (n: number, why: string): void => void bad.push([n, why]);
  const lines = kind === "wasm" ? new AlbScanLines(reader, onBad) : albByteLines(reader, onBad);
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = Math.max(1, chunkSizes[k % chunkSizes.length]!);
    // A fresh Buffer per chunk, as a stream hands them over.
    lines.push(Buffer.from(bytes.subarray(at, at + size)));
    at += size;
  }
  lines.end();
  return { state: reader.state(), bad, lines: lines.count };
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => Buffer.concat(parts);

describe("the WebAssembly scan of ALB lines", () => {
  it("is alb-scan.wat assembled (scripts/assemble-wasm.mjs)", async () => {
    const { checkedIn, assembled } = await wasmSources(
      "alb-scan",
      "analysis/io/import/alb-scan-wasm.ts",
    );
    expect(checkedIn).toBe(assembled);
  });

  it("reads the real samples as the JavaScript reader does", () => {
    const bytes = concat(samples.flatMap((l) => [l, Uint8Array.of(10)]));
    const wasm = readWith("wasm", bytes, [1 << 20]);
    expect(wasm).toEqual(readWith("js", bytes, [1 << 20]));
    expect(wasm.lines).toBe(samples.length);
    expect(wasm.state.parts.length).toBeGreaterThan(1);
  });

  it("reads mutated lines, any bytes and any chunking as the JavaScript reader does (fast-check)", () => {
    // Bytes that end fields and lines, start escapes and quotes, and bytes outside ASCII or
    // not UTF-8 at all, put anywhere in real lines; lines joined by \n or \r\n, blank lines,
    // with or without a last newline; cut into chunks of any size.
    const insert = fc.oneof(
      fc.constantFrom(0x20, 0x22, 0x5c, 0x09, 0x0d, 0x0a, 0x2d, 0x30, 0x2e, 0x5a, 0x31),
      fc.integer({ min: 0x80, max: 0xff }),
      fc.constantFrom(0xc2, 0xa0, 0xef, 0xbb, 0xbf, 0xe2, 0x80, 0xa8),
    );
    // Whole fields replaced too, by values that end, quote or escape (as in access-log.test.ts).
    const field = fc.oneof(
      fc.constantFrom("-", "-1", "", '""', "1.", "0.000", "200", "x", '"a b"', '"q\\"x"'),
      fc.constantFrom("\t", "a\tb", "a\\b", '"\\\\"', '"a\tb"', '"a\\', '"x"y', "a\r"),
      fc.constantFrom("2018-07-02T22:23:00.186641Z", "2018-13-02T00:00:00Z"),
      fc.string({ maxLength: 4 }),
    );
    const line = fc
      .tuple(
        fc.nat(1000),
        fc.array(fc.tuple(fc.nat(30), field), { maxLength: 2 }),
        fc.array(fc.tuple(fc.nat(700), fc.array(insert, { minLength: 1, maxLength: 3 })), {
          maxLength: 2,
        }),
      )
      .map(([which, fieldEdits, edits]) => {
        const split = splitLogFields(decoder.decode(samples[which % samples.length]!));
        const f = split.ok
          ? split.value.map((x) => (/[\s"]/.test(x) || x === "" ? `"${x}"` : x))
          : [];
        for (const [at, value] of fieldEdits) f[at % (f.length + 1)] = value;
        let bytes = [...encoder.encode(f.join(" "))];
        for (const [at, more] of edits) {
          const i = at % (bytes.length + 1);
          bytes = [...bytes.slice(0, i), ...more, ...bytes.slice(i)];
        }
        return Uint8Array.from(bytes);
      });
    const ending = fc.constantFrom([10], [10], [10], [13, 10], [10, 10], [32, 10]);
    // A file may open with a byte order mark, which the scan drops (and no other).
    const document = fc
      .tuple(
        fc.array(fc.tuple(line, ending), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.boolean(),
      )
      .map(([lines, lastNewline, mark]) => {
        const parts = lines.flatMap(([l, end]) => [l, Uint8Array.from(end)]);
        if (!lastNewline) parts.pop();
        if (mark) parts.unshift(Uint8Array.of(0xef, 0xbb, 0xbf));
        return concat(parts);
      });
    const chunks = fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 5 });
    let bad = 0;
    let good = 0;
    fc.assert(
      fc.property(document, chunks, (bytes, sizes) => {
        const wasm = readWith("wasm", bytes, sizes);
        expect(wasm).toEqual(readWith("js", bytes, sizes));
        bad += wasm.bad.length;
        good += wasm.lines - wasm.bad.length;
      }),
      { numRuns: 400 },
    );
    // Both kinds of line were tried.
    expect(bad).toBeGreaterThan(100);
    expect(good).toBeGreaterThan(1000);
  });

  it("reads times that share the line before's minute as the JavaScript reader does, valid or not (fast-check)", () => {
    // The scan hands over a time's milliseconds past the minute of the same field of the line
    // before: sequences of lines whose times share (or nearly share) a minute in both time
    // fields, valid and not, with lines between that the scan leaves to JavaScript (a tab, a
    // bad field, a line too short for field 21, a blank line).
    const minutes = [
      "2024-02-29T23:59",
      "2024-02-29T23:58",
      "2023-02-29T23:59",
      "2024-02-29T24:00",
    ];
    const tails = [":00Z", ":59.9996Z", ":60Z", ":61Z", ":5Z", ":07.Z", ":07.1Z", ":07.123456789Z"];
    const moreTails = [":07.1234567890Z", ":07.12a4Z", ":07.123z", ":07+00:00", ":07.5-01:00", "-"];
    // Most share the first minute, in a valid shape (the case the scan speeds up).
    const time = fc
      .tuple(
        fc.oneof(fc.constant(minutes[0]!), fc.constantFrom(...minutes)),
        fc.oneof(fc.constantFrom(...tails), fc.constantFrom(...tails, ...moreTails)),
      )
      .map(([m, t]) => (t === "-" ? t : m + t));
    const template = splitLogFields(
      decoder.decode(samples.find((l) => decoder.decode(l).startsWith("https "))!),
    );
    if (!template.ok) throw new Error("no https sample");
    const fields = template.value.map((x) => (/[\s"]/.test(x) || x === "" ? `"${x}"` : x));
    const line = fc
      .tuple(time, time, fc.constantFrom("plain", "plain", "plain", "tab", "bad", "short", "blank"))
      .map(([done, created, kind]) => {
        const f = [...fields];
        f[1] = done;
        f[21] = created;
        if (kind === "tab") f[13] = "a\tb";
        if (kind === "bad") f[8] = "2x0";
        if (kind === "blank") return "";
        return (kind === "short" ? f.slice(0, 20) : f).join(" ");
      });
    let good = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), fc.nat(20_000), (ls, cut) => {
        const bytes = encoder.encode(ls.join("\n") + "\n");
        const sizes = [1 + (cut % bytes.length), 1 << 20];
        const wasm = readWith("wasm", bytes, sizes);
        expect(wasm).toEqual(readWith("js", bytes, sizes));
        good += wasm.lines - wasm.bad.length;
      }),
      { numRuns: 300 },
    );
    expect(good).toBeGreaterThan(500);
  });

  it("hands a line longer than its buffer to JavaScript, and numbers the lines after it the same", () => {
    const nl = Uint8Array.of(10);
    const long = new Uint8Array(1_500_000).fill(0x78);
    const tooLong = new Uint8Array(3_200_000).fill(0x79);
    const bytes = concat([
      samples[0]!,
      nl,
      long,
      nl,
      samples[1]!,
      nl,
      tooLong,
      nl,
      samples[2]!,
      nl,
      samples[3]!,
    ]);
    for (const sizes of [[1 << 20], [65_536], [777_777, 3]]) {
      const wasm = readWith("wasm", bytes, sizes);
      expect(wasm).toEqual(readWith("js", bytes, sizes));
      expect(wasm.lines).toBe(6);
      expect(wasm.bad.map(([n]) => n)).toEqual([2, 4]);
      expect(wasm.bad[1]![1]).toMatch(/longer than/);
    }
  });
});
