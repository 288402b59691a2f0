/**
 * A synchronised start of k6 execution segments through k6's REST API (reference/k6.md §5.1):
 * every task runs `k6 run --paused --address 0.0.0.0:PORT …`, and once all are RUNNING
 *
 *   RunningSegment[] (private IPs) ──waitForK6Apis (GET /v1/status on each until every k6
 *     answers and has initialised its VUs; bounded)──▶ all ready
 *     ──resumeK6 (PATCH /v1/status {paused: false} to all at once)──▶ the test starts
 *
 * caplab must reach the tasks' private IPs: it runs inside the VPC, and the tasks' security
 * group lets it in on PORT.
 */
import { RUN_DEFAULTS } from "../../sim/vocab/defaults.js";
import type { RunningSegment } from "./ecs-segments.js";
import { plural } from "../../sim/vocab/numbers.js";

/** The port of k6's REST API. @default 6565 (k6's own default address, localhost:6565) */
export const K6_API_PORT = 6565;

/** Give up on a k6 that does not answer within this, s (RUN_DEFAULTS). @default 300 (VU init can be slow) */
export const SYNC_START_TIMEOUT_SECONDS = RUN_DEFAULTS.syncStartTimeoutSeconds;

/** k6's ExecutionStatus "PausedBeforeRun": VUs initialised, waiting to be resumed. */
export const K6_STATUS_PAUSED_BEFORE_RUN = 4;

/** The JSON:API body that resumes a paused k6 (k6 `api/v1/status_jsonapi.go`). */
export const K6_RESUME_BODY = {
  data: { type: "status", id: "default", attributes: { paused: false } },
} as const;

export interface K6ApiOptions {
  /** The port every task's k6 listens on. @default {@link K6_API_PORT} */
  readonly port?: number;
  /** Give up after this long, ms. */
  readonly timeoutMs: number;
  /** Pause between rounds of GET /v1/status, ms. @default 2000 */
  readonly pollMs?: number;
  /** Limit on one HTTP request, ms. @default 5000 */
  readonly requestTimeoutMs?: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  /** Called after every round with how many k6 are ready. */
  readonly onPoll?: (ready: number, total: number) => void;
}

/** `http://10.0.1.7:6565/v1/status`. */
export function k6StatusUrl(ip: string, port: number): string {
  return `http://${ip.includes(":") ? `[${ip}]` : ip}:${port}/v1/status`;
}

/** A k6 that could not be reached (or not resumed), and what happened last. */
export interface UnreachableK6 {
  readonly segment: RunningSegment;
  readonly problem: string;
}

/** Some k6 did not answer in time; `unreachable` names them. */
export class K6UnreachableError extends Error {
  constructor(
    message: string,
    readonly unreachable: readonly UnreachableK6[],
  ) {
    super(message);
    this.name = "K6UnreachableError";
  }
}

/** "connect ECONNREFUSED 10.0.1.7:6565" rather than fetch's bare "fetch failed". */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return (error as Error).name === "TimeoutError" ? "no answer (timed out)" : String(error);
}

/** One GET /v1/status: null when this k6 is ready, else what is wrong. */
async function k6NotReady(url: string, timeoutMs: number): Promise<string | null> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    return describeFetchError(error);
  }
  if (!response.ok) {
    await response.body?.cancel();
    return `HTTP ${response.status}`;
  }
  let status: unknown;
  try {
    status = ((await response.json()) as { data?: { attributes?: { status?: unknown } } }).data
      ?.attributes?.status;
  } catch {
    return "GET /v1/status did not answer JSON";
  }
  // An older k6 may not report `status`; answering at all is then the best sign there is.
  if (typeof status === "number" && status < K6_STATUS_PAUSED_BEFORE_RUN)
    return `still initialising (execution status ${status})`;
  return null;
}

/**
 * Polls `GET /v1/status` on every task until each answers and reports its VUs initialised
 * (execution status ≥ PausedBeforeRun), all rounds within `timeoutMs`.
 *
 * @throws K6UnreachableError naming every task that was not ready, with its last problem.
 */
export async function waitForK6Apis(
  segments: readonly RunningSegment[],
  options: K6ApiOptions,
): Promise<void> {
  const port = options.port ?? K6_API_PORT;
  const deadline = options.now() + options.timeoutMs;
  const problems = new Map<string, string>(segments.map((s) => [s.taskArn, "not asked yet"]));
  for (;;) {
    const pending = segments.filter((s) => problems.has(s.taskArn));
    const answers = await Promise.all(
      pending.map((s) =>
        k6NotReady(k6StatusUrl(s.privateIp, port), options.requestTimeoutMs ?? 5000),
      ),
    );
    pending.forEach((s, i) => {
      const problem = answers[i] ?? null;
      if (problem === null) problems.delete(s.taskArn);
      else problems.set(s.taskArn, problem);
    });
    options.onPoll?.(segments.length - problems.size, segments.length);
    if (problems.size === 0) return;
    const pollMs = options.pollMs ?? 2000;
    if (options.now() + pollMs > deadline) {
      const unreachable = segments
        .filter((s) => problems.has(s.taskArn))
        .map((segment) => ({ segment, problem: problems.get(segment.taskArn) ?? "" }));
      throw new K6UnreachableError(
        `k6 did not get ready on ${unreachable.length} of ${plural(segments.length, "task")} within ${Math.round(options.timeoutMs / 1000)} s: ${unreachable
          .map(
            (u) =>
              `segment ${u.segment.segment.segment} (${u.segment.taskArn}, ${k6StatusUrl(u.segment.privateIp, port)}: ${u.problem})`,
          )
          .join("; ")}`,
        unreachable,
      );
    }
    await options.sleep(pollMs);
  }
}

/**
 * Sends `PATCH /v1/status {paused: false}` to every task at once; returns the ones that did
 * not accept it (an empty list when all started).
 */
export async function resumeK6(
  segments: readonly RunningSegment[],
  options: Pick<K6ApiOptions, "port" | "requestTimeoutMs">,
): Promise<UnreachableK6[]> {
  const port = options.port ?? K6_API_PORT;
  const body = JSON.stringify(K6_RESUME_BODY);
  const results = await Promise.all(
    segments.map(async (segment): Promise<UnreachableK6 | null> => {
      try {
        const response = await fetch(k6StatusUrl(segment.privateIp, port), {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(options.requestTimeoutMs ?? 5000),
        });
        await response.body?.cancel();
        return response.ok ? null : { segment, problem: `PATCH answered HTTP ${response.status}` };
      } catch (error) {
        return { segment, problem: describeFetchError(error) };
      }
    }),
  );
  return results.filter((r): r is UnreachableK6 => r !== null);
}
