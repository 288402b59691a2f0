/**
 * What an import source is, told from its head: k6's machine-readable summary (schema 1.0.0,
 * our fixture in test/fixtures/k6-machine-readable.ts) reads as a k6 summary whatever its key
 * order and whitespace, whole or cut short, and no other JSON reads as one.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatFor, inputMismatch, recognizeInput } from "../../analysis/input-kind.js";
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
  it("names the --format of each kind caplab imports, and none for k6's --out csv", () => {
    expect(formatFor("k6-summary")).toEqual({ format: "k6", what: "a k6 end-of-test summary" });
    expect(formatFor("k6")?.format).toBe("k6");
    expect(formatFor("alb")?.format).toBe("alb");
    expect(formatFor("k6-csv")).toBe(null);
  });
});
