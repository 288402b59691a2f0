/**
 * Issue #11, row 10: names from outside cannot change the structure of the Markdown caplab
 * writes. Each writer (plan report.md with its AWS CLI snippet, run report.md, gate.md) is
 * rendered once with plain names and once with random hostile ones; a real CommonMark parser
 * (markdown-it, with GFM tables, strikethrough and autolinks) must find the same headings,
 * links, images, HTML, tables, lists, quotes and fences in both, and the snippet's fence must
 * hold the snippet whole. No control character reaches the text.
 */
import fc from "fast-check";
import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { evaluateGate, GateConfigSchema, type GateResult } from "../../analysis/gate.js";
import { markdownCell, markdownFence, markdownInline, printable } from "../../reports/escape.js";
import { renderPlanMarkdown } from "../../reports/plan-markdown.js";
import { gateRunOf, type RunData } from "../../reports/run-data.js";
import { renderGateMarkdown } from "../../reports/run-gate.js";
import { renderRunMarkdown } from "../../reports/run-markdown.js";
import { renderSnippets } from "../../reports/snippets.js";
import { ScalingSchema, warnings, type PlanResult } from "../../sim/vocab/index.js";
import { runDataOf } from "../fixtures/runs/run-data.js";
import { planResultFixture } from "./fixtures/plan-result.js";

/** GitHub-like: raw HTML allowed (so an unescaped tag would show as an html node), autolinks on. */
const markdown = new MarkdownIt({ html: true, linkify: true }).enable(["table", "strikethrough"]);

/** Token types whose count names cannot change. */
const STRUCTURE = [
  "heading_open",
  "link_open",
  "image",
  "html_inline",
  "html_block",
  "table_open",
  "tr_open",
  "td_open",
  "th_open",
  "fence",
  "code_block",
  "code_inline",
  "bullet_list_open",
  "ordered_list_open",
  "list_item_open",
  "blockquote_open",
  "hr",
  "em_open",
  "strong_open",
  "s_open",
  "hardbreak",
] as const;

type Token = ReturnType<InstanceType<typeof MarkdownIt>["parse"]>[number];

function flatten(tokens: readonly Token[]): Token[] {
  return tokens.flatMap((t) => [t, ...flatten(t.children ?? [])]);
}

/** How many tokens of each structural type the Markdown has, and its fences. */
function structure(md: string): { counts: Record<string, number>; fences: string[] } {
  const tokens = flatten(markdown.parse(md, {}));
  const counts = Object.fromEntries(
    STRUCTURE.map((type) => [type, tokens.filter((t) => t.type === type).length]),
  );
  return { counts, fences: tokens.filter((t) => t.type === "fence").map((t) => t.content) };
}

/** Pieces that are Markdown, HTML, links, terminal escapes or line breaks on their own. */
const HOSTILE_PIECES = [
  "```",
  "````",
  "~~~",
  "\n",
  "\r\n",
  "\r",
  "\t",
  "    ",
  "# ",
  "\n## Owned\n",
  "![img](http://e.example/x.png)",
  "[link](http://e.example)",
  "[ref]: http://e.example",
  "<b>",
  "<img src=x onerror=alert(1)>",
  "<!--",
  "<http://e.example>",
  "http://e.example/p",
  "https://e.example",
  "www.e.example",
  "user@e.example",
  "|",
  "\n| a | b |\n| --- | --- |\n",
  "- ",
  "+ ",
  "1. ",
  "2) ",
  "> ",
  "---",
  "===",
  "***",
  "*em*",
  "_em_",
  "**strong**",
  "~~s~~",
  "`code`",
  "&amp;",
  "&#60;",
  "\\",
  "$x$",
  "  \n",
  "\u001b[31m",
  "\u001b]8;;http://e.example\u0007",
  "\u009b2J",
  "\u202e",
  "\u2028",
  "\u0000",
  "\b",
] as const;

const hostileName = fc
  .array(
    fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.string({ unit: "binary", maxLength: 6 })),
    {
      minLength: 1,
      maxLength: 8,
    },
  )
  .map((parts) => parts.join(""));

/** Every character that printable() rewrites; none may reach a report. */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- control characters are what is looked for.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function expectSameStructure(plain: string, hostile: string): void {
  const a = structure(plain);
  const b = structure(hostile);
  expect(b.counts, hostile).toEqual(a.counts);
  expect(hostile).not.toMatch(UNPRINTABLE);
}

const scaling = ScalingSchema.parse({
  MinCapacity: 2,
  MaxCapacity: 10,
  policies: [
    {
      PolicyName: "cpu",
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 50,
        PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
      },
    },
  ],
});
const task = {
  cpu: "1024",
  memory: "2048",
  architecture: "X86_64",
  capacityProvider: "FARGATE",
} as const;

function planMarkdown(names: { service: string; cluster: string; other: string }): {
  md: string;
  awsCli: string;
} {
  const base = planResultFixture();
  const result: PlanResult = {
    ...base,
    trace: { ...base.trace, source: `traces/${names.other}.csv` },
    robustness: base.robustness.map((r) => ({
      ...r,
      perturbations: r.perturbations.map((p, i) => (i === 0 ? { ...p, name: names.other } : p)),
    })),
    reasons: [...base.reasons, names.other],
  };
  const { awsCli } = renderSnippets({
    task,
    scaling,
    serviceName: names.service,
    clusterName: names.cluster,
  });
  return { md: renderPlanMarkdown(result, { awsCli }), awsCli };
}

function runWithNames(scenario: string, threshold: string, other: string): RunData {
  const run = runDataOf({ seed: 4, seconds: 5, scenario, target: other, runId: other });
  return {
    ...run,
    thresholds: [
      { metric: threshold, expression: threshold, ok: false },
      { metric: "http_req_duration", expression: "p(95)<300", ok: true },
    ],
    warnings: [warnings.unreadableFile(other, other)],
  };
}

function gateMarkdown(scenario: string, threshold: string, other: string): string {
  const run = runWithNames(scenario, threshold, other);
  const result: GateResult = evaluateGate(gateRunOf(run), null, GateConfigSchema.parse({}));
  return renderGateMarkdown({ ...result, run: other, baseline: scenario });
}

describe("Markdown from outside names (fast-check, parsed by markdown-it)", () => {
  it("plan report.md: service, cluster, trace, perturbation and reason names add no structure; the snippet's fence holds", () => {
    const plain = planMarkdown({ service: "api", cluster: "prod", other: "orders" }).md;
    fc.assert(
      fc.property(hostileName, hostileName, hostileName, (service, cluster, other) => {
        const { md, awsCli } = planMarkdown({ service, cluster, other });
        expectSameStructure(plain, md);
        // The one fence holds the whole snippet, as printable() shows it.
        const { fences } = structure(md);
        expect(fences).toEqual([`${printable(awsCli).replace(/\s+$/, "")}\n`]);
      }),
      { numRuns: 300 },
    );
  });

  it("run report.md: scenario, threshold, target and warning text add no structure", () => {
    const plain = renderRunMarkdown(runWithNames("constant", "http_req_failed", "https://api"));
    fc.assert(
      fc.property(hostileName, hostileName, hostileName, (scenario, threshold, other) => {
        expectSameStructure(plain, renderRunMarkdown(runWithNames(scenario, threshold, other)));
      }),
      { numRuns: 300 },
    );
  });

  it("gate.md: check names (k6 thresholds), run and baseline names add no structure", () => {
    const plain = gateMarkdown("constant", "http_req_failed", "caplab-1");
    fc.assert(
      fc.property(hostileName, hostileName, hostileName, (scenario, threshold, other) => {
        expectSameStructure(plain, gateMarkdown(scenario, threshold, other));
      }),
      { numRuns: 300 },
    );
  });
});

describe("the escapers", () => {
  const inline = (s: string) => flatten(markdown.parseInline(markdownInline(s), {}));
  const text = (s: string) =>
    inline(s)
      .filter((t) => t.type === "text" || t.type === "text_special")
      .map((t) => t.content)
      .join("");

  it("markdownInline renders as the text itself (line breaks as spaces, ends trimmed)", () => {
    fc.assert(
      fc.property(hostileName, (s) => {
        expect(text(s)).toBe(
          printable(s)
            .replace(/\r\n|\r|\n|\t/g, " ")
            .trim(),
        );
      }),
      { numRuns: 500 },
    );
  });

  it("breaks what would open a heading, a list, a link or a fence", () => {
    expect(markdownInline("# x")).toBe("\\# x");
    expect(markdownInline("- x")).toBe("\\- x");
    expect(markdownInline("1. x")).toBe("1\\. x");
    expect(markdownInline("98.7 ms")).toBe("98.7 ms");
    expect(markdownInline("see https://e.example or www.e.example or a@b.c")).toBe(
      "see https\\://e.example or www\\.e.example or a\\@b.c",
    );
    expect(markdownInline("a\u001b[2Jb")).toBe("a\\u001b\\[2Jb");
    expect(markdownCell("a|b")).toBe("a\\|b");
  });

  it("escapes a character only where it can act, so names read as they are", () => {
    for (const plain of [
      "http_req_duration{name:home} p(95)<500",
      "322 in 21 s (15.3/s)",
      "s3://results/k6",
      "C:\\Users\\ci",
      "a > b, 1 < 2, x & y, #3, 50 %, !",
      "rate>=0.01 && p(99)<1500",
      "naïve_größe_1",
    ])
      expect(markdownInline(plain), plain).toBe(plain);
    for (const [text, escaped] of <[string, string][]>[
      ["_em_", "\\_em\\_"],
      ["a _b_ c", "a \\_b\\_ c"],
      ["a*b*c", "a\\*b\\*c"],
      ["<b>x</b>", "\\<b>x\\</b>"],
      ["x<", "x\\<"],
      ["&amp; &#60;", "\\&amp; \\&#60;"],
      ["> quote", "\\> quote"],
      ["## x", "\\## x"],
      ["a\\*", "a\\\\\\*"],
      ["ftp://h and //h", "ftp\\://h and /\\/h"],
    ])
      expect(markdownInline(text), text).toBe(escaped);
    // Each renders as the text itself.
    for (const s of ["_em_", "a*b*c", "<b>x</b>", "&amp; &#60;", "a\\*", "C:\\Users"])
      expect(text(s)).toBe(s);
  });

  it("a run report.md reads as written raw and renders the names as themselves, with no link", () => {
    const name = "http_req_duration{name:http://test.k6.io/?a=1&b=2}";
    const md = renderRunMarkdown(runWithNames("contacts", name, "https://test.k6.io"));
    // Raw: only the autolink's colon is escaped; underscores, braces, `<` before a digit stay.
    expect(md).toContain("| http_req_duration{name:http\\://test.k6.io/?a=1&b=2} |");
    expect(md).toContain("Target https\\://test.k6.io");
    const html = markdown.render(md);
    expect(html).toContain("<td>http_req_duration{name:http://test.k6.io/?a=1&amp;b=2}</td>");
    expect(html).not.toContain("<a ");
  });

  it("markdownFence picks a fence longer than any backtick run and refuses a backtick info string", () => {
    expect(markdownFence("echo ```", "sh")).toBe("````sh\necho ```\n````");
    expect(markdownFence("plain")).toBe("```\nplain\n```");
    expect(markdownFence("a\rb\u001b")).toBe("```\na\\u000db\\u001b\n```");
    expect(() => markdownFence("x", "s`h")).toThrow(/backtick/);
  });

  it("printable makes every control character visible and keeps tab, newline and the rest", () => {
    expect(printable("a\u001b[31mb\u009b\u202e\r\u0000\tc\nd é ✓")).toBe(
      "a\\u001b[31mb\\u009b\\u202e\\u000d\\u0000\tc\nd é ✓",
    );
    // Printed JSON stays JSON with the same value.
    const value = { name: "x\u0085\u2028\u202e\u001b" };
    expect(JSON.parse(printable(JSON.stringify(value)))).toEqual(value);
  });
});
