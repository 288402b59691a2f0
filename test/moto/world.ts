/**
 * Resources the moto tests build: a VPC with two subnets, an ALB with a target group and a
 * listener (boto3), and an ECS Fargate service behind that target group (the AWS SDK for
 * JavaScript). Everything is created through moto's public APIs; nothing is poked into moto's
 * state.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
} from "@aws-sdk/client-ecs";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MOTO, sdkConfig } from "./moto.js";

export interface Network {
  readonly vpcId: string;
  readonly subnets: readonly [string, string];
  readonly securityGroup: string;
}

export interface LoadBalancer {
  readonly loadBalancerArn: string;
  readonly targetGroupArn: string;
  /** The CloudWatch `LoadBalancer` dimension: `app/NAME/ID`. */
  readonly loadBalancer: string;
  /** The CloudWatch `TargetGroup` dimension: `targetgroup/NAME/ID`. */
  readonly targetGroup: string;
}

/**
 * A VPC with two subnets and a security group, an ALB `name` with an `ip` target group
 * `name-tg` on port 8080 and an HTTP listener to it: test/moto/network.py, with boto3 in one
 * Python process (the JS SDK's EC2 client is not a caplab dependency; tests that change the
 * target group afterwards use the ELBv2 client, which is).
 */
export async function createNetwork(
  endpoint: string,
  name: string,
): Promise<{ network: Network; lb: LoadBalancer }> {
  if (MOTO === null) throw new Error("no moto");
  const python = join(dirname(MOTO.motoServer), "python");
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      python,
      [fileURLToPath(new URL("network.py", import.meta.url)), endpoint, name],
      // No user's AWS profile or variables: the script passes moto's endpoint and dummy keys.
      { timeout: 60_000, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir() } },
      (error, out, err) => {
        if (error) reject(new Error(`network.py: ${err || error.message}`));
        // It once exited 0 having printed nothing (a loaded machine): say so, with its stderr.
        else if (out.trim() === "")
          reject(
            new Error(`network.py exited 0 with nothing on stdout; stderr: ${err || "(empty)"}`),
          );
        else resolve(out);
      },
    ),
  );
  const r = JSON.parse(stdout) as {
    vpcId: string;
    subnets: [string, string];
    securityGroup: string;
    loadBalancerArn: string;
    targetGroupArn: string;
  };
  return {
    network: { vpcId: r.vpcId, subnets: r.subnets, securityGroup: r.securityGroup },
    lb: {
      loadBalancerArn: r.loadBalancerArn,
      targetGroupArn: r.targetGroupArn,
      loadBalancer: r.loadBalancerArn.slice(r.loadBalancerArn.indexOf(":loadbalancer/") + 14),
      targetGroup: r.targetGroupArn.slice(r.targetGroupArn.indexOf("targetgroup/")),
    },
  };
}

export interface ServiceSpec {
  readonly cluster: string;
  readonly service: string;
  readonly family: string;
  readonly cpu: string;
  readonly memory: string;
  readonly architecture: "X86_64" | "ARM64";
  readonly desiredCount: number;
  readonly containers?: readonly ContainerDefinition[];
}

export interface EcsService {
  readonly clusterArn: string;
  readonly serviceArn: string;
  readonly taskDefinitionArn: string;
}

/** A cluster, a Fargate task definition, and a service on it behind `lb`'s target group. */
export async function createService(
  endpoint: string,
  network: Network,
  lb: LoadBalancer,
  spec: ServiceSpec,
): Promise<EcsService> {
  const ecs = new ECSClient(sdkConfig(endpoint));
  try {
    const cluster = await ecs.send(new CreateClusterCommand({ clusterName: spec.cluster }));
    const containers = spec.containers ?? [
      {
        name: "app",
        image: "public.ecr.aws/nginx/nginx:stable",
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: "tcp" }],
      },
    ];
    const td = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: spec.family,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: spec.cpu,
        memory: spec.memory,
        runtimePlatform: { cpuArchitecture: spec.architecture, operatingSystemFamily: "LINUX" },
        containerDefinitions: [...containers],
      }),
    );
    const service = await ecs.send(
      new CreateServiceCommand({
        cluster: spec.cluster,
        serviceName: spec.service,
        taskDefinition: td.taskDefinition!.taskDefinitionArn,
        desiredCount: spec.desiredCount,
        launchType: "FARGATE",
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: [...network.subnets],
            securityGroups: [network.securityGroup],
            assignPublicIp: "DISABLED",
          },
        },
        loadBalancers: [
          {
            targetGroupArn: lb.targetGroupArn,
            containerName: containers[0]!.name,
            containerPort: 8080,
          },
        ],
      }),
    );
    return {
      clusterArn: cluster.cluster!.clusterArn!,
      serviceArn: service.service!.serviceArn!,
      taskDefinitionArn: td.taskDefinition!.taskDefinitionArn!,
    };
  } finally {
    ecs.destroy();
  }
}
