import assert from "node:assert/strict";
import { ML_CART_MAX_ROWS } from "../../../algorithm/ml_cart/advice.ts";
import { mlCart } from "../../../algorithm/ml_cart/mod.ts";
import { parseHyperparameters } from "../../../algorithm/hyperparameters.ts";
import type { Dataset } from "../../../algorithm/types.ts";
import { readDataset } from "../../support/datasets.ts";

Deno.test("mlCart fits iris and predicts through the Algorithm interface", async () => {
  const iris = readDataset("iris");
  const model = await mlCart.fit(iris, parseHyperparameters({}, mlCart.hyperparameters));
  const predicted = model.predict(iris.features);
  let correct = 0;
  predicted.forEach((k, i) => {
    if (k === iris.labels[i]) correct++;
  });
  assert.ok(correct / 150 > 0.95, `training accuracy ${correct / 150}`);
  const p = model.predictProba(iris.features);
  assert.equal(p.length, 150 * 3);
  assert.equal(model.describe().algorithm, "ml-cart");
});

Deno.test("mlCart save/load round trip gives identical predictions", async () => {
  const iris = readDataset("iris");
  const model = await mlCart.fit(
    iris,
    parseHyperparameters({ max_depth: "3" }, mlCart.hyperparameters),
  );
  const saved = JSON.parse(JSON.stringify(mlCart.save(model)));
  const loaded = await mlCart.load(saved, { featureCount: 4, classes: iris.classes });
  assert.deepEqual(loaded.predict(iris.features), model.predict(iris.features));
  assert.deepEqual(loaded.predictProba(iris.features), model.predictProba(iris.features));
});

Deno.test("mlCart refuses too many rows with the estimated time unless allow_slow", async () => {
  const rows = ML_CART_MAX_ROWS + 1;
  const data: Dataset = {
    features: { data: new Float64Array(rows * 20), rows, columns: 20 },
    labels: new Int32Array(rows),
    classes: ["a"],
  };
  await assert.rejects(
    mlCart.fit(data, parseHyperparameters({}, mlCart.hyperparameters)),
    /ml-cart would take about 18 s for 5001 rows x 20 features .*allow_slow=true/,
  );
});

Deno.test("mlCart refuses a record with the wrong number of features", async () => {
  const iris = readDataset("iris");
  const model = await mlCart.fit(iris, parseHyperparameters({}, mlCart.hyperparameters));
  assert.throws(
    () => model.predict({ data: new Float64Array(3), rows: 1, columns: 3 }),
    /expected 4 features per record, found 3/,
  );
});
