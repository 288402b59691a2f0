/**
 * Loopback stand-ins for what `caplab run --on ecs` talks to, each speaking the real wire
 * protocol so the real AWS SDK clients can be used against them:
 *
 * - ECS (JSON 1.1, `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`): RunTask,
 *   DescribeTasks (PENDING → RUNNING with an ENI attachment → STOPPED with an exit code),
 *   DescribeTaskDefinition, StopTask.
 * - CloudWatch Logs (JSON 1.1, `X-Amz-Target: Logs_20140328.GetLogEvents`): pages of events
 *   from the head, an empty first page, and the given token back at the end of the stream.
 * - k6's REST API on 127.0.0.2, 127.0.0.3, … (Linux routes all of 127/8 to loopback), one per
 *   task, all on one port: GET /v1/status (initialising, then paused) and PATCH /v1/status.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Call {
  readonly op: string;
  readonly body: Record<string, unknown>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  host = "127.0.0.1",
  port = 0,
): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

function awsError(res: ServerResponse, type: string, message: string): void {
  res.statusCode = 400;
  res.end(JSON.stringify({ __type: type, message }));
}

// ---------------------------------------------------------------------------------------------
// ECS

export interface FakeTask {
  readonly arn: string;
  readonly id: string;
  readonly index: number;
  readonly segment: string;
  readonly command: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  polls: number;
  /** The poll after which the task reports STOPPED; set once it may stop. */
  stopAfter: number | null;
  stoppedByUser: boolean;
}

export interface FakeEcsOptions {
  /** Polls a task reports PENDING before RUNNING. @default 0 */
  pollsPending?: number;
  /** Polls a task stays RUNNING once it may stop. @default 2 */
  pollsRunning?: number;
  /** k6 exit codes by execution segment ("1/3:2/3"). @default 0 */
  exitCodes?: Record<string, number>;
  /** The private IP of segment i's task. @default 10.0.1.(10 + i) */
  ipOf?: (index: number) => string;
  /** Whether a RUNNING task may go on to stop (a paused k6 does not). @default always */
  mayStop?: (task: FakeTask) => boolean;
  /** DescribeTaskDefinition's `taskDefinition`. */
  taskDefinition?: Record<string, unknown>;
}

export interface FakeEcs {
  readonly endpoint: string;
  readonly calls: Call[];
  readonly tasks: FakeTask[];
  options: FakeEcsOptions;
  close(): Promise<void>;
}

const ECS_PREFIX = "AmazonEC2ContainerServiceV20141113.";

export async function startFakeEcs(options: FakeEcsOptions = {}): Promise<FakeEcs> {
  const calls: Call[] = [];
  const tasks: FakeTask[] = [];
  const fake = { calls, tasks, options } as { -readonly [K in keyof FakeEcs]: FakeEcs[K] };
  const describe = (task: FakeTask): Record<string, unknown> => {
    const o = fake.options;
    task.polls++;
    const ip = (o.ipOf ?? ((i: number) => `10.0.1.${10 + i}`))(task.index);
    const attachments = [
      {
        id: `eni-attach-${task.id}`,
        type: "ElasticNetworkInterface",
        status: "ATTACHED",
        details: [
          { name: "subnetId", value: "subnet-1" },
          { name: "networkInterfaceId", value: `eni-${task.id}` },
          { name: "privateIPv4Address", value: ip },
        ],
      },
    ];
    const base = { taskArn: task.arn, attachments, desiredStatus: "RUNNING" };
    if (task.stoppedByUser)
      return {
        ...base,
        lastStatus: "STOPPED",
        desiredStatus: "STOPPED",
        stoppedReason: "Task stopped by user",
        containers: [{ name: "k6", exitCode: 105 }],
      };
    if (task.polls <= (o.pollsPending ?? 0)) return { ...base, lastStatus: "PENDING" };
    if (task.stopAfter === null && (o.mayStop ?? (() => true))(task))
      task.stopAfter = task.polls + (o.pollsRunning ?? 2) - 1;
    if (task.stopAfter === null || task.polls <= task.stopAfter)
      return { ...base, lastStatus: "RUNNING" };
    return {
      ...base,
      lastStatus: "STOPPED",
      desiredStatus: "STOPPED",
      stoppedReason: "Essential container in task exited",
      containers: [{ name: "k6", exitCode: o.exitCodes?.[task.segment] ?? 0 }],
    };
  };
  const { server, port } = await listen(async (req, res) => {
    const op = String(req.headers["x-amz-target"] ?? "").replace(ECS_PREFIX, "");
    const input = JSON.parse((await readBody(req)) || "{}") as Record<string, unknown>;
    calls.push({ op, body: input });
    res.setHeader("Content-Type", "application/x-amz-json-1.1");
    if (op === "RunTask") {
      const override = (
        input.overrides as {
          containerOverrides: {
            command: string[];
            environment: { name: string; value: string }[];
          }[];
        }
      ).containerOverrides[0]!;
      const environment = Object.fromEntries(override.environment.map((e) => [e.name, e.value]));
      const id = `${(tasks.length + 1).toString(16).padStart(4, "0")}c0ffee${tasks.length}`;
      const command = override.command;
      const task: FakeTask = {
        arn: `arn:aws:ecs:us-east-1:123456789012:task/${String(input.cluster)}/${id}`,
        id,
        index: tasks.length, // caplab launches the segments in order
        segment: environment.CAPLAB_SEGMENT ?? "?",
        command,
        environment,
        polls: 0,
        stopAfter: null,
        stoppedByUser: false,
      };
      tasks.push(task);
      res.end(JSON.stringify({ tasks: [{ taskArn: task.arn, lastStatus: "PROVISIONING" }] }));
    } else if (op === "DescribeTasks") {
      const out = (input.tasks as string[]).map((arn) => {
        const task = tasks.find((t) => t.arn === arn);
        return task === undefined ? { taskArn: arn, lastStatus: "MISSING" } : describe(task);
      });
      res.end(JSON.stringify({ tasks: out, failures: [] }));
    } else if (op === "DescribeTaskDefinition") {
      if (fake.options.taskDefinition === undefined)
        return awsError(res, "ClientException", "Unable to describe task definition.");
      res.end(JSON.stringify({ taskDefinition: fake.options.taskDefinition }));
    } else if (op === "StopTask") {
      const task = tasks.find((t) => t.arn === input.task);
      if (task === undefined) return awsError(res, "InvalidParameterException", "no such task");
      task.stoppedByUser = true;
      res.end(JSON.stringify({ task: { taskArn: task.arn, desiredStatus: "STOPPED" } }));
    } else awsError(res, "InvalidParameterException", `unknown op ${op}`);
  });
  fake.endpoint = `http://127.0.0.1:${port}`;
  fake.close = () => close(server);
  return fake as FakeEcs;
}

/** A task definition whose k6 container logs with awslogs (the fields caplab reads). */
export function awslogsTaskDefinition(
  options: Record<string, string> | null = {
    "awslogs-group": "/ecs/caplab-k6",
    "awslogs-region": "us-east-1",
    "awslogs-stream-prefix": "k6",
  },
  logDriver = "awslogs",
): Record<string, unknown> {
  return {
    taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/caplab-k6:3",
    family: "caplab-k6",
    revision: 3,
    containerDefinitions: [
      {
        name: "k6",
        image: "caplab-k6:latest",
        essential: true,
        ...(options === null ? {} : { logConfiguration: { logDriver, options } }),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// CloudWatch Logs

export interface FakeLogs {
  readonly endpoint: string;
  readonly calls: Call[];
  close(): Promise<void>;
}

/**
 * GetLogEvents over `streams` (key `group:stream`, value the events' messages), `pageSize`
 * events a page. Like CloudWatch Logs, a request without a token may get an empty page, and at
 * the end of a stream the token given comes back.
 */
export async function startFakeLogs(
  streams: ReadonlyMap<string, readonly string[]>,
  pageSize = 500,
): Promise<FakeLogs> {
  const calls: Call[] = [];
  const { server, port } = await listen(async (req, res) => {
    const op = String(req.headers["x-amz-target"] ?? "").replace("Logs_20140328.", "");
    const input = JSON.parse((await readBody(req)) || "{}") as Record<string, unknown>;
    calls.push({ op, body: input });
    res.setHeader("Content-Type", "application/x-amz-json-1.1");
    if (op !== "GetLogEvents") return awsError(res, "InvalidParameterException", `unknown ${op}`);
    const events = streams.get(`${String(input.logGroupName)}:${String(input.logStreamName)}`);
    if (events === undefined)
      return awsError(res, "ResourceNotFoundException", "The specified log stream does not exist.");
    const token = input.nextToken as string | undefined;
    if (token === undefined) {
      // An empty first page with a new token: reading must go on until the token repeats.
      res.end(JSON.stringify({ events: [], nextForwardToken: "f/0", nextBackwardToken: "b/0" }));
      return;
    }
    const from = Number(token.slice(2));
    const page = events.slice(from, from + pageSize);
    const next = from + page.length;
    res.end(
      JSON.stringify({
        events: page.map((message, i) => ({
          timestamp: 1694199790000 + from + i,
          message,
          ingestionTime: 1694199791000 + from + i,
        })),
        nextForwardToken: `f/${next}`,
        nextBackwardToken: `b/${from}`,
      }),
    );
  });
  return { endpoint: `http://127.0.0.1:${port}`, calls, close: () => close(server) };
}

// ---------------------------------------------------------------------------------------------
// k6's REST API

export interface FakeK6 {
  readonly ip: string;
  readonly port: number;
  paused: boolean;
  gets: number;
  readonly patches: unknown[];
}

/**
 * One fake k6 per IP, all on one port (found free on the first IP). Each reports execution
 * status 1 (initialising VUs) to its first GET, then 4 (paused before run) until a PATCH
 * resumes it. `events` records `IP GET <status>` and `IP PATCH` in order.
 */
export async function startFakeK6s(
  ips: readonly string[],
): Promise<{ k6s: FakeK6[]; port: number; events: string[]; close(): Promise<void> }> {
  const events: string[] = [];
  const servers: Server[] = [];
  const k6s: FakeK6[] = [];
  let port = 0;
  for (const ip of ips) {
    const k6: FakeK6 = { ip, port: 0, paused: true, gets: 0, patches: [] };
    const started = await listen(
      async (req, res) => {
        const text = await readBody(req);
        res.setHeader("Content-Type", "application/json");
        if (req.url !== "/v1/status") {
          res.statusCode = 404;
          res.end("{}");
          return;
        }
        if (req.method === "PATCH") {
          const body = JSON.parse(text) as { data?: { attributes?: { paused?: boolean } } };
          k6.patches.push(body);
          events.push(`${ip} PATCH`);
          if (body.data?.attributes?.paused === false) k6.paused = false;
        } else {
          k6.gets++;
        }
        const status = !k6.paused ? 7 : k6.gets <= 1 ? 1 : 4;
        if (req.method === "GET") events.push(`${ip} GET ${status}`);
        res.end(
          JSON.stringify({
            data: {
              type: "status",
              id: "default",
              attributes: {
                status,
                paused: k6.paused,
                vus: 0,
                "vus-max": 2,
                stopped: false,
                running: !k6.paused,
                tainted: false,
              },
            },
          }),
        );
      },
      ip,
      port,
    );
    port = started.port;
    servers.push(started.server);
    k6s.push(Object.assign(k6, { port }));
  }
  return { k6s, port, events, close: async () => void (await Promise.all(servers.map(close))) };
}
