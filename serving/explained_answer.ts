/**
 * Explained answers of `/invocations` (custom attribute `explain=path|shap`): each prediction
 * carries its explanation. Explanations are objects many times the size of their label, so they
 * are encoded as soon as they are made, a few hundred records at a time, and counted against
 * the answer limit as they grow: a batch whose answer would pass the limit stops with a 413 at
 * that point, and a worker never holds more explanation objects than one batch.
 *
 * @module
 */

import { explainRecords, explainRecordsJson, type Matrix, type Model } from "../algorithm/mod.ts";
import type { MediaType } from "../codecs/negotiate.ts";
import type { PredictionEncoder } from "../codecs/predictions.ts";
import type { AnswerLimit, SampleExplainer } from "./answer_limit.ts";
import { HttpError, notAcceptable } from "./errors.ts";

/** Records explained and encoded at a time. */
const EXPLAIN_ROWS = 256;

/** Answers up to this size are sent as one buffer; larger ones are streamed chunk by chunk. */
const ONE_BUFFER_BYTES = 1024 * 1024;

/** What an explained invocation asks for. */
export interface ExplainRequest {
  /** The kind, as the custom attribute wrote it (lower-cased): `path`, `shap`. */
  readonly kind: string;
  /** The model's algorithm name, for messages (`ml-cart supports no explanations`). */
  readonly algorithm: string;
}

/** The answer types that can carry explanations: CSV has no place for them. */
export const EXPLAINED_TYPES: readonly MediaType[] = ["application/json", "application/jsonlines"];

/** What a request asks to explain: custom attribute `explain=<kind>`, the model's algorithm. */
export interface ExplainAsked {
  /** The kind asked for; none when `undefined`. */
  readonly kind?: string;
  /** The model's algorithm name, for messages; `this model` when unknown. */
  readonly algorithm?: string;
}

/**
 * The explanation a request asks for, or `undefined` when none; checked before the body is read
 * against what `model` gives (else the 400 of `explainRecords`, naming what it supports).
 */
export function explanationOf(model: Model, asked: ExplainAsked): ExplainRequest | undefined {
  if (asked.kind === undefined) return undefined;
  const request = { kind: asked.kind, algorithm: asked.algorithm ?? "this model" };
  // No records: only the kind is checked, with the messages the algorithm layer gives.
  explainRecords(model, { data: new Float64Array(0), rows: 0, columns: model.featureCount }, {
    kind: request.kind,
    algorithm: request.algorithm,
  });
  return request;
}

/**
 * The error for an `Accept` that allows none of {@linkcode EXPLAINED_TYPES}: a 406 naming them,
 * or the 400 of {@linkcode notAcceptable} when a `q` is invalid.
 */
export function explanationNotAcceptable(
  accept: string | null,
  request: ExplainRequest,
): HttpError {
  const error = notAcceptable(accept);
  if (error.status !== 406) return error;
  return new HttpError(
    406,
    `explain=${request.kind} needs a JSON or JSON Lines answer ` +
      `(Accept: ${EXPLAINED_TYPES.join(" or ")}), and Accept ${
        JSON.stringify(accept)
      } allows neither`,
  );
}

/** The explainer the answer limit samples to estimate an explained answer's size. */
export function sampleExplainer(model: Model, request: ExplainRequest): SampleExplainer {
  return {
    kind: request.kind,
    explain: (features) => explainRecords(model, features, request),
  };
}

/** Options of {@linkcode ExplainedAnswer}. */
export interface ExplainedAnswerOptions {
  /** The explanation asked for. */
  readonly request: ExplainRequest;
  /** The answer's encoder (JSON or JSON Lines). */
  readonly encoder: PredictionEncoder;
  /** The answer limit the encoded bytes count against. */
  readonly limit: AnswerLimit;
}

const utf8 = new TextEncoder();

/** An explained answer, encoded while the records are explained. */
export class ExplainedAnswer {
  #model: Model;
  #options: ExplainedAnswerOptions;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  /**
   * The records that could not be read, by index in the whole answer: they get their error
   * marker instead of an explanation. The reader's own map, filled before a record is explained.
   */
  errors: ReadonlyMap<number, string> = new Map();

  /** Prepares an answer of `model`'s explained predictions. */
  constructor(model: Model, options: ExplainedAnswerOptions) {
    this.#model = model;
    this.#options = options;
  }

  /**
   * Explains and encodes the records of `table`, predicted as `labels`, the first being record
   * `first` of the answer; calls `checkDeadline` after each batch. Throws a 413 once the answer
   * passes the limit.
   */
  add(table: Matrix, labels: Int32Array, options: { first: number; checkDeadline(): void }): void {
    const { data, columns } = table;
    const { encoder, limit, request } = this.#options;
    for (let start = 0; start < table.rows; start += EXPLAIN_ROWS) {
      const rows = Math.min(EXPLAIN_ROWS, table.rows - start);
      const batch = {
        data: data.subarray(start * columns, (start + rows) * columns),
        rows,
        columns,
      };
      const text = encoder.records(
        {
          classes: this.#model.classes,
          labels: labels.subarray(start, start + rows),
          explanations: explainRecordsJson(this.#model, batch, request),
          errors: this.errors,
          first: options.first + start,
        },
        0,
        rows,
      );
      const chunk = utf8.encode(text);
      this.#bytes += chunk.length;
      limit.countExplained(chunk.length, options.first + start + rows);
      this.#chunks.push(chunk);
      options.checkDeadline();
    }
  }

  /** The answer's body: one buffer when small, else a stream that lets each chunk go once sent. */
  body(): BodyInit {
    const { encoder } = this.#options;
    const chunks = [utf8.encode(encoder.head), ...this.#chunks, utf8.encode(encoder.tail)];
    this.#chunks = [];
    if (this.#bytes <= ONE_BUFFER_BYTES) {
      const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
      let offset = 0;
      for (const chunk of chunks) {
        out.set(chunk, offset);
        offset += chunk.length;
      }
      return out;
    }
    let index = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(chunks[index]);
        chunks[index++] = new Uint8Array(0);
        if (index === chunks.length) controller.close();
      },
    }, { highWaterMark: 1 });
  }
}
