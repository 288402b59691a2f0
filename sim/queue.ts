/**
 * The per-task queueing model. One task is an M/M/c station:
 *
 * - `servers` (c): the task's whole vCPUs, or 1 for a fractional task ({@link taskStation}, the
 *   one formula for a task's station);
 * - `mu` (μ): requests one server completes per second of pure CPU work;
 * - `lambda` (λ): requests arriving at the task per second (Poisson);
 * - `cv`: coefficient of variation of the CPU service time; 1 = exponential (exact M/M/c),
 *   anything else is the approximation described at {@link sojournExceedance}.
 *
 * A request's sojourn time T is its queueing wait W plus its CPU service time S; the
 * service model's constant non-CPU latency is added on top by the caller
 * ({@link stationaryLatency} does it). Every function here is pure and cheap enough to run
 * once per simulated step per task size.
 *
 * References: Gross, Shortt, Thompson & Harris, "Fundamentals of Queueing Theory", 4th ed.,
 * §2.3 (M/M/c, Erlang C, waiting-time distribution); Allen, "Probability, Statistics, and
 * Queueing Theory", 2nd ed., §6.4 (the Allen–Cunneen approximation); Whitt, "Approximating
 * a point process by a renewal process" (1982), for fitting a two-phase hyperexponential
 * to moments.
 */

/** One task as a queueing station. */
export interface Station {
  /** Arrival rate, requests per second. */
  readonly lambda: number;
  /** Parallel servers (whole vCPUs, at least 1). */
  readonly servers: number;
  /** Service rate of one server, requests per second. */
  readonly mu: number;
  /** Coefficient of variation of the CPU service time. @default 1 (exponential) */
  readonly cv?: number;
  /** Constant non-CPU latency added to every request, seconds. @default 0 */
  readonly latencySeconds?: number;
}

/** One task of a service as a queueing station (what {@link taskStation} gives). */
export interface TaskStation {
  /** c: parallel servers, the task's whole vCPUs (1 for a fractional task). */
  readonly servers: number;
  /** μ: requests one server completes per second. */
  readonly mu: number;
  /** c · μ: requests per second the task completes running flat out. */
  readonly capacityRate: number;
}

/**
 * The queueing station of one task, the one formula the simulator, the search and the
 * calibration share: `servers` = ⌊vCPU⌋ for tasks of one vCPU or more, else 1; `mu` = the CPU
 * one server has for requests (a whole vCPU, or the fraction a fractional task is given, less
 * the idle share) over the CPU seconds a request needs.
 *
 * Cost: O(1).
 *
 * @param vcpus the task's vCPUs (CPU units / 1024).
 * @param cpuSecondsPerRequest CPU seconds one request needs on a full vCPU.
 * @param idleFraction the share of the task's CPU an idle task uses (idleCpuPercent / 100). @default 0
 * @example
 * taskStation(2, 0.05); // { servers: 2, mu: 20, capacityRate: 40 }
 * taskStation(0.25, 0.05); // { servers: 1, mu: 5, capacityRate: 5 }
 * taskStation(1, 0.01, 0.02); // { servers: 1, mu: 98, capacityRate: 98 }
 */
export function taskStation(
  vcpus: number,
  cpuSecondsPerRequest: number,
  idleFraction = 0,
): TaskStation {
  if (!(vcpus > 0)) throw new RangeError("taskStation requires a positive vCPU count");
  if (!(cpuSecondsPerRequest > 0)) {
    throw new RangeError("taskStation requires positive CPU seconds per request");
  }
  if (!(idleFraction >= 0 && idleFraction <= 1)) {
    throw new RangeError("taskStation requires an idle fraction between 0 and 1");
  }
  const servers = vcpus >= 1 ? Math.floor(vcpus) : 1;
  const mu = ((vcpus >= 1 ? 1 : vcpus) * (1 - idleFraction)) / cpuSecondsPerRequest;
  return { servers, mu, capacityRate: servers * mu };
}

/**
 * The Erlang C formula: the probability that an arrival at an M/M/c station finds every
 * server busy and has to wait.
 *
 * Definition: with offered load a = λ/μ < c,
 * C(c, a) = (aᶜ/c!)·(c/(c−a)) / (Σₖ₌₀ᶜ⁻¹ aᵏ/k! + (aᶜ/c!)·(c/(c−a))).
 *
 * Method: the Erlang B recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)), then
 * C = c·B / (c − a·(1 − B)). Every intermediate lies in [0, 1], so nothing overflows for
 * large c, unlike the factorial form.
 *
 * Cost: O(c).
 *
 * @param servers c, a positive whole number.
 * @param offeredLoad a = λ/μ, in erlangs; 1 when a ≥ c (the queue grows without bound).
 * @example
 * erlangC(2, 1); // 0.3333333333333333
 * erlangC(1, 0.7); // 0.7 (M/M/1: the utilization)
 */
export function erlangC(servers: number, offeredLoad: number): number {
  if (!(servers >= 1) || !Number.isInteger(servers)) {
    throw new RangeError("erlangC requires a positive whole number of servers");
  }
  if (!(offeredLoad >= 0)) throw new RangeError("erlangC requires a non-negative offered load");
  if (offeredLoad >= servers) return 1;
  if (offeredLoad === 0) return 0;
  let blocking = 1;
  for (let k = 1; k <= servers; k++) {
    const carried = offeredLoad * blocking;
    blocking = carried / (k + carried);
  }
  return (servers * blocking) / (servers - offeredLoad * (1 - blocking));
}

/**
 * Mean time a request waits in the queue before a server takes it, seconds.
 *
 * Definition: for M/M/c, Wq = C(c, λ/μ) / (cμ − λ) (Erlang C). For cv ≠ 1 (M/G/c), the
 * Allen–Cunneen approximation Wq ≈ Wq(M/M/c) · (1 + cv²) / 2 (Poisson arrivals, so the
 * arrival cv is 1).
 *
 * Method: closed form. Cost: O(c). Exact for cv = 1. Against a simulation with gamma service
 * times (test/sim/queue.test.ts), Allen–Cunneen is within 5 % at utilization 0.9 but up to
 * 17 % off at light load with four servers (too low for cv < 1, too high for cv > 1).
 *
 * @returns Infinity when λ ≥ cμ (unstable).
 * @example
 * meanWaitSeconds(1, 0.5, 1); // 1 (M/M/1: ρ/(μ−λ))
 * meanWaitSeconds(2, 1, 1); // 0.3333333333333333
 */
export function meanWaitSeconds(servers: number, lambda: number, mu: number, cv = 1): number {
  checkStation("meanWaitSeconds", servers, lambda, mu, cv);
  const slack = servers * mu - lambda;
  if (!(slack > 0)) return Infinity;
  return ((erlangC(servers, lambda / mu) / slack) * (1 + cv * cv)) / 2;
}

/**
 * Probability that a request's sojourn time T = W + S (queueing wait plus CPU service time)
 * exceeds t seconds.
 *
 * Definition (cv = 1, exact for M/M/c FCFS): W is 0 with probability 1 − C and
 * Exponential(δ) with probability C, where C = C(c, λ/μ) and δ = cμ − λ; S is
 * Exponential(μ) and independent of W. So
 * P(T > t) = (1 − C)·e^(−μt) + C·H(δ, μ; t), where H is the survival function of the sum
 * of two exponentials, H(a, b; t) = (b·e^(−at) − a·e^(−bt)) / (b − a), which tends to
 * e^(−μt)·(1 + μt) when δ = μ.
 *
 * Approximation (cv ≠ 1): P(W > 0) stays C, the conditional wait stays exponential with
 * its mean taken from Allen–Cunneen, so δ becomes δ' = 2δ / (1 + cv²); the service time is
 * replaced by a distribution with the same mean and cv that is a mix of exponentials, so
 * the formula above still applies term by term:
 * - cv < 1: a shifted exponential, S = (1 − cv)/μ + Exponential(μ/cv);
 * - cv > 1: a two-phase hyperexponential (Exponential(r₁) with probability q₁, else
 *   Exponential(r₂)) with the first three moments of a gamma distribution of that mean and
 *   cv (for cv = 2 its p95 is 4.5 % above the gamma's, where the two-moment
 *   balanced-means fit is 23 % below);
 * - cv = 0: the constant 1/μ (M/D/c).
 * Against a simulation with gamma service times (test/sim/queue.test.ts), p95 lands within
 * 5 % for cv = 0.5 and 7 % for cv = 2 at utilizations 0.3–0.9 with 1, 2 or 4 servers.
 *
 * Method: closed form; H is evaluated as e^(−mt)·(1 + mt·φ((M − m)t)) with m = min(a, b),
 * M = max(a, b) and φ(x) = (1 − e^(−x))/x, which has no cancellation near δ = μ.
 *
 * Cost: O(c) for Erlang C plus two or three exponentials per service phase.
 *
 * @returns 1 when t ≤ 0 or λ ≥ cμ.
 * @example
 * // M/M/1: T is Exponential(μ − λ)
 * sojournExceedance(1, 1, 1, 2); // 0.36787944117144233 (e^(−1))
 */
export function sojournExceedance(
  tSeconds: number,
  servers: number,
  lambda: number,
  mu: number,
  cv = 1,
): number {
  checkStation("sojournExceedance", servers, lambda, mu, cv);
  if (Number.isNaN(tSeconds)) throw new RangeError("sojournExceedance requires a time");
  const model = sojournModel(servers, lambda, mu, cv);
  if (model === null) return 1;
  const u = tSeconds - model.shift;
  if (u <= 0) return 1;
  if (model.q1 === 0) return model.waitProbability * Math.exp(-model.waitRate * u);
  return evaluate(model, u, null);
}

/**
 * The p-quantile of the sojourn time T = W + S, seconds: the t with
 * P(T > t) = 1 − p ({@link sojournExceedance}, same model and approximation).
 *
 * Method: closed form where one exists: M/M/1 (T is Exponential(μ − λ)), no load
 * (T = S), and cv = 0. Otherwise safeguarded Newton iteration on ln P(T > t) = ln(1 − p),
 * which is nearly linear in t, kept inside a bracket [lower, upper] from two bounds
 * (T ≥ S and T ≥ W for the lower; a union bound P(W + S > x + y) ≤ P(W > x) + P(S > y) for
 * the upper), with bisection whenever a Newton step leaves the bracket. It starts from the
 * tail asymptote K·e^(−rt) of the slowest exponential rate r.
 *
 * Cost: O(c) plus, typically, one to four Newton steps of two or three exponentials and a
 * logarithm each: about 250 ns per call on average in V8 for cv = 1 (1–16 servers,
 * utilizations 0.05–0.99, p50/p95/p99), 300–500 ns for cv ≠ 1.
 *
 * @param p the probability, in [0, 1] (0.95 for p95).
 * @returns Infinity when λ ≥ cμ or p = 1.
 * @example
 * // M/M/1 with λ = 8, μ = 10: p95 = ln(20)/(μ − λ)
 * sojournQuantile(0.95, 1, 8, 10); // 1.4978661367769954
 */
export function sojournQuantile(
  p: number,
  servers: number,
  lambda: number,
  mu: number,
  cv = 1,
): number {
  checkStation("sojournQuantile", servers, lambda, mu, cv);
  checkProbability("sojournQuantile", p);
  const model = sojournModel(servers, lambda, mu, cv);
  if (model === null) return Infinity;
  return quantileOfModel(model, p);
}

/**
 * Sojourn-time quantiles of one station in steady state, plus its constant non-CPU latency,
 * seconds: `sojournQuantile(p) + latencySeconds` for each p, sharing one Erlang C
 * evaluation.
 *
 * Cost: O(c) plus one Newton solve per percentile.
 *
 * @param percentiles probabilities in [0, 1], e.g. [0.5, 0.95, 0.99].
 * @returns one latency per percentile, in the same order; Infinity when λ ≥ cμ.
 * @example
 * stationaryLatency({ lambda: 8, servers: 1, mu: 10, latencySeconds: 0.02 }, [0.5, 0.95]);
 * // [0.36657359027997264, 1.5178661367769954]
 */
export function stationaryLatency(station: Station, percentiles: readonly number[]): number[] {
  const { lambda, servers, mu, cv = 1, latencySeconds = 0 } = station;
  checkStation("stationaryLatency", servers, lambda, mu, cv);
  if (!(latencySeconds >= 0)) {
    throw new RangeError("stationaryLatency requires a non-negative latencySeconds");
  }
  const model = sojournModel(servers, lambda, mu, cv);
  return percentiles.map((p) => {
    checkProbability("stationaryLatency", p);
    return model === null ? Infinity : quantileOfModel(model, p) + latencySeconds;
  });
}

// ---------------------------------------------------------------------------------------
// Internals: the sojourn time as shift + W + (a mix of up to two exponential phases).

/**
 * T = shift + W + S', where W is 0 with probability 1 − waitProbability and
 * Exponential(waitRate) otherwise, and S' is Exponential(rate1) with probability q1 and
 * Exponential(rate2) with probability q2. q1 = 0 means S' = 0 (cv = 0).
 */
interface SojournModel {
  waitProbability: number;
  waitRate: number;
  shift: number;
  q1: number;
  rate1: number;
  q2: number;
  rate2: number;
  /** When positive, T − shift is exactly Exponential(exponentialRate): M/M/1, or no load. */
  exponentialRate: number;
}

function newSojournModel(): SojournModel {
  return {
    waitProbability: 0,
    waitRate: 0,
    shift: 0,
    q1: 0,
    rate1: 0,
    q2: 0,
    rate2: 0,
    exponentialRate: 0,
  };
}

/** Fills `out` with the model of the station and returns it; null when λ ≥ cμ. */
function sojournModel(
  servers: number,
  lambda: number,
  mu: number,
  cv: number,
  out: SojournModel = newSojournModel(),
): SojournModel | null {
  const slack = servers * mu - lambda;
  if (!(slack > 0)) return null;
  const waitProbability = erlangC(servers, lambda / mu);
  if (cv === 1) {
    // M/M/1: C = ρ and T is Exponential(μ − λ); no load: T = S is Exponential(μ).
    const exponentialRate = servers === 1 ? slack : waitProbability === 0 ? mu : 0;
    return fill(out, waitProbability, slack, 0, 1, mu, 0, mu, exponentialRate);
  }
  const scv = cv * cv;
  const waitRate = (2 * slack) / (1 + scv);
  if (cv === 0) {
    return fill(out, waitProbability, waitRate, 1 / mu, 0, mu, 0, mu, 0);
  }
  if (cv < 1) {
    const exponentialRate = waitProbability === 0 ? mu / cv : 0;
    return fill(out, waitProbability, waitRate, (1 - cv) / mu, 1, mu / cv, 0, mu, exponentialRate);
  }
  // Two exponential phases with means x₁ > x₂ and weights q₁, q₂ whose first three moments
  // are those of a gamma distribution with mean 1/μ and this cv. With reduced moments
  // nᵢ = E[Sⁱ]/i!, x₁ and x₂ are the roots of x² − s·x + t, where n₂ = s·n₁ − t and
  // n₃ = s·n₂ − t·n₁; real and positive whenever cv > 1.
  const n1 = 1 / mu;
  const n2 = (1 + scv) / (2 * mu * mu);
  const n3 = ((1 + scv) * (1 + 2 * scv)) / (6 * mu * mu * mu);
  const sum = (n3 - n1 * n2) / (n2 - n1 * n1);
  const product = sum * n1 - n2;
  const root = Math.sqrt(sum * sum - 4 * product);
  const slowMean = (sum + root) / 2;
  const fastMean = (sum - root) / 2;
  const q1 = (n1 - fastMean) / (slowMean - fastMean);
  return fill(out, waitProbability, waitRate, 0, q1, 1 / slowMean, 1 - q1, 1 / fastMean, 0);
}

function fill(
  model: SojournModel,
  waitProbability: number,
  waitRate: number,
  shift: number,
  q1: number,
  rate1: number,
  q2: number,
  rate2: number,
  exponentialRate: number,
): SojournModel {
  model.waitProbability = waitProbability;
  model.waitRate = waitRate;
  model.shift = shift;
  model.q1 = q1;
  model.rate1 = rate1;
  model.q2 = q2;
  model.rate2 = rate2;
  model.exponentialRate = exponentialRate;
  return model;
}

/** Where {@link evaluate} leaves the density, to save recomputing the exponentials. */
interface DensityOut {
  density: number;
}

/**
 * P(W + S' > u) for u > 0, and (when `out` is given) its density at u.
 * Sums, per phase (weight q, rate r): (1 − C)·e^(−ru) + C·H(δ, r; u).
 */
function evaluate(model: SojournModel, u: number, out: DensityOut | null): number {
  const c = model.waitProbability;
  const delta = model.waitRate;
  let survival = 0;
  let density = 0;
  for (let phase = 0; phase < 2; phase++) {
    const q = phase === 0 ? model.q1 : model.q2;
    if (q === 0) continue;
    const r = phase === 0 ? model.rate1 : model.rate2;
    const slow = r < delta ? r : delta;
    const gap = (r < delta ? delta - r : r - delta) * u;
    const slowDecay = Math.exp(-slow * u);
    let fastDecay: number;
    let phi: number;
    if (gap < 1e-4) {
      // φ(x) = (1 − e^(−x))/x = 1 − x/2 + x²/6 − …; error below 5e-14.
      phi = 1 - gap * (0.5 - gap / 6);
      fastDecay = slowDecay * (1 - gap * (1 - gap * (0.5 - gap / 6)));
    } else {
      const ratio = Math.exp(-gap);
      phi = (1 - ratio) / gap;
      fastDecay = slowDecay * ratio;
    }
    const serviceDecay = r < delta ? slowDecay : fastDecay;
    const slowU = slow * u;
    survival += q * ((1 - c) * serviceDecay + c * slowDecay * (1 + slowU * phi));
    if (out !== null) {
      density +=
        q * ((1 - c) * r * serviceDecay + c * (r < delta ? delta : r) * slowU * slowDecay * phi);
    }
  }
  if (out !== null) out.density = density;
  return survival;
}

/** Reused by {@link quantileOfModel}: it runs every simulated step, so it does not allocate. */
const densityScratch: DensityOut = { density: 0 };

/** Smallest relative gap between two rates that the starting-point asymptote trusts. */
const MIN_RATE_GAP = 0.05;

/**
 * @param logTarget ln(1 − p); {@link queueStep} passes precomputed constants for its
 * percentiles (the same value, saving a logarithm per call).
 */
function quantileOfModel(model: SojournModel, p: number, logTarget = Math.log(1 - p)): number {
  if (p <= 0) return model.shift;
  if (p >= 1) return Infinity;
  const target = 1 - p;
  const c = model.waitProbability;
  const delta = model.waitRate;

  // Closed forms.
  if (model.q1 === 0) {
    // cv = 0: T = shift + W.
    return c <= target ? model.shift : model.shift + Math.log(c / target) / delta;
  }
  if (model.exponentialRate > 0) return model.shift - logTarget / model.exponentialRate;

  // Bracket: T ≥ S' and T ≥ W give the lower bound; the union bound
  // P(W + S' > x + y) ≤ P(W > x) + P(S' > y), with each term set to (1 − p)/2, the upper.
  const twoPhases = model.q2 > 0;
  const slowPhaseRate = twoPhases && model.rate2 < model.rate1 ? model.rate2 : model.rate1;
  const slowPhaseWeight = twoPhases && model.rate2 < model.rate1 ? model.q2 : model.q1;
  const logC = Math.log(c);
  let lower = Math.max(
    0,
    ((twoPhases ? Math.log(slowPhaseWeight) : 0) - logTarget) / slowPhaseRate,
  );
  if (c > target) lower = Math.max(lower, (logC - logTarget) / delta);
  let upper =
    Math.max(0, (Math.LN2 + logC - logTarget) / delta) + (Math.LN2 - logTarget) / slowPhaseRate;
  if (upper < lower) upper = lower;

  // Start from the tail asymptote K·e^(−r·u) of the slowest rate r; when that falls outside
  // the bracket (a central quantile), from the quantile of an exponential of T's mean.
  const slowest = Math.min(delta, slowPhaseRate);
  let coefficient = 0;
  for (let phase = 0; phase < 2; phase++) {
    const q = phase === 0 ? model.q1 : model.q2;
    if (q === 0) continue;
    const r = phase === 0 ? model.rate1 : model.rate2;
    if (delta <= r) {
      if (delta === slowest) coefficient += (q * c * r) / Math.max(r - delta, MIN_RATE_GAP * r);
    } else if (r === slowest) {
      coefficient += q * (1 - c + (c * delta) / Math.max(delta - r, MIN_RATE_GAP * delta));
    }
  }
  let u = (Math.log(coefficient) - logTarget) / slowest;
  if (!(u >= lower && u <= upper)) {
    const mean = c / delta + model.q1 / model.rate1 + (twoPhases ? model.q2 / model.rate2 : 0);
    u = -mean * logTarget;
    if (!(u >= lower && u <= upper)) u = 0.5 * (lower + upper);
  }

  const out = densityScratch;
  for (let iteration = 0; iteration < 50; iteration++) {
    const survival = evaluate(model, u, out);
    const excess = Math.log(survival) - logTarget;
    if (excess > 0) lower = u;
    else upper = u;
    // Newton on ln S: d/du ln S = −density / S.
    const step = (excess * survival) / out.density;
    if (Math.abs(step) <= 1e-6 * u) return model.shift + u + step;
    let next = u + step;
    if (!(next >= lower && next <= upper)) next = 0.5 * (lower + upper);
    if (upper - lower <= 1e-12 * upper) return model.shift + next;
    u = next;
  }
  return model.shift + u;
}

function checkStation(name: string, servers: number, lambda: number, mu: number, cv: number): void {
  if (!(servers >= 1) || !Number.isInteger(servers)) {
    throw new RangeError(`${name} requires a positive whole number of servers`);
  }
  if (!(lambda >= 0)) throw new RangeError(`${name} requires a non-negative arrival rate`);
  if (!(mu > 0) || mu === Infinity) {
    throw new RangeError(`${name} requires a positive, finite service rate`);
  }
  if (!(cv >= 0) || cv === Infinity) {
    throw new RangeError(`${name} requires a non-negative, finite service-time cv`);
  }
}

function checkProbability(name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${name} requires a probability between 0 and 1`);
}

/** ln(1 − p) for the percentiles {@link queueStep} computes. */
const LOG_TAIL_P50 = Math.log(1 - 0.5);
const LOG_TAIL_P95 = Math.log(1 - 0.95);
const LOG_TAIL_P99 = Math.log(1 - 0.99);

/** The model {@link queueStep} refills at every call (no allocation per simulated step). */
const queueStepModel = newSojournModel();

/** What {@link queueStep} fills in: seconds, except `exceedance`, a probability. */
export interface QueueStepResult {
  meanWait: number;
  p50: number;
  p95: number;
  p99: number;
  /** P(T > exceedAt), T the sojourn time (wait + CPU service). */
  exceedance: number;
}

/**
 * Everything the simulator needs from one station in one step, with the sojourn model and
 * Erlang C computed once: mean wait, the p95 sojourn time (and p50/p99 when `tails`), and
 * P(T > exceedAt). Fills and returns `out` (no allocation: this runs once per simulated
 * step of every candidate in a sweep). Unstable stations (λ ≥ cμ) give Infinity and 1.
 *
 * Cost: O(c) plus one to three quantile inversions.
 */
export function queueStep(
  servers: number,
  lambda: number,
  mu: number,
  cv: number,
  exceedAt: number,
  tails: boolean,
  out: QueueStepResult,
): QueueStepResult {
  const model = sojournModel(servers, lambda, mu, cv, queueStepModel);
  if (model === null) {
    out.meanWait = out.p50 = out.p95 = out.p99 = Infinity;
    out.exceedance = 1;
    return out;
  }
  out.meanWait = model.waitProbability / model.waitRate;
  out.p95 = quantileOfModel(model, 0.95, LOG_TAIL_P95);
  out.p50 = tails ? quantileOfModel(model, 0.5, LOG_TAIL_P50) : NaN;
  out.p99 = tails ? quantileOfModel(model, 0.99, LOG_TAIL_P99) : NaN;
  out.exceedance = exceedanceOfModel(model, exceedAt);
  return out;
}

/** P(T > exceedAt) under the model. */
function exceedanceOfModel(model: SojournModel, exceedAt: number): number {
  const u = exceedAt - model.shift;
  return u <= 0
    ? 1
    : model.q1 === 0
      ? model.waitProbability * Math.exp(-model.waitRate * u)
      : evaluate(model, u, null);
}

/**
 * One station at one fixed arrival rate, asked for P(T > exceedAt) at many thresholds: the
 * simulator's saturated steps, where the tasks run at the stable limit and only the backlog's
 * wait (hence the threshold) changes. The model, mean wait and quantiles are computed once;
 * {@link SaturatedStation.step} then gives exactly what {@link queueStep} would.
 */
export class SaturatedStation {
  private readonly model: SojournModel | null;
  private readonly meanWait: number;
  private readonly p95: number;
  /** p50 and p99, computed at the first call that wants them. */
  private p50 = NaN;
  private p99 = NaN;
  private tailsDone = false;

  constructor(servers: number, lambda: number, mu: number, cv: number) {
    this.model = sojournModel(servers, lambda, mu, cv);
    this.meanWait =
      this.model === null ? Infinity : this.model.waitProbability / this.model.waitRate;
    this.p95 = this.model === null ? Infinity : quantileOfModel(this.model, 0.95, LOG_TAIL_P95);
  }

  /** Fills `out` as `queueStep(servers, lambda, mu, cv, exceedAt, tails, out)` would. */
  step(exceedAt: number, tails: boolean, out: QueueStepResult): QueueStepResult {
    const model = this.model;
    if (model === null) {
      out.meanWait = out.p50 = out.p95 = out.p99 = Infinity;
      out.exceedance = 1;
      return out;
    }
    if (tails && !this.tailsDone) {
      this.p50 = quantileOfModel(model, 0.5, LOG_TAIL_P50);
      this.p99 = quantileOfModel(model, 0.99, LOG_TAIL_P99);
      this.tailsDone = true;
    }
    out.meanWait = this.meanWait;
    out.p95 = this.p95;
    out.p50 = tails ? this.p50 : NaN;
    out.p99 = tails ? this.p99 : NaN;
    out.exceedance = exceedanceOfModel(model, exceedAt);
    return out;
  }
}

/** Results a {@link QueueStepTable} keeps per bucket; a power of two. */
const BUCKET_WAYS = 8;
/** Bytes of one bucket: a key and three results per way, 8 bytes each. */
const BUCKET_BYTES = BUCKET_WAYS * 4 * 8;
/** Buckets of a {@link QueueStepTable} at most (16 MiB; longer traces share buckets). */
const MAX_BUCKETS = 1 << 16;
/** What a {@link QueueStepMemo}'s tables may take together. @default 128 MiB */
const MEMO_MAX_BYTES = 128 * 1024 * 1024;

/**
 * {@link queueStep} results without tails for one station and one `exceedAt`, remembered by
 * the exact arrival rate. A sweep asks the same station for the same rates again and again
 * (candidates of one task size often have the same number of healthy tasks at the same
 * step, hence the same λ), so most steps find their result here: in the 5,000-candidate
 * bench sweep about 85 % of them. A hit returns exactly what the call returned, bit for
 * bit: the key is λ's exact value and the other inputs are the table's own.
 *
 * Method: a rate is looked for, and kept, in the bucket of the step it came from (`hint`, the
 * step index), whose {@link BUCKET_WAYS} ways are kept in order of their last use, the
 * least recently used dropped when a new rate comes to a full bucket (the candidates a sweep
 * simulates next are most like the ones it simulated last: in the bench sweep half the hits
 * are in the first way, where in the order of arrival they spread evenly over the eight,
 * and the search's exit was a branch the processor could not predict).
 * Buckets by step rather than by a hash of λ: a sweep walks every candidate through the
 * steps in order, so lookups move through the table in order too, where hashing would
 * scatter them over megabytes, a cache miss each (measured: several times slower). The hint
 * only places results: a wrong or wrapped one costs a miss, never a wrong answer.
 *
 * Cost: O(BUCKET_WAYS) per lookup, one `queueStep` per miss; 32 bytes per way.
 */
export class QueueStepTable {
  /**
   * Four numbers per way: the rate (NaN marks an empty way), then its mean wait, p95 and
   * exceedance. (Side by side rather than in two arrays: a hit then reads the line its key
   * was found in, where a separate array of values cost a cache miss on most hits, 30 % of
   * the lookup's time in a profile of the bench sweep.)
   */
  private readonly slots: Float64Array;
  private readonly buckets: number;

  constructor(
    readonly servers: number,
    readonly mu: number,
    readonly cv: number,
    readonly exceedAt: number,
    buckets: number,
  ) {
    if (!(buckets >= 1) || !Number.isInteger(buckets)) {
      throw new RangeError("QueueStepTable requires a positive whole number of buckets");
    }
    this.buckets = buckets;
    this.slots = new Float64Array(this.buckets * BUCKET_WAYS * 4);
    for (let at = 0; at < this.slots.length; at += 4) this.slots[at] = NaN;
  }

  /**
   * Fills `out` as `queueStep(servers, lambda, mu, cv, exceedAt, false, out)` would.
   *
   * @param hint where to look: the step index, a whole number ≥ 0.
   */
  step(lambda: number, hint: number, out: QueueStepResult): QueueStepResult {
    const slots = this.slots;
    const bucket = hint < this.buckets ? hint : hint % this.buckets;
    const first = bucket * BUCKET_WAYS;
    let way = -1;
    for (let at = first; at < first + BUCKET_WAYS; at++) {
      const key = slots[4 * at]!;
      if (key === lambda) {
        const meanWait = slots[4 * at + 1]!;
        const p95 = slots[4 * at + 2]!;
        const exceedance = slots[4 * at + 3]!;
        if (at !== first) this.toFront(first, at, lambda, meanWait, p95, exceedance);
        out.meanWait = meanWait;
        out.p95 = p95;
        out.p50 = out.p99 = NaN;
        out.exceedance = exceedance;
        return out;
      }
      if (key !== key) {
        way = at; // an empty way: λ is not in the bucket
        break;
      }
    }
    queueStep(this.servers, lambda, this.mu, this.cv, this.exceedAt, false, out);
    // Only stable results (the finite ones) are kept: unstable stations are quick anyway,
    // and their p50 and p99 are Infinity rather than NaN. Keys are positive: NaN could not
    // be found again, and −0 would find +0.
    if (out.meanWait !== Infinity && lambda > 0) {
      // A full bucket drops its least recently used way, the last. (Ways fill from the
      // front and are never emptied, so a search that stops at an empty way has seen every
      // key.)
      this.toFront(
        first,
        way < 0 ? first + BUCKET_WAYS - 1 : way,
        lambda,
        out.meanWait,
        out.p95,
        out.exceedance,
      );
    }
    return out;
  }

  /**
   * Puts a rate and its results in the bucket's first way, moving the ways before `at` one
   * way back (what was at `at` is overwritten): the ways stay in order of their last use.
   */
  private toFront(
    first: number,
    at: number,
    lambda: number,
    meanWait: number,
    p95: number,
    exceedance: number,
  ): void {
    const slots = this.slots;
    for (let k = 4 * at + 3; k >= 4 * first + 4; k--) slots[k] = slots[k - 4]!;
    slots[4 * first] = lambda;
    slots[4 * first + 1] = meanWait;
    slots[4 * first + 2] = p95;
    slots[4 * first + 3] = exceedance;
  }
}

/**
 * The {@link QueueStepTable}s of a sweep, one per station and threshold, within a memory
 * budget (past it, stations without a table are computed every time). Give one to every
 * `simulate` of a sweep (SimulateOptions.queueMemo); results are the same with or without it.
 */
export class QueueStepMemo {
  private readonly tables: QueueStepTable[] = [];
  private room: number;

  /** @param maxBytes what the tables may take together. @default 128 MiB */
  constructor(maxBytes = MEMO_MAX_BYTES) {
    this.room = maxBytes;
  }

  /**
   * The table for the station (servers, mu, cv) and the threshold exceedAt; a new one has a
   * bucket for each of `steps` steps (at most 65,536, 16 MiB). Null when a new table would
   * not fit in the budget.
   */
  table(
    servers: number,
    mu: number,
    cv: number,
    exceedAt: number,
    steps: number,
  ): QueueStepTable | null {
    for (const t of this.tables) {
      if (
        Object.is(t.servers, servers) &&
        Object.is(t.mu, mu) &&
        Object.is(t.cv, cv) &&
        Object.is(t.exceedAt, exceedAt)
      )
        return t;
    }
    const buckets = Math.max(1, Math.min(MAX_BUCKETS, Math.ceil(steps)));
    if (buckets * BUCKET_BYTES > this.room) return null;
    this.room -= buckets * BUCKET_BYTES;
    const t = new QueueStepTable(servers, mu, cv, exceedAt, buckets);
    this.tables.push(t);
    return t;
  }
}
