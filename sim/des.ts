/**
 * A per-request discrete-event simulation of one task's queue: the check on the analytic
 * model in queue.ts. Same station: Poisson arrivals, `servers` identical servers, one FCFS
 * queue, CPU service times with mean 1/μ (exponential when cv = 1, gamma otherwise,
 * constant when cv = 0), and an optional constant non-CPU latency added to every request
 * (it holds no server).
 */
import type { Random } from "./math/random.js";

/** What to simulate. */
export interface StationSimulationOptions {
  /** Arrival rate, requests per second. */
  readonly lambda: number;
  /** Parallel servers, a positive whole number. */
  readonly servers: number;
  /** Service rate of one server, requests per second. */
  readonly mu: number;
  /** Coefficient of variation of the service time. @default 1 (exponential) */
  readonly cv?: number;
  /** Requests to record. */
  readonly requests: number;
  /** Requests simulated first and not recorded, so the queue forgets its empty start. @default 0 */
  readonly warmupRequests?: number;
  /** Constant non-CPU latency added to every request's sojourn, seconds. @default 0 */
  readonly latencySeconds?: number;
}

/** Per-request results, in arrival order. */
export interface StationSample {
  /** Seconds each request waited for a server. */
  readonly waits: Float64Array;
  /** Seconds from arrival to response: wait + service + constant latency. */
  readonly sojourns: Float64Array;
}

/**
 * Simulates requests through one FCFS multi-server station.
 *
 * Method: the Kiefer–Wolfowitz recursion. With FCFS, the next arrival always takes the
 * server that frees first, so it is enough to keep each server's next free time: a request
 * arriving at time a starts at max(a, earliest free time), and that server is then busy
 * until start + service. No event list is needed.
 *
 * Cost: O(c) per request, plus one or two random draws.
 *
 * @example
 * const sample = simulateStation({ lambda: 8, servers: 1, mu: 10, requests: 1000 }, createRandom(1));
 * sample.sojourns.length; // 1000
 */
export function simulateStation(options: StationSimulationOptions, random: Random): StationSample {
  const { lambda, servers, mu, cv = 1, requests, warmupRequests = 0, latencySeconds = 0 } = options;
  if (!(servers >= 1) || !Number.isInteger(servers)) {
    throw new RangeError("simulateStation requires a positive whole number of servers");
  }
  if (!(lambda > 0)) throw new RangeError("simulateStation requires a positive arrival rate");
  if (!(mu > 0)) throw new RangeError("simulateStation requires a positive service rate");
  if (!(cv >= 0)) throw new RangeError("simulateStation requires a non-negative cv");
  if (!(requests >= 0) || !Number.isInteger(requests)) {
    throw new RangeError("simulateStation requires a whole number of requests");
  }
  const gammaShape = cv > 0 ? 1 / (cv * cv) : 0;
  const gammaScale = (cv * cv) / mu;
  const serviceTime =
    cv === 1
      ? () => random.exponential(mu)
      : cv === 0
        ? () => 1 / mu
        : () => random.gamma(gammaShape, gammaScale);

  const freeAt = new Float64Array(servers);
  const waits = new Float64Array(requests);
  const sojourns = new Float64Array(requests);
  let clock = 0;
  const total = warmupRequests + requests;
  for (let i = 0; i < total; i++) {
    clock += random.exponential(lambda);
    let earliest = 0;
    for (let k = 1; k < servers; k++) {
      if ((freeAt[k] as number) < (freeAt[earliest] as number)) earliest = k;
    }
    const free = freeAt[earliest] as number;
    const start = free > clock ? free : clock;
    const service = serviceTime();
    freeAt[earliest] = start + service;
    const recorded = i - warmupRequests;
    if (recorded >= 0) {
      waits[recorded] = start - clock;
      sojourns[recorded] = start - clock + service + latencySeconds;
    }
  }
  return { waits, sojourns };
}
