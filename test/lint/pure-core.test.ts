/** The folder-level import rule that keeps the pure core pure (DESIGN.md, "Rule of the house"). */
import { ESLint } from "eslint";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cwd = fileURLToPath(new URL("../..", import.meta.url));
const eslint = new ESLint({ cwd });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe("the pure-core lint rule", () => {
  const impure = [
    ['import { readFileSync } from "node:fs";', /no-restricted-imports/],
    ['import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";', /AWS SDK/],
    ['import http from "k6/http";', /k6/],
    ['import { main } from "../cli/main.js";', /I\/O layers/],
    ["export const t = Date.now();", /no-restricted-properties/],
    ["export const r = Math.random();", /seeded source/],
    ["export const e = process.env.HOME;", /no-restricted-globals/],
    ['console.warn("deep inside");', /sink/],
  ] as const;
  for (const folder of ["src/sim/x.ts", "src/analysis/x.ts", "src/reports/spec/x.ts"]) {
    for (const [code, expected] of impure) {
      it(`rejects ${code} in ${folder}`, async () => {
        expect((await problems(`${cwd}/${folder}`, `${code}\n`)).join("\n")).toMatch(expected);
      });
    }
  }
  it("lets the I/O layers do I/O", async () => {
    expect(
      await problems(
        `${cwd}/src/cli/x.ts`,
        'import { readFileSync } from "node:fs";\nexport const f = readFileSync;\n',
      ),
    ).toEqual([]);
  });
  it("keeps cli/ the top layer: collect/ and io/ do not import it, io/ does not import collect/", async () => {
    const code = 'import { main } from "../cli/main.js";\nexport const m = main;\n';
    for (const folder of ["src/collect/x.ts", "src/io/x.ts", "src/reports/x.ts"])
      expect((await problems(`${cwd}/${folder}`, code)).join("\n")).toMatch(/top layer|below/);
    expect(
      (
        await problems(
          `${cwd}/src/io/x.ts`,
          'import { collect } from "../collect/collect.js";\nexport const c = collect;\n',
        )
      ).join("\n"),
    ).toMatch(/below cli\/ and collect\//);
  });
  it("keeps the vocabulary free of our other modules", async () => {
    expect(
      (
        await problems(
          `${cwd}/src/vocab/x.ts`,
          'import { simulate } from "../sim/engine.js";\nexport const s = simulate;\n',
        )
      ).join("\n"),
    ).toMatch(/vocabulary imports nothing of ours/);
  });
});
