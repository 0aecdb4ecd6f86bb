/**
 * The first line of a channel: gathered before the CSV reader starts, to place the label column
 * (a name looked up in the header, or a number checked against the fields).
 *
 * @module
 */

import { showValue } from "../algorithm/hyperparameters.ts";
import { CsvError, MAX_LINE_BYTES } from "../codecs/csv_reader.ts";
import { parseNumber } from "../codecs/number.ts";
import type { TrainingSetup } from "../sagemaker/hyperparameters.ts";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

/**
 * Splits one CSV line into fields by CSV rules (for the header and the first record): trimmed,
 * a quoted field unwrapped with its doubled quotes undone.
 */
function splitFields(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        field += c;
        i++;
      } else quoted = !quoted;
    } else if (c === "," && !quoted) {
      fields.push(field.trim());
      field = "";
    } else field += c;
  }
  fields.push(field.trim());
  return fields;
}

/** The number of fields of one CSV line (commas outside quotes, plus one). */
function countFields(line: string): number {
  return countOutsideQuotes(line, COMMA) + 1;
}

/** The first line of a source that is not blank: its text and 1-based number. */
export interface FirstLine {
  /** The line, decoded, without its line break. */
  readonly text: string;
  /** Its 1-based line number in the source. */
  readonly number: number;
}

/**
 * Gathers the chunks of a source up to its first non-blank line, which places the label column
 * before the reader can start. Each byte is looked at once and the chunks are joined once, so a
 * source without line breaks costs time linear in its length, and fails past
 * {@linkcode MAX_LINE_BYTES}.
 */
export class LeadingLines {
  readonly #source: string;
  readonly #chunks: Uint8Array[] = [];
  #length = 0;
  #lineStart = 0;
  #lineNumber = 1;
  #blank = true;

  /** Gathers the first line of `source` (a file name, for error messages). */
  constructor(source: string) {
    this.#source = source;
  }

  /** Adds a chunk; returns the first non-blank line once it is complete. */
  push(chunk: Uint8Array): FirstLine | undefined {
    const offset = this.#length;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    for (let start = 0;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      if (this.#blank) this.#blank = isBlank(chunk, start, end);
      if (newline === -1) break;
      if (!this.#blank) return this.#line(offset + newline);
      this.#lineStart = offset + newline + 1;
      this.#lineNumber++;
      start = newline + 1;
    }
    if (this.#length - this.#lineStart > MAX_LINE_BYTES) {
      throw new CsvError(
        this.#lineNumber,
        `Cannot parse ${this.#source} line ${this.#lineNumber}: ` +
          `the line is longer than ${MAX_LINE_BYTES} bytes`,
      );
    }
    return undefined;
  }

  /** At the end of the source: its last line, unless that is blank too. */
  finish(): FirstLine | undefined {
    return this.#blank ? undefined : this.#line(this.#length);
  }

  /** Everything gathered, in one array. */
  bytes(): Uint8Array {
    const bytes = concat(this.#chunks);
    this.#chunks.splice(0, this.#chunks.length, bytes);
    return bytes;
  }

  #line(end: number): FirstLine {
    const bytes = this.bytes();
    if (end > this.#lineStart && bytes[end - 1] === CARRIAGE_RETURN) end--;
    return {
      text: textDecoder.decode(bytes.subarray(this.#lineStart, end)),
      number: this.#lineNumber,
    };
  }
}

/** Whether `bytes[start, end)` holds nothing but spaces, tabs and carriage returns. */
function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c !== SPACE && c !== TAB && c !== CARRIAGE_RETURN) return false;
  }
  return true;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The error of a channel's first line explained by its most common causes: a file separated by
 * tabs or semicolons, or (when no header is expected) a header row where a number belongs. Any
 * other error is returned as it is.
 */
export function explainFirstLineError(
  error: unknown,
  line: FirstLine,
  options: { source: string; header: boolean },
): unknown {
  const { source } = options;
  const place = `Cannot parse ${source} line ${line.number}`;
  if (
    !(error instanceof CsvError) || error.line !== line.number || !error.message.startsWith(place)
  ) {
    return error;
  }
  const found = otherSeparator(line.text);
  if (found !== undefined) return separatorError(line, source, found);
  if (options.header || !error.message.endsWith(" is not a number")) return error;
  return new CsvError(
    error.line,
    `${error.message} (if line ${line.number} is a header row, set the hyperparameter header=true)`,
  );
}

/** The header row of a channel's first file, which every later file's must match. */
export interface HeaderRow {
  /** The line as read. */
  readonly text: string;
  /** Its fields, read by CSV rules. */
  readonly fields: readonly string[];
  /** The file (or pipe) it was read from. */
  readonly source: string;
  /** Its 1-based line number there. */
  readonly number: number;
}

/** The header row `line` of `source`. */
export function headerRow(line: FirstLine, source: string): HeaderRow {
  return { text: line.text, fields: splitFields(line.text), source, number: line.number };
}

/** A channel's header row with its label column: what the validation channel's must match. */
export interface ChannelHeader {
  /** The first file's header row. */
  readonly row: HeaderRow;
  /** The label column, counted from 0. */
  readonly labelColumn: number;
}

/**
 * Checks that the validation channel's header names the training channel's feature columns in
 * the same order: columns in another order would be scored as the wrong features without a
 * parse error. The label column may differ (with `label_column` a name, each channel's is found
 * by that name).
 */
export function checkFeatureColumns(training: ChannelHeader, validation: ChannelHeader): void {
  const expected = featureFields(training);
  const found = featureFields(validation);
  const { row } = validation;
  const place = `Cannot parse ${row.source} line ${row.number}`;
  const there = `the training channel's ${training.row.source} line ${training.row.number}`;
  const rule =
    "(the validation channel must have the training channel's feature columns, in the same order)";
  const differs = expected.findIndex((field, i) =>
    i < found.length && field.name !== found[i].name
  );
  if (differs !== -1) {
    const want = expected[differs];
    const have = found[differs];
    throw new CsvError(
      row.number,
      `${place}, field ${have.index + 1}: the header has ${showValue(have.name)} where ${there}, ` +
        `field ${want.index + 1}, has ${showValue(want.name)} ${rule}`,
    );
  }
  if (found.length !== expected.length) {
    throw new CsvError(
      row.number,
      `${place}: the header has ${found.length} feature columns where ${there} has ` +
        `${expected.length} ${rule}`,
    );
  }
}

/** The fields of a header row but the label column's, with their column numbers. */
function featureFields(header: ChannelHeader): { name: string; index: number }[] {
  const fields: { name: string; index: number }[] = [];
  for (const [index, name] of header.row.fields.entries()) {
    if (index !== header.labelColumn) fields.push({ name, index });
  }
  return fields;
}

/**
 * Whether the fields of a header row other than the label column's are all numbers (empty ones
 * aside, at least one): the first record of a file without a header, most likely, which
 * `header=true` skips. Columns may be named by numbers, so this is only worth a warning.
 */
export function holdsOnlyNumbers(row: HeaderRow, labelColumn: number): boolean {
  let numbers = 0;
  for (const [i, field] of row.fields.entries()) {
    if (i === labelColumn || field === "") continue;
    const value = parseNumber(textEncoder.encode(field));
    if (value === undefined) return false;
    numbers++;
  }
  return numbers > 0;
}

/**
 * Checks that the header `line` of a later file of a channel names the same columns, in the same
 * order, as the first file's: columns in another order would be read into the wrong features
 * without a parse error.
 */
export function checkSameHeader(first: HeaderRow, line: FirstLine, source: string): void {
  if (line.text === first.text) return;
  const fields = splitFields(line.text);
  const place = `Cannot parse ${source} line ${line.number}`;
  const rule = "(every file of a channel must have the same columns)";
  const differs = first.fields.findIndex((field, i) => field !== fields[i]);
  if (differs !== -1 && differs < fields.length) {
    throw new CsvError(
      line.number,
      `${place}, field ${differs + 1}: the header has ${showValue(fields[differs])} where ` +
        `${first.source} line ${first.number} has ${showValue(first.fields[differs])} ${rule}`,
    );
  }
  if (fields.length !== first.fields.length) {
    throw new CsvError(
      line.number,
      `${place}: the header has ${fields.length} fields where ${first.source} line ` +
        `${first.number} has ${first.fields.length} ${rule}`,
    );
  }
}

/**
 * Turns `label_column` into a column number using the first line of the first source: a name
 * is looked up in the header; a number must be within the record's fields.
 */
export function resolveLabelColumn(
  setup: Pick<TrainingSetup, "labelColumn">,
  header: boolean,
  line: { text: string; number: number },
  source: string,
): number {
  checkSeparator(line, source);
  if (typeof setup.labelColumn === "string") {
    const fields = splitFields(line.text);
    const index = fields.indexOf(setup.labelColumn);
    if (index === -1) {
      throw new Error(
        `Invalid hyperparameter label_column: no column of ${source} line ${line.number} ` +
          `is named ${showValue(setup.labelColumn)}; its columns are ${fields.join(", ")}`,
      );
    }
    const again = fields.indexOf(setup.labelColumn, index + 1);
    if (again !== -1) {
      throw new Error(
        `Invalid hyperparameter label_column: columns ${index} and ${again} of ${source} line ` +
          `${line.number} are both named ${showValue(setup.labelColumn)}; ` +
          `give the column number instead`,
      );
    }
    return index;
  }
  // Counted, not split: a line may hold millions of fields.
  const count = countFields(line.text);
  const index = setup.labelColumn < 0 ? count + setup.labelColumn : setup.labelColumn;
  if (index < 0 || index >= count) {
    throw new Error(
      `Invalid hyperparameter label_column: ${source} line ${line.number} has ` +
        `${count} ${header ? "header " : ""}fields (columns are counted from 0); ` +
        `found ${setup.labelColumn}`,
    );
  }
  return index;
}

/**
 * The other separator `line` holds more often than commas, outside quotes: "tabs" or
 * "semicolons" (semicolons often come with decimal commas); undefined for a comma-separated line.
 */
function otherSeparator(line: string): string | undefined {
  const commas = countOutsideQuotes(line, COMMA);
  if (countOutsideQuotes(line, TAB) > commas) return "tabs";
  if (countOutsideQuotes(line, SEMICOLON) > commas) return "semicolons";
  return undefined;
}

function separatorError(line: FirstLine, source: string, found: string): CsvError {
  return new CsvError(
    line.number,
    `Cannot parse ${source} line ${line.number}: expected fields separated by commas, found ` +
      `more ${found} than commas (the file is not comma-separated)`,
  );
}

/**
 * Fails on a first line without a comma but with tabs or semicolons: a tab- or
 * semicolon-separated file, which would otherwise fail as a record without features or as a
 * header without the label column's name.
 */
function checkSeparator(line: FirstLine, source: string): void {
  if (countOutsideQuotes(line.text, COMMA) > 0) return;
  const found = otherSeparator(line.text);
  if (found !== undefined) throw separatorError(line, source, found);
}

/** How many times the character `code` occurs in `line` outside double quotes. */
function countOutsideQuotes(line: string, code: number): number {
  let count = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) quoted = !quoted;
    else if (c === code && !quoted) count++;
  }
  return count;
}
