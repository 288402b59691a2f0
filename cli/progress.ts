/**
 * Progress bars (cli-progress) on the terminal, only when stderr is one and the command is not
 * `--quiet`. They write caplab's own control sequences, so they go to the terminal directly
 * rather than through the printable Io.
 */
import { SingleBar } from "cli-progress";
import type { CliContext } from "./context.js";

/**
 * A bar that counts `unit` ("candidates", "chunks"…), or null when no bar is shown.
 *
 * @example progressBar(ctx, opts.quiet, "candidates")?.start(total, 0)
 */
export function progressBar(
  ctx: CliContext,
  quiet: boolean | undefined,
  unit: string,
): SingleBar | null {
  if (quiet || ctx.terminal === null || !ctx.io.isTty) return null;
  return new SingleBar({
    format: `  {bar} {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}`,
    hideCursor: true,
    stream: ctx.terminal,
  });
}
