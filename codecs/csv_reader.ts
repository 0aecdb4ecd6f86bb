/**
 * CSV bytes straight into typed arrays, for both training files and `text/csv` requests.
 *
 * Rules (the same for training and serving):
 * - one record a line; `\n` and `\r\n` line ends; a trailing newline is optional;
 * - blank lines (nothing but spaces) are skipped and are not records;
 * - spaces and tabs around a field are ignored; a field may be wrapped in double quotes;
 * - numbers follow `number.ts` (scientific notation, `nan` and an empty field as NaN);
 *   infinities (`inf`, `1e999`) and anything else that is not a number are errors naming the
 *   line and the field;
 * - every record must have the same number of fields as the first (or as `columns`);
 * - a label field is unquoted by CSV rules (`"say ""hi"""` is `say "hi"`) and must not be empty;
 * - a line may be at most {@linkcode MAX_LINE_BYTES} long (`maxLineBytes`), so that input
 *   without line breaks fails early instead of being held whole.
 *
 * The parser reads bytes, not strings: it never builds a string per field on the fast path.
 *
 * @module
 */

import { decodeLabel, LABEL_NOT_UTF8, LabelColumn } from "./labels.ts";
import { KnownLabels } from "./known_labels.ts";
import {
  numberEnd,
  parseNumber,
  POWERS_OF_TEN,
  readLongNumber,
  readNumber,
  readNumpyExponential,
} from "./number.ts";
import type { NumberTable } from "./table.ts";
import {
  bytesEqual,
  countFields,
  CsvError,
  type CsvReadOptions,
  type CsvTable,
  fieldText,
  MAX_LINE_BYTES,
} from "./csv_options.ts";

export { CsvError, type CsvReadOptions, type CsvTable, MAX_LINE_BYTES };

/**
 * The most values a reader allocates room for before any arrives (8 MiB): past it the buffer
 * doubles as records come in, never allocating for records that do not exist.
 */
const INITIAL_BUFFER_VALUES = 1 << 20;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** The partial line of a reader that has none: shared, as most readers never need one. */
const NO_BYTES = new Uint8Array(0);

/**
 * Reads CSV records chunk by chunk into a growing Float64Array. Feed it with
 * {@linkcode CsvTableReader.push} and collect the table with {@linkcode CsvTableReader.finish}.
 *
 * @example
 * ```ts
 * const reader = new CsvTableReader({ labelColumn: 0, source: "train.csv" });
 * reader.push(new TextEncoder().encode("a,1,2\nb,3,4\n"));
 * const { features, labels } = reader.finish();
 * ```
 */
export class CsvTableReader {
  #options: CsvReadOptions;
  #features: number | undefined;
  #data: Float64Array;
  #rows = 0;
  #labels: LabelColumn;
  #errors = new Map<number, string>();
  #line = 0;
  #drained = 0;
  #headerPending: boolean;
  #headerLine: Uint8Array | undefined;
  /** The start of a line cut by the end of the last chunk: its first `#restLength` bytes. */
  #rest = NO_BYTES;
  #restLength = 0;
  #maxLineBytes: number;
  #maxValues: number;
  #knownLabels = new KnownLabels();

  /**
   * Creates a reader; `capacityHint` is the expected number of values, to size the first
   * buffer (up to 8 MiB of values; it then grows with the records that arrive).
   */
  constructor(options: CsvReadOptions = {}, capacityHint = 1024) {
    this.#options = options;
    this.#features = options.features;
    this.#headerPending = options.header === true;
    this.#maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    this.#maxValues = Math.floor((options.maxValueBytes ?? Infinity) / 8);
    const initial = Math.min(capacityHint, INITIAL_BUFFER_VALUES, this.#maxValues);
    this.#data = options.buffer !== undefined && options.buffer.length >= initial
      ? options.buffer
      : new Float64Array(Math.max(16, initial));
    this.#labels = new LabelColumn({ ids: options.labelIds === true });
  }

  /** The number of records read since the last {@linkcode CsvTableReader.drain} (or so far). */
  get rows(): number {
    return this.#rows;
  }

  /**
   * The records that could not be read so far (with `onBadRecord: "mark"`), by record index;
   * the map {@linkcode CsvTableReader.finish} returns, filled as records are read.
   */
  get errors(): ReadonlyMap<number, string> {
    return this.#errors;
  }

  /**
   * Hands out the records read since the last drain and starts a fresh batch, so a long input
   * can be processed a slice at a time without holding every record. The returned table shares
   * the reader's buffer: use it before the next {@linkcode CsvTableReader.push}. Record indices
   * in {@linkcode CsvTable.errors} keep counting from the start of the input. With `labelIds`:
   * the batch's label indices (shared the same way) and the distinct labels so far.
   *
   * @example
   * ```ts
   * const reader = new CsvTableReader({ features: 4 });
   * reader.push(chunk);
   * if (reader.rows >= 8192) predictSlice(reader.drain());
   * ```
   */
  drain(): NumberTable & { readonly labelIds?: Int32Array; readonly labelNames?: string[] } {
    const columns = this.#features ?? 0;
    const rows = this.#rows;
    const { labelIds, labelNames } = this.#labels.ids(rows);
    this.#drained += rows;
    this.#rows = 0;
    return { data: this.#data.subarray(0, rows * columns), rows, columns, labelIds, labelNames };
  }

  /** Counts `count` records the caller read itself, so that line numbers stay right. */
  skipRecords(count: number): void {
    this.#line += count;
    this.#drained += count;
  }

  /** Whether the next non-blank line is a header; the header, when its repeats are skipped. */
  get header(): { readonly expected: boolean; readonly repeated?: Uint8Array } {
    return { expected: this.#headerPending, repeated: this.#headerLine };
  }

  /** The number of records read from the start of the input, drained ones included. */
  get records(): number {
    return this.#drained + this.#rows;
  }

  /**
   * Parses every complete line of `chunk`; a partial last line waits for the next chunk (only it
   * is copied, into a buffer that doubles as needed: linear time for a line over many chunks).
   * A line longer than `maxLineBytes` fails as soon as that many bytes of it have arrived.
   */
  push(chunk: Uint8Array): void {
    let start = 0;
    if (this.#restLength > 0) {
      const newline = chunk.indexOf(NEWLINE);
      this.#keepRest(chunk, 0, newline === -1 ? chunk.length : newline);
      if (newline === -1) return;
      const length = this.#restLength;
      this.#restLength = 0;
      this.#readLine(this.#rest, 0, length);
      start = newline + 1;
    }
    this.#readLines(chunk, start);
  }

  /**
   * Starts the next input (for example the next file of a channel): the last line of the
   * previous input is parsed, line numbers restart at 1 and a header row is skipped again.
   */
  beginSource(source: string): void {
    this.#flush();
    this.#options = { ...this.#options, source };
    this.#line = 0;
    this.#headerPending = this.#options.header === true;
  }

  /** Parses what is left and returns the table. */
  finish(): CsvTable {
    this.#flush();
    const columns = this.#features ?? 0;
    return {
      features: { data: this.#data.subarray(0, this.#rows * columns), rows: this.#rows, columns },
      labels: this.#labels.strings,
      ...this.#labels.ids(this.#rows),
      errors: this.#errors,
    };
  }

  #flush(): void {
    if (this.#restLength === 0) return;
    const length = this.#restLength;
    this.#restLength = 0;
    this.#readLine(this.#rest, 0, length);
  }

  /** Appends `bytes[start, end)` to the partial line kept for the next chunk. */
  #keepRest(bytes: Uint8Array, start: number, end: number): void {
    const length = this.#restLength + end - start;
    if (length > this.#maxLineBytes) throw this.#lineTooLong(this.#line + 1);
    if (length > this.#rest.length) {
      const grown = new Uint8Array(
        Math.min(Math.max(length, this.#rest.length * 2, 1024), this.#maxLineBytes),
      );
      grown.set(this.#rest.subarray(0, this.#restLength));
      this.#rest = grown;
    }
    this.#rest.set(bytes.subarray(start, end), this.#restLength);
    this.#restLength = length;
  }

  #lineTooLong(line: number): CsvError {
    return new CsvError(
      line,
      `Cannot parse ${this.#where(line)}: the line is longer than ${this.#maxLineBytes} bytes`,
    );
  }

  #where(line: number = this.#line): string {
    const source = this.#options.source;
    return source === undefined ? `line ${line}` : `${source} line ${line}`;
  }

  /** Reads the lines of `bytes` from `start`; keeps a last line without `\n` for later. */
  #readLines(bytes: Uint8Array, start: number): void {
    const length = bytes.length;
    while (start < length) {
      const features = this.#features;
      if (features !== undefined && !this.#headerPending) {
        const next = this.#readPlainRecord(bytes, start, features);
        if (next !== -1) {
          if (next - start > this.#maxLineBytes + 1) throw this.#lineTooLong(this.#line);
          start = next;
          continue;
        }
      }
      const newline = bytes.indexOf(NEWLINE, start);
      if (newline === -1) {
        this.#keepRest(bytes, start, length);
        return;
      }
      if (newline - start > this.#maxLineBytes) throw this.#lineTooLong(this.#line + 1);
      this.#readLine(bytes, start, newline);
      start = newline + 1;
    }
  }

  /**
   * The fast path for an ordinary record (measured in `bench/csv_parse.ts`): numbers that
   * {@linkcode readNumber} reads on its fast path (any decimal or scientific notation up to 19
   * significant digits, numpy's `%.18e` included) and an unquoted label, separated by commas
   * and ending in `\n` or `\r\n`, each number parsed in the same pass that finds the commas
   * and the line end. Returns the index after the line's `\n`, or -1 for anything else (quotes,
   * spaces, `nan`, empty fields, a wrong field count, no line end in `bytes`): the general path
   * then reads the line from `start`, and nothing read here counts.
   */
  #readPlainRecord(bytes: Uint8Array, start: number, features: number): number {
    const length = bytes.length;
    const labelColumn = this.#options.labelColumn ?? -1;
    const last = labelColumn >= 0 ? features : features - 1;
    this.#ensureCapacity((this.#rows + 1) * features, this.#line + 1);
    const data = this.#data;
    let offset = this.#rows * features;
    let label = "";
    let i = start;
    let c = i < length ? bytes[i] : -1;
    for (let field = 0; field <= last; field++) {
      if (field === labelColumn) {
        const labelStart = i;
        while (
          c !== COMMA && c !== NEWLINE && c !== CARRIAGE_RETURN && c !== QUOTE && c !== SPACE &&
          c !== TAB && c !== -1
        ) {
          c = ++i < length ? bytes[i] : -1;
        }
        if (i === labelStart || c === QUOTE || c === SPACE || c === TAB) return -1;
        const decoded = this.#knownLabels.decode(bytes, labelStart, i);
        if (decoded === undefined) return -1; // the general path names the line
        label = decoded;
      } else {
        // numpy's `%.18e` (its `e` 20 bytes on) through readNumpyExponential(); short plain
        // decimals inline (no call); anything else through readNumber() or readLongNumber().
        const numberStart = i;
        const negative = c === MINUS;
        const digitsAt = negative ? i + 1 : i;
        const numpy = digitsAt + 24 <= length && (bytes[digitsAt + 20] | 0x20) === LOWER_E
          ? readNumpyExponential(bytes, digitsAt, length)
          : NaN;
        if (numpy === numpy) {
          data[offset++] = negative ? -numpy : numpy;
          i = digitsAt + 24;
          c = i < length ? bytes[i] : -1;
        } else {
          if (negative || c === PLUS) c = ++i < length ? bytes[i] : -1;
          let mantissa = 0;
          let digits = 0;
          while (c >= ZERO && c <= NINE) {
            mantissa = mantissa * 10 + (c - ZERO);
            digits++;
            c = ++i < length ? bytes[i] : -1;
          }
          let decimals = 0;
          if (digits <= 15 && c === DOT) {
            c = ++i < length ? bytes[i] : -1;
            while (c >= ZERO && c <= NINE) {
              mantissa = mantissa * 10 + (c - ZERO);
              decimals++;
              c = ++i < length ? bytes[i] : -1;
            }
          }
          digits += decimals;
          if (digits === 0) return -1;
          if (digits > 15 || c === LOWER_E || c === UPPER_E) {
            const value = digits > 15
              ? readLongNumber(bytes, numberStart, length)
              : readNumber(bytes, numberStart, length);
            if (value !== value) return -1;
            data[offset++] = value;
            i = numberEnd();
            c = i < length ? bytes[i] : -1;
          } else {
            // Up to 15 digits fit a double exactly; one division by an exact power of ten
            // rounds once, as Number() does.
            const value = decimals === 0 ? mantissa : mantissa / POWERS_OF_TEN[decimals];
            data[offset++] = negative ? -value : value;
          }
        }
      }
      if (field < last) {
        if (c !== COMMA) return -1;
        c = ++i < length ? bytes[i] : -1;
      } else if (c === CARRIAGE_RETURN && i + 1 < length && bytes[i + 1] === NEWLINE) {
        i += 2;
      } else if (c === NEWLINE) {
        i++;
      } else {
        return -1;
      }
    }
    if (this.#headerLine !== undefined) {
      const end = bytes[i - 2] === CARRIAGE_RETURN ? i - 2 : i - 1;
      if (bytesEqual(bytes.subarray(start, end), this.#headerLine!)) return -1;
    }
    this.#line++;
    if (labelColumn >= 0) this.#labels.add(this.#rows, label);
    this.#rows++;
    return i;
  }

  #readLine(bytes: Uint8Array, start: number, end: number): void {
    this.#line++;
    if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end--;
    let blank = true;
    for (let i = start; i < end; i++) {
      if (bytes[i] !== SPACE && bytes[i] !== TAB) {
        blank = false;
        break;
      }
    }
    if (blank) return;
    if (this.#headerPending) {
      this.#headerPending = false;
      if (this.#options.skipRepeatedHeaders) this.#headerLine = bytes.slice(start, end);
      return;
    }
    if (
      this.#headerLine !== undefined && bytesEqual(bytes.subarray(start, end), this.#headerLine)
    ) return;
    try {
      this.#readRecord(bytes, start, end);
    } catch (error) {
      if (!(error instanceof CsvError) || this.#options.onBadRecord !== "mark") throw error;
      this.#errors.set(this.#drained + this.#rows, error.message);
      this.#appendNaNRecord();
    }
  }

  #appendNaNRecord(): void {
    const columns = this.#features ?? 0;
    this.#ensureCapacity((this.#rows + 1) * columns, this.#line);
    this.#data.fill(NaN, this.#rows * columns, (this.#rows + 1) * columns);
    if (this.#options.labelColumn !== undefined) this.#labels.add(this.#rows, "");
    this.#rows++;
  }

  /** Makes room for `values` values, failing on `line` when that is more than allowed. */
  #ensureCapacity(values: number, line: number): void {
    if (values <= this.#data.length) return;
    if (values > this.#maxValues) {
      throw new CsvError(
        line,
        `Cannot parse ${this.#where(line)}: the records so far need more than ${
          this.#maxValues * 8
        } bytes of memory`,
      );
    }
    let size = this.#data.length * 2;
    while (size < values) size *= 2;
    size = Math.min(size, this.#maxValues);
    const grown = new Float64Array(size);
    grown.set(this.#data.subarray(0, this.#rows * (this.#features ?? 0)));
    this.#data = grown;
  }

  #readRecord(bytes: Uint8Array, start: number, end: number): void {
    const labelColumn = this.#options.labelColumn;
    const hasLabel = labelColumn !== undefined;
    if (this.#features === undefined) {
      const fields = countFields(bytes, start, end);
      if (hasLabel && fields < 2) {
        throw new CsvError(
          this.#line,
          `Cannot parse ${this.#where()}: expected a label and at least one feature, found ${fields} field`,
        );
      }
      this.#features = hasLabel ? fields - 1 : fields;
    }
    const features = this.#features;
    this.#ensureCapacity((this.#rows + 1) * features, this.#line);
    const data = this.#data;
    let offset = this.#rows * features;
    let field = 0;
    let fieldStart = start;
    let quoted = false;
    let label = "";
    for (let i = start; i <= end; i++) {
      const c = i < end ? bytes[i] : COMMA;
      if (c === QUOTE) {
        quoted = !quoted;
        continue;
      }
      if (c !== COMMA || (quoted && i < end)) continue;
      if (quoted) {
        throw new CsvError(this.#line, `Cannot parse ${this.#where()}: a quote is not closed`);
      }
      if (hasLabel && field === labelColumn) {
        const decoded = decodeLabel(bytes, fieldStart, i);
        if (decoded === undefined) {
          throw new CsvError(
            this.#line,
            `Cannot parse ${this.#where()}, field ${field + 1}: ${LABEL_NOT_UTF8}`,
          );
        }
        label = decoded;
        if (label === "") {
          throw new CsvError(
            this.#line,
            `Cannot parse ${this.#where()}, field ${field + 1}: the label is empty`,
          );
        }
      } else {
        const featureIndex = hasLabel && field > labelColumn ? field - 1 : field;
        if (featureIndex >= features) {
          field = countFields(bytes, start, end);
          break;
        }
        const value = parseNumber(bytes, fieldStart, i);
        if (value === undefined || value === Infinity || value === -Infinity) {
          // A wrong field count explains a non-number better (a label column left in).
          const fields = countFields(bytes, start, end);
          if (fields !== (hasLabel ? features + 1 : features)) {
            field = fields;
            break;
          }
          // Infinities are refused like scikit-learn does: a split on them means nothing.
          throw new CsvError(
            this.#line,
            `Cannot parse ${this.#where()}, field ${field + 1}: ${
              fieldText(bytes, fieldStart, i)
            } is not a ${value === undefined ? "number" : "finite number"}`,
          );
        }
        data[offset++] = value;
      }
      field++;
      fieldStart = i + 1;
    }
    const expected = hasLabel ? features + 1 : features;
    if (field !== expected) {
      const found = hasLabel ? field - 1 : field;
      const hint = !hasLabel && found === features + 1
        ? " (one more than expected: the label column may have been left in)"
        : "";
      throw new CsvError(
        this.#line,
        `Cannot parse ${this.#where()}: expected ${features} features, found ${found}${hint}`,
      );
    }
    if (hasLabel) this.#labels.add(this.#rows, label);
    this.#rows++;
  }
}
