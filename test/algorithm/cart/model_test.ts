import assert from "node:assert/strict";
import type { Dataset } from "../../../algorithm/types.ts";
import { readDataset } from "../../support/datasets.ts";
import { fitBinnedTree } from "../../../algorithm/cart/fit.ts";
import { cart, CartModel } from "../../../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../../../algorithm/hyperparameters.ts";
import { binned, copyOf, fit, matrix, noisy, stripes } from "./support.ts";

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

Deno.test("CartModel.fittedPredictions() are the predictions of the rows as a binned fit left them", async () => {
  const data = await binned(noisy(4000, 5, 31), 64);
  const settings: Record<string, string>[] = [
    { random_state: "0" },
    { max_depth: "4", min_samples_leaf: "9", random_state: "0" },
    { max_leaf_nodes: "2", random_state: "0" },
    { max_leaf_nodes: "37", class_weight: "balanced", random_state: "0" },
    { max_leaf_nodes: "200", max_features: "2", random_state: "3" },
    // A root that is a leaf.
    { min_samples_split: "100000", random_state: "0" },
  ];
  for (const raw of settings) {
    const params = parseHyperparameters(raw, cart.hyperparameters);
    for (const threads of [1, 2, 3]) {
      const rows = copyOf(data, true);
      const fitted = await fitBinnedTree(rows, params, { threads, parallelMinRows: 500 });
      const model = new CartModel(fitted.tree, {
        ...fitted,
        featureCount: 5,
        classes: rows.classes,
      });
      const known = model.fittedPredictions();
      assert.ok(known !== undefined, `${JSON.stringify(raw)} on ${threads} threads`);
      assert.deepEqual(known, model.predictBinned(rows.features), JSON.stringify(raw));
    }
  }
});

Deno.test("CartModel.fittedPredictions() is undefined when the fit did not move the caller's rows", async () => {
  const data = await binned(noisy(3000, 4, 32), 64);
  const params = parseHyperparameters({ random_state: "0" }, cart.hyperparameters);
  // Codes outside shared memory are copied for the row workers: the caller's rows keep their order.
  const unshared = copyOf(data, false);
  const fitted = await fitBinnedTree(unshared, params, { threads: 2, parallelMinRows: 500 });
  assert.equal(fitted.nodeRows, undefined);
  const model = await cart.fitBinned!(copyOf(data, true), params);
  const saved = cart.save(model);
  const loaded = await cart.load(saved, { featureCount: 4, classes: data.classes });
  assert.equal(loaded.fittedPredictions?.(), undefined);
});
