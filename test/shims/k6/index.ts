/** Shim of `k6` for vitest (STYLE.md point 6): records sleeps, runs checks and groups inline. */
import { recorder } from "./recorder.js";

export function sleep(seconds: number): void {
  recorder.sleeps.push(seconds);
}

export function check<T>(value: T, checks: Record<string, (v: T) => boolean>): boolean {
  return Object.values(checks).every((fn) => fn(value));
}

export function group<T>(_name: string, fn: () => T): T {
  return fn();
}

export function fail(message?: string): never {
  throw new Error(message ?? "k6 fail()");
}

export default { sleep, check, group, fail };
