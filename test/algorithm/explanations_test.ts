import assert from "node:assert/strict";
import { cart } from "../../algorithm/cart/mod.ts";
import { mlCart } from "../../algorithm/ml_cart/mod.ts";
import { parseHyperparameters } from "../../algorithm/hyperparameters.ts";
import { explainRecords, supportedExplanations } from "../../algorithm/explanations.ts";
import { readDataset } from "../support/datasets.ts";

Deno.test("explainRecords() explains with a kind the model gives, and refuses the others with 400", async () => {
  const iris = readDataset("iris");
  const tree = await cart.fit(iris, parseHyperparameters({ max_depth: "3" }, cart.hyperparameters));
  assert.deepEqual(supportedExplanations(tree), ["path", "shap"]);
  const one = { data: iris.features.data.subarray(0, 4), rows: 1, columns: 4 };
  const [shap] = explainRecords(tree, one, { kind: "shap", algorithm: "cart" });
  assert.equal(shap.kind, "shap");
  assert.equal(explainRecords(tree, one, { kind: "path", algorithm: "cart" })[0].kind, "path");
  assert.throws(
    () => explainRecords(tree, one, { kind: "lime", algorithm: "cart" }),
    (error: Error & { status?: number }) =>
      error.status === 400 &&
      error.message === 'Unknown explanation "lime": cart supports path, shap',
  );
  const other = await mlCart.fit(iris, parseHyperparameters({}, mlCart.hyperparameters));
  assert.deepEqual(supportedExplanations(other), []);
  assert.throws(
    () => explainRecords(other, one, { kind: "shap", algorithm: "ml-cart" }),
    (error: Error & { status?: number }) =>
      error.status === 400 && error.message === "ml-cart supports no explanations",
  );
});
