import assert from "node:assert/strict";
import { cart, CartModel } from "../../algorithm/cart.ts";
import { parseHyperparameters } from "../../algorithm/hyperparameters.ts";
import type { Dataset, Matrix, Model } from "../../algorithm/types.ts";
import { type DatasetName, readDataset } from "../support/datasets.ts";

/** The rows `indices` of a dataset. */
function pick(dataset: Dataset, indices: number[]): Dataset {
  const { columns, data } = dataset.features;
  const out = new Float64Array(indices.length * columns);
  indices.forEach((r, i) => out.set(data.subarray(r * columns, (r + 1) * columns), i * columns));
  return {
    features: { data: out, rows: indices.length, columns },
    labels: Int32Array.from(indices, (r) => dataset.labels[r]),
    classes: dataset.classes,
  };
}

/**
 * 5-fold cross-validated accuracy with fixed folds: row i is in fold i % 5. Every row is
 * predicted once by a tree that did not see it; the result is the share predicted right.
 */
async function crossValidated(dataset: Dataset, raw: Record<string, string>): Promise<number> {
  const params = parseHyperparameters(raw, cart.hyperparameters);
  let correct = 0;
  for (let fold = 0; fold < 5; fold++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let r = 0; r < dataset.features.rows; r++) (r % 5 === fold ? test : train).push(r);
    const model = await cart.fit(pick(dataset, train), params);
    const held = pick(dataset, test);
    const predicted = model.predict(held.features);
    predicted.forEach((k, i) => {
      if (k === held.labels[i]) correct++;
    });
  }
  return correct / dataset.features.rows;
}

function matrix(rows: number[][]): Matrix {
  return { data: Float64Array.from(rows.flat()), rows: rows.length, columns: rows[0].length };
}

function dataset(rows: number[][], labels: number[], classCount = 2): Dataset {
  return {
    features: matrix(rows),
    labels: Int32Array.from(labels),
    classes: Array.from({ length: classCount }, (_, k) => `c${k}`),
  };
}

function fit(data: Dataset, raw: Record<string, string> = {}): Promise<Model> {
  return cart.fit(data, parseHyperparameters(raw, cart.hyperparameters));
}

function tree(model: Model): CartModel {
  assert.ok(model instanceof CartModel);
  return model;
}

/** Unweighted training rows per leaf (the leaves' class counts, without class weights). */
function leafSizes(model: Model): number[] {
  const { tree: flat } = tree(model);
  const sizes: number[] = [];
  for (let node = 0; node < flat.nodes; node++) {
    if (flat.left[node] !== -1) continue;
    let total = 0;
    for (let k = 0; k < flat.classCount; k++) total += flat.value[node * flat.classCount + k];
    sizes.push(total);
  }
  return sizes;
}

/** One feature 0..n-1 with labels alternating in runs of `run`: many leaves when unbounded. */
function stripes(n: number, run: number): Dataset {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    rows.push([i]);
    labels.push(Math.floor(i / run) % 2);
  }
  return dataset(rows, labels);
}

/** Deterministic pseudo-random 3-class data with `columns` features. */
function noisy(n: number, columns: number, seed: number): Dataset {
  let state = seed;
  function next(): number {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 4_294_967_296;
  }
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: columns }, () => Math.round(next() * 1000) / 100);
    rows.push(row);
    labels.push((row[0] + row[1] + next() * 4 > 12 ? 1 : 0) + (row[2] > 7 ? 1 : 0));
  }
  return dataset(rows, labels, 3);
}

// Reference accuracies from scikit-learn 1.2.1 (Debian bookworm's python3-sklearn, Python 3.11.2),
// produced by `/usr/bin/python3 bench/learner/sklearn_reference.py`: 5-fold cross-validation with
// row i in fold i % 5, DecisionTreeClassifier(random_state=0) with default hyperparameters
// except those named. scikit-learn breaks ties between equally good splits at random, so its own
// figure moves with random_state (its min..max over random_state 0..9 is noted).
const SKLEARN_REFERENCE: [DatasetName, Record<string, string>, number][] = [
  ["iris", {}, 0.9400], // random_state 0..9: 0.9333 .. 0.9467
  ["iris", { criterion: "entropy" }, 0.9333], // 0.9333 .. 0.9467
  ["wine", {}, 0.8989], // 0.8933 .. 0.9382
  ["wine", { criterion: "entropy" }, 0.9326], // 0.9101 .. 0.9438
  ["breast_cancer", {}, 0.9402], // 0.9262 .. 0.9438
  ["breast_cancer", { criterion: "entropy" }, 0.9279], // 0.9174 .. 0.9350
];

for (const [name, raw, reference] of SKLEARN_REFERENCE) {
  Deno.test(`cart accuracy on ${name} ${JSON.stringify(raw)} is within 1 point of scikit-learn's ${reference}`, async () => {
    const accuracy = await crossValidated(readDataset(name), { random_state: "0", ...raw });
    assert.ok(
      Math.abs(accuracy - reference) <= 0.01,
      `accuracy ${accuracy.toFixed(4)} vs scikit-learn ${reference}`,
    );
  });
}

Deno.test("cart max_leaf_nodes=5 stays within scikit-learn's range over random states", async () => {
  // Same script: max_leaf_nodes=5, min..max over random_state 0..9 (ties decide the 5 leaves).
  const ranges: [DatasetName, number, number][] = [
    ["iris", 0.9400, 0.9467],
    ["wine", 0.8933, 0.9101],
    ["breast_cancer", 0.9086, 0.9192],
  ];
  for (const [name, low, high] of ranges) {
    const accuracy = await crossValidated(readDataset(name), { max_leaf_nodes: "5" });
    assert.ok(
      accuracy >= low - 0.01 && accuracy <= high + 0.01,
      `${name}: accuracy ${accuracy.toFixed(4)} outside ${low}..${high} +- 0.01`,
    );
  }
});

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

Deno.test("cart min_impurity_decrease uses scikit-learn's weighted formula", async () => {
  // 8 rows: x 0..3 are class 0, x 4..7 are class 1,0,1,1. Root gini = 1 - (5/8)^2 - (3/8)^2
  // = 0.46875; the best split (x <= 3.5) leaves left pure and right gini 0.375, so the root's
  // decrease is 0.46875 - 4/8 * 0.375 = 0.28125. The right child's best split (x <= 5.5) leaves
  // gini 0.5 on 2 rows: 4/8 * (0.375 - 2/4 * 0.5) = 0.0625.
  const data = dataset([[0], [1], [2], [3], [4], [5], [6], [7]], [0, 0, 0, 0, 1, 0, 1, 1]);
  const below = tree(await fit(data, { min_impurity_decrease: "0.28", max_depth: "1" }));
  assert.equal(below.leaves, 2);
  assert.equal(below.tree.threshold[0], 3.5);
  const above = tree(await fit(data, { min_impurity_decrease: "0.282", max_depth: "1" }));
  assert.equal(above.leaves, 1);
  assert.equal(tree(await fit(data, { min_impurity_decrease: "0.062" })).leaves, 4);
  assert.equal(tree(await fit(data, { min_impurity_decrease: "0.063" })).leaves, 2);
});

Deno.test("cart entropy uses log base 2 like scikit-learn", async () => {
  // Root entropy of 4 vs 4 is 1 bit; a perfect split decreases it by exactly 1.
  const data = stripes(8, 4);
  const fitted = (value: string) =>
    fit(data, { criterion: "entropy", min_impurity_decrease: value });
  assert.equal(tree(await fitted("0.999")).leaves, 2);
  assert.equal(tree(await fitted("1.001")).leaves, 1);
});

Deno.test("cart max_features with random_state is deterministic and draws features", async () => {
  const data = noisy(400, 8, 11);
  const save = async (raw: Record<string, string>) =>
    JSON.stringify(cart.save(await fit(data, raw)));
  for (const features of ["sqrt", "log2", "3", "0.5"]) {
    const a = await save({ max_features: features, random_state: "42" });
    const b = await save({ max_features: features, random_state: "42" });
    assert.equal(a, b, `max_features=${features}`);
  }
  const seeds = new Set<string>();
  for (let seed = 0; seed < 5; seed++) {
    seeds.add(await save({ max_features: "2", random_state: String(seed) }));
  }
  assert.ok(seeds.size > 1, "different random states grow the same tree");
  // Without a feature draw, the tree does not depend on random_state.
  assert.equal(
    await save({ random_state: "1" }),
    (await save({ random_state: "2" })).replace(
      /"random_state":2/,
      '"random_state":1',
    ),
  );
  const params = tree(await fit(data, { max_features: "sqrt" })).params;
  assert.equal(params.max_features, 2); // floor(sqrt(8))
});

Deno.test("cart class_weight=balanced changes a skewed result", async () => {
  // x=0: 90 of class 0 and 10 of class 1; x=1: 30 of class 0 and 8 of class 1. Unweighted,
  // both sides predict class 0. Balanced weights are 138 / (2 * 120) and 138 / (2 * 18), so
  // x=1 weighs 17.25 for class 0 against 30.67 for class 1.
  const rows: number[][] = [];
  const labels: number[] = [];
  const add = (x: number, label: number, count: number) => {
    for (let i = 0; i < count; i++) {
      rows.push([x]);
      labels.push(label);
    }
  };
  add(0, 0, 90);
  add(0, 1, 10);
  add(1, 0, 30);
  add(1, 1, 8);
  const data = dataset(rows, labels);
  const probe = matrix([[0], [1]]);
  assert.deepEqual(Array.from((await fit(data)).predict(probe)), [0, 0]);
  const balanced = await fit(data, { class_weight: "balanced" });
  assert.deepEqual(Array.from(balanced.predict(probe)), [0, 1]);
  const p = balanced.predictProba(probe);
  const w0 = 138 / 240;
  const w1 = 138 / 36;
  assert.ok(Math.abs(p[3] - (8 * w1) / (30 * w0 + 8 * w1)) < 1e-12);
});

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

Deno.test("cart refuses a record with the wrong number of features", async () => {
  const model = await fit(stripes(10, 5));
  assert.throws(() => model.predict(matrix([[1, 2]])), /expected 1 features per record, found 2/);
});

Deno.test("cart save/load round trip gives identical predictions and probabilities", async () => {
  const data = readDataset("breast_cancer");
  const model = await fit(data, { max_depth: "6", class_weight: "balanced" });
  const saved = JSON.parse(JSON.stringify(cart.save(model)));
  const header = { featureCount: data.features.columns, classes: data.classes };
  const loaded = await cart.load(saved, header);
  assert.deepEqual(loaded.predict(data.features), model.predict(data.features));
  assert.deepEqual(loaded.predictProba(data.features), model.predictProba(data.features));
  assert.deepEqual(loaded.describe(), model.describe());
  assert.equal(tree(loaded).params.class_weight, "balanced");
});

Deno.test("cart load refuses a damaged payload with a clear message", async () => {
  const data = readDataset("iris");
  const model = await fit(data);
  const header = { featureCount: 4, classes: data.classes };
  const good = cart.save(model) as Record<string, unknown>;
  function damaged(change: Record<string, unknown>): unknown {
    return { ...good, ...change };
  }
  function encode(values: number[], type: "int32" | "float64"): string {
    const array = type === "int32" ? Int32Array.from(values) : Float64Array.from(values);
    return new Uint8Array(array.buffer).toBase64();
  }
  const nodes = good.nodes as number;
  const left = Array.from(new Int32Array(Uint8Array.fromBase64(good.left as string).buffer));
  const feature = Array.from(new Int32Array(Uint8Array.fromBase64(good.feature as string).buffer));
  assert.doesNotThrow(() => cart.load(good, header));
  const cases: [unknown, RegExp][] = [
    [null, /expected an object/],
    [damaged({ format: "xgboost" }), /format "xgboost"/],
    [damaged({ nodes: 0 }), /node count 0/],
    [damaged({ left: (good.left as string).slice(0, -8) }), /left holds \d+ bytes, expected/],
    [damaged({ value: "not base64!" }), /value is not valid base64/],
    [damaged({ left: encode(left.map((l) => (l === -1 ? -1 : 0)), "int32") }), /children/],
    [damaged({ left: encode(left.map((l) => (l === -1 ? -1 : nodes)), "int32") }), /children/],
    [damaged({ feature: encode(feature.map((f) => (f >= 0 ? 4 : f)), "int32") }), /feature 4/],
    [damaged({ leaves: (good.leaves as number) + 1 }), /leaves/],
    [damaged({ classCount: 2 }), /2 classes/],
    [
      damaged({ value: encode(new Array(nodes * 3).fill(-1), "float64") }),
      /class count -1/,
    ],
  ];
  for (const [payload, message] of cases) {
    assert.throws(() => cart.load(payload, header), message);
  }
  assert.throws(() => cart.load(good, { featureCount: 5, classes: data.classes }), /5/);
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

Deno.test("cart hyperparameters reject malformed values, naming what they accept", () => {
  const specs = cart.hyperparameters;
  assert.throws(() => parseHyperparameters({ max_depth: "0" }, specs), /max_depth/);
  assert.throws(
    () => parseHyperparameters({ max_features: "half" }, specs),
    /max_features="half": expected sqrt, log2, none/,
  );
  assert.throws(() => parseHyperparameters({ min_samples_split: "1" }, specs), /integer >= 2/);
  assert.throws(() => parseHyperparameters({ min_samples_leaf: "1.0" }, specs), /\(0, 1\)/);
  assert.throws(() => parseHyperparameters({ class_weight: "auto" }, specs), /balanced or none/);
  assert.throws(() => parseHyperparameters({ splitter: "best" }, specs), /Unknown hyperparameter/);
  const parsed = parseHyperparameters({
    max_features: "1.0",
    max_leaf_nodes: "none",
    class_weight: "balanced",
  }, specs);
  assert.equal(parsed.max_features, null);
  assert.equal(parsed.max_leaf_nodes, null);
  assert.equal(parsed.class_weight, "balanced");
  assert.equal(parsed.min_samples_leaf, 1);
  assert.equal(parsed.criterion, "gini");
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
