import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApplicationAutoScalingClient,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type PutScalingPolicyCommandInput,
  type RegisterScalableTargetCommandInput,
} from "@aws-sdk/client-application-auto-scaling";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, type ScalarTag } from "yaml";
import {
  renderSnippets,
  RESOURCE_LABEL_PLACEHOLDER,
  TARGET_GROUP_PLACEHOLDER,
  type PolicyJson,
  type ScalableTargetJson,
  type SnippetInput,
  type StepScalingPolicyJson,
  type TargetTrackingPolicyJson,
} from "../../reports/snippets.js";
import { BUSINESS_HOURS, memoryPolicy, stepOutPolicy } from "../fixtures/scaling/everything.js";
import { ScalingSchema, type ScalingConfig } from "../../sim/vocab/config.js";
import type { TaskSize } from "../../sim/vocab/fargate.js";

// ---------------------------------------------------------------------------------------------
// Fixtures

const TASK: TaskSize = {
  cpu: "1024",
  memory: "2048",
  architecture: "X86_64",
  capacityProvider: "FARGATE",
};

const CPU_60: ScalingConfig = ScalingSchema.parse({
  MinCapacity: 2,
  MaxCapacity: 20,
  policies: [
    {
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 60,
        PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
      },
    },
  ],
});

/** Every kind of policy and a scheduled action. */
const EVERYTHING: ScalingConfig = ScalingSchema.parse({
  MinCapacity: 1,
  MaxCapacity: 12,
  policies: [
    {
      PolicyName: "cpu",
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 55,
        PredefinedMetricSpecification: {
          PredefinedMetricType: "ECSServiceAverageCPUUtilizationHighResolution",
        },
        ScaleOutCooldown: 60,
        ScaleInCooldown: 600,
      },
    },
    {
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 900,
        PredefinedMetricSpecification: { PredefinedMetricType: "ALBRequestCountPerTarget" },
        DisableScaleIn: true,
      },
    },
    memoryPolicy(),
    // TreatMissingData is not CloudWatch's default: the snippets carry it.
    stepOutPolicy({ Period: 20, TreatMissingData: "notBreaching" }),
  ],
  scheduledActions: BUSINESS_HOURS,
});

/** Names built to break out of every kind of quoting the three text forms use. */
const HOSTILE = {
  serviceName: `svc"'\${var.x}%{ if true }\n$(touch pwned-1)\`touch pwned-2\`\\'\r\u2028# x: y`,
  clusterName: `cl'; touch pwned-3; echo '\n"}\nresource "evil" "x" {\n  a = "\${file("/etc/passwd")}"`,
  resourceLabel: `app/a'b"c/\${x}/targetgroup/$(touch pwned-4)/\n#`,
};

const input = (scaling: ScalingConfig, extra: Partial<SnippetInput> = {}): SnippetInput => ({
  task: TASK,
  scaling,
  serviceName: "my-service",
  clusterName: "my-cluster",
  ...extra,
});

const isTargetTracking = (p: PolicyJson): p is TargetTrackingPolicyJson => "TargetValue" in p;
const isStep = (p: PolicyJson): p is StepScalingPolicyJson => "StepAdjustments" in p;

// ---------------------------------------------------------------------------------------------
// Compile-time proof: our shapes are the SDK's input shapes (checked by `tsc --noEmit`).

type SdkTargetTracking = NonNullable<
  PutScalingPolicyCommandInput["TargetTrackingScalingPolicyConfiguration"]
>;
type SdkStep = NonNullable<PutScalingPolicyCommandInput["StepScalingPolicyConfiguration"]>;

const _ttIsSdk = (p: TargetTrackingPolicyJson): SdkTargetTracking => p;
const _stepIsSdk = (p: StepScalingPolicyJson): SdkStep => p;
const _targetIsSdk = (t: ScalableTargetJson): RegisterScalableTargetCommandInput => t;

describe("policyJson and scalableTarget", () => {
  it("renders the CPU-60 policy and the scalable target in AWS's shapes", () => {
    const r = renderSnippets(input(CPU_60));
    const tt = r.policyJson.filter(isTargetTracking);
    expect(tt[0] satisfies SdkTargetTracking | undefined).toEqual({
      TargetValue: 60,
      PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
      ScaleOutCooldown: 300,
      ScaleInCooldown: 300,
      DisableScaleIn: false,
    });
    expect(r.scalableTarget satisfies RegisterScalableTargetCommandInput).toEqual({
      ServiceNamespace: "ecs",
      ResourceId: "service/my-cluster/my-service",
      ScalableDimension: "ecs:service:DesiredCount",
      MinCapacity: 2,
      MaxCapacity: 20,
    });
  });

  it("fills the ResourceLabel of ALBRequestCountPerTarget only, from the input or a placeholder", () => {
    const withPlaceholder = renderSnippets(input(EVERYTHING)).policyJson.filter(isTargetTracking);
    expect(withPlaceholder.map((p) => p.PredefinedMetricSpecification?.ResourceLabel)).toEqual([
      undefined,
      RESOURCE_LABEL_PLACEHOLDER,
      undefined,
    ]);
    const label = "app/my-alb/778d41231b141a0f/targetgroup/my-tg/943f017f100becff";
    const labelled = renderSnippets(input(EVERYTHING, { resourceLabel: label }));
    expect(labelled.policyJson.filter(isTargetTracking)[1]?.PredefinedMetricSpecification).toEqual({
      PredefinedMetricType: "ALBRequestCountPerTarget",
      ResourceLabel: label,
    });
    expect(labelled.cloudformation).not.toContain("REPLACE");
    expect(renderSnippets(input(EVERYTHING)).cloudformation).toContain("REPLACE");
  });

  it("gives a customized ECS metric the service's dimensions and drops the Alarm extension", () => {
    const r = renderSnippets(input(EVERYTHING));
    expect(r.policyJson.filter(isTargetTracking)[2]?.CustomizedMetricSpecification).toEqual({
      Namespace: "AWS/ECS",
      MetricName: "MemoryUtilization",
      Statistic: "Maximum",
      Unit: "Percent",
      Dimensions: [
        { Name: "ClusterName", Value: "my-cluster" },
        { Name: "ServiceName", Value: "my-service" },
      ],
    });
    const step = r.policyJson.filter(isStep);
    expect(step).toEqual([
      {
        AdjustmentType: "ChangeInCapacity",
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
        ],
        MinAdjustmentMagnitude: 1,
        Cooldown: 120,
        MetricAggregationType: "Average",
      },
    ]);
    expect(JSON.stringify(r.policyJson)).not.toContain("Alarm");
  });

  it("makes repeated policy names unique", () => {
    const twice = ScalingSchema.parse({
      ...CPU_60,
      policies: [...CPU_60.policies, ...CPU_60.policies],
    });
    const names = /--policy-name '([^']*)'/g;
    expect([...renderSnippets(input(twice)).awsCli.matchAll(names)].map((m) => m[1])).toEqual([
      "ECSServiceAverageCPUUtilization-target-60",
      "ECSServiceAverageCPUUtilization-target-60-2",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Run-time proof: the real SDK accepts and serializes the bodies unchanged.

interface Recorded {
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

describe("the AWS SDK over loopback", () => {
  const requests: Recorded[] = [];
  let server: Server;
  let client: ApplicationAutoScalingClient;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        requests.push({
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
        });
        const op = String(req.headers["x-amz-target"]).split(".")[1];
        const reply =
          op === "PutScalingPolicy"
            ? {
                PolicyARN: "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x",
                Alarms: [],
              }
            : { ScalableTargetARN: "arn:aws:application-autoscaling:us-east-1:123456789012:x" };
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    client = new ApplicationAutoScalingClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  for (const [what, rec] of [
    ["plain names", input(EVERYTHING)],
    ["hostile names", input(EVERYTHING, HOSTILE)],
  ] as const) {
    it(`sends every policy and the scalable target unchanged (${what})`, async () => {
      const r = renderSnippets(rec);
      requests.length = 0;
      const target = {
        ServiceNamespace: "ecs",
        ResourceId: r.scalableTarget.ResourceId,
        ScalableDimension: "ecs:service:DesiredCount",
      } as const;
      await client.send(new RegisterScalableTargetCommand(r.scalableTarget));
      for (const [i, p] of r.policyJson.entries()) {
        const out = await client.send(
          new PutScalingPolicyCommand({
            ...target,
            PolicyName: `policy-${i}`,
            ...(isStep(p)
              ? { PolicyType: "StepScaling", StepScalingPolicyConfiguration: p }
              : {
                  PolicyType: "TargetTrackingScaling",
                  TargetTrackingScalingPolicyConfiguration: p,
                }),
          }),
        );
        expect(out.PolicyARN).toMatch(/^arn:/);
      }
      expect(requests.map((q) => q.headers["x-amz-target"])).toEqual([
        "AnyScaleFrontendService.RegisterScalableTarget",
        ...r.policyJson.map(() => "AnyScaleFrontendService.PutScalingPolicy"),
      ]);
      expect(requests[0]?.body).toEqual(r.scalableTarget);
      r.policyJson.forEach((p, i) => {
        const key = isStep(p)
          ? "StepScalingPolicyConfiguration"
          : "TargetTrackingScalingPolicyConfiguration";
        expect(requests[i + 1]?.body).toEqual({
          ...target,
          PolicyName: `policy-${i}`,
          PolicyType:
            key === "StepScalingPolicyConfiguration" ? "StepScaling" : "TargetTrackingScaling",
          [key]: p,
        });
      });
    });
  }
});

// ---------------------------------------------------------------------------------------------
// CloudFormation: parse back, validate against the resource reference, resolve every Ref.

const refTag: ScalarTag = { tag: "!Ref", resolve: (value: string) => ({ Ref: value }) };
const parseCfn = (text: string): unknown => parseYaml(text, { customTags: [refTag] });

const dimensions = {
  type: "array",
  items: {
    type: "object",
    required: ["Name", "Value"],
    properties: { Name: { type: "string" }, Value: { type: "string" } },
    additionalProperties: false,
  },
};
const refOrString = {
  anyOf: [
    { type: "string" },
    {
      type: "object",
      required: ["Ref"],
      properties: { Ref: { type: "string" } },
      additionalProperties: false,
    },
  ],
};

/**
 * The properties of the resource types we emit, after the CloudFormation resource reference
 * (AWS::ApplicationAutoScaling::ScalableTarget, ::ScalingPolicy, AWS::CloudWatch::Alarm);
 * properties we never emit (SuspendedState, PredictiveScalingPolicyConfiguration, metric-math
 * Metrics, alarm extras) are left out on purpose, so emitting one fails here.
 */
const CFN_SCHEMA = {
  type: "object",
  required: ["Resources"],
  additionalProperties: false,
  properties: {
    Resources: {
      type: "object",
      propertyNames: { pattern: "^[A-Za-z0-9]+$" },
      additionalProperties: { $ref: "#/$defs/resource" },
    },
  },
  $defs: {
    resource: {
      oneOf: [
        {
          type: "object",
          required: ["Type", "Properties"],
          additionalProperties: false,
          properties: {
            Type: { const: "AWS::ApplicationAutoScaling::ScalableTarget" },
            Properties: {
              type: "object",
              required: [
                "MaxCapacity",
                "MinCapacity",
                "ResourceId",
                "ScalableDimension",
                "ServiceNamespace",
              ],
              additionalProperties: false,
              properties: {
                MaxCapacity: { type: "integer", minimum: 0 },
                MinCapacity: { type: "integer", minimum: 0 },
                ResourceId: { type: "string", minLength: 1 },
                RoleARN: refOrString,
                ScalableDimension: { const: "ecs:service:DesiredCount" },
                ServiceNamespace: { const: "ecs" },
                ScheduledActions: {
                  type: "array",
                  items: {
                    type: "object",
                    required: ["Schedule", "ScheduledActionName"],
                    additionalProperties: false,
                    properties: {
                      ScheduledActionName: { type: "string" },
                      Schedule: { type: "string" },
                      StartTime: { type: "string" },
                      EndTime: { type: "string" },
                      Timezone: { type: "string" },
                      ScalableTargetAction: {
                        type: "object",
                        additionalProperties: false,
                        properties: {
                          MinCapacity: { type: "integer" },
                          MaxCapacity: { type: "integer" },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        {
          type: "object",
          required: ["Type", "Properties"],
          additionalProperties: false,
          properties: {
            Type: { const: "AWS::ApplicationAutoScaling::ScalingPolicy" },
            Properties: {
              type: "object",
              required: ["PolicyName", "PolicyType", "ScalingTargetId"],
              additionalProperties: false,
              properties: {
                PolicyName: { type: "string", minLength: 1 },
                PolicyType: { enum: ["StepScaling", "TargetTrackingScaling"] },
                ScalingTargetId: refOrString,
                TargetTrackingScalingPolicyConfiguration: {
                  type: "object",
                  required: ["TargetValue"],
                  additionalProperties: false,
                  properties: {
                    TargetValue: { type: "number" },
                    DisableScaleIn: { type: "boolean" },
                    ScaleInCooldown: { type: "integer", minimum: 0 },
                    ScaleOutCooldown: { type: "integer", minimum: 0 },
                    PredefinedMetricSpecification: {
                      type: "object",
                      required: ["PredefinedMetricType"],
                      additionalProperties: false,
                      properties: {
                        PredefinedMetricType: { type: "string" },
                        ResourceLabel: { type: "string" },
                      },
                    },
                    CustomizedMetricSpecification: {
                      type: "object",
                      additionalProperties: false,
                      properties: {
                        Dimensions: dimensions,
                        MetricName: { type: "string" },
                        Namespace: { type: "string" },
                        Statistic: {
                          enum: ["Average", "Minimum", "Maximum", "SampleCount", "Sum"],
                        },
                        Unit: { type: "string" },
                      },
                    },
                  },
                },
                StepScalingPolicyConfiguration: {
                  type: "object",
                  additionalProperties: false,
                  properties: {
                    AdjustmentType: {
                      enum: ["ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"],
                    },
                    Cooldown: { type: "integer", minimum: 0 },
                    MetricAggregationType: { enum: ["Average", "Minimum", "Maximum"] },
                    MinAdjustmentMagnitude: { type: "integer" },
                    StepAdjustments: {
                      type: "array",
                      items: {
                        type: "object",
                        required: ["ScalingAdjustment"],
                        additionalProperties: false,
                        properties: {
                          MetricIntervalLowerBound: { type: "number" },
                          MetricIntervalUpperBound: { type: "number" },
                          ScalingAdjustment: { type: "integer" },
                        },
                      },
                    },
                  },
                },
              },
              oneOf: [
                { required: ["TargetTrackingScalingPolicyConfiguration"] },
                { required: ["StepScalingPolicyConfiguration"] },
              ],
            },
          },
        },
        {
          type: "object",
          required: ["Type", "Properties"],
          additionalProperties: false,
          properties: {
            Type: { const: "AWS::CloudWatch::Alarm" },
            Properties: {
              type: "object",
              required: ["ComparisonOperator", "EvaluationPeriods"],
              additionalProperties: false,
              properties: {
                AlarmName: { type: "string" },
                AlarmActions: { type: "array", items: refOrString },
                ComparisonOperator: {
                  enum: [
                    "GreaterThanThreshold",
                    "GreaterThanOrEqualToThreshold",
                    "LessThanThreshold",
                    "LessThanOrEqualToThreshold",
                  ],
                },
                DatapointsToAlarm: { type: "integer", minimum: 1 },
                Dimensions: dimensions,
                EvaluationPeriods: { type: "integer", minimum: 1 },
                MetricName: { type: "string" },
                Namespace: { type: "string" },
                Period: { type: "integer", minimum: 10 },
                Statistic: { enum: ["Average", "Minimum", "Maximum", "SampleCount", "Sum"] },
                Threshold: { type: "number" },
                TreatMissingData: { enum: ["missing", "ignore", "breaching", "notBreaching"] },
                Unit: { type: "string" },
              },
            },
          },
        },
      ],
    },
  },
};

const validateCfn = new Ajv({ allErrors: true }).compile(CFN_SCHEMA);

interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

function checkCfn(text: string): CfnTemplate {
  const doc = parseCfn(text);
  expect(validateCfn(doc), JSON.stringify(validateCfn.errors, null, 2)).toBe(true);
  const template = doc as CfnTemplate;
  const refs: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) {
      const ref = (v as { Ref?: unknown }).Ref;
      if (typeof ref === "string") refs.push(ref);
      Object.values(v).forEach(walk);
    }
  };
  walk(template.Resources);
  for (const ref of refs) expect(Object.keys(template.Resources)).toContain(ref);
  return template;
}

describe("cloudformation", () => {
  it("is a valid fragment that reads back as the AWS shapes", () => {
    const r = renderSnippets(input(EVERYTHING));
    const { Resources } = checkCfn(r.cloudformation);
    expect(Object.keys(Resources)).toEqual([
      "ServiceScalableTarget",
      "ScalingPolicy1",
      "ScalingPolicy2",
      "ScalingPolicy3",
      "ScalingPolicy4",
      "ScalingAlarm4",
    ]);
    const { ScheduledActions, ...target } = Resources.ServiceScalableTarget?.Properties ?? {};
    expect(target).toEqual(r.scalableTarget);
    expect(ScheduledActions).toEqual([
      {
        ScheduledActionName: "business-hours",
        Schedule: "cron(0 8 ? * MON-FRI *)",
        ScalableTargetAction: { MinCapacity: 4 },
      },
      {
        ScheduledActionName: "scheduled-action-2",
        Schedule: "cron(0 20 ? * MON-FRI *)",
        ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 12 },
      },
    ]);
    r.policyJson.forEach((p, i) => {
      const props = Resources[`ScalingPolicy${i + 1}`]?.Properties;
      expect(props?.ScalingTargetId).toEqual({ Ref: "ServiceScalableTarget" });
      expect(
        isStep(p)
          ? props?.StepScalingPolicyConfiguration
          : props?.TargetTrackingScalingPolicyConfiguration,
      ).toEqual(p);
    });
    expect(Resources.ScalingAlarm4?.Properties).toMatchObject({
      AlarmActions: [{ Ref: "ScalingPolicy4" }],
      MetricName: "CPUUtilization",
      Period: 20,
      Threshold: 75,
      TreatMissingData: "notBreaching",
      Dimensions: [
        { Name: "ClusterName", Value: "my-cluster" },
        { Name: "ServiceName", Value: "my-service" },
      ],
    });
    expect(r.cloudformation).toContain(RESOURCE_LABEL_PLACEHOLDER);
    expect(r.cloudformation).toContain("20-second metrics");
  });

  it("shows the task definition and Spot settings as comments", () => {
    const arm = renderSnippets(
      input(CPU_60, {
        task: {
          cpu: "512",
          memory: "1024",
          architecture: "ARM64",
          capacityProvider: "FARGATE_SPOT",
        },
      }),
    );
    expect(arm.cloudformation).toMatch(/^# {5}Cpu: "512"$/m);
    expect(arm.cloudformation).toMatch(/^# {5}Memory: "1024"$/m);
    expect(arm.cloudformation).toMatch(/^# {7}CpuArchitecture: ARM64$/m);
    expect(arm.cloudformation).toMatch(/^# {3}- CapacityProvider: FARGATE_SPOT$/m);
    const plain = renderSnippets(input(CPU_60)).cloudformation;
    expect(plain).not.toContain("CpuArchitecture");
    expect(plain).not.toContain("FARGATE_SPOT");
  });
});

// ---------------------------------------------------------------------------------------------
// Terraform: parse with HashiCorp's own HCL parser.

type TfBlock = Record<string, unknown>;
interface TfDoc {
  resource: Record<string, Record<string, TfBlock[]>>;
}

/**
 * The literal text of a string in Terraform's JSON syntax (what hcl2json returns): `$${` and
 * `%%{` are escapes; an unescaped `${` or `%{` would be a template, which must never appear.
 */
function tfLiteral(value: unknown): string {
  if (typeof value !== "string") throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    const pair = value.slice(i, i + 3);
    if (pair === "$${" || pair === "%%{") {
      out += `${c}{`;
      i += 2;
    } else if ((c === "$" || c === "%") && value[i + 1] === "{") {
      throw new Error(`template sequence in ${JSON.stringify(value)}`);
    } else out += c;
  }
  return out;
}

async function parseTf(text: string): Promise<TfDoc> {
  return (await parseHcl("snippets.tf", text)) as TfDoc;
}

const only = (blocks: TfBlock[] | undefined): TfBlock => {
  expect(blocks).toHaveLength(1);
  return blocks?.[0] as TfBlock;
};

describe("terraform", () => {
  it("parses to the CPU-60 target and policy", async () => {
    const tf = await parseTf(renderSnippets(input(CPU_60)).terraform);
    expect(Object.keys(tf)).toEqual(["resource"]);
    expect(Object.keys(tf.resource).sort()).toEqual([
      "aws_appautoscaling_policy",
      "aws_appautoscaling_target",
    ]);
    expect(only(tf.resource.aws_appautoscaling_target?.ecs_service)).toEqual({
      service_namespace: "ecs",
      resource_id: "service/my-cluster/my-service",
      scalable_dimension: "ecs:service:DesiredCount",
      min_capacity: 2,
      max_capacity: 20,
    });
    expect(only(tf.resource.aws_appautoscaling_policy?.policy_1)).toEqual({
      name: "ECSServiceAverageCPUUtilization-target-60",
      policy_type: "TargetTrackingScaling",
      service_namespace: "${aws_appautoscaling_target.ecs_service.service_namespace}",
      resource_id: "${aws_appautoscaling_target.ecs_service.resource_id}",
      scalable_dimension: "${aws_appautoscaling_target.ecs_service.scalable_dimension}",
      target_tracking_scaling_policy_configuration: [
        {
          target_value: 60,
          scale_in_cooldown: 300,
          scale_out_cooldown: 300,
          disable_scale_in: false,
          predefined_metric_specification: [
            { predefined_metric_type: "ECSServiceAverageCPUUtilization" },
          ],
        },
      ],
    });
  });

  it("writes custom metrics, step policies with their alarms and scheduled actions", async () => {
    const r = renderSnippets(input(EVERYTHING));
    const tf = await parseTf(r.terraform);
    expect(Object.keys(tf.resource).sort()).toEqual([
      "aws_appautoscaling_policy",
      "aws_appautoscaling_scheduled_action",
      "aws_appautoscaling_target",
      "aws_cloudwatch_metric_alarm",
    ]);
    const policies = tf.resource.aws_appautoscaling_policy ?? {};
    expect(Object.keys(policies)).toEqual(["policy_1", "policy_2", "policy_3", "policy_4"]);
    const alb = only(policies.policy_2).target_tracking_scaling_policy_configuration as TfBlock[];
    expect(alb[0]).toMatchObject({
      target_value: 900,
      disable_scale_in: true,
      predefined_metric_specification: [
        {
          predefined_metric_type: "ALBRequestCountPerTarget",
          resource_label: RESOURCE_LABEL_PLACEHOLDER,
        },
      ],
    });
    const custom = only(policies.policy_3)
      .target_tracking_scaling_policy_configuration as TfBlock[];
    expect(custom[0]?.customized_metric_specification).toEqual([
      {
        metric_name: "MemoryUtilization",
        namespace: "AWS/ECS",
        statistic: "Maximum",
        unit: "Percent",
        dimensions: [
          { name: "ClusterName", value: "my-cluster" },
          { name: "ServiceName", value: "my-service" },
        ],
      },
    ]);
    expect(only(policies.policy_4)).toMatchObject({
      name: "step-out",
      policy_type: "StepScaling",
      step_scaling_policy_configuration: [
        {
          adjustment_type: "ChangeInCapacity",
          cooldown: 120,
          metric_aggregation_type: "Average",
          min_adjustment_magnitude: 1,
          step_adjustment: [
            {
              metric_interval_lower_bound: 0,
              metric_interval_upper_bound: 20,
              scaling_adjustment: 1,
            },
            { metric_interval_lower_bound: 20, scaling_adjustment: 3 },
          ],
        },
      ],
    });
    expect(only(tf.resource.aws_cloudwatch_metric_alarm?.policy_4_alarm)).toEqual({
      alarm_name: "step-out-alarm",
      namespace: "AWS/ECS",
      metric_name: "CPUUtilization",
      statistic: "Average",
      period: 20,
      evaluation_periods: 3,
      datapoints_to_alarm: 2,
      threshold: 75,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
      dimensions: { ClusterName: "my-cluster", ServiceName: "my-service" },
      alarm_actions: ["${aws_appautoscaling_policy.policy_4.arn}"],
    });
    const scheduled = tf.resource.aws_appautoscaling_scheduled_action ?? {};
    expect(only(scheduled.scheduled_1)).toMatchObject({
      name: "business-hours",
      schedule: "cron(0 8 ? * MON-FRI *)",
      scalable_target_action: [{ min_capacity: 4 }],
    });
    expect(only(scheduled.scheduled_2).scalable_target_action).toEqual([
      { min_capacity: 1, max_capacity: 12 },
    ]);
  });

  it("hints the task definition in comments", () => {
    const tf = renderSnippets(
      input(CPU_60, {
        task: {
          cpu: "512",
          memory: "1024",
          architecture: "ARM64",
          capacityProvider: "FARGATE_SPOT",
        },
      }),
    ).terraform;
    expect(tf).toMatch(/^# {3}cpu +?= "512"$/m);
    expect(tf).toMatch(/^# {3}memory +?= "1024"$/m);
    expect(tf).toMatch(/^# {5}cpu_architecture += "ARM64"$/m);
    expect(tf).toMatch(/^# {5}capacity_provider = "FARGATE_SPOT"$/m);
  });
});

// ---------------------------------------------------------------------------------------------
// AWS CLI: run the commands in bash with `aws` replaced by a function that prints its argv.

/** Runs the script in bash in an empty directory; returns each `aws` call's argv and the files left behind. */
function runCli(script: string): { calls: string[][]; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "caplab-snippets-"));
  const stub = `aws() { for a in "$@"; do printf '%s\\0' "$a"; done; printf '\\1\\0'; }\n`;
  const out = execFileSync("bash", ["-c", stub + script], { cwd: dir, encoding: "utf8" });
  const calls: string[][] = [[]];
  for (const word of out.split("\0").slice(0, -1)) {
    if (word === "\u0001") calls.push([]);
    else calls[calls.length - 1]?.push(word);
  }
  calls.pop();
  return { calls, dir };
}

/** The value after `flag` in an argv. */
function flag(argv: readonly string[] | undefined, name: string): string | undefined {
  const at = argv?.indexOf(name) ?? -1;
  return at < 0 ? undefined : argv?.[at + 1];
}

describe("aws cli", () => {
  it("runs the CPU-60 commands with the right arguments", () => {
    const r = renderSnippets(input(CPU_60));
    const { calls, dir } = runCli(r.awsCli);
    rmSync(dir, { recursive: true });
    expect(calls).toEqual([
      [
        "application-autoscaling",
        "register-scalable-target",
        "--service-namespace",
        "ecs",
        "--resource-id",
        "service/my-cluster/my-service",
        "--scalable-dimension",
        "ecs:service:DesiredCount",
        "--min-capacity",
        "2",
        "--max-capacity",
        "20",
      ],
      [
        "application-autoscaling",
        "put-scaling-policy",
        "--service-namespace",
        "ecs",
        "--resource-id",
        "service/my-cluster/my-service",
        "--scalable-dimension",
        "ecs:service:DesiredCount",
        "--policy-name",
        "ECSServiceAverageCPUUtilization-target-60",
        "--policy-type",
        "TargetTrackingScaling",
        "--target-tracking-scaling-policy-configuration",
        JSON.stringify(r.policyJson[0]),
      ],
    ]);
    expect(r.awsCli).toContain("# aws ecs register-task-definition");
    expect(r.awsCli).toContain("--cpu '1024' --memory '2048'");
  });

  it("writes every policy and scheduled action; JSON arguments parse back", () => {
    const r = renderSnippets(input(EVERYTHING));
    const { calls, dir } = runCli(r.awsCli);
    rmSync(dir, { recursive: true });
    const puts = calls.filter((c) => c[1] === "put-scaling-policy");
    expect(puts).toHaveLength(r.policyJson.length);
    puts.forEach((argv, i) => {
      const p = r.policyJson[i] as PolicyJson;
      const json = isStep(p)
        ? flag(argv, "--step-scaling-policy-configuration")
        : flag(argv, "--target-tracking-scaling-policy-configuration");
      expect(JSON.parse(json ?? "null")).toEqual(p);
    });
    const scheduled = calls.filter((c) => c[1] === "put-scheduled-action");
    expect(scheduled.map((c) => flag(c, "--scheduled-action-name"))).toEqual([
      "business-hours",
      "scheduled-action-2",
    ]);
    expect(JSON.parse(flag(scheduled[1], "--scalable-target-action") ?? "null")).toEqual({
      MinCapacity: 1,
      MaxCapacity: 12,
    });
    expect(r.awsCli).toMatch(/^# Step scaling: .*create it separately/m);
    expect(r.awsCli).toMatch(/^# aws cloudwatch put-metric-alarm /m);
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile names stay data in every form.

describe("hostile service and cluster names", () => {
  const rec = input(EVERYTHING, {
    ...HOSTILE,
    task: { ...TASK, architecture: "ARM64", capacityProvider: "FARGATE_SPOT" },
  });
  const r = renderSnippets(rec);
  const resourceId = `service/${HOSTILE.clusterName}/${HOSTILE.serviceName}`;

  it("keeps them exact in the AWS shapes", () => {
    expect(r.scalableTarget.ResourceId).toBe(resourceId);
    expect(
      r.policyJson.filter(isTargetTracking)[1]?.PredefinedMetricSpecification?.ResourceLabel,
    ).toBe(HOSTILE.resourceLabel);
  });

  it("cloudformation and terraform: escape every line break, Unicode ones included", () => {
    for (const text of [r.cloudformation, r.terraform]) {
      expect(text).not.toMatch(/[\r\u0085\u2028\u2029]/);
    }
  });

  it("cloudformation: parses to the same values and no extra keys", () => {
    const { Resources } = checkCfn(r.cloudformation);
    expect(Resources.ServiceScalableTarget?.Properties.ResourceId).toBe(resourceId);
    expect(Resources.ScalingPolicy3?.Properties.TargetTrackingScalingPolicyConfiguration).toEqual(
      r.policyJson[2],
    );
    expect(Resources.ScalingPolicy2?.Properties.TargetTrackingScalingPolicyConfiguration).toEqual(
      r.policyJson[1],
    );
    expect(Resources.ScalingAlarm4?.Properties.Dimensions).toEqual([
      { Name: "ClusterName", Value: HOSTILE.clusterName },
      { Name: "ServiceName", Value: HOSTILE.serviceName },
    ]);
  });

  it("terraform: parses to the same values, no templates and no extra resources", async () => {
    const tf = await parseTf(r.terraform);
    expect(Object.keys(tf.resource).sort()).toEqual([
      "aws_appautoscaling_policy",
      "aws_appautoscaling_scheduled_action",
      "aws_appautoscaling_target",
      "aws_cloudwatch_metric_alarm",
    ]);
    expect(tfLiteral(only(tf.resource.aws_appautoscaling_target?.ecs_service).resource_id)).toBe(
      resourceId,
    );
    const alb = only(tf.resource.aws_appautoscaling_policy?.policy_2)
      .target_tracking_scaling_policy_configuration as TfBlock[];
    const pre = alb[0]?.predefined_metric_specification as TfBlock[];
    expect(tfLiteral(pre[0]?.resource_label)).toBe(HOSTILE.resourceLabel);
    const custom = only(tf.resource.aws_appautoscaling_policy?.policy_3)
      .target_tracking_scaling_policy_configuration as TfBlock[];
    const dims = (custom[0]?.customized_metric_specification as TfBlock[])[0]
      ?.dimensions as TfBlock[];
    expect(dims.map((d) => [d.name, tfLiteral(d.value)])).toEqual([
      ["ClusterName", HOSTILE.clusterName],
      ["ServiceName", HOSTILE.serviceName],
    ]);
    const alarm = only(tf.resource.aws_cloudwatch_metric_alarm?.policy_4_alarm);
    const alarmDims = alarm.dimensions as Record<string, unknown>;
    expect(tfLiteral(alarmDims.ClusterName)).toBe(HOSTILE.clusterName);
    expect(tfLiteral(alarmDims.ServiceName)).toBe(HOSTILE.serviceName);
  });

  it("aws cli: every argument reads back exactly and nothing runs", () => {
    const { calls, dir } = runCli(r.awsCli);
    try {
      expect(calls.map((c) => c[1])).toEqual([
        "register-scalable-target",
        "put-scaling-policy",
        "put-scaling-policy",
        "put-scaling-policy",
        "put-scaling-policy",
        "put-scheduled-action",
        "put-scheduled-action",
      ]);
      for (const argv of calls) expect(flag(argv, "--resource-id")).toBe(resourceId);
      const json = calls
        .filter((c) => c[1] === "put-scaling-policy")
        .map((c) =>
          JSON.parse(
            flag(c, "--target-tracking-scaling-policy-configuration") ??
              flag(c, "--step-scaling-policy-configuration") ??
              "null",
          ),
        );
      expect(json).toEqual(r.policyJson);
      for (const n of [1, 2, 3, 4]) expect(existsSync(join(dir, `pwned-${n}`))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("comments stay comments: no comment line is broken by a name", () => {
    // Every line of the text forms is a comment, blank, or part of the rendered structure;
    // the parses above prove structure, this checks the hints kept their `#` on each line.
    for (const text of [r.cloudformation, r.terraform, r.awsCli]) {
      const hint = text.slice(text.lastIndexOf("\n\n") + 2).trimEnd();
      for (const line of hint.split(/\r\n|[\r\n\u0085\u2028\u2029]/)) expect(line).toMatch(/^#/);
    }
    expect(r.awsCli).toContain("# aws ecs update-service --cluster 'cl'\\''; touch pwned-3;");
  });
});

it("places no placeholder when every label is known", () => {
  const r = renderSnippets(input(CPU_60));
  for (const text of [r.cloudformation, r.terraform, r.awsCli]) {
    expect(text).not.toContain(RESOURCE_LABEL_PLACEHOLDER);
    expect(text).not.toContain(TARGET_GROUP_PLACEHOLDER);
  }
});
