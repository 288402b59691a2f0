/**
 * `caplab calibrate BUNDLE [--out model.yaml]`: fits the service model from a trace bundle
 * (`caplab collect`) or a run bundle (`caplab run`: k6 results plus the collected server side
 * in server/) and writes the `service:` and `platform:` sections `caplab simulate` takes,
 * with the fit quality as comments. Also home of {@link loadObservedBundle}, which rightsize
 * and backtest share.
 */
import { basename, join } from "node:path";
import YAML from "yaml";
import {
  calibrate,
  CalibrationError,
  type Calibration,
  type ObservedService,
} from "../analysis/calibrate.js";
import { TraceError, toTrace } from "../analysis/trace.js";
import { LatencyHistogram } from "../analysis/stats/index.js";
import { ingestK6File, K6LineTooLongError } from "../analysis/io/files/k6-stream.js";
import {
  warnings,
  BUNDLE_REQUESTS_SERIES,
  PlatformSchema,
  ServiceModelSchema,
  type Candidate,
  type TraceBundleManifest,
  type Warning,
  type WarningSink,
} from "../sim/vocab/index.js";
import { isBundle, readBundleManifest, readBundleSeries } from "../analysis/io/files/bundle.js";
import { bundleFile, openBundle, readBundleJson } from "../analysis/io/files/bundle-files.js";
import { UsageError } from "../sim/vocab/errors.js";
import { printWarnings, type Io } from "./main.js";
import { prepareOutputFile } from "../analysis/io/files/output.js";

/** A bundle read for calibration, right-sizing and backtests. */
export interface LoadedBundle {
  readonly observed: ObservedService;
  readonly manifest: TraceBundleManifest;
  /** The service's configuration when the data was taken (manifest.current). */
  readonly current: Candidate | null;
}

/** A bundle's k6 results ({@link ingestK6File}); a line too long to be k6 JSON is a UsageError. */
async function ingestK6Bundled(real: string, shown: string) {
  try {
    return await ingestK6File(real);
  } catch (error) {
    if (error instanceof K6LineTooLongError)
      throw new UsageError(
        `${shown} has a line longer than ${error.maxBytes} bytes, so it is not k6 JSON output; re-create the bundle.`,
        "bad-k6-line",
        { cause: error },
      );
    if (error instanceof TraceError)
      throw new UsageError(`${shown}: ${error.message}`, error.code, { cause: error });
    throw error;
  }
}

/** "Setting desired count to 4." → 4. */
const DESIRED = /desired count to (\d+)/i;

/**
 * Reads a trace bundle (or the server/ bundle of a run bundle, with its k6 results) onto the
 * requests' fixed steps. Series the bundle lacks are null; steps without data are NaN.
 *
 * @throws UsageError when the folder is neither.
 */
export async function loadObservedBundle(dir: string, warn: WarningSink): Promise<LoadedBundle> {
  if (!(await isBundle(dir)))
    throw new UsageError(
      `${dir} is not a bundle (no manifest.json); give a folder written by caplab collect, import or run.`,
      "bad-bundle",
    );
  // Every file through analysis/io/files/bundle-files.ts: confined to the bundle, bounded.
  const root = await openBundle(dir);
  const top = (await readBundleJson(root, "manifest.json", null))!.json as {
    format?: unknown;
  } | null;
  let traceRoot = root;
  let k6Path: string | null = null;
  if (top?.format === "caplab-run-bundle/1") {
    const server = await bundleFile(root, "server", null, { optional: true, folder: true });
    if (server === null || !(await isBundle(server)))
      throw new UsageError(
        `${dir} is a run bundle without server-side data (server/); run caplab collect for the run's window and calibrate that bundle.`,
        "bad-bundle",
      );
    traceRoot = { dir: join(dir, "server"), real: server };
    for (const name of ["k6.json.gz", "k6.json"])
      k6Path ??= await bundleFile(root, name, null, { optional: true });
  }
  const traceDir = traceRoot.dir;
  const manifest = await readBundleManifest(traceRoot);
  const step = manifest.stepSeconds;
  const from = Date.parse(manifest.window.from);
  const to = Date.parse(manifest.window.to);
  const requestsEntry = manifest.series.find((s) => s.id === BUNDLE_REQUESTS_SERIES)!;
  let trace;
  try {
    trace = toTrace(
      await readBundleSeries(traceRoot, requestsEntry, { manifest }),
      { from, to, stepSeconds: step },
      warn,
    );
  } catch (error) {
    if (error instanceof TraceError)
      throw new UsageError(error.message, error.code, { cause: error });
    throw error;
  }
  const n = trace.requests.length;
  const requests = Float64Array.from(trace.requests, (v, i) => (trace.gap[i] ? NaN : v));
  const series = async (id: string, scale = 1): Promise<Float64Array | null> => {
    const entry = manifest.series.find((s) => s.id === id);
    if (!entry) return null;
    const raw = await readBundleSeries(traceRoot, entry, { manifest });
    const out = new Float64Array(n).fill(NaN);
    raw.times.forEach((t, k) => {
      const i = Math.floor((t - trace.startMs) / (step * 1000));
      if (i >= 0 && i < n) out[i] = raw.values[k]! * scale;
    });
    return out.some(Number.isFinite) ? out : null;
  };
  let responseTimeP95Ms = await series("tg.TargetResponseTime.p95", 1000);
  if (k6Path !== null) {
    const k6 = await ingestK6Bundled(k6Path, join(dir, basename(k6Path)));
    if (responseTimeP95Ms === null) {
      // k6's per-second histograms merged into the bundle's steps.
      const merged = new Array<LatencyHistogram | null>(n).fill(null);
      k6.overall.histograms.forEach((h, k) => {
        const i = Math.floor((k6.overall.startMs + k * 1000 - trace.startMs) / (step * 1000));
        if (h && i >= 0 && i < n) (merged[i] ??= new LatencyHistogram()).merge(h);
      });
      responseTimeP95Ms = Float64Array.from(merged, (h) => (h ? h.percentile(0.95) : NaN));
    }
  }
  const scaleOuts: { timeMs: number; desiredCount: number }[] = [];
  const scalingJson = await readBundleJson(traceRoot, "scaling.json", null, { optional: true });
  if (scalingJson !== null && scalingJson.json !== null && typeof scalingJson.json === "object") {
    const scaling = scalingJson.json as {
      activities?: { StartTime?: string; Description?: string; StatusCode?: string }[];
    };
    let previous = -Infinity;
    const activities = [...(Array.isArray(scaling.activities) ? scaling.activities : [])].sort(
      (a, b) => Date.parse(a.StartTime ?? "") - Date.parse(b.StartTime ?? ""),
    );
    for (const a of activities) {
      const m = DESIRED.exec(a.Description ?? "");
      const t = Date.parse(a.StartTime ?? "");
      if (!m || !Number.isFinite(t)) continue;
      const desired = Number(m[1]);
      if (desired > previous && previous !== -Infinity)
        scaleOuts.push({ timeMs: t, desiredCount: desired });
      previous = desired;
    }
  }
  if (!manifest.current) warn(warnings.noCurrentConfig(traceDir, "1 vCPU and 2 GiB are assumed"));
  const observed: ObservedService = {
    source: traceDir,
    startMs: trace.startMs,
    stepSeconds: step,
    length: n,
    task: manifest.current?.task ?? {
      cpu: "1024",
      memory: "2048",
      architecture: "X86_64",
      capacityProvider: "FARGATE",
    },
    requests,
    runningTasks: await series("ci.RunningTaskCount.Average"),
    healthyTasks: await series("tg.HealthyHostCount.Average"),
    cpuUnitsPerTask: await series("ci.CpuUtilized.Average"),
    cpuPercent: await series("ecs.CPUUtilization.Average"),
    memoryMiBPerTask: await series("ci.MemoryUtilized.Average"),
    requestCountPerTarget: await series("tg.RequestCountPerTarget.Sum"),
    responseTimeMeanMs: await series("tg.TargetResponseTime.Average", 1000),
    responseTimeP95Ms,
    scaleOuts,
  };
  return { observed, manifest, current: manifest.current ?? null };
}

/** Calibrates, turning a CalibrationError into a UsageError. */
export function calibrateOrExplain(
  observed: ObservedService,
  options: { sloP95Ms?: number },
  warn: WarningSink,
): Calibration {
  try {
    return calibrate(observed, options, warn);
  } catch (error) {
    if (error instanceof CalibrationError)
      throw new UsageError(error.message, "cannot-calibrate", { cause: error });
    throw error;
  }
}

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
  const cpu = f.cpu.fit;
  const comment = (path: string[], text: string) => {
    const node = doc.getIn(path, true) as YAML.Scalar | undefined;
    if (node) node.comment = ` ${text}`;
  };
  comment(
    ["service", "cpuMsPerRequest"],
    `slope of vCPU on requests/s per task: R² ${cpu.rSquared.toFixed(4)}, 95 % CI [${round(cpu.slopeInterval.lower * 1000)}, ${round(cpu.slopeInterval.upper * 1000)}] ms, ${f.cpu.points} steps`,
  );
  comment(
    ["service", "idleCpuPercent"],
    `intercept: 95 % CI [${round(cpu.interceptInterval.lower)}, ${round(cpu.interceptInterval.upper)}] vCPU`,
  );
  comment(
    ["service", "latencyMs"],
    f.latency
      ? `low-load response time minus CPU time, median of ${f.latency.points} steps`
      : "not fitted (default)",
  );
  comment(["service", "serviceTimeCv"], "not fitted (default: exponential service times)");
  if (f.memory)
    comment(
      ["service", "memoryMiB", "perInflightRequest"],
      `memory on in-flight (Little's law): R² ${f.memory.fit.rSquared.toFixed(4)}, ${f.memory.points} steps`,
    );
  if (f.launchToHealthy)
    comment(
      ["platform", "launchSeconds"],
      `launch to healthy: median ${f.launchToHealthy.medianSeconds} s over ${f.launchToHealthy.scaleOuts} scale-outs, minus scheduling and health-check defaults`,
    );
  const knee = f.knee
    ? f.knee.requestsPerSecondPerTask === null
      ? `knee: not reached (p95 ≤ ${f.knee.sloP95Ms} ms up to ${round(f.knee.highestObserved)} requests/s per task)`
      : `knee: ${round(f.knee.requestsPerSecondPerTask)} requests/s per task before p95 crossed ${f.knee.sloP95Ms} ms`
    : "knee: no p95 series";
  doc.commentBefore = [
    ` caplab calibrate ${source}`,
    ` ${knee}`,
    ...warnings.map((w) => ` warning (${w.code}): ${w.message}`),
  ].join("\n");
  return doc.toString({ lineWidth: 0 });
}

export interface CalibrateCommandOptions {
  readonly out?: string;
  readonly sloP95?: number;
  /** Replace --out even when caplab did not write it (it is kept as a backup). */
  readonly force?: boolean;
}

/** The first line of every file calibrate writes: how a later run knows the file is caplab's. */
export const CALIBRATION_HEADER = "# caplab calibrate ";

/** Runs `caplab calibrate` and returns the exit code. */
export async function runCalibrateCommand(
  bundle: string,
  opts: CalibrateCommandOptions,
  io: Io,
): Promise<number> {
  const warnings: Warning[] = [];
  const warn: WarningSink = (w) => warnings.push(w);
  const output =
    opts.out === undefined
      ? null
      : await prepareOutputFile(opts.out, {
          command: "calibrate",
          force: opts.force,
          inputs: [bundle],
          written: (head) => head.startsWith(CALIBRATION_HEADER),
          notify: (message) => io.err(`caplab: ${message}\n`),
        });
  const { observed } = await loadObservedBundle(bundle, warn);
  const calibration = calibrateOrExplain(observed, { sloP95Ms: opts.sloP95 }, warn);
  const yaml = renderCalibrationYaml(calibration, bundle, warnings);
  printWarnings(io, warnings);
  if (output === null) {
    io.out(yaml);
  } else {
    await output.write(yaml);
    const s = calibration.service;
    io.out(
      `Wrote ${opts.out}: cpuMsPerRequest ${round(s.cpuMsPerRequest)} (R² ${calibration.fits.cpu.fit.rSquared.toFixed(3)}), idle ${round(s.idleCpuPercent)} %, latency ${round(s.latencyMs)} ms, memory ${round(s.memoryMiB.base)} MiB + ${round(s.memoryMiB.perInflightRequest)} MiB per in-flight request.\n`,
    );
  }
  return 0;
}
