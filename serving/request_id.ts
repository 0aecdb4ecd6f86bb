/**
 * The request id, one rule for nginx (`nginx.conf`) and for workers serving without it:
 * SageMaker's `X-Amzn-SageMaker-Inference-Id` first, then the caller's `X-Request-Id`, else a new
 * id. Behind nginx the worker reaches the same answer: nginx passes the inference id on and puts
 * its choice in `X-Request-Id`.
 *
 * @module
 */

/** The header SageMaker sets with its own id for an invocation. */
export const INFERENCE_ID_HEADER = "x-amzn-sagemaker-inference-id";

/** The header carrying the request id, in requests and in answers. */
export const REQUEST_ID_HEADER = "x-request-id";

/** The request id the headers name, by the rule above; undefined when they name none. */
export function givenRequestId(headers: Headers): string | undefined {
  return headers.get(INFERENCE_ID_HEADER) || headers.get(REQUEST_ID_HEADER) || undefined;
}

/** The request id of `request`: the one its headers name, else a new UUID. */
export function requestIdOf(request: Request): string {
  return givenRequestId(request.headers) ?? crypto.randomUUID();
}
