/**
 * What an import source is, told from its head: k6's machine-readable summary (schema 1.0.0,
 * our fixture in test/fixtures/k6-machine-readable.ts) reads as a k6 summary whatever its key
 * order and whitespace, whole or cut short, and no other JSON reads as one. The sniff of an
 * import without --format names a format for every importable file of ../shared/data and for
 * nothing that is two formats, mostly one, empty, or not a source.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  firstArrayElement,
  formatFor,
  inputMismatch,
  recognizeInput,
  sniffFormat,
} from "../../analysis/input-kind.js";
import { k6Written, schemaSpelled } from "../fixtures/k6-machine-readable.js";

const DATA = join(import.meta.dirname, "../../../shared/data");

describe("recognizeInput: k6's machine-readable summary", () => {
  it("reads as a k6 summary, pretty or compact, in k6's key order or the schema's", () => {
    for (const json of [k6Written(), schemaSpelled()])
      for (const text of [JSON.stringify(json), JSON.stringify(json, null, 4)])
        expect(recognizeInput(text, true)).toEqual(["k6-summary"]);
  });

  it("reads as one from a head cut short (version, last in k6's order, not yet seen)", () => {
    const text = JSON.stringify(k6Written(), null, 4);
    const head = text.slice(0, text.indexOf('"version"'));
    expect(recognizeInput(head, false)).toEqual(["k6-summary"]);
  });

  it("is not taken for any other JSON", () => {
    const others = [
      { version: "1.0.0", results: { metrics: {} } }, // metrics not an array
      { version: 1, results: { metrics: [] } }, // version not a string
      { results: { metrics: [] } },
      { MetricDataResults: [{ Id: "m", Label: "x", Timestamps: [], Values: [] }] },
    ];
    for (const json of others)
      expect(recognizeInput(JSON.stringify(json), true)).not.toContain("k6-summary");
    const cloudwatch = readFileSync(
      join(DATA, "cloudwatch/get-metric-data.awscli-example1-metric-math.json"),
      "utf8",
    );
    expect(recognizeInput(cloudwatch, true)).not.toContain("k6-summary");
    expect(recognizeInput(cloudwatch.slice(0, 200), false)).not.toContain("k6-summary");
  });

  it("given to another --format, says what it is and that it imports alone", () => {
    expect(inputMismatch(["k6-summary"], "cloudwatch")).toMatch(
      /machine-readable summary\), not --format cloudwatch input; .* or alone as the only SOURCE/,
    );
  });
});

describe("formatFor", () => {
  it("names the --format of each kind caplab imports", () => {
    expect(formatFor("k6-summary")).toEqual({ format: "k6", what: "a k6 end-of-test summary" });
    expect(formatFor("k6").format).toBe("k6");
    expect(formatFor("alb").format).toBe("alb");
    expect(formatFor("k6-csv")).toEqual({ format: "k6", what: "k6 --out csv output" });
  });
});

/** The head `caplab import` sniffs: the first 64 KiB, and whether that is the whole file. */
function head(name: string): { text: string; complete: boolean } {
  const text = readFileSync(join(DATA, name), "utf8");
  return { text: text.slice(0, 64 * 1024), complete: text.length <= 64 * 1024 };
}

const sniffOf = (name: string): ReturnType<typeof sniffFormat> => {
  const h = head(name);
  return sniffFormat(h.text, h.complete);
};

describe("sniffFormat: every file of ../shared/data", () => {
  /** The --format each file imports with, or null where caplab import refuses it. */
  const expected: Record<string, string | null> = {
    "k6/csv-output.k6-test-fixture.csv": "k6",
    "cloudwatch/get-metric-data.awscli-example1-queries.json": null,
  };
  const folderFormat: Record<string, string> = {
    alb: "alb",
    nginx: "nginx",
    k6: "k6",
    cloudwatch: "cloudwatch",
    traces: "csv",
  };
  const files = Object.keys(folderFormat).flatMap((folder) =>
    readdirSync(join(DATA, folder)).map((f) => `${folder}/${f}`),
  );

  it("names the format of each file that imports, and refuses the one that does not", () => {
    expect(files.length).toBe(29);
    for (const name of files) {
      const want = name in expected ? expected[name] : folderFormat[name.split("/")[0]!];
      const got = sniffOf(name);
      expect(got.ok ? got.format : null, name).toBe(want);
    }
  });

  it("says what a refused file is and what to do", () => {
    expect(sniffOf("cloudwatch/get-metric-data.awscli-example1-queries.json")).toEqual({
      ok: false,
      reason:
        "is a --metric-data-queries file (the queries aws cloudwatch get-metric-data ran), not data to import",
      queries: "a --metric-data-queries file (the queries aws cloudwatch get-metric-data ran)",
    });
  });

  it("says what the verdict rests on: a small file's lines, a large one's first 20, a JSON document", () => {
    expect(sniffOf("alb/nawab312-real-alb.log")).toMatchObject({
      ok: true,
      format: "alb",
      what: "an ALB access log",
      basis: "its 3 lines",
    });
    expect(sniffOf("nginx/nginx_logs.elastic-examples.first14575.log")).toMatchObject({
      format: "nginx",
      basis: "its first 20 lines",
    });
    expect(sniffOf("cloudwatch/get-metric-statistics.awscli-example-cpu.json")).toMatchObject({
      format: "cloudwatch",
      basis: "its get-metric-statistics JSON",
    });
    expect(sniffOf("k6/summary-export.k6-html-reporter-dev.json")).toMatchObject({
      kind: "k6-summary",
      format: "k6",
      basis: "its JSON",
    });
    expect(sniffOf("traces/wc98-requests-per-minute.csv")).toMatchObject({
      format: "csv",
      basis: "its header and first 19 rows",
    });
  });
});

describe("sniffFormat: what is not unambiguous", () => {
  const alb = readFileSync(join(DATA, "alb/dmastrop-tomcat-alb-50-targets.log"), "utf8")
    .split("\n")
    .filter((l) => l !== "");

  it("an empty file, or one of blank lines", () => {
    for (const text of ["", "\n\n", "   \r\n"])
      expect(sniffFormat(text, true)).toEqual({
        ok: false,
        reason: expect.stringMatching(/^is empty/),
      });
  });

  it("a log that reads as ALB on most of its first lines but not all", () => {
    const text = [...alb.slice(0, 10), "garbage", ...alb.slice(10, 15)].join("\n");
    expect(sniffFormat(text, true)).toEqual({
      ok: false,
      reason:
        "reads mostly as an ALB access log (15 of its first 16 lines); add --format alb to import it, the other lines counted as bad",
    });
  });

  it("one bad line anywhere among the first 20 (fast-check), but not after them", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: alb.length }),
        fc.nat(),
        fc.string({ minLength: 1 }).filter((s) => s.trim() !== "" && !/[\r\n]/.test(s)),
        (n, at, junk) => {
          const lines = alb.slice(0, n);
          expect(sniffFormat(lines.join("\n"), true)).toMatchObject({ ok: true, format: "alb" });
          const spoilt = [...lines];
          spoilt.splice(at % (n + 1), 0, junk);
          const verdict = sniffFormat(spoilt.join("\n"), true);
          // A line of junk among the first 20 is never taken for the whole; after them it is not seen.
          expect(verdict.ok).toBe(at % (n + 1) >= 20);
        },
      ),
    );
  });

  it("a head cut short: its last line is left out, not counted as bad", () => {
    const text = alb.join("\n");
    expect(sniffFormat(text.slice(0, text.length - 40), false)).toMatchObject({
      ok: true,
      format: "alb",
      basis: "its first 20 lines",
    });
  });

  it("a document of two formats at once", () => {
    const both = JSON.stringify({ MetricDataResults: [], metrics: {}, root_group: {} });
    expect(sniffFormat(both, true)).toEqual({
      ok: false,
      reason:
        "reads as a k6 end-of-test summary and as saved CloudWatch JSON alike; add --format to say which",
    });
  });

  it("a CSV whose header does not name the count column, or that has no header", () => {
    const unnamed = "timestamp,passengers\n2014-07-01 00:00:00,10844\n2014-07-01 00:30:00,8127\n";
    expect(sniffFormat(unnamed, true)).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /^reads as a CSV file whose header does not name its time and count columns .*; add --format csv, and --time-column and --value-column/,
      ),
    });
    const headless = "2014-07-01 00:00:00,10844\n2014-07-01 00:30:00,8127\n";
    expect(sniffFormat(headless, true).ok).toBe(false);
    const named = "Time,Requests\n2014-07-01 00:00:00,10844\n2014-07-01 00:30:00,8127\n";
    expect(sniffFormat(named, true)).toMatchObject({ ok: true, format: "csv" });
  });

  it("a one-line k6 output and a gzip-free head of k6 lines both read as k6", () => {
    const line = '{"metric":"vus","type":"Point","data":{"time":"2024-01-01T00:00:00Z","value":1}}';
    expect(sniffFormat(line, true)).toMatchObject({ ok: true, format: "k6", basis: "its line" });
    expect(sniffFormat(`${line}\n${line}\n`, true)).toMatchObject({ basis: "its 2 lines" });
  });

  it("the opening of a large CloudWatch document, but not of any JSON", () => {
    const gmd =
      '{\n  "MetricDataResults": [\n    {"Id": "m1", "Label": "RequestCount", "Timestamps": [';
    expect(sniffFormat(gmd, false)).toMatchObject({ ok: true, format: "cloudwatch" });
    const gms = '{\n  "Label": "CPUUtilization",\n  "Datapoints": [\n    {"Timestamp": "2014';
    expect(sniffFormat(gms, false)).toMatchObject({ ok: true, format: "cloudwatch" });
    expect(sniffFormat('{"Label": "x", "Other": [1, 2', false).ok).toBe(false);
  });
});

describe("a pretty-printed array of performance events over 64 KiB (its head only)", () => {
  const events = JSON.parse(
    readFileSync(
      join(DATA, "cloudwatch/ecs-container-insights-performance-events.aws-docs.json"),
      "utf8",
    ),
  ) as unknown[];
  const big = JSON.stringify(
    Array.from({ length: 200 }, (_, i) => events[i % events.length]),
    null,
    4,
  );
  const head = big.slice(0, 64 * 1024);

  it("reads as CloudWatch JSON from its first event, as a whole file does", () => {
    expect(big.length).toBeGreaterThan(64 * 1024);
    expect(sniffFormat(head, false)).toEqual({
      ok: true,
      kind: "cloudwatch",
      format: "cloudwatch",
      what: "saved CloudWatch JSON",
      basis: "the first event of its JSON array",
    });
    expect(recognizeInput(head, false)).toContain("cloudwatch");
    expect(inputMismatch(recognizeInput(head, false), "k6")).toMatch(
      /import it with --format cloudwatch$/,
    );
  });

  it("a first element with brackets and quotes inside its strings is cut out whole", () => {
    expect(firstArrayElement('[ {"a": "}]\\"{"}, {"b": 2')).toBe('{"a": "}]\\"{"}');
    expect(firstArrayElement('[{"a": [1, {"b": 2}]}')).toBe('{"a": [1, {"b": 2}]}');
    expect(firstArrayElement('[{"a": 1')).toBeUndefined();
    expect(firstArrayElement("[1, 2")).toBeUndefined();
  });

  it("an array of other objects is not taken for one", () => {
    const other = JSON.stringify(
      Array.from({ length: 3000 }, (_, i) => ({ id: i, name: "x" })),
      null,
      2,
    );
    expect(sniffFormat(other.slice(0, 64 * 1024), false).ok).toBe(false);
    const queries = `[\n  {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount"}, "Period": 60, "Stat": "Sum"}},\n`;
    expect(sniffFormat(queries, false).ok).toBe(false);
  });
});
