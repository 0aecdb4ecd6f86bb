/**
 * HTTP errors with a status and a one-line message, and the one shape every error answer has:
 *
 * - JSON (when the answer type is `application/json` or `application/jsonlines`):
 *   `{"error": "Cannot parse line 3, field 2: \"x\" is not a number", "status": 400,
 *   "request_id": "..."}`;
 * - otherwise one line of `text/plain`: the message.
 *
 * Every error answer carries the request id in the {@linkcode REQUEST_ID_HEADER} header. nginx's
 * own error pages (413, 503, 504 in `nginx.conf`) follow the same shape.
 *
 * @module
 */

/** The response header carrying the request id. */
export const REQUEST_ID_HEADER = "x-request-id";

/** An error that the worker answers with `status` and `message`. */
export class HttpError extends Error {
  /** The HTTP status of the answer. */
  readonly status: number;

  /** Creates an error answered with `status`; `message` is one line naming the problem. */
  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
  }
}

/** Options of {@linkcode errorResponse}. */
export interface ErrorResponseOptions {
  /** Answer with the JSON shape instead of a text line. */
  json?: boolean;
  /** The request id, sent in the {@linkcode REQUEST_ID_HEADER} header and the JSON body. */
  requestId?: string;
  /** More headers. */
  headers?: HeadersInit;
}

/** Builds the error response: `{"error": ..., "status": ...}` for JSON, else one text line. */
export function errorResponse(
  status: number,
  message: string,
  options: ErrorResponseOptions = {},
): Response {
  const headers = new Headers(options.headers);
  if (options.requestId !== undefined) headers.set(REQUEST_ID_HEADER, options.requestId);
  const line = message.replaceAll(/[\r\n]+/g, " ");
  if (options.json) {
    headers.set("content-type", "application/json");
    const body: Record<string, string | number> = { error: line, status };
    if (options.requestId !== undefined) body.request_id = options.requestId;
    return new Response(JSON.stringify(body) + "\n", { status, headers });
  }
  headers.set("content-type", "text/plain; charset=utf-8");
  return new Response(line + "\n", { status, headers });
}
