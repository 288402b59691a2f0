/** Every warning comes from the one catalog, sim/vocab/warnings.ts (STYLE.md point 9). */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { warnings, type WarningCode } from "../../sim/vocab/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SOURCE_FOLDERS = ["sim", "analysis", "scenarios", "reports", "cli"];
const CATALOG = "sim/vocab/warnings.ts";

/** A warning built by hand: an object with a kebab-case `code` and a `message` (zod's "custom" issues aside). */
const HAND_MADE = /\bcode:\s*"(?!custom")[a-z0-9]+(?:-[a-z0-9]+)*",?\s*message:/;

function sources(): string[] {
  return SOURCE_FOLDERS.flatMap((folder) =>
    readdirSync(`${root}${folder}`, { recursive: true, encoding: "utf8" })
      .map((f) => `${folder}/${f.replaceAll("\\", "/")}`)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")),
  );
}

describe("the warnings catalog", () => {
  it("spots a warning built by hand", () => {
    expect(HAND_MADE.test('warn({ code: "gap-in-series", message: `x` });')).toBe(true);
    expect(HAND_MADE.test('warn({\n  code: "x-y",\n  message: "m",\n});')).toBe(true);
    expect(HAND_MADE.test('ctx.addIssue({ code: "custom", message: problem });')).toBe(false);
    expect(HAND_MADE.test("warn(warnings.gapInSeries(source, a, b));")).toBe(false);
  });

  it("is where every warning of the code base is made", () => {
    const files = sources();
    expect(files).toContain(CATALOG);
    const offenders = files.filter(
      (f) => f !== CATALOG && HAND_MADE.test(readFileSync(`${root}${f}`, "utf8")),
    );
    expect(offenders).toEqual([]);
  });

  it("gives each constructor a kebab-case code, the same on every call", () => {
    // One call each with arguments of the right kinds: names and reasons are strings, counts
    // and times numbers, lists arrays (read from each parameter's name in the catalog).
    const text = readFileSync(`${root}${CATALOG}`, "utf8");
    const codes = new Map<string, WarningCode>();
    for (const [name, make] of Object.entries(warnings)) {
      const params = new RegExp(`\\n  ${name}: \\(([^)]*)\\)`).exec(text)?.[1];
      expect(params, name).toBeDefined();
      const args = params!
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p !== "")
        .map((p) =>
          /readonly .*\[\]/.test(p) ? ["a", "b"] : /: number/.test(p) ? 2 : `${p.split(":")[0]}`,
        );
      const w = (make as (...a: unknown[]) => { code: WarningCode; message: string })(...args);
      expect(w.code, name).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(w.message.length, name).toBeGreaterThan(10);
      codes.set(name, w.code);
    }
    // Two constructors share a code only when they are the same kind of event.
    const byCode = new Map<string, string[]>();
    for (const [name, code] of codes) byCode.set(code, [...(byCode.get(code) ?? []), name]);
    const shared = [...byCode.values()].filter((names) => names.length > 1);
    expect(shared).toEqual([
      ["periodRaised", "subMinutePeriod"],
      ["windowEndsNow", "windowWidened"],
    ]);
  });
});
