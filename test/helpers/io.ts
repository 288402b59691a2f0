/**
 * What the tests of the commands share: an Io that keeps what a command writes, and a
 * CliContext around it (this process's environment, directory, clock and signals, no
 * terminal), with what a test changes.
 */
import { processContext, type CliContext, type Io } from "../../cli/context.js";
import { main } from "../../cli/main.js";

/** An Io that keeps stdout and stderr apart, for assertions. */
export function captureIo(): Io & {
  stdout: () => string;
  stderr: () => string;
  text: () => string;
} {
  let out = "";
  let err = "";
  let both = "";
  return {
    out: (t) => {
      out += t;
      both += t;
    },
    err: (t) => {
      err += t;
      both += t;
    },
    isTty: false,
    stdout: () => out,
    stderr: () => err,
    /** stdout and stderr as they came, interleaved. */
    text: () => both,
  };
}

/** The context a command runs in under test: `io` (default: a new capture) and `overrides`. */
export function cliContext(io: Io = captureIo(), overrides: Partial<CliContext> = {}): CliContext {
  return { ...processContext(), io, terminal: null, columns: undefined, ...overrides };
}

/** Runs `caplab ARGS` in this process (`main(argv)`); its exit code, stdout and stderr. */
export async function runCaplab(
  args: readonly string[],
): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main([...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}
