/**
 * The moto tier's harness: an AWS that we did not write. moto (PyPI `moto[server]`, pinned in
 * test/moto/requirements.txt) runs as `moto_server` on 127.0.0.1 and a free port, started and
 * stopped by each test file; `aws` (awscli, same venv) talks to it as a user's shell would.
 *
 * Where the tools come from: `CAPLAB_MOTO_SERVER` (a moto_server executable), else
 * `.venv/bin/moto_server` at the repository root (scripts/install-moto.sh puts it there);
 * `aws` from `CAPLAB_AWS_CLI`, else beside moto_server. Without them the tier's tests are
 * reported as skipped with {@link MOTO_SKIP_REASON}; they never pass silently.
 *
 * moto 5.2.5 lacks a few things caplab calls (README, "Tested against"); {@link startGapProxy}
 * stands in front of it and answers only those, forwarding everything else unchanged.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCollectCommand, type CollectCommandDeps } from "../../cli/collect-command.js";
import { captureIo, cliContext } from "../helpers/io.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Region every moto test uses. */
export const REGION = "us-east-1";

/** Dummy credentials: moto checks no signature, and these are what the tests show. */
export const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" } as const;

export interface MotoTools {
  readonly motoServer: string;
  /** The awscli `aws`, or null when it is not beside moto_server. */
  readonly aws: string | null;
}

function findTools(): MotoTools | string {
  const given = process.env.CAPLAB_MOTO_SERVER;
  const motoServer = given ?? join(repoRoot, ".venv", "bin", "moto_server");
  if (!existsSync(motoServer))
    return given
      ? `CAPLAB_MOTO_SERVER=${given} does not exist`
      : "no moto_server in .venv/ (run `bash scripts/install-moto.sh`, or set CAPLAB_MOTO_SERVER)";
  const aws = process.env.CAPLAB_AWS_CLI ?? join(dirname(motoServer), "aws");
  return { motoServer, aws: existsSync(aws) ? aws : null };
}

const found = findTools();

/** The tools, or null when the tier is skipped. */
export const MOTO: MotoTools | null = typeof found === "string" ? null : found;

/** Why the tier is skipped (empty when it runs). */
export const MOTO_SKIP_REASON = typeof found === "string" ? found : "";

/** Warns once per test file that the tier is skipped, naming the file. */
export function warnIfSkipped(testFile: string): void {
  if (MOTO === null) console.warn(`${testFile}: moto tier SKIPPED: ${MOTO_SKIP_REASON}`);
}

export interface Moto {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** What moto_server printed (its request log), the last 64 KiB. */
  log(): string;
  stop(): Promise<void>;
}

const LOG_LIMIT = 64 * 1024;

/**
 * Starts `moto_server -H 127.0.0.1 -p 0` (the kernel picks a free port; werkzeug prints it)
 * and resolves once it listens. Rejects after `timeoutMs` with what it printed.
 */
export function startMoto(tools: MotoTools, timeoutMs = 30_000): Promise<Moto> {
  const child: ChildProcess = spawn(tools.motoServer, ["-H", "127.0.0.1", "-p", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
  });
  // A crashed test worker must not leave moto behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let log = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise<Moto>((resolve, reject) => {
    let started = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`moto_server did not start within ${timeoutMs} ms:\n${log}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      log = (log + chunk.toString("utf8")).slice(-LOG_LIMIT);
      const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (started || m === null) return;
      started = true;
      clearTimeout(timer);
      const url = m[1]!;
      resolve({
        url,
        log: () => log,
        stop: async () => {
          process.off("exit", killOnExit);
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill("SIGTERM");
          const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
          await exited;
          clearTimeout(force);
        },
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      if (started) return;
      clearTimeout(timer);
      reject(new Error(`moto_server exited (${code ?? signal}) before listening:\n${log}`));
    });
  });
}

/** The client configuration of the SDK clients the tests build themselves. */
export function sdkConfig(endpoint: string) {
  return { region: REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 1 };
}

/**
 * The environment `aws` (and a pasted snippet) runs with against `endpoint`: the endpoint by
 * AWS_ENDPOINT_URL (the AWS CLI's and SDKs' documented variable), dummy credentials, the
 * region, and no user's config or credentials file. The caller adds PATH.
 */
export async function awsEnv(endpoint: string): Promise<Record<string, string>> {
  const home = await mkdtemp(join(tmpdir(), "caplab-aws-home-"));
  return {
    HOME: home,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: REGION,
    AWS_REGION: REGION,
    AWS_CONFIG_FILE: join(home, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
    AWS_PAGER: "",
  };
}

// ---------------------------------------------------------------------------------------------
// What moto cannot answer

/** One request the proxy answered itself instead of moto, by X-Amz-Target. */
export interface FilledGap {
  readonly target: string;
  readonly detail?: string;
}

export interface GapProxy {
  readonly url: string;
  /** Every request answered (wholly or partly) by the proxy, in order. */
  readonly filled: FilledGap[];
  /** Requests passed to moto, by X-Amz-Target (or `METHOD /path` for REST calls). */
  readonly forwarded: Record<string, number>;
  close(): Promise<void>;
}

/** The five statistics GetMetricData computes that are not "extended" (percentiles and the like). */
const STANDARD_STATS: ReadonlySet<string> = new Set([
  "SampleCount",
  "Average",
  "Sum",
  "Minimum",
  "Maximum",
]);

/**
 * Whether moto 5.2.5 cannot compute `stat`: every extended statistic (p95, tm99, …). moto
 * answers a query of one of these that finds data with HTTP 500 (it serializes `None` as a
 * float), failing every query of the call.
 */
export function isExtendedStat(stat: string): boolean {
  return !STANDARD_STATS.has(stat);
}

interface MetricDataQuery {
  Id: string;
  MetricStat?: { Stat?: string };
}

/**
 * A loopback proxy in front of moto that fills moto's gaps and nothing else:
 * - Application Auto Scaling DescribeScalingActivities (not implemented in moto; 500) answers
 *   an empty list, which AWS returns for a target with no activities;
 * - CloudWatch GetMetricData: queries of extended statistics ({@link isExtendedStat}) are taken
 *   out of the call moto gets and answered with no datapoints (`StatusCode: Complete`), in the
 *   order of the request.
 * Everything else, DescribeServiceRevisions included, goes to moto unchanged.
 */
export async function startGapProxy(motoUrl: string): Promise<GapProxy> {
  const filled: FilledGap[] = [];
  const forwarded: Record<string, number> = {};
  const moto = new URL(motoUrl);
  const forward = (
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const target = String(req.headers["x-amz-target"] ?? `${req.method} ${req.url}`);
      forwarded[target] = (forwarded[target] ?? 0) + 1;
      const headers = { ...req.headers, host: moto.host, "content-length": String(body.length) };
      const out = httpRequest(
        { host: moto.hostname, port: moto.port, method: req.method, path: req.url, headers },
        (res) => {
          const parts: Buffer[] = [];
          res.on("data", (c: Buffer) => parts.push(c));
          res.on("end", () => {
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined && k !== "content-length" && k !== "transfer-encoding")
                h[k] = Array.isArray(v) ? v.join(", ") : v;
            resolve({ status: res.statusCode ?? 500, headers: h, body: Buffer.concat(parts) });
          });
          res.on("error", reject);
        },
      );
      out.on("error", reject);
      out.end(body);
    });
  const send = (
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: Buffer,
  ) => {
    res.writeHead(status, { ...headers, "content-length": String(body.length) });
    res.end(body);
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const parts: Buffer[] = [];
      for await (const c of req) parts.push(c as Buffer);
      const body = Buffer.concat(parts);
      const target = String(req.headers["x-amz-target"] ?? "");
      if (target === "AnyScaleFrontendService.DescribeScalingActivities") {
        filled.push({ target });
        return send(
          res,
          200,
          { "content-type": "application/x-amz-json-1.1" },
          Buffer.from(JSON.stringify({ ScalingActivities: [] })),
        );
      }
      if (target === "GraniteServiceVersion20100801.GetMetricData") {
        const input = JSON.parse(body.toString("utf8")) as { MetricDataQueries: MetricDataQuery[] };
        const isExtended = (q: MetricDataQuery) => isExtendedStat(q.MetricStat?.Stat ?? "Average");
        const extended = input.MetricDataQueries.filter(isExtended);
        if (extended.length > 0) {
          filled.push({ target, detail: extended.map((q) => q.MetricStat?.Stat).join(",") });
          const rest = input.MetricDataQueries.filter((q) => !isExtended(q));
          const answer =
            rest.length === 0
              ? {
                  status: 200,
                  headers: { "content-type": "application/x-amz-json-1.0" },
                  body: Buffer.from(JSON.stringify({ MetricDataResults: [] })),
                }
              : await forward(
                  req,
                  Buffer.from(JSON.stringify({ ...input, MetricDataQueries: rest })),
                );
          if (answer.status !== 200) return send(res, answer.status, answer.headers, answer.body);
          const out = JSON.parse(answer.body.toString("utf8")) as {
            MetricDataResults?: { Id: string }[];
          };
          const byId = new Map((out.MetricDataResults ?? []).map((r) => [r.Id, r]));
          out.MetricDataResults = input.MetricDataQueries.map(
            (q) =>
              byId.get(q.Id) ?? {
                Id: q.Id,
                Label: q.Id,
                Timestamps: [],
                Values: [],
                StatusCode: "Complete",
              },
          );
          return send(res, 200, answer.headers, Buffer.from(JSON.stringify(out)));
        }
      }
      const answer = await forward(req, body);
      send(res, answer.status, answer.headers, answer.body);
    })().catch((error: unknown) => {
      res.writeHead(502);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    filled,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * `caplab collect` of a service on moto (through `endpointUrl`, e.g. the gap proxy) over
 * [fromMs, toMs) into `out`, quiet, with moto's credentials, one SDK attempt and a short retry
 * (what the moto tests share); its exit code and what it printed.
 */
export async function collectFromMoto(o: {
  readonly endpointUrl: string;
  readonly cluster: string;
  readonly service: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly nowMs: number;
  readonly out: string;
  readonly limits?: CollectCommandDeps["limits"];
}): Promise<{ code: number; io: ReturnType<typeof captureIo> }> {
  const io = captureIo();
  const code = await runCollectCommand(
    {
      cluster: o.cluster,
      service: o.service,
      from: new Date(o.fromMs).toISOString(),
      to: new Date(o.toMs).toISOString(),
      out: o.out,
      region: REGION,
      endpointUrl: o.endpointUrl,
      quiet: true,
    },
    cliContext(io),
    {
      clientConfig: { credentials: CREDENTIALS, maxAttempts: 1 },
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 },
      ...(o.limits === undefined ? {} : { limits: o.limits }),
      now: () => o.nowMs,
    },
  );
  return { code, io };
}
