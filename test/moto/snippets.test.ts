/**
 * The moto tier: the snippets a plan prints, pasted as a user would. `caplab plan --default`
 * writes snippets/aws-cli.sh; the real AWS CLI runs it against moto (AWS_ENDPOINT_URL), with
 * the ResourceLabel placeholder replaced as its comment asks; `caplab collect` then reads the
 * service back, and the scaling configuration it records must equal recommendation.json.
 * The same for every kind of policy and scheduled action (a custom metric, a step policy with
 * the alarm its comment describes, the task-definition hint), rendered by renderSnippets.
 *
 * CloudFormation: cfn-lint (installed with moto) checks the fragments against CloudFormation's
 * own resource schemas; moto's CloudFormation cannot create AWS::ApplicationAutoScaling::*
 * resources (its stack reaches CREATE_COMPLETE with nothing made), which the last test checks
 * and reports as a skip with that reason. Terraform: neither Terraform nor OpenTofu is
 * installable here (README, "Tested against").
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeTaskDefinitionCommand, ECSClient } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import {
  renderSnippets,
  RESOURCE_LABEL_PLACEHOLDER,
  type Snippets,
} from "../../reports/snippets.js";
import { BUSINESS_HOURS, memoryPolicy, stepOutPolicy } from "../fixtures/scaling/everything.js";
import { ScalingSchema } from "../../sim/vocab/config.js";
import { captureIo } from "../helpers/io.js";
import {
  awsEnv,
  CREDENTIALS,
  MOTO,
  MOTO_SKIP_REASON,
  REGION,
  sdkConfig,
  startGapProxy,
  startMoto,
  warnIfSkipped,
  type GapProxy,
  type Moto,
} from "./moto.js";
import { createNetwork, createService, type LoadBalancer } from "./world.js";

warnIfSkipped("test/moto/snippets.test.ts");

const CLUSTER = "example";

/** Every kind of policy and scheduled action the snippets write. */
const EVERYTHING = ScalingSchema.parse({
  MinCapacity: 1,
  MaxCapacity: 12,
  policies: [
    {
      PolicyName: "cpu",
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 55,
        PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
        ScaleOutCooldown: 60,
        ScaleInCooldown: 600,
      },
    },
    memoryPolicy({ DisableScaleIn: true }),
    stepOutPolicy({ Period: 60 }),
  ],
  scheduledActions: BUSINESS_HOURS,
});

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve) =>
    execFile(
      file,
      args,
      { env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : ((error as { code?: number }).code ?? -1),
          stdout,
          stderr,
        }),
    ),
  );
}

/** Runs a snippet with /bin/sh -e (stop at the first failing command), `aws` on PATH. */
async function paste(moto: Moto, script: string): Promise<Ran> {
  const dir = await mkdtemp(join(tmpdir(), "caplab-moto-paste-"));
  const path = join(dir, "snippet.sh");
  await writeFile(path, script);
  return run("/bin/sh", ["-e", path], {
    ...(await awsEnv(moto.url)),
    PATH: `${dirname(MOTO!.aws!)}:/usr/bin:/bin`,
  });
}

/**
 * The commented commands of a snippet (`# aws …` and its `#   …` continuation lines), as a
 * user would uncomment them, with `<…>` placeholders filled from `fill`.
 */
function commentedCommands(script: string, fill: Record<string, string>): string {
  const out: string[] = [];
  let inCommand = false;
  for (const line of script.split("\n")) {
    if (line.startsWith("# aws ")) inCommand = true;
    else if (!(inCommand && line.startsWith("#   "))) {
      inCommand = false;
      continue;
    }
    let text = line.slice(2);
    for (const [from, to] of Object.entries(fill)) text = text.split(from).join(to);
    out.push(text);
  }
  return `${out.join("\n")}\n`;
}

describe.skipIf(MOTO === null || MOTO.aws === null)(
  `the snippets, pasted against moto (${MOTO?.aws ?? (MOTO_SKIP_REASON || "no aws beside moto_server")})`,
  () => {
    let moto: Moto;
    let proxy: GapProxy;
    let lb: LoadBalancer;
    let work: string;
    /** `caplab plan --default`'s output folder. */
    let planDir: string;
    const saved = { ...process.env };

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), "caplab-moto-snippets-"));
      // The plan (on worker threads) while moto and the services come up.
      planDir = join(work, "plan");
      const planIo = captureIo();
      const planned = main(["plan", "--default", "--out", planDir, "--quiet"], planIo);
      moto = await startMoto(MOTO!);
      proxy = await startGapProxy(moto.url);
      const world = await createNetwork(moto.url, "web");
      lb = world.lb;
      for (const service of ["example-api", "example-web"])
        await createService(moto.url, world.network, lb, {
          cluster: CLUSTER,
          service,
          family: service,
          cpu: "256",
          memory: "512",
          architecture: "X86_64",
          desiredCount: 2,
        });
      // `caplab collect` below runs as a user's shell would: credentials from the environment.
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_CONFIG_FILE: join(work, "no-config"),
        AWS_SHARED_CREDENTIALS_FILE: join(work, "no-credentials"),
      });
      const code = await planned;
      if (code !== 0) throw new Error(`caplab plan --default exited ${code}: ${planIo.stderr()}`);
    }, 300_000);

    afterAll(async () => {
      process.env = saved;
      await proxy?.close();
      await moto?.stop();
    });

    /** `caplab collect` of one service of the cluster, through the gap proxy; the bundle's folder. */
    async function collectService(
      service: string,
      extra: string[] = [],
    ): Promise<{ dir: string; stderr: string }> {
      const dir = join(work, `collect-${service}`);
      const io = captureIo();
      const code = await main(
        [
          "collect",
          "--cluster",
          CLUSTER,
          "--service",
          service,
          "--from",
          "now-1h",
          "--to",
          "now",
          "--region",
          REGION,
          "--endpoint-url",
          proxy.url,
          "--out",
          dir,
          "--quiet",
          ...extra,
        ],
        io,
      );
      expect(io.stderr()).not.toMatch(/caplab: /);
      expect(code).toBe(0);
      return { dir, stderr: io.stderr() };
    }

    it("plan --default's aws-cli.sh, run with the AWS CLI, then caplab collect: the scaling configuration equals recommendation.json", async () => {
      const rec = JSON.parse(await readFile(join(planDir, "recommendation.json"), "utf8")) as {
        recommendation: {
          scalableTarget: Record<string, unknown>;
          targetTrackingScalingPolicyConfiguration: Record<string, unknown>[];
          scheduledActions: unknown[];
        };
      };
      const script = await readFile(join(planDir, "snippets", "aws-cli.sh"), "utf8");
      // The comment says to replace the placeholder with the load balancer's and target group's
      // ARN suffixes: done here as a user would.
      const label = `${lb.loadBalancer}/${lb.targetGroup}`;
      const pasted = await paste(moto, script.split(RESOURCE_LABEL_PLACEHOLDER).join(label));
      expect(pasted.stderr).toBe("");
      expect(pasted.code).toBe(0);

      // The load balancer, as a user names it when no policy's ResourceLabel does (the pick
      // may track CPU: ECS gives only the target group).
      const { dir } = await collectService("example-api", ["--load-balancer", lb.loadBalancer]);
      const fill = (c: Record<string, unknown>) =>
        JSON.parse(JSON.stringify(c).split(RESOURCE_LABEL_PLACEHOLDER).join(label)) as Record<
          string,
          unknown
        >;
      const expected = rec.recommendation.targetTrackingScalingPolicyConfiguration.map(fill);
      expect(expected.length).toBeGreaterThan(0);
      const scaling = JSON.parse(await readFile(join(dir, "scaling.json"), "utf8")) as {
        scalableTargets: Record<string, unknown>[];
        policies: { PolicyName: string; TargetTrackingScalingPolicyConfiguration: unknown }[];
        scheduledActions: unknown[];
      };
      // As Application Auto Scaling returns them (scaling.json) ...
      const t = scaling.scalableTargets[0]!;
      expect(scaling.scalableTargets).toHaveLength(1);
      expect(
        Object.fromEntries(Object.keys(rec.recommendation.scalableTarget).map((k) => [k, t[k]])),
      ).toEqual(rec.recommendation.scalableTarget);
      expect(scaling.policies.map((p) => p.TargetTrackingScalingPolicyConfiguration)).toEqual(
        expected,
      );
      expect(scaling.scheduledActions).toEqual(rec.recommendation.scheduledActions);
      // ... and in the simulate config's words (manifest.current), which plan reads as "current".
      const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as {
        current: { scaling: Record<string, unknown> };
      };
      expect(manifest.current.scaling).toEqual({
        MinCapacity: rec.recommendation.scalableTarget.MinCapacity,
        MaxCapacity: rec.recommendation.scalableTarget.MaxCapacity,
        policies: scaling.policies.map((p, i) => ({
          PolicyName: p.PolicyName,
          PolicyType: "TargetTrackingScaling",
          TargetTrackingScalingPolicyConfiguration: expected[i],
        })),
        scheduledActions: rec.recommendation.scheduledActions,
      });
    }, 300_000);

    it("every kind of policy and scheduled action, and the commented alarm and task-definition hints, with the AWS CLI; caplab collect reads them back", async () => {
      const snippets: Snippets = renderSnippets({
        task: { cpu: "1024", memory: "2048", architecture: "ARM64", capacityProvider: "FARGATE" },
        scaling: EVERYTHING,
        serviceName: "example-web",
        clusterName: CLUSTER,
      });
      const pasted = await paste(moto, snippets.awsCli);
      expect(pasted.stderr).toBe("");
      expect(pasted.code).toBe(0);

      // The hints: the step policy's alarm (with the PolicyARN put-scaling-policy printed) and
      // the task definition (with a family and a containers.json of the user's).
      const aas = new ApplicationAutoScalingClient(sdkConfig(moto.url));
      const cw = new CloudWatchClient(sdkConfig(moto.url));
      const ecs = new ECSClient(sdkConfig(moto.url));
      try {
        const step = (
          await aas.send(
            new DescribeScalingPoliciesCommand({
              ServiceNamespace: "ecs",
              ResourceId: `service/${CLUSTER}/example-web`,
              PolicyNames: ["step-out"],
            }),
          )
        ).ScalingPolicies![0]!;
        const hints = await paste(
          moto,
          `cd "${work}"\necho '[{"name":"web","image":"nginx","essential":true}]' > containers.json\n` +
            commentedCommands(snippets.awsCli, {
              "<PolicyARN printed by put-scaling-policy above>": step.PolicyARN!,
              "<family>": "example-web",
            }),
        );
        expect(hints.stderr).toBe("");
        expect(hints.code).toBe(0);
        const alarm = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["step-out-alarm"] })))
          .MetricAlarms![0]!;
        expect(alarm).toMatchObject({
          Namespace: "AWS/ECS",
          MetricName: "CPUUtilization",
          Dimensions: [
            { Name: "ClusterName", Value: CLUSTER },
            { Name: "ServiceName", Value: "example-web" },
          ],
          Statistic: "Average",
          Period: 60,
          EvaluationPeriods: 3,
          DatapointsToAlarm: 2,
          Threshold: 75,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
          AlarmActions: [step.PolicyARN],
        });
        const td = (
          await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "example-web" }))
        ).taskDefinition!;
        expect([td.cpu, td.memory, td.runtimePlatform?.cpuArchitecture]).toEqual([
          "1024",
          "2048",
          "ARM64",
        ]);
        expect(
          (
            await aas.send(
              new DescribeScalableTargetsCommand({
                ServiceNamespace: "ecs",
                ResourceIds: [`service/${CLUSTER}/example-web`],
              }),
            )
          ).ScalableTargets![0],
        ).toMatchObject(snippets.scalableTarget);
      } finally {
        aas.destroy();
        cw.destroy();
        ecs.destroy();
      }

      const { dir, stderr } = await collectService("example-web", [
        "--load-balancer",
        lb.loadBalancer,
      ]);
      const scaling = JSON.parse(await readFile(join(dir, "scaling.json"), "utf8")) as {
        policies: {
          PolicyName: string;
          TargetTrackingScalingPolicyConfiguration?: unknown;
          StepScalingPolicyConfiguration?: unknown;
        }[];
        scheduledActions: {
          ScheduledActionName: string;
          Schedule: string;
          ScalableTargetAction: unknown;
        }[];
      };
      // Every policy as the snippet put it, in its order.
      expect(
        scaling.policies.map(
          (p) => p.TargetTrackingScalingPolicyConfiguration ?? p.StepScalingPolicyConfiguration,
        ),
      ).toEqual(snippets.policyJson);
      expect(
        scaling.scheduledActions.map(({ ScheduledActionName, Schedule, ScalableTargetAction }) => ({
          ScheduledActionName,
          Schedule,
          ScalableTargetAction,
        })),
      ).toEqual([
        { ...EVERYTHING.scheduledActions[0] },
        { ...EVERYTHING.scheduledActions[1], ScheduledActionName: "scheduled-action-2" },
      ]);
      // manifest.current: the target-tracking policies and the scheduled actions; the step
      // policy is left out because moto does not link the alarm to it (see the README).
      expect(stderr).toContain('step-scaling policy "step-out" has no alarm that could be read');
      const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as {
        current: {
          task: unknown;
          scaling: {
            MinCapacity: number;
            MaxCapacity: number;
            policies: { TargetTrackingScalingPolicyConfiguration?: unknown }[];
            scheduledActions: unknown[];
          };
        };
      };
      expect(manifest.current.scaling.MinCapacity).toBe(EVERYTHING.MinCapacity);
      expect(manifest.current.scaling.MaxCapacity).toBe(EVERYTHING.MaxCapacity);
      expect(
        manifest.current.scaling.policies.map((p) => p.TargetTrackingScalingPolicyConfiguration),
      ).toEqual(snippets.policyJson.slice(0, 2));
      expect(manifest.current.scaling.scheduledActions).toHaveLength(2);
    }, 300_000);

    it("cloudformation.yaml passes cfn-lint (CloudFormation's resource schemas), for the plan and for every kind of policy", async (ctx) => {
      // cfn-lint comes with moto[server] (test/moto/requirements.txt).
      const cfnLint = join(dirname(MOTO!.motoServer), "cfn-lint");
      if (!existsSync(cfnLint)) ctx.skip(`no cfn-lint beside ${MOTO!.motoServer}`);
      const everything = renderSnippets({
        task: { cpu: "1024", memory: "2048", architecture: "ARM64", capacityProvider: "FARGATE" },
        scaling: EVERYTHING,
        serviceName: "example-web",
        clusterName: CLUSTER,
      });
      const files = [
        join(planDir, "snippets", "cloudformation.yaml"),
        join(work, "everything.yaml"),
        join(work, "misspelt.yaml"),
      ];
      await writeFile(files[1]!, everything.cloudformation);
      // And one with a misspelt property, to show that the check can fail.
      await writeFile(files[2]!, everything.cloudformation.replace("TargetValue:", "TargetValu:"));
      const linted = await run(cfnLint, ["--format", "parseable", ...files], {
        PATH: "/usr/bin:/bin",
      });
      expect(linted.stderr).toBe("");
      const findings = linted.stdout.trim().split("\n");
      for (const f of findings) expect(f.startsWith(`${files[2]}:`), f).toBe(true);
      expect(linted.stdout).toMatch(/E3002/);
    }, 120_000);

    it("cloudformation.yaml deployed to moto's CloudFormation creates the scalable target (or is skipped: moto cannot)", async (ctx) => {
      const template = join(work, "everything-stack.yaml");
      const snippets = renderSnippets({
        task: { cpu: "256", memory: "512", architecture: "X86_64", capacityProvider: "FARGATE" },
        scaling: ScalingSchema.parse({ ...EVERYTHING, policies: EVERYTHING.policies.slice(0, 2) }),
        serviceName: "example-cfn",
        clusterName: CLUSTER,
      });
      await writeFile(template, snippets.cloudformation);
      const created = await paste(
        moto,
        `aws cloudformation create-stack --stack-name caplab --template-body "file://${template}" >/dev/null\n` +
          `aws cloudformation describe-stacks --stack-name caplab --query 'Stacks[0].StackStatus' --output text\n`,
      );
      expect(created.stderr).toBe("");
      expect(created.stdout.trim()).toBe("CREATE_COMPLETE");
      const aas = new ApplicationAutoScalingClient(sdkConfig(moto.url));
      try {
        const targets =
          (
            await aas.send(
              new DescribeScalableTargetsCommand({
                ServiceNamespace: "ecs",
                ResourceIds: [`service/${CLUSTER}/example-cfn`],
              }),
            )
          ).ScalableTargets ?? [];
        if (targets.length === 0)
          ctx.skip(
            "moto's CloudFormation does not implement AWS::ApplicationAutoScaling::ScalableTarget or ::ScalingPolicy (the stack completes with nothing created)",
          );
        expect(targets[0]).toMatchObject(snippets.scalableTarget);
        const policies =
          (
            await aas.send(
              new DescribeScalingPoliciesCommand({
                ServiceNamespace: "ecs",
                ResourceId: `service/${CLUSTER}/example-cfn`,
              }),
            )
          ).ScalingPolicies ?? [];
        expect(policies.map((p) => p.TargetTrackingScalingPolicyConfiguration)).toEqual(
          snippets.policyJson,
        );
      } finally {
        aas.destroy();
      }
    }, 120_000);
  },
);
