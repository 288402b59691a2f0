/**
 * Text that came from outside (service and cluster names, scenario, threshold and check
 * names, k6 metric names, log fields, file paths) made inert where caplab writes it. Pure.
 *
 *   terminal lines ──printable──▶ no control characters (escape sequences cannot act)
 *   Markdown ──markdownInline / markdownCell──▶ renders as the text itself
 *            ──markdownFence──▶ a fenced code block that nothing inside can close
 *
 * Markdown here is CommonMark 0.31.2 (https://spec.commonmark.org/0.31.2/) with the GitHub
 * extensions a CI summary or a PR comment renders (GFM 0.29, https://github.github.com/gfm/:
 * tables, strikethrough, extended autolinks). Every report writer (plan report.md, run
 * report.md, gate.md) passes outside strings through these functions; the templates around
 * them are caplab's own.
 */

/**
 * Characters that act on a terminal or on how text is laid out, rather than print: the C0
 * controls but tab and line feed (ESC starts ANSI sequences, CR rewrites the line, BS
 * erases), DEL, the C1 controls (U+009B is a one-byte CSI), the line and paragraph
 * separators, and the bidirectional embeddings, overrides and isolates (which reorder what a
 * reader sees, "Trojan Source", CVE-2021-42574).
 */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The text with every unprintable character ({@link UNPRINTABLE}) written as a visible
 * `\uXXXX` escape, so an escape sequence from a log field or a name shows as text instead of
 * moving the cursor, recolouring or clearing the screen. Tab and line feed stay. A `\uXXXX`
 * escape inside a JSON string is the same character in JSON, so printed JSON still parses
 * to the same value.
 *
 * @example printable("api\u001b[2J") // "api\\u001b[2J"
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** ASCII punctuation (CommonMark §2.1): what a backslash can escape. */
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

/** A letter or digit of any script: neither whitespace nor punctuation (CommonMark §6.2). */
const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * Characters that can start Markdown syntax within a line, each escaped only where it can act
 * (CommonMark §2.4 allows a backslash before any ASCII punctuation; escaping where nothing can
 * happen only made report.md hard to read raw, `http\_req\_duration`, `rate\<0.01`):
 * - always: `` ` `` (code), `*` (emphasis, also inside words), `[` and `]` (links; a `]` could
 *   close a link caplab wraps around the text), `|` (a table cell), `~` (strikethrough), `$`
 *   (math on github.com, which pairs two `$` of one line);
 * - `_` unless between two letters or digits: such an underscore neither opens nor closes
 *   emphasis (CommonMark §6.2, left- and right-flanking delimiter runs), so metric names
 *   such as `http_req_duration` stay as they are;
 * - `\` before ASCII punctuation or at the end (where caplab's own text follows): elsewhere
 *   it is a plain backslash (`C:\Users`);
 * - `<` before a letter, `/`, `!` or `?` (raw HTML, §6.6; an autolink, §6.5) or at the end:
 *   `p(95)<500` stays;
 * - `&` before what can be an entity or numeric character reference (§2.5) or at the end;
 * - `>` and `#` at the start only (a block quote, §5.1; an ATX heading, §4.2).
 * `!` needs none (an image needs the `[` after it, which is escaped), nor `(`, `)`, `{`, `}`.
 */
function escapeWhereItActs(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    let escape: boolean;
    switch (c) {
      case "`":
      case "*":
      case "[":
      case "]":
      case "|":
      case "~":
      case "$":
        escape = true;
        break;
      case "_":
        escape = !(
          i > 0 &&
          WORD_CHAR.test(text[i - 1]!) &&
          next !== undefined &&
          WORD_CHAR.test(next)
        );
        break;
      case "\\":
        escape = next === undefined || ASCII_PUNCTUATION.test(next);
        break;
      case "<":
        escape = next === undefined || /[A-Za-z/!?]/.test(next);
        break;
      case "&":
        escape = next === undefined || /^&(?:#|[A-Za-z][A-Za-z0-9]*;)/.test(text.slice(i, i + 34));
        break;
      case ">":
      case "#":
        escape = i === 0;
        break;
      default:
        escape = false;
    }
    out += escape ? `\\${c}` : c;
  }
  return out;
}

/**
 * Text for an inline position in Markdown (a paragraph, a list item, a heading, a table cell):
 * it renders as itself, as one line, and cannot start anything. For text from outside (names,
 * paths, messages); caplab's own words around it are written as they are.
 *
 * - Unprintable characters become visible ({@link printable}), line breaks and tabs spaces,
 *   and leading and trailing spaces are dropped, so the text stays on its line and cannot
 *   open an indented code block or end in a hard line break.
 * - Each character that could open emphasis, code, a link or image, raw HTML or an entity, a
 *   table cell, strikethrough or math where it stands is backslash-escaped (CommonMark §2.4,
 *   "Backslash escapes"; see {@link escapeWhereItActs}).
 * - A leading list marker (`-`, `+`, `1.`, `1)` before a space or the end, CommonMark §5.2)
 *   or a leading run of `-` or `=` is escaped, so the text cannot open a list, a setext
 *   underline or a thematic break where it starts a line or a list item.
 * - The GFM extended autolinks (`www.`, `http://`, `https://`, `user@host`, GFM §6.9, and
 *   markdown-it's linkify: `ftp://`, `//host`) are broken by escaping their `.`, `:`, `/` or
 *   `@`, so a name cannot become a clickable link; `s3://bucket` is no link and stays.
 *   (github.com also links e-mail addresses in the text after parsing, where escapes are
 *   gone, see micromark-extension-gfm-autolink-literal's notes; that mail link is left.)
 *
 * @example markdownInline("# [x](http://e)") // "\\# \\[x\\](http\\://e)"
 * @example markdownInline("http_req_duration p(95)<500") // unchanged
 */
export function markdownInline(text: string): string {
  return escapeWhereItActs(
    printable(text)
      .replace(/\r\n|\r|\n|\t/g, " ")
      .trim(),
  )
    .replace(/^([-+=])(?=\s|$|[-+=])/, "\\$1")
    .replace(/^(\d{1,9})([.)])(?=\s|$)/, "$1\\$2")
    .replace(/(https?|ftp):(?=\/\/)/gi, "$1\\:")
    .replace(/(^|[^:\w])\/\//g, "$1/\\/")
    .replace(/\b(www)\./gi, "$1\\.")
    .replace(/([\w.+-])@(?=[\w-])/g, "$1\\@");
}

/**
 * Text for a cell of a GFM table: {@link markdownInline}, whose escaped `|` (`\|`) is how GFM
 * writes a pipe inside a cell (GFM §4.10, "Tables").
 */
export function markdownCell(text: string): string {
  return markdownInline(text);
}

/**
 * A fenced code block (CommonMark §4.5, "Fenced code blocks") holding `text` as it is, that
 * nothing inside can close: the fence is a run of backticks longer than any run of backticks
 * in the text (at least three), and a closing fence must be at least as long as the opening
 * one. Unprintable characters become visible ({@link printable}; a CR would end a line too);
 * trailing whitespace is trimmed. `info` is caplab's own (a language such as `sh`) and must
 * hold no backtick, which a backtick fence's info string may not.
 *
 * @example markdownFence("echo ```", "sh") // "````sh\necho ```\n````"
 */
export function markdownFence(text: string, info = ""): string {
  if (info.includes("`") || /[\r\n]/.test(info))
    throw new Error(
      `markdownFence: the info string ${JSON.stringify(info)} holds a backtick or a line break`,
    );
  const body = printable(text).replace(/\s+$/, "");
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${body}\n${fence}`;
}
