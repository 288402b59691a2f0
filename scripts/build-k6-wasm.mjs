#!/usr/bin/env node
/**
 * Assembles analysis/k6-match.wat (the k6 scanner's SIMD byte comparison) with wabt and
 * writes its bytes, base64, into analysis/k6-match-wasm.ts, which is checked in (the build
 * needs no assembler). Run it after changing the .wat; test/analysis/k6-match.test.ts fails
 * while the two differ.
 *
 *   node scripts/build-k6-wasm.mjs
 */
import { Buffer } from "node:buffer";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import wabt from "wabt";

const wat = fileURLToPath(new URL("../analysis/k6-match.wat", import.meta.url));
const out = fileURLToPath(new URL("../analysis/k6-match-wasm.ts", import.meta.url));

/** The module's bytes, assembled from the text at `path`. */
export async function assembleK6Match(path = wat) {
  const module = (await wabt()).parseWat(path, readFileSync(path, "utf8"), { simd: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** The TypeScript file that holds `bytes`. */
export function k6MatchSource(bytes) {
  return `/**
 * The bytes of analysis/k6-match.wat, assembled by scripts/build-k6-wasm.mjs (wabt): do not
 * edit; change the .wat and run the script (test/analysis/k6-match.test.ts compares them).
 */
export const K6_MATCH_WASM =
  "${bytes.toString("base64")}";
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(out, k6MatchSource(await assembleK6Match()));
  console.log(`wrote ${out}`);
}
