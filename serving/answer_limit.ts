/**
 * The answer limit of `/invocations` (`MODEL_SERVER_MAX_RESPONSE_MB`): an answer larger than the
 * limit is refused with a 413 naming the limit and the size, before the work of building it.
 *
 * Three checks, cheapest first:
 *
 * 1. an upper bound: every record costs at most the bytes of its longest possible line (the
 *    longest label, every probability written with the most digits a number in [0, 1] can
 *    take). An answer within the limit by this bound (the labels of any ordinary batch) costs
 *    one multiplication, and is built as before;
 * 2. an estimate, before predicting: the bytes of a few records, predicted and encoded, times
 *    the number of records. Past the limit, the 413 comes before any probabilities are
 *    computed for the batch;
 * 3. an exact count while encoding, for answers the bound cannot clear: the answer is encoded
 *    chunk by chunk and given up as soon as it passes the limit, so building it never costs
 *    more than the limit in bytes.
 *
 * Explanations have no useful upper bound (a path is as long as the tree is deep, SHAP values
 * grow with features times classes), so an explained answer skips check 1: the estimate samples
 * records spread over the first slice, and the answer, encoded while it is explained, is counted
 * exactly with {@linkcode AnswerLimit.countExplained}.
 *
 * @module
 */

import type { Matrix, Model } from "../algorithm/mod.ts";
import type { PredictionEncoder, PredictionSet } from "../codecs/predictions.ts";
import { HttpError } from "./errors.ts";

/** Records encoded to estimate the bytes of one. */
const SAMPLE_RECORDS = 8;

/** Bytes of one encoded chunk while counting an answer exactly. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Probabilities written with the most characters a number in [0, 1] takes in JavaScript (24 and
 * 23): seventeen significant digits after `0.00000`, or in exponent form.
 */
const LONGEST_PROBABILITIES = [0.0000012345678901234567, 1.2345678901234567e-300];

const utf8 = new TextEncoder();

/** The UTF-8 length of `text`. */
function byteLength(text: string): number {
  // ASCII answers (the usual) are counted without encoding them.
  return /^\p{ASCII}*$/u.test(text) ? text.length : utf8.encode(text).length;
}

/** Options of {@linkcode AnswerLimit}. */
export interface AnswerLimitOptions {
  /** The largest answer in bytes. */
  readonly limitBytes: number;
  /** True when the answer carries class probabilities. */
  readonly probabilities: boolean;
  /** When the answer carries explanations: their kind, and how to explain sample records. */
  readonly explanation?: SampleExplainer;
}

/** Explains records for the estimate of an explained answer. */
export interface SampleExplainer {
  /** The kind asked for, for messages (`shap`). */
  readonly kind: string;
  /** One JSON-ready explanation per row of `features`. */
  explain(features: Matrix): readonly object[];
}

/** The most bytes one record's line can take, per class list, encoder and probabilities. */
const worstBytesCache = new WeakMap<readonly string[], Map<string, number>>();

function worstRecordBytes(
  encoder: PredictionEncoder,
  classes: readonly string[],
  probabilities: boolean,
): number {
  let byKey = worstBytesCache.get(classes);
  if (byKey === undefined) {
    byKey = new Map();
    worstBytesCache.set(classes, byKey);
  }
  const key = `${encoder.contentType} ${probabilities}`;
  let worst = byKey.get(key);
  if (worst !== undefined) return worst;
  let longest = 0;
  classes.forEach((name, index) => {
    if (byteLength(name) > byteLength(classes[longest])) longest = index;
  });
  worst = 0;
  for (const value of LONGEST_PROBABILITIES) {
    // The second record of a set: its separator is counted too.
    const set: PredictionSet = {
      classes,
      labels: Int32Array.of(longest, longest),
      probabilities: probabilities ? new Float64Array(2 * classes.length).fill(value) : undefined,
    };
    worst = Math.max(worst, byteLength(encoder.records(set, 1, 2)));
  }
  byKey.set(key, worst);
  return worst;
}

/**
 * `rows` records spread evenly over `table` (copied): explanations of the first records alone
 * could all be short, as records sorted by one feature all take the same short path.
 */
function spreadSample(table: Matrix, rows: number): Matrix {
  const { columns } = table;
  const data = new Float64Array(rows * columns);
  const step = table.rows / rows;
  for (let r = 0; r < rows; r++) {
    const from = Math.floor(r * step) * columns;
    data.set(table.data.subarray(from, from + columns), r * columns);
  }
  return { data, rows, columns };
}

/** The answer limit of one invocation. */
export class AnswerLimit {
  #encoder: PredictionEncoder;
  #model: Model;
  #options: AnswerLimitOptions;
  #worst: number;
  #sampled: number | undefined;
  #explainedBytes = 0;

  /** The limit for answers from `model` in `encoder`'s format. */
  constructor(encoder: PredictionEncoder, model: Model, options: AnswerLimitOptions) {
    this.#encoder = encoder;
    this.#model = model;
    this.#options = options;
    this.#worst = options.explanation === undefined
      ? worstRecordBytes(encoder, model.classes, options.probabilities)
      : Infinity;
  }

  #fixedBytes(): number {
    return this.#encoder.head.length + this.#encoder.tail.length;
  }

  #describe(): string {
    const explanation = this.#options.explanation;
    if (explanation !== undefined) {
      return `${this.#encoder.contentType} with ${explanation.kind} explanations`;
    }
    const classes = this.#model.classes.length;
    return `${this.#encoder.contentType}${
      this.#options.probabilities ? ` with ${classes} class probabilities` : ""
    }`;
  }

  #tooLarge(what: string): HttpError {
    return new HttpError(
      413,
      `The answer would be ${what}, more than the limit of ${this.#options.limitBytes} bytes ` +
        `(MODEL_SERVER_MAX_RESPONSE_MB): ask for fewer records${
          this.#options.explanation !== undefined
            ? " or no explanations"
            : this.#options.probabilities
            ? " or no probabilities"
            : ""
        }`,
    );
  }

  /**
   * Throws a 413 when `records` records (the next ones being `next`, about to be predicted)
   * would likely make an answer over the limit. Costs one multiplication unless the upper
   * bound says they might; then a few records of `next` are predicted and encoded, once.
   */
  checkEstimate(records: number, next: Matrix): void {
    const limit = this.#options.limitBytes;
    if (this.#fixedBytes() + records * this.#worst <= limit) return;
    if (this.#sampled === undefined) {
      const rows = Math.min(SAMPLE_RECORDS, next.rows);
      if (rows === 0) return;
      const explanation = this.#options.explanation;
      const sample = explanation === undefined
        ? { data: next.data.subarray(0, rows * next.columns), rows, columns: next.columns }
        : spreadSample(next, rows);
      const set: PredictionSet = {
        classes: this.#model.classes,
        labels: this.#model.predict(sample),
        probabilities: this.#options.probabilities && explanation === undefined
          ? this.#model.predictProba(sample)
          : undefined,
        explanations: explanation?.explain(sample),
        first: 1,
      };
      this.#sampled = byteLength(this.#encoder.records(set, 0, rows)) / rows;
    }
    const estimate = Math.round(this.#fixedBytes() + records * this.#sampled);
    if (estimate > limit) {
      throw this.#tooLarge(
        `about ${estimate} bytes (${records} records of about ${
          Math.round(this.#sampled)
        } bytes in ${this.#describe()})`,
      );
    }
  }

  /**
   * Counts `bytes` more of an explained answer, now `records` records long; throws a 413 once
   * the answer passes the limit, so that explaining stops there.
   */
  countExplained(bytes: number, records: number): void {
    this.#explainedBytes += bytes;
    const total = this.#fixedBytes() + this.#explainedBytes;
    if (total > this.#options.limitBytes) {
      throw this.#tooLarge(
        `more than ${total} bytes (${records} records explained in ${this.#describe()})`,
      );
    }
  }

  /** True when the answer of `records` records and `errors` surely fits: build it as before. */
  surelyFits(records: number, errors: ReadonlyMap<number, string>): boolean {
    let bytes = this.#fixedBytes() + records * this.#worst;
    // An error marker quotes its message: at most twice its length, plus the wrapping.
    for (const message of errors.values()) bytes += 2 * byteLength(message) + 32;
    return bytes <= this.#options.limitBytes;
  }

  /**
   * Encodes the answer of `sets` chunk by chunk, counting its bytes; throws a 413 as soon as it
   * passes the limit, so that the work stops there.
   */
  encodeWithin(sets: readonly PredictionSet[]): Uint8Array[] {
    const limit = this.#options.limitBytes;
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / this.#worst));
    const chunks: Uint8Array[] = [utf8.encode(this.#encoder.head)];
    let bytes = chunks[0].length;
    let records = 0;
    for (const set of sets) {
      for (let start = 0; start < set.labels.length; start += perChunk) {
        const end = Math.min(set.labels.length, start + perChunk);
        const chunk = utf8.encode(this.#encoder.records(set, start, end));
        bytes += chunk.length;
        records += end - start;
        if (bytes > limit) {
          throw this.#tooLarge(
            `more than ${bytes} bytes (${records} records encoded in ${this.#describe()})`,
          );
        }
        chunks.push(chunk);
      }
    }
    const tail = utf8.encode(this.#encoder.tail);
    if (bytes + tail.length > limit) throw this.#tooLarge(`${bytes + tail.length} bytes`);
    chunks.push(tail);
    return chunks;
  }
}
