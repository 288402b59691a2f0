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
  readAlbRequestBytes,
  type AlbRequest,
  type SketchCounts,
} from "../../access-log.js";
import type { FixedSeries } from "../files/bundle.js";
import { BUNDLE_REQUESTS_SERIES, type BundleSeries } from "../../../sim/vocab/index.js";
import { StepMean, StepQuantile, StepSum, type StepExtent, type StepGrid } from "./steps.js";

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

const isFiveXx = (code: number | null): boolean => code !== null && code >= 500 && code <= 599;

/**
 * ALB access logs, one part per load balancer (`elb`): a bundle is one service's traffic, and
 * the logs of several load balancers are never mixed. With `only` (`--load-balancer`, as
 * `app/NAME/ID` or `NAME`), the lines of the others are counted and left out.
 *
 * Each request counts in the step of its arrival (`request_creation_time`). Series:
 * - `requests`: RequestCount, the requests for which the load balancer chose a target: "This
 *   metric is only incremented for requests where the load balancer node was able to choose a
 *   target. Requests that are rejected before a target is chosen are not reflected in this
 *   metric" (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
 *   A line has a chosen target when it names one (`target:port`) or has a target processing
 *   time (a Lambda target logs `-` for `target:port`).
 * - `requests-without-target`: the other lines (redirects, fixed responses, requests the ALB
 *   refused, 503s with no registered target), which RequestCount leaves out.
 * - `elb-5xx` (HTTPCode_ELB_5XX_Count: a 5xx the target did not send), `target-5xx`
 *   (HTTPCode_Target_5XX_Count), over every line.
 * - TargetResponseTime (`target_processing_time`) average and p95 over the requests a target
 *   answered.
 */
export function albReader(grid: StepGrid, only?: string): AlbReader {
  const parts = new Map<string, AlbPart>();
  const others = new Map<string, number>();
  let outside = 0;
  // Most logs hold one load balancer: the last one's part is kept at hand.
  let lastElb = "";
  let last: AlbPart | null = null;
  const wanted = only === undefined ? null : loadBalancerMatcher(only);
  const partOf = (elb: string): AlbPart => {
    let part = parts.get(elb);
    if (part === undefined) parts.set(elb, (part = new AlbPart(elb, grid)));
    return part;
  };
  const take = (r: AlbRequest): LineVerdict => {
    let part = last;
    if (r.elb !== lastElb || part === null) {
      if (wanted !== null && !wanted(r.elb)) {
        others.set(r.elb, (others.get(r.elb) ?? 0) + 1);
        return null;
      }
      part = partOf(r.elb);
      lastElb = r.elb;
      last = part;
    }
    const k = grid.index(r.arrivalMs);
    if (k === null) {
      outside++;
      return null;
    }
    part.add(k, r);
    return null;
  };
  const read = (line: string): LineVerdict => {
    if (line.trim() === "") return null;
    const parsed = parseAlbLogLine(line);
    if (!parsed.ok) return parsed.error;
    return take({ ...parsed.value, reachedTarget: reachedTarget(parsed.value) });
  };
  return {
    kind: "alb-access-logs",
    get outside() {
      return outside;
    },
    others,
    read,
    readBytes(bytes, start, end) {
      const r = readAlbRequestBytes(bytes, start, end);
      return r === null ? read(utf8.decode(bytes.subarray(start, end))) : take(r);
    },
    parts: () => [...parts.values()],
    state: () => ({
      parts: [...parts.values()].map((part) => part.state()),
      others,
      outside,
    }),
    merge(state) {
      for (const p of state.parts) partOf(p.name).merge(p);
      for (const [name, n] of state.others) others.set(name, (others.get(name) ?? 0) + n);
      outside += state.outside;
    },
  };
}

/**
 * UTF-8 as `caplab import` reads it: a byte order mark is kept (as Node's StringDecoder keeps
 * it), bytes that are not UTF-8 become U+FFFD.
 */
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** An ALB {@link LineReader} that also reads lines as bytes, and whose state merges. */
export interface AlbReader extends LineReader {
  /**
   * Reads the line `bytes[start, end)` (UTF-8, without its line break), as {@link read} reads
   * its decoded text, without decoding it when it is plainly valid (readAlbRequestBytes).
   */
  readBytes(bytes: Uint8Array, start: number, end: number): LineVerdict;
  /** What it has read, as plain data (it crosses threads). */
  state(): AlbReaderState;
  /**
   * Adds what another reader of the same grid and `--load-balancer` read. Merging the states
   * of consecutive pieces of a log in file order gives the very state one reader of the whole
   * log would have: counts and whole milliseconds add exactly, and parts and other load
   * balancers keep the order they are first seen in.
   */
  merge(state: AlbReaderState): void;
}

/** An {@link AlbReader}'s state. */
export interface AlbReaderState {
  readonly parts: readonly AlbPartState[];
  readonly others: ReadonlyMap<string, number>;
  readonly outside: number;
}

/** One load balancer's accumulators ({@link AlbPart}) as plain data. */
export interface AlbPartState {
  readonly name: string;
  readonly requests: ReadonlyMap<number, number>;
  readonly withoutTarget: ReadonlyMap<number, number>;
  readonly elb5xx: ReadonlyMap<number, number>;
  readonly target5xx: ReadonlyMap<number, number>;
  readonly latencyMs: ReadonlyMap<number, { readonly sum: number; readonly n: number }>;
  readonly latencyP95: ReadonlyMap<number, SketchCounts>;
}

/**
 * Whether an `elb` field (`app/NAME/ID`) is the load balancer `--load-balancer` names: as
 * `app/NAME/ID` (what caplab collect takes), `NAME/ID`, or `NAME`.
 */
export function loadBalancerMatcher(given: string): (elb: string) => boolean {
  return (elb) => elb === given || elb === `app/${given}` || elb.split("/")[1] === given;
}

/** The accumulators of one load balancer's lines. */
class AlbPart implements LinePart {
  readonly requests = new StepSum();
  private seenSteps: StepSum | null = null;
  private readonly elb5xx = new StepSum();
  private readonly target5xx = new StepSum();
  private readonly withoutTarget = new StepSum();
  /** target_processing_time in whole milliseconds (see {@link add}). */
  private readonly latencyMs = new StepMean();
  private readonly latencyP95 = new StepQuantile(0.95);

  constructor(
    readonly name: string,
    private readonly grid: StepGrid,
  ) {}

  /** Every line: requests and requests-without-target, summed once when first asked for. */
  get seen(): StepSum {
    return (this.seenSteps ??= this.requests.plus(this.withoutTarget));
  }

  add(k: number, r: AlbRequest): void {
    if (r.reachedTarget) this.requests.add(k);
    else this.withoutTarget.add(k);
    if (isFiveXx(r.targetStatusCode)) this.target5xx.add(k);
    else if (isFiveXx(r.elbStatusCode)) this.elb5xx.add(k);
    if (r.targetProcessingTime !== null) {
      // ALB writes processing times "in seconds, with millisecond precision"
      // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html):
      // summed as whole milliseconds, the mean is exact whatever the order of the lines, so
      // pieces read on several threads give the same mean as one pass, bit for bit.
      this.latencyMs.add(k, Math.round(r.targetProcessingTime * 1000));
      this.latencyP95.add(k, r.targetProcessingTime);
    }
  }

  state(): AlbPartState {
    return {
      name: this.name,
      requests: this.requests.state(),
      withoutTarget: this.withoutTarget.state(),
      elb5xx: this.elb5xx.state(),
      target5xx: this.target5xx.state(),
      latencyMs: this.latencyMs.state(),
      latencyP95: this.latencyP95.state(),
    };
  }

  merge(state: AlbPartState): void {
    this.requests.merge(state.requests);
    this.withoutTarget.merge(state.withoutTarget);
    this.elb5xx.merge(state.elb5xx);
    this.target5xx.merge(state.target5xx);
    this.latencyMs.merge(state.latencyMs);
    this.latencyP95.merge(state.latencyP95);
  }

  detail(): string {
    return `load balancer ${this.name}`;
  }

  finish(extent: StepExtent): ImportedSeries[] {
    const grid = this.grid;
    const dimensions = [{ Name: "LoadBalancer", Value: this.name }];
    const alb = { namespace: "AWS/ApplicationELB", dimensions };
    const count = { ...alb, stat: "Sum", unit: "Count" };
    return [
      {
        def: seriesDef(BUNDLE_REQUESTS_SERIES, "RequestCount", grid, count),
        data: this.requests.finish(extent, grid),
      },
      {
        def: seriesDef("requests-without-target", "RequestsWithoutTarget", grid, {
          dimensions,
          stat: "Sum",
          unit: "Count",
        }),
        data: this.withoutTarget.finish(extent, grid),
      },
      {
        def: seriesDef("elb-5xx", "HTTPCode_ELB_5XX_Count", grid, count),
        data: this.elb5xx.finish(extent, grid),
      },
      {
        def: seriesDef("target-5xx", "HTTPCode_Target_5XX_Count", grid, count),
        data: this.target5xx.finish(extent, grid),
      },
      {
        def: seriesDef("target-response-time-average", "TargetResponseTime", grid, {
          ...alb,
          stat: "Average",
          unit: "Seconds",
        }),
        data: this.latencyMs.finish(extent, grid, 1000),
      },
      {
        def: seriesDef("target-response-time-p95", "TargetResponseTime", grid, {
          ...alb,
          stat: "p95",
          unit: "Seconds",
        }),
        data: this.latencyP95.finish(extent, grid),
      },
    ];
  }
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
