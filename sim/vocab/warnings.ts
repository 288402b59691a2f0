/**
 * Every warning caplab gives, as a named message with a typed code (STYLE.md point 9, after
 * vega-lite's `src/log/message.ts`): code deep inside calls `warn(warnings.gapInSeries(…))`
 * with a sink passed in; the CLI prints what the sink gathered (`warning: …`), and the run
 * report, `backtest.json` and a calibration's YAML comments list them with their codes.
 *
 * One constructor per kind of warning, grouped by where it arises. A code names the kind and
 * never changes with the wording, so scripts and tests can match it; {@link WarningCode} is
 * the union of them all, so a code that is not in this file does not type-check.
 *
 * Strings from outside (file names, metric names, log fields) go into messages as they are:
 * the terminal (`printable`) and Markdown (reports/escape.ts) writers escape them.
 */
import { groupThousands, plural } from "./numbers.js";

/** A warning: what happened and what it means, in one sentence; `code` says which kind. */
export interface Warning {
  readonly code: WarningCode;
  readonly message: string;
}

/** Where warnings go: a function passed down to the code that finds them. */
export type WarningSink = (warning: Warning) => void;

const make = <C extends string>(code: C, message: string) => ({ code, message }) as const;

/** ISO 8601 of epoch ms; a time past the year 275760 (no Date holds it) as its number. */
const iso = (ms: number): string =>
  Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms after 1970`;

/** "45 s", "12 min", "3.5 h": a span in the unit people would say. */
function duration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round((seconds / 60) * 10) / 10} min`;
  return `${Math.round((seconds / 3600) * 10) / 10} h`;
}

/** A whole count as the CLI prints counts: "217,441". */
const grouped = (n: number): string => groupThousands(String(n));
/** "1 thing" / "1,204 things". */
const count = (n: number, noun: string): string => plural(n, noun);
/** "1 thing was" / "3 things were". */
const wasWere = (n: number): string => (n === 1 ? "was" : "were");

export const warnings = {
  // -- Traces: a series onto fixed steps (analysis/trace.ts) ---------------------------------

  /** The source has no observations in [fromMs, toMs); those steps hold 0 requests. */
  gapInSeries: (source: string, fromMs: number, toMs: number) =>
    make(
      "gap-in-series",
      `${source} has no data from ${iso(fromMs)} to ${iso(toMs)} (${duration(toMs - fromMs)}); those steps are gaps with 0 requests.`,
    ),

  /** Gap runs beyond the ones listed one by one, summed up. */
  moreGapsInSeries: (source: string, runs: number, steps: number) =>
    make(
      "more-gaps-in-series",
      `${source} has ${runs} more gap runs (${steps} steps in all) not listed one by one.`,
    ),

  /** Several observations share a timestamp; they were added together. */
  duplicateTimestamps: (source: string, n: number) =>
    make(
      "duplicate-timestamps",
      `${source} has ${n} repeated timestamps; their values were added together.`,
    ),

  /** Observations are further apart than the step; each is spread evenly over the steps it covers. */
  coarseSeries: (source: string, spacingSeconds: number, stepSeconds: number) =>
    make(
      "coarse-series",
      `${source} has one observation every ${spacingSeconds} s, coarser than the ${stepSeconds}-s step; each value was spread evenly over the steps it covers.`,
    ),

  /** Observations whose time or value is not a finite number were left out. */
  nonFiniteObservations: (source: string, n: number) =>
    make(
      "non-finite-observations",
      `${source} has ${n} observations with a time or value that is not a finite number; they were left out.`,
    ),

  // -- caplab import: logs, CSV and CloudWatch JSON (analysis/io/import/) -------------------

  /** A line that could not be read; it was skipped. */
  badLine: (source: string, lineNumber: number, reason: string) =>
    make("bad-line", `${source} line ${lineNumber} ${reason}; the line was skipped.`),

  /**
   * A CloudWatch console CSV (Download as .csv) writes its times without a zone; they were read
   * as UTC (analysis/cloudwatch-console-csv.ts).
   */
  consoleCsvTimeZone: (source: string) =>
    make(
      "console-csv-time-zone",
      `${source} is a CloudWatch console CSV, whose times carry no time zone; they were read as UTC, so if the console showed local time, set its time zone to UTC and download the file again.`,
    ),

  /** A CSV column the user named (--value-column, valueColumn) may hold something other than requests. */
  namedColumnNotRequests: (source: string, column: string, why: string) =>
    make(
      "named-column-not-requests",
      `${source}: column ${column} ${why}; it was read as requests per step, as --value-column (valueColumn in a config) named it.`,
    ),

  /**
   * A CSV count column caplab picked holds fractional values all within 0 to 100, as a
   * percentage does; requests per step are whole numbers.
   */
  fractionalCounts: (source: string, column: string, fractional: number, rows: number) =>
    make(
      "fractional-counts",
      `${source}: column ${column} holds fractional values, all between 0 and 100 (${grouped(fractional)} of ${count(rows, "row")} not whole numbers), as a percentage does, while requests per step (RequestCount Sum, ALB logs, a counter) are whole numbers; they were read as requests per step, so if they are a rate per second or an average, multiply them to counts per row first.`,
    ),

  /** A CSV whose file name says CPU, memory or utilization was read as requests. */
  utilizationFileName: (source: string, word: string) =>
    make(
      "utilization-file-name",
      `${source}: its name says ${word}, yet its values were read as requests per step; if they are not a count of requests, import the series from CloudWatch JSON with --format cloudwatch instead.`,
    ),

  /** Bad lines beyond the ones reported one by one, summed up. */
  moreBadLines: (n: number) =>
    make(
      "more-bad-lines",
      `${n} more bad line${n === 1 ? " was" : "s were"} skipped (the bundle's manifest notes count them per file).`,
    ),

  /** An input that failed part way (a truncated gzip, a dropped connection); what was read of it counts. */
  unreadableInput: (source: string, reason: string) =>
    make(
      "unreadable-input",
      `${source} could not be read to the end (${reason}); the lines before that were imported.`,
    ),

  /** Requests before --from or at or after --to, left out. */
  requestsOutsideWindow: (n: number) =>
    make(
      "requests-outside-window",
      `${count(n, "request")} fell outside --from/--to and ${wasWere(n)} left out.`,
    ),

  /**
   * Access logs of several load balancers were imported into one bundle each: the bundle of
   * `--out` holds the first, the others sit beside it.
   */
  loadBalancersSplit: (names: readonly string[], folders: readonly string[]) =>
    make(
      "load-balancers-split",
      `the logs hold ${names.length} load balancers; each has its own bundle (${names
        .map((n, i) => `${n} → ${folders[i]}`)
        .join(
          ", ",
        )}), since one service's traffic is one load balancer's: give --load-balancer NAME to import one.`,
    ),

  /** Lines of other load balancers than the one --load-balancer names, left out. */
  otherLoadBalancers: (n: number, names: readonly string[]) =>
    make(
      "other-load-balancers",
      `${count(n, "request")} of ${names.length === 1 ? "another load balancer" : "other load balancers"} (${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""}) ${wasWere(n)} left out (--load-balancer).`,
    ),

  /**
   * Long silences in a log (more than a day without a line): the steps between the stretches of
   * activity are gaps, not written, so the bundle holds only the steps around the data.
   */
  sparseData: (what: string, spans: number, keptSteps: number, windowSteps: number) =>
    make(
      "sparse-data",
      `${what} holds requests in ${spans} stretches of activity more than a day apart; the bundle keeps ${grouped(keptSteps)} of the ${grouped(windowSteps)} steps between the first and the last request, and the steps between stretches are gaps (no data), not zero traffic; give --from/--to around one stretch to import it alone.`,
    ),

  /** --step was given but the query states another Period; the query's was kept. */
  periodStatedByQuery: (id: string, period: number, step: number) =>
    make(
      "period-stated-by-query",
      `${id} has Period ${period} s in the --queries file; that was kept, not --step ${step}.`,
    ),

  /** Several datapoints fell in one step of a series' period; the last one was kept. */
  datapointsShareStep: (id: string, n: number, period: number) =>
    make(
      "datapoints-share-step",
      `${id} has ${count(n, "datapoint")} closer together than its ${period}-s period; the later of each pair was kept (give --step, or the query's Period).`,
    ),

  /** Datapoints before --from or at or after --to, left out. */
  datapointsOutsideWindow: (n: number) =>
    make(
      "datapoints-outside-window",
      `${count(n, "datapoint")} fell outside --from/--to and ${wasWere(n)} left out.`,
    ),

  /** The requests series' period is not a step `simulate` and `plan` take. */
  requestsPeriodNotATraceStep: (id: string, period: number, steps: readonly number[]) =>
    make(
      "requests-period-not-a-trace-step",
      `the requests series (${id}) has a ${period}-s period; simulate and plan take ${steps.join(", ")} s, so re-fetch it at one of those (calibrate, rightsize, backtest and report read the bundle as it is).`,
    ),

  /** No series counts requests: the bundle holds the other series only. */
  noRequestsSeries: () =>
    make(
      "no-requests-series",
      "no series is an AWS/ApplicationELB RequestCount, so the bundle has no requests series: report and rightsize read its other series, calibrate with --config keeps the config's values for what needs requests; simulate, plan and backtest need one (--requests names the series that counts requests).",
    ),

  /** A GetMetricData result came back PartialData: the rest is on a page that was not imported. */
  partialData: (source: string, id: string) =>
    make(
      "partial-data",
      `${source}: GetMetricData returned PartialData for ${id}; its other datapoints are on the next page (NextToken): save every page's output and import them together.`,
    ),

  /** A GetMetricData result failed (StatusCode Forbidden or InternalError). */
  failedResult: (source: string, id: string, statusCode: string) =>
    make(
      "failed-result",
      `${source}: GetMetricData returned StatusCode ${statusCode} for ${id}; its datapoints may be missing.`,
    ),

  /** A result whose Id the --queries file does not define: its series has no namespace or unit. */
  resultWithoutQuery: (source: string, id: string) =>
    make(
      "result-without-query",
      `${source} has a result ${id} that the --queries file does not define; its series keeps only the Label, with no namespace, statistic or unit.`,
    ),

  /**
   * A result's Label differs from the Label its Id had before (in an earlier input, or from
   * the --queries file): files that do not belong together share an Id.
   */
  labelMismatch: (source: string, id: string, label: string, expected: string) =>
    make(
      "label-mismatch",
      `${source}: result ${id} is labelled "${label}", but ${id} was "${expected}" before (an earlier input or --queries); results merge by Id, so check that these files and --queries belong together.`,
    ),

  /** The same series had different values at the same time in two inputs; the later was kept. */
  conflictingDatapoints: (id: string, n: number) =>
    make(
      "conflicting-datapoints",
      `${id} has ${count(n, "timestamp")} with different values in different inputs; the value read last was kept.`,
    ),

  /** Events of several services: their service-level series get the service name in their id. */
  severalServices: (names: readonly string[]) =>
    make(
      "several-services",
      `the events hold ${names.length} services (${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""}); their series are service.<ServiceName>.<Metric>.Average, not ci.<Metric>.Average: import one service's events for the series calibrate and rightsize read.`,
    ),

  /** A record (an array element, a log event) that could not be read; it was skipped. */
  badEvent: (source: string, index: number, reason: string) =>
    make("bad-event", `${source} event ${index} ${reason}; the event was skipped.`),

  // -- caplab collect: CloudWatch, ECS, Application Auto Scaling (analysis/io/aws/) ---------

  /** The requested period is not available for data this old. */
  periodRaised: (requested: number, period: number, age: string, unitSeconds: number) =>
    make(
      "period-raised",
      `--period ${requested} raised to ${period} s: the window starts ${age} ago and CloudWatch keeps data that old only at multiples of ${unitSeconds} s.`,
    ),

  /** The 60-s series cannot be had at a shorter period. */
  subMinutePeriod: (requested: number) =>
    make(
      "period-raised",
      `--period ${requested} raised to 60 s: the ALB and Container Insights metrics are published once a minute. AWS/ECS CPUUtilization and MemoryUtilization are collected at 20 s as well, where the service publishes them and the data is under 3 hours old.`,
    ),

  /**
   * Part of the window is older than CloudWatch keeps anything; the collector starts the
   * window there (the steps before could only be gaps).
   */
  beyondRetention: (limitMs: number, fromMs: number) =>
    make(
      "beyond-retention",
      `CloudWatch keeps metrics 455 days, so the window starts at ${iso(limitMs)} (on the period grid) instead of ${iso(fromMs)}.`,
    ),

  /** --to is in the future: the window ends with the last complete period. */
  windowEndsNow: (endMs: number) =>
    make("window-adjusted", `--to is in the future; the window ends at ${iso(endMs)}.`),

  /** The window was widened to whole periods. */
  windowWidened: (periodSeconds: number, fromMs: number, toMs: number) =>
    make(
      "window-adjusted",
      `The window was widened to whole ${periodSeconds}-s periods: ${iso(fromMs)} to ${iso(toMs)}.`,
    ),

  /** ListMetrics found no task-level metrics for the family. */
  noPerTaskMetrics: (family: string) =>
    make(
      "no-per-task-metrics",
      `no per-task metrics (enhanced observability off): ListMetrics found no ECS/ContainerInsights CpuUtilized with a TaskId for task definition family ${family}; only the service-level series were collected.`,
    ),

  /** More tasks than --max-tasks; the first ones by TaskId were kept. */
  tasksCapped: (found: number, max: number) =>
    make(
      "tasks-capped",
      `ListMetrics found ${found} tasks; per-task and per-container series were collected for the first ${max} by TaskId (raise --max-tasks for more).`,
    ),

  /** The service has 20-s metrics, but the window is older than CloudWatch keeps them. */
  highResolutionExpired: (metrics: readonly string[]) =>
    make(
      "high-resolution-expired",
      `The service publishes ${metrics.join(" and ")} every 20 s, but CloudWatch keeps 20-s data 3 hours and the window is older; only the 60-s series were collected. Collect within 3 hours of a test (caplab run --collect does) to keep them.`,
    ),

  /** DescribeServiceRevisions failed; 20-s metrics were judged from the policies only. */
  revisionsUnreadable: (errorName: string) =>
    make(
      "service-revisions-unreadable",
      `DescribeServiceRevisions failed (${errorName}), so whether the service publishes 20-s CPU and memory metrics was judged from its scaling policies only; allow ecs:DescribeServiceRevisions (examples/iam/collect-policy.json).`,
    ),

  /** DescribeScalingActivities failed; the bundle has no activities. */
  activitiesUnreadable: (errorName: string) =>
    make(
      "scaling-activities-unreadable",
      `DescribeScalingActivities failed (${errorName}), so the bundle records no scaling activities (backtest cannot time past scale-outs and calibrate cannot measure launch time); allow application-autoscaling:DescribeScalingActivities (examples/iam/collect-policy.json).`,
    ),

  /** DescribeTargetGroups or DescribeTargetGroupAttributes failed; the simulator's defaults stand. */
  targetGroupUnreadable: (operation: string, errorName: string, action: string, kept: string) =>
    make(
      "target-group-unreadable",
      `${operation} failed (${errorName}), so ${kept} keep the simulator's defaults; allow ${action} (examples/iam/collect-policy.json).`,
    ),

  /** A target group setting the simulator cannot take as it is (out of range, weighted_random). */
  targetGroupSetting: (what: string) =>
    make("target-group-setting", `${what}; it is kept in service.json.`),

  /** Part of the scaling configuration is left out of manifest.current. */
  notSimulated: (what: string) =>
    make(
      "not-simulated",
      `${what}; it is kept in scaling.json but left out of the bundle's current configuration.`,
    ),

  /** The service spreads tasks over several capacity providers; current uses the heaviest. */
  mixedCapacityProviders: (service: string, strategy: string, chosen: string) =>
    make(
      "mixed-capacity-providers",
      `service "${service}" spreads tasks over ${strategy}; current uses ${chosen}.`,
    ),

  /** The checkpoint folder held another collection's chunks; they were removed. */
  checkpointsDiscarded: (dir: string) =>
    make(
      "checkpoints-discarded",
      `${dir} held checkpoints of a different collection (other window, period, service or metrics); they were discarded.`,
    ),

  // -- calibrate, rightsize, backtest (analysis/calibrate.ts, analysis/backtest.ts) ---------

  /** A used series has no data for a stretch of steps. */
  gapInMeasurements: (series: string, fromMs: number, toMs: number) =>
    make(
      "gap-in-measurements",
      `${series} has no data from ${iso(fromMs)} to ${iso(toMs)}; those steps are left out of the fits.`,
    ),

  /** A fit rests on fewer steady steps than the minimum. */
  tooFewPoints: (parameter: string, points: number, minimum: number) =>
    make(
      "too-few-points",
      `${parameter} rests on ${points} steady steps (fewer than ${minimum}); treat it as a rough estimate and measure longer or at more load levels.`,
    ),

  /** p95 never crossed the SLO, so the knee is only bounded from below. */
  rampNotSaturated: (highest: number, sloP95Ms: number) =>
    make(
      "ramp-not-saturated",
      `p95 never crossed ${sloP95Ms} ms, up to ${highest.toFixed(2)} requests/s per task: the knee lies above that; ramp higher to find it.`,
    ),

  /** A parameter could not be fitted and keeps its default (or the value given). */
  parameterNotFitted: (parameter: string, reason: string, fallback: string) =>
    make(
      "parameter-not-fitted",
      `${parameter} could not be fitted (${reason}); ${parameter.includes(" and ") ? "they keep" : "it keeps"} ${fallback}.`,
    ),

  /** Launch-to-healthy read from coarse averages of the healthy count. */
  coarseLaunchTiming: (stepSeconds: number) =>
    make(
      "coarse-launch-timing",
      `launch-to-healthy is read from ${stepSeconds}-s averages of the healthy count, interpolated within the step; tasks of one scale-out that turn healthy at different times blur it.`,
    ),

  /** The bundle records no task size or scaling and none was given: the default stands in. */
  noCurrentConfig: (bundle: string, assumed: string) =>
    make(
      "no-current-config",
      `${bundle} records no task size and scaling (only caplab collect writes them), and none was given; ${assumed}. Give --task-cpu and --task-memory, or --config with a simulate config.`,
    ),

  /** Steps of the requests series without data replay as no traffic. */
  requestGapsReplayed: (source: string, steps: number) =>
    make(
      "request-gaps-replayed",
      `${source}: ${steps} steps have no request data; they replay as 0 requests.`,
    ),

  /** Series at another period than the analysis' step were averaged (or held) onto its steps. */
  seriesResampled: (bundle: string, ids: readonly string[], stepSeconds: number) =>
    make(
      "series-resampled",
      `${bundle}: ${ids.length === 1 ? ids[0] : `${ids.length} series (${ids.slice(0, 3).join(", ")}${ids.length > 3 ? ", …" : ""})`} ${ids.length === 1 ? "has another period" : "have other periods"} than the ${stepSeconds}-s steps of the analysis and ${ids.length === 1 ? "was" : "were"} put on them: averaged where finer, held where coarser (a Sum divided over the steps).`,
    ),

  /**
   * A series has datapoints, none of them in the requests' window: it cannot be compared with
   * them; `sizesATask` when it is a CPU or memory usage series, which rightsize still reads.
   */
  seriesOutsideWindow: (
    bundle: string,
    id: string,
    n: number,
    firstMs: number,
    lastMs: number,
    fromMs: number,
    toMs: number,
    sizesATask: boolean,
  ) =>
    make(
      "series-outside-window",
      `${bundle}: ${id} has ${count(n, "datapoint")} (${iso(firstMs)}${n > 1 ? ` to ${iso(lastMs)}` : ""}), none between ${iso(fromMs)} and ${iso(toMs)}, where the requests are; it is not compared with them${sizesATask ? " (rightsize still sizes a task from it)" : ""}.`,
    ),

  /** `plan` on a bundle could not backtest the simulator on it. */
  noFidelity: (reason: string) => make("no-fidelity", `no fidelity score: ${reason}`),

  // -- k6 results imported as a run (`import --format k6`, analysis/io/import/k6-run.ts) ---

  /** k6's summary export and caplab's reading of the k6 output disagree on a threshold. */
  /** A summary export whose request count is not the output's: likely another run's. */
  summaryOfAnotherRun: (file: string, summaryRequests: number, outputRequests: number) =>
    make(
      "summary-of-another-run",
      `--summary-export ${file} counts ${summaryRequests.toLocaleString("en-US")} requests (http_reqs), the k6 output ${outputRequests.toLocaleString("en-US")}: they look like two different runs, and the thresholds keep the summary's verdicts and values; give the summary export of the same run.`,
    ),

  thresholdVerdictDiffers: (
    metric: string,
    expression: string,
    k6Ok: boolean,
    caplabOk: boolean,
    observed: string,
  ) =>
    make(
      "threshold-verdict-differs",
      `k6's summary says ${metric} ${expression} ${k6Ok ? "passed" : "FAILED"}; caplab's reading of the k6 output says ${caplabOk ? "passed" : "FAILED"} (observed ${observed}); the bundle keeps k6's verdict.`,
    ),

  // -- reports (reports/, reports/io/) -------------------------------------------------------

  /** k6 Points whose time did not parse were left out. */
  pointsWithoutTime: (n: number) =>
    make(
      "k6-point-without-time",
      `${n} k6 Points had a time that does not parse as RFC 3339 and were left out.`,
    ),

  /** A line of the k6 output was skipped (not k6 JSON, or an impossible value). */
  badK6Line: (file: string, line: number, reason: string) =>
    make("bad-k6-line", `${file} line ${line} ${reason.replace(/\.$/, "")}; the line was skipped.`),

  /** More bad k6 lines than are named one by one, counted. */
  moreBadK6Lines: (file: string, more: number, total: number) =>
    make(
      "more-bad-k6-lines",
      `${file}: ${more} more bad line${more === 1 ? " was" : "s were"} skipped (${total} in all).`,
    ),

  /** The run bundle has no k6.json.gz, so there is nothing per second. */
  noK6Output: (bundle: string) =>
    make(
      "no-k6-output",
      `${bundle} has no k6 JSON output (k6.json.gz); the report has no per-second series.`,
    ),

  /** A file of the bundle could not be read or parsed. */
  unreadableFile: (file: string, reason: string) =>
    make("unreadable-file", `${file} could not be read: ${reason}.`),

  /** PNG charts were asked for but could not be drawn. */
  pngSkipped: (reason: string) => make("png-skipped", `PNG charts skipped: ${reason}.`),
} as const;

/** Every warning code: the union of the codes the constructors in {@link warnings} give. */
export type WarningCode = ReturnType<(typeof warnings)[keyof typeof warnings]>["code"];
