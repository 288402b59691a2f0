/**
 * How `caplab --help` and `caplab COMMAND --help` read: wrapped to the terminal's width at
 * word boundaries (never inside a word), each command with its description, defaults and
 * examples, and the top level with a "Start here" block.
 *
 * commander (https://github.com/tj/commander.js/blob/master/docs/help-in-depth.md) lays the
 * help out; its `Help.boxWrap` and `Help.formatItem` are replaced here: commander leaves an
 * option's description unwrapped when fewer than 40 columns are left beside the option (so a
 * narrow terminal breaks lines mid-word), and wraps an indented line of a description back to
 * column 0. Examples are shell commands: a long one is continued on the next line with a
 * backslash, so it can still be pasted.
 */
import type { Command, Help } from "commander";

/** Help width when stdout is not a terminal (commander's own default). @default 80 */
export const DEFAULT_HELP_WIDTH = 80;
/** Help is never wider than this, however wide the terminal: long lines read badly. @default 120 */
export const MAX_HELP_WIDTH = 120;
/** Help is laid out for at least this many columns. @default 40 */
export const MIN_HELP_WIDTH = 40;
/** Fewer columns than this beside an option, and its description goes below it. @default 30 */
export const MIN_DESCRIPTION_COLUMNS = 30;

/** The help width for a terminal `columns` wide (undefined: not a terminal). */
export function helpWidth(columns: number | undefined): number {
  if (columns === undefined || !Number.isFinite(columns) || columns <= 0) return DEFAULT_HELP_WIDTH;
  return Math.min(MAX_HELP_WIDTH, Math.max(MIN_HELP_WIDTH, Math.floor(columns)));
}

/**
 * `text` wrapped to `width` columns at spaces, line breaks kept. A line that starts with spaces
 * (and a list marker, "- " or "1. ") keeps that indent on the lines it wraps onto. A word longer
 * than the line stands alone on its line: words are never split.
 */
export function wrapText(text: string, width: number): string {
  return text
    .split("\n")
    .map((line) => {
      const indent = /^ *(?:- |\d+\. )?/.exec(line)?.[0] ?? "";
      const words = line
        .slice(indent.length)
        .split(/ +/)
        .filter((w) => w !== "");
      if (words.length === 0) return line.trimEnd();
      const hang = " ".repeat(indent.length);
      const lines: string[] = [];
      let current = indent + words[0];
      for (const word of words.slice(1)) {
        if (current.length + 1 + word.length <= width) current += ` ${word}`;
        else {
          lines.push(current);
          current = hang + word;
        }
      }
      lines.push(current);
      return lines.join("\n");
    })
    .join("\n");
}

/**
 * A shell command wrapped to `width` columns: continued lines end with " \\" and the next one
 * is indented by two more spaces, so the whole still pastes as one command. A flag stays on the
 * line of its value.
 */
export function wrapCommand(command: string, width: number, indent = "  "): string {
  const words = command.split(/ +/).filter((w) => w !== "");
  const units: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const next = words[i + 1];
    if (word.startsWith("-") && next !== undefined && !next.startsWith("-")) {
      units.push(`${word} ${next}`);
      i++;
    } else units.push(word);
  }
  const lines: string[] = [];
  let current = indent + (units[0] ?? "");
  const more = `${indent}  `;
  for (const [i, unit] of units.entries()) {
    if (i === 0) continue;
    // Room for the unit and, when more follow, for the " \\" that may end this line.
    const last = i === units.length - 1;
    if (current.length + 1 + unit.length + (last ? 0 : 2) <= width) current += ` ${unit}`;
    else {
      lines.push(`${current} \\`);
      current = more + unit;
    }
  }
  lines.push(current);
  return lines.join("\n");
}

/** An example in a command's help: the command line and, optionally, what it does. */
export interface Example {
  readonly command: string;
  readonly note?: string;
}

/** The "Examples:" section: each note as a `#` comment line above its command. */
export function renderExamples(examples: readonly Example[], width: number): string {
  const blocks = examples.map((e) => {
    const note =
      e.note === undefined
        ? []
        : wrapText(e.note, width - 4)
            .split("\n")
            .map((l) => `  # ${l}`);
    return [...note, wrapCommand(e.command, width)].join("\n");
  });
  return `\nExamples:\n${blocks.join("\n")}\n`;
}

/** What a command's help says besides its flags (cli/help-text.ts holds every command's). */
export interface CommandHelp {
  /** One line, in `caplab --help`. */
  readonly summary: string;
  /** What it does, in `caplab COMMAND --help`. */
  readonly description: string;
  readonly examples: readonly Example[];
  /** What its longer flags say, by flag name in camel case (`--allow-short-trace`: allowShortTrace). */
  readonly flags?: Readonly<Record<string, string>>;
}

/**
 * Puts `help` on `command`: its summary, its description and an "Examples:" section wrapped to
 * the help's width.
 */
export function describeCommand(
  command: Command,
  help: CommandHelp,
  columns: number | undefined,
): Command {
  const width = helpWidth(columns);
  command.addHelpText("after", () => renderExamples(help.examples, width));
  return command.summary(help.summary).description(help.description);
}

/**
 * commander's help, laid out for `width` columns: set on the program before its commands are
 * made (they inherit it).
 */
export function configureHelpLayout(program: Command, width: number): void {
  program.configureOutput({ getOutHelpWidth: () => width, getErrHelpWidth: () => width });
  program.configureHelp({
    helpWidth: width,
    boxWrap: (text: string, columns: number) => wrapText(text, columns),
    formatItem(
      this: Help,
      term: string,
      termWidth: number,
      description: string,
      helper: Help,
    ): string {
      const indent = "  ";
      if (!description) return `${indent}${term}`;
      const columns = width - termWidth - 2 - indent.length;
      if (columns >= MIN_DESCRIPTION_COLUMNS) {
        const pad = " ".repeat(indent.length + termWidth + 2);
        const [first, ...rest] = wrapText(description, columns).split("\n");
        const padded = term + " ".repeat(Math.max(0, termWidth - helper.displayWidth(term)));
        return [`${indent}${padded}  ${first}`, ...rest.map((l) => pad + l)].join("\n");
      }
      // A narrow terminal: the description below the term, over the width left.
      const below = `${indent}    `;
      const lines = wrapText(description, width - below.length).split("\n");
      return [`${indent}${term}`, ...lines.map((l) => below + l)].join("\n");
    },
  });
}
