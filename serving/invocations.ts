/**
 * `POST /invocations`: negotiate the types, decode the records, predict, encode the answer.
 *
 * CSV, JSON and JSON Lines bodies are parsed chunk by chunk as they arrive and predicted a slice of
 * {@linkcode SLICE_ROWS} records at a time, so a 100 MB batch never exists as one feature matrix;
 * only the predicted class indices (4 bytes a record) are kept, and a large answer is streamed.
 * A one-record request takes the short path: one read, one parse, one predict, one string.
 *
 * @module
 */

import type { Matrix, Model } from "../algorithm/mod.ts";
import { CSV_PREDICTION_ENCODER } from "../codecs/csv_encoder.ts";
import { CsvError, CsvTableReader } from "../codecs/csv_reader.ts";
import { JSON_PREDICTION_ENCODER, JsonRecordError } from "../codecs/json.ts";
import { JsonTableReader } from "../codecs/json_reader.ts";
import { JSONLINES_PREDICTION_ENCODER, JsonLinesReader } from "../codecs/jsonlines.ts";
import {
  chooseResponseType,
  MEDIA_TYPES,
  type MediaType,
  parseMediaRange,
  requestMediaType,
} from "../codecs/negotiate.ts";
import { encodeAll, type PredictionEncoder, type PredictionSet } from "../codecs/predictions.ts";
import { REALTIME_RESPONSE_BYTES } from "../sagemaker/platform_limits.ts";
import type { BadRecordMode } from "../sagemaker/serving_config.ts";
import { bodyChunks, type BodyOptions, readBody } from "./body.ts";
import type { InvocationAttributes } from "./custom_attributes.ts";
import { AnswerLimit } from "./answer_limit.ts";
import {
  EXPLAINED_TYPES,
  ExplainedAnswer,
  explanationNotAcceptable,
  explanationOf,
  sampleExplainer,
} from "./explained_answer.ts";
import { HttpError, notAcceptable } from "./errors.ts";

/** Records predicted at a time while a large body streams in. */
export const SLICE_ROWS = 16_384;

/** Bodies up to this size are read whole; larger ones are parsed while they arrive. */
const WHOLE_BODY_BYTES = 256 * 1024;

/**
 * The values of whole small CSV bodies are read into this one buffer: parsing and predicting a
 * whole body is synchronous, so no two requests use it at the same time, and the answer keeps
 * only the predicted labels. It saves a typed-array allocation (about 0.5 µs) per request.
 */
const SMALL_BODY_VALUES = new Float64Array(4096);

/** Answer headers when the caller adds none, built once per type. */
const PLAIN_HEADERS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "text/csv": { "content-type": "text/csv" },
  "application/json": { "content-type": "application/json" },
  "application/jsonlines": { "content-type": "application/jsonlines" },
};

/** The answer limit when the context sets none: what SageMaker passes back in real time. */
const DEFAULT_RESPONSE_LIMIT_BYTES = REALTIME_RESPONSE_BYTES;

/** Answers with up to this many records are built as one string; larger ones are streamed. */
const STRING_ANSWER_RECORDS = 4096;

const ENCODERS: Readonly<Record<MediaType, PredictionEncoder>> = {
  "text/csv": CSV_PREDICTION_ENCODER,
  "application/json": JSON_PREDICTION_ENCODER,
  "application/jsonlines": JSONLINES_PREDICTION_ENCODER,
};

/** What an invocation needs besides the request. */
export interface InvocationContext {
  /** The model to predict with. */
  readonly model: Model;
  /** The model's algorithm name, for messages about explanations (`ml-cart`). */
  readonly algorithm?: string;
  /** Largest accepted body in bytes. */
  readonly bodyLimitBytes: number;
  /** Largest answer in bytes (`MODEL_SERVER_MAX_RESPONSE_MB`); 6 MiB unless set. */
  readonly responseLimitBytes?: number;
  /** `MODEL_SERVER_TIMEOUT`: past it, the worker answers 504 at the next slice. */
  readonly timeoutSeconds?: number;
  /** `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`. */
  readonly defaultAccept?: MediaType;
  /** Default handling of unreadable records; `fail` unless set. */
  readonly badRecords?: BadRecordMode;
  /** `SAGEMAKER_DEFAULT_PROBABILITIES`: answer probabilities unless `probabilities=false`. */
  readonly defaultProbabilities?: boolean;
}

/** Per-request options of {@linkcode handleInvocation}. */
export interface InvocationOptions {
  /** What the custom attributes asked for. */
  readonly attributes?: InvocationAttributes;
  /** `Date.now()` when the request arrived; the timeout counts from it. */
  readonly startedAt?: number;
  /** Headers to add to the answer (request id, echoed custom attributes). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The media type of a `Content-Type` header, lower-cased, without parameters. */
export function mediaType(header: string | null): string {
  if (header === null) return "";
  const semicolon = header.indexOf(";");
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/**
 * Gathers predictions slice by slice, checking the deadline after each. The slices are kept
 * as they are (no growing array copied over and over): a 100 MB batch costs its labels once.
 */
class PredictionCollector {
  #model: Model;
  #probabilities: boolean;
  #limit: AnswerLimit;
  #deadline: number;
  #timeoutSeconds: number;
  #slices: { labels: Int32Array; probabilities?: Float64Array }[] = [];
  #rows = 0;
  /** With explanations asked for, the answer, encoded while the records are explained. */
  readonly explained: ExplainedAnswer | undefined;

  constructor(
    model: Model,
    options: {
      probabilities: boolean;
      limit: AnswerLimit;
      deadline: number;
      timeoutSeconds: number;
      explained?: ExplainedAnswer;
    },
  ) {
    this.#model = model;
    this.#probabilities = options.probabilities;
    this.#limit = options.limit;
    this.#deadline = options.deadline;
    this.#timeoutSeconds = options.timeoutSeconds;
    this.explained = options.explained;
  }

  /** The reader's map of unreadable records, which an explained answer must know as it goes. */
  watchErrors(errors: ReadonlyMap<number, string>): void {
    if (this.explained !== undefined) this.explained.errors = errors;
  }

  get rows(): number {
    return this.#rows;
  }

  /** Throws a 504 {@linkcode HttpError} once the deadline has passed. */
  checkDeadline(): void {
    if (Date.now() > this.#deadline) {
      throw new HttpError(
        504,
        `The request took longer than MODEL_SERVER_TIMEOUT=${this.#timeoutSeconds} s`,
      );
    }
  }

  /**
   * Predicts `table`. `expectedRows`, when given, is the number of records the whole body likely
   * holds (from its `Content-Length`): an explained answer of that many records that would pass
   * the limit is refused before the work, not only once the explanations pass it.
   */
  add(table: Matrix, expectedRows = 0): void {
    // Before any prediction: an answer that would be too large is refused here.
    this.#limit.checkEstimate(Math.max(this.#rows + table.rows, expectedRows), table);
    if (table.rows > SLICE_ROWS) {
      const { data, columns } = table;
      for (let row = 0; row < table.rows; row += SLICE_ROWS) {
        const rows = Math.min(SLICE_ROWS, table.rows - row);
        this.add({ data: data.subarray(row * columns, (row + rows) * columns), rows, columns });
      }
      return;
    }
    if (table.rows === 0) return;
    const labels = this.#model.predict(table);
    if (this.explained !== undefined) {
      this.explained.add(table, labels, {
        first: this.#rows,
        checkDeadline: () => this.checkDeadline(),
      });
      this.#rows += table.rows;
      return;
    }
    const probabilities = this.#probabilities ? this.#model.predictProba(table) : undefined;
    this.#slices.push({ labels, probabilities });
    this.#rows += table.rows;
    this.checkDeadline();
  }

  /** One prediction set per slice, in order. */
  result(errors: ReadonlyMap<number, string>): PredictionSet[] {
    const classes = this.#model.classes;
    let first = 0;
    return this.#slices.map(({ labels, probabilities }) => {
      const set = { classes, labels, probabilities, errors, first };
      first += labels.length;
      return set;
    });
  }
}

/**
 * The number of values to size a reader's buffer for a whole body: the body's length over its
 * first line's, with an eighth to spare (the buffer grows if the lines get shorter). Counting
 * every newline instead costs one `indexOf` call a line, 7 ms for 200,000 records.
 */
function estimateValues(bytes: Uint8Array, features: number): number {
  const newline = bytes.indexOf(0x0a);
  const lineBytes = newline === -1 ? bytes.length : newline + 1;
  return (Math.ceil((bytes.length / Math.max(1, lineBytes)) * 1.125) + 1) * features;
}

/**
 * The parameters of a `Content-Type` header; the usual header has none, and takes no parsing.
 */
function contentTypeParams(contentType: string): Readonly<Record<string, string>> {
  return contentType.includes(";") ? parseMediaRange(contentType).params : NO_PARAMS;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Charsets in which the digits, commas and brackets of a body are not their ASCII bytes. Any
 * other charset is read as UTF-8: for numbers, every ASCII-based charset is the same.
 */
const UNREADABLE_CHARSET = /^(utf-?16|utf-?32|ucs-?2|ucs-?4|utf-?7)/;

/** Throws a 415 {@linkcode HttpError} when a `Content-Type`'s charset is one we cannot read. */
function checkCharset(charset: string | undefined): void {
  const name = charset?.toLowerCase();
  if (name !== undefined && UNREADABLE_CHARSET.test(name)) {
    throw new HttpError(
      415,
      `Unsupported charset ${JSON.stringify(name)} in Content-Type: send UTF-8 (or ASCII)`,
    );
  }
}

/** Turns a codec error into a 400; anything else is rethrown. */
function badRequest(error: unknown): never {
  if (error instanceof CsvError || error instanceof JsonRecordError) {
    throw new HttpError(400, error.message);
  }
  throw error;
}

async function readCsvOrJsonLines(
  request: Request,
  type: "text/csv" | "application/jsonlines",
  context: InvocationContext,
  options: {
    collector: PredictionCollector;
    mark: boolean;
    body: BodyOptions;
    /** Whether the body's first line is a header row to skip (CSV only). */
    header: boolean;
  },
): Promise<ReadonlyMap<number, string>> {
  const { collector, mark, header } = options;
  const features = context.model.featureCount;
  const onBadRecord = mark ? "mark" : "throw";
  const declared = Number(request.headers.get("content-length") ?? NaN);
  try {
    let reader: CsvTableReader | JsonLinesReader;
    if (declared <= WHOLE_BODY_BYTES) {
      const body = await readBody(request, context.bodyLimitBytes, options.body);
      reader = type === "text/csv"
        ? new CsvTableReader(
          { features, onBadRecord, header, buffer: SMALL_BODY_VALUES },
          estimateValues(body, features),
        )
        : new JsonLinesReader({ features, onBadRecord });
      collector.watchErrors(reader.errors);
      reader.push(body);
    } else {
      reader = type === "text/csv"
        ? new CsvTableReader({ features, onBadRecord, header }, SLICE_ROWS * 2 * features)
        : new JsonLinesReader({ features, onBadRecord });
      collector.watchErrors(reader.errors);
      let received = 0;
      for await (const chunk of bodyChunks(request, context.bodyLimitBytes, options.body)) {
        reader.push(chunk);
        received += chunk.length;
        if (reader.rows >= SLICE_ROWS) {
          collector.add(
            reader.drain(),
            projectedRecords(collector, reader.rows, declared, received),
          );
        } // A body that yields no records (one endless line) still ends at the deadline.
        else collector.checkDeadline();
      }
    }
    if (reader instanceof CsvTableReader) {
      const table = reader.finish();
      collector.add(table.features);
      return table.errors;
    }
    collector.add(reader.finish());
    return reader.errors;
  } catch (error) {
    return badRequest(error);
  }
}

/**
 * The records a streamed body will hold in all, projected from the share of it received so far,
 * for an explained answer's size check (0 when not explaining or the length is unknown).
 */
function projectedRecords(
  collector: PredictionCollector,
  pending: number,
  declared: number,
  received: number,
): number {
  if (collector.explained === undefined || !Number.isFinite(declared)) return 0;
  return Math.round((declared / received) * (collector.rows + pending));
}

async function readJson(
  request: Request,
  context: InvocationContext,
  options: { collector: PredictionCollector; mark: boolean; body: BodyOptions },
): Promise<ReadonlyMap<number, string>> {
  const { collector, mark } = options;
  const declared = Number(request.headers.get("content-length") ?? NaN);
  const reader = new JsonTableReader({
    features: context.model.featureCount,
    onBadRecord: mark ? "mark" : "throw",
    buffer: declared <= WHOLE_BODY_BYTES ? SMALL_BODY_VALUES : undefined,
  });
  collector.watchErrors(reader.errors);
  // An empty body is named as such, not as the parser's "Unexpected end of JSON input".
  let blank = true;
  try {
    if (declared <= WHOLE_BODY_BYTES) {
      const body = await readBody(request, context.bodyLimitBytes, options.body);
      blank = isBlank(body);
      reader.push(body);
    } else {
      let received = 0;
      for await (const chunk of bodyChunks(request, context.bodyLimitBytes, options.body)) {
        blank &&= isBlank(chunk);
        reader.push(chunk);
        received += chunk.length;
        if (reader.rows >= SLICE_ROWS) {
          collector.add(
            reader.drain(),
            projectedRecords(collector, reader.rows, declared, received),
          );
        } else collector.checkDeadline();
      }
    }
    collector.add(reader.finish());
  } catch (error) {
    if (blank && error instanceof JsonRecordError) {
      throw new HttpError(
        400,
        'Empty request body: expected {"instances": [[...], ...]} or a list of records',
      );
    }
    return badRequest(error);
  }
  return reader.errors;
}

/** True when `bytes` hold nothing but JSON whitespace; it stops at the first other byte. */
function isBlank(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return false;
  }
  return true;
}

function streamAnswer(
  encoder: PredictionEncoder,
  sets: readonly PredictionSet[],
): ReadableStream<Uint8Array> {
  // Text, then TextEncoder, although writing the labels straight into bytes is slightly faster:
  // the strings are V8 heap allocations that trigger the collections which free the body and
  // answer buffers, keeping a worker's peak RSS on a 100 MB batch about 27 MiB lower.
  const textEncoder = new TextEncoder();
  let index = 0;
  let started = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      let text = started ? "" : encoder.head;
      started = true;
      const set = sets[index++];
      text += encoder.records(set, 0, set.labels.length);
      if (index === sets.length) text += encoder.tail;
      controller.enqueue(textEncoder.encode(text));
      if (index === sets.length) controller.close();
    },
  }, { highWaterMark: 1 });
}

/** Streams chunks that are already encoded. */
function chunkStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(chunks[index]);
      // Each chunk is let go once sent.
      chunks[index++] = new Uint8Array(0);
      if (index === chunks.length) controller.close();
    },
  }, { highWaterMark: 1 });
}

/** Answers one `/invocations` request; throws {@linkcode HttpError} for a bad request. */
export async function handleInvocation(
  request: Request,
  context: InvocationContext,
  options: InvocationOptions = {},
): Promise<Response> {
  const contentType = request.headers.get("content-type");
  const requestType = requestMediaType(contentType);
  if (requestType === undefined) {
    const type = mediaType(contentType);
    throw new HttpError(
      415,
      `${type === "" ? "No Content-Type" : `Unsupported content type ${JSON.stringify(type)}`}: ` +
        `supported are ${MEDIA_TYPES.join(", ")}`,
    );
  }
  const params = contentTypeParams(contentType!);
  checkCharset(params.charset);
  const attributes = options.attributes ?? {};
  const { model, algorithm } = context;
  const explain = explanationOf(model, { kind: attributes.explain, algorithm });
  const accept = request.headers.get("accept");
  const choice = chooseResponseType(accept, {
    requestType,
    defaultAccept: context.defaultAccept,
    types: explain === undefined ? undefined : EXPLAINED_TYPES,
  });
  if (choice === undefined) {
    throw explain === undefined ? notAcceptable(accept) : explanationNotAcceptable(accept, explain);
  }
  const timeoutSeconds = context.timeoutSeconds ?? 60;
  const mark = (attributes.badRecords ?? context.badRecords ?? "fail") === "mark";
  const deadline = (options.startedAt ?? Date.now()) + timeoutSeconds * 1000;
  const encoder = ENCODERS[choice.type];
  const probabilities = choice.verbose ||
    (attributes.probabilities ?? context.defaultProbabilities ?? false);
  const limit = new AnswerLimit(encoder, context.model, {
    limitBytes: context.responseLimitBytes ?? DEFAULT_RESPONSE_LIMIT_BYTES,
    probabilities,
    explanation: explain === undefined ? undefined : sampleExplainer(context.model, explain),
  });
  const collector = new PredictionCollector(context.model, {
    probabilities,
    limit,
    deadline,
    timeoutSeconds,
    explained: explain === undefined
      ? undefined
      : new ExplainedAnswer(context.model, { request: explain, encoder, limit }),
  });
  const body: BodyOptions = { deadline, timeoutSeconds };

  let errors: ReadonlyMap<number, string>;
  if (requestType === "application/json") {
    errors = await readJson(request, context, { collector, mark, body });
  } else {
    errors = await readCsvOrJsonLines(request, requestType, context, {
      collector,
      mark,
      body,
      // `header=present` (RFC 4180): the first line names the columns, as in training.
      header: requestType === "text/csv" && params.header?.toLowerCase() === "present",
    });
  }
  if (collector.rows === 0) {
    throw new HttpError(
      400,
      requestType === "application/json"
        ? "Empty request: expected at least one record in instances"
        : "Empty request body: expected at least one record, one a line",
    );
  }

  const headers = options.headers === undefined
    ? PLAIN_HEADERS[encoder.contentType] ?? { "content-type": encoder.contentType }
    : { ...options.headers, "content-type": encoder.contentType };
  if (collector.explained !== undefined) {
    return new Response(collector.explained.body(), { headers });
  }
  const sets = collector.result(errors);
  if (!limit.surelyFits(collector.rows, errors)) {
    return new Response(chunkStream(limit.encodeWithin(sets)), { headers });
  }
  if (sets.length === 1 && collector.rows <= STRING_ANSWER_RECORDS) {
    return new Response(encodeAll(encoder, sets[0]), { headers });
  }
  return new Response(streamAnswer(encoder, sets), { headers });
}
