/**
 * Every AWS SDK client caplab makes, bounded in time and guarded against malformed answers.
 *
 *   flags (--connect-timeout, --request-timeout) ──awsClientOptions──▶ client config:
 *     requestHandler { connectionTimeout, requestTimeout, socketTimeout, throwOnRequestTimeout }
 *     maxAttempts (the SDK's standard retry mode)
 *   client ──guardAwsClient──▶ the same client, whose every call
 *     - names its operation in any error it throws (`awsOperationOf`),
 *     - turns a 2xx answer that does not parse, or whose output does not have the shape the
 *       operation's Smithy schema gives it, into a MalformedResponseError that the SDK's own
 *       retry strategy tries again (it is marked `$retryable`), at most maxAttempts times
 *   error ──explainAwsFailure──▶ one sentence and an exit code (2: fix the set-up, 1: AWS kept
 *     failing), or null for an error caplab does not know (a bug: the stack is shown)
 *
 * Without timeouts the SDK waits for ever on an endpoint that accepts a connection and never
 * answers (@smithy/node-http-handler: "Defaults to 0, which disables the timeout"), and a 200
 * whose body is not JSON ends in a SyntaxError that is not retried.
 */
import type { Readable } from "node:stream";
import { NormalizedSchema } from "@smithy/core/schema";
import { getSmithyContext } from "@smithy/core/transport";
import type {
  DeserializeHandler,
  DeserializeHandlerArguments,
  DeserializeHandlerOutput,
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  InitializeHandlerOutput,
  MetadataBearer,
  MiddlewareStack,
} from "@smithy/types";
import { UsageError } from "../../../sim/vocab/errors.js";
import { AWS_CALL_DEFAULTS } from "../../../sim/vocab/defaults.js";
import { isRetryable, isThrottling } from "./retry.js";

/**
 * Seconds to wait for a connection to an AWS endpoint (TCP and TLS). AWS answers in
 * milliseconds; a black-holed address never does. AWS_CALL_DEFAULTS (sim/vocab/defaults.ts).
 * @default 10
 */
export const AWS_CONNECT_TIMEOUT_SECONDS = AWS_CALL_DEFAULTS.connectTimeoutSeconds;

/**
 * Seconds to wait for an answer to begin, and the longest silence while its body arrives (the
 * AWS CLI's `--cli-read-timeout` default; AWS_CALL_DEFAULTS). @default 60
 */
export const AWS_REQUEST_TIMEOUT_SECONDS = AWS_CALL_DEFAULTS.requestTimeoutSeconds;

/**
 * Attempts per AWS call, the first included: the SDK's standard retry mode (AWS_CALL_DEFAULTS).
 * Throttling, 5xx, timeouts, refused connections and malformed answers are retried with its
 * backoff. @default 3
 */
export const AWS_MAX_ATTEMPTS = AWS_CALL_DEFAULTS.maxAttempts;

/** How long caplab waits on AWS, in seconds (the flags `--connect-timeout`, `--request-timeout`). */
export interface AwsTimeouts {
  readonly connectTimeoutSeconds: number;
  readonly requestTimeoutSeconds: number;
}

export const AWS_TIMEOUT_DEFAULTS: AwsTimeouts = {
  connectTimeoutSeconds: AWS_CONNECT_TIMEOUT_SECONDS,
  requestTimeoutSeconds: AWS_REQUEST_TIMEOUT_SECONDS,
};

/**
 * The longest one AWS call can take before caplab gives up on it: every attempt waits at most
 * the request timeout (which includes connecting), plus the SDK's backoff between attempts
 * (under a second for three attempts), in seconds.
 */
export function awsCallBoundSeconds(timeouts: AwsTimeouts = AWS_TIMEOUT_DEFAULTS): number {
  return (
    AWS_MAX_ATTEMPTS * Math.max(timeouts.requestTimeoutSeconds, timeouts.connectTimeoutSeconds) + 1
  );
}

/**
 * The client configuration that bounds every call: NodeHttpHandler's options (passed as plain
 * options, which every v3 client takes for `requestHandler`) and the SDK's attempts.
 * `throwOnRequestTimeout` makes the request timeout an error, not a logged warning, and
 * `socketTimeout` bounds the silence while a body (an S3 object) streams in.
 */
export function awsClientOptions(timeouts: AwsTimeouts = AWS_TIMEOUT_DEFAULTS): {
  readonly requestHandler: {
    readonly connectionTimeout: number;
    readonly requestTimeout: number;
    readonly socketTimeout: number;
    readonly throwOnRequestTimeout: true;
  };
  readonly maxAttempts: number;
} {
  const requestMs = Math.round(timeouts.requestTimeoutSeconds * 1000);
  return {
    requestHandler: {
      connectionTimeout: Math.round(timeouts.connectTimeoutSeconds * 1000),
      requestTimeout: requestMs,
      socketTimeout: requestMs,
      throwOnRequestTimeout: true,
    },
    maxAttempts: AWS_MAX_ATTEMPTS,
  };
}

/** A flag that takes seconds (more than 0, fractions allowed). */
export function parseSecondsFlag(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n <= 0)
      throw new UsageError(`${flag} takes a number of seconds above 0, such as 30.`, "bad-flag");
    return n;
  };
}

/** `--connect-timeout` and `--request-timeout` as given, with the defaults for what is not. */
export function awsTimeoutsOf(flags: {
  readonly connectTimeout?: number;
  readonly requestTimeout?: number;
}): AwsTimeouts {
  return {
    connectTimeoutSeconds: flags.connectTimeout ?? AWS_CONNECT_TIMEOUT_SECONDS,
    requestTimeoutSeconds: flags.requestTimeout ?? AWS_REQUEST_TIMEOUT_SECONDS,
  };
}

/**
 * An AWS answer caplab cannot use: a 2xx whose body does not parse, or whose output does not
 * have the operation's shape, or that lacks what the call is for. Marked `$retryable`, so the
 * SDK asks again (up to its attempts) when it comes from the guard's middleware.
 */
export class MalformedResponseError extends Error {
  /** The operation, e.g. "ECS DescribeServices". */
  readonly operation: string;
  readonly $retryable = {};

  constructor(operation: string, problem: string, options?: { cause?: unknown }) {
    super(`${operation} answered with a malformed response: ${problem}`, options);
    this.name = "MalformedResponseError";
    this.operation = operation;
  }
}

/** The operation an error came from ("ECS DescribeServices"), when a guarded client threw it. */
export function awsOperationOf(error: unknown): string | null {
  const op = (error as { [OPERATION]?: unknown } | null)?.[OPERATION];
  return typeof op === "string" ? op : null;
}

const OPERATION = Symbol.for("caplab.awsOperation");

/** "ECSClient" + "DescribeServicesCommand" → "ECS DescribeServices". */
function operationName(context: HandlerExecutionContext): string {
  const client = (context.clientName ?? "AWS").replace(/Client$/, "");
  const command = (context.commandName ?? "call").replace(/Command$/, "");
  return `${client} ${command}`;
}

/** Where a value does not match the Smithy schema of the output, or null when it does. */
export function shapeProblem(schemaRef: unknown, value: unknown, path = "output"): string | null {
  if (value === undefined || value === null) return null; // output members are optional
  const schema = NormalizedSchema.of(schemaRef as Parameters<typeof NormalizedSchema.of>[0]);
  const got = Array.isArray(value)
    ? "a list"
    : value instanceof Date
      ? "a date"
      : `a ${typeof value}`;
  const wrong = (want: string) => `${path} is ${got}, not ${want}`;
  if (schema.isStreaming() || schema.isDocumentSchema() || schema.isUnitSchema()) return null;
  if (schema.isBigIntegerSchema() || schema.isBigDecimalSchema()) return null;
  if (schema.isListSchema()) {
    if (!Array.isArray(value)) return wrong("a list");
    const member = schema.getValueSchema();
    for (let i = 0; i < value.length; i++) {
      const problem = shapeProblem(member, value[i], `${path}[${i}]`);
      if (problem !== null) return problem;
    }
    return null;
  }
  if (schema.isMapSchema()) {
    if (typeof value !== "object" || Array.isArray(value)) return wrong("a map");
    const member = schema.getValueSchema();
    for (const [k, v] of Object.entries(value)) {
      const problem = shapeProblem(member, v, `${path}.${k}`);
      if (problem !== null) return problem;
    }
    return null;
  }
  if (schema.isStructSchema()) {
    if (typeof value !== "object" || Array.isArray(value) || value instanceof Date)
      return wrong("a structure");
    for (const [name, member] of schema.structIterator()) {
      const problem = shapeProblem(
        member,
        (value as Record<string, unknown>)[name],
        `${path}.${name}`,
      );
      if (problem !== null) return problem;
    }
    return null;
  }
  if (schema.isStringSchema()) return typeof value === "string" ? null : wrong("a string");
  if (schema.isNumericSchema()) return typeof value === "number" ? null : wrong("a number");
  if (schema.isBooleanSchema()) return typeof value === "boolean" ? null : wrong("a boolean");
  if (schema.isTimestampSchema())
    return value instanceof Date && Number.isFinite(value.getTime()) ? null : wrong("a time");
  if (schema.isBlobSchema())
    return value instanceof Uint8Array || typeof (value as Readable).pipe === "function"
      ? null
      : wrong("bytes");
  return null;
}

/** HTTP status of the answer an error came with, when there was one. */
function statusOf(error: unknown): number | undefined {
  const e = error as {
    $response?: { statusCode?: number };
    $metadata?: { httpStatusCode?: number };
  } | null;
  return e?.$response?.statusCode ?? e?.$metadata?.httpStatusCode;
}

/** The first line of an error's message, without the SDK's hint about `$response`. */
function firstLine(error: unknown): string {
  return String((error as Error | null)?.message ?? error)
    .split("\n")[0]!
    .trim();
}

const guarded = new WeakSet<object>();

/** What a v3 client offers for middleware (the stack's own types differ per client). */
interface ClientWithStack {
  readonly middlewareStack: MiddlewareStack<object, MetadataBearer>;
}

/**
 * Adds caplab's guard to `client` (once; further calls do nothing) and returns it: errors name
 * their operation, and a malformed 2xx answer becomes a retryable MalformedResponseError.
 */
export function guardAwsClient<C>(client: C): C {
  const c = client as unknown as ClientWithStack;
  if (guarded.has(c)) return client;
  guarded.add(c);
  c.middlewareStack.add(
    (next: InitializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) =>
      async (
        args: InitializeHandlerArguments<object>,
      ): Promise<InitializeHandlerOutput<MetadataBearer>> => {
        try {
          return await next(args);
        } catch (error) {
          if (error !== null && typeof error === "object" && !(OPERATION in error))
            Object.defineProperty(error, OPERATION, { value: operationName(context) });
          throw error;
        }
      },
    { step: "initialize", priority: "high", name: "caplabNameOperation" },
  );
  c.middlewareStack.add(
    (next: DeserializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) =>
      async (
        args: DeserializeHandlerArguments<object>,
      ): Promise<DeserializeHandlerOutput<MetadataBearer>> => {
        let result: DeserializeHandlerOutput<MetadataBearer>;
        try {
          result = await next(args);
        } catch (error) {
          const status = statusOf(error);
          // A modeled AWS error comes with a 4xx or 5xx; an error on a 2xx is a body that
          // did not parse (bad JSON or XML, a timestamp that is not one).
          if (status !== undefined && status >= 200 && status < 300)
            throw new MalformedResponseError(operationName(context), firstLine(error), {
              cause: error,
            });
          throw error;
        }
        const operation = getSmithyContext(context).operationSchema as
          readonly unknown[] | undefined;
        const outputSchema = operation?.[5];
        if (outputSchema !== undefined) {
          const problem = shapeProblem(outputSchema, result.output);
          if (problem !== null) throw new MalformedResponseError(operationName(context), problem);
        }
        return result;
      },
    { step: "deserialize", priority: "high", name: "caplabMalformedResponses" },
  );
  return client;
}

/** Where the calls went: the --endpoint-url, or AWS itself. */
export interface AwsWhere {
  readonly endpointUrl?: string;
  /** The timeouts the calls had. @default AWS_TIMEOUT_DEFAULTS */
  readonly timeouts?: AwsTimeouts;
  /** The IAM policy file that lists the actions the command needs. */
  readonly policy: string;
  /** What to do after AWS kept failing, e.g. "run the same command again later". */
  readonly later: string;
  /** Whether the command has `--profile` and `--region` flags to suggest. @default false */
  readonly profileFlag?: boolean;
  readonly regionFlag?: boolean;
}

const CONNECT_ERRORS = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * An AWS failure as one sentence and an exit code: 2 when the set-up must change (no
 * credentials or Region, access denied, a resource or --endpoint-url that is not there), 1
 * when AWS kept failing after every attempt (throttling, 5xx, timeouts, malformed answers).
 * Null for an error caplab does not know, which stays a bug with its stack.
 */
export function explainAwsFailure(
  error: unknown,
  where: AwsWhere,
): { readonly message: string; readonly exitCode: 1 | 2 } | null {
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $fault?: string;
    $metadata?: { attempts?: number };
  } | null;
  if (e === null || typeof e !== "object") return null;
  const name = e.name ?? "";
  const msg = firstLine(error);
  const op =
    awsOperationOf(error) ?? (error instanceof MalformedResponseError ? error.operation : null);
  const call = op ?? "the call";
  const of = op === null ? "" : ` ${op}`;
  const target = where.endpointUrl !== undefined ? `--endpoint-url ${where.endpointUrl}` : "AWS";
  const attempts = e.$metadata?.attempts;
  const several = attempts !== undefined && attempts > 1;
  const tries = several ? ` (${attempts} attempts)` : "";
  const timeouts = where.timeouts ?? AWS_TIMEOUT_DEFAULTS;

  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(msg))
    return {
      message: `no AWS credentials were found${op === null ? "" : ` for ${op}`} (${msg}); configure the default credential chain (AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a role)${where.profileFlag === true ? " or pass --profile" : ""}.`,
      exitCode: 2,
    };
  if (/Region is missing/i.test(msg))
    return {
      message: `no AWS Region is set; ${where.regionFlag === true ? "pass --region or " : ""}set AWS_REGION.`,
      exitCode: 2,
    };
  if (
    /AccessDenied|UnauthorizedOperation|UnrecognizedClient|InvalidClientTokenId|ExpiredToken|InvalidSignature|SignatureDoesNotMatch|AuthFailure/.test(
      name,
    )
  )
    return {
      message: `AWS refused ${call} (${name}: ${msg}); check the credentials and grant the actions in ${where.policy}.`,
      exitCode: 2,
    };
  if (error instanceof MalformedResponseError)
    return {
      message: `${error.message}${tries} from ${target}; ${where.endpointUrl !== undefined ? "check that --endpoint-url speaks the AWS API, or " : ""}${where.later}.`,
      exitCode: 1,
    };
  if (name === "TimeoutError" || e.code === "ETIMEDOUT") {
    const connecting = /establish a connection/i.test(msg);
    const limit = connecting
      ? `--connect-timeout ${timeouts.connectTimeoutSeconds} s`
      : `--request-timeout ${timeouts.requestTimeoutSeconds} s`;
    return {
      message: `${op ?? "an AWS call"} got no ${connecting ? "connection" : "answer"} from ${target} within ${limit}${tries}; check the network${where.endpointUrl !== undefined ? " and --endpoint-url" : ""}, raise ${limit.split(" ")[0]}, or ${where.later}.`,
      exitCode: 1,
    };
  }
  if (CONNECT_ERRORS.has(e.code ?? "")) {
    if (where.endpointUrl !== undefined)
      return {
        message: `nothing answers at --endpoint-url ${where.endpointUrl} (${e.code}${several ? `, ${attempts} attempts` : ""}); check the URL and that the endpoint is running.`,
        exitCode: 2,
      };
    return {
      message: `${op ?? "an AWS call"} could not reach AWS (${e.code}: ${msg})${tries}; check the network, the Region and any proxy, or ${where.later}.`,
      exitCode: 1,
    };
  }
  if (isThrottling(error) || isRetryable(error))
    return {
      message: `AWS kept failing${of} after every retry (${name || "error"}: ${msg}); ${where.later}.`,
      exitCode: 1,
    };
  if (e.$fault === "client")
    return {
      message: `AWS refused ${call} (${name}: ${msg}); check the flags that name AWS resources (cluster, task definition, subnets, bucket, Region).`,
      exitCode: 2,
    };
  return null;
}
