/**
 * CSV formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with
 * `=`, `+`, `-`, `@`, tab or carriage return as a formula. caplab's CSV files hold numbers,
 * times and caplab's own names only (no string from a log, a k6 output or AWS), so none needs
 * neutralizing; this pins it on real outputs, so a column that one day carries outside text
 * fails here first.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { captureIo, cliContext } from "../helpers/io.js";
import { tinyPlanYaml } from "./tiny-plan.js";

/** Cells a spreadsheet would take as a formula: a leading = + @ tab CR, or - not of a number. */
function formulaCells(csv: string): string[] {
  const rows = parse(csv) as string[][];
  return rows
    .flat()
    .filter((c) => /^[=+@\t\r]/.test(c) || (c.startsWith("-") && !Number.isFinite(Number(c))));
}

describe("caplab's CSV files", () => {
  it("hold no cell a spreadsheet would run: plan's candidates.csv, simulate's timeline.csv", async () => {
    const dir = await mkdtemp(join(tmpdir(), "caplab-csv-"));
    const ctx = cliContext(captureIo(), {
      cwd: dir,
      env: { ...process.env, CAPLAB_HISTORY: join(dir, "history.duckdb") },
    });
    const config = join(dir, "plan.yaml");
    await writeFile(config, tinyPlanYaml("{ topK: 1, maxChecked: 1 }"));
    expect(await main(["plan", config, "--out", join(dir, "plan")], ctx)).toBe(0);
    const simulate = fileURLToPath(new URL("../../examples/simulate-nasa.yaml", import.meta.url));
    expect(await main(["simulate", simulate, "--out", join(dir, "sim")], ctx)).toBe(0);
    for (const file of [join(dir, "plan", "candidates.csv"), join(dir, "sim", "timeline.csv")]) {
      const csv = await readFile(file, "utf8");
      expect(csv.split("\n").length).toBeGreaterThan(2);
      expect({ file, cells: formulaCells(csv) }).toEqual({ file, cells: [] });
    }
  });
});
