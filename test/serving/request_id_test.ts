import assert from "node:assert/strict";
import { givenRequestId, requestIdOf } from "../../serving/request_id.ts";

Deno.test("requestIdOf() takes SageMaker's inference id first, then X-Request-Id, else a new UUID", () => {
  const both = new Headers({
    "x-amzn-sagemaker-inference-id": "sagemaker",
    "x-request-id": "caller",
  });
  assert.equal(givenRequestId(both), "sagemaker");
  assert.equal(givenRequestId(new Headers({ "x-request-id": "caller" })), "caller");
  assert.equal(givenRequestId(new Headers()), undefined);
  assert.equal(requestIdOf(new Request("http://worker/", { headers: both })), "sagemaker");
  assert.match(requestIdOf(new Request("http://worker/")), /^[0-9a-f-]{36}$/);
});
