/**
 * What every CSV reader of caplab shares: the record-size cap and the words for csv-parse's
 * errors (which quote the field they stopped at, however long, so they are never shown as is).
 */
import type { CsvError } from "csv-parse";
import { excerpt } from "./excerpt.js";

/**
 * The longest CSV record (one line, or a quoted field spanning lines) any reader takes, in
 * characters: csv-parse's `max_record_size` (https://csv.js.org/parse/options/max_record_size/),
 * so a file without line breaks (`/dev/zero`, a gzip bomb of one field) ends with one
 * sentence instead of filling memory. The same cap as the log readers' lines. @default 1 MiB
 */
export const MAX_CSV_RECORD_CHARS = 1 << 20;

/** csv-parse's error, in words that quote nothing of the input. */
export function csvErrorReason(error: CsvError): string {
  switch (error.code) {
    case "CSV_MAX_RECORD_SIZE":
      return `a record is longer than ${MAX_CSV_RECORD_CHARS} characters (MAX_CSV_RECORD_CHARS), so this is not a CSV of times and counts (a missing line break or an unclosed quote?)`;
    case "CSV_QUOTE_NOT_CLOSED":
      return "a quoted field is never closed";
    case "INVALID_OPENING_QUOTE":
      return "a quote opens in the middle of a field";
    case "CSV_INVALID_CLOSING_QUOTE":
    case "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE":
      return "a closing quote is followed by other characters";
    default:
      return `it is not CSV (${error.code}: ${excerpt(error.message, 60)})`;
  }
}
