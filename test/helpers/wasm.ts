/**
 * The checked-in bytes of a WebAssembly module against its .wat assembled again by
 * scripts/assemble-wasm.mjs (wabt), for the tests of the k6 and ALB scanners.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const repo = fileURLToPath(new URL("../../", import.meta.url));

/** The module's .ts as checked in, and as scripts/assemble-wasm.mjs makes it from the .wat now. */
export async function wasmSources(
  key: "alb-scan" | "k6-match",
  ts: string,
): Promise<{ checkedIn: string; assembled: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["scripts/assemble-wasm.mjs", "--print", key],
    { cwd: repo },
  );
  return { checkedIn: await readFile(`${repo}${ts}`, "utf8"), assembled: stdout };
}
