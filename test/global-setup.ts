/** Every test's temporary files (and run history) go under one folder removed when the run ends. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "caplab-test-"));
  process.env.TMPDIR = dir;
  // Commands that record into the run history write there, not into the checkout.
  process.env.CAPLAB_HISTORY = join(dir, "history.duckdb");
  return () => rmSync(dir, { recursive: true, force: true });
}
