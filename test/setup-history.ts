/**
 * Each test file records into a history of its own (under the run's temporary folder, which
 * test/global-setup.ts removes at the end): vitest runs two files at once (vitest.config.ts),
 * and two files' commands must not meet on one DuckDB file's lock.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

process.env.CAPLAB_HISTORY = join(mkdtempSync(join(tmpdir(), "caplab-history-")), "history.duckdb");
