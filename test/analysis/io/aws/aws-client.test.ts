/**
 * Every AWS call is bounded in time and in attempts, and its failures are one sentence: the
 * real SDK clients against a loopback endpoint that accepts and never answers, answers 200
 * with bad JSON or the wrong shape, or is not there at all (collect, import s3://, run --on
 * ecs). The timeouts in these tests are fractions of a second, so each ends in a few; nothing
 * here measures time: the assertions are on exit codes, sentences and attempts counted.
 */
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { fromIni } from "@aws-sdk/credential-providers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCollectCommand } from "../../../../cli/collect-command.js";
import { main } from "../../../../cli/main.js";
import { defaultRunDeps, runRunCommand, type RunDeps } from "../../../../cli/run-command.js";
import {
  AWS_MAX_ATTEMPTS,
  AWS_TIMEOUT_DEFAULTS,
  awsCallBoundSeconds,
  awsClientOptions,
  guardAwsClient,
  MalformedResponseError,
  parseSecondsFlag,
  shapeProblem,
} from "../../../../analysis/io/aws/aws-client.js";
import { UsageError } from "../../../../sim/vocab/errors.js";
import { captureIo, cliContext } from "../../../helpers/io.js";
import {
  awsJsonError,
  json,
  refusedUrl,
  startMisbehavingAws,
  type Behaviour,
  type MisbehavingAws,
} from "./misbehaving-aws.js";

const CREDENTIALS = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" };
/** Fractions of a second: every test below ends in a few seconds at most. */
const FAST = { connectTimeout: 0.3, requestTimeout: 0.3 };
const stackLine = /^\s+at /m;

let dir = "";
let endpoints: MisbehavingAws[] = [];
const saved: Record<string, string | undefined> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "caplab-aws-"));
  // The commands that build their own clients read credentials from the environment.
  for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"])
    saved[k] = process.env[k];
  process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = "us-east-1";
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});
afterEach(async () => {
  await Promise.all(endpoints.map((e) => e.close()));
  endpoints = [];
});

async function endpoint(behave: (op: string, body: string) => Behaviour): Promise<MisbehavingAws> {
  const e = await startMisbehavingAws(behave);
  endpoints.push(e);
  return e;
}

const hang: Behaviour = { kind: "hang" };

/** `caplab collect` against `url` with the FAST timeouts; returns the exit code and stderr. */
async function collectFrom(url: string): Promise<{ code: number; stderr: string }> {
  const io = captureIo();
  const code = await runCollectCommand(
    {
      cluster: "prod",
      service: "api",
      from: "2026-11-20T00:00:00Z",
      to: "2026-11-20T06:00:00Z",
      out: join(dir, "collected"),
      endpointUrl: url,
      ...FAST,
    },
    cliContext(io),
    { clientConfig: { region: "us-east-1", credentials: CREDENTIALS } },
  );
  return { code, stderr: io.stderr() };
}

function oneSentence(text: string): string {
  const lines = text.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(text).not.toMatch(stackLine);
  return lines[0]!;
}

describe("the AWS timeouts and attempts", () => {
  it("are named defaults (10 s to connect, 60 s for an answer, 3 attempts), given to every client", () => {
    expect(AWS_TIMEOUT_DEFAULTS).toEqual({ connectTimeoutSeconds: 10, requestTimeoutSeconds: 60 });
    expect(AWS_MAX_ATTEMPTS).toBe(3);
    expect(awsCallBoundSeconds()).toBe(181);
    expect(awsClientOptions({ connectTimeoutSeconds: 0.5, requestTimeoutSeconds: 2 })).toEqual({
      requestHandler: {
        connectionTimeout: 500,
        requestTimeout: 2000,
        socketTimeout: 2000,
        throwOnRequestTimeout: true,
      },
      maxAttempts: 3,
    });
    expect(parseSecondsFlag("--request-timeout")("2.5")).toBe(2.5);
    for (const bad of ["0", "-1", "soon", "", "Infinity"])
      expect(() => parseSecondsFlag("--request-timeout")(bad)).toThrow(UsageError);
  });

  it("--connect-timeout and --request-timeout are refused in one sentence when they are not seconds", async () => {
    const io = captureIo();
    expect(
      await main(
        ["collect", "--cluster", "c", "--service", "s", "--from", "now-1h", "--to", "now"].concat([
          "--request-timeout",
          "0",
          "--out",
          join(dir, "x"),
        ]),
        io,
      ),
    ).toBe(2);
    expect(oneSentence(io.stderr())).toMatch(/--request-timeout takes a number of seconds above 0/);
  });
});

describe("an endpoint that accepts and never answers", () => {
  it("ends collect after 3 bounded attempts with one sentence (exit 1)", async () => {
    const aws = await endpoint(() => hang);
    const { code, stderr } = await collectFrom(aws.url);
    expect(code).toBe(1);
    expect(oneSentence(stderr)).toMatch(
      /^caplab: ECS DescribeServices got no answer from --endpoint-url http:\/\/127\.0\.0\.1:\d+ within --request-timeout 0\.3 s \(3 attempts\); check the network and --endpoint-url, raise --request-timeout, or run the same command again later: the chunks already fetched are kept in .*collected\.partial\.$/,
    );
    expect(aws.requests).toEqual(["DescribeServices", "DescribeServices", "DescribeServices"]);
  });

  it("ends import s3:// the same way", async () => {
    const aws = await endpoint(() => hang);
    const io = captureIo();
    const code = await main(
      ["import", "s3://logs/AWSLogs/", "--format", "alb", "--endpoint-url", aws.url]
        .concat(["--request-timeout", "0.3", "--connect-timeout", "0.3"])
        .concat(["--out", join(dir, "imported")]),
      io,
    );
    expect(code).toBe(1);
    expect(oneSentence(io.stderr())).toMatch(
      /^caplab: S3 ListObjectsV2 got no answer from --endpoint-url http:\/\/127\.0\.0\.1:\d+ within --request-timeout 0\.3 s \(3 attempts\)/,
    );
    expect(aws.requests).toHaveLength(3);
    expect(existsSync(join(dir, "imported"))).toBe(false);
  });

  it("ends run --on ecs while it waits for the tasks, saying how to find them", async () => {
    let started = 0;
    const aws = await endpoint((op) =>
      op === "RunTask"
        ? json({ tasks: [{ taskArn: `arn:aws:ecs:us-east-1:1:task/load/t${++started}` }] })
        : hang,
    );
    const io = captureIo();
    const code = await runRunCommand(
      "smoke",
      { ...ecsOptions("ecs-hang"), ...FAST },
      cliContext(io),
      runDeps(aws.url),
    );
    expect(code).toBe(1);
    expect(io.stderr()).toMatch(
      /caplab: ECS DescribeTasks got no answer from AWS within --request-timeout 0\.3 s \(3 attempts\); .* the k6 tasks of caplab-0badcafe may still be running: see them with aws ecs list-tasks --cluster load --started-by caplab-0badcafe/,
    );
    expect(aws.requests.filter((r) => r === "DescribeTasks")).toHaveLength(3);
  });
});

describe("a 200 that is not a usable answer", () => {
  it("bad JSON is asked again, 3 times in all, then one sentence (exit 1)", async () => {
    const aws = await endpoint(() => ({ kind: "answer", status: 200, body: "{not json" }));
    const { code, stderr } = await collectFrom(aws.url);
    expect(code).toBe(1);
    expect(oneSentence(stderr)).toMatch(
      /^caplab: ECS DescribeServices answered with a malformed response: .*JSON.* \(3 attempts\) from --endpoint-url http:\/\/127\.0\.0\.1:\d+; check that --endpoint-url speaks the AWS API, or run the same command again later/,
    );
    expect(aws.requests).toEqual(["DescribeServices", "DescribeServices", "DescribeServices"]);
  });

  it("the wrong shape is caught against the operation's schema, asked again, then one sentence", async () => {
    const aws = await endpoint(() => json({ services: "oops", failures: [] }));
    const { code, stderr } = await collectFrom(aws.url);
    expect(code).toBe(1);
    expect(oneSentence(stderr)).toMatch(
      /ECS DescribeServices answered with a malformed response: output\.services is a string, not a list \(3 attempts\)/,
    );
    expect(aws.requests).toHaveLength(3);
  });

  it("finds a wrong value deep in a GetMetricData answer, and lets a right one through", async () => {
    let answer: unknown = {
      MetricDataResults: [{ Id: "m0", Timestamps: [1_795_000_000], Values: ["12"] }],
    };
    const aws = await endpoint(() => ({
      kind: "answer",
      status: 200,
      body: JSON.stringify(answer),
      contentType: "application/x-amz-json-1.0",
    }));
    const client = guardAwsClient(
      new CloudWatchClient({
        ...awsClientOptions({ connectTimeoutSeconds: 1, requestTimeoutSeconds: 1 }),
        endpoint: aws.url,
        region: "us-east-1",
        credentials: CREDENTIALS,
      }),
    );
    const input = {
      MetricDataQueries: [],
      StartTime: new Date(1_795_000_000_000),
      EndTime: new Date(1_795_000_060_000),
    };
    const error = await client.send(new GetMetricDataCommand(input)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toBe(
      "CloudWatch GetMetricData answered with a malformed response: output.MetricDataResults[0].Values[0] is a string, not a number",
    );
    answer = { MetricDataResults: [{ Id: "m0", Timestamps: [1_795_000_000], Values: [12] }] };
    const ok = await client.send(new GetMetricDataCommand(input));
    expect(ok.MetricDataResults?.[0]?.Values).toEqual([12]);
    expect(aws.requests).toHaveLength(4);
  });

  it("shapeProblem reads the SDK's own schema of an operation", () => {
    const output = (
      new DescribeServicesCommand({ services: [] }) as unknown as { schema: unknown[] }
    ).schema[5];
    expect(shapeProblem(output, { services: [{ serviceName: "api", desiredCount: 2 }] })).toBe(
      null,
    );
    expect(shapeProblem(output, { services: [{ desiredCount: "2" }] })).toBe(
      "output.services[0].desiredCount is a string, not a number",
    );
    expect(shapeProblem(output, { services: [{ createdAt: "yesterday" }] })).toBe(
      "output.services[0].createdAt is a string, not a time",
    );
    expect(shapeProblem(output, { services: [[]] })).toBe(
      "output.services[0] is a list, not a structure",
    );
  });
});

describe("an --endpoint-url where nothing listens", () => {
  it("is one sentence, exit 2, for collect and import", async () => {
    const url = await refusedUrl();
    const collected = await collectFrom(url);
    expect(collected.code).toBe(2);
    expect(oneSentence(collected.stderr)).toMatch(
      new RegExp(
        `^caplab: nothing answers at --endpoint-url ${url.replace(/\./g, "\\.")} \\(ECONNREFUSED, 3 attempts\\); check the URL and that the endpoint is running\\.$`,
      ),
    );
    const io = captureIo();
    expect(
      await main(
        [
          "import",
          "s3://logs/x/",
          "--format",
          "alb",
          "--endpoint-url",
          url,
          "--out",
          join(dir, "i"),
        ],
        io,
      ),
    ).toBe(2);
    expect(oneSentence(io.stderr())).toMatch(/nothing answers at --endpoint-url/);
  });
});

// ---------------------------------------------------------------------------------------------
// run --on ecs before any task runs

function ecsOptions(out: string) {
  return {
    target: "https://alb.example.com",
    out: join(dir, out),
    segments: 2,
    on: "ecs",
    cluster: "load",
    taskDefinition: "caplab-k6:3",
    subnets: ["subnet-a"],
    results: "s3://results/k6",
  } as const;
}

function runDeps(
  url: string,
  credentials: ECSClient["config"]["credentials"] | typeof CREDENTIALS = CREDENTIALS,
): RunDeps {
  return {
    ...defaultRunDeps,
    env: { PATH: "" },
    runId: () => "caplab-0badcafe",
    sleep: async () => {},
    ecs: (timeouts) =>
      new ECSClient({
        ...awsClientOptions(timeouts),
        endpoint: url,
        region: "us-east-1",
        credentials,
      }),
    collector: null,
  };
}

describe("run --on ecs when ECS says no", () => {
  it("without credentials: one sentence, exit 2, and no call made", async () => {
    const aws = await endpoint(() => json({}));
    const empty = join(dir, "empty-aws-config");
    await writeFile(empty, "");
    const noCredentials = fromIni({
      profile: "caplab-nobody",
      filepath: empty,
      configFilepath: empty,
    });
    const error = await runRunCommand(
      "smoke",
      ecsOptions("ecs-no-credentials"),
      cliContext(captureIo()),
      runDeps(aws.url, noCredentials),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /^no AWS credentials were found for ECS RunTask \(.*caplab-nobody.*\); configure the default credential chain \(AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a role\); no task was started\.$/,
    );
    expect(aws.requests).toEqual([]);
  });

  it("RunTask refusing the second segment stops the first task and says why in one sentence", async () => {
    let runs = 0;
    const aws = await endpoint((op) => {
      if (op === "StopTask") return json({ task: {} });
      if (op !== "RunTask") return awsJsonError("InvalidParameterException", `unexpected ${op}`);
      runs++;
      return runs === 1
        ? json({ tasks: [{ taskArn: "arn:aws:ecs:us-east-1:1:task/load/first" }], failures: [] })
        : json({ tasks: [], failures: [{ arn: "x", reason: "RESOURCE:ENI" }] });
    });
    const error = await runRunCommand(
      "smoke",
      ecsOptions("ecs-runtask-fails"),
      cliContext(captureIo()),
      runDeps(aws.url),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      "RunTask for segment 1/2:1 failed: RESOURCE:ENI; the 1 task already started was stopped (StopTask).",
    );
    expect(aws.requests).toEqual(["RunTask", "RunTask", "StopTask"]);
  });

  it("RunTask answering ClientException is one sentence naming the call (exit 2 through main)", async () => {
    const aws = await endpoint(() =>
      awsJsonError("ClientException", "Unable to find task definition caplab-k6:3."),
    );
    const error = await runRunCommand(
      "smoke",
      ecsOptions("ecs-client-exception"),
      cliContext(captureIo()),
      runDeps(aws.url),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      "AWS refused ECS RunTask (ClientException: Unable to find task definition caplab-k6:3.); check the flags that name AWS resources (cluster, task definition, subnets, bucket, Region); no task was started.",
    );
    expect(aws.requests).toEqual(["RunTask"]);
  });
});
