/**
 * The table a JSON request's records are written into while the body is walked: room for the
 * next record, the verdict on each (the messages `readJsonRecord` gives), and the handing out
 * of slices while a large body streams in.
 *
 * @module
 */

import { countHint, JsonRecordError } from "./json.ts";
import { jsonNumberEnd, jsonNumberStatus, NUMBER_READ, scanJsonNumber } from "./json_number.ts";
import { AFTER_VALUE, type BodyPosition, BYTES, VALUE } from "./json_syntax.ts";
import type { NumberTable } from "./table.ts";

const NO_VALUES = new Float64Array(0);

/** The value about to start is the whole body. */
export const SLOT_TOP = 0;
/** ... the value of the body's `instances` key. */
export const SLOT_INSTANCES = 1;
/** ... a record. */
export const SLOT_RECORD = 2;
/** ... a field of a record. */
export const SLOT_FIELD = 3;
/** ... the value of a record object's `features` key. */
export const SLOT_FEATURES = 4;
/** ... anything else (skipped). */
export const SLOT_OTHER = 5;
const { SPACE, TAB, NEWLINE, CARRIAGE_RETURN, COMMA, MINUS, ZERO, NINE } = BYTES;

/** Options of `JsonTableReader`. */
export interface JsonTableReadOptions {
  /** Number of features each record must have. */
  readonly features: number;
  /** `"throw"` (default) or `"mark"`: keep a bad record as NaN and list it in `errors`. */
  readonly onBadRecord?: "throw" | "mark";
  /**
   * A buffer to read the values into instead of a new one, for a caller that reads many small
   * bodies one at a time (each table handed out is a view of it). The reader moves to a new
   * buffer when this one is too small.
   */
  readonly buffer?: Float64Array;
}

/** The records of one JSON body, and the record being read. */
export class JsonRecordRows {
  /** Values per record. */
  readonly features: number;
  /** Keep bad records as NaN and list them (`"mark"`) instead of throwing. */
  readonly mark: boolean;
  /** The values, row-major; the record being read is at `rows * features`. */
  data: Float64Array;
  /** Records read since the last drain. */
  rows = 0;
  /** Records handed out by earlier drains. */
  drained = 0;
  /** Fields seen in the record's list so far (also past `features`). */
  fieldCount = 0;
  /** The 0-based index of the first bad field, or -1. */
  fieldError: number = -1;
  /** That field as JSON text, or undefined for a number too large for a double. */
  fieldErrorText: string | undefined;
  /** Whether the record object has had a `features` key. */
  hasFeatures = false;
  /** The verdict on the record object's last `features` value. */
  objectError: string | undefined;
  /** In a list of fields: what comes next (`VALUE_OR_CLOSE`, `VALUE` or `AFTER_VALUE`). */
  state: number = VALUE;
  /** Records that could not be read (in mark mode), by 0-based record index. */
  readonly errors: Map<number, string> = new Map();
  #position: BodyPosition;
  #open = false;
  #spare: Float64Array | undefined;

  /** Creates the table; `buffer`, when given, is used until it is too small. */
  constructor(
    features: number,
    options: { mark: boolean; position: BodyPosition; buffer?: Float64Array },
  ) {
    this.features = features;
    this.#position = options.position;
    this.mark = options.mark;
    this.data = options.buffer ?? NO_VALUES;
  }

  /** Makes room for one more record and starts it. */
  open(): void {
    const features = this.features;
    if ((this.rows + 1) * features > this.data.length) {
      const grown = new Float64Array(Math.max(this.data.length * 2, features * 64));
      grown.set(this.data.subarray(0, this.rows * features));
      this.data = grown;
    }
    this.#open = true;
    this.fieldCount = 0;
    this.fieldError = -1;
    this.hasFeatures = false;
    this.objectError = undefined;
  }

  /** Starts a list of fields (a record, or the value of `features`). */
  startFields(): void {
    this.fieldCount = 0;
    this.fieldError = -1;
  }

  /** One field: a number (NaN for `null`); an infinite one makes the record bad. */
  field(value: number): void {
    const count = this.fieldCount;
    if (count < this.features) this.data[this.rows * this.features + count] = value;
    if (value - value !== 0 && value === value && this.fieldError < 0) {
      this.fieldError = count;
      this.fieldErrorText = undefined;
    }
    this.fieldCount = count + 1;
  }

  /** One field that is not a number, `found` being its JSON text (or undefined: no need). */
  badField(found: string | undefined): void {
    if (this.fieldError < 0) {
      this.fieldError = this.fieldCount;
      this.fieldErrorText = found;
    }
    this.fieldCount++;
  }

  /**
   * The fast path through a list of fields: numbers, commas and whitespace, from `i`; returns
   * where it met anything else (or a number the end of the bytes may have cut).
   */
  readNumbers(bytes: Uint8Array, i: number, final: boolean): number {
    const end = bytes.length;
    const features = this.features;
    const data = this.data;
    const offset = this.rows * features;
    let count = this.fieldCount;
    let state = this.state;
    while (i < end) {
      const c = bytes[i];
      if (c === SPACE || c === TAB) {
        i++;
      } else if (c === NEWLINE || c === CARRIAGE_RETURN) {
        this.#position.lineBreak(c, i++);
      } else if (state === AFTER_VALUE) {
        if (c !== COMMA) break;
        state = VALUE;
        i++;
      } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
        const value = scanJsonNumber(bytes, i, final);
        if (jsonNumberStatus() !== NUMBER_READ) break;
        if (count < features) data[offset + count] = value;
        if (value - value !== 0 && this.fieldError < 0) {
          this.fieldError = count;
          this.fieldErrorText = undefined;
        }
        count++;
        state = AFTER_VALUE;
        i = jsonNumberEnd();
      } else {
        break;
      }
    }
    this.fieldCount = count;
    this.state = state;
    return i;
  }

  /**
   * A value in `slot` that is not a number (`found`: its JSON text): a bad field, or a record or
   * `features` value that is not a list. Other slots are not the table's business.
   */
  notANumber(slot: number, found: string): void {
    if (slot === SLOT_FIELD) this.badField(found);
    else if (slot === SLOT_RECORD) {
      this.open();
      this.commit(this.notAList(found) + this.flatListHint(found));
    } else if (slot === SLOT_FEATURES) {
      this.hasFeatures = true;
      this.objectError = this.notAList(found);
    }
  }

  /** Names the record being read, for messages. */
  where(): string {
    return `record ${this.drained + this.rows + 1}`;
  }

  /** The message for a record (or `features` value) that is not a list. */
  notAList(found: string): string {
    return `Cannot parse ${this.where()}: expected a list of ${this.features} numbers, found ${found}`;
  }

  /**
   * A hint when the first record is a number (`found`): most likely one record was sent flat,
   * `[5.1, 3.5]` for `[[5.1, 3.5]]`. Worked out on the error path only.
   */
  flatListHint(found: string): string {
    if (this.drained + this.rows !== 0 || !/^-?\d/.test(found)) return "";
    return ` (to send one record, wrap it in a list: [[${found}, ...]])`;
  }

  /** The message for a record object without `features`. */
  noFeatures(): string {
    return `Cannot parse ${this.where()}: expected a list of numbers or {"features": [...]}, found an object without "features"`;
  }

  /** The verdict on a closed list of fields: undefined when it is a good record. */
  fieldsVerdict(): string | undefined {
    const features = this.features;
    const count = this.fieldCount;
    if (count !== features) {
      // The lone field's JSON text was kept when it was not a number (fieldErrorText).
      const list = this.fieldError === 0 && this.fieldErrorText?.startsWith("[") === true;
      const hint = countHint(count, features, list);
      return `Cannot parse ${this.where()}: expected ${features} features, found ${count}${hint}`;
    }
    if (this.fieldError < 0) return undefined;
    const text = this.fieldErrorText;
    return `Cannot parse ${this.where()}, field ${this.fieldError + 1}: ${
      text === undefined ? "the number is too large (not finite)" : `${text} is not a number`
    }`;
  }

  /** Ends the record: kept, or refused (thrown, or NaN and listed in mark mode). */
  commit(error: string | undefined): void {
    this.#open = false;
    if (error !== undefined) {
      if (!this.mark) throw new JsonRecordError(this.drained + this.rows + 1, error);
      const features = this.features;
      this.data.fill(NaN, this.rows * features, (this.rows + 1) * features);
      this.errors.set(this.drained + this.rows, error);
    }
    this.rows++;
  }

  /** Hands out the records read since the last drain (valid until more are read). */
  drain(): NumberTable {
    const rows = this.rows;
    const columns = this.features;
    const table = { data: this.data.subarray(0, rows * columns), rows, columns };
    this.drained += rows;
    this.rows = 0;
    if (this.#open && rows > 0) {
      // The record being read moves to the start of the other buffer; this one is handed out.
      let next = this.#spare;
      if (next === undefined || next.length < this.data.length) {
        next = new Float64Array(this.data.length);
      }
      next.set(this.data.subarray(rows * columns, (rows + 1) * columns));
      this.#spare = this.data;
      this.data = next;
    }
    return table;
  }
}
