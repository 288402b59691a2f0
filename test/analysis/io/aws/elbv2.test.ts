/**
 * The target group through ELBv2 (mocked by command): which load balancer `collect` reads
 * metrics for when neither --load-balancer nor an ALBRequestCountPerTarget policy names it,
 * and the target group's settings recorded for the simulator.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCollectCommand } from "../../../../cli/collect-command.js";
import { main } from "../../../../cli/main.js";
import { collect, type CollectResult } from "../../../../analysis/io/aws/collect.js";
import { toTargetGroupSettings } from "../../../../analysis/io/aws/elbv2.js";
import { readBundleManifest } from "../../../../analysis/io/files/bundle.js";
import type { RetryOptions } from "../../../../analysis/io/aws/retry.js";
import { UsageError } from "../../../../sim/vocab/errors.js";
import type { Warning } from "../../../../sim/vocab/index.js";
import {
  ACCOUNT,
  ACTIVITIES,
  CPU_POLICY,
  LB,
  LB_ARN,
  SCALABLE_TARGET,
  SERVICE,
  TARGET_GROUP,
  TARGET_GROUP_PLATFORM,
  TG,
  TG_ARN,
} from "./fixtures.js";
import { clients, mockAws, TEST_CLIENT_CONFIG } from "./mock-aws.js";
import { captureIo, cliContext } from "../../../helpers/io.js";

const FROM = Date.UTC(2026, 10, 20);
const NOW = Date.UTC(2026, 10, 28);
const noWait: RetryOptions = {
  maxAttempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 1,
  sleep: async () => {},
};
const OTHER_LB = "app/other-alb/0123456789abcdef";
const OTHER_LB_ARN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/${OTHER_LB}`;

function denied(action: string): Error {
  return Object.assign(new Error(`User is not authorized to perform: ${action}`), {
    name: "AccessDenied",
    $fault: "client",
    $metadata: { httpStatusCode: 403 },
  });
}

let aws: ReturnType<typeof mockAws>;
beforeEach(() => {
  aws = mockAws();
  // A service that scales on CPU only: no ResourceLabel names its load balancer.
  aws.aas.reset();
  aws.aas.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [SCALABLE_TARGET] });
  aws.aas.on(DescribeScalingPoliciesCommand).resolves({ ScalingPolicies: [CPU_POLICY] });
  aws.aas.on(DescribeScheduledActionsCommand).resolves({ ScheduledActions: [] });
  aws.aas.on(DescribeScalingActivitiesCommand).resolves({ ScalingActivities: ACTIVITIES });
});
afterEach(() => aws.restore());

async function collectHere(given: { loadBalancer?: string; targetGroup?: string } = {}): Promise<{
  result: CollectResult;
  out: string;
  warnings: Warning[];
}> {
  const out = join(await mkdtemp(join(tmpdir(), "caplab-elb-")), "bundle");
  const warnings: Warning[] = [];
  const result = await collect(
    {
      cluster: "prod",
      service: "api",
      fromMs: FROM,
      toMs: FROM + 3_600_000,
      periodSeconds: 60,
      out,
      where: "us-east-1",
      ...given,
    },
    {
      ...clients(),
      caplabVersion: "test",
      now: () => NOW,
      retry: noWait,
      warn: (w) => warnings.push(w),
    },
  );
  return { result, out, warnings };
}

/** The ALB dimension of every series that has one. */
function loadBalancersRead(result: CollectResult): string[] {
  return [
    ...new Set(
      result.manifest.series.flatMap((s) =>
        s.dimensions.filter((d) => d.Name === "LoadBalancer").map((d) => d.Value),
      ),
    ),
  ];
}

describe("collect finds the load balancer through ELBv2", () => {
  it("one load balancer: takes it from DescribeTargetGroups, says so, and records the target group's settings", async () => {
    const { result, out, warnings } = await collectHere();
    expect(loadBalancersRead(result)).toEqual([LB]);
    expect(result.manifest.notes).toContain(
      `Found ${LB} and ${TG}: target group from the service's loadBalancers; load balancer from the target group's LoadBalancerArns (ELBv2 DescribeTargetGroups).`,
    );
    expect(aws.elb.commandCalls(DescribeTargetGroupsCommand)[0]!.args[0].input).toEqual({
      TargetGroupArns: [TG_ARN],
    });
    expect(aws.elb.commandCalls(DescribeTargetGroupAttributesCommand)[0]!.args[0].input).toEqual({
      TargetGroupArn: TG_ARN,
    });
    const manifest = await readBundleManifest(out);
    expect(manifest.current?.platform).toEqual(TARGET_GROUP_PLATFORM);
    const service = JSON.parse(await readFile(join(out, "service.json"), "utf8")) as {
      targetGroup: Record<string, unknown>;
    };
    expect(service.targetGroup).toMatchObject({
      TargetGroupArn: TG_ARN,
      LoadBalancerArns: [LB_ARN],
      HealthCheckPath: "/healthz",
      HealthCheckIntervalSeconds: 10,
      HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: 3,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: "200-299" },
    });
    expect(warnings.map((w) => w.code)).not.toContain("target-group-unreadable");
  });

  it("takes the service's health-check grace period and maximumPercent beside the target group's", async () => {
    aws.ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          ...SERVICE,
          healthCheckGracePeriodSeconds: 90,
          deploymentConfiguration: { maximumPercent: 150, minimumHealthyPercent: 100 },
        },
      ],
      failures: [],
    });
    const { out } = await collectHere();
    const manifest = await readBundleManifest(out);
    expect(manifest.current?.platform).toEqual({
      ...TARGET_GROUP_PLATFORM,
      healthCheckGracePeriodSeconds: 90,
      maximumPercent: 150,
    });
  });

  it("several load balancers: picks none, names them, and asks for --load-balancer", async () => {
    aws.elb
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [{ ...TARGET_GROUP, LoadBalancerArns: [LB_ARN, OTHER_LB_ARN] }] });
    const error = await collectHere().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      `target group ${TG} is attached to 2 load balancers (${LB}, ${OTHER_LB}), so which one's traffic to collect is not guessed; pass --load-balancer with one of them.`,
    );
    expect(
      aws.cw.calls().filter((c) => c.args[0].constructor.name === "GetMetricDataCommand"),
    ).toHaveLength(0);
  });

  it("no load balancer: says the target group is attached to none", async () => {
    aws.elb
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [{ ...TARGET_GROUP, LoadBalancerArns: [] }] });
    await expect(collectHere()).rejects.toThrow(
      new UsageError(
        `target group ${TG} is attached to no load balancer (DescribeTargetGroups lists none), so it has no ALB metrics; attach it to a listener's rule, or pass --load-balancer app/NAME/ID (the last part of the ALB's ARN).`,
        "no-load-balancer",
      ),
    );
  });

  it("AccessDenied on DescribeTargetGroups: one sentence naming the IAM action and --load-balancer, exit 2, no stack", async () => {
    aws.elb
      .on(DescribeTargetGroupsCommand)
      .rejects(denied("elasticloadbalancing:DescribeTargetGroups"));
    const io = captureIo();
    const dir = await mkdtemp(join(tmpdir(), "caplab-elb-"));
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: TEST_CLIENT_CONFIG.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CLIENT_CONFIG.credentials.secretAccessKey,
      AWS_REGION: "us-east-1",
    });
    let code: number;
    try {
      code = await main(
        [
          "collect",
          ...["--cluster", "prod", "--service", "api", "--from", "now-1h", "--to", "now"],
          ...["--out", join(dir, "b"), "--quiet"],
        ],
        io,
      );
    } finally {
      process.env = saved;
    }
    expect(code).toBe(2);
    expect(io.stderr()).toBe(
      `caplab: AWS refused elasticloadbalancing:DescribeTargetGroups (AccessDenied), so the load balancer of target group ${TG} cannot be found; allow that action (examples/iam/collect-policy.json) or pass --load-balancer app/NAME/ID (the last part of the ALB's ARN).\n`,
    );
    expect(io.stderr()).not.toMatch(/\n\s+at /);
  });

  it("attributes denied: keeps the simulator's defaults for them, with one warning", async () => {
    aws.elb
      .on(DescribeTargetGroupAttributesCommand)
      .rejects(denied("elasticloadbalancing:DescribeTargetGroupAttributes"));
    const { result, out, warnings } = await collectHere();
    expect(loadBalancersRead(result)).toEqual([LB]);
    const unreadable = warnings.filter((w) => w.code === "target-group-unreadable");
    expect(unreadable.map((w) => w.message)).toEqual([
      "ELBv2 DescribeTargetGroupAttributes failed (AccessDenied), so its deregistration delay, slow start and routing algorithm keep the simulator's defaults; allow elasticloadbalancing:DescribeTargetGroupAttributes (examples/iam/collect-policy.json).",
    ]);
    const manifest = await readBundleManifest(out);
    expect(manifest.current?.platform).toEqual({
      healthCheckIntervalSeconds: 10,
      healthCheckTimeoutSeconds: 4,
      unhealthyThresholdCount: 2,
      healthyThresholdCount: 3,
    });
    const service = JSON.parse(await readFile(join(out, "service.json"), "utf8")) as {
      targetGroup: { Attributes: unknown };
    };
    expect(service.targetGroup.Attributes).toBeNull();
  });

  it("--load-balancer wins over the target group's own list, which is still read for its settings", async () => {
    aws.elb
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [{ ...TARGET_GROUP, LoadBalancerArns: [LB_ARN, OTHER_LB_ARN] }] });
    const { result, out } = await collectHere({ loadBalancer: OTHER_LB_ARN });
    expect(loadBalancersRead(result)).toEqual([OTHER_LB]);
    expect(result.manifest.notes.join("\n")).toContain("load balancer from --load-balancer");
    expect((await readBundleManifest(out)).current?.platform).toEqual(TARGET_GROUP_PLATFORM);
  });

  it("--load-balancer given and DescribeTargetGroups denied: collects, with the defaults and one warning", async () => {
    aws.elb
      .on(DescribeTargetGroupsCommand)
      .rejects(denied("elasticloadbalancing:DescribeTargetGroups"));
    const { result, out, warnings } = await collectHere({ loadBalancer: LB });
    expect(loadBalancersRead(result)).toEqual([LB]);
    expect(warnings.filter((w) => w.code === "target-group-unreadable")).toHaveLength(1);
    expect((await readBundleManifest(out)).current?.platform).toBeUndefined();
    expect(aws.elb.commandCalls(DescribeTargetGroupAttributesCommand)).toHaveLength(0);
    const service = JSON.parse(await readFile(join(out, "service.json"), "utf8")) as {
      targetGroup: unknown;
    };
    expect(service.targetGroup).toBeNull();
  });

  it("--target-group as a dimension: DescribeTargetGroups by name, keeping the one whose ARN ends with it", async () => {
    aws.elb.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [
        { ...TARGET_GROUP, TargetGroupArn: TG_ARN.replace("943f017f100becff", "0000000000000000") },
        TARGET_GROUP,
      ],
    });
    const { result } = await collectHere({ targetGroup: TG });
    expect(aws.elb.commandCalls(DescribeTargetGroupsCommand)[0]!.args[0].input).toEqual({
      Names: ["api-tg"],
    });
    expect(loadBalancersRead(result)).toEqual([LB]);
  });

  it("a target group ELB does not have is a usage error naming --region and --target-group", async () => {
    aws.elb.on(DescribeTargetGroupsCommand).rejects(
      Object.assign(new Error("One or more target groups not found"), {
        name: "TargetGroupNotFoundException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(collectHere()).rejects.toThrow(/check --region and --target-group/);
  });

  it("runCollectCommand prints nothing of the credentials when ELBv2 refuses", async () => {
    aws.elb
      .on(DescribeTargetGroupsCommand)
      .rejects(denied("elasticloadbalancing:DescribeTargetGroups"));
    const dir = await mkdtemp(join(tmpdir(), "caplab-elb-"));
    const run = runCollectCommand(
      { cluster: "prod", service: "api", from: "now-1h", to: "now", out: join(dir, "b") },
      cliContext(captureIo()),
      { clientConfig: TEST_CLIENT_CONFIG, retry: noWait, now: () => NOW },
    );
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.not.toThrow(/test-secret|AKIDTEST/);
  });
});

describe("toTargetGroupSettings", () => {
  const settings = (
    group: Partial<typeof TARGET_GROUP>,
    attributes: { Key: string; Value: string }[] | null,
  ) => {
    const warnings: Warning[] = [];
    const value = toTargetGroupSettings({ ...TARGET_GROUP, ...group }, attributes, (w) =>
      warnings.push(w),
    );
    return { value, warnings: warnings.map((w) => w.message) };
  };

  it("takes ELB's words for the seven parameters (API_TargetGroup, API_TargetGroupAttribute)", () => {
    expect(
      settings({ HealthCheckIntervalSeconds: 30 }, [
        { Key: "deregistration_delay.timeout_seconds", Value: "300" },
        { Key: "slow_start.duration_seconds", Value: "0" },
        { Key: "load_balancing.algorithm.type", Value: "round_robin" },
      ]),
    ).toEqual({
      value: {
        healthCheckIntervalSeconds: 30,
        healthCheckTimeoutSeconds: 4,
        unhealthyThresholdCount: 2,
        healthyThresholdCount: 3,
        deregistrationDelaySeconds: 300,
        slowStartSeconds: 0,
        loadBalancingAlgorithm: "round_robin",
      },
      warnings: [],
    });
  });

  it("weighted_random is simulated as round_robin, and says so", () => {
    const r = settings({}, [{ Key: "load_balancing.algorithm.type", Value: "weighted_random" }]);
    expect(r.value.loadBalancingAlgorithm).toBe("round_robin");
    expect(r.warnings).toEqual([
      "target group api-tg routes with weighted_random, which is simulated as round_robin; it is kept in service.json.",
    ]);
  });

  it("leaves out, with a warning, a value outside ELB's ranges; nothing for attributes not read", () => {
    const r = settings(
      {
        HealthCheckIntervalSeconds: 2,
        HealthCheckTimeoutSeconds: 1,
        UnhealthyThresholdCount: 11,
        HealthyThresholdCount: 1,
      },
      [
        { Key: "deregistration_delay.timeout_seconds", Value: "7200" },
        { Key: "slow_start.duration_seconds", Value: "10" },
        { Key: "load_balancing.algorithm.type", Value: "fastest" },
      ],
    );
    expect(r.value).toEqual({});
    expect(r.warnings).toHaveLength(7);
    expect(
      settings(
        {
          HealthCheckIntervalSeconds: undefined,
          HealthCheckTimeoutSeconds: undefined,
          UnhealthyThresholdCount: undefined,
          HealthyThresholdCount: undefined,
        },
        null,
      ),
    ).toEqual({
      value: {},
      warnings: [],
    });
  });
});
