/**
 * The seeded random source of the pure core (STYLE.md point 1): every random draw in the
 * simulator comes from a {@link Random} that the caller creates from a seed and passes in.
 * The same seed gives the same sequence on every platform.
 */

/** A seeded source of random numbers. */
export interface Random {
  /** A uniform draw from [0, 1), with 32 bits of resolution. */
  next(): number;
  /** A draw from the exponential distribution with the given rate (mean 1 / rate). */
  exponential(rate: number): number;
  /** A draw from the standard normal distribution (mean 0, standard deviation 1). */
  normal(): number;
  /**
   * A draw from the gamma distribution with the given shape k and scale θ
   * (mean kθ, variance kθ²).
   */
  gamma(shape: number, scale: number): number;
}

/** 2³², to turn a 32-bit unsigned integer into a fraction of one. */
const TWO_TO_32 = 4294967296;

/**
 * Creates a {@link Random} from a seed.
 *
 * Method: the uniform generator is Tommy Ettinger's Mulberry32. Its state is one 32-bit
 * word that advances by a fixed odd constant (a Weyl sequence, period 2³²); each output
 * is that state passed through an xor-shift-multiply mixing function. Exponential draws
 * invert the distribution function; normal draws use the Box–Muller transform (keeping
 * the second value of each pair for the next call); gamma draws use Marsaglia and Tsang's
 * squeeze method (2000), with the shape < 1 boost `gamma(k + 1) · U^(1/k)`.
 *
 * Cost: a few integer operations per uniform draw; one logarithm per exponential draw.
 * Not for cryptography.
 *
 * @param seed any number; its low 32 bits (after truncation) pick the sequence.
 * @example
 * const random = createRandom(1);
 * random.next(); // 0.6270739405881613
 * createRandom(1).next() === createRandom(1).next(); // true
 */
export function createRandom(seed: number): Random {
  let state = Math.trunc(seed) >>> 0;
  let spareNormal = Number.NaN;

  function next(): number {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / TWO_TO_32;
  }

  function exponential(rate: number): number {
    if (!(rate > 0)) throw new RangeError("exponential requires a positive rate");
    // 1 - next() lies in (0, 1], so the logarithm is finite.
    return -Math.log(1 - next()) / rate;
  }

  function normal(): number {
    if (!Number.isNaN(spareNormal)) {
      const value = spareNormal;
      spareNormal = Number.NaN;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  function gamma(shape: number, scale: number): number {
    if (!(shape > 0)) throw new RangeError("gamma requires a positive shape");
    if (!(scale > 0)) throw new RangeError("gamma requires a positive scale");
    if (shape < 1) {
      return gamma(shape + 1, scale) * Math.pow(1 - next(), 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = normal();
      const base = 1 + c * x;
      if (base <= 0) continue;
      const v = base * base * base;
      const u = 1 - next();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
        return d * v * scale;
      }
    }
  }

  return { next, exponential, normal, gamma };
}
