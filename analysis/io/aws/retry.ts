/**
 * Retrying AWS calls: the SDK's own retry strategy runs inside each `send` (3 attempts, every
 * one bounded by the timeouts of analysis/io/aws/aws-client.ts); this wraps it for what outlasts it
 * (sustained throttling, a burst of 5xx, a dropped connection), with full jitter exponential
 * backoff: attempt n waits random × min(maxDelay, base × 2ⁿ).
 */
import { setTimeout as sleepFor } from "node:timers/promises";
import { RETRY_DEFAULTS as RETRY_DEFAULT_VALUES } from "../../../sim/vocab/defaults.js";

export interface RetryOptions {
  /** Attempts in all, the first included. @default 6 */
  readonly maxAttempts: number;
  /** Backoff base, milliseconds. @default 500 */
  readonly baseDelayMs: number;
  /** Backoff cap, milliseconds. @default 20000 */
  readonly maxDelayMs: number;
  /** Waits `ms` (tests pass a fake). @default node:timers/promises setTimeout */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform [0, 1) source for the jitter. @default Math.random */
  readonly random?: () => number;
  /** Called before each wait. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** sim/vocab/defaults.ts's RETRY_DEFAULTS, as RetryOptions. */
export const RETRY_DEFAULTS: RetryOptions = { ...RETRY_DEFAULT_VALUES };

/** Error names AWS uses for throttling. */
export const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
]);

/** A connection dropped midway: worth asking again after a pause. */
const TRANSIENT_NETWORK_CODES = new Set(["ECONNRESET", "EPIPE"]);

/**
 * Errors the SDK has already tried again up to its attempts, each bounded by a timeout
 * (analysis/io/aws/aws-client.ts): a timeout, a connection that could not be made, an answer that
 * did not parse. Asking again here would multiply the wait (a black-holed endpoint would
 * hold a command for attempts × attempts timeouts), and a wrong --endpoint-url stays wrong.
 */
const RETRIED_BY_THE_SDK_NAMES = new Set(["TimeoutError", "MalformedResponseError"]);
const RETRIED_BY_THE_SDK_CODES = new Set([
  "ETIMEDOUT",
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** An error the collector raises itself for a response that is worth asking again. */
export class TransientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransientError";
  }
}

interface AwsLikeError {
  name?: string;
  code?: string;
  $fault?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function isThrottling(error: unknown): boolean {
  const e = error as AwsLikeError | null;
  return Boolean(
    e && (THROTTLING_ERROR_NAMES.has(e.name ?? "") || e.$metadata?.httpStatusCode === 429),
  );
}

/**
 * Throttling, a server fault (5xx), a dropped connection, or an error marked retryable; not
 * what the SDK already retried (timeouts, connections refused, malformed answers).
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof TransientError || isThrottling(error)) return true;
  const e = error as AwsLikeError | null;
  if (!e || typeof e !== "object") return false;
  if (e.name === "AbortError") return false;
  if (RETRIED_BY_THE_SDK_NAMES.has(e.name ?? "") || RETRIED_BY_THE_SDK_CODES.has(e.code ?? ""))
    return false;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if (e.$fault === "server") return true;
  return TRANSIENT_NETWORK_CODES.has(e.code ?? "");
}

/** Runs `call` until it succeeds, a non-retryable error comes, attempts run out or `signal` aborts. */
export async function withRetry<T>(
  call: () => Promise<T>,
  options: RetryOptions = RETRY_DEFAULTS,
  signal?: AbortSignal,
): Promise<T> {
  const sleep = options.sleep ?? ((ms, s) => sleepFor(ms, undefined, { signal: s }));
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await call();
    } catch (error) {
      if (signal?.aborted || attempt >= options.maxAttempts || !isRetryable(error)) throw error;
      const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.round(random() * cap);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, signal);
    }
  }
}
