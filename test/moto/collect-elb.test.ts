/**
 * The moto tier: `caplab collect` finds the load balancer through ELBv2 on an AWS we did not
 * write. moto holds an ALB with a target group whose health check and attributes are not ELB's
 * defaults, and an ECS service behind it that scales on CPU only (so no policy's ResourceLabel
 * names the load balancer); `collect` must take the ALB from DescribeTargetGroups, record the
 * target group's settings, and refuse to guess once a second ALB forwards to the same group.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApplicationAutoScalingClient,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBundleManifest } from "../../analysis/io/files/bundle.js";
import { UsageError } from "../../sim/vocab/errors.js";
import {
  collectFromMoto,
  MOTO,
  MOTO_SKIP_REASON,
  sdkConfig,
  startGapProxy,
  startMoto,
  warnIfSkipped,
  type GapProxy,
  type Moto,
} from "./moto.js";
import { createNetwork, createService, type LoadBalancer, type Network } from "./world.js";

warnIfSkipped("test/moto/collect-elb.test.ts");

const FROM = Date.UTC(2026, 10, 16);
const TO = FROM + 3_600_000;
const NOW = TO + 3_600_000;
const CLUSTER = "shop";
const SERVICE = "cart";
const RESOURCE = {
  ServiceNamespace: "ecs",
  ResourceId: `service/${CLUSTER}/${SERVICE}`,
  ScalableDimension: "ecs:service:DesiredCount",
} as const;

describe.skipIf(MOTO === null)(
  `caplab collect finds the ALB through ELBv2 on moto (${MOTO?.motoServer ?? MOTO_SKIP_REASON})`,
  () => {
    let moto: Moto;
    let proxy: GapProxy;
    let network: Network;
    let lb: LoadBalancer;

    beforeAll(async () => {
      moto = await startMoto(MOTO!);
      proxy = await startGapProxy(moto.url);
      const world = await createNetwork(moto.url, "shop");
      network = world.network;
      lb = world.lb;
      await createService(moto.url, network, lb, {
        cluster: CLUSTER,
        service: SERVICE,
        family: SERVICE,
        cpu: "1024",
        memory: "2048",
        architecture: "X86_64",
        desiredCount: 2,
      });
      const elb = new ElasticLoadBalancingV2Client(sdkConfig(moto.url));
      const aas = new ApplicationAutoScalingClient(sdkConfig(moto.url));
      const cw = new CloudWatchClient(sdkConfig(moto.url));
      try {
        // The target group's own settings, none of them ELB's defaults.
        await elb.send(
          new ModifyTargetGroupCommand({
            TargetGroupArn: lb.targetGroupArn,
            HealthCheckIntervalSeconds: 10,
            HealthCheckTimeoutSeconds: 4,
            HealthyThresholdCount: 3,
            UnhealthyThresholdCount: 2,
            HealthCheckPath: "/healthz",
            Matcher: { HttpCode: "200-299" },
          }),
        );
        await elb.send(
          new ModifyTargetGroupAttributesCommand({
            TargetGroupArn: lb.targetGroupArn,
            Attributes: [
              { Key: "deregistration_delay.timeout_seconds", Value: "45" },
              { Key: "slow_start.duration_seconds", Value: "60" },
              { Key: "load_balancing.algorithm.type", Value: "least_outstanding_requests" },
            ],
          }),
        );
        // CPU only: what npm start's pick applies.
        await aas.send(
          new RegisterScalableTargetCommand({ ...RESOURCE, MinCapacity: 2, MaxCapacity: 12 }),
        );
        await aas.send(
          new PutScalingPolicyCommand({
            ...RESOURCE,
            PolicyName: "cpu",
            PolicyType: "TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 50,
              PredefinedMetricSpecification: {
                PredefinedMetricType: "ECSServiceAverageCPUUtilization",
              },
              ScaleOutCooldown: 60,
              ScaleInCooldown: 300,
            },
          }),
        );
        // An hour of the target group's requests, so the bundle has a requests series.
        await cw.send(
          new PutMetricDataCommand({
            Namespace: "AWS/ApplicationELB",
            MetricData: Array.from({ length: 60 }, (_, minute) => ({
              MetricName: "RequestCount",
              Dimensions: [
                { Name: "TargetGroup", Value: lb.targetGroup },
                { Name: "LoadBalancer", Value: lb.loadBalancer },
              ],
              Timestamp: new Date(FROM + minute * 60_000),
              Value: 100 + minute,
            })),
          }),
        );
      } finally {
        elb.destroy();
        aas.destroy();
        cw.destroy();
      }
    }, 180_000);

    afterAll(async () => {
      await proxy?.close();
      await moto?.stop();
    });

    const collectTo = (out: string) =>
      collectFromMoto({
        endpointUrl: proxy.url,
        cluster: CLUSTER,
        service: SERVICE,
        fromMs: FROM,
        toMs: TO,
        nowMs: NOW,
        out,
      });

    it("takes the ALB from DescribeTargetGroups and records the target group's settings", async () => {
      const out = join(await mkdtemp(join(tmpdir(), "caplab-moto-elb-")), "bundle");
      const { code, io } = await collectTo(out);
      expect(code, io.text()).toBe(0);
      expect(io.stdout()).toContain(
        "Target group: health checks every 10 s, timeout 4 s, unhealthy after 2 failed checks, healthy after 3 passed, deregistration delay 45 s, slow start 60 s, least_outstanding_requests routing;",
      );
      const manifest = await readBundleManifest(out);
      expect(manifest.notes).toContain(
        `Found ${lb.loadBalancer} and ${lb.targetGroup}: target group from the service's loadBalancers; load balancer from the target group's LoadBalancerArns (ELBv2 DescribeTargetGroups).`,
      );
      expect(manifest.current?.platform).toEqual({
        healthCheckIntervalSeconds: 10,
        healthCheckTimeoutSeconds: 4,
        unhealthyThresholdCount: 2,
        healthyThresholdCount: 3,
        deregistrationDelaySeconds: 45,
        slowStartSeconds: 60,
        loadBalancingAlgorithm: "least_outstanding_requests",
      });
      // The requests series is the one put, under the ALB moto named.
      const requests = manifest.series.find((s) => s.id === "requests")!;
      expect(requests.dimensions).toContainEqual({ Name: "LoadBalancer", Value: lb.loadBalancer });
      const csv = await readFile(join(out, requests.file), "utf8");
      expect(csv.split("\n")[1]).toBe(`${new Date(FROM).toISOString()},100`);
      const service = JSON.parse(await readFile(join(out, "service.json"), "utf8")) as {
        targetGroup: Record<string, unknown>;
      };
      expect(service.targetGroup).toMatchObject({
        TargetGroupArn: lb.targetGroupArn,
        LoadBalancerArns: [lb.loadBalancerArn],
        HealthCheckPath: "/healthz",
        HealthCheckIntervalSeconds: 10,
        HealthCheckTimeoutSeconds: 4,
        HealthyThresholdCount: 3,
        UnhealthyThresholdCount: 2,
        Matcher: { HttpCode: "200-299" },
      });
      expect(proxy.forwarded["POST /"]).toBeGreaterThanOrEqual(2);
    }, 120_000);

    it("refuses to guess once a second ALB forwards to the same target group", async () => {
      const elb = new ElasticLoadBalancingV2Client(sdkConfig(moto.url));
      let second: string;
      try {
        const created = await elb.send(
          new CreateLoadBalancerCommand({
            Name: "shop-internal",
            Type: "application",
            Scheme: "internal",
            Subnets: [...network.subnets],
            SecurityGroups: [network.securityGroup],
          }),
        );
        second = created.LoadBalancers![0]!.LoadBalancerArn!;
        await elb.send(
          new CreateListenerCommand({
            LoadBalancerArn: second,
            Protocol: "HTTP",
            Port: 80,
            DefaultActions: [{ Type: "forward", TargetGroupArn: lb.targetGroupArn }],
          }),
        );
      } finally {
        elb.destroy();
      }
      const out = join(await mkdtemp(join(tmpdir(), "caplab-moto-elb-")), "bundle");
      const error = await collectTo(out).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      const secondDimension = second.slice(second.indexOf(":loadbalancer/") + 14);
      expect((error as Error).message).toBe(
        `target group ${lb.targetGroup} is attached to 2 load balancers (${lb.loadBalancer}, ${secondDimension}), so which one's traffic to collect is not guessed; pass --load-balancer with one of them.`,
      );
    }, 120_000);
  },
);
