#!/usr/bin/env node
/**
 * Bundles every scenario in scenarios/ into one JavaScript file each, for k6 versions that
 * cannot run TypeScript (before v0.57): dist/scenarios/<name>.js. k6's own modules stay
 * imports (`--external:k6 --external:k6/*`); the output is ESM for ES2017, which goja-based
 * k6 runs.
 *
 *   node scripts/build-scenarios.mjs [outdir]
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const source = join(root, "scenarios");
const outdir = process.argv[2] ?? join(root, "dist", "scenarios");
const entryPoints = readdirSync(source)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => join(source, f));

await build({
  entryPoints,
  outdir,
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2017",
  external: ["k6", "k6/*"],
  logLevel: "warning",
});
console.log(`bundled ${entryPoints.length} scenarios into ${outdir}`);
