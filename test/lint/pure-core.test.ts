/** The folder-level import rules that keep the pure core pure and the layers in order (README, "Layout"). */
import { ESLint } from "eslint";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cwd = fileURLToPath(new URL("../..", import.meta.url));
const eslint = new ESLint({ cwd });

async function problems(filePath: string, code: string): Promise<string> {
  const [result] = await eslint.lintText(code, { filePath: `${cwd}/${filePath}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`).join("\n");
}

/** A module that imports `name` from `from` and uses it. */
const importing = (from: string, name = "x"): string =>
  `import { ${name} } from "${from}";\nexport const y = ${name};\n`;

const PURE = [
  "sim/x.ts",
  "sim/vocab/x.ts",
  "analysis/x.ts",
  "analysis/stats/x.ts",
  "scenarios/plan/x.ts",
  "reports/x.ts",
];

describe("the pure core", () => {
  const impure = [
    ['import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n', /Node built-ins/],
    [
      'import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";\nexport const c = CloudWatchClient;\n',
      /AWS SDK/,
    ],
    ['import http from "k6/http";\nexport const h = http;\n', /k6 modules/],
    ["export const t = Date.now();\n", /no-restricted-properties/],
    ["export const r = Math.random();\n", /seeded source/],
    ["export const e = process.env.HOME;\n", /no-restricted-globals/],
    ['console.warn("deep inside");\n', /sink/],
  ] as const;
  for (const file of PURE)
    for (const [code, expected] of impure)
      it(`rejects ${code.split("\n")[0]} in ${file}`, async () => {
        expect(await problems(file, code)).toMatch(expected);
      });

  it("imports no edge folder (io/)", async () => {
    expect(await problems("sim/x.ts", importing("./io/pool.js"))).toMatch(/no edge folder/);
    expect(await problems("analysis/x.ts", importing("./io/files/bundle.js"))).toMatch(
      /no edge folder/,
    );
    expect(await problems("analysis/stats/x.ts", importing("../../sim/io/pool.js"))).toMatch(
      /no edge folder/,
    );
    expect(await problems("reports/x.ts", importing("./io/write-run-report.js"))).toMatch(
      /no edge folder/,
    );
    expect(await problems("scenarios/plan/x.ts", importing("../io/k6-merge.js"))).toMatch(
      /no edge folder/,
    );
  });

  it("keeps sim/ at the bottom: it imports only sim/", async () => {
    for (const file of ["sim/x.ts", "sim/io/x.ts", "sim/vocab/x.ts"])
      expect(await problems(file, importing("../analysis/stats/index.js"))).toMatch(
        /imports only sim/,
      );
    expect(await problems("sim/x.ts", importing("../reports/format.js"))).toMatch(/only sim/);
    expect(await problems("sim/x.ts", importing("../scenarios/plan/k6-plan.js"))).toMatch(
      /only sim/,
    );
    expect(await problems("sim/x.ts", importing("./math/random.js"))).toBe("");
    // A new folder in sim/ is held to the same rule, and so are display strings' modules.
    expect(await problems("sim/engine/x.ts", importing("../../reports/labels.js"))).toMatch(
      /only sim/,
    );
    expect(await problems("sim/engine/x.ts", importing("../../analysis/calibrate.js"))).toMatch(
      /only sim/,
    );
    expect(await problems("sim/engine/x.ts", importing("../../cli/main.js"))).toMatch(
      /Nothing imports cli/,
    );
    expect(await problems("sim/x.ts", importing("./rules.js"))).toBe("");
  });

  it("keeps the vocabulary free of our other modules", async () => {
    expect(await problems("sim/vocab/x.ts", importing("../engine.js", "simulate"))).toMatch(
      /vocabulary/,
    );
    expect(await problems("sim/vocab/x.ts", importing("./config.js"))).toBe("");
  });

  it("orders the pure folders: sim/ ← analysis/ ← scenarios/plan/ ← reports/", async () => {
    expect(await problems("analysis/x.ts", importing("../scenarios/plan/k6-plan.js"))).toMatch(
      /below scenarios/,
    );
    expect(await problems("analysis/x.ts", importing("../reports/run-data.js"))).toMatch(
      /below scenarios/,
    );
    expect(await problems("scenarios/plan/x.ts", importing("../../reports/run-data.js"))).toMatch(
      /below reports/,
    );
    expect(await problems("analysis/x.ts", importing("../sim/engine.js"))).toBe("");
    expect(await problems("reports/x.ts", importing("../scenarios/plan/k6-plan.js"))).toBe("");
  });
});

describe("the edges", () => {
  it("lets the edge folders and cli/ do I/O", async () => {
    const code = 'import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n';
    for (const file of [
      "cli/x.ts",
      "sim/io/x.ts",
      "analysis/io/files/x.ts",
      "analysis/io/aws/x.ts",
      "scenarios/io/x.ts",
      "reports/io/x.ts",
    ])
      expect(await problems(file, code)).toBe("");
  });

  it("lets nothing import cli/", async () => {
    for (const [file, from] of [
      ["sim/x.ts", "../cli/main.js"],
      ["sim/io/x.ts", "../../cli/main.js"],
      ["analysis/io/files/x.ts", "../../../cli/main.js"],
      ["analysis/io/aws/x.ts", "../../../cli/main.js"],
      ["analysis/io/history/x.ts", "../../../cli/main.js"],
      ["scenarios/io/x.ts", "../../cli/run-command.js"],
      ["reports/io/x.ts", "../../cli/report-command.js"],
    ] as const)
      expect(await problems(file, importing(from))).toMatch(/Nothing imports cli/);
  });

  it("keeps each command to itself: a command imports no other command", async () => {
    expect(await problems("cli/plan-command.ts", importing("./gate-command.js"))).toMatch(
      /imports no other command/,
    );
    expect(await problems("cli/x-command.ts", importing("./run-command.js"))).toMatch(
      /imports no other command/,
    );
    // What commands share is not a command, and imports none; main.ts puts them together.
    for (const shared of ["cli/common.ts", "cli/options.ts", "cli/help-text.ts", "cli/x.ts"])
      expect(await problems(shared, importing("./plan-command.js"))).toMatch(
        /only main\.ts puts them together/,
      );
    expect(await problems("cli/common.ts", importing("./context.js"))).toBe("");
    expect(await problems("cli/plan-command.ts", importing("./context.js"))).toBe("");
    expect(await problems("cli/main.ts", importing("./plan-command.js"))).toBe("");
  });

  it("lets only cli/context.ts read process: commands get a CliContext", async () => {
    const code = "export const cwd = process.cwd();\n";
    for (const file of ["cli/plan-command.ts", "cli/main.ts", "cli/help.ts"])
      expect(await problems(file, code)).toMatch(/Commands read no process/);
    expect(await problems("cli/context.ts", code)).toBe("");
  });

  it("keeps the AWS SDK in analysis/io/aws/, analysis/io/import/, scenarios/io/ and cli/", async () => {
    const code = importing("@aws-sdk/client-ecs", "ECSClient");
    for (const file of ["sim/io/x.ts", "analysis/io/files/x.ts", "analysis/io/history/x.ts"])
      expect(await problems(file, code)).toMatch(/AWS SDK/);
    expect(await problems("reports/io/x.ts", code)).toMatch(/AWS SDK/);
    for (const file of ["analysis/io/aws/x.ts", "analysis/io/import/x.ts", "scenarios/io/x.ts"])
      expect(await problems(file, code)).toBe("");
    expect(await problems("cli/x.ts", code)).toBe("");
  });

  it("keeps k6 modules in the k6 scripts", async () => {
    const code = 'import http from "k6/http";\nexport const h = http;\n';
    for (const file of ["cli/x.ts", "scenarios/io/x.ts", "analysis/io/import/x.ts"])
      expect(await problems(file, code)).toMatch(/k6 modules/);
    expect(await problems("scenarios/x.ts", code)).toBe("");
    expect(await problems("scenarios/lib/x.ts", code)).toBe("");
  });

  it("keeps the k6 scripts runnable by k6: no Node, nothing outside scenarios/", async () => {
    expect(await problems("scenarios/lib/x.ts", importing("node:fs", "readFileSync"))).toMatch(
      /Node built-ins/,
    );
    expect(await problems("scenarios/x.ts", importing("../analysis/trace.js"))).toMatch(
      /k6 runs the scenarios/,
    );
    expect(await problems("scenarios/lib/x.ts", importing("../plan/k6-plan.ts"))).toBe("");
  });

  it("keeps analysis/io/files/ below the other edge folders", async () => {
    expect(await problems("analysis/io/files/x.ts", importing("../aws/collect.js"))).toMatch(
      /files\/ sits below/,
    );
    expect(await problems("analysis/io/files/x.ts", importing("../history/history-db.js"))).toMatch(
      /files\/ sits below/,
    );
  });
});
