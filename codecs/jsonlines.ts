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

import type { NumberTable } from "./table.ts";
import { jsonPrediction, JsonRecordError, quoteClasses, readJsonRecord } from "./json.ts";
import type { PredictionEncoder, PredictionSet } from "./predictions.ts";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const decoder = new TextDecoder();

/** Options of {@linkcode JsonLinesReader}. */
export interface JsonLinesReadOptions {
  /** Number of features each record must have. */
  readonly features: number;
  /** `"throw"` (default) or `"mark"`: keep a bad record as NaN and list it in `errors`. */
  readonly onBadRecord?: "throw" | "mark";
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
  #rest: Uint8Array | undefined;
  /** Records that could not be read (with `onBadRecord: "mark"`), by 0-based record index. */
  readonly errors: Map<number, string> = new Map();

  /** Creates a reader. */
  constructor(options: JsonLinesReadOptions) {
    this.#options = options;
    this.#data = new Float64Array(options.features * 64);
  }

  /** Records read since the last drain. */
  get rows(): number {
    return this.#rows;
  }

  /** Parses every complete line of `chunk`; a partial last line waits for the next chunk. */
  push(chunk: Uint8Array): void {
    let bytes = chunk;
    if (this.#rest !== undefined) {
      bytes = new Uint8Array(this.#rest.length + chunk.length);
      bytes.set(this.#rest);
      bytes.set(chunk, this.#rest.length);
      this.#rest = undefined;
    }
    let start = 0;
    while (start < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, start);
      if (newline === -1) {
        this.#rest = bytes.slice(start);
        return;
      }
      this.#readLine(bytes, start, newline);
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
    if (this.#rest !== undefined) {
      const rest = this.#rest;
      this.#rest = undefined;
      this.#readLine(rest, 0, rest.length);
    }
    return this.drain();
  }

  #readLine(bytes: Uint8Array, start: number, end: number): void {
    this.#line++;
    if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end--;
    const text = decoder.decode(bytes.subarray(start, end)).trim();
    if (text === "") return;
    const features = this.#options.features;
    if ((this.#rows + 1) * features > this.#data.length) {
      const grown = new Float64Array(this.#data.length * 2);
      grown.set(this.#data.subarray(0, this.#rows * features));
      this.#data = grown;
    }
    const where = `line ${this.#line}`;
    let error: string | undefined;
    try {
      error = readJsonRecord(JSON.parse(text), this.#data, {
        offset: this.#rows * features,
        features,
        where,
      });
    } catch (parseError) {
      error = `Cannot parse ${where}: ${(parseError as Error).message}`;
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
