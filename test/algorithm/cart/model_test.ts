import assert from "node:assert/strict";
import type { Dataset } from "../../../algorithm/types.ts";
import { readDataset } from "../../support/datasets.ts";
import { fit, matrix, stripes } from "./support.ts";

Deno.test("cart predictProba gives leaf class fractions that sum to 1", async () => {
  const data = readDataset("iris");
  const model = await fit(data, { max_depth: "2" });
  const p = model.predictProba(data.features);
  const predicted = model.predict(data.features);
  for (let r = 0; r < data.features.rows; r++) {
    const row = Array.from(p.subarray(r * 3, r * 3 + 3));
    assert.ok(Math.abs(row.reduce((a, b) => a + b) - 1) < 1e-12);
    assert.equal(predicted[r], row.indexOf(Math.max(...row)));
  }
  // Depth 2 on iris: the versicolor leaf (petal width <= 1.75) holds 49 versicolor, 5 virginica.
  const versicolor = Array.from(p).findIndex((v) => Math.abs(v - 49 / 54) < 1e-12);
  assert.ok(versicolor >= 0);
});

Deno.test("cart refuses a record with the wrong number of features", async () => {
  const model = await fit(stripes(10, 5));
  assert.throws(() => model.predict(matrix([[1, 2]])), /expected 1 features per record, found 2/);
});

Deno.test("CartModel.predict() gives every small prediction its own memory", async () => {
  const data: Dataset = {
    features: { data: Float64Array.from([0, 1, 2, 3]), rows: 4, columns: 1 },
    labels: Int32Array.from([0, 0, 1, 1]),
    classes: ["a", "b"],
  };
  const model = await fit(data);
  const one = (x: number) => model.predict({ data: Float64Array.of(x), rows: 1, columns: 1 });
  const kept = Array.from({ length: 20_000 }, (_, i) => one(i % 4));
  assert.ok(kept.every((labels, i) => labels.length === 1 && labels[0] === (i % 4 < 2 ? 0 : 1)));
  kept[0][0] = 7;
  assert.equal(kept[1][0], 0);
  const many = model.predict({ data: new Float64Array(1000).fill(3), rows: 1000, columns: 1 });
  assert.ok(many.every((label) => label === 1));
});
