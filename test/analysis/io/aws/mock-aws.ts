/** aws-sdk-client-mock set-up for the collector: one service, its scaling, synthetic metrics. */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
} from "@aws-sdk/client-cloudwatch";
import {
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
} from "@aws-sdk/client-ecs";
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { mockClient } from "aws-sdk-client-mock";
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

export const TEST_CLIENT_CONFIG = {
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" },
  maxAttempts: 1,
};

/** Every point of every query in the input's window, value = minute index + query number. */
export function syntheticMetricData(
  input: GetMetricDataCommandInput,
): Partial<GetMetricDataCommandOutput> {
  const start = input.StartTime!.getTime();
  const end = input.EndTime!.getTime();
  return {
    MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
      const step = q.MetricStat!.Period! * 1000;
      const times: Date[] = [];
      const values: number[] = [];
      for (let t = start; t < end; t += step) {
        times.push(new Date(t));
        values.push(t / 60_000 + Number(q.Id!.slice(1)));
      }
      return { Id: q.Id, Label: q.Id, Timestamps: times, Values: values, StatusCode: "Complete" };
    }),
  };
}

export function mockAws() {
  const cw = mockClient(CloudWatchClient);
  const ecs = mockClient(ECSClient);
  const aas = mockClient(ApplicationAutoScalingClient);
  const elb = mockClient(ElasticLoadBalancingV2Client);
  elb.on(DescribeTargetGroupsCommand).resolves({ TargetGroups: [TARGET_GROUP] });
  elb.on(DescribeTargetGroupAttributesCommand).resolves({ Attributes: TARGET_GROUP_ATTRIBUTES });
  ecs.on(DescribeServicesCommand).resolves({ services: [SERVICE], failures: [] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: TASK_DEFINITION });
  ecs.on(DescribeServiceRevisionsCommand).resolves({ serviceRevisions: [SERVICE_REVISION] });
  aas.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [SCALABLE_TARGET] });
  aas
    .on(DescribeScalingPoliciesCommand)
    .resolvesOnce({ ScalingPolicies: POLICIES.slice(0, 2), NextToken: "more" })
    .resolves({ ScalingPolicies: POLICIES.slice(2) });
  aas.on(DescribeScheduledActionsCommand).resolves({ ScheduledActions: SCHEDULED_ACTIONS });
  aas.on(DescribeScalingActivitiesCommand).resolves({ ScalingActivities: ACTIVITIES });
  cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [STEP_ALARM] });
  cw.on(GetMetricDataCommand).callsFake(syntheticMetricData);
  return {
    cw,
    ecs,
    aas,
    elb,
    /** `service:Action` of every command sent so far. */
    actions(): string[] {
      const name = (c: unknown) => (c as object).constructor.name.replace(/Command$/, "");
      return [
        ...cw.calls().map((c) => `cloudwatch:${name(c.args[0])}`),
        ...ecs.calls().map((c) => `ecs:${name(c.args[0])}`),
        ...aas.calls().map((c) => `application-autoscaling:${name(c.args[0])}`),
        ...elb.calls().map((c) => `elasticloadbalancing:${name(c.args[0])}`),
      ];
    },
    restore() {
      cw.restore();
      ecs.restore();
      aas.restore();
      elb.restore();
    },
  };
}

export function clients() {
  return {
    cloudWatch: new CloudWatchClient(TEST_CLIENT_CONFIG),
    ecs: new ECSClient(TEST_CLIENT_CONFIG),
    autoScaling: new ApplicationAutoScalingClient(TEST_CLIENT_CONFIG),
    elb: new ElasticLoadBalancingV2Client(TEST_CLIENT_CONFIG),
  };
}
