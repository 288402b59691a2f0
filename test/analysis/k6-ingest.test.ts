import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IMPORT_DEFAULTS } from "../../sim/vocab/defaults.js";
import { createRandom } from "../../sim/math/random.js";
import { K6Ingest } from "../../analysis/k6-ingest.js";
import { parseK6Summary } from "../../analysis/k6-summary.js";
import { borrowScanBuffer, returnScanBuffer } from "../../analysis/k6-bytes.js";
import {
  defaultK6Workers,
  feedK6Chunks,
  ingestK6File,
  readK6SummaryFile,
} from "../../analysis/io/files/k6-stream.js";
import { k6Lines } from "../fixtures/runs/make-run-bundle.js";

const DATA = join(import.meta.dirname, "../../../shared/data/k6");

describe("k6 ingestion on the real k6 files", () => {
  it("xk6-dashboard result: counts and percentiles as numpy", async () => {
    const r = await ingestK6File(join(DATA, "out-json.xk6-dashboard-result.ndjson"));
    expect(r.lines).toBe(3597);
    expect(r.pointsByMetric.http_req_duration).toBe(322);
    expect(r.pointsByMetric.http_reqs).toBe(322);
    expect(r.exactPercentiles).toBe(true);
    const d = r.summary.http_req_duration!;
    // numpy.percentile(v, [50, 95, 99]) over the file's http_req_duration values:
    // 121.843412, 125.2926859, 126.49753705
    expect(d.med).toBeCloseTo(121.843412, 9);
    expect(d["p(95)"]).toBeCloseTo(125.2926859, 9);
    expect(d["p(99)"]).toBeCloseTo(126.49753705, 9);
    expect(r.summary.http_req_failed!.passes).toBe(0);
    // Per-second histograms hold every duration, each within the 0.39 % bound.
    expect(r.overall.durations.reduce((a, b) => a + b, 0)).toBe(322);
    expect(Object.keys(r.endpoints).length).toBe(2);
  });

  it("fast path and full parse agree on every real and tricky file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-k6-"));
    try {
      const tricky = [
        '{"type":"Point","data":{"time":"2026-03-02T06:00:00.5+01:00","value":12.5,"tags":{"name":"a\\"b","url":"x}"}},"metric":"http_req_duration"}',
        '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-03-02T05:00:00.7Z","value":7,"tags":{"url":"{\\"name\\":\\"z\\"}","endpoint":"e"},"metadata":{"name":"m"}}}',
        '{"metric":"http_reqs","type":"Point","data":{"time":"2026-03-02T05:00:00.123456789Z","value":1,"tags":null}}',
        "not json",
      ];
      await writeFile(join(dir, "t.ndjson"), `${tricky.join("\r\n")}\n`);
      await writeFile(
        join(dir, "g.json.gz"),
        gzipSync(`${k6Lines({ seed: 5, seconds: 20 }).join("\n")}\n`),
      );
      const files = [
        ...[
          "out-json.xk6-dashboard-result.ndjson",
          "out-json.k6-docs-example.ndjson",
          "out-json.k6-repo-json_test-expected.ndjson",
        ].map((f) => join(DATA, f)),
        join(dir, "t.ndjson"),
        join(dir, "g.json.gz"),
      ];
      for (const f of files) {
        const fast = await ingestK6File(f);
        const slow = await ingestK6File(f, { fastPath: false });
        const strip = (r: typeof fast) =>
          JSON.stringify({
            ...r,
            overall: { ...r.overall, histograms: null },
            endpoints: Object.keys(r.endpoints),
          });
        expect(strip(fast)).toBe(strip(slow));
      }
      const t = await ingestK6File(join(dir, "t.ndjson"));
      expect(Object.keys(t.endpoints).sort()).toEqual(["", 'a"b', "e"]);
      expect(t.badLineCount).toBe(1);
      const g = await ingestK6File(join(dir, "g.json.gz"));
      expect(g.summary.http_reqs!.count).toBe(800);
      expect(g.overall.requests.length).toBe(20);
      expect([...g.overall.requests].every((v) => v === 40)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("falls back to histogram percentiles past maxRawValues, within the bound", () => {
    const lines = k6Lines({ seed: 9, seconds: 30 });
    const exact = new K6Ingest();
    const approx = new K6Ingest({ maxRawValues: 10 });
    for (const l of lines) {
      exact.addLine(l);
      approx.addLine(l);
    }
    const e = exact.finish().summary.http_req_duration!;
    const a = approx.finish();
    expect(a.exactPercentiles).toBe(false);
    expect(Math.abs(a.summary.http_req_duration!["p(95)"]! / e["p(95)"]! - 1)).toBeLessThan(0.004);
  });
});

/** Everything of a result, histograms as their percentiles, in a comparable string. */
function comparable(r: Awaited<ReturnType<typeof ingestK6File>>): string {
  const series = (s: (typeof r)["overall"]) => ({
    ...s,
    requests: [...s.requests],
    failures: [...s.failures],
    durations: [...s.durations],
    meanMs: [...s.meanMs],
    p50Ms: [...s.p50Ms],
    p95Ms: [...s.p95Ms],
    p99Ms: [...s.p99Ms],
    histograms: s.histograms.map((h) => (h === null ? null : [h.count, h.mean, h.min, h.max])),
  });
  return JSON.stringify({
    ...r,
    overall: series(r.overall),
    endpoints: Object.entries(r.endpoints).map(([k, s]) => [k, series(s)]),
  });
}

/**
 * Generated k6 lines in both frames with what the fast path must get right or hand over:
 * escapes, key orders, metadata, null tags, number forms, duplicate keys in `data`,
 * whitespace, Metric lines, broken lines, non-ASCII.
 */
function trickyLines(seed: number, n: number): string[] {
  const random = createRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random.next() * xs.length)]!;
  // JSON text of the names (escapes included), as they appear in the lines.
  const metrics = [
    "http_req_duration",
    "http_reqs",
    "http_req_failed",
    "vus",
    "data_sent",
    String.raw`x\"y`,
  ];
  const names = [
    "home",
    String.raw`lo\"gin`,
    String.raw`caf\u00e9`,
    "café",
    String.raw`a\\b`,
    String.raw`{\"name\":1}`,
    "ü/ß",
  ];
  const values = ["1", "0", "12.5", "0.000123", "1e2", "-0", "123456789.123456789", "3.14E-2", "7"];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const second = 1000 + Math.floor(i / 50);
    const time = pick([
      `2026-03-02T06:${String(Math.floor(second / 60) % 60).padStart(2, "0")}:${String(second % 60).padStart(2, "0")}.${String(i % 1000).padStart(3, "0")}417+01:00`,
      `2026-03-02T06:00:${String(second % 60).padStart(2, "0")}Z`,
    ]);
    const tagParts = [`"url":"https://x/${i % 3}"`, `"status":"200"`];
    if (random.next() < 0.8) tagParts.push(`"name":"${pick(names)}"`);
    if (random.next() < 0.3) tagParts.push(`"endpoint":"${pick(names)}"`);
    if (random.next() < 0.1) tagParts.push(`"metric":"vus"`, `"type":"Metric"`, `"value":"9"`);
    if (random.next() < 0.5) tagParts.reverse();
    const tags = random.next() < 0.1 ? "null" : `{${tagParts.join(",")}}`;
    const dataParts = [`"time":"${time}"`, `"value":${pick(values)}`, `"tags":${tags}`];
    if (random.next() < 0.2) dataParts.push(`"metadata":{"vu":"1","a":[1,{"b":null}],"t":true}`);
    if (random.next() < 0.3) dataParts.sort(() => random.next() - 0.5);
    if (random.next() < 0.05) dataParts.push(`"value":${pick(values)}`); // the last one wins
    const data = `{${dataParts.join(",")}}`;
    const metric = pick(metrics);
    let line = pick([
      `{"metric":"${metric}","type":"Point","data":${data}}`,
      `{"type":"Point","data":${data},"metric":"${metric}"}`,
      `{"data":${data},"metric":"${metric}","type":"Point"}`,
    ]);
    const r = random.next();
    if (r < 0.02)
      line = line.replace(":", ": "); // whitespace
    else if (r < 0.03)
      line = line.slice(0, line.length - 5); // cut
    else if (r < 0.04)
      line = `{"type":"Metric","data":{"name":"${metric}","type":"trend","contains":"time"},"metric":"${metric}"}`;
    // Not JSON: the fast path checks the `data` of used metrics only (see k6-ingest.ts).
    else if (r < 0.05 && metric.startsWith("http_")) line = line.replace('"value":', '"value":01');
    lines.push(line);
  }
  return lines;
}

describe("k6 ingestion: fast path and threads change nothing", () => {
  it("fast path == JSON.parse, and threads == one thread, on generated and real files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-k6-"));
    try {
      const generated = join(dir, "g.ndjson");
      // Ends without a newline, on a cut line.
      await writeFile(generated, `${trickyLines(11, 6000).join("\n")}\n{"metric":"http_reqs","ty`);
      const files = [
        generated,
        join(DATA, "out-json.xk6-dashboard-result.ndjson"),
        join(DATA, "out-json.k6-docs-example.ndjson"),
        join(DATA, "out-json.k6-repo-json_test-expected.ndjson"),
      ];
      for (const f of files) {
        const reference = comparable(await ingestK6File(f, { fastPath: false, workers: 0 }));
        expect(comparable(await ingestK6File(f, { workers: 0 }))).toBe(reference);
        // Small pieces: many for each thread to claim, whichever claims which.
        for (const workers of [1, 3])
          for (const pieceBytes of [4096, 50_000])
            expect(comparable(await ingestK6File(f, { workers, pieceBytes }))).toBe(reference);
      }
      const g = await ingestK6File(generated, { workers: 2, pieceBytes: 4096 });
      expect(g.badLineCount).toBeGreaterThan(50);
      expect(Object.keys(g.endpoints)).toContain('lo"gin');
      expect(Object.keys(g.endpoints)).toContain("café");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("each generated line alone: fast path == JSON.parse", () => {
    for (const line of trickyLines(12, 3000)) {
      const fast = new K6Ingest();
      const slow = new K6Ingest({ fastPath: false });
      fast.addLine(line);
      slow.addLine(line);
      expect(JSON.stringify(fast.finish()), line).toBe(JSON.stringify(slow.finish()));
    }
  });
});

describe("k6 ingestion: what the fast path remembers between lines changes nothing", () => {
  // The fast path remembers the last `tags` objects, times and metric order it read
  // (RecentValues in analysis/k6-bytes.ts): lines that share them, and lines that share a
  // prefix with them and then break, must still read exactly as JSON.parse reads them.
  const tags = [
    '{"name":"home","status":"200","url":"https://x/home"}',
    '{"name":"home","status":"503","url":"https://x/home"}',
    '{"name":"ho\\"me","status":"200"}',
    '{"endpoint":"e","scenario":"s"}',
    "null",
    "{}",
  ];
  const times = ["2026-03-02T06:00:00.417+00:00", "2026-03-02T06:00:01.5Z", "2026-03-02T06:00:01Z"];
  const metrics = ["http_reqs", "http_req_duration", "http_req_failed", "vus", "data_sent"];
  // Bytes after a remembered value that turn a line into one JSON.parse refuses or reads
  // differently (a longer string, a value that is not a string, another member).
  const breaks = ["", '"', "x", ',"name":"other"', ',"name":1', "}", "]"];
  const line = fc
    .record({
      metric: fc.constantFrom(...metrics),
      time: fc.constantFrom(...times),
      value: fc.constantFrom("1", "0", "12.5", "-1"),
      tags: fc.constantFrom(...tags),
      cut: fc.constantFrom(...breaks),
      where: fc.constantFrom("tags", "time", "none", "none", "none", "no-tags", "lookalikes"),
      frame: fc.constantFrom("first", "last"),
    })
    .map((l) => {
      const tagsText =
        l.where === "tags" && l.tags.startsWith("{") ? `${l.tags.slice(0, -1)}${l.cut}}` : l.tags;
      const time = l.where === "time" ? `"${l.time}${l.cut}"` : `"${l.time}"`;
      // Keys that look like the ones read (same length, first and last letter): JSON.parse
      // ignores them, so must the fast path.
      const lookalikes = ',"tide":"2026-03-02T07:00:00Z","vogue":5,"tabs":{"name":"zz"}';
      const data =
        l.where === "no-tags"
          ? `{"time":${time},"value":${l.value}}`
          : l.where === "lookalikes"
            ? `{"time":${time},"value":${l.value},"tags":${tagsText}${lookalikes}}`
            : `{"time":${time},"value":${l.value},"tags":${tagsText}}`;
      return l.frame === "first"
        ? `{"metric":"${l.metric}","type":"Point","data":${data}}`
        : `{"type":"Point","data":${data},"metric":"${l.metric}"}`;
    });

  it("a sequence of lines reads the same on the fast path as through JSON.parse (fast-check)", () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), (lines) => {
        const fast = new K6Ingest({ metrics: ["http_req_duration{status:503}"] });
        const slow = new K6Ingest({ metrics: ["http_req_duration{status:503}"], fastPath: false });
        const text = new TextEncoder().encode(`${lines.join("\n")}\n`);
        fast.addChunk(text);
        for (const l of lines) slow.addLine(l);
        expect(JSON.stringify(fast.finish())).toBe(JSON.stringify(slow.finish()));
      }),
      { numRuns: 400 },
    );
  });
});

describe("k6 ingestion: the line template (a line like the last one, but for its metric and value)", () => {
  // The fast path reads a line that repeats the previous one's bytes but for the metric
  // (the one that followed it last time) and the value in three comparisons and a number
  // (K6LineReader's #template). Lines k6 writes that way, then the same lines with one
  // byte changed, added or removed anywhere, fed in chunks cut anywhere, must read exactly
  // as JSON.parse reads them.
  const metrics = ["http_reqs", "http_req_duration", "http_req_failed", "vus", "data_sent"];
  const tags = [
    '{"name":"home","scenario":"s","status":"200"}',
    '{"name":"home","scenario":"s","status":"503"}',
    '{"name":"cart","scenario":"s","status":"200"}',
    "null",
  ];
  const times = ["2026-03-02T06:00:00.417+00:00", "2026-03-02T06:00:00.5+00:00"];
  // Bytes a change puts in: JSON's structure, digits, whitespace, a quote, an escape.
  const changes = ['"', "}", "{", ",", ":", "0", "1", "-", ".", "e", " ", "\r", "\\", "a", "]"];
  /** `usual` four times in five, else one of `other`. */
  const often = <T, U>(usual: T, other: fc.Arbitrary<U>): fc.Arbitrary<T | U> =>
    fc.oneof({ arbitrary: fc.constant(usual), weight: 4 }, { arbitrary: other, weight: 1 });
  const point = fc.record({
    // Mostly k6's order (the metric after the previous line's), sometimes another one.
    metric: often(null, fc.constantFrom(...metrics)),
    // Mostly the previous line's time and tags (null), as in a request's Points.
    time: often(null, fc.constantFrom(...times)),
    value: fc.constantFrom("1", "0", "12.5", "-1", "0.25", "1e2", "7"),
    tags: often(null, fc.constantFrom(...tags)),
    // Now and then `data` in another layout: the template is k6's only.
    layout: often("k6", fc.constantFrom("tags first", "metadata", "value twice", "no tags")),
    // Windows line ends and trailing blanks (JSON whitespace) now and then.
    ending: often("", fc.constantFrom("\r", " ", "\t")),
    change: often(
      null,
      fc.record({
        // Anywhere, or a few bytes around where the template's parts meet.
        at: fc.oneof(fc.nat(), fc.integer({ min: -3, max: 3 })),
        near: fc.constantFrom("anywhere", "time", "value", "end"),
        what: fc.constantFrom("replace", "insert", "delete"),
        byte: fc.constantFrom(...changes),
      }),
    ),
  });
  type Point = typeof point extends fc.Arbitrary<infer T> ? T : never;
  const linesOf = (points: readonly Point[]): string[] => {
    let time = times[0]!;
    let tagsText = tags[0]!;
    return points.map((p, k) => {
      time = p.time ?? time;
      tagsText = p.tags ?? tagsText;
      return lineOf(p, k, time, tagsText);
    });
  };
  const lineOf = (p: Point, k: number, time: string, tagsText: string): string => {
    const metric = p.metric ?? metrics[k % metrics.length]!;
    const t = `"time":"${time}"`;
    const v = `"value":${p.value}`;
    const g = `"tags":${tagsText}`;
    const data =
      p.layout === "tags first"
        ? `${g},${t},${v}`
        : p.layout === "metadata"
          ? `${t},${v},${g},"metadata":{"vu":"1"}`
          : p.layout === "value twice"
            ? `${t},"value":3,${g},${v}`
            : p.layout === "no tags"
              ? `${t},${v}`
              : `${t},${v},${g}`;
    const line = `{"metric":"${metric}","type":"Point","data":{${data}}}`;
    const c = p.change;
    if (c === null) return `${line}${p.ending}`;
    const anchor =
      c.near === "time"
        ? line.indexOf('"time":') + 7
        : c.near === "value"
          ? line.indexOf(',"tags":')
          : c.near === "end"
            ? line.length - 2
            : 0;
    const at = c.near === "anywhere" ? c.at % (line.length + 1) : Math.max(0, anchor + c.at);
    const rest = line.slice(c.what === "insert" ? at : at + 1);
    return `${line.slice(0, at)}${c.what === "delete" ? "" : c.byte}${rest}${p.ending}`;
  };

  // A changed digit can move a time out of any trace: then both must refuse alike.
  const outcome = (ingest: K6Ingest): string => {
    try {
      return JSON.stringify(ingest.finish());
    } catch (error) {
      return `refused: ${(error as Error).message}`;
    }
  };

  // Chunks in plain memory are compared 4 bytes a step in JavaScript; chunks in the scan
  // memory (where k6-stream.ts reads plain files) 16 bytes a step in WebAssembly.
  it.each(["plain memory", "the scan memory"])(
    "reads lines as JSON.parse does, whole and with one byte changed, in chunks cut anywhere, in %s (fast-check)",
    (where) => {
      const scan = where === "plain memory" ? null : borrowScanBuffer();
      if (where !== "plain memory") expect(scan).not.toBeNull();
      try {
        fc.assert(
          fc.property(
            fc.array(point, { minLength: 1, maxLength: 80, size: "max" }),
            fc.array(fc.nat(), { maxLength: 4 }),
            fc.nat({ max: 64 }),
            (points, cuts, shift) => {
              const lines = linesOf(points);
              const options = { metrics: ["http_req_duration{status:503}"] };
              const fast = new K6Ingest(options);
              const slow = new K6Ingest({ ...options, fastPath: false });
              const encoded = new TextEncoder().encode(`${lines.join("\n")}\n`);
              // In the scan memory at any alignment, with what an earlier read left after it.
              const text = scan === null ? encoded : scan.subarray(shift, shift + encoded.length);
              if (scan !== null) {
                scan.fill(0x7b, shift, shift + encoded.length + 32);
                text.set(encoded);
              }
              let s = 0;
              for (const cut of [...cuts.map((c) => c % text.length)].sort((a, b) => a - b)) {
                if (cut < s) continue;
                s = fast.addChunk(text, s, cut);
                expect(s).toBeLessThanOrEqual(cut); // no line read past the chunk's end
              }
              s = fast.addChunk(text, s, text.length);
              expect(s).toBe(text.length);
              for (const l of lines) slow.addLine(l);
              expect(outcome(fast)).toBe(outcome(slow));
            },
          ),
          { numRuns: 600 },
        );
      } finally {
        if (scan !== null) returnScanBuffer(scan);
      }
    },
  );
});

describe("k6 ingestion: chunks in reused memory (the threads' read-ahead)", () => {
  it("reads the same when every chunk comes in the same buffer, overwritten", async () => {
    // ingestK6Pieces reads the next chunk into the other of two buffers while this one is
    // scanned: the unfinished line of a chunk must be kept as a copy.
    const text = Buffer.from(`${trickyLines(13, 2000).join("\n")}\n`);
    for (const size of [7, 100, 4096]) {
      const buffer = Buffer.alloc(size);
      async function* reused(): AsyncGenerator<Buffer> {
        for (let at = 0; at < text.length; at += size) {
          const n = text.copy(buffer, 0, at, Math.min(text.length, at + size));
          yield buffer.subarray(0, n);
          buffer.fill(0x7b); // what a read into it next would do: '{' bytes everywhere
        }
      }
      const fromReused = new K6Ingest();
      const whole = new K6Ingest();
      await feedK6Chunks(reused(), fromReused);
      whole.addChunk(text);
      expect(JSON.stringify(fromReused.finish())).toBe(JSON.stringify(whole.finish()));
    }
  });
});

describe("k6 summaries", () => {
  it("reads summary-export and handleSummary data in one shape", async () => {
    const h = await readK6SummaryFile(join(DATA, "handleSummary-data.k6-reporter-simple.json"));
    expect(h.kind).toBe("handle-summary");
    expect(h.metrics.http_reqs!.count).toBe(878);
    expect(h.metrics.http_req_failed!.rate).toBeCloseTo(0.39749430523917995, 15);
    const s = await readK6SummaryFile(join(DATA, "summary-export.k6-html-reporter-perf.json"));
    expect(s.kind).toBe("summary-export");
    // Its checks say value 0 beside 29 passes and 0 fails: the counts decide (k6's RateSink).
    expect(s.metrics.checks).toEqual({ fails: 0, passes: 29, rate: 1 });
    expect(s.metrics.http_req_duration!["p(95)"]).toBeCloseTo(60.26172, 9);
    const legacy = parseK6Summary(
      JSON.parse(readFileSync(join(DATA, "summary-export-legacy.k6-test-fixture.json"), "utf8")),
    );
    expect(legacy.kind).toBe("summary-export");
    expect(legacy.metrics.checks).toEqual({ passes: 45, fails: 15, rate: 0.75 }); // its value too
    expect(() => parseK6Summary({})).toThrow(/no `metrics`/);
  });
});

describe("k6 ingestion of lines k6 cannot have written (issue #11, row 12)", () => {
  const time = "2026-03-02T06:00:00.5Z";
  const good = (metric: string, value: number | string) =>
    `{"metric":"${metric}","type":"Point","data":{"time":"${time}","value":${value},"tags":null}}`;
  const lines = [
    good("http_reqs", 1),
    good("http_req_duration", 120),
    '{"type":"Point","metric":"http_reqs","data":null}', // line 3
    "null", // line 4
    good("http_req_duration", -5), // line 5
    good("http_reqs", "1e300"), // line 6
    good("http_reqs", "1e400"), // line 7: JSON reads it as Infinity
    good("http_reqs", -1), // line 8
    '{"type":"Point","data":{"time":"x","value":1,"tags":null},"metric":"http_reqs"}', // line 9
  ];

  it("counts each as a bad line with its number and reason, on both paths and on threads", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-k6-bad-"));
    try {
      const path = join(dir, "bad.ndjson");
      await writeFile(path, `${lines.join("\n")}\n`);
      const results = [
        await ingestK6File(path),
        await ingestK6File(path, { fastPath: false }),
        await ingestK6File(path, { workers: 2, pieceBytes: 100 }),
      ];
      for (const r of results) {
        expect(r.badLineCount).toBe(7);
        expect(r.badLines.map((b) => b.line)).toEqual([3, 4, 5, 6, 7, 8, 9]);
        expect(r.badLines.map((b) => b.reason).join("\n")).not.toMatch(/Cannot read properties/);
        expect(r.badLines[0]!.reason).toMatch(/data is null, not an object/);
        expect(r.badLines[2]!.reason).toMatch(/http_req_duration -5 ms is negative/);
        expect(r.badLines[3]!.reason).toMatch(/above 2\^53/);
        expect(r.badLines[4]!.reason).toMatch(/Infinity is not a finite number/);
        expect(r.summary.http_reqs!.count).toBe(1);
        expect(r.summary.http_req_duration!.min).toBe(120);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("k6 ingestion: a sub-metric is its parent's Points filtered by its tags, never its own lines", () => {
  const time = "2026-03-02T06:00:00.5Z";
  const sub = "http_req_duration{name:x}";
  const point = (metric: string, value: number, tags: object | null) =>
    `{"metric":${JSON.stringify(metric)},"type":"Point","data":{"time":"${time}","value":${value},"tags":${JSON.stringify(tags)}}}`;
  const lines = [
    `{"type":"Metric","data":{"name":${JSON.stringify(sub)},"type":"trend","contains":"time","thresholds":["p(95)<1"],"submetrics":null},"metric":${JSON.stringify(sub)}}`,
    point("http_req_duration", 300, { name: "x" }),
    point("http_req_duration", 100, { name: "y" }),
    point(sub, 0, null), // line 4: k6's newer frame (the fast path)
    `{"type":"Point","data":{"time":"${time}","value":0,"tags":{}},"metric":${JSON.stringify(sub)}}`, // line 5: the older frame
    point("http_req_duration", 200, { name: "x", status: "200" }),
  ];

  it("refuses Points named like a sub-metric and keeps the thresholds a Metric line declares, on both paths and on threads", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-k6-sub-"));
    try {
      const path = join(dir, "sub.ndjson");
      await writeFile(path, `${lines.join("\n")}\n`);
      for (const r of [
        await ingestK6File(path),
        await ingestK6File(path, { fastPath: false }),
        await ingestK6File(path, { workers: 2, pieceBytes: 100 }),
      ]) {
        expect(r.badLines.map((b) => [b.line, b.refused])).toEqual([
          [4, true],
          [5, true],
        ]);
        expect(r.badLines[0]!.reason).toMatch(/never a Point named "http_req_duration\{name:x\}"/);
        expect(r.declaredThresholds[sub]).toEqual(["p(95)<1"]);
        // Read again asking for it (ingestK6File): the two name:x Points, 300 and 200 ms.
        expect(r.metrics[sub]).toMatchObject({ type: "trend", samples: 2 });
        expect(r.metrics[sub]!.values.min).toBe(200);
        expect(r.metrics.http_req_duration!.samples).toBe(3);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a sub-metric asked for is reported from its parent even when a line names it", () => {
    const ingest = new K6Ingest({ metrics: [sub] });
    for (const line of lines) ingest.addLine(line);
    const r = ingest.finish();
    expect(r.metrics[sub]).toMatchObject({ samples: 2, type: "trend", contains: "time" });
    expect(r.badLineCount).toBe(2);
  });
});

describe("defaultK6Workers: threads only where they can pay off", () => {
  it("none under 1 GiB or on busy cores; one per idle core but this one", () => {
    const big = IMPORT_DEFAULTS.k6ThreadMinBytes;
    expect(defaultK6Workers(IMPORT_DEFAULTS.k6ThreadMinBytes - 1, 8, 0)).toBe(0);
    expect(defaultK6Workers(big, 2, 0.2)).toBe(1); // this thread's own load counts as 1
    expect(defaultK6Workers(big, 2, 1.0)).toBe(1);
    expect(defaultK6Workers(big, 2, 1.5)).toBe(0);
    expect(defaultK6Workers(big, 2, 12)).toBe(0);
    expect(defaultK6Workers(big, 8, 3)).toBe(5); // 2 cores busy elsewhere, 1 for this thread
    expect(defaultK6Workers(big, 8, 0)).toBe(7);
    expect(defaultK6Workers(big, 1, 0)).toBe(0);
  });
});
