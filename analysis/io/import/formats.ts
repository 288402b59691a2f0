/**
 * What each log format contributes to a bundle: a reader takes one line at a time into
 * per-step accumulators ({@link StepGrid}) and, at the end, gives the series it measured.
 *
 *   line ──parse (analysis/access-log.ts)──▶ record
 *     ──arrival step──▶ StepSum / StepMean / StepQuantile ──finish──▶ series
 *
 * Series keep AWS's metric names and units: Count per step, Seconds for latencies.
 */
import { parseCombinedLogLine } from "../../access-log.js";
import {
  albReader as albReaderWith,
  isFiveXx,
  type AlbPart,
  type AlbReader,
} from "./alb-reader.js";
import type { FixedSeries } from "../files/bundle.js";
import { BUNDLE_REQUESTS_SERIES, type BundleSeries } from "../../../sim/vocab/index.js";
import { StepSum, type StepExtent, type StepGrid } from "./steps.js";

/** The per-request log formats `caplab import` reads line by line. (k6 output is a run, read by analysis/io/import/k6-run.ts.) */
export const LINE_FORMATS = ["alb", "nginx"] as const;
export type LineFormat = (typeof LINE_FORMATS)[number];

/** A series to write: its manifest entry and its values. */
export interface ImportedSeries {
  readonly def: BundleSeries;
  readonly data: FixedSeries;
}

/** Why a line is bad, or null when it was read (or skipped on purpose, like a k6 Metric line). */
export type LineVerdict = string | null;

/**
 * What one source of traffic in the logs (one load balancer; the whole log for the other
 * formats) holds: the steps it has lines in and its series, written as one bundle.
 */
export interface LinePart {
  /** The load balancer (`app/NAME/ID`); "" for formats with one source. */
  readonly name: string;
  /** Lines per step inside the window, whatever they count for: sets the bundle's extent. */
  readonly seen: StepSum;
  /** Requests the bundle's `requests` counts. */
  readonly requests: StepSum;
  /** Words for the manifest's `source.detail`. */
  detail(): string;
  finish(extent: StepExtent): ImportedSeries[];
}

export interface LineReader {
  /** Bundle `source.kind`. */
  readonly kind: string;
  /** Lines whose request arrived outside `--from`/`--to` (k6: the requests they count). */
  readonly outside: number;
  read(line: string): LineVerdict;
  /** The sources of traffic read, in the order first seen. */
  parts(): LinePart[];
  /** Lines left out because they belong to another load balancer than `--load-balancer`, by it. */
  readonly others: ReadonlyMap<string, number>;
}

/** A reader with one part (nginx): everything it reads is one source of traffic. */
function onePart(
  kind: string,
  part: Omit<LinePart, "name">,
  read: (line: string) => LineVerdict,
  outside: () => number,
): LineReader {
  return {
    kind,
    get outside() {
      return outside();
    },
    read,
    parts: () => [{ ...part, name: "" }],
    others: new Map(),
  };
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

/**
 * ALB access logs ({@link albReaderWith} in alb-reader.ts), finishing into the series below:
 * one part per load balancer (`elb`): a bundle is one service's traffic, and the logs of
 * several load balancers are never mixed. With `only` (`--load-balancer`), the lines of the
 * others are counted and left out.
 */
export function albReader(grid: StepGrid, only?: string): AlbReader {
  return albReaderWith(grid, only, albSeries);
}

/** The series of one load balancer's part, in AWS's metric names and units. */
function albSeries(part: AlbPart, extent: StepExtent): ImportedSeries[] {
  const grid = part.grid;
  const dimensions = [{ Name: "LoadBalancer", Value: part.name }];
  const alb = { namespace: "AWS/ApplicationELB", dimensions };
  const count = { ...alb, stat: "Sum", unit: "Count" };
  return [
    {
      def: seriesDef(BUNDLE_REQUESTS_SERIES, "RequestCount", grid, count),
      data: part.requests.finish(extent, grid),
    },
    {
      def: seriesDef("requests-without-target", "RequestsWithoutTarget", grid, {
        dimensions,
        stat: "Sum",
        unit: "Count",
      }),
      data: part.withoutTarget.finish(extent, grid),
    },
    {
      def: seriesDef("elb-5xx", "HTTPCode_ELB_5XX_Count", grid, count),
      data: part.elb5xx.finish(extent, grid),
    },
    {
      def: seriesDef("target-5xx", "HTTPCode_Target_5XX_Count", grid, count),
      data: part.target5xx.finish(extent, grid),
    },
    {
      def: seriesDef("target-response-time-average", "TargetResponseTime", grid, {
        ...alb,
        stat: "Average",
        unit: "Seconds",
      }),
      data: part.latencyMs.finish(extent, grid, 1000),
    },
    {
      def: seriesDef("target-response-time-p95", "TargetResponseTime", grid, {
        ...alb,
        stat: "p95",
        unit: "Seconds",
      }),
      data: part.latencyP95.finish(extent, grid),
    },
  ];
}

/**
 * nginx and Apache logs in the combined (or common) format, Apache's vhost_combined, plain or
 * as FireLens JSON records. Series: RequestCount and HTTPCode_5XX_Count (status 500–599) per
 * step of `$time_local` / `%t`.
 */
export function combinedReader(grid: StepGrid): LineReader {
  const requests = new StepSum();
  const fiveXx = new StepSum();
  const virtualHosts = new Set<string>();
  let outside = 0;
  const read = (line: string): LineVerdict => {
    if (line.trim() === "") return null;
    const parsed = parseCombinedLogLine(line);
    if (!parsed.ok) return parsed.error;
    const host = parsed.value.virtualHost;
    if (host !== null && virtualHosts.size < 10) virtualHosts.add(`${host}:${parsed.value.port}`);
    const k = grid.index(parsed.value.timeMs);
    if (k === null) {
      outside++;
      return null;
    }
    requests.add(k);
    if (isFiveXx(parsed.value.status)) fiveXx.add(k);
    return null;
  };
  const part = {
    seen: requests,
    requests,
    detail: () =>
      virtualHosts.size === 0
        ? "combined log format"
        : `vhost_combined log format (virtual host${virtualHosts.size > 1 ? "s" : ""} ${[...virtualHosts].join(", ")})`,
    finish(extent: StepExtent): ImportedSeries[] {
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
  return onePart("nginx", part, read, () => outside);
}

/** The reader for a line format; `loadBalancer` (ALB only) keeps that load balancer's lines. */
export function lineReader(
  format: LineFormat,
  grid: StepGrid,
  loadBalancer?: string,
): LineReader | AlbReader {
  switch (format) {
    case "alb":
      return albReader(grid, loadBalancer);
    case "nginx":
      return combinedReader(grid);
  }
}
