/**
 * The server side of a run (`caplab run --collect CLUSTER/SERVICE`): once the test is over,
 * wait until CloudWatch has published its last minutes, then collect the service's window
 * into the run bundle's server/ folder, as `caplab collect` would. A collection that fails
 * leaves the run whole and says which window to collect later.
 */
import { join } from "node:path";
import { UsageError } from "../../sim/vocab/errors.js";
import { printWarnings, type Io, type Warning } from "../../sim/vocab/index.js";
import type { AwsTimeouts } from "../../analysis/io/aws/aws-client.js";
import {
  collectBundle,
  explainAwsError,
  renderCollectSummary,
} from "../../analysis/io/aws/collect-bundle.js";
import { partialDirFor } from "../../analysis/io/aws/checkpoint.js";
import { RUN_DEFAULTS } from "../../sim/vocab/defaults.js";

/**
 * Seconds to wait after the test before collecting its window (RUN_DEFAULTS in
 * sim/vocab/defaults.ts says why it is 30 s more than the simulator's 150-s publication
 * delay). @default 180
 */
export const SERVER_SIDE_COLLECT_WAIT_SECONDS = RUN_DEFAULTS.collectWaitSeconds;

/** Collects the server side for a run's window into `out` (`caplab collect`); throws on failure. */
export type ServerSideCollector = (request: {
  readonly cluster: string;
  readonly service: string;
  readonly from: Date;
  readonly to: Date;
  readonly out: string;
  readonly timeouts: AwsTimeouts;
}) => Promise<{ collected: true; files: Record<string, string> }>;

/**
 * The collector `caplab run` uses: {@link collectBundle} with the default credential chain,
 * printing to stderr what `caplab collect --quiet` prints.
 */
export function collectorPrintingTo(io: Io): ServerSideCollector {
  return async ({ cluster, service, from, to, out, timeouts }) => {
    const warnings: Warning[] = [];
    try {
      const result = await collectBundle(
        { cluster, service, fromMs: from.getTime(), toMs: to.getTime(), out, timeouts },
        { notify: (m) => io.err(`caplab: ${m}\n`), warn: (w) => warnings.push(w) },
      );
      printWarnings(io, warnings);
      io.err(renderCollectSummary(result));
      return { collected: true, files: { serverSide: "server" } };
    } catch (error) {
      printWarnings(io, warnings);
      if (error instanceof UsageError) throw error;
      const explained = explainAwsError(error, partialDirFor(out), { timeouts });
      if (explained === null) throw error;
      throw new Error(explained.message.replace(/\.$/, ""), { cause: error });
    }
  };
}

/** `--collect CLUSTER/SERVICE`, checked before the test starts; null without the flag. */
export function parseCollectFlag(
  collect: string | undefined,
): { readonly cluster: string; readonly service: string } | null {
  if (collect === undefined) return null;
  const [cluster, service, ...rest] = collect.split("/");
  if (!cluster || !service || rest.length > 0)
    throw new UsageError(`--collect takes CLUSTER/SERVICE, not "${collect}".`, "bad-flag");
  return { cluster, service };
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function sleepUnlessAborted(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return Promise.race([
    sleep(ms),
    new Promise<void>((done) => signal.addEventListener("abort", () => done(), { once: true })),
  ]);
}

/** What the manifest records about the server side, and the files it added. */
export interface ServerSideRecord {
  readonly record: Record<string, unknown>;
  readonly files: Record<string, string>;
}

/**
 * Collects the server side of a run that went from `startedAt` to `endedAt` into `out/server`,
 * after {@link SERVER_SIDE_COLLECT_WAIT_SECONDS}; never throws for a failed collection (the
 * load test happened: its results are kept, and the reason is recorded and printed).
 */
export async function collectServerSide(
  collect: string | undefined,
  startedAt: Date,
  endedAt: Date,
  out: string,
  world: {
    readonly io: Io;
    readonly sleep: (ms: number) => Promise<void>;
    readonly collector: ServerSideCollector | null;
  },
  signal: AbortSignal,
  timeouts: AwsTimeouts,
): Promise<ServerSideRecord> {
  const { io } = world;
  const target = parseCollectFlag(collect);
  if (target === null) return { record: { collected: false, reason: "no --collect" }, files: {} };
  const { cluster, service } = target;
  const window = { from: startedAt.toISOString(), to: endedAt.toISOString() };
  const skipped = (reason: string) => {
    io.err(
      `caplab: ${reason}; collect ${cluster}/${service} for ${window.from} – ${window.to} later.\n`,
    );
    return { record: { collected: false, reason, cluster, service, window }, files: {} };
  };
  if (signal.aborted) return skipped("server side not collected: the run was interrupted");
  if (world.collector === null)
    return skipped("server side not collected: no collector in this build");
  io.err(
    `caplab: waiting ${SERVER_SIDE_COLLECT_WAIT_SECONDS} s for CloudWatch to publish the last minutes…\n`,
  );
  await sleepUnlessAborted(world.sleep, SERVER_SIDE_COLLECT_WAIT_SECONDS * 1000, signal);
  if (signal.aborted) return skipped("server side not collected: the run was interrupted");
  try {
    const result = await world.collector({
      cluster,
      service,
      from: startedAt,
      to: endedAt,
      out: join(out, "server"),
      timeouts,
    });
    return { record: { collected: true, cluster, service, window }, files: result.files };
  } catch (error) {
    // The load test happened: keep its results and say what is missing.
    const reason = `server side not collected: ${(error as Error).message}`;
    io.err(`caplab: ${reason}; run caplab collect for ${window.from} – ${window.to} later.\n`);
    return { record: { collected: false, reason, cluster, service, window }, files: {} };
  }
}
