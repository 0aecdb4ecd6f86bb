import assert from "node:assert/strict";
import { ConfigError, readServingConfig } from "../../sagemaker/serving_config.ts";
import { executionParameters } from "../../serving/execution_parameters.ts";

function parametersFor(env: Record<string, string>, cpus = 2) {
  return executionParameters(readServingConfig(env, cpus).batchLimits);
}

Deno.test("executionParameters() announces one transform per worker and 6 MB by default", () => {
  assert.deepEqual(parametersFor({ MODEL_SERVER_WORKERS: "3" }), {
    MaxConcurrentTransforms: 3,
    BatchStrategy: "MULTI_RECORD",
    MaxPayloadInMB: 6,
  });
});

Deno.test("executionParameters() honours SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", () => {
  assert.equal(
    parametersFor({ SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: "5" }).MaxConcurrentTransforms,
    5,
  );
});

Deno.test("executionParameters() keeps MaxPayloadInMB at most 100 and the product at most 100", () => {
  const big = parametersFor({ MODEL_SERVER_WORKERS: "8", SAGEMAKER_MAX_PAYLOAD_IN_MB: "100" });
  assert.deepEqual([big.MaxConcurrentTransforms, big.MaxPayloadInMB], [1, 100]);
  const over = parametersFor({ SAGEMAKER_MAX_PAYLOAD_IN_MB: "500" });
  assert.equal(over.MaxPayloadInMB, 100);
  for (const mb of [1, 7, 30, 51, 99]) {
    const p = parametersFor({
      MODEL_SERVER_WORKERS: "64",
      SAGEMAKER_MAX_PAYLOAD_IN_MB: String(mb),
    });
    assert.ok(
      p.MaxConcurrentTransforms * p.MaxPayloadInMB <= 100,
      `${mb} MB: ${JSON.stringify(p)}`,
    );
    assert.equal(p.MaxConcurrentTransforms, Math.min(64, Math.floor(100 / mb)));
  }
});

Deno.test("readServingConfig() sets the body limit from MaxPayloadInMB in batch mode", () => {
  const config = readServingConfig(
    { SAGEMAKER_BATCH: "true", SAGEMAKER_MAX_PAYLOAD_IN_MB: "100" },
    2,
  );
  assert.equal(config.bodyLimitBytes, 100 * 1024 * 1024);
  assert.equal(readServingConfig({}, 2).bodyLimitBytes, 6 * 1024 * 1024);
});

Deno.test("readServingConfig() refuses an unknown default Accept or bad-record mode", () => {
  assert.throws(
    () => readServingConfig({ SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "text/html" }, 2),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message ===
        'Invalid SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT="text/html": expected one of text/csv, application/json, application/jsonlines',
  );
  assert.throws(
    () => readServingConfig({ MODEL_SERVER_BAD_RECORDS: "skip" }, 2),
    /Invalid MODEL_SERVER_BAD_RECORDS="skip": expected fail or mark/,
  );
  assert.equal(
    readServingConfig({ SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "application/jsonlines" }, 2)
      .defaultAccept,
    "application/jsonlines",
  );
});
