/**
 * Keeps the README honest: every `caplab …` command in its ```sh blocks that reads the bundled
 * samples (`../shared/data`) or what such a command wrote (`samples/`) runs, in README order,
 * through the CLI's `main`, and exits 0. Paths are the README's, run from the repository root:
 * `../shared/data` and `examples/` are resolved there, `samples/` in a temporary folder.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { captureIo } from "../helpers/io.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The `caplab` command lines of the README's sh blocks, continuations joined, comments cut. */
export function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const [, block] of markdown.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)) {
    const lines = block!.replace(/\s*\\\n\s*/g, " ").split("\n");
    for (const line of lines) {
      const text = line.replace(/\s+#.*$/, "").trim();
      if (text.startsWith("caplab ")) commands.push(text);
    }
  }
  return commands;
}

describe("README commands on the bundled samples", () => {
  it("finds the commands of an sh block, continuations joined and comments cut", () => {
    const md = "x\n```sh\ncaplab a b \\\n  --c d   # note\nls\n```\n```yaml\ncaplab no\n```\n";
    expect(readmeCommands(md)).toEqual(["caplab a b --c d"]);
  });

  it("runs every README command that uses ../shared/data or samples/, and each exits 0", async () => {
    const readme = await readFile(join(root, "README.md"), "utf8");
    const commands = readmeCommands(readme).filter((c) => /\.\.\/shared\/data|\bsamples\//.test(c));
    // The sample section alone has 14; fewer means the filter or the README lost them.
    expect(commands.length).toBeGreaterThanOrEqual(14);
    const dir = await mkdtemp(join(tmpdir(), "caplab-readme-"));
    const ran = new Set<string>();
    for (const command of commands) {
      expect(command, "a README sample command needs no shell quoting").not.toMatch(/['"$`|<>]/);
      const argv = command
        .split(/\s+/)
        .slice(1)
        .map((arg) =>
          arg.startsWith("../shared/data")
            ? join(root, arg)
            : arg.startsWith("samples/")
              ? join(dir, arg)
              : arg.startsWith("examples/")
                ? join(root, arg)
                : arg,
        );
      const io = captureIo();
      const code = await main(argv, io);
      expect(code, `${command}\n${io.stderr()}`).toBe(0);
      ran.add(argv[0]!);
    }
    expect([...ran].sort()).toEqual(["calibrate", "import", "report", "rightsize"]);
  }, 120_000);
});
