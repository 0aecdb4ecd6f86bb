import assert from "node:assert/strict";
import { cart } from "../../algorithm/cart/mod.ts";
import { mlCart } from "../../algorithm/ml_cart/mod.ts";
import { parseHyperparameters } from "../../algorithm/hyperparameters.ts";
import {
  explainRecords,
  explainRecordsJson,
  supportedExplanations,
} from "../../algorithm/explanations.ts";
import type { Model } from "../../algorithm/types.ts";
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

Deno.test("explainRecordsJson() gives each explanation's fields as JSON text, with or without the model's explainJson", async () => {
  const iris = readDataset("iris");
  const tree = await cart.fit(iris, parseHyperparameters({ max_depth: "3" }, cart.hyperparameters));
  const some = { data: iris.features.data.subarray(0, 40), rows: 10, columns: 4 };
  // The same model without explainJson: its objects go through JSON.stringify.
  const objectsOnly: Model = {
    featureCount: 4,
    classes: tree.classes,
    predict: (features) => tree.predict(features),
    predictProba: (features) => tree.predictProba(features),
    describe: () => ({}),
    explanations: tree.explanations,
    explain: (features, options) => tree.explain!(features, options),
  };
  for (const kind of ["path", "shap"]) {
    const expected = explainRecords(tree, some, { kind, algorithm: "cart" })
      .map((explanation) => JSON.stringify(explanation).slice(1, -1));
    assert.deepEqual(explainRecordsJson(tree, some, { kind, algorithm: "cart" }), expected);
    assert.deepEqual(explainRecordsJson(objectsOnly, some, { kind, algorithm: "cart" }), expected);
  }
  assert.throws(
    () => explainRecordsJson(tree, some, { kind: "lime", algorithm: "cart" }),
    /^AlgorithmError: Unknown explanation "lime": cart supports path, shap$/,
  );
  const other = await mlCart.fit(iris, parseHyperparameters({}, mlCart.hyperparameters));
  assert.throws(
    () => explainRecordsJson(other, some, { kind: "path", algorithm: "ml-cart" }),
    /^AlgorithmError: ml-cart supports no explanations$/,
  );
});
