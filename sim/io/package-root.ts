/**
 * Where caplab is installed: the folder holding its package.json. Compiled code runs one folder
 * deeper (dist/…) than its TypeScript source, so a path relative to `import.meta.url` cannot
 * reach the package root from both; this walks up from here to the first package.json instead.
 * For files that ship beside the code: package.json itself, the k6 scenarios.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

function findPackageRoot(from: string): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in any folder above ${from}`);
  }
}

/** The package root, a path. */
export const PACKAGE_ROOT: string = findPackageRoot(fileURLToPath(import.meta.url));

/** The package root as a file URL ending in "/", for `new URL("package.json", PACKAGE_ROOT_URL)`. */
export const PACKAGE_ROOT_URL: string = pathToFileURL(join(PACKAGE_ROOT, "/")).href;

let version: string | undefined;

/** caplab's version, from its package.json (read once). */
export function caplabVersion(): string {
  version ??= (
    JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  return version;
}
