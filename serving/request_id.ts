/**
 * The request id, one rule for nginx (`nginx.conf`) and for workers serving without it:
 * SageMaker's `X-Amzn-SageMaker-Inference-Id` first, then the caller's `X-Request-Id`, else a new
 * id. Behind nginx the worker reaches the same answer: nginx passes the inference id on and puts
 * its choice in `X-Request-Id`.
 *
 * A given id is used only when it matches {@linkcode REQUEST_ID_PATTERN} (1 to 128 letters,
 * digits, `.`, `_`, `:` or `-`); any other value is ignored as if absent. The id is written into
 * JSON bodies, text lines, headers and log lines, so it must never carry a quote, a space or a
 * line break that could change what those mean. nginx applies the same pattern in a `map`.
 *
 * @module
 */

/** The header SageMaker sets with its own id for an invocation. */
export const INFERENCE_ID_HEADER = "x-amzn-sagemaker-inference-id";

/** The header carrying the request id, in requests and in answers. */
export const REQUEST_ID_HEADER = "x-request-id";

/** What a given request id must look like to be used; the same pattern as in `nginx.conf`. */
export const REQUEST_ID_PATTERN: RegExp = /^[A-Za-z0-9._:-]{1,128}$/;

function usable(id: string | null): string | undefined {
  return id !== null && REQUEST_ID_PATTERN.test(id) ? id : undefined;
}

/** The request id the headers name, by the rule above; undefined when they name no usable one. */
export function givenRequestId(headers: Headers): string | undefined {
  return usable(headers.get(INFERENCE_ID_HEADER)) ?? usable(headers.get(REQUEST_ID_HEADER));
}

/** The request id of `request`: the one its headers name, else a new UUID. */
export function requestIdOf(request: Request): string {
  return givenRequestId(request.headers) ?? crypto.randomUUID();
}
