/**
 * `application/json` requests read chunk by chunk, so that a 100 MB batch is never one string
 * or one parsed tree: the bytes are walked once, nesting and strings tracked, and each record's
 * numbers written straight into the feature table, like the CSV and JSON Lines readers do.
 *
 * The accepted bodies are `{"instances": [record, ...]}` and a bare `[record, ...]`, a record
 * being a list of numbers or `{"features": [...]}`; every other key is skipped (but must be
 * valid JSON) and, as with `JSON.parse`, the last of two equal keys wins, except that a second
 * `instances` list is refused. Values are those `JSON.parse` gives; syntax errors use its words
 * and positions (counted in bytes). A bad record is reported as soon as it is read, so a syntax
 * error later in the body is not seen then.
 *
 * @module
 */

import { describeJsonValue, JsonRecordError } from "./json.ts";
import {
  jsonNumberEnd,
  jsonNumberError,
  jsonNumberStatus,
  NUMBER_INCOMPLETE,
  NUMBER_READ,
  scanJsonNumber,
} from "./json_number.ts";
import {
  JsonRecordRows,
  type JsonTableReadOptions,
  SLOT_FEATURES,
  SLOT_FIELD,
  SLOT_INSTANCES,
  SLOT_OTHER,
  SLOT_RECORD,
  SLOT_TOP,
} from "./json_records.ts";
import {
  AFTER_VALUE,
  BodyPosition,
  ByteOrderMark,
  BYTES,
  CapturedValue,
  COLON_NEXT,
  continuesToken,
  END,
  expectedMessage,
  IN_STRING,
  JsonStringScanner,
  KeptBytes,
  KEY,
  KEY_OR_CLOSE,
  literalAt,
  matchedLength,
  STRING_GOES_ON,
  STRING_INVALID,
  unexpectedToken,
  VALUE,
  VALUE_OR_CLOSE,
} from "./json_syntax.ts";
import type { NumberTable } from "./table.ts";

export type { JsonTableReadOptions } from "./json_records.ts";

const {
  SPACE,
  TAB,
  NEWLINE,
  CARRIAGE_RETURN,
  QUOTE,
  COMMA,
  COLON,
  MINUS,
  ZERO,
  NINE,
  OPEN_LIST,
  CLOSE_LIST,
  OPEN_OBJECT,
  CLOSE_OBJECT,
} = BYTES;

/** What an open list or object is (its role). */
const TOP_OBJECT = 0;
const RECORDS = 1;
const FIELDS = 2;
const RECORD_OBJECT = 3;
const SKIPPED_LIST = 4;
const SKIPPED_OBJECT = 5;

/** How `instances` of a top object was seen: not, as a list, as something else. */
const [NO_INSTANCES, INSTANCES_LIST, INSTANCES_OTHER] = [0, 1, 2];

/** The longest key worth decoding: `instances` with every character escaped. */
const KEY_LIMIT = 64;

/**
 * Reads an `application/json` body chunk by chunk into a feature table; the same protocol as
 * the CSV and JSON Lines readers (`push`, `drain`, `finish`). Errors are
 * {@linkcode JsonRecordError}s naming the record, or record 0 for the whole body.
 */
export class JsonTableReader {
  #records: JsonRecordRows;
  /** Roles of the open lists and objects, outermost first. */
  #roles: number[] = [];
  #depth = 0;
  #state = VALUE;
  #keySlot = SLOT_OTHER;
  #topIsList = false;
  #instances = NO_INSTANCES;
  /** Absolute position of `bytes[0]` of the buffer being read, and line bookkeeping. */
  #position = new BodyPosition();
  #byteOrderMark = new ByteOrderMark();
  /** A number or literal cut by the end of a chunk, and where it started. */
  #carry: Uint8Array | undefined;
  #carryAt = 0;
  /** While a cut token is read: the bytes after it (undefined at the end of the body). */
  #after: Uint8Array | undefined;
  /** Inside a string: a key?, after a backslash?, hex digits of `\u` still due. */
  #stringIsKey = false;
  #string = new JsonStringScanner();
  /** A bad value kept to describe it in an error. */
  #capture: CapturedValue | undefined;
  #keyFrom = 0;
  #key: KeptBytes | undefined;
  /** Records that could not be read (with `onBadRecord: "mark"`), by 0-based record index. */
  readonly errors: Map<number, string>;

  /** Creates a reader. */
  constructor(options: JsonTableReadOptions) {
    this.#records = new JsonRecordRows(options.features, {
      mark: options.onBadRecord === "mark",
      position: this.#position,
      buffer: options.buffer,
    });
    this.errors = this.#records.errors;
  }

  /** Records read since the last drain. */
  get rows(): number {
    return this.#records.rows;
  }

  /** Reads `chunk`; a number, literal or string cut at its end goes on with the next chunk. */
  push(chunk: Uint8Array): void {
    let bytes = chunk;
    if (!this.#byteOrderMark.done) {
      bytes = this.#byteOrderMark.strip(chunk, false);
      if (bytes.length === 0) return;
    }
    let i = 0;
    if (this.#carry !== undefined) {
      while (i < bytes.length && continuesToken(bytes[i])) i++;
      const carry = this.#carry;
      const joined = new Uint8Array(carry.length + i);
      joined.set(carry);
      joined.set(bytes.subarray(0, i), carry.length);
      this.#carry = undefined;
      if (i === bytes.length) {
        this.#capture?.bytes.keep(bytes, 0, bytes.length);
        this.#carry = joined;
        this.#position.base += bytes.length;
        return;
      }
      this.#readCut(joined, bytes.subarray(i, i + 4));
    }
    if (this.#capture !== undefined) this.#capture.from = 0;
    this.#keyFrom = 0;
    this.#read(bytes, i, false);
    this.#capture?.bytes.keep(bytes, this.#capture.from, bytes.length);
    if (this.#state === IN_STRING && this.#stringIsKey) {
      this.#key!.keep(bytes, this.#keyFrom, bytes.length);
    }
    this.#position.base += bytes.length;
  }

  /** Hands out the records read since the last drain (valid until the next `push`). */
  drain(): NumberTable {
    return this.#records.drain();
  }

  /** Checks that the body ended where a JSON value may end and hands out the last records. */
  finish(): NumberTable {
    if (!this.#byteOrderMark.done) {
      const bytes = this.#byteOrderMark.strip(new Uint8Array(0), true);
      this.#read(bytes, 0, false);
      this.#position.base += bytes.length;
    }
    if (this.#carry !== undefined) {
      const carry = this.#carry;
      this.#carry = undefined;
      this.#readCut(carry, undefined);
    }
    const state = this.#state;
    if (state !== END) {
      const at = this.#position.base;
      const cutShort = state === IN_STRING ? this.#string.cutShort() : undefined;
      if (cutShort !== undefined) this.#syntax(cutShort, at);
      if (state === VALUE || state === VALUE_OR_CLOSE || state === IN_STRING) this.#endOfInput();
      this.#syntax(expectedMessage(state === AFTER_VALUE ? this.#closer() : 0, state), at);
    }
    if (!this.#topIsList && this.#instances !== INSTANCES_LIST) {
      throw new JsonRecordError(
        0,
        'Cannot read the JSON body: expected {"instances": [[...], ...]} or a list of records',
      );
    }
    return this.drain();
  }

  /** The byte that closes the innermost list or object. */
  #closer(): number {
    const role = this.#roles[this.#depth - 1];
    return role === TOP_OBJECT || role === RECORD_OBJECT || role === SKIPPED_OBJECT
      ? CLOSE_OBJECT
      : CLOSE_LIST;
  }

  #endOfInput(): never {
    throw new JsonRecordError(0, "Cannot parse the JSON body: Unexpected end of JSON input");
  }

  #syntax(message: string, at: number): never {
    throw new JsonRecordError(
      0,
      `Cannot parse the JSON body: ${message}${message.endsWith("after JSON") ? "" : " in JSON"} ${
        this.#position.describe(at)
      }`,
    );
  }

  /** Walks `bytes` from `i`; `final`: the bytes end where the body (or a cut token) ends. */
  #read(bytes: Uint8Array, i: number, final: boolean): void {
    const end = bytes.length;
    if (this.#state === IN_STRING) i = this.#scanString(bytes, i);
    if (i < 0) return;
    while (i < end) {
      if (
        this.#depth > 0 && this.#roles[this.#depth - 1] === FIELDS && this.#state <= AFTER_VALUE
      ) {
        i = this.#fields(bytes, i, final);
        if (i >= end) return;
      }
      const c = bytes[i];
      if (c === SPACE || c === TAB) {
        i++;
        continue;
      }
      if (c === NEWLINE || c === CARRIAGE_RETURN) {
        this.#position.lineBreak(c, i++);
        continue;
      }
      switch (this.#state) {
        case VALUE_OR_CLOSE:
          if (c === CLOSE_LIST) {
            i = this.#close(bytes, i);
            break;
          }
          i = this.#value(bytes, i, final);
          break;
        case VALUE:
          i = this.#value(bytes, i, final);
          break;
        case AFTER_VALUE:
          if (c === COMMA) {
            this.#state = this.#closer() === CLOSE_OBJECT ? KEY : VALUE;
            i++;
          } else if (c === this.#closer()) {
            i = this.#close(bytes, i);
          } else {
            this.#syntax(expectedMessage(this.#closer(), AFTER_VALUE), this.#position.base + i);
          }
          break;
        case KEY_OR_CLOSE:
        case KEY:
          if (c === QUOTE) {
            this.#state = IN_STRING;
            this.#stringIsKey = true;
            this.#keyFrom = i + 1;
            this.#key = new KeptBytes(KEY_LIMIT);
            i = this.#scanString(bytes, i + 1);
          } else if (c === CLOSE_OBJECT && this.#state === KEY_OR_CLOSE) {
            i = this.#close(bytes, i);
          } else {
            this.#syntax(expectedMessage(0, this.#state), this.#position.base + i);
          }
          break;
        case COLON_NEXT:
          if (c !== COLON) this.#syntax(expectedMessage(0, COLON_NEXT), this.#position.base + i);
          this.#state = VALUE;
          i++;
          break;
        default:
          this.#syntax("Unexpected non-whitespace character after JSON", this.#position.base + i);
      }
      if (i < 0) return;
    }
  }

  /** The slot of the value about to start. */
  #slot(): number {
    if (this.#depth === 0) return SLOT_TOP;
    const role = this.#roles[this.#depth - 1];
    if (role === RECORDS) return SLOT_RECORD;
    if (role === FIELDS) return SLOT_FIELD;
    if (role === TOP_OBJECT || role === RECORD_OBJECT) return this.#keySlot;
    return SLOT_OTHER;
  }

  /** The value's state is done: what comes after it. */
  #valueDone(): void {
    this.#state = this.#depth === 0 ? END : AFTER_VALUE;
  }

  /** Reads the value starting at `i`; returns where it ends, or -1 when a chunk cut it. */
  #value(bytes: Uint8Array, i: number, final: boolean): number {
    const c = bytes[i];
    const slot = this.#slot();
    if (c === OPEN_LIST || c === OPEN_OBJECT) {
      const list = c === OPEN_LIST;
      let role = list ? SKIPPED_LIST : SKIPPED_OBJECT;
      if (slot === SLOT_TOP) {
        this.#topIsList = list;
        role = list ? RECORDS : TOP_OBJECT;
      } else if (slot === SLOT_INSTANCES) {
        if (list && this.#instances === INSTANCES_LIST) {
          throw new JsonRecordError(
            0,
            'Cannot read the JSON body: "instances" is given more than once',
          );
        }
        this.#instances = list ? INSTANCES_LIST : INSTANCES_OTHER;
        if (list) role = RECORDS;
      } else if (slot === SLOT_RECORD) {
        this.#records.open();
        role = list ? FIELDS : RECORD_OBJECT;
      } else if (slot === SLOT_FEATURES && list) {
        role = FIELDS;
      } else if (slot === SLOT_FEATURES || slot === SLOT_FIELD) {
        this.#startCapture(i, slot);
      }
      if (role === FIELDS) this.#records.startFields();
      this.#roles[this.#depth++] = role;
      this.#state = list ? VALUE_OR_CLOSE : KEY_OR_CLOSE;
      return i + 1;
    }
    if (c === QUOTE) {
      if (slot === SLOT_RECORD) this.#records.open();
      if (slot === SLOT_TOP) this.#topIsList = false;
      else if (slot === SLOT_INSTANCES) this.#instances = INSTANCES_OTHER;
      else if (slot !== SLOT_OTHER) this.#startCapture(i, slot);
      this.#state = IN_STRING;
      this.#stringIsKey = false;
      return this.#scanString(bytes, i + 1);
    }
    if (c === MINUS || (c >= ZERO && c <= NINE)) {
      const value = scanJsonNumber(bytes, i, final);
      const status = jsonNumberStatus();
      if (status === NUMBER_INCOMPLETE) return this.#cut(bytes, i);
      const at = jsonNumberEnd();
      if (status !== NUMBER_READ) this.#syntax(jsonNumberError(), this.#position.base + at);
      this.#scalar(slot, value, undefined);
      this.#valueDone();
      return at;
    }
    const word = literalAt(bytes, i);
    if (word === "") this.#syntax(unexpectedToken(bytes, i), this.#position.base + i);
    const at = i + matchedLength(bytes, i, word);
    if (at < i + word.length) {
      if (at < bytes.length) this.#syntax(unexpectedToken(bytes, at), this.#position.base + at);
      if (!final) return this.#cut(bytes, i);
      if (this.#after === undefined) this.#endOfInput();
      this.#syntax(unexpectedToken(this.#after, 0), this.#position.base + at);
    }
    this.#scalar(slot, NaN, word);
    this.#valueDone();
    return at;
  }

  /** Reads a cut number or literal, made whole; `after`: the bytes that follow it, if any. */
  #readCut(token: Uint8Array, after: Uint8Array | undefined): void {
    const base = this.#position.base;
    this.#position.base = this.#carryAt;
    this.#after = after;
    this.#read(token, 0, true);
    this.#after = undefined;
    this.#position.base = base;
  }

  /** Keeps a number or literal that the end of the chunk cut, to finish with the next chunk. */
  #cut(bytes: Uint8Array, i: number): number {
    this.#carry = bytes.slice(i);
    this.#carryAt = this.#position.base + i;
    return -1;
  }

  /** A number, `null`, `true` or `false` (`word`, undefined for a number) in `slot`. */
  #scalar(slot: number, value: number, word: string | undefined): void {
    if (slot === SLOT_FIELD && (word === undefined || word === "null")) {
      this.#records.field(value);
    } else if (slot === SLOT_TOP) this.#topIsList = false;
    else if (slot === SLOT_INSTANCES) this.#instances = INSTANCES_OTHER;
    else this.#records.notANumber(slot, word ?? describeJsonValue(value));
  }

  /** The fast path: a record's numbers, commas and whitespace; stops at anything else. */
  #fields(bytes: Uint8Array, i: number, final: boolean): number {
    const records = this.#records;
    records.state = this.#state;
    i = records.readNumbers(bytes, i, final);
    this.#state = records.state;
    return i;
  }

  /** Closes the innermost list or object at `i` (its closing byte). */
  #close(bytes: Uint8Array, i: number): number {
    const role = this.#roles[--this.#depth];
    const records = this.#records;
    if (role === FIELDS) {
      const verdict = records.fieldsVerdict();
      if (this.#roles[this.#depth - 1] === RECORDS) records.commit(verdict);
      else {
        records.hasFeatures = true;
        records.objectError = verdict;
      }
    } else if (role === RECORD_OBJECT) {
      records.commit(records.hasFeatures ? records.objectError : records.noFeatures());
    }
    this.#valueDone();
    if (this.#capture?.depth === this.#depth) this.#endCapture(bytes, i + 1);
    return i + 1;
  }

  /** Scans a string from `i` (after the quote, or where a chunk cut it); -1: the chunk ended. */
  #scanString(bytes: Uint8Array, i: number): number {
    const quote = this.#string.scan(bytes, i);
    if (quote === STRING_GOES_ON) return -1;
    if (quote === STRING_INVALID) {
      this.#syntax(this.#string.error, this.#position.base + this.#string.errorAt);
    }
    return this.#stringDone(bytes, quote);
  }

  /** A string closed at `i` (its closing quote). */
  #stringDone(bytes: Uint8Array, i: number): number {
    if (this.#stringIsKey) {
      this.#key!.keep(bytes, this.#keyFrom, i);
      this.#state = COLON_NEXT;
      const role = this.#roles[this.#depth - 1];
      this.#keySlot = SLOT_OTHER;
      if (role === TOP_OBJECT && this.#key!.spells("instances")) this.#keySlot = SLOT_INSTANCES;
      else if (role === RECORD_OBJECT && this.#key!.spells("features")) {
        this.#keySlot = SLOT_FEATURES;
      }
      return i + 1;
    }
    this.#valueDone();
    if (this.#capture?.depth === this.#depth) this.#endCapture(bytes, i + 1);
    return i + 1;
  }

  /** Starts keeping the bad value at `i` to describe it (unless nothing needs it). */
  #startCapture(i: number, slot: number): void {
    const records = this.#records;
    if (slot === SLOT_FIELD && records.fieldError >= 0) {
      records.fieldCount++;
      return;
    }
    const field = records.fieldCount;
    if (slot === SLOT_FIELD) records.badField(undefined);
    this.#capture = new CapturedValue(i, { depth: this.#depth, slot, field });
  }

  /** The kept value ended before `i`: describe it and apply the error to its slot. */
  #endCapture(bytes: Uint8Array, i: number): void {
    const capture = this.#capture!;
    this.#capture = undefined;
    capture.bytes.keep(bytes, capture.from, i);
    const text = capture.text();
    const found = capture.bytes.overflowed ? text : describeJsonValue(JSON.parse(text));
    const records = this.#records;
    if (capture.slot !== SLOT_FIELD) records.notANumber(capture.slot, found);
    else if (records.fieldError === capture.field) records.fieldErrorText = found;
  }
}

/**
 * Parses a whole `application/json` body into a feature table (a {@linkcode JsonTableReader}
 * fed at once).
 *
 * @example
 * ```ts
 * parseJsonRecords('{"instances": [[1, 2], [3, null]]}', { features: 2 }).features.rows; // 2
 * ```
 */
export function parseJsonRecords(
  text: string,
  options: JsonTableReadOptions,
): { features: NumberTable; errors: Map<number, string> } {
  const reader = new JsonTableReader(options);
  reader.push(new TextEncoder().encode(text));
  return { features: reader.finish(), errors: reader.errors };
}
