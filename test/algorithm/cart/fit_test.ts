import assert from "node:assert/strict";
import { cart } from "../../../algorithm/cart/mod.ts";
import { fitTree } from "../../../algorithm/cart/fit.ts";
import { parseHyperparameters } from "../../../algorithm/hyperparameters.ts";
import { readDataset } from "../../support/datasets.ts";
import { dataset, fit, leafSizes, noisy, stripes, tree } from "./support.ts";

Deno.test("cart fits the training data exactly when unbounded", async () => {
  const data = readDataset("breast_cancer");
  const model = await fit(data);
  const predicted = model.predict(data.features);
  // breast_cancer has no two identical rows with different labels, so every row is recovered.
  assert.deepEqual(Array.from(predicted), Array.from(data.labels));
});

Deno.test("cart max_leaf_nodes=3 gives exactly 3 leaves", async () => {
  const data = stripes(40, 5);
  assert.ok(tree(await fit(data)).leaves > 3);
  for (const limit of [2, 3, 7]) {
    const model = tree(await fit(data, { max_leaf_nodes: String(limit) }));
    assert.equal(model.leaves, limit);
    assert.equal(model.tree.nodes, 2 * limit - 1);
  }
});

Deno.test("cart max_leaf_nodes grows best first by impurity decrease", async () => {
  // x < 10 is pure class 0 (a large decrease); among x >= 10 the mix is split next.
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 30; i++) {
    rows.push([i]);
    labels.push(i < 10 ? 0 : i < 20 ? 1 : i < 25 ? 0 : 1);
  }
  const model = tree(await fit(dataset(rows, labels), { max_leaf_nodes: "2" }));
  assert.equal(model.tree.feature[0], 0);
  assert.equal(model.tree.threshold[0], 9.5);
});

Deno.test("cart min_samples_leaf=k leaves no leaf smaller than k", async () => {
  const data = noisy(300, 4, 7);
  assert.ok(Math.min(...leafSizes(await fit(data))) < 7);
  for (const k of [7, 20]) {
    const sizes = leafSizes(await fit(data, { min_samples_leaf: String(k) }));
    assert.ok(Math.min(...sizes) >= k, `smallest leaf ${Math.min(...sizes)} with k=${k}`);
    assert.equal(sizes.reduce((a, b) => a + b), 300);
  }
  // A fraction means ceil(fraction * rows): 0.05 * 300 = 15.
  assert.ok(Math.min(...leafSizes(await fit(data, { min_samples_leaf: "0.05" }))) >= 15);
});

Deno.test("cart max_depth=d grows no deeper than d", async () => {
  const data = noisy(300, 4, 3);
  assert.ok(tree(await fit(data)).depth > 4);
  for (const d of [1, 2, 4]) {
    const model = tree(await fit(data, { max_depth: String(d) }));
    assert.equal(model.depth, d);
    assert.equal(model.describe().depth, d);
  }
});

Deno.test("cart min_samples_split leaves a node with fewer rows unsplit", async () => {
  const data = stripes(10, 5); // 10 rows, one perfect split at 4.5
  assert.equal(tree(await fit(data, { min_samples_split: "10" })).leaves, 2);
  assert.equal(tree(await fit(data, { min_samples_split: "11" })).leaves, 1);
  // A fraction means ceil(fraction * rows): ceil(0.95 * 10) = 10 still splits the root.
  assert.equal(tree(await fit(data, { min_samples_split: "0.95" })).leaves, 2);
});

Deno.test("cart fit stops with the abort reason", async () => {
  const controller = new AbortController();
  controller.abort(new Error("SIGTERM"));
  await assert.rejects(
    cart.fit(stripes(10, 5), parseHyperparameters({}, cart.hyperparameters), {
      signal: controller.signal,
    }),
    /SIGTERM/,
  );
});

for (const maxLeafNodes of [undefined, "8"]) {
  const order = maxLeafNodes === undefined ? "depth first" : "best first";
  Deno.test(`cart fit (${order}) stops at its next split once the signal aborts mid-fit`, async () => {
    // The signal aborts from the log line written between binning and growing, so the
    // rejection depends on the checkpoint reading the signal, not on how long the fit takes.
    const controller = new AbortController();
    const reason = new Error("Stopped while growing");
    const raw: Record<string, string> = maxLeafNodes === undefined
      ? {}
      : { max_leaf_nodes: maxLeafNodes };
    const lines: string[] = [];
    await assert.rejects(
      cart.fit(noisy(300, 4, 3), parseHyperparameters(raw, cart.hyperparameters), {
        signal: controller.signal,
        log(message) {
          lines.push(message);
          if (message.startsWith("cart: binned")) controller.abort(reason);
        },
      }),
      (error) => error === reason,
    );
    assert.equal(lines.length, 1, `the fit went on growing: ${lines.join("; ")}`);
  });
}

Deno.test("fitTree() refuses data it cannot fit, naming the problem", async () => {
  const params = parseHyperparameters({}, cart.hyperparameters);
  const good = dataset([[0], [1]], [0, 1]);
  const empty = { data: new Float64Array(0), rows: 0, columns: 1 };
  await assert.rejects(
    fitTree({ ...good, features: empty, labels: new Int32Array(0) }, params),
    /^Error: Cannot fit a tree to 0 rows$/,
  );
  await assert.rejects(
    fitTree({ ...good, labels: Int32Array.of(0) }, params),
    /^Error: Cannot fit a tree: 2 rows but 1 labels$/,
  );
  await assert.rejects(
    fitTree({ ...good, features: { data: Float64Array.of(0, 1, 2), rows: 2, columns: 1 } }, params),
    /^Error: Cannot fit a tree: expected 2 feature values, found 3$/,
  );
  await assert.rejects(
    fitTree({ ...good, labels: Int32Array.of(0, 2) }, params),
    /^Error: Cannot fit a tree: label 2 of row 1 is not a class index$/,
  );
});

Deno.test("fitTree() records the effective hyperparameters by their scikit-learn names", async () => {
  const raw = { min_samples_leaf: "0.05", max_features: "sqrt", random_state: "3" };
  const fitted = await fitTree(noisy(200, 4, 5), parseHyperparameters(raw, cart.hyperparameters));
  assert.deepEqual(fitted.params, {
    criterion: "gini",
    max_depth: null,
    min_samples_split: 20, // at least twice min_samples_leaf
    min_samples_leaf: 10, // ceil(0.05 * 200)
    max_leaf_nodes: null,
    min_impurity_decrease: 0,
    max_features: 2, // floor(sqrt(4))
    random_state: 3,
    class_weight: null,
    max_bins: 256,
  });
});
