/** Shim of `k6/metrics` for vitest: metrics keep their samples. */
class Metric {
  readonly samples: { value: number; tags?: Record<string, string> }[] = [];
  constructor(readonly name: string) {}
  add(value: number | boolean, tags?: Record<string, string>): void {
    this.samples.push({ value: Number(value), tags });
  }
}
export class Counter extends Metric {}
export class Gauge extends Metric {}
export class Rate extends Metric {}
export class Trend extends Metric {}
