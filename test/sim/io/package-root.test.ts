import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT, PACKAGE_ROOT_URL } from "../../../sim/io/package-root.js";

describe("the package root", () => {
  it("is the folder of caplab's package.json, as a path and as a URL ending in /", async () => {
    const pkg = JSON.parse(await readFile(join(PACKAGE_ROOT, "package.json"), "utf8")) as {
      name: string;
    };
    expect(pkg.name).toBe("caplab");
    expect(PACKAGE_ROOT_URL.endsWith("/")).toBe(true);
    expect(fileURLToPath(new URL("package.json", PACKAGE_ROOT_URL))).toBe(
      join(PACKAGE_ROOT, "package.json"),
    );
  });
});
