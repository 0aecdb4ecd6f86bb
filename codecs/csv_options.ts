/**
 * The options, result and error of the CSV reader (`csv_reader.ts`), which re-exports them.
 *
 * @module
 */

import type { NumberTable } from "./table.ts";

/**
 * The longest line (record) read by default, 16 MiB: over 1.5 million features of up to ten
 * characters. A longer line is almost certainly not CSV records (binary data, a file without
 * line breaks) and fails naming its line instead of being gathered whole in memory.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** A parse error that names the line (1-based, counting blank lines) and what was wrong. */
export class CsvError extends Error {
  /** The 1-based line number in the input. */
  readonly line: number;

  /** Creates an error for `line` with the full message. */
  constructor(line: number, message: string) {
    super(message);
    this.name = "CsvError";
    this.line = line;
  }
}

/** Options of `CsvTableReader`. */
export interface CsvReadOptions {
  /** Number of feature columns each record must have; by default taken from the first record. */
  features?: number;
  /** Zero-based column holding the label (kept as a string); by default there is none. */
  labelColumn?: number;
  /**
   * Keep labels as indices into {@linkcode CsvTable.labelNames} (first-seen order) in
   * {@linkcode CsvTable.labelIds} instead of one string per record in `labels`, which stays
   * empty. For big training files: 4 bytes a record instead of a retained string.
   */
  labelIds?: boolean;
  /** Skip the first non-blank line (a header row). */
  header?: boolean;
  /**
   * With `header`: also skip any later line identical to the header row, as found where
   * several headed files arrive concatenated in one stream (SageMaker's Pipe mode).
   */
  skipRepeatedHeaders?: boolean;
  /** Names the input in error messages, for example a file name. */
  source?: string;
  /**
   * What to do with a record that cannot be parsed: `"throw"` (default) raises a
   * {@linkcode CsvError}; `"mark"` keeps the record as a row of NaN and records its index and
   * message in {@linkcode CsvTable.errors}, so that a batch keeps one output per record.
   */
  onBadRecord?: "throw" | "mark";
  /**
   * A buffer to read the values into instead of a new one, for a caller that reads many small
   * inputs one after the other and is done with each table before the next: allocating a typed
   * array costs about 0.5 µs, a tenth of a one-record request (see `bench/one_record.ts`). The
   * reader moves to a new buffer when this one is too small, and never changes it after
   * `CsvTableReader.finish()`.
   */
  buffer?: Float64Array;
  /** The longest line accepted, in bytes; {@linkcode MAX_LINE_BYTES} by default. */
  maxLineBytes?: number;
  /**
   * The most memory the values may take, in bytes (8 a value); unbounded by default. A reader
   * that would need more fails with a {@linkcode CsvError} naming the line it reached.
   */
  maxValueBytes?: number;
}

/** What `CsvTableReader.finish()` returns. */
export interface CsvTable {
  /** The feature values, one row per record. */
  readonly features: NumberTable;
  /** The label of each record, when `labelColumn` was set (and `labelIds` was not). */
  readonly labels: string[];
  /** With `labelIds`: the label of each record as an index into `labelNames`. */
  readonly labelIds?: Int32Array;
  /** With `labelIds`: the distinct labels in the order they were first seen. */
  readonly labelNames?: string[];
  /** Records that could not be parsed (only with `onBadRecord: "mark"`), by record index. */
  readonly errors: Map<number, string>;
}

const textDecoder = new TextDecoder();
const QUOTE = 0x22;
const COMMA = 0x2c;

/** Shows a field's text in an error message, shortened to 40 bytes. */
export function fieldText(bytes: Uint8Array, start: number, end: number): string {
  const text = textDecoder.decode(bytes.subarray(start, Math.min(end, start + 40))).trim();
  return JSON.stringify(end - start > 40 ? `${text}...` : text);
}

/** The number of fields of the CSV line `[start, end)` of `bytes`: commas outside quotes, plus one. */
export function countFields(bytes: Uint8Array, start: number, end: number): number {
  let fields = 1;
  let quoted = false;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === QUOTE) quoted = !quoted;
    else if (c === COMMA && !quoted) fields++;
  }
  return fields;
}

/** Whether two byte strings are the same, for example a line and the header row. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
