/**
 * HTTP errors with a status and a one-line message, and the one shape every error answer has:
 *
 * - JSON (when the answer type is `application/json` or `application/jsonlines`):
 *   `{"error": "Cannot parse line 3, field 2: \"x\" is not a number", "status": 400,
 *   "request_id": "..."}`;
 * - otherwise one line of `text/plain`: the message, then ` (request id ...)`.
 *
 * Every error answer carries the request id in the `X-Request-Id` header too. nginx's own error
 * pages (400, 413, 414, 503, 504 in `nginx.conf`) follow the same shape.
 *
 * @module
 */

import {
  chooseResponseType,
  invalidQValueMessage,
  MEDIA_TYPES,
  type MediaType,
  requestMediaType,
} from "../codecs/negotiate.ts";
import { REQUEST_ID_HEADER } from "./request_id.ts";

/** Options of {@linkcode HttpError}. */
export interface HttpErrorOptions {
  /** Headers the answer must carry, such as `Allow` on a 405. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** An error that the worker answers with `status` and `message`. */
export class HttpError extends Error {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** Headers the answer must carry besides the error shape's own. */
  readonly headers: Readonly<Record<string, string>> | undefined;

  /** Creates an error answered with `status`; `message` is one line naming the problem. */
  constructor(status: number, message: string, options: HttpErrorOptions = {}) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.headers = options.headers;
  }
}

/**
 * The error for an `Accept` that {@linkcode chooseResponseType} found no answer type in: a 400
 * naming an invalid `q`, else a 406 naming the types we can produce.
 */
export function notAcceptable(accept: string | null): HttpError {
  const invalid = invalidQValueMessage(accept);
  if (invalid !== undefined) return new HttpError(400, invalid);
  return new HttpError(
    406,
    `Cannot answer with Accept ${JSON.stringify(accept)}: available are ${
      MEDIA_TYPES.join(", ")
    } (add ; verbose=true for class probabilities)`,
  );
}

/** Options of {@linkcode wantsJsonErrors}. */
export interface ErrorTypeOptions {
  /** `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`, taken when the request has no `Accept`. */
  readonly defaultAccept?: MediaType;
  /** The only types its answer may take (an explained invocation: the JSON types). */
  readonly types?: readonly MediaType[];
}

/**
 * True when an error answer to `request` is JSON: when the answer type negotiated from its
 * `Accept` (else `defaultAccept`, else its own `Content-Type`, else CSV), among `types` when
 * given, is a JSON type. The same rule as for a successful answer, so a client reads its errors
 * in the format it asked for.
 */
export function wantsJsonErrors(request: Request, options: ErrorTypeOptions = {}): boolean {
  const choice = chooseResponseType(request.headers.get("accept"), {
    requestType: requestMediaType(request.headers.get("content-type")) ?? "text/csv",
    defaultAccept: options.defaultAccept,
    types: options.types,
  });
  return choice !== undefined && choice.type !== "text/csv";
}

/** Options of {@linkcode errorResponse}. */
export interface ErrorResponseOptions {
  /** Answer with the JSON shape instead of a text line. */
  readonly json?: boolean;
  /** The request id, sent in the `X-Request-Id` header and named in the body. */
  readonly requestId?: string;
  /** More headers. */
  readonly headers?: HeadersInit;
}

/**
 * Builds the error response: `{"error": ..., "status": ..., "request_id": ...}` for JSON, else
 * one text line ending in ` (request id ...)`.
 */
export function errorResponse(
  status: number,
  message: string,
  options: ErrorResponseOptions = {},
): Response {
  const headers = new Headers(options.headers);
  const requestId = options.requestId;
  if (requestId !== undefined) headers.set(REQUEST_ID_HEADER, requestId);
  const line = message.replaceAll(/[\r\n]+/g, " ");
  if (options.json) {
    headers.set("content-type", "application/json");
    const body: Record<string, string | number> = { error: line, status };
    if (requestId !== undefined) body.request_id = requestId;
    return new Response(JSON.stringify(body) + "\n", { status, headers });
  }
  headers.set("content-type", "text/plain; charset=utf-8");
  const named = requestId === undefined ? line : `${line} (request id ${requestId})`;
  return new Response(named + "\n", { status, headers });
}
