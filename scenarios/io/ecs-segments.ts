/**
 * k6 beyond one machine on ECS Fargate: one task per execution segment (reference/k6.md §5).
 *
 *   ExecutionSegment[] ──launchSegments (RunTask, one call per segment: each has its own
 *     container override)──▶ task ARNs
 *     [──waitForRunning (a synchronised start: every task RUNNING, its private IP)──▶
 *        k6 REST API (scenarios/io/segment-start.ts) ── stopSegments (StopTask) if it fails]
 *     ──waitForSegments (DescribeTasks ≤ 100 per call, backoff, deadline)──▶
 *     SegmentResult[] (k6 exit code of each task's container)
 *
 * Secrets are not passed in overrides (RunTask overrides are visible in DescribeTasks and
 * CloudTrail): the task definition supplies CAPLAB_TOKEN and headers through `secrets`.
 */
import {
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type KeyValuePair,
  type Task,
} from "@aws-sdk/client-ecs";
import type { ExecutionSegment } from "../plan/k6-plan.js";

/** What every segment's task shares. Field names follow RunTask's. */
export interface SegmentLaunchSpec {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  /** @default "DISABLED" */
  readonly assignPublicIp?: "ENABLED" | "DISABLED";
  /** The k6 container's name in the task definition. @default "k6" */
  readonly containerName?: string;
  /** The k6 arguments of one segment (`run --execution-segment … script`). */
  readonly command: (segment: ExecutionSegment) => string[];
  /** Non-secret environment for every task (CAPLAB_TARGET, CAPLAB_PLAN_JSON). */
  readonly environment: Readonly<Record<string, string>>;
  /** Environment of one segment's task only (e.g. where it uploads its output). */
  readonly segmentEnvironment?: (segment: ExecutionSegment) => Readonly<Record<string, string>>;
  /** RunTask `startedBy` (≤ 36 characters): the run id, to find the tasks again. */
  readonly startedBy: string;
}

/** RunTask's limit on the size of `overrides`, bytes. @default 8192 (ECS RunTask API reference) */
export const RUN_TASK_OVERRIDES_LIMIT = 8192;

export interface LaunchedSegment {
  readonly segment: ExecutionSegment;
  readonly taskArn: string;
}

/**
 * A segment's task that ECS refused to start (a failure in RunTask's answer, or the call's own
 * error as `cause`); `launched` lists the tasks already started.
 */
export class SegmentLaunchError extends Error {
  constructor(
    message: string,
    readonly launched: readonly LaunchedSegment[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SegmentLaunchError";
  }
}

/** The RunTask input of one segment. */
export function runTaskInput(spec: SegmentLaunchSpec, segment: ExecutionSegment) {
  const environment: KeyValuePair[] = Object.entries({
    ...spec.environment,
    ...spec.segmentEnvironment?.(segment),
  }).map(([name, value]) => ({ name, value }));
  return {
    cluster: spec.cluster,
    taskDefinition: spec.taskDefinition,
    launchType: "FARGATE" as const,
    count: 1,
    startedBy: spec.startedBy,
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [...spec.subnets],
        securityGroups: [...spec.securityGroups],
        assignPublicIp: spec.assignPublicIp ?? "DISABLED",
      },
    },
    overrides: {
      containerOverrides: [
        {
          name: spec.containerName ?? "k6",
          command: spec.command(segment),
          environment: [...environment, { name: "CAPLAB_SEGMENT", value: segment.segment }],
        },
      ],
    },
  };
}

/**
 * Starts one Fargate task per segment. RunTask's `count` (≤ 10) would share one override, and
 * every segment needs its own command, so each segment is one call with count 1.
 *
 * @throws SegmentLaunchError when ECS reports a failure; `launched` lists tasks already started.
 */
export async function launchSegments(
  client: ECSClient,
  spec: SegmentLaunchSpec,
  segments: readonly ExecutionSegment[],
): Promise<LaunchedSegment[]> {
  const launched: LaunchedSegment[] = [];
  for (const segment of segments) {
    const input = runTaskInput(spec, segment);
    const size = JSON.stringify(input.overrides).length;
    if (size > RUN_TASK_OVERRIDES_LIMIT)
      throw new SegmentLaunchError(
        `the container override is ${size} bytes, over RunTask's ${RUN_TASK_OVERRIDES_LIMIT}; shorten the plan (fewer trace stages with --max-stages) or bake it into the image.`,
        launched,
      );
    let out;
    try {
      out = await client.send(new RunTaskCommand(input));
    } catch (error) {
      // The tasks started so far go with the error, so the caller can stop them.
      throw new SegmentLaunchError(
        `RunTask for segment ${segment.segment} failed: ${(error as Error).message.split("\n")[0]}`,
        launched,
        { cause: error },
      );
    }
    const failure = out.failures?.[0];
    const arn = out.tasks?.[0]?.taskArn;
    if (failure !== undefined || arn === undefined)
      throw new SegmentLaunchError(
        `RunTask for segment ${segment.segment} failed: ${failure?.reason ?? "no task returned"}${failure?.detail ? ` (${failure.detail})` : ""}.`,
        launched,
      );
    launched.push({ segment, taskArn: arn });
  }
  return launched;
}

export interface SegmentResult extends LaunchedSegment {
  /** The k6 container's exit code; null when the task stopped before k6 ran. */
  readonly exitCode: number | null;
  readonly stoppedReason: string | null;
}

export interface WaitOptions {
  readonly containerName?: string;
  /** First pause between DescribeTasks calls, ms. @default 5000 */
  readonly initialDelayMs?: number;
  /** Longest pause, ms. @default 30000 */
  readonly maxDelayMs?: number;
  /** Give up after this long, ms (the test's length plus start-up and graceful stop). */
  readonly timeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Called after every poll with the tasks' last statuses. */
  readonly onPoll?: (statuses: readonly string[]) => void;
}

/** DescribeTasks accepts at most this many tasks per call. */
const DESCRIBE_TASKS_LIMIT = 100;

/** DescribeTasks for any number of tasks, ≤ 100 per call; tasks ECS does not know are left out. */
async function describeTasks(
  client: ECSClient,
  cluster: string,
  arns: readonly string[],
): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_TASKS_LIMIT) {
    const out = await client.send(
      new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + DESCRIBE_TASKS_LIMIT) }),
    );
    tasks.push(...(out.tasks ?? []));
  }
  return tasks;
}

/**
 * Polls DescribeTasks until every task is STOPPED, with exponential backoff (×2 from
 * `initialDelayMs` up to `maxDelayMs`), and reads each k6 container's exit code.
 *
 * @throws Error when `timeoutMs` passes first; the tasks keep running (stop them with StopTask).
 */
export async function waitForSegments(
  client: ECSClient,
  cluster: string,
  launched: readonly LaunchedSegment[],
  options: WaitOptions,
): Promise<SegmentResult[]> {
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  let delay = options.initialDelayMs ?? 5000;
  const stopped = new Map<string, Task>();
  for (;;) {
    const pending = launched.filter((l) => !stopped.has(l.taskArn)).map((l) => l.taskArn);
    const statuses: string[] = [];
    for (const task of await describeTasks(client, cluster, pending)) {
      statuses.push(task.lastStatus ?? "UNKNOWN");
      if (task.lastStatus === "STOPPED" && task.taskArn !== undefined)
        stopped.set(task.taskArn, task);
    }
    options.onPoll?.(statuses);
    if (stopped.size === launched.length) break;
    if (now() + delay > deadline)
      throw new Error(
        `${launched.length - stopped.size} of ${launched.length} k6 tasks were still running after ${Math.round(options.timeoutMs / 1000)} s; they were left running.`,
      );
    await sleep(delay);
    delay = Math.min(delay * 2, options.maxDelayMs ?? 30_000);
  }
  const name = options.containerName ?? "k6";
  return launched.map((l) => {
    const task = stopped.get(l.taskArn);
    const container = task?.containers?.find((c) => c.name === name) ?? task?.containers?.[0];
    return {
      ...l,
      exitCode: container?.exitCode ?? null,
      stoppedReason: task?.stoppedReason ?? container?.reason ?? null,
    };
  });
}

/** A segment's task that is RUNNING, with the address the k6 REST API listens on. */
export interface RunningSegment extends LaunchedSegment {
  /** The task's private IPv4 address (awsvpc ENI). */
  readonly privateIp: string;
}

/** A task that stopped, or never got an address, before a synchronised start. */
export class SegmentStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SegmentStartError";
  }
}

/**
 * The private IPv4 address of an awsvpc task: the ElasticNetworkInterface attachment's
 * `privateIPv4Address` detail, else the first container's network interface; null if none.
 */
export function privateIpOf(task: Task): string | null {
  for (const attachment of task.attachments ?? []) {
    if (attachment.type !== "ElasticNetworkInterface") continue;
    const ip = attachment.details?.find((d) => d.name === "privateIPv4Address")?.value;
    if (ip !== undefined && ip !== "") return ip;
  }
  for (const container of task.containers ?? [])
    for (const ni of container.networkInterfaces ?? [])
      if (ni.privateIpv4Address) return ni.privateIpv4Address;
  return null;
}

/**
 * Polls DescribeTasks (backoff as {@link waitForSegments}) until every task is RUNNING and
 * has a private IP: the moment a synchronised start can reach each k6.
 *
 * @throws SegmentStartError when a task stops first (naming it and ECS's reason), or when
 *   `timeoutMs` passes; the caller stops the other tasks.
 */
export async function waitForRunning(
  client: ECSClient,
  cluster: string,
  launched: readonly LaunchedSegment[],
  options: WaitOptions,
): Promise<RunningSegment[]> {
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  let delay = options.initialDelayMs ?? 5000;
  for (;;) {
    const tasks = await describeTasks(
      client,
      cluster,
      launched.map((l) => l.taskArn),
    );
    options.onPoll?.(tasks.map((t) => t.lastStatus ?? "UNKNOWN"));
    const byArn = new Map(tasks.map((t) => [t.taskArn, t]));
    const running: RunningSegment[] = [];
    for (const l of launched) {
      const task = byArn.get(l.taskArn);
      if (task?.lastStatus === "STOPPED" || task?.desiredStatus === "STOPPED")
        throw new SegmentStartError(
          `the task of segment ${l.segment.segment} (${l.taskArn}) stopped before the synchronised start: ${task.stoppedReason ?? "no reason given"}.`,
        );
      const ip = task === undefined ? null : privateIpOf(task);
      if (task?.lastStatus === "RUNNING" && ip !== null) running.push({ ...l, privateIp: ip });
    }
    if (running.length === launched.length) return running;
    if (now() + delay > deadline)
      throw new SegmentStartError(
        `${launched.length - running.length} of ${launched.length} k6 tasks were not RUNNING after ${Math.round(options.timeoutMs / 1000)} s.`,
      );
    await sleep(delay);
    delay = Math.min(delay * 2, options.maxDelayMs ?? 30_000);
  }
}

/** StopTask for every task (each failure is returned, not thrown: stop as many as possible). */
export async function stopSegments(
  client: ECSClient,
  cluster: string,
  launched: readonly LaunchedSegment[],
  reason: string,
): Promise<{ taskArn: string; error: string }[]> {
  const failures: { taskArn: string; error: string }[] = [];
  for (const l of launched) {
    try {
      // StopTask's reason is at most 255 characters.
      await client.send(
        new StopTaskCommand({ cluster, task: l.taskArn, reason: reason.slice(0, 255) }),
      );
    } catch (error) {
      failures.push({ taskArn: l.taskArn, error: (error as Error).message });
    }
  }
  return failures;
}
