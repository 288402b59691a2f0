/**
 * The end of a distributed run: the segments' k6 outputs merged into one `k6.json.gz`, and the
 * plan's thresholds judged on the merged points, as k6 would judge them on one machine
 * (`thresholds.json`).
 */
import { join } from "node:path";
import { thresholdsFor, type ScenarioPlan } from "../plan/k6-plan.js";
import {
  evaluateThresholds,
  renderThresholdResult,
  thresholdNeeds,
  type ThresholdResult,
} from "../plan/k6-thresholds.js";
import type { Io } from "../../sim/vocab/index.js";
import { writeJsonAtomic } from "../../analysis/io/files/output.js";
import { mergeK6Outputs, type MergeResult } from "./k6-merge.js";
import { plural } from "../../sim/vocab/numbers.js";

/**
 * Merges the gathered outputs into `out/k6.json.gz` and judges the plan's thresholds on the
 * merged aggregates; writes `out/thresholds.json` (also when there is nothing to judge, saying
 * why) and prints each failing threshold with its observed value.
 */
export async function mergeAndJudge(
  found: readonly { readonly file: string; readonly index: number }[],
  missingIndexes: readonly number[],
  plan: ScenarioPlan | null,
  out: string,
  io: Io,
): Promise<{ merged: MergeResult | null; verdicts: ThresholdResult[] | null }> {
  const thresholds = plan === null ? null : thresholdsFor(plan);
  const needs = thresholdNeeds(thresholds ?? {});
  let merged: MergeResult | null = null;
  if (found.length > 0) {
    io.err(`caplab: merging ${found.length} segment outputs into ${join(out, "k6.json.gz")}…\n`);
    merged = await mergeK6Outputs(
      found.map((f) => f.file),
      join(out, "k6.json.gz"),
      {
        metrics: needs.metrics,
        percentiles: [...new Set([90, 95, 99, ...needs.percentiles])].sort((a, b) => a - b),
        segmentTags: found.map((f) => String(f.index)),
      },
    );
    io.err(`caplab: ${merged.points} k6 points merged\n`);
  }
  let verdicts: ThresholdResult[] | null = null;
  if (thresholds !== null && merged !== null) {
    verdicts = evaluateThresholds(thresholds, merged.metrics);
    const bad = verdicts.filter((v) => !v.ok);
    for (const v of bad) io.err(`caplab: threshold ${renderThresholdResult(v)}\n`);
    const empty = verdicts.filter((v) => v.verdict !== "invalid" && v.samples === 0).length;
    const of =
      missingIndexes.length > 0
        ? ` of ${found.length} of ${plural(found.length + missingIndexes.length, "segment")}`
        : "";
    io.err(
      `caplab: thresholds on the merged points${of}: ${verdicts.length - bad.length} passed, ${bad.length} failed${empty > 0 ? ` (${empty} on metrics without samples, judged on 0 as k6 does)` : ""}; see thresholds.json\n`,
    );
  }
  await writeJsonAtomic(join(out, "thresholds.json"), {
    format: "caplab-thresholds/1",
    evaluated: verdicts !== null,
    ...(verdicts !== null
      ? {}
      : {
          reason:
            plan === null
              ? "the scenario is a script without a plan: caplab does not know its thresholds (pass --plan)"
              : "no segment output was gathered",
        }),
    on: "the merged raw points of every gathered segment",
    segmentsMerged: found.map((f) => f.index),
    segmentsMissing: missingIndexes,
    failed: verdicts?.filter((v) => !v.ok).length ?? 0,
    // {metric, expression, ok, …} per threshold: what `caplab report` and `caplab gate` read.
    thresholds: verdicts ?? [],
  });
  return { merged, verdicts };
}
