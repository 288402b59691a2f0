/**
 * README's "Layout" draws the tree one line per folder: every folder of the repository (test/'s
 * own subfolders aside, which mirror the rest) has its line, and every line names a folder that
 * exists.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const repo = join(import.meta.dirname, "..", "..");

/**
 * Top-level names .gitignore leaves out (node_modules, dist/, …: a plain name, with or without
 * its trailing slash; a pattern such as `*.tmp` names no folder), and git's own folder.
 */
function ignored(): Set<string> {
  const lines = readFileSync(join(repo, ".gitignore"), "utf8").split("\n");
  const names = lines
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#") && !/[*?[!]/.test(l))
    .map((l) => l.replace(/\/$/, ""));
  return new Set([".git", ...names]);
}

/** Every folder below the repository root, as `a/b/`, test/'s subfolders left out. */
function folders(dir = repo, skip = ignored()): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    const rel = `${relative(repo, path)}/`;
    found.push(rel);
    if (rel !== "test/") found.push(...folders(path, new Set()));
  }
  return found;
}

describe("README Layout", () => {
  it("has one line for each folder, and no line for a folder that is not there", () => {
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Layout"));
    const start = section.indexOf("```\n") + 4;
    const block = section.slice(start, section.indexOf("\n```", start));
    const drawn = block
      .split("\n")
      .map((line) => line.split(/\s+/)[0]!)
      .filter((name) => name.endsWith("/"));
    expect(new Set(drawn).size).toBe(drawn.length);
    expect([...drawn].sort()).toEqual(folders().sort());
  });
});
