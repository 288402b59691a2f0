import { describe, expect, it } from "vitest";
import {
  discoverLoadBalancer,
  loadBalancerDimension,
  targetGroupDimension,
  toPolicyConfig,
  toScalingConfig,
  toScheduledActionConfig,
  toDeploymentSettings,
  toTaskSize,
} from "../../../../analysis/io/aws/snapshot.js";
import { UsageError } from "../../../../sim/vocab/errors.js";
import { ScalingSchema, type Warning } from "../../../../sim/vocab/index.js";
import {
  CPU_POLICY,
  LB,
  POLICIES,
  PREDICTIVE_POLICY,
  REQUEST_POLICY,
  RESOURCE_ID,
  SCALABLE_TARGET,
  SCHEDULED_ACTIONS,
  SERVICE,
  STEP_ALARM,
  STEP_POLICY,
  TASK_DEFINITION,
  TG,
  TG_ARN,
} from "./fixtures.js";

describe("ALB and target group discovery", () => {
  it("derives targetgroup/NAME/ID from the target group ARN", () => {
    expect(targetGroupDimension(TG_ARN)).toBe(TG);
    expect(targetGroupDimension(TG)).toBe(TG);
    expect(
      targetGroupDimension("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/1"),
    ).toBeNull();
  });
  it("reads app/NAME/ID from an ALB ARN or the dimension", () => {
    expect(
      loadBalancerDimension(`arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/${LB}`),
    ).toBe(LB);
    expect(loadBalancerDimension(LB)).toBe(LB);
    expect(loadBalancerDimension("net/nlb/abc")).toBeNull();
  });
  it("finds the load balancer in an ALBRequestCountPerTarget policy's ResourceLabel", () => {
    const found = discoverLoadBalancer(SERVICE, POLICIES, {});
    expect(found).toMatchObject({ loadBalancer: LB, targetGroup: TG });
    expect(found.how).toMatch(/ResourceLabel of policy "requests-per-task"/);
  });
  it("takes --load-balancer and --target-group over anything found", () => {
    const found = discoverLoadBalancer(SERVICE, [], {
      loadBalancer: "app/other/0123abcd",
      targetGroup: "targetgroup/other-tg/0a0b",
    });
    expect(found).toMatchObject({
      loadBalancer: "app/other/0123abcd",
      targetGroup: "targetgroup/other-tg/0a0b",
    });
  });
  it("requires --load-balancer when no policy names the load balancer", () => {
    const call = () => discoverLoadBalancer(SERVICE, [CPU_POLICY], {});
    expect(call).toThrow(UsageError);
    expect(call).toThrow(/cannot be found from ECS alone; pass --load-balancer app\/NAME\/ID/);
  });
  it("requires both flags when the service has no target group", () => {
    expect(() => discoverLoadBalancer({ ...SERVICE, loadBalancers: [] }, POLICIES, {})).toThrow(
      /has no ALB target group; pass --load-balancer app\/NAME\/ID and --target-group/,
    );
  });
  it("rejects a malformed flag in one sentence", () => {
    expect(() => discoverLoadBalancer(SERVICE, POLICIES, { loadBalancer: "my-alb" })).toThrow(
      /--load-balancer "my-alb" is not an Application Load Balancer/,
    );
  });
});

describe("policy conversion to the simulate config", () => {
  it("converts a predefined target-tracking policy, filling defaults", () => {
    const r = toPolicyConfig(REQUEST_POLICY, []);
    expect(r).toEqual({
      ok: true,
      value: {
        PolicyName: "requests-per-task",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 1000,
          PredefinedMetricSpecification: {
            PredefinedMetricType: "ALBRequestCountPerTarget",
            ResourceLabel: `${LB}/${TG}`,
          },
          ScaleOutCooldown: 300,
          ScaleInCooldown: 600,
          DisableScaleIn: false,
        },
      },
    });
  });
  it("converts a customized-metric policy", () => {
    const r = toPolicyConfig(CPU_POLICY, []);
    expect(
      r.ok && r.value.TargetTrackingScalingPolicyConfiguration?.CustomizedMetricSpecification,
    ).toMatchObject({
      Namespace: "AWS/ECS",
      MetricName: "CPUUtilization",
      Statistic: "Average",
    });
  });
  it("converts a step-scaling policy with its CloudWatch alarm", () => {
    const r = toPolicyConfig(STEP_POLICY, [STEP_ALARM]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.StepScalingPolicyConfiguration).toMatchObject({
      AdjustmentType: "ChangeInCapacity",
      Cooldown: 120,
      MetricAggregationType: "Maximum",
    });
    expect(r.value.Alarm).toMatchObject({
      Threshold: 50,
      ComparisonOperator: "GreaterThanThreshold",
      Period: 60,
      EvaluationPeriods: 2,
      Metric: { MetricName: "HTTPCode_Target_5XX_Count", Statistic: "Sum" },
      // CloudWatch's default when DescribeAlarms gives none.
      TreatMissingData: "missing",
    });
    // The alarm's own TreatMissingData is kept (the simulator evaluates with it).
    const notBreaching = toPolicyConfig(STEP_POLICY, [
      { ...STEP_ALARM, TreatMissingData: "notBreaching" },
    ]);
    expect(notBreaching.ok && notBreaching.value.Alarm?.TreatMissingData).toBe("notBreaching");
  });
  it("says why a policy cannot be simulated", () => {
    expect(toPolicyConfig(STEP_POLICY, [])).toEqual({
      ok: false,
      error: 'step-scaling policy "step-5xx" has no alarm that could be read',
    });
    expect(toPolicyConfig(PREDICTIVE_POLICY, [])).toMatchObject({
      ok: false,
      error: /PredictiveScaling/,
    });
    const math = {
      ...CPU_POLICY,
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 1,
        CustomizedMetricSpecification: { Metrics: [{ Id: "e1", Expression: "m1/m2" }] },
      },
    };
    expect(toPolicyConfig(math, [])).toMatchObject({ ok: false, error: /metric-math/ });
  });
  it("keeps cron and at schedules, leaves out rate() and other time zones", () => {
    expect(toScheduledActionConfig(SCHEDULED_ACTIONS[0]!)).toMatchObject({ ok: true });
    expect(toScheduledActionConfig(SCHEDULED_ACTIONS[1]!)).toMatchObject({ ok: false });
    expect(
      toScheduledActionConfig({ ...SCHEDULED_ACTIONS[0]!, Timezone: "Europe/Paris" }),
    ).toMatchObject({ ok: false, error: /Europe\/Paris/ });
  });
  it("builds a ScalingSchema-valid scaling section and warns about what it left out", () => {
    const warnings: Warning[] = [];
    const scaling = toScalingConfig(
      {
        resourceId: RESOURCE_ID,
        scalableTargets: [SCALABLE_TARGET],
        policies: POLICIES,
        scheduledActions: SCHEDULED_ACTIONS,
        activities: [],
        alarms: [STEP_ALARM],
      },
      3,
      (w) => warnings.push(w),
    );
    expect(ScalingSchema.parse(scaling)).toEqual(scaling);
    expect(scaling).toMatchObject({ MinCapacity: 2, MaxCapacity: 10 });
    expect(scaling!.policies.map((p) => p.PolicyName)).toEqual([
      "requests-per-task",
      "cpu60",
      "step-5xx",
    ]);
    expect(scaling!.scheduledActions).toHaveLength(1);
    expect(warnings.map((w) => w.code)).toEqual(["not-simulated", "not-simulated"]);
  });
  it("pins Min and Max to the desired count without a scalable target", () => {
    const scaling = toScalingConfig(
      {
        resourceId: RESOURCE_ID,
        scalableTargets: [],
        policies: [],
        scheduledActions: [],
        activities: [],
        alarms: [],
      },
      4,
      () => {},
    );
    expect(scaling).toMatchObject({ MinCapacity: 4, MaxCapacity: 4, policies: [] });
  });
});

describe("task size", () => {
  it("reads cpu, memory, architecture and capacity provider", () => {
    expect(toTaskSize({ service: SERVICE, taskDefinition: TASK_DEFINITION }, () => {})).toEqual({
      cpu: "512",
      memory: "1024",
      architecture: "ARM64",
      capacityProvider: "FARGATE",
    });
    const spot = {
      ...SERVICE,
      capacityProviderStrategy: [
        { capacityProvider: "FARGATE", weight: 1, base: 1 },
        { capacityProvider: "FARGATE_SPOT", weight: 3 },
      ],
    };
    const warnings: Warning[] = [];
    expect(
      toTaskSize({ service: spot, taskDefinition: TASK_DEFINITION }, (w) => warnings.push(w)),
    ).toMatchObject({
      capacityProvider: "FARGATE_SPOT",
    });
    expect(warnings[0]!.code).toBe("mixed-capacity-providers");
  });
  it("leaves out a size Fargate does not offer", () => {
    const warnings: Warning[] = [];
    expect(
      toTaskSize({ service: SERVICE, taskDefinition: { ...TASK_DEFINITION, memory: "300" } }, (w) =>
        warnings.push(w),
      ),
    ).toBeNull();
    expect(warnings[0]!.message).toMatch(/not a Fargate task size/);
  });
});

describe("toDeploymentSettings (issue #16: collect records the deployment settings)", () => {
  it("says deploymentController and deploymentConfiguration in deployments:'s words", () => {
    const warnings: string[] = [];
    const settings = toDeploymentSettings(
      {
        serviceName: "orders",
        deploymentController: { type: "ECS" },
        deploymentConfiguration: {
          minimumHealthyPercent: 50,
          maximumPercent: 150,
          deploymentCircuitBreaker: {
            enable: true,
            rollback: true,
            resetOnHealthyTask: false,
            thresholdConfiguration: { type: "COUNT", value: 4 },
          },
        },
      },
      (w) => warnings.push(w.message),
    );
    expect(settings).toEqual({
      controller: "ECS",
      strategy: "rolling",
      minimumHealthyPercent: 50,
      maximumPercent: 150,
      deploymentCircuitBreaker: {
        enable: true,
        rollback: true,
        resetOnHealthyTask: false,
        thresholdConfiguration: { type: "COUNT", value: 4 },
      },
    });
    expect(warnings).toEqual([]);
  });

  it("reads ECS-native canary and CodeDeploy, and takes ECS's defaults for what AWS leaves out", () => {
    const canary = toDeploymentSettings(
      {
        deploymentConfiguration: {
          strategy: "CANARY",
          bakeTimeInMinutes: 15,
          canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
        },
      },
      () => {},
    );
    expect(canary).toMatchObject({
      controller: "ECS",
      strategy: "canary",
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      bakeTimeInMinutes: 15,
      canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
    });
    expect(
      toDeploymentSettings({ deploymentController: { type: "CODE_DEPLOY" } }, () => {}),
    ).toEqual({
      controller: "CODE_DEPLOY",
      strategy: "rolling",
      minimumHealthyPercent: 100,
      maximumPercent: 200,
    });
  });

  it("leaves out, with a warning, what cannot be said in those words", () => {
    const warnings: string[] = [];
    expect(
      toDeploymentSettings(
        { serviceName: "x", deploymentConfiguration: { maximumPercent: 50 } },
        (w) => warnings.push(w.message),
      ),
    ).toBeNull();
    expect(warnings[0]).toMatch(/deployment configuration of service "x"/);
  });
});
