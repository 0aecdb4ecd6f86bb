import assert from "node:assert/strict";
import { AlgorithmError, type Matrix, type Model } from "../../algorithm/mod.ts";
import { TEST_ALGORITHM_MESSAGE, testHookModel } from "../../serving/test_hooks.ts";

const model: Model = {
  featureCount: 1,
  classes: ["a"],
  predict: (features: Matrix) => new Int32Array(features.rows),
  predictProba: (features: Matrix) => new Float64Array(features.rows).fill(1),
  describe: () => ({}),
};
const one: Matrix = { data: new Float64Array([1]), rows: 1, columns: 1 };

Deno.test("testHookModel() leaves a request without test attributes alone", () => {
  assert.equal(testHookModel(model, "probabilities=true"), undefined);
});

Deno.test("testHookModel() throws an AlgorithmError or a TypeError as test_throw asks", () => {
  assert.throws(
    () => testHookModel(model, "test_throw=algorithm-422")!.predict(one),
    (error: unknown) =>
      error instanceof AlgorithmError && error.status === 422 &&
      error.message === TEST_ALGORITHM_MESSAGE,
  );
  assert.throws(() => testHookModel(model, "x=1; test_throw=unexpected")!.predict(one), TypeError);
});

Deno.test("testHookModel() sleeps test_sleep_ms before the first prediction only", () => {
  const slow = testHookModel(model, "test_sleep_ms=50")!;
  let started = performance.now();
  assert.deepEqual(slow.predict(one), new Int32Array(1));
  assert.ok(performance.now() - started >= 45);
  started = performance.now();
  slow.predict(one);
  assert.ok(performance.now() - started < 45);
});
