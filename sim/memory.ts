/**
 * Which tasks run out of memory when the fluid model's mean task is near its limit
 * (platform.oomModel "poisson"): the share of tasks whose requests in flight pass the number
 * that fits in memory, with in-flight counts Poisson around the mean.
 *
 * Poisson is the exact count of an M/G/∞ station (requests that mostly wait on non-CPU
 * latency) and the least variable count a queue can have, so the share is a floor on what a
 * real service sees. It is the share at an instant, not the chance of passing the limit at
 * some moment of the step.
 */
import { regularizedGamma } from "./math/incomplete-gamma.js";

/** Up to this mean the terms are summed directly; above, the regularized gamma function. */
const EXACT_UP_TO = 50;

/**
 * P(N > k) for N ~ Poisson(mean): the terms summed for means up to 50, else P(k + 1, mean),
 * the regularized lower incomplete gamma function (sim/math/incomplete-gamma.ts).
 *
 * Cost: O(k) up to a mean of 50, O(√mean) iterations above.
 * @example poissonUpperTail(2, 2) // 0.3233235838169366 (1 − 5e⁻²)
 */
export function poissonUpperTail(mean: number, k: number): number {
  if (!(mean >= 0) || Number.isNaN(k)) throw new RangeError("poissonUpperTail requires a mean ≥ 0");
  if (k < 0) return 1;
  if (mean === 0) return 0;
  const whole = Math.floor(k);
  if (mean <= EXACT_UP_TO) {
    let term = Math.exp(-mean);
    let cdf = term;
    for (let n = 1; n <= whole; n++) {
      term *= mean / n;
      cdf += term;
      if (term < 1e-17 * cdf && n > mean) break;
    }
    return Math.max(0, 1 - cdf);
  }
  return regularizedGamma(whole + 1, mean).lower;
}

/**
 * The share of serving tasks over their memory limit: memory = base + perInflight × N per
 * task, N ~ Poisson(meanInflight). 1 when the base alone does not fit; 0 or 1 when memory does
 * not depend on requests.
 *
 * @example tasksOverMemory(20, 300, 10, 512) // P(N > 21) for N ~ Poisson(20) ≈ 0.356
 */
export function tasksOverMemory(
  meanInflight: number,
  baseMiB: number,
  perInflightMiB: number,
  limitMiB: number,
): number {
  if (baseMiB > limitMiB) return 1;
  if (perInflightMiB <= 0) return 0;
  return poissonUpperTail(meanInflight, (limitMiB - baseMiB) / perInflightMiB);
}

/** Under oomModel "poisson", a share of tasks over their memory below 0.1 % kills nobody (no dust). */
export const OOM_NEGLIGIBLE_SHARE = 1e-3;

/** A revision's memory, in `service.memoryMiB`'s words: base + perInflightRequest × requests in flight, MiB. */
export interface MemoryModel {
  readonly base: number;
  readonly perInflightRequest: number;
}

/** What the simulator needs of a revision's memory in a task of a given size ({@link memoryFit}). */
export interface MemoryFit {
  readonly baseMiB: number;
  readonly perInflightMiB: number;
  /** Requests in flight per task that fit in the task's memory (−∞: not even the base fits; ∞: memory does not grow with them). */
  readonly inflightThatFits: number;
  /** Under oomModel "poisson": the mean in-flight count up to which the share over the limit is negligible (−∞ when not used). */
  readonly negligibleInflight: number;
  /** Under oomModel "poisson": the mean in-flight count from which every task is over (the share is 1 − 10⁻⁹ or more; ∞ when not used). */
  readonly certainInflight: number;
}

/**
 * A memory model in a task of `limitMiB`: how many requests in flight fit, and under oomModel
 * "poisson" (`poisson`) the mean counts between which the share over the limit must be computed.
 *
 * Cost: two bisections of 60 tail evaluations at most (poisson with memory per request), else O(1).
 * @example memoryFit({ base: 300, perInflightRequest: 10 }, 512, false).inflightThatFits // 21.2
 */
export function memoryFit(model: MemoryModel, limitMiB: number, poisson: boolean): MemoryFit {
  const baseMiB = model.base;
  const perInflightMiB = model.perInflightRequest;
  const fits =
    baseMiB > limitMiB
      ? -Infinity
      : perInflightMiB > 0
        ? (limitMiB - baseMiB) / perInflightMiB
        : Infinity;
  const shares = poisson && perInflightMiB > 0 && fits > 0;
  return {
    baseMiB,
    perInflightMiB,
    inflightThatFits: fits,
    negligibleInflight: shares
      ? shareThreshold(OOM_NEGLIGIBLE_SHARE, fits, baseMiB, perInflightMiB, limitMiB)
      : -Infinity,
    certainInflight: shares
      ? shareThreshold(1 - 1e-9, fits, baseMiB, perInflightMiB, limitMiB)
      : Infinity,
  };
}

/**
 * A mean in-flight count at which the Poisson share of tasks over the limit crosses `share`:
 * for a small share, the largest mean (to 0.1 %) still at or below it, so that below it the tail
 * need not be computed at every step; for a share near 1, the smallest mean (to 0.1 %) at or
 * above it, from which every task counts as over. The share grows with the mean, so a
 * bisection over [0, 2·fits + 100] finds it.
 */
function shareThreshold(
  share: number,
  fits: number,
  baseMiB: number,
  perInflightMiB: number,
  memoryMiB: number,
): number {
  const over = (mean: number) => tasksOverMemory(mean, baseMiB, perInflightMiB, memoryMiB) > share;
  const low = share < 0.5;
  let lo = 0;
  let hi = 2 * fits + 100;
  if (over(lo)) return low ? -1 : lo;
  if (!over(hi)) return low ? hi : Infinity;
  for (let k = 0; k < 60 && hi - lo > 1e-3 * fits; k++) {
    const mid = (lo + hi) / 2;
    if (over(mid)) hi = mid;
    else lo = mid;
  }
  return low ? lo : hi;
}

/**
 * The memory of each service revision of a run with deployments (sim/deploy.ts numbers them:
 * 0 runs at the trace's start, each deployment's new one the next number). Revision 0 has the
 * service's (`service.memoryMiB`); a deployment's new revision has the fields its
 * `newRevision.memoryMiB` gives, the others those of the revision it replaces (the one in force
 * when it starts: the service's, unless an earlier deployment completed with memory of its own).
 * Task size, CPU per request and latency stay the candidate's and the service's for every
 * revision (a model choice: README, known simplifications).
 */
export class RevisionMemory {
  private readonly models: MemoryModel[];
  private readonly fits: MemoryFit[];

  constructor(
    service: MemoryModel,
    private readonly limitMiB: number,
    private readonly poisson: boolean,
    serviceFit: MemoryFit = memoryFit(service, limitMiB, poisson),
  ) {
    this.models = [service];
    this.fits = [serviceFit];
  }

  /** Revision `rev`'s memory in the task (revision 0's for a revision not yet defined). */
  of(rev: number): MemoryFit {
    return this.fits[rev] ?? this.fits[0]!;
  }

  /** Revision `rev`'s memory model (revision 0's for a revision not yet defined). */
  modelOf(rev: number): MemoryModel {
    return this.models[rev] ?? this.models[0]!;
  }

  /** Whether a task of revision `rev` dies as it starts: its base alone does not fit in the task. */
  diesAsItStarts(rev: number): boolean {
    return this.of(rev).inflightThatFits === -Infinity;
  }

  /** Revision `rev` replaces `previous`, with `change`'s fields where given and `previous`'s elsewhere. */
  define(rev: number, previous: number, change: Partial<MemoryModel> | undefined): void {
    const before = this.modelOf(previous);
    const same =
      change === undefined ||
      ((change.base ?? before.base) === before.base &&
        (change.perInflightRequest ?? before.perInflightRequest) === before.perInflightRequest);
    this.models[rev] = same
      ? before
      : {
          base: change.base ?? before.base,
          perInflightRequest: change.perInflightRequest ?? before.perInflightRequest,
        };
    this.fits[rev] = same
      ? this.of(previous)
      : memoryFit(this.models[rev]!, this.limitMiB, this.poisson);
  }
}
