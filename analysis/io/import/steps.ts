/**
 * Per-step accumulators for the importer: each observation lands in the step its time falls
 * in, kept in a Map keyed by step index, so memory grows with the number of steps that hold
 * data, never with the number of lines read.
 *
 *   observation (time, value) ──StepGrid.index──▶ step k ──StepSum / StepMean / StepQuantile──▶
 *   finish(extent) ──▶ FixedSeries (0 or NaN where a step holds nothing)
 */
import { QuantileSketch, type SketchCounts } from "../../access-log.js";
import { MAX_TRACE_STEPS, tooManySteps } from "../../trace.js";
import type { FixedSeries } from "../files/bundle.js";

/**
 * The step grid: steps of `stepSeconds` from `fromMs` when a window is given, else from the
 * epoch (so minute steps start on the minute); observations outside [fromMs, toMs) are out.
 */
export class StepGrid {
  readonly stepMs: number;
  private readonly originMs: number;

  constructor(
    readonly stepSeconds: number,
    readonly fromMs?: number,
    readonly toMs?: number,
  ) {
    this.stepMs = stepSeconds * 1000;
    this.originMs = fromMs ?? 0;
  }

  /** The step `timeMs` falls in, or null when it is outside the window. */
  index(timeMs: number): number | null {
    if (!Number.isFinite(timeMs)) return null;
    if (this.fromMs !== undefined && timeMs < this.fromMs) return null;
    if (this.toMs !== undefined && timeMs >= this.toMs) return null;
    return Math.floor((timeMs - this.originMs) / this.stepMs);
  }

  /** Start of step `k`, epoch ms. */
  startOf(k: number): number {
    return this.originMs + k * this.stepMs;
  }

  /**
   * The steps to write: the window when given, else the first to the last step that holds
   * data (`first`, `last` from the requests series); null when there is nothing at all.
   */
  extent(first: number | null, last: number | null): StepExtent | null {
    const from = this.fromMs !== undefined ? 0 : first;
    const endMs = this.toMs;
    const to =
      endMs !== undefined
        ? Math.ceil((endMs - this.originMs) / this.stepMs)
        : last === null
          ? null
          : last + 1;
    if (from === null || to === null || to <= from) return null;
    if (to - from > MAX_TRACE_STEPS) {
      throw new RangeError(
        tooManySteps(
          "the data",
          to - from,
          this.stepSeconds,
          this.startOf(from),
          endMs ?? this.startOf(to),
          "give --from/--to around the data you want or a longer --step",
        ),
      );
    }
    return {
      first: from,
      length: to - from,
      startMs: this.startOf(from),
      endMs: endMs ?? this.startOf(to),
    };
  }
}

/** Which steps a bundle holds: `length` steps from step index `first`. */
export interface StepExtent {
  readonly first: number;
  readonly length: number;
  readonly startMs: number;
  /** Window end, epoch ms (the end of the last step, or `--to`). */
  readonly endMs: number;
}

/** A count per step; steps with no observation hold 0 (a log with no line for a minute means no request). */
export class StepSum {
  private readonly sums = new Map<number, number>();

  add(k: number, value = 1): void {
    this.sums.set(k, (this.sums.get(k) ?? 0) + value);
  }

  /** Total over every step. */
  total(): number {
    let t = 0;
    for (const v of this.sums.values()) t += v;
    return t;
  }

  /** A new sum of this one and `other`, step by step. */
  plus(other: StepSum): StepSum {
    const sum = new StepSum();
    for (const [k, v] of this.sums) sum.add(k, v);
    for (const [k, v] of other.sums) sum.add(k, v);
    return sum;
  }

  /** The steps that hold an observation, in no particular order. */
  steps(): number[] {
    return [...this.sums.keys()];
  }

  /** The first and last step that hold an observation; null when none. */
  span(): { first: number; last: number } | null {
    let first = Infinity;
    let last = -Infinity;
    for (const k of this.sums.keys()) {
      if (k < first) first = k;
      if (k > last) last = k;
    }
    return first <= last ? { first, last } : null;
  }

  /** The sums per step, to send to another thread ({@link merge} takes them). */
  state(): Map<number, number> {
    return this.sums;
  }

  /** Adds the sums of another StepSum ({@link state}), step by step. */
  merge(state: ReadonlyMap<number, number>): void {
    for (const [k, v] of state) this.add(k, v);
  }

  finish(extent: StepExtent, grid: StepGrid): FixedSeries {
    const values = new Float64Array(extent.length);
    for (const [k, v] of this.sums) {
      const i = k - extent.first;
      if (i >= 0 && i < values.length) values[i] = v;
    }
    return { startMs: extent.startMs, stepSeconds: grid.stepSeconds, values };
  }
}

/**
 * The mean of whole-number observations per step (ALB times in milliseconds); NaN (no data)
 * for steps without one. Sums of whole numbers are exact in a double up to 2^53 (about 285
 * years of milliseconds per step), so the sum does not depend on the order of the
 * observations: sums of pieces read on different threads merge into the very same mean as
 * one pass.
 */
export class StepMean {
  private readonly sums = new Map<number, { sum: number; n: number }>();

  /** @param value a whole number (callers round: see AlbPart.add in formats.ts). */
  add(k: number, value: number): void {
    const cell = this.sums.get(k);
    if (cell === undefined) this.sums.set(k, { sum: value, n: 1 });
    else {
      cell.sum += value;
      cell.n++;
    }
  }

  /** The sums and counts per step, to send to another thread ({@link merge} takes them). */
  state(): Map<number, { sum: number; n: number }> {
    return this.sums;
  }

  /** Adds the sums and counts of another StepMean ({@link state}). */
  merge(state: ReadonlyMap<number, { readonly sum: number; readonly n: number }>): void {
    for (const [k, { sum, n }] of state) {
      const cell = this.sums.get(k);
      if (cell === undefined) this.sums.set(k, { sum, n });
      else {
        cell.sum += sum;
        cell.n += n;
      }
    }
  }

  /**
   * Each step's mean in the series' unit: sum / (n × `per`), one rounding (n × per is exact).
   * @param per observation units per series unit (1000 for milliseconds to seconds). @default 1
   */
  finish(extent: StepExtent, grid: StepGrid, per = 1): FixedSeries {
    const values = new Float64Array(extent.length).fill(NaN);
    for (const [k, { sum, n }] of this.sums) {
      const i = k - extent.first;
      if (i >= 0 && i < values.length) values[i] = sum / (n * per);
    }
    return { startMs: extent.startMs, stepSeconds: grid.stepSeconds, values };
  }
}

/** A quantile of the observations per step ({@link QuantileSketch}, 1 % relative accuracy); NaN for steps without one. */
export class StepQuantile {
  private readonly sketches = new Map<number, QuantileSketch>();

  constructor(readonly q: number) {}

  add(k: number, value: number): void {
    let sketch = this.sketches.get(k);
    if (sketch === undefined) this.sketches.set(k, (sketch = new QuantileSketch()));
    sketch.add(value);
  }

  /** The sketches' counts per step, to send to another thread ({@link merge} takes them). */
  state(): Map<number, SketchCounts> {
    const out = new Map<number, SketchCounts>();
    for (const [k, sketch] of this.sketches) out.set(k, sketch.counts());
    return out;
  }

  /** Adds another StepQuantile's counts ({@link state}): bucket counts add exactly. */
  merge(state: ReadonlyMap<number, SketchCounts>): void {
    for (const [k, counts] of state) {
      let sketch = this.sketches.get(k);
      if (sketch === undefined) this.sketches.set(k, (sketch = new QuantileSketch()));
      sketch.addCounts(counts);
    }
  }

  finish(extent: StepExtent, grid: StepGrid, scale = 1): FixedSeries {
    const values = new Float64Array(extent.length).fill(NaN);
    for (const [k, sketch] of this.sketches) {
      const i = k - extent.first;
      if (i >= 0 && i < values.length) values[i] = sketch.quantile(this.q) * scale;
    }
    return { startMs: extent.startMs, stepSeconds: grid.stepSeconds, values };
  }
}
