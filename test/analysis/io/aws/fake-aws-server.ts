/**
 * A local stand-in for CloudWatch (AWS JSON 1.0, awsQuery-compatible errors), ECS and
 * Application Auto Scaling (AWS JSON 1.1) and ELBv2 (the AWS Query protocol: a form-encoded
 * request, an XML answer) on 127.0.0.1, for the real SDK clients.
 * GetMetricData answers with deterministic synthetic data (a function of the metric and the
 * time, with a few gaps), pages it with NextToken, throttles every `throttleEvery`-th call,
 * marks one page PartialData, and can start failing for good after `failAfterPages` pages.
 * ListMetrics lists the `tasks`' Container Insights metrics (enhanced observability), a few
 * per page, filtered by the request's Namespace, MetricName and Dimensions as CloudWatch does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  ApplicationAutoScalingClient,
  type ScalingPolicy,
} from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { ECSClient, type ServiceRevision } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { AddressInfo } from "node:net";
import {
  ACTIVITIES,
  POLICIES,
  SCALABLE_TARGET,
  SCHEDULED_ACTIONS,
  SERVICE,
  SERVICE_REVISION,
  STEP_ALARM,
  TARGET_GROUP,
  TARGET_GROUP_ATTRIBUTES,
  TASK_DEFINITION,
} from "./fixtures.js";

export interface FakeAwsOptions {
  /** Points per query per page. @default 250 */
  pageSize?: number;
  /** Every n-th GetMetricData request is throttled (0 = never). @default 0 */
  throttleEvery?: number;
  /** The n-th successful GetMetricData page (1-based) carries StatusCode PartialData. */
  partialDataOnPage?: number;
  /** After this many successful pages every GetMetricData answers 500 InternalFailure. */
  failAfterPages?: number;
  /** Tasks with enhanced-observability metrics (none: enhanced observability off). */
  tasks?: readonly FakeTask[];
  /** Metrics per ListMetrics page. @default 3 */
  listPageSize?: number;
  /** The service revision DescribeServiceRevisions returns. @default SERVICE_REVISION (60 s) */
  revision?: ServiceRevision;
  /**
   * Metrics (by MetricName) published every 20 s; a query with a Period under 60 s gets one
   * datapoint a minute for any other metric, as CloudWatch does for standard resolution.
   * @default none
   */
  highResolution?: readonly string[];
  /**
   * ELBv2: the first `throttle` DescribeTargetGroups calls answer Throttling (400); `malformed`
   * makes every DescribeTargetGroups answer a 200 whose XML is cut off.
   */
  elb?: { readonly throttle?: number; readonly malformed?: boolean };
  /** The scaling policies DescribeScalingPolicies lists (in two pages). @default POLICIES */
  policies?: readonly ScalingPolicy[];
}

export interface FakeTask {
  readonly cluster: string;
  readonly family: string;
  readonly taskId: string;
  readonly containers: readonly string[];
}

interface FakeMetric {
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
}

/** Every Container Insights metric the tasks have, plus a service-level one per cluster. */
export function fakeTaskMetrics(tasks: readonly FakeTask[]): FakeMetric[] {
  const metrics: FakeMetric[] = [];
  for (const t of tasks) {
    const base = [
      { Name: "ClusterName", Value: t.cluster },
      { Name: "TaskDefinitionFamily", Value: t.family },
      { Name: "TaskId", Value: t.taskId },
    ];
    for (const MetricName of ["CpuUtilized", "MemoryUtilized"]) {
      metrics.push({ Namespace: "ECS/ContainerInsights", MetricName, Dimensions: base });
      for (const c of t.containers)
        metrics.push({
          Namespace: "ECS/ContainerInsights",
          MetricName,
          Dimensions: [...base, { Name: "ContainerName", Value: c }],
        });
    }
    metrics.push({
      Namespace: "ECS/ContainerInsights",
      MetricName: "CpuUtilized",
      Dimensions: [
        { Name: "ClusterName", Value: t.cluster },
        { Name: "ServiceName", Value: "api" },
      ],
    });
  }
  return metrics;
}

export interface FakeAws {
  readonly url: string;
  readonly options: FakeAwsOptions;
  readonly stats: { requests: Record<string, number>; pages: number; throttled: number };
  close(): Promise<void>;
}

interface Query {
  Id: string;
  MetricStat: {
    Metric: { MetricName: string; Dimensions?: { Name: string; Value: string }[] };
    Period: number;
    Stat: string;
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** The synthetic value of a metric at a time, or null for a gap. */
export function syntheticValue(key: string, tSeconds: number): number | null {
  const minute = Math.floor(tSeconds / 60);
  if ((minute + (hash(key) % 7)) % 131 === 0) return null;
  return (hash(key) % 100) + (minute % 1440) / 4 + ((minute * 7919) % 13);
}

/** The synthetic value of a 20-s metric: the minute's value plus which third of it (0, 1, 2). */
export function syntheticValue20(key: string, tSeconds: number): number | null {
  const v = syntheticValue(key, tSeconds);
  return v === null ? null : v + Math.floor((tSeconds % 60) / 20);
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  json: unknown,
  version: "1.0" | "1.1",
  extra: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": `application/x-amz-json-${version}`, ...extra });
  res.end(JSON.stringify(json));
}

/** A value in the AWS Query protocol's XML: lists as `member` elements, structures as elements. */
function xml(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => `<member>${xml(v)}</member>`).join("");
  if (value !== null && typeof value === "object")
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${xml(v)}</${k}>`)
      .join("");
  return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

const ELB_NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

function sendXml(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { "content-type": "text/xml" });
  res.end(text);
}

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const stats = { requests: {} as Record<string, number>, pages: 0, throttled: 0 };
  let gmdRequests = 0;

  function getMetricData(input: {
    StartTime: number;
    EndTime: number;
    NextToken?: string;
    MetricDataQueries: Query[];
  }): { status: number; json: unknown; headers?: Record<string, string> } {
    gmdRequests++;
    const every = options.throttleEvery ?? 0;
    if (every > 0 && gmdRequests % every === 0) {
      stats.throttled++;
      return {
        status: 400,
        json: { __type: "Throttling", message: "Rate exceeded" },
        headers: { "x-amzn-query-error": "Throttling;Sender" },
      };
    }
    if (options.failAfterPages !== undefined && stats.pages >= options.failAfterPages) {
      return {
        status: 500,
        json: { __type: "InternalFailure", message: "The server is on fire" },
        headers: { "x-amzn-query-error": "InternalFailure;Receiver" },
      };
    }
    const pageSize = options.pageSize ?? 250;
    const offset = input.NextToken
      ? Number(Buffer.from(input.NextToken, "base64").toString("utf8"))
      : 0;
    let more = false;
    stats.pages++;
    const partial = stats.pages === options.partialDataOnPage;
    const results = input.MetricDataQueries.map((q) => {
      const period = q.MetricStat.Period;
      const key = `${q.MetricStat.Metric.MetricName}|${q.MetricStat.Stat}|${JSON.stringify(q.MetricStat.Metric.Dimensions ?? [])}`;
      const highResolution = (options.highResolution ?? []).includes(
        q.MetricStat.Metric.MetricName,
      );
      const slots = Math.floor((input.EndTime - input.StartTime) / period);
      const end = Math.min(slots, offset + pageSize);
      if (end < slots) more = true;
      const Timestamps: number[] = [];
      const Values: number[] = [];
      for (let i = offset; i < end; i++) {
        const t = input.StartTime + i * period;
        if (period < 60 && !highResolution && t % 60 !== 0) continue;
        const v = period < 60 && highResolution ? syntheticValue20(key, t) : syntheticValue(key, t);
        if (v === null) continue;
        Timestamps.push(t);
        Values.push(v);
      }
      return {
        Id: q.Id,
        Label: q.MetricStat.Metric.MetricName,
        Timestamps,
        Values,
        StatusCode: partial ? "PartialData" : "Complete",
      };
    });
    return {
      status: 200,
      json: {
        MetricDataResults: results,
        ...(more ? { NextToken: Buffer.from(String(offset + pageSize)).toString("base64") } : {}),
        Messages: [],
      },
    };
  }

  let describeTargetGroups = 0;
  /** ELBv2 (AWS Query): DescribeTargetGroups and DescribeTargetGroupAttributes of TARGET_GROUP. */
  function elb(res: ServerResponse, form: URLSearchParams): void {
    const action = form.get("Action") ?? "";
    stats.requests[action] = (stats.requests[action] ?? 0) + 1;
    const answer = (result: unknown) =>
      sendXml(
        res,
        200,
        `<${action}Response xmlns="${ELB_NS}"><${action}Result>${xml(result)}</${action}Result><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></${action}Response>`,
      );
    if (action === "DescribeTargetGroups") {
      describeTargetGroups++;
      if (describeTargetGroups <= (options.elb?.throttle ?? 0)) {
        stats.throttled++;
        return sendXml(
          res,
          400,
          `<ErrorResponse xmlns="${ELB_NS}"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r-2</RequestId></ErrorResponse>`,
        );
      }
      if (options.elb?.malformed === true)
        return sendXml(res, 200, `<${action}Response xmlns="${ELB_NS}"><${action}Result><Targ`);
      return answer({ TargetGroups: [TARGET_GROUP] });
    }
    if (action === "DescribeTargetGroupAttributes")
      return answer({ Attributes: TARGET_GROUP_ATTRIBUTES });
    sendXml(
      res,
      400,
      `<ErrorResponse xmlns="${ELB_NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>no ${action}</Message></Error><RequestId>r-3</RequestId></ErrorResponse>`,
    );
  }

  const server = createServer((req, res) => {
    void (async () => {
      if (String(req.headers["content-type"] ?? "").includes("x-www-form-urlencoded"))
        return elb(res, new URLSearchParams(await body(req)));
      const target = String(req.headers["x-amz-target"] ?? "");
      const [service = "", action = ""] = target.split(".");
      stats.requests[action] = (stats.requests[action] ?? 0) + 1;
      const input = JSON.parse((await body(req)) || "{}") as Record<string, unknown>;
      if (service === "GraniteServiceVersion20100801") {
        if (action === "GetMetricData") {
          const r = getMetricData(input as never);
          return send(res, r.status, r.json, "1.0", r.headers);
        }
        if (action === "ListMetrics") {
          const filter = input as {
            Namespace?: string;
            MetricName?: string;
            Dimensions?: { Name: string; Value?: string }[];
            NextToken?: string;
          };
          const matching = fakeTaskMetrics(options.tasks ?? []).filter(
            (m) =>
              (!filter.Namespace || m.Namespace === filter.Namespace) &&
              (!filter.MetricName || m.MetricName === filter.MetricName) &&
              (filter.Dimensions ?? []).every((f) =>
                m.Dimensions.some(
                  (d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value),
                ),
              ),
          );
          const size = options.listPageSize ?? 3;
          const offset = filter.NextToken ? Number(filter.NextToken.slice(1)) : 0;
          const next = offset + size < matching.length ? `L${offset + size}` : undefined;
          return send(
            res,
            200,
            {
              Metrics: matching.slice(offset, offset + size),
              ...(next ? { NextToken: next } : {}),
            },
            "1.0",
          );
        }
        if (action === "DescribeAlarms")
          return send(res, 200, { MetricAlarms: [STEP_ALARM], CompositeAlarms: [] }, "1.0");
      }
      if (service === "AmazonEC2ContainerServiceV20141113") {
        if (action === "DescribeServices")
          return send(
            res,
            200,
            {
              services: [
                { ...SERVICE, events: [{ id: "e1", createdAt: 1_795_000_000, message: "steady" }] },
              ],
              failures: [],
            },
            "1.1",
          );
        if (action === "DescribeTaskDefinition")
          return send(res, 200, { taskDefinition: TASK_DEFINITION }, "1.1");
        if (action === "DescribeServiceRevisions")
          return send(
            res,
            200,
            { serviceRevisions: [options.revision ?? SERVICE_REVISION], failures: [] },
            "1.1",
          );
      }
      if (service === "AnyScaleFrontendService") {
        if (action === "DescribeScalableTargets")
          return send(
            res,
            200,
            { ScalableTargets: [{ ...SCALABLE_TARGET, CreationTime: 1_790_000_000 }] },
            "1.1",
          );
        if (action === "DescribeScalingPolicies") {
          // Two pages, to exercise the paginator.
          const policies = options.policies ?? POLICIES;
          return input.NextToken
            ? send(res, 200, { ScalingPolicies: policies.slice(2) }, "1.1")
            : send(res, 200, { ScalingPolicies: policies.slice(0, 2), NextToken: "p2" }, "1.1");
        }
        if (action === "DescribeScheduledActions")
          return send(res, 200, { ScheduledActions: SCHEDULED_ACTIONS }, "1.1");
        if (action === "DescribeScalingActivities")
          return send(
            res,
            200,
            { ScalingActivities: ACTIVITIES.map((a) => ({ ...a, StartTime: 1_795_000_000 })) },
            "1.1",
          );
      }
      send(res, 400, { __type: "UnknownOperationException", message: `no ${target}` }, "1.1");
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    options,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The three real SDK clients, pointed at `fake` with test credentials and no SDK retries. */
export function wireClients(fake: FakeAws) {
  const config = {
    region: "us-east-1",
    endpoint: fake.url,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" },
    maxAttempts: 1,
  };
  return {
    cloudWatch: new CloudWatchClient(config),
    ecs: new ECSClient(config),
    autoScaling: new ApplicationAutoScalingClient(config),
    elb: new ElasticLoadBalancingV2Client(config),
  };
}
