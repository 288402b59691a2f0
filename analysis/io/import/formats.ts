/**
 * What each log format contributes to a bundle: a reader takes one line at a time into
 * per-step accumulators ({@link StepGrid}) and, at the end, gives the series it measured.
 *
 *   line ──parse (analysis/access-log.ts)──▶ record
 *     ──arrival step──▶ StepSum / StepMean / StepQuantile ──finish──▶ series
 *
 * Series keep AWS's metric names and units: Count per step, Seconds for latencies.
 */
import {
  parseAlbLogLine,
  parseCombinedLogLine,
  reachedTarget,
  readAlbRequest,
  type AlbRequest,
} from "../../access-log.js";
import type { FixedSeries } from "../files/bundle.js";
import { BUNDLE_REQUESTS_SERIES, type BundleSeries } from "../../../sim/vocab/index.js";
import { StepMean, StepQuantile, StepSum, type StepExtent, type StepGrid } from "./steps.js";

/** The log formats `caplab import` reads line by line. */
/** The per-request log formats. (k6 output is a run, read by analysis/io/import/k6-run.ts.) */
export const LINE_FORMATS = ["alb", "nginx"] as const;
export type LineFormat = (typeof LINE_FORMATS)[number];

/** A series to write: its manifest entry and its values. */
export interface ImportedSeries {
  readonly def: BundleSeries;
  readonly data: FixedSeries;
}

/** Why a line is bad, or null when it was read (or skipped on purpose, like a k6 Metric line). */
export type LineVerdict = string | null;

export interface LineReader {
  /** Bundle `source.kind`. */
  readonly kind: string;
  /** Requests per step (inside the window). */
  readonly requests: StepSum;
  /** Requests whose arrival fell outside `--from`/`--to`. */
  readonly outside: number;
  read(line: string): LineVerdict;
  /** Words for the manifest's `source.detail` (e.g. which load balancers). */
  detail(): string;
  finish(extent: StepExtent): ImportedSeries[];
}

function seriesDef(
  id: string,
  metricName: string,
  grid: StepGrid,
  extra: Partial<Omit<BundleSeries, "id" | "file" | "metricName" | "periodSeconds">>,
): BundleSeries {
  return {
    id,
    file: `series/${id}.csv`,
    metricName,
    dimensions: [],
    periodSeconds: grid.stepSeconds,
    ...extra,
  };
}

const isFiveXx = (code: number | null): boolean => code !== null && code >= 500 && code <= 599;

/**
 * ALB access logs. Each request counts in the step of its arrival (`request_creation_time`).
 * Series: RequestCount; HTTPCode_ELB_5XX_Count (a 5xx the target did not send);
 * HTTPCode_Target_5XX_Count; TargetResponseTime (the `target_processing_time`) average and
 * p95 over the requests a target answered; RequestsWithoutTarget (no target, no target time:
 * fixed responses, redirects, requests the ALB refused).
 */
export function albReader(grid: StepGrid): LineReader {
  const requests = new StepSum();
  const elb5xx = new StepSum();
  const target5xx = new StepSum();
  const withoutTarget = new StepSum();
  const latencyMean = new StepMean();
  const latencyP95 = new StepQuantile(0.95);
  const loadBalancers = new Set<string>();
  let outside = 0;
  return {
    kind: "alb-access-logs",
    requests,
    get outside() {
      return outside;
    },
    read(line) {
      let r: AlbRequest | null = readAlbRequest(line);
      if (r === null) {
        if (line.trim() === "") return null;
        const parsed = parseAlbLogLine(line);
        if (!parsed.ok) return parsed.error;
        r = { ...parsed.value, reachedTarget: reachedTarget(parsed.value) };
      }
      const k = grid.index(r.arrivalMs);
      if (k === null) {
        outside++;
        return null;
      }
      if (loadBalancers.size < 10) loadBalancers.add(r.elb);
      requests.add(k);
      if (isFiveXx(r.targetStatusCode)) target5xx.add(k);
      else if (isFiveXx(r.elbStatusCode)) elb5xx.add(k);
      if (!r.reachedTarget) withoutTarget.add(k);
      if (r.targetProcessingTime !== null) {
        latencyMean.add(k, r.targetProcessingTime);
        latencyP95.add(k, r.targetProcessingTime);
      }
      return null;
    },
    detail() {
      const names = [...loadBalancers];
      return names.length === 0
        ? ""
        : `load balancer${names.length > 1 ? "s" : ""} ${names.join(", ")}`;
    },
    finish(extent) {
      const names = [...loadBalancers];
      const dimensions = names.length === 1 ? [{ Name: "LoadBalancer", Value: names[0]! }] : [];
      const alb = { namespace: "AWS/ApplicationELB", dimensions };
      const count = { ...alb, stat: "Sum", unit: "Count" };
      return [
        {
          def: seriesDef(BUNDLE_REQUESTS_SERIES, "RequestCount", grid, count),
          data: requests.finish(extent, grid),
        },
        {
          def: seriesDef("elb-5xx", "HTTPCode_ELB_5XX_Count", grid, count),
          data: elb5xx.finish(extent, grid),
        },
        {
          def: seriesDef("target-5xx", "HTTPCode_Target_5XX_Count", grid, count),
          data: target5xx.finish(extent, grid),
        },
        {
          def: seriesDef("target-response-time-average", "TargetResponseTime", grid, {
            ...alb,
            stat: "Average",
            unit: "Seconds",
          }),
          data: latencyMean.finish(extent, grid),
        },
        {
          def: seriesDef("target-response-time-p95", "TargetResponseTime", grid, {
            ...alb,
            stat: "p95",
            unit: "Seconds",
          }),
          data: latencyP95.finish(extent, grid),
        },
        {
          def: seriesDef("requests-without-target", "RequestsWithoutTarget", grid, {
            dimensions,
            stat: "Sum",
            unit: "Count",
          }),
          data: withoutTarget.finish(extent, grid),
        },
      ];
    },
  };
}

/**
 * nginx and Apache logs in the combined (or common) format, plain or as FireLens JSON
 * records. Series: RequestCount and HTTPCode_5XX_Count (status 500–599) per step of `$time_local`.
 */
export function combinedReader(grid: StepGrid): LineReader {
  const requests = new StepSum();
  const fiveXx = new StepSum();
  let outside = 0;
  return {
    kind: "nginx",
    requests,
    get outside() {
      return outside;
    },
    read(line) {
      if (line.trim() === "") return null;
      const parsed = parseCombinedLogLine(line);
      if (!parsed.ok) return parsed.error;
      const k = grid.index(parsed.value.timeMs);
      if (k === null) {
        outside++;
        return null;
      }
      requests.add(k);
      if (isFiveXx(parsed.value.status)) fiveXx.add(k);
      return null;
    },
    detail: () => "combined log format",
    finish(extent) {
      const count = { stat: "Sum", unit: "Count" };
      return [
        {
          def: seriesDef(BUNDLE_REQUESTS_SERIES, "RequestCount", grid, count),
          data: requests.finish(extent, grid),
        },
        {
          def: seriesDef("http-5xx", "HTTPCode_5XX_Count", grid, count),
          data: fiveXx.finish(extent, grid),
        },
      ];
    },
  };
}

/** The reader for a line format. */
export function lineReader(format: LineFormat, grid: StepGrid): LineReader {
  switch (format) {
    case "alb":
      return albReader(grid);
    case "nginx":
      return combinedReader(grid);
  }
}
