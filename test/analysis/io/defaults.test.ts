/** The edges take their defaults from sim/vocab/defaults.ts (pinned in test/sim/vocab/defaults.test.ts). */
import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../../sim/vocab/index.js";
import { RETRY_DEFAULTS } from "../../../analysis/io/aws/retry.js";
import {
  AWS_CONNECT_TIMEOUT_SECONDS,
  AWS_MAX_ATTEMPTS,
  AWS_REQUEST_TIMEOUT_SECONDS,
} from "../../../analysis/io/aws/aws-client.js";
import { DEFAULT_MAX_TASKS } from "../../../analysis/io/aws/task-metrics.js";
import {
  DEFAULT_IMPORT_STEP_SECONDS,
  SPARSE_QUIET_SECONDS,
} from "../../../analysis/io/import/import.js";
import {
  DEFAULT_HISTORY_PATH,
  HISTORY_LOCK_TIMEOUT_SECONDS,
} from "../../../analysis/io/history/history-db.js";

describe("the edges' defaults", () => {
  it("are the values the edges use", () => {
    expect(RETRY_DEFAULTS).toEqual(DEFAULTS.retry);
    expect([AWS_CONNECT_TIMEOUT_SECONDS, AWS_REQUEST_TIMEOUT_SECONDS, AWS_MAX_ATTEMPTS]).toEqual([
      DEFAULTS.awsCalls.connectTimeoutSeconds,
      DEFAULTS.awsCalls.requestTimeoutSeconds,
      DEFAULTS.awsCalls.maxAttempts,
    ]);
    expect(DEFAULT_HISTORY_PATH).toBe(DEFAULTS.history.path);
    expect(HISTORY_LOCK_TIMEOUT_SECONDS).toBe(DEFAULTS.history.lockTimeoutSeconds);
    expect(DEFAULT_MAX_TASKS).toBe(DEFAULTS.collect.maxTasks);
    expect(DEFAULT_IMPORT_STEP_SECONDS).toBe(DEFAULTS.import.stepSeconds);
    expect(SPARSE_QUIET_SECONDS).toBe(DEFAULTS.import.sparseQuietSeconds);
  });
});
