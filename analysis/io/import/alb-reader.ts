/**
 * The ALB reader of `caplab import`: lines (as bytes or text) into per-step accumulators, one
 * part per load balancer, and its state as plain data that merges exactly (worker threads:
 * alb-file.ts). It imports nothing of the shared vocabulary (sim/vocab loads every zod
 * schema), so a worker thread that reads pieces of a log starts in a few milliseconds; the
 * series a part finishes into are described in formats.ts ({@link AlbSeries}).
 */
import {
  parseAlbLogLine,
  reachedTarget,
  readAlbRequestBytes,
  readAlbRequestScanned,
  type AlbRequest,
  type SketchCounts,
} from "../../access-log.js";
import type { ImportedSeries, LinePart, LineReader, LineVerdict } from "./formats.js";
import { StepMean, StepQuantile, StepSum, type StepExtent, type StepGrid } from "./steps.js";

/** The series a part's accumulators finish into (formats.ts: albSeries). */
export type AlbSeries = (part: AlbPart, extent: StepExtent) => ImportedSeries[];

/** For readers that only gather state (worker threads): finishing one is a bug. */
const gatherOnly: AlbSeries = () => {
  throw new Error("albReader: this reader gathers state only; merge it into one that finishes");
};

export const isFiveXx = (code: number | null): boolean =>
  code !== null && code >= 500 && code <= 599;

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
export function albReader(
  grid: StepGrid,
  only?: string,
  series: AlbSeries = gatherOnly,
): AlbReader {
  const parts = new Map<string, AlbPart>();
  const others = new Map<string, number>();
  let outside = 0;
  // Most logs hold one load balancer: the last one's part is kept at hand.
  let lastElb = "";
  let last: AlbPart | null = null;
  const wanted = only === undefined ? null : loadBalancerMatcher(only);
  const partOf = (elb: string): AlbPart => {
    let part = parts.get(elb);
    if (part === undefined) parts.set(elb, (part = new AlbPart(elb, grid, series)));
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
    readScanned(bytes, count, table, at, start, end) {
      const r = readAlbRequestScanned(bytes, count, table, at);
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
 * UTF-8 as `caplab import` reads a line: a byte order mark is kept (as Node's StringDecoder
 * keeps it), so that a line decoded here reads as the same bytes read by readAlbRequestBytes
 * or the WebAssembly scan (which never drop one) would; bytes that are not UTF-8 become U+FFFD.
 * The one a file may open with is dropped before its line 1 reaches a reader (AlbScanLines
 * in alb-scan.ts), so only a mark inside a file makes a line bad.
 */
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** An ALB {@link LineReader} that also reads lines as bytes, and whose state merges. */
export interface AlbReader extends LineReader {
  /**
   * Reads the line `bytes[start, end)` (UTF-8, without its line break), as {@link read} reads
   * its decoded text, without decoding it when it is plainly valid (readAlbRequestBytes).
   */
  readBytes(bytes: Uint8Array, start: number, end: number): LineVerdict;
  /**
   * {@link readBytes} of the line `bytes[start, end)` whose `count` fields the WebAssembly
   * scan found (alb-scan.ts): field starts at `table[at …]`, ends at `table[at + 22 …]`.
   */
  readScanned(
    bytes: Uint8Array,
    count: number,
    table: Int32Array,
    at: number,
    start: number,
    end: number,
  ): LineVerdict;
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
export class AlbPart implements LinePart {
  readonly requests = new StepSum();
  private seenSteps: StepSum | null = null;
  readonly elb5xx = new StepSum();
  readonly target5xx = new StepSum();
  readonly withoutTarget = new StepSum();
  /** target_processing_time in whole milliseconds (see {@link add}). */
  readonly latencyMs = new StepMean();
  readonly latencyP95 = new StepQuantile(0.95);

  constructor(
    readonly name: string,
    readonly grid: StepGrid,
    private readonly series: AlbSeries,
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
    return this.series(this, extent);
  }
}
