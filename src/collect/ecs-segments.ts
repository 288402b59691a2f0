/**
 * k6 beyond one machine on ECS Fargate: one task per execution segment (reference/k6.md §5).
 *
 *   ExecutionSegment[] ──launchSegments (RunTask, one call per segment: each has its own
 *     container override)──▶ task ARNs ──waitForTasks (DescribeTasks ≤ 100 per call, backoff,
 *     deadline)──▶ SegmentResult[] (k6 exit code of each task's container)
 *
 * Secrets are not passed in overrides (RunTask overrides are visible in DescribeTasks and
 * CloudTrail): the task definition supplies CAPLAB_TOKEN and headers through `secrets`.
 */
import {
  DescribeTasksCommand,
  RunTaskCommand,
  type ECSClient,
  type KeyValuePair,
  type Task,
} from "@aws-sdk/client-ecs";
import type { ExecutionSegment } from "../analysis/k6-plan.js";

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
  /** RunTask `startedBy` (≤ 36 characters): the run id, to find the tasks again. */
  readonly startedBy: string;
}

/** RunTask's limit on the size of `overrides`, bytes. @default 8192 (ECS RunTask API reference) */
export const RUN_TASK_OVERRIDES_LIMIT = 8192;

export interface LaunchedSegment {
  readonly segment: ExecutionSegment;
  readonly taskArn: string;
}

/** A segment's task that ECS refused to start. */
export class SegmentLaunchError extends Error {
  constructor(
    message: string,
    readonly launched: readonly LaunchedSegment[],
  ) {
    super(message);
    this.name = "SegmentLaunchError";
  }
}

/** The RunTask input of one segment. */
export function runTaskInput(spec: SegmentLaunchSpec, segment: ExecutionSegment) {
  const environment: KeyValuePair[] = Object.entries(spec.environment).map(([name, value]) => ({
    name,
    value,
  }));
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
    const out = await client.send(new RunTaskCommand(input));
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
    for (let i = 0; i < pending.length; i += DESCRIBE_TASKS_LIMIT) {
      const out = await client.send(
        new DescribeTasksCommand({ cluster, tasks: pending.slice(i, i + DESCRIBE_TASKS_LIMIT) }),
      );
      for (const task of out.tasks ?? []) {
        statuses.push(task.lastStatus ?? "UNKNOWN");
        if (task.lastStatus === "STOPPED" && task.taskArn !== undefined)
          stopped.set(task.taskArn, task);
      }
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
