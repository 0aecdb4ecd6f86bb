/**
 * HTTP errors with a status and a one-line message, and the response every error gets.
 *
 * @module
 */

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

/** Builds the error response: `{"error": ..., "status": ...}` for JSON, else one text line. */
export function errorResponse(
  status: number,
  message: string,
  options: { json?: boolean; headers?: HeadersInit } = {},
): Response {
  const headers = new Headers(options.headers);
  if (options.json) {
    headers.set("content-type", "application/json");
    return new Response(JSON.stringify({ error: message, status }) + "\n", { status, headers });
  }
  headers.set("content-type", "text/plain; charset=utf-8");
  return new Response(message + "\n", { status, headers });
}
