/**
 * `caplab --help` and every command's help: wrapped to the terminal's width at word boundaries,
 * with a description, defaults and examples, and the top level's "Start here" block.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { helpWidth, renderExamples, wrapCommand, wrapText } from "../../cli/help.js";
import { captureIo } from "../helpers/io.js";

/** The help `caplab ...args --help` prints on a terminal `columns` wide. */
async function help(args: readonly string[], columns: number): Promise<string> {
  const io = captureIo();
  expect(await main([...args, "--help"], { io, columns })).toBe(0);
  return io.stdout();
}

/** Every command path: [], ["plan"], …, ["history", "list"], ["history", "export"]. */
async function commandPaths(): Promise<string[][]> {
  const listed = async (args: string[]) => {
    const text = await help(args, 120);
    const section = text.slice(text.indexOf("\nCommands:\n") + 11).split("\n\n")[0]!;
    return [...section.matchAll(/^ {2}([a-z]+)\b/gm)]
      .map((m) => m[1]!)
      .filter((name) => name !== "help");
  };
  const paths: string[][] = [[]];
  for (const name of await listed([])) {
    paths.push([name]);
    if (name === "history") for (const sub of await listed([name])) paths.push([name, sub]);
  }
  return paths;
}

/** The words of a help text, without the continuation backslashes and comment marks wrapping adds. */
const words = (text: string): string[] =>
  text.split(/\s+/).filter((w) => w !== "" && w !== "\\" && w !== "#");

describe("help text", () => {
  let paths: string[][] = [];
  beforeAll(async () => {
    paths = await commandPaths();
  });

  it("covers every command", () => {
    expect(paths.map((p) => p.join(" "))).toEqual(
      expect.arrayContaining(["plan", "run", "rightsize", "backtest", "schema", "history export"]),
    );
    expect(paths.length).toBeGreaterThanOrEqual(15);
  });

  it.each([60, 120])(
    "is wrapped to %i columns at word boundaries: no line is longer, no word is split",
    async (columns) => {
      for (const path of paths) {
        const text = await help(path, columns);
        const long = text.split("\n").filter((l) => l.length > columns);
        expect(long, `caplab ${path.join(" ")} --help`).toEqual([]);
        // The same words in the same order as on a terminal of another width: nothing split,
        // nothing lost.
        const other = await help(path, columns === 60 ? 120 : 60);
        expect(words(text), `caplab ${path.join(" ")} --help`).toEqual(words(other));
      }
    },
  );

  it("gives every command a description and examples, and shows defaults", async () => {
    for (const path of paths.slice(1)) {
      const text = await help(path, 100);
      const [usage, description] = text.split("\n\n");
      expect(usage, path.join(" ")).toMatch(/^Usage: caplab /);
      expect(description!.length, `caplab ${path.join(" ")}: description`).toBeGreaterThan(60);
      const examples = text.slice(text.indexOf("\nExamples:\n"));
      expect(text, `caplab ${path.join(" ")}: examples`).toContain("\nExamples:\n");
      expect(examples).toMatch(new RegExp(`\\n  caplab ${path[0]}\\b`));
    }
    const rightsize = await help(["rightsize"], 100);
    expect(rightsize).toMatch(
      /--headroom <percent>\s+headroom over the usage percentiles, percent\s+\(default 20\)/,
    );
    expect(rightsize).toMatch(/--slo-p95 <ms>\s+p95 SLO, ms \(default: --config's, else\s+300\)/);
    const backtest = await help(["backtest"], 100);
    expect(backtest).toMatch(/--out <dir>\s+folder for backtest\.json \(default: the bundle\)/);
    expect(backtest).toMatch(/default: the bundle's\s+recorded\s+configuration/);
    expect(await help(["plan"], 100)).toMatch(
      /--out <dir>\s+output folder \(default: "caplab-out\/plan"\)/,
    );
  });

  it("tells a new user where to start: the embedded plan, their own traffic, their own service", async () => {
    const text = await help([], 100);
    const start = text.slice(text.indexOf("Start here:"));
    expect(start).toMatch(/1\. The embedded example[^]*\n +caplab plan --default\n/);
    expect(start).toMatch(/2\. Your own traffic[^]*\n +caplab import \.\/alb-logs --format alb/);
    expect(start).toMatch(/3\. Your own service on ECS[^]*\n +caplab collect --cluster prod/);
    // The same block when caplab is run without arguments.
    const io = captureIo();
    expect(await main([], { io, columns: 100 })).toBe(0);
    expect(io.stdout()).toContain(start);
  });

  it("--version prints the package's version", async () => {
    const { version } = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const io = captureIo();
      expect(await main([flag], { io })).toBe(0);
      expect(io.stdout()).toBe(`${version}\n`);
    }
  });
});

describe("wrapping", () => {
  it("wraps text at spaces, keeps line breaks and the hanging indent of list items", () => {
    expect(wrapText("aaa bbb ccc ddd", 7)).toBe("aaa bbb\nccc ddd");
    expect(wrapText("  - one two three four", 12)).toBe("  - one two\n    three\n    four");
    expect(wrapText("  2. one two three", 12)).toBe("  2. one two\n     three");
    expect(wrapText("a\n\nb", 5)).toBe("a\n\nb");
    // A word longer than the line stands alone and whole.
    expect(wrapText("a averyveryverylongword b", 8)).toBe("a\naveryveryverylongword\nb");
  });

  it("continues a long command with backslashes, a flag beside its value", () => {
    const wrapped = wrapCommand("caplab run spike --target https://alb --segments 3 --on ecs", 30);
    expect(wrapped).toBe(
      ["  caplab run spike \\", "    --target https://alb \\", "    --segments 3 --on ecs"].join(
        "\n",
      ),
    );
    for (const line of wrapped.split("\n")) expect(line.length).toBeLessThanOrEqual(30);
    // Joined back as a shell would, it is the same command.
    expect(wrapped.replace(/ \\\n +/g, " ").trim()).toBe(
      "caplab run spike --target https://alb --segments 3 --on ecs",
    );
  });

  it("puts each example's note above it as a comment", () => {
    expect(renderExamples([{ note: "a b c d", command: "caplab x" }], 10)).toBe(
      "\nExamples:\n  # a b c\n  # d\n  caplab x\n",
    );
  });

  it("lays help out for the terminal's width, within 40 and 120 columns; 80 when not a terminal", () => {
    expect(helpWidth(undefined)).toBe(80);
    expect(helpWidth(100)).toBe(100);
    expect(helpWidth(20)).toBe(40);
    expect(helpWidth(300)).toBe(120);
  });
});
