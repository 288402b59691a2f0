/** Every default in one place (sim/vocab/defaults.ts), pinned, and the schemas fill them in. */
import { describe, expect, it } from "vitest";
import { GATE_DEFAULTS } from "../../../analysis/gate.js";
import {
  DEFAULTS,
  PlanConfigSchema,
  resolvePlatform,
  resolvePrices,
  SimulateConfigSchema,
} from "../../../sim/vocab/index.js";

describe("the defaults", () => {
  it("pins every default (change one on purpose, with its source)", () => {
    expect(DEFAULTS).toMatchInlineSnapshot(`
      {
        "awsCalls": {
          "connectTimeoutSeconds": 10,
          "maxAttempts": 3,
          "requestTimeoutSeconds": 60,
        },
        "calibrate": {
          "lowLoadUtilization": 0.5,
          "minimumPoints": 20,
          "saturatedCpuPercent": 85,
        },
        "collect": {
          "maxTasks": 50,
          "periodSeconds": 60,
        },
        "deployment": {
          "bakeTimeInMinutes": 0,
          "canaryBakeTimeInMinutes": 10,
          "canaryPercent": 5,
          "circuitBreaker": false,
          "maximumPercent": 200,
          "maximumPercentCountsDraining": false,
          "minimumHealthyPercent": 100,
          "resetOnHealthyTask": true,
          "rollback": true,
          "scaleOutDuringDeployment": "both-revisions",
          "stepBakeTimeInMinutes": 6,
          "stepPercent": 10,
          "thresholdType": "BOUNDED_PERCENT",
          "thresholdValue": 50,
        },
        "desiredCount": {
          "settledUtilization": 0.5,
          "settledWindowSeconds": 600,
        },
        "gate": {
          "capacityMarginPercent": 10,
          "confidence": 0.95,
          "cpuHeadroomPercent": 20,
          "errorAlpha": 0.01,
          "errorMinDifferencePercent": 0.5,
          "k6Thresholds": true,
          "latencySampleConfidence": 0.95,
          "mannWhitneyAlpha": 0.01,
          "mannWhitneyMinShiftPercent": 5,
          "max5xxPercent": 0.1,
          "maxAddedSloMinutes": 0,
          "maxBootstrapValues": 5000,
          "memoryHeadroomPercent": 20,
          "minJudgedChecks": 1,
          "p95MarginPercent": 10,
          "requireLatencyCheck": true,
          "resamples": 1000,
          "seed": 1,
          "taskCountBelowMaxCapacity": true,
        },
        "guardrails": {
          "longGapMinutes": 60,
          "minCoveragePercent": 90,
          "minTraceHours": 24,
          "patternHours": 168,
        },
        "history": {
          "changePointMinSize": 4,
          "changePointSeed": 1,
          "last": 30,
          "lockTimeoutSeconds": 60,
          "path": ".caplab/history.duckdb",
        },
        "import": {
          "albThreadMinBytes": 201326592,
          "k6Scenario": "k6",
          "k6ThreadMinBytes": 1073741824,
          "latencyExactValues": 128,
          "s3Region": "us-east-1",
          "sparseQuietSeconds": 86400,
          "stepSeconds": 60,
        },
        "pareto": {
          "maxBudgetMultiple": 2,
        },
        "platform": {
          "alarmEvaluationRangeExtraPeriods": 2,
          "appStartSeconds": 5,
          "capacityFormulaDatapoint": "latest",
          "deploymentSurgeInRunningCount": false,
          "deregistrationDelaySeconds": 300,
          "drainingEndsWhenIdle": false,
          "drainingTasksInServiceMetrics": true,
          "fargateLaunchesPerSecond": 20,
          "healthCheckGracePeriodSeconds": 0,
          "healthCheckIntervalSeconds": 30,
          "healthCheckTimeoutSeconds": 5,
          "healthyThresholdCount": 5,
          "highResolutionAlarmEvaluationRangeExtraPeriods": 2,
          "highResolutionPublicationDelaySeconds": 20,
          "highResolutionScaleInDatapoints": 45,
          "highResolutionScaleOutDatapoints": 3,
          "launchSeconds": 55,
          "loadBalancingAlgorithm": "round_robin",
          "maximumPercent": 200,
          "metricPublicationDelaySeconds": 150,
          "newTargetHealthyChecks": 1,
          "oomModel": "poisson",
          "oomReplacementDelaySeconds": 0,
          "overloadFailsHealthChecks": true,
          "requestCountPerTargetDivisor": "healthy",
          "scaleInBlockedAfterScaleOut": false,
          "schedulingDelaySeconds": 10,
          "slowStartSeconds": 0,
          "unhealthyThresholdCount": 2,
          "zeroTrafficIsMissingData": true,
        },
        "prices": {
          "armGbHour": 0.00356,
          "armVcpuHour": 0.03238,
          "minimumBilledSeconds": 60,
          "spotDiscount": 0.7,
          "x86GbHour": 0.004445,
          "x86VcpuHour": 0.04048,
        },
        "retry": {
          "baseDelayMs": 500,
          "maxAttempts": 6,
          "maxDelayMs": 20000,
        },
        "rightsize": {
          "cpuPercentile": 0.95,
          "headroomPercent": 20,
          "memoryPercentile": 0.99,
        },
        "robustness": {
          "maxChecked": 40,
          "maxRisk": "low",
          "minPassed": 0,
          "topK": 5,
        },
        "run": {
          "collectWaitSeconds": 180,
          "ecsWaitMarginSeconds": 900,
          "k6Container": "k6",
          "scriptTestSeconds": 3600,
          "syncStartTimeoutSeconds": 300,
        },
        "scaling": {
          "DisableScaleIn": false,
          "ScaleInCooldown": 300,
          "ScaleOutCooldown": 300,
          "StepCooldown": 300,
        },
        "seed": 1,
        "service": {
          "idleCpuPercent": 1,
          "latencyMs": 0,
          "serviceTimeCv": 1,
          "timeoutSeconds": 60,
        },
        "slo": {
          "errorRatePercent": 0.1,
          "latencyP95Ms": 300,
          "violationBudgetPercent": 0.5,
        },
        "space": {
          "MinCapacity": [
            2,
            3,
          ],
          "ScaleInCooldown": [
            300,
          ],
          "ScaleOutCooldown": [
            60,
            300,
          ],
          "architectures": [
            "X86_64",
          ],
          "autoMaxCapacityCpuPercent": 30,
          "capacityProviders": [
            "FARGATE",
          ],
          "maxCpu": 4096,
          "memoryPerVcpuGiB": [
            2,
          ],
          "metrics": [
            "ECSServiceAverageCPUUtilization",
            "ECSServiceAverageCPUUtilizationHighResolution",
            "ALBRequestCountPerTarget",
          ],
          "minCpu": 256,
          "minTasksForAvailability": 2,
          "requestCountTargetFractions": [
            0.4,
            0.5,
            0.6,
            0.7,
            0.8,
          ],
          "utilizationTargets": [
            40,
            50,
            60,
            70,
            80,
          ],
        },
        "sweep": {
          "batchSize": 4,
          "firstWave": 16,
          "orderWindowFraction": 0.02,
          "orderWindowMaxSeconds": 86400,
          "orderWindowMinSeconds": 21600,
          "pruneCheckSeconds": 600,
        },
        "task": {
          "architecture": "X86_64",
          "capacityProvider": "FARGATE",
        },
      }
    `);
  });

  it("are the values the config schemas fill in", () => {
    const simulate = SimulateConfigSchema.parse({
      trace: { generate: "default-week" },
      service: { cpuMsPerRequest: 10, memoryMiB: { base: 100 } },
      task: { cpu: "1024", memory: "2048" },
      scaling: {
        MinCapacity: 1,
        MaxCapacity: 2,
        policies: [
          {
            TargetTrackingScalingPolicyConfiguration: {
              TargetValue: 50,
              PredefinedMetricSpecification: {
                PredefinedMetricType: "ECSServiceAverageCPUUtilization",
              },
            },
          },
        ],
      },
    });
    const { cpuMsPerRequest: _c, memoryMiB: _m, ...service } = simulate.service;
    expect(service).toEqual(DEFAULTS.service);
    expect(simulate.slo).toEqual(DEFAULTS.slo);
    expect(simulate.seed).toBe(DEFAULTS.seed);
    expect(simulate.task).toMatchObject(DEFAULTS.task);
    const tt = simulate.scaling.policies[0]!.TargetTrackingScalingPolicyConfiguration!;
    expect(tt.ScaleOutCooldown).toBe(DEFAULTS.scaling.ScaleOutCooldown);
    expect(tt.ScaleInCooldown).toBe(DEFAULTS.scaling.ScaleInCooldown);
    expect(tt.DisableScaleIn).toBe(DEFAULTS.scaling.DisableScaleIn);
    expect(resolvePlatform(simulate.platform)).toEqual(DEFAULTS.platform);
    expect(resolvePrices(simulate.prices)).toEqual(DEFAULTS.prices);

    const plan = PlanConfigSchema.parse({
      trace: { generate: "default-week" },
      service: { cpuMsPerRequest: 10, memoryMiB: { base: 100 } },
    });
    const { autoMaxCapacityCpuPercent: _a, ...space } = DEFAULTS.space;
    expect(plan.space).toEqual(space);
    expect(plan.robustness).toEqual(DEFAULTS.robustness);
    expect(GATE_DEFAULTS).toBe(DEFAULTS.gate);
  });
});
