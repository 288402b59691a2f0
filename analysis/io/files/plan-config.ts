/** A plan's config: a file, or the embedded default plan (analysis/default-plan.ts). */
import { PlanConfigSchema, type PlanConfig } from "../../../sim/vocab/index.js";
import { UsageError } from "../../../sim/vocab/errors.js";
import { DEFAULT_PLAN_CONFIG } from "../../default-plan.js";
import { loadConfig } from "./config-file.js";

/**
 * The plan config at `path`, or with `useDefault` the embedded default plan, and the folder its
 * relative paths are read from (the file's, or `cwd`).
 * @throws UsageError when both or neither are given, or the file is not a plan config
 */
export async function readPlanConfig(
  path: string | undefined,
  useDefault: boolean,
  cwd: string,
): Promise<{ config: PlanConfig; baseDir: string }> {
  if (path && useDefault)
    throw new UsageError("give either a config file or --default, not both.", "bad-flag");
  if (path) return loadConfig(path, PlanConfigSchema);
  if (useDefault) return { config: PlanConfigSchema.parse(DEFAULT_PLAN_CONFIG), baseDir: cwd };
  throw new UsageError(
    "plan needs a config file, or --default for the embedded example (see caplab plan --help).",
    "missing-config",
  );
}
