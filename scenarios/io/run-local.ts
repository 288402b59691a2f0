/**
 * A load test on this machine:
 *
 *   k6 run --out json=DIR/k6.json.gz --summary-export DIR/summary.json SCRIPT
 *     (CAPLAB_TARGET and the plan through the environment; k6's progress passed through;
 *      Ctrl-C tells k6 once to stop, and it writes its outputs)
 *     ──[--collect: wait, then the server side into DIR/server]──▶ DIR/manifest.json
 *
 * The bundle is filled in a fresh temporary folder and swapped in when k6 is done, whatever
 * its exit code; a k6 that wrote no results at all (a script that did not load, invalid
 * options) leaves `--out` as it was.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ENV_VARS } from "../plan/k6-plan.js";
import { explainK6Exit } from "../plan/k6-exit.js";
import { awsTimeoutsOf } from "../../analysis/io/aws/aws-client.js";
import { writeJsonAtomic } from "../../analysis/io/files/output.js";
import { redactK6OutputsIn } from "../../analysis/io/files/k6-redact-files.js";
import { writeRunManifest } from "../../analysis/io/files/run-bundle.js";
import { findK6, k6Version, runProcess } from "./k6-process.js";
import { collectServerSide } from "./server-side.js";
import type { RunJob, RunOutcome } from "./run.js";

/** k6 ended without writing any result: there is no run to keep. */
class NoK6Results extends Error {
  constructor(readonly exitCode: number) {
    super(`k6 exited ${exitCode} without writing results`);
    this.name = "NoK6Results";
  }
}

/** Runs k6 on `script` into `output`; the bundle is worth recording unless k6 wrote nothing. */
export async function runLocal(job: RunJob): Promise<RunOutcome> {
  const { script, plan, opts, runId, manifestBase, world, output } = job;
  const { io } = world;
  const k6 = findK6(world.env);
  const version = await k6Version(k6, world.env, io);
  const out = output.path;
  let code: number | null;
  try {
    code = await output.write(
      async (dir, signal) => {
        if (plan !== null) await writeJsonAtomic(join(dir, "plan.json"), plan);
        const args = [
          "run",
          "--out",
          `json=${join(dir, "k6.json.gz")}`,
          "--summary-export",
          join(dir, "summary.json"),
          "--tag",
          `testid=${runId}`,
          script,
        ];
        const env = {
          ...world.env,
          [ENV_VARS.target]: opts.target,
          [ENV_VARS.summary]: join(dir, "caplab-summary.json"),
          ...(plan === null ? {} : { [ENV_VARS.plan]: join(dir, "plan.json") }),
        };
        // Stopped before k6 started: nothing to keep.
        if (signal.aborted) throw signal.reason;
        const startedAt = world.now();
        io.err(`caplab: k6 ${version ?? "(unknown version)"} run ${script} → ${out}\n`);
        const { code } = await runProcess(k6, args, env, io, true, signal);
        const endedAt = world.now();
        io.err(`caplab: ${explainK6Exit(code)}\n`);
        if (!existsSync(join(dir, "k6.json.gz")) && !existsSync(join(dir, "summary.json")))
          throw new NoK6Results(code ?? 1);
        const serverSide = await collectServerSide(
          opts.collect,
          startedAt,
          endedAt,
          dir,
          world,
          signal,
          awsTimeoutsOf(opts),
        );
        await writeRunManifest(join(dir, "manifest.json"), {
          ...manifestBase,
          runId,
          on: "local",
          k6Version: version,
          startedAt: startedAt.toISOString(),
          endedAt: endedAt.toISOString(),
          k6ExitCode: code,
          k6Exit: explainK6Exit(code),
          ...(signal.aborted ? { interrupted: true } : {}),
          files: {
            k6Json: "k6.json.gz",
            summaryExport: "summary.json",
            caplabSummary: "caplab-summary.json",
            ...serverSide.files,
          },
          serverSide: serverSide.record,
        });
        // The kept copies of k6's output without URL credentials (the run is judged later, on them).
        await redactK6OutputsIn(dir);
        return code;
      },
      { interrupt: "finish" },
    );
  } catch (error) {
    if (!(error instanceof NoK6Results)) throw error;
    io.err(
      `caplab: k6 wrote no results, so there is no run bundle; ${opts.out} was left as it was.\n`,
    );
    return { code: error.exitCode, bundle: null };
  }
  return { code: code ?? 1, bundle: out };
}
