/**
 * The statistics of the pre-release gate, run history and calibration. Pure functions (no
 * I/O, no clock; randomness comes in as a seeded `Random` from sim/math/random.ts), each
 * documented with its definition, method, cost and an example, and tested against scipy.
 */
export { k6Percentile } from "./k6-percentile.js";
export {
  LatencyHistogram,
  type LatencyHistogramOptions,
  type LatencyHistogramSnapshot,
} from "./latency-histogram.js";
export {
  bootstrapDifferenceCi,
  type BootstrapInterval,
  type BootstrapOptions,
} from "./bootstrap-difference-ci.js";
export { mannWhitneyU, type MannWhitneyResult } from "./mann-whitney-u.js";
export { twoProportionZTest, type TwoProportionResult } from "./two-proportion-z-test.js";
export { linearFit, type Interval, type LinearFit } from "./linear-fit.js";
export { studentTCdf, studentTQuantile } from "./student-t.js";
export { regularizedGamma } from "../../sim/math/incomplete-gamma.js";
export { standardNormalUpperTail } from "./standard-normal.js";
export {
  eDivisiveChangePoints,
  energySplitStatistics,
  type ChangePoint,
  type EDivisiveOptions,
} from "./e-divisive.js";
export { ExactSum } from "./exact-sum.js";
