import { describe, expect, it } from "vitest";
import { evaluateGate, GateConfigSchema, type GateResult } from "../../analysis/gate.js";
import { gateRunOf } from "../../reports/run-data.js";
import { escapeXml, renderGateJunit, renderGateMarkdown } from "../../reports/run-gate.js";
import { HOSTILE_NAME } from "../fixtures/runs/make-run-bundle.js";
import { runDataOf } from "../fixtures/runs/run-data.js";
import { checkXml } from "../fixtures/runs/xml-check.js";

function hostileResult(): GateResult {
  const base = gateRunOf(runDataOf({ seed: 1, seconds: 20 }));
  const run = {
    ...gateRunOf(runDataOf({ seed: 2, seconds: 20, medianMs: 150 })),
    label: HOSTILE_NAME,
    thresholds: [{ metric: HOSTILE_NAME, expression: `p(95)<${HOSTILE_NAME}`, ok: false }],
  };
  return evaluateGate(run, base, GateConfigSchema.parse({ regression: { resamples: 200 } }));
}

describe("renderGateJunit", () => {
  it("is well-formed XML with one testcase per check, escaped for hostile names", () => {
    const result = hostileResult();
    const xml = renderGateJunit(result);
    const seen = checkXml(xml);
    expect(seen.testcase).toBe(result.checks.length);
    expect(seen.failure).toBe(result.checks.filter((c) => c.verdict === "fail").length);
    expect(seen.skipped ?? 0).toBe(result.checks.filter((c) => c.verdict === "skip").length);
    expect(xml).not.toContain("<img");
    expect(xml).not.toContain("<script>");
    expect(xml).toContain("&lt;img src=x onerror=alert(1)&gt;&quot;&apos;&amp;");
  });

  it("escapes the five special characters and replaces what XML 1.0 forbids", () => {
    expect(escapeXml(`<a href="x">'&'</a>\u0000\ud800`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;\ufffd\ufffd",
    );
    expect(escapeXml("😀 tab\tok")).toBe("😀 tab\tok");
    expect(() => checkXml("<a><b></a></b>")).toThrow();
    expect(() => checkXml("<a>&bogus;</a>")).toThrow();
  });
});

describe("an inconclusive gate", () => {
  it("fails in JUnit with one more testcase and says why under the Markdown heading", () => {
    const run = {
      ...gateRunOf(runDataOf({ seed: 1, seconds: 20, runId: "quiet" })),
      requests: 0,
      slo: null,
      server: null,
      thresholds: [],
    };
    const result = evaluateGate(run, null);
    expect(result.verdict).toBe("inconclusive");
    const xml = renderGateJunit(result);
    const seen = checkXml(xml);
    expect(seen.testcase).toBe(result.checks.length + 1);
    expect(seen.failure).toBe(1);
    expect(xml).toContain('classname="caplab.gate.basis" name="checks judged"');
    expect(xml).toContain(`failures="1" skipped="${result.checks.length}"`);
    const md = renderGateMarkdown(result);
    expect(md).toContain("## caplab gate: ⚠️ INCONCLUSIVE");
    expect(md).toContain(`only 0 of ${result.checks.length} were judged (at least 1 needed`);
    // A passing or failing gate has no such testcase.
    expect(renderGateJunit(hostileResult())).not.toContain("caplab.gate.basis");
  });
});

describe("renderGateMarkdown", () => {
  it("lists every check with its verdict and escapes hostile names", () => {
    const result = hostileResult();
    const md = renderGateMarkdown(result);
    expect(md).toContain("## caplab gate: ❌ FAILED");
    expect(md.match(/^\| \d+ \|/gm)).toHaveLength(result.checks.length);
    expect(md).not.toMatch(/(?<!\\)<[A-Za-z/!?]/);
  });

  it("matches the golden for a clear regression against one baseline", async () => {
    const base = gateRunOf(runDataOf({ seed: 11, seconds: 30, runId: "baseline-run" }));
    const run = gateRunOf(
      runDataOf({ seed: 12, seconds: 30, medianMs: 140, runId: "candidate-run" }),
    );
    const result = evaluateGate(
      run,
      base,
      GateConfigSchema.parse({ regression: { resamples: 300 } }),
    );
    await expect(renderGateMarkdown(result)).toMatchFileSnapshot("__snapshots__/run-gate.md");
  });
});
