/**
 * The moto tier: `caplab collect` against an AWS we did not write. moto holds an ECS Fargate
 * service behind an ALB target group, its Application Auto Scaling target with two
 * target-tracking policies, a step policy with its CloudWatch alarm and a scheduled action, and
 * a week of one-minute metric data put with PutMetricData: every series the collector asks
 * for (ALB, AWS/ECS, Container Insights for the service, and two tasks' per-task and
 * per-container series), the requests and CPU every minute, the others every 10 or 60 minutes.
 * The collector must return every series byte for byte as it was put, across 210
 * GetMetricData calls, and the configuration as it was set.
 *
 * moto 5.2.5's gaps (README, "Tested against") are filled by test/moto/moto.ts's proxy or
 * asserted here as such: percentiles come back empty, a step policy's alarm is not linked.
 */
import { readFile } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApplicationAutoScalingClient,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
  type StepScalingPolicyConfiguration,
  type TargetTrackingScalingPolicyConfiguration,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  type MetricDatum,
} from "@aws-sdk/client-cloudwatch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { MAX_WRITTEN_GAP_ROWS, readBundleManifest } from "../../analysis/io/files/bundle.js";
import { captureIo } from "../helpers/io.js";
import {
  collectFromMoto,
  CREDENTIALS,
  MOTO,
  REGION,
  isExtendedStat,
  sdkConfig,
  startGapProxy,
  startMoto,
  warnIfSkipped,
  MOTO_SKIP_REASON,
  type GapProxy,
  type Moto,
} from "./moto.js";
import { createNetwork, createService, type LoadBalancer } from "./world.js";

warnIfSkipped("test/moto/collect.test.ts");

const FROM = Date.UTC(2026, 10, 16); // a Monday
const MINUTES = 7 * 1440;
const TO = FROM + MINUTES * 60_000;
const NOW = TO + 3_600_000;
const CLUSTER = "prod";
const SERVICE = "api";
const RESOURCE = {
  ServiceNamespace: "ecs",
  ResourceId: `service/${CLUSTER}/${SERVICE}`,
  ScalableDimension: "ecs:service:DesiredCount",
} as const;

/** Two tasks with enhanced observability: 2 task + 3 container metrics × CpuUtilized, MemoryUtilized. */
const TASKS = [
  { id: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", containers: ["app", "log.router"] },
  { id: "9a8b7c6d5e4f30211203f4e5d6c7b8a9", containers: ["app"] },
];
const QUERIES = 26 + TASKS.length * 2 + 3 * 2;
/** 48 one-minute points per query per call: 210 calls for the week (the fastest on moto). */
const LIMITS = { maxQueries: 500, maxDatapoints: QUERIES * 48 };

interface Put {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: { Name: string; Value: string }[];
  /** Value by minute of the week; a minute without one was not put. */
  readonly values: Map<number, number>;
}

/** A value that is not round, different for every metric and minute. */
function valueAt(metric: number, minute: number): number {
  return (minute % 1440) / 7 + metric * 0.1 + ((minute * 7919) % 13) / 1000 + 0.000123;
}

/**
 * Minutes between the datapoints put: 1 (but a few gaps) for the target group's RequestCount
 * and AWS/ECS CPUUtilization, 10 for RequestCountPerTarget, TargetResponseTime and
 * MemoryUtilization, 60 for the rest. (moto's GetMetricData scans every datapoint of the window
 * for every period of every query, and PutMetricData takes about 0.2 ms a datum: a week of
 * every series at every minute would take minutes.)
 */
function spacingMinutes(m: { metricName: string; dimensions: { Name: string }[] }): number {
  if (m.metricName === "CPUUtilization") return 1;
  if (m.metricName === "RequestCount" && m.dimensions.some((d) => d.Name === "TargetGroup"))
    return 1;
  if (["RequestCountPerTarget", "TargetResponseTime", "MemoryUtilization"].includes(m.metricName))
    return 10;
  return 60;
}

/**
 * What AWS publishes for an ECS service behind an ALB, written out here from AWS's pages rather
 * than taken from the collector's catalog (analysis/io/aws/metrics.ts), so that a name or a
 * dimension the catalog misread would not come back as it was put:
 * - "CloudWatch metrics for your Application Load Balancer": RequestCount by LoadBalancer and
 *   by TargetGroup + LoadBalancer, RequestCountPerTarget by TargetGroup, TargetResponseTime,
 *   HTTPCode_Target_5XX_Count, HealthyHostCount and UnHealthyHostCount by TargetGroup +
 *   LoadBalancer, HTTPCode_ELB_5XX_Count, ActiveConnectionCount and NewConnectionCount by
 *   LoadBalancer;
 * - "Amazon ECS CloudWatch metrics": CPUUtilization and MemoryUtilization by ClusterName +
 *   ServiceName;
 * - "Amazon ECS Container Insights metrics": by ClusterName + ServiceName, and with enhanced
 *   observability CpuUtilized and MemoryUtilized by ClusterName + TaskDefinitionFamily +
 *   TaskId (+ ContainerName).
 * Dimensions are put in the order those pages list them (TargetGroup before LoadBalancer):
 * moto 5.2.5 matches a query's dimensions to a metric's only in the same order (its
 * Dimension.__lt__ is broken, so its sort does not sort), where CloudWatch matches the set.
 */
function plannedData(lb: LoadBalancer): Put[] {
  const lbDim = [{ Name: "LoadBalancer", Value: lb.loadBalancer }];
  const tgDim = [{ Name: "TargetGroup", Value: lb.targetGroup }];
  const service = [
    { Name: "ClusterName", Value: CLUSTER },
    { Name: "ServiceName", Value: SERVICE },
  ];
  const alb = "AWS/ApplicationELB";
  const ci = "ECS/ContainerInsights";
  const metrics: Omit<Put, "values">[] = [
    ...[
      "RequestCount",
      "HTTPCode_ELB_5XX_Count",
      "ActiveConnectionCount",
      "NewConnectionCount",
    ].map((metricName) => ({ namespace: alb, metricName, dimensions: lbDim })),
    { namespace: alb, metricName: "RequestCountPerTarget", dimensions: tgDim },
    ...[
      "RequestCount",
      "TargetResponseTime",
      "HTTPCode_Target_5XX_Count",
      "HealthyHostCount",
      "UnHealthyHostCount",
    ].map((metricName) => ({ namespace: alb, metricName, dimensions: [...tgDim, ...lbDim] })),
    ...["CPUUtilization", "MemoryUtilization"].map((metricName) => ({
      namespace: "AWS/ECS",
      metricName,
      dimensions: service,
    })),
    ...[
      "CpuUtilized",
      "CpuReserved",
      "MemoryUtilized",
      "MemoryReserved",
      "RunningTaskCount",
      "DesiredTaskCount",
      "PendingTaskCount",
      "NetworkRxBytes",
      "NetworkTxBytes",
    ].map((metricName) => ({ namespace: ci, metricName, dimensions: service })),
  ];
  for (const t of TASKS) {
    const base = [
      { Name: "ClusterName", Value: CLUSTER },
      { Name: "TaskDefinitionFamily", Value: SERVICE },
      { Name: "TaskId", Value: t.id },
    ];
    for (const metricName of ["CpuUtilized", "MemoryUtilized"]) {
      metrics.push({ namespace: "ECS/ContainerInsights", metricName, dimensions: base });
      for (const c of t.containers)
        metrics.push({
          namespace: "ECS/ContainerInsights",
          metricName,
          dimensions: [...base, { Name: "ContainerName", Value: c }],
        });
    }
  }
  return metrics.map((m, i) => {
    const values = new Map<number, number>();
    const every = spacingMinutes(m);
    for (let minute = 0; minute < MINUTES; minute++) {
      const put = every === 1 ? (minute + 11 * i) % 97 !== 0 : minute % every === (7 * i) % every;
      if (put) values.set(minute, valueAt(i, minute));
    }
    return { ...m, values };
  });
}

async function putAll(cw: CloudWatchClient, data: readonly Put[]): Promise<number> {
  const datums: { namespace: string; datum: MetricDatum }[] = [];
  for (const p of data)
    for (const [minute, value] of p.values)
      datums.push({
        namespace: p.namespace,
        datum: {
          MetricName: p.metricName,
          Dimensions: p.dimensions,
          Timestamp: new Date(FROM + minute * 60_000),
          Value: value,
        },
      });
  // PutMetricData takes one namespace and at most 1,000 datums per call.
  let calls = 0;
  for (const ns of new Set(datums.map((d) => d.namespace))) {
    const mine = datums.filter((d) => d.namespace === ns).map((d) => d.datum);
    for (let i = 0; i < mine.length; i += 1000) {
      await cw.send(
        new PutMetricDataCommand({ Namespace: ns, MetricData: mine.slice(i, i + 1000) }),
      );
      calls++;
    }
  }
  return calls;
}

/** A metric's identity: namespace, name and its dimensions in any order. */
function metricKey(m: {
  namespace?: string;
  metricName: string;
  dimensions?: readonly { Name: string; Value: string }[];
}): string {
  const dims = [...(m.dimensions ?? [])].map((d) => `${d.Name}=${d.Value}`).sort();
  return `${m.namespace}|${m.metricName}|${dims.join(",")}`;
}

/**
 * The CSV `caplab collect` must write for what was put: every minute, empty where nothing was,
 * except a run of more than MAX_WRITTEN_GAP_ROWS empty minutes, which is no rows at all.
 */
function expectedCsv(values: ReadonlyMap<number, number> | null): string {
  const rows = ["time,value"];
  let empty: string[] = [];
  const flush = (): void => {
    if (empty.length <= MAX_WRITTEN_GAP_ROWS) rows.push(...empty);
    empty = [];
  };
  for (let minute = 0; minute < MINUTES; minute++) {
    const v = values?.get(minute);
    const time = new Date(FROM + minute * 60_000).toISOString();
    if (v === undefined) empty.push(`${time},`);
    else {
      flush();
      rows.push(`${time},${String(v)}`);
    }
  }
  flush();
  return `${rows.join("\n")}\n`;
}

const REQUEST_POLICY = (lb: LoadBalancer): TargetTrackingScalingPolicyConfiguration => ({
  TargetValue: 1000,
  PredefinedMetricSpecification: {
    PredefinedMetricType: "ALBRequestCountPerTarget",
    ResourceLabel: `${lb.loadBalancer}/${lb.targetGroup}`,
  },
  ScaleOutCooldown: 60,
  ScaleInCooldown: 300,
});
const CPU_POLICY: TargetTrackingScalingPolicyConfiguration = {
  TargetValue: 60,
  PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
  ScaleOutCooldown: 120,
  ScaleInCooldown: 600,
  DisableScaleIn: true,
};
const STEP_POLICY: StepScalingPolicyConfiguration = {
  AdjustmentType: "ChangeInCapacity",
  StepAdjustments: [
    { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 },
    { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
  ],
  Cooldown: 120,
  MetricAggregationType: "Average",
};

describe.skipIf(MOTO === null)(
  `caplab collect against moto (${MOTO?.motoServer ?? MOTO_SKIP_REASON})`,
  () => {
    let moto: Moto;
    let proxy: GapProxy;
    let lb: LoadBalancer;
    let data: Put[];
    let putCalls = 0;

    beforeAll(async () => {
      moto = await startMoto(MOTO!);
      proxy = await startGapProxy(moto.url);
      const world = await createNetwork(moto.url, "web");
      lb = world.lb;
      await createService(moto.url, world.network, lb, {
        cluster: CLUSTER,
        service: SERVICE,
        family: SERVICE,
        cpu: "512",
        memory: "1024",
        architecture: "ARM64",
        desiredCount: 3,
      });
      const aas = new ApplicationAutoScalingClient(sdkConfig(moto.url));
      const cw = new CloudWatchClient(sdkConfig(moto.url));
      try {
        await aas.send(
          new RegisterScalableTargetCommand({ ...RESOURCE, MinCapacity: 2, MaxCapacity: 20 }),
        );
        await aas.send(
          new PutScalingPolicyCommand({
            ...RESOURCE,
            PolicyName: "requests",
            PolicyType: "TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration: REQUEST_POLICY(lb),
          }),
        );
        await aas.send(
          new PutScalingPolicyCommand({
            ...RESOURCE,
            PolicyName: "cpu",
            PolicyType: "TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration: CPU_POLICY,
          }),
        );
        const step = await aas.send(
          new PutScalingPolicyCommand({
            ...RESOURCE,
            PolicyName: "step-out",
            PolicyType: "StepScaling",
            StepScalingPolicyConfiguration: STEP_POLICY,
          }),
        );
        // Step scaling: the alarm is ours to create, with the policy as its action.
        await cw.send(
          new PutMetricAlarmCommand({
            AlarmName: "api-cpu-high",
            Namespace: "AWS/ECS",
            MetricName: "CPUUtilization",
            Dimensions: [
              { Name: "ClusterName", Value: CLUSTER },
              { Name: "ServiceName", Value: SERVICE },
            ],
            Statistic: "Average",
            Period: 60,
            EvaluationPeriods: 3,
            DatapointsToAlarm: 2,
            Threshold: 75,
            ComparisonOperator: "GreaterThanOrEqualToThreshold",
            AlarmActions: [step.PolicyARN!],
          }),
        );
        await aas.send(
          new PutScheduledActionCommand({
            ...RESOURCE,
            ScheduledActionName: "business-hours",
            Schedule: "cron(0 8 ? * MON-FRI *)",
            ScalableTargetAction: { MinCapacity: 6 },
          }),
        );
        data = plannedData(lb);
        putCalls = await putAll(cw, data);
      } finally {
        aas.destroy();
        cw.destroy();
      }
    }, 180_000);

    afterAll(async () => {
      await proxy?.close();
      await moto?.stop();
    });

    it("returns every series byte for byte as it was put, across 210 GetMetricData calls, and the configuration as it was set", async () => {
      expect(putCalls).toBeGreaterThan(25);
      const out = join(await mkdtemp(join(tmpdir(), "caplab-moto-")), "bundle");
      const { code, io } = await collectFromMoto({
        endpointUrl: proxy.url,
        cluster: CLUSTER,
        service: SERVICE,
        fromMs: FROM,
        toMs: TO,
        nowMs: NOW,
        out,
        limits: LIMITS,
      });
      expect(io.stderr()).not.toMatch(/AWS kept failing/);
      expect(code).toBe(0);
      expect(io.stdout()).toContain(`Wrote ${out}: ${QUERIES} series over 7.00 days at 60-s steps`);
      expect(io.stdout()).toContain("GetMetricData: 210 calls for 210 chunks.");

      // Every series: the file is exactly what was put (percentiles: nothing, moto cannot).
      const manifest = await readBundleManifest(out);
      expect(manifest.series).toHaveLength(QUERIES);
      const byKey = new Map(data.map((p) => [metricKey(p), p]));
      let compared = 0;
      let points = 0;
      for (const s of manifest.series) {
        const put = byKey.get(metricKey({ ...s, metricName: s.metricName ?? "" }));
        expect(put, s.id).toBeDefined();
        const text = await readFile(join(out, s.file), "utf8");
        if (isExtendedStat(s.stat ?? "Average")) {
          expect(text, s.id).toBe(expectedCsv(null));
          continue;
        }
        expect(text, s.id).toBe(expectedCsv(put!.values));
        compared++;
        points += put!.values.size;
      }
      expect(compared).toBe(QUERIES - 3);
      // ... and every metric put was asked for.
      expect(
        new Set(manifest.series.map((x) => metricKey({ ...x, metricName: x.metricName ?? "" }))),
      ).toEqual(new Set(byKey.keys()));
      // Two series every minute of the week (but their gaps), and every other one.
      expect(points).toBeGreaterThan(2 * 9_900);
      // Which gaps the proxy filled: DescribeScalingActivities, and the percentiles of every call.
      expect(
        proxy.filled.filter((f) => f.target.endsWith("DescribeScalingActivities")),
      ).toHaveLength(1);
      expect(proxy.filled.filter((f) => f.detail === "p50,p95,p99")).toHaveLength(210);

      // The per-task series were found with ListMetrics, by moto's dimension filter, its pages
      // followed: moto lists a metric once per datapoint (5 metrics × 168 = 840 entries, 500 a
      // page), where CloudWatch lists it once.
      expect(proxy.forwarded["GraniteServiceVersion20100801.ListMetrics"]).toBe(2);
      expect(manifest.series.map((s) => s.id).filter((id) => id.startsWith("container."))).toEqual([
        "container.0f1e2d3c4b5a69788796a5b4c3d2e1f0.app.CpuUtilized.Average",
        "container.0f1e2d3c4b5a69788796a5b4c3d2e1f0.app.MemoryUtilized.Average",
        "container.0f1e2d3c4b5a69788796a5b4c3d2e1f0.log_router.CpuUtilized.Average",
        "container.0f1e2d3c4b5a69788796a5b4c3d2e1f0.log_router.MemoryUtilized.Average",
        "container.9a8b7c6d5e4f30211203f4e5d6c7b8a9.app.CpuUtilized.Average",
        "container.9a8b7c6d5e4f30211203f4e5d6c7b8a9.app.MemoryUtilized.Average",
      ]);

      // The configuration: the task size as registered, the target, both target-tracking
      // policies and the scheduled action as set. The step policy is left out with a warning:
      // moto does not list the alarm that invokes it (see the README).
      expect(manifest.current).toEqual({
        task: { cpu: "512", memory: "1024", architecture: "ARM64", capacityProvider: "FARGATE" },
        scaling: {
          MinCapacity: 2,
          MaxCapacity: 20,
          policies: [
            {
              PolicyName: "requests",
              PolicyType: "TargetTrackingScaling",
              TargetTrackingScalingPolicyConfiguration: {
                ...REQUEST_POLICY(lb),
                DisableScaleIn: false,
              },
            },
            {
              PolicyName: "cpu",
              PolicyType: "TargetTrackingScaling",
              TargetTrackingScalingPolicyConfiguration: CPU_POLICY,
            },
          ],
          scheduledActions: [
            {
              ScheduledActionName: "business-hours",
              Schedule: "cron(0 8 ? * MON-FRI *)",
              ScalableTargetAction: { MinCapacity: 6 },
            },
          ],
        },
        // DescribeServices' deploymentController as moto returns it; moto keeps no
        // deploymentConfiguration, so ECS's defaults stand (issue #16).
        deployment: {
          controller: "ECS",
          strategy: "rolling",
          minimumHealthyPercent: 100,
          maximumPercent: 200,
        },
        // The target group as network.py created it: ELB's defaults (API_TargetGroupAttribute).
        platform: {
          healthCheckIntervalSeconds: 30,
          healthCheckTimeoutSeconds: 5,
          unhealthyThresholdCount: 2,
          healthyThresholdCount: 5,
          deregistrationDelaySeconds: 300,
          slowStartSeconds: 0,
          loadBalancingAlgorithm: "round_robin",
        },
      });
      expect(io.stderr()).toContain(
        'step-scaling policy "step-out" has no alarm that could be read',
      );
      const scaling = JSON.parse(await readFile(join(out, "scaling.json"), "utf8")) as {
        policies: {
          PolicyName: string;
          StepScalingPolicyConfiguration?: unknown;
          Alarms?: unknown[];
        }[];
        activities: unknown[];
      };
      const step = scaling.policies.find((p) => p.PolicyName === "step-out")!;
      expect(step.StepScalingPolicyConfiguration).toEqual(STEP_POLICY);
      expect(step.Alarms).toEqual([]);
      expect(scaling.activities).toEqual([]);
      const service = JSON.parse(await readFile(join(out, "service.json"), "utf8")) as {
        service: { loadBalancers: { targetGroupArn: string }[] };
        serviceRevisions: unknown[];
      };
      expect(service.service.loadBalancers[0]!.targetGroupArn).toBe(lb.targetGroupArn);
      // moto's services have no currentServiceRevisions, so DescribeServiceRevisions is not called.
      expect(service.serviceRevisions).toEqual([]);
      expect(manifest.notes.join("\n")).toContain(
        `Found ${lb.loadBalancer} and ${lb.targetGroup}: target group from the service's loadBalancers; load balancer from the ResourceLabel of policy "requests".`,
      );
    }, 300_000);

    it("a service or a cluster moto does not have is a usage error (exit 2)", async () => {
      const out = join(await mkdtemp(join(tmpdir(), "caplab-moto-")), "none");
      const args = (cluster: string, service: string) => [
        "collect",
        "--cluster",
        cluster,
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
        out,
        "--quiet",
      ];
      const saved = { ...process.env };
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_MAX_ATTEMPTS: "1",
      });
      try {
        const noService = captureIo();
        expect(await main(args(CLUSTER, "nope"), noService)).toBe(2);
        expect(noService.stderr()).toMatch(
          /ECS service "nope" was not found in cluster "prod" \(MISSING\)/,
        );
        const noCluster = captureIo();
        expect(await main(args("nowhere", SERVICE), noCluster)).toBe(2);
        expect(noCluster.stderr()).toMatch(/the ECS cluster was not found/);
      } finally {
        process.env = saved;
      }
    }, 120_000);
  },
);
