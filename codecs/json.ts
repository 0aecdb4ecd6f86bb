/**
 * `application/json` requests and answers.
 *
 * A request is `{"instances": [record, ...]}` or a bare `[record, ...]`, where a record is a list
 * of numbers (`[5.1, 3.5, 1.4, 0.2]`) or `{"features": [...]}`. `null` is a missing value (NaN),
 * like an empty CSV field; a number too large for a double (`1e999`) is an error. The answer is
 * `{"predictions": [...]}`, one entry per record.
 *
 * @module
 */

import type { NumberTable } from "./table.ts";
import type { PredictionEncoder, PredictionSet } from "./predictions.ts";

/** A request that is not valid JSON or not a list of records; names the record when it can. */
export class JsonRecordError extends Error {
  /** The 1-based record number, or 0 when the whole body is wrong. */
  readonly record: number;

  /** Creates an error about `record` (0: the whole body) with the full message. */
  constructor(record: number, message: string) {
    super(message);
    this.name = "JsonRecordError";
    this.record = record;
  }
}

/** Options of {@linkcode parseJsonRecords}. */
export interface JsonReadOptions {
  /** Number of features each record must have. */
  readonly features: number;
  /**
   * `"throw"` (default) raises a {@linkcode JsonRecordError} for the first bad record; `"mark"`
   * keeps it as a row of NaN and records its message in `errors`.
   */
  readonly onBadRecord?: "throw" | "mark";
}

/** Decoded records: the feature table and, in `"mark"` mode, the bad records by index. */
export interface JsonRecords {
  /** One row per record. */
  readonly features: NumberTable;
  /** Records that could not be read, by 0-based index (only with `onBadRecord: "mark"`). */
  readonly errors: Map<number, string>;
}

/**
 * The hint of a record whose only field is a list, `[[5.1, 3.5]]` for `[5.1, 3.5]` (a numpy
 * array of one more dimension): the count alone would not say why only one field was found.
 */
export function countHint(count: number, features: number, loneFieldIsList: boolean): string {
  if (count === features + 1) {
    return " (one more than expected: the label column may have been left in)";
  }
  return count === 1 && loneFieldIsList
    ? " (its only field is a list: the record may be wrapped in one list too many)"
    : "";
}

/** A value as JSON text for an error message, cut at 40 characters. */
export function describeJsonValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

/**
 * Writes one record's values into `data` at `offset`; returns an error message or undefined.
 * `where` names the record in the message, for example `record 3` or `line 3`.
 */
export function readJsonRecord(
  record: unknown,
  data: Float64Array,
  options: { offset: number; features: number; where: string },
): string | undefined {
  const { offset, features, where } = options;
  let values = record;
  if (typeof record === "object" && record !== null && !Array.isArray(record)) {
    values = (record as Record<string, unknown>).features;
    if (values === undefined) {
      return `Cannot parse ${where}: expected a list of numbers or {"features": [...]}, found an object without "features"`;
    }
  }
  if (!Array.isArray(values)) {
    return `Cannot parse ${where}: expected a list of ${features} numbers, found ${
      describeJsonValue(values)
    }`;
  }
  if (values.length !== features) {
    const hint = countHint(values.length, features, Array.isArray(values[0]));
    return `Cannot parse ${where}: expected ${features} features, found ${values.length}${hint}`;
  }
  for (let i = 0; i < features; i++) {
    const value = values[i];
    if (typeof value === "number") {
      // JSON.parse turns a number too large for a double (`1e999`) into Infinity; refused like
      // a CSV `inf`, as scikit-learn does.
      if (value === Infinity || value === -Infinity) {
        return `Cannot parse ${where}, field ${i + 1}: the number is too large (not finite)`;
      }
      data[offset + i] = value;
    } else if (value === null) data[offset + i] = NaN;
    else {
      return `Cannot parse ${where}, field ${i + 1}: ${describeJsonValue(value)} is not a number`;
    }
  }
  return undefined;
}

/**
 * Parses an `application/json` body into a feature table.
 *
 * @example
 * ```ts
 * parseJsonRecords('{"instances": [[1, 2], [3, null]]}', { features: 2 }).features.rows; // 2
 * ```
 */
export function parseJsonRecords(text: string, options: JsonReadOptions): JsonRecords {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new JsonRecordError(0, `Cannot parse the JSON body: ${(error as Error).message}`);
  }
  let records = parsed;
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
    records = (parsed as Record<string, unknown>).instances;
  }
  if (!Array.isArray(records)) {
    throw new JsonRecordError(
      0,
      'Cannot read the JSON body: expected {"instances": [[...], ...]} or a list of records',
    );
  }
  const { features } = options;
  const data = new Float64Array(records.length * features);
  const errors = new Map<number, string>();
  for (let r = 0; r < records.length; r++) {
    const error = readJsonRecord(records[r], data, {
      offset: r * features,
      features,
      where: `record ${r + 1}`,
    });
    if (error === undefined) continue;
    if (options.onBadRecord !== "mark") throw new JsonRecordError(r + 1, error);
    data.fill(NaN, r * features, (r + 1) * features);
    errors.set(r, error);
  }
  return { features: { data, rows: records.length, columns: features }, errors };
}

/**
 * One prediction as JSON text: the label as a string, or with probabilities
 * `{"label": "setosa", "probabilities": {"setosa": 0.98, ...}}`, or with an explanation the label
 * then the explanation's fields `{"label": "setosa", "kind": "path", "path": [...], ...}`, or for
 * a record that could not be read `{"error": "..."}`. Shared by the JSON and JSON Lines answers.
 */
export function jsonPrediction(set: PredictionSet, index: number, quoted: string[]): string {
  const error = set.errors === undefined || set.errors.size === 0
    ? undefined
    : set.errors.get((set.first ?? 0) + index);
  if (error !== undefined) return `{"error":${JSON.stringify(error)}}`;
  const label = quoted[set.labels[index]];
  if (set.explanations !== undefined) {
    const explanation = set.explanations[index];
    if (typeof explanation === "string") {
      return explanation === "" ? `{"label":${label}}` : `{"label":${label},${explanation}}`;
    }
    const fields = JSON.stringify(explanation);
    return fields.length <= 2 ? `{"label":${label}}` : `{"label":${label},${fields.slice(1)}`;
  }
  const probabilities = set.probabilities;
  if (probabilities === undefined) return label;
  const width = quoted.length;
  let out = `{"label":${label},"probabilities":{`;
  for (let c = 0; c < width; c++) {
    const p = probabilities[index * width + c];
    out += (c === 0 ? "" : ",") + quoted[c] + ":" + (Number.isFinite(p) ? p : "null");
  }
  return out + "}}";
}

/** The class labels as JSON strings, for {@linkcode jsonPrediction}. */
export function quoteClasses(classes: readonly string[]): string[] {
  let quoted = quotedClasses.get(classes);
  if (quoted === undefined) {
    quoted = classes.map((label) => JSON.stringify(label));
    quotedClasses.set(classes, quoted);
  }
  return quoted;
}

/** Cache of {@linkcode quoteClasses}, per class list (a model's list never changes). */
const quotedClasses = new WeakMap<readonly string[], string[]>();

/**
 * The `application/json` answer: `{"predictions": [...]}` with one entry per record, in order
 * (see {@linkcode jsonPrediction} for an entry).
 */
export const JSON_PREDICTION_ENCODER: PredictionEncoder = {
  contentType: "application/json",
  head: '{"predictions":[',
  tail: "]}\n",
  records(set: PredictionSet, start: number, end: number): string {
    const quoted = quoteClasses(set.classes);
    const first = set.first ?? 0;
    let out = "";
    for (let i = start; i < end; i++) {
      out += (first + i === 0 ? "" : ",") + jsonPrediction(set, i, quoted);
    }
    return out;
  },
};
