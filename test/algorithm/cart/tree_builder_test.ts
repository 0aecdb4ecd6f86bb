import assert from "node:assert/strict";
import { dataset, fit, matrix, tree } from "./support.ts";

Deno.test("cart sends NaN to the right child in training and prediction", async () => {
  // NaN rows are class 1 like the high values; NaN counts as larger than every number.
  const data = dataset([[1], [2], [3], [10], [11], [NaN]], [0, 0, 0, 1, 1, 1]);
  const model = tree(await fit(data));
  assert.equal(model.leaves, 2);
  assert.equal(model.tree.threshold[0], 6.5);
  assert.deepEqual(Array.from(model.predict(matrix([[NaN], [0], [100]]))), [1, 0, 1]);
});

Deno.test("cart thresholds lie halfway between training values, as in scikit-learn", async () => {
  const model = tree(await fit(dataset([[0.5], [1.5], [2.5], [4.5]], [0, 0, 1, 1])));
  assert.equal(model.tree.threshold[0], 2);
  assert.deepEqual(Array.from(model.predict(matrix([[2], [2.0000001]]))), [0, 1]);
});
