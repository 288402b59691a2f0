/**
 * fast-check's seed: a new one every run (fast-check's default; a failure prints its seed and
 * path), or the one in `FC_SEED` for every property of the run. `.ci/run` sets it, so that a
 * landing is judged on the same cases every time and a rare counterexample unrelated to a change
 * cannot fail it; exploring with new seeds is what `npm test` does everywhere else. To replay a
 * failure: `FC_SEED=<seed> npx vitest run <file>` (or the seed and path fast-check printed).
 */
import fc from "fast-check";

const raw = process.env.FC_SEED?.trim() ?? "";
if (raw !== "") {
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) {
    throw new Error(
      `FC_SEED=${raw} is not an integer; unset it, or give the seed fast-check printed.`,
    );
  }
  fc.configureGlobal({ seed });
}
