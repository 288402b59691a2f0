import { readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

process.env.TZ = "UTC";

/**
 * Two projects that split every test file between them. `unit`: the tests of the pure folders
 * (sim/, analysis/, scenarios/plan/, reports/) and of the lint rules: no server, browser, child
 * process or worker thread (some read fixture files or write a temporary bundle). `integration`:
 * the rest: the edge folders' tests (io/), the commands (cli/), the fake AWS and S3 servers over
 * loopback, Chromium, child processes, worker threads, the k6 scripts and the real-k6 tier, and
 * any new test folder until it is placed. `npm test` runs both; `npm run test:unit` runs one.
 */
const PURE = /^test\/(sim|analysis|reports|scenarios\/plan|lint)\//;
const REACHES_OUT = [
  /\/io\//,
  /^test\/reports\/snippets\.test\.ts$/, // the AWS SDK over loopback, bash
  /^test\/analysis\/k6-ingest\.test\.ts$/, // worker threads (analysis/io/files/k6-stream.ts)
];

const root = fileURLToPath(new URL(".", import.meta.url));
const tests = readdirSync(`${root}test`, { recursive: true, encoding: "utf8" })
  .map((f) => `test/${f.replaceAll("\\", "/")}`)
  .filter((f) => f.endsWith(".test.ts"))
  .sort();
const unit = tests.filter((f) => PURE.test(f) && !REACHES_OUT.some((r) => r.test(f)));
const integration = tests.filter((f) => !unit.includes(f));

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    // Commands record into a history of each file's own, not into one shared by files at once;
    // fast-check takes FC_SEED when it is set (.ci/run sets it).
    setupFiles: ["test/setup-history.ts", "test/setup-fast-check.ts"],
    // Test files at once: vitest's default is one fewer than the cores, which on a 2-core
    // machine (CI's) is one file at a time, with the second core idle through every
    // single-threaded file. Each file runs in its own process (forks, isolated).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: { TZ: "UTC" },
    projects: [
      { extends: true, test: { name: "unit", include: unit } },
      { extends: true, test: { name: "integration", include: integration } },
    ],
  },
});
