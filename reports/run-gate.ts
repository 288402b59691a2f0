/**
 * The gate's verdicts as text for CI: JUnit XML (one testcase per check) and Markdown (a job
 * summary). Pure: a GateResult in, text out. Every string that came from outside (run ids,
 * k6 metric names and threshold expressions) is escaped.
 */
import type { GateCheck, GateResult } from "../analysis/gate.js";
import { markdownCell, markdownInline } from "./escape.js";
import { plural } from "./format.js";

const XML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/**
 * Text safe in XML 1.0 element content and quoted attributes: the five special characters
 * become entities and characters XML 1.0 forbids (C0 controls but tab, line feed and
 * carriage return; lone surrogates; U+FFFE/U+FFFF) become U+FFFD.
 */
export function escapeXml(s: string): string {
  return s
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c)
    .replace(
      // eslint-disable-next-line no-control-regex -- XML 1.0 forbids these; finding them is the point.
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      "\ufffd",
    );
}

/** The gate as JUnit XML: one `<testsuite>` per group, one `<testcase>` per check. */
export function renderGateJunit(result: GateResult): string {
  const e = escapeXml;
  const groups = (["absolute", "regression"] as const).map((group) => ({
    group,
    checks: result.checks.filter((c) => c.group === group),
  }));
  const count = (checks: readonly GateCheck[], v: GateCheck["verdict"]): number =>
    checks.filter((c) => c.verdict === v).length;
  // An inconclusive gate fails in JUnit too (CI systems that read only the XML must not pass
  // it): one more testcase, in a suite of its own, says why.
  const inconclusive = result.verdict === "inconclusive";
  const extra = inconclusive ? 1 : 0;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="caplab gate" tests="${result.checks.length + extra}" failures="${count(result.checks, "fail") + extra}" skipped="${count(result.checks, "skip")}">`,
  ];
  for (const { group, checks } of groups) {
    if (checks.length === 0) continue;
    lines.push(
      `  <testsuite name="caplab gate: ${group} checks of ${e(result.run)}" tests="${checks.length}" failures="${count(checks, "fail")}" skipped="${count(checks, "skip")}">`,
    );
    for (const c of checks) {
      const open = `    <testcase classname="caplab.gate.${group}" name="${e(c.name)}"`;
      if (c.verdict === "pass") {
        lines.push(`${open}>`, `      <system-out>${e(c.detail)}</system-out>`, `    </testcase>`);
      } else if (c.verdict === "skip") {
        lines.push(`${open}>`, `      <skipped message="${e(c.detail)}"/>`, `    </testcase>`);
      } else {
        lines.push(
          `${open}>`,
          `      <failure message="${e(c.detail)}" type="${e(c.id)}">${e(numbersText(c))}</failure>`,
          `    </testcase>`,
        );
      }
    }
    lines.push("  </testsuite>");
  }
  if (inconclusive)
    lines.push(
      `  <testsuite name="caplab gate: basis of the verdict on ${e(result.run)}" tests="1" failures="1" skipped="0">`,
      `    <testcase classname="caplab.gate.basis" name="checks judged">`,
      `      <failure message="${e(basisSentence(result))}" type="inconclusive">judged=${result.judged} minJudgedChecks=${result.minJudged} latencyJudged=${result.latencyJudged} requireLatencyCheck=${result.latencyRequired}</failure>`,
      `    </testcase>`,
      "  </testsuite>",
    );
  lines.push("</testsuites>", "");
  return lines.join("\n");
}

function numbersText(c: GateCheck): string {
  return Object.entries(c.numbers)
    .map(([k, v]) => `${k}=${v === null ? "null" : Number(v.toPrecision(6))}`)
    .join(" ");
}

/**
 * How much the verdict rests on, for its line: "1 of 9 checks judged, 8 skipped" and, when
 * inconclusive, which rule it missed (a pass with most checks skipped is worth less than it reads).
 */
export function verdictBasis(result: GateResult): string {
  const { judged, minJudged } = result;
  const why =
    result.verdict !== "inconclusive"
      ? ""
      : judged < minJudged
        ? `, at least ${minJudged} needed by gate.yaml's minJudgedChecks`
        : ", none of latency, which gate.yaml's requireLatencyCheck needs";
  return `${judged} of ${plural(result.checks.length, "check")} judged, ${result.checks.length - judged} skipped${why}`;
}

/** Why an inconclusive gate did not pass, in one sentence. */
export function basisSentence(result: GateResult): string {
  if (result.judged < result.minJudged)
    return `No check failed, but only ${result.judged} of ${result.checks.length} were judged (at least ${result.minJudged} needed: gate.yaml minJudgedChecks); each skipped check says what it lacks.`;
  return `No check failed, but none of the ${result.judged} judged measures latency: set slo.latencyP95Ms in gate.yaml (or run from a plan with an SLO), give the run a k6 threshold on http_req_duration, or compare against a baseline (--baseline-from-history N); gate.yaml requireLatencyCheck: false lets a gate pass without one.`;
}

const HEADING: Record<GateResult["verdict"], string> = {
  pass: "✅ passed",
  fail: "❌ FAILED",
  inconclusive: "⚠️ INCONCLUSIVE",
};

const VERDICT_MARK: Record<GateCheck["verdict"], string> = {
  pass: "✅ pass",
  fail: "❌ FAIL",
  skip: "⏭️ skip",
};

/** The gate as Markdown for a CI job summary or a PR comment. Deterministic text. */
export function renderGateMarkdown(result: GateResult): string {
  const m = markdownInline;
  const cell = markdownCell;
  const failed = result.checks.filter((c) => c.verdict === "fail");
  const lines = [
    `## caplab gate: ${HEADING[result.verdict]}`,
    "",
    `Run ${m(result.run)}${result.baseline === null ? ", no baseline" : `, baseline ${m(result.baseline)}`}. ${failed.length} of ${result.checks.length} checks failed, ${result.checks.filter((c) => c.verdict === "skip").length} skipped.`,
    "",
    ...(result.verdict === "inconclusive" ? [basisSentence(result), ""] : []),
    "| | check | verdict | numbers |",
    "| --- | --- | --- | --- |",
  ];
  result.checks.forEach((c, i) => {
    lines.push(`| ${i + 1} | ${cell(c.name)} | ${VERDICT_MARK[c.verdict]} | ${cell(c.detail)} |`);
  });
  lines.push(
    "",
    "Regression checks compare against the baseline with a bootstrap interval of the p95 difference, a Mann-Whitney test on per-second p95 and a two-proportion test on errors; see the caplab README (gate).",
    "",
  );
  return lines.join("\n");
}
