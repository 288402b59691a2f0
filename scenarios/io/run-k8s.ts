/**
 * `caplab run --segments N --on k8s`: a k6-operator `TestRun` (parallelism N) written into the
 * run folder, with the commands that apply it; caplab does not talk to the cluster.
 */
import { join } from "node:path";
import { stringify as toYaml } from "yaml";
import { ENV_VARS, executionSegments, requestSecretsSet } from "../plan/k6-plan.js";
import { writeFileAtomic, writeJsonAtomic } from "../../analysis/io/files/output.js";
import { writeRunManifest } from "../../analysis/io/files/run-bundle.js";
import type { RunJob, RunOutcome } from "./run.js";

/** Writes `DIR/testrun.yaml` and the manifest; prints how to apply them. */
export async function writeTestRun(job: RunJob): Promise<RunOutcome> {
  const { segments: n, name, plan, opts, runId, manifestBase, world, output } = job;
  const { io } = world;
  const configMap = `caplab-${name}`;
  const env: { name: string; value: string }[] = [{ name: ENV_VARS.target, value: opts.target }];
  const secrets = requestSecretsSet(world.env);
  if (secrets.length > 0)
    io.err(
      `caplab: ${secrets.join(", ")} ${secrets.length === 1 ? "is" : "are"} not written into testrun.yaml (anyone who can read the file or the TestRun would see ${secrets.length === 1 ? "it" : "them"}); put ${secrets.length === 1 ? "it" : "them"} in a Kubernetes Secret and add to spec.runner.env an entry per name with valueFrom.secretKeyRef.\n`,
    );
  if (plan !== null) env.push({ name: ENV_VARS.planJson, value: JSON.stringify(plan) });
  const testRun = {
    apiVersion: "k6.io/v1alpha1",
    kind: "TestRun",
    metadata: { name: runId },
    spec: {
      parallelism: n,
      script: { configMap: { name: configMap, file: `${name}.js` } },
      arguments: `--tag testid=${runId} --no-thresholds --out json=/tmp/k6.json.gz`,
      separate: false,
      runner: { env },
    },
  };
  const out = output.path;
  await output.write(async (dir) => {
    if (plan !== null) await writeJsonAtomic(join(dir, "plan.json"), plan);
    await writeFileAtomic(join(dir, "testrun.yaml"), toYaml(testRun));
    await writeRunManifest(join(dir, "manifest.json"), {
      ...manifestBase,
      runId,
      on: "k8s",
      createdAt: world.now().toISOString(),
      testRun: "testrun.yaml",
      segments: executionSegments(n).map((s) => s.segment),
    });
  });
  io.out(
    `Wrote ${join(out, "testrun.yaml")} (TestRun ${runId}, parallelism ${n}). Apply it with:\n` +
      `  kubectl create configmap ${configMap} --from-file=${name}.js=dist/scenarios/${name}.js\n` +
      `  kubectl apply -f ${join(out, "testrun.yaml")}\n`,
  );
  return { code: 0, bundle: null };
}
