/**
 * What `caplab calibrate` writes (pure): the `service:` and `platform:` YAML that `caplab
 * simulate` takes, checked by the config schemas, with each fit's quality as a comment, and the
 * one-line summary after writing it to a file.
 */
import YAML from "yaml";
import type { Calibration } from "../analysis/calibrate.js";
import { PlatformSchema, ServiceModelSchema, type Warning } from "../sim/vocab/index.js";
import { plural } from "./format.js";

/** The first line of every file calibrate writes: how a later run knows the file is caplab's. */
export const CALIBRATION_HEADER = "# caplab calibrate ";

const round = (v: number, digits = 4) => Number(v.toPrecision(digits));

/** The `service:` and `platform:` YAML, checked by the config schemas, with fit quality as comments. */
export function renderCalibrationYaml(
  c: Calibration,
  source: string,
  warnings: readonly Warning[],
): string {
  const service = ServiceModelSchema.parse({
    ...c.service,
    cpuMsPerRequest: round(c.service.cpuMsPerRequest),
    latencyMs: round(c.service.latencyMs),
    idleCpuPercent: round(c.service.idleCpuPercent),
    memoryMiB: {
      base: round(c.service.memoryMiB.base),
      perInflightRequest: round(c.service.memoryMiB.perInflightRequest),
    },
  });
  const platform = PlatformSchema.parse(c.platform);
  const doc = new YAML.Document({ service, platform });
  const f = c.fits;
  const comment = (path: string[], text: string) => {
    const node = doc.getIn(path, true) as YAML.Scalar | undefined;
    if (node) node.comment = ` ${text}`;
  };
  if (f.cpu === null) {
    comment(["service", "cpuMsPerRequest"], "not fitted: --config's value");
    comment(["service", "idleCpuPercent"], "not fitted: --config's value");
  } else {
    const cpu = f.cpu.fit;
    comment(
      ["service", "cpuMsPerRequest"],
      `slope of vCPU on requests/s per task: R² ${cpu.rSquared.toFixed(4)}, 95 % CI [${round(cpu.slopeInterval.lower * 1000)}, ${round(cpu.slopeInterval.upper * 1000)}] ms, ${plural(f.cpu.points, "step")}`,
    );
    comment(
      ["service", "idleCpuPercent"],
      `intercept: 95 % CI [${round(cpu.interceptInterval.lower)}, ${round(cpu.interceptInterval.upper)}] vCPU`,
    );
  }
  comment(
    ["service", "latencyMs"],
    f.latency
      ? `low-load response time minus CPU time, median of ${plural(f.latency.points, "step")}`
      : `not fitted (${c.fits.cpu === null ? "--config's value" : "default"})`,
  );
  comment(["service", "serviceTimeCv"], "not fitted (default: exponential service times)");
  if (f.memory)
    comment(
      ["service", "memoryMiB", "perInflightRequest"],
      `memory on in-flight (Little's law): R² ${f.memory.fit.rSquared.toFixed(4)}, ${plural(f.memory.points, "step")}`,
    );
  if (f.launchToHealthy)
    comment(
      ["platform", "launchSeconds"],
      `launch to healthy: median ${f.launchToHealthy.medianSeconds} s over ${f.launchToHealthy.scaleOuts} scale-outs, minus scheduling and health checks`,
    );
  for (const key of [
    "healthCheckIntervalSeconds",
    "deregistrationDelaySeconds",
    "slowStartSeconds",
    "loadBalancingAlgorithm",
  ] as const)
    if (c.platform[key] !== undefined)
      comment(["platform", key], "the bundle's target group (caplab collect)");
  const knee = f.knee
    ? f.knee.requestsPerSecondPerTask === null
      ? `knee: not reached (p95 ≤ ${f.knee.sloP95Ms} ms up to ${round(f.knee.highestObserved)} requests/s per task)`
      : `knee: ${round(f.knee.requestsPerSecondPerTask)} requests/s per task before p95 crossed ${f.knee.sloP95Ms} ms`
    : "knee: not found (it needs a p95 series and a task count on the same steps: p95 against requests per task)";
  doc.commentBefore = [
    ` caplab calibrate ${source}`,
    ` ${knee}`,
    ...warnings.map((w) => ` warning (${w.code}): ${w.message}`),
  ].join("\n");
  return doc.toString({ lineWidth: 0 });
}

/** The line `caplab calibrate --out FILE` prints: the fitted values and the CPU fit's R². */
export function renderCalibrationWritten(calibration: Calibration, file: string): string {
  const s = calibration.service;
  const cpu = calibration.fits.cpu;
  return `Wrote ${file}: cpuMsPerRequest ${round(s.cpuMsPerRequest)} (${cpu === null ? "not fitted: --config's" : `R² ${cpu.fit.rSquared.toFixed(3)}`}), idle ${round(s.idleCpuPercent)} %, latency ${round(s.latencyMs)} ms, memory ${round(s.memoryMiB.base)} MiB + ${round(s.memoryMiB.perInflightRequest)} MiB per in-flight request.\n`;
}
