/**
 * Fetching one chunk with GetMetricData: a fresh input per page (the SDK paginator mutates its
 * input, and a throttled page must be asked again with the same NextToken, so the pages are
 * walked here rather than with `paginateGetMetricData`), every page retried on throttling
 * and transient errors, PartialData followed to the last page and noted.
 */
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type GetMetricDataCommandInput,
  type GetMetricDataCommandOutput,
} from "@aws-sdk/client-cloudwatch";
import type { Chunk } from "./packing.js";
import type { MetricQuery } from "./metrics.js";
import { TransientError, withRetry, type RetryOptions } from "./retry.js";
import { MalformedResponseError } from "./aws-client.js";

/** Datapoints of one query as CloudWatch returned them (may have gaps; epoch ms). */
export interface RawPoints {
  readonly times: number[];
  readonly values: number[];
}

/** What one chunk brought back: this is what a checkpoint holds. */
export interface ChunkData {
  readonly index: number;
  readonly startMs: number;
  readonly endMs: number;
  /** By query Id. */
  readonly points: Record<string, RawPoints>;
  /** PartialData and CloudWatch messages, in words for manifest.notes. */
  readonly notes: string[];
  /** GetMetricData pages this chunk took (retries not counted). */
  readonly pages: number;
}

/** The whole input of one page: built anew for every call. */
export function getMetricDataInput(
  chunk: Chunk,
  queries: ReadonlyMap<string, MetricQuery>,
  periodSeconds: number,
  nextToken: string | undefined,
): GetMetricDataCommandInput {
  return {
    StartTime: new Date(chunk.startMs),
    EndTime: new Date(chunk.endMs),
    ScanBy: "TimestampAscending",
    NextToken: nextToken,
    MetricDataQueries: chunk.queryIds.map((id) => {
      const q = queries.get(id);
      if (!q) throw new Error(`getMetricDataInput: unknown query ${id}`);
      return {
        Id: q.queryId,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: q.namespace,
            MetricName: q.metricName,
            Dimensions: q.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })),
          },
          Period: q.periodSeconds ?? periodSeconds,
          Stat: q.stat,
        },
      };
    }),
  };
}

/** CloudWatch said no to one metric (StatusCode Forbidden): not worth retrying. */
export class MetricForbiddenError extends Error {
  constructor(readonly queryId: string) {
    super(`CloudWatch returned StatusCode Forbidden for query ${queryId}`);
    this.name = "MetricForbiddenError";
  }
}

/** Fetches one chunk, following NextToken to the end. */
export async function fetchChunk(
  client: CloudWatchClient,
  chunk: Chunk,
  queries: ReadonlyMap<string, MetricQuery>,
  periodSeconds: number,
  retry: RetryOptions,
  signal?: AbortSignal,
): Promise<ChunkData> {
  const points: Record<string, RawPoints> = {};
  for (const id of chunk.queryIds) points[id] = { times: [], values: [] };
  const notes: string[] = [];
  const span = `${new Date(chunk.startMs).toISOString()}–${new Date(chunk.endMs).toISOString()}`;
  let token: string | undefined;
  let pages = 0;
  const seenTokens = new Set<string>();
  do {
    const input = getMetricDataInput(chunk, queries, periodSeconds, token);
    const page = await withRetry(
      async (): Promise<GetMetricDataCommandOutput> => {
        const out = await client.send(new GetMetricDataCommand(input), { abortSignal: signal });
        for (const r of out.MetricDataResults ?? []) {
          if (r.StatusCode === "InternalError")
            throw new TransientError(`GetMetricData returned InternalError for ${r.Id ?? "?"}`);
          if (r.StatusCode === "Forbidden") throw new MetricForbiddenError(r.Id ?? "?");
        }
        return out;
      },
      retry,
      signal,
    );
    pages++;
    for (const r of page.MetricDataResults ?? []) {
      const target = r.Id === undefined ? undefined : points[r.Id];
      if (!target) continue;
      const times = r.Timestamps ?? [];
      const values = r.Values ?? [];
      for (let i = 0; i < Math.min(times.length, values.length); i++) {
        target.times.push(times[i]!.getTime());
        target.values.push(values[i]!);
      }
      if (r.StatusCode === "PartialData") {
        notes.push(
          `GetMetricData returned PartialData for ${queries.get(r.Id!)?.seriesId ?? r.Id} over ${span}${page.NextToken ? "; the following pages were fetched" : " with no further page"}.`,
        );
      }
      for (const m of r.Messages ?? [])
        notes.push(
          `CloudWatch (${queries.get(r.Id!)?.seriesId ?? r.Id}, ${span}): ${m.Code}: ${m.Value}`,
        );
    }
    for (const m of page.Messages ?? []) notes.push(`CloudWatch (${span}): ${m.Code}: ${m.Value}`);
    token = page.NextToken || undefined;
    if (token !== undefined) {
      if (seenTokens.has(token))
        throw new MalformedResponseError(
          "CloudWatch GetMetricData",
          `the same NextToken twice (${span})`,
        );
      seenTokens.add(token);
    }
  } while (token !== undefined);
  return { index: chunk.index, startMs: chunk.startMs, endMs: chunk.endMs, points, notes, pages };
}
