/**
 * The access lines a worker writes when it serves without nginx: one per request, with the
 * fields of nginx's `sagemaker` log format, written once the last byte of the answer is sent.
 *
 * @module
 */

import { log } from "../log.ts";
import { givenRequestId, REQUEST_ID_HEADER } from "./request_id.ts";

/** The header SageMaker sets on multi-model invocations with the model it targets. */
export const TARGET_MODEL_HEADER = "x-amzn-sagemaker-target-model";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The `X-Amzn-SageMaker-Target-Model` of `headers` for log lines, undefined when absent. A header
 * value arrives as one character per byte, while SageMaker allows any printable Unicode in a
 * target model: such a value is decoded back to the text sent (kept as is when it is not UTF-8).
 */
export function targetModelOf(headers: Headers): string | undefined {
  const value = headers.get(TARGET_MODEL_HEADER);
  if (value === null || !/[\u0080-\u00ff]/.test(value)) return value ?? undefined;
  try {
    return utf8.decode(Uint8Array.from(value, (char) => char.charCodeAt(0)));
  } catch {
    return value;
  }
}

/** Answers a request whose path is already known. */
export type PathHandler = (request: Request, path: string) => Promise<Response>;

/**
 * `handler` with an access line per request; `/ping` lines only with `ping` (the health check
 * runs every few seconds).
 */
export function withAccessLog(handler: PathHandler, options: { ping: boolean }): PathHandler {
  return async function logged(request: Request, path: string): Promise<Response> {
    const begin = performance.now();
    const response = await handler(request, path);
    if (path === "/ping" && !options.ping) return response;
    return countBody(response, (bytesOut) => {
      log.access({
        method: request.method,
        path,
        status: response.status,
        bytesIn: Number(request.headers.get("content-length") ?? 0) || 0,
        bytesOut,
        durationSeconds: (performance.now() - begin) / 1000,
        requestId: response.headers.get(REQUEST_ID_HEADER) ?? givenRequestId(request.headers) ??
          "-",
        targetModel: targetModelOf(request.headers),
      });
    });
  };
}

/**
 * `response` with its body counted: `onDone` gets the number of body bytes once the last one
 * is handed to the connection (or the client went away).
 */
function countBody(response: Response, onDone: (bytes: number) => void): Response {
  const body = response.body;
  if (body === null) {
    onDone(0);
    return response;
  }
  const reader = body.getReader();
  let bytes = 0;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    onDone(bytes);
  };
  const counted = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await reader.read();
      if (chunk.done) {
        controller.close();
        finish();
        return;
      }
      bytes += chunk.value.byteLength;
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
  return new Response(counted, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
