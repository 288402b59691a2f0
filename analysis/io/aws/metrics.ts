/**
 * What `caplab collect` asks CloudWatch for: one {@link MetricQuery} per series of the bundle,
 * in AWS's words (namespace, metric name, statistic, dimensions). Units are the ones AWS
 * documents for each metric (reference/aws-ecs-scaling.md §3.1, §4.1); GetMetricData does
 * not return them, so they are recorded here, not asked for (a Unit filter that does not
 * match would drop the data).
 */
import { BUNDLE_REQUESTS_SERIES } from "../../../sim/vocab/index.js";

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

/** One metric, one statistic: one series of the bundle, one MetricDataQuery. */
export interface MetricQuery {
  /** Bundle series id, also the file name `series/<id>.csv`. */
  readonly seriesId: string;
  /** GetMetricData query Id (`^[a-z][a-zA-Z0-9_]*$`), stable for a given catalog. */
  readonly queryId: string;
  readonly namespace: string;
  readonly metricName: string;
  /** Statistic or extended statistic (`Average`, `Sum`, `p95`). */
  readonly stat: string;
  readonly dimensions: readonly Dimension[];
  readonly unit: string;
  /**
   * The series' own period, seconds, when it is not the collection's (the 20-s `AWS/ECS`
   * series). Absent: the collection's period.
   */
  readonly periodSeconds?: number;
}

/** Where the metrics live: the ECS service and the ALB in front of it. */
export interface MetricScope {
  readonly clusterName: string;
  readonly serviceName: string;
  /** `app/<name>/<id>`: the final part of the ALB ARN. */
  readonly loadBalancer: string;
  /** `targetgroup/<name>/<id>`: the final part of the target group ARN. */
  readonly targetGroup: string;
}

type Row = readonly [
  id: string,
  namespace: string,
  metricName: string,
  stat: string,
  dims: "service" | "lb" | "tg" | "tg+lb",
  unit: string,
];

/**
 * The catalog, in query order. `requests` is the target group's RequestCount (the service's
 * own traffic: an ALB often fronts several services); `alb.RequestCount.Sum` is the whole
 * load balancer's, ELB-generated responses included.
 */
const CATALOG: readonly Row[] = [
  [BUNDLE_REQUESTS_SERIES, "AWS/ApplicationELB", "RequestCount", "Sum", "tg+lb", "Count"],
  ["alb.RequestCount.Sum", "AWS/ApplicationELB", "RequestCount", "Sum", "lb", "Count"],
  [
    "tg.RequestCountPerTarget.Sum",
    "AWS/ApplicationELB",
    "RequestCountPerTarget",
    "Sum",
    "tg",
    "Count",
  ],
  [
    "tg.TargetResponseTime.Average",
    "AWS/ApplicationELB",
    "TargetResponseTime",
    "Average",
    "tg+lb",
    "Seconds",
  ],
  [
    "tg.TargetResponseTime.p50",
    "AWS/ApplicationELB",
    "TargetResponseTime",
    "p50",
    "tg+lb",
    "Seconds",
  ],
  [
    "tg.TargetResponseTime.p95",
    "AWS/ApplicationELB",
    "TargetResponseTime",
    "p95",
    "tg+lb",
    "Seconds",
  ],
  [
    "tg.TargetResponseTime.p99",
    "AWS/ApplicationELB",
    "TargetResponseTime",
    "p99",
    "tg+lb",
    "Seconds",
  ],
  [
    "tg.HTTPCode_Target_5XX_Count.Sum",
    "AWS/ApplicationELB",
    "HTTPCode_Target_5XX_Count",
    "Sum",
    "tg+lb",
    "Count",
  ],
  [
    "alb.HTTPCode_ELB_5XX_Count.Sum",
    "AWS/ApplicationELB",
    "HTTPCode_ELB_5XX_Count",
    "Sum",
    "lb",
    "Count",
  ],
  [
    "tg.HealthyHostCount.Average",
    "AWS/ApplicationELB",
    "HealthyHostCount",
    "Average",
    "tg+lb",
    "Count",
  ],
  [
    "tg.UnHealthyHostCount.Average",
    "AWS/ApplicationELB",
    "UnHealthyHostCount",
    "Average",
    "tg+lb",
    "Count",
  ],
  [
    "alb.ActiveConnectionCount.Sum",
    "AWS/ApplicationELB",
    "ActiveConnectionCount",
    "Sum",
    "lb",
    "Count",
  ],
  ["alb.NewConnectionCount.Sum", "AWS/ApplicationELB", "NewConnectionCount", "Sum", "lb", "Count"],
  ["ecs.CPUUtilization.Average", "AWS/ECS", "CPUUtilization", "Average", "service", "Percent"],
  ["ecs.CPUUtilization.Maximum", "AWS/ECS", "CPUUtilization", "Maximum", "service", "Percent"],
  [
    "ecs.MemoryUtilization.Average",
    "AWS/ECS",
    "MemoryUtilization",
    "Average",
    "service",
    "Percent",
  ],
  [
    "ecs.MemoryUtilization.Maximum",
    "AWS/ECS",
    "MemoryUtilization",
    "Maximum",
    "service",
    "Percent",
  ],
  ["ci.CpuUtilized.Average", "ECS/ContainerInsights", "CpuUtilized", "Average", "service", "None"],
  ["ci.CpuReserved.Average", "ECS/ContainerInsights", "CpuReserved", "Average", "service", "None"],
  [
    "ci.MemoryUtilized.Average",
    "ECS/ContainerInsights",
    "MemoryUtilized",
    "Average",
    "service",
    "Megabytes",
  ],
  [
    "ci.MemoryReserved.Average",
    "ECS/ContainerInsights",
    "MemoryReserved",
    "Average",
    "service",
    "Megabytes",
  ],
  [
    "ci.RunningTaskCount.Average",
    "ECS/ContainerInsights",
    "RunningTaskCount",
    "Average",
    "service",
    "Count",
  ],
  [
    "ci.DesiredTaskCount.Average",
    "ECS/ContainerInsights",
    "DesiredTaskCount",
    "Average",
    "service",
    "Count",
  ],
  [
    "ci.PendingTaskCount.Average",
    "ECS/ContainerInsights",
    "PendingTaskCount",
    "Average",
    "service",
    "Count",
  ],
  [
    "ci.NetworkRxBytes.Average",
    "ECS/ContainerInsights",
    "NetworkRxBytes",
    "Average",
    "service",
    "Bytes/Second",
  ],
  [
    "ci.NetworkTxBytes.Average",
    "ECS/ContainerInsights",
    "NetworkTxBytes",
    "Average",
    "service",
    "Bytes/Second",
  ],
];

/** The service's dimensions: {ClusterName, ServiceName}, as AWS/ECS and Container Insights use. */
function serviceDimensions(scope: Pick<MetricScope, "clusterName" | "serviceName">): Dimension[] {
  return [
    { Name: "ClusterName", Value: scope.clusterName },
    { Name: "ServiceName", Value: scope.serviceName },
  ];
}

function dimensionsFor(kind: Row[4], scope: MetricScope): Dimension[] {
  switch (kind) {
    case "service":
      return serviceDimensions(scope);
    case "lb":
      return [{ Name: "LoadBalancer", Value: scope.loadBalancer }];
    case "tg":
      return [{ Name: "TargetGroup", Value: scope.targetGroup }];
    case "tg+lb":
      return [
        { Name: "TargetGroup", Value: scope.targetGroup },
        { Name: "LoadBalancer", Value: scope.loadBalancer },
      ];
  }
}

/** Every query the collector sends for one service, `requests` first. */
export function metricQueries(scope: MetricScope): MetricQuery[] {
  return CATALOG.map(([seriesId, namespace, metricName, stat, dims, unit], i) => ({
    seriesId,
    queryId: `m${i}`,
    namespace,
    metricName,
    stat,
    dimensions: dimensionsFor(dims, scope),
    unit,
  }));
}

/** The `AWS/ECS` metrics ECS can publish every 20 s (reference/aws-ecs-scaling.md §1.10). */
export const HIGH_RESOLUTION_METRICS = ["CPUUtilization", "MemoryUtilization"] as const;
export type HighResolutionMetric = (typeof HIGH_RESOLUTION_METRICS)[number];

/** The period of the high-resolution series, seconds. @default 20 (ECS `ResolutionSeconds`) */
export const HIGH_RESOLUTION_PERIOD = 20;

/**
 * The 20-s `AWS/ECS` queries for the metrics the service publishes at high resolution: Average
 * and Maximum of each, as series `ecs.<Metric>.<Stat>.20s` beside the 60-s ones.
 *
 * Example: `["CPUUtilization"]` → `ecs.CPUUtilization.Average.20s`, `ecs.CPUUtilization.Maximum.20s`.
 */
export function highResolutionQueries(
  scope: Pick<MetricScope, "clusterName" | "serviceName">,
  metrics: readonly HighResolutionMetric[],
): MetricQuery[] {
  const dimensions = serviceDimensions(scope);
  return metrics
    .flatMap((metricName) => ["Average", "Maximum"].map((stat) => [metricName, stat] as const))
    .map(([metricName, stat], i) => ({
      seriesId: `ecs.${metricName}.${stat}.${HIGH_RESOLUTION_PERIOD}s`,
      queryId: `h${i}`,
      namespace: "AWS/ECS",
      metricName,
      stat,
      dimensions,
      unit: "Percent",
      periodSeconds: HIGH_RESOLUTION_PERIOD,
    }));
}
