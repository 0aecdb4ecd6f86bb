import assert from "node:assert/strict";
import { batchLimits } from "../../sagemaker/platform_limits.ts";

Deno.test("batchLimits() keeps MaxPayloadInMB and the product with the concurrency within 100", () => {
  assert.deepEqual(batchLimits(6, 2), { maxPayloadMB: 6, maxConcurrentTransforms: 2 });
  assert.deepEqual(batchLimits(30, 8), { maxPayloadMB: 30, maxConcurrentTransforms: 3 });
  assert.deepEqual(batchLimits(500, 4), { maxPayloadMB: 100, maxConcurrentTransforms: 1 });
});
