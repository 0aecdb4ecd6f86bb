/**
 * `application/jsonlines` requests and answers: one JSON value a line.
 *
 * A request line is a list of numbers (`[5.1, 3.5, 1.4, 0.2]`) or `{"features": [...]}`; blank
 * lines are skipped; `\r\n` line ends are accepted. The answer has one line per record, the same
 * entry `application/json` puts in its `predictions` list.
 *
 * The reader takes the body chunk by chunk, so a large batch is never held as one string.
 *
 * @module
 */

import { MAX_LINE_BYTES } from "./csv_options.ts";
import type { NumberTable } from "./table.ts";
import { jsonPrediction, JsonRecordError, quoteClasses, readJsonRecord } from "./json.ts";
import { readPlainJsonRecord } from "./json_plain_record.ts";
import type { PredictionEncoder, PredictionSet } from "./predictions.ts";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const decoder = new TextDecoder();

/** Values the first buffer holds at most: it grows with the records, not with the feature count. */
const INITIAL_VALUES = 1 << 16;

/** Options of {@linkcode JsonLinesReader}. */
export interface JsonLinesReadOptions {
  /** Number of features each record must have. */
  readonly features: number;
  /** `"throw"` (default) or `"mark"`: keep a bad record as NaN and list it in `errors`. */
  readonly onBadRecord?: "throw" | "mark";
}

/**
 * `JSON.parse`'s `message` about one line, whose text began after `lead` blank characters: its
 * "in JSON at position P (line 1 column C)" becomes "at column C" of the line, since "line 1"
 * would contradict the line number the message starts with.
 */
function inLine(message: string, lead: number): string {
  return message.replace(
    /(?: in JSON)? at position \d+ \(line 1 column (\d+)\)$/,
    (_, column: string) => ` at column ${Number(column) + lead}`,
  );
}

/**
 * Reads JSON Lines records chunk by chunk into a feature table; the same protocol as the CSV
 * reader (`push`, `drain`, `finish`). Errors are {@linkcode JsonRecordError} naming the line.
 */
export class JsonLinesReader {
  #options: JsonLinesReadOptions;
  #data: Float64Array;
  #rows = 0;
  #drained = 0;
  #line = 0;
  /** The start of a line that has no newline yet, copied chunk by chunk, joined once. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** Records that could not be read (with `onBadRecord: "mark"`), by 0-based record index. */
  readonly errors: Map<number, string> = new Map();

  /** Creates a reader. */
  constructor(options: JsonLinesReadOptions) {
    this.#options = options;
    this.#data = new Float64Array(Math.min(options.features * 64, INITIAL_VALUES));
  }

  /** Records read since the last drain. */
  get rows(): number {
    return this.#rows;
  }

  /**
   * Parses every complete line of `chunk`; a partial last line waits for the next chunk. Each
   * byte is looked at once, however long the line (the chunk may be reused by the caller).
   */
  push(chunk: Uint8Array): void {
    let start = 0;
    if (this.#pendingBytes > 0) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) return this.#hold(chunk);
      this.#hold(chunk.subarray(0, newline));
      const line = this.#takePending();
      this.#readLine(line, 0, line.length);
      start = newline + 1;
    }
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) return this.#hold(chunk.subarray(start));
      this.#readLine(chunk, start, newline);
      start = newline + 1;
    }
  }

  /** Hands out the records read since the last drain (valid until the next `push`). */
  drain(): NumberTable {
    const rows = this.#rows;
    this.#drained += rows;
    this.#rows = 0;
    const columns = this.#options.features;
    return { data: this.#data.subarray(0, rows * columns), rows, columns };
  }

  /** Parses a last line without a newline and hands out the remaining records. */
  finish(): NumberTable {
    if (this.#pendingBytes > 0) {
      const line = this.#takePending();
      this.#readLine(line, 0, line.length);
    }
    return this.drain();
  }

  /** Keeps a copy of the start of an unfinished line; refuses a line past the limit. */
  #hold(part: Uint8Array): void {
    if (this.#pendingBytes + part.length > MAX_LINE_BYTES) {
      const line = this.#line + 1;
      throw new JsonRecordError(
        line,
        `Cannot parse line ${line}: the line is longer than ${MAX_LINE_BYTES} bytes`,
      );
    }
    this.#pending.push(part.slice());
    this.#pendingBytes += part.length;
  }

  /** The unfinished line's bytes, joined. */
  #takePending(): Uint8Array {
    const line = new Uint8Array(this.#pendingBytes);
    let offset = 0;
    for (const part of this.#pending) {
      line.set(part, offset);
      offset += part.length;
    }
    this.#pending = [];
    this.#pendingBytes = 0;
    return line;
  }

  #readLine(bytes: Uint8Array, start: number, end: number): void {
    this.#line++;
    if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end--;
    const features = this.#options.features;
    if ((this.#rows + 1) * features > this.#data.length) {
      const grown = new Float64Array(Math.max(this.#data.length * 2, (this.#rows + 1) * features));
      grown.set(this.#data.subarray(0, this.#rows * features));
      this.#data = grown;
    }
    // Most lines are plain lists of numbers: read without decoding or JSON.parse.
    const line = bytes.subarray(start, end);
    if (readPlainJsonRecord(line, this.#data, { offset: this.#rows * features, features })) {
      this.#rows++;
      return;
    }
    const decoded = decoder.decode(line);
    const text = decoded.trim();
    if (text === "") return;
    const where = `line ${this.#line}`;
    let error: string | undefined;
    try {
      error = readJsonRecord(JSON.parse(text), this.#data, {
        offset: this.#rows * features,
        features,
        where,
      });
    } catch (parseError) {
      const lead = decoded.length - decoded.trimStart().length;
      error = `Cannot parse ${where}: ${inLine((parseError as Error).message, lead)}`;
    }
    if (error !== undefined) {
      if (this.#options.onBadRecord !== "mark") throw new JsonRecordError(this.#line, error);
      this.#data.fill(NaN, this.#rows * features, (this.#rows + 1) * features);
      this.errors.set(this.#drained + this.#rows, error);
    }
    this.#rows++;
  }
}

/**
 * The `application/jsonlines` answer: one line per record, in order; each line is what
 * `application/json` puts in `predictions` (a label string, a `{"label", "probabilities"}`
 * object, a `{"label", ...explanation}` object, or `{"error": ...}`).
 */
export const JSONLINES_PREDICTION_ENCODER: PredictionEncoder = {
  contentType: "application/jsonlines",
  head: "",
  tail: "",
  records(set: PredictionSet, start: number, end: number): string {
    const quoted = quoteClasses(set.classes);
    let out = "";
    for (let i = start; i < end; i++) out += jsonPrediction(set, i, quoted) + "\n";
    return out;
  },
};
