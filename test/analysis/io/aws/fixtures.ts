/** One ECS service behind an ALB with its scaling state, in the SDK's shapes (dates left out). */
import type {
  ScalableTarget,
  ScalingActivity,
  ScalingPolicy,
  ScheduledAction,
} from "@aws-sdk/client-application-auto-scaling";
import type { MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { Service, ServiceRevision, TaskDefinition } from "@aws-sdk/client-ecs";
import type { TargetGroup, TargetGroupAttribute } from "@aws-sdk/client-elastic-load-balancing-v2";

export const ACCOUNT = "123456789012";
export const LB = "app/my-alb/778d41231b141a0f";
export const TG = "targetgroup/api-tg/943f017f100becff";
export const TG_ARN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:${TG}`;
export const RESOURCE_ID = "service/prod/api";
export const REVISION_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:service-revision/prod/api/4719238219012`;

export const SERVICE: Service = {
  serviceName: "api",
  serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/api`,
  clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod`,
  taskDefinition: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/api:7`,
  desiredCount: 3,
  runningCount: 3,
  pendingCount: 0,
  launchType: "FARGATE",
  loadBalancers: [{ targetGroupArn: TG_ARN, containerName: "app", containerPort: 8080 }],
  deployments: [{ id: "ecs-svc/1", status: "PRIMARY", desiredCount: 3, runningCount: 3 }],
  events: [{ id: "e1", message: "(service api) has reached a steady state." }],
  currentServiceRevisions: [
    { arn: REVISION_ARN, requestedTaskCount: 3, runningTaskCount: 3, pendingTaskCount: 0 },
  ],
};

/** The service's current revision: default 60-s CPU/memory metrics (no `monitoring`). */
export const SERVICE_REVISION: ServiceRevision = {
  serviceRevisionArn: REVISION_ARN,
  serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/prod/api`,
  clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod`,
  taskDefinition: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/api:7`,
  launchType: "FARGATE",
};

/** The same revision with 20-s CPUUtilization and MemoryUtilization turned on. */
export const HIGH_RESOLUTION_REVISION: ServiceRevision = {
  ...SERVICE_REVISION,
  monitoring: {
    metricConfigurations: [
      { metricNames: ["CPUUtilization", "MemoryUtilization"], resolutionSeconds: 20 },
    ],
  },
};

export const TASK_DEFINITION: TaskDefinition = {
  family: "api",
  revision: 7,
  cpu: "512",
  memory: "1024",
  runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" },
  containerDefinitions: [{ name: "app", cpu: 0, memoryReservation: 512 }],
};

export const SCALABLE_TARGET: ScalableTarget = {
  ServiceNamespace: "ecs",
  ResourceId: RESOURCE_ID,
  ScalableDimension: "ecs:service:DesiredCount",
  MinCapacity: 2,
  MaxCapacity: 10,
  RoleARN: "arn:aws:iam::123456789012:role/aas",
  CreationTime: undefined,
};

const common = {
  ServiceNamespace: "ecs",
  ResourceId: RESOURCE_ID,
  ScalableDimension: "ecs:service:DesiredCount",
  CreationTime: undefined,
} as const;

export const REQUEST_POLICY: ScalingPolicy = {
  ...common,
  PolicyARN: "arn:policy/requests",
  PolicyName: "requests-per-task",
  PolicyType: "TargetTrackingScaling",
  TargetTrackingScalingPolicyConfiguration: {
    TargetValue: 1000,
    PredefinedMetricSpecification: {
      PredefinedMetricType: "ALBRequestCountPerTarget",
      ResourceLabel: `${LB}/${TG}`,
    },
    ScaleInCooldown: 600,
  },
};

export const CPU_POLICY: ScalingPolicy = {
  ...common,
  PolicyARN: "arn:policy/cpu",
  PolicyName: "cpu60",
  PolicyType: "TargetTrackingScaling",
  TargetTrackingScalingPolicyConfiguration: {
    TargetValue: 60,
    CustomizedMetricSpecification: {
      Namespace: "AWS/ECS",
      MetricName: "CPUUtilization",
      Statistic: "Average",
      Dimensions: [
        { Name: "ClusterName", Value: "prod" },
        { Name: "ServiceName", Value: "api" },
      ],
    },
    ScaleOutCooldown: 120,
    DisableScaleIn: false,
  },
};

export const STEP_POLICY: ScalingPolicy = {
  ...common,
  PolicyARN: "arn:policy/step",
  PolicyName: "step-5xx",
  PolicyType: "StepScaling",
  StepScalingPolicyConfiguration: {
    AdjustmentType: "ChangeInCapacity",
    StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 2 }],
    Cooldown: 120,
    MetricAggregationType: "Maximum",
  },
  Alarms: [{ AlarmName: "api-5xx-high", AlarmARN: "arn:alarm/api-5xx-high" }],
};

export const PREDICTIVE_POLICY: ScalingPolicy = {
  ...common,
  PolicyARN: "arn:policy/predictive",
  PolicyName: "forecast",
  PolicyType: "PredictiveScaling",
};

export const STEP_ALARM: MetricAlarm = {
  AlarmName: "api-5xx-high",
  Namespace: "AWS/ApplicationELB",
  MetricName: "HTTPCode_Target_5XX_Count",
  Statistic: "Sum",
  Dimensions: [
    { Name: "TargetGroup", Value: TG },
    { Name: "LoadBalancer", Value: LB },
  ],
  Period: 60,
  EvaluationPeriods: 2,
  DatapointsToAlarm: 2,
  Threshold: 50,
  ComparisonOperator: "GreaterThanThreshold",
};

export const SCHEDULED_ACTIONS: ScheduledAction[] = [
  {
    ...common,
    ScheduledActionName: "weekday-morning",
    ScheduledActionARN: "arn:sa/1",
    Schedule: "cron(0 8 ? * MON-FRI *)",
    ScalableTargetAction: { MinCapacity: 4 },
  },
  {
    ...common,
    ScheduledActionName: "every-hour",
    ScheduledActionARN: "arn:sa/2",
    Schedule: "rate(1 hour)",
    ScalableTargetAction: { MaxCapacity: 12 },
  },
];

export const ACTIVITIES: ScalingActivity[] = [
  {
    ...common,
    ActivityId: "a1",
    Description: "Setting desired count to 4.",
    Cause: "monitor alarm TargetTracking-service/prod/api-AlarmHigh in state ALARM",
    StatusCode: "Successful",
    StartTime: undefined,
  },
];

export const POLICIES = [REQUEST_POLICY, CPU_POLICY, STEP_POLICY, PREDICTIVE_POLICY];

export const LB_ARN = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/${LB}`;

/** The service's target group as ELBv2 DescribeTargetGroups returns it. */
export const TARGET_GROUP: TargetGroup = {
  TargetGroupArn: TG_ARN,
  TargetGroupName: "api-tg",
  Protocol: "HTTP",
  Port: 8080,
  TargetType: "ip",
  LoadBalancerArns: [LB_ARN],
  HealthCheckProtocol: "HTTP",
  HealthCheckPath: "/healthz",
  HealthCheckIntervalSeconds: 10,
  HealthCheckTimeoutSeconds: 4,
  HealthyThresholdCount: 3,
  UnhealthyThresholdCount: 2,
  Matcher: { HttpCode: "200-299" },
};

/** Its attributes (DescribeTargetGroupAttributes), with settings that are not ELB's defaults. */
export const TARGET_GROUP_ATTRIBUTES: TargetGroupAttribute[] = [
  { Key: "deregistration_delay.timeout_seconds", Value: "45" },
  { Key: "slow_start.duration_seconds", Value: "60" },
  { Key: "load_balancing.algorithm.type", Value: "least_outstanding_requests" },
  { Key: "stickiness.enabled", Value: "false" },
];

/** The `platform:` values the target group gives the simulator. */
export const TARGET_GROUP_PLATFORM = {
  healthCheckIntervalSeconds: 10,
  healthCheckTimeoutSeconds: 4,
  unhealthyThresholdCount: 2,
  healthyThresholdCount: 3,
  deregistrationDelaySeconds: 45,
  slowStartSeconds: 60,
  loadBalancingAlgorithm: "least_outstanding_requests",
} as const;
