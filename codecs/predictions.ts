/**
 * What `/invocations` answers, before it is encoded: a label (and optionally one probability per
 * class, or an explanation) for every record, or an error marker for a record that could not be
 * read. Each response
 * codec (`csv_encoder.ts`, `json.ts`, `jsonlines.ts`) exports a {@linkcode PredictionEncoder} for it.
 *
 * @module
 */

/** The predictions for every record of one request, in request order. */
export interface PredictionSet {
  /** The model's class labels; `labels` index into it. */
  readonly classes: readonly string[];
  /** The predicted class index of every record. */
  readonly labels: Int32Array;
  /** With probabilities requested: `labels.length * classes.length` values, row-major. */
  readonly probabilities?: Float64Array;
  /**
   * With explanations requested: one per record, a JSON-ready object or the JSON text of its
   * fields without the outer braces (`"kind":"path",...`); the fields are written after the
   * label, and replace `probabilities`. Only the JSON and JSON Lines answers write them.
   */
  readonly explanations?: readonly (object | string)[];
  /** Records that could not be read, by 0-based record index in the whole answer, with the reason. */
  readonly errors?: ReadonlyMap<number, string>;
  /**
   * The index in the whole answer of this set's first record, when a large answer is kept as
   * several sets (slices); 0 by default. Error indices and separators count from it.
   */
  readonly first?: number;
}

/**
 * Encodes a {@linkcode PredictionSet} a slice of records at a time, so that a large answer can
 * be streamed: the body is `head + records(0, a) + records(a, b) + ... + tail`.
 */
export interface PredictionEncoder {
  /** The response `Content-Type`. */
  readonly contentType: string;
  /** Text before the first record. */
  readonly head: string;
  /** Text after the last record. */
  readonly tail: string;
  /**
   * The text of records `[start, end)` of `set` (indices into `set.labels`), including
   * separators (the answer's first record has none).
   */
  records(set: PredictionSet, start: number, end: number): string;
}

/** The text of the whole answer, for small answers. */
export function encodeAll(encoder: PredictionEncoder, set: PredictionSet): string {
  return encoder.head + encoder.records(set, 0, set.labels.length) + encoder.tail;
}
