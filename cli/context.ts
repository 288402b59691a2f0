/**
 * What every command gets from the outside world, in one object: where text goes, the
 * environment, the working directory, the clock, the terminal and Ctrl-C. `main` takes it as
 * an argument, so a test runs any command with its own; {@link processContext} is the real
 * one and the only place in cli/ that reads `process`.
 */
import type { Writable } from "node:stream";
import type { Command } from "commander";
import { printable } from "../reports/escape.js";
import { maskSecrets } from "../sim/vocab/redact.js";
import type { Env, Io } from "../sim/vocab/index.js";

export type { Env, Io };
// (From its own module, not the vocabulary's index: bin/caplab.js loads this module before the
// rest of the CLI, to say a Ctrl-C during their loading, so it must load little.)
export { printWarnings } from "../sim/vocab/terminal.js";

export interface CliContext {
  /** Where text goes; every piece passes through {@link printable} (see {@link printableIo}). */
  readonly io: Io;
  /** Environment variables (`CAPLAB_HISTORY`, `K6_BIN`, `AWS_REGION`, …). */
  readonly env: Env;
  /**
   * The working directory: where the project's history database is looked for (see
   * `resolveHistoryPath`), the base folder of `plan --default`, where the git commit of a run
   * is read. Path arguments are used as given.
   */
  readonly cwd: string;
  /** The clock. */
  readonly now: () => Date;
  /**
   * The terminal, for progress bars, which write caplab's own control sequences (carriage
   * return, erase line) and so cannot go through {@link Io}; null when stderr is not a terminal.
   */
  readonly terminal: Writable | null;
  /** Width of the terminal in columns, for help text; undefined when stdout is not a terminal. */
  readonly columns: number | undefined;
  /**
   * Calls `handler` on the first Ctrl-C (SIGINT) or SIGTERM; returns the function that stops
   * listening. A second signal is not caught (the default: exit).
   */
  readonly onInterrupt: (handler: (signal: InterruptSignal) => void) => () => void;
}

/**
 * Sets up one command on `command` (made by `program.command(name)`, so it inherits the
 * program's help layout and error handling): its flags, help text and action. The action ends
 * by calling `exit` with the exit code.
 */
export type CommandSetup = (
  command: Command,
  ctx: CliContext,
  exit: (code: number) => void,
) => void;

/**
 * The Io every command writes through: each piece of text passes through {@link printable},
 * so a control character that came from outside (a log field, a scenario or threshold name, a
 * path in an error) shows as `\uXXXX` instead of acting on the terminal. Tab and line feed
 * pass. Credentials are taken out first (`maskSecrets`, sim/vocab/redact.ts): the userinfo and
 * credential-named query parameters of URLs (a k6 threshold on `{name:https://…?token=…}`, a
 * presigned S3 URL in a path), and each of `secrets`, the credential values of the
 * environment (`secretValuesOf`). Progress bars, which write caplab's own control sequences,
 * write to {@link CliContext.terminal} instead.
 */
export function printableIo(io: Io, secrets: readonly string[] = []): Io {
  return {
    out: (text) => io.out(printable(maskSecrets(text, secrets))),
    err: (text) => io.err(printable(maskSecrets(text, secrets))),
    isTty: io.isTty,
  };
}

/** The signals a command winds down on. */
export type InterruptSignal = "SIGINT" | "SIGTERM";

/** The exit code after `signal`: 128 + its number, as shells report it (130, 143). */
export function interruptExitCode(signal: InterruptSignal): number {
  return signal === "SIGINT" ? 130 : 143;
}

/** A command's way to stop on Ctrl-C: a signal to pass down, and the exit code to end with. */
export interface Interruption {
  /** Aborted by the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** 130 or 143, after the signal that came ({@link interruptExitCode}). */
  readonly exitCode: () => number;
  /** Stops listening. */
  readonly stop: () => void;
}

/** Listens for Ctrl-C (or SIGTERM) through `ctx`, aborting {@link Interruption.signal}. */
export function abortOnInterrupt(ctx: Pick<CliContext, "onInterrupt">): Interruption {
  const controller = new AbortController();
  let stoppedBy: InterruptSignal = "SIGINT";
  const stop = ctx.onInterrupt((signal) => {
    stoppedBy = signal;
    controller.abort(new Error("interrupted"));
  });
  return { signal: controller.signal, exitCode: () => interruptExitCode(stoppedBy), stop };
}

/** SIGINT or SIGTERM, once, to `handler`; the returned function stops listening. */
export function onProcessInterrupt(handler: (signal: InterruptSignal) => void): () => void {
  const once = (signal: InterruptSignal) => {
    process.off("SIGINT", once);
    process.off("SIGTERM", once);
    handler(signal);
  };
  process.once("SIGINT", once);
  process.once("SIGTERM", once);
  return () => {
    process.off("SIGINT", once);
    process.off("SIGTERM", once);
  };
}

/** Whether {@link sayWhenStopped} has put its listeners in (once per process). */
let sayingWhenStopped = false;

/**
 * Ctrl-C or SIGTERM while no step of the command has taken the signal (while the CLI loads, during
 * a sweep, a read, a chart): Node.js would end the process without a word. This says what was
 * stopped and that nothing is half-written (every file caplab writes is replaced whole, and the
 * next run clears a temporary one), then ends the process by the same signal (exit 130 or 143 in
 * a shell). Steps that take the signal themselves (writing an output folder, `collect`, `run`)
 * have their own listeners and say their own words: this one then keeps quiet. bin/caplab.js
 * calls it before it loads the rest of the CLI (this module loads little); a second call does
 * nothing.
 */
export function sayWhenStopped(): void {
  if (sayingWhenStopped) return;
  sayingWhenStopped = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const caplabStopped = () => {
      if (process.listenerCount(signal) > 1) return;
      process.stderr.write(
        `caplab: stopped (${signal === "SIGINT" ? "Ctrl-C" : "SIGTERM"}); nothing was left half-written: caplab replaces each file it writes whole, or not at all.\n`,
      );
      process.off(signal, caplabStopped);
      process.kill(process.pid, signal);
    };
    process.on(signal, caplabStopped);
  }
}

/**
 * A reader that stops early (`caplab plan --help | head`, `| true`) closes the pipe: later
 * writes fail with EPIPE, which Node raises as an unhandled 'error' event, a crash with a
 * stack in the middle of whatever the command was doing. Instead the rest of that output is
 * dropped (as `git` or `ls` do) and the command finishes: its files are written whole, its
 * exit code stands. Any other error on the stream still surfaces.
 */
function dropWritesAfterClosedPipe(stream: NodeJS.WriteStream): void {
  if (stream.listeners("error").includes(onClosedPipe)) return;
  stream.on("error", onClosedPipe);
}

function onClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
}

/**
 * The AWS SDK for JavaScript prints a nine-line `NodeVersionSupportWarning` on Node.js 20 at
 * the first client: its versions published after the first week of January 2027 need Node.js
 * 22 (aws/aws-sdk-js-v3#7983). caplab pins its SDK (package-lock.json), so it says nothing of
 * the version caplab runs, yet it would come before every AWS command's output; it is off unless
 * the environment says otherwise (`AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false`
 * shows it, the switch that issue gives). README, "Requirements".
 */
function quietSdkNodeWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}

/** The real outside world: this process's streams, environment, directory and signals. */
export function processContext(): CliContext {
  quietSdkNodeWarning();
  dropWritesAfterClosedPipe(process.stdout);
  dropWritesAfterClosedPipe(process.stderr);
  return {
    io: {
      out: (t) => void (process.stdout.writable && process.stdout.write(t)),
      err: (t) => void process.stderr.write(t),
      isTty: Boolean(process.stderr.isTTY),
    },
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    terminal: process.stderr.isTTY ? process.stderr : null,
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    onInterrupt: onProcessInterrupt,
  };
}
